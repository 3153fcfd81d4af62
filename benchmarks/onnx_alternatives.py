#!/usr/bin/env python3
"""What the usual ways of putting a resize inside a deployed model compute,
measured against the training libraries: the table in docs/onnx.md.

Every alternative resizes the same uint8 RGB images to 224x224 with a bilinear or
bicubic filter; the result (rounded to uint8 where it is float) is compared with
Pillow 13's Image.resize (what torchvision v1 does to PIL images) and with
torchvision v2's resize of a uint8 tensor (antialias=True): the largest absolute
difference in levels and the share of values that differ.

Alternatives:
- stock ONNX Resize (opset 18) in onnxruntime, on float32 or uint8 input, without
  antialiasing (what exporting F.interpolate gives) and with it, exclude_outside 0
  and 1 (cubic_coeff_a -0.5, Pillow's a; half_pixel coordinates). onnxruntime-
  extensions' pre_post_processing Resize step emits this operator (uint8, linear,
  antialias=1 from opset 18, exclude_outside 0).
- OpenVINO's PrePostProcessor with RESIZE_BILINEAR_PILLOW / RESIZE_BICUBIC_PILLOW
  (u8 NHWC tensor, f32 model input, CPU plugin).
- onnxruntime-extensions' C++ image processor (pp_api ImageProcessor, Resize
  LINEAR / CUBIC): a library call outside the ONNX graph, on files.
- pixelpact's export (standard ONNX operators), asserted equal.

Images: scikit-image's astronaut, chelsea, coffee and rocket photographs, uniform
noise at 480x640, and noise at 1000x300 (a tall image: Pillow 13 resamples it
vertically first).

    python benchmarks/onnx_alternatives.py      # needs openvino and onnxruntime-extensions
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper
from PIL import Image

OUT = (224, 224)
FILTERS = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


def images() -> dict:
    import skimage.data

    out = {name: getattr(skimage.data, name)() for name in ("astronaut", "chelsea", "coffee", "rocket")}
    rng = np.random.default_rng(0)
    out["noise 480x640"] = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    out["noise 1000x300 (tall)"] = rng.integers(0, 256, (1000, 300, 3), dtype=np.uint8)
    return out


def to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def pillow(img, name):
    return np.asarray(Image.fromarray(img).resize(OUT[::-1], FILTERS[name]))


def torchvision_v2(img, name):
    import torch
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.v2 import functional as F

    mode = {"bilinear": InterpolationMode.BILINEAR, "bicubic": InterpolationMode.BICUBIC}[name]
    chw = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
    return F.resize(chw, list(OUT), mode, antialias=True).permute(1, 2, 0).numpy()


def stock_resize(name, dtype, antialias, exclude_outside):
    """An NCHW Resize node; the input is converted from HWC outside the timing-free run."""
    elem = TensorProto.FLOAT if dtype == "float32" else TensorProto.UINT8
    attrs = {"mode": "linear" if name == "bilinear" else "cubic", "antialias": int(antialias),
             "exclude_outside": int(exclude_outside), "coordinate_transformation_mode": "half_pixel"}
    if name == "bicubic":
        attrs["cubic_coeff_a"] = -0.5
    graph = helper.make_graph(
        [helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], **attrs)], "resize",
        [helper.make_tensor_value_info("x", elem, None)], [helper.make_tensor_value_info("y", elem, None)],
        initializer=[helper.make_tensor("sizes", TensorProto.INT64, [4], [1, 3, *OUT])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])

    def run(img):
        x = img.transpose(2, 0, 1)[None].astype(np.float32 if dtype == "float32" else np.uint8)
        y = session.run(None, {"x": np.ascontiguousarray(x)})[0][0].transpose(1, 2, 0)
        return to_u8(y) if dtype == "float32" else y
    return run


def openvino_pillow(name):
    import openvino as ov
    import openvino.opset13 as ops
    from openvino.preprocess import PrePostProcessor, ResizeAlgorithm

    param = ops.parameter([1, *OUT, 3], ov.Type.f32, name="x")
    ppp = PrePostProcessor(ov.Model([ops.result(param)], [param]))
    ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC")).set_spatial_dynamic_shape()
    ppp.input().model().set_layout(ov.Layout("NHWC"))
    algorithm = ResizeAlgorithm.RESIZE_BILINEAR_PILLOW if name == "bilinear" else ResizeAlgorithm.RESIZE_BICUBIC_PILLOW
    ppp.input().preprocess().resize(algorithm)
    compiled = ov.Core().compile_model(ppp.build(), "CPU")
    return lambda img: to_u8(compiled(img[None])[0][0])


def ortx_processor(name, folder: Path):
    from onnxruntime_extensions.pp_api import ImageProcessor

    config = {"processor": {"name": "resize", "transforms": [
        {"operation": {"name": "decode", "type": "DecodeImage", "attrs": {"color_space": "RGB"}}},
        {"operation": {"name": "resize", "type": "Resize",
                       "attrs": {"interpolation": "LINEAR" if name == "bilinear" else "CUBIC",
                                 "width": OUT[1], "height": OUT[0], "keep_aspect_ratio": 0}}}]}}
    processor = ImageProcessor(json.dumps(config))
    counter = [0]

    def run(img):
        counter[0] += 1
        path = folder / f"{counter[0]}.png"
        Image.fromarray(img).save(path)  # lossless
        return processor.to_numpy(processor.pre_process(str(path)), 0)[0]
    return run


def pixelpact_export(name):
    import pixelpact.onnx as ppx

    contract = {"pixelpact": 1, "input": {"color": "RGB"},
                "steps": [{"op": "resize", "size": list(OUT), "interpolation": name, "engine": "pillow"}],
                "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
    session = ort.InferenceSession(ppx.export(contract).SerializeToString(), providers=["CPUExecutionProvider"])
    return lambda img: session.run(None, {"image": img})[0]


def measure(run, reference, name, imgs) -> tuple:
    """(max |difference| in levels, % of values differing, images with any difference)."""
    worst, differing, total, images_differing = 0, 0, 0, 0
    for img in imgs.values():
        got, want = run(img), reference(img, name)
        d = np.abs(got.astype(np.int64) - want.astype(np.int64))
        worst, differing, total = max(worst, int(d.max())), differing + int(np.count_nonzero(d)), total + d.size
        images_differing += bool(d.any())
    return worst, 100.0 * differing / total, images_differing


def main() -> int:
    imgs = images()
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name in FILTERS:
            alternatives = [("pixelpact export (standard ONNX ops)", pixelpact_export(name))]
            for dtype in ("float32", "uint8"):
                alternatives.append((f"ONNX Resize, {dtype}, no antialias", stock_resize(name, dtype, False, False)))
                for exclude in (0, 1):
                    alternatives.append((f"ONNX Resize, {dtype}, antialias=1, exclude_outside={exclude}",
                                         stock_resize(name, dtype, True, exclude)))
            alternatives.append((f"OpenVINO PrePostProcessor RESIZE_{name.upper()}_PILLOW", openvino_pillow(name)))
            alternatives.append((f"onnxruntime-extensions ImageProcessor Resize {'LINEAR' if name == 'bilinear' else 'CUBIC'} (C++, outside the graph)",
                                 ortx_processor(name, Path(tmp))))
            for label, run in alternatives:
                try:
                    p = measure(run, pillow, name, imgs)
                    t = measure(run, torchvision_v2, name, imgs)
                except Exception as err:  # noqa: BLE001 - a runtime that cannot run it is a result too
                    reason = str(err).split("Status Message:")[-1].strip().splitlines()[0]
                    reason = "tensor type mismatch" if "type mismatch" in reason else reason[:90]
                    rows.append((name, label, None, reason))
                    print(f"{name:8s} {label}: fails: {reason}", file=sys.stderr, flush=True)
                    continue
                rows.append((name, label, p, t))
                print(f"{name:8s} {label}: Pillow {p[0]} / {p[1]:.2f}%, torchvision v2 {t[0]} / {t[1]:.2f}%",
                      file=sys.stderr, flush=True)
    import onnxruntime_extensions
    import openvino
    import PIL
    import torch
    print(f"onnxruntime {ort.__version__}, OpenVINO {openvino.__version__.split('-')[0]}, onnxruntime-extensions "
          f"{onnxruntime_extensions.__version__}, Pillow {PIL.__version__}, torch {torch.__version__.split('+')[0]}; "
          f"{len(imgs)} images ({', '.join(imgs)}) resized to {OUT[0]}x{OUT[1]}\n")
    n = len(imgs)
    print("| filter | alternative | vs Pillow 13: max abs diff (levels) | % values differing | images differing | "
          "vs torchvision v2 (uint8 tensor): max | % differing | images differing |")
    print("|---|---|---|---|---|---|---|---|")
    for name, label, p, t in rows:
        if p is None:
            print(f"| {name} | {label} | fails in onnxruntime ({t}) | | | | | |")
        else:
            print(f"| {name} | {label} | {p[0]} | {p[1]:.2f}% | {p[2]}/{n} | {t[0]} | {t[1]:.2f}% | {t[2]}/{n} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
