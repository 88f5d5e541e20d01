"""ctypes binding to the radscore C API (``include/radscore.h``, ABI version 1).

Pure Python + numpy: imports neither ``slicer`` nor Qt, so it works in any Python
(Slicer's console, a notebook, pytest).

    from RadscoreLib import binding as rs
    with rs.Settings.from_preset("pyradiomics-default") as s, \\
         rs.Image.from_array(ct, spacing=(0.7, 0.7, 5.0)) as img, \\
         rs.Mask.from_array(lesion, spacing=(0.7, 0.7, 5.0)) as m:
        features = rs.extract(s, img, m).to_dict()

Arrays are numpy arrays in C order with shape (k, j, i) (slowest axis first, as numpy,
SimpleITK's GetArrayFromImage and Slicer's arrayFromVolume hand them); spacing and origin
are (x, y, z) = (i, j, k) in mm, LPS; direction is ITK's row-major 3x3 (columns = i, j, k axes).

The library is found, in order, from the environment variable ``RADSCORE_LIBRARY``, beside
this file (where the Slicer extension installs it), or the repository's ``target/release``
(or ``target/debug``). Its ``radscore_abi_version()`` must equal :data:`ABI_VERSION`.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import threading
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence, Union

import numpy as np

#: The ABI version this binding was written for (``RADSCORE_ABI_VERSION`` in radscore.h).
ABI_VERSION = 1

#: radscore_status values and their names (as in radscore.h without the prefix).
STATUS_NAMES = {
    0: "OK",
    1: "NULL_ARGUMENT",
    2: "INVALID_ARGUMENT",
    3: "IO",
    4: "FORMAT",
    5: "UNSUPPORTED",
    6: "SETTING",
    7: "LABEL_ABSENT",
    8: "GEOMETRY_MISMATCH",
    9: "ROI_TOO_SMALL",
    10: "NON_FINITE",
    11: "MODEL",
    12: "STATS",
    13: "CANCELLED",
    14: "BUFFER_TOO_SMALL",
    15: "NOT_FOUND",
    16: "INVALID_HANDLE",
    99: "PANIC",
}
STATUS = {name: code for code, name in STATUS_NAMES.items()}

#: numpy dtype → radscore_pixel_type.
PIXEL_TYPES = {
    np.dtype(np.uint8): 1,
    np.dtype(np.int8): 2,
    np.dtype(np.uint16): 3,
    np.dtype(np.int16): 4,
    np.dtype(np.uint32): 5,
    np.dtype(np.int32): 6,
    np.dtype(np.uint64): 7,
    np.dtype(np.int64): 8,
    np.dtype(np.float32): 9,
    np.dtype(np.float64): 10,
}

ENV_LIBRARY = "RADSCORE_LIBRARY"


class RadscoreError(Exception):
    """A radscore call failed. ``status`` is the radscore_status code, ``status_name`` its
    name (e.g. "LABEL_ABSENT"), ``detail`` the library's message (radscore_last_error)."""

    def __init__(self, status: int, detail: str, function: str = ""):
        self.status = int(status)
        self.status_name = STATUS_NAMES.get(self.status, f"UNKNOWN_{self.status}")
        self.detail = detail
        self.function = function
        where = f"{function}: " if function else ""
        super().__init__(f"{where}{detail or 'failed'} [{self.status_name}]")


class CancelledError(RadscoreError):
    """The extraction was cancelled by the progress callback."""


class LibraryNotFoundError(ImportError):
    """No radscore shared library could be found or loaded."""


class AbiMismatchError(ImportError):
    """The library found implements another ABI version than this binding."""


def _library_file_name() -> str:
    if sys.platform == "win32":
        return "radscore.dll"
    if sys.platform == "darwin":
        return "libradscore.dylib"
    return "libradscore.so"


def library_candidates() -> list[Path]:
    """Where the library is looked for, in order (the environment override first)."""
    name = _library_file_name()
    here = Path(__file__).resolve().parent
    out: list[Path] = []
    env = os.environ.get(ENV_LIBRARY)
    if env:
        p = Path(env)
        out.append(p / name if p.is_dir() else p)
    out.append(here / name)
    # Build tree: slicer_module/Radscore/RadscoreLib → repository root is 3 levels up.
    for root in (here.parents[2], Path.cwd()):
        for profile in ("release", "debug"):
            out.append(root / "target" / profile / name)
    return out


def find_library() -> Path:
    """The path of the radscore shared library (see :func:`library_candidates`)."""
    env = os.environ.get(ENV_LIBRARY)
    candidates = library_candidates()
    if env:
        # An explicit override must be right: do not silently fall back to another copy.
        if not candidates[0].is_file():
            raise LibraryNotFoundError(f"{ENV_LIBRARY}={env} does not name a radscore library file")
        return candidates[0]
    for c in candidates:
        if c.is_file():
            return c
    raise LibraryNotFoundError(
        "radscore library not found; build it with 'cargo build --release' or set "
        f"{ENV_LIBRARY} to its path. Looked in: " + ", ".join(str(c) for c in candidates)
    )


_PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_double, ctypes.c_char_p, ctypes.c_void_p)

_P = ctypes.c_void_p
_SZ = ctypes.c_size_t
_D3 = ctypes.POINTER(ctypes.c_double)

# name: (restype, argtypes). Handles are passed as void pointers.
_SIGNATURES = {
    "radscore_version": (ctypes.c_char_p, []),
    "radscore_abi_version": (ctypes.c_uint32, []),
    "radscore_last_error": (_SZ, [ctypes.c_char_p, _SZ]),
    "radscore_status_str": (ctypes.c_char_p, [ctypes.c_int32]),
    "radscore_extract": (ctypes.c_int32, [_P, _P, _P, _PROGRESS_FN, _P, ctypes.POINTER(_P)]),
    "radscore_image_from_buffer": (
        ctypes.c_int32,
        [_P, _SZ, ctypes.c_int32, ctypes.POINTER(_SZ), _D3, _D3, _D3, ctypes.POINTER(_P)],
    ),
    "radscore_image_read": (ctypes.c_int32, [ctypes.c_char_p, ctypes.POINTER(_P)]),
    "radscore_image_free": (None, [_P]),
    "radscore_mask_from_buffer": (
        ctypes.c_int32,
        [_P, _SZ, ctypes.c_int32, ctypes.POINTER(_SZ), _D3, _D3, _D3, ctypes.POINTER(_P)],
    ),
    "radscore_mask_read": (ctypes.c_int32, [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(_P)]),
    "radscore_mask_free": (None, [_P]),
    "radscore_result_count": (_SZ, [_P]),
    "radscore_result_key": (ctypes.c_char_p, [_P, _SZ]),
    "radscore_result_value": (ctypes.c_int32, [_P, _SZ, ctypes.POINTER(ctypes.c_double)]),
    "radscore_result_get": (ctypes.c_int32, [_P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_double)]),
    "radscore_result_json": (_SZ, [_P, ctypes.c_char_p, _SZ]),
    "radscore_result_free": (None, [_P]),
    "radscore_settings_new": (ctypes.c_int32, [ctypes.POINTER(_P)]),
    "radscore_settings_from_preset": (ctypes.c_int32, [ctypes.c_char_p, ctypes.POINTER(_P)]),
    "radscore_settings_from_string": (ctypes.c_int32, [ctypes.c_char_p, ctypes.POINTER(_P)]),
    "radscore_settings_from_file": (ctypes.c_int32, [ctypes.c_char_p, ctypes.POINTER(_P)]),
    "radscore_settings_set": (ctypes.c_int32, [_P, ctypes.c_char_p, ctypes.c_char_p]),
    "radscore_settings_set_bin_width": (ctypes.c_int32, [_P, ctypes.c_double]),
    "radscore_settings_set_bin_count": (ctypes.c_int32, [_P, ctypes.c_uint32]),
    "radscore_settings_set_label": (ctypes.c_int32, [_P, ctypes.c_uint32]),
    "radscore_settings_set_resampling": (ctypes.c_int32, [_P, _D3, ctypes.c_char_p]),
    "radscore_settings_set_image_type": (ctypes.c_int32, [_P, ctypes.c_char_p, ctypes.c_int32]),
    "radscore_settings_set_threads": (ctypes.c_int32, [_P, ctypes.c_uint32]),
    "radscore_settings_free": (None, [_P]),
    # Model functions: added within ABI 1 (libraries built before them lack them; see has_models).
    "radscore_model_from_file": (ctypes.c_int32, [ctypes.c_char_p, ctypes.POINTER(_P)]),
    "radscore_model_from_string": (ctypes.c_int32, [ctypes.c_char_p, ctypes.POINTER(_P)]),
    "radscore_model_from_card": (ctypes.c_int32, [ctypes.c_char_p, ctypes.POINTER(_P)]),
    "radscore_model_json": (_SZ, [_P, ctypes.c_char_p, _SZ]),
    "radscore_model_check_complete": (ctypes.c_int32, [_P]),
    "radscore_model_predict": (ctypes.c_int32, [_P, _P, ctypes.c_char_p, ctypes.POINTER(_P)]),
    "radscore_model_predict_radscore": (ctypes.c_int32, [_P, ctypes.c_double, ctypes.c_char_p, ctypes.POINTER(_P)]),
    "radscore_prediction_radscore": (ctypes.c_double, [_P]),
    "radscore_prediction_probability": (ctypes.c_double, [_P]),
    "radscore_prediction_total_points": (ctypes.c_double, [_P]),
    "radscore_prediction_json": (_SZ, [_P, ctypes.c_char_p, _SZ]),
    "radscore_model_free": (None, [_P]),
    "radscore_prediction_free": (None, [_P]),
}
_OPTIONAL = {name for name in _SIGNATURES if name.startswith(("radscore_model_", "radscore_prediction_"))}


class Library:
    """The loaded C library with every function's signature declared.

    ``raw`` is the ctypes CDLL (for tests and advanced use); :meth:`check` turns a status into
    an exception carrying the thread's last error.
    """

    def __init__(self, path: Union[str, Path, None] = None):
        self.path = Path(path) if path is not None else find_library()
        try:
            self.raw = ctypes.CDLL(str(self.path))
        except OSError as e:
            raise LibraryNotFoundError(f"cannot load the radscore library {self.path}: {e}") from e
        missing = [n for n in _SIGNATURES if not hasattr(self.raw, n)]
        self.has_models = not any(n in missing for n in _OPTIONAL)
        if not self.has_models:
            missing = [n for n in missing if n not in _OPTIONAL]
        if "radscore_abi_version" in missing:
            raise AbiMismatchError(f"{self.path} is not a radscore library (no radscore_abi_version)")
        for name, (restype, argtypes) in _SIGNATURES.items():
            if name in missing or not hasattr(self.raw, name):
                continue
            f = getattr(self.raw, name)
            f.restype = restype
            f.argtypes = argtypes
        found = int(self.raw.radscore_abi_version())
        if found != ABI_VERSION:
            raise AbiMismatchError(
                f"the radscore library {self.path} has ABI version {found}, but this binding "
                f"(RadscoreLib/binding.py) was written for ABI version {ABI_VERSION}; install "
                "matching versions of the library and the Slicer module"
            )
        if missing:
            raise AbiMismatchError(f"{self.path} lacks functions of ABI {ABI_VERSION}: {', '.join(missing)}")

    def version(self) -> str:
        """The library version (e.g. "0.1.0")."""
        return self.raw.radscore_version().decode()

    def abi_version(self) -> int:
        return int(self.raw.radscore_abi_version())

    def last_error(self) -> str:
        """The calling thread's last error message ("" after a successful call)."""
        n = self.raw.radscore_last_error(None, 0)
        if n == 0:
            return ""
        buf = ctypes.create_string_buffer(n + 1)
        self.raw.radscore_last_error(buf, n + 1)
        return buf.value.decode("utf-8", "replace")

    def status_str(self, status: int) -> str:
        return self.raw.radscore_status_str(int(status)).decode()

    def check(self, status: int, function: str = "") -> None:
        """Raise :class:`RadscoreError` (or :class:`CancelledError`) unless ``status`` is OK."""
        if status == 0:
            return
        detail = self.last_error() or self.status_str(status)
        cls = CancelledError if status == STATUS["CANCELLED"] else RadscoreError
        raise cls(status, detail, function)

    def call(self, name: str, *args) -> None:
        """Call a status-returning function and raise on failure."""
        self.check(getattr(self.raw, name)(*args), name)


_library: Optional[Library] = None
_library_lock = threading.Lock()


def load_library(path: Union[str, Path, None] = None) -> Library:
    """The process-wide library (loaded on first use; ``path`` overrides the search)."""
    global _library
    with _library_lock:
        if path is not None:
            return Library(path)
        if _library is None:
            _library = Library()
        return _library


def version() -> str:
    return load_library().version()


def abi_version() -> int:
    return load_library().abi_version()


def _enc(s: Union[str, os.PathLike], what: str) -> bytes:
    if isinstance(s, os.PathLike):
        s = os.fspath(s)
    if not isinstance(s, str):
        raise TypeError(f"{what} must be a string, got {type(s).__name__}")
    if "\0" in s:
        raise ValueError(f"{what} must not contain NUL characters")
    return s.encode("utf-8")


class _Handle:
    """Owns one C handle; freed by close(), the context manager, or garbage collection."""

    _free_name = ""
    _kind = "handle"

    def __init__(self, ptr: int, lib: Library):
        self._ptr = ctypes.c_void_p(ptr)
        self._lib = lib

    @property
    def ptr(self) -> ctypes.c_void_p:
        if not self._ptr:
            raise ValueError(f"this radscore {self._kind} is closed")
        return self._ptr

    @property
    def closed(self) -> bool:
        return not self._ptr

    def close(self) -> None:
        """Free the C object (idempotent)."""
        ptr, self._ptr = self._ptr, ctypes.c_void_p(None)
        if ptr:
            getattr(self._lib.raw, self._free_name)(ptr)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        # Interpreter shutdown may have torn down ctypes/the library already.
        try:
            self.close()
        except Exception:
            pass

    @classmethod
    def _create(cls, lib: Library, name: str, *args):
        out = ctypes.c_void_p()
        lib.call(name, *args, ctypes.byref(out))
        return cls(out.value, lib)


class Settings(_Handle):
    """Extraction settings (pyradiomics parameter-file semantics)."""

    _free_name = "radscore_settings_free"
    _kind = "settings"

    @classmethod
    def new(cls, lib: Optional[Library] = None) -> "Settings":
        """pyradiomics' defaults (RadiomicsFeatureExtractor())."""
        return cls._create(lib or load_library(), "radscore_settings_new")

    @classmethod
    def from_preset(cls, name: str, lib: Optional[Library] = None) -> "Settings":
        """A built-in preset: "surufatinib" (the studies' 851 features) or "pyradiomics-default"."""
        return cls._create(lib or load_library(), "radscore_settings_from_preset", _enc(name, "preset"))

    @classmethod
    def from_string(cls, text: str, lib: Optional[Library] = None) -> "Settings":
        """The text of a pyradiomics parameter file (YAML or JSON)."""
        return cls._create(lib or load_library(), "radscore_settings_from_string", _enc(text, "parameter text"))

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike], lib: Optional[Library] = None) -> "Settings":
        """A pyradiomics parameter file (.yaml, .yml, .json)."""
        return cls._create(lib or load_library(), "radscore_settings_from_file", _enc(path, "path"))

    @classmethod
    def from_dict(cls, params: dict, lib: Optional[Library] = None) -> "Settings":
        """A parameter-file structure as a dict ({"setting": ..., "imageType": ..., "featureClass": ...})."""
        return cls.from_string(json.dumps(params), lib)

    def set(self, key: str, value) -> "Settings":
        """Any pyradiomics setting by name; ``value`` is converted to JSON (None → null)."""
        self._lib.call("radscore_settings_set", self.ptr, _enc(key, "key"), _enc(json.dumps(value), "value"))
        return self

    def set_bin_width(self, bin_width: float) -> "Settings":
        self._lib.call("radscore_settings_set_bin_width", self.ptr, float(bin_width))
        return self

    def set_bin_count(self, bin_count: int) -> "Settings":
        """A fixed bin count (0 goes back to the bin width)."""
        self._lib.call("radscore_settings_set_bin_count", self.ptr, _u32(bin_count, "bin_count"))
        return self

    def set_label(self, label: int) -> "Settings":
        self._lib.call("radscore_settings_set_label", self.ptr, _u32(label, "label"))
        return self

    def set_resampling(self, spacing: Optional[Sequence[float]], interpolator: Optional[str] = None) -> "Settings":
        """Resample to ``spacing`` = (x, y, z) mm (0 keeps an axis); None disables resampling."""
        sp = None if spacing is None else _doubles(spacing, 3, "spacing")
        interp = None if interpolator is None else _enc(interpolator, "interpolator")
        self._lib.call("radscore_settings_set_resampling", self.ptr, sp, interp)
        return self

    def set_image_type(self, name: str, enabled: bool = True) -> "Settings":
        """Enable or disable an image type ("Original", "Wavelet", "LoG", ...)."""
        self._lib.call("radscore_settings_set_image_type", self.ptr, _enc(name, "image type"), 1 if enabled else 0)
        return self

    def set_threads(self, threads: int) -> "Settings":
        """Worker threads (0 = all cores)."""
        self._lib.call("radscore_settings_set_threads", self.ptr, _u32(threads, "threads"))
        return self


def _u32(v, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{what} must be an integer, got {v!r}")
    if not 0 <= int(v) <= 0xFFFFFFFF:
        raise ValueError(f"{what} must be in 0..4294967295, got {v}")
    return int(v)


def _doubles(values, n: int, what: str):
    try:
        vals = [float(v) for v in values]
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what} must be {n} numbers, got {values!r}") from e
    if len(vals) != n:
        raise ValueError(f"{what} must have {n} values, got {len(vals)}")
    return (ctypes.c_double * n)(*vals)


def _buffer_args(array, spacing, origin, direction, what: str):
    arr = np.asarray(array)
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
    if arr.ndim != 3:
        raise ValueError(f"{what} must be a 3-D array (k, j, i), got {arr.ndim}-D with shape {arr.shape}")
    native = arr.dtype.newbyteorder("=")
    if native not in PIXEL_TYPES:
        raise TypeError(
            f"{what} has dtype {arr.dtype}, which radscore does not take "
            f"(use one of {', '.join(str(d) for d in PIXEL_TYPES)})"
        )
    arr = np.ascontiguousarray(arr, dtype=native)
    dims = (ctypes.c_size_t * 3)(*arr.shape)
    sp = _doubles(spacing, 3, "spacing")
    org = None if origin is None else _doubles(origin, 3, "origin")
    if direction is None:
        dirn = None
    else:
        d = np.asarray(direction, dtype=np.float64)
        if d.size != 9:
            raise ValueError(f"direction must have 9 values (row-major 3x3), got {d.size}")
        dirn = _doubles(d.reshape(9), 9, "direction")
    return arr, PIXEL_TYPES[native], dims, sp, org, dirn


class Image(_Handle):
    """A scalar image with its geometry (LPS), copied into the library."""

    _free_name = "radscore_image_free"
    _kind = "image"

    @classmethod
    def from_array(
        cls,
        array,
        spacing: Sequence[float],
        origin: Optional[Sequence[float]] = None,
        direction=None,
        lib: Optional[Library] = None,
    ) -> "Image":
        """``array`` with shape (k, j, i); spacing/origin (x, y, z) in mm (LPS); direction as ITK."""
        lib = lib or load_library()
        arr, pt, dims, sp, org, dirn = _buffer_args(array, spacing, origin, direction, "image")
        return cls._create(lib, "radscore_image_from_buffer", arr.ctypes.data, arr.nbytes, pt, dims, sp, org, dirn)

    @classmethod
    def read(cls, path: Union[str, os.PathLike], lib: Optional[Library] = None) -> "Image":
        """Read .nrrd, .nhdr, .nii or .nii.gz."""
        return cls._create(lib or load_library(), "radscore_image_read", _enc(path, "path"))


class Mask(_Handle):
    """A label map; the ROI is the voxels equal to the settings' label (default 1)."""

    _free_name = "radscore_mask_free"
    _kind = "mask"

    @classmethod
    def from_array(
        cls,
        array,
        spacing: Sequence[float],
        origin: Optional[Sequence[float]] = None,
        direction=None,
        lib: Optional[Library] = None,
    ) -> "Mask":
        """Integer (or bool) ``array`` with shape (k, j, i); geometry as :meth:`Image.from_array`."""
        lib = lib or load_library()
        arr, pt, dims, sp, org, dirn = _buffer_args(array, spacing, origin, direction, "mask")
        return cls._create(lib, "radscore_mask_from_buffer", arr.ctypes.data, arr.nbytes, pt, dims, sp, org, dirn)

    @classmethod
    def read(cls, path: Union[str, os.PathLike], segment: Optional[str] = None, lib: Optional[Library] = None) -> "Mask":
        """Read a label map file; for a ``.seg.nrrd``, ``segment`` names the segment (name or label value)."""
        seg = None if segment is None else _enc(str(segment), "segment")
        return cls._create(lib or load_library(), "radscore_mask_read", _enc(path, "path"), seg)


class Result(_Handle):
    """Features of one extraction in pyradiomics' order (a read-only mapping)."""

    _free_name = "radscore_result_free"
    _kind = "result"

    def __len__(self) -> int:
        return int(self._lib.raw.radscore_result_count(self.ptr))

    def key(self, index: int) -> str:
        k = self._lib.raw.radscore_result_key(self.ptr, _index(index))
        if k is None:
            raise IndexError(f"feature index {index} is out of range (the result has {len(self)} features)")
        return k.decode()

    def value(self, index: int) -> float:
        out = ctypes.c_double()
        self._lib.call("radscore_result_value", self.ptr, _index(index), ctypes.byref(out))
        return out.value

    def get(self, key: str, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __getitem__(self, key: str) -> float:
        if not isinstance(key, str):
            raise TypeError(f"feature keys are strings, got {key!r} (use value(index) for positions)")
        out = ctypes.c_double()
        status = self._lib.raw.radscore_result_get(self.ptr, _enc(key, "key"), ctypes.byref(out))
        if status == STATUS["NOT_FOUND"]:
            raise KeyError(key)
        self._lib.check(status, "radscore_result_get")
        return out.value

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def keys(self) -> list[str]:
        return [self.key(i) for i in range(len(self))]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def to_dict(self) -> dict[str, float]:
        """{feature key: value} in pyradiomics' order (NaN stays NaN)."""
        return {self.key(i): self.value(i) for i in range(len(self))}

    def json(self) -> str:
        """The library's JSON text ({"key": value}, NaN as null)."""
        n = self._lib.raw.radscore_result_json(self.ptr, None, 0)
        buf = ctypes.create_string_buffer(n + 1)
        self._lib.raw.radscore_result_json(self.ptr, buf, n + 1)
        return buf.value.decode()


def _index(i) -> int:
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
        raise TypeError(f"index must be an integer, got {i!r}")
    if i < 0:
        raise IndexError(f"feature index {i} is negative")
    return int(i)


def _json_text(lib: Library, fn: str, ptr) -> str:
    f = getattr(lib.raw, fn)
    n = f(ptr, None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    f(ptr, buf, n + 1)
    return buf.value.decode()


class Model(_Handle):
    """A model card (Radscore, fusion model, nomogram) held by the library."""

    _free_name = "radscore_model_free"
    _kind = "model"

    @staticmethod
    def _lib(lib: Optional[Library]) -> Library:
        lib = lib or load_library()
        if not lib.has_models:
            raise RadscoreError(STATUS["UNSUPPORTED"], f"{lib.path} predates the model functions", "Model")
        return lib

    @classmethod
    def from_file(cls, path, lib: Optional[Library] = None) -> "Model":
        return cls._create(cls._lib(lib), "radscore_model_from_file", _enc(path, "path"))

    @classmethod
    def from_string(cls, text: str, lib: Optional[Library] = None) -> "Model":
        return cls._create(cls._lib(lib), "radscore_model_from_string", _enc(text, "model JSON"))

    @classmethod
    def from_card(cls, card_id: str, lib: Optional[Library] = None) -> "Model":
        """A card shipped with the library ("front-oncol-2025", "cancer-med-2026")."""
        return cls._create(cls._lib(lib), "radscore_model_from_card", _enc(card_id, "card id"))

    def json(self) -> dict:
        return json.loads(_json_text(self._lib, "radscore_model_json", self.ptr))

    def check_complete(self) -> None:
        """Raise (status MODEL, naming what must be fitted) unless the model can predict."""
        self._lib.call("radscore_model_check_complete", self.ptr)

    def predict(self, features: Result, clinical: Optional[dict] = None) -> dict:
        """Prediction from an extraction result and clinical values ({name: value})."""
        clin = None if clinical is None else _enc(json.dumps(clinical), "clinical")
        return self._predict("radscore_model_predict", features.ptr, clin)

    def predict_radscore(self, radscore: float, clinical: Optional[dict] = None) -> dict:
        clin = None if clinical is None else _enc(json.dumps(clinical), "clinical")
        return self._predict("radscore_model_predict_radscore", float(radscore), clin)

    def _predict(self, fn: str, first, clin) -> dict:
        out = ctypes.c_void_p()
        self._lib.call(fn, self.ptr, first, clin, ctypes.byref(out))
        try:
            return json.loads(_json_text(self._lib, "radscore_prediction_json", out))
        finally:
            self._lib.raw.radscore_prediction_free(out)


ProgressCallback = Callable[[float, str], Optional[bool]]


def extract(
    settings: Settings,
    image: Image,
    mask: Mask,
    progress: Optional[ProgressCallback] = None,
) -> Result:
    """Extract features; returns a :class:`Result` (use ``.to_dict()`` or a ``with`` block).

    ``progress(fraction, stage)`` is called on this thread after each stage; returning False
    cancels (raising :class:`CancelledError`). An exception raised by the callback also
    cancels, and is re-raised here. The GIL is released during the computation, so other
    Python threads keep running.
    """
    lib = settings._lib
    raised: list[BaseException] = []
    cancel_requested = []

    if progress is None:
        cb = _PROGRESS_FN()
    else:

        def relay(fraction: float, stage: bytes, _user) -> int:
            try:
                keep_going = progress(float(fraction), stage.decode("utf-8", "replace") if stage else "")
                if keep_going is False:
                    cancel_requested.append(True)
                    return 1
                return 0
            except BaseException as e:  # noqa: BLE001 - re-raised after the C call returns
                raised.append(e)
                return 1

        cb = _PROGRESS_FN(relay)
    out = ctypes.c_void_p()
    status = lib.raw.radscore_extract(settings.ptr, image.ptr, mask.ptr, cb, None, ctypes.byref(out))
    if raised or (cancel_requested and status == 0):
        # The library relays progress while its workers keep going, so a request made at
        # the last stage can arrive after they finished: honour it here, as documented.
        if status == 0:
            lib.raw.radscore_result_free(out)
        if raised:
            raise raised[0]
        raise CancelledError(STATUS["CANCELLED"], "cancelled by the progress callback", "radscore_extract")
    lib.check(status, "radscore_extract")
    return Result(out.value, lib)


def extract_arrays(
    image: np.ndarray,
    mask: np.ndarray,
    spacing: Sequence[float],
    origin: Optional[Sequence[float]] = None,
    direction=None,
    settings: Optional[Settings] = None,
    progress: Optional[ProgressCallback] = None,
) -> dict[str, float]:
    """One-call convenience: features of ``image`` within ``mask`` (same geometry) as a dict."""
    own = settings is None
    s = Settings.new() if own else settings
    try:
        with Image.from_array(image, spacing, origin, direction, lib=s._lib) as img, Mask.from_array(
            mask, spacing, origin, direction, lib=s._lib
        ) as m, extract(s, img, m, progress) as r:
            return r.to_dict()
    finally:
        if own:
            s.close()

