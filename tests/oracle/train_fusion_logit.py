"""Oracle for the fusion model of `radscore train` (tests/train_statsmodels.rs).

Input JSON on stdin: {"csv": path, "level": 0.95, "epsilon": 1e-8}. The CSV has a header; its
first column is the 0/1 outcome, the others are the fusion model's predictors as the test coded
them (no intercept). Prints JSON with:

- "mle": statsmodels Logit(y, add_constant(X)) by Newton at tol 1e-14: params, bse, z, Wald
  p-values, llf, llnull, deviance, AIC, degrees of freedom, predicted probabilities;
- "glm": statsmodels GLM(y, add_constant(X), Binomial()) by IRLS stopped by R's glm.control rule
  |dev - dev_old| < epsilon (|dev| + 0.1), written as statsmodels' np.allclose test with
  rtol = epsilon, atol = 0.1 epsilon. statsmodels' IRLS starts where R's does (mu = (y + 1/2)/2)
  and, like R, takes the covariance from the last weighted least-squares step, whose weights are
  those of the iterate before the last. This is the fit R's glm() reports;
- "null_deviance": the intercept-only deviance in closed form (the MLE is the event rate);
- "fusion" and "radscore": from the MLE's predicted probabilities and from the "radscore" column,
  the AUC as Mann-Whitney U / (n1 n0) (scipy) and the DeLong variance and CI (pROC's rule:
  AUC -/+ z sd, clipped to [0, 1]) computed here with numpy from the placement values.
"""
import csv
import json
import sys

import numpy as np
import statsmodels.api as sm
from scipy.stats import mannwhitneyu, norm

case = json.load(sys.stdin)
with open(case["csv"], newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
data = np.array([[float(c) for c in r] for r in body], dtype=float)
y = data[:, 0]
names = header[1:]
X = sm.add_constant(data[:, 1:], has_constant="add")
res = sm.Logit(y, X).fit(method="newton", tol=1e-14, maxiter=200, disp=0)
predicted = res.predict(X)
eps = case["epsilon"]
glm = sm.GLM(y, X, family=sm.families.Binomial()).fit(method="IRLS", maxiter=25, tol=0.1 * eps,
                                                      atol=0.1 * eps, rtol=eps)
rate = y.mean()
null_deviance = -2.0 * np.sum(y * np.log(rate) + (1 - y) * np.log(1 - rate))


def discrimination(score):
    cases, controls = score[y == 1], score[y == 0]
    u = mannwhitneyu(cases, controls, alternative="two-sided").statistic
    auc_u = float(u) / (len(cases) * len(controls))
    # psi(case, control): 1 above, 1/2 tied, 0 below.
    psi = (cases[:, None] > controls[None, :]) + 0.5 * (cases[:, None] == controls[None, :])
    auc = psi.mean()
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    var = v10.var(ddof=1) / len(cases) + v01.var(ddof=1) / len(controls)
    z = norm.ppf(1 - (1 - case["level"]) / 2)
    ci = [max(0.0, auc - z * np.sqrt(var)), min(1.0, auc + z * np.sqrt(var))]
    return {"auc_mann_whitney": auc_u, "auc": float(auc), "delong_var": float(var), "delong_ci": [float(c) for c in ci]}


print(json.dumps({
    "names": ["const"] + names,
    "mle": {
        "converged": bool(res.mle_retvals["converged"]),
        "iterations": int(res.mle_retvals["iterations"]),
        "params": res.params.tolist(),
        "bse": res.bse.tolist(),
        "z": res.tvalues.tolist(),
        "pvalues": res.pvalues.tolist(),
        "llf": float(res.llf),
        "llnull": float(res.llnull),
        "deviance": float(-2.0 * res.llf),
        "aic": float(res.aic),
        "df_resid": float(res.df_resid),
        "df_model": float(res.df_model),
        "nobs": float(res.nobs),
        "predicted": predicted.tolist(),
    },
    "glm": {
        "converged": bool(glm.converged),
        "iterations": int(glm.fit_history["iteration"]),
        "params": glm.params.tolist(),
        "bse": glm.bse.tolist(),
        "z": glm.tvalues.tolist(),
        "pvalues": glm.pvalues.tolist(),
        "llf": float(glm.llf),
        "deviance": float(glm.deviance),
        "aic": float(glm.aic),
        "df_resid": float(glm.df_resid),
        "predicted": glm.fittedvalues.tolist(),
    },
    "null_deviance": float(null_deviance),
    "fusion": discrimination(predicted),
    "radscore": discrimination(data[:, names.index("radscore") + 1]) if "radscore" in names else None,
}))
