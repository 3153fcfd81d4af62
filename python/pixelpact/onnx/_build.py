"""The whole contract as one ONNX graph: input image [H, W, C] uint8 -> the
contract's tensor. Input colour and alpha policy, the geometry (each engine's
module), then the elementwise chain: a per-channel 256-entry table computed by
pixelpact's core itself (exact by construction, as in the core's writer), or,
after a float resize, the chain's operations in their dtypes."""
from __future__ import annotations

from typing import Optional

import numpy as np
from onnx import TensorProto, helper

from . import _geometry, _opencv, _pillow, _torch, _torch_float
from ._graph import F32, I64, U8, Builder, V

INPUT_CHANNELS = {"RGB": 3, "BGR": 3, "RGBA": 4, "BGRA": 4, "GRAY": 1}
OUTPUT_DTYPES = {"float32": np.dtype(np.float32), "float16": np.dtype(np.float16), "uint8": np.dtype(np.uint8)}


def split_steps(doc: dict) -> tuple:
    """(geometry steps on uint8, to_float step or None, float steps after it)."""
    steps = doc["steps"]
    for i, s in enumerate(steps):
        if s["op"] == "to_float":
            return steps[:i], s, steps[i + 1:]
    return steps, None, []


def float_resize_parts(float_steps: list) -> tuple:
    """(arithmetic before the float resize, the resize or None, its crops, arithmetic after)."""
    for i, s in enumerate(float_steps):
        if s["op"] == "resize":
            rest = float_steps[i + 1:]
            crops = [c for c in rest if c["op"] == "center_crop"]
            after = [c for c in rest if c["op"] != "center_crop"]
            return float_steps[:i], s, crops, after
    return float_steps, None, [], []


def channel_map(doc: dict) -> tuple:
    """(working channels, output channel -> working channel), as the core's compile()."""
    color = doc["input"]["color"]
    gray = color == "GRAY"
    swap = (color in ("BGR", "BGRA")) != (doc["output"]["color"] == "BGR")
    premultiply = doc["input"].get("alpha") == "premultiply"
    work = 1 if gray else 4 if premultiply else 3
    source = [0, 0, 0] if gray else [2 - c if swap else c for c in range(3)]
    return work, source


def elementwise_table(steps: list, dtype: str) -> np.ndarray:
    """[3, 256] values of every byte after ``steps`` (to_float and arithmetic),
    computed by pixelpact's core on a 256-pixel gradient: the same per-channel
    tables its writer applies."""
    from .._pipeline import Pipeline

    table_doc = {"pixelpact": 1, "input": {"color": "RGB"}, "steps": steps,
                 "output": {"layout": "HWC", "dtype": dtype, "color": "RGB"}}
    gradient = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    return np.ascontiguousarray(Pipeline(table_doc)(gradient)[0].T)


def input_planes(b: Builder, doc: dict, image: V) -> V:
    """The working planes [C, H, W] of the input: alpha dropped, composited or kept."""
    planes = b.fence(b.transpose(image, [2, 0, 1]))
    color, alpha = doc["input"]["color"], doc["input"].get("alpha", "drop")
    if color not in ("RGBA", "BGRA") or alpha == "premultiply":
        return planes
    rgb = b.slice(planes, [b.c(0, I64)], [b.c(3, I64)], [0])
    if alpha == "drop":
        return rgb
    # AlphaComposite.c onto an opaque background (cpp/src/alpha.cpp): with an
    # opaque destination, outa255 = 255 * 255, coef1 = a * 128 and
    # coef2 = (255 - a) * 128, then SHIFTFORDIV255 with 7-bit rounding.
    background = doc["input"]["background"]
    if color == "BGRA":
        background = background[::-1]
    a = b.cast(b.slice(planes, [b.c(3, I64)], [b.c(4, I64)], [0]), I64)
    c = b.cast(rgb, I64)
    bg = b.c(np.array(background, np.int64).reshape(3, 1, 1), I64)
    coef1 = a * b.c(255 * 255 * 128, I64) / b.c(255 * 255, I64)
    coef2 = b.c(255 * 128, I64) - coef1
    tmp = c * coef1 + bg * coef2 + b.c(0x80 << 7, I64)
    t = (tmp / b.c(256, I64) + tmp) / b.c(256, I64)
    out = t / b.c(128, I64)
    out = b.where(a.eq(b.c(0, I64)), bg, out)
    return b.cast(out, U8)


def premultiply(b: Builder, x: V) -> V:
    """Pillow RGBA -> RGBa: c = MULDIV255(c, a) = (t + (t >> 8)) >> 8, t = c * a + 128."""
    v = b.cast(x, I64)
    rgb, a = b.slice(v, [b.c(0, I64)], [b.c(3, I64)], [0]), b.slice(v, [b.c(3, I64)], [b.c(4, I64)], [0])
    t = rgb * a + b.c(128, I64)
    rgb = (t + t / b.c(256, I64)) / b.c(256, I64)
    return b.cast(b.concat([rgb, a], 0), U8)


def unpremultiply(b: Builder, x: V) -> V:
    """RGBa -> RGBA: c = min(255 * c / a, 255) unless a is 0 or 255."""
    v = b.cast(x, I64)
    rgb, a = b.slice(v, [b.c(0, I64)], [b.c(3, I64)], [0]), b.slice(v, [b.c(3, I64)], [b.c(4, I64)], [0])
    keep = a.eq(b.c(0, I64)) | a.eq(b.c(255, I64))
    scaled = b.minimum(b.c(255, I64) * rgb / b.maximum(a, b.c(1, I64)), b.c(255, I64))
    return b.cast(b.concat([b.where(keep, rgb, scaled), a], 0), U8)


def resize_dispatch(premultiplied: bool, channels: int):
    def resize(b: Builder, x: V, p: _geometry.Resize, need) -> V:
        engine = p.step["engine"]
        if engine == "pillow":
            if premultiplied and p.step["interpolation"] != "nearest":
                # Image.resize to the same size is a copy: no RGBa round trip.
                (ylo, yhi), (xlo, xhi) = need
                same = p.out_h.eq(p.in_h) & p.out_w.eq(p.in_w)
                return b.cond(same, lambda bb: [bb.slice(x, [ylo, xlo], [yhi, xhi], [1, 2])],
                              lambda bb: [unpremultiply(bb, _pillow.resize(
                                  bb, premultiply(bb, x), p.in_h, p.in_w, p.out_h, p.out_w, p.step, need))])[0]
            return _pillow.resize(b, x, p.in_h, p.in_w, p.out_h, p.out_w, p.step, need)
        if engine == "torch":
            return _torch.resize(b, x, p.in_h, p.in_w, p.out_h, p.out_w, p.step, need)
        if engine == "opencv":
            return _opencv.resize(b, x, p, need, channels)
        raise ValueError(f"engine {engine!r} has no translation in pixelpact.onnx")  # _lint.ENGINES refuses it first
    return resize


def apply_chain(b: Builder, x: V, steps: list, dtype) -> tuple:
    """The arithmetic steps on float values x (run_chain in the core): each step in
    its dtype with its operand rounded to that dtype first; a cast to float32 rounds."""
    ops = {"add": b.add, "sub": b.sub, "mul": b.mul, "div": b.div}

    def operand(value, d):
        values = value if isinstance(value, list) else [value] * 3
        return b.c(np.array(values, dtype=d).reshape(3, 1, 1), d)

    for s in steps:
        if s["op"] == "cast":
            dtype = np.dtype(s["dtype"])
            if dtype == F32:
                x = b.cast(x, F32)
            continue
        x = b.cast(x, dtype)
        if s["op"] == "normalize":
            x = b.div(b.sub(x, operand(s["mean"], dtype)), operand(s["std"], dtype))
        else:
            x = ops[s["op"]](x, operand(s["value"], dtype))
    return x, dtype


def build_graph(doc: dict, fixed_size: Optional[tuple], opset: int, name: str = "pixelpact", prefix: str = "pp_"):
    """(GraphProto, output shape: ints where static, names where not). Every
    internal tensor name starts with ``prefix``."""
    b = Builder(opset, prefix=prefix)
    with b.building():
        return _build_graph(b, doc, fixed_size, name)


def _build_graph(b: Builder, doc: dict, fixed_size: Optional[tuple], name: str):
    channels = INPUT_CHANNELS[doc["input"]["color"]]
    if fixed_size:
        H, W = b.c(fixed_size[0], I64), b.c(fixed_size[1], I64)
        in_shape = [int(fixed_size[0]), int(fixed_size[1]), channels]
    else:
        in_shape = ["height", "width", channels]
    image = V(b, U8, name="image")
    if not fixed_size:
        shape = b.shape(image)
        H = b.gather(shape, b.c(0, I64), axis=0)
        W = b.gather(shape, b.c(1, I64), axis=0)
    b.set_runtime_one(H)
    b.set_data_zero(image)
    work, source = channel_map(doc)
    geometry, to_float, float_steps = split_steps(doc)
    planes = input_planes(b, doc, image)
    prims = _geometry.expand(b, geometry, H, W)

    def fill_of(fill):
        gray = doc["input"]["color"] == "GRAY"
        values = [fill[0]] if gray else [fill[source.index(k)] for k in range(3)]
        values += [0] * (work - len(values))
        return b.c(np.array(values, np.uint8).reshape(work, 1, 1), U8)

    img = _geometry.run(b, planes, H, W, prims, resize_dispatch(work == 4, work), fill_of)
    x = img.t
    if work == 4:
        x = b.slice(x, [b.c(0, I64)], [b.c(3, I64)], [0])
    selected = b.gather(x, b.c(source, I64), axis=0)  # [3, h, w], output channel order
    out_dtype = OUTPUT_DTYPES[doc["output"]["dtype"]]
    out_h, out_w = img.H, img.W
    before, float_resize, crops, after = float_resize_parts(float_steps)
    if float_resize is None:
        if out_dtype == U8:
            tensor = selected
        else:
            table = elementwise_table(([to_float] if to_float else []) + float_steps, doc["output"]["dtype"])
            tensor = lookup(b, selected, table)
    else:
        table = elementwise_table([to_float] + before, "float32")
        planes_f = lookup(b, selected, table)
        tensor, out_h, out_w = _torch_float.resize(b, planes_f, out_h, out_w, float_resize, crops)
        value, _ = apply_chain(b, tensor, after, F32)
        tensor = b.cast(b.cast(value, F32), out_dtype)
    layout = doc["output"]["layout"]
    if layout in ("HWC", "NHWC"):
        tensor = b.transpose(tensor, [1, 2, 0])
    if layout in ("NCHW", "NHWC"):
        tensor = b.unsqueeze(tensor, [0])
    result = b.emit("Identity", [tensor], tensor.dtype)
    dims = {"h": int(out_h.value) if out_h.const else "out_height", "w": int(out_w.value) if out_w.const else "out_width"}
    shape = {"NCHW": [1, 3, dims["h"], dims["w"]], "NHWC": [1, dims["h"], dims["w"], 3],
             "CHW": [3, dims["h"], dims["w"]], "HWC": [dims["h"], dims["w"], 3]}[layout]
    graph = helper.make_graph(
        b.nodes, name,
        [helper.make_tensor_value_info("image", TensorProto.UINT8, in_shape)],
        [helper.make_tensor_value_info("tensor", _elem(out_dtype), shape)],
        initializer=b.initializers)
    # The graph output is called "tensor".
    for node in graph.node:
        for k, o in enumerate(node.output):
            if o == result.name:
                node.output[k] = "tensor"
    return graph, shape


def lookup(b: Builder, selected: V, table: np.ndarray) -> V:
    """table[c][selected[c]] for planes [3, h, w] of bytes (GatherElements along
    the table's 256 entries: element by element, the fast form in onnxruntime)."""
    shape = b.shape(selected)
    index = b.reshape(b.cast(selected, I64), b.c([3, -1], I64))
    return b.reshape(b.gather_elements(b.c(table, table.dtype), index, 1), shape)


def _elem(dtype) -> int:
    from ._graph import ELEM
    return ELEM[np.dtype(dtype)]

