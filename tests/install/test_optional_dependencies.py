"""Optional dependencies stay optional: `import pixelpact` imports none of torch, ray, Pillow
or onnx; with those made unimportable, pixelpact still loads and runs contracts and
`pixelpact run` still processes .npy arrays, and the integrations say what to install."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np

import pixelpact
from helpers import assert_same, noise

HEAVY = ("torch", "torchvision", "ray", "PIL", "onnx", "onnxruntime", "transformers", "timm", "tqdm", "safetensors")

BLOCKER = textwrap.dedent("""
    import importlib.abc, sys
    class Missing(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {blocked!r}:
                raise ImportError(f"No module named {{name!r}} (blocked by the test)")
            return None
    sys.meta_path.insert(0, Missing())
""")


def python(code: str, cwd):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_import_pixelpact_imports_no_heavy_library(tmp_path):
    res = python("import sys, pixelpact; print(sorted(m for m in %r if m in sys.modules))" % (HEAVY,), tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_without_torch_ray_pillow(tmp_path):
    doc = {"pixelpact": 1, "name": "t", "input": {"color": "RGB"},
           "steps": [{"op": "resize", "size": [5, 7], "interpolation": "bilinear", "engine": "pillow"},
                     {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}],
           "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}
    (tmp_path / "c.json").write_text(json.dumps(doc))
    (tmp_path / "in").mkdir()
    image = noise(13, 11, seed=1)
    np.save(tmp_path / "in" / "x.npy", image)
    (tmp_path / "in" / "y.png").write_bytes(b"\x89PNG not decodable without Pillow")
    code = BLOCKER.format(blocked=set(HEAVY)) + textwrap.dedent("""
        import numpy as np, pixelpact, pixelpact.cli
        pipe = pixelpact.load("c.json")
        np.save("direct.npy", pipe(np.load("in/x.npy")))
        try:
            pixelpact.torch
        except AttributeError as err:
            print("torch:", err)
        try:
            import pixelpact.ray
        except ImportError as err:
            print("ray:", err)
        try:
            import pixelpact.onnx
        except ImportError as err:
            print("onnx:", err)
        print("run exit", pixelpact.cli.main(["run", "c.json", "in", "in/y.png", "-o", "out"]))
    """)
    res = python(code, tmp_path)
    assert res.returncode == 0, res.stderr
    assert "torch: pixelpact.torch is unavailable: pixelpact.torch needs PyTorch: pip install 'pixelpact[torch]'" \
        in res.stdout
    assert "ray: pixelpact.ray needs Ray Data: pip install 'pixelpact[ray]'" in res.stdout
    assert "onnx: pixelpact.onnx needs the onnx package" in res.stdout
    assert "run exit 1" in res.stdout  # x.npy written, y.png listed
    assert "y.png: decoding image files needs Pillow" in res.stderr
    expected = pixelpact.load(doc)(image)
    assert_same(np.load(tmp_path / "direct.npy"), expected)
    assert_same(np.load(tmp_path / "out" / "x.npy"), expected)
