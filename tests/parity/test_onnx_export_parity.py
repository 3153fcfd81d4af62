"""Exported ONNX graphs run in onnxruntime equal the REAL training library, bit for
bit (np.array_equal, dtype and shape): every engine, filter, mode and release
line, the geometry rules, alpha policies, the float resize and the output forms,
on real photographs and noise at hostile sizes (1x1, 1xN, Nx1, primes, shapes that
switch Pillow's pass order, extreme aspect ratios, 4K). One graph per contract
serves every input size."""
from __future__ import annotations

import subprocess

import cv2
import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode
from torchvision.transforms.v2 import functional as F2

import pixelpact
import pixelpact.onnx as ppx
from helpers import CONFORMANCE, assert_same, noise, reference_environment
from helpers.onnx_models import Exported, photo_4k, photos

pytestmark = pytest.mark.slow  # a sweep of exported graphs in onnxruntime: the fast subset leaves it out

PIL_FILTERS = {"nearest": Image.NEAREST, "box": Image.BOX, "bilinear": Image.BILINEAR,
               "hamming": Image.HAMMING, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}
# Inputs of a resize to a fixed 41x23: up and down, 1-pixel sides, primes, extreme
# aspect ratios, and shapes where Pillow 13 (300x40, 2000x19) and 12.2 (2000x19,
# 4000x30) resample vertically first.
HOSTILE = [(1, 1), (1, 37), (37, 1), (2, 3), (97, 131), (131, 97), (7, 300), (300, 7), (300, 40), (2000, 19),
           (4000, 30), (41, 23)]
OUT_HW = (41, 23)
HWC_U8 = {"layout": "HWC", "dtype": "uint8", "color": "RGB"}
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def contract(steps, color="RGB", output=None, **input_fields):
    return {"pixelpact": 1, "input": {"color": color, **input_fields}, "steps": steps, "output": output or HWC_U8}


def resize(size, interpolation, engine, **extra):
    return {"op": "resize", "size": size, "interpolation": interpolation, "engine": engine, **extra}


def refused(pipe, img) -> bool:
    """pixelpact refuses this input size (a side would reach 0 pixels, a float crop
    would pad): the graph's output is then unspecified, as documented."""
    try:
        pipe.output_shape(*img.shape[:2])
        return False
    except ValueError:
        return True


def hostile_images():
    for i, hw in enumerate(HOSTILE):
        yield f"noise{hw[0]}x{hw[1]}", noise(*hw, seed=i)
    yield "chelsea", photos()["chelsea"]


# ---- Pillow ---------------------------------------------------------------------------

PILLOW_LINES = {"12.1": "12.1.1", "12.2": "12.2.0"}
WORKER = r"""
import sys, numpy as np
from PIL import Image
data = np.load(sys.argv[1])
out = {}
for key in data.files:
    if key.startswith("in_"):
        for name, f in (("nearest", 0), ("box", 4), ("bilinear", 2), ("hamming", 5), ("bicubic", 3), ("lanczos", 1)):
            out[name + "_" + key[3:]] = np.asarray(Image.fromarray(data[key]).resize((23, 41), f))
np.savez(sys.argv[2], **out)
"""


@pytest.fixture(scope="module")
def older_pillow(tmp_path_factory):
    """Pillow 12.1 and 12.2 (separate virtual environments) on the hostile images."""
    images = dict(hostile_images())
    tmp = tmp_path_factory.mktemp("older-pillow")
    np.savez(tmp / "in.npz", **{"in_" + k: v for k, v in images.items()})
    expected = {}
    for line, release in PILLOW_LINES.items():
        python = reference_environment(f"pillow-{release}", f"pillow=={release}")
        subprocess.run([str(python), "-c", WORKER, str(tmp / "in.npz"), str(tmp / f"{line}.npz")], check=True)
        expected[line] = dict(np.load(tmp / f"{line}.npz"))
    return images, expected


@pytest.mark.parametrize("name", list(PIL_FILTERS))
def test_pillow_13_every_filter(name):
    graph = Exported(contract([resize(list(OUT_HW), name, "pillow")]))
    for label, img in hostile_images():
        expected = np.asarray(Image.fromarray(img).resize(OUT_HW[::-1], PIL_FILTERS[name]))
        assert_same(graph(img), expected)


@pytest.mark.parametrize("line", list(PILLOW_LINES))
def test_older_pillow_lines(line, older_pillow):
    images, expected = older_pillow
    differs_from_13 = 0
    for name in PIL_FILTERS:
        graph = Exported(contract([resize(list(OUT_HW), name, "pillow", version=line)]))
        for label, img in images.items():
            assert_same(graph(img), expected[line][f"{name}_{label}"])
            current = np.asarray(Image.fromarray(img).resize(OUT_HW[::-1], PIL_FILTERS[name]))
            differs_from_13 += not np.array_equal(current, expected[line][f"{name}_{label}"])
    assert differs_from_13 > 0, "the cases include shapes where the release lines disagree"


@pytest.mark.parametrize("name", ["bilinear", "bicubic", "lanczos", "hamming", "box", "nearest"])
def test_torchvision_pipeline_on_photos_up_to_4k(name):
    """Resize(256) + CenterCrop(224) + ToTensor + Normalize on PIL images: the ImageNet
    pipeline, on photographs from 300x451 to 2160x3840."""
    doc = contract([resize(256, name, "pillow"), {"op": "center_crop", "size": [224, 224]},
                    {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                    {"op": "normalize", "mean": MEAN, "std": STD}],
                   output={"layout": "NCHW", "dtype": "float32", "color": "RGB"})
    reference = T.Compose([T.Resize(256, PIL_FILTERS[name]), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])
    graph = Exported(doc)
    images = list(photos().values()) + [photo_4k()]
    for img in images:
        assert_same(graph(img), reference(Image.fromarray(img)).unsqueeze(0).numpy())


# ---- torch (torchvision v2 on uint8 tensors) ---------------------------------------------

TORCH_MODES = [("bilinear", True), ("bilinear", False), ("bicubic", True), ("bicubic", False), ("lanczos", True),
               ("nearest", False), ("nearest-exact", False)]
TV_MODES = {"bilinear": InterpolationMode.BILINEAR, "bicubic": InterpolationMode.BICUBIC,
            "lanczos": InterpolationMode.LANCZOS, "nearest": InterpolationMode.NEAREST,
            "nearest-exact": InterpolationMode.NEAREST_EXACT}


@pytest.mark.parametrize("name,antialias", TORCH_MODES, ids=[f"{m}-aa{int(a)}" for m, a in TORCH_MODES])
def test_torch_uint8_every_mode(name, antialias, torch_single_thread):
    for size in (list(OUT_HW), 50):
        graph = Exported(contract([resize(size, name, "torch", antialias=antialias)]))
        for label, img in hostile_images():
            chw = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
            out = F2.resize(chw, size if isinstance(size, list) else [size], TV_MODES[name], antialias=antialias)
            assert_same(graph(img), out.permute(1, 2, 0).numpy())


# ---- OpenCV -------------------------------------------------------------------------------

CV_MODES = {"nearest": cv2.INTER_NEAREST, "nearest-exact": cv2.INTER_NEAREST_EXACT, "bilinear": cv2.INTER_LINEAR,
            "bilinear-exact": cv2.INTER_LINEAR_EXACT, "bicubic": cv2.INTER_CUBIC, "area": cv2.INTER_AREA,
            "lanczos4": cv2.INTER_LANCZOS4}
# dsize, shorter side, and fx/fy (including exact halves: INTER_AREA's fast path,
# which also replaces LINEAR and LINEAR_EXACT at 1/2; and mixed up/down factors).
CV_FORMS = [{"size": list(OUT_HW)}, {"size": 50}, {"scale": 0.5}, {"scale": [0.37, 2.5]}, {"scale": 0.25},
            {"scale": [1.0, 0.333]}]
CV_IMAGES = HOSTILE[:-3] + [(64, 64), (128, 96), (41, 23), (100, 200)]


@pytest.fixture
def opencv_own_code():
    """The contract means OpenCV's own code (IPP off), one thread."""
    ipp, threads = cv2.ipp.useIPP(), cv2.getNumThreads()
    cv2.ipp.setUseIPP(False)
    cv2.setNumThreads(1)
    yield
    cv2.ipp.setUseIPP(ipp)
    cv2.setNumThreads(threads)


def _cv2_resize(img, form, flag):
    if "scale" in form:
        fy, fx = form["scale"] if isinstance(form["scale"], list) else (form["scale"],) * 2
        return cv2.resize(img, None, fx=fx, fy=fy, interpolation=flag)
    size = form["size"]
    if isinstance(size, int):
        h, w = img.shape[:2]
        short, long = (h, w) if h <= w else (w, h)
        other = int(size * long / short)
        size = [size, other] if h <= w else [other, size]
    return cv2.resize(img, (size[1], size[0]), interpolation=flag)


@pytest.mark.parametrize("name", list(CV_MODES))
def test_opencv_every_mode(name, opencv_own_code):
    for form in CV_FORMS:
        doc = contract([{"op": "resize", "interpolation": name, "engine": "opencv", **form}])
        pipe, graph = pixelpact.load(doc), Exported(doc)
        for i, hw in enumerate(CV_IMAGES):
            img = noise(*hw, seed=i)
            if refused(pipe, img):  # a side rounds to 0 pixels: cv2 refuses too
                continue
            assert_same(graph(img), _cv2_resize(img, form, CV_MODES[name]))
    gray = Exported(contract([resize(list(OUT_HW), name, "opencv")], color="GRAY"))
    img = noise(97, 131, channels=0, seed=3)
    expected = cv2.resize(img, OUT_HW[::-1], interpolation=CV_MODES[name])
    assert_same(gray(img), np.repeat(expected[..., None], 3, axis=2))


CV4_WORKER = r"""
import sys, numpy as np, cv2
cv2.ipp.setUseIPP(False)
data = np.load(sys.argv[1])
np.savez(sys.argv[2], **{k: cv2.resize(data[k], (23, 41), interpolation=cv2.INTER_NEAREST_EXACT) for k in data.files})
"""


def test_opencv_4_nearest_exact(tmp_path):
    images = {f"i{i}": noise(*hw, seed=i) for i, hw in enumerate(HOSTILE)}
    np.savez(tmp_path / "in.npz", **images)
    python = reference_environment("opencv-4.12.0.88", "opencv-python-headless==4.12.0.88")
    subprocess.run([str(python), "-c", CV4_WORKER, str(tmp_path / "in.npz"), str(tmp_path / "out.npz")], check=True)
    expected = np.load(tmp_path / "out.npz")
    graph = Exported(contract([resize(list(OUT_HW), "nearest-exact", "opencv", version="4")]))
    for key, img in images.items():
        assert_same(graph(img), expected[key])


# ---- geometry rules, through the libraries that define them -------------------------------

def test_timm_keep_ratio_and_border_crops():
    import timm.data

    for cfg in [{"input_size": (3, 160, 192), "interpolation": "bicubic", "crop_pct": 0.95},
                {"input_size": (3, 64, 80), "interpolation": "bilinear", "crop_pct": 0.8, "crop_mode": "border",
                 "mean": (0.48145466, 0.4578275, 0.40821073), "std": (0.26862954, 0.26130258, 0.27577711)},
                {"input_size": (3, 64, 64), "interpolation": "bicubic", "crop_pct": 1.0, "crop_mode": "squash"}]:
        transform = timm.data.create_transform(**timm.data.resolve_data_config({}, pretrained_cfg=cfg))
        graph = Exported(pixelpact.from_timm(cfg))
        for label, img in hostile_images():
            assert_same(graph(img), transform(Image.fromarray(img)).numpy())


@pytest.mark.parametrize("backend", ["pil", "torchvision"])
def test_hugging_face_processors(backend, torch_single_thread):
    """center_crop rules hf_pil / hf_torchvision (a crop larger than the image pads),
    float64 rescale then float32 normalize, torch-engine resizes."""
    import transformers

    for config in [{"size": {"shortest_edge": 20}, "crop_size": {"height": 31, "width": 17}, "resample": 2},
                   {}]:
        cls = transformers.CLIPImageProcessorPil if backend == "pil" else transformers.CLIPImageProcessor
        processor = cls(**config)
        graph = Exported(pixelpact.from_hf(processor))
        for label, img in hostile_images():
            tensors = "np" if backend == "pil" else "pt"
            expected = processor(Image.fromarray(img), return_tensors=tensors)["pixel_values"]
            assert_same(graph(img), np.asarray(expected))


def test_ultralytics_letterbox():
    from ultralytics.data.augment import LetterBox

    for imgsz, auto, stride, scaleup in [((64, 64), False, 32, True), ((64, 48), True, 32, True),
                                         ((40, 72), True, 8, False)]:
        graph = Exported(pixelpact.from_ultralytics(imgsz, stride=stride, auto=auto, scaleup=scaleup))
        for label, img in hostile_images():
            boxed = LetterBox(imgsz, auto=auto, stride=stride, scaleup=scaleup)(image=img)
            expected = np.ascontiguousarray(boxed[..., ::-1].transpose(2, 0, 1))[None].astype(np.float32) / 255
            assert_same(graph(img), expected)


def test_cv2_dnn_blobs():
    mean = (104.0, 117.0, 123.0)
    for target in [(40, 30), (30, 40), (224, 224)]:
        cropped = Exported(pixelpact.from_opencv_blob(1 / 255, target[::-1], mean, swapRB=True, crop=True))
        for label, img in hostile_images():
            expected = cv2.dnn.blobFromImage(img, 1 / 255, target[::-1], mean, swapRB=True, crop=True)
            assert_same(cropped(img), expected)
        boxed = Exported(contract([{"op": "letterbox", "size": list(target), "rule": "blob", "fill": 114},
                                   {"op": "to_float", "dtype": "float32"}, {"op": "sub", "value": list(mean)},
                                   {"op": "mul", "value": 1 / 255}], color="BGR",
                                  output={"layout": "NCHW", "dtype": "float32", "color": "BGR"}))
        params = cv2.dnn.Image2BlobParams()
        params.scalefactor, params.size, params.mean = (1 / 255,) * 3, target[::-1], mean
        params.ddepth, params.datalayout = cv2.CV_32F, cv2.DNN_LAYOUT_NCHW
        params.paddingmode, params.borderValue = cv2.dnn.DNN_PMODE_LETTERBOX, (114,) * 4
        for label, img in hostile_images():
            try:
                expected = cv2.dnn.blobFromImageWithParams(img, params)
            except cv2.error:  # a side truncates to 0 pixels
                continue
            assert_same(boxed(img), expected)


def test_torchvision_crop_pad_and_size_rules(torch_single_thread):
    """crop (outside the image too), pad, center crops larger than the image,
    max_size, and v2's Resize(None, max_size) on uint8 tensors."""
    from torchvision.transforms import functional as TF

    pipelines = [
        ([resize(48, "bicubic", "pillow", max_size=64), {"op": "center_crop", "size": [60, 50]}],
         T.Compose([T.Resize(48, InterpolationMode.BICUBIC, max_size=64), T.CenterCrop((60, 50))])),
        ([{"op": "pad", "padding": [1, 2, 3, 4], "fill": [7, 8, 9]}, resize([30, 20], "lanczos", "pillow")],
         T.Compose([T.Pad([1, 2, 3, 4], fill=(7, 8, 9)), T.Resize((30, 20), InterpolationMode.LANCZOS)])),
        ([{"op": "crop", "top": -3, "left": 5, "height": 40, "width": 7}],
         lambda im: TF.crop(im, -3, 5, 40, 7)),
    ]
    for steps, reference in pipelines:
        graph, pipe = Exported(contract(steps)), pixelpact.load(contract(steps))
        for label, img in hostile_images():
            if refused(pipe, img):  # max_size truncates a side to 0 pixels (torchvision fails too)
                continue
            assert_same(graph(img), np.asarray(reference(Image.fromarray(img))))
    doc = contract([resize(40, "bilinear", "torch", keep_ratio="longer")])
    longer, pipe = Exported(doc), pixelpact.load(doc)
    for label, img in hostile_images():
        if refused(pipe, img):  # the shorter side truncates to 0 pixels
            continue
        chw = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        expected = F2.resize(chw, None, InterpolationMode.BILINEAR, max_size=40, antialias=True)
        assert_same(longer(img), expected.permute(1, 2, 0).numpy())


# ---- alpha --------------------------------------------------------------------------------

def rgba_noise(h, w, seed):
    img = noise(h, w, channels=4, seed=seed)
    pick = np.random.default_rng(seed).integers(0, 4, size=(h, w))
    img[..., 3] = np.where(pick == 0, 0, np.where(pick == 1, 255, img[..., 3]))
    return img


@pytest.mark.parametrize("name", list(PIL_FILTERS))
def test_rgba_premultiplied_resize(name):
    graph = Exported(contract([resize(list(OUT_HW), name, "pillow")], color="BGRA", alpha="premultiply"))
    for i, hw in enumerate(HOSTILE):
        rgba = rgba_noise(*hw, seed=i)
        expected = np.asarray(Image.fromarray(rgba).resize(OUT_HW[::-1], PIL_FILTERS[name]).convert("RGB"))
        assert_same(graph(np.ascontiguousarray(rgba[..., [2, 1, 0, 3]])), expected)


def test_rgba_composite_and_drop():
    for background in ([255, 255, 255], [10, 200, 30]):
        composite = Exported(contract([resize([30, 20], "bicubic", "pillow")], color="RGBA", alpha="composite",
                                      background=background))
        drop = Exported(contract([resize([30, 20], "bicubic", "pillow")], color="RGBA"))
        for i, hw in enumerate(HOSTILE):
            rgba = rgba_noise(*hw, seed=i)
            im = Image.fromarray(rgba)
            canvas = Image.new("RGBA", im.size, tuple(background) + (255,))
            expected = Image.alpha_composite(canvas, im).convert("RGB").resize((20, 30), Image.BICUBIC)
            assert_same(composite(rgba), np.asarray(expected))
            assert_same(drop(rgba), np.asarray(im.convert("RGB").resize((20, 30), Image.BICUBIC)))


# ---- float resize (torchvision v1 on float tensors) ------------------------------------------

FLOAT_MODES = [("bilinear", True), ("bilinear", False), ("bicubic", True), ("bicubic", False)]


@pytest.fixture
def torch_default_threads():
    """The contract's configuration: torch's default (multi-threaded) kernels."""
    if torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"):
        pytest.skip("the float resize means torch's AVX2/AVX-512 kernels")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("name,antialias", FLOAT_MODES, ids=[f"{m}-aa{int(a)}" for m, a in FLOAT_MODES])
def test_float_resize_torchvision_v1(name, antialias, torch_default_threads):
    """T.Compose([ToTensor, Resize, CenterCrop, Normalize]): torch's fused multiply-adds, exactly."""
    for size, crop in [(50, 40), ([41, 23], 20), ([8, 9], 8)]:
        doc = contract([{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                        resize(size, name, "torch", antialias=antialias), {"op": "center_crop", "size": crop},
                        {"op": "normalize", "mean": MEAN, "std": STD}],
                       output={"layout": "CHW", "dtype": "float32", "color": "RGB"})
        reference = T.Compose([T.ToTensor(), T.Resize(size, TV_MODES[name], antialias=antialias), T.CenterCrop(crop),
                               T.Normalize(MEAN, STD)])
        graph = Exported(doc)
        pipe = pixelpact.load(doc)
        for label, img in hostile_images():
            if refused(pipe, img):  # the crop is larger than the resized image: v1 float contracts refuse
                continue
            assert_same(graph(img), reference(Image.fromarray(img)).numpy())


def test_float_area_resize(torch_default_threads):
    doc = contract([{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                    resize([13, 7], "area", "torch")], output={"layout": "CHW", "dtype": "float16", "color": "BGR"})
    graph = Exported(doc)
    for label, img in hostile_images():
        t = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float().div(255)
        out = torch.nn.functional.interpolate(t[None], size=(13, 7), mode="area")[0].flip(0).half()
        assert_same(graph(img), out.numpy())


# ---- outputs, input colours, optimizations, fixed sizes -----------------------------------------

@pytest.mark.parametrize("layout", ["NCHW", "NHWC", "CHW", "HWC"])
@pytest.mark.parametrize("dtype", ["float32", "float16", "uint8"])
def test_output_forms_and_bgr_input(layout, dtype):
    steps = [resize([30, 20], "bilinear", "pillow")]
    if dtype != "uint8":
        steps += [{"op": "to_float", "dtype": "float64"}, {"op": "mul", "value": 1 / 255},
                  {"op": "cast", "dtype": "float32"}, {"op": "normalize", "mean": MEAN, "std": STD}]
    graph = Exported(contract(steps, color="BGR", output={"layout": layout, "dtype": dtype, "color": "RGB"}))
    for label, img in hostile_images():
        rgb = np.asarray(Image.fromarray(img).resize((20, 30), Image.BILINEAR))
        x = rgb.astype(np.float64) * (1 / 255) if dtype != "uint8" else rgb
        if dtype != "uint8":
            x = ((x.astype(np.float32) - np.float32(MEAN)) / np.float32(STD)).astype(dtype)
        chw = x.transpose(2, 0, 1)
        expected = {"NCHW": chw[None], "NHWC": x[None], "CHW": chw, "HWC": x}[layout]
        assert_same(graph(np.ascontiguousarray(img[..., ::-1])), np.ascontiguousarray(expected))


def test_graph_semantics_without_onnxruntime_optimizations(torch_default_threads, opencv_own_code):
    """The graphs are exact as written, not thanks to (or despite) onnxruntime's
    rewrites: the real library's bytes with every graph optimization off too, and
    at the oldest supported opset."""
    def torch_float(img):
        t = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float()
        return torch.nn.functional.interpolate(t[None], size=(41, 23), mode="bicubic", antialias=True,
                                               align_corners=False)[0].numpy()

    cases = [
        (contract([resize(list(OUT_HW), "lanczos", "pillow")]),
         lambda img: np.asarray(Image.fromarray(img).resize(OUT_HW[::-1], Image.LANCZOS))),
        (contract([{"op": "resize", "scale": [0.37, 2.5], "interpolation": "bilinear", "engine": "opencv"}]),
         lambda img: cv2.resize(img, None, fx=2.5, fy=0.37, interpolation=cv2.INTER_LINEAR)),
        (contract([{"op": "to_float", "dtype": "float32"}, resize([41, 23], "bicubic", "torch", antialias=True)],
                  output={"layout": "CHW", "dtype": "float32", "color": "RGB"}), torch_float),
    ]
    for doc, reference in cases:
        pipe = pixelpact.load(doc)
        for graph in (Exported(doc), Exported(doc, opset=13)):
            for label, img in hostile_images():
                if refused(pipe, img):
                    continue
                expected = reference(img)
                assert_same(graph(img, optimized=False), expected)
                assert_same(graph(img), expected)


def test_fixed_size_exports_are_exact_for_trigonometric_filters():
    """With a fixed input size the Sin/Cos weights are computed at export time with
    the C library, as Pillow, torch and OpenCV do: exact, and said so."""
    img = photos()["chelsea"]
    steps_and_refs = [
        (resize([97, 131], "lanczos", "pillow"), lambda im: np.asarray(Image.fromarray(im).resize((131, 97), Image.LANCZOS))),
        (resize([97, 131], "hamming", "pillow"), lambda im: np.asarray(Image.fromarray(im).resize((131, 97), Image.HAMMING))),
        (resize([97, 131], "lanczos4", "opencv"), lambda im: cv2.resize(im, (131, 97), interpolation=cv2.INTER_LANCZOS4)),
    ]
    for step, reference in steps_and_refs:
        doc = contract([step])
        assert {f.status for f in ppx.explain(doc)} == {ppx.EXACT, ppx.IN_PRACTICE}
        assert {f.status for f in ppx.explain(doc, fixed_size=img.shape[:2])} == {ppx.EXACT}
        graph = Exported(doc, fixed_size=img.shape[:2])
        meta = {p.key: p.value for p in graph.model.metadata_props}
        assert meta["pixelpact.exactness"] == "exact"
        assert graph.model.graph.input[0].type.tensor_type.shape.dim[0].dim_value == img.shape[0]
        assert not any(n.op_type in ("Sin", "Cos") for n in graph.model.graph.node)
        assert_same(graph(img), reference(img))


def test_attached_model_gives_the_original_logits(torch_single_thread):
    """The classifier with the preprocessing baked in, on the raw image, gives the
    same logits as the original model on the training pipeline's tensor."""
    from onnx import TensorProto, helper, numpy_helper

    from helpers.onnx_models import session

    rng = np.random.default_rng(0)
    weights = (rng.standard_normal((3 * 224 * 224, 10)) * 0.01).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["input"], ["flat"]), helper.make_node("MatMul", ["flat", "w"], ["mm"]),
         helper.make_node("Add", ["mm", "b"], ["logits"])], "classifier",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        initializer=[numpy_helper.from_array(weights, "w"), numpy_helper.from_array(np.arange(10, dtype=np.float32), "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    doc = contract([resize(256, "bilinear", "pillow"), {"op": "center_crop", "size": 224},
                    {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                    {"op": "normalize", "mean": MEAN, "std": STD}],
                   output={"layout": "NCHW", "dtype": "float32", "color": "RGB"})
    full = session(ppx.attach(model, doc))
    original = session(model)
    training = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])
    for img in list(photos().values()) + [noise(97, 131), noise(1, 1)]:
        expected = original.run(None, {"input": training(Image.fromarray(img)).unsqueeze(0).numpy()})[0]
        assert_same(full.run(None, {"image": img})[0], expected)


# ---- the shared conformance suite -----------------------------------------------------------

CONFORMANCE_CASES = sorted(CONFORMANCE.glob("*.json"))


@pytest.mark.parametrize("path", CONFORMANCE_CASES, ids=lambda p: p.stem)
def test_conformance_cases(path):
    """Every conformance case (expected tensors from Pillow and torchvision), exported
    at the default opset and at the oldest supported one (13)."""
    import json

    doc = json.loads(path.read_text())
    image = np.load(path.with_name(path.stem + "_input.npy"))
    expected = np.load(path.with_name(path.stem + "_expected.npy"))
    for opset in (17, 13):
        assert_same(Exported(doc, opset=opset)(image), expected)
