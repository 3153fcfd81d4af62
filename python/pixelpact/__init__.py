"""pixelpact: preprocessing contracts, executed bit-exactly.

A contract is a JSON document (validated by the JSON Schema that ships with the
package) that states exactly how an image becomes a model input tensor. The C++
core interprets it; this package validates, loads and runs contracts.

>>> pipe = pixelpact.load("contract.json")
>>> tensor = pipe(image)            # numpy uint8 (H, W, C)
"""
from __future__ import annotations

# _native imports the compiled core first: a broken install fails there, with a
# message that says what to do.
from ._native import __version__
from ._errors import ContractError
from ._contract import load_schema, validate
from ._pipeline import Geometry, Pipeline, fingerprint, load, supported_isas
from ._diagnose import Diagnosis, Suspect, diagnose
from . import golden, testing  # noqa: E402 - submodules as attributes: pixelpact.golden.record(...)
from .importers import (UnsupportedTransform, from_hf, from_keras, from_opencv_blob, from_timm, from_torchvision,
                        from_ultralytics)

__all__ = ["ContractError", "Diagnosis", "Geometry", "Pipeline", "Suspect", "UnsupportedTransform", "diagnose",
           "fingerprint", "from_hf", "from_keras", "from_opencv_blob", "from_timm", "from_torchvision", "from_ultralytics", "golden",
           "load", "load_schema", "supported_isas", "testing", "validate", "__version__"]
