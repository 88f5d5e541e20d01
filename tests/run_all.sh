#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs (Python venv with the
# pyradiomics oracle), then runs formatting and lint checks and every test.
# Reference data is expected at ../shared (or $RADSCORE_SHARED).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

step() { printf '\n==> %s\n' "$*"; }

step "Python oracle venv (pyradiomics-bhklab, SimpleITK)"
VENV=${RADSCORE_VENV:-$ROOT/target/oracle-venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/oracle/requirements.txt
export RADSCORE_PYTHON=$VENV/bin/python

step "Python LBP3D oracle venv (scipy 1.16 with sph_harm, trimesh)"
LBP3D_VENV=${RADSCORE_LBP3D_VENV:-$ROOT/target/lbp3d-venv}
if [ ! -x "$LBP3D_VENV/bin/python" ]; then
    python3 -m venv "$LBP3D_VENV"
fi
"$LBP3D_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/oracle/requirements-lbp3d.txt
export RADSCORE_LBP3D_PYTHON=$LBP3D_VENV/bin/python
# Every test that needs ../shared or the oracle must find it here (no silent skips).
export RADSCORE_REQUIRE_ALL=1

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --all-targets --quiet -- -D warnings

step "cargo test (unit, integration, pyradiomics oracle)"
cargo test --all-targets --no-fail-fast 2>&1 | tee target/cargo-test.log

step "C/C++: CMake build, C API test, C++ tool, CLI = C API, valgrind, find_package consumer"
if ! command -v cmake >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq cmake >/dev/null
    else
        echo "cmake is missing (apt-get install cmake)" >&2
        exit 1
    fi
fi
if ! command -v valgrind >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq valgrind >/dev/null || true
fi
cmake -S . -B target/cmake-build -DCMAKE_BUILD_TYPE=Release -DRADSCORE_CARGO_DIR="$ROOT/target" >/dev/null
cmake --build target/cmake-build -j2
ctest --test-dir target/cmake-build --output-on-failure

step "3D Slicer module: binding, MRML logic and parity with pyradiomics (headless slicer-core)"
RADSCORE_LIBRARY=$ROOT/target/release/libradscore.so RADSCORE_CLI=$ROOT/target/release/radscore \
    bash slicer_module/Testing/run_tests.sh
