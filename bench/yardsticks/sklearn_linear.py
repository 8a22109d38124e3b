"""scikit-learn's linear models on a split given by privlab: the yardstick of
`privlab bench fhe-sklearn` and the exporter of trained weights.

Reads JSON on stdin: {"xTrain": [[...]], "yTrain": [...], "xTest": [[...]], "yTest": [...],
"models": ["logistic-regression" | "linear-svc" | "linear-regression", ...], "tight": bool}
and prints JSON: per model its test score (accuracy, or R^2 for regression), its test
predictions, and the model in privlab's format ({"format": "privlab.linear-model", "kind",
"coef", "intercept", "classes"}), which src/models/model-json.ts imports.

Models: LogisticRegression(C=1, multi_class="ovr"), LinearSVC(C=1), LinearRegression().
"tight" sets tolerances far below the defaults (the tests compare coefficients).
Run with the system python (Debian's python3-sklearn): /usr/bin/python3 sklearn_linear.py < split.json
"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import LinearSVC


def make(kind, tight):
    if kind == "logistic-regression":
        return LogisticRegression(C=1.0, multi_class="ovr", **({"tol": 1e-12, "max_iter": 100000} if tight else {"max_iter": 1000}))
    if kind == "linear-svc":
        return LinearSVC(C=1.0, **({"tol": 1e-12, "max_iter": 1000000, "dual": False} if tight else {"dual": False}))
    if kind == "linear-regression":
        return LinearRegression()
    raise ValueError("unknown model kind %r" % kind)


def export(kind, model):
    out = {"format": "privlab.linear-model", "version": 1, "kind": kind,
           "coef": np.atleast_2d(model.coef_).tolist(), "intercept": np.atleast_1d(model.intercept_).tolist()}
    if hasattr(model, "classes_"):
        out["classes"] = model.classes_.tolist()
    return out


def main():
    task = json.load(sys.stdin)
    x_train, y_train = np.asarray(task["xTrain"], float), np.asarray(task["yTrain"], float)
    x_test, y_test = np.asarray(task["xTest"], float), np.asarray(task["yTest"], float)
    result = {"sklearn": __import__("sklearn").__version__, "models": {}}
    for kind in task["models"]:
        model = make(kind, task.get("tight", False))
        t0 = time.perf_counter()
        model.fit(x_train, y_train)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pred = model.predict(x_test)
        ms = (time.perf_counter() - t0) * 1000 / len(x_test)
        result["models"][kind] = {"score": float(model.score(x_test, y_test)), "predictions": pred.tolist(),
                                  "fit_s": fit_s, "ms_per_prediction": ms, "model": export(kind, model)}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
