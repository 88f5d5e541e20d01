"""Oracle: run pyradiomics texture classes on many raw-array cases in one process, print JSON.

Usage: texture_batch.py CASES.json
CASES.json: {"cases": [{"shape": [z, y, x], "spacing": [x, y, z], "image": "c0.img.f64",
                        "mask": "c0.mask.f64", "classes": ["glcm", "glrlm"], "settings": {...}}, ...],
             "angles": [{"size": [z, y, x], "distances": [1], "bidirectional": 0,
                         "force2D": 0, "force2Ddimension": 0}, ...]}
Arrays are little-endian float64 in C order (z, y, x), paths relative to CASES.json.
Prints {"cases": [{"<class>": {"features": {name: value or null}, "gray_levels": [...]}
                   or {"error": "..."}}, ...],
        "angles": [[[dz, dy, dx], ...] or null (pyradiomics raised), ...],
        "names": {"<class>": {name: is_deprecated}}}
Every feature, deprecated ones included, is enabled; deprecated ones produce no value.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import cMatrices, getFeatureClasses

radiomics.setVerbosity(60)
warnings.simplefilter("ignore")  # empty-slice and invalid-value warnings are expected here


def run_case(base, case, classes):
    shape = tuple(case["shape"])
    img = np.fromfile(os.path.join(base, case["image"]), dtype="<f8").reshape(shape)
    msk = np.fromfile(os.path.join(base, case["mask"]), dtype="<f8").reshape(shape).astype("uint32")
    image = sitk.GetImageFromArray(img)
    mask = sitk.GetImageFromArray(msk)
    image.SetSpacing(case["spacing"])
    mask.SetSpacing(case["spacing"])
    out = {}
    for name in case["classes"]:
        cls = classes[name]
        try:
            obj = cls(image, mask, **case.get("settings", {}))
            for feature in cls.getFeatureNames():
                obj.enableFeatureByName(feature, True)
            values = obj.execute()
        except Exception as e:  # pyradiomics raised: the extraction would fail
            out[name] = {"error": "%s: %s" % (type(e).__name__, e)}
            continue
        features = {}
        for k, v in values.items():
            v = float(np.real(v))
            features[k] = None if math.isnan(v) else v
        gray = np.where(obj.maskArray, np.asarray(obj.imageArray).astype("int64"), 0).ravel().tolist()
        out[name] = {"features": features, "gray_levels": gray}
    return out


def main():
    case_path = sys.argv[1]
    base = os.path.dirname(case_path)
    spec = json.load(open(case_path))
    classes = getFeatureClasses()
    cases = [run_case(base, c, classes) for c in spec.get("cases", [])]
    angles = []
    for a in spec.get("angles", []):
        try:
            arr = cMatrices.generate_angles(np.array(a["size"]), np.array(a["distances"]),
                                            a["bidirectional"], a["force2D"], a["force2Ddimension"])
            angles.append(np.asarray(arr).astype(int).tolist())
        except Exception:
            angles.append(None)
    names = {n: {k: bool(v) for k, v in classes[n].getFeatureNames().items()} for n in ("glcm", "glrlm")}
    print(json.dumps({"cases": cases, "angles": angles, "names": names}))


if __name__ == "__main__":
    main()
