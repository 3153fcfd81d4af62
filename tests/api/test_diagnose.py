"""pixelpact.diagnose against serving tensors made by independent code (OpenCV,
numpy, torch, torchvision, Pillow; never pixelpact): each kind of mismatch alone
and in realistic combinations, on real photos and on noise. The diagnosis must
name exactly the injected kinds, match "exact", and its contract (plus the steps
it states outside the contract) must reproduce the tensor bit for bit; unrelated
tensors must give "none"."""
from __future__ import annotations

import base64
import io
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageOps
import torch
from torchvision import transforms as T
from torchvision.transforms import v2

import pixelpact
from helpers import assert_same, contract, noise, system
from helpers import serving_pipelines as sp

E1 = contract("resnet50_imagenet_eval")
PHOTOS = {"chelsea": skimage.data.chelsea(), "coffee": skimage.data.coffee(), "noise": noise(333, 500, seed=8)}


def bits(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    return a.view(f"u{a.itemsize}") if a.dtype.kind == "f" else a


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(bits(a), bits(b))


def check_exact(diagnosis, image: np.ndarray, actual: np.ndarray, kinds, reproduce=lambda t: t):
    """match exact, exactly `kinds`, and the inferred contract reproduces `actual`
    (through `reproduce`, the steps the diagnosis states outside the contract)."""
    assert diagnosis.match == "exact", diagnosis.summary()
    assert sorted(diagnosis.kinds) == sorted(kinds), diagnosis.summary()
    assert [s.kind for s in diagnosis.suspects] == [k for k in pixelpact._diagnose.KINDS if k in kinds]
    for s in diagnosis.suspects:
        assert s.detail and s.fix
    pixelpact.validate(diagnosis.contract)
    out = pixelpact.load(diagnosis.contract)(image)
    assert_same(np.ascontiguousarray(reproduce(out)), np.ascontiguousarray(actual))
    assert same_bits(diagnosis.reproduced, actual)
    assert diagnosis.residual["max_abs_diff"] == 0 and diagnosis.residual["differing_values"] == 0


# ---- one kind at a time ------------------------------------------------------------------

ONE_KIND = {
    "normalization-missing": (["normalization"], lambda rgb: sp.training(rgb, normalize=None)),
    "normalization-0.5": (["normalization"], lambda rgb: sp.training(rgb, normalize=T.Normalize([0.5] * 3, [0.5] * 3))),
    "normalization-clip": (["normalization"], lambda rgb: sp.training(rgb, normalize=T.Normalize(sp.CLIP_MEAN, sp.CLIP_STD))),
    "normalization-folded-hf": (["normalization"], sp.hf_fused),
    "value_range-0-255": (["value_range"], sp.value_range_255),
    "dtype-float16": (["dtype"], lambda rgb: sp.training(rgb).astype(np.float16)),
    "dtype-float64-widened": (["dtype"], lambda rgb: sp.training(rgb).astype(np.float64)),
    "dtype-float64-numpy": (["dtype"], sp.numpy_float64),
    "layout-nhwc": (["layout"], lambda rgb: sp.training(rgb).transpose(0, 2, 3, 1)),
    "layout-no-batch": (["layout"], lambda rgb: sp.training(rgb)[0]),
    "layout-hw-swapped": (["layout"], lambda rgb: sp.training(rgb).transpose(0, 1, 3, 2)),
    "layout-extra-batch": (["layout"], lambda rgb: sp.training(rgb)[None]),
    "channel_order-bgr-image": (["channel_order"], lambda rgb: sp.training(np.ascontiguousarray(rgb[..., ::-1]))),
    "channel_order-flipped-tensor": (["channel_order"], lambda rgb: sp.training(rgb)[:, ::-1].copy()),
    "resize_method-cv2-linear": (["resize_method"], sp.cv2_resize_crop),
    "resize_method-cv2-area": (["resize_method"], lambda rgb: sp.cv2_resize_crop(rgb, cv2.INTER_AREA)),
    "resize_method-cv2-cubic": (["resize_method"], lambda rgb: sp.cv2_resize_crop(rgb, cv2.INTER_CUBIC)),
    "resize_method-cv2-nearest": (["resize_method"], lambda rgb: sp.cv2_resize_crop(rgb, cv2.INTER_NEAREST)),
    "resize_method-pillow-bicubic": (["resize_method"],
                                     lambda rgb: sp.training(rgb, resize=T.Resize(256, T.InterpolationMode.BICUBIC))),
    "resize_method-pillow-lanczos": (["resize_method"],
                                     lambda rgb: sp.training(rgb, resize=T.Resize(256, T.InterpolationMode.LANCZOS))),
    "resize_method-torch-antialias": (["resize_method"], sp.torchvision_v2),
    "resize_method-torch-no-antialias": (["resize_method"], lambda rgb: sp.torchvision_v2(rgb, antialias=False)),
    "resize_size-224": (["resize_size"], lambda rgb: sp.training(rgb, resize=T.Resize(224))),
    "resize_size-232": (["resize_size"], lambda rgb: sp.training(rgb, resize=T.Resize(232))),
    "resize_size-288": (["resize_size"], lambda rgb: sp.training(rgb, resize=T.Resize(288))),
    "resize_size-fixed-256x256": (["resize_size"], lambda rgb: sp.training(rgb, resize=T.Resize((256, 256)))),
    "crop-squash": (["crop"], lambda rgb: sp.training(rgb, resize=T.Resize((224, 224)), crop=None)),
    "crop-missing": (["crop"], lambda rgb: sp.training(rgb, crop=None)),
    "crop-192": (["crop"], lambda rgb: sp.training(rgb, crop=T.CenterCrop(192))),
    "crop-square-then-resize": (["crop"], lambda rgb: sp.training(sp.centre_square(rgb), resize=T.Resize((224, 224)),
                                                                  crop=None)),
    "dtype-numpy-mixed": (["dtype"], sp.numpy_mixed),
    "orientation-rotated-90": (["orientation"], lambda rgb: sp.training(np.ascontiguousarray(np.rot90(rgb, -1)))),
    "orientation-mirrored": (["orientation"], lambda rgb: sp.training(np.ascontiguousarray(rgb[:, ::-1]))),
    "orientation-rotated-180": (["orientation"], lambda rgb: sp.training(np.ascontiguousarray(rgb[::-1, ::-1]))),
}
# What turns the contract's tensor into the serving tensor when the contract cannot say it.
OUTSIDE = {
    "dtype-float64-widened": lambda t: t.astype(np.float64),
    "layout-hw-swapped": lambda t: t.transpose(0, 1, 3, 2),
    "layout-extra-batch": lambda t: t[None],
}
ORIENTED = {"orientation-rotated-90": lambda a: np.rot90(a, -1), "orientation-mirrored": lambda a: a[:, ::-1],
            "orientation-rotated-180": lambda a: a[::-1, ::-1]}


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("photo", PHOTOS)
@pytest.mark.parametrize("case", ONE_KIND)
def test_one_kind(case, photo):
    kinds, serve = ONE_KIND[case]
    rgb = PHOTOS[photo]
    actual = serve(rgb)
    assert not same_bits(actual, sp.training(rgb)), "the injection must change the tensor"
    diagnosis = pixelpact.diagnose(E1, rgb, actual)
    image = np.ascontiguousarray(ORIENTED[case](rgb)) if case in ORIENTED else rgb
    if case == "dtype-float64-numpy":  # a contract outputs float32: the float64 values come from its arithmetic
        assert diagnosis.match == "exact" and diagnosis.kinds == ["dtype"], diagnosis.summary()
        assert_same(pixelpact.load(diagnosis.contract)(rgb), actual.astype(np.float32))
        assert same_bits(diagnosis.reproduced, actual)
        assert diagnosis.residual["outside_contract"]
        return
    check_exact(diagnosis, image, actual, kinds, OUTSIDE.get(case, lambda t: t))
    if case in OUTSIDE or case in ORIENTED:
        assert diagnosis.residual["outside_contract"], "steps the contract cannot state are listed"
        assert "Not stated by this contract" in diagnosis.contract["description"]
    else:
        assert diagnosis.residual["outside_contract"] == []


def test_reported_normalization_values_are_the_serving_values():
    rgb = PHOTOS["coffee"]
    diagnosis = pixelpact.diagnose(E1, rgb, sp.training(rgb, normalize=T.Normalize(sp.CLIP_MEAN, sp.CLIP_STD)))
    norm = [s for s in diagnosis.contract["steps"] if s["op"] == "normalize"][0]
    assert norm["mean"] == sp.CLIP_MEAN and norm["std"] == sp.CLIP_STD
    assert "0.48145466" in diagnosis.suspects[0].detail
    odd = [0.4731, 0.4462, 0.3982], [0.2517, 0.2439, 0.2614]  # not a known constant: read from the data
    diagnosis = pixelpact.diagnose(E1, rgb, sp.training(rgb, normalize=T.Normalize(*odd)))
    norm = [s for s in diagnosis.contract["steps"] if s["op"] == "normalize"][0]
    assert (norm["mean"], norm["std"]) == odd


def test_identical_tensor_is_exact_without_suspects():
    rgb = PHOTOS["chelsea"]
    diagnosis = pixelpact.diagnose(E1, rgb, sp.training(rgb))
    assert diagnosis.match == "exact" and diagnosis.suspects == []
    assert diagnosis.to_dict()["suspects"] == [] and diagnosis.residual["max_abs_diff"] == 0


# ---- combinations ---------------------------------------------------------------------------

# The square astronaut (512x512, halved by Resize(256)) is left out where its
# injection changes nothing: torch's and Pillow's bilinear agree on an exact halving,
# and Resize((256, 256)) is Resize(256) on a square.
SQUARE_OK = {"opencv-classic", "letterbox-ultralytics", "letterbox-fill-0", "keras-caffe", "uint8-hwc-pixels",
             "cv2-rotated-float16-nhwc"}
COMBINED = {
    "opencv-classic": (["normalization", "resize_method", "channel_order", "layout", "crop"],
                       lambda rgb: sp.opencv_classic(np.ascontiguousarray(rgb[..., ::-1]))),
    "letterbox-ultralytics": (["normalization", "resize_method", "crop"], sp.letterbox),
    "letterbox-fill-0": (["normalization", "resize_method", "crop"], lambda rgb: sp.letterbox(rgb, fill=0)),
    "keras-caffe": (["channel_order", "value_range", "normalization"], sp.caffe),
    "torchvision-v2-to-dtype": (["resize_method", "value_range"], lambda rgb: sp.torchvision_v2(rgb, to_dtype=True)),
    "uint8-hwc-pixels": (["dtype", "layout", "value_range", "normalization"],
                         lambda rgb: sp.pil_geometry(rgb).copy()),
    "cv2-rotated-float16-nhwc": (["orientation", "resize_method", "dtype", "layout"],
                                 lambda rgb: sp.cv2_resize_crop(np.ascontiguousarray(np.rot90(rgb, 1)))
                                 .astype(np.float16).transpose(0, 2, 3, 1)),
    "bgr-square-resize-256": (["channel_order", "resize_size"],
                              lambda rgb: sp.training(np.ascontiguousarray(rgb[..., ::-1]), resize=T.Resize((256, 256)))),
}


@pytest.mark.parametrize("case, photo", [(c, p) for c in COMBINED for p in ("chelsea", "noise", "astronaut")
                                         if p != "astronaut" or c in SQUARE_OK])
@pytest.mark.slow  # a diagnosis search per case
def test_combination(case, photo):
    kinds, serve = COMBINED[case]
    rgb = skimage.data.astronaut() if photo == "astronaut" else PHOTOS[photo]
    actual = serve(rgb)
    diagnosis = pixelpact.diagnose(E1, rgb, actual)
    image = np.ascontiguousarray(np.rot90(rgb, 1)) if case.startswith("cv2-rotated") else rgb
    check_exact(diagnosis, image, actual, kinds)


def test_opencv_classic_contract_reads_as_such():
    rgb = PHOTOS["coffee"]
    diagnosis = pixelpact.diagnose(E1, rgb, sp.opencv_classic(np.ascontiguousarray(rgb[..., ::-1])))
    c = diagnosis.contract
    assert c["steps"][0] == {"op": "resize", "size": [224, 224], "interpolation": "bilinear", "engine": "opencv"}
    assert c["steps"][1:] == [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255.0}]
    assert c["output"] == {"layout": "NHWC", "dtype": "float32", "color": "BGR"}
    details = {s.kind: s.detail for s in diagnosis.suspects}
    assert "cv2.INTER_LINEAR" in details["resize_method"] and "Pillow bilinear" in details["resize_method"]
    assert "no mean/std" in details["normalization"]


# ---- image files: EXIF orientation, other decoders, alpha ----------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("diagnose-files")
    out = {}
    for name in ("chelsea", "coffee"):
        rgb = PHOTOS[name]
        out[f"{name}.jpg"] = d / f"{name}.jpg"
        Image.fromarray(rgb).save(out[f"{name}.jpg"], "JPEG", quality=90)
        for orientation in range(2, 9):
            im = Image.fromarray(rgb)
            exif = im.getexif()
            exif[0x0112] = orientation
            path = d / f"{name}-exif{orientation}.jpg"
            im.save(path, "JPEG", quality=90, exif=exif)
            out[path.name] = path
        h, w = rgb.shape[:2]
        alpha = np.clip(np.arange(w)[None, :] * 400 / w - 60, 0, 255).astype(np.uint8).repeat(h, 0)
        alpha[: h // 4] = 0
        path = d / f"{name}-rgba.png"
        Image.fromarray(np.dstack([rgb, alpha])).save(path)
        out[path.name] = path
    return out


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("orientation", range(2, 9))
def test_exif_orientation_applied_on_the_serving_side_only(files, orientation):
    path = files[f"chelsea-exif{orientation}.jpg"]
    actual = sp.training_pil(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    diagnosis = pixelpact.diagnose(E1, path, actual)
    rotated = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    check_exact(diagnosis, rotated, actual, ["orientation"])
    assert f"EXIF orientation {orientation}" in diagnosis.suspects[0].detail


def test_exif_orientation_applied_on_the_training_side_only(files):
    path = files["coffee-exif6.jpg"]
    actual = sp.training_pil(Image.open(path).convert("RGB"))  # serving ignores EXIF
    diagnosis = pixelpact.diagnose(E1, path, actual, exif_transpose=True)
    check_exact(diagnosis, np.asarray(Image.open(path).convert("RGB")), actual, ["orientation"])
    assert "training applied the file's EXIF orientation 6" in diagnosis.suspects[0].detail


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_cv2_imread_applies_exif_orientation_in_the_classic_path(files, name):
    path = files[f"{name}-exif8.jpg"]
    actual = sp.opencv_classic(cv2.imread(str(path)))
    diagnosis = pixelpact.diagnose(E1, path, actual)
    rotated = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    check_exact(diagnosis, rotated, actual, ["orientation", "normalization", "resize_method", "channel_order",
                                             "layout", "crop"])


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_decode_dct_scaling_by_opencv(files, name):
    path = files[f"{name}.jpg"]
    reduced = np.ascontiguousarray(cv2.imread(str(path), cv2.IMREAD_REDUCED_COLOR_2)[..., ::-1])
    actual = sp.training(reduced)
    diagnosis = pixelpact.diagnose(E1, path, actual)
    check_exact(diagnosis, reduced, actual, ["decode"])
    assert "DCT-domain scaling by 1/2" in diagnosis.suspects[0].detail


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_seven_kinds_at_once(files, name):
    """cv2.imread(IMREAD_REDUCED_COLOR_2) of an EXIF-rotated JPEG (DCT scaling, EXIF
    applied, BGR) into the classic OpenCV path."""
    path = files[f"{name}-exif6.jpg"]
    reduced = cv2.imread(str(path), cv2.IMREAD_REDUCED_COLOR_2)
    actual = sp.opencv_classic(reduced)
    diagnosis = pixelpact.diagnose(E1, path, actual)
    check_exact(diagnosis, np.ascontiguousarray(reduced[..., ::-1]), actual,
                ["normalization", "resize_method", "channel_order", "layout", "crop", "orientation", "decode"])


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_decode_fast_idct_and_upsampling(files, name):
    path = files[f"{name}.jpg"]
    im = Image.open(path)
    im.decoderconfig = (1, 1)  # libjpeg's draft flag: JDCT_IFAST, no fancy upsampling
    fast = np.asarray(im.convert("RGB"))
    actual = sp.training(fast)
    assert not same_bits(actual, sp.training_pil(Image.open(path).convert("RGB")))
    diagnosis = pixelpact.diagnose(E1, path, actual)
    check_exact(diagnosis, fast, actual, ["decode"])


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_decode_outside_the_known_decoders_is_close(files, name):
    """Pillow's own YCbCr->RGB conversion (draft to YCbCr) instead of libjpeg's: small
    differences everywhere that no decoder here reproduces."""
    path = files[f"{name}.jpg"]
    im = Image.open(path)
    im.draft("YCbCr", im.size)
    actual = sp.training_pil(im.convert("RGB"))
    diagnosis = pixelpact.diagnose(E1, path, actual)
    assert diagnosis.match == "close", diagnosis.summary()
    assert diagnosis.kinds == ["decode"], diagnosis.summary()
    r = diagnosis.residual
    assert 0 < r["max_abs_diff"] < 0.1 and r["relative_rms"] < 0.05 and r["spread"] > 0.5
    assert "max |diff|" in diagnosis.suspects[0].detail


ALPHA = {"white": (255, 255, 255), "black": (0, 0, 0), "gray-114": (114, 114, 114), "azure": (0, 128, 255)}


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("name", ["chelsea", "coffee"])
@pytest.mark.parametrize("policy", list(ALPHA) + ["premultiply"])
def test_alpha(files, name, policy):
    path = files[f"{name}-rgba.png"]
    rgba = Image.open(path)
    if policy == "premultiply":
        actual = sp.rgba_resized_premultiplied(rgba)
    else:
        actual = sp.training_pil(sp.composite(rgba, ALPHA[policy]))
    diagnosis = pixelpact.diagnose(E1, path, actual)
    check_exact(diagnosis, np.asarray(rgba), actual, ["alpha"])
    assert diagnosis.contract["input"]["color"] == "RGBA"
    if policy != "premultiply":  # the background colour is read back from the tensor
        assert diagnosis.contract["input"]["background"] == list(ALPHA[policy])


@pytest.mark.slow  # a diagnosis search per case
def test_alpha_composite_in_the_opencv_classic_path(files):
    path = files["coffee-rgba.png"]
    flattened = np.asarray(sp.composite(Image.open(path), (255, 255, 255)))
    actual = sp.opencv_classic(np.ascontiguousarray(flattened[..., ::-1]))
    diagnosis = pixelpact.diagnose(E1, path, actual)
    check_exact(diagnosis, np.asarray(Image.open(path)), actual,
                ["alpha", "normalization", "resize_method", "channel_order", "layout", "crop"])


# ---- other training contracts ----------------------------------------------------------------

YOLO = {"pixelpact": 1, "name": "yolo-640", "input": {"color": "BGR"},
        "steps": [{"op": "letterbox", "size": 640}, {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}],
        "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}
CLIP = {"pixelpact": 1, "name": "clip", "input": {"color": "RGB"},
        "steps": [{"op": "resize", "size": 224, "interpolation": "bicubic", "engine": "pillow"},
                  {"op": "center_crop", "size": 224}, {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                  {"op": "normalize", "mean": sp.CLIP_MEAN, "std": sp.CLIP_STD}],
        "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}
VIT384 = {"pixelpact": 1, "name": "vit-384", "input": {"color": "RGB"},
          "steps": [{"op": "resize", "size": [384, 384], "interpolation": "bilinear", "engine": "pillow"},
                    {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                    {"op": "normalize", "mean": [0.5] * 3, "std": [0.5] * 3}],
          "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}
RECT = {"pixelpact": 1, "name": "rect-224x320", "input": {"color": "RGB"},
        "steps": [{"op": "resize", "size": [224, 320], "interpolation": "bilinear", "engine": "pillow"},
                  {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}],
        "output": {"layout": "NHWC", "dtype": "float32", "color": "RGB"}}


def yolo_pixels(bgr, fill=114, interpolation=cv2.INTER_LINEAR, center=True, auto=False):
    """Ultralytics LetterBox(640) with OpenCV, on the BGR image."""
    h, w = bgr.shape[:2]
    r = min(640 / h, 640 / w)
    nw, nh = max(round(w * r), 1), max(round(h * r), 1)
    out = cv2.resize(bgr, (nw, nh), interpolation=interpolation) if (nw, nh) != (w, h) else bgr
    dw, dh = 640 - nw, 640 - nh
    if auto:
        dw, dh = dw % 32, dh % 32
    if center:
        top, bottom, left, right = round(dh / 2 - 0.1), round(dh / 2 + 0.1), round(dw / 2 - 0.1), round(dw / 2 + 0.1)
    else:
        top, bottom, left, right = 0, dh, 0, dw
    return cv2.copyMakeBorder(out, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(fill,) * 3)


def yolo_tensor(pixels_bgr, scale=True):
    x = pixels_bgr[..., ::-1].astype(np.float32)
    return (x / np.float32(255) if scale else x).transpose(2, 0, 1)[None].copy()


def vit(rgb, interpolation=T.InterpolationMode.BILINEAR, mean=(0.5,) * 3, std=(0.5,) * 3):
    return T.Compose([T.Resize((384, 384), interpolation), T.ToTensor(), T.Normalize(mean, std)])(
        Image.fromarray(rgb)).unsqueeze(0).numpy()


def cv2_vit(rgb, flag):
    x = cv2.resize(rgb, (384, 384), interpolation=flag).astype(np.float32)
    return ((x / np.float32(255) - np.float32(0.5)) / np.float32(0.5)).transpose(2, 0, 1)[None].copy()


def hf_fast_clip(rgb):
    """Hugging Face's torchvision backend for CLIP: torch bicubic on uint8, floor crop
    offsets, mean/std folded into 0-255 values."""
    t = torch.from_numpy(np.array(rgb)).permute(2, 0, 1).contiguous()
    t = v2.functional.resize(t, 224, interpolation=T.InterpolationMode.BICUBIC, antialias=True)
    top, left = int((t.shape[1] - 224) / 2.0), int((t.shape[2] - 224) / 2.0)
    t = t[:, top:top + 224, left:left + 224].float()
    mean, std = torch.tensor(sp.CLIP_MEAN) * 255.0, torch.tensor(sp.CLIP_STD) * 255.0
    return ((t - mean[:, None, None]) / std[:, None, None]).unsqueeze(0).numpy()


OTHER_CONTRACTS = {
    "yolo-rgb-fed": (YOLO, ["channel_order"], lambda rgb: yolo_tensor(yolo_pixels(rgb.copy()))),
    "yolo-fill-0": (YOLO, ["crop"], lambda rgb: yolo_tensor(yolo_pixels(rgb[..., ::-1].copy(), fill=0))),
    "yolo-no-scaling": (YOLO, ["value_range"], lambda rgb: yolo_tensor(yolo_pixels(rgb[..., ::-1].copy()), False)),
    "yolo-squash": (YOLO, ["crop"], lambda rgb: yolo_tensor(cv2.resize(rgb[..., ::-1].copy(), (640, 640)))),
    "yolo-not-centred": (YOLO, ["crop"], lambda rgb: yolo_tensor(yolo_pixels(rgb[..., ::-1].copy(), center=False))),
    "yolo-auto-stride": (YOLO, ["crop"], lambda rgb: yolo_tensor(yolo_pixels(rgb[..., ::-1].copy(), auto=True))),
    "yolo-nearest": (YOLO, ["resize_method"],
                     lambda rgb: yolo_tensor(yolo_pixels(rgb[..., ::-1].copy(), interpolation=cv2.INTER_NEAREST))),
    "yolo-blob-squash": (YOLO, ["crop", "value_range"],  # blobFromImage multiplies by float32(1/255)
                         lambda rgb: cv2.dnn.blobFromImage(rgb[..., ::-1].copy(), 1 / 255, (640, 640), swapRB=True)),
    "clip-hf-fast": (CLIP, ["normalization", "resize_method"], hf_fast_clip),
    "clip-imagenet-stats": (CLIP, ["normalization"], lambda rgb: T.Compose([
        T.Resize(224, T.InterpolationMode.BICUBIC), T.CenterCrop(224), T.ToTensor(), T.Normalize(sp.MEAN, sp.STD)])(
        Image.fromarray(rgb)).unsqueeze(0).numpy()),
    "vit-cv2-area": (VIT384, ["resize_method"], lambda rgb: cv2_vit(rgb, cv2.INTER_AREA)),
    "vit-cv2-lanczos4": (VIT384, ["resize_method"], lambda rgb: cv2_vit(rgb, cv2.INTER_LANCZOS4)),
    "vit-pillow-box": (VIT384, ["resize_method"], lambda rgb: vit(rgb, T.InterpolationMode.BOX)),
    "vit-pillow-hamming": (VIT384, ["resize_method"], lambda rgb: vit(rgb, T.InterpolationMode.HAMMING)),
    "vit-bicubic-hw-swapped-float16": (VIT384, ["resize_method", "layout", "dtype"],
                                       lambda rgb: vit(rgb, T.InterpolationMode.BICUBIC).transpose(0, 1, 3, 2)
                                       .astype(np.float16), lambda t: t.transpose(0, 1, 3, 2)),
    "vit-resize-and-crop": (VIT384, ["crop"], lambda rgb: T.Compose([
        T.Resize(384), T.CenterCrop(384), T.ToTensor(), T.Normalize([0.5] * 3, [0.5] * 3)])(
        Image.fromarray(rgb)).unsqueeze(0).numpy()),
    "rect-cv2-dsize-swapped": (RECT, ["resize_size", "resize_method"],
                               lambda rgb: (cv2.resize(rgb, (224, 320)).astype(np.float32) / np.float32(255))[None]),
    "rect-nchw": (RECT, ["layout"], lambda rgb: (np.asarray(Image.fromarray(rgb).resize((320, 224), Image.BILINEAR))
                                                 .astype(np.float32) / np.float32(255)).transpose(2, 0, 1)[None].copy()),
}


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("photo", ["coffee", "noise"])
@pytest.mark.parametrize("case", OTHER_CONTRACTS)
def test_other_training_contracts(case, photo):
    contract, kinds, serve, *outside = OTHER_CONTRACTS[case]
    rgb = PHOTOS[photo]
    image = np.ascontiguousarray(rgb[..., ::-1]) if contract["input"]["color"] == "BGR" else rgb
    actual = serve(rgb)
    diagnosis = pixelpact.diagnose(contract, image, actual)
    check_exact(diagnosis, image, actual, kinds, *outside)


# ---- nothing to explain ----------------------------------------------------------------------

UNRELATED = {
    "normal-noise": lambda rgb: np.random.default_rng(1).normal(size=(1, 3, 224, 224)).astype(np.float32),
    "uniform-noise": lambda rgb: np.random.default_rng(2).random((1, 3, 224, 224), dtype=np.float32),
    "uint8-noise": lambda rgb: np.random.default_rng(3).integers(0, 256, (224, 224, 3), dtype=np.uint8),
    "zeros": lambda rgb: np.zeros((1, 3, 224, 224), np.float32),
    "another-photo": lambda rgb: sp.training(skimage.data.astronaut()),
    "another-photo-opencv": lambda rgb: sp.opencv_classic(skimage.data.astronaut()[..., ::-1].copy()),
    "another-noise-image": lambda rgb: sp.training(noise(333, 500, seed=9)),
    "shuffled-pixels": lambda rgb: np.random.default_rng(4).permutation(sp.training(rgb).ravel()).reshape(1, 3, 224, 224),
    "wrong-shape": lambda rgb: np.random.default_rng(5).random((7, 11), dtype=np.float32),
    "nan": lambda rgb: np.full((1, 3, 224, 224), np.nan, np.float32),
}


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("photo", PHOTOS)
@pytest.mark.parametrize("case", UNRELATED)
def test_unrelated_tensor_is_none(case, photo):
    rgb = PHOTOS[photo]
    diagnosis = pixelpact.diagnose(E1, rgb, UNRELATED[case](rgb))
    assert diagnosis.match == "none", diagnosis.summary()
    assert diagnosis.suspects == [] and diagnosis.contract is None
    assert diagnosis.to_dict() == {"match": "none", "suspects": [], "contract": None,
                                   "residual": diagnosis.residual}


@pytest.mark.slow  # the CLI in a subprocess, or a full search
def test_out_of_vocabulary_resize_is_close():
    """cv2.resize on float32 (after /255): no contract step is OpenCV's float resize."""
    rgb = PHOTOS["coffee"]
    h, w = rgb.shape[:2]
    nh, nw = sp.shorter_side(h, w, 256)
    x = cv2.resize(rgb.astype(np.float32) / 255, (nw, nh), interpolation=cv2.INTER_LINEAR)
    top, left = int(round((nh - 224) / 2.0)), int(round((nw - 224) / 2.0))
    x = (x[top:top + 224, left:left + 224] - np.array(sp.MEAN, np.float32)) / np.array(sp.STD, np.float32)
    actual = x.transpose(2, 0, 1)[None].astype(np.float32)
    diagnosis = pixelpact.diagnose(E1, rgb, actual)
    assert diagnosis.match == "close", diagnosis.summary()
    assert diagnosis.kinds == ["resize_method"]
    assert 0 < diagnosis.residual["relative_rms"] < 0.05
    # the nearest explanation: bilinear without antialias, OpenCV's or torch's float one (the same taps)
    assert "no antialias" in diagnosis.suspects[0].detail or "without antialias" in diagnosis.suspects[0].detail


# ---- the command line and the report -----------------------------------------------------------


def cli(*args):
    return subprocess.run([sys.executable, "-m", "pixelpact", *map(str, args)], capture_output=True, text=True)


@pytest.mark.slow  # the CLI in a subprocess, or a full search
def test_cli_json_is_one_object(tmp_path):
    rgb = PHOTOS["chelsea"]
    Image.fromarray(rgb).save(tmp_path / "cat.png")
    (tmp_path / "e1.json").write_text(json.dumps(E1))
    np.save(tmp_path / "actual.npy", sp.opencv_classic(np.ascontiguousarray(rgb[..., ::-1])))
    res = cli("diagnose", "--contract", tmp_path / "e1.json", "--image", tmp_path / "cat.png",
              "--actual", tmp_path / "actual.npy", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)  # the whole of stdout is one JSON object
    assert list(doc) == ["match", "suspects", "contract", "residual"]
    assert doc["match"] == "exact"
    assert [s["kind"] for s in doc["suspects"]] == ["normalization", "resize_method", "channel_order", "layout", "crop"]
    assert all(set(s) == {"kind", "detail", "fix"} for s in doc["suspects"])
    assert_same(pixelpact.load(doc["contract"])(rgb), np.load(tmp_path / "actual.npy"))
    np.save(tmp_path / "same.npy", sp.training(rgb))
    res = cli("diagnose", "--contract", tmp_path / "e1.json", "--image", tmp_path / "cat.png",
              "--actual", tmp_path / "same.npy", "--json")
    doc = json.loads(res.stdout)
    assert doc["match"] == "exact" and doc["suspects"] == []


@pytest.mark.slow  # the CLI in a subprocess, or a full search
def test_cli_text_and_errors(tmp_path):
    rgb = PHOTOS["coffee"]
    np.save(tmp_path / "img.npy", rgb)
    (tmp_path / "e1.json").write_text(json.dumps(E1))
    np.save(tmp_path / "actual.npy", sp.training(rgb).astype(np.float16))
    res = cli("diagnose", "--contract", tmp_path / "e1.json", "--image", tmp_path / "img.npy",
              "--actual", tmp_path / "actual.npy")
    assert res.returncode == 0 and "match: exact" in res.stdout and "1. dtype:" in res.stdout
    res = cli("diagnose", "--contract", tmp_path / "e1.json", "--image", tmp_path / "img.npy",
              "--actual", tmp_path / "missing.npy")
    assert res.returncode == 1 and "missing.npy" in res.stderr
    (tmp_path / "bad.json").write_text(json.dumps({**E1, "output": {**E1["output"], "layout": "XYZ"}}))
    res = cli("diagnose", "--contract", tmp_path / "bad.json", "--image", tmp_path / "img.npy",
              "--actual", tmp_path / "actual.npy")
    assert res.returncode == 1 and "/output/layout" in res.stderr


def test_import_stays_light():
    code = "import sys, pixelpact; print(sorted(m for m in ('torch', 'cv2', 'PIL', 'urllib.request') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "[]"


def screenshot(html_path, png_path, tmp_path):
    system.require(system.CHROMIUM, "rendering the report")
    result = subprocess.run([system.program("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1200,1600",
                             f"--screenshot={png_path}", html_path.as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert png_path.is_file(), result.stderr[-2000:]
    return np.asarray(Image.open(png_path).convert("RGB"))


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("case", ["opencv-classic", "unrelated"])
def test_report_renders_in_a_real_browser(tmp_path, case):
    rgb = PHOTOS["chelsea"]
    actual = (sp.opencv_classic(np.ascontiguousarray(rgb[..., ::-1])) if case == "opencv-classic"
              else UNRELATED["normal-noise"](rgb))
    (tmp_path / "e1.json").write_text(json.dumps(E1))
    Image.fromarray(rgb).save(tmp_path / "cat.png")
    np.save(tmp_path / "actual.npy", actual)
    report = tmp_path / "report.html"
    res = cli("diagnose", "--contract", tmp_path / "e1.json", "--image", tmp_path / "cat.png",
              "--actual", tmp_path / "actual.npy", "--report", report)
    assert res.returncode == 0, res.stderr
    text = report.read_text()
    assert text.count("data:image/png;base64,") >= 5 and "src=\"http" not in text  # self-contained
    shot = screenshot(report, tmp_path / "shot.png", tmp_path)
    assert shot.shape[0] >= 1000 and shot.shape[1] >= 1000
    assert shot.std() > 20, "the screenshot is blank"
    assert len(np.unique(shot.reshape(-1, 3), axis=0)) > 500, "no pictures were rendered"
    badge = (30, 142, 62) if case == "opencv-classic" else (197, 34, 31)
    assert np.any(np.all(shot == badge, axis=-1)), "the match badge is not drawn"
    for png in text.split("data:image/png;base64,")[1:]:  # every embedded picture decodes
        Image.open(io.BytesIO(base64.b64decode(png.split('"')[0]))).load()


# ---- torch's float resize (torchvision v1 on a float tensor) --------------------------------

F1 = {"pixelpact": 1, "name": "resnet50-float-resize", "input": {"color": "RGB"},
      "steps": [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                {"op": "resize", "size": 256, "interpolation": "bilinear", "engine": "torch"},
                {"op": "center_crop", "size": 224}, {"op": "normalize", "mean": sp.MEAN, "std": sp.STD}],
      "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}


def v1_on_tensor(rgb, interpolation=T.InterpolationMode.BILINEAR, antialias=True, normalize=True):
    """torchvision v1: ToTensor first, so Resize runs on float32 (torch's default thread count)."""
    ops = [T.ToTensor(), T.Resize(256, interpolation, antialias=antialias), T.CenterCrop(224)]
    return T.Compose(ops + ([T.Normalize(sp.MEAN, sp.STD)] if normalize else []))(Image.fromarray(rgb)).unsqueeze(0).numpy()


FLOAT_CASES = {
    "bilinear": (["resize_method"], lambda rgb: v1_on_tensor(rgb)),
    "bicubic-no-antialias": (["resize_method"], lambda rgb: v1_on_tensor(rgb, T.InterpolationMode.BICUBIC, False)),
    "bilinear-no-normalize": (["resize_method", "normalization"], lambda rgb: v1_on_tensor(rgb, normalize=False)),
}


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("photo", ["chelsea", "noise"])
@pytest.mark.parametrize("case", FLOAT_CASES)
def test_serving_resizes_the_float_tensor(case, photo):
    kinds, serve = FLOAT_CASES[case]
    rgb = PHOTOS[photo]
    actual = serve(rgb)
    diagnosis = pixelpact.diagnose(E1, rgb, actual)
    check_exact(diagnosis, rgb, actual, kinds)
    resize = [s for s in diagnosis.contract["steps"] if s["op"] == "resize"][0]
    assert resize["engine"] == "torch"
    assert [s["op"] for s in diagnosis.contract["steps"]].index("to_float") == 0  # the resize runs on floats
    assert "float32 tensor" in {s.kind: s.detail for s in diagnosis.suspects}["resize_method"]


@pytest.mark.slow  # a diagnosis search per case
@pytest.mark.parametrize("case", ["pillow", "no-normalize", "nhwc"])
def test_training_contract_with_a_float_resize(case):
    rgb = PHOTOS["coffee"]
    expected = v1_on_tensor(rgb)
    actual, kinds = {"pillow": (sp.training(rgb), ["resize_method"]),
                     "no-normalize": (v1_on_tensor(rgb, normalize=False), ["normalization"]),
                     "nhwc": (expected.transpose(0, 2, 3, 1), ["layout"])}[case]
    diagnosis = pixelpact.diagnose(F1, rgb, actual)
    check_exact(diagnosis, rgb, actual, kinds)
