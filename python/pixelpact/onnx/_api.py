"""export, attach, stamp, contract_of, check: the public functions of pixelpact.onnx."""
from __future__ import annotations

import json
import os
from typing import Optional, Union

import onnx
from onnx import ModelProto, TensorProto, compose, helper

from .. import _pipeline
from .._contract import ContractError, ContractSource
from . import _lint
from ._build import build_graph

KEY = "pixelpact."
CONTRACT, FINGERPRINT, NAME, VERSION = "pixelpact.contract", "pixelpact.fingerprint", "pixelpact.name", \
    "pixelpact.version"
PREPROCESSING, EXACTNESS, ERROR_BOUND, INPUT = "pixelpact.preprocessing", "pixelpact.exactness", \
    "pixelpact.error_bound", "pixelpact.input"
DEFAULT_OPSET = 17
ModelSource = Union[ModelProto, str, bytes, os.PathLike]


class Inexpressible(ValueError):
    """The contract cannot be exported exactly. ``findings`` lists every refused
    part (JSON Pointer, what, exactness class, reason)."""

    def __init__(self, findings: list):
        self.findings = findings
        lines = "\n".join(f"  {f}" for f in findings)
        super().__init__(f"cannot export exactly:\n{lines}")


class StampError(ValueError):
    """A model has no valid pixelpact stamp, or not the one expected."""


def _load_model(model: ModelSource) -> ModelProto:
    if isinstance(model, ModelProto):
        return model
    if isinstance(model, bytes):
        return onnx.load_from_string(model)
    return onnx.load(os.fspath(model))


def _document(contract: ContractSource) -> tuple:
    """(validated user document, pixelpact Pipeline)."""
    pipe = _pipeline.Pipeline(contract)
    return pipe.contract, pipe


def _check_fixed_size(fixed_size) -> Optional[tuple]:
    if fixed_size is None:
        return None
    try:
        h, w = (int(v) for v in fixed_size)
    except (TypeError, ValueError):
        raise ValueError(f"fixed_size must be (height, width), got {fixed_size!r}") from None
    if not (1 <= h <= 1 << 20 and 1 <= w <= 1 << 20):
        raise ValueError(f"fixed_size sides must be 1..1048576, got {h}x{w}")
    return h, w


def explain(contract: ContractSource, *, fixed_size=None, opset: Optional[int] = None) -> list:
    """Per part of the contract (input, each step, output): exact,
    exact-in-practice, approximate or impossible, and why (a list of Finding)."""
    doc, _ = _document(contract)
    return _lint.explain(doc, _check_fixed_size(fixed_size), opset or DEFAULT_OPSET)


def export(contract: ContractSource, *, fixed_size=None, opset: Optional[int] = None,
           allow_approximate: bool = False, ir_version: Optional[int] = None, _prefix: str = "pp_") -> ModelProto:
    """The contract as an ONNX model of standard operators: input ``image`` (uint8,
    [H, W, C], C the input colour's channels; H and W dynamic unless ``fixed_size``
    = (height, width)), output ``tensor`` (the contract's layout and dtype). Stamped
    with the canonical contract and its fingerprint.

    Raises Inexpressible for parts that cannot be exact (approximate parts are
    exported with ``allow_approximate``, and their measured error bound stamped)."""
    doc, pipe = _document(contract)
    fixed = _check_fixed_size(fixed_size)
    opset = int(opset or DEFAULT_OPSET)
    if opset > onnx.defs.onnx_opset_version():
        raise ValueError(f"opset {opset} is newer than this onnx package supports "
                         f"({onnx.defs.onnx_opset_version()})")
    findings = _lint.explain(doc, fixed, opset)
    refused = [f for f in findings if f.status == _lint.IMPOSSIBLE or
               (f.status == _lint.APPROXIMATE and not allow_approximate)]
    if refused:
        raise Inexpressible(refused)
    canonical = json.loads(pipe.canonical_json)
    graph, _ = build_graph(canonical, fixed, opset, name=f"pixelpact_{pipe.fingerprint[:12]}", prefix=_prefix)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="pixelpact", producer_version=_version())
    if ir_version is not None:
        model.ir_version = ir_version
    model.doc_string = (f"pixelpact contract {pipe.name or pipe.fingerprint[:12]}: uint8 image [H, W, C] -> "
                        f"{doc['output']['layout']} {doc['output']['dtype']} tensor")
    exactness = _lint.worst(findings)
    props = {PREPROCESSING: "baked", EXACTNESS: exactness,
             INPUT: f"image: uint8 [height, width, {_channels(doc)}] {doc['input']['color']}"}
    if exactness == _lint.APPROXIMATE:
        from ._measure import measure_bound
        props[ERROR_BOUND] = json.dumps(measure_bound(model, canonical), sort_keys=True)
    _stamp(model, pipe, props)
    onnx.checker.check_model(model)
    return model


def _channels(doc: dict) -> int:
    return {"RGB": 3, "BGR": 3, "RGBA": 4, "BGRA": 4, "GRAY": 1}[doc["input"]["color"]]


def _version() -> str:
    from .. import __version__
    return __version__


def _stamp(model: ModelProto, pipe, extra: dict) -> None:
    props = {CONTRACT: pipe.canonical_json, FINGERPRINT: pipe.fingerprint, VERSION: _version(), **extra}
    if pipe.name:
        props[NAME] = pipe.name
    kept = [p for p in model.metadata_props if not p.key.startswith(KEY)]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    for key in sorted(props):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, props[key]


def stamp(model: ModelSource, contract: ContractSource) -> ModelProto:
    """A copy of ``model`` carrying the canonical contract and its fingerprint in
    ``metadata_props``, without the preprocessing baked in: for teams who
    preprocess outside the model (any previous pixelpact stamp is replaced)."""
    out = ModelProto()
    out.CopyFrom(_load_model(model))
    _, pipe = _document(contract)
    _stamp(out, pipe, {PREPROCESSING: "none"})
    return out


def _metadata(model: ModelProto) -> dict:
    return {p.key: p.value for p in model.metadata_props}


def contract_of(model: ModelSource) -> dict:
    """The contract stamped into a model (its canonical form, as a dict), after
    checking that it is a valid contract whose fingerprint is the stamped one.
    Raises StampError otherwise."""
    meta = _metadata(_load_model(model))
    if CONTRACT not in meta or FINGERPRINT not in meta:
        raise StampError("the model carries no pixelpact contract (no 'pixelpact.contract' / "
                         "'pixelpact.fingerprint' in its metadata_props): export, attach or stamp it first")
    try:
        pipe = _pipeline.Pipeline(meta[CONTRACT])
    except (ContractError, ValueError) as err:
        raise StampError(f"the stamped contract is not valid: {err}") from None
    if pipe.fingerprint != meta[FINGERPRINT]:
        raise StampError(f"the stamp is inconsistent: the stamped contract's fingerprint is {pipe.fingerprint}, "
                         f"the model says {meta[FINGERPRINT]} (edited after stamping?)")
    return json.loads(pipe.canonical_json)


def check(model: ModelSource, contract: Optional[ContractSource] = None) -> dict:
    """Verifies a model's stamp and, given a contract, that it is the same
    contract (same fingerprint). Returns the stamp's metadata; raises StampError
    with the reason otherwise."""
    m = _load_model(model)
    contract_of(m)
    meta = {k: v for k, v in _metadata(m).items() if k.startswith(KEY)}
    if contract is not None:
        try:
            expected = _pipeline.Pipeline(contract)
        except ContractError as err:
            raise StampError(f"the contract to compare with is not valid: {err}") from None
        if expected.fingerprint != meta[FINGERPRINT]:
            raise StampError(
                f"different preprocessing: the model was stamped with contract {meta[FINGERPRINT]}"
                f"{' (' + meta[NAME] + ')' if NAME in meta else ''}, the given contract is "
                f"{expected.fingerprint}{' (' + expected.name + ')' if expected.name else ''}")
    return meta


def attach(model: ModelSource, contract: ContractSource, *, fixed_size=None,
           allow_approximate: bool = False) -> ModelProto:
    """``model`` with the contract's preprocessing in front (onnx.compose): the
    result takes the raw uint8 image. The model must have exactly one graph input
    whose dtype and shape (rank, static dimensions) fit the contract's tensor."""
    m = _load_model(model)
    doc, pipe = _document(contract)
    inputs = [i for i in m.graph.input if i.name not in {t.name for t in m.graph.initializer}]
    if len(inputs) != 1:
        raise ValueError(f"attach needs a model with exactly one input, this one has {len(inputs)}: "
                         f"{[i.name for i in inputs]}")
    target = inputs[0]
    opset = next((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), None)
    if opset is None:
        raise ValueError("the model imports no default-domain ONNX opset")
    if opset < _lint.MIN_OPSET:
        raise ValueError(f"the model uses opset {opset}; the preprocessing needs {_lint.MIN_OPSET} or later "
                         f"(upgrade it with onnx.version_converter.convert_version)")
    names = _names(m.graph)
    prefix = "pixelpact_"
    while any(n.startswith(prefix) for n in names):
        prefix = "_" + prefix
    pre = export(doc, fixed_size=fixed_size, opset=opset, allow_approximate=allow_approximate,
                 ir_version=m.ir_version, _prefix=prefix)
    _check_input(target, pre.graph.output[0], doc)
    m_copy = ModelProto()
    m_copy.CopyFrom(m)
    if "image" in names:  # the merged model's input is "image": the model's own name moves aside
        _rename(m_copy.graph, "image", prefix + "model_image")
        target = next(i for i in m_copy.graph.input if i.name == prefix + "model_image") \
            if target.name == "image" else target
    _rename(pre.graph, "tensor", prefix + "tensor")
    merged = compose.merge_models(pre, m_copy, io_map=[(prefix + "tensor", target.name)],
                                  doc_string=m.doc_string, producer_name=m.producer_name,
                                  producer_version=m.producer_version, domain=m.domain,
                                  model_version=m.model_version)
    props = {p.key: p.value for p in pre.metadata_props}
    del merged.metadata_props[:]
    merged.metadata_props.extend(p for p in m.metadata_props if not p.key.startswith(KEY))
    for key in sorted(props):
        entry = merged.metadata_props.add()
        entry.key, entry.value = key, props[key]
    onnx.checker.check_model(merged)
    return merged


def _names(graph) -> set:
    """Every tensor name a graph and its subgraphs use."""
    out = {v.name for v in list(graph.input) + list(graph.output) + list(graph.value_info)}
    out |= {t.name for t in graph.initializer}
    for node in graph.node:
        out |= set(node.input) | set(node.output)
        for attr in node.attribute:
            for g in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                out |= _names(g)
    out.discard("")
    return out


def _rename(graph, old: str, new: str) -> None:
    """Renames a tensor everywhere in a graph, subgraphs included."""
    for v in list(graph.input) + list(graph.output) + list(graph.value_info):
        if v.name == old:
            v.name = new
    for t in graph.initializer:
        if t.name == old:
            t.name = new
    for node in graph.node:
        for i, n in enumerate(node.input):
            if n == old:
                node.input[i] = new
        for i, n in enumerate(node.output):
            if n == old:
                node.output[i] = new
        for attr in node.attribute:
            for g in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                _rename(g, old, new)


def _dims(value_info) -> list:
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in t.shape.dim]


def _check_input(target, produced, doc: dict) -> None:
    want = target.type.tensor_type.elem_type
    have = produced.type.tensor_type.elem_type
    if want != have:
        raise ValueError(f"the model's input {target.name!r} is {TensorProto.DataType.Name(want).lower()}, "
                         f"the contract outputs {doc['output']['dtype']}")
    model_dims, ours = _dims(target), _dims(produced)
    if model_dims is None:
        return
    layout = doc["output"]["layout"]
    if len(model_dims) != len(ours):
        raise ValueError(f"the model's input {target.name!r} has rank {len(model_dims)} ({model_dims}), the "
                         f"contract's {layout} tensor has rank {len(ours)}")
    for axis, (m, o) in enumerate(zip(model_dims, ours)):
        if isinstance(m, int) and m > 0:
            if isinstance(o, int) and o != m:
                raise ValueError(f"the model's input {target.name!r} wants {model_dims}, the contract produces "
                                 f"{ours} ({layout}): dimension {axis} differs")
            if not isinstance(o, int):
                raise ValueError(f"the model's input {target.name!r} wants {model_dims}; the contract's tensor "
                                 f"size depends on the image ({ours}): end the contract with a fixed size "
                                 f"(e.g. center_crop) or export with a fixed input size")

