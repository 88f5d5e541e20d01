"""Oracle: SimpleITK resampling and pyradiomics' resampleImage on raw arrays, print JSON.

Usage: resample.py CASES.json
CASES.json: {"cases": [{"image": VOL, "mask": VOL (optional), "ops": [OP, ...]}, ...]}
VOL: {"file": "a.f64", "dtype": "int16", "size": [x, y, z], "spacing": [...], "origin": [...],
      "direction": [9 values, row-major]}; the file holds little-endian float64 in C order (z, y, x),
      cast to `dtype` (masks: uint32) before use. A 2-D image has 2 sizes, spacings and origin
      values and 4 direction values.
OP (files are written beside CASES.json as little-endian float64, C order):
  {"kind": "resample", "target": GEOMETRY, "interpolator": "sitkBSpline", "out": "name"}
      sitk.Resample(image, target, identity, interpolator, 0) in the image's pixel type -> name.native.f64,
      and with outputPixelType=sitkFloat64 (the value before the cast) -> name.double.f64.
  {"kind": "resample_mask", "target": GEOMETRY, "out": "name"}
      nearest-neighbour resampling of the mask -> name.native.f64.
  {"kind": "pyradiomics", "spacing": [x, y, z], "interpolator": "sitkBSpline", "label": 1, "pad": 5, "out": "name"}
      radiomics.imageoperations.resampleImage -> name.image.f64, name.mask.f64 and their geometry.
Prints {"results": [[{"size", "spacing", "origin", "direction", "dtype", "error"}, ...per op], ...per case]}.
"""
import json
import os
import sys

import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import imageoperations

radiomics.setVerbosity(60)


def load(base, vol, dtype):
    size = vol["size"]
    arr = np.fromfile(os.path.join(base, vol["file"]), dtype="<f8").reshape(size[::-1])
    img = sitk.GetImageFromArray(arr.astype(dtype))
    set_geometry(img, vol)
    return img


def set_geometry(img, g):
    img.SetSpacing([float(v) for v in g["spacing"]])
    img.SetOrigin([float(v) for v in g["origin"]])
    img.SetDirection([float(v) for v in g["direction"]])


def reference(g):
    ref = sitk.Image([int(v) for v in g["size"]], sitk.sitkUInt8)
    set_geometry(ref, g)
    return ref


def geometry(img):
    return {
        "size": list(img.GetSize()),
        "spacing": list(img.GetSpacing()),
        "origin": list(img.GetOrigin()),
        "direction": list(img.GetDirection()),
        "dtype": str(sitk.GetArrayViewFromImage(img).dtype),
        "error": None,
    }


def save(base, name, img):
    sitk.GetArrayFromImage(img).astype("<f8").tofile(os.path.join(base, name))


def run_op(base, image, mask, op):
    kind = op["kind"]
    if kind == "resample":
        ref = reference(op["target"])
        interp = getattr(sitk, op["interpolator"])
        native = sitk.Resample(image, ref, sitk.Transform(), interp, 0.0, image.GetPixelID())
        double = sitk.Resample(image, ref, sitk.Transform(), interp, 0.0, sitk.sitkFloat64)
        save(base, op["out"] + ".native.f64", native)
        save(base, op["out"] + ".double.f64", double)
        return geometry(native)
    if kind == "resample_mask":
        ref = reference(op["target"])
        native = sitk.Resample(mask, ref, sitk.Transform(), sitk.sitkNearestNeighbor, 0.0, mask.GetPixelID())
        save(base, op["out"] + ".native.f64", native)
        return geometry(native)
    if kind == "pyradiomics":
        try:
            img, msk = imageoperations.resampleImage(
                image,
                mask,
                resampledPixelSpacing=op["spacing"],
                interpolator=getattr(sitk, op["interpolator"]),
                label=op["label"],
                padDistance=op["pad"],
            )
        except Exception as e:  # noqa: BLE001 - the error itself is the expected output
            return {"error": f"{type(e).__name__}: {e}"}
        save(base, op["out"] + ".image.f64", img)
        save(base, op["out"] + ".mask.f64", msk)
        out = geometry(img)
        out["mask_geometry"] = geometry(msk)
        return out
    raise ValueError(f"unknown op {kind}")


def main():
    path = sys.argv[1]
    base = os.path.dirname(path)
    spec = json.load(open(path))
    results = []
    for case in spec["cases"]:
        image = load(base, case["image"], case["image"]["dtype"])
        mask = load(base, case["mask"], "uint32") if "mask" in case else None
        results.append([run_op(base, image, mask, op) for op in case["ops"]])
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
