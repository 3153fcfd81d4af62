"""run_encoded against the reference: Pillow's Image.open + convert() to the
contract's input colour, then the same pipeline. Real photographs re-encoded at
many sizes, subsamplings and qualities (Pillow's and OpenCV's encoders),
baseline and progressive, restart markers, grayscale and CMYK JPEGs; PNG of
every colour type and bit depth, palette with and without transparency,
interlaced; hostile files refused with clear errors."""
from __future__ import annotations

import io
import itertools

import numpy as np
import pytest

import pixelpact
from helpers import assert_same, contract, noise
from helpers.encoded import require_decoders, cv2_jpeg, photos, pillow_jpeg, png, reference_pixels



@pytest.fixture(autouse=True)
def _decoders():
    require_decoders()


COLORS = ["RGB", "BGR", "RGBA", "BGRA", "GRAY"]


def raw_contract(color: str, **decode) -> dict:
    """No steps: the tensor is the decoded image itself (RGBA composited onto a
    colour, so that alpha decides bytes)."""
    doc = {"pixelpact": 1, "input": {"color": color}, "steps": [],
           "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
    if color in ("RGBA", "BGRA"):
        doc["input"].update(alpha="composite", background=[10, 200, 30])
    if decode:
        doc["input"]["decode"] = decode
    return doc


PIPES = {color: pixelpact.load(raw_contract(color)) for color in COLORS}
IMAGENET = pixelpact.load(contract("resnet50_imagenet_eval"))


def check(data: bytes, color: str = "RGB", pipe=None) -> None:
    pipe = pipe or PIPES[color]
    expected = pipe(reference_pixels(data, color))
    assert_same(pipe.run_encoded(data), expected)
    info = pipe.encoded_info(data)
    assert info["size"] == expected.shape[:2] or pipe is not PIPES[color]


PHOTOS = photos()
CROPS = [(1, 1), (1, 17), (17, 1), (7, 13), (9, 16), (31, 33), (101, 151), None]


def crop(array: np.ndarray, size) -> np.ndarray:
    if size is None:
        return array
    h, w = size
    return np.ascontiguousarray(array[50:50 + h, 70:70 + w])


@pytest.mark.parametrize("photo", ["astronaut", "chelsea", "coffee"])
@pytest.mark.parametrize("size", CROPS, ids=lambda s: "full" if s is None else f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("subsampling", [0, 1, 2], ids=["444", "422", "420"])
def test_jpeg_pillow_encoded(photo, size, subsampling):
    image = crop(PHOTOS[photo], size)
    for quality, progressive in [(75, False), (90, True), (50, False), (100, False)]:
        data = pillow_jpeg(image, quality=quality, subsampling=subsampling, progressive=progressive,
                           optimize=progressive)
        check(data, "RGB")
    check(data, "BGR")


@pytest.mark.parametrize("size", [(1, 1), (5, 3), (33, 17), None], ids=str)
@pytest.mark.parametrize("sampling", ["IMWRITE_JPEG_SAMPLING_FACTOR_411", "IMWRITE_JPEG_SAMPLING_FACTOR_440",
                                      "IMWRITE_JPEG_SAMPLING_FACTOR_420", "IMWRITE_JPEG_SAMPLING_FACTOR_444"])
def test_jpeg_opencv_encoded(size, sampling):
    import cv2

    image = crop(PHOTOS["coffee"], size)
    for extra in [{}, {"IMWRITE_JPEG_RST_INTERVAL": 1}, {"IMWRITE_JPEG_PROGRESSIVE": 1}]:
        data = cv2_jpeg(image, IMWRITE_JPEG_QUALITY=85, IMWRITE_JPEG_SAMPLING_FACTOR=getattr(cv2, sampling), **extra)
        check(data, "RGB")


@pytest.mark.parametrize("color", COLORS)
@pytest.mark.parametrize("kind", ["rgb", "gray", "cmyk"])
def test_jpeg_modes_to_every_colour(color, kind):
    image = crop(PHOTOS["chelsea"], (61, 97))
    data = pillow_jpeg(image, {"rgb": None, "gray": "L", "cmyk": "CMYK"}[kind], quality=90)
    check(data, color)
    check(pillow_jpeg(image, {"rgb": None, "gray": "L", "cmyk": "CMYK"}[kind], quality=80, progressive=True), color)


def test_jpeg_through_the_imagenet_contract():
    for name, image in PHOTOS.items():
        for quality in (75, 95):
            check(pillow_jpeg(image, quality=quality), "RGB", IMAGENET)


def test_jpeg_noise_every_size_class():
    for h, w in [(1, 1), (1, 300), (300, 1), (15, 17), (16, 16), (97, 89)]:
        for subsampling in (0, 2):
            check(pillow_jpeg(noise(h, w, 3, seed=h), quality=95, subsampling=subsampling), "RGB")


# ---- PNG ----------------------------------------------------------------------

def _samples(h, w, channels, depth, seed=0):
    rng = np.random.default_rng([h, w, channels, depth, seed])
    return rng.integers(0, 1 << depth, size=(h, w, channels), dtype=np.uint32)


PNG_KINDS = [(0, d) for d in (1, 2, 4, 8, 16)] + [(2, 8), (2, 16), (3, 1), (3, 2), (3, 4), (3, 8), (4, 8), (4, 16),
                                                  (6, 8), (6, 16)]


def png_case(color_type, depth, h, w, *, interlace=False, transparent=False, seed=0):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    samples = _samples(h, w, channels, depth, seed)
    palette = trns = None
    if color_type == 3:
        entries = 1 << depth
        palette = np.random.default_rng(seed).integers(0, 256, size=(entries, 3))
        if transparent:
            trns = bytes(np.random.default_rng(seed + 1).integers(0, 256, size=max(1, entries // 2)).astype(np.uint8))
    elif transparent and color_type in (0, 2):
        value = samples[h // 2, w // 2] if depth < 16 else np.minimum(samples[h // 2, w // 2], 255)
        if depth == 16:
            samples[h // 2, w // 2] = value
        trns = b"".join(int(v).to_bytes(2, "big") for v in value)
    return png(samples, color_type, depth, palette=palette, trns=trns, interlace=interlace)


@pytest.mark.parametrize("color", COLORS)
@pytest.mark.parametrize("kind", PNG_KINDS, ids=lambda k: f"type{k[0]}-{k[1]}bit")
def test_png_every_kind_to_every_colour(kind, color):
    for (h, w), interlace in itertools.product([(1, 1), (1, 13), (11, 1), (23, 37)], [False, True]):
        check(png_case(*kind, h, w, interlace=interlace), color)


@pytest.mark.parametrize("color", COLORS)
@pytest.mark.parametrize("kind", [(0, 1), (0, 2), (0, 8), (0, 16), (2, 8), (2, 16), (3, 2), (3, 8)],
                         ids=lambda k: f"type{k[0]}-{k[1]}bit")
def test_png_transparency(kind, color):
    for seed in range(3):
        check(png_case(*kind, 19, 21, transparent=True, seed=seed), color)


def test_png_written_by_pillow_and_opencv():
    import cv2
    from PIL import Image

    image = crop(PHOTOS["astronaut"], (97, 131))
    for mode in ["RGB", "RGBA", "L", "LA", "P", "1", "I;16"]:
        im = Image.fromarray(image).convert(mode) if mode != "I;16" else Image.fromarray(
            (image[..., 0].astype(np.uint16) * 3 // 2))
        buf = io.BytesIO()
        im.save(buf, "PNG", **({"transparency": 7} if mode == "P" else {}))
        for color in COLORS:
            check(buf.getvalue(), color)
    ok, data = cv2.imencode(".png", (image.astype(np.uint16) * 257)[..., ::-1])
    assert ok
    for color in COLORS:
        check(data.tobytes(), color)


# ---- hostile files --------------------------------------------------------------

def _refused(data: bytes, fragment: str, pipe=None):
    pipe = pipe or PIPES["RGB"]
    with pytest.raises((ValueError, RuntimeError)) as info:
        pipe.run_encoded(data)
    assert fragment in str(info.value), str(info.value)
    return info.value


def test_not_an_image():
    _refused(b"", "0 bytes")
    _refused(b"GIF89a....", "not a JPEG or PNG")
    _refused(bytes(range(256)), "not a JPEG or PNG")
    with pytest.raises(TypeError):
        PIPES["RGB"].run_encoded(12)


def test_truncated_files_are_refused_as_pillow_refuses_them():
    from PIL import Image

    jpeg = pillow_jpeg(crop(PHOTOS["coffee"], (64, 80)), quality=90)
    prog = pillow_jpeg(crop(PHOTOS["coffee"], (64, 80)), quality=90, progressive=True)
    pngdata = png_case(2, 8, 40, 50)
    for data in (jpeg, prog, pngdata):
        for cut in sorted({3, 8, 20, 100, len(data) // 3, len(data) // 2, len(data) - 40}):
            part = data[:cut]
            try:
                with Image.open(io.BytesIO(part)) as im:
                    im.load()
                pillow_ok = True
            except Exception:  # noqa: BLE001 - whatever Pillow raises means "refused"
                pillow_ok = False
            if pillow_ok:
                check(part, "RGB")
            else:
                with pytest.raises(ValueError):
                    PIPES["RGB"].run_encoded(part)


def test_corrupt_bytes_never_crash_and_match_pillow_when_it_decodes():
    from PIL import Image

    rng = np.random.default_rng(5)
    for data in (pillow_jpeg(crop(PHOTOS["chelsea"], (48, 64)), quality=85), png_case(2, 8, 30, 30)):
        for trial in range(60):
            bad = bytearray(data)
            for at in rng.integers(2, len(bad), size=1 + trial % 4):
                bad[at] = int(rng.integers(0, 256))
            bad = bytes(bad)
            try:
                with Image.open(io.BytesIO(bad)) as im:
                    im.load()
                pillow_ok = True
            except Exception:  # noqa: BLE001
                pillow_ok = False
            try:
                got = PIPES["RGB"].run_encoded(bad)
            except (ValueError, RuntimeError) as err:
                assert str(err), "an error says what is wrong"
                continue
            if pillow_ok:
                assert_same(got, PIPES["RGB"](reference_pixels(bad, "RGB")))


def _jpeg_with_size(height: int, width: int) -> bytes:
    data = bytearray(pillow_jpeg(noise(8, 8, 3), quality=90))
    at = data.find(b"\xff\xc0")
    data[at + 5:at + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_huge_headers_are_refused_before_allocating():
    import struct
    import zlib

    err = _refused(_jpeg_with_size(60000, 60000), "max_intermediate_bytes", IMAGENET)
    assert "60000x60000" in str(err)
    # A contract whose tensor would be that large says so first, still without decoding.
    _refused(_jpeg_with_size(60000, 60000), "max_output_elements")
    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + header + struct.pack(">I", zlib.crc32(b"IHDR" + header))
    big_png = b"\x89PNG\r\n\x1a\n" + chunk + png_case(2, 8, 2, 2)[33:]
    _refused(big_png, "max_intermediate_bytes", IMAGENET)
    # The limit is the pipeline's: a smaller one refuses a small image too.
    small = pixelpact.load(raw_contract("RGB"), max_intermediate_bytes=1000)
    _refused(pillow_jpeg(noise(40, 40, 3), quality=90), "max_intermediate_bytes", small)
    # The header query still answers without decoding.
    assert PIPES["RGB"].encoded_info(_jpeg_with_size(60000, 60000))["size"] == (60000, 60000)


def test_out_buffer_and_info():
    data = pillow_jpeg(crop(PHOTOS["coffee"], (30, 40)), quality=90)
    info = IMAGENET.encoded_info(data)
    assert info == {"format": "jpeg", "size": (30, 40), "stored_size": (30, 40), "orientation": 1}
    out = np.empty(IMAGENET.output_shape(30, 40), np.float32)
    assert IMAGENET.run_encoded(data, out=out) is out
    assert_same(out, IMAGENET(reference_pixels(data, "RGB")))
    with pytest.raises(ValueError):
        IMAGENET.run_encoded(data, out=np.empty((1, 3, 2, 2), np.float32))


def test_path_input(tmp_path):
    data = png_case(6, 8, 9, 7)
    path = tmp_path / "x.png"
    path.write_bytes(data)
    assert_same(PIPES["RGBA"].run_encoded(path), PIPES["RGBA"].run_encoded(data))
    assert_same(PIPES["RGBA"].run_encoded(str(path)), PIPES["RGBA"](reference_pixels(data, "RGBA")))


def test_pillow_fallback_without_compiled_decoders(monkeypatch):
    """A build without libjpeg/libpng: Python decodes with Pillow, the reference
    itself, with the same colours, orientation and header facts."""
    import pixelpact._pipeline as pipeline_module
    from helpers.encoded import exif_block

    jpeg = pillow_jpeg(crop(PHOTOS["chelsea"], (31, 45)), quality=90)
    payload = b"Exif\x00\x00" + exif_block(6)
    rotated = jpeg[:2] + b"\xff\xe1" + len(payload + b"12").to_bytes(2, "big") + payload + jpeg[2:]
    pngdata = png_case(3, 4, 13, 17, transparent=True)
    compiled = {color: PIPES[color].run_encoded(data) for color in COLORS for data in (jpeg, pngdata)}
    monkeypatch.setattr(pipeline_module, "decoders", lambda: {"jpeg": None, "png": None})
    for color in COLORS:
        for data in (jpeg, pngdata):
            assert_same(PIPES[color].run_encoded(data), PIPES[color](reference_pixels(data, color)))
    exif = pixelpact.load(raw_contract("RGB", orientation="exif"))
    assert_same(exif.run_encoded(rotated), exif(reference_pixels(rotated, "RGB", exif=True)))
    assert exif.encoded_info(rotated) == {"format": "jpeg", "size": (45, 31), "stored_size": (31, 45),
                                          "orientation": 6}
    assert compiled  # the compiled path ran first, with the real decoders


def test_corrupt_markers_after_the_last_scan_are_refused_as_pillow_refuses():
    """Pillow calls jpeg_finish_decompress after the last row: a corrupt marker between
    the scan data and EOI fails its decode ("broken data stream") while a missing EOI
    does not. Bytes changed in the last 200 of a JPEG: pixelpact refuses exactly the
    files Pillow refuses and gives Pillow's pixels for the others."""
    from PIL import Image

    rng = np.random.default_rng(11)
    data = pillow_jpeg(crop(PHOTOS["chelsea"], (61, 97)), quality=90)
    refused = 0
    for trial in range(300):
        bad = bytearray(data) if trial % 10 else bytearray(data[:-2])  # every tenth also without EOI
        for _ in range(1 + trial % 3):
            bad[int(rng.integers(len(bad) - 200, len(bad) - 1))] = int(rng.integers(0, 256))
        bad = bytes(bad)
        try:
            with Image.open(io.BytesIO(bad)) as im:
                im.load()
            pillow_ok = True
        except Exception:  # noqa: BLE001 - whatever Pillow raises means "refused"
            pillow_ok = False
        if pillow_ok:
            assert_same(PIPES["RGB"].run_encoded(bad), PIPES["RGB"](reference_pixels(bad, "RGB")))
        else:
            refused += 1
            with pytest.raises(ValueError, match="JPEG"):
                PIPES["RGB"].run_encoded(bad)
    assert refused > 0, "the sweep must contain files Pillow refuses"
