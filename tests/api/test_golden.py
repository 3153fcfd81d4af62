"""Golden samples: `pixelpact golden record/check`, pixelpact.golden, the manifest's
integrity, pixelpact.testing.assert_golden and the pytest plugin. Serving sides are
Python callables (OpenCV, torchvision), folders of .npy files, and the example HTTP
service; expected tensors are checked against torchvision, never pixelpact."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import skimage.data
from PIL import Image

import pixelpact
from helpers import CONTRACTS, assert_same, noise
from helpers import serving_pipelines as sp
from helpers.service import serving
from pixelpact.golden import GoldenError, GoldenIntegrityError, GoldenMismatch

pytest_plugins = ["pytester"]

E1_PATH = CONTRACTS / "resnet50_imagenet_eval.json"
E1 = json.loads(E1_PATH.read_text())
SERVING_MODULE = '''
import cv2
import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def training(path):
    return T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])(
        Image.open(path).convert("RGB")).unsqueeze(0)


def unnormalized(path):
    return T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()])(Image.open(path).convert("RGB")).unsqueeze(0)


def opencv(path):
    img = cv2.imread(path)
    return (cv2.resize(img, (224, 224), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0)[None]


def half(path):
    return training(path).half()


def broken(path):
    raise RuntimeError("the model server is down")
'''


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pixelpact", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    d = tmp_path_factory.mktemp("golden-images")
    Image.fromarray(skimage.data.chelsea()).save(d / "cat.jpg", "JPEG", quality=90)
    Image.fromarray(skimage.data.coffee()).save(d / "coffee.png")
    rgba = np.dstack([noise(97, 131, seed=3), noise(97, 131, 0, seed=4)])
    Image.fromarray(rgba).save(d / "transparent.png")
    return [d / "cat.jpg", d / "coffee.png", d / "transparent.png"]


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("serving-module")
    (d / "serving_mod.py").write_text(SERVING_MODULE)
    sys.path.insert(0, str(d))
    yield d
    sys.path.remove(str(d))


@pytest.fixture(scope="module")
def golden(images, tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "set"
    pixelpact.golden.record(E1_PATH, images, out)
    return out


def torchvision_e1(path) -> np.ndarray:
    return sp.training_pil(Image.open(path).convert("RGB"))


# ---- record -----------------------------------------------------------------------------


def test_record_writes_files_and_manifest(golden, images):
    manifest = json.loads((golden / "manifest.json").read_text())
    assert manifest["pixelpact_golden"] == 1
    assert manifest["contract"] == json.loads(pixelpact.load(E1)._core.canonical_json)
    assert {"pixelpact", "numpy", "Pillow", "python"} <= set(manifest["versions"])
    assert [s["name"] for s in manifest["samples"]] == ["cat", "coffee", "transparent"]
    assert len(manifest["files"]) == 9
    import hashlib

    for name, digest in manifest["files"].items():
        assert hashlib.sha256((golden / name).read_bytes()).hexdigest() == digest
    for sample, path in zip(manifest["samples"], images):
        assert (golden / sample["original"]).read_bytes() == path.read_bytes()
        decoded = np.load(golden / sample["decoded"])
        with Image.open(path) as im:
            assert_same(decoded, np.asarray(im.convert("RGBA" if im.mode == "RGBA" else "RGB")))
        assert_same(np.load(golden / sample["expected"]), torchvision_e1(path))


def test_record_with_the_training_transform(images, module_dir, tmp_path):
    out = pixelpact.golden.record(E1, images[:2], tmp_path / "set", transform="serving_mod:training")
    assert out.manifest["transform"] == "serving_mod:training"
    assert_same(np.load(out.sample_path("cat", "expected")), torchvision_e1(images[0]))


@pytest.mark.slow  # runs serving pipelines and diagnoses
def test_record_refuses_a_contract_that_does_not_reproduce_the_transform(images, module_dir, tmp_path):
    with pytest.raises(GoldenMismatch) as info:
        pixelpact.golden.record(E1, images[:1], tmp_path / "set", transform="serving_mod:unnormalized")
    assert info.value.diagnosis.kinds == ["normalization"] and info.value.sample == "cat"
    assert "normalization" in str(info.value) and "fix:" in str(info.value)
    assert not (tmp_path / "set").exists(), "nothing is recorded"
    res = cli("golden", "record", E1_PATH, *images[:1], "-o", tmp_path / "set2", "--transform", "serving_mod:opencv",
              cwd=module_dir)
    assert res.returncode == 1
    assert "does not reproduce the training pipeline" in res.stderr
    for kind in ("normalization", "resize_method", "channel_order", "layout", "crop"):
        assert kind in res.stderr
    assert not (tmp_path / "set2").exists()


def test_record_refusals(images, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(GoldenError, match="not empty"):
        pixelpact.golden.record(E1, images, tmp_path / "full")
    other = tmp_path / "other"
    other.mkdir()
    (other / "cat.png").write_bytes(images[1].read_bytes())
    with pytest.raises(GoldenError, match="both be sample 'cat'"):
        pixelpact.golden.record(E1, [images[0], other / "cat.png"], tmp_path / "dup")
    with pytest.raises(GoldenError, match="no such image"):
        pixelpact.golden.record(E1, [tmp_path / "missing.jpg"], tmp_path / "none")
    res = cli("golden", "record", E1_PATH, tmp_path / "missing.jpg", "-o", tmp_path / "none")
    assert res.returncode == 2 and "missing.jpg" in res.stderr


# ---- check -------------------------------------------------------------------------------


@pytest.mark.slow  # runs serving pipelines and diagnoses
def test_check_passes_for_the_training_pipeline(golden, module_dir):
    report = pixelpact.golden.check(golden, "serving_mod:training")
    assert report.ok and all(s.identical and s.match == "exact" for s in report.samples)
    res = cli("golden", "check", golden, "--serving", "serving_mod:training", cwd=module_dir)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "3 of 3 samples pass (exact)" in res.stdout


@pytest.mark.slow  # runs serving pipelines and diagnoses
def test_check_fails_and_diagnoses_an_opencv_service(golden, module_dir, tmp_path):
    res = cli("golden", "check", golden, "--serving", "serving_mod:opencv", "--json", "--report", tmp_path / "r",
              cwd=module_dir)
    assert res.returncode == 1, res.stderr
    doc = json.loads(res.stdout)
    assert doc["ok"] is False and len(doc["samples"]) == 3
    for sample in doc["samples"]:
        assert {"name", "match", "max_abs_diff", "suspects"} <= set(sample)
        assert sample["ok"] is False and sample["match"] == "exact"
        assert [s["kind"] for s in sample["suspects"]] == ["normalization", "resize_method", "channel_order",
                                                            "layout", "crop"]
    assert (tmp_path / "r" / "index.html").is_file() and (tmp_path / "r" / "cat.html").is_file()
    text = cli("golden", "check", golden, "--serving", "serving_mod:opencv", cwd=module_dir).stdout
    assert "FAIL cat" in text and "fix:" in text and "0 of 3 samples pass" in text


@pytest.mark.slow  # runs serving pipelines and diagnoses
def test_check_tensors_folder(golden, images, tmp_path):
    folder = tmp_path / "tensors"
    folder.mkdir()
    for path in images[:2]:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        np.save(folder / f"{path.stem}.npy", sp.torchvision_v2(rgb))  # what a torch service wrote
    report = pixelpact.golden.check(golden, tensors=folder)
    assert not report.ok
    by_name = {s.name: s for s in report.samples}
    assert [s.kind for s in by_name["cat"].suspects] == ["resize_method"]
    assert "torch bilinear" in by_name["cat"].suspects[0].detail
    assert by_name["transparent"].error and "transparent.npy" in by_name["transparent"].error
    res = cli("golden", "check", golden, "--tensors", folder, "--json")
    assert res.returncode == 1 and json.loads(res.stdout)["samples"][2]["error"]


@pytest.mark.slow  # runs serving pipelines and diagnoses
def test_atol_passes_but_reports_not_exact(golden, module_dir):
    exact = pixelpact.golden.check(golden, "serving_mod:half")
    assert not exact.ok and [s.kind for s in exact.samples[0].suspects] == ["dtype"]
    loose = pixelpact.golden.check(golden, "serving_mod:half", atol=1e-2)
    assert loose.ok and not any(s.identical for s in loose.samples)
    res = cli("golden", "check", golden, "--serving", "serving_mod:half", "--atol", "0.01", cwd=module_dir)
    assert res.returncode == 0 and "NOT exact" in res.stdout and "(atol 0.01)" in res.stdout
    res = cli("golden", "check", golden, "--serving", "serving_mod:half", "--atol", "1e-6", "--json", cwd=module_dir)
    assert res.returncode == 1 and json.loads(res.stdout)["atol"] == 1e-6


@pytest.mark.slow  # runs serving pipelines and diagnoses
def test_a_failing_serving_callable_fails_its_samples(golden, module_dir):
    report = pixelpact.golden.check(golden, "serving_mod:broken")
    assert not report.ok and all("the model server is down" in s.error for s in report.samples)
    res = cli("golden", "check", golden, "--serving", "serving_mod:nothing", cwd=module_dir)
    assert res.returncode == 2 and "no attribute 'nothing'" in res.stderr


# ---- integrity ------------------------------------------------------------------------------


def copy_set(golden, tmp_path):
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(golden, target)
    return target


@pytest.mark.parametrize("tamper", ["edit-expected", "truncate-original", "delete-decoded", "edit-manifest",
                                    "forge-hash", "replace-original"])
@pytest.mark.slow  # runs serving pipelines and diagnoses
def test_tampered_sets_are_refused_naming_the_file(golden, module_dir, tmp_path, tamper):
    d = copy_set(golden, tmp_path)
    manifest = json.loads((d / "manifest.json").read_text())
    name = {"edit-expected": "samples/coffee/expected.npy", "truncate-original": "samples/cat/cat.jpg",
            "delete-decoded": "samples/transparent/decoded.npy", "replace-original": "samples/cat/cat.jpg",
            "edit-manifest": "manifest.json", "forge-hash": "manifest.json"}[tamper]
    target = d / name
    if tamper == "edit-expected":
        raw = bytearray(target.read_bytes())
        raw[-1] ^= 1
        target.write_bytes(bytes(raw))
    elif tamper == "truncate-original":
        target.write_bytes(target.read_bytes()[:1000])
    elif tamper == "delete-decoded":
        target.unlink()
    elif tamper == "replace-original":
        Image.fromarray(skimage.data.astronaut()).save(target, "JPEG")
    elif tamper == "edit-manifest":
        manifest["contract"]["steps"][0]["size"] = 288
        target.write_text(json.dumps(manifest, indent=2))
    else:  # re-hash an edited file in the manifest without the manifest's own checksum
        np.save(d / "samples/cat/expected.npy", np.zeros((1, 3, 224, 224), np.float32))
        import hashlib

        manifest["files"]["samples/cat/expected.npy"] = hashlib.sha256(
            (d / "samples/cat/expected.npy").read_bytes()).hexdigest()
        target.write_text(json.dumps(manifest, indent=2))
    with pytest.raises(GoldenIntegrityError) as info:
        pixelpact.golden.check(d, "serving_mod:training")
    assert info.value.path.endswith(name)
    res = cli("golden", "check", d, "--serving", "serving_mod:training", cwd=module_dir)
    assert res.returncode == 2 and "refused" in res.stderr and name in res.stderr


def test_missing_manifest_is_refused(tmp_path):
    with pytest.raises(GoldenIntegrityError, match="manifest.json: missing"):
        pixelpact.golden.verify(tmp_path)


# ---- assert_golden and the pytest plugin --------------------------------------------------------


def test_assert_golden(golden, module_dir):
    import serving_mod

    pixelpact.testing.assert_golden(golden, serving_mod.training)
    with pytest.raises(AssertionError) as info:
        pixelpact.testing.assert_golden(golden, serving_mod.unnormalized)
    message = str(info.value)
    assert "3 of 3 golden samples" in message and "normalization" in message and "fix: normalize as training" in message


@pytest.mark.slow  # runs pytest in a subprocess
def test_pytest_plugin(pytester, golden, module_dir):
    pytester.makepyfile(test_serving=f"""
        import sys
        sys.path.insert(0, {str(module_dir)!r})
        import serving_mod

        def test_training(pixelpact_golden):
            pixelpact_golden(serving_mod.training)

        def test_opencv(pixelpact_golden):
            pixelpact_golden(serving_mod.opencv)
    """)
    result = pytester.runpytest_subprocess("--pixelpact-golden", str(golden), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "channel_order" in out and "fix: convert the image to RGB" in out
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "training")
    result.assert_outcomes(failed=1)
    assert "--pixelpact-golden DIR" in result.stdout.str()
    pytester.makeini(f"[pytest]\npixelpact_golden = {golden}\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "training").assert_outcomes(passed=1)
    help_text = pytester.runpytest_subprocess("--help").stdout.str()
    assert "--pixelpact-golden" in help_text


# ---- the example HTTP service ---------------------------------------------------------------


@pytest.mark.build
def test_check_url_against_the_example_service(service_binary, images, tmp_path):
    jpeg_and_png = images[:2]
    golden = tmp_path / "set"
    pixelpact.golden.record(E1_PATH, jpeg_and_png, golden)
    with serving(service_binary, E1_PATH) as (base, _):
        res = cli("golden", "check", golden, "--url", base + "/v1/tensor", "--json")
    assert res.returncode == 0, res.stdout + res.stderr
    assert json.loads(res.stdout)["ok"] is True
    drifted = tmp_path / "drifted.json"
    steps = [dict(s) for s in E1["steps"]]
    steps[0].update(engine="opencv")  # the service team "optimized" the resize
    drifted.write_text(json.dumps({**E1, "steps": steps}))
    with serving(service_binary, drifted) as (base, _):
        report = pixelpact.golden.check(golden, url=base + "/v1/tensor")
    assert not report.ok
    for sample in report.samples:
        assert sample.match == "exact" and [s.kind for s in sample.suspects] == ["resize_method"]
        assert "cv2.INTER_LINEAR" in sample.suspects[0].detail
    report = pixelpact.golden.check(golden, url="http://127.0.0.1:9/v1/tensor", timeout=5)
    assert not report.ok and all(s.error for s in report.samples)


@pytest.mark.slow  # runs serving pipelines and diagnoses
def test_compare_reads_a_recorded_golden_set(golden, module_dir, tmp_path):
    """pixelpact compare --golden accepts a `golden record` set (and refuses a tampered one)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights = np.random.default_rng(0).normal(size=(3 * 224 * 224, 10)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["x"], ["flat"]), helper.make_node("MatMul", ["flat", "w"], ["logits"])],
        "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializer=[numpy_helper.from_array(weights, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "model.onnx")
    golden_coffee = copy_set(golden, tmp_path)
    res = cli("compare", "--model", tmp_path / "model.onnx", "--golden", golden_coffee, "--serving",
              "serving_mod:training", "--json", cwd=module_dir)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["overall"]["samples"] == 3 and report["overall"]["tensors_identical"] == 3
    (golden_coffee / "samples/cat/expected.npy").write_bytes(b"x")
    res = cli("compare", "--model", tmp_path / "model.onnx", "--golden", golden_coffee, "--serving",
              "serving_mod:training", cwd=module_dir)
    assert res.returncode == 2 and "samples/cat/expected.npy" in res.stderr
