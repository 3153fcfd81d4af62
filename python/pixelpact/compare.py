"""What a preprocessing mismatch costs, end to end: a model's predictions on the
golden tensors (the training pipeline's) against its predictions on the serving
tensors.

    pixelpact compare --model model.onnx --golden golden/ --serving serve:preprocess
    pixelpact compare --model model.onnx --golden golden/ --tensors served/

``golden/`` holds, per sample, the golden tensor ``NAME.npy`` and the image it was
made from (``NAME.jpg``, ``NAME.png``, ...), or is a set recorded by ``pixelpact
golden record`` (its manifest is verified first). ``--serving MODULE:CALLABLE`` names a
function that takes an image file's path and returns the serving tensor (decoding
included, as in production); ``--tensors DIR`` holds serving tensors ``NAME.npy``.
The model (ONNX, one input: the contract's tensor) runs in onnxruntime on both;
the report gives, per sample and overall, top-1 agreement, max |delta logit| and
max |delta probability| (softmax over the last axis of the first output).
"""
from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np

PathLike = Union[str, os.PathLike]


def _serving_callable(spec: Union[str, Callable]) -> Callable:
    if callable(spec):
        return spec
    module, sep, name = str(spec).partition(":")
    if not sep or not module or not name:
        raise ValueError(f"--serving wants MODULE:CALLABLE (e.g. serve:preprocess), got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"cannot load the serving function {spec!r}: {err}") from None
    if not callable(fn):
        raise ValueError(f"{spec!r} is not callable")
    return fn


def _image_of(golden: Path, name: str) -> Path:
    found = [p for p in golden.glob(name + ".*") if p.suffix.lower() != ".npy" and p.stem == name]
    if not found:
        raise ValueError(f"no image for sample {name!r} in {golden} (expected {name}.jpg, .png, ...)")
    return sorted(found)[0]


def _samples(golden: Path) -> list:
    """(name, golden tensor file, image file or None) per sample: a `pixelpact golden
    record` set (verified against its manifest) or a flat folder of NAME.npy."""
    if (golden / "manifest.json").exists():
        from .golden import verify

        manifest = verify(golden).manifest  # GoldenIntegrityError is a ValueError
        return [(s["name"], golden / s["expected"], golden / s["original"]) for s in manifest["samples"]]
    return [(p.stem, p, None) for p in sorted(golden.glob("*.npy"), key=lambda p: p.stem)]


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class _Model:
    def __init__(self, model: PathLike):
        import onnxruntime as ort

        self.session = ort.InferenceSession(os.fspath(model), providers=["CPUExecutionProvider"])
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise ValueError(f"the model has {len(inputs)} inputs; compare needs a model with one input "
                             "(the contract's tensor)")
        self.input = inputs[0]

    def __call__(self, tensor: np.ndarray) -> np.ndarray:
        rank = len(self.input.shape) if self.input.shape is not None else tensor.ndim
        if tensor.ndim == rank - 1:
            tensor = tensor[None]
        out = self.session.run(None, {self.input.name: tensor})[0]
        return np.asarray(out, dtype=np.float64).reshape(-1, out.shape[-1]) if out.ndim else out.reshape(1, 1)


def compare(model: PathLike, golden: PathLike, *, serving: Optional[Union[str, Callable]] = None,
            tensors: Optional[PathLike] = None) -> dict:
    """The report as a dict: ``samples`` (one entry per golden tensor) and ``overall``."""
    if (serving is None) == (tensors is None):
        raise ValueError("give exactly one of serving (MODULE:CALLABLE or a callable) and tensors (a directory)")
    golden = Path(golden)
    entries = _samples(golden)
    if not entries:
        raise ValueError(f"no golden tensors (*.npy) in {golden}")
    run = _Model(model)
    serve = _serving_callable(serving) if serving is not None else None
    samples = []
    for name, tensor_file, image in entries:
        want = np.load(tensor_file)
        if serve is not None:
            got = np.asarray(serve(str(image or _image_of(golden, name))))
        else:
            path = Path(tensors) / f"{name}.npy"
            if not path.exists():
                raise ValueError(f"no serving tensor {path} for golden sample {name!r}")
            got = np.load(path)
        if got.shape != want.shape or got.dtype != want.dtype:
            raise ValueError(f"sample {name!r}: the serving tensor is {got.dtype} {got.shape}, the golden one "
                             f"{want.dtype} {want.shape}")
        a, b = run(want), run(got)
        samples.append({
            "name": name,
            "top1_golden": [int(i) for i in a.argmax(-1)],
            "top1_serving": [int(i) for i in b.argmax(-1)],
            "top1_agree": bool(np.array_equal(a.argmax(-1), b.argmax(-1))),
            "max_abs_logit_diff": float(np.max(np.abs(a - b))),
            "max_abs_prob_diff": float(np.max(np.abs(_softmax(a) - _softmax(b)))),
            "tensor_max_abs_diff": float(np.max(np.abs(want.astype(np.float64) - got.astype(np.float64)))),
            "tensor_identical": bool(np.array_equal(want, got)),
        })
    agree = sum(s["top1_agree"] for s in samples)
    overall = {
        "samples": len(samples),
        "top1_agreement": agree / len(samples),
        "max_abs_logit_diff": max(s["max_abs_logit_diff"] for s in samples),
        "max_abs_prob_diff": max(s["max_abs_prob_diff"] for s in samples),
        "tensors_identical": sum(s["tensor_identical"] for s in samples),
    }
    return {"model": os.fspath(model), "samples": samples, "overall": overall}


def format_report(report: dict) -> str:
    rows = [("sample", "top-1 golden", "top-1 serving", "agree", "max|dlogit|", "max|dprob|", "tensor")]
    for s in report["samples"]:
        rows.append((s["name"], ",".join(map(str, s["top1_golden"])), ",".join(map(str, s["top1_serving"])),
                     "yes" if s["top1_agree"] else "NO", f"{s['max_abs_logit_diff']:.6g}",
                     f"{s['max_abs_prob_diff']:.6g}",
                     "identical" if s["tensor_identical"] else f"max|d| {s['tensor_max_abs_diff']:.6g}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    o = report["overall"]
    lines.append(f"overall: {o['samples']} samples, top-1 agreement {100 * o['top1_agreement']:.1f}%, "
                 f"max |delta logit| {o['max_abs_logit_diff']:.6g}, max |delta probability| "
                 f"{o['max_abs_prob_diff']:.6g}, identical tensors {o['tensors_identical']}/{o['samples']}")
    return "\n".join(lines)
