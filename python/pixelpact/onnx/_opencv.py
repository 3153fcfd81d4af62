"""Engine 'opencv' as ONNX: cv2.resize on uint8 (OpenCV 4.12 / 5.0
modules/imgproc/src/resize.cpp, IPP off), translated from the core's
cpp/src/opencv_resize.cpp (mode switches and per-axis tables: float, double and
softdouble as OpenCV computes them) and cpp/src/kernels/reference/opencv_resize.cpp
(the integer and float rules of each pass). Integer sums run in float64, where
they are exact; float32 sums keep OpenCV's order (a running sum, never a tree).
"""
from __future__ import annotations

from ._conv import Taps, conv_rows, fixed_point_to_u8, span, taps_from_window
from ._geometry import Resize
from ._graph import F32, F64, I32, I64, U8, Builder, V

COEF_SCALE = 2048.0  # INTER_RESIZE_COEF_SCALE
DBL_EPSILON = 2.220446049250313e-16
PI = 3.1415926535897932384626433832795  # CV_PI
S45 = 0.70710678118654752440084436210485
LANCZOS_CS = [(1, 0), (-S45, -S45), (0, 1), (S45, -S45), (-1, 0), (S45, S45), (0, -1), (-S45, S45)]
KSIZE = {"bilinear": 2, "area": 2, "bicubic": 4, "lanczos4": 8}


def _d(b: Builder, v) -> V:
    return b.cast(v, F64) if isinstance(v, V) else b.c(float(v), F64)


def round_u8(b: Builder, v: V) -> V:
    """saturate_cast<uchar>(float): round half to even, then clamp."""
    return b.cast(b.clip(b.round_even(v), b.c(0.0, v.dtype), b.c(255.0, v.dtype)), U8)


def round_short(b: Builder, v: V) -> V:
    """saturate_cast<short>(float), as float64."""
    return b.cast(b.clip(b.round_even(v), b.c(-32768.0, F32), b.c(32767.0, F32)), F64)


def inv_scale(b: Builder, p: Resize, vertical: bool) -> V:
    if p.scale is not None:
        return p.scale[0] if vertical else p.scale[1]
    return _d(b, p.out_h if vertical else p.out_w) / _d(b, p.in_h if vertical else p.in_w)


# ---- per-axis tables -------------------------------------------------------------

def cubic_coefficients(b: Builder, x: V) -> list:
    """interpolateCubic, A = -0.75f, in float."""
    f = lambda v: b.c(v, F32)  # noqa: E731
    A = f(-0.75)
    one = f(1.0)
    x1 = x + one
    c0 = ((A * x1 - f(5 * -0.75)) * x1 + f(8 * -0.75)) * x1 - f(4 * -0.75)
    c1 = ((A + f(2.0)) * x - (A + f(3.0))) * x * x + one
    y = one - x
    c2 = ((A + f(2.0)) * y - (A + f(3.0))) * y * y + one
    c3 = one - c0 - c1 - c2
    return [c0, c1, c2, c3]


def lanczos4_coefficients(b: Builder, x: V) -> list:
    """interpolateLanczos4: float x, double trigonometry, float sum, * (1 / sum)."""
    pi4 = b.c(PI, F64)
    y0 = -b.cast(x + b.c(3.0, F32), F64) * pi4 * b.c(0.25, F64)
    s0, c0 = b.sin(y0), b.cos(y0)
    coeffs = []
    total = None
    for i, (a, c) in enumerate(LANCZOS_CS):
        d = x + b.c(3.0, F32) - b.c(float(i), F32)
        y = -b.cast(d, F64) * pi4 * b.c(0.25, F64)
        value = b.cast((b.c(float(a), F64) * s0 + b.c(float(c), F64) * c0) / (y * y), F32)
        coeff = b.where(b.cast(b.abs(d), F64) < b.c(1e-6, F64), b.c(1e30, F32), value)
        coeffs.append(coeff)
        total = coeff if total is None else total + coeff
    inv = b.reciprocal(total)
    return [k * inv for k in coeffs]


def generic_axis(b: Builder, in_size: V, lo: V, hi: V, scale: V, inv: V, area_mode: bool, ksize: int,
                 horizontal: bool) -> Taps:
    """resizeGeneric_'s coordinate loop for outputs [lo, hi): taps (clamped
    indices) and short weights (as float64)."""
    d = b.cast(b.range(lo, hi), F64)
    if not area_mode:
        f = b.cast((d + b.c(0.5, F64)) * scale - b.c(0.5, F64), F32)
        s = b.floor(f)
        f = f - s
        s = b.cast(s, I64)
    else:
        s = b.floor(d * scale)
        f = b.cast((d + b.c(1.0, F64)) - (s + b.c(1.0, F64)) * inv, F32)
        f = b.where(f <= b.c(0.0, F32), b.c(0.0, F32), f - b.floor(f))
        s = b.cast(s, I64)
    if horizontal and ksize == 2:
        low = s < b.c(0, I64)
        f, s = b.where(low, b.c(0.0, F32), f), b.where(low, b.c(0, I64), s)
        high = s >= in_size - b.c(1, I64)
        f, s = b.where(high, b.c(0.0, F32), f), b.where(high, in_size - b.c(1, I64), s)
    if ksize == 8:
        coeffs = lanczos4_coefficients(b, f)
    elif ksize == 4:
        coeffs = cubic_coefficients(b, f)
    else:
        coeffs = [b.c(1.0, F32) - f, f]
    weights = [round_short(b, k * b.c(COEF_SCALE, F32)) for k in coeffs]
    index = [b.clip(s + b.c(k - ksize // 2 + 1, I64), b.c(0, I64), in_size - b.c(1, I64)) for k in range(ksize)]
    return _taps(b, index, weights)


def _taps(b: Builder, index: list, weights: list) -> Taps:
    idx = b.concat([b.unsqueeze(i, [1]) for i in index], 1)
    w = b.concat([b.unsqueeze(k, [1]) for k in weights], 1)
    return Taps(idx, w, b.reduce("ReduceMin", idx, [0, 1]), b.reduce("ReduceMax", idx, [0, 1]) + b.c(1, I64))


def linear_exact_axis(b: Builder, in_size: V, lo: V, hi: V, inv: V) -> Taps:
    """resize_bitExact's interpolationLinear: softdouble (IEEE double) coordinates,
    8-bit weights; outside [0, in - 1) the edge pixel with weight 256."""
    scale = b.reciprocal(inv)
    fval = scale * (b.cast(b.range(lo, hi), F64) + b.c(0.5, F64)) - b.c(0.5, F64)
    ival = b.floor(fval)
    i = b.cast(ival, I64)
    one = b.c(1, I64)
    inside = (i >= b.c(0, I64)) & (in_size > one) & (i < in_size - one)
    w1 = b.clip(b.round_even((fval - ival) * b.c(256.0, F64)), b.c(0.0, F64), b.c(65535.0, F64))
    w0 = b.where(w1 > b.c(256.0, F64), b.c(0.0, F64), b.c(256.0, F64) - w1)
    edge = b.where((i >= b.c(0, I64)) & (in_size > one), in_size - one, b.c(0, I64))
    i0 = b.where(inside, i, edge)
    i1 = b.where(inside, i + one, edge)
    return _taps(b, [i0, i1], [b.where(inside, w0, b.c(256.0, F64)), b.where(inside, w1, b.c(0.0, F64))])


def area_axis(b: Builder, in_size: V, lo: V, hi: V, scale: V) -> tuple:
    """computeResizeAreaTab for outputs [lo, hi): (first, count, float32 weights [n, K], K)."""
    ksize = b.cast(b.ceil(scale), I64) + b.c(2, I64)
    d = b.cast(b.range(lo, hi), F64)
    fsx1 = d * scale
    fsx2 = fsx1 + scale
    cell = b.minimum(scale, _d(b, in_size) - fsx1)
    sx2 = b.minimum(b.floor(fsx2), _d(b, in_size - b.c(1, I64)))
    sx1 = b.minimum(b.ceil(fsx1), sx2)
    eps = b.c(1e-3, F64)
    left = (sx1 - fsx1) > eps
    right = (fsx2 - sx2) > eps
    n_left = b.cast(left, I64)
    n_full = b.cast(sx2 - sx1, I64)
    first = b.cast(sx1, I64) - n_left
    count = n_left + n_full + b.cast(right, I64)
    j = b.unsqueeze(b.range(b.c(0, I64), ksize), [0])
    u = lambda v: b.unsqueeze(v, [1])  # noqa: E731
    w_left = b.cast((sx1 - fsx1) / cell, F32)
    w_full = b.cast(b.c(1.0, F64) / cell, F32)
    w_right = b.cast(b.minimum(b.minimum(fsx2 - sx2, b.c(1.0, F64)), cell) / cell, F32)
    zero = b.c(0.0, F32)
    is_left = u(left) & j.eq(b.c(0, I64))
    is_full = (j >= u(n_left)) & (j < u(n_left + n_full))
    is_right = u(right) & j.eq(u(n_left + n_full))
    w = b.where(is_left, u(w_left), b.where(is_full, u(w_full), b.where(is_right, u(w_right), zero)))
    return first, count, w, ksize


# ---- passes ----------------------------------------------------------------------

def _sum_rows(b: Builder, x: V, origin: V, taps: Taps) -> V:
    return conv_rows(b, x, taps.index - origin, taps.weight)


def _separable_sums(b: Builder, x: V, ytaps: Taps, xtaps: Taps) -> V:
    """The horizontal pass's int32 rows (as float64) for the rows the vertical pass
    reads: [C, rows, n_x], row 0 = input row ytaps.begin."""
    rows = b.slice(x, [ytaps.begin], [ytaps.end], [1])
    t = b.transpose(rows, [0, 2, 1])
    return b.transpose(_sum_rows(b, t, b.c(0, I64), xtaps), [0, 2, 1])


def _tap_rows(b: Builder, h: V, ytaps: Taps, k: int) -> V:
    """Row k of each output's vertical taps: [C, n_y, n_x]."""
    index = b.gather(ytaps.index, b.c(k, I64), axis=1) - ytaps.begin
    return b.gather(h, index, axis=1)


def _tap_weight(b: Builder, ytaps: Taps, k: int) -> V:
    return b.unsqueeze(b.gather(ytaps.weight, b.c(k, I64), axis=1), [0, 2])  # [1, n_y, 1]


def vertical_linear(b: Builder, h: V, ytaps: Taps) -> V:
    """VResizeLinear<uchar>: (((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16) + 2) >> 2
    in int32 (h and the weights are non-negative, so each shift is a division)."""
    terms = []
    for k in range(2):
        hk = b.div(_tap_rows(b, h, ytaps, k), b.c(16, I32))
        terms.append(b.div(b.cast(_tap_weight(b, ytaps, k), I32) * hk, b.c(65536, I32)))
    value = b.div(terms[0] + terms[1] + b.c(2, I32), b.c(4, I32))
    return b.cast(value, U8)  # at most 255: the weights of a pair sum to at most 2049


def vertical_fixed(b: Builder, h: V, ytaps: Taps, shift: int) -> V:
    """sat_u8((sum h_k * b_k + 2^(shift - 1)) >> shift)."""
    return fixed_point_to_u8(b, _sum_rows(b, h, ytaps.begin, ytaps), b.c(shift, I64))


def vertical_cubic(b: Builder, h: V, ytaps: Taps, out_w: V, xlo: V, xhi: V, channels: int) -> V:
    """VResizeCubic<uchar>: the first floor(out_w * cn / 8) * 8 values of each output
    row in float (b' = b * 2^-22, h0*b0' + (h1*b1' + (h2*b2' + h3*b3'))), the rest
    with the integer rule."""
    scale = b.c(1.0 / (2048 * 2048), F32)
    s = [b.cast(_tap_rows(b, h, ytaps, k), F32) for k in range(4)]
    f = [b.cast(_tap_weight(b, ytaps, k), F32) * scale for k in range(4)]
    r = s[0] * f[0] + (s[1] * f[1] + (s[2] * f[2] + s[3] * f[3]))
    by_float = round_u8(b, r)
    by_int = vertical_fixed(b, h, ytaps, 22)
    split = b.div(out_w * b.c(channels, I64), b.c(8, I64)) * b.c(8, I64)
    element = b.unsqueeze(b.range(xlo, xhi) * b.c(channels, I64), [0, 1]) + \
        b.c([[[c]] for c in range(channels)], I64)  # [C, 1, n_x]: x * cn + c
    return b.where(element < split, by_float, by_int)


def generic(b: Builder, x: V, p: Resize, need, mode: str, channels: int) -> V:
    (ylo, yhi), (xlo, xhi) = need
    ksize = KSIZE[mode]
    ix, iy = inv_scale(b, p, False), inv_scale(b, p, True)
    area = mode == "area"
    xtaps = generic_axis(b, p.in_w, xlo, xhi, b.reciprocal(ix), ix, area, ksize, True)
    ytaps = generic_axis(b, p.in_h, ylo, yhi, b.reciprocal(iy), iy, area, ksize, False)
    h = _separable_sums(b, x, ytaps, xtaps)
    if ksize == 2:
        return vertical_linear(b, h, ytaps)
    if ksize == 4:
        return vertical_cubic(b, h, ytaps, p.out_w, xlo, xhi, channels)
    return vertical_fixed(b, h, ytaps, 22)


def linear_exact(b: Builder, x: V, p: Resize, need) -> V:
    (ylo, yhi), (xlo, xhi) = need
    xtaps = linear_exact_axis(b, p.in_w, xlo, xhi, inv_scale(b, p, False))
    ytaps = linear_exact_axis(b, p.in_h, ylo, yhi, inv_scale(b, p, True))
    return vertical_fixed(b, _separable_sums(b, x, ytaps, xtaps), ytaps, 16)


def _window_taps(b: Builder, first: V, count: V, ksize: V, weights: V, in_size: V) -> Taps:
    """Taps of windows (first, count) with per-tap weights; an empty window (a
    block past the border) reads the last input with weight 0."""
    count1 = b.maximum(count, b.c(1, I64))
    index, valid = taps_from_window(b, b.minimum(first, in_size - b.c(1, I64)), count1, ksize)
    begin, end = span(b, b.minimum(first, in_size - b.c(1, I64)), count1)
    return Taps(index, b.where(valid & (b.unsqueeze(count, [1]) > b.c(0, I64)), weights,
                               b.c(0, weights.dtype)), begin, end)


def area_fast(b: Builder, x: V, p: Resize, need, block_y: V, block_x: V) -> V:
    """resizeAreaFast_: integer block sums; 2x2 blocks (sum + 2) >> 2, other whole
    blocks cvRound(float(sum) * (1.f / area)), blocks cut by the border
    cvRound(float(sum) / float(count))."""
    (ylo, yhi), (xlo, xhi) = need

    def blocks(in_size, block, lo, hi):
        s0 = b.range(lo, hi) * block
        first = b.minimum(s0, in_size)
        count = b.clip(in_size - s0, b.c(0, I64), block)
        w = b.c(1.0, F64)
        return first, count, _window_taps(b, first, count, block, b.expand(b.unsqueeze(w, [0, 1]),
                                                                           b.vec(hi - lo, block)), in_size)
    _, cy, ytaps = blocks(p.in_h, block_y, ylo, yhi)
    _, cx, xtaps = blocks(p.in_w, block_x, xlo, xhi)
    total = _sum_rows(b, _separable_sums(b, x, ytaps, xtaps), ytaps.begin, ytaps)  # exact integers
    area = block_x * block_y
    pairs = block_x.eq(b.c(2, I64)) & block_y.eq(b.c(2, I64))
    whole = b.unsqueeze(cy.eq(block_y), [0, 2]) & b.unsqueeze(cx.eq(block_x), [0, 1])
    by_pairs = b.div(total + b.c(2, I32), b.c(4, I32))
    s32 = b.cast(total, F32)
    by_scale = b.round_even(s32 * b.reciprocal(b.cast(area, F32)))
    n = b.cast(b.unsqueeze(cy, [0, 2]) * b.unsqueeze(cx, [0, 1]), F32)
    by_count = b.round_even(s32 / n)
    value = b.where(whole, b.where(pairs, b.cast(by_pairs, F32), by_scale), by_count)
    return b.cast(b.clip(value, b.c(0.0, F32), b.c(255.0, F32)), U8)


def area(b: Builder, x: V, p: Resize, need) -> V:
    """ResizeArea_Invoker<uchar, float>: float weights, running float sums in table
    order along rows, then along columns; cvRound and saturate."""
    (ylo, yhi), (xlo, xhi) = need
    fx, cx, wx, kx = area_axis(b, p.in_w, xlo, xhi, b.reciprocal(inv_scale(b, p, False)))
    fy, cy, wy, ky = area_axis(b, p.in_h, ylo, yhi, b.reciprocal(inv_scale(b, p, True)))
    xtaps = _window_taps(b, fx, cx, kx, wx, p.in_w)
    ytaps = _window_taps(b, fy, cy, ky, wy, p.in_h)
    rows = b.slice(x, [ytaps.begin], [ytaps.end], [1])
    t = b.cast(b.transpose(rows, [0, 2, 1]), F32)                  # [C, W, rows]
    g = b.gather(t, xtaps.index, axis=1)                           # [C, n_x, K, rows]
    buf = _running_sum(b, g * b.unsqueeze(xtaps.weight, [2]), 2)   # [C, n_x, rows]
    buf = b.transpose(buf, [0, 2, 1])                              # [C, rows, n_x]
    g = b.gather(buf, ytaps.index - ytaps.begin, axis=1)           # [C, n_y, K, n_x]
    total = _running_sum(b, b.unsqueeze(ytaps.weight, [2]) * g, 2)
    return round_u8(b, total)


def _running_sum(b: Builder, x: V, axis: int) -> V:
    """The last of the running sums along an axis: ((x0 + x1) + x2) + ..."""
    sums = b.cumsum(x, axis)
    n = b.gather(b.shape(sums), b.c(axis, I64), axis=0) if not sums.const else b.c(sums.value.shape[axis], I64)
    return b.squeeze(b.slice(sums, [n - b.c(1, I64)], [n], [axis]), [axis])


# ---- nearest ---------------------------------------------------------------------

def nearest_indices(b: Builder, p: Resize, step: dict, vertical: bool, lo: V, hi: V) -> V:
    in_size = p.in_h if vertical else p.in_w
    out_size = p.out_h if vertical else p.out_w
    last = in_size - b.c(1, I64)
    if step["interpolation"] == "nearest":
        # resizeNN: ifx = 1 / inv_scale; min(cvFloor(x * ifx), ssize - 1)
        ifx = b.reciprocal(inv_scale(b, p, vertical))
        return b.minimum(b.cast(b.floor(_d(b, b.range(lo, hi)) * ifx), I64), last)
    if step["version"] == "4":
        # 4.x resizeNN_bitexact: 16.16 fixed point in wrapping 32-bit arithmetic.
        m32 = b.c(1 << 32, I64)
        ifx = b.div(b.mod(in_size * b.c(65536, I64) + b.div(out_size, b.c(2, I64)), m32), out_size)
        ifx0 = b.div(ifx, b.c(2, I64)) - b.mod(in_size, b.c(2, I64))
        v = b.mod(ifx * b.range(lo, hi) + ifx0, m32)
        v = b.where(v >= b.c(1 << 31, I64), v - m32, v)
        return b.clip(b.div(v - b.mod(v, b.c(65536, I64)), b.c(65536, I64)), b.c(0, I64), last)
    # 5.x: softdouble s = ssize / dsize, f = s / 2, f += s per output (accumulated).
    s = _d(b, in_size) / _d(b, out_size)
    steps = b.expand(b.unsqueeze(s, [0]), b.vec(hi))
    increments = b.concat([b.unsqueeze(b.c(0.5, F64) * s, [0]), b.slice(steps, [b.c(1, I64)], [hi], [0])], 0)
    pos = b.slice(b.cumsum(increments, 0), [lo], [hi], [0])
    return b.minimum(b.cast(b.floor(pos), I64), last)


def resize(b: Builder, x: V, p: Resize, need, channels: int) -> V:
    """Outputs ``need`` of cv2.resize on planes x [C, H, W] (C = 1 or 3 working channels)."""
    step = p.step
    mode = step["interpolation"]
    (ylo, yhi), (xlo, xhi) = need
    copy = p.out_h.eq(p.in_h) & p.out_w.eq(p.in_w)  # cv::resize: dsize == ssize copies

    def copied(bb: Builder):
        return [bb.slice(x, [ylo, xlo], [yhi, xhi], [1, 2])]

    if mode in ("nearest", "nearest-exact"):
        def nearest(bb: Builder):
            sy = nearest_indices(bb, p, step, True, ylo, yhi)
            sx = nearest_indices(bb, p, step, False, xlo, xhi)
            return [bb.gather_last(bb.gather(x, sy, axis=1), sx, 3)]
        return b.cond(copy, copied, nearest)[0]

    one = b.c(1.0, F64)
    sx_, sy_ = b.reciprocal(inv_scale(b, p, False)), b.reciprocal(inv_scale(b, p, True))
    isx, isy = b.round_even(sx_), b.round_even(sy_)
    eps = b.c(DBL_EPSILON, F64)
    fast = (b.abs(sx_ - isx) < eps) & (b.abs(sy_ - isy) < eps)
    bx, by = b.cast(isx, I64), b.cast(isy, I64)

    def fast_fn(bb: Builder):
        return [area_fast(bb, x, p, need, by, bx)]

    if mode in ("bilinear", "bilinear-exact"):
        halves = fast & bx.eq(b.c(2, I64)) & by.eq(b.c(2, I64))

        def linear(bb: Builder):
            if mode == "bilinear-exact":
                return [linear_exact(bb, x, p, need)]
            return [generic(bb, x, p, need, "bilinear", channels)]
        return b.cond(copy, copied, lambda bb: bb.cond(halves, fast_fn, linear))[0]
    if mode == "area":
        down = (sx_ >= one) & (sy_ >= one)

        def downscale(bb: Builder):
            return bb.cond(fast, fast_fn, lambda b2: [area(b2, x, p, need)])

        return b.cond(copy, copied, lambda bb: bb.cond(
            down, downscale, lambda b2: [generic(b2, x, p, need, "area", channels)]))[0]
    return b.cond(copy, copied, lambda bb: [generic(bb, x, p, need, mode, channels)])[0]


def uses_sin(step: dict) -> bool:
    return step["interpolation"] == "lanczos4"

