#!/usr/bin/env python3
"""Throughput of the integrations against what they replace, from image files on disk.

- ``dataloader``: torchvision's ImageFolder + DataLoader with the ImageNet eval transform
  (Resize(256), CenterCrop(224), ToTensor, Normalize) vs the same with
  pixelpact.torch.Transform(from_torchvision(that transform)), for each worker count;
  batches asserted equal.
- ``ray``: the same decode + preprocess on a local Ray cluster (``ray.init(num_cpus=C)``):
  pixelpact.ray.preprocess over read_binary_files with 1 and 2 actors, and a torchvision
  actor as the peer; every tensor asserted equal to the single-process pixelpact result
  (checked after timing, from the materialized datasets).
- ``cli``: ``pixelpact run CONTRACT FOLDER -o OUT`` (in-process ``cli.main``) with 1 and 2
  threads vs a Python loop of Image.open + the torchvision transform + np.save.

Every peer of a table runs in the same process (Ray: the same cluster), interleaved round by
round; a row is the median over rounds, the ratio is taken per round. Images: scikit-image
photos resized to random sizes between 375 and 800 pixels per side, saved as JPEG (quality
90), like an ImageNet folder. No test asserts a time; tests/test_benchmarks.py does not run
this script.

    python benchmarks/integrations.py all --images 128 --rounds 3
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def transform():
    from torchvision import transforms as T

    return T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])


def make_folder(root: Path, count: int, seed: int = 0) -> Path:
    """``count`` JPEGs in two class folders (ImageFolder's layout)."""
    import skimage.data
    from PIL import Image

    photos = [skimage.data.astronaut(), skimage.data.chelsea(), skimage.data.coffee(), skimage.data.rocket(),
              skimage.data.immunohistochemistry()]
    rng = np.random.default_rng(seed)
    for i in range(count):
        h, w = (int(v) for v in rng.integers(375, 801, size=2))
        folder = root / ("a" if i % 2 else "b")
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(photos[i % len(photos)]).resize((w, h), Image.Resampling.BICUBIC).save(
            folder / f"img{i:05d}.jpg", quality=90)
    return root


def machine() -> dict:
    info = {"python": platform.python_version(), "logical_cpus": os.cpu_count(),
            "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def interleaved(runs: dict, rounds: int) -> dict:
    """name -> list of seconds; each round runs every entry once, order rotated."""
    names = list(runs)
    times = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    return times


def table(title: str, images: int, times: dict, baseline: str) -> list:
    rows = []
    print(f"\n{title} ({images} images, median of {len(next(iter(times.values())))} rounds)")
    print(f"| {'run':<44} | images/s | x {baseline} |")
    print(f"|{'-' * 46}|---------:|{'-' * (len(baseline) + 4)}:|")
    for name, seconds in times.items():
        ratio = statistics.median(b / s for b, s in zip(times[baseline], seconds))
        ips = images / statistics.median(seconds)
        rows.append({"run": name, "images_per_second": ips, "speedup_vs_" + baseline: ratio, "seconds": seconds})
        print(f"| {name:<44} | {ips:8.1f} | {ratio:{len(baseline) + 2}.2f} |")
    return rows


# ---- DataLoader


def bench_dataloader(folder: Path, workers: list, rounds: int) -> list:
    import torch
    from torch.utils.data import DataLoader
    from torchvision import datasets

    import pixelpact
    import pixelpact.torch

    torch.set_num_threads(1)
    tf = transform()
    ours = pixelpact.torch.Transform(pixelpact.from_torchvision(tf))
    rows = []
    for w in workers:
        loaders = {}
        for name, t in (("torchvision", tf), ("pixelpact", ours)):
            loaders[name] = DataLoader(datasets.ImageFolder(folder, transform=t), batch_size=32, num_workers=w,
                                       persistent_workers=w > 0)
        epochs = {name: [b for b in loader] for name, loader in loaders.items()}  # warm-up epoch, workers up
        count = sum(len(x) for x, _ in epochs["torchvision"])
        for (a, la), (b, lb) in zip(epochs["torchvision"], epochs["pixelpact"]):
            if not (torch.equal(a, b) and torch.equal(la, lb)):
                raise SystemExit("pixelpact's DataLoader batches differ from torchvision's")

        def epoch(loader):
            return lambda: sum(len(x) for x, _ in loader)

        times = interleaved({name: epoch(loader) for name, loader in loaders.items()}, rounds)
        label = f"{w} worker(s)" if w else "in the main process"
        rows += [{**r, "workers": w} for r in table(f"DataLoader, {label}, batch 32", count, times, "torchvision")]
        del loaders, epochs
    return rows


# ---- Ray


class TorchvisionActor:
    """The peer: decode with Pillow (convert('RGB'), as ImageFolder) and the torchvision transform."""

    def __init__(self):
        import torch

        torch.set_num_threads(1)
        self.tf = transform()

    def __call__(self, batch):
        import io

        from PIL import Image

        batch["tensor"] = np.stack([self.tf(Image.open(io.BytesIO(b)).convert("RGB")).numpy()
                                    for b in batch["bytes"]])
        return batch


def bench_ray(folder: Path, rounds: int, cpus: int, blocks) -> list:
    import ray
    import ray.data

    import pixelpact
    import pixelpact.ray

    contract = pixelpact.from_torchvision(transform())
    pipe = pixelpact.load(contract)
    from PIL import Image

    single = {}
    start = time.perf_counter()
    for path in sorted(folder.rglob("*.jpg")):
        with Image.open(path) as im:
            single[str(path)] = pipe(im)
    single_seconds = time.perf_counter() - start
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    temp = tempfile.mkdtemp(prefix="pp-ray-")
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level="ERROR", _temp_dir=temp)
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False

        last = {}

        def job(name, actors, peer=False):
            def run():
                ds = ray.data.read_binary_files(str(folder), include_paths=True, override_num_blocks=blocks)
                if peer:
                    ds = ds.map_batches(TorchvisionActor, batch_format="numpy", batch_size=32, num_cpus=0.5,
                                        compute=ray.data.ActorPoolStrategy(size=actors))
                else:
                    ds = pixelpact.ray.preprocess(ds, contract, column="bytes", concurrency=actors, batch_size=32,
                                                  num_cpus=0.5)
                last[name] = ds.select_columns(["path", "tensor"]).materialize()  # in the object store
            return run

        runs = {name: job(name, actors, peer) for name, actors, peer in (
            ("torchvision actors x1", 1, True), ("pixelpact actors x1", 1, False),
            ("torchvision actors x2", 2, True), ("pixelpact actors x2", 2, False))}
        for run in runs.values():
            run()  # warm-up: worker processes started, imports done
        times = interleaved(runs, rounds)
        for name, ds in last.items():  # bit-identity with the single-process result, untimed
            count = 0
            for row in ds.iter_rows():
                if not np.array_equal(row["tensor"], single["/" + row["path"].lstrip("/")]):
                    raise SystemExit(f"{name}: {row['path']}: the Ray tensor differs from the single-process one")
                count += 1
            if count != len(single):
                raise SystemExit(f"{name}: {count} rows, {len(single)} images")
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
    rows = table(f"Ray Data on a local cluster of {cpus} CPUs (read_binary_files, {blocks or 'default'} read blocks "
                 "-> decode + preprocess -> materialize; every actor 0.5 CPU)", len(single), times,
                 "torchvision actors x1")
    print(f"single process (pixelpact, decode + run, no Ray): {len(single) / single_seconds:.1f} images/s; "
          "every Ray tensor equal to it")
    return rows + [{"run": "single process", "images_per_second": len(single) / single_seconds}]


# ---- CLI


def bench_cli(folder: Path, rounds: int) -> list:
    import torch
    from PIL import Image

    import pixelpact
    from pixelpact import cli

    torch.set_num_threads(1)
    tf = transform()
    work = Path(tempfile.mkdtemp(prefix="pp-cli-"))
    contract = work / "contract.json"
    contract.write_text(json.dumps(pixelpact.from_torchvision(tf)))
    files = sorted(folder.rglob("*.jpg"))

    def loop():
        out = work / "loop"
        out.mkdir(exist_ok=True)
        for path in files:
            with Image.open(path) as im:
                np.save(out / (path.stem + ".npy"), tf(im.convert("RGB")).numpy())

    def run(threads):
        def go():
            if cli.main(["run", str(contract), str(folder), "-o", str(work / f"t{threads}"), "--threads",
                         str(threads), "--no-progress"]) != 0:
                raise SystemExit("pixelpact run failed")
        return go

    import contextlib
    import io

    try:
        runs = {"torchvision loop": loop, "pixelpact run --threads 1": run(1), "pixelpact run --threads 2": run(2)}
        with contextlib.redirect_stdout(io.StringIO()):  # pixelpact run's summary lines
            for r in runs.values():
                r()
            times = interleaved(runs, rounds)
        for path in files:  # equal output
            a = np.load(work / "loop" / (path.stem + ".npy"))
            b = np.load(work / "t2" / path.relative_to(folder).with_suffix(".npy"))
            if not np.array_equal(a, b):
                raise SystemExit(f"{path}: pixelpact run differs from torchvision")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return table("pixelpact run over a folder (decode, run, one .npy per image; the loop: Image.open, "
                 "convert('RGB'), the torchvision transform, np.save)", len(files), times, "torchvision loop")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("dataloader", "ray", "cli", "all"))
    parser.add_argument("--images", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2], help="DataLoader worker counts")
    parser.add_argument("--ray-cpus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--ray-read-blocks", type=int, default=None,
                        help="read_binary_files(override_num_blocks=); default: Ray's choice (one task per "
                             "file here, whose overhead dominates on a small machine)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="pp-bench-images-"))
    try:
        folder = make_folder(root, args.images)
        result = {"machine": machine(), "images": args.images, "rounds": args.rounds}
        print(json.dumps(result["machine"]))
        if args.what in ("dataloader", "all"):
            result["dataloader"] = bench_dataloader(folder, args.workers, args.rounds)
        if args.what in ("ray", "all"):
            result["ray"] = bench_ray(folder, args.rounds, args.ray_cpus, args.ray_read_blocks)
        if args.what in ("cli", "all"):
            result["cli"] = bench_cli(folder, args.rounds)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
