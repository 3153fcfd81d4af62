"""The inexpressibility linter: for every part of a contract, whether its ONNX
graph reproduces the contract exactly, and why.

- exact: proven. Integer arithmetic (exact in float64: every value an integer
  below 2^53), float32/float64 operations ONNX has with IEEE semantics, tables
  computed by pixelpact's core, and torch's fused multiply-adds computed exactly
  (see _torch_float.fma32).
- exact-in-practice: the weights call Sin/Cos, which onnxruntime computes with its
  own double-precision approximation (about 1 ulp from the C library's). Rounding
  the weights to fixed point absorbs that except when a weight lies within about
  1e-16 of a rounding boundary; measured identical on every weight in
  docs/onnx.md's sweep, not proven. With a fixed input size the weights are
  computed at export time with the C library's sin and cos: exact.
- approximate: exportable only with ``allow_approximate``; the measured error
  bound is written into the model.
- impossible: refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

EXACT, IN_PRACTICE, APPROXIMATE, IMPOSSIBLE = "exact", "exact-in-practice", "approximate", "impossible"
ORDER = [EXACT, IN_PRACTICE, APPROXIMATE, IMPOSSIBLE]
MIN_OPSET = 13

SIN = ("the weights call Sin/Cos: onnxruntime's double Sin and Cos are not the C library's (about 1 ulp "
       "apart); rounding the weights to {bits} absorbs that unless a weight lies within ~1e-16 of a "
       "rounding boundary (measured identical, see docs/onnx.md; not proven). Export with a fixed size "
       "to compute the weights at export time with the C library: exact")


@dataclass(frozen=True)
class Finding:
    """One part of a contract: its JSON Pointer, what it is, the exactness class
    and the reason."""

    path: str
    what: str
    status: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.what}: {self.status}: {self.reason}"


def worst(findings) -> str:
    return max((f.status for f in findings), key=ORDER.index, default=EXACT)


# The resize engines this package translates (one module each: _pillow.py, _torch.py
# and _torch_float.py, _opencv.py; _build.py dispatches), with why each is exact. A
# contract with another engine is refused by name, never exported approximately.
ENGINES = {
    "pillow": "Pillow's double weights in its operation order, 22-bit fixed point, uint8 between "
              "passes, its release's pass order",
    "torch": "torch's double weights, int16 at the axis precision, horizontal pass first",
    "opencv": "OpenCV's float/double/softdouble tables and integer or float32 passes in its order",
}

# Size rules the graph builder (_geometry.resize_size) does not translate yet.
HF_SIZE_RULES = ("hf_shortest_longest", "hf_yolos", "hf_vilt", "not_larger_truncated", "hf_dpt", "hf_dpt_keep",
                 "hf_longest")


def _resize_finding(path: str, step: dict, fixed: bool, after_float: bool) -> Finding:
    engine, interp = step["engine"], step["interpolation"]
    what = f"resize ({engine}, {interp}{', float32' if after_float else ''})"
    if engine not in ENGINES:
        return Finding(path, what, IMPOSSIBLE, f"engine '{engine}' has no translation in pixelpact.onnx "
                                               f"(it translates {', '.join(ENGINES)})")
    rule = step.get("keep_ratio")
    if rule in HF_SIZE_RULES or "multiple_of" in step:
        name = f"keep_ratio '{rule}'" if rule in HF_SIZE_RULES else "multiple_of"
        return Finding(path, what, IMPOSSIBLE, f"the size rule {name} (Hugging Face sizing) has no translation in "
                                               "pixelpact.onnx yet")
    if after_float:
        if interp == "area":
            size = step.get("size")
            if size in ([1, 1], 1):
                return Finding(path, what, APPROXIMATE,
                               "an area resize to 1x1 is torch's mean() (a cascade summation pixelpact does not "
                               "reproduce and refuses); the graph sums the plane in order, which differs in the "
                               "last bits. With allow_approximate the error against torch is measured at export "
                               "and written into the model")
            return Finding(path, what, EXACT, "adaptive average pooling: float32 sums in torch's order "
                                              "(a running sum over each window), then two divisions")
        return Finding(path, what, EXACT, "torch's fused multiply-adds computed exactly: float64 products "
                                          "and TwoSum, rounded once to float32 (proof in docs/onnx.md)")
    uses_sin = (engine == "pillow" and interp in ("hamming", "lanczos")) or \
               (engine == "torch" and interp == "lanczos") or (engine == "opencv" and interp == "lanczos4")
    if uses_sin and not fixed:
        bits = {"pillow": "22 bits", "torch": "int16", "opencv": "11 bits (via float32)"}[engine]
        return Finding(path, what, IN_PRACTICE, SIN.format(bits=bits))
    reason = "nearest: index arithmetic in the library's types" if "nearest" in interp else ENGINES[engine]
    if uses_sin:
        reason += "; Sin/Cos computed at export time for the fixed size"
    return Finding(path, what, EXACT, reason)


def explain(doc: dict, fixed_size: Optional[tuple] = None, opset: int = MIN_OPSET) -> list:
    """Findings for a validated contract document, in contract order."""
    out = []
    fixed = fixed_size is not None
    if opset < MIN_OPSET:
        out.append(Finding("", "opset", IMPOSSIBLE, f"the graph needs ONNX opset {MIN_OPSET} or later, "
                                                    f"{opset} was requested"))
    color = doc["input"]["color"]
    alpha = doc["input"].get("alpha", "drop") if color in ("RGBA", "BGRA") else None
    what = f"input {color}" + (f", alpha {alpha}" if alpha else "")
    out.append(Finding("/input", what, EXACT,
                       {None: "a channel permutation", "drop": "alpha dropped",
                        "premultiply": "Pillow's integer premultiply and un-premultiply around each resize",
                        "composite": "Pillow's integer alpha_composite"}[alpha]))
    after_float = False
    cropped = False  # a crop/pad/letterbox ran before: a resize may read its padding
    for i, step in enumerate(doc["steps"]):
        path, op = f"/steps/{i}", step["op"]
        if op == "to_float":
            after_float = True
            out.append(Finding(path, "to_float", EXACT, "per-channel 256-entry tables computed by pixelpact's "
                                                         "core (with the arithmetic that follows)"))
        elif op in ("add", "sub", "mul", "div", "normalize", "cast"):
            out.append(Finding(path, op, EXACT, "folded into the per-channel tables" if not _after_resize(doc, i)
                               else "IEEE operations in the step's dtype, operand rounded first"))
        elif op == "resize":
            engine = step["engine"]
            interp = step["interpolation"]
            if alpha == "premultiply" and engine == "pillow" and interp != "nearest" and cropped:
                out.append(Finding(path, "resize after a crop with alpha 'premultiply'", IMPOSSIBLE,
                                   "pixelpact refuses at run time when this resize would read padding (the "
                                   "alpha of padded pixels is not part of contract v1); a graph cannot "
                                   "refuse, so nothing is exact to. Crop after the resize, or drop or "
                                   "composite the alpha"))
                continue
            if step.get("keep_ratio") in ("tf_preserve_aspect_ratio", "tf_resize_with_pad"):
                out.append(Finding(path, f"resize (keep_ratio {step['keep_ratio']})", IMPOSSIBLE,
                                   "TensorFlow's float32 size rule has no translation in pixelpact.onnx"))
                continue
            out.append(_resize_finding(path, {**step, "engine": engine}, fixed, after_float))
        elif op == "letterbox":
            rule = step.get("rule", "ultralytics")
            resize = {"engine": step.get("engine", "opencv"), "interpolation": step.get("interpolation", "bilinear")}
            if rule != "ultralytics":
                resize = {"engine": "opencv", "interpolation": "bilinear"}
            found = _resize_finding(path, resize, fixed, False)
            out.append(Finding(path, f"letterbox ({rule}) and its {found.what}", found.status,
                               "size and padding rules in the library's arithmetic; " + found.reason))
            cropped = True
        elif op == "pad_to_square":
            out.append(Finding(path, "pad_to_square", IMPOSSIBLE, "padding to a square has no translation in "
                                                                 "pixelpact.onnx yet"))
            cropped = True
        elif op == "center_crop" and "fraction_of_shorter" in step:
            out.append(Finding(path, "center_crop (fraction_of_shorter)", IMPOSSIBLE,
                               "a crop sized by a fraction of the shorter side has no translation in pixelpact.onnx "
                               "yet"))
            cropped = True
        elif op == "center_crop" and "central_fraction" in step:
            out.append(Finding(path, "center_crop (central_fraction)", IMPOSSIBLE,
                               "tf.image.central_crop's double offsets have no translation in pixelpact.onnx"))
        elif op == "center_crop" and step.get("rule", "").startswith("keras_"):
            out.append(Finding(path, f"center_crop ({step['rule']})", IMPOSSIBLE,
                               "Keras' float32 aspect-ratio window has no translation in pixelpact.onnx"))
        else:
            out.append(Finding(path, op, EXACT, "index arithmetic and a fill colour"))
            cropped = True
    float_resize = any(_after_resize(doc, i + 1) for i in range(len(doc["steps"])))
    out.append(Finding("/output", "output", EXACT,
                       "layout by transposition; dtype by Cast (float16: round to nearest even)" if float_resize
                       else "layout by transposition; dtype from the tables"))
    return out


def _after_resize(doc: dict, index: int) -> bool:
    """Whether step ``index`` is arithmetic after a float resize."""
    seen_float = False
    for step in doc["steps"][:index]:
        seen_float = seen_float or step["op"] == "to_float"
        if seen_float and step["op"] == "resize":
            return True
    return False
