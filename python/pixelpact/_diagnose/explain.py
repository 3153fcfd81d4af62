"""From a found serving pipeline to suspects: which kinds of change it is from the
training contract, each in words (`detail`) with what to do about it (`fix`)."""
from __future__ import annotations

import dataclasses

import numpy as np

from . import arithmetic as ar
from . import geometry as geo
from .inputs import DECODERS, INVERSE, ORIENTATION_WORDS
from .layout import ROLES, Layout

# The order a practitioner should check them in.
KINDS = ("normalization", "resize_method", "resize_size", "channel_order", "value_range", "layout", "crop",
         "dtype", "orientation", "alpha", "decode")


@dataclasses.dataclass(frozen=True)
class Suspect:
    """One difference between the training contract and the serving side."""

    kind: str
    detail: str
    fix: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "detail": self.detail, "fix": self.fix}


# ---- arithmetic ------------------------------------------------------------------------


def _same(x, y, rtol=1e-6, atol=0.0) -> bool:
    return bool(np.allclose(np.asarray(x, float), np.asarray(y, float), rtol=rtol, atol=atol))


def _same_affine(t: np.ndarray, s: np.ndarray, rtol: float) -> bool:
    scale = np.abs(t[:, 1]) + 255 * np.abs(t[:, 0])
    return bool(np.all(np.abs(t[:, 0] - s[:, 0]) <= rtol * np.abs(t[:, 0]))
                and np.all(np.abs(t[:, 1] - s[:, 1]) <= rtol * scale))


def _ops_without_dtype(chain: ar.Chain) -> list:
    return [(op, v) for op, v, _ in chain.ops()]


def _kinds_against(training: ar.Chain, serving: ar.Chain, rtol: float) -> set:
    kinds = set()
    t_dtypes, s_dtypes = training.arithmetic_dtypes(), serving.arithmetic_dtypes()
    if training.ops() and serving.ops() and (set(t_dtypes) != set(s_dtypes)
                                             or (len(t_dtypes) == len(s_dtypes) and t_dtypes != s_dtypes)):
        kinds.add("dtype")
    if _same_affine(training.affine(), serving.affine(), rtol):
        if _ops_without_dtype(training) != _ops_without_dtype(serving):
            t_r, s_r = training.split()[0], serving.split()[0]
            if training.scale_form() != serving.scale_form() and _same(t_r, s_r):
                kinds.add("value_range")
            else:
                kinds.add("normalization")
        return kinds
    t_r, t_m, t_s = training.split()
    s_r, s_m, s_s = serving.split()
    if not _same(t_r, s_r, max(rtol, 1e-6)):
        kinds.add("value_range")
    if not (_same(t_m, s_m, max(rtol, 1e-6), 1e-7) and _same(t_s, s_s, max(rtol, 1e-6))):
        kinds.add("normalization")
    return kinds


def arithmetic_kinds(training: ar.Chain, serving: ar.Chain, color_flipped: bool, rtol: float = 1e-6) -> set:
    """Kinds of change from the training chain to the serving chain. With the
    channel order flipped, the training's per-channel values may follow the
    channels (flipped at the end) or the tensor slots (a BGR image fed to the
    RGB pipeline): whichever needs fewer changes."""
    options = [training] + ([ar.reversed_chain(training)] if color_flipped else [])
    return min((_kinds_against(t, serving, rtol) for t in options), key=len)


def _fmt(values) -> str:
    values = [float(v) for v in values]
    if len(set(values)) == 1:
        return f"{values[0]:.10g}"
    return "[" + ", ".join(f"{v:.10g}" for v in values) + "]"


def describe_chain(chain: ar.Chain | None) -> str:
    if chain is None or not chain.steps:
        return "no arithmetic (the uint8 pixels themselves)"
    ops = chain.ops()
    if not ops:
        return f"no scaling and no mean/std (pixel values 0-255 as {chain.arithmetic_dtypes()[0]})"
    words = []
    for op, v, _ in ops:
        if op == "normalize":
            words.append(f"(x - mean) / std with mean {_fmt(v[0])}, std {_fmt(v[1])}")
        else:
            words.append({"div": "x / ", "mul": "x * ", "add": "x + ", "sub": "x - "}[op] + _fmt(v))
    return ", then ".join(words) + f", in {' then '.join(dict.fromkeys(chain.arithmetic_dtypes()))}"


def describe_range(r) -> str:
    r = float(np.mean(r))
    if abs(r - 1) < 1e-9:
        return "not scaled (values 0-255)"
    if abs(r - 255) < 1e-6:
        return "scaled to 0-1 (divided by 255)"
    return f"divided by {r:.6g} (values 0-{255 / r:.4g})"


def describe_norm(m, s) -> str:
    if _same(m, [0, 0, 0], 0, 1e-7) and _same(s, [1, 1, 1]):
        return "no mean/std"
    return f"mean {_fmt(m)}, std {_fmt(s)}"


# ---- suspects ---------------------------------------------------------------------------


def suspects(search, h) -> list:
    """The Suspects of hypothesis h found by `search`, in KINDS order."""
    out = []
    for kind in KINDS:
        if kind in h.kinds:
            detail, fix = TEXT[kind](search, h)
            out.append(Suspect(kind, detail, fix))
    return out


def _serving_color(h) -> str:
    return "RGB" if h.order == 0 else "BGR"


def _normalization(search, h):
    t, s = search.chain, h.chain
    if s is None:
        return "serving: mean/std could not be read from the tensor", "normalize as the training contract states"
    t_r, t_m, t_s = t.split()
    s_r, s_m, s_s = s.split()
    if _same_affine(t.affine(), s.affine(), 1e-6) or (_same_affine(t.affine(), ar.reversed_chain(s).affine(), 1e-6)
                                                      and _serving_color(h) != search.out_color):
        detail = (f"training: {describe_chain(t)}; serving: {describe_chain(s)}: the same mean/std applied "
                  "in another order of operations, so the float values differ in the last bits")
    else:
        detail = (f"training: {describe_norm(t_m, t_s)}; serving: {describe_norm(s_m, s_s)} "
                  f"(serving computes {describe_chain(s)})")
    if _same(t_m, [0, 0, 0], 0, 1e-7) and _same(t_s, [1, 1, 1]):
        fix = "remove the mean/std normalization from the serving code (training had none)"
    else:
        fix = f"normalize as training: {describe_chain(t)}"
    return detail, fix


def _value_range(search, h):
    t, s = search.chain, h.chain
    if s is None or not s.steps:
        s_r = np.ones(3)
    else:
        s_r = s.split()[0]
    t_r = t.split()[0] if t.steps else np.ones(3)
    if _same(t_r, s_r) and t.scale_form() and s.scale_form():
        (t_op, t_v), (s_op, s_v) = t.scale_form()[0], s.scale_form()[0]
        detail = (f"training scales with x {'/' if t_op == 'div' else '*'} {_fmt(t_v)}, serving with x "
                  f"{'/' if s_op == 'div' else '*'} {_fmt(s_v)}: the same range, rounded differently (x / 255 "
                  "and x * float32(1/255) differ for 126 of the 256 byte values in float32)")
    elif _same(t_r, s_r):
        detail = f"training: {describe_chain(t)}; serving: {describe_chain(s)}"
    else:
        detail = f"training: {describe_range(t_r)}; serving: {describe_range(s_r)}"
    if _same(t_r, [1, 1, 1]):
        fix = "do not scale the pixel values (training fed 0-255 values)"
    else:
        fix = f"scale as training: x / {float(np.mean(t_r)):.6g} (a true division, not a multiplication)"
    return detail, fix


def _dtype(search, h):
    actual = str(search.actual.dtype)
    trained = search.training["output"]["dtype"]
    if actual != trained:
        detail = f"training: {trained}; serving: {actual}"
        if h.target.float64_values:
            detail += " computed in float64 (never rounded to float32)"
        elif search.storage == "float64":
            detail += " holding float32 values (widened)"
    else:
        detail = (f"training computes in {'/'.join(sorted(set(search.chain.arithmetic_dtypes())))}; serving "
                  f"computes in {' then '.join(dict.fromkeys(h.chain.arithmetic_dtypes()))} "
                  "(e.g. numpy promotes float32 arrays to float64 with a float64 mean/std array)")
    fix = (f"produce {trained} and compute in {'/'.join(sorted(set(search.chain.arithmetic_dtypes()))) or trained}"
           " as training did (x.astype(np.float32) before the arithmetic, float32 mean/std; torch .float())")
    return detail, fix


def _layout(search, h):
    trained = search.training["output"]["layout"]
    ref = Layout(ROLES[trained], ())
    serving = h.target.layout
    detail = f"training: {trained}; serving: {serving.describe()}"
    fixes = []
    if serving.channels_first != ref.channels_first:
        fixes.append("move the channel axis " + ("first (HWC -> CHW: np.transpose(x, (2, 0, 1)), torch "
                                                "permute(2, 0, 1))" if ref.channels_first else
                                                "last (CHW -> HWC: np.transpose(x, (1, 2, 0)))"))
    if serving.hw_swapped:
        detail += " (height and width swapped)"
        fixes.append("swap height and width back (the image axes were transposed: x.swapaxes(-1, -2) "
                     "on a CHW tensor)")
    if serving.batch_axes != ref.batch_axes:
        fixes.append("add the batch axis (x[None])" if serving.batch_axes < ref.batch_axes else
                     "remove the extra batch axes (x.reshape" + str(search.expected_shape) + ")")
    elif serving.batch_axes and serving.roles[0] != "N":
        fixes.append("put the batch axis first")
    return detail, "; ".join(fixes) or f"lay the tensor out as {trained}"


def _channel_order(search, h):
    serving = _serving_color(h)
    detail = f"training: {search.out_color}; serving: {serving}"
    if h.chain is not None and search.chain.ops() and any(op[0] != "div" for op in search.chain.ops()):
        same_slot = _kinds_against(search.chain, h.chain, 1e-6)
        if not same_slot & {"normalization"}:
            detail += (" (the image entered the preprocessing in BGR order, e.g. from cv2.imread, so each "
                       "channel got the mean/std of the other end)")
    fix = (f"convert the image to {search.out_color} before preprocessing (cv2.cvtColor(img, "
           f"cv2.COLOR_BGR2RGB) or img[..., ::-1])")
    return detail, fix


def _resize_method(search, h):
    trained = search.training_method
    used = h.method or (h.structure.methods()[0] if h.structure.methods() else None)
    detail = (f"training: {trained.describe() if trained else 'no resize'}; "
              f"serving: {used.describe() if used else 'no resize'}")
    fix = f"resample as training: {trained.code()}" if trained else "do not resize (training did not)"
    return detail, fix


def _geometry_words(search, h):
    return (f"training: {geo.describe_steps(search.geometry)}; serving: {geo.describe_steps(h.steps)}",
            f"use the training geometry: {geo.describe_steps(search.geometry)}")


def _orientation(search, h):
    o = h.variant.orientation
    tag = 1
    if search.file is not None:
        from .._images import exif_orientation

        tag = exif_orientation(search.file)
    words = ORIENTATION_WORDS[o]
    if tag != 1 and o == tag and not search.exif_transpose:
        detail = (f"serving applied the file's EXIF orientation {tag} (the image {words}, as "
                  "ImageOps.exif_transpose and cv2.imread do); training did not")
    elif tag != 1 and o == INVERSE[tag] and search.exif_transpose:
        detail = f"training applied the file's EXIF orientation {tag}; serving did not (the image is {words})"
    else:
        detail = f"serving: the image {words} relative to training"
    fix = ("apply the EXIF orientation on both sides or on neither: ImageOps.exif_transpose in both, "
           "or cv2.IMREAD_IGNORE_ORIENTATION with cv2.imread")
    return detail, fix


def _alpha_words(doc_input: dict) -> str:
    policy = doc_input.get("alpha", "drop") if doc_input["color"] in ("RGBA", "BGRA") else "drop"
    if policy == "drop":
        return "alpha dropped (Image.convert('RGB'))"
    if policy == "premultiply":
        return "the RGBA image resized premultiplied (torchvision Resize on an RGBA PIL image), alpha dropped after"
    return (f"composited onto the colour {doc_input.get('background', [255, 255, 255])} "
            "(Image.alpha_composite, Hugging Face convert_to_rgb)")


def _alpha(search, h):
    trained = _alpha_words(search.training["input"])
    detail = f"training: {trained}; serving: {_alpha_words(h.variant.input_doc())}"
    return detail, f"handle transparency as training: {trained}"


def _decode(search, h):
    trained = "Pillow (libjpeg-turbo, accurate integer IDCT, fancy chroma upsampling)"
    if h.variant.decoder:
        detail = f"training decoded the file with {trained}; serving with {DECODERS[h.variant.decoder][0]}"
    else:
        detail = (f"the tensor matches the explanation except for small differences spread over the whole "
                  f"image ({search.residual_words}): typical of another JPEG decoder or decoder settings "
                  "(fast IDCT, fast chroma upsampling, DCT scaling), or of resampling outside the contract "
                  "vocabulary")
    return detail, (f"decode with the same library and settings as training ({trained}; no draft/DCT scaling, "
                    "no fast-IDCT or fast-upsampling flags)")


TEXT = {"normalization": _normalization, "value_range": _value_range, "dtype": _dtype, "layout": _layout,
        "channel_order": _channel_order, "resize_method": _resize_method,
        "resize_size": _geometry_words, "crop": _geometry_words, "orientation": _orientation, "alpha": _alpha,
        "decode": _decode}
