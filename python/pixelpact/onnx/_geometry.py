"""Geometry steps as graph arithmetic on the image size, from the core's
cpp/src/geometry_steps.cpp and plan.cpp: every size and offset rule (Python's
int() truncates, round() rounds half to even, // floors), reduced to resizes to an
exact size and crops (an offset window that may reach outside the image, where it
reads a fill colour), then executed on planes [C, H, W].

A resize followed by a crop computes only the outputs the crop keeps (as the
core's backwards plan does); every other stage produces its whole image.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from ._graph import F32, F64, I64, Builder, V

MAX_SIDE = 1 << 30


@dataclass
class Resize:
    step: dict          # the canonical resize step (engine, interpolation, ...)
    in_h: V
    in_w: V
    out_h: V
    out_w: V
    scale: Optional[tuple] = None  # OpenCV (fy, fx) as float64 V, when sampled at a factor


@dataclass
class Crop:
    """out(y, x) = in(y + oy, x + ox), ``fill`` outside the input."""
    oy: V
    ox: V
    out_h: V
    out_w: V
    fill: list = field(default_factory=lambda: [0, 0, 0])  # output channel order


def _i(b: Builder, v) -> V:
    return b.c(v, I64)


def _d(b: Builder, v) -> V:
    return b.cast(v, F64) if isinstance(v, V) else b.c(v, F64)


def _floor_int(b: Builder, v: V) -> V:
    return b.cast(b.floor(v), I64)


def shorter_side(b: Builder, h: V, w: V, size: int, max_size: int) -> tuple:
    """torchvision _compute_resized_output_size for an int size (truncating)."""
    wide = w > h
    shorter, longer = b.where(wide, h, w), b.where(wide, w, h)
    new_short = _i(b, size)
    new_long = _floor_int(b, _d(b, new_short * longer) / _d(b, shorter))
    if max_size:
        over = new_long > _i(b, max_size)
        capped = _floor_int(b, _d(b, _i(b, max_size) * new_short) / _d(b, new_long))
        new_short = b.where(over, capped, new_short)
        new_long = b.where(over, _i(b, max_size), new_long)
    new_short = b.minimum(new_short, _i(b, MAX_SIDE))
    new_long = b.minimum(new_long, _i(b, MAX_SIDE))
    return b.where(wide, new_short, new_long), b.where(wide, new_long, new_short)


def resize_size(b: Builder, step: dict, h: V, w: V) -> tuple:
    """resize_output_size: (height, width) of a resize step for an input size."""
    if "scale" in step:
        fy, fx = opencv_factors(b, step)
        return opencv_scaled_size(b, h, w, fy, fx)
    size, keep = step["size"], step.get("keep_ratio")
    if isinstance(size, int):
        if keep == "longer":
            tall = w <= h
            shorter, longer = b.where(tall, w, h), b.where(tall, h, w)
            s = b.minimum(_floor_int(b, _d(b, _i(b, size) * shorter) / _d(b, longer)), _i(b, MAX_SIDE))
            return b.where(tall, _i(b, size), s), b.where(tall, s, _i(b, size))
        return shorter_side(b, h, w, size, step.get("max_size", 0))
    if keep in ("not_smaller", "not_larger"):
        # timm ResizeKeepRatio: ratio = min/max of in / target; round(dim / ratio).
        ratio_h, ratio_w = _d(b, h) / b.c(float(size[0]), F64), _d(b, w) / b.c(float(size[1]), F64)
        ratio = b.maximum(ratio_h, ratio_w) if keep == "not_larger" else b.minimum(ratio_h, ratio_w)

        def side(dim):
            return b.minimum(b.cast(b.round_even(_d(b, dim) / ratio), I64), _i(b, MAX_SIDE))
        return side(h), side(w)
    return _i(b, size[0]), _i(b, size[1])


def opencv_factors(b: Builder, step: dict) -> tuple:
    scale = step["scale"]
    fy, fx = (scale, scale) if not isinstance(scale, list) else scale
    return b.c(float(fy), F64), b.c(float(fx), F64)


def opencv_scaled_size(b: Builder, h: V, w: V, fy: V, fx: V) -> tuple:
    """cv::resize with fx, fy: saturate_cast<int>(in * factor), half to even."""
    return b.cast(b.round_even(_d(b, h) * fy), I64), b.cast(b.round_even(_d(b, w) * fx), I64)


def _floor_half(b: Builder, a: V) -> V:
    """Python's a // 2 for either sign."""
    return b.div(a - b.mod(a, _i(b, 2)), _i(b, 2))


def center_offset(b: Builder, rule: str, n: V, crop: int) -> V:
    c = _i(b, crop)
    pad = -b.div(c - n, _i(b, 2))  # crop > in: pad (crop - in) // 2 before
    if rule == "hf_pil":
        return _floor_half(b, n - c)
    diff = n - c
    if rule == "hf_torchvision":
        inside = b.div(diff, _i(b, 2))
    else:  # torchvision: round((in - crop) / 2), half to even
        half = b.div(diff, _i(b, 2))
        odd = b.mod(diff, _i(b, 2)).eq(_i(b, 1)) & b.mod(half, _i(b, 2)).eq(_i(b, 1))
        inside = half + b.cast(odd, I64)
    return b.where(c > n, pad, inside)


def letterbox(b: Builder, step: dict, h: V, w: V) -> tuple:
    """letterbox_params: (resized_h, resized_w, top, bottom, left, right, scale or None)."""
    H, W = step["size"]
    rule = step["rule"]
    if rule == "blob":
        # dnn_utils.cpp, DNN_PMODE_LETTERBOX: float factor, truncated sides.
        f = b.minimum(b.c(float(W), F32) / b.cast(w, F32), b.c(float(H), F32) / b.cast(h, F32))
        rh = b.cast(b.floor(b.cast(h, F32) * f), I64)
        rw = b.cast(b.floor(b.cast(w, F32) * f), I64)
        top, left = b.div(_i(b, H) - rh, _i(b, 2)), b.div(_i(b, W) - rw, _i(b, 2))
        return rh, rw, top, _i(b, H) - rh - top, left, _i(b, W) - rw - left, None
    if rule == "blob_crop":
        f = b.maximum(b.c(float(W), F32) / b.cast(w, F32), b.c(float(H), F32) / b.cast(h, F32))
        fd = b.cast(f, F64)
        rh, rw = opencv_scaled_size(b, h, w, fd, fd)
        top = -b.cast(b.trunc(b.c(0.5, F64) * _d(b, rh - _i(b, H))), I64)
        left = -b.cast(b.trunc(b.c(0.5, F64) * _d(b, rw - _i(b, W))), I64)
        return rh, rw, top, _i(b, H) - rh - top, left, _i(b, W) - rw - left, (fd, fd)
    # Ultralytics LetterBox.get_params
    r = b.minimum(b.c(float(H), F64) / _d(b, h), b.c(float(W), F64) / _d(b, w))
    if not step["scaleup"]:
        r = b.minimum(r, b.c(1.0, F64))
    rw = b.maximum(b.cast(b.round_even(_d(b, w) * r), I64), _i(b, 1))
    rh = b.maximum(b.cast(b.round_even(_d(b, h) * r), I64), _i(b, 1))
    dw, dh = _i(b, W) - rw, _i(b, H) - rh
    if step["auto"]:
        dw, dh = b.mod(dw, _i(b, step["stride"])), b.mod(dh, _i(b, step["stride"]))
    if step["center"]:
        hw, hh = _d(b, dw) / b.c(2.0, F64), _d(b, dh) / b.c(2.0, F64)
        tenth = b.c(0.1, F64)

        def rnd(v):
            return b.cast(b.round_even(v), I64)
        return rh, rw, rnd(hh - tenth), rnd(hh + tenth), rnd(hw - tenth), rnd(hw + tenth), None
    return rh, rw, _i(b, 0), dh, _i(b, 0), dw, None


def letterbox_resize_step(step: dict) -> dict:
    """The resize a letterbox runs, as a canonical resize step."""
    if step["rule"] != "ultralytics":
        return {"op": "resize", "engine": "opencv", "interpolation": "bilinear", "version": "5"}
    if step["engine"] == "opencv":
        return {"op": "resize", "engine": "opencv", "interpolation": step["interpolation"], "version": "5"}
    return {"op": "resize", "engine": "pillow", "interpolation": step["interpolation"], "version": "13"}


def expand(b: Builder, steps: list, h: V, w: V) -> list:
    """expand_geometry: the primitive steps for an input size (sizes are V)."""
    out = []
    for step in steps:
        op = step["op"]
        if op == "resize":
            oh, ow = resize_size(b, step, h, w)
            scale = opencv_factors(b, step) if "scale" in step else None
            out.append(Resize(step, h, w, oh, ow, scale))
            h, w = oh, ow
        elif op == "center_crop":
            ch, cw = step["size"]
            out.append(Crop(center_offset(b, step["rule"], h, ch), center_offset(b, step["rule"], w, cw),
                            _i(b, ch), _i(b, cw), fill3(step["fill"])))
            h, w = _i(b, ch), _i(b, cw)
        elif op == "crop":
            out.append(Crop(_i(b, step["top"]), _i(b, step["left"]), _i(b, step["height"]), _i(b, step["width"]),
                            fill3(step["fill"])))
            h, w = _i(b, step["height"]), _i(b, step["width"])
        elif op == "pad":
            left, top, right, bottom = step["padding"]
            oh, ow = h + _i(b, top + bottom), w + _i(b, left + right)
            out.append(Crop(_i(b, -top), _i(b, -left), oh, ow, fill3(step["fill"])))
            h, w = oh, ow
        elif op == "letterbox":
            rh, rw, top, bottom, left, right, scale = letterbox(b, step, h, w)
            # Ultralytics skips cv2.resize when the size is unchanged: every engine's
            # resize to the same size is a copy, so the graph always resizes.
            out.append(Resize(letterbox_resize_step(step), h, w, rh, rw, scale))
            oh, ow = rh + top + bottom, rw + left + right
            out.append(Crop(-top, -left, oh, ow, fill3(step.get("fill", 0))))
            h, w = oh, ow
        else:
            raise ValueError(f"not a geometry step: {op}")
    return out


def fill3(fill) -> list:
    return [int(fill)] * 3 if not isinstance(fill, list) else [int(v) for v in fill]


@dataclass
class Img:
    """Planes [C, h, w] holding rows [y0, y0 + h) and columns [x0, x0 + w) of an
    image of full size H x W."""
    t: V
    y0: V
    x0: V
    h: V
    w: V
    H: V
    W: V


def crop(b: Builder, img: Img, c: Crop, fill: V) -> Img:
    """A crop with padding: the part inside the image is a slice of what the image
    stores, the rest is ``fill`` [C, 1, 1] (a Pad, then a Where for per-channel
    colours)."""
    zero = _i(b, 0)

    def content(off, out, full):  # output range [begin, end) that reads the image
        begin = b.clip(-off, zero, out)
        return begin, b.clip(full - off, begin, out)
    yb, ye = content(c.oy, c.out_h, img.H)
    xb, xe = content(c.ox, c.out_w, img.W)
    inside = b.slice(img.t, [yb + c.oy - img.y0, xb + c.ox - img.x0], [ye + c.oy - img.y0, xe + c.ox - img.x0],
                     [1, 2])
    values = fill.value.reshape(-1)
    uniform = bool((values == values[0]).all())
    pads = b.vec(zero, yb, xb, zero, c.out_h - ye, c.out_w - xe)
    out = b.pad(inside, pads, b.c(values[0] if uniform else 0, fill.dtype))
    if not uniform:
        ry, rx = b.range(zero, c.out_h), b.range(zero, c.out_w)
        mask = b.unsqueeze((ry >= yb) & (ry < ye), [0, 2]) & b.unsqueeze((rx >= xb) & (rx < xe), [0, 1])
        out = b.where(mask, out, fill)
    return Img(out, zero, zero, c.out_h, c.out_w, c.out_h, c.out_w)


def need_of(b: Builder, out_size: V, nxt: Optional[Crop], axis: int) -> tuple:
    """The output range [lo, hi) of a resize that the next step reads: all of it,
    or the window of the crop after it (at least one pixel)."""
    zero, one = _i(b, 0), _i(b, 1)
    if nxt is None:
        return zero, out_size
    off, size = (nxt.oy, nxt.out_h) if axis == 0 else (nxt.ox, nxt.out_w)
    lo = b.clip(off, zero, out_size - one)
    hi = b.clip(off + size, lo + one, out_size)
    return lo, hi


def run(b: Builder, planes: V, h: V, w: V, prims: list, resize_fn: Callable, fill_fn: Callable) -> Img:
    """Executes the primitive steps on planes [C, h, w]. ``resize_fn(b, x, Resize,
    need)`` returns the planes of outputs ``need`` = ((ylo, yhi), (xlo, xhi));
    ``fill_fn(fill)`` the fill colour as [C, 1, 1] working channels."""
    zero = _i(b, 0)
    img = Img(planes, zero, zero, h, w, h, w)
    for i, p in enumerate(prims):
        if isinstance(p, Resize):
            nxt = prims[i + 1] if i + 1 < len(prims) and isinstance(prims[i + 1], Crop) else None
            ny, nx = need_of(b, p.out_h, nxt, 0), need_of(b, p.out_w, nxt, 1)
            t = resize_fn(b, img.t, p, (ny, nx))
            img = Img(t, ny[0], nx[0], ny[1] - ny[0], nx[1] - nx[0], p.out_h, p.out_w)
        else:
            img = crop(b, img, p, fill_fn(p.fill))
    return img
