"""Importers: a real pipeline object built by the real library (torchvision v1/v2,
timm transforms from pretrained_cfg dicts or a weightless model, Ultralytics'
predictor code; Hugging Face processors: tests/parity/test_hf_importer_parity.py) and the imported
contract, run on the same hostile images: np.array_equal, dtype and shape.

Tests whose resampling needs the 'torch' or 'opencv' resize engine first assert
that the engine is in this build, then run the parity."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from PIL import Image

import pixelpact
from helpers import assert_same, noise

SIZES = [(1, 1), (1, 7), (9, 1), (13, 11), (31, 17), (4, 97), (120, 3), (333, 500)]

ENGINE_PROBES = {
    "torch": {"op": "resize", "size": [4, 4], "interpolation": "bilinear", "antialias": True, "engine": "torch"},
    "opencv": {"op": "resize", "size": [4, 4], "interpolation": "bilinear", "engine": "opencv"},
}


def engine_available(name: str) -> bool:
    doc = {"pixelpact": 1, "input": {"color": "RGB"}, "steps": [ENGINE_PROBES[name]],
           "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
    try:
        pixelpact.load(doc)
        return True
    except pixelpact.ContractError:
        return False


def load_with_engine(contract: dict, engine: str):
    """The pipeline for an imported contract whose resampling uses `engine`; every
    engine is part of this build, so a refusal is a failure."""
    json.dumps(contract)  # importers return plain JSON
    assert engine_available(engine), f"resize engine {engine!r} is missing from this build"
    return pixelpact.load(contract)


def tensor_of(img):
    import torch

    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


def as_numpy(out):
    return out.numpy() if hasattr(out, "numpy") else np.asarray(out)


# ---- torchvision -----------------------------------------------------------------

def _tv_pipelines():
    import torch
    import torchvision.transforms as T
    import torchvision.transforms.v2 as T2

    M, S = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    I = T.InterpolationMode
    return {
        "v1-resnet": T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(M, S)]),
        "v1-bicubic-max": T.Compose([T.Resize(40, interpolation=I.BICUBIC, max_size=64), T.CenterCrop((30, 50)),
                                     T.ToTensor()]),
        "v1-pad-pil": T.Compose([T.Pad([1, 2, 3, 4], fill=(9, 99, 199)), T.Resize((21, 34), interpolation=I.LANCZOS),
                                 T.PILToTensor(), T.ConvertImageDtype(torch.float32), T.Normalize(M, S)]),
        "v1-uint8": T.Compose([T.CenterCrop(20), T.Pad(3, fill=114), T.PILToTensor()]),
        "v2-resnet": T2.Compose([T2.Resize(256), T2.CenterCrop(224), T2.ToImage(),
                                 T2.ToDtype(torch.float32, scale=True), T2.Normalize(M, S)]),
        "v2-longer": T2.Compose([T2.Resize(None, max_size=48, interpolation=I.BICUBIC), T2.Pad(2, fill=7),
                                 T2.PILToTensor(), T2.ToDtype(torch.float32, scale=False),
                                 T2.Normalize([100.0, 110.0, 120.0], [50.0, 60.0, 70.0])]),
        "v2-nearest-exact": T2.Compose([T2.Resize((19, 23), interpolation=I.NEAREST_EXACT), T2.PILToTensor()]),
        "v2-nested": T2.Compose([T2.Compose([T2.Resize([33, 17], interpolation=I.HAMMING)]), T2.CenterCrop(16),
                                 T2.ToImage(), T2.ToDtype(torch.float32, scale=True)]),
    }


@pytest.mark.parametrize("name", ["v1-resnet", "v1-bicubic-max", "v1-pad-pil", "v1-uint8", "v2-resnet",
                                  "v2-longer", "v2-nearest-exact", "v2-nested"])
def test_from_torchvision_pil(name):
    transform = _tv_pipelines()[name]
    pipe = pixelpact.load(pixelpact.from_torchvision(transform, input="pil"))
    for h, w in SIZES:
        img = noise(h, w, seed=h * w)
        assert_same(pipe(img), as_numpy(transform(Image.fromarray(img))))


def test_from_torchvision_tensor_without_resampling():
    import torch
    import torchvision.transforms.v2 as T2

    transform = T2.Compose([T2.Pad([2, 0, 1, 5], fill=[1, 2, 3]), T2.CenterCrop((12, 9)),
                            T2.ToDtype(torch.float32, scale=True), T2.Normalize([0.5, 0.4, 0.3], [0.2, 0.3, 0.4])])
    pipe = pixelpact.load(pixelpact.from_torchvision(transform, input="tensor"))
    for h, w in SIZES:
        img = noise(h, w, seed=3)
        assert_same(pipe(img), as_numpy(transform(tensor_of(img))))


def test_from_torchvision_tensor_resize_needs_torch_engine():
    """v2 Resize on a uint8 tensor: torch's native uint8 path (the 'torch' engine)."""
    import torch
    import torchvision.transforms.v2 as T2

    transform = T2.Compose([T2.Resize(64, antialias=True), T2.CenterCrop(56), T2.ToDtype(torch.float32, scale=True)])
    contract = pixelpact.from_torchvision(transform, input="tensor")
    assert contract["steps"][0] == {"op": "resize", "size": 64, "interpolation": "bilinear", "antialias": True,
                                    "engine": "torch"}
    pipe = load_with_engine(contract, "torch")
    torch.set_num_threads(1)
    for h, w in SIZES:
        img = noise(h, w, seed=4)
        assert_same(pipe(img), as_numpy(transform(tensor_of(img))))


def test_from_torchvision_refuses():
    import torch
    import torchvision.transforms as T
    import torchvision.transforms.v2 as T2

    refused = [T.Compose([T.RandomResizedCrop(224)]), T.Compose([T.ColorJitter(0.1)]),
               T.Compose([T.Lambda(lambda x: x)]), T.Compose([T.Grayscale(3)]),
               T.Compose([T.Pad(2, padding_mode="reflect")]), T2.Compose([T2.RandomHorizontalFlip()]),
               T.Compose([T.ToTensor(), T.Resize(10)]), T.Compose([T.PILToTensor(), T.ConvertImageDtype(torch.float64)])]
    for transform in refused:
        with pytest.raises(pixelpact.UnsupportedTransform):
            pixelpact.from_torchvision(transform)
    with pytest.raises(pixelpact.UnsupportedTransform, match="v1 Resize on a tensor"):
        pixelpact.from_torchvision(T.Compose([T.Resize(10)]), input="tensor")
    with pytest.raises(ValueError):
        pixelpact.from_torchvision(T.Compose([]), input="numpy")


# ---- timm --------------------------------------------------------------------------

TIMM_CFGS = [
    {"input_size": (3, 224, 224), "interpolation": "bicubic", "crop_pct": 0.875},
    {"input_size": (3, 224, 224), "interpolation": "bilinear", "crop_pct": 0.9, "crop_mode": "center",
     "mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)},
    {"input_size": (3, 160, 192), "interpolation": "bicubic", "crop_pct": 0.95},
    {"input_size": (3, 64, 64), "interpolation": "bicubic", "crop_pct": 1.0, "crop_mode": "squash"},
    {"input_size": (3, 64, 80), "interpolation": "bilinear", "crop_pct": 0.8, "crop_mode": "border",
     "mean": (0.48145466, 0.4578275, 0.40821073), "std": (0.26862954, 0.26130258, 0.27577711)},
]


@pytest.mark.parametrize("index", range(len(TIMM_CFGS)))
def test_from_timm_pretrained_cfg(index):
    import timm.data

    cfg = TIMM_CFGS[index]
    transform = timm.data.create_transform(**timm.data.resolve_data_config({}, pretrained_cfg=cfg))
    pipe = pixelpact.load(pixelpact.from_timm(cfg))
    for h, w in SIZES:
        img = noise(h, w, seed=5)
        assert_same(pipe(img), as_numpy(transform(Image.fromarray(img))))


def test_from_timm_model_without_weights():
    import timm
    import timm.data

    model = timm.create_model("resnet18", pretrained=False)
    transform = timm.data.create_transform(**timm.data.resolve_data_config({}, model=model))
    pipe = pixelpact.load(pixelpact.from_timm(model))
    img = noise(97, 131, seed=6)
    assert_same(pipe(img), as_numpy(transform(Image.fromarray(img))))


def test_from_timm_refuses_random_interpolation():
    with pytest.raises(pixelpact.UnsupportedTransform):
        pixelpact.from_timm({"input_size": (3, 32, 32), "interpolation": "random", "crop_pct": 0.9,
                             "mean": (0.5,) * 3, "std": (0.5,) * 3})


# ---- Ultralytics -------------------------------------------------------------------

def _ultralytics_preprocess(img_bgr, imgsz, auto, stride, scaleup):
    """BasePredictor.preprocess itself, with its LetterBox pre-transform."""
    import torch
    from ultralytics.data.augment import LetterBox
    from ultralytics.engine.predictor import BasePredictor

    class Model:
        fp16 = False

    class Fake:
        device = torch.device("cpu")
        model = Model()

        @staticmethod
        def pre_transform(images):
            return [LetterBox(imgsz, auto=auto, stride=stride, scaleup=scaleup)(image=x) for x in images]

    return BasePredictor.preprocess(Fake(), [img_bgr]).numpy()


ULTRA_CASES = [((64, 64), False, 32), ((64, 48), True, 32), ((40, 72), True, 8), ((33, 33), False, 32)]


def test_from_ultralytics_predictor():
    """Full parity needs the opencv engine (cv2.resize INTER_LINEAR inside LetterBox)."""
    for imgsz, auto, stride in ULTRA_CASES:
        contract = pixelpact.from_ultralytics(imgsz, stride=stride, auto=auto)
        pipe = load_with_engine(contract, "opencv")
        for h, w in SIZES:
            img = noise(h, w, seed=9)
            assert_same(pipe(img), _ultralytics_preprocess(img, imgsz, auto, stride, True))


def test_from_ultralytics_predictor_without_resampling():
    """scaleup=False on images no larger than imgsz: LetterBox does not resample,
    so everything else (letterbox geometry, 114 fill, BGR->RGB, /255) is checked
    against the real predictor now. The engine is switched to Pillow only
    because its same-size resize is the identity, like Ultralytics' skip."""
    ran = 0
    for imgsz, auto, stride in ULTRA_CASES:
        contract = copy.deepcopy(pixelpact.from_ultralytics(imgsz, stride=stride, auto=auto, scaleup=False))
        contract["steps"][0]["engine"] = "pillow"
        pipe = pixelpact.load(contract)
        for h, w in SIZES:
            if h > imgsz[0] or w > imgsz[1]:
                continue
            ran += 1
            img = noise(h, w, seed=10)
            assert_same(pipe(img), _ultralytics_preprocess(img, imgsz, auto, stride, False))
    assert ran >= 12


# ---- OpenCV blobFromImage -------------------------------------------------------------

BLOB_CASES = [dict(scalefactor=1 / 255), dict(scalefactor=1 / 255, swapRB=True),
              dict(scalefactor=0.017, mean=(103.53, 116.28, 123.675), swapRB=False),
              dict(scalefactor=1 / 127.5, mean=(127.5, 127.5, 127.5), swapRB=True),
              dict(scalefactor=1.0, mean=(1.5, 0.0, -3.25), swapRB=True)]


@pytest.mark.parametrize("index", range(len(BLOB_CASES)))
def test_from_opencv_blob_without_resize(index):
    """cv2.dnn.blobFromImage without a size (no resize): the elementwise part."""
    import cv2

    kw = BLOB_CASES[index]
    pipe = pixelpact.load(pixelpact.from_opencv_blob(**kw))
    for h, w in SIZES:
        img = noise(h, w, seed=11)
        assert_same(pipe(img), cv2.dnn.blobFromImage(img, **kw))


def test_from_opencv_blob_resize_needs_opencv_engine():
    import cv2

    contract = pixelpact.from_opencv_blob(1 / 255, size=(40, 30), mean=(1, 2, 3), swapRB=True)
    pipe = load_with_engine(contract, "opencv")
    for h, w in SIZES:
        img = noise(h, w, seed=12)
        assert_same(pipe(img), cv2.dnn.blobFromImage(img, 1 / 255, (40, 30), (1, 2, 3), True))
    cropped = pixelpact.load(pixelpact.from_opencv_blob(1 / 255, size=(40, 30), mean=(1, 2, 3), swapRB=True,
                                                        crop=True))
    boxed = pixelpact.load(pixelpact.from_opencv_blob(0.5, size=(40, 30), mean=(1, 2, 3), swapRB=True,
                                                      letterbox=True, border=(10, 20, 30)))
    params = cv2.dnn.Image2BlobParams()
    params.scalefactor = (0.5,) * 3
    params.size = (40, 30)
    params.mean = (1, 2, 3)
    params.swapRB = True
    params.ddepth = cv2.CV_32F
    params.datalayout = cv2.DNN_LAYOUT_NCHW
    params.paddingmode = cv2.dnn.DNN_PMODE_LETTERBOX
    params.borderValue = (10, 20, 30, 0)
    for h, w in [(13, 11), (31, 17), (333, 500), (30, 40), (1, 1)]:
        img = noise(h, w, seed=13)
        assert_same(cropped(img), cv2.dnn.blobFromImage(img, 1 / 255, (40, 30), (1, 2, 3), True, crop=True))
        assert_same(boxed(img), cv2.dnn.blobFromImageWithParams(img, params))
    with pytest.raises(pixelpact.UnsupportedTransform, match="exclusive"):
        pixelpact.from_opencv_blob(1 / 255, size=(40, 30), crop=True, letterbox=True)
