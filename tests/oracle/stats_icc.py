"""Oracle for ICC: mean squares from a statsmodels two-way additive ANOVA (subject + rater) and a
one-way ANOVA (subject), then the irr 0.84.1 icc() formulas with scipy's F distribution.
Input JSON on stdin: {"ratings": [[...k values...], ...n rows]}. Prints a dict keyed by
"<model>_<unit>" with value, F, df1, df2, p, lower, upper."""
import json
import sys
import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy.stats import f as fdist
from statsmodels.stats.anova import anova_lm

warnings.filterwarnings("ignore")
Y = np.asarray(json.load(sys.stdin)["ratings"], dtype=float)
n, k = Y.shape
long = pd.DataFrame({"y": Y.ravel(), "s": np.repeat(np.arange(n), k).astype(str), "r": np.tile(np.arange(k), n).astype(str)})
two = anova_lm(smf.ols("y ~ C(s) + C(r)", long).fit())
one = anova_lm(smf.ols("y ~ C(s)", long).fit())
MSr, MSc, MSe = two.loc["C(s)", "mean_sq"], two.loc["C(r)", "mean_sq"], two.loc["Residual", "mean_sq"]
MSw = one.loc["Residual", "mean_sq"]
q = 0.975
out = {}
c = (MSr - MSw) / (MSr + (k - 1) * MSw); F = MSr / MSw; d2 = n * (k - 1)
FL = F / fdist.ppf(q, n - 1, d2); FU = F * fdist.ppf(q, d2, n - 1)
out["oneway_single"] = [c, F, n - 1, d2, fdist.sf(F, n - 1, d2), (FL - 1) / (FL + k - 1), (FU - 1) / (FU + k - 1)]
out["oneway_average"] = [(MSr - MSw) / MSr, F, n - 1, d2, fdist.sf(F, n - 1, d2), 1 - 1 / FL, 1 - 1 / FU]
F = MSr / MSe; d2 = (n - 1) * (k - 1)
FL = F / fdist.ppf(q, n - 1, d2); FU = F * fdist.ppf(q, d2, n - 1)
out["consistency_single"] = [(MSr - MSe) / (MSr + (k - 1) * MSe), F, n - 1, d2, fdist.sf(F, n - 1, d2),
                             (FL - 1) / (FL + k - 1), (FU - 1) / (FU + k - 1)]
out["consistency_average"] = [(MSr - MSe) / MSr, F, n - 1, d2, fdist.sf(F, n - 1, d2), 1 - 1 / FL, 1 - 1 / FU]
for unit in ["single", "average"]:
    c = ((MSr - MSe) / (MSr + (k - 1) * MSe + (k / n) * (MSc - MSe)) if unit == "single"
         else (MSr - MSe) / (MSr + (MSc - MSe) / n))
    a = k * c / (n * (1 - c)); b = 1 + k * c * (n - 1) / (n * (1 - c))
    v = (a * MSc + b * MSe) ** 2 / ((a * MSc) ** 2 / (k - 1) + (b * MSe) ** 2 / ((n - 1) * (k - 1)))
    FL = fdist.ppf(q, n - 1, v); FU = fdist.ppf(q, v, n - 1)
    if unit == "single":
        lo = n * (MSr - FL * MSe) / (FL * (k * MSc + (k * n - k - n) * MSe) + n * MSr)
        hi = n * (FU * MSr - MSe) / (k * MSc + (k * n - k - n) * MSe + n * FU * MSr)
    else:
        lo = n * (MSr - FL * MSe) / (FL * (MSc - MSe) + n * MSr)
        hi = n * (FU * MSr - MSe) / (MSc - MSe + n * FU * MSr)
    out["agreement_" + unit] = [c, MSr / MSe, n - 1, v, fdist.sf(MSr / MSe, n - 1, v), lo, hi]
print(json.dumps({key: [float(x) for x in val] for key, val in out.items()}))
