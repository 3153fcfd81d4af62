"""Serving-side preprocessing as teams write it, with OpenCV, numpy, torch,
torchvision and Pillow — never with pixelpact — for the diagnosis and golden
tests. Each takes an RGB uint8 image (H, W, 3) unless it says otherwise; the
training pipeline they deviate from is TRAINING (ResNet-50 eval, contract E1)."""
from __future__ import annotations

import cv2
import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import v2

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def training(rgb: np.ndarray, resize=T.Resize(256), crop=T.CenterCrop(224), normalize=T.Normalize(MEAN, STD)):
    """torchvision v1 on a PIL image: Resize(256), CenterCrop(224), ToTensor, Normalize."""
    ops = [op for op in (resize, crop) if op is not None] + [T.ToTensor()] + ([normalize] if normalize else [])
    return T.Compose(ops)(Image.fromarray(rgb)).unsqueeze(0).numpy()


def training_pil(image: Image.Image) -> np.ndarray:
    return T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])(image).unsqueeze(0).numpy()


def pil_geometry(rgb: np.ndarray, resize=T.Resize(256), crop=T.CenterCrop(224)) -> np.ndarray:
    """The training's resized and cropped pixels (uint8 HWC), by Pillow."""
    out = Image.fromarray(rgb)
    for op in (resize, crop):
        if op is not None:
            out = op(out)
    return np.asarray(out)


def shorter_side(h: int, w: int, size: int) -> tuple:
    """torchvision's Resize(int) output (height, width): the long side truncated."""
    return (size, int(size * w / h)) if h <= w else (int(size * h / w), size)


def cv2_resize_crop(rgb: np.ndarray, interpolation=cv2.INTER_LINEAR, size: int = 256, crop: int = 224):
    """cv2.resize to torchvision's shorter-side size, then torchvision's centre-crop
    offsets, normalized in float32 numpy: the training's geometry with OpenCV's resize."""
    h, w = rgb.shape[:2]
    nh, nw = shorter_side(h, w, size)
    cv2.ipp.setUseIPP(False)  # OpenCV's own code, as the contract's opencv engine states
    try:
        out = cv2.resize(rgb, (nw, nh), interpolation=interpolation)
    finally:
        cv2.ipp.setUseIPP(True)
    top, left = int(round((nh - crop) / 2.0)), int(round((nw - crop) / 2.0))
    out = out[top:top + crop, left:left + crop].astype(np.float32)
    x = (out / np.float32(255) - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
    return x.transpose(2, 0, 1)[None]


def torchvision_v2(rgb: np.ndarray, antialias: bool = True, interpolation=v2.InterpolationMode.BILINEAR,
                   to_dtype: bool = False) -> np.ndarray:
    """torchvision v2 on a uint8 CHW tensor (torch's uint8 resize kernels)."""
    tensor = torch.from_numpy(np.array(rgb)).permute(2, 0, 1).contiguous()
    resized = v2.Compose([v2.Resize(256, interpolation=interpolation, antialias=antialias), v2.CenterCrop(224)])(tensor)
    scaled = v2.ToDtype(torch.float32, scale=True)(resized) if to_dtype else resized.float() / 255
    return v2.Normalize(MEAN, STD)(scaled).unsqueeze(0).numpy()


def opencv_classic(bgr: np.ndarray) -> np.ndarray:
    """The classic OpenCV serving path on cv2.imread's BGR image: cv2.resize to
    224x224 (INTER_LINEAR), /255, no mean/std, NHWC."""
    return (cv2.resize(bgr, (224, 224), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0)[None]


def numpy_float64(rgb: np.ndarray) -> np.ndarray:
    """Pillow's geometry, then numpy arithmetic left in float64 (numpy's default)."""
    return ((pil_geometry(rgb) / 255.0 - np.array(MEAN)) / np.array(STD)).transpose(2, 0, 1)[None]


def numpy_mixed(rgb: np.ndarray) -> np.ndarray:
    """float32 pixels / 255, then float64 numpy mean/std arrays (numpy promotes), cast back to float32."""
    x = pil_geometry(rgb).astype(np.float32) / 255
    return ((x - np.array(MEAN)) / np.array(STD)).astype(np.float32).transpose(2, 0, 1)[None].copy()


def centre_square(rgb: np.ndarray) -> np.ndarray:
    """The centred square of the shorter side (offsets floored), a common serving crop."""
    h, w = rgb.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    return np.ascontiguousarray(rgb[top:top + s, left:left + s])


def hf_fused(rgb: np.ndarray) -> np.ndarray:
    """Mean/std folded into 0-255 values, as Hugging Face's fast processors do:
    (x - 255 mean) / (255 std), float32."""
    x = pil_geometry(rgb).astype(np.float32)
    mean = np.array(MEAN, np.float32) * np.float32(255)
    std = np.array(STD, np.float32) * np.float32(255)
    return ((x - mean) / std).transpose(2, 0, 1)[None]


def caffe(rgb: np.ndarray) -> np.ndarray:
    """Keras preprocess_input(mode="caffe"): BGR, minus the BGR means, no scaling."""
    x = pil_geometry(rgb).astype(np.float32)[..., ::-1]
    return (x - np.array([103.939, 116.779, 123.68], np.float32)).transpose(2, 0, 1)[None].copy()


def value_range_255(rgb: np.ndarray) -> np.ndarray:
    """Normalize applied to 0-255 values (PILToTensor + float, ToTensor's /255 forgotten)."""
    tensor = T.PILToTensor()(Image.fromarray(pil_geometry(rgb))).float()
    return T.Normalize(MEAN, STD)(tensor).unsqueeze(0).numpy()


def letterbox(rgb: np.ndarray, size: int = 224, fill: int = 114) -> np.ndarray:
    """Ultralytics-style letterbox written with OpenCV, /255, NCHW."""
    h, w = rgb.shape[:2]
    r = min(size / h, size / w)
    nw, nh = max(round(w * r), 1), max(round(h * r), 1)
    out = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nw, nh) != (w, h) else rgb
    dw, dh = (size - nw) / 2, (size - nh) / 2
    top, bottom, left, right = round(dh - 0.1), round(dh + 0.1), round(dw - 0.1), round(dw + 0.1)
    out = cv2.copyMakeBorder(out, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(fill, fill, fill))
    return (out.astype(np.float32) / np.float32(255)).transpose(2, 0, 1)[None]


def composite(image: Image.Image, color) -> Image.Image:
    """An RGBA image flattened onto an opaque colour (Hugging Face convert_to_rgb)."""
    return Image.alpha_composite(Image.new("RGBA", image.size, (*color, 255)), image.convert("RGBA")).convert("RGB")


def rgba_resized_premultiplied(image: Image.Image) -> np.ndarray:
    """torchvision Resize and CenterCrop on the RGBA PIL image (Pillow resizes it
    premultiplied), alpha dropped afterwards."""
    geometry = T.Compose([T.Resize(256), T.CenterCrop(224)])(image).convert("RGB")
    return T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])(geometry).unsqueeze(0).numpy()
