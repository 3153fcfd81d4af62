"""Engine 'torch' (uint8) as ONNX: torch 2.14 UpSampleKernel.cpp's int16-weight
path and nearest indices, translated operation by operation from the core's
cpp/src/torch_coefficients.cpp. Separable, horizontal pass first, uint8 between
passes; weights rounded to int16 at one precision p per axis, then
clamp((2^(p-1) + sum pixel * w) >> p)."""
from __future__ import annotations

from ._conv import Taps, fixed_point_to_u8, pow2, separable, span, taps_from_window
from ._graph import BOOL, F32, F64, I32, I64, Builder, V

PI = 3.14159265358979323846  # c10::pi<double>
TAPS = {"bilinear": 2, "bicubic": 4, "lanczos": 6}


def filter_values(b: Builder, name: str, antialias: bool, x: V) -> V:
    zero, one = b.c(0.0, F64), b.c(1.0, F64)
    ax = b.abs(x)
    if name == "bilinear":
        return b.where(ax < one, one - ax, zero)
    if name == "bicubic":
        a = b.c(-0.5 if antialias else -0.75, F64)
        near = ((a + b.c(2.0, F64)) * ax - (a + b.c(3.0, F64))) * ax * ax + one
        far = ((a * ax - b.c(5.0, F64) * a) * ax + b.c(8.0, F64) * a) * ax - b.c(4.0, F64) * a
        return b.where(ax < one, near, b.where(ax < b.c(2.0, F64), far, zero))
    if name == "lanczos":
        def sinc(v):
            t = v * b.c(PI, F64)
            return b.where(v.eq(zero), one, b.sin(t) / t)
        return b.where(ax < b.c(3.0, F64), sinc(ax) * sinc(ax / b.c(3.0, F64)), zero)
    raise ValueError(f"no torch filter {name!r}")


def _antialias_weights(b: Builder, in_size: V, out_size: V, name: str) -> tuple:
    """_compute_indices_min_size_weights_aa for every output: (first, count,
    w [out, K], K, weight sums [out, 1])."""
    n = TAPS[name]
    one = b.c(1.0, F64)
    scale = b.cast(in_size, F64) / b.cast(out_size, F64)
    down = scale >= one
    support = b.where(down, b.c(n * 0.5, F64) * scale, b.c(n * 0.5, F64))
    ksize = b.cast(b.ceil(support), I64) * b.c(2, I64) + b.c(1, I64)
    invscale = b.where(down, b.reciprocal(scale), one)
    center = scale * (b.cast(b.range(b.c(0, I64), out_size), F64) + b.c(0.5, F64))
    half = b.c(0.5, F64)
    xmin = b.maximum(b.cast(b.trunc(center - support + half), I64), b.c(0, I64))
    xsize = b.minimum(b.cast(b.trunc(center + support + half), I64), in_size) - xmin
    xsize = b.clip(xsize, b.c(0, I64), ksize)
    j = b.unsqueeze(b.range(b.c(0, I64), ksize), [0])
    pos = b.cast(j + b.unsqueeze(xmin, [1]), F64)
    w = filter_values(b, name, True, (pos - b.unsqueeze(center, [1]) + half) * invscale)
    w = b.where(j < b.unsqueeze(xsize, [1]), w, b.c(0.0, F64))
    total = b.unsqueeze(b.gather(b.cumsum(w, 1), ksize - b.c(1, I64), axis=1), [1])
    w = b.where(total.eq(b.c(0.0, F64)), w, w / total)
    return xmin, xsize, w, ksize, total


def _fixed_weights(b: Builder, in_size: V, out_size: V, name: str) -> tuple:
    """_compute_indices_min_size_weights (no antialias): interp_size fixed taps,
    taps outside the image summed into the first / last valid slot, no
    normalization. Returns (first, count, w [out, K], K, partial-sum maximum)."""
    k = TAPS[name]
    cubic = k > 2
    scale = b.cast(in_size, F64) / b.cast(out_size, F64)
    i = b.cast(b.range(b.c(0, I64), out_size), F64)
    real = scale * (i + b.c(0.5, F64)) - b.c(0.5, F64)
    if not cubic:
        real = b.where(real < b.c(0.0, F64), b.c(0.0, F64), real)
    # guard_index_and_lambda: floorf of the double rounded to float
    index = b.minimum(b.cast(b.floor(b.cast(real, F32)), I64), in_size - b.c(1, I64))
    lam = b.clip(real - b.cast(index, F64), b.c(0.0, F64), b.c(1.0, F64))
    support = k // 2
    unbound_min = index - b.c(support - 1, I64)
    index_min = b.maximum(unbound_min, b.c(0, I64))
    index_size = b.minimum(index + b.c(support + 1, I64), in_size) - index_min
    index_size = b.clip(index_size, b.c(0, I64), b.c(k, I64))
    slots = [b.c(0.0, F64)] * k
    w_index = b.c(0, I64)
    wt_max = b.c(0.0, F64)
    for tap in range(k):
        w = filter_values(b, name, False, b.c(float(tap + 1 - support), F64) - lam)
        pos = unbound_min + b.c(tap, I64)
        w_index = b.where(pos <= b.c(0, I64), b.c(0, I64),
                          b.where(pos >= in_size - b.c(1, I64), index_size - b.c(1, I64), w_index))
        for s in range(k):
            hit = w_index.eq(b.c(s, I64))
            slots[s] = b.where(hit, slots[s] + w, slots[s])
            wt_max = b.where(hit, b.maximum(wt_max, slots[s]), wt_max)
        w_index = w_index + b.c(1, I64)
    weights = b.concat([b.unsqueeze(s, [1]) for s in slots], 1)
    return index_min, index_size, weights, b.c(k, I64), b.reduce("ReduceMax", wt_max, [0])


def precision(b: Builder, wt_max: V) -> V:
    """_compute_index_ranges_int16_weights: the first p in 0..21 with
    (int)(0.5 + wt_max * 2^(p + 1)) >= 32768, else 22."""
    powers = b.c([float(2 ** (p + 1)) for p in range(22)], F64)
    fits = b.floor(b.c(0.5, F64) + wt_max * powers) >= b.c(32768.0, F64)
    flags = b.cast(b.concat([fits, b.c([True], BOOL)], 0), I32)
    return b.argmax_first(flags, 0)


def axis_taps(b: Builder, in_size: V, out_size: V, name: str, antialias: bool, lo: V, hi: V) -> tuple:
    """(Taps of outputs [lo, hi) with int16 weights, precision p of the axis)."""
    if antialias:
        first, count, w, ksize, total = _antialias_weights(b, in_size, out_size, name)
        normalized = b.where(total.eq(b.c(0.0, F64)), b.c(0.0, F64), w)
        wt_max = b.maximum(b.reduce("ReduceMax", normalized, [0, 1]), b.c(0.0, F64))
    else:
        first, count, w, ksize, wt_max = _fixed_weights(b, in_size, out_size, name)
    p = precision(b, wt_max)
    v = w * pow2(b, p)
    w16 = b.where(v < b.c(0.0, F64), b.ceil(b.c(-0.5, F64) + v), b.floor(b.c(0.5, F64) + v))
    rows = b.range(lo, hi)
    first, count, w16 = b.gather(first, rows, 0), b.gather(count, rows, 0), b.gather(w16, rows, 0)
    count = b.maximum(count, b.c(1, I64))  # (an empty window weighs 0 everywhere)
    index, valid = taps_from_window(b, first, count, ksize)
    w16 = b.where(valid, w16, b.c(0.0, F64))
    begin, end = span(b, first, count)
    return Taps(index, w16, begin, end), p


def nearest_indices(b: Builder, in_size: V, out_size: V, exact: bool, lo: V, hi: V) -> V:
    """nearest: floorf(i * s); nearest-exact: floorf((i + 0.5) * s) with the
    product in double; s = (float)in / out in float; capped at in - 1."""
    s = b.cast(in_size, F32) / b.cast(out_size, F32)
    i = b.range(lo, hi)
    if exact:
        pos = b.cast((b.cast(i, F64) + b.c(0.5, F64)) * b.cast(s, F64), F32)
    else:
        pos = b.cast(i, F32) * s
    return b.minimum(b.cast(b.floor(pos), I64), in_size - b.c(1, I64))


def resize(b: Builder, x: V, in_h: V, in_w: V, out_h: V, out_w: V, step: dict, need) -> V:
    (ylo, yhi), (xlo, xhi) = need
    name = step["interpolation"]
    if name in ("nearest", "nearest-exact"):
        exact = name == "nearest-exact"
        sy = nearest_indices(b, in_h, out_h, exact, ylo, yhi)
        sx = nearest_indices(b, in_w, out_w, exact, xlo, xhi)
        return b.gather_last(b.gather(x, sy, axis=1), sx, 3)
    ytaps, py = axis_taps(b, in_h, out_h, name, step["antialias"], ylo, yhi)
    xtaps, px = axis_taps(b, in_w, out_w, name, step["antialias"], xlo, xhi)
    # torch resamples horizontally first; each axis rounds at its own precision.
    return separable(b, x, ytaps, xtaps, b.c(False, BOOL),
                     lambda bb, acc: fixed_point_to_u8(bb, acc, py),
                     lambda bb, acc: fixed_point_to_u8(bb, acc, px))
