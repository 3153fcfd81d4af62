"""PIL images as a contract's input (the rule of pixelpact._pil, used by Pipeline calls,
pixelpact.torch, pixelpact.ray and pixelpact run): every Pillow mode against the library
whose pixels the contract states (torchvision on image.convert("RGB"), which is what
torchvision's ImageFolder loader feeds it; Hugging Face's convert_to_rgb; torchvision on the
RGBA image itself), on real photos and hostile sizes, and the refusals."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from torchvision import transforms as T

import pixelpact
from helpers import assert_same, noise

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
BI = T.InterpolationMode.BICUBIC
# Per-channel normalize (the usual pipeline) and a scalar one (runs on 4 channels too).
TF = T.Compose([T.Resize(23, interpolation=BI), T.CenterCrop((19, 21)), T.ToTensor(), T.Normalize(MEAN, STD)])
TF_SCALAR = T.Compose([T.Resize(23, interpolation=BI), T.CenterCrop((19, 21)), T.ToTensor(), T.Normalize(0.5, 0.25)])
SIZES = [(1, 1), (1, 7), (9, 1), (13, 11), (31, 17), (97, 131)]


def photo(h=None, w=None) -> np.ndarray:
    import skimage.data

    img = skimage.data.chelsea()
    return img if h is None else np.asarray(Image.fromarray(img).resize((w, h), Image.Resampling.BILINEAR))


def rgb_images():
    return [photo()] + [noise(h, w, seed=3) for h, w in SIZES]


def transparent(rgb: np.ndarray, seed: int) -> np.ndarray:
    """RGBA with random alpha, a fully transparent first row and an opaque last row."""
    a = noise(*rgb.shape[:2], channels=0, seed=seed)
    a[0], a[-1] = 0, 255
    return np.dstack([rgb, a])


def opaque(rgb: np.ndarray) -> np.ndarray:
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


def keyed(im: Image.Image, key) -> Image.Image:
    im = im.copy()
    im.info["transparency"] = key
    return im


def colour_modes(rgb: np.ndarray) -> dict:
    """Modes without transparency that convert('RGB') turns into colour pixels."""
    im = Image.fromarray(rgb)
    return {"RGB": im, "L": im.convert("L"), "1": im.convert("1"), "P-web": im.convert("P"),
            "P-adaptive": im.convert("P", palette=Image.Palette.ADAPTIVE, colors=37), "CMYK": im.convert("CMYK"),
            "YCbCr": im.convert("YCbCr"), "LAB": im.convert("LAB"), "HSV": im.convert("HSV"),
            "RGBX": im.convert("RGBX")}


def alpha_modes(rgb: np.ndarray, seed: int) -> dict:
    """Modes with transparent pixels."""
    rgba = Image.fromarray(transparent(rgb, seed))
    p = Image.fromarray(rgb).convert("P")
    index = int(np.asarray(p)[0, 0])
    gray = Image.fromarray(rgb).convert("L")
    return {"RGBA": rgba, "LA": rgba.convert("LA"), "PA": rgba.convert("PA"), "P-keyed": keyed(p, index),
            "L-keyed": keyed(gray, int(np.asarray(gray)[0, 0])), "RGBa": rgba.convert("RGBa")}


def torchvision_rgb(tf, im: Image.Image) -> np.ndarray:
    """What ImageFolder's loader (convert('RGB')) and the transform give."""
    return tf(im.convert("RGB")).numpy()


# ---- RGB / BGR / GRAY contracts: convert("RGB"), and transparency refused unless opaque

def test_rgb_contract_converts_every_colour_mode_as_convert_rgb():
    rgb_pipe = pixelpact.load(pixelpact.from_torchvision(TF))
    bgr_pipe = pixelpact.load(pixelpact.from_torchvision(TF, input_color="BGR"))
    cases = 0
    for rgb in rgb_images():
        for name, im in colour_modes(rgb).items():
            expected = torchvision_rgb(TF, im)
            assert_same(rgb_pipe(im), expected)
            assert_same(bgr_pipe(im), expected)
            cases += 1
    assert cases == 70


def test_opaque_alpha_is_accepted_and_every_policy_agrees():
    """An image with alpha that is 255 everywhere: dropping it (ImageFolder), compositing it
    (Hugging Face) and carrying it through Pillow's premultiplied resize (torchvision on the
    RGBA image) give the same pixels, so an RGB contract takes it."""
    from transformers.image_transforms import convert_to_rgb

    pipe = pixelpact.load(pixelpact.from_torchvision(TF))
    scalar = pixelpact.load(pixelpact.from_torchvision(TF_SCALAR))
    p_unused_key = Image.fromarray(photo()).convert("P", palette=Image.Palette.ADAPTIVE, colors=200)
    unused = next(i for i in range(256) if i not in set(np.unique(np.asarray(p_unused_key))))
    for rgb in rgb_images():
        rgba = Image.fromarray(opaque(rgb))
        for im in (rgba, rgba.convert("LA"), rgba.convert("PA"), rgba.convert("RGBa")):
            assert_same(pipe(im), torchvision_rgb(TF, im))
        assert_same(TF_SCALAR(rgba).numpy()[:3], TF_SCALAR(rgba.convert("RGB")).numpy())
        assert_same(np.asarray(convert_to_rgb(rgba, return_numpy=True)), rgb)
        assert_same(scalar(rgba), TF_SCALAR(rgba).numpy()[:3])
    im = keyed(p_unused_key, unused)  # a palette key no pixel uses
    assert_same(pipe(im), torchvision_rgb(TF, im))


def test_rgb_image_with_a_transparency_key_is_taken_as_is():
    """convert('RGB') ignores an RGB image's tRNS colour key, and so do torchvision's transforms."""
    rgb = photo()
    im = keyed(Image.fromarray(rgb), tuple(int(v) for v in rgb[0, 0]))
    assert_same(pixelpact.load(pixelpact.from_torchvision(TF))(im), TF(Image.fromarray(rgb)).numpy())


@pytest.mark.parametrize("color", ["RGB", "BGR", "GRAY"])
def test_transparency_is_refused_without_an_alpha_policy(color):
    pipe = pixelpact.load(pixelpact.from_torchvision(TF, input_color=color))
    for name, im in alpha_modes(photo(31, 17), seed=1).items():
        if color == "GRAY" and name not in ("LA", "L-keyed"):
            continue
        with pytest.raises(ValueError, match=r"transparency \(\d+ of 527 pixels"):
            pipe(im)


def test_gray_contract_takes_gray_modes():
    pipe = pixelpact.load(pixelpact.from_torchvision(TF, input_color="GRAY"))
    for rgb in rgb_images():
        gray = Image.fromarray(rgb).convert("L")
        for im in (gray, Image.fromarray(rgb).convert("1"), Image.fromarray(opaque(rgb)).convert("LA")):
            assert_same(pipe(im), torchvision_rgb(TF, im))
        assert_same(pipe(np.asarray(gray)), torchvision_rgb(TF, gray))
    for mode in ("RGB", "P", "CMYK", "RGBA"):
        with pytest.raises(ValueError, match=f"mode {mode} for a GRAY contract"):
            pipe(Image.fromarray(photo(9, 9)).convert(mode))


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I", "F"])
def test_wide_modes_are_refused(mode):
    values = (np.arange(35, dtype=np.uint16) * 1000).reshape(5, 7)
    sixteen = Image.fromarray(values)  # what Pillow opens a 16-bit gray PNG as
    im = {"I;16": sixteen, "I;16B": Image.frombytes("I;16B", (7, 5), values.astype(">u2").tobytes()),
          "I": sixteen.convert("I"), "F": sixteen.convert("F")}[mode]
    assert im.mode == mode
    for color, alpha in (("RGB", None), ("GRAY", None), ("RGBA", "drop")):
        pipe = pixelpact.load(pixelpact.from_torchvision(TF, input_color=color, alpha=alpha))
        with pytest.raises(ValueError, match=f"mode {mode} holds values wider than 8 bits"):
            pipe(im)


# ---- RGBA / BGRA contracts: the alpha policy says it

def test_drop_contract_takes_every_8bit_mode_as_convert_rgb():
    rgba_pipe = pixelpact.load(pixelpact.from_torchvision(TF, input_color="RGBA", alpha="drop"))
    bgra_pipe = pixelpact.load(pixelpact.from_torchvision(TF, input_color="BGRA", alpha="drop"))
    for seed, rgb in enumerate(rgb_images()):
        for im in [*colour_modes(rgb).values(), *alpha_modes(rgb, seed).values()]:
            expected = torchvision_rgb(TF, im)
            assert_same(rgba_pipe(im), expected)
            assert_same(bgra_pipe(im), expected)
        assert_same(rgba_pipe(transparent(rgb, seed)), torchvision_rgb(TF, Image.fromarray(transparent(rgb, seed))))


def test_composite_contract_is_hugging_face_convert_to_rgb():
    """from_hf(..., input_color="RGBA"): every mode as transformers' processor converts it
    (alpha bands and transparency keys composited onto white, RGB keys included)."""
    import transformers
    from transformers.utils import logging

    logging.set_verbosity_error()
    processor = transformers.CLIPImageProcessorPil(size={"shortest_edge": 24}, crop_size=20)
    rgba_pipe = pixelpact.load(pixelpact.from_hf(processor, input_color="RGBA"))
    bgra_pipe = pixelpact.load(pixelpact.from_hf(processor, input_color="BGRA"))
    for seed, rgb in enumerate([photo(), photo(97, 131), noise(31, 17, seed=2), noise(1, 7, seed=2)]):
        modes = {**colour_modes(rgb), **alpha_modes(rgb, seed)}
        modes["RGB-keyed"] = keyed(Image.fromarray(rgb), tuple(int(v) for v in rgb[0, 0]))
        for name, im in modes.items():
            expected = processor(im, return_tensors="pt")["pixel_values"].numpy()
            assert_same(rgba_pipe(im), expected)
            assert_same(bgra_pipe(im), expected)


def test_premultiply_contract_is_torchvision_on_the_rgba_image():
    pipe = pixelpact.load(pixelpact.from_torchvision(TF_SCALAR, input_color="RGBA", alpha="premultiply"))
    bgra = pixelpact.load(pixelpact.from_torchvision(TF_SCALAR, input_color="BGRA", alpha="premultiply"))
    for seed, rgb in enumerate(rgb_images()):
        rgba = Image.fromarray(transparent(rgb, seed))
        assert_same(pipe(rgba), TF_SCALAR(rgba).numpy()[:3])
        assert_same(bgra(rgba), TF_SCALAR(rgba).numpy()[:3])
        assert_same(pipe(Image.fromarray(rgb)), TF_SCALAR(Image.fromarray(rgb)).numpy())
    for mode in ("L", "P", "LA", "CMYK", "1"):
        with pytest.raises(ValueError, match=f"mode {mode} for an alpha 'premultiply' contract"):
            pipe(Image.fromarray(photo(9, 9)).convert(mode))


def test_batch_converts_pil_images_too():
    pipe = pixelpact.load(pixelpact.from_torchvision(TF))
    ims = [Image.fromarray(photo()).convert(m) for m in ("RGB", "P", "L", "CMYK")]
    out = pipe.batch(ims, threads=2)
    assert_same(out, np.stack([torchvision_rgb(TF, im) for im in ims]))
    for im in ims:  # what the kernel reads
        assert_same(pipe.input_array(im), np.asarray(im.convert("RGB")))
    bgr = pixelpact.load(pixelpact.from_torchvision(TF, input_color="BGR"))
    assert_same(bgr.input_array(ims[1]), np.asarray(ims[1].convert("RGB"))[..., ::-1])
