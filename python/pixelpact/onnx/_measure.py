"""Measured error bounds of approximate exports, written into the model's
metadata by ``export(..., allow_approximate=True)``.

The image set: pixelpact.samples.sample_image (photo-like) with seeds 0-2 and
uniform noise, each at 480x640, 640x480, 97x131 and 61x61. The reference is the
real library: the contract up to the approximate step by pixelpact's core (proven
equal to the library elsewhere), the step itself by the library, the rest in
numpy in the contract's dtype order.
"""
from __future__ import annotations

import numpy as np

from .._pipeline import Pipeline
from ..samples import sample_image

SIZES = [(480, 640), (640, 480), (97, 131), (61, 61)]
IMAGE_SET = ("pixelpact.samples.sample_image seeds 0-2 and uniform noise (numpy default_rng(seed)), "
             "each at 480x640, 640x480, 97x131 and 61x61")


def images(channels: int):
    for h, w in SIZES:
        for seed in range(3):
            rgb = sample_image(h, w, seed)
            yield _channels(rgb, channels)
        noise = np.random.default_rng([h, w]).integers(0, 256, (h, w, 3), dtype=np.uint8)
        yield _channels(noise, channels)


def _channels(rgb: np.ndarray, channels: int) -> np.ndarray:
    if channels == 1:
        return rgb[..., :1]
    if channels == 4:
        alpha = np.full(rgb.shape[:2] + (1,), 255, np.uint8)
        alpha[::3, ::5] = 128
        return np.concatenate([rgb, alpha], axis=2)
    return rgb


def _float_area_reference(doc: dict, image: np.ndarray) -> np.ndarray:
    """torch's float area resize (F.interpolate mode 'area', as torchvision v1 on a
    float tensor) between pixelpact's planes before it and the arithmetic after it."""
    import torch

    steps = doc["steps"]
    at = next(i for i, s in enumerate(steps) if s["op"] == "resize" and
              any(t["op"] == "to_float" for t in steps[:i]))
    before = {"pixelpact": 1, "input": doc["input"], "steps": steps[:at],
              "output": {"layout": "CHW", "dtype": "float32", "color": doc["output"]["color"]}}
    planes = Pipeline(before)(image if image.shape[2] != 1 else image[..., 0])
    size = steps[at]["size"]
    out_size = tuple(size) if isinstance(size, list) else None
    if out_size is None:
        out_size = Pipeline({**before, "steps": steps[:at + 1]}).output_shape(*image.shape[:2])[1:]
    with torch.no_grad():
        resized = torch.nn.functional.interpolate(torch.from_numpy(planes)[None], size=out_size,
                                                  mode="area")[0].numpy()
    x, dtype = resized, np.dtype(np.float32)
    for s in steps[at + 1:]:
        if s["op"] == "center_crop":
            ch, cw = s["size"] if isinstance(s["size"], list) else (s["size"],) * 2
            top, left = round((x.shape[1] - ch) / 2), round((x.shape[2] - cw) / 2)
            x = x[:, top:top + ch, left:left + cw]
            continue
        if s["op"] == "cast":
            dtype = np.dtype(s["dtype"])
            x = x.astype(np.float32) if dtype == np.float32 else x
            continue
        x = x.astype(dtype)

        def operand(v):
            return np.array(v if isinstance(v, list) else [v] * 3, dtype).reshape(3, 1, 1)
        if s["op"] == "normalize":
            x = (x - operand(s["mean"])) / operand(s["std"])
        else:
            x = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}[s["op"]](
                x, operand(s["value"]))
    out = x.astype(np.float32).astype(np.dtype(doc["output"]["dtype"]))
    layout = doc["output"]["layout"]
    if layout in ("HWC", "NHWC"):
        out = out.transpose(1, 2, 0)
    return out[None] if layout in ("NCHW", "NHWC") else out


def measure_bound(model, doc: dict) -> dict:
    """Runs the exported model in onnxruntime on the image set and returns the
    largest absolute difference from the reference and the share of values differing."""
    import onnxruntime as ort

    try:
        import torch  # noqa: F401  (the reference library)
    except ImportError:
        raise ValueError("measuring the error bound of an approximate export needs the reference library "
                         "(torch): pip install 'pixelpact[reference]'") from None
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    channels = {"RGB": 3, "BGR": 3, "RGBA": 4, "BGRA": 4, "GRAY": 1}[doc["input"]["color"]]
    worst, differing, total = 0.0, 0, 0
    for image in images(channels):
        got = session.run(None, {"image": image})[0].astype(np.float64)
        want = _float_area_reference(doc, image).astype(np.float64)
        worst = max(worst, float(np.max(np.abs(got - want))))
        differing += int(np.count_nonzero(got != want))
        total += got.size
    return {"max_abs_difference": worst, "values_differing": differing, "values": total,
            "reference": "torch.nn.functional.interpolate(mode='area')", "images": IMAGE_SET}
