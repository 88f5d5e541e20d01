"""radscore for 3D Slicer: the ctypes binding (``binding``, no Slicer needed), MRML helpers
(``mrml``), the GUI-free logic (``logic``) and the interim Python model prediction
(``prediction``, until the C API has model functions)."""

from . import binding  # noqa: F401
