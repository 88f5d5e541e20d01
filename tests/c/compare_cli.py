"""ctest helper: the C++ tool's values must be bit-identical to the CLI's for the same inputs.

Usage: compare_cli.py CLI_JSON TOOL_CSV
"""
import csv
import json
import math
import sys


def main():
    cli = json.load(open(sys.argv[1]))
    rows = list(csv.reader(open(sys.argv[2])))
    tool = {k: float(v) for k, v in rows[1:]}
    assert list(cli.keys()) == list(tool.keys()), "feature keys or order differ"
    bad = []
    for k, v in cli.items():
        a = math.nan if v is None else float(v)
        b = tool[k]
        if not (a == b or (math.isnan(a) and math.isnan(b))):
            bad.append(f"{k}: CLI {a!r} vs C API {b!r}")
    if bad:
        print("\n".join(bad))
        sys.exit(1)
    print(f"{len(cli)} features bit-identical between the CLI and the C API")


if __name__ == "__main__":
    main()
