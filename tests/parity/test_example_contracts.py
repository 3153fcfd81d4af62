"""The example contracts of tests/contracts/ (the five of the foundation issue),
exactly as written, against the real torchvision / Pillow pipelines they
describe; and the shared vectors stored beside two of them (expected tensors from
torchvision, read by the C++ and C tests too) through the Python API."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode
from torchvision.transforms import v2

import pixelpact
from helpers import CONTRACTS, MEAN, STD, assert_same, contract, noise, vector_names

E1 = contract("resnet50_imagenet_eval")
E2 = contract("bgr_bicubic_imagenet_eval")
E3 = contract("hamming_float16_nhwc")
E4 = contract("lanczos_uint8_bgr_hwc")
E5 = contract("rgba_box_64_chw")

# Up- and downscaling, odd and prime sizes, extreme aspect ratios.
SIZES = [(480, 640), (333, 500), (199, 257), (37, 1000), (1000, 37), (1, 1), (1, 300), (250, 1), (97, 131), (700, 701)]


@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_resnet50_imagenet_eval(hw):
    rgb = noise(*hw)
    ref = T.Compose([T.Resize(256, InterpolationMode.BILINEAR), T.CenterCrop(224), T.ToTensor(),
                     T.Normalize(MEAN, STD)])
    expected = ref(Image.fromarray(rgb)).unsqueeze(0).numpy()
    assert_same(pixelpact.load(E1)(rgb), expected)


@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_bgr_bicubic_imagenet_eval(hw):
    rgb = noise(*hw, seed=2)
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    ref = T.Compose([T.Resize(235, InterpolationMode.BICUBIC), T.CenterCrop(224), T.ToTensor(),
                     T.Normalize(MEAN, STD)])
    expected = ref(Image.fromarray(rgb)).unsqueeze(0).numpy()
    assert_same(pixelpact.load(E2)(bgr), expected)


@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_hamming_float16_nhwc_is_v2_todtype_scale(hw):
    rgb = noise(*hw, seed=3)
    ref = v2.Compose([v2.PILToTensor(), v2.ToDtype(torch.float32, scale=True),
                      v2.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])])
    resized = Image.fromarray(rgb).resize((300, 200), Image.HAMMING)
    expected = ref(resized).permute(1, 2, 0).unsqueeze(0).half().numpy()
    assert_same(pixelpact.load(E3)(rgb), expected)


def test_multiply_is_not_division():
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
def test_lanczos_uint8_bgr_hwc(hw):
    rgb = noise(*hw, seed=4)
    expected = np.asarray(Image.fromarray(rgb).resize((480, 320), Image.LANCZOS))[..., ::-1]
    assert_same(pixelpact.load(E4)(rgb), expected)


@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_rgba_box_64_chw(hw):
    rgba = noise(*hw, channels=4, seed=5)
    ref = T.Compose([T.Resize((64, 64), InterpolationMode.BOX), T.ToTensor()])
    expected = ref(Image.fromarray(rgba).convert("RGB")).numpy()
    assert_same(pixelpact.load(E5)(rgba), expected)


@pytest.mark.parametrize("name", vector_names())
def test_stored_vector(name):
    """The vectors the C++ and C tests read, through the Python API."""
    image = np.load(CONTRACTS / f"{name}_input.npy")
    expected = np.load(CONTRACTS / f"{name}_expected.npy")
    assert_same(pixelpact.load(CONTRACTS / f"{name}.json")(image), expected)
