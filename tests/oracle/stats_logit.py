"""Oracle for logistic regression: statsmodels Logit (tight tolerance) plus exact profile-likelihood
95% CIs (root of the profile deviance = deviance + chi2_1(0.95), found with brentq on GLM fits with
the coefficient as an offset). Input JSON on stdin: {"x": [[...], ...], "y": [0/1, ...]}.
Prints {"params", "bse", "pvalues", "deviance", "profile": [[lo, hi], ...]}."""
import json
import sys

import numpy as np
import statsmodels.api as sm
from scipy.optimize import brentq
from scipy.stats import chi2

case = json.load(sys.stdin)
X = sm.add_constant(np.asarray(case["x"], dtype=float), has_constant="add")
y = np.asarray(case["y"], dtype=float)
res = sm.Logit(y, X).fit(method="newton", tol=1e-14, maxiter=200, disp=0)
deviance = -2.0 * res.llf
cut = chi2.ppf(0.95, 1)


def deviance_of(eta):
    return 2.0 * np.sum(np.logaddexp(0.0, eta) - y * eta)


def profile_deviance(j, b):
    """Minimum deviance with coefficient j fixed at b: Newton with step halving (statsmodels' GLM
    IRLS has no step control and diverged on mtcars, giving spurious roots)."""
    others = [k for k in range(X.shape[1]) if k != j]
    offset = X[:, j] * b
    if not others:
        return deviance_of(offset)
    Z = X[:, others]
    beta = res.params[others].copy()
    dev = deviance_of(Z @ beta + offset)
    for _ in range(500):
        eta = Z @ beta + offset
        mu = 1.0 / (1.0 + np.exp(-eta))
        grad = Z.T @ (y - mu)
        hess = Z.T @ (Z * (mu * (1 - mu))[:, None])
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while True:
            new = beta + t * step
            new_dev = deviance_of(Z @ new + offset)
            if new_dev <= dev + 1e-12 or t < 1e-10:
                break
            t /= 2
        beta, old = new, dev
        dev = new_dev
        if abs(old - dev) < 1e-14 * (abs(dev) + 1):
            break
    return dev


profile = []
for j in range(X.shape[1]):
    b0, se = res.params[j], res.bse[j]
    f = lambda b: profile_deviance(j, b) - deviance - cut
    lo_end = b0 - se
    while f(lo_end) < 0:
        lo_end -= se
    hi_end = b0 + se
    while f(hi_end) < 0:
        hi_end += se
    profile.append([brentq(f, lo_end, b0, xtol=1e-12), brentq(f, b0, hi_end, xtol=1e-12)])

print(json.dumps({"params": res.params.tolist(), "bse": res.bse.tolist(), "pvalues": res.pvalues.tolist(),
                  "deviance": deviance, "profile": profile}))
