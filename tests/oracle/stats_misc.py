"""Oracles for calibration and baseline tests. Input JSON on stdin with a "task":
- "calibration": {"p": [...], "y": [...]} -> statsmodels GLM intercept (logit p as offset) and slope,
  and the Brier score.
- "chisq": {"table": [[...]], "correct": bool} -> scipy.stats.chi2_contingency.
- "wilcox": {"x": [...], "y": [...]} -> scipy.stats.mannwhitneyu (two-sided; exact when R would be:
  both n < 50 and no ties, else asymptotic with continuity correction)."""
import json
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
case = json.load(sys.stdin)
task = case["task"]
if task == "calibration":
    import statsmodels.api as sm
    p = np.asarray(case["p"], float)
    y = np.asarray(case["y"], float)
    lp = np.log(p / (1 - p))
    a = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Binomial(), offset=lp).fit(tol=1e-14).params[0]
    b = sm.GLM(y, sm.add_constant(lp), family=sm.families.Binomial()).fit(tol=1e-14).params[1]
    print(json.dumps({"intercept": a, "slope": b, "brier": float(np.mean((p - y) ** 2))}))
elif task == "chisq":
    from scipy.stats import chi2_contingency
    r = chi2_contingency(np.asarray(case["table"], float), correction=case["correct"])
    print(json.dumps({"statistic": r.statistic, "p": r.pvalue, "df": r.dof}))
elif task == "wilcox":
    from scipy.stats import mannwhitneyu
    x = np.asarray(case["x"], float)
    y = np.asarray(case["y"], float)
    ties = len(np.unique(np.concatenate([x, y]))) < len(x) + len(y)
    method = "exact" if (len(x) < 50 and len(y) < 50 and not ties) else "asymptotic"
    r = mannwhitneyu(x, y, alternative="two-sided", method=method, use_continuity=True)
    print(json.dumps({"statistic": r.statistic, "p": r.pvalue, "exact": method == "exact"}))
