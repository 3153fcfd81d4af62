"""Procedurally generated sample images (no files, no downloads)."""
from __future__ import annotations

import numpy as np


def sample_image(height: int = 480, width: int = 640, seed: int = 0) -> np.ndarray:
    """A photo-like RGB uint8 image: smooth gradients, hard-edged shapes, fine
    texture and sensor-like noise, so every resampling filter has work to do."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = x / max(width - 1, 1), y / max(height - 1, 1)
    img = np.empty((height, width, 3), np.float64)
    img[..., 0] = 40 + 170 * u + 30 * np.sin(9 * v)
    img[..., 1] = 60 + 120 * v + 40 * np.cos(7 * u + 3 * v)
    img[..., 2] = 200 - 150 * u * v
    for _ in range(12):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        r = rng.uniform(0.03, 0.2) * min(height, width)
        mask = (y - cy) ** 2 + (x - cx) ** 2 < r * r
        img[mask] = rng.uniform(0, 255, 3)
    stripes = (np.sin(x * 0.8 + y * 0.3) > 0.6)[..., None]
    img = np.where(stripes, img * 0.8, img)
    img += rng.normal(0, 6, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)
