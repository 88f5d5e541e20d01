"""MRML side with slicer-core: geometry conversion, segment export, Logic errors, tables, and
features equal to pyradiomics on the same volume and the exported labelmap."""

import csv
import logging
import math

import numpy as np
import pytest

from conftest import load_volume, require_classes, save_volume
from RadscoreLib import mrml, selftest
from RadscoreLib.logic import RadscoreLogic, diameter_level, manualParameters

CASES = ["lung1", "lung2", "brain1"]
ALL_CLASSES = ["firstorder", "shape", "glcm", "glrlm", "glszm", "gldm", "ngtdm"]
REL, ABS = 1e-6, 1e-9


def sitk():
    import SimpleITK

    return SimpleITK


def load_case(scene, slicer, data, name):
    vol = load_volume(scene, slicer, data / f"{name}_image.nrrd")
    lab = load_volume(scene, slicer, data / f"{name}_label.nrrd", "vtkMRMLLabelMapVolumeNode")
    return vol, lab


def physical_points(array, spacing, origin, direction):
    """LPS positions of the nonzero voxels of a (k, j, i) array with ITK geometry."""
    k, j, i = np.nonzero(array)
    ijk = np.stack([i, j, k]).astype(np.float64)
    d = np.array(direction).reshape(3, 3)
    return (d @ (ijk * np.array(spacing)[:, None])).T + np.array(origin)


@pytest.mark.parametrize("name", CASES)
def test_volume_geometry_matches_simpleitk(scene, slicer_mod, pyradiomics_data, tmp_path, name):
    vol, lab = load_case(scene, slicer_mod, pyradiomics_data, name)
    # Exactly the geometry of the volume as Slicer's writer saves it, read by SimpleITK.
    save_volume(scene, slicer_mod, vol, tmp_path / "v.nrrd")
    ref = sitk().ReadImage(str(tmp_path / "v.nrrd"))
    g = mrml.volume_geometry(vol)
    assert np.allclose(g["spacing"], ref.GetSpacing(), rtol=0, atol=1e-9)
    assert np.allclose(g["origin"], ref.GetOrigin(), rtol=0, atol=1e-6)
    assert np.allclose(g["direction"], ref.GetDirection(), rtol=0, atol=1e-9)
    arr = mrml.volume_array(vol)
    assert np.array_equal(arr, sitk().GetArrayFromImage(ref))
    assert arr.flags.c_contiguous and arr.base is None  # a copy, not a view of VTK's memory
    # The lesion sits at the same physical place as in the original file (Slicer may reorder
    # axes on reading, e.g. brain1's negative k direction, so compare positions, not indices).
    orig = sitk().ReadImage(str(pyradiomics_data / f"{name}_label.nrrd"))
    want = physical_points(sitk().GetArrayFromImage(orig), orig.GetSpacing(), orig.GetOrigin(), orig.GetDirection())
    lg = mrml.volume_geometry(lab)
    got = physical_points(mrml.volume_array(lab), lg["spacing"], lg["origin"], lg["direction"])
    assert len(got) == len(want) > 0
    assert np.allclose(np.sort(got, axis=0), np.sort(want, axis=0), atol=1e-4)


def test_oblique_direction_round_trip(scene, slicer_mod, tmp_path):
    """An oblique volume written by Slicer and read by SimpleITK has the geometry we hand radscore."""
    c, s = math.cos(0.3), math.sin(0.3)
    dirs = [[c, -s, 0], [s, c, 0], [0, 0, 1]]
    vol = selftest.addVolume(scene, np.zeros((3, 4, 5), np.int16), (0.5, 0.7, 2.0), (10, -20, 30), ijkToRasDirections=dirs)
    save_volume(scene, slicer_mod, vol, tmp_path / "oblique.nrrd")
    ref = sitk().ReadImage(str(tmp_path / "oblique.nrrd"))
    g = mrml.volume_geometry(vol)
    assert np.allclose(g["direction"], ref.GetDirection(), atol=1e-9)
    assert np.allclose(g["origin"], ref.GetOrigin(), atol=1e-9)


def test_segment_with_other_geometry_is_resampled_on_the_volume(scene, slicer_mod, pyradiomics_data):
    vol, lab = load_case(scene, slicer_mod, pyradiomics_data, "brain1")
    label = mrml.volume_array(lab)
    k, j, i = np.nonzero(label)
    lo = [max(0, a.min() - 2) for a in (k, j, i)]
    hi = [a.max() + 3 for a in (k, j, i)]
    cropped = np.ascontiguousarray(label[lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]])
    # Cropped labelmap: same grid, other extent and origin.
    m = np.zeros((4, 4))
    import vtk

    mat = vtk.vtkMatrix4x4()
    lab.GetIJKToRASMatrix(mat)
    for r in range(4):
        for c in range(4):
            m[r, c] = mat.GetElement(r, c)
    origin = (m @ np.array([lo[2], lo[1], lo[0], 1.0]))[:3]
    dirs = m[:3, :3] / np.array(lab.GetSpacing())
    small = selftest.addVolume(scene, cropped, lab.GetSpacing(), origin, "vtkMRMLLabelMapVolumeNode", "cropped", dirs)
    seg = selftest.segmentationFromLabelmap(scene, small)
    (sid,) = mrml.segment_ids(seg)
    assert small.GetImageData().GetDimensions() != vol.GetImageData().GetDimensions()
    mask = mrml.segment_mask(seg, sid, vol)
    assert mask.shape == label.shape
    assert np.array_equal(mask, (label != 0).astype(np.uint8))


def test_bad_input_messages(scene, slicer_mod):
    messages = selftest.checkBadInput(scene, RadscoreLogic())
    assert len(messages) == 11
    for m in messages:
        assert "Traceback" not in m and len(m) > 20


def test_closed_surface_only_segment_is_voxelized(scene, slicer_mod):
    import vtk

    vol, _, _, _ = selftest.sphereCase(scene)
    seg = scene.AddNewNodeByClass("vtkMRMLSegmentationNode", "model")
    seg.GetSegmentation().SetSourceRepresentationName("Closed surface")
    sphere = vtk.vtkSphereSource()
    b = [0.0] * 6
    vol.GetRASBounds(b)
    center = [(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2]
    sphere.SetCenter(*center)
    sphere.SetRadius(6.0)
    sphere.SetThetaResolution(48)
    sphere.SetPhiResolution(48)
    sphere.Update()
    seg.AddSegmentFromClosedSurfaceRepresentation(sphere.GetOutput(), "surface lesion")
    assert not seg.GetSegmentation().ContainsRepresentation(mrml.BINARY_LABELMAP)
    inputs = RadscoreLogic().prepareInputs(vol, seg)
    assert seg.GetSegmentation().ContainsRepresentation(mrml.BINARY_LABELMAP)
    (inp,) = inputs
    n = int(inp.mask.sum())
    sp = vol.GetSpacing()
    expected = 4 / 3 * math.pi * 6.0**3 / (sp[0] * sp[1] * sp[2])
    assert 0.7 * expected < n < 1.3 * expected


def test_export_leaves_no_nodes_behind(scene, slicer_mod):
    vol, seg, _, _ = selftest.sphereCase(scene)
    before = scene.GetNumberOfNodes()
    RadscoreLogic().prepareInputs(vol, seg)
    assert scene.GetNumberOfNodes() == before


def test_feature_table_layout(scene, slicer_mod, tmp_path):
    seg = scene.AddNewNodeByClass("vtkMRMLSegmentationNode", "s")
    a = seg.GetSegmentation().AddEmptySegment("", "Lesion 1")
    b = seg.GetSegmentation().AddEmptySegment("", "Lesion 2")
    features = {
        a: {"original_shape_Elongation": 0.5, "original_glcm_Imc1": -0.25, "wavelet-LLH_glcm_Imc1": float("nan")},
        b: {"original_shape_Elongation": 0.75, "original_glcm_Imc1": -0.5, "wavelet-LLH_glcm_Imc1": 1e-12},
    }
    table = scene.AddNewNodeByClass("vtkMRMLTableNode", "features")
    RadscoreLogic().fillFeatureTable(table, features, seg)
    names, rows = mrml.table_rows(table)
    assert names == ["Image type", "Feature Class", "Feature Name", "Lesion 1", "Lesion 2"]
    assert [r[:3] for r in rows] == [
        ["original", "shape", "Elongation"],
        ["original", "glcm", "Imc1"],
        ["wavelet-LLH", "glcm", "Imc1"],
    ]
    assert rows[0][3:] == [0.5, 0.75] and rows[1][3:] == [-0.25, -0.5]
    assert math.isnan(rows[2][3]) and rows[2][4] == 1e-12
    # Refilling replaces the content.
    RadscoreLogic().fillFeatureTable(table, {a: {"original_firstorder_Mean": 3.0}}, seg)
    names, rows = mrml.table_rows(table)
    assert names[3:] == ["Lesion 1"] and rows == [["original", "firstorder", "Mean", 3.0]]
    # CSV export.
    RadscoreLogic().fillFeatureTable(table, features, seg)
    path = tmp_path / "f.csv"
    RadscoreLogic().exportTableToCsv(table, str(path))
    got = list(csv.reader(path.open()))
    assert got[0] == names[:3] + ["Lesion 1", "Lesion 2"]
    assert got[3] == ["wavelet-LLH", "glcm", "Imc1", "", "1e-12"]
    assert float(got[2][3]) == -0.25


def test_duplicate_segment_names_get_distinct_columns():
    assert mrml.unique_column_names(["a", "b", "a", "a"]) == ["a", "b", "a (2)", "a (3)"]


def test_manual_parameters_and_diameter_levels():
    p = manualParameters(
        {"Original": True, "Wavelet": False, "LoG": True},
        {"glcm": True, "shape": False},
        binWidth=10,
        resampledSpacing="1, 1, 2",
        logSigmas="1;2",
    )
    assert p == {
        "setting": {"binWidth": 10.0, "label": 1, "resampledPixelSpacing": [1.0, 1.0, 2.0], "interpolator": "sitkBSpline"},
        "imageType": {"Original": {}, "LoG": {"sigma": [1.0, 2.0]}},
        "featureClass": {"glcm": []},
    }
    for bad in (
        dict(imageTypes={"Original": False}, featureClasses={"glcm": True}),
        dict(imageTypes={"Original": True}, featureClasses={"glcm": False}),
        dict(imageTypes={"LoG": True}, featureClasses={"glcm": True}),
        dict(imageTypes={"Original": True}, featureClasses={"glcm": True}, resampledSpacing="1, 1"),
        dict(imageTypes={"Original": True}, featureClasses={"glcm": True}, resampledSpacing="a, b, c"),
    ):
        with pytest.raises(ValueError):
            manualParameters(**bad)
    levels = ["1-3 cm", "3-5 cm", ">5 cm"]
    assert [diameter_level(levels, d) for d in (5, 12, 30, 30.5, 50, 51, 120)] == [
        "1-3 cm", "1-3 cm", "1-3 cm", "3-5 cm", "3-5 cm", ">5 cm", ">5 cm"
    ]
    assert diameter_level(["small", "large"], 20) is None


# ---- parity with pyradiomics ----


def pyradiomics_features(image_path, mask_path, params):
    from radiomics import featureextractor

    logging.getLogger("radiomics").setLevel(logging.ERROR)
    s = sitk()
    image = s.ReadImage(str(image_path))
    mask = s.Cast(s.ReadImage(str(mask_path)) != 0, s.sitkUInt8)
    ext = featureextractor.RadiomicsFeatureExtractor(params)
    out = ext.execute(image, mask, label=1)
    return {k: float(v) for k, v in out.items() if not k.startswith("diagnostics_")}


def compare(ours: dict, ref: dict, what: str) -> float:
    assert list(ours) == list(ref), f"{what}: keys differ: {set(ours) ^ set(ref)}"
    worst = 0.0
    bad = []
    for k, want in ref.items():
        got = ours[k]
        if math.isnan(want) or math.isnan(got):
            if not (math.isnan(want) and math.isnan(got)):
                bad.append(f"{k}: {got} vs {want}")
            continue
        diff = abs(got - want)
        if abs(want) > ABS:
            worst = max(worst, diff / abs(want))
        if not (diff <= ABS or diff <= REL * abs(want)):
            bad.append(f"{k}: {got} vs {want}")
    assert not bad, f"{what}: " + "; ".join(bad[:10])
    return worst


def export_segment(scene, slicer, seg, sid, vol, path):
    """Slicer's 'Export to labelmap' of one segment with the volume as reference, to a file."""
    import vtk

    label = scene.AddNewNodeByClass("vtkMRMLLabelMapVolumeNode", "exported")
    ids = vtk.vtkStringArray()
    ids.InsertNextValue(sid)
    assert slicer.vtkSlicerSegmentationsModuleLogic.ExportSegmentsToLabelmapNode(
        seg, ids, label, vol, slicer.vtkSegmentation.EXTENT_REFERENCE_GEOMETRY
    )
    save_volume(scene, slicer, label, path)
    scene.RemoveNode(label)


def class_params(classes):
    return {"setting": {"binWidth": 25}, "imageType": {"Original": {}}, "featureClass": {c: [] for c in classes}}


PARITY = [
    ("lung1", ["glcm", "glrlm"]),
    ("lung2", ["glcm", "glrlm"]),
    ("brain1", ["glcm", "glrlm"]),
    ("lung1", ALL_CLASSES),
    ("lung2", ALL_CLASSES),
    ("brain1", ALL_CLASSES),
]


@pytest.mark.parametrize("name, classes", PARITY, ids=[f"{n}-{'+'.join(c) if len(c) < 7 else 'all'}" for n, c in PARITY])
def test_parity_with_pyradiomics(scene, slicer_mod, pyradiomics_data, tmp_path, name, classes):
    require_classes(*classes)
    vol, lab = load_case(scene, slicer_mod, pyradiomics_data, name)
    seg = selftest.segmentationFromLabelmap(scene, lab)
    params = class_params(classes)
    ours = RadscoreLogic().computeFeatures(vol, seg, parameters=params)
    (sid,) = ours
    export_segment(scene, slicer_mod, seg, sid, vol, tmp_path / "label.nrrd")
    save_volume(scene, slicer_mod, vol, tmp_path / "image.nrrd")
    ref = pyradiomics_features(tmp_path / "image.nrrd", tmp_path / "label.nrrd", params)
    worst = compare(ours[sid], ref, name)
    print(f"{name} {classes}: {len(ref)} features, max rel diff {worst:.2e}")


def test_parity_two_segments_and_other_geometry(scene, slicer_mod, pyradiomics_data, tmp_path):
    """Two segments (the lesion split in halves) from a labelmap on a coarser, shifted grid."""
    classes = ["glcm", "glrlm"]
    require_classes(*classes)
    vol, lab = load_case(scene, slicer_mod, pyradiomics_data, "lung1")
    label = (mrml.volume_array(lab) != 0).astype(np.uint8)
    k = np.nonzero(label)[0]
    mid = (k.min() + k.max()) // 2
    two = label.copy()
    two[mid:] *= 2
    # Coarser in-plane grid (every other column/row), origin shifted by half a voxel.
    coarse = np.ascontiguousarray(two[:, ::2, ::2])
    sp = lab.GetSpacing()
    import vtk

    mat = vtk.vtkMatrix4x4()
    lab.GetIJKToRASDirectionMatrix(mat)
    dirs = [[mat.GetElement(r, c) for c in range(3)] for r in range(3)]
    o = np.array(lab.GetOrigin()) + np.array(dirs)[:, 0] * sp[0] * 0.5
    other = selftest.addVolume(scene, coarse, (sp[0] * 2, sp[1] * 2, sp[2]), o, "vtkMRMLLabelMapVolumeNode", "coarse", dirs)
    seg = selftest.segmentationFromLabelmap(scene, other)
    ids = mrml.segment_ids(seg)
    assert len(ids) == 2
    params = class_params(classes)
    ours = RadscoreLogic().computeFeatures(vol, seg, parameters=params)
    assert list(ours) == ids
    save_volume(scene, slicer_mod, vol, tmp_path / "image.nrrd")
    for sid in ids:
        export_segment(scene, slicer_mod, seg, sid, vol, tmp_path / f"{sid}.nrrd")
        ref = pyradiomics_features(tmp_path / "image.nrrd", tmp_path / f"{sid}.nrrd", params)
        worst = compare(ours[sid], ref, sid)
        print(f"lung1 segment {sid}: max rel diff {worst:.2e}")
    # Only the chosen segment is computed.
    assert list(RadscoreLogic().computeFeatures(vol, seg, segmentIds=[ids[1]], parameters=params)) == [ids[1]]


def test_parity_studies_settings(scene, slicer_mod, pyradiomics_data, tmp_path):
    """The studies' configuration (1 mm B-spline resampling, original + wavelet, all classes)."""
    require_classes(*ALL_CLASSES)
    vol, lab = load_case(scene, slicer_mod, pyradiomics_data, "brain1")
    seg = selftest.segmentationFromLabelmap(scene, lab)
    params = {
        "setting": {"binWidth": 25, "resampledPixelSpacing": [1, 1, 1], "interpolator": "sitkBSpline"},
        "imageType": {"Original": {}, "Wavelet": {}},
        "featureClass": {c: [] for c in ALL_CLASSES},
    }
    ours = RadscoreLogic().computeFeatures(vol, seg, parameters=params)
    (sid,) = ours
    export_segment(scene, slicer_mod, seg, sid, vol, tmp_path / "label.nrrd")
    save_volume(scene, slicer_mod, vol, tmp_path / "image.nrrd")
    ref = pyradiomics_features(tmp_path / "image.nrrd", tmp_path / "label.nrrd", params)
    worst = compare(ours[sid], ref, "brain1 studies' settings")
    print(f"brain1 studies' settings: {len(ref)} features, max rel diff {worst:.2e}")


def test_self_test_sphere(scene, slicer_mod):
    require_classes("firstorder", "shape")
    selftest.checkSphere(scene, RadscoreLogic())


def test_progress_and_cancel_through_logic(scene, slicer_mod):
    require_classes("glcm")
    vol, seg, _, _ = selftest.sphereCase(scene)
    seen = []
    params = class_params(["glcm"])
    RadscoreLogic().computeFeatures(vol, seg, parameters=params, progress=lambda f, m: seen.append((f, m)))
    assert seen[0][0] == 0 and seen[-1][0] == pytest.approx(1.0)
    assert all("sphere label" in m for _, m in seen)
    from RadscoreLib import binding

    with pytest.raises(binding.CancelledError):
        RadscoreLogic().computeFeatures(vol, seg, parameters=params, progress=lambda f, m: f < 0.5)
