"""The two-pass uint8 resize runs band by band (cpp/src/engines/common/conv_stage.cpp:
for each band of output rows, the first pass fills a small intermediate that the
second pass reads while it is in cache, keeping the rows two bands share). The
sweeps elsewhere mostly use images small enough for one band; these sizes span
several bands (an intermediate row of 4 bytes per pixel, 256 KB a band), with
rows shared between bands, in both of Pillow 13's pass orders, for every working
channel count (GRAY, RGB, RGBA premultiplied) and for engine 'torch', each against
the real library."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.transforms.v2 import functional as F
from torchvision.transforms import InterpolationMode

import pixelpact
from helpers import assert_same, noise

pytestmark = pytest.mark.slow  # large images: the fast subset leaves it out (CONTRIBUTING.md)

PIL_FILTERS = {"box": Image.BOX, "bilinear": Image.BILINEAR, "hamming": Image.HAMMING,
               "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}

# (input h, w) -> (output h, w), with the pass order Pillow 13 takes; each spans
# several bands.
RESIZES = [
    ((1080, 1920), (256, 455)),   # horizontal first, downscale (wide taps, many rows shared)
    ((901, 1301), (301, 611)),    # horizontal first, primes
    ((200, 700), (521, 1500)),    # horizontal first, upscale (1-3 rows shared)
    ((3001, 700), (299, 690)),    # vertical first (4 bands)
    ((2000, 1200), (97, 1190)),   # vertical first (2 bands), strong vertical downscale
]
IDS = [f"{a[0]}x{a[1]}-{b[0]}x{b[1]}" for a, b in RESIZES]


def _resize_doc(out_hw, name, color, engine="pillow", alpha=None, extra=None):
    inp = {"color": color}
    if alpha:
        inp["alpha"] = alpha
    step = {"op": "resize", "size": list(out_hw), "interpolation": name, "engine": engine}
    step.update(extra or {})
    return {"pixelpact": 1, "input": inp, "steps": [step],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


@pytest.mark.parametrize("name", list(PIL_FILTERS))
@pytest.mark.parametrize("in_hw,out_hw", RESIZES, ids=IDS)
def test_pillow_rgb(name, in_hw, out_hw):
    img = noise(*in_hw, seed=len(name))
    expected = np.asarray(Image.fromarray(img).resize(out_hw[::-1], PIL_FILTERS[name]))
    assert_same(pixelpact.load(_resize_doc(out_hw, name, "RGB"))(img), expected)


@pytest.mark.parametrize("name", ["bilinear", "lanczos"])
@pytest.mark.parametrize("in_hw,out_hw", RESIZES, ids=IDS)
def test_pillow_gray(name, in_hw, out_hw):
    gray = noise(*in_hw, channels=0, seed=7)
    expected = np.asarray(Image.fromarray(gray).resize(out_hw[::-1], PIL_FILTERS[name]).convert("RGB"))
    assert_same(pixelpact.load(_resize_doc(out_hw, name, "GRAY"))(gray), expected)


@pytest.mark.parametrize("name", ["bilinear", "bicubic"])
@pytest.mark.parametrize("in_hw,out_hw", RESIZES, ids=IDS)
def test_pillow_rgba_premultiply(name, in_hw, out_hw):
    rgba = noise(*in_hw, channels=4, seed=11)
    pick = np.random.default_rng(11).integers(0, 4, size=in_hw)
    rgba[..., 3] = np.where(pick == 0, 0, np.where(pick == 1, 255, rgba[..., 3]))
    expected = np.asarray(Image.fromarray(rgba).resize(out_hw[::-1], PIL_FILTERS[name]).convert("RGB"))
    assert_same(pixelpact.load(_resize_doc(out_hw, name, "RGBA", alpha="premultiply"))(rgba), expected)


def test_pillow_resize_then_center_crop():
    """Only the bands the crop keeps are computed: the ImageNet eval recipe on 1080p."""
    img = noise(1080, 1920, seed=3)
    doc = {"pixelpact": 1, "input": {"color": "RGB"},
           "steps": [{"op": "resize", "size": 256, "interpolation": "bicubic", "engine": "pillow"},
                     {"op": "center_crop", "size": [224, 224]}],
           "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
    im = Image.fromarray(img).resize((455, 256), Image.BICUBIC)
    left, top = int(round((455 - 224) / 2.0)), int(round((256 - 224) / 2.0))
    expected = np.asarray(im.crop((left, top, left + 224, top + 224)))
    assert_same(pixelpact.load(doc)(img), expected)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("in_hw,out_hw", RESIZES, ids=IDS)
def test_torch_antialias(mode, in_hw, out_hw):
    img = noise(*in_hw, seed=5)
    chw = torch.from_numpy(img).permute(2, 0, 1)
    expected = F.resize(chw, list(out_hw), InterpolationMode(mode), antialias=True).permute(1, 2, 0).numpy()
    doc = _resize_doc(out_hw, mode, "RGB", engine="torch", extra={"antialias": True})
    assert_same(pixelpact.load(doc)(img), expected)
