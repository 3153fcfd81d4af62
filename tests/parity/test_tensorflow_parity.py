"""Parity of engine 'tensorflow' with the real tf.image.resize (TensorFlow 2.21,
tensorflow-cpu wheel): every method x antialias x hostile sizes (1x1, 1xN, Nx1,
primes, up, down, 4000x30) on noise and photos, float32 bit-equality; the uint8
nearest resize; float inputs (arithmetic before the resize); channel counts.

TensorFlow reads a uint8 image as float32 (exactly) and returns unrounded float32
(nearest keeps the dtype): the contract is to_float, then the resize."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import pixelpact
from helpers import assert_same, noise
from helpers.onnx_models import photos
from helpers.tensorflow import import_tensorflow

tf = import_tensorflow()  # the test extra installs tensorflow-cpu; imported after triton (helpers.tensorflow)

pytestmark = pytest.mark.slow  # a sweep: the fast subset leaves it out (CONTRIBUTING.md)

METHODS = ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"]

# (input h, w) -> (output h, w): 1x1, 1xN, Nx1, primes, up, down, mixed, one axis
# unchanged, the same size, extreme aspect ratios.
RESIZES = [
    ((1, 1), (1, 1)), ((1, 1), (7, 5)), ((1, 9), (3, 3)), ((9, 1), (2, 5)), ((1, 300), (1, 17)),
    ((300, 1), (17, 1)), ((1, 300), (4, 611)), ((2, 2), (3, 1)), ((5, 3), (1, 1)), ((97, 131), (224, 224)),
    ((131, 97), (61, 83)), ((101, 103), (107, 109)), ((256, 256), (255, 257)), ((480, 640), (240, 320)),
    ((480, 640), (133, 640)), ((480, 640), (480, 101)), ((17, 23), (400, 600)), ((127, 251), (3, 509)),
    ((64, 64), (64, 64)), ((200, 150), (65, 64)), ((4000, 30), (224, 224)), ((30, 4000), (7, 3)),
    ((4000, 30), (1, 1)), ((13, 17), (60, 67)),
]


def _doc(out_hw, method, antialias, before=(), color="RGB", out_color="RGB", layout="HWC"):
    resize = {"op": "resize", "size": list(out_hw), "interpolation": method, "engine": "tensorflow",
              "antialias": antialias}
    return {"pixelpact": 1, "input": {"color": color},
            "steps": [{"op": "to_float", "dtype": "float32"}, *before, resize],
            "output": {"layout": layout, "dtype": "float32", "color": out_color}}


def _tf_resize(image, out_hw, method, antialias):
    """tf.image.resize as a user calls it, returned as float32 (nearest keeps the
    input's dtype: on float32 input that is float32 too)."""
    return tf.image.resize(image, out_hw, method=method, antialias=antialias).numpy()


CASES = [(m, a, i, o) for m, a in itertools.product(METHODS, [False, True]) for i, o in RESIZES]


@pytest.mark.parametrize("method,antialias,in_hw,out_hw", CASES,
                         ids=[f"{m}-aa{int(a)}-{i[0]}x{i[1]}-{o[0]}x{o[1]}" for m, a, i, o in CASES])
def test_matches_tf_image_resize_on_noise(method, antialias, in_hw, out_hw):
    img = noise(*in_hw, seed=sum(in_hw) + sum(out_hw))
    expected = _tf_resize(img, out_hw, method, antialias)
    if method == "nearest":  # keeps uint8: the same values as float32
        assert expected.dtype == np.uint8
        expected = expected.astype(np.float32)
    assert_same(pixelpact.load(_doc(out_hw, method, antialias))(img), expected)


@pytest.mark.parametrize("method,antialias,in_hw,out_hw", CASES[::3],
                         ids=[f"{m}-aa{int(a)}-{i[0]}x{i[1]}-{o[0]}x{o[1]}" for m, a, i, o in CASES[::3]])
def test_float_input(method, antialias, in_hw, out_hw):
    """Fractional float32 input (x / 255 - 0.3 before the resize): TensorFlow's
    arithmetic on values that do not sit on integers."""
    img = noise(*in_hw, seed=7 + sum(out_hw))
    x = tf.cast(img, tf.float32) / 255.0 - 0.3
    expected = _tf_resize(x, out_hw, method, antialias)
    before = [{"op": "div", "value": 255}, {"op": "sub", "value": 0.3}]
    assert_same(pixelpact.load(_doc(out_hw, method, antialias, before))(img), expected)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("out_hw", [(224, 224), (299, 299), (96, 160), (1000, 700)])
def test_photos(method, antialias, out_hw):
    for name, img in photos().items():
        expected = _tf_resize(img, out_hw, method, antialias).astype(np.float32)
        assert_same(pixelpact.load(_doc(out_hw, method, antialias))(img), expected), name


@pytest.mark.parametrize("in_hw,out_hw", RESIZES)
def test_nearest_on_uint8_keeps_the_dtype(in_hw, out_hw):
    """tf.image.resize(method='nearest') on uint8 returns uint8: a resize before to_float."""
    img = noise(*in_hw, seed=3)
    doc = {"pixelpact": 1, "input": {"color": "RGB"},
           "steps": [{"op": "resize", "size": list(out_hw), "interpolation": "nearest", "engine": "tensorflow"}],
           "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
    assert_same(pixelpact.load(doc)(img), _tf_resize(img, out_hw, "nearest", False))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("channels", [1, 4])
def test_channel_counts(method, channels):
    """TensorFlow's kernels special-case 3 channels; 1 and 4 take the generic loops,
    with the same per-channel arithmetic. GRAY input is replicated to RGB; RGBA's
    alpha is dropped (TensorFlow resized it too, on its own)."""
    img = noise(37, 53, channels=0 if channels == 1 else channels, seed=5)
    nhwc = img[..., None] if channels == 1 else img
    for antialias in (False, True):
        expected = _tf_resize(nhwc, (29, 71), method, antialias).astype(np.float32)
        expected = np.repeat(expected, 3, axis=2) if channels == 1 else expected[..., :3]
        doc = _doc((29, 71), method, antialias, color="GRAY" if channels == 1 else "RGBA")
        assert_same(pixelpact.load(doc)(img), expected)


def test_nchw_batch_layout():
    """A batch of one in NHWC is what TensorFlow models take."""
    img = noise(45, 61, seed=9)
    expected = _tf_resize(img[None], (32, 32), "bilinear", False)
    assert_same(pixelpact.load(_doc((32, 32), "bilinear", False, layout="NHWC"))(img), expected)


@pytest.mark.parametrize("subsampling", [0, 1, 2])  # 4:4:4, 4:2:2, 4:2:0
@pytest.mark.parametrize("progressive", [False, True])
def test_tf_jpeg_decode_is_not_pillows_by_default(subsampling, progressive):
    """image_dataset_from_directory decodes with tf.io.decode_image, i.e. decode_jpeg
    with dct_method '' = INTEGER_FAST (libjpeg's JDCT_IFAST): not Pillow's pixels
    (Pillow decodes with JDCT_ISLOW), up to several levels apart, so a contract fed
    with Pillow-decoded pixels does not reproduce that dataset on JPEG files (PNG is
    lossless: the same pixels). With dct_method='INTEGER_ACCURATE' TensorFlow's pixels
    are Pillow's, fancy upsampling included."""
    import io

    import PIL.Image

    for img in [photos()["astronaut"], noise(97, 131, seed=1)]:
        buf = io.BytesIO()
        PIL.Image.fromarray(img).save(buf, "JPEG", quality=90, subsampling=subsampling, progressive=progressive)
        data = buf.getvalue()
        pillow = np.asarray(PIL.Image.open(io.BytesIO(data)).convert("RGB"))
        default = tf.io.decode_image(data, channels=3, expand_animations=False).numpy()
        accurate = tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE").numpy()
        assert not np.array_equal(default, pillow)
        assert_same(accurate, pillow)


GEOMETRY_SIZES = [(1, 1), (1, 40), (40, 1), (7, 9), (97, 131), (480, 640), (4000, 30)]
TARGETS = [(1, 1), (5, 300), (224, 224), (8, 9), (131, 97), (481, 641)]


@pytest.mark.parametrize("in_hw", GEOMETRY_SIZES)
def test_resize_with_crop_or_pad_is_a_center_crop(in_hw):
    """tf.image.resize_with_crop_or_pad(image, h, w): crops (in - h) // 2 from the
    top/left or pads (h - in) // 2 zeros before and the rest after, per axis: the
    center_crop rule 'hf_torchvision' with fill 0, on the uint8 image (TensorFlow keeps
    the dtype), and then the float arithmetic (x / 255 in float32) as usual."""
    img = noise(*in_hw, seed=13)
    for target in TARGETS:
        expected = tf.image.resize_with_crop_or_pad(img, *target).numpy()
        crop = {"op": "center_crop", "size": list(target), "rule": "hf_torchvision"}
        doc = {"pixelpact": 1, "input": {"color": "RGB"}, "steps": [crop],
               "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
        assert_same(pixelpact.load(doc)(img), expected)
        scaled = (tf.cast(tf.image.resize_with_crop_or_pad(img, *target), tf.float32) / 255.0).numpy()
        doc = {**doc, "steps": [crop, {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}],
               "output": {"layout": "HWC", "dtype": "float32", "color": "RGB"}}
        assert_same(pixelpact.load(doc)(img), scaled)


@pytest.mark.parametrize("box", [(0, 0, 1, 1), (3, 5, 20, 30), (0, 0, 97, 131), (96, 130, 1, 1), (10, 0, 50, 131)])
def test_crop_to_bounding_box_is_a_crop(box):
    """tf.image.crop_to_bounding_box(image, top, left, h, w) (inside the image, as
    TensorFlow requires): the crop step; before a float resize it is on the pixels."""
    img = noise(97, 131, seed=17)
    top, left, h, w = box
    expected = tf.image.resize(tf.image.crop_to_bounding_box(img, top, left, h, w), (33, 45),
                               method="bicubic").numpy()
    doc = {"pixelpact": 1, "input": {"color": "RGB"},
           "steps": [{"op": "crop", "top": top, "left": left, "height": h, "width": w},
                     {"op": "to_float", "dtype": "float32"},
                     {"op": "resize", "size": [33, 45], "interpolation": "bicubic", "engine": "tensorflow"}],
           "output": {"layout": "HWC", "dtype": "float32", "color": "RGB"}}
    assert_same(pixelpact.load(doc)(img), expected)


# Fractions whose in * f lands on or next to an integer (0.7, 0.29, 0.57: the double
# product is off by one ulp), tiny ones (1 px left), 1 (the image itself).
FRACTIONS = [0.875, 0.5, 1.0, 0.1, 1e-9, 1 / 3, 2 / 3, 0.7, 0.29, 0.57, 0.3, 0.999999, 0.01, 0.25, 0.9]


def _central_doc(fraction, steps_after=(), dtype="uint8"):
    return {"pixelpact": 1, "input": {"color": "RGB"},
            "steps": [{"op": "center_crop", "central_fraction": fraction}, *steps_after],
            "output": {"layout": "HWC", "dtype": dtype, "color": "RGB"}}


@pytest.mark.parametrize("in_hw", GEOMETRY_SIZES + [(2, 2), (3, 5), (299, 299), (10, 100), (7, 1000)])
def test_central_crop(in_hw):
    """tf.image.central_crop(image, f): per axis start = int((in - in * f) / 2) in
    double, size = in - 2 * start, on the uint8 image (TensorFlow keeps the dtype)."""
    img = noise(*in_hw, seed=19)
    for fraction in FRACTIONS:
        expected = tf.image.central_crop(img, fraction).numpy()
        assert_same(pixelpact.load(_central_doc(fraction))(img), expected)


def test_central_crop_offsets_on_every_small_size():
    """The offsets and sizes for every side 1..400 and each fraction (a 1-pixel-wide
    image per side: the rows carry their index, so a wrong start shows)."""
    column = np.arange(400, dtype=np.uint16).reshape(400, 1) % 251
    for fraction in FRACTIONS:
        pipe = pixelpact.load(_central_doc(fraction))
        for h in range(1, 401):
            img = np.repeat(column[:h].astype(np.uint8)[:, :, None], 3, axis=2)
            img = np.ascontiguousarray(np.concatenate([img, img[::-1]], axis=1))  # 2 columns
            assert_same(pipe(img), tf.image.central_crop(img, fraction).numpy())


@pytest.mark.parametrize("in_hw", [(1, 1), (1, 40), (97, 131), (480, 640), (4000, 30)])
def test_central_crop_then_resize(in_hw):
    """Inception's eval: central_crop(0.875), then tf.image.resize in float32; and a
    central crop of the float planes after the resize."""
    img = noise(*in_hw, seed=23)
    resize = {"op": "resize", "size": [299, 299], "interpolation": "bilinear", "engine": "tensorflow"}
    to_float = {"op": "to_float", "dtype": "float32"}
    expected = tf.image.resize(tf.image.central_crop(img, 0.875), (299, 299)).numpy()
    assert_same(pixelpact.load(_central_doc(0.875, [to_float, resize], "float32"))(img), expected)
    for fraction in (0.875, 0.29, 1e-9, 1.0):
        expected = tf.image.central_crop(tf.image.resize(img, (61, 299), antialias=True), fraction).numpy()
        doc = {"pixelpact": 1, "input": {"color": "RGB"},
               "steps": [to_float, {**resize, "size": [61, 299], "antialias": True},
                         {"op": "center_crop", "central_fraction": fraction}],
               "output": {"layout": "HWC", "dtype": "float32", "color": "RGB"}}
        assert_same(pixelpact.load(doc)(img), expected)


PRESERVE = [((1, 1), (7, 5)), ((1, 300), (17, 600)), ((300, 1), (600, 17)), ((97, 131), (224, 224)),
            ((131, 97), (61, 83)), ((480, 640), (224, 224)), ((4000, 30), (224, 224)), ((30, 4000), (299, 299)),
            ((3, 7), (5, 5)), ((101, 103), (107, 109)), ((64, 64), (64, 64)), ((17, 23), (400, 600)),
            ((333, 3), (60, 333)), ((3, 333), (5, 100))]


def _preserve_doc(out_hw, method, antialias=False):
    doc = _doc(out_hw, method, antialias)
    doc["steps"][-1]["keep_ratio"] = "tf_preserve_aspect_ratio"
    return doc


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("in_hw,out_hw", PRESERVE, ids=[f"{i[0]}x{i[1]}-{o[0]}x{o[1]}" for i, o in PRESERVE])
def test_preserve_aspect_ratio(method, in_hw, out_hw):
    """tf.image.resize(..., preserve_aspect_ratio=True): float32 scale = min(h' / h,
    w' / w), sides round_half_even(scale * side), then the resize to that size."""
    img = noise(*in_hw, seed=29)
    for antialias in (False, True):
        expected = tf.image.resize(img, out_hw, method=method, antialias=antialias,
                                   preserve_aspect_ratio=True).numpy().astype(np.float32)
        assert_same(pixelpact.load(_preserve_doc(out_hw, method, antialias))(img), expected)


def test_preserve_aspect_ratio_sizes():
    """The size rule alone for many input sizes and boxes, against the shape TensorFlow
    returns (float32 products that land on x.5 or one ulp beside an integer)."""
    boxes = [(224, 224), (299, 299), (3, 3), (1, 7), (100, 37), (1000, 1001), (480, 640), (7, 1)]
    sides = list(range(1, 60)) + [97, 127, 128, 255, 299, 333, 480, 640, 1001, 4000]
    # Where float32 and double give different sides (float32 is TensorFlow's).
    float32_differs = {(100, 37): [(27, 18), (39, 26), (51, 34), (54, 36)], (1000, 1001): [(480, 30), (480, 54)]}
    rng = np.random.default_rng(3)
    checked = 0
    for box in boxes:
        pipe = pixelpact.load(_preserve_doc(box, "nearest"))
        pairs = [(h, int(w)) for h in sides for w in rng.choice(sides, 6, replace=False)]
        for h, w in pairs + float32_differs.get(box, []):
            img = np.zeros((h, w, 1), np.uint8)
            try:
                shape = tf.image.resize(img, box, method="nearest", preserve_aspect_ratio=True).shape
            except tf.errors.InvalidArgumentError:  # a side rounds to 0
                with pytest.raises(ValueError, match="outside 1..1048576"):
                    pipe.output_shape(h, w)
                continue
            assert pipe.output_shape(h, w) == (shape[0], shape[1], 3), (box, h, w)
            checked += 1
    assert checked > 2500  # 8 boxes x 69 heights x 6 widths, less those TensorFlow refuses


def test_preserve_aspect_ratio_to_a_zero_side_is_refused():
    """TensorFlow fails (output dimensions must be positive); so does pixelpact."""
    img = noise(1000, 1, seed=1)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.image.resize(img, (1, 1000), preserve_aspect_ratio=True)
    with pytest.raises(ValueError, match="outside 1..1048576"):
        pixelpact.load(_preserve_doc((1, 1000), "bilinear"))(img)


WITH_PAD = [((1, 1), (7, 5)), ((1, 300), (17, 600)), ((300, 1), (600, 17)), ((97, 131), (224, 224)),
            ((131, 97), (61, 83)), ((480, 640), (224, 224)), ((4000, 30), (224, 224)), ((30, 4000), (299, 299)),
            ((3, 7), (5, 5)), ((101, 103), (107, 109)), ((64, 64), (64, 64)), ((17, 23), (400, 600)),
            ((333, 3), (120, 333)), ((27, 18), (100, 37)), ((480, 30), (1000, 1001)), ((5, 5), (1, 1))]


def _with_pad_doc(out_hw, method, antialias=False, after=()):
    doc = _doc(out_hw, method, antialias)
    doc["steps"][-1]["keep_ratio"] = "tf_resize_with_pad"
    doc["steps"] += list(after)
    return doc


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("in_hw,out_hw", WITH_PAD, ids=[f"{i[0]}x{i[1]}-{o[0]}x{o[1]}" for i, o in WITH_PAD])
def test_resize_with_pad(method, in_hw, out_hw):
    """tf.image.resize_with_pad(image, h, w, method, antialias): float32 ratio, sides
    floor(side / ratio), zeros floor((target - side / ratio) / 2) before; then the
    arithmetic after it reads the padding as 0.0 (x / 127.5 - 1 makes it -1)."""
    img = noise(*in_hw, seed=31)
    for antialias in (False, True):
        padded = tf.image.resize_with_pad(img, *out_hw, method=method, antialias=antialias)
        expected = tf.cast(padded, tf.float32).numpy()
        assert_same(pixelpact.load(_with_pad_doc(out_hw, method, antialias))(img), expected)
        scaled = (tf.cast(padded, tf.float32) / 127.5 - 1).numpy()
        after = [{"op": "div", "value": 127.5}, {"op": "sub", "value": 1}]
        assert_same(pixelpact.load(_with_pad_doc(out_hw, method, antialias, after))(img), scaled)


@pytest.mark.parametrize("in_hw,out_hw", WITH_PAD[:8], ids=[f"{i[0]}x{i[1]}-{o[0]}x{o[1]}" for i, o in WITH_PAD[:8]])
def test_resize_with_pad_nearest_on_uint8(in_hw, out_hw):
    """nearest keeps uint8 in TensorFlow, its padding is 0: the resize before to_float."""
    img = noise(*in_hw, seed=37)
    expected = tf.image.resize_with_pad(img, *out_hw, method="nearest").numpy()
    doc = {"pixelpact": 1, "input": {"color": "RGB"},
           "steps": [{"op": "resize", "size": list(out_hw), "keep_ratio": "tf_resize_with_pad",
                      "interpolation": "nearest", "engine": "tensorflow"}],
           "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
    assert_same(pixelpact.load(doc)(img), expected)


@pytest.mark.parametrize("fraction", [0.5, 0.875, 0.1])
def test_resize_with_pad_then_central_crop(fraction):
    """A crop of the padded float planes reads the padding as 0.0 too."""
    img = noise(97, 331, seed=41)
    expected = tf.image.central_crop(tf.image.resize_with_pad(img, 224, 224, method="bicubic"), fraction).numpy()
    doc = _with_pad_doc((224, 224), "bicubic", after=[{"op": "center_crop", "central_fraction": fraction}])
    assert_same(pixelpact.load(doc)(img), expected)


def test_resize_with_pad_sizes_and_offsets():
    """The sizes and paddings alone for many inputs and boxes: a constant image whose
    padding is the only 0 shows where TensorFlow put it."""
    boxes = [(224, 224), (299, 299), (3, 3), (1, 7), (100, 37), (1000, 1001), (480, 640), (7, 1)]
    sides = list(range(1, 60)) + [97, 127, 128, 255, 299, 333, 480, 640, 1001, 4000]
    rng = np.random.default_rng(5)
    checked = 0
    for box in boxes:
        pipe = pixelpact.load({"pixelpact": 1, "input": {"color": "GRAY"},
                               "steps": [{"op": "resize", "size": list(box), "keep_ratio": "tf_resize_with_pad",
                                          "interpolation": "nearest", "engine": "tensorflow"}],
                               "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}})
        for h in sides:
            for w in rng.choice(sides, 5, replace=False):
                img = np.full((h, int(w), 1), 7, np.uint8)
                try:
                    expected = tf.image.resize_with_pad(img, *box, method="nearest").numpy()
                except tf.errors.InvalidArgumentError:  # a side floors to 0
                    with pytest.raises(ValueError, match="outside 1..1048576"):
                        pipe(img[:, :, 0])
                    continue
                assert_same(pipe(img[:, :, 0]), np.repeat(expected, 3, axis=2))
                checked += 1
    assert checked > 2000


def test_views_and_negative_strides():
    """Non-contiguous and negative-stride inputs are read as numpy reads them."""
    base = noise(120, 170, channels=4, seed=21)
    views = [base[::-1, :, :3], base[:, ::-2, 2::-1], base[10:90:3, 5:150:2, :3]]
    for view in views:
        for method, antialias in [("bilinear", False), ("area", False), ("lanczos3", True), ("bicubic", False)]:
            expected = _tf_resize(np.ascontiguousarray(view), (37, 29), method, antialias)
            assert_same(pixelpact.load(_doc((37, 29), method, antialias))(view), expected)
