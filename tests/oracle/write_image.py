"""Oracle: write images with SimpleITK (sitk.WriteImage), for readers to be tested on.

Usage: write_image.py CASES.json
CASES.json: {"cases": [{"array": "a.f64", "shape": [z, y, x], "dtype": "int16",
             "spacing": [x, y, z], "origin": [x, y, z], "direction": [9 values, row-major],
             "out": "a.nii.gz", "compress": true}, ...]}
The array is little-endian float64 in C order, cast to dtype before writing.
Prints {"written": n}.
"""
import json
import sys

import numpy as np
import SimpleITK as sitk


def main():
    cases = json.load(open(sys.argv[1]))["cases"]
    for c in cases:
        arr = np.fromfile(c["array"], dtype="<f8").reshape(c["shape"]).astype(c["dtype"])
        img = sitk.GetImageFromArray(arr)
        img.SetSpacing(c["spacing"])
        img.SetOrigin(c["origin"])
        img.SetDirection(c["direction"])
        sitk.WriteImage(img, c["out"], bool(c.get("compress", False)))
    print(json.dumps({"written": len(cases)}))


if __name__ == "__main__":
    main()
