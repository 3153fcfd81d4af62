"""Regenerate the cross-language conformance suite from the real reference libraries.

Each case is three files in this folder:
    <name>.json            a contract
    <name>_input.npy       a uint8 image (H, W, C), or (H, W) for GRAY
    <name>_expected.npy    the tensor Pillow + torchvision produce for it

The same cases run through Python (pixelpact.load), the C++ API (ctest), the C API
(the C test program) and the shared library through ctypes; all four must produce
exactly these bytes. pixelpact is never imported here: every expected tensor is
computed by Pillow 13 / torch / torchvision, one library call per contract step
(see `reference`). Inputs are small generated images (seeded numpy), at most 64x64.

    python tests/conformance/generate.py            # rewrite this folder
    python tests/conformance/generate.py OUT_DIR    # write elsewhere (tests compare)
"""
from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import functional as TF
from torchvision.transforms import InterpolationMode
from torchvision.transforms.v2 import functional as F

HERE = Path(__file__).resolve().parent
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
FILTERS = ["nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"]
COLORS = ["RGB", "BGR", "RGBA", "BGRA", "GRAY"]
LAYOUTS = ["NCHW", "NHWC", "CHW", "HWC"]
DTYPES = ["float32", "float16", "uint8"]
MODES = {
    "nearest": InterpolationMode.NEAREST,
    "box": InterpolationMode.BOX,
    "bilinear": InterpolationMode.BILINEAR,
    "hamming": InterpolationMode.HAMMING,
    "bicubic": InterpolationMode.BICUBIC,
    "lanczos": InterpolationMode.LANCZOS,
    "nearest-exact": InterpolationMode.NEAREST_EXACT,
}


# ---------------------------------------------------------------- reference


def to_pil(image: np.ndarray, color: str) -> Image.Image:
    """The input as the RGB PIL image a training pipeline would hold: alpha is
    dropped and gray replicated by Pillow's convert("RGB")."""
    if color == "RGB":
        return Image.fromarray(image)
    if color == "BGR":
        return Image.fromarray(np.ascontiguousarray(image[..., ::-1]))
    if color == "RGBA":
        return Image.fromarray(image).convert("RGB")
    if color == "BGRA":
        return Image.fromarray(np.ascontiguousarray(image[..., [2, 1, 0, 3]])).convert("RGB")
    return Image.fromarray(np.ascontiguousarray(image.reshape(image.shape[:2]))).convert("RGB")


def operand(value, dtype):
    """A Python scalar stays a scalar (torch rounds it to the tensor's dtype); a list
    becomes a tensor of the arithmetic dtype, one value per channel."""
    if isinstance(value, list):
        return torch.tensor(value, dtype=dtype).view(-1, 1, 1)
    return value


def reference(contract: dict, image: np.ndarray) -> np.ndarray:
    """The contract executed by Pillow + torchvision, one library call per step."""
    pil = to_pil(image, contract["input"]["color"])
    tensor = None
    for step in contract["steps"]:
        op = step["op"]
        if op == "resize" and step["engine"] == "torch":
            # torchvision v2 on the uint8 CHW tensor; the pixels stay a tensor from here.
            pil = T.PILToTensor()(pil) if isinstance(pil, Image.Image) else pil
            size = [step["size"]] if isinstance(step["size"], int) else list(step["size"])
            pil = F.resize(pil, size, MODES[step["interpolation"]], max_size=step.get("max_size"),
                           antialias=step.get("antialias", True))
        elif op == "resize":
            size = step["size"] if isinstance(step["size"], int) else tuple(step["size"])
            pil = T.Resize(size, MODES[step["interpolation"]], max_size=step.get("max_size"))(pil)
        elif op == "center_crop":
            pil = T.CenterCrop(step["size"] if isinstance(step["size"], int) else tuple(step["size"]))(pil)
        elif op == "crop":
            assert step.get("fill", 0) == 0, "torchvision's crop pads with 0 only"
            pil = TF.crop(pil, step["top"], step["left"], step["height"], step["width"])
        elif op == "pad":
            fill = step.get("fill", 0)
            if isinstance(fill, list) and contract["output"]["color"] == "BGR":
                fill = fill[::-1]  # per-channel values are in output order; the PIL image is RGB
            pil = T.Pad(step["padding"], fill=tuple(fill) if isinstance(fill, list) else fill)(pil)
        elif op == "cast":
            tensor = tensor.to({"float32": torch.float32, "float64": torch.float64}[step["dtype"]])
        elif op == "to_float":
            tensor = T.PILToTensor()(pil) if isinstance(pil, Image.Image) else pil  # uint8 CHW, RGB
            if contract["output"]["color"] == "BGR":  # per-channel values are in output order
                tensor = tensor.flip(0)
            tensor = tensor.to({"float32": torch.float32, "float64": torch.float64}[step["dtype"]])
        elif op == "add":
            tensor = tensor + operand(step["value"], tensor.dtype)
        elif op == "sub":
            tensor = tensor - operand(step["value"], tensor.dtype)
        elif op == "mul":
            tensor = tensor * operand(step["value"], tensor.dtype)
        elif op == "div":
            tensor = tensor / operand(step["value"], tensor.dtype)
        elif op == "normalize":
            tensor = T.Normalize(step["mean"], step["std"])(tensor)
        else:
            raise ValueError(f"unknown op {op}")
    if tensor is None:  # no to_float: the pixels themselves
        tensor = T.PILToTensor()(pil) if isinstance(pil, Image.Image) else pil
        if contract["output"]["color"] == "BGR":
            tensor = tensor.flip(0)
    dtype = contract["output"]["dtype"]
    if dtype == "float32":
        tensor = tensor.float()
    elif dtype == "float16":
        tensor = tensor.half()  # float64 reaches float16 through float32, as torch does
    layout = contract["output"]["layout"]
    if layout in ("NHWC", "HWC"):
        tensor = tensor.permute(1, 2, 0)
    if layout in ("NCHW", "NHWC"):
        tensor = tensor.unsqueeze(0)
    return np.ascontiguousarray(tensor.numpy())


# ---------------------------------------------------------------- inputs


def photo_like(height: int, width: int, channels: int, seed: int) -> np.ndarray:
    """Gradients, discs and noise: smooth areas and hard edges, from a seeded
    generator only. channels=0 gives a (H, W) gray image."""
    rng = np.random.default_rng(seed)
    c = max(channels, 1)
    y, x = np.mgrid[0:height, 0:width] / np.array([max(height - 1, 1), max(width - 1, 1)])[:, None, None]
    planes = [60 + 150 * x, 40 + 180 * y, 200 - 120 * x * y, 255 * (x > 0.3)]
    base = np.stack(planes[:c], axis=-1) + rng.normal(0, 25, (height, width, c))
    for _ in range(4):
        cy, cx, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.05, 0.3)
        base[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.uniform(0, 255, c)
    img = np.clip(np.rint(base), 0, 255).astype(np.uint8)
    return img[..., 0] if channels == 0 else img


def channels_of(color: str) -> int:
    return {"RGB": 3, "BGR": 3, "RGBA": 4, "BGRA": 4, "GRAY": 0}[color]


def contract(name, color, steps, layout, dtype, out_color="RGB"):
    return {"pixelpact": 1, "name": name, "input": {"color": color}, "steps": steps,
            "output": {"layout": layout, "dtype": dtype, "color": out_color}}


def resize(size, interpolation, **extra):
    return {"op": "resize", "size": size, "interpolation": interpolation, "engine": "pillow", **extra}


def torch_resize(size, interpolation, **extra):
    return {"op": "resize", "size": size, "interpolation": interpolation, "engine": "torch", **extra}


def float_steps(out_color="RGB", dtype="float32"):
    mean, std = (MEAN, STD) if out_color == "RGB" else (MEAN[::-1], STD[::-1])
    return [{"op": "to_float", "dtype": dtype}, {"op": "div", "value": 255},
            {"op": "normalize", "mean": mean, "std": std}]


# ---------------------------------------------------------------- cases


def cases():
    """Yields (name, contract, input image)."""
    # The grid: every layout x dtype, cycling input colors, filters, output colors,
    # and alternating down- and up-scaling.
    sizes = [(61, 47), (13, 17), (48, 64), (9, 31), (64, 40), (23, 11)]
    for i, (layout, dtype) in enumerate(itertools.product(LAYOUTS, DTYPES)):
        color, flt, out_color = COLORS[i % 5], FILTERS[i % 6], ("RGB", "BGR")[i % 2]
        h, w = sizes[i % 6]
        arithmetic = [] if dtype == "uint8" else float_steps(out_color)
        name = f"grid-{layout.lower()}-{dtype}-{color.lower()}-{flt}"
        steps = [resize(28, flt), {"op": "center_crop", "size": [24, 20]}] + arithmetic
        yield name, contract(name, color, steps, layout, dtype, out_color), photo_like(h, w, channels_of(color), i)

    # The torchvision classics, at small sizes.
    yield ("imagenet-eval", contract("imagenet-eval", "RGB",
           [resize(40, "bilinear"), {"op": "center_crop", "size": 32}] + float_steps(), "NCHW", "float32"),
           photo_like(50, 64, 3, 100))
    yield ("bgr-input-bicubic", contract("bgr-input-bicubic", "BGR",
           [resize(36, "bicubic"), {"op": "center_crop", "size": [32, 32]}] + float_steps(), "NCHW", "float32"),
           photo_like(64, 45, 3, 101))
    yield ("mul-reciprocal-half", contract("mul-reciprocal-half", "RGB",
           [resize([20, 30], "hamming"), {"op": "to_float", "dtype": "float32"},
            {"op": "mul", "value": 0.00392156862745098},
            {"op": "normalize", "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}], "NHWC", "float16"),
           photo_like(41, 57, 3, 102))
    yield ("lanczos-uint8-bgr-out", contract("lanczos-uint8-bgr-out", "RGB",
           [resize([29, 45], "lanczos")], "HWC", "uint8", "BGR"), photo_like(37, 61, 3, 103))

    # Every resize size form: int, int with max_size (capping), [h, w]; up and down.
    yield ("resize-max-size", contract("resize-max-size", "RGB",
           [resize(16, "bilinear", max_size=40)], "CHW", "uint8"), photo_like(20, 64, 3, 110))
    yield ("resize-max-size-not-reached", contract("resize-max-size-not-reached", "RGB",
           [resize(16, "box", max_size=64)], "HWC", "uint8"), photo_like(40, 30, 3, 111))
    for j, flt in enumerate(FILTERS):  # each filter upscaling, to a non-multiple
        yield (f"upscale-{flt}", contract(f"upscale-{flt}", "RGB", [resize([40, 37], flt)], "HWC", "uint8"),
               photo_like(9 + j, 13 - j, 3, 120 + j))
    yield ("vertical-first", contract("vertical-first", "RGB",  # Pillow 13 resamples rows first here
           [resize([7, 11], "bicubic")], "HWC", "uint8"), photo_like(64, 12, 3, 130))
    yield ("one-pixel", contract("one-pixel", "RGB", [resize([3, 5], "lanczos")], "CHW", "float32"),
           photo_like(1, 1, 3, 131))
    yield ("one-row", contract("one-row", "RGB", [resize([1, 17], "hamming")], "HWC", "uint8"),
           photo_like(1, 64, 3, 132))
    yield ("one-column", contract("one-column", "BGR", [resize(5, "bilinear")], "HWC", "uint8"),
           photo_like(64, 1, 3, 133))

    # center_crop: int, [h, w], larger than the image (zero padding), chained geometry.
    yield ("crop-pads", contract("crop-pads", "RGB",
           [{"op": "center_crop", "size": [26, 34]}] + float_steps(), "NCHW", "float32"), photo_like(20, 29, 3, 140))
    yield ("crop-odd-offsets", contract("crop-odd-offsets", "RGBA",
           [{"op": "center_crop", "size": 17}], "HWC", "uint8"), photo_like(30, 44, 4, 141))
    yield ("chained-geometry", contract("chained-geometry", "RGB",
           [{"op": "center_crop", "size": [40, 40]}, resize([21, 23], "nearest"), resize(18, "lanczos"),
            {"op": "center_crop", "size": 15}], "NHWC", "uint8"), photo_like(47, 63, 3, 142))

    # crop (reaching outside the image) and pad (per-channel fill, mapped by the tables).
    yield ("crop-outside", contract("crop-outside", "BGRA",
           [{"op": "crop", "top": -3, "left": 5, "height": 30, "width": 20}], "HWC", "uint8"),
           photo_like(24, 22, 4, 143))
    yield ("pad-fill-bgr-out", contract("pad-fill-bgr-out", "BGR",
           [{"op": "pad", "padding": [3, 1, 0, 4], "fill": [114, 20, 250]}, resize([30, 17], "bicubic"),
            {"op": "pad", "padding": 2, "fill": 9}] + float_steps("BGR"), "NCHW", "float32", "BGR"),
           photo_like(21, 13, 3, 144))

    # Elementwise arithmetic: every op, scalars, one value and per-channel lists, float64.
    yield ("no-steps-float", contract("no-steps-float", "RGB", [], "NCHW", "float32", "BGR"),
           photo_like(7, 9, 3, 150))
    yield ("no-steps-half", contract("no-steps-half", "GRAY", [], "CHW", "float16"), photo_like(6, 5, 0, 151))
    yield ("arithmetic-float32", contract("arithmetic-float32", "BGRA",
           [resize([12, 10], "box"), {"op": "to_float", "dtype": "float32"},
            {"op": "add", "value": [0.5]}, {"op": "sub", "value": [10, 20, 30]},
            {"op": "mul", "value": 0.0123}, {"op": "div", "value": [1.5, 2.5, 3.5]},
            {"op": "add", "value": -0.25}, {"op": "sub", "value": 0.75},
            {"op": "mul", "value": [1.1, 0.9, 1.3]}, {"op": "div", "value": 3}], "CHW", "float32", "BGR"),
           photo_like(25, 19, 4, 160))
    for out_dtype in ("float32", "float16"):
        name = f"arithmetic-float64-to-{out_dtype}"
        yield (name, contract(name, "RGB",
               [resize([15, 20], "bicubic"), {"op": "to_float", "dtype": "float64"}, {"op": "div", "value": 255},
                {"op": "sub", "value": [0.1, 0.2, 0.3]}, {"op": "mul", "value": 3.7}, {"op": "add", "value": -0.01},
                {"op": "normalize", "mean": MEAN, "std": STD}], "CHW", out_dtype), photo_like(31, 43, 3, 161))
    yield ("cast-float64-to-float32", contract("cast-float64-to-float32", "RGB",
           [{"op": "to_float", "dtype": "float64"}, {"op": "mul", "value": 0.00392156862745098},
            {"op": "cast", "dtype": "float32"}, {"op": "normalize", "mean": [0.5, 0.4, 0.3], "std": [0.2, 0.3, 0.4]}],
           "CHW", "float32"), photo_like(9, 14, 3, 163))
    # Engine 'torch' (torchvision v2 on a uint8 tensor): every interpolation, with and
    # without antialias, up and down, and the v2 eval pipeline.
    yield ("torch-v2-eval", contract("torch-v2-eval", "RGB",
           [torch_resize(40, "bilinear", antialias=True), {"op": "center_crop", "size": 32},
            {"op": "to_float", "dtype": "float32"}, {"op": "mul", "value": 0.00392156862745098},
            {"op": "normalize", "mean": MEAN, "std": STD}], "NCHW", "float32"), photo_like(50, 64, 3, 170))
    for j, (flt, aa) in enumerate([("bilinear", False), ("bicubic", True), ("bicubic", False), ("lanczos", True),
                                   ("nearest", True), ("nearest-exact", False)]):
        name = f"torch-{flt}-aa{int(aa)}"
        out_hw = [23, 17] if j % 2 else [50, 41]  # down, up
        yield (name, contract(name, ("RGB", "BGR", "GRAY")[j % 3], [torch_resize(out_hw, flt, antialias=aa)],
                              "HWC", "uint8"), photo_like(37 + j, 29 - j, 0 if j % 3 == 2 else 3, 171 + j))
    yield ("normalize-scalars", contract("normalize-scalars", "GRAY",
           [resize(12, "hamming"), {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
            {"op": "normalize", "mean": 0.5, "std": [0.25]}], "NHWC", "float32"),
           photo_like(22, 33, 0, 162)[..., None])  # GRAY may also come as (H, W, 1)


def main(argv) -> None:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    names = set()
    for name, doc, image in cases():
        assert name not in names, name
        names.add(name)
        expected = reference(doc, image)
        (out / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")
        np.save(out / f"{name}_input.npy", image)
        np.save(out / f"{name}_expected.npy", expected)
        print(f"{name}: {doc['input']['color']} {image.shape} -> {expected.dtype} {expected.shape}")
    print(f"{len(names)} cases")


if __name__ == "__main__":
    main(sys.argv)
