"""Oracle: run one pyradiomics image-type generator on a raw array, write its outputs.

Usage: filters.py CASE.json [CASE.json ...]
CASE.json: {"shape": [z, y, x], "spacing": [x, y, z], "image": "image.f64",
            "image_dtype": "int16" | "float32" | "float64" | ...,
            "kind": "Wavelet" | "LoG" | "Square" | ..., "settings": {...pyradiomics kwargs...}}
The image is little-endian float64 in C order (z, y, x), cast to `image_dtype` before it
becomes a SimpleITK image. The mask is all ones unless the case names one: "mask":
"mask.u32" (little-endian uint32, C order) with its "label" (LBP3D reads both).
Each yielded image is written beside the case as `out_<i>.f64` (float64, C order).
Prints {"cases": [{"outputs": [{"name": ..., "file": ..., "pixel_type": sitk type}]} per case]}.
"""
import json
import os
import sys

import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import imageoperations

radiomics.setVerbosity(60)


def run(case_path):
    base = os.path.dirname(case_path)
    case = json.load(open(case_path))
    shape = tuple(case["shape"])
    arr = np.fromfile(os.path.join(base, case["image"]), dtype="<f8").reshape(shape)
    arr = arr.astype(case.get("image_dtype", "float64"))
    image = sitk.GetImageFromArray(arr)
    image.SetSpacing(case.get("spacing", [1.0, 1.0, 1.0]))
    if "mask" in case:
        labels = np.fromfile(os.path.join(base, case["mask"]), dtype="<u4").reshape(shape)
    else:
        labels = np.ones(shape, dtype="uint32")
    mask = sitk.GetImageFromArray(labels)
    mask.CopyInformation(image)
    settings = dict(case.get("settings", {}))
    if "label" in case:
        settings["label"] = case["label"]
    generator = getattr(imageoperations, "get%sImage" % case["kind"])
    outputs = []
    with np.errstate(all="ignore"):
        for i, (img, name, _) in enumerate(generator(image, mask, **settings)):
            out = sitk.GetArrayFromImage(img).astype("<f8")
            fname = "out_%d.f64" % i
            out.tofile(os.path.join(base, fname))
            outputs.append({"name": name, "file": fname, "pixel_type": img.GetPixelIDTypeAsString()})
    return {"outputs": outputs}


def main():
    print(json.dumps({"cases": [run(p) for p in sys.argv[1:]]}))


if __name__ == "__main__":
    main()
