"""run_encoded with "input": {"decode": {"decoder": "tensorflow"}} against the real
TensorFlow 2.21 decoders: tf.io.decode_jpeg with its default dct_method "" (libjpeg's
fast integer IDCT) and tf.io.decode_image (what keras.utils.image_dataset_from_directory
calls), np.array_equal on real photographs (scikit-image) at many crops, subsamplings,
qualities, progressive and restart-marker files, grayscale and CMYK JPEGs, noise; PNG of
every colour type and bit depth; the region decode (crop contracts) against TensorFlow's
whole decode; the Python fallback; refusals. And the point of the dialect: TensorFlow's
default pixels are not Pillow's, its INTEGER_ACCURATE pixels are."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import pixelpact
from helpers import assert_same, noise
from helpers.encoded import cv2_jpeg, photos, pillow_jpeg, png, require_decoders
from helpers.tensorflow import import_tensorflow

tf = import_tensorflow()  # the test extra installs tensorflow-cpu; imported after triton (helpers.tensorflow)

pytestmark = pytest.mark.slow  # a sweep importing TensorFlow: the fast subset leaves it out


@pytest.fixture(autouse=True)
def _decoders(request):
    if "fallback" not in request.node.name:
        require_decoders()


def raw_contract(color: str, decoder: str = "tensorflow", steps=()) -> dict:
    return {"pixelpact": 1, "input": {"color": color, "decode": {"decoder": decoder}}, "steps": list(steps),
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


PIPES = {color: pixelpact.load(raw_contract(color)) for color in ("RGB", "BGR", "GRAY")}
PHOTOS = photos()
CROPS = [(1, 1), (1, 17), (17, 1), (7, 13), (9, 16), (31, 33), (101, 151), None]


def crop(array: np.ndarray, size) -> np.ndarray:
    if size is None:
        return array
    h, w = size
    return np.ascontiguousarray(array[50:50 + h, 70:70 + w])


def tf_pixels(data: bytes, color: str) -> np.ndarray:
    """What image_dataset_from_directory decodes: decode_image(channels=3 or 1).
    (A BGR contract's decoded pixels are BGR; its RGB output turns them back.)"""
    return tf.io.decode_image(data, channels=1 if color == "GRAY" else 3, expand_animations=False).numpy()


def check(data: bytes, color: str = "RGB") -> None:
    got = PIPES[color].run_encoded(data)
    expected = tf_pixels(data, color)
    if color == "GRAY":  # the tensor of a GRAY contract repeats the one channel
        expected = np.repeat(expected, 3, axis=2)
    assert_same(got, expected)
    if data[:2] == b"\xff\xd8" and color != "GRAY":
        jpeg = tf.io.decode_jpeg(data, channels=3, dct_method="").numpy()  # the op's own default
        assert_same(got, jpeg)


@pytest.mark.parametrize("photo", ["astronaut", "chelsea", "coffee", "camera"])
@pytest.mark.parametrize("size", CROPS, ids=lambda s: "full" if s is None else f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("subsampling", [0, 1, 2], ids=["444", "422", "420"])
def test_jpeg_photos(photo, size, subsampling):
    image = crop(PHOTOS[photo], size)
    for quality, progressive in [(75, False), (90, True), (50, False), (100, False)]:
        data = pillow_jpeg(image, quality=quality, subsampling=subsampling, progressive=progressive,
                           optimize=progressive)
        check(data, "RGB")
        check(data, "GRAY")
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
        check(data, "GRAY")


@pytest.mark.parametrize("kind", ["gray", "cmyk"])
def test_jpeg_gray_and_cmyk_files(kind):
    for size, quality, progressive in itertools.product([(61, 97), (1, 1), (13, 1)], [80, 95], [False, True]):
        data = pillow_jpeg(crop(PHOTOS["chelsea"], size), "L" if kind == "gray" else "CMYK", quality=quality,
                           progressive=progressive)
        check(data, "RGB")
        check(data, "BGR")
        if kind == "gray":
            check(data, "GRAY")
        else:  # TensorFlow cannot decode a CMYK file to one channel either
            with pytest.raises(tf.errors.InvalidArgumentError):
                tf.io.decode_image(data, channels=1)
            with pytest.raises(RuntimeError, match="CMYK"):
                PIPES["GRAY"].run_encoded(data)


def test_jpeg_noise_every_size_class():
    for h, w in [(1, 1), (1, 300), (300, 1), (15, 17), (16, 16), (97, 89), (333, 251)]:
        for subsampling, quality in [(0, 95), (2, 95), (1, 60)]:
            data = pillow_jpeg(noise(h, w, 3, seed=h), quality=quality, subsampling=subsampling)
            check(data, "RGB")
            check(data, "GRAY")


def test_the_dialect_matters():
    """TensorFlow's default IDCT is not Pillow's (so the tests above can fail);
    dct_method="INTEGER_ACCURATE" is Pillow's, the "pillow" decoder."""
    pillow = pixelpact.load(raw_contract("RGB", "pillow"))
    differing = 0
    for name in ("astronaut", "chelsea", "coffee"):
        for quality in (75, 95):
            data = pillow_jpeg(PHOTOS[name], quality=quality)
            accurate = tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE").numpy()
            assert_same(pillow.run_encoded(data), accurate)
            fast = PIPES["RGB"].run_encoded(data)
            differing += not np.array_equal(fast, accurate)
    assert differing == 6


# ---- PNG ----------------------------------------------------------------------

PNG_KINDS = [(0, d) for d in (1, 2, 4, 8, 16)] + [(2, 8), (2, 16), (3, 1), (3, 2), (3, 4), (3, 8), (4, 8), (4, 16),
                                                  (6, 8), (6, 16)]


def png_case(color_type, depth, h, w, *, interlace=False, transparent=False, seed=0):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    rng = np.random.default_rng([h, w, channels, depth, seed])
    samples = rng.integers(0, 1 << depth, size=(h, w, channels), dtype=np.uint32)
    palette = trns = None
    if color_type == 3:
        palette = rng.integers(0, 256, size=(1 << depth, 3))
        trns = bytes(rng.integers(0, 256, size=max(1, (1 << depth) // 2)).astype(np.uint8)) if transparent else None
    elif transparent and color_type in (0, 2):
        trns = b"".join(int(v).to_bytes(2, "big") for v in samples[h // 2, w // 2])
    return png(samples, color_type, depth, palette=palette, trns=trns, interlace=interlace)


@pytest.mark.parametrize("kind", PNG_KINDS, ids=lambda k: f"type{k[0]}-{k[1]}bit")
def test_png_every_kind(kind):
    """Including 16-bit gray, where TensorFlow keeps the high byte (Pillow clamps)."""
    for (h, w), interlace, transparent in itertools.product([(1, 1), (1, 13), (11, 1), (23, 37)], [False, True],
                                                            [False, True]):
        data = png_case(*kind, h, w, interlace=interlace, transparent=transparent)
        check(data, "RGB")
        check(data, "BGR")
        if kind[0] in (0, 4):
            check(data, "GRAY")
        else:
            with pytest.raises(RuntimeError, match="colour PNG"):
                PIPES["GRAY"].run_encoded(data)


def test_png_identical_to_pillow_except_16_bit_gray():
    """So the png sweep above is also Pillow's pixels, but for 16-bit gray."""
    pillow = pixelpact.load(raw_contract("RGB", "pillow"))
    for kind in PNG_KINDS:
        data = png_case(*kind, 19, 21, seed=3)
        same = np.array_equal(pillow.run_encoded(data), PIPES["RGB"].run_encoded(data))
        assert same == (kind != (0, 16)), kind


# ---- the region decode ----------------------------------------------------------

@pytest.mark.parametrize("file_kind", ["444", "422", "420", "411", "progressive", "restart", "gray", "cmyk"])
def test_region_decode_matches_the_whole_decode(file_kind):
    """Crop contracts decode only their window (jpeg_skip_scanlines / crop_scanline):
    identical to TensorFlow's whole decode, cropped."""
    import cv2

    image = crop(PHOTOS["astronaut"], (161, 203))
    if file_kind in ("411", "restart"):
        factor = cv2.IMWRITE_JPEG_SAMPLING_FACTOR_411 if file_kind == "411" else cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420
        extra = {"IMWRITE_JPEG_RST_INTERVAL": 2} if file_kind == "restart" else {}
        data = cv2_jpeg(image, IMWRITE_JPEG_QUALITY=85, IMWRITE_JPEG_SAMPLING_FACTOR=factor, **extra)
    else:
        sub = {"444": 0, "422": 1, "420": 2}.get(file_kind, 2)
        data = pillow_jpeg(image, {"gray": "L", "cmyk": "CMYK"}.get(file_kind), quality=90, subsampling=sub,
                           progressive=file_kind == "progressive")
    whole = tf_pixels(data, "RGB")
    n = 0
    for top, left in itertools.product([0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 160],
                                       [0, 1, 7, 8, 15, 16, 17, 32, 33, 150, 202]):
        for h, w in [(1, 1), (5, 40), (37, 3), (161 - top, 203 - left)]:
            h, w = min(h, 161 - top), min(w, 203 - left)
            pipe = pixelpact.load(raw_contract("RGB", steps=[{"op": "crop", "top": top, "left": left,
                                                               "height": h, "width": w}]))
            assert_same(pipe.run_encoded(data), whole[top:top + h, left:left + w])
            n += 1
    assert n == 12 * 11 * 4


# ---- refusals and the Python fallback ----------------------------------------------

def test_rgba_refused():
    pipe = pixelpact.load(raw_contract("RGBA"))
    for data in (pillow_jpeg(PHOTOS["coffee"][:20, :20]), png_case(6, 8, 5, 5)):
        with pytest.raises(RuntimeError, match="RGBA/BGRA input color is not supported"):
            pipe.run_encoded(data)


def test_fallback_without_compiled_decoders_uses_tensorflow(monkeypatch):
    data = pillow_jpeg(crop(PHOTOS["chelsea"], (101, 151)), quality=85)
    expected = tf_pixels(data, "RGB")
    monkeypatch.setattr("pixelpact._pipeline.decoders", lambda: {"jpeg": None, "png": None})
    assert_same(PIPES["RGB"].run_encoded(data), expected)
    assert_same(PIPES["BGR"].run_encoded(data), expected)
    gray = tf_pixels(data, "GRAY")
    assert_same(PIPES["GRAY"].run_encoded(data), np.repeat(gray, 3, axis=2))


def test_fallback_without_tensorflow_refuses(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tensorflow(name, *args, **kwargs):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ImportError("No module named 'tensorflow'")
        return real_import(name, *args, **kwargs)

    data = pillow_jpeg(PHOTOS["chelsea"][:30, :30])
    monkeypatch.setattr("pixelpact._pipeline.decoders", lambda: {"jpeg": None, "png": None})
    monkeypatch.setattr(builtins, "__import__", no_tensorflow)
    with pytest.raises(RuntimeError, match="Pillow cannot reproduce TensorFlow's JPEG decoder"):
        PIPES["RGB"].run_encoded(data)
    # the pillow decoder still falls back to Pillow
    pillow = pixelpact.load(raw_contract("RGB", "pillow"))
    assert pillow.run_encoded(data).shape == (30, 30, 3)


def _tf_or_none(data: bytes):
    try:
        return tf.io.decode_image(data, channels=3, expand_animations=False).numpy()
    except tf.errors.InvalidArgumentError:
        return None


def _mine_or_none(data: bytes):
    try:
        return PIPES["RGB"].run_encoded(data)
    except (ValueError, RuntimeError):
        return None


def test_hostile_files():
    """Truncated files are refused as TensorFlow refuses them; with random bytes
    changed, never a crash, and every file TensorFlow decodes is decoded to its
    pixels. (Some files corrupted near their end, which TensorFlow and Pillow both
    refuse, are decoded: docs/decoding.md.)"""
    data = pillow_jpeg(crop(PHOTOS["chelsea"], (120, 150)), quality=85)
    cuts = list(range(2, len(data) - 1, max(1, len(data) // 60))) + [len(data) - 2, len(data) - 1]
    for cut in cuts:
        assert _tf_or_none(data[:cut]) is None
        assert _mine_or_none(data[:cut]) is None, cut
    rng = np.random.default_rng(0)
    decoded = 0
    for _ in range(150):
        corrupt = bytearray(data)
        for _ in range(3):
            corrupt[rng.integers(200, len(corrupt))] = rng.integers(0, 256)
        expected = _tf_or_none(bytes(corrupt))
        got = _mine_or_none(bytes(corrupt))
        if expected is not None:
            assert got is not None
            assert_same(got, expected)
            decoded += 1
    assert decoded > 100
