"""The command line of the ONNX workflow, run as a user would (a subprocess):
pixelpact onnx export / attach / stamp / check, and pixelpact compare with a
small model built here, an exact serving path and an injected BGR mismatch."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from PIL import Image
from torchvision import transforms as T

import pixelpact
from helpers import assert_same, noise
from helpers.onnx_models import photos, session

pytestmark = pytest.mark.slow  # runs the CLI in subprocesses with onnxruntime: the fast subset leaves it out

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
CONTRACT = {"pixelpact": 1, "name": "tiny", "input": {"color": "RGB"},
            "steps": [{"op": "resize", "size": 40, "interpolation": "bicubic", "engine": "pillow"},
                      {"op": "center_crop", "size": 32}, {"op": "to_float", "dtype": "float32"},
                      {"op": "div", "value": 255}, {"op": "normalize", "mean": MEAN, "std": STD}],
            "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}
TRAINING = T.Compose([T.Resize(40, T.InterpolationMode.BICUBIC), T.CenterCrop(32), T.ToTensor(), T.Normalize(MEAN, STD)])


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pixelpact", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "contract.json").write_text(json.dumps(CONTRACT))
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((3 * 32 * 32, 10)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["pixels"], ["flat"]), helper.make_node("MatMul", ["flat", "w"], ["logits"])],
        "tiny", [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializer=[numpy_helper.from_array(weights, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "model.onnx")
    return tmp_path


def test_export_and_explain(files):
    out = files / "pre.onnx"
    res = cli("onnx", "export", files / "contract.json", "-o", out)
    assert res.returncode == 0, res.stderr
    assert f"{out}: exact, contract {pixelpact.fingerprint(CONTRACT)}" in res.stdout
    img = photos()["chelsea"]
    got = session(onnx.load(out)).run(None, {"image": img})[0]
    assert_same(got, TRAINING(Image.fromarray(img)).unsqueeze(0).numpy())
    res = cli("onnx", "export", "--explain", files / "contract.json")
    assert res.returncode == 0
    lines = res.stdout.splitlines()
    assert lines[1].startswith("/steps/0") and "resize (pillow, bicubic)" in lines[1] and " exact " in lines[1]
    assert lines[-1] == "export: exact"
    lanczos = {**CONTRACT, "steps": [{**CONTRACT["steps"][0], "interpolation": "lanczos"}] + CONTRACT["steps"][1:]}
    (files / "lanczos.json").write_text(json.dumps(lanczos))
    res = cli("onnx", "export", "--explain", files / "lanczos.json")
    assert res.returncode == 0 and "exact-in-practice" in res.stdout and res.stdout.endswith("export: exact-in-practice\n")
    res = cli("onnx", "export", "--explain", "--fixed-size", "300x451", files / "lanczos.json")
    assert res.stdout.endswith("export: exact\n")
    res = cli("onnx", "export", files / "contract.json", "-o", out, "--fixed-size", "300-451")
    assert res.returncode != 0 and "HEIGHTxWIDTH" in res.stderr


def test_export_refuses_with_the_path(files):
    bad = {"pixelpact": 1, "input": {"color": "RGBA", "alpha": "premultiply"},
           "steps": [{"op": "center_crop", "size": 30},
                     {"op": "resize", "size": [20, 20], "interpolation": "bilinear", "engine": "pillow"}],
           "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
    (files / "bad.json").write_text(json.dumps(bad))
    res = cli("onnx", "export", files / "bad.json", "-o", files / "bad.onnx")
    assert res.returncode == 1 and "/steps/1" in res.stderr and "impossible" in res.stderr
    assert not (files / "bad.onnx").exists()
    res = cli("onnx", "export", "--explain", files / "bad.json")
    assert res.returncode == 1 and "export: refused" in res.stdout
    invalid = {**CONTRACT, "steps": [{"op": "resize", "size": 0, "interpolation": "bicubic", "engine": "pillow"}]}
    (files / "invalid.json").write_text(json.dumps(invalid))
    res = cli("onnx", "export", files / "invalid.json", "-o", files / "x.onnx")
    assert res.returncode == 1 and "/steps/0/size" in res.stderr


def test_attach_stamp_check(files):
    full = files / "full.onnx"
    res = cli("onnx", "attach", files / "model.onnx", files / "contract.json", "-o", full)
    assert res.returncode == 0, res.stderr
    img = noise(97, 131)
    expected = session(onnx.load(files / "model.onnx")).run(None, {"pixels": TRAINING(Image.fromarray(img)).unsqueeze(0).numpy()})[0]
    assert_same(session(onnx.load(full)).run(None, {"image": img})[0], expected)
    res = cli("onnx", "check", full, files / "contract.json")
    assert res.returncode == 0 and "preprocessing baked in" in res.stdout and "the same contract" in res.stdout

    stamped = files / "stamped.onnx"
    assert cli("onnx", "stamp", files / "model.onnx", files / "contract.json", "-o", stamped).returncode == 0
    res = cli("onnx", "check", stamped)
    assert res.returncode == 0 and "stamp only" in res.stdout and "(tiny)" in res.stdout
    other = {**CONTRACT, "input": {"color": "BGR"}}
    (files / "other.json").write_text(json.dumps(other))
    res = cli("onnx", "check", stamped, files / "other.json")
    assert res.returncode == 1 and "different preprocessing" in res.stderr
    res = cli("onnx", "check", files / "model.onnx")
    assert res.returncode == 1 and "carries no pixelpact contract" in res.stderr
    crop24 = {**CONTRACT, "steps": CONTRACT["steps"][:1] + [{"op": "center_crop", "size": 24}] + CONTRACT["steps"][2:]}
    (files / "crop24.json").write_text(json.dumps(crop24))
    res = cli("onnx", "attach", files / "model.onnx", files / "crop24.json", "-o", files / "x.onnx")
    assert res.returncode == 1 and "dimension 2 differs" in res.stderr


SERVING = """
import numpy as np, pixelpact
from PIL import Image
PIPE = pixelpact.load({contract!r})
def exact(path):
    return PIPE(np.asarray(Image.open(path).convert("RGB")))
def bgr(path):  # the classic bug: cv2.imread's BGR array into an RGB contract
    return PIPE(np.ascontiguousarray(np.asarray(Image.open(path).convert("RGB"))[..., ::-1]))
"""


def test_compare_exact_and_mismatched_serving(files):
    golden = files / "golden"
    golden.mkdir()
    samples = list(photos().values()) + [noise(97, 131, seed=s) for s in range(6)]
    for i, img in enumerate(samples):
        Image.fromarray(img).save(golden / f"s{i}.png")
        np.save(golden / f"s{i}.npy", TRAINING(Image.open(golden / f"s{i}.png").convert("RGB")).unsqueeze(0).numpy())
    (files / "serve.py").write_text(SERVING.format(contract=CONTRACT))
    res = cli("compare", "--model", files / "model.onnx", "--golden", golden, "--serving", "serve:exact", "--json",
              cwd=files)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["overall"] == {"samples": 10, "top1_agreement": 1.0, "max_abs_logit_diff": 0.0,
                                 "max_abs_prob_diff": 0.0, "tensors_identical": 10}
    res = cli("compare", "--model", files / "model.onnx", "--golden", golden, "--serving", "serve:bgr", cwd=files)
    assert res.returncode == 1
    assert " NO " in res.stdout and "top-1 agreement" in res.stdout
    from pixelpact.compare import compare

    import importlib.util
    spec = importlib.util.spec_from_file_location("serve", files / "serve.py")
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    report = compare(files / "model.onnx", golden, serving=serve.bgr)
    assert report["overall"]["top1_agreement"] < 1.0 and report["overall"]["max_abs_logit_diff"] > 1.0
    assert report["overall"]["tensors_identical"] == 0
    served = files / "served"
    served.mkdir()
    for i in range(len(samples)):
        np.save(served / f"s{i}.npy", serve.exact(str(golden / f"s{i}.png")))
    assert compare(files / "model.onnx", golden, tensors=served)["overall"]["max_abs_logit_diff"] == 0.0
    (served / "s3.npy").unlink()
    res = cli("compare", "--model", files / "model.onnx", "--golden", golden, "--tensors", served)
    assert res.returncode == 2 and "no serving tensor" in res.stderr
    res = cli("compare", "--model", files / "model.onnx", "--golden", golden)
    assert res.returncode != 0 and "exactly one of" in res.stderr
