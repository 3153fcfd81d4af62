"""pixelpact: preprocessing contracts, executed bit-exactly.

A contract is a JSON document (validated by the JSON Schema that ships with the
package) that states exactly how an image becomes a model input tensor. The C++
core interprets it; this package validates, loads and runs contracts.

>>> pipe = pixelpact.load("contract.json")
>>> tensor = pipe(image)            # numpy uint8 (H, W, C)
"""
from __future__ import annotations

from ._contract import ContractError, load_schema, validate
from ._pipeline import Geometry, Pipeline, fingerprint, load, supported_isas
from ._diagnose import Diagnosis, Suspect, diagnose
from . import golden, testing  # noqa: E402 - submodules as attributes: pixelpact.golden.record(...)
from .importers import (UnsupportedTransform, from_hf, from_opencv_blob, from_timm, from_torchvision,
                        from_ultralytics)

try:
    from ._core import __version__
except ImportError as exc:  # pragma: no cover - only on a broken install
    raise ImportError(
        "pixelpact's compiled core (pixelpact._core) failed to import: "
        f"{exc}. Reinstall with 'pip install .' from a source checkout, "
        "or report your platform if a wheel is broken."
    ) from exc

__all__ = ["ContractError", "Diagnosis", "Geometry", "Pipeline", "Suspect", "UnsupportedTransform", "diagnose",
           "fingerprint", "from_hf", "from_opencv_blob", "from_timm", "from_torchvision", "from_ultralytics", "golden",
           "load", "load_schema", "supported_isas", "testing", "validate", "__version__"]
