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

# _native imports the compiled core first: a broken install fails there, with a
# message that says what to do.
from ._native import __version__
from ._errors import ContractError
from ._contract import load_schema, validate
from ._pipeline import Geometry, Pipeline, decoders, fingerprint, load, release_cached_outputs, supported_isas
from ._diagnose import Diagnosis, Suspect, diagnose
from . import golden, testing  # noqa: E402 - submodules as attributes: pixelpact.golden.record(...)
from .importers import (UnsupportedTransform, from_hf, from_keras, from_opencv_blob, from_timm, from_torchvision,
                        from_ultralytics)

__all__ = ["ContractError", "Diagnosis", "Geometry", "Pipeline", "Suspect", "UnsupportedTransform", "diagnose",
           "fingerprint", "from_hf", "from_keras", "from_opencv_blob", "from_timm", "from_torchvision", "from_ultralytics", "golden",
           "load", "load_schema", "release_cached_outputs", "supported_isas", "decoders", "testing", "validate", "__version__"]


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
