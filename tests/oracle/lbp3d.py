"""Oracle for LBP3D: pyradiomics 3.1's getLBP3DImage, and the trimesh icosphere it samples on.

Needs scipy <= 1.16 (scipy.special.sph_harm) and trimesh: the venv of
tests/oracle/requirements-lbp3d.txt.

Usage:
  lbp3d.py vertices S,R [S,R ...]   prints {"icospheres": [[[x, y, z], ...] per S,R]}
  lbp3d.py filter CASE.json [...]   CASE.json: {"shape": [z, y, x], "spacing": [x, y, z],
      "image": "image.f64", "image_dtype": "int16" | ..., "mask": "mask.u32", "label": 1,
      "settings": {...pyradiomics kwargs...}}; raw little-endian C-order arrays beside it.
      Each yielded image is written beside the case as out_<i>.f64; prints
      {"cases": [{"outputs": [{"name": ..., "file": ..., "pixel_type": ...}]}]}.
"""
import json
import os
import sys
import warnings

import numpy as np
import SimpleITK as sitk
import radiomics
from radiomics import imageoperations

radiomics.setVerbosity(60)
warnings.simplefilter("ignore")


def vertices(spec):
    from trimesh.creation import icosphere
    s, r = spec.split(",")
    return np.array(icosphere(int(s), float(r)).vertices).tolist()


def run(case_path):
    base = os.path.dirname(case_path)
    case = json.load(open(case_path))
    shape = tuple(case["shape"])
    arr = np.fromfile(os.path.join(base, case["image"]), dtype="<f8").reshape(shape)
    arr = arr.astype(case.get("image_dtype", "float64"))
    image = sitk.GetImageFromArray(arr)
    image.SetSpacing(case.get("spacing", [1.0, 1.0, 1.0]))
    labels = np.fromfile(os.path.join(base, case["mask"]), dtype="<u4").reshape(shape)
    mask = sitk.GetImageFromArray(labels)
    mask.CopyInformation(image)
    settings = dict(case.get("settings", {}))
    settings["label"] = case.get("label", 1)
    outputs = []
    with np.errstate(all="ignore"):
        for i, (img, name, _) in enumerate(imageoperations.getLBP3DImage(image, mask, **settings)):
            out = sitk.GetArrayFromImage(img).astype("<f8")
            fname = "out_%d.f64" % i
            out.tofile(os.path.join(base, fname))
            outputs.append({"name": name, "file": fname, "pixel_type": img.GetPixelIDTypeAsString()})
    return {"outputs": outputs}


def main():
    if sys.argv[1] == "vertices":
        print(json.dumps({"icospheres": [vertices(s) for s in sys.argv[2:]]}))
    else:
        print(json.dumps({"cases": [run(p) for p in sys.argv[2:]]}))


if __name__ == "__main__":
    main()
