"""pixelpact.from_torchvision: torchvision v1/v2 (and timm eval) pipelines as contracts.

``input`` says what the pipeline is fed, since the same transforms compute
different pixels on each: ``"pil"`` (a PIL RGB image: Pillow resamples) or
``"tensor"`` (a uint8 CHW tensor: torch resamples, on its native uint8 path for
v2 and on a float path for v1). Anything that is random, or not stated exactly
by a contract, raises UnsupportedTransform.

``input_color`` says what the caller will pass to the contract. torchvision's
transforms never make an image RGB themselves: an L image stays 1-channel and an
RGBA PIL image stays RGBA (Pillow resizes it premultiplied, ``ToTensor`` keeps 4
channels, a 3-value ``Normalize`` raises). What made it RGB in training was the
loader, so for RGBA the caller must say which (``alpha``): ``"drop"`` is
``convert("RGB")`` before the transform (torchvision's ``ImageFolder`` loader,
timm's datasets); ``"premultiply"`` is the RGBA image itself through the
transforms, the contract giving the colour channels of the 4-channel result
(Pillow input only; refused when a 3-value ``Normalize`` would raise).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._common import UnsupportedTransform, contract, describe, f32, size_hw

_MODES = {"nearest": "nearest", "nearest-exact": "nearest", "bilinear": "bilinear", "bicubic": "bicubic",
          "box": "box", "hamming": "hamming", "lanczos": "lanczos"}


def _interpolation(mode: Any, where: str) -> str:
    value = getattr(mode, "value", mode)
    if isinstance(value, int):  # a PIL resampling int (timm passes strings, torchvision accepts ints)
        from ._common import PIL_FILTERS

        value = PIL_FILTERS.get(value, value)
    if value not in _MODES:
        raise UnsupportedTransform(f"{where}: interpolation {mode!r} is not supported (a random choice?)")
    return _MODES[value]


def _flatten(transform: Any) -> list:
    inner = getattr(transform, "transforms", None)
    if type(transform).__name__ == "Compose" and inner is not None:
        out = []
        for t in inner:
            out += _flatten(t)
        return out
    return [transform]


def _fill(fill: Any, where: str) -> Any:
    if fill is None:
        return 0
    if isinstance(fill, dict):
        raise UnsupportedTransform(f"{where}: a per-type fill dict is not supported")
    values = [fill] if isinstance(fill, (int, float)) else list(fill)
    if any(float(v) != int(v) or not 0 <= int(v) <= 255 for v in values):
        raise UnsupportedTransform(f"{where}: fill {fill!r} is not a byte value per channel")
    values = [int(v) for v in values]
    if len(values) not in (1, 3):
        raise UnsupportedTransform(f"{where}: fill {fill!r} needs 1 or 3 values")
    return values[0] if len(values) == 1 else values


INPUT_COLORS = ("RGB", "BGR", "RGBA", "BGRA", "GRAY")
ALPHAS = ("drop", "premultiply")


def from_torchvision(transform: Any, input: str = "pil", *, input_color: str = "RGB",
                     alpha: str | None = None) -> dict:
    """A contract equal to ``transform`` applied to an RGB image given as ``input``
    ("pil": PIL.Image; "tensor": a uint8 (3, H, W) tensor).

    input_color: what the caller passes to the contract. "RGB" (default) or "BGR"
    (the same image in cv2's order); "GRAY": a gray image made RGB by
    ``convert("RGB")`` before the transform; "RGBA"/"BGRA" with ``alpha`` "drop"
    (``convert("RGB")`` before the transform) or "premultiply" (the RGBA PIL image
    itself through the transforms; the contract is the colour channels of
    torchvision's 4-channel result). See the module docstring."""
    if input not in ("pil", "tensor"):
        raise ValueError(f"input must be 'pil' or 'tensor', got {input!r}")
    _check_color(input, input_color, alpha)
    doc = _from_torchvision(transform, input)
    return _with_input(doc, input, input_color, alpha)


def _check_color(input: str, input_color: str, alpha: str | None) -> None:
    if input_color not in INPUT_COLORS:
        raise ValueError(f"input_color must be one of {', '.join(INPUT_COLORS)}, got {input_color!r}")
    if alpha is not None and alpha not in ALPHAS + ("composite",):
        raise ValueError(f"alpha must be 'drop' or 'premultiply' (or None), got {alpha!r}")
    if input_color not in ("RGBA", "BGRA"):
        if alpha is not None:
            raise ValueError(f"alpha applies to input_color RGBA or BGRA, not {input_color}")
        return
    if alpha is None:
        raise UnsupportedTransform(
            f"input_color {input_color}: torchvision does not make an RGBA image RGB (ToTensor keeps 4 channels, a "
            "3-value Normalize raises); say what did in training: alpha='drop' (convert('RGB') before the "
            "transform, as torchvision's ImageFolder loader does) or alpha='premultiply' (the RGBA image itself "
            "through Pillow-based transforms, the colour channels of the result)")
    if alpha == "composite":
        raise UnsupportedTransform("alpha 'composite': torchvision never composites alpha onto a background "
                                   "(Hugging Face's convert_to_rgb does: use pixelpact.from_hf)")
    if alpha == "premultiply" and input != "pil":
        raise UnsupportedTransform("alpha 'premultiply' is what Pillow does to an RGBA PIL image; on a tensor "
                                   "torch resizes every channel alone, so use alpha='drop' for input='tensor'")


_COLOR_NOTES = {"GRAY": "; a GRAY image is made RGB by convert('RGB') first",
                "drop": "; an RGBA image is made RGB by convert('RGB') first (alpha dropped)",
                "premultiply": "; the RGBA PIL image goes through the transforms (Pillow resizes it premultiplied), "
                               "the tensor is the colour channels of the result"}


def _with_input(doc: dict, input: str, input_color: str, alpha: str | None) -> dict:
    doc["input"] = {"color": input_color}
    doc["description"] += _COLOR_NOTES.get(alpha or input_color, "")
    if alpha is None:
        return doc
    doc["input"]["alpha"] = alpha
    if alpha == "premultiply":
        for i, step in enumerate(doc["steps"]):
            if step["op"] == "normalize" and (len(step["mean"]) == 3 or len(step["std"]) == 3):
                raise UnsupportedTransform(
                    f"alpha 'premultiply': step {i} is a Normalize with 3 values, which torchvision applies to "
                    "an RGBA image's 4 channels and raises; use alpha='drop' if the loader made it RGB")
        from .._contract import ContractError, validate

        try:
            validate(doc)
        except ContractError as err:
            raise UnsupportedTransform(f"alpha 'premultiply' with this pipeline: {err}") from None
    return doc


def _from_torchvision(transform: Any, input: str) -> dict:
    steps: list[dict] = []
    dtype = None  # the float dtype once pixels are floats
    tensor = input == "tensor"
    for i, t in enumerate(_flatten(transform)):
        name = type(t).__name__
        module = type(t).__module__
        v2 = ".v2." in module or module.endswith(".v2")
        where = f"transform {i} ({describe(t)})"
        if name.startswith("Random") or name in ("Lambda", "AutoAugment", "RandAugment", "TrivialAugmentWide",
                                                 "AugMix", "ColorJitter", "GaussianBlur", "RandomApply"):
            raise UnsupportedTransform(f"{where}: random or arbitrary transforms have no exact contract")
        geometric = name in ("Resize", "ResizeKeepRatio", "CenterCrop", "CenterCropOrPad", "Pad")
        if geometric and dtype is not None:
            raise UnsupportedTransform(f"{where}: geometry after the float conversion is not supported")
        if name == "Resize":
            interpolation = _interpolation(t.interpolation, where)
            size, max_size = t.size, getattr(t, "max_size", None)
            step: dict = {"op": "resize", "interpolation": interpolation}
            if size is None:
                step.update(size=int(max_size), keep_ratio="longer")
            elif isinstance(size, int) or len(size) == 1:
                step["size"] = int(size if isinstance(size, int) else size[0])
                if max_size is not None:
                    step["max_size"] = int(max_size)
            else:
                step["size"] = size_hw(size)
            if tensor:
                if not v2:
                    raise UnsupportedTransform(f"{where}: v1 Resize on a tensor resamples in float32; only v2's "
                                               "uint8 path (the 'torch' engine) is supported")
                if interpolation == "nearest":
                    raise UnsupportedTransform(f"{where}: nearest on tensors is not supported")
                step.update(antialias=bool(t.antialias), engine="torch")
            else:
                step["engine"] = "pillow"
            steps.append(step)
        elif name == "ResizeKeepRatio":  # timm
            if t.random_scale_prob or t.random_aspect_prob or tensor:
                raise UnsupportedTransform(f"{where}: random scale/aspect or tensor input is not supported")
            if t.longest not in (0, 1):
                raise UnsupportedTransform(f"{where}: longest={t.longest} (only 0 or 1) is not supported")
            steps.append({"op": "resize", "size": size_hw(t.size),
                          "keep_ratio": "not_larger" if t.longest else "not_smaller",
                          "interpolation": _interpolation(t.interpolation, where), "engine": "pillow"})
        elif name == "CenterCrop":
            steps.append({"op": "center_crop", "size": size_hw(t.size), "rule": "torchvision"})
        elif name == "CenterCropOrPad":  # timm
            if t.padding_mode != "constant":
                raise UnsupportedTransform(f"{where}: padding_mode {t.padding_mode!r} is not supported")
            steps.append({"op": "center_crop", "size": size_hw(t.size), "rule": "torchvision",
                          "fill": _fill(t.fill, where)})
        elif name == "Pad":
            if t.padding_mode != "constant":
                raise UnsupportedTransform(f"{where}: padding_mode {t.padding_mode!r} is not supported")
            padding = t.padding
            padding = [int(padding)] if isinstance(padding, int) else [int(p) for p in padding]
            if any(p < 0 for p in padding):
                raise UnsupportedTransform(f"{where}: negative padding is not supported")
            steps.append({"op": "pad", "padding": padding, "fill": _fill(t.fill, where)})
        elif name in ("ToTensor", "MaybeToTensor"):
            if tensor and name == "ToTensor":
                raise UnsupportedTransform(f"{where}: ToTensor takes a PIL image, not a tensor")
            if dtype is not None:
                raise UnsupportedTransform(f"{where}: a second float conversion")
            # to_tensor: torch.from_numpy(...).to(float32).div(255)
            steps += [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}]
            dtype, tensor = "float32", True
        elif name in ("PILToTensor", "ToImage", "MaybePILToTensor", "ToPureTensor"):
            tensor = True
        elif name in ("ToDtype", "ConvertImageDtype"):
            import torch

            target = t.dtype
            if isinstance(target, dict):
                raise UnsupportedTransform(f"{where}: a per-type dtype dict is not supported")
            names = {torch.float32: "float32", torch.float64: "float64"}
            if target == torch.uint8 and dtype is None:
                continue
            if target not in names:
                raise UnsupportedTransform(f"{where}: conversion to {target} is not supported")
            scale = name == "ConvertImageDtype" or bool(getattr(t, "scale", False))
            if dtype is None:
                steps.append({"op": "to_float", "dtype": names[target]})
                if scale:
                    # v1 convert_image_dtype: image.to(dtype) / 255; v2 to_dtype: .mul_(1.0 / 255)
                    steps.append({"op": "div", "value": 255} if name == "ConvertImageDtype"
                                 else {"op": "mul", "value": 1.0 / 255})
            elif names[target] != dtype:
                steps.append({"op": "cast", "dtype": names[target]})  # float to float: a plain .to(dtype)
            dtype = names[target]
            tensor = True
        elif name == "Normalize":
            if dtype is None:
                raise UnsupportedTransform(f"{where}: Normalize needs float input")
            if getattr(t, "inplace", False) not in (False, True):
                raise UnsupportedTransform(where)
            # F.normalize: mean/std as tensors of the image dtype; x.sub_(mean).div_(std)
            cast = f32 if dtype == "float32" else (lambda v: [float(x) for x in v])
            mean, std = (np.atleast_1d(np.asarray(v, dtype=np.float64)).tolist() for v in (t.mean, t.std))
            if len(mean) not in (1, 3) or len(std) not in (1, 3):
                raise UnsupportedTransform(f"{where}: a contract's mean and std have 1 or 3 values")
            steps.append({"op": "normalize", "mean": cast(mean), "std": cast(std)})
        elif name == "Identity":
            continue
        else:
            raise UnsupportedTransform(f"{where}: {name} is not supported")
    if dtype is None:
        return contract("torchvision", steps, layout="CHW" if tensor else "HWC", dtype="uint8",
                        description=f"torchvision pipeline on {input} input, imported by pixelpact.from_torchvision")
    if dtype != "float32":
        raise UnsupportedTransform(f"the pipeline ends in {dtype}; contracts output float32, float16 or uint8")
    return contract("torchvision", steps, layout="CHW", dtype="float32",
                    description=f"torchvision pipeline on {input} input, imported by pixelpact.from_torchvision")
