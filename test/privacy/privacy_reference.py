#!/usr/bin/python3
"""Independent references for src/privacy: scikit-learn's ROC metrics and scipy's distributions.

Reads one JSON request on stdin, a list of {"op": ..., ...}; writes the list of answers as JSON.
  roc        members, non_members -> sklearn roc_auc_score and roc_curve(drop_intermediate=False)
  beta_ppf   q, a, b              -> scipy.stats.beta.ppf
  betainc    x, a, b              -> scipy.special.betainc (regularized)
  gammaln    x                    -> scipy.special.gammaln
  norm_cdf   x                    -> scipy.stats.norm.cdf
  norm_logsf x                    -> scipy.stats.norm.logsf
  gaussian_epsilon mu, delta      -> ε of the Gaussian mechanism N(mu, 1) vs N(0, 1) at δ, from its exact
                                     privacy profile δ(ε) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2) (Balle & Wang 2018)
"""
import json
import sys

import numpy as np
from scipy import optimize, special, stats
from sklearn.metrics import roc_auc_score, roc_curve


def finite(values):
    # JSON has no Infinity; sklearn 1.2 puts max + 1 first, later versions +inf.
    return [None if not np.isfinite(v) else float(v) for v in values]


def answer(req):
    op = req["op"]
    if op == "roc":
        m = np.asarray(req["members"], dtype=np.float64)
        n = np.asarray(req["non_members"], dtype=np.float64)
        y = np.concatenate([np.ones(len(m)), np.zeros(len(n))])
        s = np.concatenate([m, n])
        fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
        return {"auc": float(roc_auc_score(y, s)), "fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": finite(thr)}
    if op == "beta_ppf":
        return float(stats.beta.ppf(req["q"], req["a"], req["b"]))
    if op == "betainc":
        return float(special.betainc(req["a"], req["b"], req["x"]))
    if op == "gammaln":
        return float(special.gammaln(req["x"]))
    if op == "norm_cdf":
        return float(stats.norm.cdf(req["x"]))
    if op == "norm_logsf":
        return float(stats.norm.logsf(req["x"]))
    if op == "gaussian_epsilon":
        mu, delta = req["mu"], req["delta"]

        def excess(eps):
            return stats.norm.cdf(-eps / mu + mu / 2) - np.exp(eps) * stats.norm.cdf(-eps / mu - mu / 2) - delta

        return float(optimize.brentq(excess, 0, 100, xtol=1e-12))
    raise ValueError(f"unknown op {op!r}")


json.dump([answer(r) for r in json.load(sys.stdin)], sys.stdout)
