"""Command line: pixelpact {validate,run,demo,schema,info}."""
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


def _decode(path: str):
    try:
        from PIL import Image
    except ImportError:
        raise SystemExit(
            "pixelpact run: decoding image files needs Pillow (pip install pillow); "
            "or pass a .npy file holding a uint8 (H, W, C) array"
        )
    import numpy as np

    with Image.open(path) as im:
        mode = {"RGBA": "RGBA", "L": "L", "LA": "RGBA", "P": "RGBA" if "transparency" in im.info else "RGB"}
        im = im.convert(mode.get(im.mode, "RGB"))
        return np.asarray(im)


def _cmd_run(args) -> int:
    import numpy as np

    from . import ContractError, load

    try:
        pipe = load(Path(args.contract))
    except ContractError as err:
        print(f"{args.contract}: invalid: {err}", file=sys.stderr)
        return 1
    image = np.load(args.image) if args.image.endswith(".npy") else _decode(args.image)
    color = pipe.input_color
    if color in ("RGB", "BGR") and image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if color in ("RGB", "BGR") and image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]
    if color in ("BGR", "BGRA") and not args.image.endswith(".npy"):
        image = image[..., ::-1]  # decoders give RGB order; the contract wants BGR
    if color == "GRAY" and image.ndim == 3:
        raise SystemExit(f"pixelpact run: contract wants GRAY, {args.image} decodes to {image.shape[2]} channels")
    try:
        out = pipe(image)
    except (TypeError, ValueError) as err:
        print(f"pixelpact run: {err}", file=sys.stderr)
        return 1
    np.save(args.output, out)
    print(f"{args.output}: {out.dtype} {tuple(out.shape)}")
    return 0


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
    width = max(len(kernel) for kernel in pipe.kernels)
    for kernel, isa in pipe.kernels.items():
        print(f"  {kernel:<{width}}  {isa}")
    if "avx512" in isas and "avx512 (emulated)" in load(demo, isa="avx512").kernels.values():
        print("note: a test build (PIXELPACT_EMULATE_AVX512=ON): the avx512 kernels are compiled from SIMDe's "
              "portable C, run on any CPU, slowly, and execute no AVX-512 instruction")
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
