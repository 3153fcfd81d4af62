"""How far other decoders are from Pillow's pixels (the reference of
run_encoded): torchvision.io.decode_image / decode_jpeg (with and without
apply_exif_orientation) and cv2.imdecode, on real photographs re-encoded as
JPEG and PNG. Prints the markdown table of docs/decoding.md.

    python benchmarks/decoder_agreement.py
"""
from __future__ import annotations

import io
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers.encoded import cv2_jpeg, exif_block, photos, pillow_jpeg, png, reference_pixels  # noqa: E402


def cases():
    chelsea = photos()["chelsea"]
    coffee = photos()["coffee"]
    for sub, name in [(0, "4:4:4"), (1, "4:2:2"), (2, "4:2:0")]:
        for q in (75, 90):
            yield f"JPEG {name} q{q}", pillow_jpeg(coffee, quality=q, subsampling=sub)
    yield "JPEG 4:2:0 q90 progressive", pillow_jpeg(coffee, quality=90, progressive=True)
    yield "JPEG 4:2:0 q90, odd size 301x451", pillow_jpeg(chelsea[:-1, :], quality=90)
    import cv2

    yield "JPEG 4:1:1 (OpenCV)", cv2_jpeg(coffee, IMWRITE_JPEG_SAMPLING_FACTOR=cv2.IMWRITE_JPEG_SAMPLING_FACTOR_411)
    yield "JPEG 4:4:0 (OpenCV)", cv2_jpeg(coffee, IMWRITE_JPEG_SAMPLING_FACTOR=cv2.IMWRITE_JPEG_SAMPLING_FACTOR_440)
    yield "JPEG grayscale", pillow_jpeg(coffee, "L", quality=90)
    yield "JPEG CMYK", pillow_jpeg(coffee, "CMYK", quality=90)
    base = pillow_jpeg(chelsea, quality=90)
    for o in (3, 6, 8):
        payload = b"Exif\x00\x00" + exif_block(o)
        yield f"JPEG EXIF orientation {o}", base[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + base[2:]
    rgb = chelsea.astype(np.uint32)
    yield "PNG RGB 8-bit", png(rgb, 2, 8)
    yield "PNG RGB 16-bit", png(rgb * 257, 2, 16)
    yield "PNG gray 16-bit (values < 256)", png(rgb[..., :1], 0, 16)
    yield "PNG gray 16-bit (full range)", png(rgb[..., :1] * 257, 0, 16)
    yield "PNG palette", png(rgb[..., 0] // 2, 3, 8, palette=np.stack([np.arange(256)] * 3, 1) // 1)


def differ(a, b):
    if a is None:
        return "fails"
    if a.dtype != b.dtype:
        return f"{a.dtype} pixels (Pillow: {b.dtype})"
    if a.shape != b.shape:
        return f"shape {a.shape[:2]} vs {b.shape[:2]}"
    d = np.abs(a.astype(np.int32) - b.astype(np.int32))
    if not d.any():
        return "identical"
    return f"max {d.max()}, {100 * np.count_nonzero(d) / d.size:.1f}% of values"


def main():
    import cv2
    import torch
    from torchvision.io import ImageReadMode, decode_image, decode_jpeg

    rows = []
    for name, data in cases():
        exif = "orientation" in name
        expected = reference_pixels(data, "RGB", exif=exif)
        tensor = torch.frombuffer(bytearray(data), dtype=torch.uint8)

        def tv(fn, **kw):
            try:
                return fn(tensor, mode=ImageReadMode.RGB, **kw).permute(1, 2, 0).numpy()
            except Exception:  # noqa: BLE001
                return None

        is_jpeg = name.startswith("JPEG")
        got_cv = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        got_cv = None if got_cv is None else got_cv[..., ::-1]
        got_cv_raw = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        got_cv_raw = None if got_cv_raw is None else got_cv_raw[..., ::-1]
        rows.append([name,
                     differ(tv(decode_image, apply_exif_orientation=exif), expected),
                     differ(tv(decode_jpeg, apply_exif_orientation=exif), expected) if is_jpeg else "n/a",
                     differ(got_cv if exif else got_cv_raw, expected)])
    import PIL
    import torchvision

    print(f"Reference: Pillow {PIL.__version__} Image.open + convert('RGB') (+ ImageOps.exif_transpose for the "
          f"orientation rows). torchvision {torchvision.__version__}, OpenCV {cv2.__version__}.\n")
    print("| file | torchvision.io.decode_image | torchvision.io.decode_jpeg | cv2.imdecode |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
