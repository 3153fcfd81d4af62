"""A small ONNX graph builder that folds constants exactly.

Every value is a ``V``: either a numpy constant or a tensor of the graph being
built. An operation on constants only is evaluated here, in numpy, with the
operator's ONNX semantics (IEEE float32/float64 arithmetic, integer division
truncating toward zero, ``Round`` half to even, ``Sin``/``Cos`` through the C
library as the reference libraries call them); otherwise a node is emitted. So
the same code builds a graph for any image size (sizes are graph tensors) and,
with a fixed size, a graph whose size-dependent tables (indices, weights) are
initializers computed at export time with exactly the operations the graph would
have run.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

import numpy as np
from onnx import TensorProto, helper, numpy_helper

ELEM = {
    np.dtype(np.bool_): TensorProto.BOOL,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.int16): TensorProto.INT16,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.float16): TensorProto.FLOAT16,
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.float64): TensorProto.DOUBLE,
}

F32, F64, I64, I32, U8, BOOL = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64),
                               np.dtype(np.int32), np.dtype(np.uint8), np.dtype(np.bool_))

# Loops with a known trip count up to this many iterations are unrolled.
UNROLL_LIMIT = 64


class V:
    """A value: a numpy constant (``value``) or a graph tensor (``name``)."""

    __slots__ = ("b", "dtype", "name", "value")

    def __init__(self, b: "Builder", dtype, name: Optional[str] = None, value: Optional[np.ndarray] = None):
        self.b, self.dtype, self.name, self.value = b, np.dtype(dtype), name, value

    @property
    def const(self) -> bool:
        return self.value is not None

    def __repr__(self) -> str:
        return f"V({self.dtype}, {self.value!r})" if self.const else f"V({self.dtype}, {self.name})"

    # Arithmetic in the operands' dtype, emitted into the graph being built (the
    # branch or loop body under construction, see Builder.building).
    def __add__(self, o): return _current(self).add(self, o)
    def __radd__(self, o): return _current(self).add(o, self)
    def __sub__(self, o): return _current(self).sub(self, o)
    def __rsub__(self, o): return _current(self).sub(o, self)
    def __mul__(self, o): return _current(self).mul(self, o)
    def __rmul__(self, o): return _current(self).mul(o, self)
    def __truediv__(self, o): return _current(self).div(self, o)
    def __rtruediv__(self, o): return _current(self).div(o, self)
    def __neg__(self): return _current(self).neg(self)
    def __lt__(self, o): return _current(self).less(self, o)
    def __le__(self, o): return _current(self).less_equal(self, o)
    def __gt__(self, o): return _current(self).less(o, self)
    def __ge__(self, o): return _current(self).less_equal(o, self)
    def __and__(self, o): return _current(self).and_(self, o)
    def __or__(self, o): return _current(self).or_(self, o)
    def __invert__(self): return _current(self).not_(self)
    def eq(self, o): return _current(self).equal(self, o)
    def ne(self, o): return _current(self).not_(_current(self).equal(self, o))


_BUILDING: list = []  # builders under construction, innermost last


def _current(v: V) -> "Builder":
    return _BUILDING[-1] if _BUILDING else v.b


def _trunc_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """C++ integer division (toward zero), as ONNX Div on integers in onnxruntime."""
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (b < 0), -q, q).astype(np.result_type(a, b))


def _libm(fn):
    """A C library function applied elementwise (glibc's sin and cos, as Pillow,
    torch and OpenCV call them; numpy's own vectorized sin may differ in the last bit)."""
    def apply(x):
        flat = [fn(float(v)) for v in np.asarray(x, dtype=np.float64).ravel()]
        return np.asarray(flat, dtype=np.float64).reshape(np.shape(x)).astype(x.dtype)
    return apply


class Builder:
    """Collects nodes; ``root`` holds the initializers and the name counter."""

    def __init__(self, opset: int, parent: Optional["Builder"] = None, prefix: str = "pp_"):
        self.opset = opset
        self.prefix = parent.prefix if parent else prefix
        self.parent = parent
        self.root: Builder = parent.root if parent else self
        self.nodes: list = []
        if parent is None:
            self.runtime_ones: dict = {}
            self.data_zero = None
            self.initializers: list = []
            self._constants: dict = {}
            self._count = 0

    def building(self):
        """Context in which V operators emit into this builder."""
        builder = self

        class _Scope:
            def __enter__(self):
                _BUILDING.append(builder)
                return builder

            def __exit__(self, *exc):
                _BUILDING.pop()
        return _Scope()

    # ---- naming and emission --------------------------------------------------
    def fresh(self, hint: str = "t") -> str:
        self.root._count += 1
        return f"{self.prefix}{hint}{self.root._count}"

    def name(self, v: V) -> str:
        if not v.const:
            return v.name
        arr = np.array(v.value, order="C")  # (ascontiguousarray would make a scalar 1-D)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        root = self.root
        if key not in root._constants:
            name = root.fresh("c")
            root.initializers.append(numpy_helper.from_array(arr, name))
            root._constants[key] = name
        return root._constants[key]

    def emit(self, op: str, inputs: Sequence, dtypes, domain: str = "", **attrs):
        """A node with outputs of the given dtype(s); returns V or a tuple of V."""
        single = not isinstance(dtypes, (list, tuple))
        dtypes = [dtypes] if single else list(dtypes)
        outs = [self.fresh() for _ in dtypes]
        names = ["" if i is None else self.name(i) for i in inputs]
        self.nodes.append(helper.make_node(op, names, outs, domain=domain, **attrs))
        vals = [V(self, d, name=n) for d, n in zip(dtypes, outs)]
        return vals[0] if single else tuple(vals)

    def c(self, value, dtype) -> V:
        return V(self, dtype, value=np.asarray(value, dtype=dtype))

    def _v(self, x, like: Optional[V] = None) -> V:
        if isinstance(x, V):
            return x
        if like is None:
            raise TypeError(f"cannot infer the dtype of {x!r}")
        return self.c(x, like.dtype)

    def _unary(self, op: str, fn: Callable, x: V, dtype=None, **attrs) -> V:
        dtype = np.dtype(dtype or x.dtype)
        if x.const:
            return self.c(fn(x.value), dtype)
        return self.emit(op, [x], dtype, **attrs)

    def _binary(self, op: str, fn: Callable, a, b, dtype=None) -> V:
        a = self._v(a, b if isinstance(b, V) else None)
        b = self._v(b, a)
        if a.dtype != b.dtype:
            raise TypeError(f"{op}: {a.dtype} and {b.dtype}")
        dtype = np.dtype(dtype or a.dtype)
        if a.const and b.const:
            with np.errstate(all="ignore"):
                return self.c(fn(a.value, b.value), dtype)
        return self.emit(op, [a, b], dtype)

    # ---- elementwise ------------------------------------------------------------
    def add(self, a, b): return self._binary("Add", np.add, a, b)
    def sub(self, a, b): return self._binary("Sub", np.subtract, a, b)
    def mul(self, a, b): return self._binary("Mul", np.multiply, a, b)

    def div(self, a, b):
        a = self._v(a, b if isinstance(b, V) else None)
        fn = np.divide if a.dtype.kind == "f" else _trunc_div
        return self._binary("Div", fn, a, b)

    def mod(self, a, b):
        """Python's a % b for integers (the sign of the divisor)."""
        a = self._v(a, b if isinstance(b, V) else None)
        b = self._v(b, a)
        if a.const and b.const:
            return self.c(np.mod(a.value, b.value), a.dtype)
        return self.emit("Mod", [a, b], a.dtype, fmod=0)

    def minimum(self, a, b): return self._binary("Min", np.minimum, a, b)
    def maximum(self, a, b): return self._binary("Max", np.maximum, a, b)
    def clip(self, x, lo, hi): return self.minimum(self.maximum(x, lo), hi)
    def less(self, a, b): return self._binary("Less", np.less, a, b, BOOL)
    def less_equal(self, a, b): return self._binary("LessOrEqual", np.less_equal, a, b, BOOL)
    def equal(self, a, b): return self._binary("Equal", np.equal, a, b, BOOL)
    def and_(self, a, b): return self._binary("And", np.logical_and, a, b)
    def or_(self, a, b): return self._binary("Or", np.logical_or, a, b)
    def not_(self, x): return self._unary("Not", np.logical_not, x)
    def neg(self, x): return self._unary("Neg", np.negative, x)
    def abs(self, x): return self._unary("Abs", np.abs, x)
    def floor(self, x): return self._unary("Floor", np.floor, x)
    def ceil(self, x): return self._unary("Ceil", np.ceil, x)
    def round_even(self, x): return self._unary("Round", np.rint, x)
    def sin(self, x): return self._unary("Sin", _libm(math.sin), x)
    def cos(self, x): return self._unary("Cos", _libm(math.cos), x)

    def reciprocal(self, x: V) -> V:
        """1 / x, as a true division whose result may then be multiplied: the 1 is
        a run-time value, so onnxruntime's DivMulFusion (which rewrites
        (1 / x) * y as y / x, a different rounding) cannot match it."""
        if x.const:
            return self.c(1, x.dtype) / x
        one = self.root.runtime_ones.get(x.dtype)
        if one is None:
            raise RuntimeError("set_runtime_one() first")
        return self.div(one, x)

    def set_runtime_one(self, seed: V) -> None:
        """Ones computed from ``seed`` (an int64 scalar known only at run time),
        one per float dtype, in the root graph."""
        root = self.root
        positive = root.less(root.c(-1, I64), seed) if not seed.const else None
        root.runtime_ones = {}
        for dtype in (F32, F64):
            root.runtime_ones[dtype] = root.c(1, dtype) if positive is None else root.cast(positive, dtype)

    def trunc(self, x):
        """Toward zero, as a C cast of a float to an integer."""
        return self.where(x < self.c(0, x.dtype), self.ceil(x), self.floor(x))

    def cast(self, x: V, dtype) -> V:
        dtype = np.dtype(dtype)
        if x.dtype == dtype:
            return x
        if x.const:
            with np.errstate(all="ignore"):
                return self.c(x.value.astype(dtype), dtype)
        return self.emit("Cast", [x], dtype, to=ELEM[dtype])

    def where(self, cond: V, a, b) -> V:
        a = self._v(a, b if isinstance(b, V) else None)
        b = self._v(b, a)
        if a.dtype != b.dtype:
            raise TypeError(f"Where: {a.dtype} and {b.dtype}")
        if cond.const and a.const and b.const:
            return self.c(np.where(cond.value, a.value, b.value), a.dtype)
        if cond.const and cond.value.ndim == 0:  # a constant choice between two values
            picked = a if bool(cond.value) else b
            return picked
        return self.emit("Where", [cond, a, b], a.dtype)

    # ---- shapes and indexing ------------------------------------------------------
    def shape(self, x: V) -> V:
        return self.emit("Shape", [x], I64)

    def vec(self, *items) -> V:
        """A 1-D int64 tensor of scalars (V or int)."""
        vs = [self._v(i, self.c(0, I64)) if not isinstance(i, V) else i for i in items]
        if all(v.const for v in vs):
            return self.c(np.array([int(v.value) for v in vs]), I64)
        return self.concat([self.unsqueeze(v, [0]) for v in vs], 0)

    def concat(self, xs: Sequence[V], axis: int) -> V:
        if all(x.const for x in xs):
            return self.c(np.concatenate([x.value for x in xs], axis=axis), xs[0].dtype)
        return self.emit("Concat", list(xs), xs[0].dtype, axis=axis)

    def unsqueeze(self, x: V, axes: Sequence[int]) -> V:
        if x.const:
            return self.c(np.expand_dims(x.value, tuple(axes)), x.dtype)
        return self.emit("Unsqueeze", [x, self.c(list(axes), I64)], x.dtype)

    def squeeze(self, x: V, axes: Sequence[int]) -> V:
        if x.const:
            return self.c(np.squeeze(x.value, tuple(axes)), x.dtype)
        return self.emit("Squeeze", [x, self.c(list(axes), I64)], x.dtype)

    def reshape(self, x: V, shape: V) -> V:
        if x.const and shape.const:
            return self.c(x.value.reshape(shape.value), x.dtype)
        return self.emit("Reshape", [x, shape], x.dtype)

    def fence(self, x: V) -> V:
        """x unchanged, behind a Reshape to its own (run-time) shape: onnxruntime's
        transpose optimizer cannot move a Transpose across it. Without it the
        optimizer merges HWC -> CHW -> CWH into one HWC -> WHC transpose, which
        onnxruntime runs ~15x slower for uint8 than the two it replaces."""
        if x.const:
            return x
        zero = self.root.data_zero
        if zero is None:
            raise RuntimeError("set_data_zero() first")
        # shape + 0, the 0 computed from the image: onnxruntime cannot fold it away
        # even when the input shape is static.
        return self.emit("Reshape", [x, self.add(self.shape(x), zero)], x.dtype)

    def set_data_zero(self, image: V) -> None:
        """A run-time int64 zero [1] computed from the image's first byte (v - v)."""
        first = self.cast(self.reshape(self.slice(image, [self.c(0, I64)] * 3, [self.c(1, I64)] * 3, [0, 1, 2]),
                                       self.c([1], I64)), I64)
        self.root.data_zero = first - first

    def transpose(self, x: V, perm: Sequence[int]) -> V:
        if x.const:
            return self.c(np.transpose(x.value, perm), x.dtype)
        return self.emit("Transpose", [x], x.dtype, perm=list(perm))

    def gather(self, x: V, idx: V, axis: int) -> V:
        if x.const and idx.const:
            return self.c(np.take(x.value, idx.value, axis=axis), x.dtype)
        return self.emit("Gather", [x, idx], x.dtype, axis=axis)

    def gather_last(self, x: V, idx: V, rank: int) -> V:
        """np.take(x, idx, axis=-1) for x of the given rank, as GatherElements on an
        expanded index (onnxruntime's Gather copies element by element when the
        gathered axis is the last one, GatherElements is several times faster)."""
        if x.const and idx.const:
            return self.c(np.take(x.value, idx.value, axis=-1), x.dtype)
        lead = self.slice(self.shape(x), [self.c(0, I64)], [self.c(rank - 1, I64)], [0])
        flat = self.reshape(idx, self.c([-1], I64))
        n = self.shape(flat)
        index = self.expand(self.reshape(flat, self.concat([self.c([1] * (rank - 1), I64), n], 0)),
                            self.concat([lead, n], 0))
        out = self.emit("GatherElements", [x, index], x.dtype, axis=rank - 1)
        idx_shape = self.shape(idx) if not idx.const else self.c(list(idx.value.shape), I64)
        return self.reshape(out, self.concat([lead, idx_shape], 0))

    def gather_elements(self, x: V, idx: V, axis: int) -> V:
        if x.const and idx.const:
            return self.c(np.take_along_axis(x.value, idx.value, axis=axis), x.dtype)
        return self.emit("GatherElements", [x, idx], x.dtype, axis=axis)

    def slice(self, x: V, starts, ends, axes: Sequence[int]) -> V:
        starts, ends = self.vec(*starts), self.vec(*ends)
        if x.const and starts.const and ends.const:
            index = [slice(None)] * x.value.ndim
            for a, s, e in zip(axes, starts.value, ends.value):
                index[a] = slice(int(s), int(e))
            return self.c(x.value[tuple(index)], x.dtype)
        return self.emit("Slice", [x, starts, ends, self.c(list(axes), I64)], x.dtype)

    def pad(self, x: V, pads: V, value: V) -> V:
        """Constant padding; pads = [begin of each axis..., end of each axis...]."""
        if x.const and pads.const:
            n = x.value.ndim
            widths = [(int(pads.value[i]), int(pads.value[i + n])) for i in range(n)]
            return self.c(np.pad(x.value, widths, constant_values=value.value), x.dtype)
        return self.emit("Pad", [x, pads, value], x.dtype, mode="constant")

    def range(self, start: V, limit: V) -> V:
        start, limit = self._v(start, self.c(0, I64)), self._v(limit, self.c(0, I64))
        if start.const and limit.const:
            return self.c(np.arange(int(start.value), int(limit.value)), I64)
        return self.emit("Range", [start, limit, self.c(1, I64)], I64)

    def expand(self, x: V, shape: V) -> V:
        if x.const and shape.const:
            return self.c(np.broadcast_to(x.value, tuple(shape.value)).copy(), x.dtype)
        return self.emit("Expand", [x, shape], x.dtype)

    def cumsum(self, x: V, axis: int) -> V:
        """Running sums along an axis, each the previous sum plus the next element
        (onnxruntime sums sequentially; the constant path does too)."""
        if x.const:
            out = np.empty_like(x.value)
            moved, dst = np.moveaxis(x.value, axis, 0), np.moveaxis(out, axis, 0)
            acc = None
            for i in range(moved.shape[0]):
                acc = moved[i].copy() if acc is None else (acc + moved[i]).astype(x.dtype)
                dst[i] = acc
            return self.c(out, x.dtype)
        return self.emit("CumSum", [x, self.c(axis, I64)], x.dtype)

    def reduce(self, op: str, x: V, axes: Sequence[int], keepdims: bool = False) -> V:
        """ReduceMax / ReduceMin / ReduceSum (integers only for sums: exact in any order)."""
        fn = {"ReduceMax": np.max, "ReduceMin": np.min, "ReduceSum": np.sum}[op]
        if op == "ReduceSum" and x.dtype.kind == "f":
            raise TypeError("float sums must keep an order: use cumsum")
        if x.const:
            return self.c(fn(x.value, axis=tuple(axes), keepdims=keepdims), x.dtype)
        if op == "ReduceSum" or self.opset >= 18:
            return self.emit(op, [x, self.c(list(axes), I64)], x.dtype, keepdims=int(keepdims))
        return self.emit(op, [x], x.dtype, axes=list(axes), keepdims=int(keepdims))

    def argmax_first(self, x: V, axis: int) -> V:
        """Index of the first maximum along an axis (int64, axis removed)."""
        if x.const:
            return self.c(np.argmax(x.value, axis=axis), I64)
        return self.emit("ArgMax", [x], I64, axis=axis, keepdims=0, select_last_index=0)

    def matmul(self, a: V, b: V) -> V:
        if a.dtype != b.dtype:
            raise TypeError(f"MatMul: {a.dtype} and {b.dtype}")
        if a.const and b.const:
            return self.c(np.matmul(a.value, b.value), a.dtype)
        return self.emit("MatMul", [a, b], a.dtype)

    # ---- control flow ------------------------------------------------------------------
    def cond(self, c: V, then_fn: Callable[["Builder"], Sequence[V]],
             else_fn: Callable[["Builder"], Sequence[V]]) -> list:
        """If: both branches return values of the same dtypes. A constant condition
        builds only the branch it selects."""
        if c.const:
            return list((then_fn if bool(c.value) else else_fn)(self))
        branches = []
        for fn in (then_fn, else_fn):
            sub = Builder(self.opset, parent=self)
            with sub.building():
                outs = list(fn(sub))
            names = []
            for v in outs:  # a branch output must be produced inside the branch
                names.append(sub.emit("Identity", [v], v.dtype).name)
            graph = helper.make_graph(sub.nodes, self.fresh("branch"), [],
                                      [helper.make_tensor_value_info(n, ELEM[v.dtype], None)
                                       for n, v in zip(names, outs)])
            branches.append((graph, [v.dtype for v in outs]))
        (then_g, dtypes), (else_g, dtypes2) = branches
        if dtypes != dtypes2:
            raise TypeError(f"If branches differ in dtypes: {dtypes} and {dtypes2}")
        out = self.emit("If", [c], dtypes, then_branch=then_g, else_branch=else_g)
        return list(out)

    def loop(self, trips: V, state: Sequence[V], body: Callable[["Builder", V, list], Sequence[V]]) -> list:
        """``for i in range(trips): state = body(builder, i, state)``. Unrolled when
        the trip count is a small constant, else an ONNX Loop."""
        state = list(state)
        if trips.const and int(trips.value) <= UNROLL_LIMIT:
            for i in range(int(trips.value)):
                state = list(body(self, self.c(i, I64), state))
            return state
        sub = Builder(self.opset, parent=self)
        i_name, cond_name = sub.fresh("iter"), sub.fresh("cond")
        inner = [V(sub, s.dtype, name=sub.fresh("state")) for s in state]
        with sub.building():
            new = list(body(sub, V(sub, I64, name=i_name), inner))
        cond_out = sub.emit("Identity", [V(sub, BOOL, name=cond_name)], BOOL)
        outs = [sub.emit("Identity", [v], v.dtype) for v in new]
        graph = helper.make_graph(
            sub.nodes, self.fresh("loop"),
            [helper.make_tensor_value_info(i_name, TensorProto.INT64, []),
             helper.make_tensor_value_info(cond_name, TensorProto.BOOL, [])]
            + [helper.make_tensor_value_info(v.name, ELEM[v.dtype], None) for v in inner],
            [helper.make_tensor_value_info(cond_out.name, TensorProto.BOOL, [])]
            + [helper.make_tensor_value_info(v.name, ELEM[v.dtype], None) for v in outs])
        result = self.emit("Loop", [trips, self.c(True, BOOL)] + state, [s.dtype for s in state], body=graph)
        return list(result) if isinstance(result, tuple) else [result]
