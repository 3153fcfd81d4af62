"""Command line: pixelpact {validate,run,diagnose,golden,demo,schema,info,onnx,compare}."""
from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
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
    import os

    import numpy as np

    from . import ContractError, _files, load

    try:
        pipe = load(Path(args.contract))
    except ContractError as err:
        print(f"{args.contract}: invalid: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"{args.contract}: cannot read: {err.strerror or err}", file=sys.stderr)
        return 1
    if args.threads is not None and args.threads < 1:
        print(f"pixelpact run: --threads must be at least 1, got {args.threads}", file=sys.stderr)
        return 2
    items, failures = _files.find_images(args.inputs)
    out = Path(args.output)
    if (len(args.inputs) == 1 and len(items) == 1 and not failures and not args.pack and not out.is_dir()
            and Path(args.inputs[0]).is_file()):
        return _run_one(pipe, items[0].path, out)  # pixelpact run CONTRACT IMAGE -o OUT.npy, as always
    if args.pack:
        if out.suffix.lower() not in _files.PACK_SUFFIXES:
            print(f"pixelpact run: --pack writes a .npz or .safetensors file, got -o {out}", file=sys.stderr)
            return 2
        if out.is_dir():
            print(f"pixelpact run: -o {out} is a directory; --pack writes one file", file=sys.stderr)
            return 2
    elif out.exists() and not out.is_dir():
        print(f"pixelpact run: -o {out} is a file; several inputs write one .npy each into a directory "
              "(or give --pack for one .npz/.safetensors)", file=sys.stderr)
        return 2
    clashes = _files.duplicate_keys(items)
    if clashes:
        print("pixelpact run: several inputs would write the same tensor name:", file=sys.stderr)
        for key, paths in sorted(clashes.items()):
            print(f"  {key}: {', '.join(paths)}", file=sys.stderr)
        print("give their common folder instead (names are relative to it)", file=sys.stderr)
        return 2
    if not items:
        return _report_failures(failures, 0, "no images found")
    threads = args.threads or os.cpu_count() or 1
    if args.pack:
        out.parent.mkdir(parents=True, exist_ok=True)
        writer = (_files.NpzWriter if out.suffix.lower() == ".npz" else _files.SafetensorsWriter)(out)
    else:
        out.mkdir(parents=True, exist_ok=True)
        writer = None

    def work(item):
        try:
            tensor = _tensor(pipe, Path(item.path))
            if writer is None:
                target = out / (item.key + ".npy")
                target.parent.mkdir(parents=True, exist_ok=True)
                np.save(target, tensor)
            return item, tensor, None
        except Exception as err:  # a corrupt file may raise almost anything from a decoder
            return item, None, _files.describe_error(err)

    start = time.perf_counter()
    shapes = set()
    done = 0
    progress = _files.Progress(len(items), args.progress)
    try:
        with ThreadPoolExecutor(threads) as pool:
            for item, tensor, reason in _files.ordered_results(pool, work, items, window=4 * threads):
                progress.update()
                if reason is not None:
                    failures.append(_files.Failure(str(item.path), reason))
                    continue
                done += 1
                shapes.add(f"{tensor.dtype} {tuple(tensor.shape)}")
                if writer is not None:
                    writer.add(item.key, tensor)
    finally:
        progress.close()
        if writer is not None:
            writer.close()
    seconds = time.perf_counter() - start
    what = next(iter(shapes)) if len(shapes) == 1 else f"{len(shapes)} shapes" if shapes else "none written"
    print(f"{out}: {done} tensor(s), {what}, in {seconds:.2f} s ({done / seconds if seconds else 0:.1f} images/s, "
          f"{threads} thread(s))")
    return _report_failures(failures, len(items), None) if failures else 0


def _tensor(pipe, path: Path):
    """One input file through the contract: an image file whose contract names a
    decoder other than Pillow goes through run_encoded (that decoder's pixels), any
    other through Pillow's image (or the .npy array)."""
    from . import _files

    if path.suffix.lower() != ".npy" and pipe.contract["input"].get("decode", {}).get("decoder") == "tensorflow":
        return pipe.run_encoded(path)
    return pipe(_files.read_image(path))


def _run_one(pipe, path: Path, out: Path) -> int:
    import numpy as np

    from . import _files

    try:
        tensor = _tensor(pipe, path)
    except Exception as err:  # a corrupt file may raise almost anything from a decoder
        print(f"pixelpact run: {path}: {_files.describe_error(err)}", file=sys.stderr)
        return 1
    np.save(out, tensor)
    print(f"{out}: {tensor.dtype} {tuple(tensor.shape)}")
    return 0


def _report_failures(failures: list, total: int, headline) -> int:
    if headline:
        print(f"pixelpact run: {headline}", file=sys.stderr)
    if failures:
        print(f"pixelpact run: {len(failures)} input(s) failed" + (f" ({total} image(s) tried)" if total else "") + ":",
              file=sys.stderr)
        for f in failures:
            print(f"  {f.path}: {f.reason}", file=sys.stderr)
    return 1


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
    from . import decoders

    found = decoders()
    print("image decoders (run_encoded): " + "; ".join(
        f"{kind.upper()}: {lib or 'not compiled in, Pillow decodes'}" for kind, lib in found.items()))
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


def _onnx_module():
    try:
        from . import onnx as ppx
    except ImportError as err:
        raise SystemExit(f"pixelpact onnx: {err}")
    return ppx


def _fixed_size(text):
    if text is None:
        return None
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"pixelpact onnx: --fixed-size wants HEIGHTxWIDTH (e.g. 480x640), got {text!r}")
    return h, w


def _print_findings(findings) -> None:
    rows = [(f.path or "/", f.what, f.status, f.reason) for f in findings]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    for r in rows:
        print(f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:<{w2}}  {r[3]}")


def _cmd_onnx_export(args) -> int:
    import onnx

    ppx = _onnx_module()
    from . import ContractError

    fixed = _fixed_size(args.fixed_size)
    try:
        if args.explain:
            findings = ppx.explain(Path(args.contract), fixed_size=fixed, opset=args.opset)
            _print_findings(findings)
            refused = [f for f in findings if f.status == ppx.IMPOSSIBLE or
                       (f.status == ppx.APPROXIMATE and not args.allow_approximate)]
            worst = max((f.status for f in findings), key=[ppx.EXACT, ppx.IN_PRACTICE, ppx.APPROXIMATE,
                                                          ppx.IMPOSSIBLE].index)
            print(f"export: refused ({len(refused)} part(s); see above)" if refused else f"export: {worst}")
            if refused or not args.output:
                return 1 if refused else 0
        elif not args.output:
            raise SystemExit("pixelpact onnx export: give -o OUT.onnx (or --explain)")
        model = ppx.export(Path(args.contract), fixed_size=fixed, opset=args.opset,
                           allow_approximate=args.allow_approximate)
    except ContractError as err:
        print(f"{args.contract}: invalid: {err}", file=sys.stderr)
        return 1
    except ppx.Inexpressible as err:
        print(f"{args.contract}: {err}", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"pixelpact onnx export: {err}", file=sys.stderr)
        return 1
    onnx.save(model, args.output)
    meta = {p.key: p.value for p in model.metadata_props}
    print(f"{args.output}: {meta['pixelpact.exactness']}, contract {meta['pixelpact.fingerprint']}")
    if "pixelpact.error_bound" in meta:
        bound = json.loads(meta["pixelpact.error_bound"])
        print(f"measured against {bound['reference']}: max |difference| {bound['max_abs_difference']:.3g}, "
              f"{bound['values_differing']} of {bound['values']} values differ ({bound['images']})")
    return 0


def _save_model(args, command: str, make) -> dict:
    """Runs make() (attach or stamp), saves the model to args.output and returns
    its metadata; None (after a message on stderr) if the inputs are refused."""
    import onnx

    from . import ContractError

    try:
        model = make()
    except ContractError as err:
        print(f"{args.contract}: invalid: {err}", file=sys.stderr)
        return None
    except (ValueError, OSError) as err:
        print(f"pixelpact onnx {command}: {err}", file=sys.stderr)
        return None
    onnx.save(model, args.output)
    return {p.key: p.value for p in model.metadata_props}


def _cmd_onnx_attach(args) -> int:
    ppx = _onnx_module()
    meta = _save_model(args, "attach", lambda: ppx.attach(
        args.model, Path(args.contract), fixed_size=_fixed_size(args.fixed_size),
        allow_approximate=args.allow_approximate))
    if meta is None:
        return 1
    print(f"{args.output}: takes image uint8 [H, W, C]; {meta['pixelpact.exactness']}, "
          f"contract {meta['pixelpact.fingerprint']}")
    return 0


def _cmd_onnx_stamp(args) -> int:
    ppx = _onnx_module()
    meta = _save_model(args, "stamp", lambda: ppx.stamp(args.model, Path(args.contract)))
    if meta is None:
        return 1
    print(f"{args.output}: stamped with contract {meta['pixelpact.fingerprint']}")
    return 0


def _cmd_onnx_check(args) -> int:
    ppx = _onnx_module()
    try:
        meta = ppx.check(args.model, Path(args.contract) if args.contract else None)
    except ppx.StampError as err:
        print(f"{args.model}: {err}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as err:
        print(f"pixelpact onnx check: {err}", file=sys.stderr)
        return 1
    name = meta.get("pixelpact.name")
    how = {"baked": "preprocessing baked in", "none": "stamp only (preprocessing outside the model)"}
    print(f"{args.model}: contract {meta['pixelpact.fingerprint']}" + (f" ({name})" if name else "") +
          f", {how.get(meta.get('pixelpact.preprocessing'), 'stamped')}" +
          (f", {meta['pixelpact.exactness']}" if "pixelpact.exactness" in meta else "") +
          (": the same contract" if args.contract else ""))
    return 0


def _cmd_compare(args) -> int:
    from .compare import compare, format_report

    if (args.serving is None) == (args.tensors is None):
        raise SystemExit("pixelpact compare: give exactly one of --serving MODULE:CALLABLE and --tensors DIR")
    try:
        report = compare(args.model, args.golden, serving=args.serving, tensors=args.tensors)
    except (ValueError, OSError, ImportError) as err:
        print(f"pixelpact compare: {err}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0 if report["overall"]["top1_agreement"] == 1.0 else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="pixelpact", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="validate contract files (exit 1 if any is invalid)")
    p.add_argument("files", nargs="+")
    p.set_defaults(fn=_cmd_validate)
    p = sub.add_parser("run", help="run a contract on image files, folders and globs; save .npy tensors or a pack",
                       description="Runs CONTRACT on every INPUT: image files Pillow decodes (converted as the "
                                   "contract's input says) or .npy uint8 arrays (in the contract's colour order); "
                                   "folders (walked recursively for image files) and globs ('**' recursive). One "
                                   "INPUT file with -o X.npy writes X.npy; otherwise -o is a directory receiving "
                                   "one .npy per image (its path relative to its folder, suffix .npy), or with "
                                   "--pack one .npz or .safetensors file keyed by those names. Unreadable images "
                                   "are skipped and listed at the end; the exit code is then 1.")
    p.add_argument("contract")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image file, .npy array, folder or glob")
    p.add_argument("-o", "--output", required=True, help="output .npy (one input), directory, or pack file")
    p.add_argument("--pack", action="store_true", help="write one .npz or .safetensors file (by -o's suffix)")
    p.add_argument("--threads", type=int, default=None, help="decode-and-run threads (default: every core)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: only when stdout and stderr are terminals)")
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
    onnx_parser = sub.add_parser("onnx", help="bake a contract into an ONNX model; stamp and check models")
    onnx_sub = onnx_parser.add_subparsers(dest="onnx_command", required=True)
    p = onnx_sub.add_parser("export", help="the contract as an ONNX graph: image uint8 [H, W, C] -> tensor")
    p.add_argument("contract")
    p.add_argument("-o", "--output", help="output .onnx path")
    p.add_argument("--fixed-size", metavar="HxW", help="a fixed input size (weights computed at export time)")
    p.add_argument("--opset", type=int, default=None, help="ONNX opset (default 17, at least 13)")
    p.add_argument("--allow-approximate", action="store_true",
                   help="export approximate parts too, with their measured error bound in the metadata")
    p.add_argument("--explain", action="store_true",
                   help="list, per step, exact / exact-in-practice / approximate / impossible and why")
    p.set_defaults(fn=_cmd_onnx_export)
    p = onnx_sub.add_parser("attach", help="put the contract's preprocessing in front of a model")
    p.add_argument("model")
    p.add_argument("contract")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--fixed-size", metavar="HxW")
    p.add_argument("--allow-approximate", action="store_true")
    p.set_defaults(fn=_cmd_onnx_attach)
    p = onnx_sub.add_parser("stamp", help="write the contract and its fingerprint into a model's metadata")
    p.add_argument("model")
    p.add_argument("contract")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(fn=_cmd_onnx_stamp)
    p = onnx_sub.add_parser("check", help="verify a model's stamp (and that it is CONTRACT); exit 1 if not")
    p.add_argument("model")
    p.add_argument("contract", nargs="?")
    p.set_defaults(fn=_cmd_onnx_check)
    p = sub.add_parser("compare", help="what a preprocessing mismatch costs: a model on golden vs serving tensors")
    p.add_argument("--model", required=True, help="the .onnx model (its input is the contract's tensor)")
    p.add_argument("--golden", required=True, help="directory of golden tensors NAME.npy (and the images)")
    p.add_argument("--serving", metavar="MODULE:CALLABLE",
                   help="a function taking an image file path and returning the serving tensor")
    p.add_argument("--tensors", metavar="DIR", help="directory of serving tensors NAME.npy")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(fn=_cmd_compare)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
