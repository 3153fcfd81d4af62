"""Parity of the "opencv" resize engine with the real cv2.resize (the installed
opencv-python-headless 5.x; tests/test_opencv_versions.py runs the same cases
against 4.12 in its own virtual environment): every interpolation flag, size
given as dsize or as fx/fy, up- and downscaling, hostile sizes, OpenCV's
special cases (copy when the size is unchanged, exact 1/2 switching LINEAR and
LINEAR_EXACT to INTER_AREA, integer-factor AREA with blocks cut by the border,
AREA upscaling), 1 and 3 channels, and results independent of OpenCV's thread
count. The reference is OpenCV's own code: IPP off (it changes INTER_CUBIC only,
see test_ipp_changes_only_cubic)."""
from __future__ import annotations

import numpy as np
import pytest

import pixelpact
from conftest import assert_same, noise

import cv2  # noqa: E402 - opencv-python-headless is in the test extra

FLAGS = {"nearest": "INTER_NEAREST", "nearest-exact": "INTER_NEAREST_EXACT", "bilinear": "INTER_LINEAR",
         "bilinear-exact": "INTER_LINEAR_EXACT", "bicubic": "INTER_CUBIC", "area": "INTER_AREA",
         "lanczos4": "INTER_LANCZOS4"}

# (input (h, w), ("size", (h, w)) or ("scale", (fy, fx))).
SIZES = [
    ((1, 1), (1, 1)), ((1, 1), (7, 5)), ((1, 1), (1, 9)), ((1, 9), (3, 3)), ((9, 1), (2, 5)),
    ((1, 300), (1, 17)), ((300, 1), (17, 1)), ((1, 300), (4, 611)), ((2, 2), (3, 1)), ((5, 3), (1, 1)),
    ((4000, 30), (224, 224)), ((4000, 30), (100, 30)), ((30, 4000), (30, 100)), ((4000, 30), (57, 3)),
    ((97, 131), (224, 224)), ((131, 97), (61, 83)), ((101, 103), (107, 109)), ((256, 256), (255, 257)),
    ((480, 640), (240, 320)),   # exactly 1/2: LINEAR and LINEAR_EXACT become INTER_AREA
    ((480, 640), (120, 160)),   # integer factor 4: AREA fast path
    ((480, 640), (160, 320)),   # integer factors 3 and 2
    ((480, 640), (256, 341)), ((500, 333), (384, 256)), ((17, 23), (400, 600)), ((1000, 999), (13, 997)),
    ((700, 50), (64, 48)), ((73, 1024), (71, 64)), ((2, 2), (1, 1)), ((3, 3), (1, 1)), ((8, 8), (2, 2)),
    ((63, 65), (126, 130)), ((64, 64), (64, 64)), ((223, 227), (229, 233)), ((11, 13), (5, 13)),
    ((1, 268), (107, 373)),  # row 53 samples at -5.6e-17: 1.0 above row -1 in float (Lanczos tap at 0)
]
SCALES = [
    ((480, 640), (0.5, 0.5)), ((481, 641), (0.5, 0.5)), ((7, 7), (0.5, 0.5)), ((100, 100), (1 / 3, 1 / 3)),
    ((101, 103), (0.3, 0.7)), ((50, 60), (2.5, 1.7)), ((97, 131), (224 / 97, 224 / 131)),
    ((33, 47), (1.02, 1.01)),   # rounds to the input size: cv::resize copies
    ((203, 301), (0.25, 0.25)), ((10, 10), (0.999, 3.0)), ((29, 31), (1 / 7, 1 / 7)), ((40, 41), (0.1, 0.1)),
    ((37, 53), (1.5, 0.66)), ((300, 7), (0.07, 2.0)),
]
CASES = [(i, "size", s) for i, s in SIZES] + [(i, "scale", s) for i, s in SCALES]
IDS = [f"{i[0]}x{i[1]}-{kind}-{s[0]:.4g}x{s[1]:.4g}" for i, kind, s in CASES]


def contract(kind, spec, name, color="RGB", version=None, extra=()):
    step = {"op": "resize", kind: list(spec), "interpolation": name, "engine": "opencv"}
    if version:
        step["version"] = version
    return {"pixelpact": 1, "input": {"color": color}, "steps": [step, *extra],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def cv_resize(cv, img, kind, spec, name):
    """cv2.resize as a user writes it: dsize is (width, height); fx/fy with dsize None."""
    flag = getattr(cv, FLAGS[name])
    if kind == "size":
        return cv.resize(img, (spec[1], spec[0]), interpolation=flag)
    return cv.resize(img, None, fx=spec[1], fy=spec[0], interpolation=flag)


def case_image(index, in_hw):
    """RGB for even cases, GRAY (2-D) for odd ones."""
    return noise(*in_hw, channels=3 if index % 2 == 0 else 0, seed=index)


def as_rgb(out):
    return out if out.ndim == 3 else np.repeat(out[..., None], 3, axis=2)


@pytest.fixture(scope="module")
def opencv_reference():
    cv2.setNumThreads(1)
    cv2.ipp.setUseIPP(False)
    yield cv2
    cv2.ipp.setUseIPP(True)
    cv2.setNumThreads(-1)


def test_opencv_line_is_pinned():
    assert cv2.__version__.split(".")[0] == "5", "the default 'opencv' dialect reproduces OpenCV 5.x"


@pytest.mark.parametrize("name", list(FLAGS))
@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_resize_matches_cv2(opencv_reference, name, index):
    in_hw, kind, spec = CASES[index]
    img = case_image(index, in_hw)
    expected = as_rgb(cv_resize(opencv_reference, img, kind, spec, name))
    pipe = pixelpact.load(contract(kind, spec, name, "RGB" if img.ndim == 3 else "GRAY"))
    assert pipe.output_shape(*in_hw) == expected.shape
    assert_same(pipe(img), expected)


def test_scale_is_not_the_same_as_its_size(opencv_reference):
    """fx/fy sample with the factor itself, not dsize/src: the same output size
    given both ways gives different pixels, and each matches its own cv2 call."""
    img = noise(97, 131, seed=3)
    fy, fx = 224 / 97 + 1e-3, 224 / 131 + 1e-3  # rounds to 224 x 224
    by_scale = pixelpact.load(contract("scale", (fy, fx), "bilinear"))(img)
    by_size = pixelpact.load(contract("size", (224, 224), "bilinear"))(img)
    assert_same(by_scale, cv_resize(opencv_reference, img, "scale", (fy, fx), "bilinear"))
    assert_same(by_size, cv_resize(opencv_reference, img, "size", (224, 224), "bilinear"))
    assert by_scale.shape == by_size.shape and not np.array_equal(by_scale, by_size)


def test_special_cases_really_switch(opencv_reference):
    """Guards that the sweep exercises OpenCV's switches: at exactly 1/2 INTER_LINEAR
    and INTER_LINEAR_EXACT equal INTER_AREA; elsewhere they do not."""
    img = noise(480, 640, seed=5)
    half = [cv_resize(opencv_reference, img, "size", (240, 320), n) for n in ("bilinear", "bilinear-exact", "area")]
    assert np.array_equal(half[0], half[2]) and np.array_equal(half[1], half[2])
    other = [cv_resize(opencv_reference, img, "size", (241, 320), n) for n in ("bilinear", "bilinear-exact", "area")]
    assert not np.array_equal(other[0], other[2]) and not np.array_equal(other[0], other[1])


@pytest.mark.parametrize("name", list(FLAGS))
def test_resize_then_crop(opencv_reference, name):
    """Only the output pixels that survive a crop are computed, from only the
    input they need: still cv2.resize's pixels."""
    img = noise(333, 500, seed=11)
    doc = contract("size", (256, 384), name, extra=[{"op": "center_crop", "size": [224, 201]}])
    full = cv_resize(opencv_reference, img, "size", (256, 384), name)
    top, left = 16, 92  # torchvision's round-half-even offsets of (256 - 224) / 2, (384 - 201) / 2
    assert_same(pixelpact.load(doc)(img), full[top:top + 224, left:left + 201])


def test_bgr_pipeline_to_normalized_tensor(opencv_reference):
    """A serving contract: cv2.imread's BGR, cv2.resize INTER_LINEAR, RGB NCHW float32
    normalized like torchvision."""
    import torch
    from torchvision import transforms as T

    bgr = noise(480, 640, seed=12)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    doc = {"pixelpact": 1, "input": {"color": "BGR"},
           "steps": [{"op": "resize", "size": [224, 224], "interpolation": "bilinear", "engine": "opencv"},
                     {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                     {"op": "normalize", "mean": mean, "std": std}],
           "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}
    rgb = cv2.cvtColor(cv2.resize(bgr, (224, 224), interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2RGB)
    x = torch.from_numpy(rgb).permute(2, 0, 1).float() / 255
    expected = T.Normalize(mean, std)(x).unsqueeze(0).numpy()
    assert_same(pixelpact.load(doc)(bgr), expected)


@pytest.mark.parametrize("name", list(FLAGS))
def test_independent_of_opencv_threads(opencv_reference, name):
    """OpenCV splits a resize into row stripes over its threads; no mode's pixels
    depend on that (each output row is computed from its own table entries)."""
    img = noise(1000, 1500, seed=13)
    for size in ((700, 900), (333, 500)):
        single = cv_resize(opencv_reference, img, "size", size, name)
        cv2.setNumThreads(8)
        try:
            many = cv_resize(opencv_reference, img, "size", size, name)
        finally:
            cv2.setNumThreads(1)
        assert_same(many, single)
        assert_same(pixelpact.load(contract("size", size, name))(img), single)


def test_ipp_changes_only_cubic():
    """Why the reference turns IPP off: with IPP (the wheels' default) INTER_CUBIC
    on uint8 runs Intel's kernel, whose pixels are not OpenCV's code (and differ
    between IPP releases and CPUs), so it cannot be a contract. Every other mode
    is the same with IPP on, so those contracts also hold for default cv2 calls."""
    was_ipp, was_threads = cv2.ipp.useIPP(), cv2.getNumThreads()  # restored below
    cv2.ipp.setUseIPP(True)
    has_ipp = cv2.ipp.useIPP()  # False on builds without IPP (e.g. aarch64): then nothing differs
    cv2.setNumThreads(1)
    cubic_differs = 0
    try:
        for i in range(6):
            img = noise(97 + 31 * i, 131 + 17 * i, seed=i)
            for name in FLAGS:
                cv2.ipp.setUseIPP(True)
                with_ipp = cv_resize(cv2, img, "size", (61 + 40 * i, 83 + 7 * i), name)
                cv2.ipp.setUseIPP(False)
                without = cv_resize(cv2, img, "size", (61 + 40 * i, 83 + 7 * i), name)
                if name == "bicubic":
                    cubic_differs += not np.array_equal(with_ipp, without)
                else:
                    assert_same(with_ipp, without)
    finally:
        cv2.ipp.setUseIPP(was_ipp)
        cv2.setNumThreads(was_threads)
    assert cubic_differs > 0 if has_ipp else cubic_differs == 0


@pytest.mark.parametrize("name", list(FLAGS))
def test_alpha_is_dropped_first(opencv_reference, name):
    """RGBA/BGRA inputs: the contract resizes the 3 colour channels, i.e. equals
    cv2.resize of img[..., :3] (BGRA -> RGB output reversed)."""
    rgba = noise(61, 89, channels=4, seed=21)
    expected = cv_resize(opencv_reference, np.ascontiguousarray(rgba[..., :3]), "size", (40, 131), name)
    assert_same(pixelpact.load(contract("size", (40, 131), name, "RGBA"))(rgba), expected)
    bgr_out = pixelpact.load(contract("size", (40, 131), name, "BGRA"))(rgba)
    assert_same(bgr_out, np.ascontiguousarray(expected[..., ::-1]))


def test_scale_to_an_empty_image_is_refused(opencv_reference):
    """fx/fy rounding an axis to 0 pixels: cv2.resize refuses, and so does the contract."""
    img = noise(10, 10, seed=22)
    with pytest.raises(cv2.error):
        cv_resize(opencv_reference, img, "scale", (0.04, 1.0), "bilinear")
    pipe = pixelpact.load(contract("scale", (0.04, 1.0), "bilinear"))
    with pytest.raises(ValueError, match="resize step 0 maps a 10x10 image to 0x10"):
        pipe.output_shape(10, 10)
    with pytest.raises(ValueError, match="resize step 0 maps"):
        pipe(img)
    assert pipe.output_shape(13, 10) == (1, 10, 3)  # 13 * 0.04 = 0.52 rounds to 1
