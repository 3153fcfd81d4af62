"""The cross-language conformance suite (tests/conformance/) through Python's
pixelpact.load, plus guards on the suite itself: it covers the whole contract
vocabulary, its expected tensors are what the real libraries produce today, and its
generator never touches pixelpact. The same cases also run through the C++ API
(ctest: conformance_cpp), the C API (ctest: c_api) and ctypes (test_c_abi.py)."""
from __future__ import annotations

import ast
import json
import subprocess
import sys

import numpy as np
import pytest

import pixelpact
from helpers import CONFORMANCE, assert_same

CASES = sorted(p.stem for p in CONFORMANCE.glob("*.json"))


def load_case(name):
    return (json.loads((CONFORMANCE / f"{name}.json").read_text()),
            np.load(CONFORMANCE / f"{name}_input.npy"), np.load(CONFORMANCE / f"{name}_expected.npy"))


@pytest.mark.parametrize("name", CASES)
def test_case_through_python(name):
    _, image, expected = load_case(name)
    pipe = pixelpact.load(CONFORMANCE / f"{name}.json")
    assert pipe.output_shape(*image.shape[:2]) == expected.shape
    assert_same(pipe(image), expected)


def test_suite_is_complete_and_small():
    assert len(CASES) >= 30
    for name in CASES:
        for suffix in ("_input.npy", "_expected.npy"):
            assert (CONFORMANCE / f"{name}{suffix}").is_file(), name + suffix
        _, image, _ = load_case(name)
        assert image.dtype == np.uint8 and max(image.shape[:2]) <= 64, (name, image.shape)
    total = sum(p.stat().st_size for p in CONFORMANCE.iterdir())
    assert total < 1_000_000, total


def test_suite_covers_the_contract_vocabulary():
    seen = {key: set() for key in ["color", "op", "interpolation", "size_form", "crop_form", "float_dtype",
                                   "value_form", "layout", "dtype", "out_color", "direction"]}
    for name in CASES:
        doc, image, expected = load_case(name)
        seen["color"].add(doc["input"]["color"])
        seen["layout"].add(doc["output"]["layout"])
        seen["dtype"].add(doc["output"]["dtype"])
        seen["out_color"].add(doc["output"]["color"])
        for step in doc["steps"]:
            seen["op"].add(step["op"])
            if step["op"] == "resize":
                seen["interpolation"].add(step["interpolation"])
                form = "list" if isinstance(step["size"], list) else "int+max_size" if "max_size" in step else "int"
                seen["size_form"].add(form)
            if step["op"] == "center_crop":
                seen["crop_form"].add("list" if isinstance(step["size"], list) else "int")
            if step["op"] == "to_float":
                seen["float_dtype"].add(step["dtype"])
            for key in ("value", "mean", "std"):
                if key in step:
                    v = step[key]
                    seen["value_form"].add(f"list{len(v)}" if isinstance(v, list) else "scalar")
        if [s for s in doc["steps"] if s["op"] == "resize"]:
            out_hw = expected.shape[-2:] if doc["output"]["layout"] in ("NCHW", "CHW") else expected.shape[-3:-1]
            seen["direction"].add("up" if out_hw[0] * out_hw[1] > image.shape[0] * image.shape[1] else "down")
    assert seen["color"] == {"RGB", "BGR", "RGBA", "BGRA", "GRAY"}
    # letterbox and the center_crop rules are proven against Ultralytics / Hugging Face /
    # timm in test_geometry_steps.py (this generator runs Pillow and torchvision only).
    assert seen["op"] == {"resize", "center_crop", "crop", "pad", "to_float", "cast", "add", "sub", "mul", "div",
                          "normalize"}
    assert seen["interpolation"] == {"nearest", "box", "bilinear", "hamming", "bicubic", "lanczos", "nearest-exact"}
    assert seen["size_form"] == {"int", "int+max_size", "list"}
    assert seen["crop_form"] == {"int", "list"}
    assert seen["float_dtype"] == {"float32", "float64"}
    assert seen["value_form"] == {"scalar", "list1", "list3"}
    assert seen["layout"] == {"NCHW", "NHWC", "CHW", "HWC"}
    assert seen["dtype"] == {"float32", "float16", "uint8"}
    assert seen["out_color"] == {"RGB", "BGR"}
    assert seen["direction"] == {"up", "down"}


@pytest.mark.slow  # regenerates the suite
def test_expected_tensors_are_what_the_reference_libraries_produce(tmp_path):
    """Regenerates the suite with Pillow/torchvision into a temporary folder: every
    committed file must come out byte-identical (catches hand edits and reference
    library drift)."""
    subprocess.run([sys.executable, str(CONFORMANCE / "generate.py"), str(tmp_path)], check=True,
                   capture_output=True, text=True)
    committed = sorted(p.name for p in CONFORMANCE.iterdir() if p.suffix in (".json", ".npy"))
    assert committed == sorted(p.name for p in tmp_path.iterdir())
    for name in committed:
        assert (tmp_path / name).read_bytes() == (CONFORMANCE / name).read_bytes(), name


def test_generator_never_uses_pixelpact():
    tree = ast.parse((CONFORMANCE / "generate.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert "pixelpact" not in imported
    assert {"PIL", "torch", "torchvision"} <= imported
