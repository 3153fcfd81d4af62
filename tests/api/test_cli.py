"""The pixelpact command line, run as a user would (a subprocess)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from torchvision import transforms as T

import pixelpact
from helpers import ROOT, assert_same, contract, noise

E1 = contract("resnet50_imagenet_eval")
E2 = contract("bgr_bicubic_imagenet_eval")


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pixelpact", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


def test_validate(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(E1))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**E1, "output": {**E1["output"], "layout": "CWH"}}))
    ok = cli("validate", good)
    assert ok.returncode == 0 and "valid" in ok.stdout
    res = cli("validate", good, bad, tmp_path / "missing.json")
    assert res.returncode == 1
    assert f"{bad}: invalid: /output/layout:" in res.stdout
    assert "missing.json: cannot read" in res.stdout


def test_run_png_and_npy(tmp_path):
    rgb = noise(123, 77, seed=31)
    Image.fromarray(rgb).save(tmp_path / "img.png")
    np.save(tmp_path / "img.npy", rgb)
    (tmp_path / "e1.json").write_text(json.dumps(E1))
    res = cli("run", tmp_path / "e1.json", tmp_path / "img.png", "-o", tmp_path / "out.npy")
    assert res.returncode == 0, res.stderr
    ref = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                     T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    expected = ref(Image.open(tmp_path / "img.png")).unsqueeze(0).numpy()
    assert_same(np.load(tmp_path / "out.npy"), expected)
    res = cli("run", tmp_path / "e1.json", tmp_path / "img.npy", "-o", tmp_path / "out2.npy")
    assert res.returncode == 0, res.stderr
    assert_same(np.load(tmp_path / "out2.npy"), expected)


def test_run_decodes_with_the_contracts_decoder(tmp_path):
    """A contract with "decoder": "tensorflow" decodes JPEG files as TensorFlow does
    (run_encoded; TensorFlow parity in tests/parity/test_decode_tensorflow.py), not
    with Pillow: one file and a folder alike."""
    from helpers.encoded import photos, require_decoders

    require_decoders()
    doc = json.loads(json.dumps(E1))
    doc["input"]["decode"] = {"decoder": "tensorflow"}
    (tmp_path / "tf.json").write_text(json.dumps(doc))
    (tmp_path / "in").mkdir()
    for name in ("chelsea", "coffee"):
        Image.fromarray(photos()[name]).save(tmp_path / "in" / f"{name}.jpg", quality=80)
    pipe = pixelpact.load(doc)
    res = cli("run", tmp_path / "tf.json", tmp_path / "in" / "chelsea.jpg", "-o", tmp_path / "one.npy")
    assert res.returncode == 0, res.stderr
    expected = pipe.run_encoded(tmp_path / "in" / "chelsea.jpg")
    assert_same(np.load(tmp_path / "one.npy"), expected)
    assert not np.array_equal(expected, pixelpact.load(E1).run_encoded(tmp_path / "in" / "chelsea.jpg"))
    res = cli("run", tmp_path / "tf.json", tmp_path / "in", "-o", tmp_path / "out")
    assert res.returncode == 0, res.stderr
    for name in ("chelsea", "coffee"):
        assert_same(np.load(tmp_path / "out" / f"{name}.npy"), pipe.run_encoded(tmp_path / "in" / f"{name}.jpg"))


def test_run_bgr_contract_decodes_to_bgr(tmp_path):
    """An image file decodes to RGB; a BGR contract gets it reordered first."""
    rgb = noise(99, 101, seed=32)
    Image.fromarray(rgb).save(tmp_path / "img.png")
    (tmp_path / "e2.json").write_text(json.dumps(E2))
    res = cli("run", tmp_path / "e2.json", tmp_path / "img.png", "-o", tmp_path / "out.npy")
    assert res.returncode == 0, res.stderr
    assert_same(np.load(tmp_path / "out.npy"), pixelpact.load(E2)(rgb[..., ::-1]))


def test_run_invalid_contract(tmp_path):
    (tmp_path / "bad.json").write_text("{}")
    np.save(tmp_path / "img.npy", noise(5, 5))
    res = cli("run", tmp_path / "bad.json", tmp_path / "img.npy", "-o", tmp_path / "o.npy")
    assert res.returncode == 1 and "missing required property" in res.stderr


def test_schema_prints_the_packaged_schema():
    res = cli("schema")
    assert res.returncode == 0
    assert json.loads(res.stdout) == pixelpact.load_schema()


@pytest.mark.slow  # runs torchvision beside the demo contract
def test_demo_is_bit_identical():
    res = cli("demo", "--repeat", "3")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "max |pixelpact - reference| = 0  (bit-identical)" in res.stdout
    assert "(1, 3, 224, 224)" in res.stdout


def test_info():
    res = cli("info")
    assert res.returncode == 0 and pixelpact.__version__ in res.stdout
    pipe = pixelpact.load(E1)
    listed = [line.split()[0] for line in res.stdout.splitlines() if line.startswith("  ")]
    assert listed == list(pipe.kernels), res.stdout
    assert f"kernels in use: {pipe.isa}" in res.stdout


def test_documented_info_listing_names_every_kernel():
    """docs/kernels.md shows `pixelpact info`: it must list every kernel, in order."""
    text = (ROOT / "docs" / "kernels.md").read_text(encoding="utf-8")
    block = text.split("$ pixelpact info\n", 1)[1].split("```", 1)[0]
    listed = [line.split()[0] for line in block.splitlines() if line.startswith("  ")]
    assert listed == list(pixelpact.load(E1).kernels)
