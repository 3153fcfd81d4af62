"""Elementwise conventions of libraries without a pipeline object to import,
as contract steps (to place after the geometry steps). Each names the source
arithmetic it reproduces; all are float32 like the libraries."""
from __future__ import annotations

import numpy as np

from ._common import f32


def albumentations_normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                             max_pixel_value: float = 255.0) -> list[dict]:
    """albumentations.Normalize (normalization="standard") on uint8 images:
    mean' = float32(mean) * max_pixel_value, denominator = reciprocal(float32(std)
    * max_pixel_value), both float32; then (float32(x) - mean') * denominator
    (albucore normalize_lut: the table is built with exactly these float32 ops)."""
    mean_np = np.array(mean, dtype=np.float32) * max_pixel_value
    denominator = np.reciprocal(np.array(std, dtype=np.float32) * max_pixel_value)
    return [{"op": "to_float", "dtype": "float32"}, {"op": "sub", "value": f32(mean_np)},
            {"op": "mul", "value": f32(denominator)}]


def keras_preprocess_input(mode: str) -> tuple[list[dict], str]:
    """keras.applications.imagenet_utils.preprocess_input on a uint8 RGB numpy
    image (cast to float32 first). Returns (steps, output colour): 'caffe'
    flips RGB to BGR and subtracts the BGR means; 'tf': x /= 127.5; x -= 1;
    'torch': x /= 255; then per channel x -= mean; x /= std."""
    steps: list[dict] = [{"op": "to_float", "dtype": "float32"}]
    if mode == "caffe":
        return steps + [{"op": "sub", "value": [103.939, 116.779, 123.68]}], "BGR"
    if mode == "tf":
        return steps + [{"op": "div", "value": 127.5}, {"op": "sub", "value": 1.0}], "RGB"
    if mode == "torch":
        return steps + [{"op": "div", "value": 255.0}, {"op": "sub", "value": [0.485, 0.456, 0.406]},
                        {"op": "div", "value": [0.229, 0.224, 0.225]}], "RGB"
    raise ValueError(f"mode must be 'caffe', 'tf' or 'torch', got {mode!r}")


def ultralytics_scale() -> list[dict]:
    """Ultralytics predictor on CPU: im.float().div_(255), a float32 true division."""
    return [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}]
