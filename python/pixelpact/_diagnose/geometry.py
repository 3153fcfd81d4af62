"""Candidate serving geometries: the training contract's geometric steps and the
usual departures from them (another size rule, no crop, a squash, a letterbox, a
crop offset rule), each with resampling "slots" that any resize method can fill."""
from __future__ import annotations

import dataclasses
import json
import math

GEOMETRY_OPS = ("resize", "center_crop", "crop", "pad", "letterbox")
CROP_RULES = ("torchvision", "hf_pil", "hf_torchvision")
CROP_FRACTIONS = (1.0, 0.95, 0.9, 0.875, 0.85, 0.8, 0.75, 0.7, 0.5)
COMMON_SIZES = (224, 232, 236, 240, 248, 256, 288, 299, 320, 342, 384, 448, 480, 512)

OPENCV_FLAGS = {"nearest": "INTER_NEAREST", "nearest-exact": "INTER_NEAREST_EXACT", "bilinear": "INTER_LINEAR",
                "bilinear-exact": "INTER_LINEAR_EXACT", "bicubic": "INTER_CUBIC", "area": "INTER_AREA",
                "lanczos4": "INTER_LANCZOS4"}


@dataclasses.dataclass(frozen=True)
class Method:
    """Whose resampling arithmetic: a resize step's engine and its options."""

    engine: str
    interpolation: str
    antialias: bool | None = None  # engine torch only
    version: str | None = None  # pillow "12.1"/"12"..., opencv "4"; None is the default release
    on_float: bool = False  # torch's float32 resize, after to_float (torchvision v1 on a float tensor)

    @classmethod
    def of(cls, step: dict) -> "Method":
        engine = step.get("engine", "opencv" if step["op"] == "letterbox" else "pillow")
        interpolation = step.get("interpolation", "bilinear")
        antialias = None
        if engine == "torch" and interpolation not in ("nearest", "nearest-exact", "area"):
            antialias = step.get("antialias", True)
        version = step.get("version")
        if version in ("13", "5"):
            version = None
        return cls(engine, interpolation, antialias, version, bool(step.get(FLOAT)))

    def fields(self) -> dict:
        out = {"interpolation": self.interpolation, "engine": self.engine}
        if self.antialias is not None and not (self.on_float and self.interpolation == "area"):
            out["antialias"] = self.antialias
        if self.version is not None:
            out["version"] = self.version
        return out

    def describe(self) -> str:
        if self.on_float:
            if self.interpolation == "area":
                return "torch area (adaptive average pooling) on a float32 tensor (F.interpolate)"
            alias = "with antialias" if self.antialias else "without antialias"
            return (f"torch {self.interpolation} {alias} on a float32 tensor (torchvision Resize after "
                    "ToTensor, F.interpolate)")
        if self.engine == "pillow":
            release = f"Pillow {self.version}.x" if self.version else "Pillow"
            if self.interpolation == "nearest":
                return f"{release} nearest (Image.NEAREST)"
            return f"{release} {self.interpolation} with antialias (Image.resize)"
        if self.engine == "opencv":
            release = " (OpenCV 4.x)" if self.version == "4" else " (OpenCV)"
            alias = "" if self.interpolation == "area" else ", no antialias"
            return f"cv2.{OPENCV_FLAGS[self.interpolation]}{release}{alias}"
        if self.interpolation in ("nearest", "nearest-exact"):
            return f"torch {self.interpolation} on a uint8 tensor (torchvision v2 / F.interpolate)"
        alias = "with antialias" if self.antialias else "without antialias"
        return f"torch {self.interpolation} {alias} on a uint8 tensor (torchvision v2 Resize)"

    def code(self) -> str:
        """How to call it, for a fix sentence."""
        if self.on_float:
            return (f"torchvision Resize(..., interpolation={self.interpolation.upper()}, antialias={self.antialias})"
                    " on the float tensor after ToTensor")
        if self.engine == "pillow":
            return f"Image.resize((w, h), Image.{self.interpolation.upper()}) / torchvision Resize on a PIL image"
        if self.engine == "opencv":
            return f"cv2.resize(img, (w, h), interpolation=cv2.{OPENCV_FLAGS[self.interpolation]})"
        if self.antialias is None:
            return f"torchvision.transforms.v2.Resize(..., interpolation={self.interpolation.upper()})"
        return (f"torchvision.transforms.v2.Resize(..., interpolation={self.interpolation.upper()}, "
                f"antialias={self.antialias}) on a uint8 tensor")


RESIZE_METHODS = (
    [Method("pillow", f) for f in ("bilinear", "bicubic", "lanczos", "box", "hamming", "nearest")]
    + [Method("opencv", f) for f in ("bilinear", "area", "bicubic", "nearest", "nearest-exact", "bilinear-exact",
                                      "lanczos4")]
    + [Method("torch", "bilinear", True), Method("torch", "bilinear", False), Method("torch", "bicubic", True),
       Method("torch", "bicubic", False), Method("torch", "lanczos", True), Method("torch", "nearest"),
       Method("torch", "nearest-exact")]
    + [Method("opencv", "nearest-exact", version="4")]
    + [Method("pillow", f, version="12.1") for f in ("bilinear", "bicubic", "lanczos", "box", "hamming")]
)
FLOAT_METHODS = [Method("torch", "bilinear", True, on_float=True), Method("torch", "bilinear", False, on_float=True),
                 Method("torch", "bicubic", True, on_float=True), Method("torch", "bicubic", False, on_float=True),
                 Method("torch", "area", on_float=True)]
FLOAT = "_float"  # marks a resize (and what follows) that runs after to_float, on float32 values
LETTERBOX_METHODS = ([Method("opencv", f) for f in ("bilinear", "nearest", "bicubic")]
                     + [Method("pillow", f) for f in ("bilinear", "bicubic", "lanczos", "box", "hamming", "nearest")])
BLOB_METHOD = Method("opencv", "bilinear")  # cv2.dnn letterboxes resample with INTER_LINEAR


def is_slot(step: dict) -> bool:
    """A step whose resampling method is a free choice."""
    if step["op"] == "resize":
        return True
    return step["op"] == "letterbox" and step.get("rule", "ultralytics") == "ultralytics"


def with_method(step: dict, method: Method) -> dict | None:
    """The step resampling with `method`, or None when the step cannot."""
    if step["op"] == "letterbox":
        if method not in LETTERBOX_METHODS:
            return None
        out = {k: v for k, v in step.items() if k not in ("engine", "interpolation")}
        out.update(interpolation=method.interpolation, engine=method.engine)
        return out
    if "scale" in step and method.engine != "opencv":
        return None
    out = {k: v for k, v in step.items() if k not in ("engine", "interpolation", "antialias", "version", FLOAT)}
    out.update(method.fields())
    if method.on_float:
        if "scale" in step:
            return None
        out[FLOAT] = True
    return out


def split_float(steps: list) -> tuple:
    """(uint8 steps, float steps without markers) at the first float resize; the
    float part may only hold that resize and centre crops (torchvision's)."""
    first = next((i for i, s in enumerate(steps) if s.get(FLOAT)), None)
    if first is None:
        return steps, []
    tail = [{k: v for k, v in s.items() if k != FLOAT} for s in steps[first:]]
    return steps[:first], tail


def float_compatible(steps: list) -> bool:
    """One resize, only torchvision centre crops after it: a float resize can take its place."""
    slots = [i for i, s in enumerate(steps) if s["op"] in ("resize", "letterbox")]
    if len(slots) != 1 or steps[slots[0]]["op"] != "resize" or "scale" in steps[slots[0]]:
        return False
    return all(s["op"] == "center_crop" and s.get("rule", "torchvision") == "torchvision"
               for s in steps[slots[0] + 1:])


def slot_method(step: dict) -> Method:
    if step["op"] == "letterbox" and step.get("rule", "ultralytics") != "ultralytics":
        return BLOB_METHOD
    return Method.of(step)


@dataclasses.dataclass(frozen=True)
class Structure:
    """Geometric steps (slots hold the training's method) and the kinds of
    change they are from the training's steps."""

    steps: tuple  # JSON texts of the steps (hashable)
    kinds: frozenset
    core: bool = False  # among the few tried with every input variant
    rank: int = dataclasses.field(default=0, compare=False)  # preference among equally good explanations

    @property
    def step_dicts(self) -> list:
        return [json.loads(s) for s in self.steps]

    def with_method(self, method: Method) -> list | None:
        out = []
        for step in self.step_dicts:
            if is_slot(step):
                step = with_method(step, method)
                if step is None:
                    return None
            out.append(step)
        return out

    def methods(self) -> list:
        return [slot_method(s) for s in self.step_dicts if s["op"] in ("resize", "letterbox")]


def structure(steps, kinds=(), core: bool = False) -> Structure:
    return Structure(tuple(json.dumps(s, sort_keys=True) for s in steps), frozenset(kinds), core)


def _crop_size(step: dict) -> tuple:
    size = step["size"]
    return (size, size) if isinstance(size, int) else tuple(size)


def structures(training: list, target_hw: tuple, representative: Method, input_hw: tuple = ()) -> list:
    """Candidate geometric step lists for a tensor of target_hw = (height, width)
    from an image of input_hw, in order of preference among explanations that fit
    equally well: the training's steps, a crop offset rule, a squash, no crop,
    letterboxes, a crop alone, then other sizes and rules. Output sizes are checked
    by the caller."""
    h, w = target_hw
    out: list[Structure] = [structure(training, core=True)]
    crops = [i for i, s in enumerate(training) if s["op"] == "center_crop"]
    has_crop = any(s["op"] in ("center_crop", "crop", "letterbox") for s in training)
    crop_kind = {"crop"} if has_crop else {"resize_size"}

    def resize(size):
        step = {"op": "resize", "size": size}
        return with_method(step, representative) or {**step, **Method("pillow", "bilinear").fields()}

    for i in crops:  # a different centre-crop offset rule
        for rule in CROP_RULES:
            if rule != training[i].get("rule", "torchvision"):
                out.append(structure(training[:i] + [{**training[i], "rule": rule}] + training[i + 1:], {"crop"}))
    out.append(structure([resize([h, w])], crop_kind, core=True))  # squash
    if has_crop:
        no_crop = [s for s in training if s["op"] not in ("center_crop", "crop", "letterbox")]
        out.append(structure(no_crop, {"crop"}, core=True))
        if any(s["op"] == "resize" for s in no_crop):
            out.append(structure([resize(min(h, w))], {"crop", "resize_size"}))
    letterbox = {"op": "letterbox", "size": [h, w], "fill": 114, **(with_method({"op": "letterbox"}, representative) or {})}
    out.append(structure([letterbox], {"crop"}, core=True))
    out.append(structure([{"op": "letterbox", "size": [h, w], "rule": "blob", "fill": 0}], {"crop"}))
    out.append(structure([{"op": "letterbox", "size": [h, w], "rule": "blob_crop"}], {"crop"}))
    out.append(structure([{"op": "center_crop", "size": [h, w]}], {"resize_size"} | ({"crop"} if not crops else set())))
    out += _resize_sizes(training, crops, target_hw)
    for option in ({"center": False}, {"scaleup": False}):  # Ultralytics LetterBox options
        out.append(structure([{**letterbox, **option}], {"crop"}))
    out.append(structure([{**letterbox, "size": max(h, w), "auto": True}], {"crop"}))  # pad to the stride only
    longer = with_method({"op": "resize", "size": max(h, w), "keep_ratio": "longer"}, representative)
    if longer:
        out.append(structure([longer], crop_kind | {"resize_size"}))
    if input_hw:  # a centred crop to the tensor's aspect ratio, then a resize (crop first)
        in_h, in_w = input_hw
        ch, cw = min(in_h, max(1, round(in_w * h / w))), min(in_w, max(1, round(in_h * w / h)))
        for rule in ("torchvision", "hf_pil"):  # offsets rounded half to even, or floored
            crop = {"op": "center_crop", "size": [ch, cw], **({"rule": rule} if rule != "torchvision" else {})}
            out.append(structure([crop, resize([h, w])], {"crop"}))
    if not crops:  # the usual evaluation geometry where training had no centre crop
        side = min(h, w)
        out.append(structure([resize(side), {"op": "center_crop", "size": [h, w]}], {"crop"}))
        for s in sorted(_sizes(side)):
            if s > side:
                out.append(structure([resize(s), {"op": "center_crop", "size": [h, w]}], {"crop", "resize_size"}))
    seen, unique = set(), []
    for s in out:
        if s.steps not in seen:
            seen.add(s.steps)
            unique.append(dataclasses.replace(s, rank=len(unique)))
    return unique


def _sizes(side: int) -> set:
    """Resize sizes people pair with a crop of `side`: crop fractions and common sizes."""
    sizes = {side} | set(COMMON_SIZES)
    for p in CROP_FRACTIONS:
        sizes |= {math.floor(side / p), round(side / p), math.ceil(side / p)}
    return {s for s in sizes if s >= 1}


def _resize_sizes(training: list, crops: list, target_hw: tuple) -> list:
    """The training's first shorter-side resize at other sizes (or as a fixed
    square), followed by its crop, or by a crop to the target size."""
    h, w = target_hw
    first = next((i for i, s in enumerate(training) if s["op"] == "resize" and isinstance(s.get("size"), int)), None)
    if first is None:
        return []
    base = training[first]["size"]
    variants = [(training, set())]
    crop_i = next((i for i in crops if i > first), None)
    if crop_i is not None and _crop_size(training[crop_i]) != (h, w):
        changed = training[:crop_i] + [{**training[crop_i], "size": [h, w]}] + training[crop_i + 1:]
        variants.append((changed, {"crop"}))
    sizes = {base - 2, base - 1, base + 1, base + 2} | _sizes(min(h, w))
    out = []
    for steps, kinds in variants:
        if steps is not training:
            out.append(structure(steps, kinds))
        for s in sorted(sizes):
            if s != base:
                out.append(structure(steps[:first] + [{**steps[first], "size": s}] + steps[first + 1:],
                                     kinds | {"resize_size"}))
            square = {k: v for k, v in steps[first].items() if k not in ("max_size", "keep_ratio")}
            out.append(structure(steps[:first] + [{**square, "size": [s, s]}] + steps[first + 1:],
                                 kinds | {"resize_size"}))
    return out


def describe_steps(steps: list) -> str:
    """Geometric steps in words: 'resize the shorter side to 256, then centre crop 224x224'."""
    words = []
    for s in steps:
        op = s["op"]
        if op == "resize":
            if "scale" in s:
                words.append(f"resize by a factor {s['scale']}")
            elif isinstance(s["size"], int):
                rule = s.get("keep_ratio", "shorter")
                cap = f" (longer side at most {s['max_size']})" if "max_size" in s else ""
                words.append(f"resize the {'longer' if rule == 'longer' else 'shorter'} side to {s['size']}{cap}")
            elif s.get("keep_ratio") in ("not_smaller", "not_larger"):
                verb = "cover" if s["keep_ratio"] == "not_smaller" else "fit in"
                words.append(f"resize keeping the aspect ratio to {verb} {s['size'][0]}x{s['size'][1]}")
            else:
                words.append(f"resize to {s['size'][0]}x{s['size'][1]} (aspect ratio not kept)")
        elif op == "center_crop":
            hh, ww = _crop_size(s)
            rule = s.get("rule", "torchvision")
            words.append(f"centre crop {hh}x{ww}" + ("" if rule == "torchvision" else f" ({rule} offset rule)"))
        elif op == "letterbox":
            hh, ww = _crop_size(s)
            rule = s.get("rule", "ultralytics")
            if rule == "blob_crop":
                words.append(f"cover-resize and centre crop to {hh}x{ww} (cv2.dnn.blobFromImage crop=True)")
            elif rule == "blob":
                words.append(f"letterbox to {hh}x{ww} (cv2.dnn letterbox, fill {s.get('fill', 0)})")
            else:
                words.append(f"letterbox to {hh}x{ww} (fill {s.get('fill', 114)})")
        elif op == "crop":
            words.append(f"crop {s['height']}x{s['width']} at ({s['top']}, {s['left']})")
        elif op == "pad":
            words.append(f"pad {s['padding']}")
    return ", then ".join(words) if words else "no resize or crop"
