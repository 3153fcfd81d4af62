"""Inputs of hostile shape and storage: each works (the tensor equals the one of
a packed, writable, aligned copy of the same pixels) or raises a clear error.
The table is the contract; docs/reliability.md repeats it."""
from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

import pixelpact
from helpers import assert_same, noise

RESIZE = {"pixelpact": 1, "input": {"color": "RGB"},
          "steps": [{"op": "resize", "size": [24, 20], "interpolation": "bilinear", "engine": "pillow"}],
          "output": {"layout": "HWC", "dtype": "uint8", "color": "BGR"}}
FLOAT = {"pixelpact": 1, "input": {"color": "RGB"},
         "steps": [{"op": "resize", "size": [24, 20], "interpolation": "bicubic", "engine": "pillow"},
                   {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}],
         "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}
IDENTITY = {"pixelpact": 1, "input": {"color": "RGB"}, "steps": [],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def _misaligned(shape):
    raw = np.zeros(int(np.prod(shape)) + 1, np.uint8)
    view = raw[1:].reshape(shape)
    view[...] = noise(*shape)
    return view


def _read_only(image):
    image = image.copy()
    image.flags.writeable = False
    return image


def _of_uint16(h, w):
    wide = np.arange(h * w * 3 // 2 + 1, dtype=np.uint16) * 977
    return wide.view(np.uint8)[: h * w * 3].reshape(h, w, 3)


def _sliding(h, w):  # byte (y, x, c) at y * (w + 2) + x + c: overlapping pixels and rows that alias
    flat = noise(1, h * (w + 2) + 4, 1).reshape(-1)
    return as_strided(flat, shape=(h, w, 3), strides=(w + 2, 1, 1), writeable=False)


def _overlapping_out(contract):
    """out= aliasing the image: the core copies the image first."""
    pipe = pixelpact.load(contract)
    image = noise(30, 40)
    expected = pipe(image.copy())
    out = image.reshape(-1)[: expected.size].reshape(expected.shape)
    return pipe(image, out=out), expected


WORKS = {
    "1x1": (RESIZE, lambda: noise(1, 1)),
    "1xN": (RESIZE, lambda: noise(1, 97)),
    "Nx1": (RESIZE, lambda: noise(97, 1)),
    "65535x1": (FLOAT, lambda: noise(65535, 1)),
    "1x65535": (FLOAT, lambda: noise(1, 65535)),
    "prime 251x241": (FLOAT, lambda: noise(251, 241)),
    "flipped rows and columns (negative strides)": (RESIZE, lambda: noise(30, 40)[::-1, ::-1]),
    "reversed channels (negative channel stride)": (RESIZE, lambda: noise(30, 40)[..., ::-1]),
    "zero strides (broadcast, read-only)": (RESIZE, lambda: np.broadcast_to(noise(1, 1), (30, 40, 3))),
    "zero row stride (one row repeated)": (FLOAT, lambda: np.broadcast_to(noise(1, 40), (30, 40, 3))),
    "overlapping pixels and rows (sliding window)": (RESIZE, lambda: _sliding(30, 40)),
    "every other row and column": (RESIZE, lambda: noise(60, 80)[::2, ::2]),
    "transposed (Fortran order)": (RESIZE, lambda: np.asfortranarray(noise(30, 40))),
    "planar channels": (RESIZE, lambda: np.moveaxis(np.ascontiguousarray(np.moveaxis(noise(30, 40), -1, 0)), 0, -1)),
    "read-only buffer": (RESIZE, lambda: _read_only(noise(30, 40))),
    "misaligned buffer (odd address)": (FLOAT, lambda: _misaligned((30, 40, 3))),
    "view of uint16 memory": (RESIZE, lambda: _of_uint16(30, 40)),
    "huge resize of a 1x1 (limits allow it)": (
        {**RESIZE, "steps": [{"op": "resize", "size": [2000, 3000], "interpolation": "nearest", "engine": "pillow"},
                             {"op": "center_crop", "size": 8}]}, lambda: noise(1, 1)),
}


@pytest.mark.parametrize("name", list(WORKS))
def test_hostile_input_works(name):
    contract, make = WORKS[name]
    image = make()
    pipe = pixelpact.load(contract)
    got = pipe(image)
    expected = pipe(np.ascontiguousarray(image).copy())
    assert_same(got, expected)


@pytest.mark.parametrize("contract", [IDENTITY, RESIZE, FLOAT], ids=["identity", "resize", "float"])
def test_out_overlapping_the_input_works(contract):
    if contract is FLOAT:  # a float tensor cannot view uint8 pixels: a float buffer reinterpreted as bytes
        pipe = pixelpact.load(contract)
        shape = pipe.output_shape(30, 40)
        out = np.zeros(shape, np.float32)
        image = out.reshape(-1).view(np.uint8)[: 30 * 40 * 3].reshape(30, 40, 3)
        image[...] = noise(30, 40)
        expected = pipe(image.copy())
        assert np.array_equal(pipe(image, out=out), expected)
        return
    got, expected = _overlapping_out(contract)
    assert np.array_equal(got, expected)


def _zero_stride_wide(width):
    return as_strided(np.zeros(3, np.uint8), shape=(1, width, 3), strides=(0, 0, 1), writeable=False)


FAILS = {
    "0x5": (lambda: np.zeros((0, 5, 3), np.uint8), ValueError, "empty"),
    "5x0": (lambda: np.zeros((5, 0, 3), np.uint8), ValueError, "empty"),
    "2^31-1 wide": (lambda: _zero_stride_wide(2**31 - 1), ValueError, "1048576"),
    "2^20+1 wide": (lambda: _zero_stride_wide(2**20 + 1), ValueError, "1048576"),
    "float32 pixels": (lambda: noise(4, 4).astype(np.float32), TypeError, "uint8"),
    "int8 pixels": (lambda: noise(4, 4).view(np.int8), TypeError, "uint8"),
    "4 channels for RGB": (lambda: noise(4, 4, 4), ValueError, "channel"),
    "2-D image for RGB": (lambda: noise(4, 4, 1)[..., 0], ValueError, "shape"),
    "a list": (lambda: [[1, 2, 3]], TypeError, "numpy array"),
}


@pytest.mark.parametrize("name", list(FAILS))
def test_hostile_input_is_a_clear_error(name):
    make, error, fragment = FAILS[name]
    pipe = pixelpact.load(RESIZE)
    with pytest.raises(error, match=fragment):
        pipe(make())


OUT_FAILS = {
    "wrong dtype": (lambda s: np.empty(s, np.float32), TypeError, "dtype"),
    "wrong shape": (lambda s: np.empty(s[::-1], np.uint8), ValueError, "shape"),
    "not contiguous": (lambda s: np.empty((s[0], s[1] * 2, s[2]), np.uint8)[:, ::2], ValueError, "contiguous"),
    "read-only": (lambda s: _read_only(np.empty(s, np.uint8)), ValueError, "read-only"),
    "not an array": (lambda s: bytearray(int(np.prod(s))), TypeError, "numpy array"),
}


@pytest.mark.parametrize("name", list(OUT_FAILS))
def test_bad_out_is_a_clear_error(name):
    make, error, fragment = OUT_FAILS[name]
    pipe = pixelpact.load(RESIZE)
    image = noise(30, 40)
    with pytest.raises(error, match=fragment):
        pipe(image, out=make(pipe.output_shape(30, 40)))


def test_limits_refuse_hostile_contracts_before_allocating():
    pipe = pixelpact.load({**RESIZE, "steps": [{"op": "resize", "size": [40000, 40000], "interpolation": "nearest",
                                                "engine": "pillow"}]})
    with pytest.raises(ValueError, match="max_output_elements"):
        pipe(noise(2, 2))
    small = pixelpact.load(RESIZE, max_intermediate_bytes=100)
    with pytest.raises(ValueError, match="max_intermediate_bytes"):
        small(noise(30, 40))
