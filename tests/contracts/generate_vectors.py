"""Regenerate the shared test vectors of the example contracts from the real
reference libraries.

tests/contracts/ holds the example contracts (<name>.json). Two of them are also
shared vectors: <name>_input.npy (a photo-like uint8 image) and <name>_expected.npy
(the tensor the real training pipeline produces), read by the Python tests, the
C++ tests (ctest: vectors), the installed package's consumer project and the C
API tests. pixelpact is never used here: expected outputs come from
Pillow/torchvision only, and each contract file is rewritten only if it changed.

    python tests/contracts/generate_vectors.py   # needs pillow 13.x, torch 2.14.1, torchvision 0.29.1
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

HERE = Path(__file__).resolve().parent
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def photo_like(height, width, channels, seed):
    """Smooth gradients plus shapes plus noise: generated here, so the vectors
    depend on numpy's seeded generator only."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / np.array([max(height - 1, 1), max(width - 1, 1)])[:, None, None]
    base = np.stack([60 + 150 * x, 40 + 180 * y, 200 - 120 * x * y, 255 * (x > 0.3)][:channels], axis=-1)
    base = base + rng.normal(0, 20, base.shape)
    for _ in range(5):
        cy, cx, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.05, 0.3)
        base[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.uniform(0, 255, channels)
    return np.clip(np.rint(base), 0, 255).astype(np.uint8)


def vectors():
    e1 = {"pixelpact": 1, "name": "resnet50-imagenet-eval", "input": {"color": "RGB"},
          "steps": [{"op": "resize", "size": 256, "interpolation": "bilinear", "engine": "pillow"},
                    {"op": "center_crop", "size": [224, 224]},
                    {"op": "to_float", "dtype": "float32"},
                    {"op": "div", "value": 255},
                    {"op": "normalize", "mean": MEAN, "std": STD}],
          "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}
    rgb = photo_like(97, 131, 3, seed=1)
    ref = T.Compose([T.Resize(256, InterpolationMode.BILINEAR), T.CenterCrop(224), T.ToTensor(),
                     T.Normalize(MEAN, STD)])
    yield "resnet50_imagenet_eval", e1, rgb, ref(Image.fromarray(rgb)).unsqueeze(0).numpy()

    e5 = {"pixelpact": 1, "name": "rgba-box-64", "input": {"color": "RGBA"},
          "steps": [{"op": "resize", "size": [64, 64], "interpolation": "box", "engine": "pillow"},
                    {"op": "to_float", "dtype": "float32"},
                    {"op": "div", "value": 255}],
          "output": {"layout": "CHW", "dtype": "float32", "color": "RGB"}}
    rgba = photo_like(150, 77, 4, seed=5)
    ref = T.Compose([T.Resize((64, 64), InterpolationMode.BOX), T.ToTensor()])
    yield "rgba_box_64_chw", e5, rgba, ref(Image.fromarray(rgba).convert("RGB")).numpy()


def main():
    for name, contract, image, expected in vectors():
        path = HERE / f"{name}.json"
        if not path.exists() or json.loads(path.read_text()) != contract:
            path.write_text(json.dumps(contract, indent=1) + "\n")
        np.save(HERE / f"{name}_input.npy", image)
        np.save(HERE / f"{name}_expected.npy", np.ascontiguousarray(expected))
        print(f"{name}: input {image.shape} -> expected {expected.dtype} {expected.shape}")


if __name__ == "__main__":
    main()
