#!/usr/bin/python3
"""Reference values for analysis/stats, from scipy and R (run: /usr/bin/python3 generate.py).

Writes stats_reference.json next to this script; analysis/tests/stats_test.cpp reads it.
Needs Debian's python3-scipy (/usr/bin/python3) and r-base-core (Rscript).
"""
import json
import os
import subprocess
import tempfile

import numpy as np
from scipy import integrate, optimize, stats

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261122)


def samples():
    """(name, candidate, baseline) pairs: continuous, heavy ties, shifted, small, skewed."""
    yield "normal-equal", rng.normal(100, 10, 40), rng.normal(100, 10, 50)
    yield "normal-shifted", rng.normal(112, 10, 60), rng.normal(100, 12, 45)
    yield "ties-integers", np.round(rng.normal(20, 3, 70)), np.round(rng.normal(21, 3, 80))
    yield "small", rng.normal(5, 1, 6), rng.normal(4, 1, 5)
    yield "lognormal-latency", rng.lognormal(4.6, 0.5, 120), rng.lognormal(4.5, 0.5, 150)
    yield "candidate-lower", rng.gamma(2.0, 10.0, 35), rng.gamma(2.0, 14.0, 33) + 3


def hl_crossing(x, y, zq, correct, both_ends=False):
    """R's wdiff root, located exactly by bisection (R's uniroot stops at tol 1e-4). Where the
    statistic is flat at zero (the estimate, for an even number of pairs), the middle of that
    interval, which is the median of the pairwise differences; both_ends returns its ends."""
    nx, ny = len(x), len(y)

    def f(d):
        dr = np.concatenate([x - d, y])
        r = stats.rankdata(dr)
        _, counts = np.unique(dr, return_counts=True)
        dz = r[:nx].sum() - nx * (nx + 1) / 2 - nx * ny / 2
        corr = np.sign(dz) * 0.5 if correct else 0.0
        n = nx + ny
        sigma = np.sqrt(nx * ny / 12 * ((n + 1) - (counts**3 - counts).sum() / (n * (n - 1))))
        return (dz - corr) / sigma - zq

    lo, hi = x.min() - y.max(), x.max() - y.min()
    if f(lo) <= 0:
        return (lo, lo) if both_ends else lo
    if f(hi) >= 0:
        return (hi, hi) if both_ends else hi

    def bisect(zero_low):
        a, b = lo, hi
        for _ in range(200):
            if b - a <= 1e-14 * max(1.0, abs(a), abs(b)):
                break
            m = a + (b - a) / 2
            v = f(m)
            if v > 0 or (v == 0 and not zero_low):
                a = m
            else:
                b = m
        return a + (b - a) / 2

    if both_ends:
        return bisect(True), bisect(False)
    return (bisect(True) + bisect(False)) / 2


def r_wilcox(x, y, mu, conf):
    with tempfile.TemporaryDirectory() as tmp:
        np.savetxt(os.path.join(tmp, "x"), x, fmt="%.17g")
        np.savetxt(os.path.join(tmp, "y"), y, fmt="%.17g")
        script = f"""
x <- scan('{tmp}/x', quiet=TRUE); y <- scan('{tmp}/y', quiet=TRUE)
w <- wilcox.test(x, y, mu={mu!r}, conf.int=TRUE, conf.level={conf!r}, exact=FALSE, correct=TRUE)
cat(sprintf('%.17g', c(w$statistic, w$p.value, w$estimate, w$conf.int)), sep='\\n')
"""
        out = subprocess.run(["Rscript", "-e", script], check=True, capture_output=True, text=True)
    u, p, est, lo, hi = (float(v) for v in out.stdout.split())
    return {"u": u, "p_two_sided": p, "estimate": est, "ci_low": lo, "ci_high": hi}


def mann_whitney_cases():
    cases = []
    for name, x, y in samples():
        for mu, conf in [(0.0, 0.95), (2.5, 0.9)]:
            xs = x - mu
            two = stats.mannwhitneyu(xs, y, method="asymptotic", use_continuity=True)
            gt = stats.mannwhitneyu(xs, y, method="asymptotic", alternative="greater")
            lt = stats.mannwhitneyu(xs, y, method="asymptotic", alternative="less")
            zq = stats.norm.isf((1 - conf) / 2)
            flat = hl_crossing(x, y, 0.0, False, both_ends=True)
            r = r_wilcox(x, y, mu, conf)
            # R's estimate is any point of the flat stretch (uniroot, tol 1e-4).
            assert flat[0] - 1e-4 <= r["estimate"] <= flat[1] + 1e-4, (name, flat, r)
            median = float(np.median(np.subtract.outer(x, y)))
            assert abs(median - (flat[0] + flat[1]) / 2) <= 1e-9 * max(1, abs(median)), name
            cases.append({
                "name": f"{name} mu={mu} conf={conf}",
                "candidate": x.tolist(), "baseline": y.tolist(), "shift": mu, "confidence": conf,
                "scipy": {"u": float(two.statistic), "p_two_sided": float(two.pvalue),
                          "p_greater": float(gt.pvalue), "p_less": float(lt.pvalue)},
                "exact": {"estimate": float((flat[0] + flat[1]) / 2), "median_of_differences": median,
                          "estimate_flat_low": float(flat[0]), "estimate_flat_high": float(flat[1]),
                          "ci_low": float(hl_crossing(x, y, zq, True)),
                          "ci_high": float(hl_crossing(x, y, -zq, True))},
                "r": r,
            })
    return cases


def welch_cases():
    cases = []
    for name, x, y in samples():
        for mu, conf in [(0.0, 0.95), (1.5, 0.99)]:
            two = stats.ttest_ind(x - mu, y, equal_var=False)
            gt = stats.ttest_ind(x - mu, y, equal_var=False, alternative="greater")
            nx, ny = len(x), len(y)
            vx, vy = x.var(ddof=1) / nx, y.var(ddof=1) / ny
            df = (vx + vy) ** 2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1))
            se = np.sqrt(vx + vy)
            diff = x.mean() - y.mean()
            q = stats.t.isf((1 - conf) / 2, df)
            cases.append({
                "name": f"{name} mu={mu} conf={conf}",
                "candidate": x.tolist(), "baseline": y.tolist(), "shift": mu, "confidence": conf,
                "scipy": {"t": float(two.statistic), "p_two_sided": float(two.pvalue),
                          "p_greater": float(gt.pvalue), "df": float(df),
                          "difference": float(diff), "ci_low": float(diff - q * se),
                          "ci_high": float(diff + q * se)},
            })
    return cases


def bayes_cases():
    cases = []
    for (ce, ct), (be, bt), margin, conf in [
        ((12, 1000), (10, 1000), 0.0, 0.95),
        ((30, 1000), (10, 1000), 0.005, 0.95),
        ((5, 20000), (40, 100000), 0.0, 0.9),
        ((0, 500), (3, 5000), 0.001, 0.95),
        ((480, 1000), (500, 1000), -0.01, 0.99),
    ]:
        cand = stats.beta(1 + ce, 1 + ct - ce)
        base = stats.beta(1 + be, 1 + bt - be)
        qs = [1e-15, 1e-9, 1e-5, 1e-3, 0.02, 0.15, 0.5, 0.85, 0.98, 1 - 1e-3, 1 - 1e-5, 1 - 1e-9,
              1 - 1e-15]
        cuts = sorted({0.0, 1.0, *[float(base.ppf(q)) for q in qs]})

        def expect(g):
            total = 0.0
            for a, b in zip(cuts, cuts[1:]):
                if b > a:
                    total += integrate.quad(lambda yv: base.pdf(yv) * g(yv), a, b,
                                            epsabs=1e-15, epsrel=1e-13, limit=500)[0]
            return total

        worse = expect(lambda yv: float(cand.sf(min(max(yv + margin, 0.0), 1.0))))
        cdf = lambda d: expect(lambda yv: float(cand.cdf(min(max(yv + d, 0.0), 1.0))))
        lo = optimize.brentq(lambda d: cdf(d) - (1 - conf) / 2, -1, 1, xtol=1e-15, rtol=1e-14)
        hi = optimize.brentq(lambda d: cdf(d) - (1 + conf) / 2, -1, 1, xtol=1e-15, rtol=1e-14)
        cases.append({
            "name": f"{ce}/{ct} vs {be}/{bt} margin={margin}",
            "candidate": [ce, ct], "baseline": [be, bt], "margin": margin, "confidence": conf,
            "scipy": {"probability_worse": worse, "difference": cand.mean() - base.mean(),
                      "ci_low": lo, "ci_high": hi},
        })
    return cases


def main():
    out = {
        "generated_by": "analysis/tests/reference/generate.py",
        "scipy_version": __import__("scipy").__version__,
        "r_version": subprocess.run(["Rscript", "-e", "cat(R.version.string)"], check=True,
                                    capture_output=True, text=True).stdout.strip(),
        "mann_whitney": mann_whitney_cases(),
        "welch": welch_cases(),
        "bayes_binomial": bayes_cases(),
    }
    with open(os.path.join(HERE, "stats_reference.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
