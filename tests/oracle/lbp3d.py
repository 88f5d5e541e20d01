"""Oracle for LBP3D: the trimesh icosphere pyradiomics 3.1's getLBP3DImage samples on, and the
filter itself (through filters.py, with a mask and label in the case).

Needs scipy <= 1.16 (scipy.special.sph_harm) and trimesh: the venv of
tests/oracle/requirements-lbp3d.txt.

Usage:
  lbp3d.py vertices S,R [S,R ...]   prints {"icospheres": [[[x, y, z], ...] per S,R]}
  lbp3d.py filter CASE.json [...]   as filters.py (kind "LBP3D")
"""
import json
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import filters  # noqa: E402

warnings.simplefilter("ignore")


def vertices(spec):
    from trimesh.creation import icosphere
    s, r = spec.split(",")
    return np.array(icosphere(int(s), float(r)).vertices).tolist()


def main():
    if sys.argv[1] == "vertices":
        print(json.dumps({"icospheres": [vertices(s) for s in sys.argv[2:]]}))
    else:
        print(json.dumps({"cases": [filters.run(p) for p in sys.argv[2:]]}))


if __name__ == "__main__":
    main()
