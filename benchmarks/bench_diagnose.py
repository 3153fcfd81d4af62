"""Time to diagnose one 224x224 tensor: the full search of `pixelpact.diagnose`
(every candidate run through the kernel), on one core.

Each scenario's serving tensor is made first, by OpenCV / torchvision / Pillow (not
pixelpact), and its diagnosis is checked (match and kinds) before anything is timed.
Scenarios are timed interleaved, round by round; the median is reported. The
budget (issue 8) is 2 s per diagnosis on one core, so that CI can run it on every
commit; the script prints whether each scenario is within it and never fails on time.

    python benchmarks/bench_diagnose.py            # 7 rounds
    python benchmarks/bench_diagnose.py --quick    # 1 round (what tests/api/test_benchmark_script.py runs)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 2.0
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def scenarios(tmp: Path) -> list:
    """(name, image argument, actual tensor, expected match, expected kinds)."""
    import cv2
    import skimage.data
    from PIL import Image
    from torchvision import transforms as T

    def training(rgb, **kw):
        ops = [kw.get("resize", T.Resize(256)), T.CenterCrop(224), T.ToTensor()]
        if kw.get("normalize", True):
            ops.append(T.Normalize(MEAN, STD))
        return T.Compose(ops)(Image.fromarray(rgb)).unsqueeze(0).numpy()

    def classic(bgr):
        return (cv2.resize(bgr, (224, 224), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0)[None]

    photo = skimage.data.chelsea()  # 300x451
    big = skimage.data.astronaut()  # 512x512
    jpeg = tmp / "chelsea.jpg"
    Image.fromarray(photo).save(jpeg, "JPEG", quality=90)
    exif = tmp / "chelsea-exif6.jpg"
    im = Image.fromarray(photo)
    tags = im.getexif()
    tags[0x0112] = 6
    im.save(exif, "JPEG", quality=90, exif=tags)
    fast = Image.open(jpeg)
    fast.decoderconfig = (1, 1)  # libjpeg's fast IDCT and upsampling
    fast_rgb = np.asarray(fast.convert("RGB"))
    noise = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    from pixelpact.samples import sample_image

    hd = sample_image(1080, 1920)  # a photo-like input image (generated; the tensors come from OpenCV/torchvision)
    out = [
        ("identical", photo, training(photo), "exact", []),
        ("normalization missing", photo, training(photo, normalize=False), "exact", ["normalization"]),
        ("OpenCV classic (5 kinds)", photo, classic(np.ascontiguousarray(photo[..., ::-1])), "exact",
         ["normalization", "resize_method", "channel_order", "layout", "crop"]),
        ("OpenCV classic, 512x512 input", big, classic(np.ascontiguousarray(big[..., ::-1])), "exact",
         ["normalization", "resize_method", "channel_order", "layout", "crop"]),
        ("OpenCV classic, 1920x1080 input", hd, classic(np.ascontiguousarray(hd[..., ::-1])), "exact",
         ["normalization", "resize_method", "channel_order", "layout", "crop"]),
        ("cv2.imread of an EXIF-rotated JPEG, classic", exif, classic(cv2.imread(str(exif))), "exact",
         ["normalization", "resize_method", "channel_order", "layout", "crop", "orientation"]),
        ("JPEG decoded with fast IDCT/upsampling", jpeg, training(fast_rgb), "exact", ["decode"]),
        ("cv2.imread REDUCED_COLOR_2 of an EXIF-rotated JPEG, classic (7 kinds)", exif,
         classic(cv2.imread(str(exif), cv2.IMREAD_REDUCED_COLOR_2)), "exact",
         ["normalization", "resize_method", "channel_order", "layout", "crop", "orientation", "decode"]),
        ("torchvision v1 resize on the float tensor", photo,
         T.Compose([T.ToTensor(), T.Resize(256), T.CenterCrop(224), T.Normalize(MEAN, STD)])(
             Image.fromarray(photo)).unsqueeze(0).numpy(), "exact", ["resize_method"]),
        ("unrelated noise tensor, 640x480 noise input", noise,
         np.random.default_rng(1).normal(size=(1, 3, 224, 224)).astype(np.float32), "none", []),
    ]
    return out


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["load_average"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    return info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument("--cpu", type=int, default=None, help="the core to pin to (default: the first allowed)")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else args.rounds
    if hasattr(os, "sched_setaffinity"):
        cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    import tempfile

    import pixelpact

    with tempfile.TemporaryDirectory() as tmp:
        cases = scenarios(Path(tmp))
        contract = json.loads((ROOT / "tests" / "contracts" / "resnet50_imagenet_eval.json").read_text())
        for name, image, actual, match, kinds in cases:  # correctness first, and a warm-up
            d = pixelpact.diagnose(contract, image, actual)
            if d.match != match or d.kinds != kinds:
                print(f"{name}: diagnosis {d.match} {d.kinds}, expected {match} {kinds}", file=sys.stderr)
                return 1
        times = {name: [] for name, *_ in cases}
        runs = {}
        for _ in range(rounds):
            for name, image, actual, _, _ in cases:
                t0 = time.perf_counter()
                d = pixelpact.diagnose(contract, image, actual)
                times[name].append(time.perf_counter() - t0)
                runs[name] = d.candidates
    info = machine()
    print(f"machine: {info.get('cpu', '?')}, {info['platform']}, load average at the end {info['load_average']}")
    print(f"pixelpact {pixelpact.__version__}, one core, {rounds} round(s), median seconds per diagnosis "
          f"(budget {BUDGET_S:g} s)\n")
    print("| scenario | median s | max s | kernel runs | within budget |")
    print("|---|---|---|---|---|")
    results = []
    for name, *_ in cases:
        median = statistics.median(times[name])
        results.append({"scenario": name, "median_s": median, "max_s": max(times[name]), "kernel_runs": runs[name]})
        print(f"| {name} | {median:.3f} | {max(times[name]):.3f} | {runs[name]} | "
              f"{'yes' if median < BUDGET_S else 'NO'} |")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"machine": info, "rounds": rounds, "budget_s": BUDGET_S,
                                               "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
