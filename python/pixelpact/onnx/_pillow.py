"""Engine 'pillow' as ONNX: Pillow 13 src/libImaging/Resample.c (precompute_coeffs,
normalize_coeffs_8bpc, the 8bpc passes, the pass order of each release) and
Geometry.c's NEAREST, translated operation by operation from the core's
cpp/src/pillow_coefficients.cpp (the specification these graphs follow)."""
from __future__ import annotations

from ._conv import Taps, fixed_point_to_u8, separable, span, taps_from_window
from ._graph import BOOL, F32, F64, I64, U8, Builder, V

PRECISION_BITS = 22
SUPPORT = {"box": 0.5, "bilinear": 1.0, "hamming": 1.0, "bicubic": 2.0, "lanczos": 3.0}
PI = 3.14159265358979323846  # Pillow's M_PI


def filter_values(b: Builder, name: str, x: V) -> V:
    """Pillow's filter functions on float64 arguments, in its operation order."""
    zero, one = b.c(0.0, F64), b.c(1.0, F64)
    if name == "box":
        return b.where((x > b.c(-0.5, F64)) & (x <= b.c(0.5, F64)), one, zero)
    if name == "bilinear":
        ax = b.abs(x)
        return b.where(ax < one, one - ax, zero)
    if name == "hamming":
        ax = b.abs(x)
        t = ax * b.c(PI, F64)
        # Pillow writes the constants as float literals (0.54f, 0.46f).
        value = b.sin(t) / t * (b.c(float(F32.type(0.54)), F64) + b.c(float(F32.type(0.46)), F64) * b.cos(t))
        return b.where(ax.eq(zero), one, b.where(ax >= one, zero, value))
    if name == "bicubic":
        a = b.c(-0.5, F64)
        ax = b.abs(x)
        near = ((a + b.c(2.0, F64)) * ax - (a + b.c(3.0, F64))) * ax * ax + one
        far = (((ax - b.c(5.0, F64)) * ax + b.c(8.0, F64)) * ax - b.c(4.0, F64)) * a
        return b.where(ax < one, near, b.where(ax < b.c(2.0, F64), far, zero))
    if name == "lanczos":
        def sinc(v):
            t = v * b.c(PI, F64)
            return b.where(v.eq(zero), one, b.sin(t) / t)
        inside = (b.c(-3.0, F64) <= x) & (x < b.c(3.0, F64))
        return b.where(inside, sinc(x) * sinc(x / b.c(3.0, F64)), zero)
    raise ValueError(f"no Pillow filter {name!r}")


def axis_taps(b: Builder, in_size: V, out_size: V, name: str, lo: V, hi: V) -> Taps:
    """precompute_coeffs + normalize_coeffs_8bpc for outputs [lo, hi)."""
    in1 = b.cast(in_size, F32)  # the box is float: in1 - in0 is a float subtraction
    scale = b.cast(in1 - b.c(0.0, F32), F64) / b.cast(out_size, F64)
    one = b.c(1.0, F64)
    filterscale = b.where(scale < one, one, scale)
    support = b.c(SUPPORT[name], F64) * filterscale
    ksize = b.cast(b.ceil(support), I64) * b.c(2, I64) + b.c(1, I64)
    inv_filterscale = b.reciprocal(filterscale)
    center = (b.cast(b.range(lo, hi), F64) + b.c(0.5, F64)) * scale  # in0 + ...: in0 is 0
    half = b.c(0.5, F64)
    xmin = b.maximum(b.cast(b.trunc(center - support + half), I64), b.c(0, I64))
    xmax = b.minimum(b.cast(b.trunc(center + support + half), I64), in_size) - xmin
    index, valid = taps_from_window(b, xmin, xmax, ksize)
    pos = b.cast(b.unsqueeze(xmin, [1]) + b.unsqueeze(b.range(b.c(0, I64), ksize), [0]), F64)
    arg = (pos - b.unsqueeze(center, [1]) + half) * inv_filterscale
    w = b.where(valid, filter_values(b, name, arg), b.c(0.0, F64))
    total = b.cumsum(w, 1)                                 # Pillow sums left to right
    ww = b.gather(total, ksize - b.c(1, I64), axis=1)      # [n]
    ww = b.unsqueeze(ww, [1])
    w = b.where(ww.eq(b.c(0.0, F64)), w, w / ww)
    scaled = w * b.c(float(1 << PRECISION_BITS), F64)
    k = b.where(w < b.c(0.0, F64), b.ceil(b.c(-0.5, F64) + scaled), b.floor(b.c(0.5, F64) + scaled))
    begin, end = span(b, xmin, xmax)
    return Taps(index, k, begin, end)


def vertical_first(b: Builder, in_h: V, in_w: V, out_h: V, out_w: V, version: str) -> V:
    """Whether that Pillow release resamples vertically first."""
    if version == "12.1":
        return b.c(False, BOOL)
    if version == "12.2":
        return (in_h > in_w * b.c(100, I64)) & (out_h < in_h)
    dh, dw = in_h - out_h, in_w - out_w
    return (dh > b.c(0, I64)) & (dh > dw * b.c(2, I64))


def nearest_indices(b: Builder, in_size: V, out_size: V, lo: V, hi: V) -> tuple:
    """Geometry.c ImagingScaleAffine: position a * 0.5 + a + a + ... (accumulated in
    double), index trunc(position), -1 (black) outside the image. Returns (clamped
    index [n], valid [n])."""
    a = b.cast(b.cast(in_size, F32) - b.c(0.0, F32), F64) / b.cast(out_size, F64)
    steps = b.expand(b.unsqueeze(a, [0]), b.vec(hi))
    first = b.unsqueeze(a * b.c(0.5, F64), [0])  # box0 + a * 0.5, box0 = 0
    increments = b.concat([first, b.slice(steps, [b.c(1, I64)], [hi], [0])], 0)
    pos = b.slice(b.cumsum(increments, 0), [lo], [hi], [0])
    src = b.cast(b.trunc(pos), I64)
    valid = (pos >= b.c(0.0, F64)) & (src < in_size)
    return b.clip(src, b.c(0, I64), in_size - b.c(1, I64)), valid


def resize(b: Builder, x: V, in_h: V, in_w: V, out_h: V, out_w: V, step: dict, need) -> V:
    """Outputs need = ((ylo, yhi), (xlo, xhi)) of a Pillow resize of planes x [C, H, W]."""
    (ylo, yhi), (xlo, xhi) = need
    name = step["interpolation"]
    if name == "nearest":
        sy, vy = nearest_indices(b, in_h, out_h, ylo, yhi)
        sx, vx = nearest_indices(b, in_w, out_w, xlo, xhi)
        out = b.gather_last(b.gather(x, sy, axis=1), sx, 3)
        mask = b.unsqueeze(vy, [0, 2]) & b.unsqueeze(vx, [0, 1])
        return b.where(mask, out, b.c(0, U8))
    ytaps = axis_taps(b, in_h, out_h, name, ylo, yhi)
    xtaps = axis_taps(b, in_w, out_w, name, xlo, xhi)
    bits = b.c(PRECISION_BITS, I64)
    return separable(b, x, ytaps, xtaps, vertical_first(b, in_h, in_w, out_h, out_w, step["version"]),
                     lambda bb, acc: fixed_point_to_u8(bb, acc, bits))


def uses_sin(step: dict) -> bool:
    return step["interpolation"] in ("hamming", "lanczos")

