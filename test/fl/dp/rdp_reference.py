#!/usr/bin/python3
"""Independent RDP of the sampled Gaussian mechanism, by numerical integration.

The mechanism's RDP at order a is log(A_a) / (a - 1) with
    A_a = integral of mu0(z) * (mu(z) / mu0(z))**a dz,
mu0 = N(0, s^2) and mu = (1 - q) N(0, s^2) + q N(1, s^2) (Mironov, Talwar & Zhang 2019).
Here the integral is evaluated with scipy.integrate.quad, not by the binomial series the
library uses. Reads one JSON request on stdin, writes one JSON answer on stdout:

  {"cases": [{"q": .., "sigma": .., "orders": [..]}, ...]}
      -> {"rdp": [[rdp per order (one step)], ...]}
  {"epsilon": {"q": .., "sigma": .., "steps": .., "delta": .., "orders": [..]}}
      -> {"epsilon": .., "order": ..}   (Balle et al. 2020, Theorem 21, min over the orders)
"""
import json
import math
import sys

import numpy as np
from scipy import integrate


def log_ratio(z, q, s):
    # log(mu(z) / mu0(z)) = log(1 - q + q exp((2z - 1) / (2 s^2)))
    t = (2 * z - 1) / (2 * s * s)
    return np.logaddexp(math.log1p(-q), math.log(q) + t)


def log_mu0(z, s):
    return -z * z / (2 * s * s) - math.log(s * math.sqrt(2 * math.pi))


def integrate_pieces(f, lo, hi, grid_values, dz):
    """Sum of quad over 80 equal pieces of [lo, hi]; the absolute tolerance is set from a
    trapezoid estimate of the integral's size, so empty pieces do not chase round-off."""
    size = abs(float(np.sum(grid_values))) * dz + 1e-300
    edges = np.linspace(lo, hi, 81)
    return sum(
        integrate.quad(f, x0, x1, epsabs=1e-15 * size, epsrel=1e-13, limit=200)[0]
        for x0, x1 in zip(edges[:-1], edges[1:])
    )


def support(q, s, a):
    # The integrand lives around 0 (the mu0 bulk) and, for large orders, out to about a:
    # cover both with 40 standard deviations of margin (e^-800 beyond).
    lo, hi = -40 * s - 1, max(a, 1) + 40 * s + 1
    grid = np.linspace(lo, hi, 20001)
    return lo, hi, grid, grid[1] - grid[0]


def log_a_scaled(q, s, a):
    """log A_a from the integral of exp(log-integrand - peak)."""
    lo, hi, grid, dz = support(q, s, a)
    logf = log_mu0(grid, s) + a * log_ratio(grid, q, s)
    peak = float(np.max(logf))
    f = lambda z: math.exp(log_mu0(z, s) + a * float(log_ratio(z, q, s)) - peak)
    return peak + math.log(integrate_pieces(f, lo, hi, np.exp(logf - peak), dz))


def a_minus_one(q, s, a):
    """A_a - 1 = integral of mu0 (ratio^a - 1), for when A_a is close to 1 (small q): the
    subtraction happens inside the integrand (expm1/log1p), not after it."""
    lo, hi, grid, dz = support(q, s, a)

    def f(z):
        t = (2 * z - 1) / (2 * s * s)
        power = a * (math.log1p(q * math.expm1(t)) if t < 30 else float(log_ratio(z, q, s)))
        if power > 1:
            return math.exp(log_mu0(z, s) + power) - math.exp(log_mu0(z, s))
        return math.exp(log_mu0(z, s)) * math.expm1(power)

    return integrate_pieces(f, lo, hi, np.abs(np.array([f(z) for z in grid[::10]])), dz * 10)


def rdp(q, s, a):
    if q == 1:
        return a / (2 * s * s)
    log_a = log_a_scaled(q, s, a)
    if log_a < 0.5:
        log_a = math.log1p(a_minus_one(q, s, a))
    return log_a / (a - 1)


def main():
    req = json.load(sys.stdin)
    if "cases" in req:
        out = {"rdp": [[rdp(c["q"], c["sigma"], a) for a in c["orders"]] for c in req["cases"]]}
    else:
        e = req["epsilon"]
        best = (math.inf, math.nan)
        for a in e["orders"]:
            r = e["steps"] * rdp(e["q"], e["sigma"], a)
            eps = r + math.log((a - 1) / a) - (math.log(e["delta"]) + math.log(a)) / (a - 1)
            best = min(best, (eps, a))
        out = {"epsilon": best[0], "order": best[1]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
