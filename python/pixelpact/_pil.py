"""PIL images as a contract's input array: the one rule every entry point uses
(``Pipeline`` calls, ``pixelpact.torch``, ``pixelpact.ray``, ``pixelpact run``).

A contract states how an image becomes RGB pixels in Pillow's terms: an RGB,
BGR or GRAY input is ``image.convert("RGB")`` (what torchvision's ``ImageFolder``
and timm's datasets do), and ``input.alpha`` says what an RGBA image's alpha did
in training ('drop': ``convert("RGB")``; 'composite': Hugging Face's
``convert_to_rgb``; 'premultiply': the RGBA image itself through Pillow-based
transforms). The rule below gives the kernel exactly those pixels, and refuses an
image whose pixels the contract does not determine. docs/integrations.md has the
table and the reasons.
"""
from __future__ import annotations

import numpy as np

# Pillow modes whose values are not 8-bit: a contract takes bytes, and libraries
# reduce these differently (Pillow's convert clamps I;16 above 255, libpng keeps
# the high byte), so no reduction is the training one by default.
_WIDE = ("I", "F")


def is_pil_image(obj) -> bool:
    """A PIL.Image.Image, recognised without importing Pillow."""
    return type(obj).__module__.startswith("PIL.") and hasattr(obj, "getbands") and hasattr(obj, "mode")


def _has_transparency(image) -> bool:
    """Hugging Face's test (transformers.image_transforms.convert_to_rgb): an alpha
    band, or a transparency key in ``info`` (palette, L and RGB PNGs, GIFs)."""
    return "A" in image.getbands() or image.info.get("transparency") is not None


def _convert(image, mode: str) -> np.ndarray:
    try:
        return np.asarray(image.convert(mode))
    except ValueError as err:
        raise ValueError(f"a PIL image of mode {image.mode}: Pillow cannot convert it to {mode} ({err})") from None


def _opaque(image, mode: str, contract_color: str) -> np.ndarray:
    """The image as ``mode`` + alpha (LA or RGBA) when every pixel is opaque, its
    colour bands only; every alpha policy gives these pixels. Otherwise refused."""
    with_alpha = _convert(image, mode)
    alpha = with_alpha[..., -1]
    if not np.all(alpha == 255):
        count = int(np.count_nonzero(alpha != 255))
        raise ValueError(
            f"a PIL image of mode {image.mode} with transparency ({count} of {alpha.size} pixels have alpha < 255), "
            f"and the contract's input is {contract_color}: it does not say what alpha did in training. Use a "
            "contract with input color RGBA and input.alpha ('drop' = convert('RGB'), as torchvision's ImageFolder "
            "does; 'composite' = Hugging Face's convert_to_rgb; 'premultiply' = the RGBA image through Pillow-based "
            "transforms), or convert the image yourself the way training did")
    return with_alpha[..., 0] if mode == "LA" else with_alpha[..., :3]


def _with_opaque_alpha(rgb: np.ndarray) -> np.ndarray:
    out = np.empty(rgb.shape[:2] + (4,), np.uint8)
    out[..., :3] = rgb
    out[..., 3] = 255
    return out


def pil_to_input(image, color: str, alpha) -> np.ndarray:
    """The uint8 array the contract's kernel takes for this PIL image.

    color: the contract's input color; alpha: its input.alpha (RGBA/BGRA only).
    Raises ValueError (naming the mode and the reason) for an image whose pixels
    the contract does not determine."""
    mode = image.mode
    if mode in _WIDE or mode.startswith("I;16"):
        raise ValueError(
            f"a PIL image of mode {mode} holds values wider than 8 bits; a contract takes 8-bit pixels and libraries "
            "reduce them differently (Pillow's convert clamps values above 255, libpng keeps the high byte): convert "
            "it to 8 bits the way training did")
    if color == "GRAY":
        if mode not in ("L", "1", "LA", "La"):
            raise ValueError(
                f"a PIL image of mode {mode} for a GRAY contract: it takes gray images (modes L, 1, or LA when "
                "opaque); making gray from colour is a rule the contract does not state")
        if mode == "L" and not _has_transparency(image):
            return np.asarray(image)
        if mode == "1":
            return _convert(image, "L")  # 0 and 255, as convert("RGB") replicates them
        return _opaque(image, "LA", color)
    if color in ("RGB", "BGR"):
        if mode == "RGB":
            rgb = np.asarray(image)  # a transparency key on an RGB image: every library ignores it
        elif _has_transparency(image) or "a" in image.getbands():
            rgb = _opaque(image, "RGBA", color)
        else:
            rgb = _convert(image, "RGB")
        return rgb[..., ::-1] if color == "BGR" else rgb
    # RGBA / BGRA: the contract's alpha policy makes it RGB; feed it what that policy reads.
    policy = alpha or "drop"
    if policy == "drop":  # convert("RGB"): Pillow's RGBA -> RGB drops alpha, the kernel does the same
        rgba = np.asarray(image) if mode == "RGBA" else _with_opaque_alpha(_convert(image, "RGB"))
    elif policy == "composite":  # Hugging Face convert_to_rgb, word for word
        if _has_transparency(image):
            rgba = np.asarray(image) if mode == "RGBA" else _convert(image, "RGBA")
        else:
            rgba = _with_opaque_alpha(np.asarray(image) if mode == "RGB" else _convert(image, "RGB"))
    elif policy == "premultiply":  # the RGBA (or RGB) PIL image itself through Pillow-based transforms
        if mode == "RGBA":
            rgba = np.asarray(image)
        elif mode == "RGB":  # opaque: Pillow's premultiplied resize gives its plain RGB resize
            rgba = _with_opaque_alpha(np.asarray(image))
        else:
            raise ValueError(
                f"a PIL image of mode {mode} for an alpha 'premultiply' contract, which states what Pillow-based "
                "transforms compute on an RGBA (or RGB) image; Pillow resamples other modes differently (P and 1 "
                "nearest only, LA as La): convert it to RGBA first if training did")
    else:  # pragma: no cover - the schema admits no other policy
        raise ValueError(f"unknown input.alpha {policy!r}")
    return rgba[..., [2, 1, 0, 3]] if color == "BGRA" else rgba
