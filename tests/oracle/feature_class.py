"""Oracle: run one pyradiomics feature class on raw arrays, print JSON.

Usage: feature_class.py CASE.json
CASE.json may also hold a list of such cases (one interpreter start for many); the output is then
the list of the per-case results, in order.
CASE.json: {"shape": [z, y, x], "spacing": [x, y, z], "image": "image.f64", "mask": "mask.f64",
            "class": "glcm", "settings": {...pyradiomics kwargs...}}
The arrays are little-endian float64 in C order (z, y, x); the image is cast to
`image_dtype` (default float64) before use, as a real image of that type would be.
Prints {"features": {name: value}, "gray_levels": [...] (the discretized array, C order, or null)}.
For texture classes the discretized array is the class's `imageArray` (binned in place); for firstorder, its `discretizedImageArray`
(both zero outside the ROI).
Every feature, deprecated ones included, is enabled.
"""
import json
import math
import os
import sys

import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import getFeatureClasses

radiomics.setVerbosity(60)


def main():
    case_path = sys.argv[1]
    base = os.path.dirname(case_path)
    cases = json.load(open(case_path))
    if isinstance(cases, list):
        print(json.dumps([run_case(base, case) for case in cases]))
    else:
        print(json.dumps(run_case(base, cases)))


def run_case(base, case):
    shape = tuple(case["shape"])
    img = np.fromfile(os.path.join(base, case["image"]), dtype="<f8").reshape(shape)
    img = img.astype(case.get("image_dtype", "float64"))
    msk = np.fromfile(os.path.join(base, case["mask"]), dtype="<f8").reshape(shape).astype("uint32")
    image = sitk.GetImageFromArray(img)
    mask = sitk.GetImageFromArray(msk)
    spacing = case.get("spacing", [1.0, 1.0, 1.0])
    image.SetSpacing(spacing)
    mask.SetSpacing(spacing)
    settings = case.get("settings", {})
    cls = getFeatureClasses()[case["class"]]
    obj = cls(image, mask, **settings)
    for name in cls.getFeatureNames():
        obj.enableFeatureByName(name, True)
    values = obj.execute()
    out = {}
    for k, v in values.items():
        v = float(np.real(v))
        out[k] = None if math.isnan(v) else v
    # Texture classes discretize into imageArray; firstorder keeps discretizedImageArray.
    gray = None
    discretized = None
    if case["class"] == "firstorder":
        discretized = obj.discretizedImageArray
    elif case["class"] not in ("shape", "shape2D"):
        discretized = obj.imageArray
    if discretized is not None:
        gray = np.asarray(discretized).astype("int64")
        gray = np.where(obj.maskArray, gray, 0).ravel().tolist()
    return {"features": out, "gray_levels": gray}


if __name__ == "__main__":
    main()
