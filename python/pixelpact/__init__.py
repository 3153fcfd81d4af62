"""pixelpact: preprocessing contracts, executed bit-exactly.

A contract is a JSON document (validated by the JSON Schema that ships with the
package) that states exactly how an image becomes a model input tensor. The C++
core interprets it; this package validates, loads and runs contracts.

>>> pipe = pixelpact.load("contract.json")
>>> tensor = pipe(image)            # numpy uint8 (H, W, C), or a PIL image

Integrations, imported on first use (each needs its library; ``import pixelpact``
imports none of them): ``pixelpact.torch`` (a torchvision-style Transform),
``pixelpact.ray`` (Ray Data preprocessing), ``pixelpact.onnx``.
"""
from __future__ import annotations

from ._contract import ContractError, load_schema, validate
from ._pipeline import Geometry, Pipeline, fingerprint, load, supported_isas
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

__all__ = ["ContractError", "Geometry", "Pipeline", "UnsupportedTransform", "from_hf", "from_opencv_blob",
           "fingerprint", "from_timm", "from_torchvision", "from_ultralytics", "load", "load_schema", "supported_isas", "validate", "__version__"]


_INTEGRATIONS = ("torch", "ray", "onnx")


def __getattr__(name):
    """``pixelpact.torch`` / ``pixelpact.ray`` / ``pixelpact.onnx`` without an explicit
    import: the submodule (and its library) is imported on first use. Without
    the library this is an AttributeError (so ``hasattr`` stays safe) carrying the
    ImportError's advice; ``import pixelpact.torch`` raises the ImportError itself."""
    if name in _INTEGRATIONS:
        import importlib

        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ImportError as exc:
            raise AttributeError(f"pixelpact.{name} is unavailable: {exc}") from exc
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
