"""Images as the command line, golden samples and diagnosis read them: decoding a
file with Pillow (as a training pipeline's Image.open does) and fitting a decoded
array to a contract's input colour. Pillow is imported only when a file is decoded."""
from __future__ import annotations

import os
from typing import Union

import numpy as np

ImageSource = Union[str, os.PathLike, np.ndarray]

# EXIF orientation -> the transposition ImageOps.exif_transpose applies, on an (H, W, ...) array.
EXIF_TRANSPOSE = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],  # FLIP_LEFT_RIGHT
    3: lambda a: a[::-1, ::-1],  # ROTATE_180
    4: lambda a: a[::-1],  # FLIP_TOP_BOTTOM
    5: lambda a: np.swapaxes(a, 0, 1),  # TRANSPOSE
    6: lambda a: np.rot90(a, -1),  # ROTATE_270: 90 degrees clockwise
    7: lambda a: np.rot90(a, 2).swapaxes(0, 1),  # TRANSVERSE
    8: lambda a: np.rot90(a, 1),  # ROTATE_90: 90 degrees counter-clockwise
}


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("decoding image files needs Pillow (pip install pillow); "
                          "or pass a .npy file holding a uint8 (H, W, C) array") from None
    return Image


def pillow_array(im) -> np.ndarray:
    """A PIL image as the uint8 array pixelpact reads: RGB, RGBA (alpha or
    transparency kept), or (H, W) for grayscale, as `pixelpact run` decodes."""
    mode = {"RGBA": "RGBA", "L": "L", "LA": "RGBA", "P": "RGBA" if "transparency" in im.info else "RGB",
            "PA": "RGBA"}
    return np.array(im.convert(mode.get(im.mode, "RGB")))


def exif_orientation(path) -> int:
    """The EXIF orientation tag of an image file (1 when absent or unreadable)."""
    Image = _pillow()
    try:
        with Image.open(path) as im:
            value = im.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - any unreadable EXIF block means "no orientation"
        return 1
    return int(value) if value in EXIF_TRANSPOSE else 1


def decode_file(path, *, exif_transpose: bool = False) -> np.ndarray:
    """The file decoded by Pillow (Image.open, then RGB/RGBA/L as above), rotated
    per its EXIF orientation when exif_transpose (ImageOps.exif_transpose)."""
    Image = _pillow()
    with Image.open(path) as im:
        array = pillow_array(im)
    if exif_transpose:
        array = np.ascontiguousarray(EXIF_TRANSPOSE[exif_orientation(path)](array))
    return array


def read_image(source: ImageSource) -> tuple[np.ndarray, bool]:
    """(uint8 array, came_from_an_image_file): a numpy array as is, a .npy file
    loaded, any other path decoded by Pillow."""
    if isinstance(source, np.ndarray):
        return source, False
    path = os.fspath(source)
    if path.endswith(".npy"):
        return np.load(path, allow_pickle=False), False
    return decode_file(path), True


def prepare(image: np.ndarray, color: str, *, from_file: bool) -> np.ndarray:
    """The array a contract with input colour `color` takes, from a decoded image:
    grayscale replicated and alpha dropped for RGB/BGR (Pillow's convert("RGB")),
    channels reversed for BGR/BGRA when the image came from a file (decoders give
    RGB order; a .npy array is taken to be in the contract's order already)."""
    if color in ("RGB", "BGR", "RGBA", "BGRA") and image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if color in ("RGB", "BGR") and image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]
    if color in ("RGBA", "BGRA") and image.ndim == 3 and image.shape[2] == 3:
        image = np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], axis=2)
    if color in ("BGR", "BGRA") and from_file:
        image = np.concatenate([image[..., 2::-1], image[..., 3:]], axis=2)
    if color == "GRAY" and image.ndim == 3:
        if image.shape[2] != 1:
            raise ValueError(f"the contract's input color is GRAY; the image has {image.shape[2]} channels")
    return image
