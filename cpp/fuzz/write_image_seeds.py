"""Writes the encoded-image fuzzer's seeds (cpp/fuzz/fuzz_encoded.cpp): small real
JPEG and PNG files of every kind the decoders handle, one file each, named
seed-KIND.jpg / seed-KIND.png.

    python cpp/fuzz/write_image_seeds.py [OUT_DIR]   (default: cpp/fuzz/corpus/encoded)

JPEG (Pillow and OpenCV's encoders): baseline 4:4:4, 4:2:2, 4:2:0, 4:1:1, 4:4:0,
progressive, grayscale, CMYK, restart markers, EXIF orientations 1..8 (both byte
orders). PNG (written byte by byte, tests/helpers/encoded.py): every colour type
at every bit depth, palettes with tRNS, grey/RGB tRNS, Adam7 interlacing, eXIf
before and after IDAT. The images are 20..45 pixels a side (odd sizes, partial
MCUs) so that the fuzzer's mutations stay fast; the committed files are the
replay corpus of ctest's fuzz_replay_encoded. Only seed-* files are rewritten:
the regression inputs beside them stay.
"""
from __future__ import annotations

import pathlib
import struct
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from helpers.encoded import cv2_jpeg, exif_block, pillow_jpeg, png  # noqa: E402


def smooth(h: int, w: int, channels: int, seed: int) -> np.ndarray:
    """Gradients plus a little noise: compresses small, still exercises every sample."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    planes = [(x * (5 + 3 * c) + y * (7 - 2 * c) + 40 * c) % 256 for c in range(channels)]
    image = np.stack(planes, axis=2) + rng.integers(0, 12, (h, w, channels))
    return np.clip(image, 0, 255).astype(np.uint8)


def with_app1(jpeg: bytes, payload: bytes) -> bytes:
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def jpegs() -> dict:
    import cv2

    image = smooth(29, 45, 3, 1)
    out = {f"subsampling-{name}": pillow_jpeg(image, quality=85, subsampling=s)
           for s, name in ((0, "444"), (1, "422"), (2, "420"))}
    for name in ("411", "440"):
        out[f"cv2-{name}"] = cv2_jpeg(image, IMWRITE_JPEG_QUALITY=85, IMWRITE_JPEG_SAMPLING_FACTOR=getattr(
            cv2, f"IMWRITE_JPEG_SAMPLING_FACTOR_{name}"))
    out["progressive-420"] = pillow_jpeg(image, quality=85, subsampling=2, progressive=True)
    out["progressive-444"] = pillow_jpeg(image, quality=85, subsampling=0, progressive=True)
    out["gray"] = pillow_jpeg(image, "L", quality=85)
    out["cmyk"] = pillow_jpeg(image, "CMYK", quality=85)
    out["restart"] = cv2_jpeg(image, IMWRITE_JPEG_QUALITY=85, IMWRITE_JPEG_RST_INTERVAL=1)
    out["tiny-1x1"] = pillow_jpeg(smooth(1, 1, 3, 2), quality=85)
    out["tall-40x3"] = pillow_jpeg(smooth(40, 3, 3, 3), quality=85, subsampling=2)
    small = smooth(21, 34, 3, 4)
    for o in range(1, 9):
        out[f"exif-{o}"] = with_app1(pillow_jpeg(small, quality=85, subsampling=2),
                                     b"Exif\x00\x00" + exif_block(o, little_endian=o % 2 == 0))
    return {f"seed-jpeg-{k}.jpg": v for k, v in out.items()}


def pngs() -> dict:
    out = {}
    h, w = 23, 31
    for depth in (1, 2, 4, 8, 16):
        samples = smooth(h, w, 1, depth).astype(np.uint32) >> (8 - min(depth, 8))
        if depth == 16:
            samples = samples * 257
        out[f"gray-{depth}"] = png(samples, 0, depth)
        palette = smooth(1, 1 << min(depth, 8), 3, depth)[0] if depth <= 8 else None
        if palette is not None:
            out[f"palette-{depth}"] = png(samples, 3, depth, palette=palette)
            out[f"palette-{depth}-trns"] = png(samples, 3, depth, palette=palette,
                                               trns=bytes(range(0, 256, 37))[:len(palette)])
    for depth in (8, 16):
        scale = 257 if depth == 16 else 1
        rgb = smooth(h, w, 3, 10 + depth).astype(np.uint32) * scale
        out[f"rgb-{depth}"] = png(rgb, 2, depth)
        out[f"rgb-{depth}-trns"] = png(rgb, 2, depth, trns=struct.pack(">HHH", *(int(v) for v in rgb[0, 0])))
        out[f"gray-alpha-{depth}"] = png(smooth(h, w, 2, 20 + depth).astype(np.uint32) * scale, 4, depth)
        out[f"rgba-{depth}"] = png(smooth(h, w, 4, 30 + depth).astype(np.uint32) * scale, 6, depth)
    out["gray-8-trns"] = png(smooth(h, w, 1, 5).astype(np.uint32), 0, 8, trns=b"\x00\x10")
    out["rgba-8-interlaced"] = png(smooth(h, w, 4, 40).astype(np.uint32), 6, 8, interlace=True)
    out["palette-2-interlaced"] = png(smooth(h, w, 1, 41).astype(np.uint32) >> 6, 3, 2,
                                      palette=smooth(1, 4, 3, 42)[0], interlace=True)
    out["gray-16-interlaced"] = png(smooth(h, w, 1, 43).astype(np.uint32) * 257, 0, 16, interlace=True)
    for o in (3, 6, 8):
        chunk = [(b"eXIf", exif_block(o, little_endian=False))]
        rgb = smooth(19, 26, 3, 50 + o).astype(np.uint32)
        out[f"exif-{o}"] = png(rgb, 2, 8, chunks_before=chunk)
        out[f"exif-{o}-after-idat"] = png(rgb, 2, 8, chunks_after=chunk)
    return {f"seed-png-{k}.png": v for k, v in out.items()}


def main() -> None:
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "cpp/fuzz/corpus/encoded"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("seed-*"):
        old.unlink()
    files = {**jpegs(), **pngs()}
    for name, data in files.items():
        (out / name).write_bytes(data)
    print(f"{len(files)} seed images, {sum(map(len, files.values()))} bytes, in {out}")


if __name__ == "__main__":
    main()
