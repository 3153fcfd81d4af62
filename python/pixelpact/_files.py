"""``pixelpact run`` over files, folders and globs: finding the images, decoding
them (Pillow, converted as the contract's input says), running them on a thread
pool and writing one .npy per image or one .npz / .safetensors pack. An image
that cannot be read or run is recorded with the reason and skipped."""
from __future__ import annotations

import glob
import os
import sys
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import numpy as np

GLOB_CHARS = frozenset("*?[")
PACK_SUFFIXES = (".npz", ".safetensors")


@dataclass(frozen=True)
class Item:
    """One image to run: where it is and the name of its tensor (the path relative
    to the folder it was found in, or the file name, without the suffix)."""

    path: Path
    key: str


@dataclass(frozen=True)
class Failure:
    path: str
    reason: str


def image_suffixes() -> frozenset:
    """Suffixes a folder walk picks up: every format Pillow registers, and .npy."""
    try:
        from PIL import Image
    except ImportError:
        return frozenset({".npy"})
    return frozenset(s.lower() for s in Image.registered_extensions()) | {".npy"}


def find_images(inputs: Iterable[str]) -> tuple:
    """(items, failures): files as given, folders walked recursively (hidden files
    and folders skipped, suffixes of image_suffixes()), globs expanded (recursive
    ``**``); sorted within each input. A missing path or an empty glob is a failure."""
    items: list[Item] = []
    failures: list[Failure] = []
    suffixes = None
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            suffixes = suffixes or image_suffixes()
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if not name.startswith(".") and Path(name).suffix.lower() in suffixes:
                        found.append(Path(root) / name)
            items += [Item(p, p.relative_to(path).with_suffix("").as_posix()) for p in sorted(found)]
        elif path.exists():
            items.append(Item(path, path.stem))
        elif GLOB_CHARS & set(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
            if not matches:
                failures.append(Failure(text, "no file matches this pattern"))
            items += [Item(m, m.stem) for m in matches]
        else:
            failures.append(Failure(text, "no such file or directory"))
    return items, failures


def duplicate_keys(items: list) -> dict:
    """key -> paths, for keys that more than one image would write."""
    seen: dict = {}
    for item in items:
        seen.setdefault(item.key, []).append(str(item.path))
    return {k: v for k, v in seen.items() if len(v) > 1}


def read_image(path: Path):
    """A .npy array (in the contract's input order), or the decoded PIL image
    (fully loaded, so truncated files fail here)."""
    if path.suffix.lower() == ".npy":
        return np.load(path, allow_pickle=False)
    try:
        from PIL import Image
    except ImportError:
        raise ValueError("decoding image files needs Pillow (pip install pillow); .npy arrays need nothing") from None
    with Image.open(path) as im:
        im.load()
        return im


def describe_error(err: BaseException) -> str:
    if isinstance(err, FileNotFoundError):
        return "no such file"
    if isinstance(err, IsADirectoryError):
        return "is a directory"
    if isinstance(err, PermissionError):
        return "permission denied"
    name = type(err).__name__
    text = str(err) or name
    if name == "UnidentifiedImageError":  # "cannot identify image file '<path>'"
        return text.split(" '")[0] + " (not an image Pillow can decode)"
    if name == "DecompressionBombError":
        return f"too large to decode safely: {text}"
    return text if isinstance(err, (ValueError, TypeError, OSError)) else f"{name}: {text}"


def ordered_results(pool: ThreadPoolExecutor, fn: Callable, items: list, window: int) -> Iterator:
    """fn(item) for every item, in order, with at most ``window`` in flight."""
    pending = []
    it = iter(items)
    for item in it:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            break
    while pending:
        yield pending.pop(0).result()
        nxt = next(it, None)
        if nxt is not None:
            pending.append(pool.submit(fn, nxt))


class NpzWriter:
    """An uncompressed .npz written entry by entry (np.load reads it), so a pack
    never holds more than the tensors in flight."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True)

    def add(self, key: str, tensor: np.ndarray) -> None:
        with self.zip.open(key + ".npy", "w", force_zip64=True) as f:
            np.lib.format.write_array(f, np.ascontiguousarray(tensor), allow_pickle=False)

    def close(self) -> None:
        self.zip.close()


class SafetensorsWriter:
    """A .safetensors file (the safetensors package writes it; its header needs
    every shape, so the tensors are kept until close)."""

    def __init__(self, path: Path):
        try:
            import safetensors.numpy  # noqa: F401
        except ImportError:
            raise SystemExit("pixelpact run: --pack to .safetensors needs the safetensors package "
                             "(pip install safetensors)") from None
        self.path = path
        self.tensors: dict = {}

    def add(self, key: str, tensor: np.ndarray) -> None:
        self.tensors[key] = np.ascontiguousarray(tensor)

    def close(self) -> None:
        from safetensors.numpy import save_file

        if self.tensors:
            save_file(self.tensors, str(self.path), metadata={"producer": "pixelpact run"})


class Progress:
    """A tqdm bar on stderr when both stdout and stderr are terminals (or forced);
    a plain counter there if tqdm is missing; nothing otherwise."""

    def __init__(self, total: int, enabled: Optional[bool]):
        if enabled is None:
            enabled = sys.stdout.isatty() and sys.stderr.isatty()
        self.bar = None
        self.plain = False
        self.done = 0
        self.total = total
        self.lock = threading.Lock()
        if not enabled:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            self.plain = True
            return
        try:
            size = os.get_terminal_size(sys.stderr.fileno())
        except OSError:
            size = os.terminal_size((0, 0))
        # tqdm draws nothing on a terminal that reports no size (a bare pseudo-terminal).
        sized = size.columns > 0 and size.lines > 0
        self.bar = tqdm(total=total, unit="img", file=sys.stderr, dynamic_ncols=sized,
                        ncols=None if sized else 80, nrows=None if sized else 24)

    def update(self) -> None:
        with self.lock:
            self.done += 1
            if self.bar is not None:
                self.bar.update(1)
            elif self.plain:
                sys.stderr.write(f"\r{self.done}/{self.total} images")
                sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.plain and self.done:
            sys.stderr.write("\n")
