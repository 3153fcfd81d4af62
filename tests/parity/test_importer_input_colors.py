"""from_torchvision / from_timm with input_color and alpha, against the real libraries:
torchvision never makes an RGBA or gray image RGB itself, so the contract states what the
loader did ('drop' = convert("RGB"), as torchvision's ImageFolder and timm's ImageDataset do)
or what torchvision computes on the RGBA PIL image itself ('premultiply'); anything else is
refused with the reason."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import v2

import pixelpact
import pixelpact.torch
from helpers import assert_same, noise
from helpers.photos import photo_folder

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
SIZES = [(1, 1), (1, 9), (11, 1), (13, 17), (97, 131), (300, 451)]
MODES = {"nearest": T.InterpolationMode.NEAREST, "bilinear": T.InterpolationMode.BILINEAR,
         "bicubic": T.InterpolationMode.BICUBIC, "lanczos": T.InterpolationMode.LANCZOS}


def rgba(h, w, seed):
    img = noise(h, w, channels=4, seed=seed)
    img[0, :, 3] = 0
    img[-1, :, 3] = 255
    return img


@pytest.mark.parametrize("name", list(MODES))
def test_drop_is_torchvision_on_convert_rgb(name):
    tf = T.Compose([T.Resize(29, MODES[name]), T.CenterCrop(24), T.ToTensor(), T.Normalize(MEAN, STD)])
    rgba_pipe = pixelpact.load(pixelpact.from_torchvision(tf, input_color="RGBA", alpha="drop"))
    bgra_pipe = pixelpact.load(pixelpact.from_torchvision(tf, input_color="BGRA", alpha="drop"))
    for seed, (h, w) in enumerate(SIZES):
        img = rgba(h, w, seed)
        expected = tf(Image.fromarray(img).convert("RGB")).numpy()
        assert_same(rgba_pipe(img), expected)
        assert_same(bgra_pipe(np.ascontiguousarray(img[..., [2, 1, 0, 3]])), expected)


@pytest.mark.parametrize("name", list(MODES))
def test_premultiply_is_torchvision_on_the_rgba_image(name):
    """The colour channels of what T.Resize/T.CenterCrop/T.ToTensor compute on an RGBA PIL
    image (Pillow resizes it premultiplied); a scalar Normalize runs on all 4 channels."""
    tf = T.Compose([T.Resize(29, MODES[name]), T.CenterCrop(24), T.ToTensor(), T.Normalize(0.5, 0.25)])
    pipe = pixelpact.load(pixelpact.from_torchvision(tf, input_color="RGBA", alpha="premultiply"))
    for seed, (h, w) in enumerate(SIZES):
        img = rgba(h, w, seed)
        out = tf(Image.fromarray(img))
        assert out.shape[0] == 4
        assert_same(pipe(img), out[:3].numpy())
        if name != "nearest" and (img[..., 3] != 255).any():  # transparency: the two promises differ
            drop = pixelpact.load(pixelpact.from_torchvision(tf, input_color="RGBA", alpha="drop"))
            assert not np.array_equal(drop(img), out[:3].numpy())


def test_gray_and_bgr():
    tf = T.Compose([T.Resize(30), T.CenterCrop(26), T.ToTensor(), T.Normalize(MEAN, STD)])
    gray = pixelpact.load(pixelpact.from_torchvision(tf, input_color="GRAY"))
    bgr = pixelpact.load(pixelpact.from_torchvision(tf, input_color="BGR"))
    for seed, (h, w) in enumerate(SIZES):
        g = noise(h, w, channels=0, seed=seed)
        assert_same(gray(g), tf(Image.fromarray(g).convert("RGB")).numpy())
        rgb = noise(h, w, seed=seed)
        assert_same(bgr(rgb[..., ::-1]), tf(Image.fromarray(rgb)).numpy())


def test_tensor_input_drop_is_v2_on_the_colour_channels():
    """v2 on a uint8 tensor resizes each channel alone, so dropping alpha first or taking the
    colour channels after give the same tensor: the contract is both."""
    tf = v2.Compose([v2.Resize(29, antialias=True), v2.CenterCrop(24), v2.ToDtype(torch.float32, scale=True),
                     v2.Normalize([0.5], [0.25])])
    pipe = pixelpact.load(pixelpact.from_torchvision(tf, input="tensor", input_color="RGBA", alpha="drop"))
    for seed, (h, w) in enumerate(SIZES):
        img = rgba(h, w, seed)
        four = tf(torch.from_numpy(img).permute(2, 0, 1))
        three = tf(torch.from_numpy(img[..., :3]).permute(2, 0, 1))
        assert_same(pipe(img), three.numpy())
        assert_same(pipe(img), four[:3].numpy())


def test_refusals_say_why():
    tf = T.Compose([T.Resize(29), T.CenterCrop(24), T.ToTensor(), T.Normalize(MEAN, STD)])
    with pytest.raises(pixelpact.UnsupportedTransform, match="torchvision does not make an RGBA image RGB.*"
                                                             "alpha='drop'.*alpha='premultiply'"):
        pixelpact.from_torchvision(tf, input_color="RGBA")
    with pytest.raises(pixelpact.UnsupportedTransform, match="Normalize with 3 values.*raises"):
        pixelpact.from_torchvision(tf, input_color="RGBA", alpha="premultiply")
    with pytest.raises(pixelpact.UnsupportedTransform, match="never composites.*from_hf"):
        pixelpact.from_torchvision(tf, input_color="BGRA", alpha="composite")
    with pytest.raises(pixelpact.UnsupportedTransform, match="on a tensor"):
        pixelpact.from_torchvision(v2.Compose([v2.Resize(29)]), input="tensor", input_color="RGBA",
                                   alpha="premultiply")
    with pytest.raises(pixelpact.UnsupportedTransform, match="/steps/1/op: .*padding"):
        pixelpact.from_torchvision(T.Compose([T.Resize(29), T.Pad(2), T.ToTensor()]), input_color="RGBA",
                                   alpha="premultiply")
    with pytest.raises(ValueError, match="alpha applies to input_color RGBA or BGRA"):
        pixelpact.from_torchvision(tf, alpha="drop")
    with pytest.raises(ValueError, match="input_color must be one of"):
        pixelpact.from_torchvision(tf, input_color="RGBX")
    with pytest.raises(ValueError, match="alpha must be"):
        pixelpact.from_torchvision(tf, input_color="RGBA", alpha="keep")
    # The torchvision pipeline itself raises on RGBA with a 3-value Normalize: nothing to equal.
    with pytest.raises(RuntimeError):
        tf(Image.fromarray(rgba(30, 30, 0)))


def test_scalar_normalize_is_imported():
    tf = T.Compose([T.Resize(20), T.CenterCrop(16), T.ToTensor(), T.Normalize(0.5, 0.25)])
    img = noise(41, 33, seed=4)
    assert_same(pixelpact.load(pixelpact.from_torchvision(tf))(img), tf(Image.fromarray(img)).numpy())


# timm's ImageDataset opens files with Image.open and never closes them (PNG keeps its file
# open after loading): the ResourceWarnings are timm's, reported when the images are collected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_timm_dataset_drops_alpha_and_the_contract_says_so(tmp_path):
    """timm's ImageDataset converts every file with convert(input_img_mode='RGB') before its
    eval transform; from_timm(..., input_color="RGBA", alpha="drop") on the stored modes gives
    the same tensors."""
    import timm.data

    photo_folder(tmp_path)
    config = {"input_size": (3, 48, 48), "interpolation": "bicubic", "mean": MEAN, "std": STD, "crop_pct": 0.875}
    timm_tf = timm.data.create_transform(**config, is_training=False)
    reference = timm.data.ImageDataset(str(tmp_path), transform=timm_tf)
    contract = pixelpact.from_timm(config, input_color="RGBA", alpha="drop")
    assert "convert('RGB') first" in contract["description"]
    stored = timm.data.ImageDataset(str(tmp_path), input_img_mode=None,
                                    transform=pixelpact.torch.Transform(contract))
    assert len(reference) == len(stored) == 9
    for i in range(len(reference)):
        (expected, label), (actual, label2) = reference[i], stored[i]
        assert label == label2
        assert_same(actual.numpy(), expected.numpy())
    with pytest.raises(pixelpact.UnsupportedTransform, match="say what did in training"):
        pixelpact.from_timm(config, input_color="RGBA")
