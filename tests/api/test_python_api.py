"""Python API: image handling (strides, views, errors), batch, out=, threads."""
from __future__ import annotations

import json
import subprocess
import sys
import threading

import numpy as np
import pytest
from PIL import Image

import pixelpact
from helpers import assert_same, contract, noise

E1 = contract("resnet50_imagenet_eval")
E4 = contract("lanczos_uint8_bgr_hwc")
E5 = contract("rgba_box_64_chw")

GRAY_HWC = {"pixelpact": 1, "input": {"color": "GRAY"},
            "steps": [{"op": "resize", "size": [21, 34], "interpolation": "bicubic", "engine": "pillow"}],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def _e4_reference(rgb):
    return np.asarray(Image.fromarray(np.ascontiguousarray(rgb)).resize((480, 320), Image.LANCZOS))[..., ::-1]


@pytest.mark.parametrize("view", ["flip-y", "flip-x", "flip-both", "every-other-row", "every-other-col",
                                  "channel-flip", "window", "transposed", "fortran", "padded-rows"])
def test_strided_views(view):
    base = noise(211, 173, channels=3, seed=21)
    big = noise(300, 260, channels=4, seed=22)
    img = {
        "flip-y": base[::-1],
        "flip-x": base[:, ::-1],
        "flip-both": base[::-1, ::-1],
        "every-other-row": big[::2, :, :3],
        "every-other-col": big[:, ::2, 1:],
        "channel-flip": base[..., ::-1],
        "window": big[13:250, 7:199, :3],
        "transposed": base.transpose(1, 0, 2),
        "fortran": np.asfortranarray(base),
        "padded-rows": np.pad(base, ((0, 0), (0, 5), (0, 0)))[:, :173],
    }[view]
    assert not img.flags.c_contiguous
    assert_same(pixelpact.load(E4)(img), _e4_reference(img))


@pytest.mark.parametrize("shape", [(17, 29), (17, 29, 1)])
def test_gray_2d_and_3d(shape):
    gray = noise(17, 29, channels=0, seed=23).reshape(shape)
    expected = np.asarray(Image.fromarray(gray.reshape(17, 29)).convert("RGB").resize((34, 21), Image.BICUBIC))
    assert_same(pixelpact.load(GRAY_HWC)(gray), expected)


def test_image_errors():
    pipe = pixelpact.load(E1)
    with pytest.raises(TypeError, match="uint8"):
        pipe(np.zeros((10, 10, 3), np.float32))
    with pytest.raises(TypeError, match="uint8"):
        pipe(np.zeros((10, 10, 3), np.int8))
    with pytest.raises(TypeError, match="numpy array"):
        pipe("image.png")
    with pytest.raises(ValueError, match="needs 3 channel"):
        pipe(np.zeros((10, 10, 4), np.uint8))
    with pytest.raises(ValueError, match=r"shape \(height, width, 3\)"):
        pipe(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="shape"):
        pipe(np.zeros((2, 10, 10, 3), np.uint8))
    with pytest.raises(ValueError, match="empty"):
        pipe(np.zeros((0, 10, 3), np.uint8))
    with pytest.raises(ValueError, match="empty"):
        pipe(np.zeros((10, 0, 3), np.uint8))
    with pytest.raises(ValueError, match="needs 4 channel"):
        pixelpact.load(E5)(np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(ValueError, match="needs 1 channel"):
        pixelpact.load(GRAY_HWC)(np.zeros((10, 10, 3), np.uint8))


def test_core_rejects_bad_images_itself():
    """The compiled core checks images too (it is used without the Python layer)."""
    core = pixelpact.load(E1)._core
    with pytest.raises(pixelpact._core.CoreError, match="needs 3 channel"):
        core.run(np.zeros((5, 5, 4), np.uint8))
    with pytest.raises(TypeError):
        core.run(np.zeros((5, 5, 3), np.float64))
    with pytest.raises(pixelpact._core.CoreError, match="empty"):
        core.run(np.zeros((0, 5, 3), np.uint8))


def test_output_shape():
    pipe = pixelpact.load(E1)
    assert pipe.output_shape(480, 640) == (1, 3, 224, 224)
    assert pixelpact.load(E4).output_shape(1, 1) == (320, 480, 3)
    assert pixelpact.load(E5).output_shape(3, 3) == (3, 64, 64)
    doc = {**E4, "steps": [{"op": "resize", "size": 100, "interpolation": "box", "engine": "pillow"}]}
    assert pixelpact.load(doc).output_shape(500, 333) == (150, 100, 3)
    with pytest.raises(ValueError, match="positive"):
        pipe.output_shape(0, 5)


def test_properties():
    pipe = pixelpact.load(E1)
    assert pipe.name == "resnet50-imagenet-eval"
    assert pipe.dtype == np.float32 and pipe.layout == "NCHW" and pipe.input_color == "RGB"
    assert "resnet50" in repr(pipe)
    doc = pipe.contract
    doc["name"] = "changed"
    assert pipe.contract["name"] == "resnet50-imagenet-eval"


def test_batch():
    pipe = pixelpact.load(E1)
    images = [noise(480, 640, seed=1), noise(300, 200, seed=2), noise(224, 224, seed=3)[::-1]]
    batch = pipe.batch(images)
    assert batch.shape == (3, 3, 224, 224) and batch.dtype == np.float32
    for i, img in enumerate(images):
        assert_same(batch[i:i + 1], pipe(img))
    chw = pixelpact.load(E5).batch([noise(9, 9, 4), noise(90, 9, 4)])
    assert chw.shape == (2, 3, 64, 64)
    assert pixelpact.load(E4).batch(iter([noise(5, 5)])).shape == (1, 320, 480, 3)


def test_batch_errors():
    pipe = pixelpact.load({**E4, "steps": [{"op": "resize", "size": 10, "interpolation": "box", "engine": "pillow"}]})
    with pytest.raises(ValueError, match="image 1 gives"):
        pipe.batch([noise(20, 20), noise(20, 40)])
    with pytest.raises(ValueError, match="at least one"):
        pipe.batch([])
    with pytest.raises(TypeError, match="uint8"):
        pipe.batch([noise(20, 20), np.zeros((20, 20, 3))])


def test_out_argument():
    pipe = pixelpact.load(E1)
    img = noise(100, 120, seed=5)
    out = np.full((1, 3, 224, 224), np.nan, np.float32)
    assert pipe(img, out=out) is out
    assert_same(out, pipe(img))
    with pytest.raises(ValueError, match="shape"):
        pipe(img, out=np.empty((3, 224, 224), np.float32))
    with pytest.raises(TypeError, match="dtype"):
        pipe(img, out=np.empty((1, 3, 224, 224), np.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        pipe(img, out=np.empty((1, 3, 224, 448), np.float32)[..., ::2])
    ro = np.empty((1, 3, 224, 224), np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        pipe(img, out=ro)


def test_threads_share_one_pipeline():
    """One Pipeline called from many threads at once gives the single-thread bytes."""
    pipe = pixelpact.load(E1)
    images = [noise(200 + 37 * i, 300 - 23 * i, seed=i) for i in range(8)]
    expected = [pipe(img) for img in images]
    results = {}
    errors = []

    def work(t):
        try:
            for rep in range(5):
                for i, img in enumerate(images):
                    results[(t, rep, i)] = pipe(img)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 4 * 5 * 8
    for (t, rep, i), value in results.items():
        assert_same(value, expected[i])


@pytest.mark.slow  # times threads
def test_gil_is_released():
    """Another Python thread runs while the kernel does. The ticker thread is
    already spinning and waiting for the GIL when the call starts; with a long
    switch interval it can only tick during the call if the call releases the GIL."""
    import sys
    import time

    pipe = pixelpact.load({**E4, "steps": [{"op": "resize", "size": [1500, 1500], "interpolation": "lanczos",
                                             "engine": "pillow"}]}, isa="reference")
    img = noise(1400, 1300, seed=9)
    ticks = [0]
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks[0] += 1

    old = sys.getswitchinterval()
    sys.setswitchinterval(0.5)
    t = threading.Thread(target=ticker)
    t.start()
    try:
        while ticks[0] == 0:
            time.sleep(0.001)
        before = ticks[0]
        pipe(img)
        during = ticks[0] - before
    finally:
        done.set()
        t.join()
        sys.setswitchinterval(old)
    assert during > 0


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
def test_batch_threads_identical(threads):
    pipe = pixelpact.load(E1)
    images = [noise(150 + 13 * i, 170 - 7 * i, seed=40 + i) for i in range(11)]
    images[3] = images[3][::-1]
    expected = np.concatenate([pipe(img) for img in images])
    assert_same(pipe.batch(images, threads=threads), expected)


def test_batch_out_and_thread_errors():
    pipe = pixelpact.load(E4)
    images = [noise(20, 30, seed=i) for i in range(3)]
    out = np.empty((3, 320, 480, 3), np.uint8)
    assert pipe.batch(images, out=out, threads=2) is out
    assert_same(out, np.stack([pipe(img) for img in images]))
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="threads"):
            pipe.batch(images, threads=bad)
    with pytest.raises(ValueError, match="shape"):
        pipe.batch(images, out=np.empty((2, 320, 480, 3), np.uint8))


def test_concurrent_batches_share_the_pool():
    """Several Python threads run batches on the shared worker pool at once."""
    pipe = pixelpact.load(E1)
    images = [noise(120 + 9 * i, 140 + 5 * i, seed=60 + i) for i in range(6)]
    expected = pipe.batch(images, threads=1)
    results, errors = [], []

    def work():
        try:
            for _ in range(4):
                results.append(pipe.batch(images, threads=3))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 16
    for r in results:
        assert_same(r, expected)


_UPSCALE_THEN_SHRINK = {"pixelpact": 1, "input": {"color": "RGB"},
                        "steps": [{"op": "resize", "size": [6000, 6000], "interpolation": "nearest",
                                   "engine": "pillow"},
                                  {"op": "resize", "size": [32, 32], "interpolation": "bilinear",
                                   "engine": "pillow"}],
                        "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


@pytest.mark.slow  # allocates hundreds of MB
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_scratch_memory_is_returned_after_the_call():
    # A 108 MB intermediate image used to stay resident for the life of every thread
    # that ran it (issue 17, defect 4); threads keep at most 64 MiB between calls.
    code = """if True:
        import json, sys
        import numpy as np
        import pixelpact
        def resident():
            return int(open("/proc/self/statm").read().split()[1]) * 4096
        pipe = pixelpact.load(json.loads(sys.argv[1]))
        img = np.full((20, 20, 3), 7, np.uint8)
        before = resident()
        pipe(img)
        pipe.batch([img, img, img], threads=2)
        print((resident() - before) >> 20)
    """
    res = subprocess.run([sys.executable, "-c", code, json.dumps(_UPSCALE_THEN_SHRINK)], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr
    assert int(res.stdout) < 40, f"resident memory grew by {res.stdout.strip()} MB"


def test_limits_refuse_before_allocating():
    img = noise(10, 10)
    huge = {**_UPSCALE_THEN_SHRINK, "steps": [{**_UPSCALE_THEN_SHRINK["steps"][0], "size": [30000, 30000]},
                                               _UPSCALE_THEN_SHRINK["steps"][1]]}
    with pytest.raises(ValueError, match="max_intermediate_bytes"):
        pixelpact.load(huge)(img)  # 2.7 GB: refused by default
    with pytest.raises(ValueError, match="max_intermediate_bytes"):
        pixelpact.load(E1, max_intermediate_bytes=1000)(noise(40, 50))
    tight = pixelpact.load(E1, max_output_elements=3 * 224 * 224 - 1)
    with pytest.raises(ValueError, match="max_output_elements"):
        tight.output_shape(300, 300)
    with pytest.raises(ValueError, match="max_output_elements"):
        tight(noise(300, 300))
    assert pixelpact.load(E1, max_output_elements=3 * 224 * 224).output_shape(300, 300) == (1, 3, 224, 224)
    big = {**E1, "steps": [{"op": "resize", "size": [20000, 20000], "interpolation": "nearest",
                            "engine": "pillow"}], "output": {**E1["output"], "dtype": "uint8"}}
    with pytest.raises(ValueError, match="max_output_elements"):
        pixelpact.load(big).output_shape(10, 10)
    assert pixelpact.load(big, max_output_elements=0).output_shape(10, 10) == (1, 3, 20000, 20000)
    for bad in (-1, 1.5, True, "8"):
        with pytest.raises(ValueError, match="int >= 0"):
            pixelpact.load(E1, max_output_elements=bad)


def test_a_broken_install_says_so():
    """When the compiled core cannot be imported, `import pixelpact` raises the
    ImportError that says what to do (pixelpact._native imports _core first)."""
    code = (
        "import importlib.abc, sys\n"
        "class Broken(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'pixelpact._core':\n"
        "            raise ImportError('libpixelpact: simulated')\n"
        "sys.meta_path.insert(0, Broken())\n"
        "import pixelpact\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: pixelpact's compiled core (pixelpact._core) failed to import"), last
    assert "simulated" in last and "pip install ." in last
