"""MRML helpers: volume and segmentation nodes → numpy arrays with radscore's geometry, and
the result table nodes.

Works in 3D Slicer and headless with PyPI's ``slicer-core`` (real MRML classes, no Qt, no
``slicer.mrmlScene``/``slicer.modules``): the scene is always taken from the nodes, and the
segmentation logic is called through its static methods.

Geometry: Slicer stores IJK-to-RAS; radscore (like ITK/pyradiomics) takes LPS. The LPS
direction is the RAS direction with its first two rows negated, and the LPS origin the RAS
origin with x and y negated. Arrays are (k, j, i), as ``slicer.util.arrayFromVolume``.
"""

from __future__ import annotations

import csv
import math
from typing import Optional

import numpy as np


def _slicer():
    import slicer

    return slicer


def _vtk():
    import vtk

    return vtk


def _numpy_support():
    from vtk.util import numpy_support

    return numpy_support


BINARY_LABELMAP = "Binary labelmap"


class InputError(ValueError):
    """Bad input, with a message meant for the person at the scanner console."""


def node_name(node) -> str:
    return node.GetName() if node is not None and node.GetName() else "(unnamed)"


# ---- volumes ----


def check_volume(volumeNode) -> None:
    """Refuse what radscore cannot measure, in words a radiologist understands."""
    if volumeNode is None:
        raise InputError("No input volume is selected. Select the CT (or MR) volume to measure.")
    if not volumeNode.IsA("vtkMRMLScalarVolumeNode") or volumeNode.IsA("vtkMRMLLabelMapVolumeNode"):
        raise InputError(
            f"'{node_name(volumeNode)}' is not a scalar image volume ({volumeNode.GetClassName()}). "
            "Select the grayscale CT/MR volume, not a labelmap or a color/vector volume."
        )
    image = volumeNode.GetImageData()
    if image is None or image.GetPointData() is None or image.GetPointData().GetScalars() is None:
        raise InputError(f"The volume '{node_name(volumeNode)}' holds no voxels (it is empty or still loading).")
    if image.GetNumberOfScalarComponents() != 1:
        raise InputError(
            f"The volume '{node_name(volumeNode)}' has {image.GetNumberOfScalarComponents()} components per voxel "
            "(a color or vector image). Radiomics needs a single grayscale value per voxel."
        )
    if volumeNode.GetParentTransformNode() is not None:
        raise InputError(
            f"The volume '{node_name(volumeNode)}' is under the transform "
            f"'{node_name(volumeNode.GetParentTransformNode())}'. Features must be computed on the voxels as "
            "acquired: harden the transform (Data module → right-click → Harden transform) or move the "
            "volume out of the transform, then try again."
        )


def volume_geometry(volumeNode) -> dict:
    """{spacing: (x, y, z), origin: LPS (x, y, z), direction: 9 LPS values row-major (ITK)}."""
    vtk = _vtk()
    m = vtk.vtkMatrix4x4()
    volumeNode.GetIJKToRASDirectionMatrix(m)
    direction = []
    for r in range(3):
        sign = -1.0 if r < 2 else 1.0  # RAS → LPS flips the first two axes
        direction.extend(sign * m.GetElement(r, c) for c in range(3))
    ox, oy, oz = volumeNode.GetOrigin()
    return {
        "spacing": tuple(float(s) for s in volumeNode.GetSpacing()),
        "origin": (-float(ox), -float(oy), float(oz)),
        "direction": tuple(float(d) for d in direction),
    }


def volume_array(volumeNode) -> np.ndarray:
    """A copy of the voxels, shape (k, j, i), in the volume's own scalar type."""
    image = volumeNode.GetImageData()
    scalars = _numpy_support().vtk_to_numpy(image.GetPointData().GetScalars())
    shape = tuple(reversed(image.GetDimensions()))
    return np.array(scalars.reshape(shape), copy=True)


def ijk_to_ras(node) -> np.ndarray:
    vtk = _vtk()
    m = vtk.vtkMatrix4x4()
    node.GetIJKToRASMatrix(m)
    return np.array([[m.GetElement(r, c) for c in range(4)] for r in range(4)])


# ---- segmentations ----


def segment_ids(segmentationNode) -> list[str]:
    seg = segmentationNode.GetSegmentation()
    return [seg.GetNthSegmentID(i) for i in range(seg.GetNumberOfSegments())]


def segment_name(segmentationNode, segmentId: str) -> str:
    s = segmentationNode.GetSegmentation().GetSegment(segmentId)
    return s.GetName() if s is not None and s.GetName() else segmentId


def register_converter_rules() -> None:
    """Slicer's Segmentations module registers the representation converters at startup;
    headless (slicer-core) nobody does, so closed surfaces could not be voxelized. Register
    the two standard rules when none is there (a no-op inside Slicer)."""
    slicer = _slicer()
    factory = slicer.vtkSegmentationConverterFactory.GetInstance()
    if factory.GetConverterRules():
        return
    factory.RegisterConverterRule(slicer.vtkBinaryLabelmapToClosedSurfaceConversionRule())
    factory.RegisterConverterRule(slicer.vtkClosedSurfaceToBinaryLabelmapConversionRule())


def check_segmentation(segmentationNode, segmentIds: Optional[list[str]]) -> list[str]:
    """Validate the segmentation and the chosen segments; returns the segment ids to use."""
    register_converter_rules()
    if segmentationNode is None:
        raise InputError("No segmentation is selected. Segment the lesion(s) in Segment Editor first.")
    if not segmentationNode.IsA("vtkMRMLSegmentationNode"):
        raise InputError(f"'{node_name(segmentationNode)}' is not a segmentation ({segmentationNode.GetClassName()}).")
    available = segment_ids(segmentationNode)
    if not available:
        raise InputError(
            f"The segmentation '{node_name(segmentationNode)}' has no segments. Add and paint a segment for each "
            "lesion in Segment Editor."
        )
    if segmentIds is None:
        return available
    chosen = [segmentIds] if isinstance(segmentIds, str) else list(segmentIds)
    if not chosen:
        raise InputError("No segment is selected. Tick at least one lesion segment.")
    for sid in chosen:
        if sid not in available:
            names = ", ".join(f"'{segment_name(segmentationNode, s)}' ({s})" for s in available)
            raise InputError(
                f"The segmentation '{node_name(segmentationNode)}' has no segment '{sid}'. Its segments are: {names}."
            )
    return chosen


def ensure_binary_labelmap(segmentationNode, volumeNode) -> None:
    """Make sure every segment has a binary labelmap; segments drawn only as closed surfaces
    (e.g. imported models) are voxelized on the volume's grid first."""
    seg = segmentationNode.GetSegmentation()
    if seg.ContainsRepresentation(BINARY_LABELMAP):
        return
    # Voxelize on the image grid, so the mask is what pyradiomics would see on that image.
    segmentationNode.SetReferenceImageGeometryParameterFromVolumeNode(volumeNode)
    ok = segmentationNode.CreateBinaryLabelmapRepresentation()
    if not ok or not seg.ContainsRepresentation(BINARY_LABELMAP):
        source = seg.GetSourceRepresentationName() if hasattr(seg, "GetSourceRepresentationName") else "?"
        raise InputError(
            f"The segmentation '{node_name(segmentationNode)}' has no binary labelmap and its "
            f"'{source}' representation cannot be converted to one. Open it in Segment Editor (which creates "
            "the labelmap) or re-create the segments by painting."
        )


def _new_nodes_remover(scene):
    before = {scene.GetNthNode(i).GetID() for i in range(scene.GetNumberOfNodes())}

    def remove_new():
        new = [scene.GetNthNode(i) for i in range(scene.GetNumberOfNodes())]
        for n in new:
            if n is not None and n.GetID() not in before:
                scene.RemoveNode(n)

    return remove_new


def segment_mask(segmentationNode, segmentId: str, volumeNode) -> np.ndarray:
    """The segment as a 0/1 uint8 array (k, j, i) on the volume's grid (Slicer's export with
    the volume as reference geometry: what SlicerRadiomics and 'Export to labelmap' give)."""
    slicer = _slicer()
    vtk = _vtk()
    scene = volumeNode.GetScene() or segmentationNode.GetScene()
    if scene is None:
        raise InputError("The volume and the segmentation must be in the scene.")
    cleanup = _new_nodes_remover(scene)
    try:
        label = scene.AddNewNodeByClass("vtkMRMLLabelMapVolumeNode", "__radscore_export__")
        ids = vtk.vtkStringArray()
        ids.InsertNextValue(segmentId)
        ok = slicer.vtkSlicerSegmentationsModuleLogic.ExportSegmentsToLabelmapNode(
            segmentationNode, ids, label, volumeNode, slicer.vtkSegmentation.EXTENT_REFERENCE_GEOMETRY
        )
        name = segment_name(segmentationNode, segmentId)
        if not ok or label.GetImageData() is None:
            raise InputError(
                f"Segment '{name}' could not be converted to a labelmap on the volume "
                f"'{node_name(volumeNode)}' (no binary labelmap)."
            )
        dims_ok = label.GetImageData().GetDimensions() == volumeNode.GetImageData().GetDimensions()
        if not dims_ok or not np.allclose(ijk_to_ras(label), ijk_to_ras(volumeNode), atol=1e-6):
            raise InputError(
                f"Segment '{name}' could not be placed on the grid of the volume '{node_name(volumeNode)}' "
                "(geometry mismatch)."
            )
        return (volume_array(label) != 0).astype(np.uint8)
    finally:
        cleanup()


def segment_has_voxels(segmentationNode, segmentId: str) -> bool:
    """Whether the segment has any voxel in its own labelmap (independent of the volume)."""
    seg = segmentationNode.GetSegmentation().GetSegment(segmentId)
    if seg is None:
        return False
    rep = seg.GetRepresentation(BINARY_LABELMAP)
    if rep is None:
        return False
    ext = rep.GetExtent()
    if ext[0] > ext[1] or ext[2] > ext[3] or ext[4] > ext[5]:
        return False
    scalars = rep.GetPointData().GetScalars()
    if scalars is None:
        return False
    arr = _numpy_support().vtk_to_numpy(scalars)
    # Shared labelmaps hold several segments: compare with this segment's label value.
    value = seg.GetLabelValue() if hasattr(seg, "GetLabelValue") else 1
    return bool(np.any(arr == value))


# ---- tables ----


def split_feature_key(key: str) -> tuple[str, str, str]:
    """"wavelet-LLH_glcm_Imc1" → ("wavelet-LLH", "glcm", "Imc1")."""
    parts = key.split("_", 2)
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return "", "", key


def unique_column_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n} ({seen[n]})")
        else:
            seen[n] = 1
            out.append(n)
    return out


def fill_feature_table(tableNode, columns: list[tuple[str, dict]]) -> None:
    """SlicerRadiomics' layout: Image type | Feature Class | Feature Name | one column per
    segment. ``columns`` = [(column name, {feature key: value})]; rows follow the first
    segment's (pyradiomics') order, then keys only later segments have."""
    vtk = _vtk()
    keys: list[str] = []
    seen = set()
    for _, feats in columns:
        for k in feats:
            if k not in seen:
                seen.add(k)
                keys.append(k)
    wasModifying = tableNode.StartModify()
    try:
        table = tableNode.GetTable()
        table.Initialize()
        for title in ("Image type", "Feature Class", "Feature Name"):
            arr = vtk.vtkStringArray()
            arr.SetName(title)
            table.AddColumn(arr)
        names = unique_column_names([c for c, _ in columns])
        for name in names:
            arr = vtk.vtkDoubleArray()
            arr.SetName(name)
            table.AddColumn(arr)
        table.SetNumberOfRows(len(keys))
        for r, key in enumerate(keys):
            for c, part in enumerate(split_feature_key(key)):
                table.SetValue(r, c, vtk.vtkVariant(part))
            for c, (_, feats) in enumerate(columns, start=3):
                v = feats.get(key)
                table.GetColumn(c).SetValue(r, float("nan") if v is None else float(v))
        table.Modified()
        tableNode.Modified()
    finally:
        tableNode.EndModify(wasModifying)


def fill_prediction_table(tableNode, rows: list[tuple[str, dict]], predictors: list[dict]) -> None:
    """One row per segment: Segment | Radscore | Linear predictor | Probability | <predictor>
    value and points | Total points. ``rows`` = [(segment name, prediction dict)]."""
    vtk = _vtk()
    wasModifying = tableNode.StartModify()
    try:
        table = tableNode.GetTable()
        table.Initialize()
        string_cols = ["Segment"]
        number_cols = ["Radscore", "Linear predictor", "Probability"]
        term_cols = []
        for p in predictors:
            if p["kind"] != "radscore":
                term_cols.append((p["name"], f"{p['label']}", "value"))
            term_cols.append((p["name"], f"{p['label']} points", "points"))
        for title in string_cols:
            a = vtk.vtkStringArray()
            a.SetName(title)
            table.AddColumn(a)
        for title in number_cols:
            a = vtk.vtkDoubleArray()
            a.SetName(title)
            table.AddColumn(a)
        for _, title, what in term_cols:
            a = vtk.vtkStringArray() if what == "value" else vtk.vtkDoubleArray()
            a.SetName(title)
            table.AddColumn(a)
        a = vtk.vtkDoubleArray()
        a.SetName("Total points")
        table.AddColumn(a)
        table.SetNumberOfRows(len(rows))
        for r, (segment, pred) in enumerate(rows):
            table.GetColumn(0).SetValue(r, segment)
            table.GetColumn(1).SetValue(r, pred["radscore"])
            table.GetColumn(2).SetValue(r, pred["linear_predictor"])
            table.GetColumn(3).SetValue(r, pred["probability"])
            terms = {t["predictor"]: t for t in pred["terms"]}
            for c, (name, _, what) in enumerate(term_cols, start=4):
                t = terms.get(name)
                if what == "value":
                    table.GetColumn(c).SetValue(r, "" if t is None else str(t["value"]))
                else:
                    table.GetColumn(c).SetValue(r, float("nan") if t is None else t["points"])
            table.GetColumn(4 + len(term_cols)).SetValue(r, pred["total_points"])
        table.Modified()
        tableNode.Modified()
    finally:
        tableNode.EndModify(wasModifying)


def table_rows(tableNode) -> tuple[list[str], list[list]]:
    """(column names, rows of Python values) of a table node."""
    table = tableNode.GetTable()
    names = [table.GetColumnName(c) for c in range(table.GetNumberOfColumns())]
    rows = []
    for r in range(table.GetNumberOfRows()):
        row = []
        for c in range(table.GetNumberOfColumns()):
            col = table.GetColumn(c)
            if col.IsA("vtkStringArray"):
                row.append(col.GetValue(r))
            else:
                row.append(col.GetValue(r))
        rows.append(row)
    return names, rows


def export_table_csv(tableNode, path: str) -> None:
    """Write a table node as CSV (NaN as empty), without needing Slicer's storage nodes."""
    names, rows = table_rows(tableNode)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(names)
        for row in rows:
            w.writerow(
                ["" if isinstance(v, float) and math.isnan(v) else (repr(v) if isinstance(v, float) else v) for v in row]
            )
