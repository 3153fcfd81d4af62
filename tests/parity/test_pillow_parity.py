"""Parity sweep against the real Pillow 13 / torchvision: every filter, up- and
downscaling, hostile sizes, every input color, layout and dtype."""
from __future__ import annotations

import itertools

import numpy as np
import PIL
import pytest
import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

import pixelpact
from helpers import assert_same, noise

pytestmark = pytest.mark.slow  # a sweep: the fast subset leaves it out (CONTRIBUTING.md)

FILTERS = {
    "nearest": Image.NEAREST,
    "box": Image.BOX,
    "bilinear": Image.BILINEAR,
    "hamming": Image.HAMMING,
    "bicubic": Image.BICUBIC,
    "lanczos": Image.LANCZOS,
}

# (input h, w) -> (output h, w). Up, down, mixed, 1-pixel, prime, extreme aspect,
# and pairs where Pillow 13 resamples vertically first (height shrinks > 2x as many
# pixels as the width).
RESIZES = [
    ((1, 1), (1, 1)), ((1, 1), (7, 5)), ((1, 1), (1, 9)), ((1, 9), (3, 3)), ((9, 1), (2, 5)),
    ((1, 300), (1, 17)), ((300, 1), (17, 1)), ((1, 300), (4, 611)),
    ((4000, 30), (224, 224)), ((4000, 30), (100, 30)), ((30, 4000), (30, 100)), ((4000, 30), (57, 3)),
    ((97, 131), (224, 224)), ((131, 97), (61, 83)), ((101, 103), (107, 109)), ((256, 256), (255, 257)),
    ((480, 640), (240, 320)), ((480, 640), (256, 341)), ((480, 640), (133, 640)), ((480, 640), (480, 101)),
    ((500, 333), (384, 256)), ((17, 23), (400, 600)), ((640, 480), (211, 470)), ((1000, 999), (13, 997)),
    ((2, 2), (3, 1)), ((5, 3), (1, 1)), ((700, 50), (64, 48)), ((73, 1024), (71, 64)),
]


def _pillow(img, out_hw, name):
    return np.asarray(Image.fromarray(img).resize((out_hw[1], out_hw[0]), FILTERS[name]))


def test_pillow_line_is_pinned():
    assert PIL.__version__.split(".")[0] == "13", "the 'pillow' engine reproduces Pillow 13.x"


@pytest.mark.parametrize("name", list(FILTERS))
@pytest.mark.parametrize("in_hw,out_hw", RESIZES, ids=[f"{a[0]}x{a[1]}-{b[0]}x{b[1]}" for a, b in RESIZES])
def test_resize_uint8(name, in_hw, out_hw):
    img = noise(*in_hw, seed=hash(name) & 0xFFFF)
    doc = {"pixelpact": 1, "input": {"color": "RGB"},
           "steps": [{"op": "resize", "size": list(out_hw), "interpolation": name, "engine": "pillow"}],
           "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
    assert_same(pixelpact.load(doc)(img), _pillow(img, out_hw, name))


def test_vertical_first_cases_really_differ():
    """Guard that the sweep exercises Pillow 13's pass order: a horizontal-first
    model of one vertical-first case must disagree with Pillow."""
    img = noise(4000, 30, seed=1)
    pp_h_first = pixelpact.load({"pixelpact": 1, "input": {"color": "RGB"}, "steps": [
        {"op": "resize", "size": [4000, 3], "interpolation": "bilinear", "engine": "pillow"},
        {"op": "resize", "size": [57, 3], "interpolation": "bilinear", "engine": "pillow"}],
        "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}})(img)
    assert not np.array_equal(pp_h_first, _pillow(img, (57, 3), "bilinear"))


COLORS = ["RGB", "BGR", "RGBA", "BGRA", "GRAY"]
LAYOUTS = ["NCHW", "NHWC", "CHW", "HWC"]
DTYPES = ["float32", "float16", "uint8"]


def _input_for(color, rgb, rgba, gray):
    return {"RGB": rgb, "BGR": rgb[..., ::-1], "RGBA": rgba, "BGRA": rgba[..., [2, 1, 0, 3]], "GRAY": gray}[color]


def _pil_for(color, rgb, rgba, gray):
    if color in ("RGB", "BGR"):
        return Image.fromarray(rgb)
    if color in ("RGBA", "BGRA"):
        return Image.fromarray(rgba).convert("RGB")
    return Image.fromarray(gray).convert("RGB")


def _to_layout(chw: torch.Tensor, layout: str) -> torch.Tensor:
    if layout == "NCHW":
        return chw.unsqueeze(0)
    if layout == "NHWC":
        return chw.permute(1, 2, 0).unsqueeze(0)
    if layout == "CHW":
        return chw
    return chw.permute(1, 2, 0)


@pytest.mark.parametrize("color,layout,dtype", list(itertools.product(COLORS, LAYOUTS, DTYPES)))
@pytest.mark.parametrize("in_hw", [(59, 83), (300, 7)], ids=["59x83", "300x7"])
def test_color_layout_dtype(color, layout, dtype, in_hw):
    case = COLORS.index(color) * 100 + LAYOUTS.index(layout) * 10 + DTYPES.index(dtype)
    name = list(FILTERS)[case % 6]
    rgb = noise(*in_hw, seed=case)
    rgba = noise(*in_hw, channels=4, seed=case)
    gray = noise(*in_hw, channels=0, seed=case)
    out_color = "BGR" if case % 2 else "RGB"
    float_steps = [] if dtype == "uint8" else [
        {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
        {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}]
    doc = {"pixelpact": 1, "input": {"color": color},
           "steps": [{"op": "resize", "size": 40, "interpolation": name, "engine": "pillow"},
                     {"op": "center_crop", "size": [33, 37]}] + float_steps,
           "output": {"layout": layout, "dtype": dtype, "color": out_color}}

    mean = [0.485, 0.456, 0.406]
    std = [0.229, 0.224, 0.225]
    if out_color == "BGR":  # per-channel values are given in output channel order
        mean, std = mean[::-1], std[::-1]
        doc["steps"][-1:] = [] if dtype == "uint8" else [{"op": "normalize", "mean": mean, "std": std}]
    pil = T.CenterCrop((33, 37))(T.Resize(40, {"nearest": InterpolationMode.NEAREST, "box": InterpolationMode.BOX,
                                                "bilinear": InterpolationMode.BILINEAR,
                                                "hamming": InterpolationMode.HAMMING,
                                                "bicubic": InterpolationMode.BICUBIC,
                                                "lanczos": InterpolationMode.LANCZOS}[name])(
        _pil_for(color, rgb, rgba, gray)))
    if dtype == "uint8":
        chw = T.PILToTensor()(pil)
    else:
        chw = T.ToTensor()(pil)
    if out_color == "BGR":
        chw = chw.flip(0)
    if dtype != "uint8":
        chw = T.Normalize(mean, std)(chw)
    expected = _to_layout(chw, layout)
    if dtype == "float16":
        expected = expected.half()
    image = _input_for(color, rgb, rgba, gray)
    assert_same(pixelpact.load(doc)(image), expected.numpy())


@pytest.mark.parametrize("in_hw", [(480, 640), (640, 480), (500, 333), (1, 1), (3, 2000), (2000, 3), (224, 224), (255, 600)])
@pytest.mark.parametrize("size,max_size", [(256, None), (224, 300), (100, 101), (7, None)])
@pytest.mark.parametrize("crop", [(224, 224), (300, 180), (1, 1), (301, 3)])
def test_shorter_side_rule_and_center_crop(in_hw, size, max_size, crop):
    """torchvision's Resize(int, max_size) truncation and CenterCrop's rounding
    and zero padding, including crops larger than the image."""
    rgb = noise(*in_hw, seed=size)
    step = {"op": "resize", "size": size, "interpolation": "bilinear", "engine": "pillow"}
    if max_size:
        step["max_size"] = max_size
    doc = {"pixelpact": 1, "input": {"color": "RGB"},
           "steps": [step, {"op": "center_crop", "size": list(crop)}],
           "output": {"layout": "CHW", "dtype": "uint8", "color": "RGB"}}
    ref = T.Compose([T.Resize(size, InterpolationMode.BILINEAR, max_size=max_size), T.CenterCrop(crop),
                     T.PILToTensor()])
    pipe = pixelpact.load(doc)
    try:
        expected = ref(Image.fromarray(rgb)).numpy()
    except ValueError:  # the size rule reached 0 pixels: Pillow refuses, so must we
        with pytest.raises(ValueError, match="resize step 0 maps"):
            pipe.output_shape(*in_hw)
        with pytest.raises(ValueError, match="resize step 0 maps"):
            pipe(rgb)
        return
    assert pipe.output_shape(*in_hw) == expected.shape
    assert_same(pipe(rgb), expected)


@pytest.mark.parametrize("crop_first", [(500, 11), (3, 3), (64, 700)])
@pytest.mark.parametrize("name", ["nearest", "bicubic"])
def test_chained_geometry(crop_first, name):
    """Crop (with padding) then resize then crop: stages compose exactly."""
    rgb = noise(120, 90, seed=7)
    doc = {"pixelpact": 1, "input": {"color": "RGB"},
           "steps": [{"op": "center_crop", "size": list(crop_first)},
                     {"op": "resize", "size": [77, 51], "interpolation": name, "engine": "pillow"},
                     {"op": "resize", "size": 30, "interpolation": "lanczos", "engine": "pillow"},
                     {"op": "center_crop", "size": 29}],
           "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
    mode = InterpolationMode.NEAREST if name == "nearest" else InterpolationMode.BICUBIC
    ref = T.Compose([T.CenterCrop(crop_first), T.Resize((77, 51), mode),
                     T.Resize(30, InterpolationMode.LANCZOS), T.CenterCrop(29)])
    expected = np.asarray(ref(Image.fromarray(rgb)))
    assert_same(pixelpact.load(doc)(rgb), expected)


@pytest.mark.parametrize("out_dtype", ["float32", "float16"])
def test_float64_arithmetic(out_dtype):
    """to_float float64: arithmetic in double, then cast like torch's .float()/.half()
    (a float64 tensor reaches float16 through float32)."""
    rgb = noise(45, 61, seed=11)
    doc = {"pixelpact": 1, "input": {"color": "RGB"},
           "steps": [{"op": "resize", "size": [30, 40], "interpolation": "bicubic", "engine": "pillow"},
                     {"op": "to_float", "dtype": "float64"},
                     {"op": "div", "value": 255},
                     {"op": "sub", "value": [0.1, 0.2, 0.3]},
                     {"op": "mul", "value": 3.7},
                     {"op": "add", "value": -0.01},
                     {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}],
           "output": {"layout": "CHW", "dtype": out_dtype, "color": "RGB"}}
    pil = Image.fromarray(rgb).resize((40, 30), Image.BICUBIC)
    x = torch.from_numpy(np.asarray(pil).copy()).permute(2, 0, 1).double()
    x = x / 255
    x = x - torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64).view(3, 1, 1)
    x = x * 3.7
    x = x + -0.01
    x = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])(x)
    expected = x.float() if out_dtype == "float32" else x.half()
    assert_same(pixelpact.load(doc)(rgb), expected.numpy())


def test_float_output_without_to_float():
    """No to_float: the bytes themselves become floats (no scaling)."""
    rgb = noise(20, 30, seed=12)
    doc = {"pixelpact": 1, "input": {"color": "RGB"}, "steps": [],
           "output": {"layout": "NCHW", "dtype": "float16", "color": "BGR"}}
    expected = torch.from_numpy(rgb.copy()).permute(2, 0, 1).flip(0).unsqueeze(0).half().numpy()
    assert_same(pixelpact.load(doc)(rgb), expected)
