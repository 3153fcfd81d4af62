"""One image on several threads: pipe(img, threads=N) splits the output rows
into bands, each computed from its own window of the input. The bytes must be
those of one pass on the calling thread for every contract, size, view and
thread count, and a split must never change which images are refused.

Bands are only made when each gets enough pixels to repay waking a pool thread
(256K, input read + output); these tests lower that to 4096 with
PIXELPACT_MIN_BAND_PIXELS, so that every image here splits into as many bands as
threads (64 threads make bands a few rows high). The default is checked by the
C++ unit test."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

import pixelpact
from helpers import assert_same, contract, noise

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = {"RGB": 3, "BGR": 3, "RGBA": 4, "BGRA": 4, "GRAY": 1}


@pytest.fixture(autouse=True)
def small_bands(monkeypatch):
    monkeypatch.setenv("PIXELPACT_MIN_BAND_PIXELS", "4096")


def _contracts():
    """Every conformance contract and every named test contract."""
    found = []
    for path in sorted((ROOT / "conformance").glob("*.json")) + sorted((ROOT / "contracts").glob("*.json")):
        doc = json.loads(path.read_text())
        found.append(pytest.param(doc, id=path.stem))
    return found


def _image(doc: dict, height: int, width: int, seed: int) -> np.ndarray:
    channels = CHANNELS[doc["input"].get("color", "RGB")]
    img = noise(height, width, channels=channels, seed=seed)
    return img[..., 0] if channels == 1 else img


# (height, width): downscale, upscale-ish, odd sizes, extreme aspect ratios.
SIZES = [(1080, 1441), (613, 419), (257, 1031), (2047, 61), (37, 5003)]


@pytest.mark.parametrize("doc", _contracts())
def test_every_contract_gives_the_same_bytes_on_any_thread_count(doc):
    pipe = pixelpact.Pipeline(doc)
    for i, (h, w) in enumerate(SIZES):
        img = _image(doc, h, w, seed=i)
        try:
            expected = pipe(img)
        except ValueError:
            # The contract refuses this size (e.g. a crop larger than the image): so must every split.
            for threads in (2, 3, None):
                with pytest.raises(ValueError):
                    pipe(img, threads=threads)
            continue
        for threads in (2, 3, 8, 64, None):
            assert_same(pipe(img, threads=threads), expected)


@pytest.mark.parametrize("view", ["flip-y", "flip-x", "every-other-row", "channel-stride", "out"])
def test_views_and_out_on_several_threads(view):
    pipe = pixelpact.Pipeline(contract("resnet50_imagenet_eval"))
    base = noise(1200, 1700, channels=4, seed=3)
    img = {
        "flip-y": base[::-1, :, :3],
        "flip-x": base[:, ::-1, 1:],
        "every-other-row": base[::2, :, :3],
        "channel-stride": np.moveaxis(np.ascontiguousarray(np.moveaxis(base[..., :3], -1, 0)), 0, -1),
        "out": base[..., :3],
    }[view]
    expected = pipe(np.ascontiguousarray(img))
    if view == "out":
        out = np.full_like(expected, 7)
        assert pipe(img, out=out, threads=2) is out
        assert_same(out, expected)
    else:
        assert_same(pipe(img, threads=3), expected)


@pytest.mark.parametrize("layout", ["NCHW", "NHWC", "CHW", "HWC"])
@pytest.mark.parametrize("dtype", ["uint8", "float16", "float32"])
def test_band_writer_every_layout_and_dtype(layout, dtype):
    """Bands write at their row offset in every plane (planar) or row (interleaved),
    including the direct write of the last resize into an HWC uint8 tensor; a
    pad step puts some bands entirely in the padding."""
    doc = {"pixelpact": 1, "input": {"color": "BGR"},
           "steps": [{"op": "resize", "size": [301, 517], "interpolation": "bicubic", "engine": "pillow"},
                     {"op": "pad", "top": 157, "bottom": 3, "left": 9, "right": 0, "value": [1, 2, 3]}],
           "output": {"layout": layout, "dtype": dtype, "color": "RGB"}}
    try:
        pipe = pixelpact.Pipeline(doc)
    except pixelpact.ContractError:
        doc["steps"].pop()  # no pad step in this contract version: the resize alone
        pipe = pixelpact.Pipeline(doc)
    img = noise(900, 1400, channels=3, seed=5)
    expected = pipe(img)
    for threads in (2, 5, 16):
        assert_same(pipe(img, threads=threads), expected)


def test_engines_split_identically():
    """Each engine's resize stage computes exactly the rows a band asks for."""
    base = {"pixelpact": 1, "input": {"color": "RGB"}, "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}
    steps = [
        {"op": "resize", "size": [333, 251], "interpolation": "bilinear", "engine": "opencv"},
        {"op": "resize", "size": [333, 251], "interpolation": "area", "engine": "opencv"},
        {"op": "resize", "size": [333, 251], "interpolation": "bicubic", "engine": "opencv"},
        {"op": "resize", "size": [333, 251], "interpolation": "bilinear", "engine": "torch", "antialias": True},
        {"op": "resize", "size": [333, 251], "interpolation": "bicubic", "engine": "torch", "antialias": False},
        {"op": "resize", "size": [333, 251], "interpolation": "nearest", "engine": "pillow"},
        {"op": "resize", "size": [333, 251], "interpolation": "lanczos", "engine": "pillow"},
        {"op": "resize", "size": [1999, 1501], "interpolation": "bilinear", "engine": "pillow"},
        {"op": "resize", "size": [333, 251], "interpolation": "nearest", "engine": "tensorflow"},
    ]
    img = noise(1111, 977, channels=3, seed=9)
    for step in steps:
        try:
            pipe = pixelpact.Pipeline({**base, "steps": [step, {"op": "center_crop", "size": [301, 211]}]})
        except pixelpact.ContractError as err:
            pytest.fail(f"{step}: {err}")
        expected = pipe(img)
        for threads in (2, 3, 7):
            assert_same(pipe(img, threads=threads), expected)


def test_a_split_never_changes_which_images_are_refused():
    """max_intermediate_bytes bounds each buffer of a run; a band's buffers are
    smaller, so an image the whole run refuses must not pass when split."""
    doc = contract("resnet50_imagenet_eval")
    img = noise(1500, 2000, channels=3, seed=1)
    whole_needs = None
    for limit in (64 << 10, 256 << 10, 1 << 20, 4 << 20, 64 << 20):
        pipe = pixelpact.Pipeline(doc, max_intermediate_bytes=limit)
        try:
            expected = pipe(img)
        except ValueError as err:
            assert "max_intermediate_bytes" in str(err) or "intermediate" in str(err)
            for threads in (2, 4, None):
                with pytest.raises(ValueError):
                    pipe(img, threads=threads)
            whole_needs = limit
            continue
        for threads in (2, 4, None):
            assert_same(pipe(img, threads=threads), expected)
    assert whole_needs is not None, "no limit refused the image: the test proves nothing"


def test_premultiplied_alpha_runs_whole():
    doc = contract("rgba_box_64_chw")
    pipe = pixelpact.Pipeline(doc)
    img = noise(1024, 1024, channels=4, seed=2)
    assert_same(pipe(img, threads=4), pipe(img))


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_thread_counts_are_refused(bad):
    pipe = pixelpact.Pipeline(contract("resnet50_imagenet_eval"))
    with pytest.raises(ValueError, match="threads"):
        pipe(noise(64, 64), threads=bad)


def test_callers_on_several_threads_each_splitting():
    """Several Python threads each split their image on the shared pool at once."""
    pipe = pixelpact.Pipeline(contract("resnet50_imagenet_eval"))
    images = [noise(900 + 7 * i, 1300 - 11 * i, seed=i) for i in range(6)]
    expected = [pipe(img) for img in images]
    failures = []

    def work(i: int) -> None:
        for _ in range(5):
            if not np.array_equal(pipe(images[i], threads=2), expected[i]):
                failures.append(i)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(len(images))]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert failures == []
