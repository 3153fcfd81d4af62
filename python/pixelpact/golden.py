"""Golden samples: record what the training preprocessing makes of known images,
then check that a serving pipeline makes the same tensors, bit for bit.

A golden set is a directory:

    manifest.json                  canonical contract, library versions, SHA-256 of every file
    samples/<name>/<original file> the image file as given
    samples/<name>/decoded.npy     its pixels as Pillow decodes them (uint8)
    samples/<name>/expected.npy    the expected tensor

`record` writes one; `check` compares a serving side with it (a Python callable,
a folder of .npy files, or an HTTP endpoint) and diagnoses every failing sample.
A set whose files do not match the manifest is refused, never compared against."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import io
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

import numpy as np

from ._contract import ContractSource, read_document
from ._images import decode_file, prepare

FORMAT = 1
MANIFEST = "manifest.json"
PathLike = Union[str, os.PathLike]
CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


class GoldenError(Exception):
    """A golden set cannot be recorded or used."""


class GoldenIntegrityError(GoldenError, ValueError):
    """The golden set's files do not match its manifest. ``path`` names the file."""

    def __init__(self, path: str, message: str):
        self.path = path
        super().__init__(f"{path}: {message}")


class GoldenMismatch(GoldenError, AssertionError):
    """Recording with a transform: the contract does not reproduce the training
    pipeline. ``diagnosis`` says how they differ, ``sample`` names the image."""

    def __init__(self, sample: str, diagnosis):
        self.sample = sample
        self.diagnosis = diagnosis
        super().__init__(f"the contract does not reproduce the training pipeline on {sample!r} "
                         f"(so it is not recorded):\n{diagnosis.summary()}")


# ---- helpers ----------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest_digest(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def as_array(value) -> np.ndarray:
    """A tensor from a serving callable (numpy, torch, anything array-like) as numpy."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, without importing torch
        return value.detach().cpu().numpy()
    return np.asarray(value)


def load_callable(spec: str) -> Callable:
    """'package.module:function', 'module:object.attribute' or 'path/to/file.py:function'
    -> the callable. The current directory is importable, as with `python -m`."""
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise GoldenError(f"{spec!r}: give MODULE:CALLABLE or FILE.py:CALLABLE, e.g. my_service.preprocess:to_tensor")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        if module_name.endswith(".py"):
            target = _import_file(Path(module_name))
        else:
            target = importlib.import_module(module_name)
    except (ImportError, OSError) as exc:
        raise GoldenError(f"{spec}: cannot import {module_name!r}: {exc}") from exc
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise GoldenError(f"{spec}: {module_name} has no attribute {attr!r}") from None
    if not callable(target):
        raise GoldenError(f"{spec}: {attr!r} is not callable")
    return target


def _import_file(path: Path):
    if not path.is_file():
        raise ImportError(f"no such file {path}")
    spec = importlib.util.spec_from_file_location(f"pixelpact_serving_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))  # its own imports, as when run as a script
    spec.loader.exec_module(module)
    return module


def _versions(extra: Sequence[str] = ()) -> dict:
    out = {"python": platform.python_version(), "numpy": np.__version__, "platform": platform.platform()}
    from ._native import __version__

    out["pixelpact"] = __version__
    try:
        import PIL

        out["Pillow"] = PIL.__version__
    except ImportError:
        pass
    for name in ("torch", "torchvision", "cv2", "transformers", "timm"):
        if name in sys.modules or name in extra:
            out[name] = getattr(sys.modules.get(name), "__version__", "unknown")
    return out


def _canonical(contract: ContractSource) -> dict:
    from ._pipeline import load

    return json.loads(load(read_document(contract))._core.canonical_json)


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(np.ascontiguousarray(a).view(f"u{a.itemsize}"),
                              np.ascontiguousarray(b).view(f"u{b.itemsize}"))
    return np.array_equal(a, b)


def _max_abs_diff(a: np.ndarray, b: np.ndarray) -> Optional[float]:
    if a.shape != b.shape:
        return None
    try:
        d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    except (TypeError, ValueError):
        return None
    return float(d.max()) if d.size else 0.0


# ---- record --------------------------------------------------------------------------


@dataclasses.dataclass
class GoldenSet:
    """A recorded golden set: its directory and manifest."""

    directory: Path
    manifest: dict

    @property
    def names(self) -> list:
        return [s["name"] for s in self.manifest["samples"]]

    @property
    def contract(self) -> dict:
        return self.manifest["contract"]

    def sample_path(self, name: str, key: str) -> Path:
        sample = next(s for s in self.manifest["samples"] if s["name"] == name)
        return self.directory / sample[key]


def record(contract: ContractSource, images: Sequence[PathLike], directory: PathLike, *,
           transform: Union[Callable, str, None] = None, exif_transpose: bool = False) -> GoldenSet:
    """Record a golden set in `directory` (new, or empty): per image file, the file,
    its decoded pixels and the expected tensor, plus the manifest.

    The expected tensor is the contract's output; with `transform` (the training
    pipeline itself: a callable taking the image path, or 'module:callable') it is
    the transform's output, and recording raises GoldenMismatch, with the diagnosis,
    unless the contract reproduces it bit for bit. `exif_transpose`: images are
    rotated per their EXIF orientation when decoded (ImageOps.exif_transpose), for
    training pipelines that do so."""
    from ._pipeline import load

    directory = Path(directory)
    if (directory / MANIFEST).exists():
        raise GoldenError(f"{directory} already holds a golden set; record into a new directory")
    if directory.exists() and any(directory.iterdir()):
        raise GoldenError(f"{directory} is not empty; record into a new or empty directory")
    images = [Path(p) for p in images]
    if not images:
        raise GoldenError("no images given")
    names: dict = {}
    for path in images:
        if not path.is_file():
            raise GoldenError(f"{path}: no such image file")
        name = path.stem
        if name in names:
            raise GoldenError(f"two images would both be sample {name!r} ({names[name]}, {path}): rename one")
        names[name] = path
    doc = _canonical(contract)
    pipe = load(doc)
    spec = transform if isinstance(transform, str) else None
    if isinstance(transform, str):
        transform = load_callable(transform)
    staging = Path(tempfile.mkdtemp(prefix=".golden-", dir=directory.parent if directory.parent.exists() else None))
    try:
        samples = []
        for name, path in names.items():
            decoded = decode_file(path, exif_transpose=exif_transpose)
            expected = pipe(prepare(decoded, doc["input"]["color"], from_file=True))
            if transform is not None:
                produced = as_array(transform(str(path)))
                if not _identical(produced, expected):
                    from ._diagnose import diagnose

                    raise GoldenMismatch(name, diagnose(doc, decoded, produced, file=path,
                                                        exif_transpose=exif_transpose))
                expected = produced
            folder = staging / "samples" / name
            folder.mkdir(parents=True)
            shutil.copyfile(path, folder / path.name)
            np.save(folder / "decoded.npy", decoded)
            np.save(folder / "expected.npy", expected)
            samples.append({"name": name, "original": f"samples/{name}/{path.name}",
                            "decoded": f"samples/{name}/decoded.npy", "expected": f"samples/{name}/expected.npy",
                            "shape": list(expected.shape), "dtype": str(expected.dtype)})
        files = {}
        for sample in samples:
            for key in ("original", "decoded", "expected"):
                files[sample[key]] = _sha256(staging / sample[key])
        manifest = {"pixelpact_golden": FORMAT, "contract": doc,
                    "decode": {"library": "Pillow", "exif_transpose": bool(exif_transpose)},
                    "transform": spec or (None if transform is None else getattr(transform, "__qualname__", "callable")),
                    "versions": _versions(), "samples": samples, "files": files}
        manifest["manifest_sha256"] = _manifest_digest(manifest)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        directory.mkdir(parents=True, exist_ok=True)
        for item in staging.iterdir():
            shutil.move(str(item), directory / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return GoldenSet(directory, manifest)


# ---- integrity ---------------------------------------------------------------------------


def verify(directory: PathLike) -> GoldenSet:
    """The golden set in `directory`, after checking every file against the
    manifest's SHA-256; raises GoldenIntegrityError naming the first bad file."""
    directory = Path(directory)
    path = directory / MANIFEST
    if not path.is_file():
        raise GoldenIntegrityError(str(path), "missing: not a golden set (record one with `pixelpact golden record`)")
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise GoldenIntegrityError(str(path), f"not valid JSON ({exc}): edited or truncated") from None
    if not isinstance(manifest, dict) or manifest.get("pixelpact_golden") != FORMAT:
        raise GoldenIntegrityError(str(path), f"not a version-{FORMAT} pixelpact golden manifest")
    if manifest.get("manifest_sha256") != _manifest_digest(manifest):
        raise GoldenIntegrityError(str(path), "edited after recording: its own checksum does not match")
    files = manifest.get("files", {})
    for sample in manifest.get("samples", []):
        for key in ("original", "decoded", "expected"):
            if sample.get(key) not in files:
                raise GoldenIntegrityError(str(path), f"sample {sample.get('name')!r} has no hashed {key} file")
    for name, digest in files.items():
        target = (directory / name).resolve()
        if Path(name).is_absolute() or ".." in Path(name).parts or directory.resolve() not in target.parents:
            raise GoldenIntegrityError(name, "outside the golden set directory")
        if not target.is_file():
            raise GoldenIntegrityError(str(directory / name), "missing")
        if _sha256(target) != digest:
            raise GoldenIntegrityError(str(directory / name),
                                       "SHA-256 does not match the manifest (the file was edited, truncated or replaced)")
    return GoldenSet(directory, manifest)


# ---- check ---------------------------------------------------------------------------------


@dataclasses.dataclass
class SampleResult:
    """One sample's comparison. match: "exact" when identical, else the
    diagnosis' match (how well the serving tensor is explained)."""

    name: str
    ok: bool
    identical: bool
    match: str
    max_abs_diff: Optional[float]
    diagnosis: object = None
    error: Optional[str] = None
    report: Optional[str] = None
    shapes: Optional[tuple] = None  # ((actual shape, dtype), (expected shape, dtype)) when not identical

    @property
    def suspects(self) -> list:
        return list(self.diagnosis.suspects) if self.diagnosis is not None else []

    def to_dict(self) -> dict:
        out = {"name": self.name, "ok": self.ok, "identical": self.identical, "match": self.match,
               "max_abs_diff": self.max_abs_diff, "suspects": [s.to_dict() for s in self.suspects]}
        if self.diagnosis is not None:
            out["contract"] = self.diagnosis.contract
        if self.error:
            out["error"] = self.error
        if self.report:
            out["report"] = self.report
        return out

    def summary(self, atol: Optional[float]) -> str:
        if self.error:
            return f"FAIL {self.name}: {self.error}"
        if self.identical:
            return f"PASS {self.name}: bit-identical"
        diff = "shapes differ" if self.max_abs_diff is None else f"max |diff| {self.max_abs_diff:.6g}"
        if self.shapes and self.shapes[0] != self.shapes[1]:
            (a_shape, a_dtype), (e_shape, e_dtype) = self.shapes
            diff += f"; serving {a_shape} {a_dtype}, expected {e_shape} {e_dtype}"
        head = (f"PASS {self.name}: within atol {atol:g} but NOT exact ({diff})" if self.ok else
                f"FAIL {self.name}: {diff}")
        if self.diagnosis is None:
            return head
        body = "\n".join("    " + line for line in self.diagnosis.summary().splitlines())
        return f"{head}\n  diagnosis:\n{body}"


@dataclasses.dataclass
class CheckReport:
    """The result of `check`: ok only if every sample passed."""

    ok: bool
    samples: list
    atol: Optional[float]
    directory: Path

    @property
    def failed(self) -> list:
        return [s for s in self.samples if not s.ok]

    def to_dict(self) -> dict:
        return {"ok": self.ok, "atol": self.atol, "samples": [s.to_dict() for s in self.samples]}

    def to_json(self, indent: Optional[int] = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def summary(self) -> str:
        lines = [s.summary(self.atol) for s in self.samples]
        passed = sum(s.ok for s in self.samples)
        mode = "exact" if self.atol is None else f"atol {self.atol:g}"
        lines.append(f"{passed} of {len(self.samples)} samples pass ({mode})")
        return "\n".join(lines)

    __str__ = summary


def _post(url: str, path: Path, timeout: float) -> np.ndarray:
    import urllib.error
    import urllib.request

    data = path.read_bytes()
    ctype = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip()
        raise GoldenError(f"{url} answered HTTP {exc.code}: {detail[:300]}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise GoldenError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    try:
        return np.load(io.BytesIO(body), allow_pickle=False)
    except ValueError as exc:
        raise GoldenError(f"{url} did not answer with a .npy array ({exc}): {body[:80]!r}") from None


def check(directory: PathLike, serving: Union[Callable, str, None] = None, *, tensors: Optional[PathLike] = None,
          url: Optional[str] = None, atol: Optional[float] = None, report_dir: Optional[PathLike] = None,
          timeout: float = 60.0) -> CheckReport:
    """Compare a serving side with the golden set in `directory`. Give exactly one
    of: `serving` (a callable taking the image path, or 'module:callable'),
    `tensors` (a folder of <sample name>.npy files), `url` (an endpoint answering
    an image upload with .npy bytes). Exact by default; `atol` accepts values within
    that absolute tolerance (same shape), reported as not exact. Every sample that
    is not identical is diagnosed; `report_dir` gets an HTML report for each."""
    given = [x is not None for x in (serving, tensors, url)]
    if sum(given) != 1:
        raise GoldenError("give exactly one serving side: serving=, tensors= or url=")
    if atol is not None and not (atol >= 0):
        raise GoldenError(f"atol must be a number >= 0, got {atol!r}")
    golden = verify(directory)
    if isinstance(serving, str):
        serving = load_callable(serving)
    report_path = Path(report_dir) if report_dir is not None else None
    if report_path is not None:
        report_path.mkdir(parents=True, exist_ok=True)
    results = []
    for sample in golden.manifest["samples"]:
        name = sample["name"]
        original = golden.directory / sample["original"]
        expected = np.load(golden.directory / sample["expected"], allow_pickle=False)
        try:
            if serving is not None:
                actual = as_array(serving(str(original)))
            elif tensors is not None:
                tensor_file = Path(tensors) / f"{name}.npy"
                if not tensor_file.is_file():
                    raise GoldenError(f"no tensor file {tensor_file}")
                actual = np.load(tensor_file, allow_pickle=False)
            else:
                actual = _post(url, original, timeout)
        except Exception as exc:  # noqa: BLE001 - a failing serving side fails its sample, with the reason
            results.append(SampleResult(name, False, False, "none", None, error=f"{type(exc).__name__}: {exc}"))
            continue
        results.append(_compare(golden, sample, expected, actual, atol, report_path))
    if report_path is not None:
        _write_index(report_path, results, atol)
    return CheckReport(all(r.ok for r in results), results, atol, golden.directory)


def _compare(golden: GoldenSet, sample: dict, expected: np.ndarray, actual: np.ndarray, atol, report_path):
    name = sample["name"]
    if _identical(actual, expected):
        return SampleResult(name, True, True, "exact", 0.0)
    diff = _max_abs_diff(actual, expected)
    ok = atol is not None and diff is not None and diff <= atol
    from ._diagnose import diagnose

    decoded = np.load(golden.directory / sample["decoded"], allow_pickle=False)
    exif = bool(golden.manifest.get("decode", {}).get("exif_transpose", False))
    diagnosis = diagnose(golden.contract, decoded, actual, file=golden.directory / sample["original"],
                         exif_transpose=exif)
    result = SampleResult(name, ok, False, diagnosis.match, diff, diagnosis,
                          shapes=((tuple(actual.shape), str(actual.dtype)), (tuple(expected.shape), str(expected.dtype))))
    if report_path is not None:
        target = report_path / f"{name}.html"
        diagnosis.write_report(target)
        result.report = str(target)
    return result


def _write_index(report_path: Path, results: list, atol) -> None:
    import html

    rows = []
    for r in results:
        status = "PASS" if r.ok else "FAIL"
        link = f'<a href="{html.escape(Path(r.report).name)}">report</a>' if r.report else ""
        kinds = ", ".join(s.kind for s in r.suspects) or (html.escape(r.error) if r.error else "")
        rows.append(f"<tr><td>{status}</td><td>{html.escape(r.name)}</td><td>{r.match}</td>"
                    f"<td>{'' if r.max_abs_diff is None else f'{r.max_abs_diff:.6g}'}</td>"
                    f"<td>{html.escape(kinds)}</td><td>{link}</td></tr>")
    mode = "exact" if atol is None else f"atol {atol:g}"
    (report_path / "index.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>pixelpact golden check</title></head><body>"
        f"<h1>pixelpact golden check ({mode})</h1><table border='1' cellpadding='4'>"
        "<tr><th></th><th>sample</th><th>match</th><th>max |diff|</th><th>suspects</th><th></th></tr>"
        + "".join(rows) + "</table></body></html>\n", encoding="utf-8")
