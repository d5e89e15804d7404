#!/usr/bin/python3
"""Reference values for analysis/experiment (analysis/tests/experiment_stats_test.cpp), from scipy.

Run: /usr/bin/python3 analysis/tests/reference/experiment_reference.py > \
     analysis/tests/reference/experiment_reference.json
"""
import json
import math

from scipy import integrate, optimize, special, stats


def log_e(s, n, p):
    f = n - s
    loglik = (s * math.log(p) if s else 0.0) + (f * math.log1p(-p) if f else 0.0)
    return special.betaln(1 + s, 1 + f) - special.betaln(1, 1) - loglik


def sequence(s, n, alpha):
    level = math.log(1 / alpha)
    mle = s / n
    low = 0.0 if s == 0 else optimize.brentq(lambda p: log_e(s, n, p) - level, 1e-300, mle, xtol=1e-15)
    high = 1.0 if s == n else optimize.brentq(lambda p: log_e(s, n, p) - level, mle, 1 - 1e-16, xtol=1e-15)
    return low, high


def p_best(versions, higher):
    dists = [stats.beta(1 + s, 1 + n - s) for s, n in versions]
    lo = min(d.ppf(1e-12) for d in dists)
    hi = max(d.isf(1e-12) for d in dists)
    out = []
    for i, d in enumerate(dists):
        def integrand(x):
            v = d.pdf(x)
            for j, o in enumerate(dists):
                if j != i:
                    v *= o.cdf(x) if higher else o.sf(x)
            return v
        pts = [d2.mean() for d2 in dists]
        val, _ = integrate.quad(integrand, lo, hi, points=sorted(pts), limit=500, epsabs=1e-13, epsrel=1e-11)
        out.append(val)
    return out


sequences = []
for s, n, alpha in [(0, 10, 0.05), (3, 10, 0.05), (10, 10, 0.01), (50, 1000, 0.01), (120, 1000, 0.0025),
                    (1000, 10000, 0.01), (12, 100000, 0.01), (45000, 50000, 0.001)]:
    low, high = sequence(s, n, alpha)
    sequences.append({"events": s, "trials": n, "alpha": alpha, "low": low, "high": high,
                      "log_e_at_mle": log_e(s, n, min(max(s / n, 1e-9), 1 - 1e-9))})

best = []
for versions, higher in [([(10, 100), (12, 100)], True), ([(100, 1000), (120, 1000), (90, 1000)], True),
                         ([(100, 1000), (120, 1000), (90, 1000)], False),
                         ([(500, 5000), (540, 5000), (560, 5000), (470, 5000)], True),
                         ([(0, 0), (1, 3)], True), ([(30, 100000), (28, 100000)], False)]:
    best.append({"versions": versions, "higher_is_better": higher, "p_best": p_best(versions, higher)})

print(json.dumps({"sequences": sequences, "probability_best": best}, indent=1))
