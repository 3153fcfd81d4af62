"""pixelpact.from_hf: Hugging Face transformers image processors (v5) as contracts.

The processor is always rebuilt by transformers itself from a config (a dict or
a preprocessor_config.json), so every default is the library's. Both backends
are exact with their own arithmetic:

- ``backend="pil"`` (the ``...ImageProcessorPil`` classes): Pillow resize,
  center crop with a floor offset (a smaller image sits at ceil on a zero canvas),
  rescale ``(x.astype(float64) * rescale_factor).astype(float32)``, then
  ``(x - mean) / std`` in float32.
- ``backend="torchvision"``: torch uint8 antialiased resize (the ``torch`` resize
  engine), center crop with floor offset and floor/ceil padding, and rescale
  folded into normalize: ``(x - float32(mean) * (1 / rescale_factor)) / (float32(std) * (1 / rescale_factor))``
  in float32 (rescale alone: ``x * rescale_factor`` in float32).

Input images are RGB: an RGBA image is composited on white by the processor's
convert_to_rgb, which a contract does not state.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ._common import PIL_FILTERS, UnsupportedTransform, contract, f32

# Processors whose arithmetic is exactly resize / center crop / rescale / normalize.
SUPPORTED = {"CLIPImageProcessor", "ViTImageProcessor", "ConvNextImageProcessor", "DeiTImageProcessor",
             "BeitImageProcessor", "SiglipImageProcessor"}
# Flags that do not touch the pixels of an RGB image.
HARMLESS_FLAGS = {"do_resize", "do_center_crop", "do_rescale", "do_normalize", "do_convert_rgb", "do_reduce_labels"}


def _read_config(source: Any) -> dict:
    if isinstance(source, dict):
        return dict(source)
    path = os.fspath(source)
    if os.path.isdir(path):
        path = os.path.join(path, "preprocessor_config.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _processor(source: Any, backend: str | None):
    import transformers

    if hasattr(source, "preprocess") and hasattr(source, "to_dict"):
        name = type(source).__name__
        own = "pil" if name.endswith("Pil") else "torchvision"
        if backend is not None and backend != own:
            raise UnsupportedTransform(f"{name} is the {own} backend, not {backend!r}")
        return source, name[:-3] if own == "pil" else name, own
    config = _read_config(source)
    name = config.get("image_processor_type")
    if not name:
        raise UnsupportedTransform("the config has no 'image_processor_type': which processor is it?")
    for suffix in ("Fast", "Pil"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    backend = backend or "pil"
    if backend not in ("pil", "torchvision"):
        raise ValueError(f"backend must be 'pil' or 'torchvision', got {backend!r}")
    if name not in SUPPORTED:
        raise UnsupportedTransform(f"{name} is not supported (supported: {', '.join(sorted(SUPPORTED))})")
    cls = getattr(transformers, name + ("Pil" if backend == "pil" else ""))
    kwargs = {k: v for k, v in config.items() if k not in ("image_processor_type", "processor_class")}
    return cls(**kwargs), name, backend


def _get(p, key, default=None):
    value = getattr(p, key, default)
    return default if value is None else value


def _size(p, key) -> dict:
    s = _get(p, key, {})
    if hasattr(s, "items"):
        return {k: v for k, v in dict(s).items() if v is not None}
    return {k: getattr(s, k) for k in ("height", "width", "shortest_edge", "longest_edge") if getattr(s, k, None)}


def _resize(size, resample, backend) -> dict:
    interpolation = PIL_FILTERS.get(int(resample))
    if interpolation is None:
        raise UnsupportedTransform(f"resample {resample!r} is not a Pillow filter")
    if backend == "pil":
        return {"op": "resize", "size": size, "interpolation": interpolation, "engine": "pillow"}
    if interpolation not in ("bilinear", "bicubic", "lanczos"):
        raise UnsupportedTransform(f"the torchvision backend's {interpolation} resize is not supported")
    return {"op": "resize", "size": size, "interpolation": interpolation, "antialias": True, "engine": "torch"}


def from_hf(processor_or_config: Any, backend: str | None = None) -> dict:
    """A contract equal to a Hugging Face image processor on RGB images.

    processor_or_config: a processor object, a preprocessor_config.json dict, or
    a path to that file (or to its folder). backend: "pil" or "torchvision"
    (default: the object's own backend, "pil" for a config). Raises
    UnsupportedTransform for what a contract cannot state exactly.
    """
    p, name, backend = _processor(processor_or_config, backend)
    if name not in SUPPORTED:
        raise UnsupportedTransform(f"{name} is not supported (supported: {', '.join(sorted(SUPPORTED))})")
    for key, value in p.to_dict().items():
        if key.startswith("do_") and value and key not in HARMLESS_FLAGS:
            raise UnsupportedTransform(f"{name}.{key}=True changes pixels in a way a contract cannot state")
    rule = "hf_pil" if backend == "pil" else "hf_torchvision"
    steps: list[dict] = []
    if _get(p, "do_resize"):
        size = _size(p, "size")
        resample = _get(p, "resample", 2)
        if name == "ConvNextImageProcessor":
            edge = size["shortest_edge"]
            if edge < 384:
                steps.append(_resize(int(edge / _get(p, "crop_pct", 224 / 256)), resample, backend))
                steps.append({"op": "center_crop", "size": [edge, edge], "rule": rule})
            else:
                steps.append(_resize([edge, edge], resample, backend))
        elif set(size) == {"height", "width"}:
            steps.append(_resize([size["height"], size["width"]], resample, backend))
        elif set(size) == {"shortest_edge"}:
            steps.append(_resize(size["shortest_edge"], resample, backend))
        else:
            raise UnsupportedTransform(f"size {size} is not supported (only shortest_edge or height/width)")
    if _get(p, "do_center_crop"):
        crop = _size(p, "crop_size")
        if set(crop) != {"height", "width"}:
            raise UnsupportedTransform(f"crop_size {crop} needs height and width")
        steps.append({"op": "center_crop", "size": [crop["height"], crop["width"]], "rule": rule})
    do_rescale, do_normalize = bool(_get(p, "do_rescale")), bool(_get(p, "do_normalize"))
    factor = float(_get(p, "rescale_factor", 1 / 255))
    if do_normalize:
        mean, std = _get(p, "image_mean"), _get(p, "image_std")
        mean = [mean] * 3 if np.ndim(mean) == 0 else list(mean)
        std = [std] * 3 if np.ndim(std) == 0 else list(std)
    if backend == "pil":
        if do_rescale:
            # image_transforms.rescale: (image.astype(float64) * scale).astype(float32)
            steps += [{"op": "to_float", "dtype": "float64"}, {"op": "mul", "value": factor},
                      {"op": "cast", "dtype": "float32"}]
        elif do_normalize:
            steps.append({"op": "to_float", "dtype": "float32"})
        if do_normalize:
            # image_transforms.normalize: float32 arrays, (image - mean) / std
            steps.append({"op": "normalize", "mean": f32(mean), "std": f32(std)})
    else:
        if do_rescale or do_normalize:
            steps.append({"op": "to_float", "dtype": "float32"})
        if do_rescale and do_normalize:
            # TorchvisionBackend._fuse_mean_std_and_rescale_factor: float32 tensor * (1.0 / factor)
            inverse = np.float32(1.0 / factor)
            steps.append({"op": "normalize", "mean": f32(np.float32(mean) * inverse),
                          "std": f32(np.float32(std) * inverse)})
        elif do_normalize:
            steps.append({"op": "normalize", "mean": f32(mean), "std": f32(std)})
        elif do_rescale:
            steps.append({"op": "mul", "value": factor})  # uint8 tensor * float: float32(x) * float32(factor)
    return contract(f"hf-{name}-{backend}", steps,
                    description=f"transformers {name} ({backend} backend), imported by pixelpact.from_hf")
