"""End to end, one thread: a JPEG (quality 90, 4:2:0) in, the ImageNet eval
tensor (resnet50_imagenet_eval: Resize(256) bilinear, CenterCrop(224),
ToTensor, Normalize) out. Competitors run in the same process, interleaved,
each timed as the median of its rounds; ratios are against run_encoded.
Pillow-exact rows are asserted equal to torchvision-on-Pillow before timing;
the others report their difference.

    python benchmarks/bench_decode.py [--rounds N]
"""
from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from helpers.encoded import photos, pillow_jpeg  # noqa: E402

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
SIZES = {"640x480": (480, 640), "1080p": (1080, 1920), "4K": (2160, 3840)}


def photo_at(height: int, width: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(photos()["astronaut"]).resize((width, height), Image.BICUBIC))


def competitors(pipe):
    import cv2
    import torch
    from PIL import Image
    from torchvision import transforms as T
    from torchvision.io import decode_jpeg
    from torchvision.transforms import v2

    v1 = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])
    v2c = v2.Compose([v2.Resize(256, antialias=True), v2.CenterCrop(224), v2.ToDtype(torch.float32, scale=True),
                      v2.Normalize(MEAN, STD)])

    def pillow_pixels(data):
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("RGB"))

    def cv2_blob(data):
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        h, w = bgr.shape[:2]
        scale = 256 / min(h, w)
        resized = cv2.resize(bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_LINEAR)
        y, x = (resized.shape[0] - 224) // 2, (resized.shape[1] - 224) // 2
        crop = resized[y:y + 224, x:x + 224]
        blob = cv2.dnn.blobFromImage(crop, 1 / 255.0, swapRB=True)
        return ((blob - np.array(MEAN, np.float32).reshape(1, 3, 1, 1)) / np.array(STD, np.float32).reshape(1, 3, 1, 1))

    import pixelpact

    # pixelpact's own whole decode: a contract without steps returns the decoded pixels.
    whole = pixelpact.load({"pixelpact": 1, "input": {"color": "RGB"}, "steps": [],
                            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}})
    return {
        "pixelpact run_encoded (decodes only the rows/columns the tensor reads)": (lambda d: pipe.run_encoded(d), True),
        "pixelpact whole decode + pipe(img)": (lambda d: pipe(whole.run_encoded(d)), True),
        "Image.open + pixelpact pipe(img)": (lambda d: pipe(pillow_pixels(d)), True),
        "Image.open + torchvision v1": (lambda d: v1(Image.open(io.BytesIO(d)).convert("RGB")).unsqueeze(0).numpy(),
                                        True),
        "torchvision.io.decode_jpeg + v2": (
            lambda d: v2c(decode_jpeg(torch.frombuffer(bytearray(d), dtype=torch.uint8))).unsqueeze(0).numpy(), False),
        "cv2.imdecode + resize + blobFromImage": (cv2_blob, False),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)

    import cv2
    import torch

    import pixelpact

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    pipe = pixelpact.load(ROOT / "tests" / "contracts" / "resnet50_imagenet_eval.json")
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, one thread; pixelpact {pixelpact.__version__} ({pipe.isa}); "
          f"decoders: {pixelpact.decoders()}\n")
    print("| image | pipeline | median ms | vs run_encoded | output |")
    print("|---|---|---|---|---|")
    for label, (h, w) in SIZES.items():
        data = pillow_jpeg(photo_at(h, w), quality=90, subsampling=2)
        runs = competitors(pipe)
        reference = runs["Image.open + torchvision v1"][0](data)
        notes = {}
        for name, (fn, exact) in runs.items():
            out = fn(data)
            if exact:
                assert out.dtype == reference.dtype and np.array_equal(out, reference), name
                notes[name] = "equal"
            else:
                diff = np.abs(out.astype(np.float64) - reference)
                notes[name] = f"differs: max {diff.max():.3g}, mean {diff.mean():.3g}"
        times = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, (fn, _) in runs.items():  # interleaved
                t0 = time.perf_counter()
                fn(data)
                times[name].append(time.perf_counter() - t0)
        base = statistics.median(next(iter(times.values())))
        for name in runs:
            m = statistics.median(times[name])
            print(f"| {label} | {name} | {1e3 * m:.2f} | {m / base:.2f}x | {notes[name]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
