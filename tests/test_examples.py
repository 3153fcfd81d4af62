"""The five contracts of the foundation issue, exactly as written, against the
real torchvision / Pillow pipelines they describe."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode
from torchvision.transforms import v2

import pixelpact
from conftest import assert_same, noise

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]

E1 = {"pixelpact": 1, "name": "resnet50-imagenet-eval",
      "input": {"color": "RGB"},
      "steps": [
          {"op": "resize", "size": 256, "interpolation": "bilinear", "engine": "pillow"},
          {"op": "center_crop", "size": [224, 224]},
          {"op": "to_float", "dtype": "float32"},
          {"op": "div", "value": 255},
          {"op": "normalize", "mean": MEAN, "std": STD}],
      "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}

E2 = {"pixelpact": 1, "input": {"color": "BGR"},
      "steps": [
          {"op": "resize", "size": 235, "interpolation": "bicubic", "engine": "pillow"},
          {"op": "center_crop", "size": [224, 224]},
          {"op": "to_float", "dtype": "float32"},
          {"op": "div", "value": 255},
          {"op": "normalize", "mean": MEAN, "std": STD}],
      "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}

E3 = {"pixelpact": 1, "input": {"color": "RGB"},
      "steps": [
          {"op": "resize", "size": [200, 300], "interpolation": "hamming", "engine": "pillow"},
          {"op": "to_float", "dtype": "float32"},
          {"op": "mul", "value": 0.00392156862745098},
          {"op": "normalize", "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}],
      "output": {"layout": "NHWC", "dtype": "float16", "color": "RGB"}}

E4 = {"pixelpact": 1, "input": {"color": "RGB"},
      "steps": [{"op": "resize", "size": [320, 480], "interpolation": "lanczos", "engine": "pillow"}],
      "output": {"layout": "HWC", "dtype": "uint8", "color": "BGR"}}

E5 = {"pixelpact": 1, "input": {"color": "RGBA"},
      "steps": [
          {"op": "resize", "size": [64, 64], "interpolation": "box", "engine": "pillow"},
          {"op": "to_float", "dtype": "float32"},
          {"op": "div", "value": 255}],
      "output": {"layout": "CHW", "dtype": "float32", "color": "RGB"}}

# Up- and downscaling, odd and prime sizes, extreme aspect ratios.
SIZES = [(480, 640), (333, 500), (199, 257), (37, 1000), (1000, 37), (1, 1), (1, 300), (250, 1), (97, 131), (700, 701)]


@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_e1_resnet50_imagenet_eval(hw):
    rgb = noise(*hw)
    ref = T.Compose([T.Resize(256, InterpolationMode.BILINEAR), T.CenterCrop(224), T.ToTensor(),
                     T.Normalize(MEAN, STD)])
    expected = ref(Image.fromarray(rgb)).unsqueeze(0).numpy()
    assert_same(pixelpact.load(E1)(rgb), expected)


@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_e2_bgr_input_bicubic(hw):
    rgb = noise(*hw, seed=2)
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    ref = T.Compose([T.Resize(235, InterpolationMode.BICUBIC), T.CenterCrop(224), T.ToTensor(),
                     T.Normalize(MEAN, STD)])
    expected = ref(Image.fromarray(rgb)).unsqueeze(0).numpy()
    assert_same(pixelpact.load(E2)(bgr), expected)


@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_e3_v2_todtype_scale_hamming_float16(hw):
    rgb = noise(*hw, seed=3)
    ref = v2.Compose([v2.PILToTensor(), v2.ToDtype(torch.float32, scale=True),
                      v2.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])])
    resized = Image.fromarray(rgb).resize((300, 200), Image.HAMMING)
    expected = ref(resized).permute(1, 2, 0).unsqueeze(0).half().numpy()
    assert_same(pixelpact.load(E3)(rgb), expected)


def test_e3_multiply_is_not_division():
    """The contract's mul 1/255 must not be executed as div 255 (126 of 256 values differ)."""
    values = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    doc = {"pixelpact": 1, "input": {"color": "RGB"}, "steps": [{"op": "to_float", "dtype": "float32"}],
           "output": {"layout": "HWC", "dtype": "float32", "color": "RGB"}}
    mul = pixelpact.load({**doc, "steps": doc["steps"] + [{"op": "mul", "value": 1 / 255}]})(values)
    div = pixelpact.load({**doc, "steps": doc["steps"] + [{"op": "div", "value": 255}]})(values)
    assert_same(mul, values.astype(np.float32) * np.float32(1 / 255))
    assert_same(div, values.astype(np.float32) / np.float32(255))
    assert np.count_nonzero(mul[..., 0] != div[..., 0]) == 126


@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_e4_uint8_lanczos_bgr_output(hw):
    rgb = noise(*hw, seed=4)
    expected = np.asarray(Image.fromarray(rgb).resize((480, 320), Image.LANCZOS))[..., ::-1]
    assert_same(pixelpact.load(E4)(rgb), expected)


@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_e5_rgba_box(hw):
    rgba = noise(*hw, channels=4, seed=5)
    ref = T.Compose([T.Resize((64, 64), InterpolationMode.BOX), T.ToTensor()])
    expected = ref(Image.fromarray(rgba).convert("RGB")).numpy()
    assert_same(pixelpact.load(E5)(rgba), expected)
