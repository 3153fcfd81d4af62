#!/usr/bin/env python3
"""pixelpact against the libraries it replaces, in one process, interleaved.

Every competitor turns a uint8 RGB image that is already in memory into the
1x3x224x224 float32 ImageNet-normalized tensor (single thread; the section "all
threads" runs torch, OpenCV and pipe(img, threads=N) on N threads). Each round runs
every competitor once, in an order rotated by one each round, timing a few
repeats of it; the round's value is the median of those repeats. A row reports
the median over rounds and the per-round ratio pixelpact/peer (below 1: pixelpact
is faster), so slow drifts of the machine affect both sides of a ratio alike.

Before timing, every pixelpact output that has an exact reference is compared
with it (np.array_equal, dtype and shape); a difference stops the run with exit
status 1. Outputs that are not meant to be equal (torchvision v2, OpenCV) are
only described (share of differing values, max |difference|).

Pillow-SIMD replaces Pillow under the same import name, so it runs in its own
interpreter (a virtual environment made by setup_pillow_simd.sh) that times it
interleaved with pixelpact in that same subprocess; see README.md.

    benchmarks/setup_pillow_simd.sh            # once, from the environment that runs bench.py
    python benchmarks/bench.py                 # full run (a few minutes)
    python benchmarks/bench.py --quick         # seconds; what CI runs
"""
from __future__ import annotations

import argparse
import gc
import inspect
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_JSON = HERE / "results" / "latest.json"
DEFAULT_CHART = HERE / "results" / "speedups.png"
DEFAULT_SIMD_VENV_PYTHON = HERE / ".venv-pillow-simd" / "bin" / "python"
SCHEMA = "pixelpact-bench/1"

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
SHORT_SIDE = 256
CROP = 224
FILTERS = ("bilinear", "bicubic", "lanczos")

FULL_SIZES = [(480, 640), (1080, 1920), (2160, 3840)]  # (height, width)
QUICK_SIZES = [(240, 320), (480, 640)]

# Exit statuses. A worker that cannot run (no Pillow-SIMD, import error) makes
# its peer "skipped"; an exactness failure anywhere fails the whole run.
EXIT_NOT_EQUAL = 1
EXIT_WORKER_UNAVAILABLE = 3


class NotEqual(Exception):
    """pixelpact's output differs from the reference it must equal."""


# --------------------------------------------------------------------------
# Contracts


def e1_contract(interpolation: str) -> dict:
    """E1, tests/contracts/resnet50_imagenet_eval.json (ResNet-50 ImageNet eval), with the given filter."""
    return {
        "pixelpact": 1, "name": f"imagenet-eval-{interpolation}",
        "input": {"color": "RGB"},
        "steps": [
            {"op": "resize", "size": SHORT_SIDE, "interpolation": interpolation, "engine": "pillow"},
            {"op": "center_crop", "size": [CROP, CROP]},
            {"op": "to_float", "dtype": "float32"},
            {"op": "div", "value": 255},
            {"op": "normalize", "mean": MEAN, "std": STD}],
        "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}


def torch_e1_contract() -> dict:
    """E1 for torchvision v2 on a uint8 tensor: engine 'torch' bilinear with
    antialias, and ToDtype(float32, scale=True)'s multiply by float32(1/255)."""
    return {
        "pixelpact": 1, "name": "imagenet-eval-torchvision-v2",
        "input": {"color": "RGB"},
        "steps": [
            {"op": "resize", "size": SHORT_SIDE, "interpolation": "bilinear", "antialias": True, "engine": "torch"},
            {"op": "center_crop", "size": [CROP, CROP]},
            {"op": "to_float", "dtype": "float32"},
            {"op": "mul", "value": 0.00392156862745098},
            {"op": "normalize", "mean": MEAN, "std": STD}],
        "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}


NORMALIZE_ONLY = {
    "pixelpact": 1, "name": "normalize-only",
    "input": {"color": "RGB"},
    "steps": [
        {"op": "to_float", "dtype": "float32"},
        {"op": "div", "value": 255},
        {"op": "normalize", "mean": MEAN, "std": STD}],
    "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB"}}

TINY = {
    "pixelpact": 1, "name": "tiny-resize",
    "input": {"color": "RGB"},
    "steps": [{"op": "resize", "size": [2, 2], "interpolation": "bilinear", "engine": "pillow"}],
    "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


# --------------------------------------------------------------------------
# Geometry shared by the peers (torchvision's rules, SEMANTICS.md §3)


def resized_size(h: int, w: int, short: int = SHORT_SIDE) -> Tuple[int, int]:
    """torchvision Resize(int): the shorter side becomes `short`, the longer
    side is truncated: int(short * long / short_side)."""
    if h <= w:
        return short, int(short * w / h)
    return int(short * h / w), short


def crop_offsets(h: int, w: int, crop: int = CROP) -> Tuple[int, int]:
    """torchvision CenterCrop offset: Python round (half to even) of (size-crop)/2."""
    return int(round((h - crop) / 2.0)), int(round((w - crop) / 2.0))


def pillow_span(in_size: int, out_size: int, first: int, count: int, support: float) -> Tuple[int, int]:
    """Input index range [lo, hi) that Pillow's resample reads for output
    indices [first, first+count) (Resample.c:precompute_coeffs, box = whole image)."""
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    s = support * filterscale
    lo = min(max(0, int((xx + 0.5) * scale - s + 0.5)) for xx in (first, first + count - 1))
    hi = max(min(in_size, int((xx + 0.5) * scale + s + 0.5)) for xx in (first, first + count - 1))
    return lo, hi


def needed_region(h: int, w: int, support: float = 1.0) -> Tuple[int, int, int, int]:
    """(y0, y1, x0, x1): the input rectangle that the 224x224 crop of the resize
    needs (bilinear support 1 by default). Crops larger than the resized image
    are clipped, as pixelpact pads instead of reading."""
    rh, rw = resized_size(h, w)
    top, left = crop_offsets(rh, rw)
    r0, r1 = max(top, 0), min(top + CROP, rh)
    c0, c1 = max(left, 0), min(left + CROP, rw)
    y0, y1 = pillow_span(h, rh, r0, r1 - r0, support)
    x0, x1 = pillow_span(w, rw, c0, c1 - c0, support)
    return y0, y1, x0, x1


# --------------------------------------------------------------------------
# Images


def photo_sources() -> Tuple[List[np.ndarray], str]:
    """Real photos shipped inside the scikit-image package (no download), or
    pixelpact's generated sample image if scikit-image is unusable."""
    try:
        from skimage import data

        names = ["coffee", "chelsea", "astronaut", "rocket"]
        photos = [np.ascontiguousarray(getattr(data, n)()[..., :3]) for n in names]
        import skimage

        return photos, (f"scikit-image {skimage.__version__} bundled photos "
                        f"({', '.join(names)}), 2x2 mosaic, each quadrant Pillow LANCZOS cover-fit")
    except Exception as exc:  # noqa: BLE001 - any failure means: use the fallback
        from pixelpact.samples import sample_image

        return [sample_image(480, 640, seed=s) for s in range(4)], (
            f"pixelpact.samples.sample_image (scikit-image unusable: {type(exc).__name__}: {exc})")


def mosaic(photos: Sequence[np.ndarray], h: int, w: int) -> np.ndarray:
    """A photo-like h x w RGB image: four photos in a 2x2 grid, each resized
    with Pillow LANCZOS from its centered region of the quadrant's aspect."""
    from PIL import Image

    out = np.empty((h, w, 3), np.uint8)
    ys, xs = [0, h // 2, h], [0, w // 2, w]
    for i, src in enumerate(photos[:4]):
        qy, qx = divmod(i, 2)
        qh, qw = ys[qy + 1] - ys[qy], xs[qx + 1] - xs[qx]
        ph, pw = src.shape[:2]
        scale = min(ph / qh, pw / qw)  # largest centered box of the quadrant's aspect
        bh, bw = qh * scale, qw * scale
        box = ((pw - bw) / 2, (ph - bh) / 2, (pw + bw) / 2, (ph + bh) / 2)
        tile = Image.fromarray(src).resize((qw, qh), Image.LANCZOS, box=box)
        out[ys[qy]:ys[qy + 1], xs[qx]:xs[qx + 1]] = np.asarray(tile)
    return out


# --------------------------------------------------------------------------
# Timing


@dataclass
class Competitor:
    key: str
    label: str
    fn: Callable[[], object]
    inner: int = 1  # calls per sample, calibrated so a sample lasts >= target


def _run_n(fn: Callable[[], object], n: int) -> int:
    t0 = time.perf_counter_ns()
    for _ in range(n):
        fn()
    return time.perf_counter_ns() - t0


def calibrate(comp: Competitor, target_ns: int) -> None:
    """Warm up, then choose how many calls make one sample last >= target_ns
    (one call for anything slower than that)."""
    comp.fn()
    n = 1
    while True:
        elapsed = _run_n(comp.fn, n)
        if elapsed >= target_ns or n >= 1 << 20:
            break
        n = min(1 << 20, max(n * 2, math.ceil(n * 1.2 * target_ns / max(elapsed, 1))))
    comp.inner = n


def run_rounds(comps: Sequence[Competitor], rounds: int, repeats: int, target_ns: int) -> Dict[str, List[float]]:
    """Per competitor, one value per round: the median over `repeats` samples of
    the time per call in ns. Round r starts with competitor r mod len(comps)."""
    for c in comps:
        calibrate(c, target_ns)
    per_round: Dict[str, List[float]] = {c.key: [] for c in comps}
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for r in range(rounds):
            k = r % len(comps)
            for c in list(comps[k:]) + list(comps[:k]):
                samples = [_run_n(c.fn, c.inner) / c.inner for _ in range(repeats)]
                per_round[c.key].append(statistics.median(samples))
    finally:
        if gc_was_enabled:
            gc.enable()
    return per_round


def summary(values: Sequence[float], scale: float = 1.0) -> dict:
    vals = [v * scale for v in values]
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "rounds": vals}


def ratio_row(per_round: Dict[str, List[float]], pp_key: str, peer_key: str) -> dict:
    pp, peer = per_round[pp_key], per_round[peer_key]
    ratios = [a / b for a, b in zip(pp, peer)]
    speedups = [b / a for a, b in zip(pp, peer)]
    return {
        "pixelpact_ms": summary(pp, 1e-6),
        "peer_ms": summary(peer, 1e-6),
        "ratio": summary(ratios),
        "speedup": statistics.median(speedups),
    }


# --------------------------------------------------------------------------
# Correctness


def timed_rows(rows: List[dict], comps: Sequence[Competitor], section: str, size: str, opts) -> List[dict]:
    """Times `comps` interleaved and completes each row (peer_key vs pixelpact_key) with
    its section, size and per-round ratios."""
    return timed_rows_from(run_rounds(comps, opts.rounds, opts.repeats, opts.target_ns), rows, section, size)


def timed_rows_from(per_round: Dict[str, List[float]], rows: List[dict], section: str, size: str) -> List[dict]:
    """Completes each row that is not skipped with its section, size and per-round ratios."""
    for row in rows:
        if "skipped" not in row:
            row.update(section=section, size=size, process="main")
            row.update(ratio_row(per_round, row["pixelpact_key"], row["peer_key"]))
    return rows


def compare(actual: np.ndarray, expected: np.ndarray) -> dict:
    """How two outputs relate: same dtype/shape, share of differing values, max |diff|."""
    same_kind = actual.dtype == expected.dtype and actual.shape == expected.shape
    if not same_kind:
        return {"equal": False, "dtype_shape": [str(actual.dtype), list(actual.shape),
                                                str(expected.dtype), list(expected.shape)]}
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    diff = np.abs(a - e)
    return {"equal": bool(np.array_equal(actual, expected)),
            "fraction_differing": float(np.count_nonzero(diff) / diff.size),
            "max_abs_diff": float(diff.max())}


def assert_equal(what: str, actual: np.ndarray, expected: np.ndarray) -> dict:
    """np.array_equal with dtype and shape, or NotEqual naming the first difference."""
    if actual.dtype != expected.dtype or actual.shape != expected.shape:
        raise NotEqual(f"{what}: pixelpact gives {actual.dtype} {actual.shape}, "
                       f"the reference {expected.dtype} {expected.shape}")
    if not np.array_equal(actual, expected):
        bad = np.argwhere(actual != expected)
        first = tuple(int(i) for i in bad[0])
        raise NotEqual(
            f"{what}: {len(bad)} of {actual.size} values differ (max |diff| "
            f"{np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64)))}); first at "
            f"{first}: pixelpact {actual[first]!r}, reference {expected[first]!r}")
    return {"equal": True, "fraction_differing": 0.0, "max_abs_diff": 0.0}


EQUAL = "equal (asserted)"
DIFFERS = "differs (not asserted)"
NOT_COMPARED = "not an output (bandwidth estimate)"


# --------------------------------------------------------------------------
# Peers


def reference_v1(interpolation: str):
    """Pillow + torchvision v1 transforms on Image.fromarray(img): the training
    pipeline that E1-style contracts must equal."""
    from torchvision import transforms as T
    from torchvision.transforms import InterpolationMode

    mode = {"bilinear": InterpolationMode.BILINEAR, "bicubic": InterpolationMode.BICUBIC,
            "lanczos": InterpolationMode.LANCZOS}[interpolation]
    return T.Compose([T.Resize(SHORT_SIDE, mode), T.CenterCrop(CROP), T.ToTensor(), T.Normalize(MEAN, STD)])


def v1_runner(transform, img: np.ndarray) -> Callable[[], np.ndarray]:
    from PIL import Image

    return lambda: transform(Image.fromarray(img)).unsqueeze(0).numpy()


def opencv_runner(cv2, img: np.ndarray, interpolation: int) -> Callable[[], np.ndarray]:
    """cv2.resize to torchvision's shorter-side-256 size, torchvision's center
    crop offset, then blobFromImageWithParams: (p - 255*mean_c) * 1/(255*std_c)
    per channel, the complete ImageNet normalization in blob arithmetic."""
    h, w = img.shape[:2]
    rh, rw = resized_size(h, w)
    top, left = crop_offsets(rh, rw)
    params = cv2.dnn.Image2BlobParams(
        scalefactor=tuple(1.0 / (255.0 * s) for s in STD), size=(CROP, CROP),
        mean=tuple(255.0 * m for m in MEAN), swapRB=False, ddepth=cv2.CV_32F)

    def run():
        resized = cv2.resize(img, (rw, rh), interpolation=interpolation)
        return cv2.dnn.blobFromImageWithParams(resized[top:top + CROP, left:left + CROP], params)

    return run


def onnx_session(contract: dict):
    """(onnxruntime session of the contract's exported graph on one thread, its
    version), or (None, why not)."""
    try:
        import onnxruntime as ort

        import pixelpact.onnx as ppx
    except Exception as exc:  # noqa: BLE001
        return None, f"pixelpact.onnx unavailable: {type(exc).__name__}: {exc} (pip install 'pixelpact[onnx]')"
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    model = ppx.export(contract)
    return (ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"]),
            ort.__version__), None


def try_import_cv2():
    try:
        import cv2

        cv2.setNumThreads(1)
        return cv2, None
    except Exception as exc:  # noqa: BLE001
        return None, f"OpenCV unavailable: {type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------
# Sections


def bench_resize(img: np.ndarray, pipes: dict, opts, cv2, cv2_reason) -> List[dict]:
    """Resize 256 + center crop 224 + ToTensor + Normalize, every peer at one size."""
    import torch
    from torchvision.transforms import v2
    from torchvision.transforms.v2 import functional as F

    h, w = img.shape[:2]
    size = f"{w}x{h}"
    section = "resize 256 + crop 224 + normalize"
    comps: List[Competitor] = []
    rows: List[dict] = []
    outputs: Dict[str, np.ndarray] = {}

    for f in FILTERS:
        pipe = pipes[f]
        comps.append(Competitor(f"pp_{f}", f"pixelpact E1 {f}", lambda pipe=pipe: pipe(img)))
        outputs[f"pp_{f}"] = pipe(img)
        ref = v1_runner(reference_v1(f), img)
        comps.append(Competitor(f"pil_{f}", f"Pillow + torchvision v1, {f}", ref))
        expected = ref()
        relation = assert_equal(f"{size} contract E1-{f} vs Pillow+torchvision v1 {f}", outputs[f"pp_{f}"], expected)
        rows.append({"peer_key": f"pil_{f}", "pixelpact_key": f"pp_{f}", "output": EQUAL, "compare": relation,
                     "peer": f"Pillow {pil_version()} + torchvision v1, {f}", "pixelpact": f"E1 {f}"})

    # pixelpact's E1 bilinear exported to ONNX, run by onnxruntime on one thread.
    if pipes.get("onnx") is not None:
        session, ort_version = pipes["onnx"]
        fn = (lambda: session.run(None, {"image": img})[0])
        label = f"pixelpact's exported ONNX graph (E1 bilinear) in onnxruntime {ort_version}, 1 thread"
        comps.append(Competitor("onnx", label, fn))
        relation = assert_equal(f"{size} exported E1-bilinear graph vs Pillow+torchvision v1 bilinear", fn(),
                                v1_runner(reference_v1("bilinear"), img)())
        rows.append({"peer_key": "onnx", "pixelpact_key": "pp_bilinear", "output": EQUAL, "compare": relation,
                     "peer": label, "pixelpact": "E1 bilinear"})
    else:
        rows.append({"peer": "exported ONNX graph in onnxruntime", "skipped": pipes.get("onnx_reason"),
                     "size": size, "section": section})

    tv2 = v2.Compose([v2.Resize(SHORT_SIDE, v2.InterpolationMode.BILINEAR, antialias=True),
                      v2.CenterCrop(CROP), v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)])
    chw = F.to_image(img).as_subclass(torch.Tensor)  # contiguous CHW, as v2.ToImage gives
    view = torch.from_numpy(img).permute(2, 0, 1)  # CHW view of HWC memory (channels_last)
    torch_pipe = pipes["torch"]
    comps.append(Competitor("pp_torch", "pixelpact E1 torch engine", lambda: torch_pipe(img)))
    outputs["pp_torch"] = torch_pipe(img)
    for key, tensor, label in [("tv2_chw", chw, "torchvision v2 on contiguous uint8 CHW tensor"),
                               ("tv2_view", view, "torchvision v2 on uint8 CHW view of HWC memory")]:
        fn = (lambda t=tensor: tv2(t).unsqueeze(0).numpy())
        comps.append(Competitor(key, label, fn))
        relation = assert_equal(f"{size} contract E1-torch vs {label}", outputs["pp_torch"], fn())
        rows.append({"peer_key": key, "pixelpact_key": "pp_torch", "output": EQUAL,
                     "compare": relation, "peer": label, "pixelpact": "E1 torch engine"})

    if cv2 is not None:
        for key, interp, name in [("cv_linear", cv2.INTER_LINEAR, "INTER_LINEAR"),
                                  ("cv_area", cv2.INTER_AREA, "INTER_AREA")]:
            fn = opencv_runner(cv2, img, interp)
            label = f"OpenCV {cv2.__version__} resize {name} + crop + blobFromImage"
            comps.append(Competitor(key, label, fn))
            rows.append({"peer_key": key, "pixelpact_key": "pp_bilinear", "output": DIFFERS,
                         "compare": compare(fn(), outputs["pp_bilinear"]), "peer": label,
                         "pixelpact": "E1 bilinear"})
    else:
        rows.append({"peer": "OpenCV", "skipped": cv2_reason, "size": size, "section": section})

    # Bandwidth lower bound: read only the input rectangle the crop needs,
    # write the output once. Estimated as two numpy copies of those byte
    # counts (a strided copy of the needed input rows/columns into a scratch
    # buffer, and a copy of an output-sized float32 buffer).
    y0, y1, x0, x1 = needed_region(h, w)
    region = img[y0:y1, x0:x1]
    scratch_in = np.empty(region.shape, np.uint8)
    out_src = np.ones((1, 3, CROP, CROP), np.float32)
    out_dst = np.empty_like(out_src)

    def bound():
        np.copyto(scratch_in, region)
        np.copyto(out_dst, out_src)

    comps.append(Competitor("bound", "memcpy bound", bound))
    rows.append({"peer_key": "bound", "pixelpact_key": "pp_bilinear", "output": NOT_COMPARED,
                 "peer": "memcpy bound: needed input region + output", "pixelpact": "E1 bilinear",
                 "bound": {"region_yx": [y0, y1, x0, x1], "bytes_in": int(region.nbytes),
                           "bytes_out": int(out_dst.nbytes)}})

    return timed_rows(rows, comps, section, size, opts)


def opencv_contract(size: Tuple[int, int], blob: bool) -> dict:
    """engine "opencv" INTER_LINEAR to `size` (height, width): uint8 HWC, or (blob)
    cv2.dnn.blobFromImage's arithmetic, (float(p) - mean_c) * scale_c in float32, NCHW."""
    steps = [{"op": "resize", "size": list(size), "interpolation": "bilinear", "engine": "opencv"}]
    if blob:
        steps += [{"op": "to_float", "dtype": "float32"}, {"op": "sub", "value": [255.0 * m for m in MEAN]},
                  {"op": "mul", "value": [1.0 / (255.0 * s) for s in STD]}]
    return {"pixelpact": 1, "name": "opencv-linear" + ("-blob" if blob else ""), "input": {"color": "RGB"},
            "steps": steps, "output": {"layout": "NCHW" if blob else "HWC",
                                       "dtype": "float32" if blob else "uint8", "color": "RGB"}}


OPENCV_SIZE = (CROP, CROP)  # cv2.resize(img, (224, 224)): a straight serving resize, no aspect ratio kept


def bench_opencv_resize(img: np.ndarray, opts, cv2, cv2_reason) -> List[dict]:
    """The OpenCV engine against the library it reproduces: cv2.resize(img, (224, 224),
    INTER_LINEAR) (OpenCV's default IPP setting, which INTER_LINEAR does not use),
    alone and followed by blobFromImage; both asserted equal."""
    h, w = img.shape[:2]
    size = f"{w}x{h}"
    section = "OpenCV resize 224x224 INTER_LINEAR"
    if cv2 is None:
        return [{"peer": "OpenCV cv2.resize INTER_LINEAR", "skipped": cv2_reason, "size": size, "section": section}]
    import pixelpact

    dsize = (OPENCV_SIZE[1], OPENCV_SIZE[0])
    params = cv2.dnn.Image2BlobParams(
        scalefactor=tuple(1.0 / (255.0 * s) for s in STD), mean=tuple(255.0 * m for m in MEAN),
        swapRB=False, ddepth=cv2.CV_32F)
    pp = pixelpact.load(opencv_contract(OPENCV_SIZE, blob=False))
    pp_blob = pixelpact.load(opencv_contract(OPENCV_SIZE, blob=True))

    def cv_resize():
        return cv2.resize(img, dsize, interpolation=cv2.INTER_LINEAR)

    def cv_blob():
        return cv2.dnn.blobFromImageWithParams(cv2.resize(img, dsize, interpolation=cv2.INTER_LINEAR), params)

    rows = [{"peer_key": "cv_resize", "pixelpact_key": "pp_cv_resize", "output": EQUAL,
             "compare": assert_equal(f"{size} opencv-linear contract vs cv2.resize INTER_LINEAR", pp(img),
                                     cv_resize()),
             "peer": f"OpenCV {cv2.__version__} cv2.resize INTER_LINEAR (uint8 HWC)",
             "pixelpact": "opencv bilinear, uint8 HWC"},
            {"peer_key": "cv_resize_blob", "pixelpact_key": "pp_cv_resize_blob", "output": EQUAL,
             "compare": assert_equal(f"{size} opencv-linear-blob contract vs cv2.resize + blobFromImage",
                                     pp_blob(img), cv_blob()),
             "peer": f"OpenCV {cv2.__version__} cv2.resize INTER_LINEAR + blobFromImage (float32 NCHW)",
             "pixelpact": "opencv bilinear + sub/mul, float32 NCHW"}]
    comps = [Competitor("pp_cv_resize", "pixelpact opencv bilinear", lambda: pp(img)),
             Competitor("cv_resize", "cv2.resize INTER_LINEAR", cv_resize),
             Competitor("pp_cv_resize_blob", "pixelpact opencv bilinear + blob arithmetic", lambda: pp_blob(img)),
             Competitor("cv_resize_blob", "cv2.resize + blobFromImage", cv_blob)]
    return timed_rows(rows, comps, section, size, opts)


TF_SIZE = (CROP, CROP)  # tf.image.resize(img, (224, 224)): TensorFlow's default eval resize


def tensorflow_contract(size: Tuple[int, int]) -> dict:
    """engine "tensorflow" bilinear (tf.image.resize's default) to `size`, then Keras'
    preprocess_input 'tf' scaling x / 127.5 - 1, float32 NHWC."""
    return {"pixelpact": 1, "name": "tensorflow-eval", "input": {"color": "RGB"},
            "steps": [{"op": "to_float", "dtype": "float32"},
                      {"op": "resize", "size": list(size), "interpolation": "bilinear", "engine": "tensorflow"},
                      {"op": "div", "value": 127.5}, {"op": "sub", "value": 1.0}],
            "output": {"layout": "NHWC", "dtype": "float32", "color": "RGB"}}


def try_import_tf():
    """TensorFlow with one intra-op and one inter-op thread (the other peers are single-threaded).
    Imported after triton (torch's compiler backend, reached by torchvision.ops): importing
    triton after TensorFlow crashes the interpreter (tests/helpers/tensorflow.py)."""
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import importlib.util

        if importlib.util.find_spec("triton") is not None:
            import triton  # noqa: F401
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        return tf, None
    except Exception as exc:  # noqa: BLE001
        return None, f"TensorFlow unavailable: {type(exc).__name__}: {exc}"


def bench_tensorflow_resize(img: np.ndarray, opts, tf, tf_reason) -> List[dict]:
    """The TensorFlow engine against the library it reproduces: the TensorFlow/Keras eval
    preprocessing tf.image.resize(img, (224, 224)) / 127.5 - 1 (eager, float32 NHWC),
    asserted equal."""
    h, w = img.shape[:2]
    size = f"{w}x{h}"
    section = "TensorFlow resize 224x224 bilinear + x / 127.5 - 1"
    if tf is None:
        return [{"peer": "TensorFlow tf.image.resize", "skipped": tf_reason, "size": size, "section": section}]
    import pixelpact

    pp = pixelpact.load(tensorflow_contract(TF_SIZE))
    batch = img[None]

    def tf_eval():
        return (tf.image.resize(batch, TF_SIZE) / 127.5 - 1.0).numpy()

    rows = [{"peer_key": "tf_resize", "pixelpact_key": "pp_tf_resize", "output": EQUAL,
             "compare": assert_equal(f"{size} tensorflow-eval contract vs tf.image.resize / 127.5 - 1", pp(img),
                                     tf_eval()),
             "peer": f"TensorFlow {tf.__version__} tf.image.resize bilinear / 127.5 - 1 (float32 NHWC)",
             "pixelpact": "tensorflow bilinear + div/sub, float32 NHWC"}]
    comps = [Competitor("pp_tf_resize", "pixelpact tensorflow bilinear", lambda: pp(img)),
             Competitor("tf_resize", "tf.image.resize / 127.5 - 1", tf_eval)]
    return timed_rows(rows, comps, section, size, opts)


def bench_normalize_only(crop: np.ndarray, opts, cv2, cv2_reason) -> List[dict]:
    """HWC uint8 224x224 -> NCHW float32 normalized, no resize."""
    from torchvision import transforms as T

    section = "normalize + HWC->NCHW only"
    size = f"{crop.shape[1]}x{crop.shape[0]}"
    pipe = __import__("pixelpact").load(NORMALIZE_ONLY)
    to_tensor = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])

    def tv():
        return to_tensor(crop).unsqueeze(0).numpy()

    relation = assert_equal(f"{size} normalize-only contract vs torchvision ToTensor+Normalize", pipe(crop), tv())
    comps = [Competitor("pp_norm", "pixelpact normalize-only", lambda: pipe(crop)),
             Competitor("tv_norm", "torchvision ToTensor+Normalize", tv)]
    rows = [{"peer_key": "tv_norm", "pixelpact_key": "pp_norm", "output": EQUAL, "compare": relation,
             "peer": "torchvision v1 ToTensor + Normalize (numpy HWC)", "pixelpact": "normalize-only"}]
    if cv2 is not None:
        params = cv2.dnn.Image2BlobParams(
            scalefactor=tuple(1.0 / (255.0 * s) for s in STD), size=(CROP, CROP),
            mean=tuple(255.0 * m for m in MEAN), swapRB=False, ddepth=cv2.CV_32F)

        def blob():
            return cv2.dnn.blobFromImageWithParams(crop, params)

        comps.append(Competitor("cv_blob", "blobFromImage", blob))
        rows.append({"peer_key": "cv_blob", "pixelpact_key": "pp_norm", "output": DIFFERS,
                     "compare": compare(blob(), pipe(crop)),
                     "peer": f"OpenCV {cv2.__version__} blobFromImage", "pixelpact": "normalize-only"})
    else:
        rows.append({"peer": "OpenCV blobFromImage", "skipped": cv2_reason, "size": size, "section": section})
    return timed_rows(rows, comps, section, size, opts)


def accepts(method, args: tuple, name: str, value) -> Tuple[bool, str]:
    """Whether `method` (Pipeline.__call__ or Pipeline.batch) accepts the keyword `name`
    (threads= and out= were added while this benchmark was written): by signature,
    confirmed by calling method(*args, name=value)."""
    what = "Pipeline.batch" if getattr(method, "__name__", "") == "batch" else "Pipeline.__call__"
    try:
        params = inspect.signature(method).parameters
        declared = name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    except (TypeError, ValueError):
        declared = True  # no signature to read: let the call decide
    if not declared:
        return False, f"not available in this build: {what} has no {name}= parameter"
    try:
        method(*args, **{name: value})
    except TypeError as exc:
        return False, f"not available in this build: {what}({name}=...) raised TypeError: {exc}"
    except ValueError as exc:  # declared, but this value is refused (e.g. more threads than allowed)
        return False, f"{what}({name}={value!r}) refused: {exc}"
    return True, f"{what} accepts {name}="


def batch_accepts(pipe, img: np.ndarray, name: str, value) -> Tuple[bool, str]:
    """Whether Pipeline.batch accepts the keyword `name`; value(1) is the value tried on one image."""
    return accepts(pipe.batch, ([img],), name, value(1))


def call_threads_default(pipe) -> Optional[object]:
    """The default of threads= in pipe(img, ...), or None if the call has no such keyword:
    the single-thread rows call pipe(img) and rely on that default being 1."""
    try:
        param = inspect.signature(pipe).parameters.get("threads")
    except (TypeError, ValueError):
        return None
    return None if param is None or param.default is inspect.Parameter.empty else param.default


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class LibraryThreads:
    """torch and OpenCV on `n` threads inside the block, their previous counts restored
    after it, so the single-thread rows that follow stay single-threaded."""

    def __init__(self, n: int, cv2):
        self.n, self.cv2 = n, cv2

    def __enter__(self):
        import torch

        self.saved = (torch.get_num_threads(), self.cv2.getNumThreads() if self.cv2 is not None else None)
        torch.set_num_threads(self.n)
        if self.cv2 is not None:
            self.cv2.setNumThreads(self.n)
        return self

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self.saved[0])
        if self.cv2 is not None:
            self.cv2.setNumThreads(self.saved[1])
        return False


def bench_all_threads(img: np.ndarray, pipes: dict, opts, cv2, cv2_reason) -> List[dict]:
    """The multi-threaded peers: torchvision v2 on a CHW view of HWC memory with
    torch.set_num_threads(N), and cv2.resize INTER_LINEAR + blobFromImage with
    cv2.setNumThreads(N), against pipe(img, threads=N) of the contract equal to each;
    and pipe(img, threads=1) against threads=N (the intra-image split alone). If this
    pixelpact's single-image call has no threads=, pixelpact runs on one thread and the
    rows say so. Every output is asserted equal before and after timing."""
    import torch
    from torchvision.transforms import v2

    import pixelpact

    n = opts.threads
    h, w = img.shape[:2]
    size = f"{w}x{h}"
    section = f"all threads (N={n})"
    torch_pipe = pipes["torch"]
    has_threads, note = accepts(torch_pipe, (img,), "threads", n)
    kw = {"threads": n} if has_threads else {}
    pp_side = (f"threads={n}" if has_threads else "1 thread (threads= not available in this build)"
               if note.startswith("not available") else f"1 thread (threads={n} refused)")
    tv2 = v2.Compose([v2.Resize(SHORT_SIDE, v2.InterpolationMode.BILINEAR, antialias=True),
                      v2.CenterCrop(CROP), v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)])
    view = torch.from_numpy(img).permute(2, 0, 1)  # the fastest way to feed v2 (see bench_resize)
    comps: List[Competitor] = [Competitor("pp_torch_tn", f"pixelpact E1 torch engine, {pp_side}",
                                          lambda: torch_pipe(img, **kw))]
    checks: List[Tuple[str, Callable[[], np.ndarray], Callable[[], np.ndarray]]] = []  # (peer_key, peer, pixelpact)
    rows: List[dict] = []
    # pixelpact threads=1 against threads=N is timed on its own, before the peers get
    # N threads: torch's OpenMP workers keep spinning for a while after each torch call,
    # and interleaved with them the second pixelpact thread would find its core taken.
    alone: List[Competitor] = []
    if has_threads:
        alone = [Competitor("pp_torch_tn_alone", f"pixelpact E1 torch engine, {pp_side}",
                            lambda: torch_pipe(img, **kw)),
                 Competitor("pp_torch_t1", "pixelpact E1 torch engine, threads=1",
                            lambda: torch_pipe(img, threads=1))]
        checks.append(("pp_torch_t1", alone[1].fn, alone[0].fn))
        rows.append({"peer_key": "pp_torch_t1", "pixelpact_key": "pp_torch_tn_alone", "output": EQUAL,
                     "peer": "pixelpact E1 torch engine, threads=1 (timed without the peers)",
                     "pixelpact": f"E1 torch engine, {pp_side}"})
    comps.append(Competitor("tv2_view_tn", f"torchvision v2 on CHW view, {n} torch threads",
                            lambda: tv2(view).unsqueeze(0).numpy()))
    checks.append(("tv2_view_tn", comps[-1].fn, comps[0].fn))
    rows.append({"peer_key": "tv2_view_tn", "pixelpact_key": "pp_torch_tn", "output": EQUAL,
                 "peer": f"torchvision v2 on uint8 CHW view of HWC memory, torch.set_num_threads({n})",
                 "pixelpact": f"E1 torch engine, {pp_side}"})
    if cv2 is not None:
        dsize = (OPENCV_SIZE[1], OPENCV_SIZE[0])
        params = cv2.dnn.Image2BlobParams(
            scalefactor=tuple(1.0 / (255.0 * s) for s in STD), mean=tuple(255.0 * m for m in MEAN),
            swapRB=False, ddepth=cv2.CV_32F)
        pp_blob = pixelpact.load(opencv_contract(OPENCV_SIZE, blob=True))
        comps.append(Competitor("pp_cv_blob_tn", f"pixelpact opencv bilinear + blob arithmetic, {pp_side}",
                                lambda: pp_blob(img, **kw)))
        comps.append(Competitor("cv_blob_tn", f"cv2.resize + blobFromImage, {n} OpenCV threads",
                                lambda: cv2.dnn.blobFromImageWithParams(
                                    cv2.resize(img, dsize, interpolation=cv2.INTER_LINEAR), params)))
        checks.append(("cv_blob_tn", comps[-1].fn, comps[-2].fn))
        rows.append({"peer_key": "cv_blob_tn", "pixelpact_key": "pp_cv_blob_tn", "output": EQUAL,
                     "peer": f"OpenCV {cv2.__version__} cv2.resize INTER_LINEAR + blobFromImage, "
                             f"cv2.setNumThreads({n})",
                     "pixelpact": f"opencv bilinear + sub/mul, float32 NCHW, {pp_side}"})
    else:
        rows.append({"peer": "OpenCV, all threads", "skipped": cv2_reason, "size": size, "section": section})

    labels = {c.key: c.label for c in comps + alone}

    def check(when: str) -> Dict[str, dict]:
        return {key: assert_equal(f"{size} {when}: {labels[key]} vs pixelpact ({pp_side})", pp(), peer())
                for key, peer, pp in checks}

    per_round = run_rounds(alone, opts.rounds, opts.repeats, opts.target_ns) if alone else {}
    with LibraryThreads(n, cv2):
        relations = check("before timing")
        per_round.update(run_rounds(comps, opts.rounds, opts.repeats, opts.target_ns))
        check("after timing")
    for row in (r for r in rows if "skipped" not in r):
        row.update(compare=relations[row["peer_key"]], pixelpact_threads=n if has_threads else 1, threads_note=note,
                   peer_threads=1 if row["peer_key"] == "pp_torch_t1" else n)
    if not has_threads:
        rows.append({"peer": "pixelpact threads=1 vs threads=N (one image)", "skipped": note, "size": size,
                     "section": section})
    return timed_rows_from(per_round, rows, section, size)


def bench_batch(base: np.ndarray, pipe, opts) -> dict:
    """pipe.batch on B distinct images (the photo rolled sideways), threads=1 vs
    threads=N when batch accepts threads=, each with fresh outputs and, when it accepts
    out=, into one reused buffer; a loop of pipe(img) as the baseline."""
    n = opts.batch_size
    tn = opts.threads
    images = [np.ascontiguousarray(np.roll(base, 7 * i, axis=1)) for i in range(n)]
    size = f"{base.shape[1]}x{base.shape[0]}"
    expected = np.concatenate([v1_runner(reference_v1("bilinear"), im)() for im in images])
    threads, threads_note = batch_accepts(pipe, images[0], "threads", lambda k: 1)
    if threads and tn == 1:
        threads, threads_note = False, "--threads is 1 (one usable CPU): nothing to compare threads=1 with"
    shape1 = (1,) + expected.shape[1:]
    has_out, out_note = batch_accepts(pipe, images[0], "out", lambda k: np.empty(shape1, expected.dtype))
    buffer = np.empty_like(expected)
    comps = [Competitor("loop", "for img: pipe(img)", lambda: [pipe(im) for im in images])]
    variants: Dict[str, dict] = {}
    for t in ([1, tn] if threads else [None]):
        name = f"threads={t}" if t else "default"
        variants[name] = {"threads": t} if t else {}
        if has_out:
            variants[name + ", out=buffer"] = dict(variants[name], out=buffer)
    for name, kwargs in variants.items():
        out = pipe.batch(images, **kwargs)
        assert_equal(f"batch of {n} at {size} ({name}) vs Pillow+torchvision v1 per image", out, expected)
        comps.append(Competitor(name, f"pipe.batch({name})", lambda kw=kwargs: pipe.batch(images, **kw)))
    per_round = run_rounds(comps, opts.rounds, opts.repeats, opts.target_ns)
    if has_out:
        assert_equal(f"batch of {n} at {size}: the out= buffer as the last timed call left it", buffer, expected)
    for name, kwargs in variants.items():
        assert_equal(f"batch of {n} at {size} ({name}), after timing", pipe.batch(images, **kwargs), expected)
    result = {"size": size, "images": n, "threads_supported": threads, "threads_note": threads_note,
              "threads_n": tn if threads else None, "out_supported": has_out, "out_note": out_note,
              "output": EQUAL, "variants": {}}
    for c in comps:
        ms = summary(per_round[c.key], 1e-6)
        result["variants"][c.key] = {"label": c.label, "ms": ms, "images_per_s": n / (ms["median"] / 1e3)}
    if threads:
        for suffix, fresh in [("", True), (", out=buffer", False)]:
            if not fresh and not has_out:
                continue
            t1, t_n = per_round["threads=1" + suffix], per_round[f"threads={tn}" + suffix]
            key = "fresh" if fresh else "out"
            result.setdefault("scaling", {})[key] = {
                "label": f"threads={tn} / threads=1" + (", fresh outputs" if fresh else ", into a reused out= buffer"),
                "ratio_tn_over_t1": summary([a / b for a, b in zip(t_n, t1)]),
                "throughput_gain": statistics.median(b / a for a, b in zip(t_n, t1))}
    return result


def bench_overhead(opts) -> dict:
    """Fixed cost of one call: a 4x4 input and a contract with only a resize to 2x2."""
    from PIL import Image

    import pixelpact

    tiny = np.arange(4 * 4 * 3, dtype=np.uint8).reshape(4, 4, 3) * 5
    pipe = pixelpact.load(TINY)
    buf = np.empty(pipe.output_shape(4, 4), np.uint8)

    def pil():
        return np.asarray(Image.fromarray(tiny).resize((2, 2), Image.BILINEAR))

    relation = assert_equal("4x4 tiny-resize contract vs Pillow resize((2, 2), BILINEAR)", pipe(tiny), pil())
    comps = [Competitor("call", "pipe(img)", lambda: pipe(tiny)),
             Competitor("call_out", "pipe(img, out=buf)", lambda: pipe(tiny, out=buf)),
             Competitor("pil", "Image.fromarray + resize + asarray", pil)]
    per_round = run_rounds(comps, opts.rounds, opts.repeats, max(opts.target_ns, 1_000_000))
    return {"input": "4x4 RGB uint8", "contract": "resize [2, 2] bilinear, HWC uint8", "output": EQUAL,
            "compare": relation,
            "variants": {c.key: {"label": c.label, "us_per_call": summary(per_round[c.key], 1e-3)} for c in comps}}


# --------------------------------------------------------------------------
# Pillow-SIMD: a separate interpreter, pixelpact timed beside it


def find_simd_python(opts) -> Tuple[Optional[str], str]:
    """The Pillow-SIMD interpreter: --pillow-simd-python, else $PIXELPACT_BENCH_PILLOW_SIMD_PYTHON,
    else the venv setup_pillow_simd.sh makes by default (benchmarks/.venv-pillow-simd)."""
    for source, path in [("--pillow-simd-python", opts.pillow_simd_python),
                         ("PIXELPACT_BENCH_PILLOW_SIMD_PYTHON", os.environ.get("PIXELPACT_BENCH_PILLOW_SIMD_PYTHON")),
                         ("benchmarks/.venv-pillow-simd", str(DEFAULT_SIMD_VENV_PYTHON)
                          if DEFAULT_SIMD_VENV_PYTHON.exists() else None)]:
        if path:
            if not Path(path).exists():
                return None, f"{source} names {path}, which does not exist"
            return path, source
    return None, (f"no Pillow-SIMD interpreter: run benchmarks/setup_pillow_simd.sh (makes "
                  f"{DEFAULT_SIMD_VENV_PYTHON.parent.parent}), or pass --pillow-simd-python")


def bench_pillow_simd(images: Dict[str, np.ndarray], expected: Dict[str, np.ndarray], opts) -> dict:
    if opts.no_pillow_simd:
        return {"status": "skipped", "reason": "--no-pillow-simd"}
    python, source = find_simd_python(opts)
    if python is None:
        return {"status": "skipped", "reason": source}
    with tempfile.TemporaryDirectory(prefix="pixelpact-bench-") as tmp:
        inp, out = Path(tmp) / "in.npz", Path(tmp) / "out.json"
        arrays = {f"img_{k}": v for k, v in images.items()}
        arrays.update({f"ref_{k}": v for k, v in expected.items()})
        np.savez(inp, **arrays)
        cmd = [python, str(Path(__file__).resolve()), "--worker", "pillow-simd", "--worker-in", str(inp),
               "--worker-out", str(out), "--rounds", str(opts.rounds), "--repeats", str(opts.repeats),
               "--target-ms", str(opts.target_ns / 1e6)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode == EXIT_NOT_EQUAL:
            raise NotEqual(f"in the Pillow-SIMD subprocess: {proc.stderr.strip()}")
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            return {"status": "skipped", "reason": f"Pillow-SIMD worker ({python}) failed: {tail}",
                    "python": python}
        result = json.loads(out.read_text())
    result.update(status="ran", python=python, found_by=source)
    import pixelpact

    if result["pixelpact_info"] != pixelpact_info() or result["pixelpact_version"] != pixelpact.__version__:
        result["warning"] = (f"the Pillow-SIMD interpreter runs another pixelpact build ({result['pixelpact_file']}) "
                             f"than this one ({pixelpact.__file__}); reinstall it with setup_pillow_simd.sh")
    return result


def worker_pillow_simd(opts) -> int:
    """Runs inside the Pillow-SIMD interpreter: pixelpact E1 bilinear and
    Pillow-SIMD + torchvision v1 bilinear, interleaved, for each image."""
    try:
        from importlib import metadata

        import PIL
        import torch

        import pixelpact

        simd_version = metadata.version("pillow-simd")
        if PIL.__version__ != simd_version:
            print(f"PIL here is {PIL.__version__} from {PIL.__file__}, not Pillow-SIMD {simd_version}",
                  file=sys.stderr)
            return EXIT_WORKER_UNAVAILABLE
        torch.set_num_threads(1)
    except Exception as exc:  # noqa: BLE001
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_WORKER_UNAVAILABLE
    data = np.load(opts.worker_in)
    pipe = pixelpact.load(e1_contract("bilinear"))
    rows = []
    try:
        for key in sorted(k[4:] for k in data.files if k.startswith("img_")):
            img, ref = data[f"img_{key}"], data[f"ref_{key}"]
            h, w = img.shape[:2]
            size = f"{w}x{h}"
            relation = assert_equal(f"{size} E1 bilinear (in the Pillow-SIMD process) vs Pillow 13 reference",
                                    pipe(img), ref)
            simd = v1_runner(reference_v1("bilinear"), img)
            comps = [Competitor("pp_bilinear", "pixelpact E1 bilinear", lambda: pipe(img)),
                     Competitor("simd_bilinear", "Pillow-SIMD", simd)]
            per_round = run_rounds(comps, opts.rounds, opts.repeats, opts.target_ns)
            row = {"section": "resize 256 + crop 224 + normalize", "size": size, "process": "pillow-simd venv",
                   "peer_key": "simd_bilinear", "pixelpact_key": "pp_bilinear",
                   "peer": f"Pillow-SIMD {PIL.__version__} + torchvision v1, bilinear",
                   "pixelpact": "E1 bilinear", "output": DIFFERS, "compare": compare(simd(), ref),
                   "pixelpact_vs_reference": relation}
            row.update(ratio_row(per_round, "pp_bilinear", "simd_bilinear"))
            rows.append(row)
    except NotEqual as err:
        print(str(err), file=sys.stderr)
        return EXIT_NOT_EQUAL
    Path(opts.worker_out).write_text(json.dumps({
        "rows": rows, "pil_version": PIL.__version__, "pil_file": PIL.__file__,
        "pixelpact_version": pixelpact.__version__, "pixelpact_file": pixelpact.__file__,
        "pixelpact_info": pixelpact_info(), "python": sys.version.split()[0]}))
    return 0


# --------------------------------------------------------------------------
# Machine description


def pil_version() -> str:
    import PIL

    return PIL.__version__


def machine_info(cv2) -> dict:
    info: dict = {"platform": platform.platform(), "python": sys.version.split()[0],
                  "logical_cpus": os.cpu_count()}
    info["usable_cpus"] = usable_cpus()
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        fields = {}
        for line in cpuinfo.splitlines():
            k, _, v = line.partition(":")
            fields.setdefault(k.strip(), v.strip())
        info["cpu_model"] = fields.get("model name", platform.processor() or "unknown")
        info["cpu_cache"] = fields.get("cache size")
        flags = set(fields.get("flags", "").split())
        info["cpu_simd_flags"] = [f for f in ("sse4_2", "avx2", "fma", "avx512f", "avx512bw", "avx512vl",
                                              "avx512_vnni", "avx512_bf16", "amx_tile") if f in flags]
        info["physical_cores"] = len({(p.get("physical id"), p.get("core id"))
                                      for p in _cpuinfo_blocks(cpuinfo)}) or None
    except OSError:
        info["cpu_model"] = platform.processor() or platform.machine()
    try:
        mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()
        info["memory_gib"] = round(int(mem[1]) / 2**20, 1)
    except (OSError, IndexError, ValueError):
        pass
    try:
        info["os"] = next(line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                          if line.startswith("PRETTY_NAME="))
    except (OSError, StopIteration):
        pass
    try:
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    versions = {}
    for name in ("pixelpact", "numpy", "torch", "torchvision", "PIL", "skimage", "matplotlib", "tensorflow"):
        try:
            versions["Pillow" if name == "PIL" else name] = __import__(name).__version__
        except Exception:  # noqa: BLE001
            versions["Pillow" if name == "PIL" else name] = None
    versions["opencv"] = cv2.__version__ if cv2 is not None else None
    info["versions"] = versions
    import torch

    info["torch_threads"] = torch.get_num_threads()
    try:
        info["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    except Exception:  # noqa: BLE001
        pass
    if cv2 is not None:
        info["opencv_threads"] = cv2.getNumThreads()
        info["opencv_ipp"] = bool(cv2.ipp.useIPP())
    info["pixelpact_info"] = pixelpact_info()
    if os.environ.get("PIXELPACT_FORCE_ISA"):
        info["PIXELPACT_FORCE_ISA"] = os.environ["PIXELPACT_FORCE_ISA"]
    return info


def pixelpact_info() -> str:
    """`pixelpact info` of this interpreter's pixelpact (version, kernels)."""
    proc = subprocess.run([sys.executable, "-m", "pixelpact", "info"], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else f"(pixelpact info failed: {proc.stderr.strip()})"


def load_report(machine: dict) -> dict:
    """Load averages at start and end; busy when the 1-minute value at the start,
    or at the end less this benchmark's own thread, exceeds half the usable CPUs
    (other processes then share the cores being timed)."""
    cpus = machine.get("usable_cpus") or machine.get("logical_cpus") or 1
    start = machine.get("load_average_at_start")
    try:
        end = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return {"start": start, "end": None, "busy": None}
    busy = max(start[0] if start else 0, end[0] - 1) > cpus / 2
    return {"start": start, "end": end, "busy": busy}


def kernel_summary(info: str) -> str:
    """The line of `pixelpact info` that says which kernels run."""
    lines = [line.strip() for line in info.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("kernels"):
            return line
    return lines[-1] if lines else "pixelpact info: unavailable"


def _cpuinfo_blocks(text: str):
    for block in text.strip().split("\n\n"):
        yield {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in block.splitlines())}


# --------------------------------------------------------------------------
# Report


def fmt_ms(ms: float) -> str:
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def describe_output(row: dict) -> str:
    if row["output"] == EQUAL:
        return "equal (asserted)"
    if row["output"] == NOT_COMPARED:
        b = row["bound"]
        return f"{b['bytes_in'] / 1e6:.2f} MB in + {b['bytes_out'] / 1e6:.2f} MB out"
    c = row.get("compare", {})
    if "fraction_differing" not in c:
        return "differs (dtype/shape)"
    pct = 100 * c["fraction_differing"]
    return f"{pct:.0f}% differ, max {c['max_abs_diff']:.3g}" if pct >= 1 else \
        f"{pct:.2g}% differ, max {c['max_abs_diff']:.3g}"


def table(rows: List[dict]) -> str:
    head = ("| size | peer | pixelpact contract | peer ms | pixelpact ms | pixelpact/peer median [min–max] "
            "| speedup | output vs pixelpact |")
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        if "skipped" in r:
            lines.append(f"| {r.get('size', '')} | {r['peer']} | – | – | – | skipped: {r['skipped']} | – | – |")
            continue
        ratio = r["ratio"]
        peer = r["peer"] + (" ¹" if r.get("process") == "pillow-simd venv" else "")
        speed = "–" if r["peer_key"] == "bound" else f"{r['speedup']:.2f}×"
        lines.append(
            f"| {r['size']} | {peer} | {r['pixelpact']} | {fmt_ms(r['peer_ms']['median'])} | "
            f"{fmt_ms(r['pixelpact_ms']['median'])} | {ratio['median']:.3f} [{ratio['min']:.3f}–{ratio['max']:.3f}] | "
            f"{speed} | {describe_output(r)} |")
    return "\n".join(lines)


def render(result: dict) -> str:
    m = result["machine"]
    v = m["versions"]
    s = result["settings"]
    out = [f"# pixelpact benchmark ({'quick' if s['quick'] else 'full'} mode)", "",
           f"Machine: {m.get('cpu_model')}, {m.get('usable_cpus', m.get('logical_cpus'))} usable CPUs "
           f"({', '.join(m.get('cpu_simd_flags', []))}), {m.get('memory_gib', '?')} GiB, {m.get('os', m['platform'])}; "
           f"load average at start {m.get('load_average_at_start')}",
           f"Python {m['python']}; pixelpact {v['pixelpact']}; numpy {v['numpy']}; Pillow {v['Pillow']}; "
           f"torch {v['torch']} ({m.get('torch_cpu_capability')}, {m['torch_threads']} thread); "
           f"torchvision {v['torchvision']}; OpenCV {v['opencv']} ({m.get('opencv_threads')} thread, "
           f"IPP {'on' if m.get('opencv_ipp') else 'off'})",
           "pixelpact info: " + m["pixelpact_info"].replace("\n", "; "),
           f"Images: {result['images']['source']}",
           f"Rounds: {s['rounds']}, repeats per round: {s['repeats']}, min sample {s['target_ms']} ms; "
           "ratio = pixelpact time / peer time per round (< 1: pixelpact faster); "
           "speedup = median of peer/pixelpact", ""]
    load = result.get("load", {})
    if load.get("busy"):
        out.append(f"WARNING: the machine was busy (1-minute load average {load['start'][0]} at start, "
                   f"{load['end'][0]} at end, {m.get('usable_cpus')} CPUs): other processes shared the cores, "
                   "so times are inflated and ratios noisy; rerun on an idle machine before quoting them.\n")
    default = s.get("pixelpact_call_threads_default")
    if default not in (None, 1):
        out.append(f"WARNING: pipe(img) defaults to threads={default!r} in this pixelpact, so its side of the rows "
                   "outside the all-threads section is not single-threaded.\n")
    out.append(table(result["rows"]))
    simd = result["pillow_simd"]
    if simd["status"] == "ran":
        out.append(f"\n¹ Pillow-SIMD {simd['pil_version']} runs in its own interpreter ({simd['python']}), "
                   "a venv where it replaces Pillow; the pixelpact time in that row was measured interleaved "
                   "in that same process.")
        if simd.get("warning"):
            out.append(f"WARNING: {simd['warning']}")
    else:
        out.append(f"\nPillow-SIMD: skipped ({simd['reason']})")
    b = result["batch"]
    out.append(f"\n## pipe.batch, {b['images']} images of {b['size']} (E1 bilinear)\n")
    out.append("| variant | ms per batch (median [min–max]) | images/s |")
    out.append("|---|---|---|")
    for var in b["variants"].values():
        ms = var["ms"]
        out.append(f"| {var['label']} | {fmt_ms(ms['median'])} [{fmt_ms(ms['min'])}–{fmt_ms(ms['max'])}] | "
                   f"{var['images_per_s']:.0f} |")
    if b["threads_supported"]:
        out.append("")
        for sc in b["scaling"].values():
            r = sc["ratio_tn_over_t1"]
            out.append(f"- {sc['label']}: time ratio {r['median']:.3f} [{r['min']:.3f}–{r['max']:.3f}], "
                       f"throughput ×{sc['throughput_gain']:.2f}")
    else:
        out.append(f"\nthreads=: not measured ({b['threads_note']})")
    if not b["out_supported"]:
        out.append(f"out=: not measured ({b['out_note']})")
    o = result["overhead"]
    out.append(f"\n## Per-call overhead: {o['input']} input, contract {o['contract']}\n")
    out.append("| call | µs per call (median [min–max]) |")
    out.append("|---|---|")
    for var in o["variants"].values():
        us = var["us_per_call"]
        out.append(f"| {var['label']} | {us['median']:.2f} [{us['min']:.2f}–{us['max']:.2f}] |")
    return "\n".join(out)


def chart(result: dict, path: Path) -> str:
    """Horizontal bars from 1x: speedup (peer time / pixelpact time) per peer and
    size, whiskers from the per-round min/max ratio."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
        from matplotlib.ticker import FixedLocator, NullFormatter
    except ImportError:
        return "chart skipped: matplotlib is not installed (pip install '.[bench]')"
    rows = [r for r in result["rows"] if "skipped" not in r and r["peer_key"] != "bound"]
    peers = list(dict.fromkeys((r["section"], r["peer"]) for r in rows))
    sizes = list(dict.fromkeys(r["size"] for r in rows))
    cmap = plt.get_cmap("viridis")
    colors = {size: cmap(0.1 + 0.75 * i / max(len(sizes) - 1, 1)) for i, size in enumerate(sizes)}
    fig, ax = plt.subplots(figsize=(11, 0.62 * len(peers) + 1.6))
    labels, top = [], 1.0
    for i, (section, peer) in enumerate(peers):
        labels.append(peer if section.startswith("resize") else f"{peer} [{section}]")
        group = [r for r in rows if (r["section"], r["peer"]) == (section, peer)]
        height = 0.8 / len(group)
        for j, r in enumerate(group):
            y = i + (j - (len(group) - 1) / 2) * height
            s, lo, hi = r["speedup"], 1 / r["ratio"]["max"], 1 / r["ratio"]["min"]
            ax.barh(y, s - 1, height * 0.9, left=1, color=colors[r["size"]])
            ax.errorbar(s, y, xerr=[[max(s - lo, 0)], [max(hi - s, 0)]], fmt="none", ecolor="black",
                        elinewidth=0.7, capsize=2)
            ax.text(max(hi, s, 1) * 1.04, y, f"{s:.2f}×", va="center", fontsize=7)
            top = max(top, hi, s)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    left = min(0.5, min(1 / r["ratio"]["max"] for r in rows) * 0.8)
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100) if left <= t <= top * 1.5]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticklabels([f"{t:g}×" for t in ticks])
    ax.set_xlim(left, top * 1.6)
    ax.axvline(1, color="gray", linewidth=0.8)
    ax.set_xlabel("pixelpact speedup = peer time / pixelpact time\n(median of rounds; whiskers: min–max round)",
                  fontsize=9)
    m = result["machine"]
    ax.set_title(f"pixelpact {m['versions']['pixelpact']} vs peers: one thread unless [all threads], same process, "
                 f"{result['settings']['rounds']} interleaved rounds\n{m.get('cpu_model')}, "
                 f"{m.get('usable_cpus', '?')} CPUs; {kernel_summary(m['pixelpact_info'])}", fontsize=9)
    ax.legend(handles=[Patch(color=colors[s], label=f"input {s}") for s in sizes], fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")  # the title spans the long peer labels too
    plt.close(fig)
    return f"chart: {path}"


# --------------------------------------------------------------------------


def parse_sizes(text: str) -> List[Tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        w, _, h = part.strip().lower().partition("x")
        sizes.append((int(h), int(w)))
    return sizes


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Benchmark pixelpact against Pillow+torchvision, torchvision v2, OpenCV, TensorFlow, "
                    "onnxruntime and Pillow-SIMD in one process, interleaved, on one thread, plus torch and "
                    "OpenCV on N threads against pipe(img, threads=N) and pipe.batch(threads=1 vs N); asserts "
                    "pixelpact equals its references while measuring.",
        epilog="Pillow-SIMD needs its own interpreter: run benchmarks/setup_pillow_simd.sh once with this "
               "environment active (builds it, about 1.5 minutes on one core; needs libjpeg and zlib headers). "
               "See benchmarks/README.md.")
    p.add_argument("--quick", action="store_true",
                   help="CI mode: 2 rounds, 1 repeat, sizes 320x240 and 640x480, batch of 8 (seconds)")
    p.add_argument("--rounds", type=int, help="rounds (default 15; quick 2)")
    p.add_argument("--repeats", type=int, help="timed repeats per competitor per round (default 3; quick 1)")
    p.add_argument("--sizes", help="input sizes WxH,... (default 640x480,1920x1080,3840x2160)")
    p.add_argument("--batch-size", type=int, help="images per pipe.batch call (default 64; quick 8)")
    p.add_argument("--target-ms", type=float,
                   help="minimum duration of one timed sample; fast calls are looped (default 2; quick 0.2)")
    p.add_argument("--threads", type=int,
                   help="N for the multi-threaded rows: torch.set_num_threads(N) and cv2.setNumThreads(N) for the "
                        "peers, pipe(img, threads=N) and pipe.batch(threads=N) for pixelpact (default: the usable "
                        "CPUs, here %d); every other row runs on one thread" % usable_cpus())
    p.add_argument("--no-threads", action="store_true", help="skip the multi-threaded single-image rows")
    p.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the results (default %(default)s)")
    p.add_argument("--chart", default=str(DEFAULT_CHART),
                   help="PNG chart of the speedups; needs matplotlib (default %(default)s)")
    p.add_argument("--no-chart", action="store_true", help="do not draw the chart")
    p.add_argument("--pillow-simd-python",
                   help="interpreter of a venv with Pillow-SIMD and pixelpact (default: "
                        "$PIXELPACT_BENCH_PILLOW_SIMD_PYTHON, else benchmarks/.venv-pillow-simd if present)")
    p.add_argument("--no-pillow-simd", action="store_true", help="skip the Pillow-SIMD subprocess")
    p.add_argument("--worker", choices=["pillow-simd"], help=argparse.SUPPRESS)
    p.add_argument("--worker-in", help=argparse.SUPPRESS)
    p.add_argument("--worker-out", help=argparse.SUPPRESS)
    opts = p.parse_args(argv)
    q = opts.quick
    opts.rounds = opts.rounds or (2 if q else 15)
    opts.repeats = opts.repeats or (1 if q else 3)
    opts.batch_size = opts.batch_size or (8 if q else 64)
    opts.target_ms = opts.target_ms if opts.target_ms is not None else (0.2 if q else 2.0)
    opts.target_ns = int(opts.target_ms * 1e6)
    opts.size_list = parse_sizes(opts.sizes) if opts.sizes else (QUICK_SIZES if q else FULL_SIZES)
    opts.threads = usable_cpus() if opts.threads is None else opts.threads
    if opts.rounds < 1 or opts.repeats < 1 or opts.batch_size < 1 or opts.threads < 1:
        p.error("--rounds, --repeats, --batch-size and --threads must be positive")
    return opts


def main(argv=None) -> int:
    opts = parse_args(argv)
    if opts.worker == "pillow-simd":
        return worker_pillow_simd(opts)

    import torch

    import pixelpact

    torch.set_num_threads(1)
    cv2, cv2_reason = try_import_cv2()
    tf, tf_reason = try_import_tf()
    started = time.time()
    result: dict = {"schema": SCHEMA, "machine": machine_info(cv2),
                    "settings": {"quick": opts.quick, "rounds": opts.rounds, "repeats": opts.repeats,
                                 "target_ms": opts.target_ms, "batch_size": opts.batch_size,
                                 "threads": opts.threads,
                                 "sizes": [f"{w}x{h}" for h, w in opts.size_list]}}
    photos, source = photo_sources()
    result["images"] = {"source": source}
    pipes = {f: pixelpact.load(e1_contract(f)) for f in FILTERS}
    pipes["torch"] = pixelpact.load(torch_e1_contract())
    pipes["onnx"], pipes["onnx_reason"] = onnx_session(e1_contract("bilinear"))
    default = call_threads_default(pipes["bilinear"])
    result["settings"]["pixelpact_call_threads_default"] = default
    if default not in (None, 1):
        print(f"WARNING: pipe(img) defaults to threads={default!r} in this pixelpact: the rows said to run "
              "on one thread do not, for pixelpact", file=sys.stderr)
    rows: List[dict] = []
    images, expected = {}, {}
    try:
        for h, w in opts.size_list:
            img = mosaic(photos, h, w)
            key = f"{w}x{h}"
            images[key] = img
            expected[key] = v1_runner(reference_v1("bilinear"), img)()
            print(f"[bench] {key}: resize peers ...", file=sys.stderr, flush=True)
            rows += bench_resize(img, pipes, opts, cv2, cv2_reason)
            print(f"[bench] {key}: OpenCV resize ...", file=sys.stderr, flush=True)
            rows += bench_opencv_resize(img, opts, cv2, cv2_reason)
            print(f"[bench] {key}: TensorFlow resize ...", file=sys.stderr, flush=True)
            rows += bench_tensorflow_resize(img, opts, tf, tf_reason)
            if not opts.no_threads:
                print(f"[bench] {key}: all {opts.threads} threads ...", file=sys.stderr, flush=True)
                rows += bench_all_threads(img, pipes, opts, cv2, cv2_reason)
        print("[bench] Pillow-SIMD subprocess ...", file=sys.stderr, flush=True)
        simd = bench_pillow_simd(images, expected, opts)
        result["pillow_simd"] = {k: v for k, v in simd.items() if k != "rows"}
        for row in simd.get("rows", []):
            # place each Pillow-SIMD row after the Pillow rows of its size
            at = max(i for i, r in enumerate(rows) if r.get("size") == row["size"]
                     and r.get("peer_key", "").startswith("pil_")) + 1
            rows.insert(at, row)
        if simd["status"] != "ran":
            rows.append({"peer": "Pillow-SIMD + torchvision v1, bilinear", "skipped": simd["reason"],
                         "size": "all", "section": "resize 256 + crop 224 + normalize"})
        # normalize-only input: the 224x224 crop that E1 bilinear makes of the first photo
        from PIL import Image

        first = images[f"{opts.size_list[0][1]}x{opts.size_list[0][0]}"]
        t = reference_v1("bilinear").transforms
        crop = np.array(t[1](t[0](Image.fromarray(first))))  # writable, C-contiguous
        print("[bench] normalize-only ...", file=sys.stderr, flush=True)
        rows += bench_normalize_only(crop, opts, cv2, cv2_reason)
        batch_hw = opts.size_list[0] if opts.quick else (480, 640)
        print("[bench] batch ...", file=sys.stderr, flush=True)
        result["batch"] = bench_batch(mosaic(photos, *batch_hw), pipes["bilinear"], opts)
        print("[bench] per-call overhead ...", file=sys.stderr, flush=True)
        result["overhead"] = bench_overhead(opts)
    except NotEqual as err:
        print(f"EXACTNESS FAILURE: {err}", file=sys.stderr)
        print("pixelpact's output must equal the reference pipeline bit for bit; no timings were reported.",
              file=sys.stderr)
        return EXIT_NOT_EQUAL
    result["rows"] = rows
    # the multi-threaded rows restore torch's and OpenCV's thread counts (the other rows are single-threaded)
    result["library_threads_at_end"] = {"torch": torch.get_num_threads(),
                                        "opencv": cv2.getNumThreads() if cv2 is not None else None}
    result["elapsed_s"] = round(time.time() - started, 1)
    result["load"] = load_report(result["machine"])
    print(render(result))
    path = Path(opts.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    print(f"\njson: {path}")
    if not opts.no_chart and opts.chart:
        print(chart(result, Path(opts.chart)))
    print(f"elapsed: {result['elapsed_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
