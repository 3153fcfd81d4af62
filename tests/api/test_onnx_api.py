"""pixelpact.onnx beyond parity: the exact fused multiply-add, the linter's
classes and refusals (with JSON Pointers), approximate exports with a measured
bound, opsets, stamps (tampering, mismatches), attach's input checks, and that
``import pixelpact`` does not need onnx."""
from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import pixelpact
import pixelpact.onnx as ppx
from helpers import assert_same, noise
from helpers.onnx_models import session

HWC_U8 = {"layout": "HWC", "dtype": "uint8", "color": "RGB"}


def contract(steps, color="RGB", output=None, **input_fields):
    return {"pixelpact": 1, "input": {"color": color, **input_fields}, "steps": steps, "output": output or HWC_U8}


def resize(size, interpolation, engine, **extra):
    return {"op": "resize", "size": size, "interpolation": interpolation, "engine": engine, **extra}


IMAGENET = {"pixelpact": 1, "name": "imagenet", "input": {"color": "RGB"},
            "steps": [resize(256, "bilinear", "pillow"), {"op": "center_crop", "size": 224},
                      {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                      {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}],
            "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}


# ---- the exact float32 fused multiply-add -----------------------------------------------

def _round_f32(exact: Fraction) -> np.float32:
    """The float32 nearest to an exact rational, ties to even."""
    guess = np.float32(float(exact))
    candidates = [guess, np.nextafter(guess, np.float32(np.inf)), np.nextafter(guess, np.float32(-np.inf))]
    def key(c):
        return (abs(Fraction(float(c)) - exact), int(np.array(c).view(np.uint32)) & 1)
    return min(candidates, key=key)


def _fma_cases():
    # a * b = 1 + 2^-24, halfway between two float32: a tiny c decides the direction,
    # which a float64 sum (that rounds c away) and then float32 would get wrong.
    a, b = np.float32(24929 * 2.0 ** -12), np.float32(673 * 2.0 ** -12)
    xs, ys, zs = [a, a, a, -a, a], [b, b, b, b, -b], [2.0 ** -80, -2.0 ** -80, 0.0, 2.0 ** -80, -(2.0 ** -80)]
    rng = np.random.default_rng(0)
    n = 20000
    mant = lambda: rng.integers(1 << 23, 1 << 24, n) * rng.choice([-1.0, 1.0], n)  # noqa: E731
    xs += list(mant() * 2.0 ** rng.integers(-40, -10, n))
    ys += list(mant() * 2.0 ** rng.integers(-40, -10, n))
    zs += list(mant() * 2.0 ** rng.integers(-120, 0, n))
    # values like the resize's: pixels in [0, 1] times weights, plus near-cancelling sums
    w = rng.random(n, dtype=np.float32)
    p = rng.integers(0, 256, n).astype(np.float32) / np.float32(255)
    xs += list(p)
    ys += list(w)
    zs += list(-(p * w) + rng.normal(0, 1e-7, n).astype(np.float32))
    return (np.array(xs, np.float32), np.array(ys, np.float32), np.array(zs, np.float32))


@pytest.mark.slow  # measures against millions of values
def test_fma32_is_the_correctly_rounded_fused_multiply_add():
    from pixelpact.onnx._graph import F32, Builder, V
    from pixelpact.onnx._torch_float import fma32

    x, y, z = _fma_cases()
    b = Builder(17)
    with b.building():
        out = fma32(b, V(b, F32, name="x"), V(b, F32, name="y"), V(b, F32, name="z"))
        out = b.emit("Identity", [out], F32)
    graph = helper.make_graph(b.nodes, "fma", [helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
                                               for n in "xyz"],
                              [helper.make_tensor_value_info(out.name, TensorProto.FLOAT, None)],
                              initializer=b.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    got = session(model).run(None, {"x": x, "y": y, "z": z})[0]
    expected = np.array([_round_f32(Fraction(float(a)) * Fraction(float(c)) + Fraction(float(d)))
                         for a, c, d in zip(x, y, z)], np.float32)
    assert_same(got, expected)
    naive = (x.astype(np.float64) * y + z).astype(np.float32)
    assert not np.array_equal(naive, expected), "the cases include ones where float64 then float32 is wrong"
    b2 = Builder(17)  # the export-time (constant) path computes the same
    with b2.building():
        folded = fma32(b2, b2.c(x, F32), b2.c(y, F32), b2.c(z, F32))
    assert_same(folded.value, expected)


# ---- the linter ----------------------------------------------------------------------------

def test_explain_classes_each_part_with_its_path():
    doc = contract([resize(40, "lanczos", "pillow"), {"op": "center_crop", "size": 32},
                    {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                    resize(20, "bicubic", "torch", antialias=True), {"op": "normalize", "mean": 0.5, "std": 0.2}],
                   output={"layout": "NCHW", "dtype": "float32", "color": "RGB"})
    findings = ppx.explain(doc)
    by_path = {f.path: f for f in findings}
    assert list(by_path) == ["/input", "/steps/0", "/steps/1", "/steps/2", "/steps/3", "/steps/4", "/steps/5",
                             "/output"]
    assert by_path["/steps/0"].status == ppx.IN_PRACTICE and "Sin" in by_path["/steps/0"].reason
    assert by_path["/steps/4"].status == ppx.EXACT and "fused multiply-add" in by_path["/steps/4"].reason
    assert by_path["/steps/5"].status == ppx.EXACT and "IEEE" in by_path["/steps/5"].reason
    assert all(f.status == ppx.EXACT for f in ppx.explain(doc, fixed_size=(100, 120)))
    model = ppx.export(doc)
    assert {p.key: p.value for p in model.metadata_props}["pixelpact.exactness"] == ppx.IN_PRACTICE


def test_impossible_parts_are_refused_with_their_path():
    doc = contract([{"op": "crop", "top": 0, "left": 0, "height": 30, "width": 30},
                    resize([20, 20], "bilinear", "pillow")], color="RGBA", alpha="premultiply")
    with pytest.raises(ppx.Inexpressible) as err:
        ppx.export(doc)
    assert [f.path for f in err.value.findings] == ["/steps/1"]
    assert "/steps/1" in str(err.value) and "premultiply" in str(err.value)
    with pytest.raises(ppx.Inexpressible):
        ppx.export(doc, allow_approximate=True)  # impossible is never exported
    # The same resize before the crop is fine.
    ok = contract(doc["steps"][::-1], color="RGBA", alpha="premultiply")
    assert ppx.export(ok) is not None
    with pytest.raises(ppx.Inexpressible, match="opset 13"):
        ppx.export(IMAGENET, opset=12)



@pytest.mark.parametrize("rule", [{"size": 800, "keep_ratio": "hf_shortest_longest", "max_size": 1333},
                                  {"size": [300, 400], "keep_ratio": "not_larger_truncated"},
                                  {"size": [518, 518], "keep_ratio": "hf_dpt_keep"},
                                  {"size": 384, "keep_ratio": "hf_longest", "min_side": 14},
                                  {"size": 64, "multiple_of": {"value": 32, "rounding": "ceil"}}])
def test_hugging_face_size_rules_are_refused_by_name(rule):
    """Until pixelpact.onnx translates them."""
    doc = contract([{"op": "resize", "interpolation": "bilinear", "engine": "torch", **rule}])
    with pytest.raises(ppx.Inexpressible, match="Hugging Face sizing") as err:
        ppx.export(doc)
    assert [f.path for f in err.value.findings] == ["/steps/0"]
    crop = contract([{"op": "center_crop", "fraction_of_shorter": [0.875, 0.875], "rule": "hf_torchvision"}])
    with pytest.raises(ppx.Inexpressible, match="fraction of the shorter side"):
        ppx.export(crop)
    with pytest.raises(ppx.Inexpressible, match="padding to a square"):
        ppx.export(contract([{"op": "pad_to_square", "fill": [1, 2, 3]}]))


@pytest.mark.parametrize("step,what", [
    ({"op": "center_crop", "central_fraction": 0.875}, "central_fraction"),
    ({"op": "center_crop", "size": [3, 4], "rule": "keras_crop_to_aspect_ratio"}, "keras_crop_to_aspect_ratio"),
    ({"op": "center_crop", "size": [3, 4], "rule": "keras_pad_to_aspect_ratio"}, "keras_pad_to_aspect_ratio"),
    ({**resize([20, 30], "bilinear", "pillow"), "keep_ratio": "tf_preserve_aspect_ratio"}, "tf_preserve"),
    ({**resize([20, 30], "bilinear", "pillow"), "keep_ratio": "tf_resize_with_pad"}, "tf_resize_with_pad"),
])
def test_tensorflow_and_keras_windows_are_refused(step, what):
    """The TensorFlow/Keras size and window rules have no translation yet: refused by path."""
    doc = contract([step])
    with pytest.raises(ppx.Inexpressible) as err:
        ppx.export(doc)
    assert [f.path for f in err.value.findings] == ["/steps/0"]
    assert what in str(err.value)


@pytest.mark.slow  # measures against millions of values
def test_approximate_needs_permission_and_stamps_the_measured_bound():
    doc = contract([{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                    resize([1, 1], "area", "torch"), {"op": "normalize", "mean": 0.5, "std": 0.25}],
                   output={"layout": "CHW", "dtype": "float32", "color": "RGB"})
    with pytest.raises(ppx.Inexpressible) as err:
        ppx.export(doc)
    assert err.value.findings[0].path == "/steps/2" and err.value.findings[0].status == ppx.APPROXIMATE
    model = ppx.export(doc, allow_approximate=True)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["pixelpact.exactness"] == ppx.APPROXIMATE
    bound = json.loads(meta["pixelpact.error_bound"])
    # The in-order float32 sum of a whole plane drifts from torch's mean() by ~1e-3 here.
    assert bound["values"] == 16 * 3 and 0 < bound["max_abs_difference"] < 1e-2
    assert 0 < bound["values_differing"] <= bound["values"]
    assert "sample_image" in bound["images"]


def test_opsets_and_arguments():
    from PIL import Image
    from torchvision import transforms as T

    img = noise(97, 131)
    training = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                          T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    expected = training(Image.fromarray(img)).unsqueeze(0).numpy()
    for opset in (13, 18, 21):
        model = ppx.export(IMAGENET, opset=opset)
        assert model.opset_import[0].version == opset
        assert_same(session(model).run(None, {"image": img})[0], expected)
    with pytest.raises(ValueError, match="newer"):
        ppx.export(IMAGENET, opset=onnx.defs.onnx_opset_version() + 1)
    for bad in [(0, 10), (10,), "480x640", (1 << 21, 4)]:
        with pytest.raises(ValueError, match="fixed_size"):
            ppx.export(IMAGENET, fixed_size=bad)
    with pytest.raises(pixelpact.ContractError) as err:
        ppx.export({**IMAGENET, "steps": [resize(0, "bilinear", "pillow")]})
    assert err.value.path == "/steps/0/size"


def test_input_and_output_declarations():
    model = ppx.export(contract([resize([30, 20], "bilinear", "pillow")], color="GRAY",
                                output={"layout": "NHWC", "dtype": "uint8", "color": "BGR"}))
    dims = lambda v: [d.dim_value or d.dim_param for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert [i.name for i in model.graph.input] == ["image"] and dims(model.graph.input[0]) == ["height", "width", 1]
    assert model.graph.input[0].type.tensor_type.elem_type == TensorProto.UINT8
    assert dims(model.graph.output[0]) == [1, 30, 20, 3]
    fixed = ppx.export(IMAGENET, fixed_size=(480, 640))
    assert dims(fixed.graph.input[0]) == [480, 640, 3] and dims(fixed.graph.output[0]) == [1, 3, 224, 224]
    dynamic = ppx.export(contract([resize(50, "bilinear", "pillow")]))
    assert dims(dynamic.graph.output[0]) == ["out_height", "out_width", 3]


# ---- stamps --------------------------------------------------------------------------------

def _classifier(shape=(1, 3, 224, 224), dtype=TensorProto.FLOAT, name="input", inputs=1):
    nodes = [helper.make_node("ReduceMean", [name], ["logits"], keepdims=0, axes=[2, 3])] if len(shape) == 4 else \
        [helper.make_node("ReduceMean", [name], ["logits"], keepdims=0, axes=[1, 2])]
    ins = [helper.make_tensor_value_info(name, dtype, list(shape))]
    ins += [helper.make_tensor_value_info(f"extra{i}", TensorProto.FLOAT, [1]) for i in range(inputs - 1)]
    graph = helper.make_graph(nodes, "mean", ins, [helper.make_tensor_value_info("logits", dtype, [shape[0], 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.metadata_props.add(key="author", value="the model team")
    return model


def test_stamp_contract_of_and_check():
    model = _classifier()
    stamped = ppx.stamp(model, IMAGENET)
    meta = {p.key: p.value for p in stamped.metadata_props}
    assert meta["author"] == "the model team" and meta["pixelpact.preprocessing"] == "none"
    assert meta["pixelpact.fingerprint"] == pixelpact.fingerprint(IMAGENET)
    assert meta["pixelpact.name"] == "imagenet"
    assert ppx.contract_of(stamped) == json.loads(pixelpact.load(IMAGENET).canonical_json)
    assert ppx.check(stamped, IMAGENET)["pixelpact.fingerprint"] == meta["pixelpact.fingerprint"]
    respelled = {**IMAGENET, "name": "other", "steps": IMAGENET["steps"][:4] + [
        {"op": "sub", "value": [0.485, 0.456, 0.406]}, {"op": "div", "value": [0.229, 0.224, 0.225]}]}
    ppx.check(stamped, respelled)  # the same contract, spelled differently
    bgr = {**IMAGENET, "input": {"color": "BGR"}}
    with pytest.raises(ppx.StampError, match="different preprocessing"):
        ppx.check(stamped, bgr)
    restamped = ppx.stamp(stamped, bgr)  # a new stamp replaces the old one
    assert sum(p.key == "pixelpact.fingerprint" for p in restamped.metadata_props) == 1
    ppx.check(restamped, bgr)
    with pytest.raises(ppx.StampError, match="no pixelpact contract"):
        ppx.check(model)


def test_tampered_stamps_are_detected():
    stamped = ppx.stamp(_classifier(), IMAGENET)
    for key, edit in [("pixelpact.contract", lambda v: v.replace('"value":255', '"value":256')),
                      ("pixelpact.fingerprint", lambda v: "0" * 64),
                      ("pixelpact.contract", lambda v: v[:-5])]:
        copy = onnx.ModelProto()
        copy.CopyFrom(stamped)
        entry = next(p for p in copy.metadata_props if p.key == key)
        entry.value = edit(entry.value)
        with pytest.raises(ppx.StampError):
            ppx.check(copy)


# ---- attach --------------------------------------------------------------------------------

def test_attach_checks_the_model_input():
    with pytest.raises(ValueError, match="float16"):
        ppx.attach(_classifier(dtype=TensorProto.FLOAT16), IMAGENET)
    with pytest.raises(ValueError, match="rank"):
        ppx.attach(_classifier(shape=(3, 224, 224)), IMAGENET)
    with pytest.raises(ValueError, match="dimension 2"):
        ppx.attach(_classifier(shape=(1, 3, 256, 256)), IMAGENET)
    with pytest.raises(ValueError, match="depends on the image"):
        ppx.attach(_classifier(), contract([resize(256, "bilinear", "pillow"), {"op": "to_float", "dtype": "float32"}],
                                           output={"layout": "NCHW", "dtype": "float32", "color": "RGB"}))
    with pytest.raises(ValueError, match="exactly one input"):
        ppx.attach(_classifier(inputs=2), IMAGENET)
    # A model whose input is itself called "image", with dynamic batch and size.
    model = _classifier(shape=("n", 3, "h", "w"), name="image")
    full = ppx.attach(model, IMAGENET)
    img = noise(61, 83)
    expected = session(model).run(None, {"image": pixelpact.load(IMAGENET)(img)})[0]
    assert_same(session(full).run(None, {"image": img})[0], expected)
    meta = {p.key: p.value for p in full.metadata_props}
    assert meta["author"] == "the model team" and meta["pixelpact.preprocessing"] == "baked"
    ppx.check(full, IMAGENET)


def test_import_pixelpact_does_not_need_onnx():
    code = "import sys, pixelpact; pixelpact.fingerprint({'pixelpact': 1, 'input': {'color': 'RGB'}, " \
           "'steps': [], 'output': {'layout': 'HWC', 'dtype': 'uint8', 'color': 'RGB'}}); " \
           "assert 'onnx' not in sys.modules and 'onnxruntime' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_onnxruntime_float16_cast_rounds_to_nearest_even():
    """The float resize path reaches float16 with Cast: onnxruntime's must be the
    round-to-nearest-even of numpy (and torch's .half()), subnormals and ties included."""
    bits = np.arange(0, 1 << 32, 4099, dtype=np.uint64).astype(np.uint32)
    ties = ((np.arange(1 << 16, dtype=np.uint64) << 13) | (1 << 12)).astype(np.uint32) + np.uint32(100 << 23)
    values = np.concatenate([bits, ties]).view(np.float32)
    values = values[np.isfinite(values)]
    graph = helper.make_graph([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT16)], "cast",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT16, None)])
    got = session(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])).run(None, {"x": values})[0]
    with np.errstate(over="ignore"):
        expected = values.astype(np.float16)
    assert_same(got.view(np.uint16), expected.view(np.uint16))
