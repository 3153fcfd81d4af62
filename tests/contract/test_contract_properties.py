"""Property tests (Hypothesis): the JSON Schema and the C++ core agree on
generated documents, and every accepted contract runs.

Documents are generated from the schema's vocabulary (every step type, engine,
interpolation, size rule, letterbox rule, fill form, alpha policy, dtype, layout)
in any order, then sometimes broken in one place (a key removed or added, a
value of the wrong type, out of range or not in the enum). Properties:

* the schema rejects  =>  the core rejects (``invalid_contract``);
* the schema accepts  =>  the core accepts, or refuses with one of the rules the
  schema cannot express (``SCHEMA_INEXPRESSIBLE``, the same rules as the
  ``schema_can=False`` cases of test_contract_validation.py);
* an accepted contract runs on random images of random (hostile) sizes, raising
  nothing but the documented ``ValueError`` for an input size it cannot produce a
  tensor for, or beyond a limit.

Example counts are bounded so the file runs in well under a minute.
"""
from __future__ import annotations

import copy
import json

import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pixelpact
from pixelpact import _core
from pixelpact._contract import load_schema

SCHEMA = load_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Cross-field rules of the core that JSON Schema does not state (each message
# names the rule; docs/contract.md lists them).
SCHEMA_INEXPRESSIBLE = [
    "alpha 'premultiply'", "is torch's float resize", "must be greater than size", "cannot output uint8",
    "arithmetic needs a float dtype", "after 'to_float' only engine", "a float resize supports",
    "float64 pixels are not supported", "only one resize may follow", "geometric steps must come before",
    "after a float resize only", "so it has no fill", "antialias does not apply", "may appear only once",
    "one gray level", "is not a cv2 interpolation letterbox offers", "'cast' changes a float dtype",
]

INTERPOLATIONS = {
    "pillow": ["nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"],
    "torch": ["nearest", "nearest-exact", "bilinear", "bicubic", "lanczos", "area"],
    "opencv": ["nearest", "nearest-exact", "bilinear", "bilinear-exact", "bicubic", "area", "lanczos4"],
}
side = st.integers(1, 40)
size = st.one_of(side, st.lists(side, min_size=2, max_size=2))
byte = st.integers(0, 255)
fill = st.one_of(byte, st.lists(byte, min_size=1, max_size=1), st.lists(byte, min_size=3, max_size=3))
number = st.one_of(st.sampled_from([0.5, 255, 1 / 255, 0.485, -1.0, 127.5, 2]),
                   st.floats(allow_nan=False, allow_infinity=False, width=64))
nonzero = number.filter(lambda v: v != 0)


def per_channel(values):
    return st.one_of(values, st.lists(values, min_size=1, max_size=1), st.lists(values, min_size=3, max_size=3))


def optional(draw, step, key, strategy):
    if draw(st.booleans()):
        step[key] = draw(strategy)


@st.composite
def resize_step(draw):
    engine = draw(st.sampled_from(sorted(INTERPOLATIONS)))
    step = {"op": "resize", "engine": engine, "interpolation": draw(st.sampled_from(INTERPOLATIONS[engine]))}
    if engine == "opencv" and draw(st.integers(0, 3)) == 0:
        step["scale"] = draw(st.one_of(st.floats(0.1, 3), st.lists(st.floats(0.1, 3), min_size=2, max_size=2)))
        return step
    step["size"] = draw(size)
    if draw(st.booleans()):
        pair = isinstance(step["size"], list)
        step["keep_ratio"] = draw(st.sampled_from(["not_smaller", "not_larger"] if pair else ["shorter", "longer"]))
    optional(draw, step, "max_size", st.integers(1, 64))
    if engine == "pillow":
        optional(draw, step, "version", st.sampled_from(["12", "12.1", "12.2", "12.3", "13"]))
    elif engine == "torch":
        if step["interpolation"] == "lanczos":
            step["antialias"] = True
        else:
            optional(draw, step, "antialias", st.booleans())
    else:
        optional(draw, step, "version", st.sampled_from(["4", "5"]))
    return step


@st.composite
def geometry_step(draw):
    kind = draw(st.sampled_from(["resize", "center_crop", "crop", "pad", "letterbox"]))
    if kind == "resize":
        return draw(resize_step())
    if kind == "center_crop":
        step = {"op": "center_crop", "size": draw(size)}
        optional(draw, step, "rule", st.sampled_from(["torchvision", "hf_pil", "hf_torchvision"]))
    elif kind == "crop":
        step = {"op": "crop", "top": draw(st.integers(-12, 40)), "left": draw(st.integers(-12, 40)),
                "height": draw(side), "width": draw(side)}
    elif kind == "pad":
        amounts = st.integers(0, 6)
        step = {"op": "pad", "padding": draw(st.one_of(amounts, st.lists(amounts, min_size=1, max_size=2),
                                                       st.lists(amounts, min_size=4, max_size=4)))}
    else:
        step = {"op": "letterbox", "size": draw(size)}
        rule = draw(st.sampled_from([None, "ultralytics", "blob", "blob_crop"]))
        if rule:
            step["rule"] = rule
        if rule in (None, "ultralytics"):
            optional(draw, step, "auto", st.booleans())
            optional(draw, step, "stride", st.integers(1, 40))
            optional(draw, step, "scaleup", st.booleans())
            optional(draw, step, "center", st.booleans())
            optional(draw, step, "engine", st.sampled_from(["opencv", "pillow"]))
            optional(draw, step, "interpolation", st.sampled_from(INTERPOLATIONS["pillow"]))
        if rule == "blob_crop":
            return step
    optional(draw, step, "fill", fill)
    return step


@st.composite
def float_step(draw):
    kind = draw(st.sampled_from(["add", "sub", "mul", "div", "normalize", "cast", "resize", "center_crop"]))
    if kind in ("add", "sub", "mul"):
        return {"op": kind, "value": draw(per_channel(number))}
    if kind == "div":
        return {"op": "div", "value": draw(per_channel(nonzero))}
    if kind == "normalize":
        return {"op": "normalize", "mean": draw(per_channel(number)), "std": draw(per_channel(nonzero))}
    if kind == "cast":
        return {"op": "cast", "dtype": draw(st.sampled_from(["float32", "float64"]))}
    if kind == "resize":
        step = {"op": "resize", "engine": "torch", "size": draw(size),
                "interpolation": draw(st.sampled_from(["bilinear", "bicubic", "area"]))}
        if step["interpolation"] != "area":
            optional(draw, step, "antialias", st.booleans())
        return step
    return {"op": "center_crop", "size": draw(size)}


@st.composite
def contract(draw):
    color = draw(st.sampled_from(["RGB", "BGR", "RGBA", "BGRA", "GRAY"]))
    doc = {"pixelpact": 1, "input": {"color": color}}
    if color in ("RGBA", "BGRA"):
        alpha = draw(st.sampled_from([None, "drop", "premultiply", "composite"]))
        if alpha:
            doc["input"]["alpha"] = alpha
        if alpha == "composite" and draw(st.booleans()):
            doc["input"]["background"] = draw(st.lists(byte, min_size=3, max_size=3))
    steps = draw(st.lists(geometry_step(), max_size=3))
    floating = draw(st.booleans())
    if floating:
        steps.append({"op": "to_float", "dtype": draw(st.sampled_from(["float32", "float64"]))})
        steps += draw(st.lists(float_step(), max_size=3))
    if draw(st.integers(0, 9)) == 0:
        steps = draw(st.permutations(steps))  # any order: the core's order rules
    doc["steps"] = steps
    dtypes = ["float32", "float16"] + ([] if floating and draw(st.integers(0, 9)) else ["uint8"])
    doc["output"] = {"layout": draw(st.sampled_from(["NCHW", "NHWC", "CHW", "HWC"])),
                     "dtype": draw(st.sampled_from(dtypes)), "color": draw(st.sampled_from(["RGB", "BGR"]))}
    return doc


BREAKS = [None, 0, -1, 2.5, 1e9, 1048577, "", "lanczos", "x", [], [1, 2], {}, True, 255, 256, -1048577]


@st.composite
def maybe_broken(draw):
    doc = draw(contract())
    if draw(st.integers(0, 2)):
        return doc  # two in three unbroken
    doc = copy.deepcopy(doc)
    places = []

    def walk(node):
        if isinstance(node, dict):
            for key in node:
                places.append((node, key))
                walk(node[key])
        elif isinstance(node, list):
            for i in range(len(node)):
                places.append((node, i))
                walk(node[i])

    walk(doc)
    parent, key = draw(st.sampled_from(places))
    how = draw(st.sampled_from(["replace", "delete", "add"]))
    if how == "delete" and isinstance(parent, dict):
        del parent[key]
    elif how == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["extra", "size", "fill", "rule", "engine", "alpha", "dtype"]))] = draw(
            st.sampled_from(BREAKS))
    else:
        parent[key] = draw(st.sampled_from(BREAKS))
    return doc


def core_verdict(doc):
    """None if the core accepts the document, else its CoreError."""
    try:
        return None, _core.Pipeline(json.dumps(doc))
    except _core.CoreError as error:
        return error, None


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(maybe_broken())
def test_schema_and_core_agree(doc):
    schema_ok = VALIDATOR.is_valid(doc)
    error, _ = core_verdict(doc)
    if not schema_ok:
        assert error is not None, f"the schema rejects, the core accepts: {json.dumps(doc)}"
        assert error.code == "invalid_contract", str(error)
        return
    if error is not None:
        assert error.code == "invalid_contract", str(error)
        assert any(rule in str(error) for rule in SCHEMA_INEXPRESSIBLE), (
            f"the schema accepts, the core refuses for a rule the schema could state: {error}\n{json.dumps(doc)}")


image_side = st.one_of(st.integers(1, 48), st.sampled_from([1, 2, 3, 97, 251]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contract(), image_side, image_side, st.integers(0, 2**32 - 1), st.booleans())
def test_accepted_contracts_run(doc, height, width, seed, flipped):
    try:
        pipe = pixelpact.load(doc, max_output_elements=1 << 20, max_intermediate_bytes=64 << 20)
    except pixelpact.ContractError:
        return  # refused: test_schema_and_core_agree judges that
    channels = {"GRAY": 1, "RGB": 3, "BGR": 3}.get(pipe.input_color, 4)
    image = np.random.default_rng(seed).integers(0, 256, (height, width, channels), np.uint8)
    if flipped:
        image = image[::-1, ::-1]
    if channels == 1 and seed % 2:
        image = image[..., 0]
    try:
        shape = pipe.output_shape(height, width)
    except ValueError as error:  # documented: a size the contract cannot produce a tensor for, or a limit
        with pytest.raises(ValueError):
            pipe(image)
        assert str(error)
        return
    try:
        tensor = pipe(image)
    except ValueError as error:
        # documented: an intermediate beyond max_intermediate_bytes, or alpha 'premultiply'
        # meeting padding a resize would read (the alpha of padded pixels is not in contract v1)
        assert "max_intermediate_bytes" in str(error) or "cannot resample padding" in str(error), str(error)
        return
    assert tensor.shape == tuple(shape)
    assert tensor.dtype == np.dtype(doc["output"]["dtype"])
