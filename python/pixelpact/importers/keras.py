"""pixelpact.from_keras: Keras 3 eval preprocessing (TensorFlow backend) as a contract.

Three ways in, combinable in this order (each optional, at least one given):

- ``load_img``: the keyword arguments of ``keras.utils.load_img`` (``target_size``,
  ``interpolation`` default ``"nearest"``, ``keep_aspect_ratio``, ``color_mode``), then
  ``img_to_array`` (float32). Pillow resizes: engine ``pillow`` on uint8.
- ``image_dataset_from_directory``: its keyword arguments (``image_size`` default
  (256, 256), ``interpolation`` default ``"bilinear"``, ``crop_to_aspect_ratio``,
  ``pad_to_aspect_ratio``, ``color_mode``): ``tf.image.resize`` of the decoded image,
  float32 (engine ``tensorflow`` after ``to_float``); the files are decoded by
  ``tf.io.decode_image``, so the contract says ``"input": {"decode": {"decoder":
  "tensorflow"}}`` and ``run_encoded(file bytes)`` gives the dataset's images.
- ``layers``: a Keras model (``Sequential`` or functional) or a list of layers, applied
  to a float32 input as inside a model (``keras.Input`` is float32 by default):
  ``Resizing``, ``Rescaling``, ``Normalization``, ``CenterCrop``; ``InputLayer`` is skipped.

The layers are read from their attributes, so importing needs neither TensorFlow nor
a particular Keras backend. What a contract cannot state exactly is refused with
UnsupportedTransform: random augmentation layers, a second resize, Resizing's
pad_to_aspect_ratio after arithmetic or with a fill_value that is not a byte (its
crop_to_aspect_ratio and pad_to_aspect_ratio are the center_crop rules
keras_crop_to_aspect_ratio / keras_pad_to_aspect_ratio), a CenterCrop that may meet an image smaller than the crop (Keras
then resizes instead of cropping; it is accepted after a Resizing large enough),
load_img's keep_aspect_ratio (Pillow's box resize reads outside the box).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ._common import UnsupportedTransform, contract, f32, size_hw

# keras.utils.load_img's interpolation names (PIL_INTERPOLATION_METHODS) -> engine 'pillow'.
LOAD_IMG_FILTERS = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic", "hamming": "hamming",
                    "box": "box", "lanczos": "lanczos"}
# tf.image.resize's methods (engine 'tensorflow').
TF_METHODS = {"bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"}
# keras.ops.image.resize's (what smart_resize calls): not gaussian or mitchellcubic.
KERAS_BACKEND_METHODS = {"bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5"}
# Layers that change nothing at inference.
PASS_THROUGH = {"InputLayer", "Identity", "Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout"}


def _color_mode(kwargs: dict, where: str) -> None:
    mode = kwargs.get("color_mode", "rgb")
    if mode != "rgb":
        raise UnsupportedTransform(f"{where}: color_mode {mode!r}: only 'rgb' (3 channels) has a contract")


def _load_img_steps(kwargs: dict) -> list:
    kwargs = dict(kwargs)
    unknown = set(kwargs) - {"path", "target_size", "interpolation", "keep_aspect_ratio", "color_mode",
                             "grayscale"}
    if unknown:
        raise UnsupportedTransform(f"load_img: unknown arguments {sorted(unknown)}")
    if kwargs.get("grayscale"):
        raise UnsupportedTransform("load_img: grayscale=True: only 'rgb' (3 channels) has a contract")
    _color_mode(kwargs, "load_img")
    steps = []
    if kwargs.get("target_size") is not None:
        interpolation = kwargs.get("interpolation", "nearest")
        if interpolation not in LOAD_IMG_FILTERS:
            raise UnsupportedTransform(f"load_img: interpolation {interpolation!r} is not one of "
                                       f"{sorted(LOAD_IMG_FILTERS)}")
        if kwargs.get("keep_aspect_ratio"):
            raise UnsupportedTransform(
                "load_img: keep_aspect_ratio=True resizes Pillow's box (the centered crop of the target "
                "aspect ratio), whose filter reads pixels outside the box: no exact contract")
        # Pillow's Image.resize((width, height), resample); skipped by Keras when the size is
        # already right, which Pillow's resize leaves unchanged too.
        steps.append({"op": "resize", "size": size_hw(kwargs["target_size"]),
                      "interpolation": LOAD_IMG_FILTERS[interpolation], "engine": "pillow"})
    return steps + [{"op": "to_float", "dtype": "float32"}]  # img_to_array: float32


def _dataset_steps(kwargs: dict) -> list:
    kwargs = dict(kwargs)
    known = {"directory", "labels", "label_mode", "class_names", "batch_size", "image_size", "shuffle", "seed",
             "validation_split", "subset", "interpolation", "follow_links", "crop_to_aspect_ratio",
             "pad_to_aspect_ratio", "data_format", "verbose", "color_mode", "format"}
    unknown = set(kwargs) - known
    if unknown:
        raise UnsupportedTransform(f"image_dataset_from_directory: unknown arguments {sorted(unknown)}")
    _color_mode(kwargs, "image_dataset_from_directory")
    if kwargs.get("data_format", "channels_last") not in (None, "channels_last"):
        raise UnsupportedTransform("image_dataset_from_directory: data_format 'channels_first': give the "
                                   "contract's output layout instead (from_keras(..., layout='NCHW'))")
    crop, pad = bool(kwargs.get("crop_to_aspect_ratio")), bool(kwargs.get("pad_to_aspect_ratio"))
    if crop and pad:
        raise UnsupportedTransform("image_dataset_from_directory: only one of crop_to_aspect_ratio and "
                                   "pad_to_aspect_ratio can be True (Keras refuses both)")
    interpolation = kwargs.get("interpolation", "bilinear")
    if interpolation not in TF_METHODS:
        raise UnsupportedTransform(f"image_dataset_from_directory: interpolation {interpolation!r} is not one "
                                   f"of {sorted(TF_METHODS)}")
    if crop and interpolation not in KERAS_BACKEND_METHODS:
        raise UnsupportedTransform(f"image_dataset_from_directory: crop_to_aspect_ratio with interpolation "
                                   f"{interpolation!r}: Keras' smart_resize refuses it (it takes "
                                   f"{sorted(KERAS_BACKEND_METHODS)})")
    size = size_hw(kwargs.get("image_size", (256, 256)))
    resize = {"op": "resize", "size": size, "interpolation": interpolation, "engine": "tensorflow",
              "antialias": False}
    # crop_to_aspect_ratio: keras.utils.smart_resize with the TensorFlow backend, the
    # crop box in float32 arithmetic (the rule Resizing's crop_to_aspect_ratio uses),
    # on the decoded pixels, then tf.image.resize. pad_to_aspect_ratio:
    # tf.image.resize_with_pad (zeros), the size rule tf_resize_with_pad.
    steps = [{"op": "center_crop", "size": size, "rule": "keras_crop_to_aspect_ratio"}] if crop else []
    if pad:
        resize["keep_ratio"] = "tf_resize_with_pad"
    if interpolation != "nearest":  # tf.image.resize keeps the decoded uint8 only for nearest
        steps.append({"op": "to_float", "dtype": "float32"})
    return steps + [resize]


def _flat_layers(source: Any) -> list:
    if isinstance(source, (list, tuple)):
        out = []
        for item in source:
            out.extend(_flat_layers(item))
        return out
    if hasattr(source, "layers") and type(source).__name__ in ("Sequential", "Functional", "Model"):
        if type(source).__name__ == "Functional":
            # A straight chain only: each layer's single input is the previous layer's output.
            for layer in source.layers:
                inbound = getattr(layer, "_inbound_nodes", [])
                if len(inbound) > 1 or any(len(getattr(n, "input_tensors", [])) > 1 for n in inbound):
                    raise UnsupportedTransform(f"{source.name}: only a straight chain of layers has a contract")
        return _flat_layers(list(source.layers))
    return [source]


def _channel_values(values: Any, where: str) -> Any:
    arr = np.asarray(values, dtype=np.float32).reshape(-1)
    if arr.size == 1:
        return f32(arr)[0]
    if arr.size != 3:
        raise UnsupportedTransform(f"{where}: {arr.size} values: a contract has 1 or 3 per channel")
    return f32(arr)


def _layer_steps(layer: Any, state: dict) -> list:
    name = type(layer).__name__
    where = f"{name} {getattr(layer, 'name', '')!r}"
    if name in PASS_THROUGH:
        return []
    if name.startswith("Random") or name in {"AugMix", "RandAugment", "MixUp", "CutMix", "Solarization",
                                             "Equalization", "AutoContrast"}:
        raise UnsupportedTransform(f"{where}: a random augmentation layer (training only) has no exact "
                                   "contract: remove it from the eval preprocessing")
    if getattr(layer, "data_format", "channels_last") not in (None, "channels_last"):
        raise UnsupportedTransform(f"{where}: data_format 'channels_first': give the contract's output layout "
                                   "instead (from_keras(..., layout='NCHW'))")
    steps = []
    if not state["float"]:
        steps.append({"op": "to_float", "dtype": "float32"})  # the model's float32 input
        state["float"] = True
    if name == "Resizing":
        if state["resized"]:
            raise UnsupportedTransform(f"{where}: a second resize after a float resize has no contract")
        window = _aspect_ratio_window(layer, where, state)
        if layer.interpolation not in TF_METHODS:
            raise UnsupportedTransform(f"{where}: interpolation {layer.interpolation!r} is not one of "
                                       f"{sorted(TF_METHODS)}")
        state["resized"] = True
        state["size"] = (int(layer.height), int(layer.width))
        return steps + window + [{"op": "resize", "size": [int(layer.height), int(layer.width)],
                         "interpolation": layer.interpolation, "engine": "tensorflow",
                         "antialias": bool(layer.antialias)}]
    if name in ("Rescaling", "Normalization"):
        state["arithmetic"] = True
    if name == "Rescaling":
        # x * float32(scale) + float32(offset), two float32 operations.
        return steps + [{"op": "mul", "value": _channel_values(layer.scale, where)},
                        {"op": "add", "value": _channel_values(layer.offset, where)}]
    if name == "Normalization":
        if getattr(layer, "invert", False):
            raise UnsupportedTransform(f"{where}: invert=True (denormalization) is not a preprocessing step")
        if not getattr(layer, "built", False) or not hasattr(layer, "mean"):
            raise UnsupportedTransform(f"{where}: not adapted or built: it has no mean and variance yet")
        axis = tuple(getattr(layer, "axis", (-1,)) or ())
        if axis not in ((), (-1,), (3,)):
            raise UnsupportedTransform(f"{where}: axis {axis}: only per-channel (-1) or global statistics")
        mean = np.asarray(_numpy(layer.mean), dtype=np.float32)
        variance = np.asarray(_numpy(layer.variance), dtype=np.float32)
        # (x - mean) / maximum(sqrt(variance), epsilon), all float32 (Keras' call()).
        epsilon = np.float32(_keras_epsilon())
        denominator = np.maximum(np.sqrt(variance), epsilon).astype(np.float32)
        return steps + [{"op": "normalize", "mean": _channel_values(mean, where),
                         "std": _channel_values(denominator, where)}]
    if name == "CenterCrop":
        height, width = int(layer.height), int(layer.width)
        if state["size"] is None or state["size"][0] < height or state["size"][1] < width:
            raise UnsupportedTransform(
                f"{where}: on an image smaller than {height}x{width} Keras resizes (smart_resize) instead of "
                "cropping, and the input size is not known here: put a Resizing at least as large before it")
        in_h, in_w = state["size"]
        state["size"] = (height, width)
        return steps + _keras_center_crop(in_h, in_w, height, width)
    raise UnsupportedTransform(f"{where}: layer {type(layer).__module__}.{name} is not supported by from_keras")


def _aspect_ratio_window(layer: Any, where: str, state: dict) -> list:
    """Resizing's crop_to_aspect_ratio / pad_to_aspect_ratio: the center_crop rule
    of the same name, which runs on the pixels before to_float (cropping and padding
    with an integer fill commute with the float32 cast; not with arithmetic)."""
    size = [int(layer.height), int(layer.width)]
    if layer.crop_to_aspect_ratio:
        return [{"op": "center_crop", "size": size, "rule": "keras_crop_to_aspect_ratio"}]
    if not layer.pad_to_aspect_ratio:
        return []
    fill = float(getattr(layer, "fill_value", 0.0))
    if getattr(layer, "fill_mode", "constant") != "constant":
        raise UnsupportedTransform(f"{where}: fill_mode {layer.fill_mode!r}: only 'constant' pads")
    if state["arithmetic"]:
        raise UnsupportedTransform(f"{where}: pad_to_aspect_ratio after Rescaling/Normalization pads the "
                                   "transformed values with fill_value: put the Resizing first")
    if not (fill.is_integer() and 0 <= fill <= 255):
        raise UnsupportedTransform(f"{where}: fill_value {fill!r} is not a byte (0..255), the padding a "
                                   "contract's pixels can carry")
    return [{"op": "center_crop", "size": size, "rule": "keras_pad_to_aspect_ratio", "fill": int(fill)}]


def _keras_center_crop(in_h: int, in_w: int, height: int, width: int) -> list:
    """Keras' offset (in - crop) // 2 as torchvision center crops (the rule a float
    plane allows): torchvision's offset round((in - crop) / 2), half to even, is the
    same unless in - crop = 3 (mod 4), where it is one more; a first crop of one
    pixel (offset round(0.5) = 0) leaves a difference = 2 (mod 4), whose half is exact."""
    first = [in_h - 1 if (in_h - height) % 4 == 3 else in_h, in_w - 1 if (in_w - width) % 4 == 3 else in_w]
    steps = [] if first == [in_h, in_w] else [{"op": "center_crop", "size": first}]
    return steps + [{"op": "center_crop", "size": [height, width]}]


def _crops_before_to_float(steps: list) -> list:
    """A contract's geometry comes before 'to_float', except one float resize and the
    center crops after it. A center crop before the float resize (or without one) moves
    in front of 'to_float': cropping commutes with the elementwise steps between."""
    if not any(s["op"] == "to_float" for s in steps):
        return steps
    at = next(i for i, s in enumerate(steps) if s["op"] == "to_float")
    float_resize = next((i for i, s in enumerate(steps) if i > at and s["op"] == "resize"), len(steps))
    moved = [s for s in steps[at:float_resize] if s["op"] == "center_crop"]
    kept = [s for s in steps[at:float_resize] if s["op"] != "center_crop"]
    return steps[:at] + moved + kept + steps[float_resize:]


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "numpy"):
        return value.numpy()
    return np.asarray(value)


def _keras_epsilon() -> float:
    import keras

    return float(keras.backend.epsilon())


def from_keras(layers: Any = None, *, load_img: Optional[dict] = None,
               image_dataset_from_directory: Optional[dict] = None, layout: str = "NHWC") -> dict:
    """A contract for Keras preprocessing: ``load_img`` or ``image_dataset_from_directory``
    keyword arguments (the image as it is loaded), then ``layers`` (a model or a list of
    layers, run on float32 as inside a model). ``layout``: the output axes, NHWC (Keras'
    channels_last batch) by default. Raises UnsupportedTransform for what a contract
    cannot state exactly."""
    if load_img is not None and image_dataset_from_directory is not None:
        raise UnsupportedTransform("give load_img or image_dataset_from_directory, not both")
    if layers is None and load_img is None and image_dataset_from_directory is None:
        raise UnsupportedTransform("nothing to import: give layers, load_img or image_dataset_from_directory")
    steps: list = []
    state = {"float": False, "resized": False, "size": None, "arithmetic": False}
    if load_img is not None:
        steps += _load_img_steps(load_img)
        state["float"] = True
        size = load_img.get("target_size")
        state["size"] = tuple(size_hw(size)) if size is not None else None
    if image_dataset_from_directory is not None:
        steps += _dataset_steps(image_dataset_from_directory)
        state.update(float=steps[-1]["interpolation"] != "nearest", resized=True,
                     size=tuple(size_hw(image_dataset_from_directory.get("image_size", (256, 256)))))
    for layer in _flat_layers(layers) if layers is not None else []:
        steps += _layer_steps(layer, state)
    if not state["float"] and (layers is not None or image_dataset_from_directory is None):
        steps.append({"op": "to_float", "dtype": "float32"})  # a model's float32 input
    steps = _crops_before_to_float(steps)
    doc = contract("keras", steps, layout=layout, description="Keras preprocessing, imported by "
                   "pixelpact.from_keras (TensorFlow backend, float32 model input)")
    if image_dataset_from_directory is not None:
        # It decodes with tf.io.decode_image (TensorFlow's JPEG defaults), not Pillow:
        # run_encoded(file bytes) then gives the dataset's batches.
        doc["input"]["decode"] = {"decoder": "tensorflow"}
    return doc
