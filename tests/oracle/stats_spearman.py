"""Oracle for Spearman correlation: scipy.stats.spearmanr (midranks, then Pearson = R's
cor(method="spearman")). Input JSON on stdin: {"x": [[...row...], ...]}. Prints {"rho": [[...]]}."""
import json
import sys

import numpy as np
from scipy.stats import spearmanr

X = np.asarray(json.load(sys.stdin)["x"], dtype=float)
rho = spearmanr(X).statistic
print(json.dumps({"rho": np.atleast_2d(rho).tolist()}))
