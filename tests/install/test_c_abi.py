"""The C ABI from another language: the installed shared library loaded with ctypes
(not the pybind11 module), as a Go, Rust, Java or C# service would load it. Runs the
conformance suite and the shared vectors through it, and every error path."""
from __future__ import annotations

import ctypes
import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import pixelpact
from helpers import CONFORMANCE, CONTRACTS, assert_same, noise, vector_names
from helpers.cmake import libdir

pytestmark = pytest.mark.build

CASES = sorted(CONFORMANCE.glob("*.json")) + [CONTRACTS / f"{name}.json" for name in vector_names()]

PP_OK, PP_ERROR_INVALID_CONTRACT, PP_ERROR_INVALID_ARGUMENT, PP_ERROR_BUFFER_TOO_SMALL = 0, 1, 2, 3
DTYPES = {1: np.uint8, 2: np.float16, 3: np.float32}
P = ctypes.c_void_p
I64x4 = ctypes.c_int64 * 4


class PPGeometry(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int) for n in ("input_height", "input_width", "output_height", "output_width")] + [
        (n, ctypes.c_double) for n in ("scale_y", "scale_x", "offset_y", "offset_x",
                                       "content_y0", "content_x0", "content_y1", "content_x1")]


class PPImageInfo(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int) for n in ("height", "width", "stored_height", "stored_width", "orientation")] + [
        ("format", ctypes.c_char * 8)]


class CApi:
    """Prototypes of pixelpact.h, declared for ctypes."""

    def __init__(self, path: Path):
        lib = self.lib = ctypes.CDLL(str(path))
        c_int, c_size, c_ssize = ctypes.c_int, ctypes.c_size_t, ctypes.c_ssize_t
        signatures = {
            "pp_version": (ctypes.c_char_p, []),
            "pp_contract_version": (c_int, []),
            "pp_last_error": (ctypes.c_char_p, []),
            "pp_last_error_path": (ctypes.c_char_p, []),
            "pp_status_name": (ctypes.c_char_p, [c_int]),
            "pp_dtype_size": (c_size, [c_int]),
            "pp_pipeline_create": (c_int, [ctypes.c_char_p, c_size, ctypes.POINTER(P)]),
            "pp_pipeline_create_from_file": (c_int, [ctypes.c_char_p, ctypes.POINTER(P)]),
            "pp_pipeline_create_with_limits": (c_int, [ctypes.c_char_p, c_size, ctypes.c_int64, ctypes.c_int64,
                                                       ctypes.POINTER(P)]),
            "pp_pipeline_destroy": (None, [P]),
            "pp_pipeline_output_shape": (c_int, [P, c_int, c_int, ctypes.POINTER(ctypes.c_int64),
                                                 ctypes.POINTER(c_int)]),
            "pp_pipeline_output_bytes": (c_int, [P, c_int, c_int, ctypes.POINTER(c_size)]),
            "pp_pipeline_geometry": (c_int, [P, c_int, c_int, ctypes.POINTER(PPGeometry)]),
            "pp_pipeline_output_dtype": (c_int, [P, ctypes.POINTER(c_int)]),
            "pp_pipeline_output_layout": (c_int, [P, ctypes.POINTER(c_int)]),
            "pp_pipeline_input_channels": (c_int, [P, ctypes.POINTER(c_int)]),
            "pp_pipeline_input_color": (ctypes.c_char_p, [P]),
            "pp_pipeline_name": (ctypes.c_char_p, [P]),
            "pp_pipeline_canonical_json": (ctypes.c_char_p, [P]),
            "pp_pipeline_fingerprint": (ctypes.c_char_p, [P]),
            "pp_pipeline_run": (c_int, [P, P, c_int, c_int, c_int, c_ssize, P, c_size]),
            "pp_pipeline_run_strided": (c_int, [P, P, c_int, c_int, c_int, c_ssize, c_ssize, c_ssize, P, c_size]),
            "pp_pipeline_run_batch": (c_int, [P, c_size, ctypes.POINTER(P), ctypes.POINTER(c_int),
                                              ctypes.POINTER(c_int), c_int, ctypes.POINTER(c_ssize), P, c_size]),
            "pp_pipeline_run_threads": (c_int, [P, P, c_int, c_int, c_int, c_ssize, c_ssize, c_ssize, c_int, P,
                                                c_size]),
            "pp_pipeline_run_batch_threads": (c_int, [P, c_size, ctypes.POINTER(P), ctypes.POINTER(c_int),
                                                      ctypes.POINTER(c_int), c_int, ctypes.POINTER(c_ssize), c_int,
                                                      P, c_size]),
            "pp_decoders": (ctypes.c_char_p, []),
            "pp_pipeline_image_info": (c_int, [P, ctypes.c_char_p, c_size, ctypes.POINTER(PPImageInfo)]),
            "pp_pipeline_run_encoded": (c_int, [P, ctypes.c_char_p, c_size, P, c_size]),
        }
        for name, (restype, argtypes) in signatures.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = restype, argtypes

    def error(self) -> str:
        return self.lib.pp_last_error().decode()

    def create(self, text: bytes) -> P:
        handle = P()
        status = self.lib.pp_pipeline_create(text, len(text), ctypes.byref(handle))
        assert status == PP_OK, self.error()
        return handle

    def shape(self, p, h, w):
        shape, ndim = I64x4(), ctypes.c_int()
        assert self.lib.pp_pipeline_output_shape(p, h, w, shape, ctypes.byref(ndim)) == PP_OK, self.error()
        return tuple(shape[: ndim.value])

    def dtype(self, p):
        code = ctypes.c_int()
        assert self.lib.pp_pipeline_output_dtype(p, ctypes.byref(code)) == PP_OK
        return np.dtype(DTYPES[code.value])

    def run(self, p, image: np.ndarray) -> np.ndarray:
        """Runs on a uint8 (H, W[, C]) array with any row stride (packed pixels)."""
        h, w = image.shape[:2]
        c = image.shape[2] if image.ndim == 3 else 1
        out = np.empty(self.shape(p, h, w), self.dtype(p))
        status = self.lib.pp_pipeline_run(p, image.ctypes.data, h, w, c, image.strides[0], out.ctypes.data,
                                          out.nbytes)
        assert status == PP_OK, self.error()
        return out


@pytest.fixture(scope="module")
def api(installed_shared):
    return CApi(libdir(installed_shared) / "libpixelpact.so.0")


@pytest.fixture(scope="module")
def e1(api):
    handle = api.create((CONTRACTS / "resnet50_imagenet_eval.json").read_bytes())
    yield handle
    api.lib.pp_pipeline_destroy(handle)


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("contract", CASES, ids=_id)
def test_case_through_ctypes(api, contract):
    handle = P()
    assert api.lib.pp_pipeline_create_from_file(str(contract).encode(), ctypes.byref(handle)) == PP_OK, api.error()
    try:
        image = np.load(contract.with_name(contract.stem + "_input.npy"))
        expected = np.load(contract.with_name(contract.stem + "_expected.npy"))
        assert_same(api.run(handle, image), expected)
    finally:
        api.lib.pp_pipeline_destroy(handle)


def test_same_version_as_the_python_package(api):
    assert api.lib.pp_version().decode() == pixelpact.__version__
    assert api.lib.pp_contract_version() == 1


def test_describe(api, e1):
    lib = api.lib
    assert lib.pp_pipeline_name(e1) == b"resnet50-imagenet-eval"
    assert lib.pp_pipeline_input_color(e1) == b"RGB"
    assert json.loads(lib.pp_pipeline_canonical_json(e1))["steps"][1]["op"] == "center_crop"
    canonical = lib.pp_pipeline_canonical_json(e1)
    assert lib.pp_pipeline_fingerprint(e1).decode() == hashlib.sha256(canonical).hexdigest()
    assert lib.pp_pipeline_fingerprint(e1).decode() == pixelpact.fingerprint(CONTRACTS / "resnet50_imagenet_eval.json")
    channels, layout, size = ctypes.c_int(), ctypes.c_int(), ctypes.c_size_t()
    assert lib.pp_pipeline_input_channels(e1, ctypes.byref(channels)) == PP_OK and channels.value == 3
    assert lib.pp_pipeline_output_layout(e1, ctypes.byref(layout)) == PP_OK and layout.value == 1  # NCHW
    assert lib.pp_pipeline_output_bytes(e1, 480, 640, ctypes.byref(size)) == PP_OK and size.value == 602112
    assert api.shape(e1, 480, 640) == (1, 3, 224, 224)
    g = PPGeometry()
    assert lib.pp_pipeline_geometry(e1, 480, 640, ctypes.byref(g)) == PP_OK
    expected = pixelpact.load(CONTRACTS / "resnet50_imagenet_eval.json").geometry(480, 640)
    assert (g.output_height, g.output_width) == expected.output_size
    assert (g.scale_y, g.scale_x, g.offset_y, g.offset_x) == expected.scale + expected.offset
    assert (g.content_y0, g.content_x0, g.content_y1, g.content_x1) == expected.content
    assert lib.pp_status_name(PP_ERROR_BUFFER_TOO_SMALL) == b"PP_ERROR_BUFFER_TOO_SMALL"
    assert [lib.pp_dtype_size(d) for d in (1, 2, 3, 9)] == [1, 2, 4, 0]


def test_contract_errors(api):
    lib, handle = api.lib, P(1234)
    bad = b'{"pixelpact": 1, '
    assert lib.pp_pipeline_create(bad, len(bad), ctypes.byref(handle)) == PP_ERROR_INVALID_CONTRACT
    assert handle.value is None
    assert "not valid JSON" in api.error()
    doc = json.loads((CONTRACTS / "resnet50_imagenet_eval.json").read_text())
    doc["steps"][0]["interpolation"] = "trilinear"
    text = json.dumps(doc).encode()
    assert lib.pp_pipeline_create(text, len(text), ctypes.byref(handle)) == PP_ERROR_INVALID_CONTRACT
    assert lib.pp_last_error_path() == b"/steps/0/interpolation"
    assert api.error().startswith("/steps/0/interpolation: ") and "trilinear" in api.error()
    assert lib.pp_pipeline_create(None, 5, ctypes.byref(handle)) == PP_ERROR_INVALID_ARGUMENT
    assert "'contract_json' is NULL" in api.error()
    assert lib.pp_pipeline_create(text, len(text), None) == PP_ERROR_INVALID_ARGUMENT
    assert "'out' is NULL" in api.error()
    assert lib.pp_pipeline_create_from_file(b"/no/such.json", ctypes.byref(handle)) == PP_ERROR_INVALID_ARGUMENT
    assert "cannot open contract file '/no/such.json'" in api.error()


def test_run_errors(api, e1):
    lib = api.lib
    rgb = noise(30, 40)
    rgba = noise(30, 40, channels=4)
    out = np.full(1 * 3 * 224 * 224, 7.0, np.float32)
    assert lib.pp_pipeline_run(e1, rgba.ctypes.data, 30, 40, 4, 0, out.ctypes.data, out.nbytes) == \
        PP_ERROR_INVALID_ARGUMENT
    assert "input color RGB needs 3 channel(s), the image has 4" in api.error()
    assert lib.pp_pipeline_run(e1, rgb.ctypes.data, 30, 40, 3, 0, out.ctypes.data, out.nbytes - 4) == \
        PP_ERROR_BUFFER_TOO_SMALL
    assert "output buffer has 602108 bytes, the tensor needs 602112" in api.error()
    assert lib.pp_pipeline_run(e1, None, 30, 40, 3, 0, out.ctypes.data, out.nbytes) == PP_ERROR_INVALID_ARGUMENT
    assert "'pixels' is NULL" in api.error()
    assert lib.pp_pipeline_run(e1, rgb.ctypes.data, 30, 40, 3, 0, None, out.nbytes) == PP_ERROR_INVALID_ARGUMENT
    assert "'out' is NULL" in api.error()
    assert lib.pp_pipeline_run(None, rgb.ctypes.data, 30, 40, 3, 0, out.ctypes.data, out.nbytes) == \
        PP_ERROR_INVALID_ARGUMENT
    assert "'p' is NULL" in api.error()
    assert lib.pp_pipeline_run(e1, rgb.ctypes.data, -30, 40, 3, 0, out.ctypes.data, out.nbytes) == \
        PP_ERROR_INVALID_ARGUMENT
    assert "image is empty" in api.error()
    assert (out == 7.0).all(), "a failed run wrote into the buffer"
    assert lib.pp_pipeline_name(None) is None and "pp_pipeline_name" in api.error()
    assert lib.pp_pipeline_fingerprint(None) is None and "pp_pipeline_fingerprint" in api.error()


def test_strided_and_batch(api, e1):
    lib = api.lib
    big = noise(50, 70, seed=4)
    view = big[5:45:2, 60:3:-3]  # rows step 2, columns reversed step 3
    expected = pixelpact.load(CONTRACTS / "resnet50_imagenet_eval.json")(view)
    out = np.empty_like(expected)
    assert lib.pp_pipeline_run_strided(e1, view.ctypes.data, view.shape[0], view.shape[1], 3, *view.strides,
                                       out.ctypes.data, out.nbytes) == PP_OK, api.error()
    assert_same(out, expected)

    images = [noise(30, 40, seed=1), noise(300, 20, seed=2), noise(224, 224, seed=3)]
    n = len(images)
    batch = np.empty((n, 3, 224, 224), np.float32)
    pointers = (P * n)(*[img.ctypes.data for img in images])
    heights = (ctypes.c_int * n)(*[img.shape[0] for img in images])
    widths = (ctypes.c_int * n)(*[img.shape[1] for img in images])
    assert lib.pp_pipeline_run_batch(e1, n, pointers, heights, widths, 3, None, batch.ctypes.data,
                                     batch.nbytes) == PP_OK, api.error()
    assert_same(batch, pixelpact.load(CONTRACTS / "resnet50_imagenet_eval.json").batch(images))
    assert lib.pp_pipeline_run_batch(e1, n, pointers, heights, widths, 3, None, batch.ctypes.data,
                                     batch.nbytes - 1) == PP_ERROR_BUFFER_TOO_SMALL
    for threads in (0, 1, 2, 5):
        again = np.full_like(batch, -1)
        assert lib.pp_pipeline_run_batch_threads(e1, n, pointers, heights, widths, 3, None, threads,
                                                 again.ctypes.data, again.nbytes) == PP_OK, api.error()
        assert_same(again, batch)
    assert lib.pp_pipeline_run_batch_threads(e1, n, pointers, heights, widths, 3, None, -1, batch.ctypes.data,
                                             batch.nbytes) == PP_ERROR_INVALID_ARGUMENT
    assert "threads" in api.error()

    # One large image split across threads: the bytes of one thread.
    large = noise(1080, 1440, seed=6)[::-1]
    expected = pixelpact.load(CONTRACTS / "resnet50_imagenet_eval.json")(large)
    for threads in (0, 1, 2, 3):
        out = np.full_like(expected, -1)
        assert lib.pp_pipeline_run_threads(e1, large.ctypes.data, large.shape[0], large.shape[1], 3, *large.strides,
                                           threads, out.ctypes.data, out.nbytes) == PP_OK, api.error()
        assert_same(out, expected)
    assert lib.pp_pipeline_run_threads(e1, large.ctypes.data, large.shape[0], large.shape[1], 3, *large.strides,
                                       -2, out.ctypes.data, out.nbytes) == PP_ERROR_INVALID_ARGUMENT
    assert "threads" in api.error()


def test_last_error_is_per_thread(api):
    lib = api.lib
    handle = P()
    assert lib.pp_pipeline_create(b"[]", 2, ctypes.byref(handle)) == PP_ERROR_INVALID_CONTRACT
    mine = api.error()
    seen = {}

    def other():
        lib.pp_pipeline_create(None, 0, ctypes.byref(P()))
        seen["other"] = api.error()

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert "'contract_json' is NULL" in seen["other"]
    assert api.error() == mine


def test_one_handle_shared_by_threads(api, e1):
    """ctypes releases the GIL during the call: these runs overlap in C."""
    images = [noise(100 + 13 * i, 90 + 7 * i, seed=i) for i in range(8)]
    expected = [api.run(e1, img) for img in images]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda img: api.run(e1, img), images * 4))
    for i, got in enumerate(results):
        assert_same(got, expected[i % len(images)])


def test_encoded_image(api, e1):
    """The C ABI decodes what the Python package decodes, byte for byte."""
    from helpers.encoded import pillow_jpeg

    lib = api.lib
    assert lib.pp_decoders().decode() == pixelpact._native._core.decoders()
    data = pillow_jpeg(noise(37, 53, seed=9), quality=90)
    info = PPImageInfo()
    assert lib.pp_pipeline_image_info(e1, data, len(data), ctypes.byref(info)) == PP_OK, api.error()
    assert (info.height, info.width, info.orientation, info.format) == (37, 53, 1, b"jpeg")
    out = np.empty((1, 3, 224, 224), np.float32)
    assert lib.pp_pipeline_run_encoded(e1, data, len(data), out.ctypes.data, out.nbytes) == PP_OK, api.error()
    assert_same(out, pixelpact.load(CONTRACTS / "resnet50_imagenet_eval.json").run_encoded(data))
    assert lib.pp_pipeline_run_encoded(e1, data[:50], 50, out.ctypes.data, out.nbytes) == PP_ERROR_INVALID_ARGUMENT
    assert "JPEG" in api.error()
