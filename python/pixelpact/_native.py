"""The compiled core, pixelpact._core (pybind11 over the C++ API), and the only
place its errors become Python exceptions. Every other module reaches the core
through this one, so a broken install fails here, with a message that says what
to do."""
from __future__ import annotations

import warnings
from typing import Optional

import numpy as np

from ._errors import ContractError

try:
    from . import _core
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the API tests
    raise ImportError(
        "pixelpact's compiled core (pixelpact._core) failed to import: "
        f"{exc}. Reinstall with 'pip install .' from a source checkout, "
        "or report your platform if a wheel is broken."
    ) from exc

__version__ = _core.__version__
if _core.cache_setting_problem():  # the core keeps its default; say so rather than stay silent
    warnings.warn(_core.cache_setting_problem(), RuntimeWarning, stacklevel=2)
CoreError = _core.CoreError
MAX_CONTRACT_NESTING = _core.MAX_CONTRACT_NESTING


def translate(err: "_core.CoreError") -> Exception:
    """A core error as the Python exception the API documents."""
    code = getattr(err, "code", "internal")
    message = str(err)
    if code == "invalid_contract":
        path = getattr(err, "path", "")
        if path and message.startswith(path + ": "):
            message = message[len(path) + 2 :]
        return ContractError(path, message)
    if code in ("internal", "unsupported"):
        return RuntimeError(message)
    return ValueError(message)


def compile_contract(json_text: str, isa: Optional[str] = None, limits: Optional[dict] = None) -> "_core.Pipeline":
    """The core's pipeline for contract text (validated by the core, the one
    interpreter); raises ContractError, ValueError or RuntimeError."""
    limits = limits or {}
    for key, value in limits.items():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ValueError(f"{key} must be an int >= 0 (0 = no limit), got {value!r}")
    try:
        return _core.Pipeline(
            json_text,
            isa or "",
            -1 if limits.get("max_output_elements") is None else limits["max_output_elements"],
            -1 if limits.get("max_intermediate_bytes") is None else limits["max_intermediate_bytes"],
        )
    except _core.CoreError as err:
        raise translate(err) from None


def new_output_array(shape: tuple, dtype) -> "np.ndarray":
    """An uninitialised C-contiguous output array; from 4 MiB on, memory that an
    earlier output released is reused (python/src/output_memory.hpp)."""
    return _core.new_output_array(np.dtype(dtype), list(shape))


def release_cached_outputs() -> int:
    """Return the memory kept for reuse by large outputs (at most two blocks of
    up to 1 GiB in all; PIXELPACT_CACHED_OUTPUTS=0 keeps none) to the system.
    Returns the bytes released. Arrays still alive are not affected."""
    return int(_core.release_cached_outputs())


def supported_isas() -> list:
    """Instruction sets this build and CPU can run, best first."""
    return list(_core.supported_isas())


def decoders() -> dict:
    """{"jpeg": library or None, "png": library or None}: the image decoders
    compiled into the core (None: not compiled in; run_encoded then decodes
    that format with Pillow)."""
    out = {}
    for part in _core.decoders().split("; "):
        name, _, library = part.partition(": ")
        out[name.lower()] = None if library.startswith("not compiled in") else library
    return out
