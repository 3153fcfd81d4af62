"""Contract validation: the JSON Schema and the C++ interpreter accept the same
documents and reject the same faults at the same JSON Pointer."""
from __future__ import annotations

import copy
import json

import pytest

import pixelpact
from pixelpact import _core
from helpers import contract

E1 = contract("resnet50_imagenet_eval")
E2 = contract("bgr_bicubic_imagenet_eval")
E3 = contract("hamming_float16_nhwc")
E4 = contract("lanczos_uint8_bgr_hwc")
E5 = contract("rgba_box_64_chw")

VALID = {
    "E1": E1, "E2": E2, "E3": E3, "E4": E4, "E5": E5,
    "minimal": {"pixelpact": 1, "input": {"color": "GRAY"}, "steps": [],
                "output": {"layout": "HWC", "dtype": "uint8", "color": "BGR"}},
    "float-size": {"pixelpact": 1.0, "input": {"color": "RGB"},
                   "steps": [{"op": "resize", "size": 256.0, "max_size": 300, "interpolation": "nearest",
                              "engine": "pillow", "version": "12.1"}, {"op": "center_crop", "size": 100}],
                   "output": {"layout": "CHW", "dtype": "uint8", "color": "RGB"}},
    "scalar-and-single": {"pixelpact": 1, "description": "x", "input": {"color": "BGRA"},
                          "steps": [{"op": "to_float", "dtype": "float64"}, {"op": "add", "value": [1]},
                                    {"op": "normalize", "mean": 0.5, "std": [2]}],
                          "output": {"layout": "NHWC", "dtype": "float16", "color": "RGB"}},
    "geometry-steps": {"pixelpact": 1, "input": {"color": "BGR"},
                       "steps": [{"op": "crop", "top": -3, "left": 5, "height": 40, "width": 30, "fill": [1, 2, 3]},
                                 {"op": "pad", "padding": [1, 2], "fill": 9},
                                 {"op": "pad", "padding": [1, 2, 3, 4]}, {"op": "pad", "padding": [0]},
                                 {"op": "pad", "padding": 5.0, "fill": [4]},
                                 {"op": "center_crop", "size": 20, "rule": "hf_pil", "fill": 3},
                                 {"op": "center_crop", "size": [20, 21], "rule": "hf_torchvision"},
                                 {"op": "center_crop", "size": [3, 4], "rule": "keras_pad_to_aspect_ratio",
                                  "fill": 114},
                                 {"op": "center_crop", "size": [4, 3], "rule": "keras_crop_to_aspect_ratio"},
                                 {"op": "center_crop", "size": 20, "rule": "torchvision", "fill": [1, 2, 3]},
                                 {"op": "resize", "size": 64, "keep_ratio": "longer", "interpolation": "bicubic",
                                  "engine": "pillow"},
                                 {"op": "resize", "size": 64, "keep_ratio": "shorter", "max_size": 90,
                                  "interpolation": "bicubic", "engine": "pillow"},
                                 {"op": "resize", "size": [50, 60], "keep_ratio": "not_smaller",
                                  "interpolation": "bilinear", "engine": "pillow"},
                                 {"op": "resize", "size": [50, 60], "keep_ratio": "not_larger",
                                  "interpolation": "bilinear", "engine": "pillow"},
                                 {"op": "letterbox", "size": [64, 48], "engine": "pillow"},
                                 {"op": "letterbox", "size": 32, "fill": [1, 2, 3], "auto": True, "stride": 8,
                                  "scaleup": False, "center": False, "interpolation": "nearest", "engine": "pillow"}],
                       "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
    "hf-size-rules": {"pixelpact": 1, "input": {"color": "RGB"},
                      "steps": [{"op": "resize", "size": 800, "keep_ratio": "hf_shortest_longest", "max_size": 1333,
                                 "interpolation": "bilinear", "engine": "torch"},
                                {"op": "resize", "size": 640, "keep_ratio": "hf_shortest_longest", "max_size": 640,
                                 "interpolation": "bilinear", "engine": "pillow"},
                                {"op": "resize", "size": 800, "keep_ratio": "hf_yolos", "max_size": 1333,
                                 "multiple_of": {"value": 16, "rounding": "floor"}, "interpolation": "bilinear",
                                 "engine": "torch"},
                                {"op": "resize", "size": 384, "keep_ratio": "hf_vilt", "max_size": 640,
                                 "multiple_of": {"value": 32.0, "rounding": "floor"}, "interpolation": "bicubic",
                                 "engine": "pillow"},
                                {"op": "resize", "size": 64, "keep_ratio": "hf_shortest_longest",
                                 "interpolation": "bilinear", "engine": "opencv"},
                                {"op": "resize", "size": [300, 400], "keep_ratio": "not_larger_truncated",
                                 "interpolation": "bilinear", "engine": "torch"},
                                {"op": "resize", "size": 100, "multiple_of": {"value": 7, "rounding": "ceil"},
                                 "interpolation": "nearest", "engine": "torch"},
                                {"op": "resize", "multiple_of": {"value": 32, "rounding": "floor"},
                                 "interpolation": "nearest", "engine": "opencv"},
                                {"op": "resize", "size": [518, 518], "keep_ratio": "hf_dpt_keep",
                                 "multiple_of": {"value": 14, "rounding": "round"}, "interpolation": "bicubic",
                                 "engine": "torch"},
                                {"op": "resize", "size": [384, 380], "keep_ratio": "hf_dpt",
                                 "interpolation": "bicubic", "engine": "pillow"},
                                {"op": "center_crop", "fraction_of_shorter": [0.875, 1.5], "rule": "hf_pil"},
                                {"op": "resize", "size": 384, "keep_ratio": "hf_longest", "min_side": 14,
                                 "interpolation": "bicubic", "engine": "torch"},
                                {"op": "pad_to_square", "fill": [122, 116, 104]}, {"op": "pad_to_square"}],
                      "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
    "blob-letterbox": {"pixelpact": 1, "input": {"color": "BGR"},
                       "steps": [{"op": "letterbox", "size": [30, 40], "rule": "blob", "fill": [1, 2, 3]},
                                 {"op": "letterbox", "size": 16, "rule": "blob_crop"},
                                 {"op": "letterbox", "size": 16, "rule": "ultralytics", "engine": "pillow"}],
                       "output": {"layout": "NCHW", "dtype": "uint8", "color": "RGB"}},
    "cast": {"pixelpact": 1, "input": {"color": "GRAY"},
             "steps": [{"op": "pad", "padding": 2, "fill": [7, 7, 7]},
                       {"op": "to_float", "dtype": "float64"}, {"op": "mul", "value": 0.00392156862745098},
                       {"op": "cast", "dtype": "float32"}, {"op": "normalize", "mean": 0.5, "std": 0.5},
                       {"op": "cast", "dtype": "float64"}],
             "output": {"layout": "CHW", "dtype": "float32", "color": "RGB"}},
    "alpha-premultiply": {"pixelpact": 1, "input": {"color": "RGBA", "alpha": "premultiply"},
                          "steps": [{"op": "resize", "size": 64, "interpolation": "bicubic", "engine": "pillow"},
                                    {"op": "center_crop", "size": 56}, {"op": "crop", "top": 1, "left": 2,
                                                                         "height": 50, "width": 50}],
                          "output": {"layout": "CHW", "dtype": "uint8", "color": "RGB"}},
    "alpha-composite": {"pixelpact": 1, "input": {"color": "BGRA", "alpha": "composite", "background": [1, 2, 3]},
                        "steps": [{"op": "resize", "size": 64, "interpolation": "bilinear", "engine": "torch"},
                                  {"op": "pad", "padding": 2}],
                        "output": {"layout": "CHW", "dtype": "uint8", "color": "RGB"}},
    "decode-exif": {"pixelpact": 1, "input": {"color": "RGB", "decode": {"orientation": "exif"}}, "steps": [],
                    "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
    "decode-tensorflow": {"pixelpact": 1, "input": {"color": "RGB", "decode": {"decoder": "tensorflow"}},
                          "steps": [], "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
    "decode-pillow-exif": {"pixelpact": 1,
                           "input": {"color": "GRAY", "decode": {"decoder": "pillow", "orientation": "exif"}},
                           "steps": [], "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
    "decode-defaults": {"pixelpact": 1, "input": {"color": "GRAY", "decode": {}}, "steps": [],
                        "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
    "alpha-drop": {"pixelpact": 1, "input": {"color": "RGBA", "alpha": "drop"}, "steps": [],
                   "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
    "torch-engine": {"pixelpact": 1, "input": {"color": "RGB"},
                     "steps": [{"op": "resize", "size": 256, "max_size": 300, "interpolation": "bilinear",
                                "engine": "torch", "antialias": False},
                               {"op": "resize", "size": [30, 40], "interpolation": "nearest-exact", "engine": "torch",
                                "antialias": True},
                               {"op": "resize", "size": 20, "interpolation": "lanczos", "engine": "torch"},
                               {"op": "resize", "size": 21, "interpolation": "lanczos", "engine": "torch",
                                "antialias": True},
                               {"op": "resize", "size": [9, 9], "interpolation": "nearest", "engine": "torch"}],
                     "output": {"layout": "CHW", "dtype": "uint8", "color": "RGB"}},
    "opencv-size": {"pixelpact": 1, "input": {"color": "BGR"},
                    "steps": [{"op": "resize", "size": [224, 224], "interpolation": "bilinear", "engine": "opencv",
                               "version": "4"}],
                    "output": {"layout": "NCHW", "dtype": "uint8", "color": "RGB"}},
    "opencv-scale": {"pixelpact": 1, "input": {"color": "RGB"},
                     "steps": [{"op": "resize", "scale": [0.5, 0.25], "interpolation": "area", "engine": "opencv"}],
                     "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
    "opencv-scale-number": {"pixelpact": 1, "input": {"color": "GRAY"},
                            "steps": [{"op": "resize", "scale": 1.5, "interpolation": "lanczos4", "engine": "opencv",
                                       "version": "5"}],
                            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
    "opencv-shorter-side": {"pixelpact": 1, "input": {"color": "RGB"},
                            "steps": [{"op": "resize", "size": 256, "max_size": 300, "interpolation": "nearest-exact",
                                       "engine": "opencv"},
                                      {"op": "resize", "size": [9, 9], "interpolation": "bilinear-exact",
                                       "engine": "opencv"},
                                      {"op": "resize", "size": [9, 10], "interpolation": "bicubic",
                                       "engine": "opencv"},
                                      {"op": "resize", "size": 8, "interpolation": "nearest", "engine": "opencv"}],
                            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
    "torch-float": {"pixelpact": 1, "input": {"color": "RGB"},
                    "steps": [{"op": "center_crop", "size": 300}, {"op": "to_float", "dtype": "float32"},
                              {"op": "div", "value": 255},
                              {"op": "resize", "size": 256, "max_size": 400, "interpolation": "bicubic",
                               "engine": "torch", "antialias": False},
                              {"op": "center_crop", "size": [224, 200]}, {"op": "center_crop", "size": 100},
                              {"op": "normalize", "mean": 0.5, "std": 0.25}, {"op": "cast", "dtype": "float64"}],
                    "output": {"layout": "NCHW", "dtype": "float16", "color": "BGR"}},
    "torch-float-antialias": {"pixelpact": 1, "input": {"color": "RGB"},
                              "steps": [{"op": "to_float", "dtype": "float32"},
                                        {"op": "resize", "size": 9, "interpolation": "bicubic", "engine": "torch",
                                         "antialias": True}],
                              "output": {"layout": "HWC", "dtype": "float32", "color": "RGB"}},
    "torch-float-area": {"pixelpact": 1, "input": {"color": "GRAY"},
                         "steps": [{"op": "to_float", "dtype": "float32"},
                                   {"op": "resize", "size": [7, 9], "interpolation": "area", "engine": "torch"}],
                         "output": {"layout": "HWC", "dtype": "float32", "color": "RGB"}},
    "tensorflow-float": {"pixelpact": 1, "input": {"color": "RGB"},
                         "steps": [{"op": "to_float", "dtype": "float32"},
                                   {"op": "resize", "size": [224, 224], "interpolation": "lanczos3",
                                    "engine": "tensorflow", "antialias": True},
                                   {"op": "div", "value": 255}],
                         "output": {"layout": "NHWC", "dtype": "float32", "color": "RGB"}},
    "tensorflow-central-crop": {"pixelpact": 1, "input": {"color": "RGB"},
                                "steps": [{"op": "center_crop", "central_fraction": 0.875},
                                          {"op": "to_float", "dtype": "float32"},
                                          {"op": "resize", "size": [299, 299], "interpolation": "bilinear",
                                           "engine": "tensorflow"},
                                          {"op": "center_crop", "central_fraction": 1}],
                                "output": {"layout": "NHWC", "dtype": "float32", "color": "RGB"}},
    "tensorflow-preserve-aspect-ratio": {"pixelpact": 1, "input": {"color": "RGB"},
                                "steps": [{"op": "to_float", "dtype": "float32"},
                                          {"op": "resize", "size": [224, 300], "keep_ratio": "tf_preserve_aspect_ratio",
                                           "interpolation": "area", "engine": "tensorflow"},
                                          {"op": "div", "value": 255}],
                                "output": {"layout": "NHWC", "dtype": "float32", "color": "RGB"}},
    "tensorflow-resize-with-pad": {"pixelpact": 1, "input": {"color": "RGB"},
                                "steps": [{"op": "resize", "size": [30, 40], "keep_ratio": "tf_resize_with_pad",
                                           "interpolation": "nearest", "engine": "tensorflow"},
                                          {"op": "to_float", "dtype": "float32"},
                                          {"op": "resize", "size": [224, 300], "keep_ratio": "tf_resize_with_pad",
                                           "interpolation": "lanczos5", "engine": "tensorflow", "antialias": True},
                                          {"op": "center_crop", "central_fraction": 0.5}],
                                "output": {"layout": "NHWC", "dtype": "float32", "color": "RGB"}},
    "tensorflow-float-default-antialias": {"pixelpact": 1, "input": {"color": "GRAY"},
                                           "steps": [{"op": "to_float", "dtype": "float32"},
                                                     {"op": "resize", "size": 9, "interpolation": "area",
                                                      "engine": "tensorflow"}],
                                           "output": {"layout": "HWC", "dtype": "float32", "color": "RGB"}},
    "tensorflow-nearest-uint8": {"pixelpact": 1, "input": {"color": "RGB"},
                                 "steps": [{"op": "resize", "size": [7, 300], "interpolation": "nearest",
                                            "engine": "tensorflow"}],
                                 "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
}

CROP = {"op": "crop", "top": 0, "left": 0, "height": 10, "width": 10}
PAD = {"op": "pad", "padding": 1}
LETTERBOX = {"op": "letterbox", "size": 64, "engine": "pillow"}
RESIZE = E1["steps"][0]


def _with_step(step, at=0):
    doc = copy.deepcopy(E1)
    doc["steps"].insert(at, step)
    return doc

TORCH = {"pixelpact": 1, "input": {"color": "RGB"},
         "steps": [{"op": "resize", "size": 256, "interpolation": "bicubic", "engine": "torch", "antialias": False}],
         "output": {"layout": "CHW", "dtype": "uint8", "color": "RGB"}}

CV = {"pixelpact": 1, "input": {"color": "RGB"},
      "steps": [{"op": "resize", "size": [224, 224], "interpolation": "bilinear", "engine": "opencv"}],
      "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def _mutate(base, path, value, delete=False):
    doc = copy.deepcopy(base)
    *parents, last = path
    node = doc
    for p in parents:
        node = node[p]
    if delete:
        del node[last]
    else:
        node[last] = value
    return doc


RGBA = _mutate(E1, ["input", "color"], "RGBA")
COMPOSITE = _mutate(RGBA, ["input", "alpha"], "composite")
FLOAT_RESIZE = {"op": "resize", "size": 64, "interpolation": "bilinear", "engine": "torch", "antialias": False}
FLOAT_AREA = {"op": "resize", "size": [8, 8], "interpolation": "area", "engine": "torch"}

TF_FLOAT = VALID["tensorflow-float"]
CENTRAL = {"op": "center_crop", "central_fraction": 0.875}
CV_SCALE = _mutate(_mutate(CV, ["steps", 0, "size"], None, delete=True), ["steps", 0, "scale"], [0.5, 2])
HF_SIZE = {"pixelpact": 1, "input": {"color": "RGB"},
           "steps": [{"op": "resize", "size": 800, "keep_ratio": "hf_shortest_longest", "max_size": 1333,
                      "interpolation": "bilinear", "engine": "torch"}],
           "output": {"layout": "NCHW", "dtype": "uint8", "color": "RGB"}}

# (case id, document, JSON Pointer the error must name, schema can express it)
INVALID = [
    ("missing-version", _mutate(E1, ["pixelpact"], None, delete=True), "", True),
    ("bad-version", _mutate(E1, ["pixelpact"], 2), "/pixelpact", True),
    ("unknown-top-key", _mutate(E1, ["model"], "x"), "/model", True),
    ("name-not-string", _mutate(E1, ["name"], 3), "/name", True),
    ("missing-input", _mutate(E1, ["input"], None, delete=True), "", True),
    ("bad-color", _mutate(E1, ["input", "color"], "YUV"), "/input/color", True),
    ("input-extra", _mutate(E1, ["input", "alpha"], "drop"), "/input/alpha", True),
    ("alpha-bad", _mutate(RGBA, ["input", "alpha"], "blend"), "/input/alpha", True),
    ("alpha-not-string", _mutate(RGBA, ["input", "alpha"], 1), "/input/alpha", True),
    ("alpha-gray", _mutate(_mutate(RGBA, ["input", "color"], "GRAY"), ["input", "alpha"], "drop"),
     "/input/alpha", True),
    ("decode-not-object", _mutate(E1, ["input", "decode"], "exif"), "/input/decode", True),
    ("decode-extra", _mutate(E1, ["input", "decode"], {"orientation": "exif", "format": "jpeg"}),
     "/input/decode/format", True),
    ("orientation-bad", _mutate(E1, ["input", "decode"], {"orientation": "auto"}), "/input/decode/orientation", True),
    ("orientation-not-string", _mutate(E1, ["input", "decode"], {"orientation": 6}), "/input/decode/orientation",
     True),
    ("decoder-bad", _mutate(E1, ["input", "decode"], {"decoder": "libjpeg"}), "/input/decode/decoder", True),
    ("decoder-case", _mutate(E1, ["input", "decode"], {"decoder": "TensorFlow"}), "/input/decode/decoder", True),
    ("decoder-not-string", _mutate(E1, ["input", "decode"], {"decoder": ["tensorflow"]}), "/input/decode/decoder",
     True),
    ("background-without-composite", _mutate(RGBA, ["input", "background"], [1, 2, 3]), "/input/background", True),
    ("background-with-drop", _mutate(_mutate(RGBA, ["input", "alpha"], "drop"), ["input", "background"], [1, 2, 3]),
     "/input/background", True),
    ("background-two", _mutate(COMPOSITE, ["input", "background"], [1, 2]), "/input/background", True),
    ("background-scalar", _mutate(COMPOSITE, ["input", "background"], 255), "/input/background", True),
    ("background-256", _mutate(COMPOSITE, ["input", "background"], [1, 256, 3]), "/input/background/1", True),
    ("background-fraction", _mutate(COMPOSITE, ["input", "background"], [1, 2, 0.5]), "/input/background/2", True),
    ("premultiply-torch", _mutate(_mutate(RGBA, ["input", "alpha"], "premultiply"), ["steps"], TORCH["steps"]),
     "/steps/0/engine", False),
    ("premultiply-opencv", _mutate(_mutate(RGBA, ["input", "alpha"], "premultiply"), ["steps"], CV["steps"]),
     "/steps/0/engine", False),
    ("premultiply-pad", _mutate(_mutate(RGBA, ["input", "alpha"], "premultiply"), ["steps"],
                                [{"op": "resize", "size": 9, "interpolation": "box", "engine": "pillow"},
                                 {"op": "pad", "padding": 1}]), "/steps/1/op", False),
    ("premultiply-letterbox", _mutate(_mutate(RGBA, ["input", "alpha"], "premultiply"), ["steps"],
                                      [{"op": "letterbox", "size": 32, "engine": "pillow"}]), "/steps/0/op", False),
    ("steps-not-list", _mutate(E1, ["steps"], {}), "/steps", True),
    ("step-not-object", _mutate(E1, ["steps", 1], "crop"), "/steps/1", True),
    ("step-no-op", _mutate(E1, ["steps", 1, "op"], None, delete=True), "/steps/1", True),
    ("unknown-op", _mutate(E1, ["steps", 0, "op"], "rotate"), "/steps/0/op", True),
    ("resize-size-zero", _mutate(E1, ["steps", 0, "size"], 0), "/steps/0/size", True),
    ("resize-size-negative", _mutate(E1, ["steps", 0, "size"], -5), "/steps/0/size", True),
    ("resize-size-fraction", _mutate(E1, ["steps", 0, "size"], 2.5), "/steps/0/size", True),
    ("resize-size-string", _mutate(E1, ["steps", 0, "size"], "256"), "/steps/0/size", True),
    ("resize-size-3", _mutate(E1, ["steps", 0, "size"], [1, 2, 3]), "/steps/0/size", True),
    ("resize-size-item", _mutate(E1, ["steps", 0, "size"], [224, 0]), "/steps/0/size/1", True),
    ("resize-size-huge", _mutate(E1, ["steps", 0, "size"], 1 << 21), "/steps/0/size", True),
    ("resize-no-engine", _mutate(E1, ["steps", 0, "engine"], None, delete=True), "/steps/0", True),
    ("resize-bad-engine", _mutate(E1, ["steps", 0, "engine"], "magick"), "/steps/0/engine", True),
    ("resize-bad-filter", _mutate(E1, ["steps", 0, "interpolation"], "cubic"), "/steps/0/interpolation", True),
    ("resize-extra", _mutate(E1, ["steps", 0, "fill"], 0), "/steps/0/fill", True),
    ("pillow-antialias", _mutate(E1, ["steps", 0, "antialias"], True), "/steps/0/antialias", True),
    ("pillow-nearest-exact", _mutate(E1, ["steps", 0, "interpolation"], "nearest-exact"),
     "/steps/0/interpolation", True),
    ("torch-box", _mutate(TORCH, ["steps", 0, "interpolation"], "box"), "/steps/0/interpolation", True),
    ("torch-hamming", _mutate(TORCH, ["steps", 0, "interpolation"], "hamming"), "/steps/0/interpolation", True),
    ("torch-version", _mutate(TORCH, ["steps", 0, "version"], "13"), "/steps/0/version", True),
    ("torch-antialias-string", _mutate(TORCH, ["steps", 0, "antialias"], "true"), "/steps/0/antialias", True),
    ("torch-antialias-int", _mutate(TORCH, ["steps", 0, "antialias"], 1), "/steps/0/antialias", True),
    ("torch-lanczos-no-aa", _mutate(TORCH, ["steps", 0, "interpolation"], "lanczos"), "/steps/0/antialias", True),
    ("torch-bad-mode", _mutate(TORCH, ["steps", 0, "interpolation"], "box"), "/steps/0/interpolation", True),
    ("torch-area-uint8", _mutate(TORCH, ["steps", 0, "interpolation"], "area"), "/steps/0/interpolation", False),
    ("tensorflow-bad-mode", _mutate(TF_FLOAT, ["steps", 1, "interpolation"], "lanczos"), "/steps/1/interpolation",
     True),
    ("tensorflow-antialias-string", _mutate(TF_FLOAT, ["steps", 1, "antialias"], "false"), "/steps/1/antialias", True),
    ("tensorflow-version", _mutate(TF_FLOAT, ["steps", 1, "version"], "13"), "/steps/1/version", True),
    ("tensorflow-scale", _mutate(TF_FLOAT, ["steps", 1, "scale"], 0.5), "/steps/1/scale", True),
    ("tensorflow-bilinear-uint8", _mutate(TF_FLOAT, ["steps"], [TF_FLOAT["steps"][1]]), "/steps/0/interpolation",
     False),
    ("tensorflow-letterbox", _mutate(E1, ["steps"], [{"op": "letterbox", "size": 64, "engine": "tensorflow"}]),
     "/steps/0/engine", True),
    ("resize-bad-version", _mutate(E1, ["steps", 0, "version"], "11"), "/steps/0/version", True),
    ("resize-version-number", _mutate(E1, ["steps", 0, "version"], 13), "/steps/0/version", True),
    ("max-size-with-pair", _mutate(E4, ["steps", 0, "max_size"], 500), "/steps/0/max_size", True),
    ("max-size-too-small", _mutate(E1, ["steps", 0, "max_size"], 256), "/steps/0/max_size", False),
    ("crop-size-bool", _mutate(E1, ["steps", 1, "size"], True), "/steps/1/size", True),
    ("crop-extra", _mutate(E1, ["steps", 1, "padding_mode"], "edge"), "/steps/1/padding_mode", True),
    ("to-float-dtype", _mutate(E1, ["steps", 2, "dtype"], "float16"), "/steps/2/dtype", True),
    ("div-zero", _mutate(E1, ["steps", 3, "value"], 0), "/steps/3/value", True),
    ("div-channel-zero", _mutate(E1, ["steps", 3, "value"], [1, 0, 1]), "/steps/3/value/1", True),
    ("div-no-value", _mutate(E1, ["steps", 3, "value"], None, delete=True), "/steps/3", True),
    ("div-string", _mutate(E1, ["steps", 3, "value"], "255"), "/steps/3/value", True),
    ("mean-two", _mutate(E1, ["steps", 4, "mean"], [0.1, 0.2]), "/steps/4/mean", True),
    ("mean-four", _mutate(E1, ["steps", 4, "mean"], [0.1, 0.2, 0.3, 0.4]), "/steps/4/mean", True),
    ("std-zero", _mutate(E1, ["steps", 4, "std"], [0.2, 0.2, 0]), "/steps/4/std/2", True),
    ("normalize-no-std", _mutate(E1, ["steps", 4, "std"], None, delete=True), "/steps/4", True),
    ("bad-layout", _mutate(E1, ["output", "layout"], "HCW"), "/output/layout", True),
    ("bad-dtype", _mutate(E1, ["output", "dtype"], "int8"), "/output/dtype", True),
    ("bad-out-color", _mutate(E1, ["output", "color"], "GRAY"), "/output/color", True),
    ("output-missing", _mutate(E1, ["output", "dtype"], None, delete=True), "/output", True),
    ("float-to-uint8", _mutate(E1, ["output", "dtype"], "uint8"), "/output/dtype", False),
    ("arith-before-float", {**E1, "steps": [E1["steps"][3]] + E1["steps"]}, "/steps/0/op", False),
    ("resize-after-float", {**E1, "steps": E1["steps"] + [E1["steps"][0]]}, "/steps/5/engine", False),
    ("opencv-after-float", {**E1, "steps": E1["steps"] + [CV["steps"][0]]}, "/steps/5/engine", False),
    ("float-resize-lanczos", {**E1, "steps": E1["steps"] + [{**FLOAT_RESIZE, "interpolation": "nearest"}]},
     "/steps/5/interpolation", False),
    ("float-resize-float64", {**E1, "steps": [{"op": "to_float", "dtype": "float64"}, FLOAT_RESIZE]},
     "/steps/1/op", False),
    ("float-resize-after-cast64", {**E1, "steps": E1["steps"] + [{"op": "cast", "dtype": "float64"}, FLOAT_RESIZE]},
     "/steps/6/op", False),
    ("two-float-resizes", {**E1, "steps": E1["steps"] + [FLOAT_RESIZE, FLOAT_RESIZE]}, "/steps/6/op", False),
    ("crop-before-float-resize", {**E1, "steps": E1["steps"] + [E1["steps"][1], FLOAT_RESIZE]}, "/steps/5/op",
     False),
    ("float-crop-rule", {**E1, "steps": E1["steps"] + [FLOAT_RESIZE, {"op": "center_crop", "size": 9,
                                                                      "rule": "hf_pil"}]},
     "/steps/6/rule", False),
    ("float-crop-keras", {**E1, "steps": E1["steps"] + [FLOAT_RESIZE, {"op": "center_crop", "size": 9,
                                                                       "rule": "keras_crop_to_aspect_ratio"}]},
     "/steps/6/rule", False),
    ("float-crop-fill", {**E1, "steps": E1["steps"] + [FLOAT_RESIZE, {"op": "center_crop", "size": 9, "fill": 0}]},
     "/steps/6/fill", False),
    ("area-before-float", _mutate(TORCH, ["steps", 0], {**FLOAT_AREA}), "/steps/0/interpolation", False),
    ("area-antialias", {**E1, "steps": E1["steps"] + [{**FLOAT_AREA, "antialias": False}]}, "/steps/5/antialias",
     False),
    ("two-to-float", {**E1, "steps": E1["steps"][:3] + E1["steps"][2:]}, "/steps/3/op", False),
    ("crop-no-top", _with_step({k: v for k, v in CROP.items() if k != "top"}), "/steps/0", True),
    ("crop-top-fraction", _with_step({**CROP, "top": 1.5}), "/steps/0/top", True),
    ("crop-left-huge", _with_step({**CROP, "left": -(1 << 21)}), "/steps/0/left", True),
    ("crop-height-zero", _with_step({**CROP, "height": 0}), "/steps/0/height", True),
    ("box-crop-extra", _with_step({**CROP, "padding_mode": "edge"}), "/steps/0/padding_mode", True),
    ("crop-fill-256", _with_step({**CROP, "fill": 256}), "/steps/0/fill", True),
    ("crop-fill-negative", _with_step({**CROP, "fill": [0, -1, 0]}), "/steps/0/fill/1", True),
    ("crop-fill-two", _with_step({**CROP, "fill": [0, 1]}), "/steps/0/fill", True),
    ("crop-fill-float", _with_step({**CROP, "fill": 0.5}), "/steps/0/fill", True),
    ("crop-fill-gray-differs", {**_with_step({**CROP, "fill": [1, 2, 3]}), "input": {"color": "GRAY"}},
     "/steps/0/fill", False),
    ("pad-no-padding", _with_step({"op": "pad"}), "/steps/0", True),
    ("pad-negative", _with_step({**PAD, "padding": -1}), "/steps/0/padding", True),
    ("pad-three", _with_step({**PAD, "padding": [1, 2, 3]}), "/steps/0/padding", True),
    ("pad-five", _with_step({**PAD, "padding": [1, 2, 3, 4, 5]}), "/steps/0/padding", True),
    ("pad-item-negative", _with_step({**PAD, "padding": [1, 2, -3, 4]}), "/steps/0/padding/2", True),
    ("pad-mode", _with_step({**PAD, "padding_mode": "reflect"}), "/steps/0/padding_mode", True),
    ("pad-after-float", _with_step(PAD, at=3), "/steps/3/op", False),
    ("center-crop-bad-rule", _mutate(E1, ["steps", 1, "rule"], "timm"), "/steps/1/rule", True),
    ("center-crop-bad-fill", _mutate(E1, ["steps", 1, "fill"], "white"), "/steps/1/fill", True),
    ("central-fraction-zero", _mutate(E1, ["steps", 1], {**CENTRAL, "central_fraction": 0}),
                   "/steps/1/central_fraction", True),
    ("central-fraction-above-1", _mutate(E1, ["steps", 1], {**CENTRAL, "central_fraction": 1.5}),
     "/steps/1/central_fraction", True),
    ("central-fraction-string", _mutate(E1, ["steps", 1], {**CENTRAL, "central_fraction": "0.5"}),
     "/steps/1/central_fraction", True),
    ("central-fraction-and-size", _mutate(E1, ["steps", 1], {**CENTRAL, "size": 9}), "/steps/1/size", True),
    ("central-fraction-and-rule", _mutate(E1, ["steps", 1], {**CENTRAL, "rule": "torchvision"}),
     "/steps/1/rule", True),
    ("central-fraction-and-fill", _mutate(E1, ["steps", 1], {**CENTRAL, "fill": 0}), "/steps/1/fill", True),
    ("center-crop-no-size", _mutate(E1, ["steps", 1, "size"], None, delete=True), "/steps/1", True),
    ("keep-ratio-bad", _mutate(E1, ["steps", 0, "keep_ratio"], "both"), "/steps/0/keep_ratio", True),
    ("keep-ratio-int-box", _mutate(E1, ["steps", 0, "keep_ratio"], "not_larger"), "/steps/0/keep_ratio", True),
    ("keep-ratio-int-tf", _mutate(E1, ["steps", 0, "keep_ratio"], "tf_preserve_aspect_ratio"),
     "/steps/0/keep_ratio", True),
    ("keep-ratio-int-tf-pad", _mutate(E1, ["steps", 0, "keep_ratio"], "tf_resize_with_pad"),
     "/steps/0/keep_ratio", True),
    ("keep-ratio-tf-max-size", _mutate(_mutate(E4, ["steps", 0, "keep_ratio"], "tf_preserve_aspect_ratio"),
                                       ["steps", 0, "max_size"], 500), "/steps/0/max_size", True),
    ("keep-ratio-pair-shorter", _mutate(E4, ["steps", 0, "keep_ratio"], "shorter"), "/steps/0/keep_ratio", True),
    ("keep-ratio-longer-max",
     _mutate(_mutate(E1, ["steps", 0, "keep_ratio"], "longer"), ["steps", 0, "max_size"], 500),
     "/steps/0/max_size", True),
    ("letterbox-bad-rule", _with_step({**LETTERBOX, "rule": "yolo"}), "/steps/0/rule", True),
    ("letterbox-blob-auto", _with_step({"op": "letterbox", "size": 64, "rule": "blob", "auto": True}),
     "/steps/0/auto", True),
    ("letterbox-blob-engine", _with_step({"op": "letterbox", "size": 64, "rule": "blob_crop", "engine": "opencv"}),
     "/steps/0/engine", True),
    ("letterbox-blob-crop-fill", _with_step({"op": "letterbox", "size": 64, "rule": "blob_crop", "fill": 1}),
     "/steps/0/fill", True),
    ("letterbox-opencv-lanczos", _with_step({**LETTERBOX, "engine": "opencv", "interpolation": "lanczos"}),
     "/steps/0/interpolation", False),
    ("letterbox-bad-engine", _with_step({**LETTERBOX, "engine": "torch2"}), "/steps/0/engine", True),
    ("letterbox-auto-string", _with_step({**LETTERBOX, "auto": "yes"}), "/steps/0/auto", True),
    ("letterbox-scaleup-int", _with_step({**LETTERBOX, "scaleup": 1}), "/steps/0/scaleup", True),
    ("letterbox-stride-zero", _with_step({**LETTERBOX, "stride": 0}), "/steps/0/stride", True),
    ("letterbox-scale-fill", _with_step({**LETTERBOX, "scale_fill": True}), "/steps/0/scale_fill", True),
    ("letterbox-bad-filter", _with_step({**LETTERBOX, "interpolation": "area"}), "/steps/0/interpolation", True),
    ("letterbox-no-size", _with_step({"op": "letterbox", "engine": "pillow"}), "/steps/0", True),
    ("cast-before-float", _with_step({"op": "cast", "dtype": "float32"}, at=2), "/steps/2/op", False),
    ("cast-float16", _with_step({"op": "cast", "dtype": "float16"}, at=3), "/steps/3/dtype", True),
    ("cast-extra", _with_step({"op": "cast", "dtype": "float32", "value": 1}, at=3), "/steps/3/value", True),
    ("opencv-pillow-filter", _mutate(CV, ["steps", 0, "interpolation"], "lanczos"), "/steps/0/interpolation", True),
    ("pillow-opencv-filter", _mutate(E1, ["steps", 0, "interpolation"], "area"), "/steps/0/interpolation", True),
    ("opencv-bad-version", _mutate(CV, ["steps", 0, "version"], "13"), "/steps/0/version", True),
    ("opencv-version-number", _mutate(CV, ["steps", 0, "version"], 4), "/steps/0/version", True),
    ("pillow-version-4", _mutate(E1, ["steps", 0, "version"], "4"), "/steps/0/version", True),
    ("pillow-scale", _mutate(_mutate(E1, ["steps", 0, "size"], None, delete=True), ["steps", 0, "scale"], 0.5),
     "/steps/0/scale", True),
    ("scale-and-size", _mutate(CV, ["steps", 0, "scale"], 0.5), "/steps/0/size", True),
    ("opencv-no-size", _mutate(CV, ["steps", 0, "size"], None, delete=True), "/steps/0", True),
    ("pillow-no-size", _mutate(E1, ["steps", 0, "size"], None, delete=True), "/steps/0", True),
    ("scale-zero", _mutate(CV_SCALE, ["steps", 0, "scale", 1], 0), "/steps/0/scale/1", True),
    ("scale-item-string", _mutate(CV_SCALE, ["steps", 0, "scale", 0], "2"), "/steps/0/scale/0", True),
    ("scale-negative", _mutate(CV_SCALE, ["steps", 0, "scale"], -1), "/steps/0/scale", True),
    ("scale-three", _mutate(CV_SCALE, ["steps", 0, "scale"], [1, 2, 3]), "/steps/0/scale", True),
    ("scale-string", _mutate(CV_SCALE, ["steps", 0, "scale"], "2"), "/steps/0/scale", True),
    ("scale-max-size", _mutate(CV_SCALE, ["steps", 0, "max_size"], 300), "/steps/0/max_size", True),
    ("hf-keep-ratio-pair", _mutate(HF_SIZE, ["steps", 0, "size"], [800, 1333]), "/steps/0/keep_ratio", True),
    ("box-truncated-int", _mutate(_mutate(HF_SIZE, ["steps", 0, "keep_ratio"], "not_larger_truncated"),
                                  ["steps", 0, "max_size"], None, delete=True), "/steps/0/keep_ratio", True),
    ("hf-max-size-zero", _mutate(HF_SIZE, ["steps", 0, "max_size"], 0), "/steps/0/max_size", True),
    ("multiple-not-object", _mutate(HF_SIZE, ["steps", 0, "multiple_of"], 32), "/steps/0/multiple_of", True),
    ("multiple-zero", _mutate(HF_SIZE, ["steps", 0, "multiple_of"], {"value": 0, "rounding": "floor"}),
     "/steps/0/multiple_of/value", True),
    ("multiple-fraction", _mutate(HF_SIZE, ["steps", 0, "multiple_of"], {"value": 2.5, "rounding": "floor"}),
     "/steps/0/multiple_of/value", True),
    ("multiple-rounding", _mutate(HF_SIZE, ["steps", 0, "multiple_of"], {"value": 8, "rounding": "nearest"}),
     "/steps/0/multiple_of/rounding", True),
    ("multiple-no-rounding", _mutate(HF_SIZE, ["steps", 0, "multiple_of"], {"value": 8}), "/steps/0/multiple_of",
     True),
    ("multiple-extra", _mutate(HF_SIZE, ["steps", 0, "multiple_of"], {"value": 8, "rounding": "ceil", "min": 1}),
     "/steps/0/multiple_of/min", True),
    ("multiple-with-scale", _mutate(CV_SCALE, ["steps", 0, "multiple_of"], {"value": 8, "rounding": "ceil"}),
     "/steps/0/multiple_of", True),
    ("multiple-alone-keep-ratio", _mutate(_mutate(HF_SIZE, ["steps", 0, "size"], None, delete=True),
                                          ["steps", 0, "multiple_of"], {"value": 8, "rounding": "ceil"}),
     "/steps/0/keep_ratio", True),
    ("round-without-dpt", _mutate(HF_SIZE, ["steps", 0, "multiple_of"], {"value": 8, "rounding": "round"}),
     "/steps/0/multiple_of/rounding", True),
    ("dpt-floor", _mutate(_mutate(_mutate(_mutate(HF_SIZE, ["steps", 0, "size"], [384, 384]), ["steps", 0, "max_size"],
                                          None, delete=True), ["steps", 0, "keep_ratio"], "hf_dpt"),
                          ["steps", 0, "multiple_of"], {"value": 8, "rounding": "floor"}),
     "/steps/0/multiple_of/rounding", True),
    ("dpt-int-size", _mutate(_mutate(HF_SIZE, ["steps", 0, "keep_ratio"], "hf_dpt_keep"), ["steps", 0, "max_size"],
                             None, delete=True), "/steps/0/keep_ratio", True),
    ("crop-fraction-and-size", _mutate(E1, ["steps", 1, "fraction_of_shorter"], [0.5, 0.5]),
     "/steps/1/fraction_of_shorter", True),
    ("crop-no-size", _mutate(E1, ["steps", 1, "size"], None, delete=True), "/steps/1", True),
    ("crop-fraction-zero", _mutate(_mutate(E1, ["steps", 1, "size"], None, delete=True),
                                   ["steps", 1, "fraction_of_shorter"], [0, 0.5]), "/steps/1/fraction_of_shorter/0",
     True),
    ("crop-fraction-one", _mutate(_mutate(E1, ["steps", 1, "size"], None, delete=True),
                                  ["steps", 1, "fraction_of_shorter"], [0.5]), "/steps/1/fraction_of_shorter", True),
    ("crop-fraction-string", _mutate(_mutate(E1, ["steps", 1, "size"], None, delete=True),
                                     ["steps", 1, "fraction_of_shorter"], ["1", 0.5]),
     "/steps/1/fraction_of_shorter/0", True),
    ("min-side-without-longest", _mutate(HF_SIZE, ["steps", 0, "min_side"], 14), "/steps/0/min_side", True),
    ("longest-max-size", _mutate(HF_SIZE, ["steps", 0, "keep_ratio"], "hf_longest"), "/steps/0/max_size", True),
    ("min-side-zero", _mutate(_mutate(_mutate(HF_SIZE, ["steps", 0, "keep_ratio"], "hf_longest"),
                                      ["steps", 0, "max_size"], None, delete=True), ["steps", 0, "min_side"], 0),
     "/steps/0/min_side", True),
    ("min-side-with-scale", _mutate(CV_SCALE, ["steps", 0, "min_side"], 3), "/steps/0/min_side", True),
    ("pad-square-extra", {**HF_SIZE, "steps": [{"op": "pad_to_square", "padding": 3}]}, "/steps/0/padding", True),
    ("pad-square-fill", {**HF_SIZE, "steps": [{"op": "pad_to_square", "fill": [1, 2]}]}, "/steps/0/fill", True),
    ("pad-square-after-float", {**HF_SIZE, "steps": [{"op": "to_float", "dtype": "float32"},
                                                     {"op": "pad_to_square"}]}, "/steps/1/op", False),
    ("no-size-no-multiple", _mutate(_mutate(_mutate(HF_SIZE, ["steps", 0, "size"], None, delete=True),
                                            ["steps", 0, "keep_ratio"], None, delete=True),
                                    ["steps", 0, "max_size"], None, delete=True), "/steps/0", True),
]


@pytest.mark.parametrize("name", list(VALID))
def test_valid(name):
    doc = VALID[name]
    assert pixelpact.validate(doc) == doc
    pixelpact.load(json.dumps(doc))
    _core.Pipeline(json.dumps(doc))


@pytest.mark.parametrize("name,doc,path,schema_can", INVALID, ids=[c[0] for c in INVALID])
def test_invalid(name, doc, path, schema_can):
    with pytest.raises(pixelpact.ContractError) as info:
        pixelpact.validate(doc)
    assert info.value.path == path, str(info.value)
    assert str(info.value).startswith((path or "/") + ": ")
    with pytest.raises(pixelpact.ContractError) as info:
        pixelpact.load(doc)
    assert info.value.path == path
    # The C++ interpreter alone (no schema in front) rejects it at the same place.
    with pytest.raises(_core.CoreError) as core_info:
        _core.Pipeline(json.dumps(doc))
    assert core_info.value.code == "invalid_contract"
    assert core_info.value.path == path, str(core_info.value)
    # The schema alone catches every fault a schema can express.
    from pixelpact._contract import schema_errors

    errors = schema_errors(doc)
    if schema_can:
        assert errors and errors[0].path == path, [str(e) for e in errors]
    else:
        assert errors == []


def test_contract_error_is_value_error():
    assert issubclass(pixelpact.ContractError, ValueError)


def test_not_json():
    with pytest.raises(pixelpact.ContractError, match="not valid JSON"):
        pixelpact.load('{"pixelpact": 1,')
    with pytest.raises(_core.CoreError, match="not valid JSON"):
        _core.Pipeline('{"pixelpact": 1,')


def test_load_sources(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(E4))
    for source in (E4, json.dumps(E4), json.dumps(E4).encode(), path, str(path)):
        assert pixelpact.load(source).contract == E4


def test_schema_is_packaged_and_valid():
    import jsonschema

    schema = pixelpact.load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith("contract-v1.json")

    def walk(node, where):
        if isinstance(node, dict):
            # Dispatchers are closed by their branches: a step by its op's def, a
            # resize by its engine's def.
            if node.get("type") == "object" and where not in ("/$defs/step", "/$defs/resize"):
                assert node.get("additionalProperties") is False, where
            for key, value in node.items():
                walk(value, where + "/" + key)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(schema, "")
    for name, prop in schema["properties"].items():
        assert "description" in prop, name


# Hostile documents: each must be refused with a ContractError naming the place, by
# Python and by the C++ core alone, in bounded time and memory, never by crashing.
_OUT = '"output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}'
_DEEP = "[" * 70000 + "]" * 70000
_LEVELS = _core.MAX_CONTRACT_NESTING
HOSTILE = [
    # (name, text, JSON Pointer): nesting 70,000 deep used to overflow the C++ stack
    # (describing the value for the message recursed per level): issue 17, defect 1.
    ("deep-root", _DEEP, "/0" * _LEVELS),
    ("deep-pixelpact", '{"pixelpact": ' + _DEEP + "}", "/pixelpact" + "/0" * (_LEVELS - 1)),
    ("deep-name", '{"pixelpact": 1, "name": ' + _DEEP + "}", "/name" + "/0" * (_LEVELS - 1)),
    ("deep-color", '{"pixelpact": 1, "input": {"color": ' + _DEEP + '}, "steps": [], ' + _OUT + "}",
     "/input/color" + "/0" * (_LEVELS - 2)),
    ("deep-step", '{"pixelpact": 1, "input": {"color": "RGB"}, "steps": [' + _DEEP + "], " + _OUT + "}",
     "/steps/0" + "/0" * (_LEVELS - 2)),
    ("deep-objects", '{"a": ' * 100 + "1" + "}" * 100, "/a" * _LEVELS),
    ("one-level-too-deep", "[" * (_LEVELS + 1) + "]" * (_LEVELS + 1), "/0" * _LEVELS),
    # A number beyond double range used to be PP_ERROR_INTERNAL: issue 17, defect 3.
    ("overflow-pixelpact", '{"pixelpact": 1e400}', "/pixelpact"),
    ("overflow-mean", '{"pixelpact": 1, "input": {"color": "RGB"}, "steps": [{"op": "to_float", "dtype": '
     '"float32"}, {"op": "normalize", "mean": [0.5, 0.5, -1e999], "std": 1}], ' + _OUT + "}", "/steps/1/mean/2"),
]


@pytest.mark.parametrize("name,text,path", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_document_is_a_contract_error(name, text, path):
    with pytest.raises(pixelpact.ContractError) as info:
        pixelpact.load(text)
    assert info.value.path == path, str(info.value)[:200]
    with pytest.raises(_core.CoreError) as core_info:
        _core.Pipeline(text)
    assert core_info.value.code == "invalid_contract", str(core_info.value)[:200]
    assert core_info.value.path == path, str(core_info.value)[:200]


def test_python_and_core_share_the_nesting_limit():
    from pixelpact._contract import MAX_JSON_NESTING

    assert MAX_JSON_NESTING == _core.MAX_CONTRACT_NESTING == 64


def test_nesting_at_the_limit_is_read():
    # The limit refuses depth, not documents: 64 levels parse, and the error is the
    # ordinary one (the root is not an object), from both validators.
    text = "[" * _LEVELS + "]" * _LEVELS
    with pytest.raises(pixelpact.ContractError, match="object") as info:
        pixelpact.load(text)
    assert info.value.path == ""
    with pytest.raises(_core.CoreError, match="expected an object"):
        _core.Pipeline(text)


def test_deep_python_objects_are_a_contract_error():
    doc = node = {}
    for _ in range(70000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(pixelpact.ContractError) as info:
        pixelpact.load(doc)
    assert info.value.path == "/a" * _LEVELS
    with pytest.raises(pixelpact.ContractError, match="finite") as info:
        pixelpact.load({**E1, "steps": [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": float("nan")}]})
    assert info.value.path == "/steps/1/value"


@pytest.mark.slow  # builds 100 MB documents
@pytest.mark.parametrize("where", ["name", "color", "pixelpact"])
def test_huge_values_give_short_messages(where):
    # Messages describe a value without serialising it whole: a 26-million-element
    # array used to cost 2.2 s and 1 GB to describe; a 100 MB string was copied whole.
    huge = {"name": '"' + "x" * 50_000_000 + '"', "color": '"' + "x" * 50_000_000 + '"',
            "pixelpact": "[" + "0," * 5_000_000 + "0]"}[where]
    doc = {"name": '{"pixelpact": 1, "name": 5, "input": ' + huge + "}",
           "color": '{"pixelpact": 1, "input": {"color": ' + huge + '}, "steps": [], ' + _OUT + "}",
           "pixelpact": '{"pixelpact": ' + huge + ', "input": {"color": "RGB"}, "steps": [], ' + _OUT + "}"}[where]
    with pytest.raises(_core.CoreError) as info:
        _core.Pipeline(doc)
    assert info.value.code == "invalid_contract"
    assert len(str(info.value)) < 400, len(str(info.value))
    with pytest.raises(pixelpact.ContractError) as info:
        pixelpact.load(doc)
    assert len(str(info.value)) < 400, len(str(info.value))


def test_error_messages_are_valid_utf8_when_cut():
    # A value cut for its message never splits a multi-byte character.
    doc = '{"pixelpact": 1, "input": {"color": "' + "é" * 100 + '"}, "steps": [], ' + _OUT + "}"
    with pytest.raises(_core.CoreError) as info:
        _core.Pipeline(doc)
    assert info.value.path == "/input/color"
    assert "ééé" in str(info.value) and "..." in str(info.value)


def _core_error(doc):
    with pytest.raises(_core.CoreError) as info:
        _core.Pipeline(json.dumps(doc))
    return info.value


def test_schema_engines_are_the_core_engines():
    """The schema's resize engines (the enum and one $defs/resize_<engine> each) are
    the engines the C++ registry knows, in the same order."""
    schema = pixelpact.load_schema()
    names = schema["$defs"]["resize"]["properties"]["engine"]["enum"]
    assert [k[len("resize_"):] for k in schema["$defs"] if k.startswith("resize_")] == names
    err = _core_error(_mutate(E1, ["steps", 0, "engine"], "no-such-engine"))
    assert str(err).endswith("is not one of " + ", ".join(f"'{n}'" for n in names)), str(err)


def test_engine_fields_agree_between_schema_and_core():
    """Every engine's own fields ($defs/resize_<engine>) are the ones its C++ engine
    declares: another engine's field is refused by both, naming the same owners."""
    schema = pixelpact.load_schema()
    defs = {k[len("resize_"):]: v["properties"] for k, v in schema["$defs"].items() if k.startswith("resize_")}
    fields = {f for props in defs.values() for f in props} - {"op", "engine", "interpolation", "size",
                                                               "keep_ratio", "max_size", "multiple_of", "min_side"}
    assert fields, defs
    for field in sorted(fields):
        owners = [e for e, props in defs.items() if field in props]
        value = {"antialias": True, "scale": 0.5}.get(field, "5")
        for engine, props in defs.items():
            mode = props["interpolation"]["enum"][0]  # a valid mode of this engine: the field is the only fault
            step = {"op": "resize", "size": 8, "interpolation": mode, "engine": engine, field: value}
            if field == "scale":
                del step["size"]
            doc = {**E4, "steps": [step]}
            if field in props:
                try:
                    _core.Pipeline(json.dumps(doc))
                except _core.CoreError as err:
                    assert not (err.path == f"/steps/0/{field}" and "applies only" in str(err)), str(err)
                continue
            err = _core_error(doc)
            names = " and ".join(", ".join(f"'{e}'" for e in owners).rsplit(", ", 1))
            assert err.path == f"/steps/0/{field}", str(err)
            assert f"applies only to engine{'s' if len(owners) > 1 else ''} {names}" in str(err), str(err)
            with pytest.raises(pixelpact.ContractError) as info:
                pixelpact.validate(doc)
            assert info.value.path == err.path and info.value.message == str(err).split(": ", 1)[1]
