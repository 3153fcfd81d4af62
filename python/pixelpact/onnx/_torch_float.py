"""Engine 'torch' after to_float as ONNX: torch 2.14.1's float32 CPU resize
(UpSampleKernel.cpp, AdaptiveAvgPoolKernel.cpp) as torchvision v1 runs it on a
contiguous CHW tensor, translated from the core's cpp/src/torch_coefficients.cpp
(indices and float32 weights) and cpp/src/kernels/reference/torch_float_resize.cpp
(sums in torch's order).

torch's x86 wheel fuses multiply-adds: fma(a, b, c) = a * b + c rounded once to
float32. ONNX has no such operator, and float32 Mul then Add rounds twice. The
graph computes it exactly anyway (``fma32``): the product of two float32 is exact
in float64; TwoSum gives s + e = a * b + c exactly (s the float64 sum, e its
error); rounding s to float32 is then the correctly rounded result unless s lies
exactly halfway between two float32 (float32 midpoints are float64 numbers, so a
sum not on one is on the same side as s), and in that case the sign of e says
which neighbour the exact value is closer to. Every step is an IEEE float64
addition, subtraction or multiplication, or a conversion.
"""
from __future__ import annotations

from ._geometry import center_offset
from ._graph import BOOL, F32, F64, I64, Builder, V


def fma32(b: Builder, x: V, y: V, z: V) -> V:
    """x * y + z rounded once to float32 (x, y, z float32)."""
    p = b.cast(x, F64) * b.cast(y, F64)          # exact: 24 + 24 significant bits
    c = b.cast(z, F64)
    s = p + c
    bb = s - p                                    # TwoSum (Knuth): p + c == s + e exactly
    e = (p - (s - bb)) + (c - bb)
    fd = b.cast(b.cast(s, F32), F64)              # round to nearest even
    r = s - fd                                    # exact (Sterbenz)
    g = fd + (r + r)                              # the other neighbour when s is a midpoint
    zero = b.c(0.0, F64)
    midpoint = r.ne(zero) & b.cast(b.cast(g, F32), F64).eq(g)
    up = midpoint & (e > zero)
    down = midpoint & (e < zero)
    return b.cast(b.where(up, b.maximum(fd, g), b.where(down, b.minimum(fd, g), fd)), F32)


def _f(b: Builder, v: float) -> V:
    return b.c(v, F32)


def source(b: Builder, in_size: V, out_size: V, i: V, cubic: bool) -> tuple:
    """area_pixel_compute_source_index (fused in the wheel) + guard_index_and_lambda."""
    scale = b.cast(in_size, F32) / b.cast(out_size, F32)
    real = fma32(b, scale, b.cast(i, F32) + _f(b, 0.5), _f(b, -0.5))
    if not cubic:
        real = b.where(real < _f(b, 0.0), _f(b, 0.0), real)
    idx = b.minimum(b.cast(b.floor(real), I64), in_size - b.c(1, I64))
    lam = b.clip(real - b.cast(idx, F32), _f(b, 0.0), _f(b, 1.0))
    return idx, lam


def linear_axis(b: Builder, in_size: V, out_size: V) -> tuple:
    """([i0, i1], [w0, w1]) per output; the identity when in == out."""
    i = b.range(b.c(0, I64), out_size)
    idx, l1 = source(b, in_size, out_size, i, False)
    idx1 = idx + b.cast(idx < in_size - b.c(1, I64), I64)
    same = in_size.eq(out_size)
    return ([b.where(same, i, idx), b.where(same, i, idx1)],
            [b.where(same, _f(b, 1.0), _f(b, 1.0) - l1), b.where(same, _f(b, 0.0), l1)])


def cubic_axis(b: Builder, in_size: V, out_size: V) -> tuple:
    """HelperInterpCubic with get_cubic_upsample_coefficients (A = -0.75), as fused."""
    a = -0.75

    def cubic1(x):
        return (fma32(b, _f(b, a + 2.0), x, _f(b, -(a + 3.0))) * x) * x + _f(b, 1.0)

    def cubic2(x):
        return fma32(b, fma32(b, _f(b, a), x, _f(b, -(5.0 * a))), x, _f(b, 8.0 * a)) * x - _f(b, 4.0 * a)

    i = b.range(b.c(0, I64), out_size)
    idx, t = source(b, in_size, out_size, i, True)
    x2 = _f(b, 1.0) - t
    weights = [cubic2(t + _f(b, 1.0)), cubic1(t), cubic1(x2), cubic2(x2 + _f(b, 1.0))]
    index = [b.clip(idx + b.c(k - 1, I64), b.c(0, I64), in_size - b.c(1, I64)) for k in range(4)]
    return index, weights


def aa_filter(b: Builder, name: str, x: V) -> V:
    """HelperInterpLinear/Cubic::aa_filter<float>; the cubic one (a = -0.5) fully fused."""
    ax = b.abs(x)
    zero, one = _f(b, 0.0), _f(b, 1.0)
    if name == "bilinear":
        return b.where(ax < one, b.cast(b.c(1.0, F64) - b.cast(ax, F64), F32), zero)
    a = -0.5
    f = lambda v: _f(b, v)  # noqa: E731
    near = fma32(b, fma32(b, f(a + 2.0), ax, f(-(a + 3.0))) * ax, ax, f(1.0))
    far = fma32(b, fma32(b, fma32(b, f(a), ax, f(-(5.0 * a))), ax, f(8.0 * a)), ax, f(-(4.0 * a)))
    return b.where(ax < one, near, b.where(ax < _f(b, 2.0), far, zero))


def aa_axis(b: Builder, in_size: V, out_size: V, name: str) -> tuple:
    """_compute_index_ranges_weights with scalar_t = float: (first, count, w [out, K], K)."""
    interp = 4 if name == "bicubic" else 2
    scale = b.cast(in_size, F32) / b.cast(out_size, F32)
    down = scale >= _f(b, 1.0)
    support = b.where(down, b.cast(b.c(interp * 0.5, F64) * b.cast(scale, F64), F32), _f(b, interp * 0.5))
    maxk = b.cast(b.ceil(support), I64) * b.c(2, I64) + b.c(1, I64)
    invscale = b.where(down, b.cast(b.reciprocal(b.cast(scale, F64)), F32), _f(b, 1.0))
    i = b.cast(b.range(b.c(0, I64), out_size), F64)
    center = b.cast(b.cast(scale, F64) * (i + b.c(0.5, F64)), F32)
    half = b.c(0.5, F64)
    xmin = b.maximum(b.cast(b.trunc(b.cast(center - support, F64) + half), I64), b.c(0, I64))
    xsize = b.minimum(b.cast(b.trunc(b.cast(center + support, F64) + half), I64), in_size) - xmin
    xsize = b.clip(xsize, b.c(0, I64), maxk)
    j = b.unsqueeze(b.range(b.c(0, I64), maxk), [0])
    d = b.cast(j + b.unsqueeze(xmin, [1]), F32) - b.unsqueeze(center, [1])
    arg = b.cast((b.cast(d, F64) + half) * b.cast(invscale, F64), F32)
    w = b.where(j < b.unsqueeze(xsize, [1]), aa_filter(b, name, arg), _f(b, 0.0))
    total = b.gather(b.cumsum(w, 1), maxk - b.c(1, I64), axis=1)    # float, left to right
    total = b.unsqueeze(total, [1])
    w = b.where(total.ne(_f(b, 0.0)), w / total, w)
    return xmin, xsize, w, maxk


# ---- kernels -------------------------------------------------------------------------

def _pick(b: Builder, x: V, index: V, axis: int) -> V:
    return b.gather(x, index, axis=1) if axis == 1 else b.gather_last(x, index, 3)


def _along(b: Builder, w: V, axis: int) -> V:
    """Per-output weights [n] shaped to broadcast along ``axis`` of [C, H, W]."""
    return b.unsqueeze(w, [0, 2] if axis == 1 else [0, 1])


def linear(b: Builder, x: V, in_h: V, in_w: V, out_h: V, out_w: V) -> V:
    (y0, y1), (wy0, wy1) = linear_axis(b, in_h, out_h)
    (x0, x1), (wx0, wx1) = linear_axis(b, in_w, out_w)
    r0, r1 = _pick(b, x, y0, 1), _pick(b, x, y1, 1)
    v00, v01 = _pick(b, r0, x0, 2), _pick(b, r0, x1, 2)
    v10, v11 = _pick(b, r1, x0, 2), _pick(b, r1, x1, 2)
    wy0, wy1, wx0, wx1 = _along(b, wy0, 1), _along(b, wy1, 1), _along(b, wx0, 2), _along(b, wx1, 2)

    def generic(bb: Builder):
        top = fma32(bb, v00, wx0, v01 * wx1)
        bottom = fma32(bb, v10, wx0, v11 * wx1)
        return [fma32(bb, top, wy0, bottom * wy1)]

    def channels_last(bb: Builder):
        w00, w01, w10, w11 = wy0 * wx0, wy0 * wx1, wy1 * wx0, wy1 * wx1
        acc = fma32(bb, v00, w00, v01 * w01)
        acc = fma32(bb, v10, w10, acc)
        return [fma32(bb, v11, w11, acc)]

    # torch's channels-last kernel when the output is small (h + w <= 128).
    return b.cond(out_h + out_w <= b.c(128, I64), channels_last, generic)[0]


def cubic(b: Builder, x: V, in_h: V, in_w: V, out_h: V, out_w: V) -> V:
    yi, yw = cubic_axis(b, in_h, out_h)
    xi, xw = cubic_axis(b, in_w, out_w)

    def sum4(t, w):
        acc = fma32(b, t[0], w[0], t[1] * w[1])
        acc = fma32(b, t[2], w[2], acc)
        return fma32(b, t[3], w[3], acc)

    rows = []
    for k in range(4):
        r = _pick(b, x, yi[k], 1)
        rows.append(sum4([_pick(b, r, xi[j], 2) for j in range(4)], [_along(b, xw[j], 2) for j in range(4)]))
    return sum4(rows, [_along(b, yw[k], 1) for k in range(4)])


def area(b: Builder, x: V, in_h: V, in_w: V, out_h: V, out_w: V) -> V:
    """adaptive_avg_pool2d: sum += in[h][w] row-major over the window (a running
    sum over the window's values laid out row by row; taps outside the window add
    0, which changes no float sum), then (sum / kh) / kw."""
    def axis(in_size, out_size):
        i = b.range(b.c(0, I64), out_size)
        start = b.cast(b.floor(b.cast(i * in_size, F32) / b.cast(out_size, F32)), I64)
        end = b.cast(b.ceil(b.cast((i + b.c(1, I64)) * in_size, F32) / b.cast(out_size, F32)), I64)
        count = end - start
        k = b.reduce("ReduceMax", count, [0])
        j = b.unsqueeze(b.range(b.c(0, I64), k), [0])
        index = b.minimum(b.unsqueeze(start, [1]) + j, in_size - b.c(1, I64))
        return index, j < b.unsqueeze(count, [1]), count, k
    iy, vy, ky, my = axis(in_h, out_h)
    ix, vx, kx, mx = axis(in_w, out_w)
    rows = b.gather(x, iy, axis=1)                                   # [C, oh, KY, W]
    g = b.gather_last(rows, ix, 4)                                   # [C, oh, KY, ow, KX]
    inside = b.unsqueeze(vy, [0, 3, 4]) & b.unsqueeze(vx, [0, 1, 2])
    g = b.where(inside, g, _f(b, 0.0))
    g = b.transpose(g, [0, 1, 3, 2, 4])                              # [C, oh, ow, KY, KX]
    flat = b.reshape(g, b.vec(3, out_h, out_w, my * mx))
    total = b.squeeze(b.slice(b.cumsum(flat, 3), [my * mx - b.c(1, I64)], [my * mx], [3]), [3])
    return total / b.unsqueeze(b.cast(ky, F32), [0, 2]) / b.unsqueeze(b.cast(kx, F32), [0, 1])


def _tap_of_each_output(b: Builder, data: V, tap: V, axis: int) -> V:
    """data [C, n, K, W] (axis 1) or [C, H, n, K] (axis 2): for output i the value
    at tap ``tap[i]``, i.e. [C, n, W] or [C, H, n]."""
    tap_axis = axis + 1
    where = [0, 2, 3] if axis == 1 else [0, 1, 3]
    shape = b.shape(data)
    one_tap = b.concat([b.slice(shape, [b.c(0, I64)], [b.c(tap_axis, I64)], [0]), b.c([1], I64),
                        b.slice(shape, [b.c(tap_axis + 1, I64)], [b.c(4, I64)], [0])], 0)
    index = b.expand(b.unsqueeze(tap, where), one_tap)
    return b.squeeze(b.gather_elements(data, index, tap_axis), [tap_axis])


def _aa_pass(b: Builder, x: V, first: V, count: V, w: V, k: V, axis: int, same_taps: V) -> V:
    """interpolate_aa_single_dim along ``axis`` of x [C, H, W]: o = t0 * w0, then
    taps in blocks of four with separate multiply and add (a running sum of the
    products), then the remaining (at most three) taps fused.
    ``same_taps``: every output uses output 0's taps (torch's width-1 restriding)."""
    n = b.gather(b.shape(first), b.c(0, I64), axis=0) if not first.const else b.c(first.value.shape[0], I64)
    rows = b.where(same_taps, b.expand(b.c([0], I64), b.vec(n)), b.range(b.c(0, I64), n))
    first, count, w = b.gather(first, rows, 0), b.gather(count, rows, 0), b.gather(w, rows, 0)
    size = b.gather(b.shape(x), b.c(axis, I64), axis=0)
    j = b.unsqueeze(b.range(b.c(0, I64), k), [0])
    index = b.minimum(b.unsqueeze(first, [1]) + j, size - b.c(1, I64))     # [n, K]
    taps = _pick(b, x, index, axis)                                          # [C, n, K, W] / [C, H, n, K]
    weights = b.unsqueeze(w, [0, 3] if axis == 1 else [0, 1])
    blocks_end = b.c(1, I64) + b.div(b.maximum(count - b.c(1, I64), b.c(0, I64)), b.c(4, I64)) * b.c(4, I64)
    prefix = b.cumsum(taps * weights, axis + 1)
    o = _tap_of_each_output(b, prefix, blocks_end - b.c(1, I64), axis)
    last = k - b.c(1, I64)
    for extra in range(3):  # blocks_end <= count <= blocks_end + 3
        tap = blocks_end + b.c(extra, I64)
        clamped = b.minimum(tap, last)
        t = _tap_of_each_output(b, taps, clamped, axis)
        weight = _along(b, b.squeeze(b.gather_elements(w, b.unsqueeze(clamped, [1]), 1), [1]), axis)
        o = b.where(_along(b, tap < count, axis), fma32(b, t, weight, o), o)
    return o


def antialias(b: Builder, x: V, in_h: V, in_w: V, out_h: V, out_w: V, name: str) -> V:
    fx, cx, wx, kx = aa_axis(b, in_w, out_w, name)
    fy, cy, wy, ky = aa_axis(b, in_h, out_h, name)
    false = b.c(False, BOOL)
    mid = b.cond(out_w.eq(in_w), lambda bb: [x], lambda bb: [_aa_pass(bb, x, fx, cx, wx, kx, 2, false)])[0]
    return b.cond(out_h.eq(in_h), lambda bb: [mid],
                  lambda bb: [_aa_pass(bb, mid, fy, cy, wy, ky, 1, out_w.eq(b.c(1, I64)))])[0]


def resize(b: Builder, x: V, h: V, w: V, step: dict, crops: list) -> tuple:
    """(planes [3, h', w'] float32, h', w') of the float resize of x [3, h, w] and the
    center crops after it."""
    from ._geometry import resize_size
    oh, ow = resize_size(b, step, h, w)
    name = step["interpolation"]
    if name == "area":
        out = area(b, x, h, w, oh, ow)
    elif step.get("antialias", True):
        out = antialias(b, x, h, w, oh, ow, name)
    elif name == "bicubic":
        out = cubic(b, x, h, w, oh, ow)
    else:
        out = linear(b, x, h, w, oh, ow)
    for c in crops:
        ch, cw = c["size"]
        oy, ox = center_offset(b, "torchvision", oh, ch), center_offset(b, "torchvision", ow, cw)
        out = b.slice(out, [oy, ox], [oy + b.c(ch, I64), ox + b.c(cw, I64)], [1, 2])
        oh, ow = b.c(ch, I64), b.c(cw, I64)
    return out, oh, ow
