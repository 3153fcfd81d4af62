#!/usr/bin/env python3
"""How often onnxruntime's Sin/Cos change a resize weight: the measurement behind
"exact in practice" in docs/onnx.md.

Pillow's hamming and lanczos, torch's lanczos and OpenCV's lanczos4 call sin (and
cos) while computing their weights. A graph exported for any input size computes
the weights in the graph, with onnxruntime's double Sin/Cos, which differ from the
C library's in the last bits. The weights are then rounded to fixed point (Pillow:
22 bits, torch: int16 at the axis precision, OpenCV: float32 then 11 bits), which
absorbs that unless a weight falls within ~1e-16 of a rounding boundary.

For every (input size, output size) pair of a sweep, this script computes each
axis's fixed-point weights twice with the exporter's own code: once in
onnxruntime (the sizes are graph inputs, as in a dynamic export) and once at
"export time" (the sizes are constants, folded in numpy with the C library's sin
and cos, as in a fixed-size export, which is what the libraries compute). It
counts the weights compared and those that differ.

    python benchmarks/onnx_sin_weights.py            # the sweep quoted in docs/onnx.md
    python benchmarks/onnx_sin_weights.py --quick
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

from pixelpact.onnx import _opencv, _pillow, _torch
from pixelpact.onnx._graph import F64, I64, Builder, V


def pillow(name):
    return lambda b, i, o: _pillow.axis_taps(b, i, o, name, b.c(0, I64), o).weight


def torch_lanczos(b, i, o):
    taps, p = _torch.axis_taps(b, i, o, "lanczos", True, b.c(0, I64), o)
    return taps.weight


def opencv_lanczos4(b, i, o):
    inv = b.cast(o, F64) / b.cast(i, F64)
    return _opencv.generic_axis(b, i, b.c(0, I64), o, b.reciprocal(inv), inv, False, 8, True).weight


CASES = {"Pillow hamming (22-bit)": pillow("hamming"), "Pillow lanczos (22-bit)": pillow("lanczos"),
         "torch lanczos (int16)": torch_lanczos, "OpenCV lanczos4 (float32, 11-bit)": opencv_lanczos4}


def graph_session(fn):
    b = Builder(17)
    with b.building():
        i, o = V(b, I64, name="in_size"), V(b, I64, name="out_size")
        b.set_runtime_one(i)
        w = b.emit("Identity", [fn(b, i, o)], F64)
    graph = helper.make_graph(b.nodes, "weights", [helper.make_tensor_value_info(n, TensorProto.INT64, [])
                                                   for n in ("in_size", "out_size")],
                              [helper.make_tensor_value_info(w.name, TensorProto.DOUBLE, None)],
                              initializer=b.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def folded(fn, i, o):
    b = Builder(17)
    with b.building():
        return fn(b, b.c(i, I64), b.c(o, I64)).value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small sweep (seconds)")
    args = parser.parse_args(argv)
    if args.quick:
        ins, outs = [1, 7, 97, 480, 1080], [1, 3, 224, 256, 500]
    else:
        ins = list(range(1, 200)) + list(range(200, 4097, 37)) + [480, 640, 1080, 1920, 2160, 3840]
        outs = [1, 2, 3, 5, 7, 16, 32, 64, 100, 112, 128, 160, 192, 224, 227, 256, 288, 299, 320, 384, 448, 512,
                518, 640, 1000, 1024]
    print(f"sizes: {len(ins)} inputs x {len(outs)} outputs, one axis each")
    print("| weights of | weights compared | differing |")
    print("|---|---|---|")
    for label, fn in CASES.items():
        session = graph_session(fn)
        compared = differing = 0
        t0 = time.time()
        for i in ins:
            for o in outs:
                got = session.run(None, {"in_size": np.array(i, np.int64), "out_size": np.array(o, np.int64)})[0]
                want = folded(fn, i, o)
                compared += want.size
                differing += int(np.count_nonzero(got != want))
        print(f"| {label} | {compared:,} | {differing} |  ({time.time() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
