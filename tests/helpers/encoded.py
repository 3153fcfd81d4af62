"""Encoded test images: real photographs (scikit-image's samples, no download)
re-encoded as JPEG by Pillow and OpenCV, PNG files of every colour type and bit
depth written byte by byte (so chunks Pillow cannot write, interlacing, tRNS and
metadata are covered), and the reference decode: Pillow's Image.open + convert
(+ ImageOps.exif_transpose), which run_encoded must equal."""
from __future__ import annotations

import io
import struct
import warnings
import zlib

import numpy as np
import pytest

from helpers import system


def require_decoders() -> None:
    """Skip (fail in CI) unless this build of pixelpact decodes JPEG and PNG itself."""
    import pixelpact

    found = pixelpact.decoders()
    if all(found.values()):
        return
    system.require(system.DECODERS, "decoding with libjpeg/libpng")
    pytest.fail(f"the Debian packages are installed but this pixelpact build has no decoder for "
                f"{[k for k, v in found.items() if not v]}: reinstall it (pip install .)", pytrace=False)


def photos() -> dict:
    import skimage.data

    return {"astronaut": skimage.data.astronaut(), "chelsea": skimage.data.chelsea(), "coffee": skimage.data.coffee(),
            "camera": skimage.data.camera()}


def pillow_jpeg(array: np.ndarray, mode: str = None, **options) -> bytes:
    from PIL import Image

    im = Image.fromarray(array)
    if mode:
        im = im.convert(mode)
    buf = io.BytesIO()
    im.save(buf, "JPEG", **options)
    return buf.getvalue()


def cv2_jpeg(rgb: np.ndarray, **params) -> bytes:
    import cv2

    flags = []
    for key, value in params.items():
        flags += [getattr(cv2, key), value]
    ok, data = cv2.imencode(".jpg", rgb[..., ::-1] if rgb.ndim == 3 else rgb, flags)
    assert ok
    return data.tobytes()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


_ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]  # x0, y0, dx, dy


def png(samples: np.ndarray, color_type: int, depth: int, *, palette=None, trns: bytes = None,
        interlace: bool = False, chunks_before=(), chunks_after=()) -> bytes:
    """A PNG of `samples` (H, W, channels) integer samples at `depth` bits, written
    directly (filter 0 on every row)."""
    samples = np.asarray(samples)
    if samples.ndim == 2:
        samples = samples[..., None]
    height, width = samples.shape[:2]

    def rows(block: np.ndarray) -> bytes:
        out = bytearray()
        for row in block:
            flat = row.reshape(-1).astype(np.uint32)
            if depth == 16:
                line = flat.astype(">u2").tobytes()
            elif depth == 8:
                line = flat.astype(np.uint8).tobytes()
            else:
                per = 8 // depth
                padded = np.concatenate([flat, np.zeros((-len(flat)) % per, np.uint32)]).reshape(-1, per)
                shifts = np.arange(per - 1, -1, -1, dtype=np.uint32) * depth
                line = (padded << shifts).sum(axis=1).astype(np.uint8).tobytes()
            out += b"\x00" + line
        return bytes(out)

    if interlace:
        raw = b"".join(rows(samples[y0::dy, x0::dx]) for x0, y0, dx, dy in _ADAM7
                       if samples[y0::dy, x0::dx].size)
    else:
        raw = rows(samples)
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlace else 0)
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
    for kind, data in chunks_before:
        out += _chunk(kind, data)
    if palette is not None:
        out += _chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
    if trns is not None:
        out += _chunk(b"tRNS", trns)
    out += _chunk(b"IDAT", zlib.compress(raw))
    for kind, data in chunks_after:
        out += _chunk(kind, data)
    return out + _chunk(b"IEND", b"")


def exif_block(orientation: int, little_endian: bool = True) -> bytes:
    """A TIFF-structured EXIF block (no "Exif\\0\\0" prefix) with IFD0 holding Orientation."""
    e = "<" if little_endian else ">"
    head = (b"II" if little_endian else b"MM") + struct.pack(e + "HI", 42, 8)
    ifd = struct.pack(e + "H", 2)
    ifd += struct.pack(e + "HHI", 0x010F, 2, 4) + b"pp\x00\x00"  # Make "pp"
    ifd += struct.pack(e + "HHIHH", 0x0112, 3, 1, orientation, 0)
    return head + ifd + struct.pack(e + "I", 0)


def reference_pixels(data: bytes, color: str, *, exif: bool = False) -> np.ndarray:
    """What run_encoded must decode: Image.open, (exif_transpose,) convert to the
    contract's input colour, channels reordered for BGR/BGRA."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as im, warnings.catch_warnings():
        # Pillow warns that palette transparency in bytes is better converted to
        # RGBA; converting to RGB is still what the contract promises.
        warnings.simplefilter("ignore", UserWarning)
        if exif:
            im = ImageOps.exif_transpose(im)
        array = np.array(im.convert({"RGB": "RGB", "BGR": "RGB", "GRAY": "L"}.get(color, "RGBA")))
    if color in ("BGR", "BGRA"):
        array = np.ascontiguousarray(np.concatenate([array[..., 2::-1], array[..., 3:]], axis=2))
    return array
