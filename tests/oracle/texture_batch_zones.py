"""Oracle: run many pyradiomics feature-class cases and angle generations in one process, print JSON.

Usage: texture_batch_zones.py BATCH.json
BATCH.json: {"cases": [{"shape": [z, y, x], "spacing": [x, y, z], "image": "a.f64", "mask": "a_mask.f64",
                        "class": "glszm", "settings": {...pyradiomics kwargs...}}, ...],
             "angles": [{"size": [z, y, x], "distances": [1], "bidirectional": true,
                         "force2D": false, "force2Ddimension": 0}, ...]}
Arrays are little-endian float64 in C order (z, y, x), paths relative to BATCH.json. Every case is run
like feature_class.py (all features, deprecated ones included, enabled).
Prints {"cases": [{"features": {name: value or null}, "gray_levels": [...]} | {"error": "..."}],
        "angles": [[[dz, dy, dx], ...] | {"error": "..."}]}; angles come from pyradiomics' C extension.
"""
import json
import math
import os
import sys

import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import cMatrices, getFeatureClasses

radiomics.setVerbosity(60)


def run_case(base, case, classes):
    shape = tuple(case["shape"])
    img = np.fromfile(os.path.join(base, case["image"]), dtype="<f8").reshape(shape)
    msk = np.fromfile(os.path.join(base, case["mask"]), dtype="<f8").reshape(shape).astype("uint32")
    image = sitk.GetImageFromArray(img)
    mask = sitk.GetImageFromArray(msk)
    spacing = case.get("spacing", [1.0, 1.0, 1.0])
    image.SetSpacing(spacing)
    mask.SetSpacing(spacing)
    cls = classes[case["class"]]
    obj = cls(image, mask, **case.get("settings", {}))
    for name in cls.getFeatureNames():
        obj.enableFeatureByName(name, True)
    values = obj.execute()
    out = {}
    for k, v in values.items():
        v = float(np.real(v))
        out[k] = None if math.isnan(v) else v
    gray = np.where(obj.maskArray, np.asarray(obj.imageArray).astype("int64"), 0).ravel().tolist()
    return {"features": out, "gray_levels": gray}


def run_angles(spec):
    angles = cMatrices.generate_angles(
        np.array(spec["size"]),
        np.array(spec["distances"]),
        bool(spec["bidirectional"]),
        bool(spec["force2D"]),
        int(spec["force2Ddimension"]),
    )
    return np.asarray(angles).astype("int64").tolist()


def guarded(fn, *args):
    try:
        return fn(*args)
    except Exception as e:  # the Rust side checks that it fails too
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    batch_path = sys.argv[1]
    base = os.path.dirname(batch_path)
    batch = json.load(open(batch_path))
    classes = getFeatureClasses()
    cases = [guarded(run_case, base, c, classes) for c in batch.get("cases", [])]
    angles = [guarded(run_angles, a) for a in batch.get("angles", [])]
    print(json.dumps({"cases": cases, "angles": angles}))


if __name__ == "__main__":
    main()
