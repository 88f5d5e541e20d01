"""Checks shared by the module's self-test (RadscoreTest, inside Slicer) and the headless
pytest suite: a synthetic volume with a spherical segment generated in code, with reference
values computed independently with numpy."""

from __future__ import annotations

import numpy as np


def _vtk():
    import vtk

    return vtk


def addVolume(scene, array: np.ndarray, spacing, origin, cls="vtkMRMLScalarVolumeNode", name="volume", ijkToRasDirections=None):
    """A volume node from a (k, j, i) numpy array (copied)."""
    import vtk
    from vtk.util import numpy_support

    node = scene.AddNewNodeByClass(cls, name)
    image = vtk.vtkImageData()
    image.SetDimensions(array.shape[2], array.shape[1], array.shape[0])
    data = numpy_support.numpy_to_vtk(np.ascontiguousarray(array).ravel(), deep=True)
    image.GetPointData().SetScalars(data)
    node.SetAndObserveImageData(image)
    node.SetSpacing(*spacing)
    node.SetOrigin(*origin)
    if ijkToRasDirections is not None:
        m = vtk.vtkMatrix4x4()
        for r in range(3):
            for c in range(3):
                m.SetElement(r, c, ijkToRasDirections[r][c])
        node.SetIJKToRASDirectionMatrix(m)
    return node


def segmentationFromLabelmap(scene, labelNode, name="segmentation"):
    import slicer

    seg = scene.AddNewNodeByClass("vtkMRMLSegmentationNode", name)
    if not slicer.vtkSlicerSegmentationsModuleLogic.ImportLabelmapToSegmentationNode(labelNode, seg):
        raise RuntimeError("labelmap import failed")
    return seg


def sphereCase(scene, shape=(20, 40, 44), spacing=(0.8, 0.7, 2.0), radius_mm=9.0, seed=7):
    """(volume node, segmentation node, image array, mask array)."""
    rng = np.random.default_rng(seed)
    image = rng.normal(40.0, 25.0, shape).round().astype(np.int16)
    k, j, i = np.indices(shape)
    c = [(n - 1) / 2 for n in shape]
    r2 = ((i - c[2]) * spacing[0]) ** 2 + ((j - c[1]) * spacing[1]) ** 2 + ((k - c[0]) * spacing[2]) ** 2
    mask = (r2 <= radius_mm**2).astype(np.uint8)
    image[mask == 1] += 60  # a brighter lesion
    origin = (-10.0, 20.0, -30.0)
    vol = addVolume(scene, image, spacing, origin, name="synthetic CT")
    lab = addVolume(scene, mask, spacing, origin, "vtkMRMLLabelMapVolumeNode", "sphere label")
    seg = segmentationFromLabelmap(scene, lab, "sphere")
    return vol, seg, image, mask


def checkSphere(scene, logic) -> dict:
    """Features of the sphere equal numpy's count, volume, mean, min and max."""
    vol, seg, image, mask = sphereCase(scene)
    params = {"featureClass": {"firstorder": [], "shape": []}, "setting": {"binWidth": 25}}
    features = logic.computeFeatures(vol, seg, parameters=params)
    (f,) = features.values()
    roi = image[mask == 1].astype(np.float64)
    spacing = vol.GetSpacing()
    expect = {
        "original_shape_VoxelVolume": roi.size * spacing[0] * spacing[1] * spacing[2],
        "original_firstorder_Mean": roi.mean(),
        "original_firstorder_Minimum": roi.min(),
        "original_firstorder_Maximum": roi.max(),
        "original_firstorder_Median": float(np.median(roi)),
    }
    for key, want in expect.items():
        got = f[key]
        if not abs(got - want) <= 1e-9 * max(1.0, abs(want)):
            raise AssertionError(f"{key}: {got} != {want}")
    return f


def checkBadInput(scene, logic) -> list[str]:
    """Each kind of bad input raises ValueError; returns the messages."""
    vtk = _vtk()
    vol, seg, image, mask = sphereCase(scene)
    messages = []

    def expect(fn, *words):
        try:
            fn()
        except ValueError as e:
            msg = str(e)
            for w in words:
                if w.lower() not in msg.lower():
                    raise AssertionError(f"message lacks '{w}': {msg}")
            messages.append(msg)
            return
        raise AssertionError(f"no ValueError for {words}")

    empty = scene.AddNewNodeByClass("vtkMRMLSegmentationNode", "no segments")
    expect(lambda: logic.computeFeatures(vol, empty), "no segments")
    expect(lambda: logic.computeFeatures(None, seg), "no input volume")
    expect(lambda: logic.computeFeatures(vol, None), "no segmentation")
    expect(lambda: logic.computeFeatures(vol, seg, segmentIds=["nope"]), "no segment 'nope'")
    expect(lambda: logic.computeFeatures(vol, seg, segmentIds=[]), "no segment is selected")
    # An empty segment.
    sid = seg.GetSegmentation().AddEmptySegment("", "empty lesion")
    expect(lambda: logic.computeFeatures(vol, seg, segmentIds=[sid]), "empty lesion", "empty")
    seg.GetSegmentation().RemoveSegment(sid)
    # A segmentation drawn elsewhere (no overlap with the volume).
    far = addVolume(scene, mask, vol.GetSpacing(), (500.0, 500.0, 500.0), "vtkMRMLLabelMapVolumeNode", "far label")
    farSeg = segmentationFromLabelmap(scene, far, "far")
    expect(lambda: logic.computeFeatures(vol, farSeg), "outside the volume", "geometry mismatch")
    # A volume under a transform.
    t = scene.AddNewNodeByClass("vtkMRMLLinearTransformNode", "registration")
    vol.SetAndObserveTransformNodeID(t.GetID())
    expect(lambda: logic.computeFeatures(vol, seg), "transform", "harden")
    vol.SetAndObserveTransformNodeID(None)
    # A labelmap given as the volume.
    lab = scene.GetFirstNodeByName("sphere label")
    expect(lambda: logic.computeFeatures(lab, seg), "not a scalar image volume")
    # Bad settings.
    expect(lambda: logic.computeFeatures(vol, seg, parameters={"setting": {"binWidht": 25}}), "settings", "binWidht")
    expect(lambda: logic.computeFeatures(vol, seg, parameters="no-such-preset"), "neither a preset")
    del vtk
    return messages
