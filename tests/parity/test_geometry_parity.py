"""crop, pad, center_crop rules and fills, keep-ratio resizes and letterbox against
the real libraries (torchvision v1 on PIL and v2 on tensors, Hugging Face
processors of both backends, timm, Ultralytics), on noise images of hostile sizes.
Every comparison is np.array_equal with dtype and shape."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image

import pixelpact
from helpers import assert_same, noise

SIZES = [(1, 1), (1, 7), (9, 1), (2, 3), (5, 8), (13, 11), (31, 17), (4, 97), (120, 3)]


def contract(steps, layout="HWC", dtype="uint8", color="RGB", input_color="RGB"):
    return {"pixelpact": 1, "input": {"color": input_color}, "steps": steps,
            "output": {"layout": layout, "dtype": dtype, "color": color}}


def run(steps, img, **kw):
    return pixelpact.load(contract(steps, **kw))(img)


def tv_tensor(img):
    import torch

    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


def from_tensor(t):
    return t.numpy().transpose(1, 2, 0)


# ---- crop -----------------------------------------------------------------------

def _boxes(h, w):
    return [(0, 0, h, w), (0, 0, 1, 1), (h - 1, w - 1, 1, 1), (-2, -3, h + 5, w + 1), (h // 2, w // 3, h, w),
            (-h - 4, 0, 3, 2), (h + 1, w + 2, 2, 3), (1, -1, max(1, h - 2), w + 2)]


@pytest.mark.parametrize("h,w", SIZES)
def test_crop_matches_torchvision(h, w):
    import torchvision.transforms.functional as F
    import torchvision.transforms.v2.functional as F2

    img = noise(h, w, seed=1)
    for top, left, ch, cw in _boxes(h, w):
        step = {"op": "crop", "top": top, "left": left, "height": ch, "width": cw}
        ours = run([step], img)
        assert_same(ours, np.asarray(F.crop(Image.fromarray(img), top, left, ch, cw)))
        assert_same(ours, from_tensor(F2.crop(tv_tensor(img), top, left, ch, cw)))


def test_crop_fill_and_bgr_order():
    """fill is in output channel order; a BGR input is padded with the swapped bytes."""
    img = noise(6, 5, seed=2)
    step = {"op": "crop", "top": -2, "left": 3, "height": 9, "width": 6, "fill": [10, 20, 30]}
    rgb = run([step], img)
    bgr_in = run([step], img[..., ::-1], input_color="BGR")
    assert_same(bgr_in, rgb)
    assert (rgb[:2] == [10, 20, 30]).all() and (rgb[:, 2:] == [10, 20, 30]).all()


# ---- pad ------------------------------------------------------------------------

PADDINGS = [0, 1, 3, [2], [1, 4], [0, 2, 5, 1], [3, 0, 0, 0], [0, 0, 0, 7]]
FILLS = [0, 114, 255, (10, 200, 37)]


@pytest.mark.parametrize("h,w", SIZES)
def test_pad_matches_torchvision(h, w):
    import torchvision.transforms as T
    import torchvision.transforms.v2 as T2

    img = noise(h, w, seed=3)
    for padding, fill in itertools.product(PADDINGS, FILLS):
        step = {"op": "pad", "padding": padding, "fill": list(fill) if isinstance(fill, tuple) else fill}
        ours = run([step], img)
        assert_same(ours, np.asarray(T.Pad(padding, fill=fill)(Image.fromarray(img))))
        assert_same(ours, from_tensor(T2.Pad(padding, fill=fill)(tv_tensor(img))))


def test_pad_gray_input_matches_torchvision_on_rgb():
    """GRAY input is replicated to RGB first (Pillow's convert('RGB')), then padded."""
    import torchvision.transforms as T

    img = noise(5, 9, channels=0, seed=4)
    ours = run([{"op": "pad", "padding": [2, 1, 0, 3], "fill": 77}], img, input_color="GRAY")
    assert_same(ours, np.asarray(T.Pad([2, 1, 0, 3], fill=77)(Image.fromarray(img).convert("RGB"))))


def test_nested_fills_and_resize_of_padding():
    """Padding of different colours on top of each other, then a resize that
    reads across the padding edges; against torchvision on PIL."""
    import torchvision.transforms as T

    img = noise(23, 14, seed=5)
    tv = T.Compose([T.Pad([3, 1, 0, 2], fill=(200, 10, 60)), T.Pad(2, fill=114), T.CenterCrop((29, 15)),
                    T.Resize((40, 33), interpolation=T.InterpolationMode.BICUBIC),
                    T.Pad([0, 5], fill=(1, 2, 3)), T.CenterCrop((52, 20))])
    steps = [{"op": "pad", "padding": [3, 1, 0, 2], "fill": [200, 10, 60]}, {"op": "pad", "padding": 2, "fill": 114},
             {"op": "center_crop", "size": [29, 15]},
             {"op": "resize", "size": [40, 33], "interpolation": "bicubic", "engine": "pillow"},
             {"op": "pad", "padding": [0, 5], "fill": [1, 2, 3]}, {"op": "center_crop", "size": [52, 20]}]
    assert_same(run(steps, img), np.asarray(tv(Image.fromarray(img))))
    # The same through the float writer: fills are bytes mapped by the table.
    ours = run(steps + [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}], img,
               layout="CHW", dtype="float32")
    expected = T.ToTensor()(tv(Image.fromarray(img))).numpy()
    assert_same(ours, expected)


# ---- center_crop rules ------------------------------------------------------------

CROPS = [(1, 1), (1, 4), (3, 3), (4, 7), (8, 5), (12, 12), (40, 2), (2, 130)]


@pytest.mark.parametrize("h,w", SIZES)
def test_center_crop_torchvision_rule(h, w):
    import torchvision.transforms as T
    import torchvision.transforms.v2 as T2

    img = noise(h, w, seed=6)
    for crop in CROPS:
        ours = run([{"op": "center_crop", "size": list(crop), "rule": "torchvision"}], img)
        assert_same(ours, np.asarray(T.CenterCrop(crop)(Image.fromarray(img))))
        assert_same(ours, from_tensor(T2.CenterCrop(crop)(tv_tensor(img))))


def _hf_processor(backend, crop):
    import transformers

    cls = transformers.CLIPImageProcessorPil if backend == "pil" else transformers.CLIPImageProcessor
    return cls(do_resize=False, do_center_crop=True, crop_size={"height": crop[0], "width": crop[1]},
               do_rescale=False, do_normalize=False)


@pytest.mark.parametrize("backend", ["pil", "torchvision"])
@pytest.mark.parametrize("h,w", SIZES)
def test_center_crop_hugging_face_rules(backend, h, w):
    img = noise(h, w, seed=7)
    rule = "hf_pil" if backend == "pil" else "hf_torchvision"
    for crop in CROPS:
        out = _hf_processor(backend, crop)(Image.fromarray(img), return_tensors="np" if backend == "pil" else "pt")
        expected = np.asarray(out["pixel_values"])
        ours = run([{"op": "center_crop", "size": list(crop), "rule": rule}], img, layout="NCHW")
        assert_same(ours, expected)


def test_center_crop_rules_differ():
    """The three rules are not interchangeable (the tests above would not catch a
    rule that ignored its name if they agreed on every case)."""
    img = noise(6, 9, seed=8)
    outs = {rule: run([{"op": "center_crop", "size": [3, 12], "rule": rule}], img)
            for rule in ["torchvision", "hf_pil", "hf_torchvision"]}
    assert not np.array_equal(outs["torchvision"], outs["hf_torchvision"])  # 9 -> 12 is padding; 6 -> 3: round(1.5) = 2 vs 1
    assert not np.array_equal(outs["hf_pil"], outs["hf_torchvision"])  # 9 -> 12: 1 padded column before vs ceil(3 / 2) = 2


@pytest.mark.parametrize("h,w", SIZES)
def test_center_crop_or_pad_matches_timm(h, w):
    from timm.data.transforms import CenterCropOrPad

    img = noise(h, w, seed=9)
    for crop, fill in itertools.product(CROPS, [0, 124, (124, 116, 104)]):
        step = {"op": "center_crop", "size": list(crop), "fill": list(fill) if isinstance(fill, tuple) else fill}
        assert_same(run([step], img), np.asarray(CenterCropOrPad(crop, fill=fill)(Image.fromarray(img))))


# ---- keep-ratio resizes ------------------------------------------------------------

RESIZE_SIZES = [(1, 1), (1, 9), (7, 1), (5, 8), (33, 17), (4, 300), (250, 3), (97, 131)]


@pytest.mark.parametrize("h,w", RESIZE_SIZES)
def test_resize_longer_side_matches_torchvision_v2(h, w):
    import torchvision.transforms.v2 as T2

    img = noise(h, w, seed=10)
    for size, interp in [(16, "bilinear"), (37, "bicubic"), (200, "lanczos")]:
        mode = getattr(T2.InterpolationMode, interp.upper())
        from torchvision.transforms.functional import _compute_resized_output_size

        expected_hw = _compute_resized_output_size((h, w), None, max_size=size, allow_size_none=True)
        if min(expected_hw) < 1:
            with pytest.raises(ValueError):
                run([{"op": "resize", "size": size, "keep_ratio": "longer", "interpolation": interp,
                      "engine": "pillow"}], img)
            continue
        expected = np.asarray(T2.Resize(None, max_size=size, interpolation=mode)(Image.fromarray(img)))
        ours = run([{"op": "resize", "size": size, "keep_ratio": "longer", "interpolation": interp,
                     "engine": "pillow"}], img)
        assert_same(ours, expected)


@pytest.mark.parametrize("h,w", RESIZE_SIZES)
def test_resize_keep_ratio_matches_timm(h, w):
    from timm.data.transforms import ResizeKeepRatio

    img = noise(h, w, seed=11)
    for target, longest, interp in [((16, 16), 0, "bilinear"), ((16, 16), 1, "bicubic"), ((24, 40), 0, "bicubic"),
                                    ((41, 7), 1, "bilinear"), ((300, 250), 0, "lanczos")]:
        rule = "not_larger" if longest else "not_smaller"
        step = {"op": "resize", "size": list(target), "keep_ratio": rule, "interpolation": interp,
                "engine": "pillow"}
        try:
            expected = np.asarray(ResizeKeepRatio(target, longest=longest, interpolation=interp)(Image.fromarray(img)))
        except ValueError:  # a side rounds to 0: Pillow refuses, so do we
            with pytest.raises(ValueError, match="outside 1..1048576"):
                run([step], img)
            continue
        assert_same(run([step], img), expected)


# ---- letterbox ---------------------------------------------------------------------

def _letterbox(**kw):
    from ultralytics.data.augment import LetterBox

    return LetterBox(**kw)


LETTERBOX_CASES = [
    # new_shape, auto, stride, center
    ((64, 64), False, 32, True), ((64, 48), False, 32, True), ((61, 45), False, 32, False),
    ((64, 64), True, 32, True), ((96, 80), True, 16, True), ((33, 70), True, 8, False),
]


@pytest.mark.parametrize("h,w", [(1, 1), (1, 13), (17, 1), (20, 31), (45, 33), (33, 45), (61, 45)])
def test_letterbox_without_resampling_matches_ultralytics(h, w):
    """scaleup=False on images no larger than the target: Ultralytics skips
    cv2.resize, so the output is exactly its padding arithmetic. (The Pillow
    engine's resize to the same size is the identity, as Ultralytics' skip.)"""
    img = noise(h, w, seed=12)  # BGR or RGB alike: padding is grey
    ran = 0
    for (shape, auto, stride, center), fill in itertools.product(LETTERBOX_CASES, [114, 0]):
        lb = _letterbox(new_shape=shape, auto=auto, stride=stride, scaleup=False, center=center, padding_value=fill)
        if lb.get_params({"img": img})["new_unpad"] != (w, h):
            continue  # this one resamples (image larger than the target): see the geometry test
        ran += 1
        expected = lb(image=img.copy())
        step = {"op": "letterbox", "size": list(shape), "auto": auto, "stride": stride, "scaleup": False,
                "center": center, "fill": fill, "engine": "pillow"}
        assert_same(run([step], img, input_color="BGR", color="BGR"), expected)
    assert ran >= 8


@pytest.mark.parametrize("h,w", [(1, 1), (3, 500), (480, 640), (640, 480), (100, 101), (37, 1000), (721, 1280)])
def test_letterbox_geometry_matches_ultralytics(h, w):
    """With resampling the pixels need the opencv engine; the geometry (output
    shape, padding widths, resized size) must already equal Ultralytics'."""
    for (shape, auto, stride, center), scaleup in itertools.product(LETTERBOX_CASES, [True, False]):
        lb = _letterbox(new_shape=shape, auto=auto, stride=stride, scaleup=scaleup, center=center)
        p = lb.get_params({"img": np.zeros((h, w, 3), np.uint8)})
        step = {"op": "letterbox", "size": list(shape), "auto": auto, "stride": stride, "scaleup": scaleup,
                "center": center, "engine": "pillow"}
        pipe = pixelpact.load(contract([step]))
        out_h = p["new_unpad"][1] + p["top"] + p["bottom"]
        out_w = p["new_unpad"][0] + p["left"] + p["right"]
        assert pipe.output_shape(h, w) == (out_h, out_w, 3)
        # A constant image (not 114) shows where the image landed.
        img = np.full((h, w, 3), 7, np.uint8)
        ours = pipe(img)
        rows = np.flatnonzero((ours[..., 0] == 7).any(axis=1))
        cols = np.flatnonzero((ours[..., 0] == 7).any(axis=0))
        assert (rows[0], rows[-1] + 1) == (p["top"], p["top"] + p["new_unpad"][1])
        assert (cols[0], cols[-1] + 1) == (p["left"], p["left"] + p["new_unpad"][0])
        assert (ours[: p["top"]] == 114).all() and (ours[:, : p["left"]] == 114).all()
