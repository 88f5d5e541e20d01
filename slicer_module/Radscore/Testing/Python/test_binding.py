"""The ctypes binding with numpy alone: every C function, every error path, the ABI check."""

import ctypes
import ctypes.util
import json
import math
import threading

import numpy as np
import pytest

from RadscoreLib import binding as rs

from conftest import require_file_io

GLCM = {"featureClass": {"glcm": []}}


def case(shape=(6, 9, 8), seed=1):
    rng = np.random.default_rng(seed)
    img = rng.integers(-200, 300, shape).astype(np.int16)
    mask = np.zeros(shape, np.uint8)
    mask[1:-1, 2:-2, 2:-2] = 1
    return img, mask


def glcm_settings():
    return rs.Settings.from_dict(GLCM)


# ---- library, versions, last error ----


def test_version_and_abi(lib):
    assert lib.abi_version() == rs.ABI_VERSION == 1
    assert rs.abi_version() == 1
    parts = lib.version().split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)
    assert rs.version() == lib.version()


def test_abi_mismatch_refused(lib, monkeypatch):
    monkeypatch.setattr(rs, "ABI_VERSION", 2)
    with pytest.raises(rs.AbiMismatchError) as e:
        rs.Library(lib.path)
    msg = str(e.value)
    assert "ABI version 1" in msg and "ABI version 2" in msg and str(lib.path) in msg


def test_library_search(lib, monkeypatch, tmp_path):
    monkeypatch.setenv(rs.ENV_LIBRARY, str(tmp_path / "nope.so"))
    with pytest.raises(rs.LibraryNotFoundError, match="RADSCORE_LIBRARY"):
        rs.find_library()
    # A directory holding the library is accepted.
    monkeypatch.setenv(rs.ENV_LIBRARY, str(lib.path.parent))
    assert rs.find_library() == lib.path.parent / lib.path.name
    monkeypatch.setenv(rs.ENV_LIBRARY, str(lib.path))
    assert rs.find_library() == lib.path
    bogus = tmp_path / "libradscore.so"
    bogus.write_text("not a library")
    with pytest.raises(rs.LibraryNotFoundError, match="cannot load"):
        rs.Library(bogus)
    assert rs.library_candidates()[0] == lib.path


def test_not_a_radscore_library():
    libm = ctypes.util.find_library("m")
    if libm is None:
        pytest.skip("no libm to load")
    with pytest.raises((rs.AbiMismatchError, rs.LibraryNotFoundError)):
        rs.Library(libm)


def test_status_str_and_names(lib):
    for code, name in rs.STATUS_NAMES.items():
        text = lib.status_str(code)
        assert text and text != "unknown status", name
    assert lib.status_str(12345) == "unknown status"
    assert lib.status_str(0) == "ok"


def test_last_error_per_thread(lib):
    assert lib.raw.radscore_settings_new(None) == rs.STATUS["NULL_ARGUMENT"]
    msg = lib.last_error()
    assert "NULL" in msg
    # snprintf semantics: the full length is returned, the copy is truncated and NUL-terminated.
    buf = ctypes.create_string_buffer(5)
    n = lib.raw.radscore_last_error(buf, 5)
    assert n == len(msg.encode()) and buf.value == msg.encode()[:4]
    seen = []
    t = threading.Thread(target=lambda: seen.append(lib.last_error()))
    t.start()
    t.join()
    assert seen == [""]  # thread-local
    with rs.Settings.new():
        pass
    assert lib.last_error() == ""  # cleared by the next successful call


# ---- settings ----


def test_settings_constructors(lib, tmp_path):
    for s in (
        rs.Settings.new(),
        rs.Settings.from_preset("surufatinib"),
        rs.Settings.from_preset("pyradiomics-default"),
        rs.Settings.from_string("setting:\n  binWidth: 10\n"),
        rs.Settings.from_dict({"setting": {"binWidth": 5}, "featureClass": {"glcm": []}}),
    ):
        with s:
            assert not s.closed
        assert s.closed
    p = tmp_path / "params.yaml"
    p.write_text("setting:\n  binWidth: 15\nimageType:\n  Original: {}\n")
    with rs.Settings.from_file(p) as s:
        s.set_bin_width(3).set_bin_count(16).set_bin_count(0).set_label(2).set_threads(1)
        s.set_resampling([1, 1, 1], "sitkBSpline").set_resampling([2, 0, 2]).set_resampling(None)
        s.set_image_type("Wavelet", True).set_image_type("Wavelet", False)
        s.set("weightingNorm", None).set("resampledPixelSpacing", [1, 1, 1]).set("binWidth", 25)


@pytest.mark.parametrize(
    "make, status, words",
    [
        (lambda: rs.Settings.from_preset("no-such-preset"), "SETTING", ["no-such-preset"]),
        (lambda: rs.Settings.from_string("setting:\n  binWidht: 1\n"), "SETTING", ["binWidht"]),
        (lambda: rs.Settings.from_string("setting: [unclosed"), "SETTING", []),
        (lambda: rs.Settings.from_file("/nonexistent/params.yaml"), "IO", ["/nonexistent/params.yaml"]),
    ],
)
def test_settings_errors(make, status, words):
    with pytest.raises(rs.RadscoreError) as e:
        make()
    assert e.value.status_name == status, e.value
    assert e.value.status == rs.STATUS[status]
    for w in words:
        assert w in str(e.value)


@pytest.mark.parametrize(
    "change, status",
    [
        (lambda s: s.set("binWidht", 1), "SETTING"),
        (lambda s: s.set("binWidth", "wide"), "SETTING"),
        (lambda s: s.set_bin_width(0), "SETTING"),
        (lambda s: s.set_bin_width(float("nan")), "SETTING"),
        (lambda s: s.set_label(0), "SETTING"),
        (lambda s: s.set_image_type("NoSuchFilter"), "SETTING"),
        (lambda s: s.set_resampling([1, -1, 1]), "SETTING"),
        (lambda s: s.set_resampling([1, 1, 1], "sitkNoSuchInterpolator"), "SETTING"),
    ],
)
def test_setter_errors(change, status):
    with rs.Settings.new() as s:
        with pytest.raises(rs.RadscoreError) as e:
            change(s)
        assert e.value.status_name in (status, "INVALID_ARGUMENT"), e.value
        assert e.value.detail


def test_python_side_argument_errors():
    with rs.Settings.new() as s:
        with pytest.raises(ValueError):
            s.set_threads(-1)
        with pytest.raises(TypeError):
            s.set_bin_count(2.5)
        with pytest.raises(ValueError, match="3 values"):
            s.set_resampling([1, 1])
        with pytest.raises(ValueError, match="NUL"):
            s.set("bin\0Width", 1)
        with pytest.raises(TypeError):
            rs.Settings.from_preset(None)


# ---- images and masks ----


def test_image_and_mask_from_arrays():
    img, mask = case()
    for dtype in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64, np.float32, np.float64):
        with rs.Image.from_array(np.abs(img).astype(dtype), (1, 1, 1)) as i:
            assert not i.closed
    for dtype in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64, np.bool_):
        with rs.Mask.from_array(mask.astype(dtype), (1, 1, 1)):
            pass
    # Non-contiguous and big-endian arrays are converted.
    with rs.Image.from_array(img.astype(">i2"), (1, 1, 1)), rs.Image.from_array(img[:, ::2, :], (1, 1, 1)):
        pass
    with rs.Image.from_array(img, (0.5, 0.7, 2.0), origin=(1, 2, 3), direction=np.eye(3)[:, [1, 0, 2]]):
        pass


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        ({"array": np.zeros((4, 4))}, ValueError, ["3-D"]),
        ({"array": np.zeros((2, 2, 2), np.complex64)}, TypeError, ["complex64"]),
        ({"spacing": (1, 1)}, ValueError, ["3 values"]),
        ({"spacing": "abc"}, TypeError, ["spacing"]),
        ({"direction": [1, 0, 0]}, ValueError, ["9 values"]),
        ({"array": np.zeros((0, 3, 3), np.int16)}, "INVALID_ARGUMENT", ["dims must be positive"]),
        ({"spacing": (1, -1, 1)}, "INVALID_ARGUMENT", ["spacing"]),
        ({"spacing": (1, float("nan"), 1)}, "INVALID_ARGUMENT", ["spacing"]),
        ({"origin": (0, float("inf"), 0)}, "INVALID_ARGUMENT", ["finite"]),
        ({"direction": np.zeros((3, 3))}, "INVALID_ARGUMENT", ["singular"]),
    ],
)
def test_image_errors(kwargs, exc, words):
    args = {"array": np.zeros((3, 3, 3), np.int16), "spacing": (1, 1, 1), "origin": None, "direction": None}
    args.update(kwargs)
    for cls in (rs.Image, rs.Mask):
        a = dict(args)
        if cls is rs.Mask and np.asarray(a["array"]).dtype.kind == "f":
            continue
        if isinstance(exc, str):
            with pytest.raises(rs.RadscoreError) as e:
                cls.from_array(**a)
            assert e.value.status_name == exc
        else:
            with pytest.raises(exc) as e:
                cls.from_array(**a)
        for w in words:
            assert w in str(e.value)


def test_float_mask_refused():
    with pytest.raises(rs.RadscoreError) as e:
        rs.Mask.from_array(np.ones((2, 2, 2), np.float32), (1, 1, 1))
    assert e.value.status_name == "INVALID_ARGUMENT" and "integer" in str(e.value)


def test_read_errors(tmp_path):
    require_file_io()
    with pytest.raises(rs.RadscoreError) as e:
        rs.Image.read(tmp_path / "missing.nrrd")
    assert e.value.status_name == "IO" and "missing.nrrd" in str(e.value)
    with pytest.raises(rs.RadscoreError) as e:
        rs.Mask.read(tmp_path / "missing.nrrd", segment="lesion")
    assert e.value.status_name == "IO"
    bad = tmp_path / "bad.nrrd"
    bad.write_bytes(b"NRRD0004\ntype: nonsense\n\n")
    with pytest.raises(rs.RadscoreError) as e:
        rs.Image.read(bad)
    assert e.value.status_name in ("FORMAT", "UNSUPPORTED")


def test_read_files(pyradiomics_data):
    require_file_io()
    with rs.Image.read(pyradiomics_data / "brain1_image.nrrd") as img, rs.Mask.read(
        pyradiomics_data / "brain1_label.nrrd"
    ) as m, glcm_settings() as s, rs.extract(s, img, m) as r:
        assert len(r) > 0


# ---- extraction and results ----


def test_extract_and_result_access(lib):
    img, mask = case()
    with glcm_settings() as s, rs.Image.from_array(img, (1, 1, 2)) as i, rs.Mask.from_array(mask, (1, 1, 2)) as m:
        with rs.extract(s, i, m) as r:
            n = len(r)
            assert n > 10
            keys = r.keys()
            assert keys == list(r) and all(k.startswith("original_glcm_") for k in keys)
            d = r.to_dict()
            assert list(d) == keys
            for idx, k in enumerate(keys):
                v = r.value(idx)
                assert (math.isnan(v) and math.isnan(r[k])) or r[k] == v == d[k]
                assert k in r
            from_json = json.loads(r.json())
            assert list(from_json) == keys
            for k, v in from_json.items():
                assert (v is None and math.isnan(d[k])) or v == pytest.approx(d[k], rel=1e-15, abs=0)
            with pytest.raises(IndexError):
                r.key(n)
            with pytest.raises(IndexError):
                r.key(-1)
            with pytest.raises(rs.RadscoreError) as e:
                r.value(n)
            assert e.value.status_name == "NOT_FOUND" and str(n) in str(e.value)
            with pytest.raises(KeyError):
                r["original_glcm_NoSuchFeature"]
            assert r.get("original_glcm_NoSuchFeature", 7) == 7
            assert "nope" not in r and 3 not in r
            with pytest.raises(TypeError):
                r[0]
        assert r.closed
        with pytest.raises(ValueError, match="closed"):
            len(r)
        r.close()  # idempotent


def test_progress_and_cancel():
    img, mask = case()
    seen = []
    with glcm_settings() as s, rs.Image.from_array(img, (1, 1, 1)) as i, rs.Mask.from_array(mask, (1, 1, 1)) as m:
        rs.extract(s, i, m, lambda f, stage: seen.append((f, stage))).close()
        assert seen and seen[-1][0] == pytest.approx(1.0)
        assert all(0 < f <= 1 for f, _ in seen) and [f for f, _ in seen] == sorted(f for f, _ in seen)
        assert all(isinstance(stage, str) and stage for _, stage in seen)
        with pytest.raises(rs.CancelledError) as e:
            rs.extract(s, i, m, lambda f, stage: False)
        assert e.value.status_name == "CANCELLED"

        class Boom(Exception):
            pass

        def explode(f, stage):
            raise Boom("from the callback")

        with pytest.raises(Boom):
            rs.extract(s, i, m, explode)
        # Still usable afterwards.
        rs.extract(s, i, m).close()


@pytest.mark.parametrize(
    "image, mask, status",
    [
        ("ok", "empty", "LABEL_ABSENT"),
        ("ok", "other_shape", "GEOMETRY_MISMATCH"),
        ("nan", "ok", "NON_FINITE"),
    ],
)
def test_extract_errors(image, mask, status):
    img, m = case()
    arr = img.astype(np.float32)
    if image == "nan":
        arr[2, 4, 4] = np.nan
    marr = {"ok": m, "empty": np.zeros_like(m), "other_shape": m[:, :-1, :]}[mask]
    with glcm_settings() as s, rs.Image.from_array(arr, (1, 1, 1)) as i, rs.Mask.from_array(marr, (1, 1, 1)) as mm:
        with pytest.raises(rs.RadscoreError) as e:
            rs.extract(s, i, mm)
    assert e.value.status_name == status, e.value
    assert e.value.detail


def test_geometry_mismatch_by_origin_and_spacing():
    img, m = case()
    with glcm_settings() as s, rs.Image.from_array(img, (1, 1, 1)) as i:
        for kw in ({"spacing": (1, 1, 1.5)}, {"spacing": (1, 1, 1), "origin": (0, 0, 5)}):
            with rs.Mask.from_array(m, **kw) as mm, pytest.raises(rs.RadscoreError) as e:
                rs.extract(s, i, mm)
            assert e.value.status_name == "GEOMETRY_MISMATCH"


def test_label_setting_selects_label():
    img, m = case()
    m2 = m * 2
    with glcm_settings() as s, rs.Image.from_array(img, (1, 1, 1)) as i, rs.Mask.from_array(m2, (1, 1, 1)) as mm:
        with pytest.raises(rs.RadscoreError) as e:
            rs.extract(s, i, mm)
        assert e.value.status_name == "LABEL_ABSENT"
        s.set_label(2)
        with rs.extract(s, i, mm) as r, rs.Mask.from_array(m, (1, 1, 1)) as m1:
            s.set_label(1)
            with rs.extract(s, i, m1) as r1:
                assert r.to_dict() == r1.to_dict()


def test_null_and_wrong_handles(lib):
    img, m = case()
    out = ctypes.c_void_p()
    with glcm_settings() as s, rs.Image.from_array(img, (1, 1, 1)) as i, rs.Mask.from_array(m, (1, 1, 1)) as mm:
        nocb = rs._PROGRESS_FN()
        assert lib.raw.radscore_extract(None, i.ptr, mm.ptr, nocb, None, ctypes.byref(out)) == rs.STATUS["NULL_ARGUMENT"]
        assert "settings" in lib.last_error()
        # An image handle passed as settings is detected by its tag.
        status = lib.raw.radscore_extract(i.ptr, i.ptr, mm.ptr, nocb, None, ctypes.byref(out))
        assert status == rs.STATUS["INVALID_HANDLE"]
        with pytest.raises(rs.RadscoreError) as e:
            lib.check(status, "radscore_extract")
        assert e.value.status_name == "INVALID_HANDLE" and "radscore_extract" in str(e.value)
        assert lib.raw.radscore_extract(s.ptr, i.ptr, mm.ptr, nocb, None, None) == rs.STATUS["NULL_ARGUMENT"]
        assert out.value is None  # out-parameters untouched on failure
    # Getters and free functions accept NULL.
    assert lib.raw.radscore_result_count(None) == 0
    assert lib.raw.radscore_result_key(None, 0) is None
    assert lib.raw.radscore_result_json(None, None, 0) == 0
    v = ctypes.c_double()
    assert lib.raw.radscore_result_value(None, 0, ctypes.byref(v)) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_result_get(None, b"x", ctypes.byref(v)) == rs.STATUS["NULL_ARGUMENT"]
    for f in ("radscore_image_free", "radscore_mask_free", "radscore_result_free", "radscore_settings_free"):
        getattr(lib.raw, f)(None)
    assert lib.raw.radscore_image_read(None, ctypes.byref(out)) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_mask_read(b"x.nrrd", None, None) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_settings_from_preset(None, ctypes.byref(out)) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_settings_from_string(None, ctypes.byref(out)) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_settings_from_file(None, ctypes.byref(out)) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_settings_set(None, b"binWidth", b"1") == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_settings_set_bin_width(None, 1.0) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_settings_set_bin_count(None, 1) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_settings_set_label(None, 1) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_settings_set_resampling(None, None, None) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_settings_set_image_type(None, b"Original", 1) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_settings_set_threads(None, 1) == rs.STATUS["NULL_ARGUMENT"]
    dims = (ctypes.c_size_t * 3)(1, 1, 1)
    sp = (ctypes.c_double * 3)(1, 1, 1)
    assert lib.raw.radscore_image_from_buffer(None, 2, 4, dims, sp, None, None, ctypes.byref(out)) == rs.STATUS["NULL_ARGUMENT"]
    buf = (ctypes.c_int16 * 1)(5)
    assert lib.raw.radscore_mask_from_buffer(buf, 2, 4, None, sp, None, None, ctypes.byref(out)) == rs.STATUS["NULL_ARGUMENT"]
    assert lib.raw.radscore_image_from_buffer(buf, 2, 77, dims, sp, None, None, ctypes.byref(out)) == rs.STATUS["INVALID_ARGUMENT"]
    assert lib.raw.radscore_image_from_buffer(buf, 3, 4, dims, sp, None, None, ctypes.byref(out)) == rs.STATUS["INVALID_ARGUMENT"]
    assert "bytes" in lib.last_error()


def test_handles_close_safely():
    img, m = case()
    i = rs.Image.from_array(img, (1, 1, 1))
    i.close()
    i.close()
    with pytest.raises(ValueError, match="closed"):
        _ = i.ptr
    s = rs.Settings.new()
    del s  # __del__ frees
    with rs.Mask.from_array(m, (1, 1, 1)) as mm:
        pass
    assert mm.closed


def test_gil_released_during_extraction():
    """Another Python thread runs while the library computes (the UI stays responsive)."""
    img, m = case(shape=(30, 60, 60))
    m[:] = 0
    m[3:-3, 5:-5, 5:-5] = 1
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.001)

    t = threading.Thread(target=ticker)
    with rs.Settings.from_dict({"featureClass": {"glcm": [], "glrlm": []}}) as s, rs.Image.from_array(
        img, (1, 1, 1)
    ) as i, rs.Mask.from_array(m, (1, 1, 1)) as mm:
        t.start()
        try:
            rs.extract(s, i, mm).close()
        finally:
            stop.set()
            t.join()
    assert ticks


def test_extract_arrays_convenience():
    img, m = case()
    with glcm_settings() as s:
        d = rs.extract_arrays(img, m, (1, 1, 1), settings=s)
        assert not s.closed
    assert d and all(k.startswith("original_glcm_") for k in d)
