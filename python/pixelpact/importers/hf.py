"""pixelpact.from_hf: Hugging Face transformers image processors (v5) as contracts.

Three ways in, one rule: the processor is always built by transformers itself, and the
contract reproduces exactly the processor that transformers would run.

- A processor object: its own backend, or the other one with ``backend=`` (rebuilt by
  transformers from the object's settings as that backend's class).
- A ``preprocessor_config.json`` (a dict, the file or its folder): built by
  ``AutoImageProcessor.from_pretrained`` from a local folder, so legacy configs
  (``feature_extractor_type`` and no ``image_processor_type``) map to the class
  transformers maps them to, and without ``backend=`` the backend is the one
  ``AutoImageProcessor`` picks (torchvision when torchvision is installed). An explicit
  backend that the class lacks is refused, never replaced by the other one.

What each class computes, and what is refused, lives in ``hf_processors``. The contract's
``description`` names the transformers version, class and backend it reproduces.
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from ._common import UnsupportedTransform, contract
from .hf_processors import backend_of, backend_of_class, family_of, steps_for

BACKENDS = ("torchvision", "pil")
INPUT_COLORS = ("RGB", "BGR", "RGBA", "BGRA", "GRAY")


def from_hf(source: Any, backend: str | None = None, *, input_color: str = "RGB") -> dict:
    """A contract equal to a transformers image processor's ``pixel_values`` for one image.

    source: a processor object, a preprocessor_config.json dict, or the path of that file
    or of its folder. backend: "torchvision" or "pil"; None keeps the object's own backend,
    or for a config takes the one ``AutoImageProcessor.from_pretrained`` picks.
    input_color: what the caller will pass to the contract ("RGB", "BGR", "RGBA", "BGRA",
    "GRAY"); the processor is fed the same image as a PIL image, so RGBA is composited on
    white and GRAY replicated by the processor's ``do_convert_rgb``.

    Raises UnsupportedTransform (with the reason) for anything a contract cannot state
    exactly: the contract never differs silently from the processor.
    """
    if backend is not None and backend not in BACKENDS:
        raise ValueError(f"backend must be 'torchvision' or 'pil' (or None), got {backend!r}")
    if input_color not in INPUT_COLORS:
        raise ValueError(f"input_color must be one of {', '.join(INPUT_COLORS)}, got {input_color!r}")
    processor, route = _processor(source, backend)
    return _contract(processor, route, input_color)


def _processor(source: Any, backend: str | None):
    if hasattr(source, "preprocess") and hasattr(source, "to_dict"):
        own = backend_of(source)
        if backend is None or backend == own:
            return source, "from the processor object"
        return _other_backend(source, backend), f"rebuilt from a {type(source).__name__} object"
    return _from_config(source, backend), "as AutoImageProcessor.from_pretrained builds it"


def _from_config(source: Any, backend: str | None):
    """AutoImageProcessor.from_pretrained on a local folder (a dict is written to one)."""
    if isinstance(source, dict):
        try:
            text = json.dumps(source)
        except TypeError as exc:
            raise TypeError(f"the config dict is not JSON: {exc}") from exc
        with tempfile.TemporaryDirectory(prefix="pixelpact-hf-") as folder:
            with open(os.path.join(folder, "preprocessor_config.json"), "w", encoding="utf-8") as f:
                f.write(text)
            return _auto(folder, backend, "the config dict")
    path = os.fspath(source)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path!r} is neither a preprocessor_config.json nor a folder holding one "
                                "(for a Hub model id, pass AutoImageProcessor.from_pretrained(id) instead)")
    return _auto(path, backend, repr(path))


def _auto(path: str, backend: str | None, where: str):
    from transformers import AutoImageProcessor

    try:
        processor = AutoImageProcessor.from_pretrained(path, backend=backend, local_files_only=True,
                                                       trust_remote_code=False)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnsupportedTransform(f"transformers cannot build an image processor from {where}: {exc}") from exc
    got = backend_of(processor)
    if backend is not None and got != backend:
        raise UnsupportedTransform(f"{type(processor).__name__} has no {backend} backend in transformers "
                                   f"(AutoImageProcessor would fall back to {got})")
    return processor


def _other_backend(processor: Any, backend: str):
    """The same settings as the other backend's class, built by transformers."""
    import transformers
    from transformers.models.auto import image_processing_auto as auto

    cls = type(processor)
    if not cls.__module__.startswith("transformers."):
        raise UnsupportedTransform(f"{cls.__qualname__} is not a transformers class: its {backend} twin is unknown")
    base = cls.__name__[:-3] if cls.__name__.endswith("Pil") else cls.__name__
    find = getattr(auto, "_find_mapping_for_image_processor", None)
    mapping = (find(base) if find else None) or {"torchvision": base, "pil": base + "Pil"}
    name = mapping.get(backend)
    other = auto.get_image_processor_class_from_name(name) if name else None
    if other is None or getattr(other, "is_dummy", False) or backend_of_class(other) != backend:
        raise UnsupportedTransform(f"{cls.__name__} has no {backend} backend in transformers {transformers.__version__}")
    settings = processor.to_dict()
    settings.pop("image_processor_type", None)
    return other.from_dict(settings)


def _contract(p: Any, route: str, input_color: str) -> dict:
    import transformers

    cls = type(p).__name__
    backend = backend_of(p)
    origin = f"transformers {transformers.__version__} {cls} ({backend} backend; {route})"
    if cls == "TimmWrapperImageProcessor" and type(p).__module__.startswith("transformers."):
        return _timm_wrapper(p, origin, input_color)
    name, recipe, reason = family_of(p)
    if recipe is None:
        raise UnsupportedTransform(f"{cls}: {reason}")
    try:
        steps, color, geometry_notes = steps_for(p, name, recipe, backend)
    except UnsupportedTransform as exc:
        if str(exc).startswith((cls + ":", cls + ".")):
            raise
        raise UnsupportedTransform(f"{cls}: {exc}") from None
    convert = bool(getattr(p, "do_convert_rgb", None))
    if input_color in ("RGBA", "BGRA", "GRAY") and not convert:
        raise UnsupportedTransform(f"{cls} has do_convert_rgb off: an {input_color} image is not made RGB, "
                                   "so its pixels are not an RGB contract's")
    notes = ""
    if recipe.frames:
        notes += "; one video frame: pixel_values[:, i] of a video is this contract on frame i"
    for note in geometry_notes:
        notes += f"; {note}"
    if recipe.outputs:
        notes += f"; other outputs ({recipe.outputs}) are not part of the contract"
    if _float_resize(steps):
        notes += ("; its float resize is torch's multi-threaded AVX2/AVX-512 CPU result (README: Float resize)")
    base = cls[:-3] if cls.endswith("Pil") else cls
    doc = contract(f"hf-{base}-{backend}", steps, input_color=input_color, color=color,
                   description=f"pixel_values of {origin} for one image given as a PIL image{notes}; "
                               "imported by pixelpact.from_hf")
    if input_color in ("RGBA", "BGRA"):
        doc["input"]["alpha"] = "composite"  # convert_to_rgb: Image.alpha_composite onto white
    return doc


def _float_resize(steps: list[dict]) -> bool:
    floats = False
    for s in steps:
        floats = floats or s["op"] == "to_float"
        if floats and s["op"] == "resize":
            return True
    return False


def _timm_wrapper(p: Any, origin: str, input_color: str) -> dict:
    """TimmWrapperImageProcessor runs timm's eval transform (torchvision v1) on a PIL image."""
    from .torchvision import from_torchvision

    if input_color not in ("RGB", "BGR"):
        raise UnsupportedTransform(f"TimmWrapperImageProcessor: an {input_color} image reaches timm's transform "
                                   "unconverted")
    doc = from_torchvision(p.val_transforms, input="pil")
    doc["name"] = "hf-TimmWrapperImageProcessor"
    doc["description"] = f"pixel_values of {origin}: timm eval transform {p.data_config}; imported by pixelpact.from_hf"
    doc["input"]["color"] = input_color
    doc["output"]["layout"] = "NCHW"  # torch.stack of the transformed images
    return doc
