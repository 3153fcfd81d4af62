"""RGBA alpha policies ("input": {"alpha"}) against the real Pillow 13 / torchvision /
Hugging Face: 'drop' (convert("RGB") first), 'premultiply' (the image stays RGBA and
Pillow resizes it as RGBa), 'composite' (Hugging Face convert_to_rgb)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms as T

import pixelpact
from helpers import assert_same, noise

FILTERS = {"nearest": Image.NEAREST, "box": Image.BOX, "bilinear": Image.BILINEAR,
           "hamming": Image.HAMMING, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}

# (input h, w) -> (output h, w): up, down, mixed, 1-pixel, primes, extreme aspect,
# Pillow 13 vertical-first, one axis unchanged.
RESIZES = [
    ((1, 1), (1, 1)), ((1, 1), (7, 5)), ((1, 9), (3, 3)), ((9, 1), (2, 5)), ((1, 300), (1, 17)),
    ((300, 1), (17, 1)), ((97, 131), (224, 224)), ((131, 97), (61, 83)), ((101, 103), (107, 109)),
    ((480, 64), (133, 64)), ((400, 30), (57, 3)), ((17, 23), (100, 150)), ((5, 3), (1, 1)),
]


def rgba_noise(h, w, seed):
    """Random RGBA whose alpha includes plenty of 0 and 255 (the un-premultiply
    special cases) besides every value in between."""
    img = noise(h, w, channels=4, seed=seed)
    pick = np.random.default_rng(seed).integers(0, 4, size=(h, w))
    img[..., 3] = np.where(pick == 0, 0, np.where(pick == 1, 255, img[..., 3]))
    return img


def contract(color, steps, alpha=None, background=None, dtype="uint8", layout="HWC"):
    inp = {"color": color}
    if alpha is not None:
        inp["alpha"] = alpha
    if background is not None:
        inp["background"] = background
    return {"pixelpact": 1, "input": inp, "steps": steps,
            "output": {"layout": layout, "dtype": dtype, "color": "RGB"}}


def resize_step(hw, name):
    return {"op": "resize", "size": list(hw), "interpolation": name, "engine": "pillow"}


# ---- premultiply

@pytest.mark.parametrize("name", list(FILTERS))
def test_premultiply_matches_pillow_rgba_resize(name):
    for i, (in_hw, out_hw) in enumerate(RESIZES):
        rgba = rgba_noise(*in_hw, seed=i)
        expected = np.asarray(Image.fromarray(rgba).resize(out_hw[::-1], FILTERS[name]).convert("RGB"))
        steps = [resize_step(out_hw, name)]
        assert_same(pixelpact.load(contract("RGBA", steps, "premultiply"))(rgba), expected)
        bgra = np.ascontiguousarray(rgba[..., [2, 1, 0, 3]])
        assert_same(pixelpact.load(contract("BGRA", steps, "premultiply"))(bgra), expected)
        if name != "nearest" and in_hw != out_hw:
            # The policy matters: dropping alpha first gives other pixels.
            dropped = pixelpact.load(contract("RGBA", steps, "drop"))(rgba)
            if in_hw[0] * in_hw[1] > 4:
                assert not np.array_equal(dropped, expected)


def test_premultiply_strided_input_and_chained_resizes():
    rgba = rgba_noise(120, 90, seed=5)
    planar = np.ascontiguousarray(rgba.transpose(2, 0, 1)).transpose(1, 2, 0)  # channel stride != 1
    im = Image.fromarray(rgba).resize((71, 53), Image.BICUBIC).crop((3, 4, 63, 44))
    expected = np.asarray(im.resize((33, 17), Image.LANCZOS).convert("RGB"))
    steps = [resize_step((53, 71), "bicubic"),
             {"op": "crop", "top": 4, "left": 3, "height": 40, "width": 60},
             resize_step((17, 33), "lanczos")]
    pipe = pixelpact.load(contract("RGBA", steps, "premultiply"))
    assert_same(pipe(rgba), expected)
    assert_same(pipe(planar), expected)


@pytest.mark.parametrize("size,crop,name", [(256, 224, "bilinear"), (73, 64, "bicubic"), (35, 35, "lanczos"),
                                            (40, 31, "nearest")])
def test_premultiply_matches_torchvision_compose(size, crop, name):
    """T.Resize / T.CenterCrop / T.ToTensor on an RGBA PIL image (ToTensor keeps 4
    channels), then the colour channels."""
    modes = {"bilinear": T.InterpolationMode.BILINEAR, "bicubic": T.InterpolationMode.BICUBIC,
             "lanczos": T.InterpolationMode.LANCZOS, "nearest": T.InterpolationMode.NEAREST}
    tf = T.Compose([T.Resize(size, interpolation=modes[name]), T.CenterCrop(crop), T.ToTensor()])
    doc = contract("RGBA", [{"op": "resize", "size": size, "interpolation": name, "engine": "pillow"},
                            {"op": "center_crop", "size": crop},
                            {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}],
                   "premultiply", dtype="float32", layout="CHW")
    pipe = pixelpact.load(doc)
    for seed, hw in enumerate([(300, 400), (97, 61), (50, 50)]):
        rgba = rgba_noise(*hw, seed=seed)
        out = tf(Image.fromarray(rgba))
        assert out.shape[0] == 4
        assert_same(pipe(rgba), out[:3].numpy())


def test_premultiply_rejects_other_engines_and_padding():
    for engine, interp in (("torch", "bilinear"), ("opencv", "bilinear")):
        step = {"op": "resize", "size": [8, 8], "interpolation": interp, "engine": engine}
        with pytest.raises(pixelpact.ContractError) as info:
            pixelpact.load(contract("RGBA", [step], "premultiply"))
        assert info.value.path == "/steps/0/engine"
    with pytest.raises(pixelpact.ContractError) as info:
        pixelpact.load(contract("BGRA", [{"op": "pad", "padding": 2}], "premultiply"))
    assert info.value.path == "/steps/0/op"
    # A center crop larger than the image pads; resampling that padding is refused.
    pipe = pixelpact.load(contract("RGBA", [{"op": "center_crop", "size": 20}, resize_step((9, 9), "bilinear")],
                                   "premultiply"))
    assert pipe(rgba_noise(30, 30, seed=1)).shape == (9, 9, 3)
    with pytest.raises(ValueError, match="premultiply"):
        pipe(rgba_noise(10, 30, seed=1))


# ---- composite

def hf_convert_to_rgb(im):
    try:
        from transformers.image_transforms import convert_to_rgb
    except ImportError:  # the same Pillow calls (transformers 5.24 image_transforms.convert_to_rgb)
        def convert_to_rgb(im):
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
            return Image.alpha_composite(bg, im).convert("RGB")
    return convert_to_rgb(im)


def pillow_composite(rgba, background):
    im = Image.fromarray(rgba)
    return Image.alpha_composite(Image.new("RGBA", im.size, (*background, 255)), im).convert("RGB")


ALL_PAIRS = np.stack(np.meshgrid(np.arange(256), np.arange(256), indexing="ij"), -1).astype(np.uint8)


@pytest.mark.parametrize("background", [None, [255, 255, 255], [0, 0, 0], [13, 128, 254]])
def test_composite_every_byte_pair(background):
    """All 65536 (colour, alpha) pairs in each channel, against Pillow's AlphaComposite.c."""
    c, a = ALL_PAIRS[..., 0], ALL_PAIRS[..., 1]
    rgba = np.stack([c, np.flipud(c), np.fliplr(c), a], -1)
    bg = background or [255, 255, 255]
    expected = np.asarray(pillow_composite(rgba, bg))
    if background in (None, [255, 255, 255]):
        assert_same(np.asarray(hf_convert_to_rgb(Image.fromarray(rgba))), expected)
    assert_same(pixelpact.load(contract("RGBA", [], "composite", background))(rgba), expected)
    bgra = np.ascontiguousarray(rgba[..., [2, 1, 0, 3]])
    assert_same(pixelpact.load(contract("BGRA", [], "composite", background))(bgra), expected)


@pytest.mark.parametrize("background", [None, [40, 200, 7]])
@pytest.mark.parametrize("name", ["bilinear", "bicubic", "nearest"])
def test_composite_then_resize(background, name):
    for i, (in_hw, out_hw) in enumerate(RESIZES[5:11]):
        rgba = rgba_noise(*in_hw, seed=100 + i)
        im = pillow_composite(rgba, background or [255, 255, 255])
        expected = np.asarray(im.resize(out_hw[::-1], FILTERS[name]))
        steps = [resize_step(out_hw, name), {"op": "center_crop", "size": [out_hw[0] + 2, out_hw[1]]}]
        expected = np.pad(expected, ((1, 1), (0, 0), (0, 0)))
        assert_same(pixelpact.load(contract("RGBA", steps, "composite", background))(rgba), expected)


def test_drop_is_the_default():
    rgba = rgba_noise(40, 30, seed=9)
    steps = [resize_step((17, 13), "bicubic")]
    expected = np.asarray(Image.fromarray(rgba).convert("RGB").resize((13, 17), Image.BICUBIC))
    assert_same(pixelpact.load(contract("RGBA", steps))(rgba), expected)
    assert_same(pixelpact.load(contract("RGBA", steps, "drop"))(rgba), expected)
