"""Bake a contract into an ONNX model: exact preprocessing in standard operators.

>>> import pixelpact.onnx as ppx
>>> pre = ppx.export("contract.json")                  # image uint8 [H, W, C] -> tensor
>>> model = ppx.attach("model.onnx", "contract.json")  # the model now takes the raw image
>>> ppx.check(model, "contract.json")                   # the stamp, and that it is this contract

Every export is stamped with the contract's canonical form and fingerprint
(``metadata_props``), which ``contract_of`` reads back and ``check`` verifies;
``stamp`` adds only the stamp, for models fed by preprocessing outside them.
``explain`` says, per part of the contract, whether the graph is exact, exact in
practice, approximate or impossible, and why. See docs/onnx.md.

Needs the ``onnx`` package (``pip install 'pixelpact[onnx]'``); onnxruntime runs
the graphs.
"""
from __future__ import annotations

try:
    import onnx as _onnx  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("pixelpact.onnx needs the onnx package: pip install 'pixelpact[onnx]'") from exc

from ._api import Inexpressible, StampError, attach, check, contract_of, explain, export, stamp
from ._lint import APPROXIMATE, EXACT, IMPOSSIBLE, IN_PRACTICE, Finding

__all__ = ["APPROXIMATE", "EXACT", "IMPOSSIBLE", "IN_PRACTICE", "Finding", "Inexpressible", "StampError", "attach",
           "check", "contract_of", "explain", "export", "stamp"]
