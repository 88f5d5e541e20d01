"""Oracle helper: read the IBSI digital phantom with SimpleITK and dump its arrays.

Usage: ibsi_phantom_arrays.py IMAGE.nii.gz MASK.nii.gz OUTDIR
Writes OUTDIR/image.f64 and OUTDIR/mask.f64 (little-endian float64, C order (z, y, x)) and prints
{"shape": [z, y, x], "spacing": [x, y, z]} (spacing in SimpleITK's order).
"""
import json
import os
import sys

import numpy as np
import SimpleITK as sitk


def main():
    image = sitk.ReadImage(sys.argv[1])
    mask = sitk.ReadImage(sys.argv[2])
    out = sys.argv[3]
    img = sitk.GetArrayFromImage(image).astype("<f8")
    msk = sitk.GetArrayFromImage(mask).astype("<f8")
    img.tofile(os.path.join(out, "image.f64"))
    msk.tofile(os.path.join(out, "mask.f64"))
    print(json.dumps({"shape": list(img.shape), "spacing": list(image.GetSpacing())}))


if __name__ == "__main__":
    main()
