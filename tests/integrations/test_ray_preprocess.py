"""pixelpact.ray on a real local Ray cluster (ray.init with 2 CPUs, no dashboard, offline):
ray.data.read_images and read_binary_files, Preprocessor through map_batches, preprocess(),
ragged outputs, row errors, and examples/ray_batch run against the cluster as a separate
driver (as on a multi-node cluster). Expected tensors come from torchvision on
Image.open(path).convert("RGB"), what torchvision's ImageFolder trains on."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import ray
import ray.data
from PIL import Image
from torchvision import transforms as T

import pixelpact
import pixelpact.ray
from helpers import assert_same
from helpers.photos import photo_folder

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ray_batch" / "preprocess_folder.py"
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
TF = T.Compose([T.Resize(64), T.CenterCrop(56), T.ToTensor(), T.Normalize(MEAN, STD)])
RAY_ENV = {"RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0", "RAY_USAGE_STATS_ENABLED": "0"}
# Ray 2.60's own DataContext warns about its own deprecated defaults when it is created.
# A Ray cluster per test (several seconds each): not part of the fast subset.
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning:ray"), pytest.mark.slow]


@pytest.fixture
def cluster():
    """A local Ray cluster for each test: 2 CPUs, no dashboard, no usage reporting, its own
    temporary directory; shut down and removed however the test ends. One per test, because
    the actors of a dataset that failed keep their CPUs (gc.collect() does not always free
    them), and the next test's read tasks would then wait for a CPU forever."""
    saved = {k: os.environ.get(k) for k in RAY_ENV}
    os.environ.update(RAY_ENV)
    temp = tempfile.mkdtemp(prefix="pp-ray-")  # short: Ray's socket paths must fit in 107 bytes
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR", _temp_dir=temp)
        ray.data.DataContext.get_current().enable_progress_bars = False
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    photo_folder(root)
    return root


def expected(path, tf=TF) -> np.ndarray:
    with Image.open(path) as im:
        return tf(im.convert("RGB")).numpy()


def by_path(rows, key="tensor") -> dict:
    return {Path(r["path"]).name: r[key] for r in rows}


def test_read_images_with_mode_rgb_gives_the_imagefolder_pixels(cluster, folder):
    """read_images(path, mode="RGB") is Image.open(f).convert("RGB"), what ImageFolder's
    loader does: the decoded pixels and the tensors are the training ones, every mode."""
    ds = ray.data.read_images(str(folder), mode="RGB", include_paths=True)
    # Two actors of half a CPU each: the read tasks keep a CPU (ray-project/ray#44687).
    rows = pixelpact.ray.preprocess(ds, pixelpact.from_torchvision(TF), concurrency=2, num_cpus=0.5).take_all()
    files = sorted(folder.rglob("*.*"))
    assert len(rows) == len(files) == 9
    tensors = by_path(rows)
    images = by_path(rows, "image")
    for path in files:
        with Image.open(path) as im:
            assert_same(images[path.name], np.asarray(im.convert("RGB")))
        assert_same(tensors[path.name], expected(path))


def test_read_images_without_mode_keeps_the_stored_mode(cluster, folder, tmp_path):
    """Without mode, read_images gives each file's stored mode: RGB files are exactly Pillow's
    pixels; a palette file is its palette indices, which an RGB contract refuses (it cannot
    tell them from pixels) with the file's path."""
    rgb_only = tmp_path / "rgb"
    rgb_only.mkdir()
    for path in folder.rglob("*.*"):
        with Image.open(path) as im:
            if im.mode == "RGB":
                shutil.copy(path, rgb_only / path.name)
    ds = ray.data.read_images(str(rgb_only), include_paths=True)
    rows = pixelpact.ray.preprocess(ds, pixelpact.from_torchvision(TF), concurrency=1).take_all()
    assert len(rows) == 5
    for name, tensor in by_path(rows).items():
        assert_same(tensor, expected(rgb_only / name))
    palette = tmp_path / "palette"
    palette.mkdir()
    shutil.copy(folder / "b" / "chelsea_palette.png", palette)
    ds = ray.data.read_images(str(palette), include_paths=True)
    assert ds.take(1)[0]["image"].ndim == 2  # the indices
    with pytest.raises(Exception, match=r"row 0 \(.*chelsea_palette.png\): image must have shape \(height, width, 3\)"):
        pixelpact.ray.preprocess(ds, pixelpact.from_torchvision(TF), concurrency=1).take_all()


def test_encoded_files_are_decoded_with_the_contracts_rule(cluster, folder):
    """read_binary_files + the Preprocessor class through map_batches, as Ray's docs write it:
    the workers decode with Pillow and convert per the contract (alpha 'drop' here)."""
    contract = pixelpact.from_torchvision(TF, input_color="RGBA", alpha="drop")
    ds = ray.data.read_binary_files(str(folder), include_paths=True)
    ds = ds.map_batches(pixelpact.ray.Preprocessor, fn_constructor_args=(contract,),
                        fn_constructor_kwargs={"column": "bytes"}, batch_format="numpy", batch_size=4,
                        compute=ray.data.ActorPoolStrategy(size=2), num_cpus=0.5)
    rows = ds.take_all()
    assert len(rows) == 9
    for name, tensor in by_path(rows).items():
        assert_same(tensor, expected(next(folder.rglob(name))))


def test_ragged_outputs_and_row_errors(cluster, folder):
    tf = T.Compose([T.Resize(24), T.ToTensor()])  # no crop: every image its own shape
    contract = pixelpact.from_torchvision(tf, input_color="RGBA", alpha="drop")
    ds = ray.data.read_binary_files(str(folder), include_paths=True)
    rows = pixelpact.ray.preprocess(ds, contract, column="bytes", output_column="x", concurrency=1).take_all()
    shapes = set()
    for name, tensor in by_path(rows, "x").items():
        assert_same(tensor, expected(next(folder.rglob(name)), tf))
        shapes.add(tensor.shape)
    assert len(shapes) >= 5
    with pytest.raises(Exception, match=r"(astronaut_alpha|chelsea_palette)\.png\): a PIL image of mode (RGBA|P) with "
                                        "transparency"):
        pixelpact.ray.preprocess(ds, pixelpact.from_torchvision(tf), column="bytes", concurrency=1).take_all()


def test_preprocess_validates_on_the_driver(cluster, folder):
    ds = ray.data.read_images(str(folder), mode="RGB")
    with pytest.raises(pixelpact.ContractError, match="/steps/0"):
        pixelpact.ray.preprocess(ds, {**pixelpact.from_torchvision(TF), "steps": [{"op": "resize"}]})
    with pytest.raises(ValueError, match="concurrency"):
        pixelpact.ray.preprocess(ds, pixelpact.from_torchvision(TF), concurrency=0)
    with pytest.warns(RuntimeWarning, match=r"take all 2 CPUs .*ray-project/ray#44687"):
        pixelpact.ray.preprocess(ds, pixelpact.from_torchvision(TF), concurrency=2)  # not executed
    p = pixelpact.ray.Preprocessor(pixelpact.from_torchvision(TF))  # also callable without Ray
    batch = p({"image": np.stack([np.asarray(Image.open(folder / "a" / "astronaut.jpg"))] * 2)})
    assert_same(batch["tensor"][1], expected(folder / "a" / "astronaut.jpg"))
    assert "fingerprint=" in repr(p)


def tiny_model(path: Path, contract: dict, stamp: bool) -> None:
    """An ONNX classifier of (N, 3, 56, 56) float32: mean per channel, then 5 logits."""
    import onnx
    from onnx import TensorProto, helper

    import pixelpact.onnx

    weights = np.arange(15, dtype=np.float32).reshape(3, 5) / 7
    graph = helper.make_graph(
        [helper.make_node("GlobalAveragePool", ["pixel_values"], ["pooled"]),
         helper.make_node("Flatten", ["pooled"], ["flat"]),
         helper.make_node("MatMul", ["flat", "w"], ["logits"])],
        "tiny", [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["N", 3, 56, 56])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 5])],
        [onnx.numpy_helper.from_array(weights, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(pixelpact.onnx.stamp(model, contract) if stamp else model, path)


def run_example(cluster, *args):
    env = {**os.environ, **RAY_ENV}
    return subprocess.run([sys.executable, str(EXAMPLE), *map(str, args), "--address", cluster,
                           "--workers", "2", "--cpus-per-worker", "0.5"],
                          capture_output=True, text=True, env=env, timeout=300)


def test_example_writes_the_single_process_tensors(cluster, folder, tmp_path):
    """examples/ray_batch as a separate driver joining the cluster (what --address auto does on
    a real one): Parquet and npy shards equal to one process running the same contract, and to
    torchvision; a stamped ONNX model is fed the same tensors; another contract's is refused."""
    import onnxruntime as ort

    contract = pixelpact.from_torchvision(TF, input_color="RGBA", alpha="drop")
    (tmp_path / "c.json").write_text(__import__("json").dumps(contract))
    pipe = pixelpact.load(contract)
    files = sorted(folder.rglob("*.*"))
    single = {}
    for p in files:
        with Image.open(p) as im:
            single[p.name] = pipe(im)  # CHW tensors

    res = run_example(cluster, tmp_path / "c.json", folder, tmp_path / "parquet")
    assert res.returncode == 0, res.stderr[-3000:]
    assert "9 images ->" in res.stdout
    rows = ray.data.read_parquet(str(tmp_path / "parquet")).take_all()
    assert len(rows) == 9
    for name, tensor in by_path(rows).items():
        assert_same(tensor, single[name])
        assert_same(tensor, expected(next(folder.rglob(name))))

    tiny_model(tmp_path / "m.onnx", contract, stamp=True)
    res = run_example(cluster, tmp_path / "c.json", folder, tmp_path / "npy", "--format", "npy", "--model",
                      tmp_path / "m.onnx", "--batch-size", "4")
    assert res.returncode == 0, res.stderr[-3000:]
    assert "stamped with this contract" in res.stdout
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    seen = 0
    for shard in sorted((tmp_path / "npy").glob("shard-*.npy")):
        logits = np.load(shard)
        names = [Path(p).name for p in shard.with_suffix(".txt").read_text().split("\n") if p]
        assert len(names) == len(logits)
        for name, row in zip(names, logits):
            assert_same(row, session.run(None, {"pixel_values": single[name][None]})[0][0])
            seen += 1
    assert seen == 9

    other = pixelpact.from_torchvision(T.Compose([T.Resize(64), T.CenterCrop(56), T.ToTensor()]))
    tiny_model(tmp_path / "other.onnx", other, stamp=True)
    res = run_example(cluster, tmp_path / "c.json", folder, tmp_path / "x", "--model", tmp_path / "other.onnx")
    assert res.returncode != 0 and "different preprocessing" in res.stderr
