"""Oracle: pyradiomics' RadiomicsFeatureExtractor on files, print the features as JSON.

Usage: extract.py IMAGE MASK PARAMS.json
Diagnostics are dropped; NaN becomes null.
"""
import json
import math
import sys

import numpy as np
import radiomics
from radiomics import featureextractor

radiomics.setVerbosity(60)


def main():
    image, mask, params = sys.argv[1:4]
    extractor = featureextractor.RadiomicsFeatureExtractor(params)
    result = extractor.execute(image, mask)
    out = {}
    for k, v in result.items():
        if k.startswith("diagnostics_"):
            continue
        v = float(np.real(v))
        out[k] = None if math.isnan(v) else v
    print(json.dumps(out))


if __name__ == "__main__":
    main()
