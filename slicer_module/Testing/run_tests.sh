#!/usr/bin/env bash
# Headless tests of the 3D Slicer module (binding, MRML conversion, logic, tables, prediction,
# parity with pyradiomics) with PyPI's slicer-core.
#
# Uses the venv $RADSCORE_SLICER_VENV (default target/slicer-venv), creating it and installing
# the pinned requirements when needed. Builds nothing: needs target/release/libradscore.so
# (cargo build --release) or RADSCORE_LIBRARY, and target/release/radscore (the CLI, for the
# prediction comparison) or RADSCORE_CLI. Reference data: ../shared beside the repository or
# RADSCORE_SHARED. With RADSCORE_REQUIRE_ALL=1 a missing input fails instead of skipping.
# Extra arguments go to pytest (e.g. -k binding).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

VENV=${RADSCORE_SLICER_VENV:-$ROOT/target/slicer-venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r slicer_module/Testing/requirements.txt

LIB=${RADSCORE_LIBRARY:-$ROOT/target/release/libradscore.so}
if [ ! -f "$LIB" ]; then
    echo "radscore library not found at $LIB: run 'cargo build --release' or set RADSCORE_LIBRARY" >&2
    exit 1
fi
export RADSCORE_LIBRARY=$LIB

# pytest prints its own "N passed" line; exit code 5 (no test collected) counts as a failure.
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider -q -rs slicer_module/Radscore/Testing/Python "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "no Slicer module test was collected" >&2
    exit 1
fi
exit "$status"
