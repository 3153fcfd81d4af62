"""Output arrays of 4 MiB and more that pixelpact creates itself (pipe(img),
pipe.batch, run_encoded without out=) reuse the memory of large outputs that
were released (python/src/output_memory.hpp): a fresh mapping costs a page fault
and the kernel's zeroing per page. Reused memory holds the earlier array's
bytes, so every output byte must be written again; two live arrays never share
memory; the cache is bounded and can be emptied."""
from __future__ import annotations

import gc
import io
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import pixelpact
from pixelpact import _core
from helpers import assert_same, contract, noise

E1 = contract("resnet50_imagenet_eval")
E4 = contract("lanczos_uint8_bgr_hwc")
MIB = 1 << 20

# Padding and a letterbox: output bytes no resize writes, only the fill.
PADDED = {"pixelpact": 1, "input": {"color": "RGB"},
          "steps": [{"op": "resize", "size": [300, 400], "interpolation": "bilinear", "engine": "pillow"},
                    {"op": "pad", "padding": [37, 11, 5, 90], "fill": [3, 200, 17]}],
          "output": {"layout": "CHW", "dtype": "float16", "color": "BGR"}}
LETTERBOX = {"pixelpact": 1, "input": {"color": "RGB"},
             "steps": [{"op": "letterbox", "size": 640}, {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}],
             "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}
IDENTITY = {"pixelpact": 1, "input": {"color": "RGB"}, "steps": [],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def _released_block(nbytes: int) -> int:
    """Address of a released output block of at least nbytes, filled with 0xFF
    bytes (NaN as floats), that the next output of that size will reuse."""
    garbage = pixelpact._native.new_output_array((nbytes,), np.uint8)
    garbage.fill(0xFF)
    address = garbage.ctypes.data
    del garbage
    gc.collect()
    return address


@pytest.fixture(autouse=True)
def empty_cache():
    pixelpact.release_cached_outputs()
    yield
    pixelpact.release_cached_outputs()


@pytest.mark.parametrize("doc, sizes", [
    (E1, [(480, 640), (97, 301), (1, 1), (2000, 3)]),
    (E4, [(33, 45), (1, 7)]),
    (PADDED, [(120, 90), (5, 700)]),
    (LETTERBOX, [(480, 640), (1080, 90), (1, 1)]),
])
def test_a_batch_in_reused_memory_equals_its_images_run_one_by_one(doc, sizes):
    pipe = pixelpact.load(doc)
    distinct = [noise(h, w, seed=i) for i, (h, w) in enumerate(sizes)]
    one = [pipe(img) for img in distinct]
    per_image = one[0].shape[1:] if len(one[0].shape) == 4 else one[0].shape
    repeats = -(-(5 * MIB) // (len(sizes) * one[0].nbytes))  # at least 5 MiB in all
    images = distinct * repeats
    expected = np.stack([o.reshape(per_image) for o in one] * repeats)
    assert expected.nbytes >= 5 * MIB
    address = _released_block(expected.nbytes)
    got = pipe.batch(images, threads=2)
    assert got.ctypes.data == address, "the released block was not reused (the test would prove nothing)"
    assert_same(got, expected)


def test_pipe_and_run_encoded_reuse_memory_and_write_every_byte():
    pipe = pixelpact.load(IDENTITY)
    img = noise(1201, 1203, seed=3)  # 4.3 MB
    address = _released_block(img.nbytes)
    out = pipe(img)
    assert out.ctypes.data == address
    assert_same(out, img)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    del out
    gc.collect()
    address = _released_block(img.nbytes)
    decoded = pipe.run_encoded(buf.getvalue())
    assert decoded.ctypes.data == address
    assert_same(decoded, img)


def test_live_outputs_never_share_memory():
    pipe = pixelpact.load(IDENTITY)
    img = noise(1300, 1200, seed=4)
    first = pipe(img)
    second = pipe(img)
    assert not np.shares_memory(first, second)
    view = first[100:200]
    del first
    gc.collect()
    third = pipe(img)  # the block behind `view` is still in use
    assert not np.shares_memory(view, third) and not np.shares_memory(second, third)
    assert_same(view, img[100:200])


def test_the_cache_is_bounded_and_can_be_emptied():
    pipe = pixelpact.load(IDENTITY)
    arrays = [pipe(noise(1200 + 100 * i, 1200, seed=i)) for i in range(5)]
    sizes = sorted(a.nbytes for a in arrays)
    del arrays
    gc.collect()
    cached = _core.cached_output_bytes()
    assert 0 < cached <= sum(s + 2 * MIB for s in sizes[-2:]), cached  # two blocks at most
    assert pixelpact.release_cached_outputs() == cached
    assert _core.cached_output_bytes() == 0
    small = pipe(noise(100, 100))  # under 4 MiB: numpy's own memory, never cached
    del small
    gc.collect()
    assert _core.cached_output_bytes() == 0


def test_a_released_block_far_larger_than_needed_is_not_used():
    """A 40 MB block kept for a 5 MB output would waste 35 MB for its lifetime."""
    address = _released_block(40 * MIB)
    small = pixelpact._native.new_output_array((5 * MIB,), np.uint8)
    assert small.ctypes.data != address


def test_the_cache_can_be_turned_off():
    code = ("import gc, numpy as np, pixelpact; from pixelpact import _core\n"
            "a = pixelpact._native.new_output_array((8 << 20,), np.uint8); a.fill(1); del a; gc.collect()\n"
            "print(_core.cached_output_bytes())")
    env_off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PIXELPACT_CACHED_OUTPUTS": "0"})
    env_on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert env_off.stdout.strip() == "0"
    assert int(env_on.stdout.strip()) >= 8 << 20


def test_an_unreadable_cache_setting_is_reported_and_ignored():
    code = ("import gc, warnings, numpy as np\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            "    warnings.simplefilter('always')\n"
            "    import pixelpact\n"
            "from pixelpact import _core\n"
            "a = pixelpact._native.new_output_array((8 << 20,), np.uint8); a.fill(1); del a; gc.collect()\n"
            "print([str(w.message) for w in caught if 'PIXELPACT_CACHED_OUTPUTS' in str(w.message)])\n"
            "print(_core.cached_output_bytes())")
    for value in ("two", "-1", "65", "1.5", " 3", "+3"):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                env={**os.environ, "PIXELPACT_CACHED_OUTPUTS": value})
        messages, cached = result.stdout.strip().splitlines()
        assert "ignored, 2 released output blocks are kept" in messages, (value, result.stdout)
        assert int(cached) >= 8 << 20, value  # the default is in force
