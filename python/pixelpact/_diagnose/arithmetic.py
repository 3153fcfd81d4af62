"""The elementwise chain: which arithmetic (scale, mean/std, dtype) turns each byte
value into the serving tensor's value.

Given, per output channel, the byte values present and the exact value the serving
tensor holds for each, candidate chains are solved from a least-squares affine fit
(value = a * byte + b), their operands snapped to the constants people write
(0.485, 1/255, 127.5, short decimals, the nearest float32), and every candidate is
verified by the kernel: an arithmetic-only contract run on the 256 byte values."""
from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import math
from typing import Callable

import numpy as np

from .._native import compile_contract as _compile

ARITH_OPS = ("to_float", "cast", "add", "sub", "mul", "div", "normalize")
IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
CLIP = ((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711))
CAFFE_BGR = (103.939, 116.779, 123.68)
_BASE = sorted({*IMAGENET[0], *IMAGENET[1], *CLIP[0], *CLIP[1], 0.5, 0.25, 1.0, 2.0, 127.5, 128.0, 255.0,
                *CAFFE_BGR, 123.675, 116.28, 103.53, 58.395, 57.12, 57.375})


def _known() -> list:
    out = set()
    for c in _BASE:
        f = np.float32(c)
        out |= {c, c * 255.0, c / 255.0, 1.0 / c, 1.0 / (c * 255.0), float(f * np.float32(255)),
                float(np.float32(1) / (f * np.float32(255))), float(np.float32(1) / f)}
    return sorted(out)


KNOWN = _known()
RAMP = np.ascontiguousarray(np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2))
TOLERANCE = {"float64": 1e-9, "float32": 3e-5, "float16": 5e-3}


@functools.lru_cache(maxsize=4096)
def _ops(steps: tuple) -> tuple:
    out, dtype = [], None
    for s in (json.loads(t) for t in steps):
        if s["op"] in ("to_float", "cast"):
            dtype = s["dtype"]
        elif s["op"] == "normalize":
            out.append(("normalize", (_three(s["mean"]), _three(s["std"])), dtype))
        else:
            out.append((s["op"], _three(s["value"]), dtype))
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class Chain:
    """Arithmetic steps (to_float first, JSON texts) and the output dtype."""

    steps: tuple
    dtype: str

    @classmethod
    def of(cls, steps, dtype: str) -> "Chain":
        return cls(tuple(json.dumps(s, sort_keys=True) for s in steps), dtype)

    @property
    def step_dicts(self) -> list:
        return [json.loads(s) for s in self.steps]

    def ops(self) -> list:
        """[(op, per-channel values (3-tuple or a pair for normalize), dtype)] without to_float/cast."""
        return list(_ops(self.steps))

    def arithmetic_dtypes(self) -> tuple:
        """The dtype each arithmetic op runs in (the to_float dtype when there is none)."""
        ops = self.ops()
        if ops:
            return tuple(d for _, _, d in ops)
        return tuple(s["dtype"] for s in self.step_dicts if s["op"] == "to_float")

    def last_dtype(self) -> str | None:
        dtypes = self.arithmetic_dtypes()
        return dtypes[-1] if dtypes else None

    def affine(self) -> np.ndarray:
        """(3, 2): per channel (a, b) of value = a * byte + b, in exact-ish float64."""
        a, b = np.ones(3), np.zeros(3)
        for op, v, _ in self.ops():
            if op == "normalize":
                m, s = np.array(v[0]), np.array(v[1])
                a, b = a / s, (b - m) / s
            elif op == "div":
                a, b = a / np.array(v), b / np.array(v)
            elif op == "mul":
                a, b = a * np.array(v), b * np.array(v)
            elif op == "add":
                b = b + np.array(v)
            elif op == "sub":
                b = b - np.array(v)
        return np.stack([a, b], axis=1)

    def split(self) -> tuple:
        """(scale divisor R, mean (3,), std (3,)): the chain read as
        ((byte / R) - mean) / std, R from its leading div/mul steps."""
        ops = self.ops()
        r = np.ones(3)
        i = 0
        while i < len(ops) and ops[i][0] in ("div", "mul") and any(o[0] in ("sub", "add", "normalize")
                                                                    for o in ops[i + 1:]):
            r = r * np.array(ops[i][1]) if ops[i][0] == "div" else r / np.array(ops[i][1])
            i += 1
        if i == 0 and ops and all(o[0] in ("div", "mul") for o in ops):
            for op, v, _ in ops:
                r = r * np.array(v) if op == "div" else r / np.array(v)
            i = len(ops)
        rest = Chain.of([{"op": "to_float", "dtype": "float64"}] + [_step(op, v) for op, v, _ in ops[i:]], "float64")
        (a, b) = rest.affine().T
        return r, -b / a, 1.0 / a

    def scale_form(self) -> tuple:
        """The leading div/mul steps as (op, values) pairs (how 0..255 is scaled)."""
        ops, out = self.ops(), []
        for op, v, _ in ops:
            if op not in ("div", "mul"):
                break
            out.append((op, v))
        return tuple(out)


def _three(v) -> tuple:
    if isinstance(v, (int, float)):
        return (float(v),) * 3
    v = [float(x) for x in v]
    return tuple(v * 3) if len(v) == 1 else tuple(v)


def _value(values: tuple):
    return values[0] if values[0] == values[1] == values[2] else list(values)


def _step(op: str, values) -> dict:
    if op == "normalize":
        return {"op": "normalize", "mean": _value(values[0]), "std": _value(values[1])}
    return {"op": op, "value": _value(values)}


def training_chain(steps: list, dtype: str) -> Chain:
    return Chain.of([s for s in steps if s["op"] in ARITH_OPS], dtype)


def reversed_chain(chain: Chain) -> Chain:
    """The same chain with per-channel values listed in the opposite channel order."""
    out = []
    for s in chain.step_dicts:
        s = dict(s)
        for key in ("value", "mean", "std"):
            if key in s and isinstance(s[key], list) and len(s[key]) == 3:
                s[key] = s[key][::-1]
        out.append(s)
    return Chain.of(out, chain.dtype)


def _table(steps: list, dtype: str) -> np.ndarray | None:
    """(256, 3) values of the arithmetic steps on every byte value, by the kernel."""
    doc = {"pixelpact": 1, "input": {"color": "RGB"}, "steps": steps,
           "output": {"layout": "HWC", "dtype": dtype, "color": "RGB"}}
    try:
        return _compile(json.dumps(doc)).run(RAMP)[0]
    except (ValueError, RuntimeError):
        return None


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view({1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])


@dataclasses.dataclass
class Observed:
    """Per output channel: the byte values present (uint8) and the exact values
    (in the dtype the contract must output), plus float64 values for fitting."""

    present: list  # 3 arrays of byte values
    exact: list  # 3 arrays, dtype = the contract output dtype
    fit: list  # 3 float64 arrays (the serving side's values, possibly float64)
    dtype: str  # contract output dtype: float32, float16, uint8
    float64: bool = False  # the serving values are float64 arithmetic, not float32 values

    def key(self) -> tuple:
        """Identifies the observed tables (for caching the chains solved from them)."""
        return (self.dtype, self.float64) + tuple(p.tobytes() + _bits(e).tobytes()
                                                  for p, e in zip(self.present, self.exact))

    def matches(self, table: np.ndarray, k: int, steps: list | None = None) -> bool:
        """Slot k of the kernel's table equals the serving values; for float64
        serving values also the chain's float64 values (emulated, see emulate_float64)."""
        if not np.array_equal(_bits(table[self.present[k], k]), _bits(self.exact[k])):
            return False
        if self.float64:
            values = emulate_float64(Chain.of(steps, "float32"))[self.present[k], k]
            return np.array_equal(_bits(values), _bits(self.fit[k]))
        return True

    def affine(self, k: int) -> tuple | None:
        x = self.present[k].astype(np.float64)
        y = self.fit[k]
        if len(x) < 2:
            return None
        a, b = np.polyfit(x, y, 1)
        return float(a), float(b)


def snap(x: float, tol: float, scale: float = 0.0, single: bool = False) -> list:
    """Candidate operand values near x: known constants, short decimals, and (single:
    float32 operands) the nearest float32 values. Most readable first."""
    if not math.isfinite(x):
        return []
    bound = tol * max(abs(x), scale)
    out = sorted((k for k in KNOWN if abs(k - x) <= bound), key=lambda k: (len(repr(k)), abs(k - x)))
    if abs(x) <= bound:
        out.insert(0, 0.0)
    for digits in range(1, 11):
        r = float(f"{x:.{digits}g}")
        if abs(r - x) <= bound:
            out.append(r)
    neighbours = []
    if single:
        f = np.float32(x)
        for step in (0, 1, -1, 2, -2, 3, -3):
            g = f
            for _ in range(abs(step)):
                g = np.nextafter(g, np.float32(np.inf if step > 0 else -np.inf))
            neighbours.append(_short(float(g)))
    seen, unique = set(), []
    for v in out + neighbours:
        key = np.float32(v) if single else v
        if key not in seen:
            seen.add(key)
            unique.append(v)
    return unique


def _short(v: float) -> float:
    """The shortest decimal with v's float32 value."""
    return float(np.format_float_positional(np.float32(v), unique=True, trim="-"))


# Families of chains: (name, number of free operands, build(ops operands) -> [(op, values)],
# solve(a, b) -> [(value, scale)] per free operand, or None when the fit rules the family out).
def _div(a, b):
    return [(1 / a, 0.0)] if abs(b) <= 1e-6 * abs(a) * 255 else None


def _mul(a, b):
    return [(a, 0.0)] if abs(b) <= 1e-6 * abs(a) * 255 else None


def _sub(a, b):
    return [(-b, 255.0)] if abs(a - 1) <= 1e-6 else None


FAMILIES: list = [
    ("none", lambda p: [], lambda a, b: [] if abs(a - 1) <= 1e-6 and abs(b) <= 1e-4 else None),
    ("div", lambda p: [("div", p[0])], _div),
    ("mul", lambda p: [("mul", p[0])], _mul),
    ("sub", lambda p: [("sub", p[0])], _sub),
    ("div255_normalize", lambda p: [("div", 255.0), ("normalize", (p[0], p[1]))],
     lambda a, b: [(-b / (255 * a), 1.0), (1 / (255 * a), 0.0)]),
    ("normalize", lambda p: [("normalize", (p[0], p[1]))], lambda a, b: [(-b / a, 255.0), (1 / a, 0.0)]),
    ("mul255_normalize", lambda p: [("mul", 1 / 255), ("normalize", (p[0], p[1]))],
     lambda a, b: [(-b / (255 * a), 1.0), (1 / (255 * a), 0.0)]),
    ("sub_mul", lambda p: [("sub", p[0]), ("mul", p[1])], lambda a, b: [(-b / a, 255.0), (a, 0.0)]),
    ("div_sub", lambda p: [("div", p[0]), ("sub", p[1])], lambda a, b: [(1 / a, 0.0), (-b, 255 * abs(a))]),
    ("mul_sub", lambda p: [("mul", p[0]), ("sub", p[1])], lambda a, b: [(a, 0.0), (-b, 255 * abs(a))]),
    ("div255_sub_mul", lambda p: [("div", 255.0), ("sub", p[0]), ("mul", p[1])],
     lambda a, b: [(-b / (255 * a), 1.0), (255 * a, 0.0)]),
]


def _dtype_plans(n_ops: int, float64_values: bool) -> list:
    """Per-op arithmetic dtypes to try: all float32, all float64, and one cast
    between two ops (numpy promotion, Hugging Face's float64 rescale)."""
    plans = [("float32",) * n_ops, ("float64",) * n_ops]
    for cut in range(1, n_ops):
        plans.append(("float32",) * cut + ("float64",) * (n_ops - cut))
        plans.append(("float64",) * cut + ("float32",) * (n_ops - cut))
    if n_ops == 0:
        plans = [("float32",), ("float64",)]
    if float64_values:  # the serving values are float64 arithmetic: the last op ran in float64
        plans = [p for p in plans if p[-1] == "float64"]
    return plans


def build_steps(ops: list, plan: tuple) -> list:
    """[(op, values)] with per-op dtypes -> contract steps (to_float, casts, ops)."""
    if not ops:
        return [{"op": "to_float", "dtype": plan[0]}]
    steps = [{"op": "to_float", "dtype": plan[0]}]
    current = plan[0]
    for (op, values), dtype in zip(ops, plan):
        if dtype != current:
            steps.append({"op": "cast", "dtype": dtype})
            current = dtype
        steps.append(_step(op, values))
    return steps


def _operand_lists(solved: list, tol: float, plan: tuple, positions: list) -> list | None:
    lists = []
    for (value, scale), pos in zip(solved, positions):
        cands = snap(value, tol, scale, single=plan[pos] == "float32")
        if not cands:
            return None
        lists.append(cands[:8])
    return lists


def _tuples(lists: list, limit: int = 96) -> list:
    """Operand tuples, most readable first (sum of positions), at most `limit`."""
    combos = sorted(itertools.product(*[range(len(l)) for l in lists]), key=lambda t: (sum(t), t))[:limit]
    return [tuple(l[i] for l, i in zip(lists, t)) for t in combos]


def _free_positions(build: Callable, n_free: int) -> list:
    """For each free operand, the index of the op it belongs to (for its dtype)."""
    marker = [object() for _ in range(n_free)]
    ops = build(marker)
    positions = []
    for m in marker:
        for i, (_, values) in enumerate(ops):
            if values is m or (isinstance(values, tuple) and any(v is m for v in values)):
                positions.append(i)
                break
    return positions


def solve(observed: Observed, float64_values: bool, candidates_first: list, accept: Callable) -> None:
    """Offers `accept` the chains that reproduce the observed values exactly:
    those of `candidates_first` (e.g. the training chain) that do, verbatim; then
    the first family (in FAMILIES order, simplest first) whose operands, solved
    from the fit, do. Stops early when accept returns True."""
    out_dtype = observed.dtype
    if out_dtype == "uint8":
        table = _table([], "uint8")
        if table is not None and all(observed.matches(table, k) for k in range(3)):
            accept(Chain.of([], "uint8"))
        return
    for chain in candidates_first:
        if float64_values and chain.last_dtype() != "float64":
            continue
        table = _table(chain.step_dicts, out_dtype)
        if table is not None and all(observed.matches(table, k, chain.step_dicts) for k in range(3)):
            if accept(Chain.of(chain.step_dicts, out_dtype)):
                return
    fits = [observed.affine(k) for k in range(3)]
    if any(f is None or not abs(f[0]) > 1e-12 for f in fits):
        return  # fewer than two byte values, or a constant: no operand can be read from it
    tol = TOLERANCE["float64" if float64_values else out_dtype]
    for name, build, solver in FAMILIES:
        solved = [solver(a, b) for a, b in fits]
        if any(s is None for s in solved):
            continue
        n_free = len(solved[0])
        n_ops = len(build([0.0] * n_free)) if n_free else 0
        positions = _free_positions(build, n_free)
        for plan in _dtype_plans(n_ops, float64_values):
            chain = _verify_family(observed, build, solved, plan, positions, tol, out_dtype)
            if chain is not None:
                accept(chain)
                return


def _verify_family(observed: Observed, build, solved, plan, positions, tol, out_dtype) -> Chain | None:
    per_slot = []
    for k in range(3):
        lists = _operand_lists(solved[k], tol, plan, positions)
        if lists is None:
            return None
        per_slot.append(_tuples(lists))
    chosen: list = [None, None, None]
    for j in range(max(len(t) for t in per_slot)):
        operands = [t[min(j, len(t) - 1)] for t in per_slot]
        steps = build_steps(_merge(build, operands), plan)
        table = _table(steps, out_dtype)
        if table is None:
            return None
        for k in range(3):
            if chosen[k] is None and j < len(per_slot[k]) and observed.matches(table, k, steps):
                chosen[k] = operands[k]
        if all(c is not None for c in chosen):
            steps = build_steps(_merge(build, chosen), plan)
            table = _table(steps, out_dtype)
            if table is not None and all(observed.matches(table, k, steps) for k in range(3)):
                return Chain.of(steps, out_dtype)
            return None
    return None


def _merge(build, operands: list) -> list:
    """Per-slot operand tuples -> [(op, per-channel values)] of the family."""
    per_slot = [build(list(o)) for o in operands]
    ops = []
    for i, (op, _) in enumerate(per_slot[0]):
        if op == "normalize":
            mean = tuple(float(per_slot[k][i][1][0]) for k in range(3))
            std = tuple(float(per_slot[k][i][1][1]) for k in range(3))
            ops.append((op, (mean, std)))
        else:
            ops.append((op, tuple(float(per_slot[k][i][1]) for k in range(3))))
    return ops


def emulate_float64(chain: Chain) -> np.ndarray:
    """(256, 3) float64 values of a chain whose last op runs in float64, on every
    byte value: IEEE double, the kernel's own arithmetic before its output rounding
    to float32. Used only to compare with a float64 serving tensor, which a
    contract cannot output."""
    x = np.arange(256, dtype=np.float64)
    out = np.empty((256, 3))
    for k in range(3):
        y = x.copy()
        dtype = np.float64
        for s in chain.step_dicts:
            if s["op"] in ("to_float", "cast"):
                dtype = np.float32 if s["dtype"] == "float32" else np.float64
                y = y.astype(dtype)
            elif s["op"] == "normalize":
                y = (y - dtype(_three(s["mean"])[k])) / dtype(_three(s["std"])[k])
            else:
                v = dtype(_three(s["value"])[k])
                y = {"add": y + v, "sub": y - v, "mul": y * v, "div": y / v}[s["op"]]
        out[:, k] = y.astype(np.float64)
    return out
