"""Shared fixtures of the headless Slicer-module tests.

Inputs that may be missing (slicer-core, ../shared, the CLI, feature classes the library
does not implement yet) skip with the reason, unless RADSCORE_REQUIRE_ALL=1, where they fail.
"""

import os
import sys
from pathlib import Path

import pytest

MODULE_DIR = Path(__file__).resolve().parents[2]  # slicer_module/Radscore
REPO_ROOT = MODULE_DIR.parents[1]
sys.path.insert(0, str(MODULE_DIR))

REQUIRE_ALL = os.environ.get("RADSCORE_REQUIRE_ALL") == "1"


def unavailable(reason: str):
    """Skip (or fail under RADSCORE_REQUIRE_ALL=1) because an input is missing."""
    if REQUIRE_ALL:
        pytest.fail(f"required but missing: {reason}")
    pytest.skip(reason)


def shared_dir() -> Path:
    d = Path(os.environ.get("RADSCORE_SHARED", REPO_ROOT.parent / "shared"))
    if not (d / "data" / "pyradiomics").is_dir():
        unavailable(f"needs ../shared (reference data) at {d} or RADSCORE_SHARED")
    return d


@pytest.fixture
def pyradiomics_data() -> Path:
    return shared_dir() / "data" / "pyradiomics"


@pytest.fixture(scope="session")
def lib():
    from RadscoreLib import binding

    return binding.load_library()


@pytest.fixture
def slicer_mod():
    try:
        import slicer

        slicer.vtkMRMLScene  # noqa: B018 - the real MRML classes must be there
    except (ImportError, AttributeError) as e:
        unavailable(f"needs slicer-core (pip install slicer-core): {e}")
    return slicer


@pytest.fixture
def scene(slicer_mod):
    from RadscoreLib import mrml

    mrml.register_converter_rules()  # as Slicer's Segmentations module does at startup
    s = slicer_mod.vtkMRMLScene()
    yield s
    s.Clear(1)


@pytest.fixture
def cli() -> Path:
    p = Path(os.environ.get("RADSCORE_CLI", REPO_ROOT / "target" / "release" / "radscore"))
    if not p.is_file():
        unavailable(f"needs the radscore CLI at {p} (cargo build --release) or RADSCORE_CLI")
    return p


_class_cache: dict = {}


def require_classes(*classes: str) -> None:
    """Skip (or fail under RADSCORE_REQUIRE_ALL=1) when the library cannot extract a class yet."""
    import numpy as np

    from RadscoreLib import binding

    missing = []
    for cls in classes:
        if cls not in _class_cache:
            img = np.arange(4 * 6 * 6, dtype=np.int16).reshape(4, 6, 6) % 17
            mask = np.zeros(img.shape, np.uint8)
            mask[1:3, 1:5, 1:5] = 1
            with binding.Settings.from_dict({"featureClass": {cls: []}}) as s:
                try:
                    binding.extract_arrays(img, mask, (1, 1, 1), settings=s)
                    _class_cache[cls] = None
                except binding.RadscoreError as e:
                    _class_cache[cls] = e.detail
        if _class_cache[cls] is not None:
            missing.append(f"{cls} ({_class_cache[cls]})")
    if missing:
        unavailable("the library cannot extract yet: " + ", ".join(missing))


def require_file_io(pyradiomics_dir: Path = None) -> None:
    """Skip (or fail under RADSCORE_REQUIRE_ALL=1) when the library cannot read files yet."""
    from RadscoreLib import binding

    import tempfile

    header = (
        "NRRD0004\ntype: short\ndimension: 3\nspace: left-posterior-superior\nsizes: 2 2 2\n"
        "space directions: (1,0,0) (0,1,0) (0,0,1)\nendian: little\nencoding: raw\nspace origin: (0,0,0)\n\n"
    )
    with tempfile.TemporaryDirectory() as d:
        probe = Path(d) / "probe.nrrd"
        probe.write_bytes(header.encode() + bytes(16))
        try:
            binding.Image.read(probe).close()
        except binding.RadscoreError as e:
            if "not implemented yet" in e.detail:
                unavailable(f"the library cannot read image files yet: {e.detail}")
            raise


def load_volume(scene, slicer, path, cls="vtkMRMLScalarVolumeNode"):
    """Load an NRRD file into a volume node, as Slicer's Add Data does (no recentering)."""
    node = scene.AddNewNodeByClass(cls, Path(path).stem)
    storage = slicer.vtkMRMLVolumeArchetypeStorageNode()
    scene.AddNode(storage)
    storage.SetFileName(str(path))
    storage.SetCenterImage(False)
    if not storage.ReadData(node):
        raise RuntimeError(f"cannot read {path}")
    node.SetAndObserveStorageNodeID(storage.GetID())
    return node


def save_volume(scene, slicer, node, path):
    """Write a volume node with Slicer's own writer (independent of RadscoreLib.mrml)."""
    storage = slicer.vtkMRMLVolumeArchetypeStorageNode()
    scene.AddNode(storage)
    storage.SetFileName(str(path))
    storage.SetUseCompression(False)
    if not storage.WriteData(node):
        raise RuntimeError(f"cannot write {path}")
