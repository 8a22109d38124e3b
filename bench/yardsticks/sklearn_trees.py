"""scikit-learn's and XGBoost's tree classifiers on a split given by privlab: the yardstick of
`privlab bench fhe-sklearn --models decision-tree,random-forest,xgboost` and the exporter of
trained trees.

Reads JSON on stdin: {"xTrain": [[...]], "yTrain": [...], "xTest": [[...]], "yTest": [...],
"models": [{"kind": "decision-tree" | "random-forest" | "xgboost", "maxDepth": d,
"nEstimators": n, "seed": s}, ...]} and prints JSON: per kind its test accuracy, test
predictions, probabilities of the second class (and of every class: proba_all), and the model in privlab's format
({"format": "privlab.tree-model", ...}), which src/models/trees/tree-json.ts imports.

Models: DecisionTreeClassifier(max_depth), RandomForestClassifier(n_estimators, max_depth),
XGBClassifier(n_estimators, max_depth, tree_method="exact"; XGBoost 1.7's other defaults).
Run with the system python (Debian's python3-sklearn, python3-xgboost):
/usr/bin/python3 sklearn_trees.py < split.json
"""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier


def sklearn_tree(t):
    # value holds class counts (weighted); privlab's leaves hold probabilities
    value = t.value[:, 0, :]
    value = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-300)
    return {"feature": [int(f) if f >= 0 else -1 for f in t.feature], "threshold": [float(v) for v in t.threshold],
            "left": [int(c) for c in t.children_left], "right": [int(c) for c in t.children_right], "value": value.tolist()}


def xgb_tree(dump):
    # a booster dump (JSON) as flat arrays, nodes renumbered depth first so children follow parents
    out = {"feature": [], "threshold": [], "left": [], "right": [], "value": []}

    def walk(node):
        i = len(out["feature"])
        for k in out:
            out[k].append(None)
        if "leaf" in node:
            out["feature"][i], out["threshold"][i], out["left"][i], out["right"][i] = -1, 0.0, -1, -1
            out["value"][i] = [float(node["leaf"])]
            return i
        kids = {c["nodeid"]: c for c in node["children"]}
        out["feature"][i] = int(node["split"].lstrip("f"))
        out["threshold"][i] = float(np.float32(node["split_condition"]))
        out["value"][i] = [0.0]
        out["left"][i] = walk(kids[node["yes"]])
        out["right"][i] = walk(kids[node["no"]])
        return i

    walk(dump)
    return out


def main():
    task = json.load(sys.stdin)
    x_train, y_train = np.asarray(task["xTrain"], float), np.asarray(task["yTrain"], float)
    x_test, y_test = np.asarray(task["xTest"], float), np.asarray(task["yTest"], float)
    result = {"sklearn": __import__("sklearn").__version__, "xgboost": None, "models": {}}
    for spec in task["models"]:
        kind, depth, n, seed = spec["kind"], spec.get("maxDepth"), spec.get("nEstimators", 100), spec.get("seed", 0)
        if kind == "decision-tree":
            model = DecisionTreeClassifier(max_depth=depth, random_state=seed)
        elif kind == "random-forest":
            model = RandomForestClassifier(n_estimators=n, max_depth=depth, random_state=seed, n_jobs=1)
        elif kind == "xgboost":
            import xgboost
            result["xgboost"] = xgboost.__version__
            model = xgboost.XGBClassifier(n_estimators=n, max_depth=depth, tree_method="exact", n_jobs=1, random_state=seed)
        else:
            raise ValueError("unknown model kind %r" % kind)
        t0 = time.perf_counter()
        model.fit(x_train, y_train.astype(int) if kind == "xgboost" else y_train)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pred = model.predict(x_test)
        ms = (time.perf_counter() - t0) * 1000 / len(x_test)
        proba_all = model.predict_proba(x_test)
        proba = proba_all[:, 1]
        classes = [float(c) for c in np.unique(y_train)]
        if kind == "xgboost":
            booster = model.get_booster()
            trees = [xgb_tree(json.loads(d)) for d in booster.get_dump(dump_format="json")]
            base = float(json.loads(booster.save_config())["learner"]["learner_model_param"]["base_score"])
            # binary:logistic starts every row at logit(base_score); multi:softprob at base_score itself
            # (its trees come one per class per round, tree i adding to class i mod K)
            margin = float(np.log(base / (1 - base))) if len(np.unique(y_train)) == 2 else base
            exported = {"rule": "<", "baseMargin": margin, "trees": trees}
            pred = np.asarray(classes)[pred.astype(int)]
        else:
            estimators = [model] if kind == "decision-tree" else model.estimators_
            exported = {"rule": "<=", "baseMargin": 0.0, "trees": [sklearn_tree(e.tree_) for e in estimators]}
        exported.update({"format": "privlab.tree-model", "version": 1, "kind": kind, "features": int(x_train.shape[1]), "classes": classes})
        result["models"][kind] = {"score": float(np.mean(pred == y_test)), "predictions": pred.tolist(), "proba": proba.tolist(), "proba_all": proba_all.tolist(),
                                  "fit_s": fit_s, "ms_per_prediction": ms, "model": exported}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
