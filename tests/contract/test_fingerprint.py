"""The canonical form and fingerprint of a contract: one canonical text per meaning,
itself a valid contract with the same canonical text and the same tensor bytes; the
fingerprint is hashlib's SHA-256 of it; equal for spellings of one contract,
different for every change that can change a byte."""
from __future__ import annotations

import copy
import hashlib
import json

import numpy as np
import pytest

import pixelpact
from helpers import CONFORMANCE, CONTRACTS, assert_same, noise
from helpers import contract as example_contract

FILES = sorted(CONFORMANCE.glob("*.json")) + sorted(CONTRACTS.glob("*.json"))

RGB_F32 = {"layout": "NCHW", "dtype": "float32", "color": "RGB"}


def contract(*steps, color="RGB", output=None, **input_fields):
    return {"pixelpact": 1, "input": {"color": color, **input_fields}, "steps": list(steps),
            "output": output or RGB_F32}


# Contracts beyond the conformance suite: every engine, rule and policy.
EXTRA = {
    "opencv-scale": contract({"op": "resize", "scale": [0.5, 0.75], "interpolation": "area", "engine": "opencv"},
                             {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}),
    "opencv-nearest-exact-4": contract({"op": "resize", "size": [31, 17], "interpolation": "nearest-exact",
                                        "engine": "opencv", "version": "4"}),
    "letterbox": contract({"op": "letterbox", "size": 64, "auto": True, "stride": 16},
                          {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}, color="BGR"),
    "letterbox-blob": contract({"op": "letterbox", "size": [48, 64], "rule": "blob", "fill": [1, 2, 3]}),
    "letterbox-blob-crop": contract({"op": "letterbox", "size": [48, 64], "rule": "blob_crop"}),
    "float-resize": contract({"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                             {"op": "resize", "size": 40, "interpolation": "bicubic", "engine": "torch"},
                             {"op": "normalize", "mean": 0.5, "std": 0.25}, {"op": "center_crop", "size": 32}),
    "float-area": contract({"op": "to_float", "dtype": "float32"},
                           {"op": "resize", "size": [20, 30], "interpolation": "area", "engine": "torch"}),
    "keep-ratio": contract({"op": "resize", "size": [40, 60], "keep_ratio": "not_larger", "interpolation": "bicubic",
                            "engine": "pillow"}, {"op": "center_crop", "size": [40, 60], "rule": "hf_pil", "fill": 7}),
    "composite": contract({"op": "resize", "size": 33, "max_size": 50, "interpolation": "bilinear",
                           "engine": "torch", "antialias": False}, color="RGBA", alpha="composite",
                          background=[10, 20, 30]),
    "premultiply": contract({"op": "resize", "size": [20, 21], "interpolation": "lanczos", "engine": "pillow"},
                            color="BGRA", alpha="premultiply"),
    "hf-pil": contract({"op": "resize", "size": 30, "interpolation": "bicubic", "engine": "pillow"},
                       {"op": "to_float", "dtype": "float64"}, {"op": "mul", "value": 0.00392156862745098},
                       {"op": "cast", "dtype": "float32"},
                       {"op": "normalize", "mean": [0.48145466, 0.4578275, 0.40821073],
                        "std": [0.26862954, 0.26130258, 0.27577711]},
                       output={"layout": "NHWC", "dtype": "float16", "color": "BGR"}),
    "exif-orientation": contract({"op": "resize", "size": [20, 21], "interpolation": "bilinear", "engine": "pillow"},
                                 color="RGBA", decode={"orientation": "exif"}),
    "pad-crop": contract({"op": "pad", "padding": [1, 2], "fill": [9, 9, 9]},
                         {"op": "crop", "top": -3, "left": 2, "height": 20, "width": 25, "fill": 4}, color="GRAY"),
}


def documents():
    for path in FILES:
        yield path.stem, json.loads(path.read_text())
    yield from EXTRA.items()


@pytest.mark.parametrize("name,doc", list(documents()), ids=lambda v: v if isinstance(v, str) else "")
def test_canonical_form_is_a_fixed_point_with_the_same_bytes(name, doc):
    pipe = pixelpact.load(doc)
    canonical = pipe.canonical_json
    assert pipe.fingerprint == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert canonical == json.dumps(json.loads(canonical), sort_keys=True, separators=(",", ":")), \
        "compact JSON with sorted keys"
    assert "name" not in json.loads(canonical) and "description" not in json.loads(canonical)
    pixelpact.validate(canonical)  # the schema accepts it too
    again = pixelpact.load(canonical)
    assert again.canonical_json == canonical and again.fingerprint == pipe.fingerprint
    assert pixelpact.fingerprint(doc) == pipe.fingerprint
    channels = {"RGB": 3, "BGR": 3, "GRAY": 0, "RGBA": 4, "BGRA": 4}[doc["input"]["color"]]
    for h, w in [(37, 53), (61, 29)]:
        image = noise(h, w, channels, seed=h)
        assert_same(again(image), pipe(image))


def _set(doc, path, value):
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


E1 = example_contract("resnet50_imagenet_eval")


@pytest.mark.parametrize("variant", [
    _set(E1, ["name"], "another name"),
    _set(E1, ["description"], "text for humans"),
    _set(E1, ["steps", 3, "value"], [255.0, 255, 2.55e2]),
    _set(E1, ["steps", 1, "size"], 224),
    _set(E1, ["steps", 1, "rule"], "torchvision"),
    _set(E1, ["steps", 1, "fill"], [0, 0, 0]),
    _set(E1, ["steps", 0, "keep_ratio"], "shorter"),
    _set(E1, ["steps", 0, "version"], "13"),
    _set(E1, ["input", "decode"], {}),
    _set(E1, ["input", "decode"], {"orientation": "ignore"}),
    _set(E1, ["input", "decode"], {"decoder": "pillow", "orientation": "ignore"}),
    _set(E1, ["steps", 4, "mean"], [0.48500001, 0.456, 0.406]),  # the same float32
    _set(E1, ["steps"], E1["steps"][:4] + [{"op": "sub", "value": [0.485, 0.456, 0.406]},
                                           {"op": "div", "value": [0.229, 0.224, 0.225]}]),
    _set(E1, ["steps"], E1["steps"][:2] + [{"op": "to_float", "dtype": "float64"}, {"op": "cast", "dtype": "float32"}]
         + E1["steps"][3:] + [{"op": "cast", "dtype": "float64"}]),
], ids=["name", "description", "value-list", "crop-int", "crop-rule", "crop-fill", "keep-ratio", "version",
        "decode-empty", "decode-default", "decoder-default", "float32-spelling", "sub-div", "casts"])
def test_spellings_of_one_contract_share_the_fingerprint(variant):
    assert pixelpact.fingerprint(variant) == pixelpact.fingerprint(E1)


@pytest.mark.parametrize("variant", [
    _set(E1, ["steps", 0, "interpolation"], "bicubic"),
    _set(E1, ["steps", 0, "version"], "12.1"),
    _set(E1, ["steps", 0, "engine"], "torch"),
    _set(E1, ["steps", 0, "size"], 257),
    _set(E1, ["steps", 1, "rule"], "hf_pil"),
    _set(E1, ["steps", 1, "fill"], 1),
    _set(E1, ["steps", 3, "value"], 255.00002),
    _set(E1, ["steps", 4, "mean"], [0.4851, 0.456, 0.406]),
    _set(E1, ["steps", 2, "dtype"], "float64"),
    _set(E1, ["steps"], E1["steps"][:3] + [{"op": "mul", "value": 1 / 255}] + E1["steps"][4:]),
    _set(E1, ["output", "layout"], "NHWC"),
    _set(E1, ["output", "color"], "BGR"),
    _set(E1, ["input", "color"], "BGR"),
    _set(E1, ["input", "decode"], {"orientation": "exif"}),
    _set(E1, ["input", "decode"], {"decoder": "tensorflow"}),
], ids=["filter", "version", "engine", "size", "rule", "fill", "value", "mean", "dtype", "mul", "layout",
        "out-color", "in-color", "orientation", "decoder"])
def test_changes_that_can_change_a_byte_change_the_fingerprint(variant):
    assert pixelpact.fingerprint(variant) != pixelpact.fingerprint(E1)


def test_ignored_fields_take_their_default():
    nearest = contract({"op": "resize", "size": [9, 9], "interpolation": "nearest", "engine": "torch"})
    assert pixelpact.fingerprint(nearest) == pixelpact.fingerprint(_set(nearest, ["steps", 0, "antialias"], False))
    pil = contract({"op": "resize", "size": [9, 9], "interpolation": "nearest", "engine": "pillow"})
    assert pixelpact.fingerprint(pil) == pixelpact.fingerprint(_set(pil, ["steps", 0, "version"], "12.1"))
    cv = contract({"op": "resize", "size": [9, 9], "interpolation": "bilinear", "engine": "opencv"})
    assert pixelpact.fingerprint(cv) == pixelpact.fingerprint(_set(cv, ["steps", 0, "version"], "4"))
    exact = _set(cv, ["steps", 0, "interpolation"], "nearest-exact")
    assert pixelpact.fingerprint(exact) != pixelpact.fingerprint(_set(exact, ["steps", 0, "version"], "4"))


def test_float32_values_are_written_as_their_float32():
    doc = contract({"op": "to_float", "dtype": "float32"}, {"op": "mul", "value": 0.1},
                   {"op": "cast", "dtype": "float64"}, {"op": "add", "value": 0.1},
                   {"op": "div", "value": -0.0})
    with pytest.raises(pixelpact.ContractError):
        pixelpact.load(doc)  # 0 is a divisor: -0.0 too
    doc["steps"][-1] = {"op": "mul", "value": -0.0}
    steps = json.loads(pixelpact.load(doc).canonical_json)["steps"]
    assert steps[1] == {"op": "mul", "value": 0.1}          # float32 0.1, shortest float32 text
    assert steps[3] == {"op": "add", "value": 0.1}          # float64 0.1
    assert str(np.float32(0.1)) == "0.1" and float(np.float32(0.1)) != 0.1
    assert '"value":-0.0' in pixelpact.load(doc).canonical_json
    big = contract({"op": "to_float", "dtype": "float32"}, {"op": "mul", "value": 1e39})
    assert json.loads(pixelpact.load(big).canonical_json)["steps"][1]["value"] == 1e39
    assert pixelpact.fingerprint(big) == pixelpact.fingerprint(_set(big, ["steps", 1, "value"], 1e300))


def test_sha256_equals_hashlib_for_many_lengths():
    """Canonical texts of many lengths, across the 55/56-byte padding split and a
    64-byte block boundary."""
    lengths = set()
    for n in range(60):
        doc = contract({"op": "crop", "top": -(10 ** (n % 6)) - n, "left": (n * 7919) % 100000, "height": 1 + n * 997,
                        "width": 1 + (n * 31) % 1000, "fill": [n, 2 * n, 3 * n]},
                       output={"layout": "HWC", "dtype": "uint8", "color": "RGB"})
        pipe = pixelpact.load(doc)
        lengths.add(len(pipe.canonical_json))
        assert pipe.fingerprint == hashlib.sha256(pipe.canonical_json.encode()).hexdigest()
    assert len(lengths) > 10 and {183, 184, 192, 193} <= lengths


def test_invalid_contract_has_no_fingerprint():
    with pytest.raises(pixelpact.ContractError) as err:
        pixelpact.fingerprint(_set(E1, ["steps", 0, "size"], 0))
    assert err.value.path == "/steps/0/size"


def test_hugging_face_size_rules_in_the_canonical_form():
    """DPT's rules write their default multiple (1, 'round'); a Hugging Face rule and the
    torchvision rule of the same numbers are different contracts; a fraction crop is written
    as its two fractions."""
    def resize(**rule):
        return {"pixelpact": 1, "input": {"color": "RGB"},
                "steps": [{"op": "resize", "interpolation": "bilinear", "engine": "torch", **rule}],
                "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
    dpt = resize(size=[384, 384], keep_ratio="hf_dpt")
    assert pixelpact.fingerprint(dpt) == pixelpact.fingerprint(
        resize(size=[384, 384], keep_ratio="hf_dpt", multiple_of={"value": 1, "rounding": "round"}))
    assert json.loads(pixelpact.load(dpt).canonical_json)["steps"][0]["multiple_of"] == {"rounding": "round",
                                                                                         "value": 1}
    hf = resize(size=800, keep_ratio="hf_shortest_longest", max_size=1333)
    assert pixelpact.fingerprint(hf) != pixelpact.fingerprint(resize(size=800, max_size=1333))
    assert pixelpact.fingerprint(hf) != pixelpact.fingerprint(
        resize(size=800, keep_ratio="hf_shortest_longest", max_size=1333, multiple_of={"value": 1, "rounding": "floor"}))
    crop = {**hf, "steps": [{"op": "center_crop", "fraction_of_shorter": [0.875, 0.875]}]}
    assert json.loads(pixelpact.load(crop).canonical_json)["steps"][0] == {
        "fill": 0, "fraction_of_shorter": [0.875, 0.875], "op": "center_crop", "rule": "torchvision"}
