"""Command line: pixelpact {validate,run,diagnose,golden,demo,schema,info}."""
from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import resources
from pathlib import Path


def _cmd_validate(args) -> int:
    from . import ContractError, validate

    status = 0
    for name in args.files:
        try:
            validate(Path(name))
        except ContractError as err:
            print(f"{name}: invalid: {err}")
            status = 1
        except OSError as err:
            print(f"{name}: cannot read: {err.strerror or err}")
            status = 1
        else:
            print(f"{name}: valid")
    return status


def _read_image(path: str):
    """(array, from an image file) for a .npy file or an image Pillow can decode."""
    from ._images import read_image

    try:
        return read_image(path)
    except ImportError as exc:
        raise SystemExit(f"pixelpact: {exc}")


def _cmd_run(args) -> int:
    import numpy as np

    from . import ContractError, load
    from ._images import prepare

    try:
        pipe = load(Path(args.contract))
    except ContractError as err:
        print(f"{args.contract}: invalid: {err}", file=sys.stderr)
        return 1
    image, from_file = _read_image(args.image)
    try:
        out = pipe(prepare(image, pipe.input_color, from_file=from_file))
    except (TypeError, ValueError) as err:
        print(f"pixelpact run: {err}", file=sys.stderr)
        return 1
    np.save(args.output, out)
    print(f"{args.output}: {out.dtype} {tuple(out.shape)}")
    return 0


def _cmd_diagnose(args) -> int:
    import numpy as np

    from . import ContractError, diagnose

    try:
        actual = np.load(args.actual, allow_pickle=False)
    except (OSError, ValueError) as err:
        print(f"pixelpact diagnose: cannot read {args.actual} as a .npy array: {err}", file=sys.stderr)
        return 1
    try:
        image, from_file = _read_image(args.image)
    except (OSError, ValueError) as err:
        print(f"pixelpact diagnose: cannot read the image {args.image}: {err}", file=sys.stderr)
        return 1
    try:
        diagnosis = diagnose(Path(args.contract), args.image if from_file else image, actual,
                             exif_transpose=args.exif_transpose)
    except ContractError as err:
        print(f"{args.contract}: invalid: {err}", file=sys.stderr)
        return 1
    except (OSError, TypeError, ValueError) as err:
        print(f"pixelpact diagnose: {err}", file=sys.stderr)
        return 1
    if args.report:
        diagnosis.write_report(args.report)
    if args.json:
        print(diagnosis.to_json())
    else:
        print(diagnosis.summary())
    if args.report:
        print(f"report: {args.report}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _cmd_golden_record(args) -> int:
    from . import ContractError
    from .golden import GoldenError, GoldenMismatch, record

    try:
        golden = record(Path(args.contract), args.images, args.output, transform=args.transform,
                        exif_transpose=args.exif_transpose)
    except GoldenMismatch as err:
        print(f"pixelpact golden record: {err}", file=sys.stderr)
        return 1
    except ContractError as err:
        print(f"{args.contract}: invalid: {err}", file=sys.stderr)
        return 2
    except (GoldenError, OSError, ValueError) as err:
        print(f"pixelpact golden record: {err}", file=sys.stderr)
        return 2
    print(f"{args.output}: {len(golden.names)} golden sample(s) recorded ({', '.join(golden.names)})")
    return 0


def _cmd_golden_check(args) -> int:
    from .golden import GoldenError, check

    try:
        report = check(args.directory, args.serving, tensors=args.tensors, url=args.url, atol=args.atol,
                       report_dir=args.report)
    except (GoldenError, OSError) as err:
        print(f"pixelpact golden check: refused: {err}", file=sys.stderr)
        return 2
    print(report.to_json() if args.json else report.summary())
    if args.report and not args.json:
        print(f"reports: {Path(args.report) / 'index.html'}")
    return 0 if report.ok else 1


def _cmd_schema(args) -> int:
    from ._contract import _schema_text

    sys.stdout.write(_schema_text())
    return 0


def _cmd_info(args) -> int:
    from . import __version__

    import os

    from . import load, supported_isas

    print(f"pixelpact {__version__}")
    isas = supported_isas()
    print(f"instruction sets (this build and CPU, best first): {', '.join(isas)}")
    forced = os.environ.get("PIXELPACT_FORCE_ISA")
    try:
        demo = resources.files("pixelpact").joinpath("data/resnet50-imagenet-eval.json").read_text("utf-8")
        pipe = load(demo)
    except RuntimeError as err:
        print(f"error: {err}")
        return 1
    print(f"kernels in use: {pipe.isa}" + (f" (forced by PIXELPACT_FORCE_ISA={forced})" if forced else " (best available)"))
    for kernel, isa in pipe.kernels.items():
        print(f"  {kernel:<20} {isa}")
    return 0


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return 1e3 * times[len(times) // 2]


def _cmd_demo(args) -> int:
    import numpy as np

    from . import load
    from .samples import sample_image

    contract = resources.files("pixelpact").joinpath("data/resnet50-imagenet-eval.json").read_text("utf-8")
    pipe = load(contract)
    image = sample_image(480, 640)
    out = pipe(image)
    print(f"contract: {pipe.name} (bundled; see `pixelpact demo --show-contract`)")
    if args.show_contract:
        print(contract)
    print(f"input:    sample image {image.shape[1]}x{image.shape[0]} RGB uint8 (procedurally generated)")
    print(f"output:   {out.dtype} {tuple(out.shape)} ({pipe.layout})")
    pixelpact_ms = _median_ms(lambda: pipe(image), args.repeat)
    try:
        import torch
        from PIL import Image
        from torchvision import transforms as T
    except ImportError as exc:
        print(f"pixelpact: {pixelpact_ms:.2f} ms per image (median of {args.repeat})")
        print(f"reference: not compared ({exc.name} is not installed; pip install 'pixelpact[reference]')")
        return 0
    doc = json.loads(contract)
    norm = doc["steps"][4]
    reference = T.Compose(
        [
            T.Resize(256, T.InterpolationMode.BILINEAR),
            T.CenterCrop(224),
            T.ToTensor(),
            T.Normalize(norm["mean"], norm["std"]),
        ]
    )

    def run_reference():
        return reference(Image.fromarray(image)).unsqueeze(0).numpy()

    expected = run_reference()
    same = expected.dtype == out.dtype and expected.shape == out.shape
    diff = float(np.max(np.abs(expected.astype(np.float64) - out.astype(np.float64)))) if same else float("nan")
    torch.set_num_threads(1)
    ref_ms = _median_ms(run_reference, args.repeat)
    print("reference: torchvision.transforms on a PIL image "
          f"(Pillow {__import__('PIL').__version__}, torchvision {__import__('torchvision').__version__})")
    print(f"max |pixelpact - reference| = {diff:g}" + ("  (bit-identical)" if np.array_equal(expected, out) else ""))
    print(f"time per image (median of {args.repeat}): pixelpact {pixelpact_ms:.2f} ms, "
          f"reference {ref_ms:.2f} ms ({ref_ms / pixelpact_ms:.1f}x)")
    return 0 if np.array_equal(expected, out) else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="pixelpact", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="validate contract files (exit 1 if any is invalid)")
    p.add_argument("files", nargs="+")
    p.set_defaults(fn=_cmd_validate)
    p = sub.add_parser("run", help="run a contract on an image file and save the tensor as .npy")
    p.add_argument("contract")
    p.add_argument("image", help="an image file Pillow can decode, or a .npy uint8 array")
    p.add_argument("-o", "--output", required=True, help="output .npy path")
    p.set_defaults(fn=_cmd_run)
    p = sub.add_parser("diagnose", help="explain a serving tensor as the training contract with the fewest changes")
    p.add_argument("--contract", required=True, help="the training contract (JSON)")
    p.add_argument("--image", required=True, help="the input image file (or a .npy uint8 array)")
    p.add_argument("--actual", required=True, help="the serving side's tensor (.npy, any shape and dtype)")
    p.add_argument("--json", action="store_true", help="print one JSON object: match, suspects, contract, residual")
    p.add_argument("--report", metavar="HTML", help="write a self-contained HTML report with pictures")
    p.add_argument("--exif-transpose", action="store_true",
                   help="training rotated the image per its EXIF orientation (ImageOps.exif_transpose)")
    p.set_defaults(fn=_cmd_diagnose)
    p = sub.add_parser("golden", help="record golden samples; check a serving pipeline against them")
    golden = p.add_subparsers(dest="golden_command", required=True)
    p = golden.add_parser("record", help="record the expected tensors of images under a contract")
    p.add_argument("contract", help="the training contract (JSON)")
    p.add_argument("images", nargs="+", help="image files (samples are named after the file stems)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="new (or empty) golden set directory")
    p.add_argument("--transform", metavar="MODULE:CALLABLE",
                   help="the training pipeline (image path -> tensor): record its output, and fail with a "
                        "diagnosis unless the contract reproduces it bit for bit")
    p.add_argument("--exif-transpose", action="store_true",
                   help="rotate images per their EXIF orientation when decoding (as training did)")
    p.set_defaults(fn=_cmd_golden_record)
    p = golden.add_parser("check", help="compare a serving pipeline with a golden set (exit 0 only if all pass)")
    p.add_argument("directory", help="the golden set")
    side = p.add_mutually_exclusive_group(required=True)
    side.add_argument("--serving", metavar="MODULE:CALLABLE", help="a Python callable: image path -> tensor")
    side.add_argument("--tensors", metavar="DIR", help="a folder of <sample>.npy tensors the serving side wrote")
    side.add_argument("--url", help="an HTTP endpoint answering an image upload (POST) with .npy bytes")
    p.add_argument("--atol", type=float, help="accept values within this absolute tolerance (reported as not exact)")
    p.add_argument("--json", action="store_true", help="print one JSON object: ok, samples")
    p.add_argument("--report", metavar="DIR", help="write an HTML report per differing sample, and index.html")
    p.set_defaults(fn=_cmd_golden_check)
    p = sub.add_parser("demo", help="run the bundled ImageNet contract and compare with torchvision")
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--show-contract", action="store_true")
    p.set_defaults(fn=_cmd_demo)
    p = sub.add_parser("schema", help="print the contract JSON Schema")
    p.set_defaults(fn=_cmd_schema)
    p = sub.add_parser("info", help="version and kernels")
    p.set_defaults(fn=_cmd_info)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
