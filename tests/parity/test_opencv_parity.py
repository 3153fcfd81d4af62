"""Parity of the "opencv" resize engine with the real cv2.resize (the installed
opencv-python-headless 5.x; tests/parity/test_opencv_versions.py runs the same cases
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
from helpers import assert_same, noise
from helpers.opencv_cases import CASES, FLAGS, IDS, as_rgb, case_image, contract, cv_resize

import cv2  # noqa: E402 - opencv-python-headless is in the test extra

pytestmark = pytest.mark.slow  # a sweep: the fast subset leaves it out (CONTRIBUTING.md)

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
