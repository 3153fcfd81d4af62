"""Every instruction set this machine runs produces the reference kernels' bytes,
and forcing one really selects it."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

import pixelpact
from helpers import assert_same, noise

ISAS = pixelpact.supported_isas()
SIMD = [isa for isa in ISAS if isa != "reference"]
FILTERS = ["nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"]


def test_reference_is_always_supported():
    assert ISAS[-1] == "reference"


@pytest.mark.parametrize("isa", ISAS)
def test_forced_isa_is_the_one_running(isa):
    doc = {"pixelpact": 1, "input": {"color": "RGB"}, "steps": [], "output": {"layout": "HWC", "dtype": "uint8",
                                                                              "color": "RGB"}}
    pipe = pixelpact.load(doc, isa=isa)
    assert pipe.isa == isa
    # A PIXELPACT_EMULATE_AVX512 test build names its SIMDe-compiled kernels "avx512 (emulated)".
    own = {isa, "avx512 (emulated)"} if isa == "avx512" else {isa}
    assert set(pipe.kernels.values()) <= own | {"reference"}
    code = "import pixelpact,json,sys; print(pixelpact.load(json.loads(sys.argv[1])).isa)"
    env = dict(os.environ, PIXELPACT_FORCE_ISA=isa)
    import json

    res = subprocess.run([sys.executable, "-c", code, json.dumps(doc)], env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == isa


def test_unknown_or_unsupported_isa_is_an_error():
    doc = {"pixelpact": 1, "input": {"color": "RGB"}, "steps": [], "output": {"layout": "HWC", "dtype": "uint8",
                                                                              "color": "RGB"}}
    with pytest.raises(RuntimeError, match="unknown instruction set"):
        pixelpact.load(doc, isa="sse9")
    missing = [isa for isa in ("avx2", "avx512", "neon") if isa not in ISAS]
    for isa in missing:
        with pytest.raises(RuntimeError, match=isa):
            pixelpact.load(doc, isa=isa)
    env = dict(os.environ, PIXELPACT_FORCE_ISA="sse9")
    res = subprocess.run([sys.executable, "-m", "pixelpact", "info"], env=env, capture_output=True, text=True)
    assert res.returncode == 1 and "PIXELPACT_FORCE_ISA=sse9: unknown instruction set" in res.stdout


def _cases():
    rng = np.random.default_rng(1234)
    # Widths 1 .. 4 x 64 + 3 (the widest vector is 64 bytes) against varied heights.
    for width in list(range(1, 40)) + [63, 64, 65, 127, 128, 129, 191, 255, 256, 257, 258, 259]:
        height = int(rng.integers(1, 40))
        out_h = int(rng.integers(1, 2 * height + 2))
        out_w = int(rng.integers(1, 2 * width + 2))
        yield (height, width), (out_h, out_w), FILTERS[width % 6]
    # Larger and vertical-first shapes.
    for (h, w), (oh, ow) in [((300, 40), (20, 35)), ((1000, 70), (33, 61)), ((480, 640), (224, 224)),
                             ((37, 2000), (30, 211)), ((2000, 37), (211, 30)), ((123, 457), (501, 77))]:
        for f in FILTERS:
            yield (h, w), (oh, ow), f


CASES = list(_cases())


@pytest.mark.parametrize("isa", SIMD)
@pytest.mark.parametrize("color", ["RGB", "BGRA", "GRAY"])
def test_resize_matches_reference(isa, color):
    channels = {"RGB": 3, "BGRA": 4, "GRAY": 1}[color]
    for i, (in_hw, out_hw, name) in enumerate(CASES):
        img = noise(*in_hw, channels=channels, seed=i)
        doc = {"pixelpact": 1, "input": {"color": color},
               "steps": [{"op": "resize", "size": list(out_hw), "interpolation": name, "engine": "pillow"}],
               "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
        expected = pixelpact.load(doc, isa="reference")(img)
        assert_same(pixelpact.load(doc, isa=isa)(img), expected)


@pytest.mark.parametrize("isa", SIMD)
def test_premultiplied_rgba_resize_matches_reference(isa):
    """alpha 'premultiply': 4 working channels (pixel stride 4) through every ISA's conv kernels."""
    for i, (in_hw, out_hw, name) in enumerate(CASES):
        img = noise(*in_hw, channels=4, seed=i)
        doc = {"pixelpact": 1, "input": {"color": "BGRA", "alpha": "premultiply"},
               "steps": [{"op": "resize", "size": list(out_hw), "interpolation": name, "engine": "pillow"}],
               "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
        expected = pixelpact.load(doc, isa="reference")(img)
        assert_same(pixelpact.load(doc, isa=isa)(img), expected)


TORCH_DIALECTS = [("bilinear", True), ("bilinear", False), ("bicubic", True), ("bicubic", False),
                  ("lanczos", True), ("nearest", True), ("nearest-exact", False)]


@pytest.mark.parametrize("isa", SIMD)
@pytest.mark.parametrize("color", ["RGB", "BGRA", "GRAY"])
def test_torch_engine_matches_reference(isa, color):
    """The torch engine's weights (int16 scaled to 22 bits, 2- and 4-tap rows without
    antialias, edge taps summed) through every ISA's conv kernels."""
    channels = {"RGB": 3, "BGRA": 4, "GRAY": 1}[color]
    for i, (in_hw, out_hw, _) in enumerate(CASES):
        name, antialias = TORCH_DIALECTS[i % len(TORCH_DIALECTS)]
        img = noise(*in_hw, channels=channels, seed=i)
        doc = {"pixelpact": 1, "input": {"color": color},
               "steps": [{"op": "resize", "size": list(out_hw), "interpolation": name, "engine": "torch",
                          "antialias": antialias}],
               "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
        expected = pixelpact.load(doc, isa="reference")(img)
        assert_same(pixelpact.load(doc, isa=isa)(img), expected)


FLOAT_DIALECTS = [("bilinear", False), ("bilinear", True), ("bicubic", False), ("bicubic", True), ("area", False)]


@pytest.mark.parametrize("isa", SIMD)
@pytest.mark.parametrize("color", ["RGB", "GRAY"])
def test_torch_float_resize_matches_reference(isa, color):
    """A torch resize after to_float (float32 planes; every ISA's table points at
    the reference kernel today), including both bilinear kernels (h + w <= 128)."""
    channels = {"RGB": 3, "GRAY": 1}[color]
    for i, (in_hw, out_hw, _) in enumerate(CASES[::5]):
        mode, antialias = FLOAT_DIALECTS[i % len(FLOAT_DIALECTS)]
        if mode == "area" and out_hw == (1, 1):
            continue
        resize = {"op": "resize", "size": list(out_hw), "interpolation": mode, "engine": "torch"}
        if mode != "area":
            resize["antialias"] = antialias
        img = noise(*in_hw, channels=channels, seed=i)
        doc = {"pixelpact": 1, "input": {"color": color},
               "steps": [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}, resize,
                         {"op": "normalize", "mean": [0.5, 0.4, 0.3], "std": [0.2, 0.25, 0.3]}],
               "output": {"layout": "HWC", "dtype": "float32", "color": "RGB"}}
        expected = pixelpact.load(doc, isa="reference")(img)
        assert_same(pixelpact.load(doc, isa=isa)(img), expected)


@pytest.mark.parametrize("isa", SIMD)
@pytest.mark.parametrize("layout,dtype", list(itertools.product(["NCHW", "NHWC", "CHW", "HWC"],
                                                                 ["float32", "float16", "uint8"])))
def test_writer_matches_reference(isa, layout, dtype):
    float_steps = [] if dtype == "uint8" else [
        {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
        {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}]
    for width in [1, 2, 15, 16, 17, 31, 33, 64, 67, 200]:
        for color in ["RGB", "BGR", "RGBA", "GRAY"]:
            channels = {"RGB": 3, "BGR": 3, "RGBA": 4, "GRAY": 1}[color]
            img = noise(7, width, channels=channels, seed=width)
            doc = {"pixelpact": 1, "input": {"color": color},
                   "steps": [{"op": "center_crop", "size": [9, max(1, width - 3)]}] + float_steps,
                   "output": {"layout": layout, "dtype": dtype, "color": "BGR" if width % 2 else "RGB"}}
            expected = pixelpact.load(doc, isa="reference")(img)
            assert_same(pixelpact.load(doc, isa=isa)(img), expected)


@pytest.mark.parametrize("isa", SIMD)
@pytest.mark.parametrize("layout,dtype", list(itertools.product(["NCHW", "NHWC", "CHW", "HWC"],
                                                                 ["float32", "float16", "uint8"])))
def test_split_image_matches_reference(isa, layout, dtype):
    """An image split into bands of rows (pipe(img, threads=N)) writes each band at
    its offset in every plane, padding bands included, on every ISA."""
    float_steps = [] if dtype == "uint8" else [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}]
    doc = {"pixelpact": 1, "input": {"color": "BGR"},
           "steps": [{"op": "resize", "size": [500, 703], "interpolation": "bilinear", "engine": "pillow"},
                     {"op": "center_crop", "size": [560, 690]}] + float_steps,
           "output": {"layout": layout, "dtype": dtype, "color": "RGB"}}
    img = noise(801, 1003, channels=3, seed=11)
    expected = pixelpact.load(doc, isa="reference")(img)
    for threads in (2, 3, 5):
        assert_same(pixelpact.load(doc, isa=isa)(img, threads=threads), expected)


TF_DIALECTS = [(m, a) for m in ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                                  "mitchellcubic"] for a in (False, True)]


@pytest.mark.parametrize("isa", SIMD)
@pytest.mark.parametrize("color", ["RGB", "GRAY"])
def test_tensorflow_resize_matches_reference(isa, color):
    """A tensorflow resize after to_float (float32 planes; every ISA's table points
    at the reference kernel today): every kernel kind (copy, bilinear, nearest,
    bicubic, area, spans)."""
    channels = {"RGB": 3, "GRAY": 1}[color]
    for i, (in_hw, out_hw, _) in enumerate(CASES[::3]):
        mode, antialias = TF_DIALECTS[i % len(TF_DIALECTS)]
        resize = {"op": "resize", "size": list(out_hw), "interpolation": mode, "engine": "tensorflow",
                  "antialias": antialias}
        img = noise(*in_hw, channels=channels, seed=i)
        doc = {"pixelpact": 1, "input": {"color": color},
               "steps": [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}, resize],
               "output": {"layout": "HWC", "dtype": "float32", "color": "RGB"}}
        expected = pixelpact.load(doc, isa="reference")(img)
        assert_same(pixelpact.load(doc, isa=isa)(img), expected)


@pytest.mark.parametrize("isa", SIMD)
@pytest.mark.parametrize("layout,dtype", list(itertools.product(["NCHW", "HWC"], ["float32", "float16", "uint8"])))
def test_writer_fill_matches_reference(isa, layout, dtype):
    """Padding with a per-channel fill byte (pad, crop, letterbox) through each writer."""
    float_steps = [] if dtype == "uint8" else [
        {"op": "to_float", "dtype": "float32"}, {"op": "normalize", "mean": [0.4, 0.5, 0.6], "std": 0.2}]
    for width in [1, 2, 15, 16, 17, 33, 67]:
        for color in ["RGB", "BGR", "RGBA", "GRAY"]:
            channels = {"RGB": 3, "BGR": 3, "RGBA": 4, "GRAY": 1}[color]
            img = noise(5, width, channels=channels, seed=width + 1)
            fill = [90, 90, 90] if color == "GRAY" else [200, 10, 60]
            doc = {"pixelpact": 1, "input": {"color": color},
                   "steps": [{"op": "pad", "padding": [width % 5, 2, 3, 1], "fill": fill},
                             {"op": "crop", "top": -1, "left": -2, "height": 11, "width": width + 7, "fill": 7}]
                   + float_steps,
                   "output": {"layout": layout, "dtype": dtype, "color": "BGR" if width % 2 else "RGB"}}
            expected = pixelpact.load(doc, isa="reference")(img)
            assert_same(pixelpact.load(doc, isa=isa)(img), expected)


@pytest.mark.parametrize("isa", SIMD)
def test_views_and_unaligned_pointers(isa):
    """Strided, flipped and unaligned inputs through each ISA."""
    base = noise(301, 263, channels=4, seed=77)
    flat = np.frombuffer(noise(1, 301 * 263 * 3 + 3, channels=0, seed=78).tobytes(), np.uint8)
    views = [base[::-1, :, :3], base[:, ::-1, 1:], base[1::2, 3::2, :3], base[..., 2::-1],
             flat[1:1 + 301 * 263 * 3].reshape(301, 263, 3), flat[3:3 + 301 * 263 * 3].reshape(301, 263, 3)]
    torch_steps = [{"op": "resize", "size": 97, "interpolation": f, "engine": "torch", "antialias": aa}
                   for f, aa in TORCH_DIALECTS]
    for step in [{"op": "resize", "size": 97, "interpolation": f, "engine": "pillow"} for f in FILTERS] + torch_steps:
        doc = {"pixelpact": 1, "input": {"color": "RGB"},
               "steps": [step, {"op": "center_crop", "size": [90, 101]}],
               "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
        for img in views:
            assert_same(pixelpact.load(doc, isa=isa)(img), pixelpact.load(doc, isa="reference")(img))


OPENCV_MODES = ["bilinear", "bilinear-exact", "area", "nearest", "nearest-exact", "bicubic", "lanczos4"]


def _opencv_cases():
    rng = np.random.default_rng(4321)
    for width in list(range(1, 40)) + [63, 64, 65, 127, 128, 129, 191, 255, 256, 257, 258, 259]:
        height = int(rng.integers(1, 40))
        out_h = int(rng.integers(1, 2 * height + 2))
        out_w = int(rng.integers(1, 2 * width + 2))
        yield (height, width), {"size": [out_h, out_w]}
        yield (out_h, out_w), {"size": [height, width]}
    for width in [1, 2, 3, 7, 8, 9, 15, 16, 17, 33, 64, 65, 129]:  # exactly 1/2: the 2x2 block kernels
        yield (2 * width + 4, 2 * width), {"size": [width + 2, width]}
        yield (2 * width + 1, 2 * width + 1), {"scale": [0.5, 0.5]}  # blocks cut by the border
    for (h, w), spec in [((480, 640), {"size": [224, 224]}), ((480, 640), {"size": [240, 320]}),
                         ((333, 500), {"scale": [0.61, 1.7]}), ((37, 2000), {"size": [30, 211]}),
                         ((2000, 37), {"size": [211, 30]}), ((123, 457), {"size": [501, 77]})]:
        yield (h, w), spec


OPENCV_CASES = list(_opencv_cases())


@pytest.mark.slow  # every cv2 mode and colour on every ISA
@pytest.mark.parametrize("isa", SIMD)
@pytest.mark.parametrize("color", ["RGB", "BGRA", "GRAY"])
@pytest.mark.parametrize("mode", OPENCV_MODES)
def test_opencv_resize_matches_reference(isa, color, mode):
    """engine "opencv": the SIMD INTER_LINEAR kernels (also used by LINEAR_EXACT's
    and AREA-upscale's horizontal pass) and every other flag, byte for byte."""
    channels = {"RGB": 3, "BGRA": 4, "GRAY": 1}[color]
    for i, (in_hw, spec) in enumerate(OPENCV_CASES):
        img = noise(*in_hw, channels=channels, seed=i)
        doc = {"pixelpact": 1, "input": {"color": color},
               "steps": [{"op": "resize", **spec, "interpolation": mode, "engine": "opencv"}],
               "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
        assert_same(pixelpact.load(doc, isa=isa)(img), pixelpact.load(doc, isa="reference")(img))


@pytest.mark.parametrize("isa", SIMD)
def test_opencv_views(isa):
    """Strided, flipped and unaligned inputs through the OpenCV kernels."""
    base = noise(301, 263, channels=4, seed=79)
    views = [base[::-1, :, :3], base[:, ::-1, 1:], base[1::2, 3::2, :3], base[..., 2::-1]]
    for mode in OPENCV_MODES:
        doc = {"pixelpact": 1, "input": {"color": "RGB"},
               "steps": [{"op": "resize", "size": [97, 130], "interpolation": mode, "engine": "opencv"},
                         {"op": "center_crop", "size": [90, 101]}],
               "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
        for img in views:
            assert_same(pixelpact.load(doc, isa=isa)(img), pixelpact.load(doc, isa="reference")(img))


# Every stride combination the API accepts, checked against what numpy, Pillow and
# OpenCV compute from a packed copy of the same view, under every instruction set.
# Pixel strides below the channel count (overlapping pixels: a sliding-window view)
# reached the AVX-512 writer, which read channel 0 for every channel (issue 17,
# defect 2); the sweeps used to cover only strides >= the channel count.
def _strided_view(height, width, channels, pixel, channel, row, seed):
    rng = np.random.default_rng([height, width, channels, seed])
    if channel == "planar":
        cs, ps = height * width, 1
    else:
        cs = {"adjacent": 1, "reversed": -1, "broadcast": 0}[channel]
        ps = {"packed": channels, "padded": channels + 2, "overlap": 1, "broadcast": 0, "flipped": -channels}[pixel]
    extent = (width - 1) * abs(ps) + (channels - 1) * abs(cs) + 1  # bytes one row spans
    if channel == "planar":
        rs = width
    else:
        rs = {"packed": extent, "padded": extent + 5, "flipped": -extent, "broadcast": 0}[row]
    strides = (rs, ps, cs)
    corners = [sum(s * (n - 1) * k for s, n, k in zip(strides, (height, width, channels), pick))
               for pick in itertools.product((0, 1), repeat=3)]
    lo, hi = min(corners), max(corners)
    buffer = rng.integers(0, 256, size=hi - lo + 1, dtype=np.uint8)
    view = np.lib.stride_tricks.as_strided(buffer[-lo:], shape=(height, width, channels), strides=strides,
                                           writeable=False)
    return view


def _stride_layouts():
    for pixel, channel, row in itertools.product(("packed", "padded", "overlap", "broadcast", "flipped"),
                                                 ("adjacent", "reversed", "broadcast"),
                                                 ("packed", "padded", "flipped", "broadcast")):
        yield pixel, channel, row
    yield "packed", "planar", "packed"


STRIDE_LAYOUTS = list(_stride_layouts())


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("color", ["RGB", "BGRA", "GRAY"])
def test_every_stride_combination(isa, color):
    import cv2
    from PIL import Image

    channels = {"RGB": 3, "BGRA": 4, "GRAY": 1}[color]
    out = {"layout": "HWC", "dtype": "uint8", "color": "RGB"}
    identity = pixelpact.load({"pixelpact": 1, "input": {"color": color}, "steps": [], "output": out}, isa=isa)
    to_bgr = pixelpact.load({"pixelpact": 1, "input": {"color": color}, "steps": [],
                             "output": {**out, "color": "BGR"}}, isa=isa)
    scaled = pixelpact.load({"pixelpact": 1, "input": {"color": color},
                             "steps": [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}],
                             "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}, isa=isa)
    pillow = pixelpact.load({"pixelpact": 1, "input": {"color": color},
                             "steps": [{"op": "resize", "size": [5, 23], "interpolation": "bicubic",
                                        "engine": "pillow"}], "output": out}, isa=isa)
    opencv = pixelpact.load({"pixelpact": 1, "input": {"color": color},
                             "steps": [{"op": "resize", "size": [5, 23], "interpolation": "bilinear",
                                        "engine": "opencv"}], "output": out}, isa=isa)
    for index, (pixel, channel, row) in enumerate(STRIDE_LAYOUTS):
        for height, width in ((3, 37), (1, 1), (1, 20), (9, 1)):
            if channels == 1 and channel != "adjacent":
                continue  # one channel has no channel stride to vary
            view = _strided_view(height, width, channels, pixel, channel, row, index)
            packed = np.ascontiguousarray(view)
            rgb = packed if channels == 1 else packed[..., [2, 1, 0]] if color == "BGRA" else packed
            rgb = np.repeat(rgb[..., :1], 3, axis=2) if channels == 1 else np.ascontiguousarray(rgb[..., :3])
            expected = [
                (identity, rgb),
                (to_bgr, np.ascontiguousarray(rgb[..., ::-1])),
                (scaled, (rgb.astype(np.float32) / np.float32(255)).transpose(2, 0, 1)[None]),
                (pillow, np.asarray(Image.fromarray(rgb).resize((23, 5), Image.Resampling.BICUBIC))),
                (opencv, cv2.resize(rgb, (23, 5), interpolation=cv2.INTER_LINEAR)),
            ]
            for pipe, want in expected:
                try:
                    assert_same(pipe(view), want)
                except AssertionError as err:
                    raise AssertionError(f"{pixel} pixels, {channel} channels, {row} rows, {height}x{width}, "
                                         f"strides {view.strides}, contract {pipe.contract['steps']}: {err}")


def _strided_views():
    """Views with every kind of stride the API accepts, numpy's own values the
    expectation: (name, array HxWxC or HxW for GRAY)."""
    from numpy.lib.stride_tricks import as_strided

    flat = noise(1, 4096, channels=0, seed=5).reshape(-1)
    base = noise(5, 37, channels=4, seed=6)
    planes = noise(3, 6 * 35, channels=0, seed=7).reshape(3, 6, 35)  # one plane per channel
    gray = noise(4, 69, channels=0, seed=8)
    return [
        ("pixel stride 1 (sliding window)", as_strided(flat, (3, 40, 3), (43, 1, 1))),
        ("pixel stride 2 < channels", as_strided(flat, (3, 33, 3), (70, 2, 1))),
        ("pixel stride 0", as_strided(flat, (4, 21, 3), (5, 0, 1))),
        ("padded pixels", base[..., :3]),
        ("negative pixel stride", base[:, ::-1, 1:]),
        ("channel stride -1", base[..., 2::-1]),
        ("channel stride 0", as_strided(flat, (4, 17, 3), (17, 1, 0))),
        ("planar", np.moveaxis(planes, 0, -1)),
        ("row stride 0", np.broadcast_to(base[:1, :, :3], (6, 37, 3))),
        ("negative row stride", base[::-1, :, :3]),
        ("GRAY, pixel stride 4", gray[:, ::4]),
        ("GRAY, pixel stride 3", gray[:, 1::3]),
        ("RGBA, pixel stride 3 < channels", as_strided(flat, (2, 30, 4), (95, 3, 1))),
    ]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype,layout", [("uint8", "HWC"), ("float32", "NCHW"), ("float16", "HWC")])
def test_strided_views_are_read_as_numpy_reads_them(isa, dtype, layout):
    """No step before the writer: the tensor is the view's bytes as numpy sees them
    (issue 17: AVX-512 read a pixel stride of 1 as if every channel were channel 0)."""
    for name, view in _strided_views():
        color = {2: "GRAY", 3: "RGB"}.get(view.ndim if view.ndim == 2 else view.shape[2], "RGBA")
        doc = {"pixelpact": 1, "input": {"color": color},
               "steps": [] if dtype == "uint8" else [{"op": "to_float", "dtype": "float32"}],
               "output": {"layout": layout, "dtype": dtype, "color": "RGB"}}
        rgb = np.repeat(view[..., None], 3, axis=2) if view.ndim == 2 else view[..., :3]
        expected = np.ascontiguousarray(rgb if layout == "HWC" else rgb.transpose(2, 0, 1)[None]).astype(dtype)
        got = pixelpact.load(doc, isa=isa)(view)
        assert got.dtype == expected.dtype and got.shape == expected.shape, name
        if not np.array_equal(got, expected):
            at = tuple(int(i) for i in np.argwhere(got != expected)[0])
            pytest.fail(f"{name}: {np.count_nonzero(got != expected)} of {got.size} values differ, "
                        f"first at {at}: {got[at]} != {expected[at]}")
