"""Elementwise conventions of the real libraries on every byte value of every
channel: Hugging Face (PIL and torchvision backends), Albumentations Normalize,
Keras preprocess_input (caffe, tf, torch), Ultralytics /255 and the `cast` step."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

import pixelpact
from pixelpact.importers import conventions
from helpers import assert_same


def all_bytes() -> np.ndarray:
    """16x16 RGB: each channel holds all 256 values, in a different order."""
    rng = np.random.default_rng(256)
    return np.stack([np.arange(256), np.arange(256)[::-1], rng.permutation(256)], axis=-1).astype(
        np.uint8).reshape(16, 16, 3)


def doc(steps, layout="HWC", color="RGB", input_color="RGB", dtype="float32"):
    return {"pixelpact": 1, "input": {"color": input_color}, "steps": steps,
            "output": {"layout": layout, "dtype": dtype, "color": color}}


HF_STATS = {
    "CLIPImageProcessor": ([0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]),
    "ViTImageProcessor": ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    "ConvNextImageProcessor": ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
}
HF_CASES = [(name, rescale, normalize, factor) for name in HF_STATS
            for rescale, normalize, factor in [(True, True, 1 / 255), (True, False, 1 / 255),
                                                (False, True, 1 / 255), (True, True, 0.0039), (True, False, 1 / 127.5)]]


@pytest.mark.parametrize("backend", ["pil", "torchvision"])
@pytest.mark.parametrize("name,rescale,normalize,factor", HF_CASES)
def test_hugging_face_rescale_normalize(backend, name, rescale, normalize, factor):
    import transformers

    mean, std = HF_STATS[name]
    config = {"image_processor_type": name, "do_resize": False, "do_center_crop": False, "do_rescale": rescale,
              "rescale_factor": factor, "do_normalize": normalize, "image_mean": mean, "image_std": std}
    contract = pixelpact.from_hf(config, backend=backend)
    cls = getattr(transformers, name + ("Pil" if backend == "pil" else ""))
    kwargs = {k: v for k, v in config.items() if k != "image_processor_type"}
    img = all_bytes()
    out = cls(**kwargs)(Image.fromarray(img), return_tensors="np" if backend == "pil" else "pt")["pixel_values"]
    assert_same(pixelpact.load(contract)(img), np.asarray(out))


def test_hugging_face_backends_differ():
    """The two backends' arithmetic is not interchangeable (why backend= exists)."""
    config = {"image_processor_type": "CLIPImageProcessor", "do_resize": False, "do_center_crop": False}
    img = all_bytes()
    pil = pixelpact.load(pixelpact.from_hf(config, backend="pil"))(img)
    tv = pixelpact.load(pixelpact.from_hf(config, backend="torchvision"))(img)
    assert not np.array_equal(pil, tv)


@pytest.mark.parametrize("mean,std,max_pixel_value", [
    ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225), 255.0), ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5), 255.0),
    ((0.1, 0.2, 0.3), (0.7, 0.01, 3.0), 1.0), ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), 255.0)])
def test_albumentations_normalize(mean, std, max_pixel_value):
    import albumentations as A

    img = all_bytes()
    expected = A.Normalize(mean=mean, std=std, max_pixel_value=max_pixel_value, p=1.0)(image=img)["image"]
    steps = conventions.albumentations_normalize(mean, std, max_pixel_value)
    assert_same(pixelpact.load(doc(steps))(img), expected)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_keras_preprocess_input(mode):
    """Keras 3 with the torch backend (no TensorFlow); a numpy uint8 batch takes
    the numpy path of preprocess_input (cast to float32, in-place float32 ops)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    from keras.applications import imagenet_utils

    img = all_bytes()
    expected = imagenet_utils.preprocess_input(img[None].copy(), mode=mode)
    steps, color = conventions.keras_preprocess_input(mode)
    assert_same(pixelpact.load(doc(steps, layout="NHWC", color=color))(img), expected)


def test_ultralytics_scale_is_the_predictor_arithmetic():
    """BasePredictor.preprocess itself, with pre_transform set to the identity."""
    import torch
    from ultralytics.engine.predictor import BasePredictor

    class Model:
        fp16 = False

    class Fake:
        device = torch.device("cpu")
        model = Model()

        @staticmethod
        def pre_transform(images):
            return images

    img = all_bytes()
    expected = BasePredictor.preprocess(Fake(), [img[..., ::-1].copy()]).numpy()  # it is fed BGR
    steps = conventions.ultralytics_scale()
    assert_same(pixelpact.load(doc(steps, layout="NCHW", input_color="BGR"))(img[..., ::-1]), expected)


def test_cast_rounds_to_float32_mid_chain():
    """(x.astype(float64) * 0.1).astype(float32) then float32 ops, against numpy."""
    img = all_bytes()
    steps = [{"op": "to_float", "dtype": "float64"}, {"op": "mul", "value": 0.1}, {"op": "cast", "dtype": "float32"},
             {"op": "sub", "value": 0.3}, {"op": "cast", "dtype": "float64"}, {"op": "div", "value": 3.0},
             {"op": "cast", "dtype": "float32"}, {"op": "mul", "value": 7.0}]
    x = (img.astype(np.float64) * 0.1).astype(np.float32)
    x = ((x - np.float32(0.3)).astype(np.float64) / 3.0).astype(np.float32) * np.float32(7.0)
    assert_same(pixelpact.load(doc(steps))(img), x)
    # Without the casts the result differs: the steps are not decorative.
    plain = [s for s in steps if s["op"] != "cast"]
    assert not np.array_equal(pixelpact.load(doc(plain))(img), x)
