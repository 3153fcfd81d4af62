"""Importers: turn a real library's preprocessing object into a contract dict
(ready for pixelpact.load, and for json.dump beside the model). Each refuses
with UnsupportedTransform what a contract cannot state exactly."""
from ._common import UnsupportedTransform
from .hf import from_hf
from .keras import from_keras
from .opencv import from_opencv_blob
from .timm import from_timm
from .torchvision import from_torchvision
from .ultralytics import from_ultralytics

__all__ = ["UnsupportedTransform", "from_hf", "from_keras", "from_opencv_blob", "from_timm", "from_torchvision",
           "from_ultralytics"]
