"""Oracle for the LASSO path: glmstar 0.6.0 (`from glmnet import LogNet`, the official Python glmnet
on glmnet's C++ core). Input JSON on stdin: {"x": [[...row...], ...], "y": [0/1, ...], "nlambda": 100}.
Prints {"lambda", "a0", "beta" (per lambda, p values), "dev_ratio"} on the original scale."""
import json
import sys
import warnings

import numpy as np
from glmnet import LogNet

warnings.filterwarnings("ignore")
case = json.load(sys.stdin)
X = np.asarray(case["x"], dtype=float)
y = np.asarray(case["y"], dtype=int)
m = LogNet(nlambda=case.get("nlambda", 100)).fit(X, y)
dev_ratio = getattr(m.summary_, "Fraction Deviance Explained", None)
out = {"lambda": m.lambda_values_.tolist(), "a0": np.ravel(m.intercepts_).tolist(),
       "beta": np.asarray(m.coefs_).reshape(len(m.lambda_values_), -1).tolist()}
try:
    out["dev_ratio"] = np.asarray(m.summary_["Fraction Deviance Explained"]).tolist()
except Exception:
    pass
print(json.dumps(out))
