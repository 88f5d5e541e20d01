"""Oracle: statsmodels' Logit.predict for given coefficients and a design matrix.

Input JSON on stdin: {"params": [b0, b1, ...], "x": [[1, x1, ...], ...]} (x includes the
intercept column). Prints {"probability": [...], "linear": [...]}.
"""
import json
import sys

import numpy as np
import statsmodels.api as sm

case = json.load(sys.stdin)
x = np.asarray(case["x"], dtype=float)
params = np.asarray(case["params"], dtype=float)
model = sm.Logit(np.zeros(len(x)), x)
print(json.dumps({"probability": model.predict(params).tolist(),
                  "linear": model.predict(params, which="linear").tolist()}))
