"""Shared pieces of the importers: the contract skeleton, the refusal error,
and exact float32 operands."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np


class UnsupportedTransform(ValueError):
    """The pipeline does something a contract cannot state exactly (a random
    augmentation, an unknown op, an unsupported option). Importers raise this
    instead of approximating."""


# PIL resampling ints (PIL.Image.Resampling) -> contract interpolation names.
PIL_FILTERS = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}


def f32(values: Any) -> list[float]:
    """Values rounded to float32, as exact Python floats (the contract rounds
    operands to the arithmetic dtype; these survive that unchanged)."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float32))
    return [float(v) for v in arr]


def per_channel(values: Any) -> Any:
    """A scalar or a list of 1 or 3 numbers, as a contract value."""
    if isinstance(values, (int, float, np.floating, np.integer)):
        return float(values)
    values = [float(v) for v in values]
    if len(values) not in (1, 3):
        raise UnsupportedTransform(f"expected 1 or 3 per-channel values, got {len(values)}")
    return values


def contract(name: str, steps: Sequence[dict], *, input_color: str = "RGB", layout: str = "NCHW",
             dtype: str = "float32", color: str = "RGB", description: str | None = None) -> dict:
    has_float = any(s["op"] == "to_float" for s in steps)
    doc = {"pixelpact": 1, "name": name}
    if description:
        doc["description"] = description
    doc.update({"input": {"color": input_color}, "steps": list(steps),
                "output": {"layout": layout, "dtype": dtype if has_float else "uint8", "color": color}})
    return doc


def size_hw(size: Any) -> list[int]:
    """An int or a (height, width) sequence as [height, width]."""
    if isinstance(size, int):
        return [size, size]
    size = list(size)
    if len(size) == 1:
        return [int(size[0])] * 2
    if len(size) != 2:
        raise UnsupportedTransform(f"size {size!r} is not an int or (height, width)")
    return [int(size[0]), int(size[1])]


def describe(obj: Any) -> str:
    return type(obj).__module__ + "." + type(obj).__qualname__


def as_list(x: Iterable) -> list:
    return list(x)
