"""Parity of the 'torch' resize engine with the real torchvision v2 / torch 2.14 on
uint8 tensors: every interpolation, with and without antialias, up- and
downscaling, hostile sizes, every input color, memory formats, and the usual
v2 eval pipeline end to end."""
from __future__ import annotations

import platform

import numpy as np
import pytest
import torch
from torchvision.transforms import InterpolationMode
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F

import pixelpact
from helpers import assert_same, noise

pytestmark = pytest.mark.slow  # a sweep: the fast subset leaves it out (CONTRIBUTING.md)

MODES = {
    "bilinear": InterpolationMode.BILINEAR,
    "bicubic": InterpolationMode.BICUBIC,
    "lanczos": InterpolationMode.LANCZOS,
    "nearest": InterpolationMode.NEAREST,
    "nearest-exact": InterpolationMode.NEAREST_EXACT,
}
# (interpolation, antialias): torchvision refuses lanczos without antialias.
DIALECTS = [(m, aa) for m in MODES for aa in (True, False) if not (m == "lanczos" and not aa)]

# (input h, w) -> (output h, w): 1-pixel, 1xN, Nx1, primes, extreme aspect ratios,
# up, down and mixed, one axis unchanged, and exact 2x upscales (torch's nearest
# takes i >> 1 there).
RESIZES = [
    ((1, 1), (1, 1)), ((1, 1), (7, 5)), ((1, 1), (1, 9)), ((1, 9), (3, 3)), ((9, 1), (2, 5)),
    ((1, 300), (1, 17)), ((300, 1), (17, 1)), ((1, 300), (4, 611)), ((2, 2), (3, 1)), ((5, 3), (1, 1)),
    ((4000, 30), (224, 224)), ((4000, 30), (100, 30)), ((30, 4000), (30, 100)), ((4000, 30), (57, 3)),
    ((97, 131), (224, 224)), ((131, 97), (61, 83)), ((101, 103), (107, 109)), ((256, 256), (255, 257)),
    ((480, 640), (240, 320)), ((480, 640), (256, 341)), ((480, 640), (133, 640)), ((480, 640), (480, 101)),
    ((500, 333), (384, 256)), ((17, 23), (400, 600)), ((1000, 999), (13, 997)), ((700, 50), (64, 48)),
    ((37, 53), (74, 106)), ((37, 53), (74, 53)), ((61, 2), (122, 4)), ((127, 251), (3, 509)),
]


def _torch_resize(img: np.ndarray, out_hw, mode: str, antialias: bool) -> np.ndarray:
    """torchvision v2 resize of a uint8 CHW tensor on CPU, back to HWC."""
    chw = torch.from_numpy(np.ascontiguousarray(img))
    chw = chw.unsqueeze(0) if chw.ndim == 2 else chw.permute(2, 0, 1)
    out = F.resize(chw, list(out_hw), MODES[mode], antialias=antialias)
    assert out.dtype == torch.uint8
    return out.permute(1, 2, 0).numpy()


def _doc(out_hw, mode, antialias, color="RGB"):
    step = {"op": "resize", "size": list(out_hw), "interpolation": mode, "engine": "torch", "antialias": antialias}
    return {"pixelpact": 1, "input": {"color": color}, "steps": [step],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def test_torch_takes_the_native_uint8_path():
    """The contract's meaning is torch's native uint8 kernels. torchvision v2 uses
    them for bilinear only on AVX2/AVX-512 x86 or arm64 CPUs (elsewhere it
    resizes float32 and rounds): on such a machine this test fails, meaningfully."""
    native = torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512") or platform.machine() in ("aarch64",
                                                                                                         "arm64")
    assert native, f"torch CPU capability {torch.backends.cpu.get_cpu_capability()}: v2 bilinear is not native uint8"
    assert torch.__version__.split("+")[0] == "2.14.1"


@pytest.mark.parametrize("mode,antialias", DIALECTS, ids=[f"{m}-aa{int(a)}" for m, a in DIALECTS])
@pytest.mark.parametrize("in_hw,out_hw", RESIZES, ids=[f"{a[0]}x{a[1]}-{b[0]}x{b[1]}" for a, b in RESIZES])
def test_resize_uint8(mode, antialias, in_hw, out_hw):
    img = noise(*in_hw, seed=len(mode) * 2 + antialias)
    assert_same(pixelpact.load(_doc(out_hw, mode, antialias))(img), _torch_resize(img, out_hw, mode, antialias))


@pytest.mark.parametrize("mode,antialias", DIALECTS, ids=[f"{m}-aa{int(a)}" for m, a in DIALECTS])
@pytest.mark.parametrize("color", ["BGR", "RGBA", "BGRA", "GRAY"])
@pytest.mark.parametrize("in_hw,out_hw", [((59, 83), (40, 131)), ((300, 7), (31, 2))], ids=["59x83", "300x7"])
def test_input_colors(mode, antialias, color, in_hw, out_hw):
    """Channels are independent in torch: a 1-, 3- or 4-channel tensor gives the
    same pixels per channel (torch's 4-channel AVX path included)."""
    if color == "GRAY":
        gray = noise(*in_hw, channels=0, seed=3)
        expected = np.repeat(_torch_resize(gray, out_hw, mode, antialias), 3, axis=2)
        image = gray
    else:
        four = noise(*in_hw, channels=4, seed=4)
        rgba_out = _torch_resize(four, out_hw, mode, antialias)  # resized as a 4-channel tensor
        expected = np.ascontiguousarray(rgba_out[..., :3])
        image = {"BGR": four[..., 2::-1], "RGBA": four, "BGRA": four[..., [2, 1, 0, 3]]}[color]
        if color == "BGR":
            assert_same(_torch_resize(four[..., :3], out_hw, mode, antialias), expected)
    assert_same(pixelpact.load(_doc(out_hw, mode, antialias, color))(image), expected)


@pytest.mark.parametrize("mode,antialias", DIALECTS, ids=[f"{m}-aa{int(a)}" for m, a in DIALECTS])
def test_channels_last_and_threads_agree(mode, antialias):
    """torch gives the same uint8 pixels for a contiguous and a channels_last
    tensor, and for 1 or 2 threads; the contract's meaning is that one result."""
    img = noise(211, 307, seed=9)
    out_hw = (97, 401)
    chw = torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0)
    contiguous = chw.contiguous()
    channels_last = chw.contiguous(memory_format=torch.channels_last)
    assert channels_last.is_contiguous(memory_format=torch.channels_last) and not channels_last.is_contiguous()
    results = []
    threads = torch.get_num_threads()
    try:
        for n in (1, 2):
            torch.set_num_threads(n)
            for t in (contiguous, channels_last):
                results.append(F.resize(t, list(out_hw), MODES[mode], antialias=antialias)[0].permute(1, 2, 0))
                # torch.nn.functional.interpolate is what v2 calls; same bytes.
                conv = mode in ("bilinear", "bicubic", "lanczos")  # interpolate refuses antialias for nearest
                direct = torch.nn.functional.interpolate(t, size=list(out_hw), mode=mode, antialias=antialias and conv,
                                                         align_corners=False if conv else None)
                results.append(direct[0].permute(1, 2, 0))
    finally:
        torch.set_num_threads(threads)
    mine = pixelpact.load(_doc(out_hw, mode, antialias))(img)
    for r in results:
        assert_same(mine, np.ascontiguousarray(r.numpy()))


def test_antialias_changes_pixels():
    """Guard that the sweep exercises both weight rules: a downscale differs."""
    img = noise(300, 200, seed=5)
    for mode in ("bilinear", "bicubic"):
        assert not np.array_equal(_torch_resize(img, (70, 90), mode, True), _torch_resize(img, (70, 90), mode, False))
        assert_same(pixelpact.load(_doc((70, 90), mode, False))(img), _torch_resize(img, (70, 90), mode, False))


def test_default_antialias_is_true():
    img = noise(123, 77, seed=6)
    doc = _doc((40, 30), "bicubic", True)
    del doc["steps"][0]["antialias"]
    assert_same(pixelpact.load(doc)(img), _torch_resize(img, (40, 30), "bicubic", True))


def test_differs_from_pillow_engine():
    """torch's int16 weights are not Pillow's 22-bit ones: the engines are distinct."""
    img = noise(480, 640, seed=8)
    doc = _doc((224, 224), "bilinear", True)
    torch_out = pixelpact.load(doc)(img)
    doc["steps"][0]["engine"] = "pillow"
    del doc["steps"][0]["antialias"]
    assert not np.array_equal(torch_out, pixelpact.load(doc)(img))


MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]

V2_E1 = {"pixelpact": 1, "name": "resnet50-v2-tensor-eval",
         "input": {"color": "RGB"},
         "steps": [
             {"op": "resize", "size": 256, "interpolation": "bilinear", "antialias": True, "engine": "torch"},
             {"op": "center_crop", "size": [224, 224]},
             {"op": "to_float", "dtype": "float32"},
             {"op": "mul", "value": 0.00392156862745098},
             {"op": "normalize", "mean": MEAN, "std": STD}],
         "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}

SIZES = [(480, 640), (333, 500), (199, 257), (37, 1000), (1000, 37), (1, 1), (1, 300), (250, 1), (97, 131),
         (700, 701), (256, 256), (224, 300)]


@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_v2_eval_pipeline(hw):
    """v2.Compose([Resize(256, BILINEAR, antialias=True), CenterCrop(224),
    ToDtype(float32, scale=True), Normalize]) on a uint8 CHW tensor."""
    rgb = noise(*hw, seed=10)
    ref = v2.Compose([v2.Resize(256, InterpolationMode.BILINEAR, antialias=True), v2.CenterCrop(224),
                      v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)])
    expected = ref(torch.from_numpy(rgb).permute(2, 0, 1)).unsqueeze(0).numpy()
    assert_same(pixelpact.load(V2_E1)(rgb), expected)


@pytest.mark.parametrize("mode,antialias", DIALECTS, ids=[f"{m}-aa{int(a)}" for m, a in DIALECTS])
@pytest.mark.parametrize("in_hw", [(480, 640), (640, 480), (3, 2000), (2000, 3), (255, 600)])
@pytest.mark.parametrize("size,max_size", [(256, None), (224, 300), (7, None)])
def test_shorter_side_rule_and_crop(mode, antialias, in_hw, size, max_size):
    """v2.Resize(int, max_size) on a tensor: the same truncating size rule."""
    rgb = noise(*in_hw, seed=size)
    step = {"op": "resize", "size": size, "interpolation": mode, "antialias": antialias, "engine": "torch"}
    if max_size:
        step["max_size"] = max_size
    doc = {"pixelpact": 1, "input": {"color": "BGR"},
           "steps": [step, {"op": "center_crop", "size": [200, 211]}],
           "output": {"layout": "CHW", "dtype": "uint8", "color": "RGB"}}
    ref = v2.Compose([v2.Resize(size, MODES[mode], max_size=max_size, antialias=antialias), v2.CenterCrop((200, 211))])
    pipe = pixelpact.load(doc)
    try:
        expected = ref(torch.from_numpy(rgb).permute(2, 0, 1)).numpy()
    except (ValueError, RuntimeError):  # the size rule reached 0 pixels: torch refuses, so must we
        with pytest.raises(ValueError, match="resize step 0 maps"):
            pipe(rgb[..., ::-1])
        return
    assert_same(pipe(np.ascontiguousarray(rgb[..., ::-1])), expected)
