"""Separable fixed-point convolution passes, shared by the Pillow and torch
engines: one output row per set of gathered input rows, the products and sums in
float64. Every pixel (< 2^8) times a weight (|w| < 2^23) and every sum of them is
an integer below 2^53, so float64 holds them exactly and the summation order of
MatMul cannot change a bit.

Images are planes, [C, rows, cols]; a pass along the columns runs on the
transposed planes.
"""
from __future__ import annotations

from dataclasses import dataclass

from ._graph import F32, F64, I32, I64, U8, Builder, V


@dataclass
class Taps:
    """Per output of one axis (outputs [lo, hi)): ``index`` [n, K] absolute input
    indices (clamped into the image; taps past ``count`` weigh 0), ``weight``
    [n, K] float64, and the input span [begin, end) the outputs read."""

    index: V
    weight: V
    begin: V
    end: V


def taps_from_window(b: Builder, first: V, count: V, ksize: V) -> tuple:
    """(index [n, K], valid [n, K]) of windows starting at ``first`` [n] with
    ``count`` [n] >= 1 taps, K = ksize; taps past the window repeat its last
    input (they weigh 0), so every index stays inside the span the outputs read."""
    j = b.unsqueeze(b.range(b.c(0, I64), ksize), [0])
    last = b.unsqueeze(count, [1]) - b.c(1, I64)
    valid = j <= last
    index = b.unsqueeze(first, [1]) + b.minimum(j, last)
    return index, valid


def span(b: Builder, first: V, count: V) -> tuple:
    """[begin, end) of the inputs read by windows (first, count), count >= 1."""
    return b.reduce("ReduceMin", first, [0]), b.reduce("ReduceMax", first + count, [0])


# float32 sums are exact while every partial sum stays below 2^24: with the
# weights split as hi * 2^11 + lo (|lo| <= 1024), |sum pixel * lo| <= 255 * 1024 * K,
# below 2^24 for K <= 64 window taps, and |sum pixel * hi| is far smaller (the
# weights of one output sum to about 2^22 in absolute value).
SPLIT, MAX_F32_TAPS = 2048, 64


def conv_rows(b: Builder, x: V, index: V, weight: V) -> V:
    """x [C, R, B] (uint8, or int32), index [n, K] rows of x, weight [n, K]
    integer-valued float64 (|w| < 2^23) -> sum_k x[c, index[i, k], j] * weight[i, k]
    as int32, [C, n, B]: exact, as the libraries' int32 accumulators (every sum
    here stays below 2^31 in absolute value, as theirs do). uint8 inputs with at
    most 64 taps per output sum in float32 (half the memory traffic), others in
    float64 (every product and partial sum an integer below 2^53)."""
    def wide(bb: Builder):
        gathered = bb.cast(bb.gather(x, index, axis=1), F64)          # [C, n, K, B]
        return [bb.cast(bb.squeeze(bb.matmul(bb.unsqueeze(weight, [1]), gathered), [2]), I32)]

    if x.dtype != U8:
        return wide(b)[0]

    def split(bb: Builder):
        hi = bb.floor((weight + bb.c(SPLIT / 2, F64)) / bb.c(float(SPLIT), F64))
        lo = weight - hi * bb.c(float(SPLIT), F64)
        parts = bb.cast(bb.concat([bb.unsqueeze(hi, [1]), bb.unsqueeze(lo, [1])], 1), F32)  # [n, 2, K]
        gathered = bb.cast(bb.gather(x, index, axis=1), F32)          # [C, n, K, B]
        sums = bb.cast(bb.matmul(parts, gathered), I32)               # [C, n, 2, B], exact integers
        two = [bb.squeeze(bb.slice(sums, [bb.c(i, I64)], [bb.c(i + 1, I64)], [2]), [2]) for i in range(2)]
        return [two[0] * bb.c(SPLIT, I32) + two[1]]

    taps = b.gather(b.shape(index), b.c(1, I64), axis=0) if not index.const else b.c(index.value.shape[1], I64)
    return b.cond(taps <= b.c(MAX_F32_TAPS, I64), split, wide)[0]


def fixed_point_to_u8(b: Builder, acc: V, bits: V) -> V:
    """clip8((acc + 2^(bits-1)) >> bits) of an int32 sum: Pillow's and torch's
    rounding (an arithmetic shift, i.e. floor; a negative sum clips to 0 either way)."""
    half = b.cast(b.gather(b.c([0] + [2 ** (i - 1) for i in range(1, 31)], I64), bits, axis=0), I32)
    unit = b.cast(b.gather(b.c([2 ** i for i in range(31)], I64), bits, axis=0), I32)
    shifted = b.div(b.maximum(acc + half, b.c(0, I32)), unit)   # non-negative: truncation is floor
    return b.cast(b.minimum(shifted, b.c(255, I32)), U8)


def pow2(b: Builder, bits: V) -> V:
    """2^bits as float64 (bits 0..62), exact."""
    table = b.c([float(2 ** i) for i in range(63)], F64)
    return b.gather(table, bits, axis=0)


def rows_pass(b: Builder, x: V, origin: V, taps: Taps, finish) -> V:
    """Resample the rows of x [C, R, B], whose row 0 is input row ``origin``;
    ``finish(builder, acc)`` turns the float64 sums into the pass's output."""
    return finish(b, conv_rows(b, x, taps.index - origin, taps.weight))


def cols_pass(b: Builder, x: V, origin: V, taps: Taps, finish) -> V:
    """Resample the columns of x [C, R, B], whose column 0 is input column ``origin``."""
    t = b.transpose(x, [0, 2, 1])
    return b.transpose(finish(b, conv_rows(b, t, taps.index - origin, taps.weight)), [0, 2, 1])


def separable(b: Builder, x: V, ytaps: Taps, xtaps: Taps, vertical_first: V, finish_v, finish_h=None) -> V:
    """Both passes over x [C, H, W] (a full image), in the order a library chose;
    only the input rows (columns) the second pass reads go through the first.
    ``finish_v`` / ``finish_h`` turn the sums of the vertical / horizontal pass
    into its output (the same when omitted)."""
    finish_h = finish_h or finish_v
    zero = b.c(0, I64)

    def h_then_v(bb: Builder):
        rows = bb.slice(x, [ytaps.begin], [ytaps.end], [1])
        mid = cols_pass(bb, rows, zero, xtaps, finish_h)
        return [rows_pass(bb, mid, ytaps.begin, ytaps, finish_v)]

    def v_then_h(bb: Builder):
        cols = bb.slice(x, [xtaps.begin], [xtaps.end], [2])
        mid = rows_pass(bb, cols, zero, ytaps, finish_v)
        return [cols_pass(bb, mid, xtaps.begin, xtaps, finish_h)]

    return b.cond(vertical_first, v_then_h, h_then_v)[0]
