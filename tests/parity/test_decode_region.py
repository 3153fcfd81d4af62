"""Decoding only what the tensor needs: run_encoded decodes, of a JPEG, only the
rows and columns the plan reads (jpeg_skip_scanlines / jpeg_crop_scanline,
widened by one iMCU so that chroma upsampling sees its neighbours). Proven
identical to Pillow's whole decode on every subsampling, at windows touching
every edge and every iMCU phase, on odd sizes, baseline and progressive, with
and without EXIF orientation."""
from __future__ import annotations

import pytest

import pixelpact
from helpers import assert_same, contract, noise
from helpers.encoded import cv2_jpeg, exif_block, photos, pillow_jpeg, reference_pixels, require_decoders


@pytest.fixture(autouse=True)
def _decoders():
    require_decoders()


def crop_contract(top, left, height, width, color="RGB", orientation="ignore"):
    return {"pixelpact": 1, "input": {"color": color, "decode": {"orientation": orientation}},
            "steps": [{"op": "crop", "top": top, "left": left, "height": height, "width": width}],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def files(h, w):
    image = photos()["coffee"][:h, :w]
    import cv2

    out = {f"pillow-{s}": pillow_jpeg(image, quality=90, subsampling=s) for s in (0, 1, 2)}
    out["progressive-420"] = pillow_jpeg(image, quality=90, subsampling=2, progressive=True)
    out["gray"] = pillow_jpeg(image, "L", quality=90)
    out["cmyk"] = pillow_jpeg(image, "CMYK", quality=90)
    for name in ("411", "440"):
        out[f"cv2-{name}"] = cv2_jpeg(image, IMWRITE_JPEG_QUALITY=90, IMWRITE_JPEG_SAMPLING_FACTOR=getattr(
            cv2, f"IMWRITE_JPEG_SAMPLING_FACTOR_{name}"))
    out["restart"] = cv2_jpeg(image, IMWRITE_JPEG_QUALITY=90, IMWRITE_JPEG_RST_INTERVAL=2)
    return out


def windows(h, w):
    """Windows at every edge and at offsets around the 8/16/32-pixel iMCU phases."""
    starts_y = sorted({0, 1, 7, 8, 15, 16, 17, 31, 33, h // 2, h - 17, h - 16, h - 9, h - 1})
    starts_x = sorted({0, 1, 7, 9, 15, 16, 31, 32, 33, w // 2 + 3, w - 33, w - 16, w - 2, w - 1})
    for y in starts_y:
        for x in starts_x:
            for hh, ww in ((1, 1), (5, 40), (37, 3), (h - y, w - x)):
                if 0 <= y and 0 <= x and y + hh <= h and x + ww <= w and hh > 0 and ww > 0:
                    yield y, x, hh, ww


@pytest.mark.slow
@pytest.mark.parametrize("size", [(77, 123), (64, 96), (161, 203)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_windows_equal_pillow_whole_decode(size):
    h, w = size
    checked = 0
    for name, data in files(h, w).items():
        for color in ("RGB", "GRAY", "BGRA"):
            if name not in ("pillow-2", "cmyk", "gray") and color != "RGB":
                continue
            whole = reference_pixels(data, color)
            for y, x, hh, ww in windows(h, w):
                pipe = pixelpact.load(crop_contract(y, x, hh, ww, color))
                assert_same(pipe.run_encoded(data), pipe(whole))
                checked += 1
    assert checked > 500


def test_imagenet_contract_on_a_16_9_photo():
    """Resize(256) + CenterCrop(224) of a 16:9 picture reads about half the columns."""
    from PIL import Image
    import numpy as np

    pipe = pixelpact.load(contract("resnet50_imagenet_eval"))
    for h, w in [(1080, 1920), (333, 601), (601, 333)]:
        image = np.asarray(Image.fromarray(photos()["astronaut"]).resize((w, h), Image.BICUBIC))
        for sub in (0, 1, 2):
            data = pillow_jpeg(image, quality=90, subsampling=sub)
            assert_same(pipe.run_encoded(data), pipe(reference_pixels(data, "RGB")))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_windows_through_every_orientation(orientation):
    import struct

    base = pillow_jpeg(noise(45, 70, 3, seed=orientation), quality=90, subsampling=2)
    payload = b"Exif\x00\x00" + exif_block(orientation)
    data = base[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + base[2:]
    upright = reference_pixels(data, "RGB", exif=True)
    h, w = upright.shape[:2]
    for y, x, hh, ww in [(0, 0, 5, 7), (h - 9, w - 20, 9, 20), (17, 3, 11, 30), (h // 2, w // 2, 1, 1)]:
        pipe = pixelpact.load(crop_contract(y, x, hh, ww, orientation="exif"))
        assert_same(pipe.run_encoded(data), pipe(upright))


def test_truncation_below_the_window_is_still_refused():
    data = pillow_jpeg(photos()["coffee"][:200, :300], quality=90)
    pipe = pixelpact.load(crop_contract(0, 0, 8, 8))
    with pytest.raises(ValueError, match="truncated"):
        pipe.run_encoded(data[: len(data) * 3 // 4])


def corrupted(data: bytes, seed: int) -> bytes:
    """`data` with a few bytes of its entropy-coded scan overwritten (not its
    markers): libjpeg decodes past such damage with a warning, as Pillow does."""
    import numpy as np

    rng = np.random.default_rng(seed)
    start = data.rindex(b"\xff\xda") + 20
    out = bytearray(data)
    for at in rng.integers(start, len(data) - 4, 3):
        out[at] = int(rng.integers(0, 255))  # never 0xFF: no new marker
    return bytes(out)


def test_corrupt_scan_data_decodes_as_the_whole_image_does():
    """Regression (cpp/fuzz/fuzz_encoded.cpp): with corrupt entropy data, skipping
    rows or cropping columns gave other pixels than a whole decode. A region
    decode that meets corrupt data now decodes the whole image."""
    import pathlib

    found = (pathlib.Path(__file__).resolve().parents[2] / "cpp/fuzz/corpus/encoded/region-corrupt-data-420.jpg")
    cases = [found.read_bytes()]
    image = photos()["coffee"][:90, :131]
    for sub in (0, 1, 2):
        for progressive in (False, True):
            clean = pillow_jpeg(image, quality=90, subsampling=sub, progressive=progressive)
            cases += [corrupted(clean, seed) for seed in range(4)]
    checked = 0
    for data in cases:
        try:
            whole = reference_pixels(data, "RGB")
        except OSError:  # damage Pillow refuses: not this test's case
            continue
        h, w = whole.shape[:2]
        for y, x, hh, ww in [(h // 2 - 3, w // 2 - 5, 7, 11), (17, 21, 9, 10), (0, 0, 5, 5), (h - 8, w - 9, 8, 9)]:
            pipe = pixelpact.load(crop_contract(y, x, hh, ww))
            assert_same(pipe.run_encoded(data), pipe(whole))
            checked += 1
    assert checked >= 40
