"""The Radscore module's logic, free of GUI: usable from Slicer's Python console, scripts and
headless tests (slicer-core). ``Radscore.py`` derives its ``RadscoreLogic`` from this class.

    logic = RadscoreLogic()
    features = logic.computeFeatures(volumeNode, segmentationNode)   # {segmentId: {key: value}}
    prediction = logic.predict(features[segmentId], {"ki67": 30, ...}, "model.json")
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np

from . import binding, mrml, prediction
from .mrml import InputError

#: The studies' configuration (resampled 1 mm, B-spline, bin width 25, original + wavelet).
DEFAULT_PRESET = "surufatinib"
PRESETS = ("surufatinib", "pyradiomics-default")

#: progress(fraction in [0, 1], message) → return False to cancel.
Progress = Callable[[float, str], Optional[bool]]


@dataclass
class SegmentInput:
    """What one extraction needs, taken from MRML on the main thread."""

    segmentId: str
    segmentName: str
    image: np.ndarray
    mask: np.ndarray
    geometry: dict


class RadscoreLogicBase:
    """Features, predictions and result tables. Bad input raises ``ValueError`` with a
    message for the person at the console; a cancelled run raises ``binding.CancelledError``."""

    def __init__(self, library: Optional[binding.Library] = None) -> None:
        self._library = library

    @property
    def library(self) -> binding.Library:
        if self._library is None:
            self._library = binding.load_library()
        return self._library

    # ---- settings ----

    def createSettings(self, parameters=None) -> binding.Settings:
        """Settings from ``parameters``: None (the studies' preset), a preset name, a parameter
        file path (.yaml/.yml/.json), a parameter-file dict ({"setting": ..., "imageType": ...,
        "featureClass": ...}), or a :class:`binding.Settings` (used as is; not closed here)."""
        lib = self.library
        try:
            if parameters is None:
                s = binding.Settings.from_preset(DEFAULT_PRESET, lib)
            elif isinstance(parameters, binding.Settings):
                s = parameters
            elif isinstance(parameters, dict):
                s = binding.Settings.from_dict(parameters, lib)
            elif isinstance(parameters, (str, os.PathLike)):
                text = os.fspath(parameters)
                if text in PRESETS:
                    s = binding.Settings.from_preset(text, lib)
                elif os.path.isfile(text):
                    s = binding.Settings.from_file(text, lib)
                else:
                    raise InputError(
                        f"Extraction settings '{text}' are neither a preset ({', '.join(PRESETS)}) nor an "
                        "existing parameter file."
                    )
            else:
                raise InputError(f"Extraction settings must be a preset name, a file or a dict, not {type(parameters).__name__}.")
        except binding.RadscoreError as e:
            raise InputError(f"The extraction settings are invalid: {e.detail}") from e
        # Masks handed to the library are 0/1, whatever label a parameter file names.
        s.set_label(1)
        return s

    # ---- inputs ----

    def prepareInputs(self, volumeNode, segmentationNode, segmentIds=None) -> list[SegmentInput]:
        """Check the nodes and export each segment on the volume's grid (main thread: MRML)."""
        mrml.check_volume(volumeNode)
        ids = mrml.check_segmentation(segmentationNode, segmentIds)
        mrml.ensure_binary_labelmap(segmentationNode, volumeNode)
        geometry = mrml.volume_geometry(volumeNode)
        image = mrml.volume_array(volumeNode)
        if image.dtype.newbyteorder("=") not in binding.PIXEL_TYPES:
            image = image.astype(np.float64)
        inputs = []
        for sid in ids:
            name = mrml.segment_name(segmentationNode, sid)
            mask = mrml.segment_mask(segmentationNode, sid, volumeNode)
            if not mask.any():
                if mrml.segment_has_voxels(segmentationNode, sid):
                    raise InputError(
                        f"Segment '{name}' lies outside the volume '{mrml.node_name(volumeNode)}' (geometry "
                        "mismatch): the segmentation was drawn on another image or is misplaced. Check that "
                        "segmentation and volume belong to the same series."
                    )
                raise InputError(
                    f"Segment '{name}' is empty: it has no voxel. Paint the lesion in Segment Editor or "
                    "leave this segment out."
                )
            inputs.append(SegmentInput(sid, name, image, mask, geometry))
        return inputs

    # ---- features ----

    def computeFeatures(
        self,
        volumeNode,
        segmentationNode,
        segmentIds=None,
        parameters=None,
        progress: Optional[Progress] = None,
    ) -> dict[str, dict[str, float]]:
        """{segmentId: {featureKey: value}} for each segment (default: all) of
        ``segmentationNode`` on ``volumeNode``, with ``parameters`` as in :meth:`createSettings`."""
        inputs = self.prepareInputs(volumeNode, segmentationNode, segmentIds)
        return self.computeFeaturesFromInputs(inputs, parameters, progress)

    def computeFeaturesFromInputs(
        self, inputs: list[SegmentInput], parameters=None, progress: Optional[Progress] = None
    ) -> dict[str, dict[str, float]]:
        """The extraction part of :meth:`computeFeatures` (no MRML access: may run in a worker thread)."""
        started = time.time()
        settings = self.createSettings(parameters)
        own = not isinstance(parameters, binding.Settings)
        results: dict[str, dict[str, float]] = {}
        try:
            n = len(inputs)
            for i, inp in enumerate(inputs):
                relay = None
                if progress is not None:

                    def relay(fraction, stage, i=i, name=inp.segmentName):
                        return progress((i + fraction) / n, f"{name}: {stage}")

                    if progress(i / n, f"{inp.segmentName}: starting") is False:
                        raise binding.CancelledError(binding.STATUS["CANCELLED"], "cancelled", "computeFeatures")
                results[inp.segmentId] = self._extract_one(settings, inp, relay)
        finally:
            if own:
                settings.close()
        logging.info(f"Radscore: features of {len(inputs)} segment(s) in {time.time() - started:.2f} s")
        return results

    def _extract_one(self, settings: binding.Settings, inp: SegmentInput, progress) -> dict[str, float]:
        lib = self.library
        g = inp.geometry
        try:
            with binding.Image.from_array(inp.image, g["spacing"], g["origin"], g["direction"], lib) as img, \
                    binding.Mask.from_array(inp.mask, g["spacing"], g["origin"], g["direction"], lib) as m, \
                    binding.extract(settings, img, m, progress) as result:
                return result.to_dict()
        except binding.CancelledError:
            raise
        except binding.RadscoreError as e:
            raise self._explain(e, inp.segmentName) from e

    @staticmethod
    def _explain(e: binding.RadscoreError, segment: str) -> Exception:
        """A library error in words for the console (ValueError for bad input)."""
        s = e.status_name
        if s == "LABEL_ABSENT":
            return InputError(f"Segment '{segment}' is empty on the volume's grid. {e.detail}")
        if s == "ROI_TOO_SMALL":
            return InputError(
                f"Segment '{segment}' is too small for these extraction settings ({e.detail}). "
                "Check the segmentation: a lesion needs more than a voxel or two."
            )
        if s == "GEOMETRY_MISMATCH":
            return InputError(f"Segment '{segment}' and the volume do not line up (geometry mismatch): {e.detail}")
        if s == "NON_FINITE":
            return InputError(f"The volume contains invalid (NaN or infinite) voxel values: {e.detail}")
        if s in ("SETTING", "INVALID_ARGUMENT", "UNSUPPORTED"):
            return InputError(f"Segment '{segment}': {e.detail}")
        return RuntimeError(f"radscore failed on segment '{segment}': {e}")

    # ---- models ----

    def loadModel(self, model: Union[str, os.PathLike, dict]) -> dict:
        """A model card: a shipped id ("front-oncol-2025", "cancer-med-2026"), a file, or a dict."""
        try:
            return prediction.load_model(model)
        except prediction.ModelError as e:
            raise InputError(str(e)) from e

    @staticmethod
    def shippedModels() -> dict[str, Path]:
        return prediction.shipped_models()

    def predict(self, features: dict, clinical: dict, model) -> dict:
        """Radscore, probability and nomogram points for one lesion's ``features``
        ({key: value}) and ``clinical`` values ({predictor name: value}); ``model`` as in
        :meth:`loadModel`. Given {segmentId: {key: value}}, returns {segmentId: prediction}."""
        card = model if isinstance(model, dict) and "fusion" in model else self.loadModel(model)
        if features and all(isinstance(v, dict) for v in features.values()):
            return {sid: self.predict(f, clinical, card) for sid, f in features.items()}
        try:
            return prediction.predict(card, features, clinical or {})
        except prediction.ModelError as e:
            raise InputError(str(e)) from e

    @staticmethod
    def suggestClinicalValues(model: dict, features: dict) -> dict:
        """Clinical values derivable from the features: a lesion-diameter class from
        original_shape_Maximum3DDiameter (mm) for predictors whose name mentions a diameter."""
        out = {}
        d = features.get("original_shape_Maximum3DDiameter")
        if d is None or not np.isfinite(d):
            return out
        for p in prediction.clinical_predictors(model):
            if "diameter" in p["name"].lower() and p["kind"] in ("ordinal", "categorical"):
                level = diameter_level(p["levels"], d)
                if level is not None:
                    out[p["name"]] = level
        return out

    # ---- tables ----

    def fillFeatureTable(self, tableNode, features: dict, segmentationNode=None) -> None:
        """Fill ``tableNode`` in SlicerRadiomics' layout (one column per segment, named after it)."""
        cols = [
            (mrml.segment_name(segmentationNode, sid) if segmentationNode is not None else sid, f)
            for sid, f in features.items()
        ]
        mrml.fill_feature_table(tableNode, cols)

    def fillPredictionTable(self, tableNode, predictions: dict, model, segmentationNode=None) -> None:
        """One row per segment: Radscore, probability of the event, points and total points."""
        card = model if isinstance(model, dict) and "fusion" in model else self.loadModel(model)
        rows = [
            (mrml.segment_name(segmentationNode, sid) if segmentationNode is not None else sid, p)
            for sid, p in predictions.items()
        ]
        mrml.fill_prediction_table(tableNode, rows, card["fusion"]["predictors"])

    @staticmethod
    def exportTableToCsv(tableNode, path: str) -> None:
        mrml.export_table_csv(tableNode, path)

    @staticmethod
    def nomogramSvg(model: dict, predictionForOneSegment: Optional[dict] = None) -> str:
        return prediction.nomogram_svg(model, predictionForOneSegment)


def manualParameters(
    imageTypes: dict,
    featureClasses: dict,
    binWidth: float = 25.0,
    resampledSpacing: Union[str, list, None] = None,
    logSigmas: Union[str, list, None] = None,
    interpolator: str = "sitkBSpline",
) -> dict:
    """A pyradiomics parameter-file dict from the panel's manual settings. ``resampledSpacing``
    and ``logSigmas`` may be text ("1, 1, 1"); empty means no resampling / no LoG."""

    def numbers(v, what):
        if v is None or v == "":
            return []
        items = v.replace(";", ",").split(",") if isinstance(v, str) else v
        try:
            out = [float(x) for x in items if str(x).strip() != ""]
        except ValueError:
            raise InputError(f"{what} must be numbers separated by commas, got '{v}'.") from None
        if any(not np.isfinite(x) or x < 0 for x in out):
            raise InputError(f"{what} must be positive numbers, got '{v}'.")
        return out

    spacing = numbers(resampledSpacing, "Resampled voxel size")
    if spacing and len(spacing) != 3:
        raise InputError(f"Resampled voxel size needs 3 values (x, y, z in mm), got {len(spacing)}.")
    sigmas = numbers(logSigmas, "LoG sigmas")
    types = {}
    for name, on in imageTypes.items():
        if on:
            if name == "LoG":
                if not sigmas:
                    raise InputError("LoG needs at least one sigma (mm), e.g. '1, 2, 3'.")
                types[name] = {"sigma": sigmas}
            else:
                types[name] = {}
    if not types:
        raise InputError("Tick at least one image type (Original, Wavelet, LoG).")
    classes = {name: [] for name, on in featureClasses.items() if on}
    if not classes:
        raise InputError("Tick at least one feature class.")
    setting = {"binWidth": float(binWidth), "label": 1}
    if spacing:
        setting["resampledPixelSpacing"] = spacing
        setting["interpolator"] = interpolator
    return {"setting": setting, "imageType": types, "featureClass": classes}


_LEVEL = re.compile(r"^\s*(?P<op>[<>]=?|≤|≥)?\s*(?P<a>\d+(?:\.\d+)?)\s*(?:[-–]\s*(?P<b>\d+(?:\.\d+)?))?\s*(?P<unit>mm|cm)\s*$")


def diameter_level(levels: list[str], diameter_mm: float) -> Optional[str]:
    """The level ("1-3 cm", "3-5 cm", ">5 cm", ...) containing ``diameter_mm``; ranges include
    their upper bound. None when the levels cannot be read as size ranges."""
    parsed = []
    for lv in levels:
        m = _LEVEL.match(lv)
        if not m:
            return None
        scale = 10.0 if m["unit"] == "cm" else 1.0
        a = float(m["a"]) * scale
        if m["b"] is not None:
            parsed.append((lv, a, float(m["b"]) * scale))
        elif m["op"] in (">", ">=", "≥"):
            parsed.append((lv, a, float("inf")))
        elif m["op"] in ("<", "<=", "≤"):
            parsed.append((lv, 0.0, a))
        else:
            return None
    for lv, lo, hi in parsed:
        if lo < diameter_mm <= hi:
            return lv
    # Below the smallest range: the smallest class.
    smallest = min(parsed, key=lambda t: t[1])
    return smallest[0] if diameter_mm <= smallest[1] else None


RadscoreLogic = RadscoreLogicBase
