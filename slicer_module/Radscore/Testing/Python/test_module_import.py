"""Radscore.py outside Slicer's application: it imports, the Logic works, and only the GUI
classes refuse, naming what is missing. RadscoreLib.binding imports neither slicer nor Qt."""

import subprocess
import sys

import pytest

from conftest import MODULE_DIR


def test_binding_imports_without_slicer_or_qt():
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "import RadscoreLib.binding, RadscoreLib.prediction\n"
        "bad = [m for m in sys.modules if m == 'slicer' or m.startswith(('slicer.', 'qt', 'PythonQt', 'ctk'))]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    ) % str(MODULE_DIR)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_radscore_py_imports_with_logic_usable(slicer_mod):
    import Radscore

    assert isinstance(Radscore.GUI_IMPORT_ERROR, ImportError)  # no Qt/application here
    logic = Radscore.RadscoreLogic()
    assert hasattr(logic, "computeFeatures") and hasattr(logic, "predict")
    assert hasattr(logic, "fillFeatureTable") and hasattr(logic, "fillPredictionTable")
    for gui in ("Radscore", "RadscoreWidget", "RadscoreTest"):
        with pytest.raises(ImportError, match="3D Slicer application"):
            getattr(Radscore, gui)(None)
    with pytest.raises(ImportError, match="parameter nodes"):
        logic.getParameterNode()


def test_logic_through_radscore_py(scene, slicer_mod):
    """The Logic class of Radscore.py runs the whole bad-input check headless."""
    import Radscore

    from RadscoreLib import selftest

    assert len(selftest.checkBadInput(scene, Radscore.RadscoreLogic())) == 11


def test_ui_file_names_the_widgets_the_panel_uses():
    import xml.etree.ElementTree as ET

    ui = ET.parse(MODULE_DIR / "Resources" / "UI" / "Radscore.ui").getroot()
    names = {w.get("name") for w in ui.iter("widget")}
    source = (MODULE_DIR / "Radscore.py").read_text()
    import re

    used = set(re.findall(r"self\.ui\.(\w+)", source))
    assert used <= names, used - names
    params = {p.find("string").text for p in ui.iter("property") if p.get("name") == "SlicerParameterName"}
    for p in params:
        assert re.search(rf"^\s+{p}: ", source, re.M), p


def test_icon_is_a_128_png():
    data = (MODULE_DIR / "Resources" / "Icons" / "Radscore.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (128, 128)
