"""benchmarks/bench.py keeps working: its quick mode runs and writes the JSON
it documents, and it refuses to report timings when pixelpact's output differs
from the reference. No timing is asserted."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from helpers import ROOT

pytestmark = pytest.mark.slow  # runs the benchmark script (quick mode)

BENCH = ROOT / "benchmarks" / "bench.py"


def load_bench():
    """benchmarks/bench.py as a module (it is a script, not part of the package)."""
    if "pixelpact_bench" in sys.modules:
        return sys.modules["pixelpact_bench"]
    spec = importlib.util.spec_from_file_location("pixelpact_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through it
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", str(out), "--no-chart", "--no-pillow-simd"],
        capture_output=True, text=True, timeout=300)
    return proc, out


def test_quick_mode_exits_zero(quick_run):
    proc, out = quick_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert out.exists()
    assert "| size | peer |" in proc.stdout


def test_quick_json_structure(quick_run):
    proc, out = quick_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["schema"] == "pixelpact-bench/1"
    assert result["settings"]["quick"] is True
    machine = result["machine"]
    for key in ("cpu_model", "logical_cpus", "python", "pixelpact_info", "versions"):
        assert machine[key], key
    for lib in ("pixelpact", "numpy", "torch", "torchvision", "Pillow", "opencv"):
        assert machine["versions"][lib], lib
    assert "scikit-image" in result["images"]["source"]

    rows = [r for r in result["rows"] if "skipped" not in r]
    sizes = result["settings"]["sizes"]
    assert len(sizes) >= 2
    for row in rows:
        for key in ("section", "size", "peer", "pixelpact", "peer_key", "pixelpact_key", "output", "speedup"):
            assert key in row, (key, row)
        for key in ("pixelpact_ms", "peer_ms", "ratio"):
            stats = row[key]
            assert len(stats["rounds"]) == result["settings"]["rounds"]
            assert 0 < stats["min"] <= stats["median"] <= stats["max"]
    by_size = {}
    for row in rows:
        by_size.setdefault(row["size"], set()).add(row["peer_key"])
    for size in sizes:
        assert {"pil_bilinear", "pil_bicubic", "pil_lanczos", "tv2_chw", "tv2_view", "cv_linear", "cv_area",
                "bound", "cv_resize", "cv_resize_blob", "onnx"} <= by_size[size], size
    assert {"tv_norm", "cv_blob"} <= by_size["224x224"]

    exact = [r for r in rows if r["peer_key"] in ("pil_bilinear", "pil_bicubic", "pil_lanczos", "tv_norm",
                                                   "tv2_chw", "tv2_view", "cv_resize", "cv_resize_blob", "onnx")]
    assert exact and all(r["output"] == "equal (asserted)" and r["compare"]["equal"] for r in exact)
    bound = [r for r in rows if r["peer_key"] == "bound"]
    assert all(r["bound"]["bytes_in"] > 0 and r["bound"]["bytes_out"] == 3 * 224 * 224 * 4 for r in bound)

    # the multi-threaded rows: peers on N threads against pixelpact on N threads (or on
    # one, saying threads= is not available in this build), outputs asserted equal
    n = result["settings"]["threads"]
    assert n >= 1
    threaded = [r for r in rows if r["section"] == f"all threads (N={n})"]
    for size in sizes:
        keys = {r["peer_key"] for r in threaded if r["size"] == size}
        assert {"tv2_view_tn", "cv_blob_tn"} <= keys, size
    for row in threaded:
        assert row["output"] == "equal (asserted)" and row["compare"]["equal"], row
        assert row["pixelpact_threads"] in (1, n) and row["peer_threads"] in (1, n)
        if row["pixelpact_threads"] == 1:
            assert "not available in this build" in row["threads_note"] or "refused" in row["threads_note"]
            assert "not available in this build" in row["pixelpact"] or "refused" in row["pixelpact"]
        else:
            assert f"threads={n}" in row["pixelpact"]
    if any(r["pixelpact_threads"] == n > 1 for r in threaded):
        assert {r["size"] for r in threaded if r["peer_key"] == "pp_torch_t1"} == set(sizes)
    # the single-thread rows stayed single-threaded: torch and OpenCV were restored
    assert machine["torch_threads"] == 1 and machine["opencv_threads"] == 1
    assert result["library_threads_at_end"] == {"torch": 1, "opencv": 1}
    assert result["settings"]["pixelpact_call_threads_default"] in (None, 1)

    batch = result["batch"]
    assert batch["images"] == result["settings"]["batch_size"]
    assert batch["output"] == "equal (asserted)"
    tn = batch["threads_n"]
    plain = ["threads=1", f"threads={tn}"] if batch["threads_supported"] else ["default"]
    assert set(plain) <= set(batch["variants"])
    if batch["out_supported"]:
        assert {f"{v}, out=buffer" for v in plain} <= set(batch["variants"])
    if batch["threads_supported"]:
        assert tn == n > 1
        assert set(batch["scaling"]) == ({"fresh", "out"} if batch["out_supported"] else {"fresh"})
        for scaling in batch["scaling"].values():
            assert scaling["ratio_tn_over_t1"]["median"] > 0 and scaling["throughput_gain"] > 0
        assert "threads=" in proc.stdout and "fresh outputs" in proc.stdout
    assert result["overhead"]["variants"]["call"]["us_per_call"]["median"] > 0
    assert result["pillow_simd"]["status"] == "skipped"
    assert isinstance(result["load"]["busy"], bool)


def test_exactness_failure_exits_nonzero(monkeypatch, capsys):
    """A reference that differs from pixelpact by one float ulp stops the run
    before any timing is reported."""
    bench = load_bench()
    real_runner = bench.v1_runner

    def off_by_one_ulp(transform, img):
        run = real_runner(transform, img)

        def perturbed():
            out = run().copy()
            out.flat[0] = np.nextafter(out.flat[0], np.float32(np.inf))
            return out

        return perturbed

    monkeypatch.setattr(bench, "v1_runner", off_by_one_ulp)
    code = bench.main(["--quick", "--sizes", "64x48", "--no-chart", "--no-pillow-simd", "--json", "/dev/null"])
    captured = capsys.readouterr()
    assert code == bench.EXIT_NOT_EQUAL
    assert "EXACTNESS FAILURE" in captured.err
    assert "| size | peer |" not in captured.out


def test_library_threads_are_restored():
    """The multi-threaded rows set torch's and OpenCV's thread counts only inside their block."""
    import cv2
    import torch

    bench = load_bench()
    before = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    try:
        with bench.LibraryThreads(3, cv2):
            assert (torch.get_num_threads(), cv2.getNumThreads()) == (3, 3)
        assert (torch.get_num_threads(), cv2.getNumThreads()) == (1, 1)
        with pytest.raises(RuntimeError), bench.LibraryThreads(2, cv2):
            raise RuntimeError("a failing row")
        assert (torch.get_num_threads(), cv2.getNumThreads()) == (1, 1)
    finally:
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])


def test_keyword_detection_before_and_after_threads_lands():
    """The bench runs against a pixelpact whose call has threads= and against one without it."""
    bench = load_bench()
    img = np.zeros((4, 4, 3), np.uint8)

    class Old:
        def __call__(self, image, *, out=None):
            return image

        def batch(self, images, *, out=None):
            return images

    class New(Old):
        def __call__(self, image, *, out=None, threads=1):
            if not isinstance(threads, int) or threads < 1:
                raise ValueError(threads)
            return image

    class Rejects(Old):
        def __call__(self, image, **kwargs):  # declares **kwargs, refuses threads= when called
            if kwargs:
                raise TypeError(f"unexpected {sorted(kwargs)}")
            return image

    ok, note = bench.accepts(Old(), (img,), "threads", 2)
    assert not ok and "not available in this build" in note and "Pipeline.__call__" in note
    assert bench.accepts(New(), (img,), "threads", 2)[0]
    ok, note = bench.accepts(Rejects(), (img,), "threads", 2)
    assert not ok and "TypeError" in note
    assert bench.call_threads_default(Old()) is None and bench.call_threads_default(New()) == 1
    ok, note = bench.accepts(New(), (img,), "threads", 0)
    assert not ok and "refused" in note
    ok, note = bench.batch_accepts(Old(), img, "threads", lambda k: 1)
    assert not ok and "Pipeline.batch" in note
    assert bench.batch_accepts(Old(), img, "out", lambda k: None)[0]


class _WithThreads:
    """A pipeline whose call takes threads= (as pixelpact's will): the rows of the
    multi-threaded section exercised before that lands, on the real kernel."""

    def __init__(self, pipe):
        self.pipe, self.calls = pipe, set()

    def __call__(self, image, *, out=None, threads=1):
        self.calls.add(threads)
        return self.pipe(image, out=out)


def test_all_threads_rows_with_a_threaded_call(monkeypatch):
    import pixelpact

    bench = load_bench()
    load = pixelpact.load
    made = []

    def load_with_threads(contract):
        made.append(_WithThreads(load(contract)))
        return made[-1]

    monkeypatch.setattr(pixelpact, "load", load_with_threads)
    opts = bench.parse_args(["--quick", "--threads", "2", "--rounds", "1"])
    cv2, reason = bench.try_import_cv2()
    img = bench.mosaic(bench.photo_sources()[0], 48, 64)
    pipes = {"torch": pixelpact.load(bench.torch_e1_contract())}
    rows = bench.bench_all_threads(img, pipes, opts, cv2, reason)
    assert {r["peer_key"] for r in rows} == {"pp_torch_t1", "tv2_view_tn", "cv_blob_tn"}
    for row in rows:
        assert row["compare"]["equal"] and row["pixelpact_threads"] == 2 and "threads=2" in row["pixelpact"]
        assert len(row["ratio"]["rounds"]) == 1
    assert made[0].calls == {1, 2} and made[1].calls == {2}


def test_needed_region_matches_pillow_support():
    """The bandwidth bound reads the rectangle Pillow's bilinear taps touch."""
    bench = load_bench()
    # 640x480 -> 341x256, crop offsets (16, 58); scale 1.875 / 1.8768
    assert bench.resized_size(480, 640) == (256, 341)
    assert bench.crop_offsets(256, 341) == (16, 58)
    assert bench.needed_region(480, 640) == (29, 451, 108, 530)


def test_diagnose_benchmark_quick_mode(tmp_path):
    """benchmarks/bench_diagnose.py: checks every diagnosis before timing it and writes
    its JSON; the time itself is reported, not asserted."""
    out = tmp_path / "diagnose.json"
    proc = subprocess.run([sys.executable, str(BENCH.parent / "bench_diagnose.py"), "--quick", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| scenario | median s |" in proc.stdout
    result = json.loads(out.read_text())
    assert result["rounds"] == 1 and result["budget_s"] == 2.0
    names = [r["scenario"] for r in result["results"]]
    assert "OpenCV classic (5 kinds)" in names and len(names) >= 8
    assert all(r["median_s"] > 0 and r["kernel_runs"] >= 1 for r in result["results"])
