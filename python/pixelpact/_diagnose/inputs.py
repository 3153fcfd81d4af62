"""Candidate serving inputs: the training's decoded image, its 8 EXIF
transpositions, the RGBA policies (drop, premultiply, composite), and the same
file decoded by other JPEG decoders or decoder settings."""
from __future__ import annotations

import dataclasses
import io
import os

import numpy as np

from .._images import EXIF_TRANSPOSE, exif_orientation, pillow_array, prepare

ORIENTATION_WORDS = {1: "as stored", 2: "mirrored left-right", 3: "rotated 180 degrees",
                     4: "mirrored top-bottom", 5: "transposed (mirrored across the main diagonal)",
                     6: "rotated 90 degrees clockwise", 7: "transversed (mirrored across the anti-diagonal)",
                     8: "rotated 90 degrees counter-clockwise"}
# exif_transpose(orientation o) undone by exif_transpose(INVERSE[o]).
INVERSE = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}


@dataclasses.dataclass(frozen=True, eq=False)
class Variant:
    """An image the serving side may have fed to its preprocessing."""

    image: np.ndarray
    color: str  # contract input colour
    alpha: tuple = ()  # (("alpha", policy), ("background", [r, g, b])) for RGBA inputs
    orientation: int = 1  # EXIF_TRANSPOSE[orientation] applied to the training's image
    decoder: str | None = None  # None: the training's decode
    kinds: frozenset = frozenset()

    def input_doc(self) -> dict:
        doc = {"color": self.color}
        doc.update({k: v for k, v in self.alpha})
        return doc

    def outside_steps(self) -> list:
        """What the contract cannot state about this input, in words."""
        out = []
        if self.decoder:
            out.append(f"the file decoded by {DECODERS[self.decoder][0]}")
        if self.orientation != 1:
            out.append(f"the image {ORIENTATION_WORDS[self.orientation]} first "
                       f"(ImageOps.exif_transpose of EXIF orientation {self.orientation})")
        return out


def alpha_policy(doc_input: dict) -> tuple:
    policy = doc_input.get("alpha", "drop")
    if policy == "composite":
        return ("composite", tuple(doc_input.get("background", [255, 255, 255])))
    return (policy, None)


def variants(source: np.ndarray, from_file: bool, training_input: dict) -> list:
    """The training's input, its 7 other orientations, and the other RGBA
    policies when the image has alpha; each with the kinds it changes."""
    color = training_input["color"]
    base = np.ascontiguousarray(prepare(source, color, from_file=from_file))
    own_alpha = tuple((k, v) for k, v in training_input.items() if k in ("alpha", "background"))
    out = [Variant(base, color, own_alpha)]
    for o in range(2, 9):
        out.append(Variant(np.ascontiguousarray(EXIF_TRANSPOSE[o](base)), color, own_alpha, orientation=o,
                           kinds=frozenset({"orientation"})))
    if source.ndim == 3 and source.shape[2] == 4 and color != "GRAY":
        rgba_color = "BGRA" if color in ("BGR", "BGRA") else "RGBA"
        rgba = np.ascontiguousarray(prepare(source, rgba_color, from_file=from_file))
        own = alpha_policy(training_input) if color in ("RGBA", "BGRA") else ("drop", None)
        for policy in [("drop", None), ("premultiply", None), ("composite", (255, 255, 255)),
                       ("composite", (0, 0, 0))]:
            if policy == own:
                continue
            alpha = (("alpha", policy[0]),) + ((("background", list(policy[1])),) if policy[1] else ())
            out.append(Variant(rgba, rgba_color, alpha, kinds=frozenset({"alpha"})))
    return out


def reoriented(variant: Variant, image: np.ndarray, decoder: str, from_file: bool) -> Variant:
    """`variant`'s colour, alpha policy and orientation applied to another decode."""
    prepared = prepare(image, variant.color, from_file=from_file)
    return dataclasses.replace(variant, image=np.ascontiguousarray(EXIF_TRANSPOSE[variant.orientation](prepared)),
                               decoder=decoder, kinds=variant.kinds | {"decode"})


# ---- other JPEG decoders ------------------------------------------------------------


def _pillow_config(data: bytes, scale: int, fast: bool):
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        if scale > 1:
            im.draft(im.mode, (max(im.size[0] // scale, 1), max(im.size[1] // scale, 1)))
        if fast:
            # libjpeg's draft flag in Pillow's decoder: JDCT_IFAST and no fancy upsampling
            # (what TurboJPEG's TJFLAG_FASTDCT | TJFLAG_FASTUPSAMPLE decode).
            im.decoderconfig = (im.decoderconfig[0] if im.decoderconfig else 1, 1)
        return pillow_array(im)


def _opencv(data: bytes):
    import cv2

    flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    out = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    return None if out is None else np.ascontiguousarray(out[..., ::-1])


def _torchvision(data: bytes):
    import torch
    from torchvision.io import ImageReadMode, decode_jpeg

    tensor = decode_jpeg(torch.frombuffer(bytearray(data), dtype=torch.uint8), mode=ImageReadMode.RGB)
    return tensor.permute(1, 2, 0).contiguous().numpy()


DECODERS = {
    "opencv": ("OpenCV (cv2.imdecode / cv2.imread)", _opencv),
    "torchvision": ("torchvision.io.decode_jpeg", _torchvision),
    "libjpeg-fast": ("libjpeg with its fast settings (JDCT_IFAST integer IDCT, no fancy chroma upsampling: "
                     "Pillow's draft flag, TurboJPEG TJFLAG_FASTDCT | TJFLAG_FASTUPSAMPLE)",
                     lambda d: _pillow_config(d, 1, True)),
}
for _s in (2, 4, 8):
    DECODERS[f"dct-scale-{_s}"] = (
        f"libjpeg DCT-domain scaling by 1/{_s} (Image.draft / Image.thumbnail, "
        f"cv2.IMREAD_REDUCED_COLOR_{_s})", lambda d, s=_s: _pillow_config(d, s, False))
    DECODERS[f"dct-scale-{_s}-fast"] = (
        f"libjpeg DCT-domain scaling by 1/{_s} with the fast IDCT and upsampling",
        lambda d, s=_s: _pillow_config(d, s, True))


def is_jpeg(path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(3) == b"\xff\xd8\xff"
    except OSError:
        return False


def decodes(path, training: np.ndarray, exif_transpose: bool) -> list:
    """[(decoder name, array)] of the other decoders available here whose pixels
    differ from the training's decode (RGB/RGBA/L as pixelpact decodes)."""
    if path is None or not is_jpeg(path):
        return []
    with open(os.fspath(path), "rb") as f:
        data = f.read()
    orientation = exif_orientation(path) if exif_transpose else 1
    out, seen = [], [training]
    for name, (_, decode) in DECODERS.items():
        try:
            image = decode(data)
        except Exception:  # noqa: BLE001 - a decoder that is missing or refuses the file is skipped
            continue
        if image is None:
            continue
        if training.ndim == 2 and image.ndim == 3:
            continue  # a grayscale JPEG another decoder expanded: same pixels, other shape
        image = np.ascontiguousarray(EXIF_TRANSPOSE[orientation](image))
        if any(s.shape == image.shape and np.array_equal(s, image) for s in seen):
            continue
        seen.append(image)
        out.append((name, image))
    return out
