import logging
import os
import threading
from typing import Annotated, Optional

import vtk

import slicer

from RadscoreLib import binding, prediction
from RadscoreLib.logic import RadscoreLogicBase, manualParameters
from RadscoreLib.mrml import InputError

# The panel needs Slicer's application (Qt, ScriptedLoadableModule, parameter nodes). Outside it
# (PyPI slicer-core, pytest, a plain Python) this file still imports: RadscoreLogic works, and
# only creating the Module, Widget or Test raises ImportError naming what is missing.
try:
    import ctk
    import qt
    from slicer.i18n import tr as _
    from slicer.i18n import translate
    from slicer.parameterNodeWrapper import WithinRange, parameterNodeWrapper
    from slicer.ScriptedLoadableModule import (
        ScriptedLoadableModule,
        ScriptedLoadableModuleLogic,
        ScriptedLoadableModuleTest,
        ScriptedLoadableModuleWidget,
    )
    from slicer.util import VTKObservationMixin

    GUI_IMPORT_ERROR: Optional[ImportError] = None
except ImportError as error:
    GUI_IMPORT_ERROR = error

    def _(text):
        return text

    def translate(context, text):
        return text

    def parameterNodeWrapper(cls):
        return cls

    def WithinRange(low, high):
        return None

    class _NeedsSlicerApplication:
        def __init__(self, *args, **kwargs):
            raise ImportError(
                f"{type(self).__name__} needs the 3D Slicer application ({GUI_IMPORT_ERROR}); "
                "use RadscoreLogic for scripting outside Slicer"
            )

    class ScriptedLoadableModule(_NeedsSlicerApplication):
        pass

    class ScriptedLoadableModuleWidget(_NeedsSlicerApplication):
        pass

    class ScriptedLoadableModuleTest(_NeedsSlicerApplication):
        pass

    class ScriptedLoadableModuleLogic:
        def __init__(self, parent=None):
            pass

        def getParameterNode(self):
            raise ImportError(f"parameter nodes need the 3D Slicer application ({GUI_IMPORT_ERROR})")

    class VTKObservationMixin:
        pass


#
# Radscore
#


class Radscore(ScriptedLoadableModule):
    """Radiomics features (exact pyradiomics 3.1), Radscore and nomogram for segmented lesions."""

    def __init__(self, parent):
        ScriptedLoadableModule.__init__(self, parent)
        self.parent.title = _("Radscore")
        self.parent.categories = [translate("qSlicerAbstractCoreModule", "Quantification")]
        self.parent.dependencies = ["Segmentations"]
        self.parent.contributors = ["radscore developers"]
        self.parent.helpText = _(
            "Computes pyradiomics-identical radiomics features of each segment on the input volume, "
            "in-process through the radscore library, then the Radscore, the probability of the model's "
            "event and the nomogram points.<br>Select the volume and the segmentation, pick a model, "
            "enter the clinical values and click Apply."
        )
        self.parent.acknowledgementText = _(
            "Features reproduce pyradiomics 3.1 (van Griethuysen et al., Cancer Research 2017). "
            "The panel layout follows SlicerRadiomics."
        )


#
# RadscoreParameterNode
#


@parameterNodeWrapper
class RadscoreParameterNode:
    """Parameters kept in the scene.

    inputVolume - the grayscale volume to measure.
    inputSegmentation - the lesions.
    binWidth, resampledSpacing, logSigmas, image*/class* - manual extraction settings
    (used when "Manual" is chosen; the preset or a parameter file otherwise).
    featureTable, predictionTable - outputs.
    """

    inputVolume: slicer.vtkMRMLScalarVolumeNode
    inputSegmentation: slicer.vtkMRMLSegmentationNode
    binWidth: Annotated[float, WithinRange(0.001, 100000.0)] = 25.0
    resampledSpacing: str = "1, 1, 1"
    logSigmas: str = ""
    imageOriginal: bool = True
    imageWavelet: bool = True
    imageLoG: bool = False
    classFirstorder: bool = True
    classShape: bool = True
    classGlcm: bool = True
    classGlrlm: bool = True
    classGlszm: bool = True
    classGldm: bool = True
    classNgtdm: bool = True
    featureTable: slicer.vtkMRMLTableNode
    predictionTable: slicer.vtkMRMLTableNode


#
# RadscoreWidget
#


class RadscoreWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    """Thin panel over RadscoreLogic: extraction runs in a worker thread (the library releases
    the GIL and reports progress through a callback), MRML is only touched on the main thread."""

    def __init__(self, parent=None) -> None:
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None
        self._parameterNode = None
        self._parameterNodeGuiTag = None
        self._worker = None
        self._progress = (0.0, "")
        self._cancelRequested = False
        self._clinicalWidgets = {}
        self._features = None
        self._predictions = None
        self._model = None

    def setup(self) -> None:
        ScriptedLoadableModuleWidget.setup(self)
        uiWidget = slicer.util.loadUI(self.resourcePath("UI/Radscore.ui"))
        self.layout.addWidget(uiWidget)
        self.ui = slicer.util.childWidgetVariables(uiWidget)
        uiWidget.setMRMLScene(slicer.mrmlScene)

        self.logic = RadscoreLogic()

        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.StartCloseEvent, self.onSceneStartClose)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.EndCloseEvent, self.onSceneEndClose)

        self.ui.applyButton.connect("clicked(bool)", self.onApplyButton)
        self.ui.cancelButton.connect("clicked(bool)", self.onCancelButton)
        self.ui.exportCsvButton.connect("clicked(bool)", self.onExportCsv)
        self.ui.inputSegmentationSelector.connect("currentNodeChanged(vtkMRMLNode*)", self.onSegmentationChanged)
        self.ui.modelComboBox.connect("currentIndexChanged(int)", self.onModelChanged)
        self.ui.modelFilePathLineEdit.connect("currentPathChanged(QString)", self.onModelChanged)
        for radio in (self.ui.presetRadioButton, self.ui.parameterFileRadioButton, self.ui.manualRadioButton):
            radio.connect("toggled(bool)", self.onSettingsModeChanged)

        self.ui.modelComboBox.clear()
        for cardId in sorted(self.logic.shippedModels()):
            self.ui.modelComboBox.addItem(cardId, cardId)
        self.ui.modelComboBox.addItem(_("Local model file..."), "file")
        self.ui.modelComboBox.addItem(_("None (features only)"), "")

        self._timer = qt.QTimer()
        self._timer.setInterval(100)
        self._timer.connect("timeout()", self._pollWorker)

        self.initializeParameterNode()
        self.onSettingsModeChanged()
        self.onModelChanged()

    def cleanup(self) -> None:
        self._cancelRequested = True
        self.removeObservers()

    def enter(self) -> None:
        self.initializeParameterNode()

    def exit(self) -> None:
        if self._parameterNode:
            self._parameterNode.disconnectGui(self._parameterNodeGuiTag)
            self._parameterNodeGuiTag = None
            self.removeObserver(self._parameterNode, vtk.vtkCommand.ModifiedEvent, self._checkCanApply)

    def onSceneStartClose(self, caller, event) -> None:
        self._cancelRequested = True
        self.setParameterNode(None)

    def onSceneEndClose(self, caller, event) -> None:
        if self.parent.isEntered:
            self.initializeParameterNode()

    def initializeParameterNode(self) -> None:
        self.setParameterNode(self.logic.getParameterNode())
        if not self._parameterNode.inputVolume:
            first = slicer.mrmlScene.GetFirstNodeByClass("vtkMRMLScalarVolumeNode")
            if first:
                self._parameterNode.inputVolume = first
        if not self._parameterNode.inputSegmentation:
            first = slicer.mrmlScene.GetFirstNodeByClass("vtkMRMLSegmentationNode")
            if first:
                self._parameterNode.inputSegmentation = first

    def setParameterNode(self, inputParameterNode: Optional[RadscoreParameterNode]) -> None:
        if self._parameterNode:
            self._parameterNode.disconnectGui(self._parameterNodeGuiTag)
            self.removeObserver(self._parameterNode, vtk.vtkCommand.ModifiedEvent, self._checkCanApply)
        self._parameterNode = inputParameterNode
        if self._parameterNode:
            self._parameterNodeGuiTag = self._parameterNode.connectGui(self.ui)
            self.addObserver(self._parameterNode, vtk.vtkCommand.ModifiedEvent, self._checkCanApply)
            self._checkCanApply()

    def _checkCanApply(self, caller=None, event=None) -> None:
        busy = self._worker is not None
        p = self._parameterNode
        if busy:
            self.ui.applyButton.toolTip = _("Computing...")
            self.ui.applyButton.enabled = False
        elif p and p.inputVolume and p.inputSegmentation:
            self.ui.applyButton.toolTip = _("Compute features, Radscore and prediction")
            self.ui.applyButton.enabled = True
        else:
            self.ui.applyButton.toolTip = _("Select the input volume and the segmentation")
            self.ui.applyButton.enabled = False
        self.ui.cancelButton.enabled = busy

    # ---- settings and model ----

    def onSegmentationChanged(self, node) -> None:
        self.ui.segmentsTableView.setSegmentationNode(node)

    def onSettingsModeChanged(self, _checked=None) -> None:
        self.ui.presetComboBox.enabled = self.ui.presetRadioButton.checked
        self.ui.parameterFilePathLineEdit.enabled = self.ui.parameterFileRadioButton.checked
        self.ui.manualSettingsFrame.enabled = self.ui.manualRadioButton.checked

    def _parameters(self):
        if self.ui.parameterFileRadioButton.checked:
            path = self.ui.parameterFilePathLineEdit.currentPath
            if not path:
                raise InputError(_("Choose a pyradiomics parameter file, or use the preset."))
            return path
        if self.ui.manualRadioButton.checked:
            p = self._parameterNode
            return manualParameters(
                imageTypes={"Original": p.imageOriginal, "Wavelet": p.imageWavelet, "LoG": p.imageLoG},
                featureClasses={
                    "firstorder": p.classFirstorder,
                    "shape": p.classShape,
                    "glcm": p.classGlcm,
                    "glrlm": p.classGlrlm,
                    "glszm": p.classGlszm,
                    "gldm": p.classGldm,
                    "ngtdm": p.classNgtdm,
                },
                binWidth=p.binWidth,
                resampledSpacing=p.resampledSpacing,
                logSigmas=p.logSigmas,
            )
        return self.ui.presetComboBox.currentText

    def _currentModel(self):
        data = self.ui.modelComboBox.currentData
        self.ui.modelFilePathLineEdit.visible = data == "file"
        if data == "file":
            path = self.ui.modelFilePathLineEdit.currentPath
            return self.logic.loadModel(path) if path else None
        return self.logic.loadModel(data) if data else None

    def onModelChanged(self, _unused=None) -> None:
        layout = self.ui.clinicalInputsFrame.layout()
        for w in self._clinicalWidgets.values():
            layout.removeRow(w)
        self._clinicalWidgets = {}
        try:
            self._model = self._currentModel()
        except ValueError as e:
            self._model = None
            self.ui.modelInfoLabel.text = str(e)
            return
        if self._model is None:
            self.ui.modelInfoLabel.text = _("No model: features only.")
            return
        gaps = prediction.missing(self._model)
        info = f"<b>{self._model['title']}</b><br>{_('Event')}: {self._model['event']['description']}"
        if gaps:
            info += "<br><span style='color:#a60'>" + _(
                "This card cannot predict yet (not published, must be fitted locally): "
            ) + "; ".join(gaps) + "</span>"
        self.ui.modelInfoLabel.text = info
        for p in prediction.clinical_predictors(self._model):
            if p["kind"] == "continuous":
                w = qt.QDoubleSpinBox()
                w.minimum, w.maximum = p["min"], p["max"]
                w.decimals = 1
                w.suffix = f" {p.get('unit', '')}"
            else:
                w = qt.QComboBox()
                for level in p["levels"]:
                    w.addItem(level)
            w.toolTip = p["label"]
            layout.addRow(p["label"] + ":", w)
            self._clinicalWidgets[p["name"]] = w

    def _clinicalValues(self) -> dict:
        out = {}
        for name, w in self._clinicalWidgets.items():
            out[name] = w.value if isinstance(w, qt.QDoubleSpinBox) else w.currentText
        return out

    # ---- apply ----

    def onApplyButton(self) -> None:
        with slicer.util.tryWithErrorDisplay(_("Radscore failed."), waitCursor=True):
            self.ui.statusLabel.text = ""
            p = self._parameterNode
            segmentIds = list(self.ui.segmentsTableView.selectedSegmentIDs()) or None
            try:
                parameters = self._parameters()
                inputs = self.logic.prepareInputs(p.inputVolume, p.inputSegmentation, segmentIds)
            except ValueError as e:
                self._showError(str(e))
                return
            self._cancelRequested = False
            self._progress = (0.0, _("starting"))
            self._workerOutcome = None
            self.ui.progressBar.value = 0
            self.ui.progressBar.visible = True

            def work():
                try:
                    result = self.logic.computeFeaturesFromInputs(inputs, parameters, self._onProgress)
                    self._workerOutcome = ("ok", result)
                except BaseException as e:  # reported on the main thread
                    self._workerOutcome = ("error", e)

            self._worker = threading.Thread(target=work, name="radscore-extract", daemon=True)
            self._worker.start()
            self._timer.start()
            self._checkCanApply()

    def _onProgress(self, fraction: float, message: str) -> bool:
        # Worker thread: no Qt here, only plain values read by the timer.
        self._progress = (fraction, message)
        return not self._cancelRequested

    def onCancelButton(self) -> None:
        self._cancelRequested = True
        self.ui.statusLabel.text = _("Cancelling...")

    def _pollWorker(self) -> None:
        fraction, message = self._progress
        self.ui.progressBar.value = int(round(100 * fraction))
        self.ui.progressBar.format = f"%p%  {message}"
        if self._worker is None or self._worker.is_alive():
            return
        self._timer.stop()
        self._worker = None
        self.ui.progressBar.visible = False
        self._checkCanApply()
        status, value = self._workerOutcome or ("error", RuntimeError("no result"))
        if status == "error":
            if isinstance(value, binding.CancelledError):
                self.ui.statusLabel.text = _("Cancelled.")
            else:
                self._showError(str(value))
                logging.error(f"Radscore: {value}")
            return
        with slicer.util.tryWithErrorDisplay(_("Radscore could not show the results."), waitCursor=True):
            self._showResults(value)

    def _showError(self, message: str) -> None:
        self.ui.statusLabel.text = f"<span style='color:#c00'>{message}</span>"

    def _outputTable(self, attribute: str, name: str):
        node = getattr(self._parameterNode, attribute)
        if not node:
            node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLTableNode", name)
            setattr(self._parameterNode, attribute, node)
        return node

    def _showResults(self, features: dict) -> None:
        p = self._parameterNode
        self._features = features
        self._predictions = None
        table = self._outputTable("featureTable", _("Radscore features"))
        self.logic.fillFeatureTable(table, features, p.inputSegmentation)
        lines = [_("Features of {n} segment(s) in table '{t}'.").format(n=len(features), t=table.GetName())]
        model = self._model
        if model is not None:
            first = next(iter(features.values()))
            for name, level in self.logic.suggestClinicalValues(model, first).items():
                w = self._clinicalWidgets.get(name)
                if isinstance(w, qt.QComboBox):
                    w.currentText = level
            try:
                self._predictions = self.logic.predict(features, self._clinicalValues(), model)
            except ValueError as e:
                lines.append(f"<span style='color:#a60'>{_('No prediction')}: {e}</span>")
        if self._predictions:
            ptable = self._outputTable("predictionTable", _("Radscore prediction"))
            self.logic.fillPredictionTable(ptable, self._predictions, model, p.inputSegmentation)
            for sid, pred in self._predictions.items():
                name = p.inputSegmentation.GetSegmentation().GetSegment(sid).GetName()
                lines.append(
                    f"<b>{name}</b>: Radscore {pred['radscore']:.3f}, "
                    f"P({_('event')}) = {pred['probability']:.3f}, {_('total points')} {pred['total_points']:.1f}"
                )
            self._showNomogram(model, next(iter(self._predictions.values())))
        self.ui.resultsLabel.text = "<br>".join(lines)
        self._showTable(table)

    def _showNomogram(self, model: dict, pred: dict) -> None:
        layout = self.ui.nomogramFrame.layout()
        while layout.count():
            item = layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        try:
            svg = self.logic.nomogramSvg(model, pred)
        except ValueError as e:
            layout.addWidget(qt.QLabel(str(e)))
            return
        view = qt.QSvgWidget() if hasattr(qt, "QSvgWidget") else None
        if view is None:
            layout.addWidget(qt.QLabel(_("Nomogram display needs QtSvg.")))
            return
        view.load(qt.QByteArray(svg.encode("utf-8")))
        view.setMinimumHeight(320)
        layout.addWidget(view)

    def _showTable(self, tableNode) -> None:
        layoutManager = slicer.app.layoutManager()
        layout = slicer.modules.tables.logic().GetLayoutWithTable(layoutManager.layout)
        layoutManager.setLayout(layout)
        slicer.app.applicationLogic().GetSelectionNode().SetActiveTableID(tableNode.GetID())
        slicer.app.applicationLogic().PropagateTableSelection()

    def onExportCsv(self) -> None:
        with slicer.util.tryWithErrorDisplay(_("Export failed."), waitCursor=True):
            table = self._parameterNode.featureTable if self._parameterNode else None
            if not table:
                raise ValueError(_("Nothing to export yet: click Apply first."))
            path = qt.QFileDialog.getSaveFileName(None, _("Export features"), "radscore_features.csv", "CSV (*.csv)")
            if not path:
                return
            self.logic.exportTableToCsv(table, path)
            ptable = self._parameterNode.predictionTable
            if ptable and self._predictions:
                self.logic.exportTableToCsv(ptable, os.path.splitext(path)[0] + "_prediction.csv")
            self.ui.statusLabel.text = _("Exported to {path}").format(path=path)


#
# RadscoreLogic
#


class RadscoreLogic(ScriptedLoadableModuleLogic, RadscoreLogicBase):
    """GUI-free: computeFeatures, predict, fillFeatureTable, fillPredictionTable (see RadscoreLib.logic)."""

    def __init__(self) -> None:
        ScriptedLoadableModuleLogic.__init__(self)
        RadscoreLogicBase.__init__(self)

    def getParameterNode(self):
        return RadscoreParameterNode(super().getParameterNode())


#
# RadscoreTest
#


class RadscoreTest(ScriptedLoadableModuleTest):
    """Self-test on a synthetic volume with a spherical segment generated in code (no download)."""

    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_Radscore_sphere()
        self.setUp()
        self.test_Radscore_bad_input()

    def test_Radscore_sphere(self):
        self.delayDisplay("Starting the test")
        from RadscoreLib.selftest import checkSphere

        checkSphere(slicer.mrmlScene, RadscoreLogic())
        self.delayDisplay("Test passed")

    def test_Radscore_bad_input(self):
        from RadscoreLib.selftest import checkBadInput

        checkBadInput(slicer.mrmlScene, RadscoreLogic())
        self.delayDisplay("Test passed")
