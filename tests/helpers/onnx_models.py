"""Helpers of the ONNX tests: exported graphs run in onnxruntime, real photos."""
from __future__ import annotations

import functools

import numpy as np


def session(model, optimized: bool = True):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    if not optimized:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


class Exported:
    """A contract exported to ONNX and run in onnxruntime with its default graph
    optimizations (what users run) and, on request, with none (the graph's own
    semantics)."""

    def __init__(self, contract, **export_args):
        import pixelpact.onnx as ppx

        self.model = ppx.export(contract, **export_args)
        self._sessions = {}

    def __call__(self, image: np.ndarray, optimized: bool = True) -> np.ndarray:
        if optimized not in self._sessions:
            self._sessions[optimized] = session(self.model, optimized)
        if image.ndim == 2:
            image = image[..., None]
        return self._sessions[optimized].run(None, {"image": np.ascontiguousarray(image)})[0]


@functools.lru_cache(maxsize=None)
def photos() -> dict:
    """Real photographs bundled with scikit-image (no download)."""
    import skimage.data

    return {name: getattr(skimage.data, name)() for name in ("astronaut", "chelsea", "coffee", "rocket")}


@functools.lru_cache(maxsize=None)
def photo_4k() -> np.ndarray:
    """A photograph at 2160 x 3840 (coffee, enlarged with Pillow's bicubic filter)."""
    from PIL import Image

    return np.asarray(Image.fromarray(photos()["coffee"]).resize((3840, 2160), Image.BICUBIC))
