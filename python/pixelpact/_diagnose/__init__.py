"""pixelpact.diagnose: explain a serving tensor as the training contract with the
fewest changes (see search.py for how, explain.py for the words)."""
from __future__ import annotations

import json
import os
import time
from typing import Optional

import numpy as np

from .._contract import ContractSource, validate
from .._images import ImageSource, decode_file, prepare
from .._pipeline import load
from . import arithmetic as ar
from .explain import KINDS, Suspect, arithmetic_kinds, suspects
from .layout import ROLES, Layout
from .search import CLOSE_RELATIVE_RMS, SLOTS, Search

__all__ = ["Diagnosis", "KINDS", "Suspect", "diagnose"]

SPREAD_TILE = 16
SPREAD_FRACTION = 0.25


class Diagnosis:
    """What the serving side did differently, found by `pixelpact.diagnose`.

    match: "exact" (``contract`` plus the steps listed in
    ``residual["outside_contract"]`` reproduce the actual tensor bit for bit),
    "close" (the best explanation leaves the small residual in ``residual``) or
    "none" (nothing explains it). suspects: Suspect(kind, detail, fix), in the
    order to check them. contract: the serving side as a contract (a dict), or
    None. It takes the same image you gave (``input_image``: the file as Pillow
    decodes it, fitted to the contract's input colour)."""

    def __init__(self, match: str, suspects: list, contract: Optional[dict], residual: dict, *,
                 expected: np.ndarray, actual: np.ndarray, reproduced: Optional[np.ndarray],
                 input_image: Optional[np.ndarray], training: dict, seconds: float, candidates: int,
                 actual_layout=None):
        self.match = match
        self.suspects = suspects
        self.contract = contract
        self.residual = residual
        self.expected = expected
        self.actual = actual
        self.reproduced = reproduced
        self.input_image = input_image
        self.training = training
        self.seconds = seconds
        self.candidates = candidates
        self.actual_layout = actual_layout  # how the actual tensor was read (a Layout), if it could be

    @property
    def kinds(self) -> list:
        return [s.kind for s in self.suspects]

    def to_dict(self) -> dict:
        return {"match": self.match, "suspects": [s.to_dict() for s in self.suspects],
                "contract": self.contract, "residual": self.residual}

    def to_json(self, indent: Optional[int] = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def summary(self) -> str:
        """Human-readable: the verdict, each suspect with its fix."""
        lines = [f"match: {self.match}" + _residual_words(self.residual, self.match)]
        for i, s in enumerate(self.suspects, 1):
            lines += [f"{i}. {s.kind}: {s.detail}", f"   fix: {s.fix}"]
        if self.match == "exact" and not self.suspects:
            lines.append("the serving tensor is the training tensor, bit for bit")
        for step in self.residual.get("outside_contract", []):
            lines.append(f"not expressible in a contract: {step}")
        return "\n".join(lines)

    __str__ = summary

    def __repr__(self) -> str:
        return f"<pixelpact.Diagnosis match={self.match!r} kinds={self.kinds}>"

    def write_report(self, path) -> None:
        """One self-contained HTML file: pictures (embedded PNG) and the suspects."""
        from .report import write_report

        write_report(self, path)


def _residual_words(residual: dict, match: str) -> str:
    if match == "exact" or "max_abs_diff" not in residual:
        return ""
    return (f" (max |diff| {residual['max_abs_diff']:.4g}, {residual['differing_values']} of "
            f"{residual['values']} values differ, relative RMS {residual['relative_rms']:.3g})")


def _load_actual(actual) -> np.ndarray:
    if isinstance(actual, (str, os.PathLike)):
        return np.load(os.fspath(actual), allow_pickle=False)
    if not isinstance(actual, np.ndarray):
        actual = np.asarray(actual)
    return actual


def _difference(reproduced: np.ndarray, actual: np.ndarray) -> dict:
    r = reproduced.astype(np.float64)
    a = actual.astype(np.float64)
    d = np.abs(r - a)
    std = float(a.std())
    rms = float(np.sqrt(np.mean(d * d))) if d.size else 0.0
    return {"max_abs_diff": float(d.max()) if d.size else 0.0, "mean_abs_diff": float(d.mean()) if d.size else 0.0,
            "differing_values": int(np.count_nonzero(d)), "values": int(d.size),
            "relative_rms": rms / std if std > 0 else (0.0 if rms == 0 else float("inf"))}


def diagnose(contract: ContractSource, image: ImageSource, actual, *, file=None,
             exif_transpose: bool = False) -> Diagnosis:
    """Explain `actual` (the serving side's tensor: an array or a .npy path, any
    shape and dtype) as the training `contract` applied to `image` with the fewest
    changes. `image`: an image file (decoded by Pillow, as training's Image.open;
    rotated per EXIF first if `exif_transpose`), a .npy file or a uint8 array.
    `file`: the original image file when `image` is that file as Pillow decodes it
    (RGB, RGBA or L order, e.g. a golden sample's decoded.npy): the search then tries
    other JPEG decoders on it and reads its EXIF orientation."""
    started = time.perf_counter()
    training = validate(contract)
    if isinstance(image, np.ndarray):
        source, from_file = image, file is not None
    elif os.fspath(image).endswith(".npy"):
        source, from_file = np.load(os.fspath(image), allow_pickle=False), file is not None
    else:
        file = image
        source, from_file = decode_file(image, exif_transpose=exif_transpose), True
    if source.dtype != np.uint8:
        raise TypeError(f"image must be uint8, got {source.dtype}")
    actual = _load_actual(actual)
    pipe = load(training)
    training_input = prepare(source, training["input"]["color"], from_file=from_file)
    expected = pipe(training_input)
    common = dict(expected=expected, actual=actual, training=training)
    if actual.dtype == expected.dtype and actual.shape == expected.shape and np.array_equal(
            ar._bits(actual) if actual.dtype.kind == "f" else actual,
            ar._bits(expected) if expected.dtype.kind == "f" else expected):
        residual = {**_difference(expected, actual), "outside_contract": []}
        return Diagnosis("exact", [], training, residual, reproduced=expected, input_image=training_input,
                         seconds=time.perf_counter() - started, candidates=1,
                         actual_layout=Layout(ROLES[training["output"]["layout"]], actual.shape), **common)
    if actual.size and actual.dtype.kind in "fiub" and np.all(actual == actual.flat[0]):
        residual = {"reason": "the tensor is constant: it holds nothing to explain",
                    "versus_training": _difference(expected, actual) if expected.shape == actual.shape else None,
                    "outside_contract": []}
        return Diagnosis("none", [], None, residual, reproduced=None, input_image=None,
                         seconds=time.perf_counter() - started, candidates=0, **common)
    search = Search(training, source, from_file, actual, file=file, exif_transpose=exif_transpose,
                    expected_shape=expected.shape)
    exact, best = search.run()
    training_diff = (_difference(expected, actual) if expected.shape == actual.shape
                     and actual.dtype.kind in "fiub" else None)
    if exact:
        h = exact[0]
        outside = h.variant.outside_steps()
        if h.target.layout.outside_step():
            outside.append(h.target.layout.outside_step())
        if h.target.float64_values:
            outside.append("the serving tensor keeps the float64 values of the contract's float64 arithmetic; "
                           "a contract outputs them rounded to float32 (contract version 1 has no float64 output)")
        elif search.storage:
            outside.append(f"the values are then stored as {actual.dtype} (.astype(np.{actual.dtype}))")
        contract_doc = dict(h.contract)
        if outside:
            contract_doc = _with_description(contract_doc, outside)
        residual = {**_difference(h.tensor, actual), "outside_contract": outside,
                    "versus_training": training_diff}
        return Diagnosis("exact", suspects(search, h), contract_doc, residual, reproduced=h.tensor,
                         input_image=h.variant.image, seconds=time.perf_counter() - started,
                         candidates=search.tried, actual_layout=h.target.layout, **common)
    return _inexact(search, best, training_diff, started, common)


def _with_description(doc: dict, outside: list) -> dict:
    out = {}
    for key, value in doc.items():
        out[key] = value
        if key == "name" or (key == "pixelpact" and "name" not in doc):
            out["description"] = ("The serving pipeline as found by pixelpact diagnose. Not stated by this "
                                  "contract: " + "; ".join(outside) + ".")
    return out


def _inexact(search: Search, best, training_diff, started, common) -> Diagnosis:
    """No exact explanation: run the best one with fitted arithmetic and measure."""
    actual = common["actual"]
    if best is None:
        reason = search.storage if not search.targets else "no candidate geometry gives this tensor's size"
        residual = {"reason": reason, "versus_training": training_diff, "outside_contract": []}
        return Diagnosis("none", [], None, residual, reproduced=None, input_image=None,
                         seconds=time.perf_counter() - started, candidates=search.tried, **common)
    h = best
    g = search.run_geometry(h.variant, h.steps, {h.target.size})
    chain = _fitted_chain(search, g, h)
    h.chain = chain
    doc = search.contract_for(h.variant, h.steps, h.target, h.order, chain)
    pipe = search.pipe(doc)
    reproduced = None
    if pipe is not None:
        out = pipe.run(h.variant.image)
        hwc = Layout(ROLES[h.target.layout.nearest_contract_layout], out.shape).to_hwc(out)
        reproduced = h.target.layout.from_hwc(hwc).astype(actual.dtype)
    diff = _difference(reproduced, actual) if reproduced is not None else None
    if diff is None or not (diff["relative_rms"] <= CLOSE_RELATIVE_RMS and h.score >= 0.99):
        residual = {**(diff or {}), "reason": "no candidate serving pipeline explains this tensor",
                    "versus_training": training_diff, "outside_contract": []}
        return Diagnosis("none", [], None, residual, reproduced=None, input_image=None,
                         seconds=time.perf_counter() - started, candidates=search.tried,
                         actual_layout=h.target.layout, **common)
    kinds = set(search.kinds(h))
    kinds -= {"normalization", "value_range", "dtype"}
    kinds |= arithmetic_kinds(search.chain, chain, h.order == 1 and search.out_color == "RGB"
                              or h.order == 0 and search.out_color == "BGR", rtol=1e-3)
    if search.actual.dtype != np.dtype(search.training["output"]["dtype"]):
        kinds.add("dtype")
    spread = _spread(reproduced, actual, h)
    diff["spread"] = spread
    search.residual_words = (f"max |diff| {diff['max_abs_diff']:.3g}, {diff['differing_values']} of "
                             f"{diff['values']} values, in {spread:.0%} of 16x16 tiles")
    from .inputs import is_jpeg

    if spread >= SPREAD_FRACTION and "resize_method" not in kinds and search.file is not None \
            and is_jpeg(search.file):
        kinds.add("decode")
    h.kinds = frozenset(kinds)
    outside = h.variant.outside_steps()
    if h.target.layout.outside_step():
        outside.append(h.target.layout.outside_step())
    residual = {**diff, "outside_contract": outside, "versus_training": training_diff}
    return Diagnosis("close", suspects(search, h), _with_description(doc, outside) if outside else doc, residual,
                     reproduced=reproduced, input_image=h.variant.image, seconds=time.perf_counter() - started,
                     candidates=search.tried, actual_layout=h.target.layout, **common)


def _fitted_chain(search: Search, g: np.ndarray, h) -> ar.Chain:
    """The training chain if its arithmetic fits (with either channel order),
    else (x / 255 - mean) / std with the fitted mean and std."""
    dtype = h.target.dtype
    if dtype == "uint8":
        return ar.Chain.of([], "uint8")
    slots = SLOTS[h.order]
    fits = []
    for k in range(3):
        x = g[..., slots[k]].ravel().astype(np.float64)
        y = h.target.fit[..., k].ravel()
        fits.append(np.polyfit(x, y, 1) if x.std() > 0 else (1.0, float(y.mean() - x.mean())))
    fitted = np.array(fits)
    for chain in search.training_chains("RGB" if h.order == 0 else "BGR", dtype):
        aff = chain.affine()
        scale = np.abs(aff[:, 1]) + 255 * np.abs(aff[:, 0])
        if np.all(np.abs(aff[:, 0] - fitted[:, 0]) <= 0.01 * np.abs(aff[:, 0])) and np.all(
                np.abs(aff[:, 1] - fitted[:, 1]) <= 0.01 * scale):
            return chain
    a, b = fitted[:, 0], fitted[:, 1]
    if np.allclose(b, 0, atol=1e-3 * np.abs(a).max() * 255):
        scale = [float(f"{v:.6g}") for v in 1 / a]
        return ar.Chain.of([{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": scale}], dtype)
    mean = [float(f"{v:.6g}") for v in -b / (255 * a)]
    std = [float(f"{v:.6g}") for v in 1 / (255 * a)]
    return ar.Chain.of([{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                        {"op": "normalize", "mean": mean, "std": std}], dtype)


def _spread(reproduced: np.ndarray, actual: np.ndarray, h) -> float:
    """Fraction of 16x16 image tiles holding a difference."""
    diff = np.abs(h.target.layout.to_hwc(reproduced).astype(np.float64)
                  - h.target.layout.to_hwc(actual).astype(np.float64)).max(axis=2) > 0
    hh, ww = diff.shape
    t = SPREAD_TILE
    ph, pw = -hh % t, -ww % t
    padded = np.pad(diff, ((0, ph), (0, pw)))
    tiles = padded.reshape(padded.shape[0] // t, t, padded.shape[1] // t, t).any(axis=(1, 3))
    return float(tiles.mean())
