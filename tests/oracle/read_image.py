"""Oracle: read images with SimpleITK, print their geometry as JSON and dump their voxels.

Usage: read_image.py CASES.json
CASES.json: {"files": [{"path": "in.nrrd", "out": "in.f64"}, ...]}
For each file prints {"ok": true, "size", "spacing", "origin", "direction" (row-major, as
GetDirection), "dtype" (numpy name of the component type), "components"} and writes the
voxels (GetArrayFromImage, C order [z, y, x(, c)]) as little-endian float64 to "out";
or {"ok": false, "error": "..."} when SimpleITK cannot read the file.
Prints {"results": [...]} in input order.
"""
import json
import sys

import numpy as np
import SimpleITK as sitk


def main():
    cases = json.load(open(sys.argv[1]))
    results = []
    for case in cases["files"]:
        try:
            img = sitk.ReadImage(case["path"])
        except Exception as e:  # SimpleITK raises RuntimeError for unreadable files
            results.append({"ok": False, "error": str(e).strip().splitlines()[-1] if str(e).strip() else "error"})
            continue
        arr = sitk.GetArrayFromImage(img)
        arr.astype("<f8").tofile(case["out"])
        results.append({
            "ok": True,
            "size": list(img.GetSize()),
            "spacing": list(img.GetSpacing()),
            "origin": list(img.GetOrigin()),
            "direction": list(img.GetDirection()),
            "dtype": str(arr.dtype),
            "components": img.GetNumberOfComponentsPerPixel(),
        })
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
