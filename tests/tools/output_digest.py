"""A digest of pixelpact's output bytes: the proof that a restructure changed no byte.

Runs every conformance case (tests/conformance/*.json on its input) and a broad,
deterministic set of generated contracts -- every resize engine and mode, every
size rule, every geometry step and rule, every input colour and alpha policy,
every output layout, dtype and colour, the elementwise steps, on hostile sizes
(1x1, 1xN, Nx1, primes, up and down, extreme aspect ratios) and hostile views
(negative strides, planar channels) -- under each instruction set, and hashes
the output bytes with their dtype and shape (and the geometry map, and the text
of any error a case raises).

    python tests/tools/output_digest.py                 # every ISA this build and CPU runs
    python tests/tools/output_digest.py --isa avx2 --isa reference
    python tests/tools/output_digest.py --save before.json
    python tests/tools/output_digest.py --compare before.json   # exit 1 if any byte moved

Nothing here compares with a reference library: the digest pins pixelpact's
own bytes (which the parity tests prove equal to the libraries) across a change
that must not alter them. Only the numbers and the ISAs are compared, never
timing.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from pathlib import Path

import numpy as np

import pixelpact

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "tests" / "conformance"

# Up, down, 1x1, 1xN, Nx1, primes, extreme aspect ratios.
SIZES = [(1, 1), (1, 37), (53, 1), (2, 3), (17, 23), (97, 131), (240, 320), (31, 500), (611, 29), (256, 256)]
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
LAYOUTS = ["NCHW", "NHWC", "CHW", "HWC"]
COLOURS = ["RGB", "BGR", "RGBA", "BGRA", "GRAY"]


def noise(height: int, width: int, channels: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng([height, width, channels, seed, 7919])
    shape = (height, width) if channels == 1 else (height, width, channels)
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


def channels_of(colour: str) -> int:
    return {"RGB": 3, "BGR": 3, "RGBA": 4, "BGRA": 4, "GRAY": 1}[colour]


def contract(steps, *, colour="RGB", layout="NCHW", dtype="float32", out_colour="RGB", alpha=None,
             background=None, float_chain=True):
    inp = {"color": colour}
    if alpha:
        inp["alpha"] = alpha
    if background:
        inp["background"] = background
    chain = []
    if dtype != "uint8" and float_chain:
        chain = [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255},
                 {"op": "normalize", "mean": MEAN, "std": STD}]
    elif dtype != "uint8":
        chain = [{"op": "to_float", "dtype": "float32"}]
    return {"pixelpact": 1, "input": inp, "steps": list(steps) + chain,
            "output": {"layout": layout, "dtype": dtype, "color": out_colour}}


def rotating(index: int):
    """(layout, dtype, output colour) varied case by case, so every combination recurs."""
    combos = list(itertools.product(LAYOUTS, ["float32", "float16", "uint8"], ["RGB", "BGR"]))
    return combos[index % len(combos)]


def resize_modes():
    """(engine fields) of every uint8 resize mode."""
    for filt in ["nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"]:
        for version in ["13", "12.2", "12.1"]:
            yield {"engine": "pillow", "interpolation": filt, "version": version}
    for filt in ["bilinear", "bicubic", "lanczos", "nearest", "nearest-exact"]:
        for aa in [True, False]:
            if filt == "lanczos" and not aa:
                continue
            yield {"engine": "torch", "interpolation": filt, "antialias": aa}
    for filt in ["nearest", "nearest-exact", "bilinear", "bilinear-exact", "bicubic", "area", "lanczos4"]:
        for version in ["5", "4"]:
            yield {"engine": "opencv", "interpolation": filt, "version": version}


def size_rules(engine: str):
    yield {"size": 7}
    yield {"size": 64, "max_size": 90}
    yield {"size": [45, 29]}
    yield {"size": [300, 410]}
    yield {"size": 80, "keep_ratio": "longer"}
    yield {"size": [64, 48], "keep_ratio": "not_smaller"}
    yield {"size": [64, 48], "keep_ratio": "not_larger"}
    if engine == "opencv":
        yield {"scale": 0.5}
        yield {"scale": [0.37, 1.9]}
        yield {"scale": 2}
        yield {"scale": [1.0, 0.25]}


def cases():
    """(name, contract, image) triples, deterministic."""
    n = 0
    # 1. Every resize mode x every size rule x a spread of input sizes.
    for mode in resize_modes():
        for rule in size_rules(mode["engine"]):
            for hw in SIZES[::2] if rule.get("size") != [300, 410] else SIZES[:5]:
                layout, dtype, out_colour = rotating(n)
                colour = ["RGB", "BGR", "GRAY"][n % 3]
                doc = contract([{"op": "resize", **rule, **mode}], colour=colour, layout=layout, dtype=dtype,
                               out_colour=out_colour)
                yield f"resize/{json.dumps(mode, sort_keys=True)}/{json.dumps(rule, sort_keys=True)}/{hw}", doc, \
                    noise(*hw, channels_of(colour), n)
                n += 1
    # 2. A resize then a center crop (the backwards planning), every mode, odd sizes.
    for mode in resize_modes():
        for hw in [(97, 131), (240, 320), (611, 29)]:
            layout, dtype, out_colour = rotating(n)
            doc = contract([{"op": "resize", "size": 70, **mode}, {"op": "center_crop", "size": [61, 33]}],
                           layout=layout, dtype=dtype, out_colour=out_colour)
            yield f"resize+crop/{json.dumps(mode, sort_keys=True)}/{hw}", doc, noise(*hw, 3, n)
            n += 1
    # 3. Layout x dtype x input colour x output colour, on one resize per engine.
    for engine, interp in [("pillow", "bicubic"), ("torch", "bilinear"), ("opencv", "bilinear")]:
        for layout, dtype, colour, out_colour in itertools.product(LAYOUTS, ["float32", "float16", "uint8"],
                                                                   COLOURS, ["RGB", "BGR"]):
            hw = SIZES[n % len(SIZES)]
            doc = contract([{"op": "resize", "size": [33, 47], "interpolation": interp, "engine": engine}],
                           colour=colour, layout=layout, dtype=dtype, out_colour=out_colour)
            yield f"format/{engine}/{layout}/{dtype}/{colour}/{out_colour}/{hw}", doc, \
                noise(*hw, channels_of(colour), n)
            n += 1
    # 4. Alpha policies.
    for alpha, filt in itertools.product(["drop", "premultiply", "composite"], ["nearest", "bilinear", "lanczos"]):
        for hw in [(1, 1), (17, 23), (240, 320)]:
            for colour in ["RGBA", "BGRA"]:
                bg = [10, 200, 77] if alpha == "composite" else None
                doc = contract([{"op": "resize", "size": 50, "interpolation": filt, "engine": "pillow"},
                                {"op": "center_crop", "size": 40}], colour=colour, alpha=alpha, background=bg,
                               layout=rotating(n)[0])
                yield f"alpha/{alpha}/{filt}/{colour}/{hw}", doc, noise(*hw, 4, n)
                n += 1
    # 5. Geometry steps and their rules, with fills.
    geometry = [
        [{"op": "center_crop", "size": 224}],
        [{"op": "center_crop", "size": [31, 500], "fill": [1, 2, 3]}],
        [{"op": "center_crop", "size": [64, 64], "rule": "hf_pil"}],
        [{"op": "center_crop", "size": [64, 64], "rule": "hf_torchvision", "fill": 9}],
        [{"op": "crop", "top": -5, "left": 7, "height": 40, "width": 33, "fill": [200, 100, 50]}],
        [{"op": "crop", "top": 100, "left": 300, "height": 20, "width": 20}],
        [{"op": "pad", "padding": 3, "fill": 17}],
        [{"op": "pad", "padding": [1, 2]}, {"op": "pad", "padding": [0, 4, 5, 6], "fill": [4, 5, 6]}],
        [{"op": "letterbox", "size": 64}],
        [{"op": "letterbox", "size": [48, 80], "auto": True, "stride": 16, "fill": [0, 50, 100]}],
        [{"op": "letterbox", "size": 64, "scaleup": False, "center": False}],
        [{"op": "letterbox", "size": 64, "engine": "pillow", "interpolation": "lanczos"}],
        [{"op": "letterbox", "size": [64, 48], "interpolation": "nearest"}],
        [{"op": "letterbox", "size": [64, 48], "interpolation": "bicubic"}],
        [{"op": "letterbox", "size": [64, 96], "rule": "blob", "fill": 7}],
        [{"op": "letterbox", "size": [64, 96], "rule": "blob_crop"}],
        [{"op": "resize", "size": 100, "interpolation": "bilinear", "engine": "pillow"},
         {"op": "center_crop", "size": 90}, {"op": "pad", "padding": 5},
         {"op": "resize", "size": [40, 41], "interpolation": "bicubic", "engine": "torch"},
         {"op": "crop", "top": 3, "left": -2, "height": 30, "width": 40}],
        [{"op": "pad", "padding": 4, "fill": 255},
         {"op": "resize", "size": [50, 20], "interpolation": "area", "engine": "opencv"},
         {"op": "center_crop", "size": [60, 30], "fill": 1}],
    ]
    for steps in geometry:
        for hw in SIZES:
            layout, dtype, out_colour = rotating(n)
            colour = ["RGB", "BGR", "GRAY", "RGBA"][n % 4]
            if colour == "GRAY":
                steps = [{**s, "fill": s["fill"] if isinstance(s.get("fill"), int) else 3} if "fill" in s else s
                         for s in steps]
            doc = contract(steps, colour=colour, layout=layout, dtype=dtype, out_colour=out_colour)
            yield f"geometry/{json.dumps(steps, sort_keys=True)}/{colour}/{hw}", doc, noise(*hw, channels_of(colour), n)
            n += 1
    # 6. torch's float resize after to_float, with crops after it and arithmetic around it.
    for interp, aa in [("bilinear", True), ("bilinear", False), ("bicubic", True), ("bicubic", False),
                       ("area", None)]:
        for size in [20, [9, 70], 300, 70]:
            for hw in [(1, 1), (1, 37), (53, 1), (17, 23), (97, 131), (240, 320)]:
                r = {"op": "resize", "size": size, "interpolation": interp, "engine": "torch"}
                if aa is not None:
                    r["antialias"] = aa
                steps = [{"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}, r,
                         {"op": "normalize", "mean": MEAN, "std": STD}]
                if size == 70:
                    steps.append({"op": "center_crop", "size": [13, 11]})
                layout, dtype, out_colour = rotating(n)
                dtype = "float16" if dtype == "float16" else "float32"
                doc = {"pixelpact": 1, "input": {"color": ["RGB", "BGR", "GRAY"][n % 3]}, "steps": steps,
                       "output": {"layout": layout, "dtype": dtype, "color": out_colour}}
                yield f"float-resize/{interp}/{aa}/{size}/{hw}", doc, \
                    noise(*hw, channels_of(doc["input"]["color"]), n)
                n += 1
    # 7. Elementwise chains in float32 / float64 with casts.
    chains = [
        [{"op": "to_float", "dtype": "float64"}, {"op": "mul", "value": 0.00392156862745098},
         {"op": "cast", "dtype": "float32"}, {"op": "normalize", "mean": MEAN, "std": STD}],
        [{"op": "to_float", "dtype": "float32"}, {"op": "sub", "value": [1, 2, 3]}, {"op": "div", "value": [7]},
         {"op": "add", "value": -0.5}, {"op": "mul", "value": 3.3}],
        [{"op": "to_float", "dtype": "float64"}, {"op": "div", "value": 127.5}, {"op": "sub", "value": 1}],
        [{"op": "to_float", "dtype": "float32"}, {"op": "cast", "dtype": "float64"}, {"op": "div", "value": 255},
         {"op": "cast", "dtype": "float32"}],
    ]
    for chain in chains:
        for layout, dtype in itertools.product(LAYOUTS, ["float32", "float16"]):
            doc = {"pixelpact": 1, "input": {"color": "BGR"},
                   "steps": [{"op": "resize", "size": 31, "interpolation": "bilinear", "engine": "pillow"}] + chain,
                   "output": {"layout": layout, "dtype": dtype, "color": "RGB"}}
            yield f"chain/{json.dumps(chain)}/{layout}/{dtype}", doc, noise(45, 61, 3, n)
            n += 1


def views(image: np.ndarray):
    """The image and hostile views of the same pixels."""
    yield "packed", image
    yield "flipped", image[::-1, ::-1]
    if image.ndim == 3:
        planar = np.ascontiguousarray(np.moveaxis(image, 2, 0))
        yield "planar", np.moveaxis(planar, 0, 2)


def run_case(doc, image, isa):
    """Bytes that identify the outcome of one case: tensor, shape, dtype, geometry, or the error."""
    h = hashlib.sha256()
    try:
        pipe = pixelpact.load(doc, isa=isa)
    except Exception as exc:  # noqa: BLE001 - an error is an outcome too
        h.update(f"load error {type(exc).__name__}: {exc}".encode())
        return h.hexdigest()
    for kind, view in views(image):
        try:
            out = pipe(view)
            h.update(f"{kind} {out.dtype} {out.shape}".encode())
            h.update(np.ascontiguousarray(out).tobytes())
        except Exception as exc:  # noqa: BLE001
            h.update(f"{kind} error {type(exc).__name__}: {exc}".encode())
    try:
        g = pipe.geometry(*image.shape[:2])
        h.update(repr((g.input_size, g.output_size, g.scale, g.offset, g.content)).encode())
    except Exception as exc:  # noqa: BLE001
        h.update(f"geometry error {type(exc).__name__}: {exc}".encode())
    return h.hexdigest()


def conformance_cases():
    for path in sorted(CONFORMANCE.glob("*.json")):
        image = np.load(path.with_name(path.stem + "_input.npy"))
        yield f"conformance/{path.stem}", json.loads(path.read_text()), image


def digest(isas):
    result = {}
    all_cases = list(conformance_cases()) + list(cases())
    for isa in isas:
        per_case = {}
        total = hashlib.sha256()
        for name, doc, image in all_cases:
            d = run_case(doc, image, isa)
            per_case[name] = d
            total.update(name.encode() + b"\0" + d.encode())
        result[isa] = {"cases": len(per_case), "digest": total.hexdigest(), "per_case": per_case}
        print(f"{isa:10s} {len(per_case):6d} cases  {total.hexdigest()}", file=sys.stderr)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--isa", action="append", help="instruction set (repeatable); default: every supported")
    parser.add_argument("--save", type=Path, help="write the digests (with one digest per case) to this file")
    parser.add_argument("--compare", type=Path, help="compare with a saved file; exit 1 on any difference")
    args = parser.parse_args(argv)
    isas = args.isa or pixelpact.supported_isas()
    result = digest(isas)
    if args.save:
        args.save.write_text(json.dumps(result, indent=1, sort_keys=True))
    if args.compare:
        before = json.loads(args.compare.read_text())
        bad = 0
        for isa, now in result.items():
            if isa not in before:
                print(f"{isa}: not in {args.compare}", file=sys.stderr)
                continue
            then = before[isa]
            moved = [k for k in sorted(set(then["per_case"]) | set(now["per_case"]))
                     if then["per_case"].get(k) != now["per_case"].get(k)]
            state = "identical" if not moved and then["digest"] == now["digest"] else f"{len(moved)} cases differ"
            print(f"{isa:10s} {now['cases']:6d} cases  {state}")
            for k in moved[:20]:
                print(f"    {k}")
            bad += len(moved)
        return 1 if bad else 0
    for isa, r in result.items():
        print(f"{isa:10s} {r['cases']:6d} cases  {r['digest']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
