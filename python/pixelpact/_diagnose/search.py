"""The search: which serving pipeline, written as the training contract with the
fewest changes, produced the actual tensor.

Every contract an image can go through is geometry on uint8 pixels, then a
per-channel function of the byte value (the elementwise chain), then a layout. So
a candidate geometry explains the actual tensor exactly only if, channel by
channel, the tensor's value is a *function* of the candidate's byte value: one
exact test, whatever the arithmetic was. The search therefore runs real
candidates through the kernel in passes:

1. structure: the input (8 orientations, RGBA policies, a composite background
   read back from the tensor) x the step structure (training steps, other sizes,
   crop rules, no crop, squash, letterboxes), each resampled with the training's
   method, scored by how much of the tensor a per-channel affine function of its
   bytes explains (R^2 on a sample of pixels), for every reading of the tensor's
   shape and both channel orders;
2. method: the best structures with every resampling method (Pillow, OpenCV,
   torch uint8 and float32), tested for the exact functional relation (a float
   resize, whose output is not bytes, by whole runs instead); a letterbox's
   padding colour and a composite background are read back when they do not fit;
3. arithmetic: for each exact geometry, the elementwise chain solved from the
   fit and verified by the kernel (arithmetic.py), then the whole candidate
   contract run and compared bit for bit with the actual tensor.

When nothing is exact, other JPEG decoders are tried on the best geometries;
then the best explanation is run with fitted arithmetic and its residual
measured: small enough is "close", anything else "none"."""
from __future__ import annotations

import dataclasses
import json

import numpy as np

from .._native import compile_contract as _compile
from . import arithmetic as ar
from . import geometry as geo
from .inputs import Variant, decodes, reoriented, variants
from .layout import ROLES, Layout, readings

SAMPLE = 4096  # pixels sampled for scoring
BEAM = 6  # (input, structure) pairs given every resampling method
INPUT_BEAM = 3  # inputs (orientations, alpha policies) given every structure...
BEAM_MARGIN = 0.02  # ...when they score within this of the best
KIND_PENALTY = 0.2  # decades of R^2 log-odds a change must gain to be preferred
UNRELATED = 0.01  # best structure score below which no geometry relates the tensor to the image
NEARLY_EXACT = 0.5  # decoders are tried only when the best fit is at least this good
DECODER_BEAM = 3
FLOAT_AFFINE = 1 - 1e-7  # a float resize's output explains the tensor this well before any chain is tried
FLOAT_FAMILIES = ("none", "div", "div255_normalize", "normalize", "mul255_normalize")
FLOAT_OPERANDS = 3  # candidate values per operand tried with a float resize
FLOAT_BEAM = 3  # float resizes are tried on this many of the best structures
CLOSE_RELATIVE_RMS = 0.05
SETTLED = 1 - 1e-6  # a core structure this good is the geometry up to resampling rounding: no size sweep


@dataclasses.dataclass(eq=False)
class Target:
    """The actual tensor read one way, as (H, W, 3)."""

    layout: Layout
    exact: np.ndarray  # values the contract must output (its output dtype), (H, W, 3)
    fit: np.ndarray  # float64 values, (H, W, 3)
    dtype: str  # contract output dtype
    float64_values: bool  # a float64 tensor whose values are not float32 values
    sample: np.ndarray  # flat pixel indices for scoring

    def __post_init__(self):
        y = self.fit.reshape(-1, 3)[self.sample]
        self.sample_exact = self.exact.reshape(-1, 3)[self.sample]
        self.centred = y - y.mean(0)
        self.sst = (self.centred * self.centred).sum(0)

    @property
    def size(self) -> tuple:
        return self.exact.shape[:2]


def targets(actual: np.ndarray) -> tuple:
    """(readings of the actual tensor as Targets, storage note or a refusal reason)."""
    dtype = actual.dtype
    note = None
    float64_values = False
    if dtype in (np.float32, np.float16, np.uint8):
        exact = actual
    elif dtype == np.float64:
        exact = actual.astype(np.float32)
        float64_values = not np.array_equal(exact.astype(np.float64), actual)
        note = "float64"
    elif dtype.kind in "iub" and actual.size and actual.min() >= 0 and actual.max() <= 255:
        exact = actual.astype(np.uint8)
        note = str(dtype)
    else:
        return [], f"dtype {dtype} holds no image values a contract can produce"
    if dtype.kind == "f" and not np.all(np.isfinite(actual)):
        return [], "the tensor holds NaN or infinite values"
    out = []
    for layout in readings(actual.shape):
        hwc = layout.to_hwc(exact)
        h, w = hwc.shape[:2]
        n = h * w
        rng = np.random.default_rng([h, w])  # one sample per size: readings of a size share it
        sample = np.sort(rng.choice(n, SAMPLE, replace=False)) if n > SAMPLE else np.arange(n)
        out.append(Target(layout, np.ascontiguousarray(hwc),
                          np.ascontiguousarray(layout.to_hwc(actual), dtype=np.float64),
                          str(exact.dtype), float64_values, sample))
    if not out:
        return [], (f"shape {tuple(actual.shape)} has no reading as one 3-channel image "
                    "(one axis of 3 channels, height, width, other axes of length 1)")
    return out, note


SLOTS = ((0, 1, 2), (2, 1, 0))  # channel order: the geometry's RGB channel feeding each tensor slot


def r_squared(g: np.ndarray, targets: list) -> list:
    """For each target (all of one size, sharing one sample) and channel order
    (SLOTS): how much of its sampled values a per-channel affine function of the
    geometry's sampled bytes g (n, 3) explains."""
    g = g.astype(np.float64)
    gm = g - np.add.reduce(g, 0) / len(g)
    var = np.einsum("ij,ij->j", gm, gm)
    out = []
    for target in targets:
        cross = gm.T @ target.centred  # cross[j, k]: geometry channel j with tensor slot k
        explained = np.where(var[:, None] > 0, cross * cross / np.where(var > 0, var, 1)[:, None], 0.0)
        total = float(target.sst.sum())
        for slots in SLOTS:
            ssr = total - sum(explained[j, k] for k, j in enumerate(slots))
            if total == 0:  # a constant tensor: only a constant geometry can explain it
                out.append((target, 1.0 if all(var[j] == 0 for j in slots) else 0.0))
            else:
                out.append((target, float(1 - max(ssr, 0.0) / total)))
    return out


def functional(keys: np.ndarray, values: np.ndarray) -> tuple | None:
    """(present byte values, their value) if values is a function of keys (bitwise), else None."""
    bits = ar._bits(np.ascontiguousarray(values))
    table = np.zeros(256, bits.dtype)
    table[keys] = bits
    if not np.array_equal(table[keys], bits):
        return None
    present = np.flatnonzero(np.bincount(keys, minlength=256))
    return present.astype(np.uint8), table[present].view(values.dtype)


@dataclasses.dataclass(eq=False)
class Hypothesis:
    variant: Variant
    structure: geo.Structure
    method: geo.Method | None
    steps: list  # geometric steps as run (fills in RGB order)
    target: Target
    order: int  # index into SLOTS
    chain: ar.Chain | None = None
    split: int | None = None  # with a float resize: arithmetic ops before it
    kinds: frozenset = frozenset()
    contract: dict | None = None
    tensor: np.ndarray | None = None  # the explanation's tensor, shaped and typed as the actual
    score: float = 0.0


class Search:
    def __init__(self, training: dict, source: np.ndarray, from_file: bool, actual: np.ndarray,
                 file=None, exif_transpose: bool = False, expected_shape: tuple = ()):
        self.training = training
        self.source = source
        self.from_file = from_file
        self.actual = actual
        self.file = file
        self.exif_transpose = exif_transpose
        self.expected_shape = tuple(expected_shape)
        self.residual_words = ""  # set by the caller for a close match (the decode suspect quotes it)
        steps = training["steps"]
        first_float = next((i for i, s in enumerate(steps) if s["op"] == "to_float"), len(steps))
        after = steps[first_float:]
        self.geometry = [s for s in steps[:first_float] if s["op"] in geo.GEOMETRY_OPS] + [
            {**s, geo.FLOAT: True} if s["op"] == "resize" else s for s in after if s["op"] in geo.GEOMETRY_OPS]
        first_geo = next((i for i, s in enumerate(after) if s["op"] in geo.GEOMETRY_OPS), len(after))
        # arithmetic ops before a float resize (the rest come after it)
        self.training_split = sum(1 for s in after[:first_geo] if s["op"] in ar.ARITH_OPS[2:])
        self.chain = ar.training_chain(steps, training["output"]["dtype"])
        slots = [geo.slot_method(s) for s in self.geometry if s["op"] in ("resize", "letterbox")]
        self.training_method = slots[0] if slots else None
        self.representative = self.training_method or geo.Method("pillow", "bilinear")
        self.out_color = training["output"]["color"]
        self.out_roles = ROLES[training["output"]["layout"]]
        self.targets, self.storage = targets(actual)
        self._pipes: dict = {}
        self._runs: dict = {}
        self._chains: dict = {}  # observed byte -> value tables -> the chains reproducing them
        self._alive: list = []  # variants keyed by id() in _runs stay alive, so ids are never reused
        self.tried = 0
        self.method_scored: list = []  # every candidate the method pass scored

    # ---- kernel runs ---------------------------------------------------------------

    def pipe(self, doc: dict):
        text = json.dumps(doc, sort_keys=True)
        if text not in self._pipes:
            try:
                self._pipes[text] = _compile(text)
            except (ValueError, RuntimeError):
                self._pipes[text] = None
        return self._pipes[text]

    def geometry_doc(self, variant: Variant, steps: list) -> dict:
        """The geometric steps alone, output HWC RGB: uint8 pixels, or float32
        values (0-255) when the steps hold a float resize."""
        uint8, floats = geo.split_float(steps)
        if floats:
            return {"pixelpact": 1, "input": variant.input_doc(),
                    "steps": uint8 + [{"op": "to_float", "dtype": "float32"}] + floats,
                    "output": {"layout": "HWC", "dtype": "float32", "color": "RGB"}}
        return {"pixelpact": 1, "input": variant.input_doc(), "steps": steps,
                "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}

    def run_geometry(self, variant: Variant, steps: list, sizes: set) -> np.ndarray | None:
        """The RGB pixels after `steps` (uint8; float32 after a float resize), or None
        if invalid here or not of a wanted size. Cached per input and steps."""
        key = (id(variant), json.dumps(steps, sort_keys=True))
        if key in self._runs:
            return self._runs[key]
        self._alive.append(variant)
        pipe = self.pipe(self.geometry_doc(variant, steps))
        out = None
        if pipe is not None:
            h, w = variant.image.shape[:2]
            try:
                shape = pipe.output_shape(h, w)
            except Exception:  # noqa: BLE001 - a size rule that cannot apply to this image
                shape = None
            if shape is not None and tuple(shape[:2]) in sizes:
                try:
                    out = pipe.run(variant.image)
                    self.tried += 1
                except Exception:  # noqa: BLE001 - a run-time refusal (e.g. premultiplied padding)
                    out = None
        self._runs[key] = out
        return out

    # ---- the passes ------------------------------------------------------------------

    def run(self) -> tuple:
        """(exact hypotheses, best fitting hypothesis or None)."""
        if not self.targets:
            return [], None
        sizes = {t.size for t in self.targets}
        inputs = variants(self.source, self.from_file, self.training["input"])
        inputs += self.inferred_backgrounds(inputs, sizes)
        scored = self.structure_pass(inputs, sizes)
        if not scored or max(h.score for h in scored) < UNRELATED:
            return [], self.best(scored) if scored else None
        exact = self.method_pass(self.beam(scored), sizes)
        if not exact:
            exact = self.decoder_pass(sizes)
        return exact, self.best(scored + self.method_scored)

    def ranked(self, hypotheses: list) -> list:
        """Best first by the log-odds of R^2 (explained over unexplained variance, in
        decades), each change costing KIND_PENALTY decades: among nearly equal fits the
        one with fewer changes, while a change that explains much more wins, whether
        the fits are near 1 (a few ulps) or near 0 (a noise image through another filter)."""
        def key(h):
            r2 = min(max(h.score, 1e-15), 1 - 1e-15)
            return -np.log10(r2 / (1 - r2)) + KIND_PENALTY * len(self.kinds(h))

        return sorted(hypotheses, key=key)

    def best(self, hypotheses: list):
        return self.ranked(hypotheses)[0]

    def structure_pass(self, inputs: list, sizes: set) -> list:
        """Every input with the core structures; then, unless one of them already
        fits all but rounding, every structure with the inputs that scored best."""
        scored, best_by_input = [], {}
        for vid, variant in enumerate(inputs):
            for target_size in sorted(sizes):
                for struct in geo.structures(self.geometry, target_size, self.representative,
                                             variant.image.shape[:2]):
                    if struct.core:
                        found = self.score_structure(variant, struct, target_size)
                        scored += found
                        for h in found:
                            best_by_input[vid] = max(best_by_input.get(vid, -np.inf), h.score)
        if not best_by_input:
            return scored
        top = max(best_by_input.values())
        if top >= SETTLED:
            return scored
        ranked = sorted(best_by_input, key=lambda v: -best_by_input[v])
        for vid in [0] + [v for v in ranked[:INPUT_BEAM] if v != 0]:
            if vid != 0 and best_by_input[vid] < top - BEAM_MARGIN:
                continue
            for target_size in sorted(sizes):
                for struct in geo.structures(self.geometry, target_size, self.representative,
                                             inputs[vid].image.shape[:2]):
                    if not struct.core:
                        scored += self.score_structure(inputs[vid], struct, target_size)
        return scored

    def score_structure(self, variant, struct, target_size) -> list:
        steps = struct.with_method(self.representative) or struct.step_dicts
        g = self.run_geometry(variant, steps, {target_size})
        if g is None:
            return []
        return self.score(variant, struct, None, steps, g)

    def score(self, variant, struct, method, steps, g) -> list:
        out = []
        matching = [t for t in self.targets if t.size == g.shape[:2]]
        if not matching:
            return out
        scores = r_squared(g.reshape(-1, 3)[matching[0].sample], matching)
        for i, (target, s) in enumerate(scores):
            out.append(Hypothesis(variant, struct, method, steps, target, i % len(SLOTS), score=s))
        return out

    def beam(self, scored: list) -> list:
        """The best (input, structure) pairs, each once, best first."""
        best: dict = {}
        for h in scored:
            key = (id(h.variant), h.structure)
            if key not in best or h.score > best[key].score:
                best[key] = h
        return self.ranked(list(best.values()))[:BEAM]

    def methods_for(self, struct: geo.Structure) -> list:
        steps = struct.step_dicts
        if not any(geo.is_slot(s) for s in steps):
            return [None]
        first = [self.training_method] if self.training_method else []
        methods = first + [m for m in geo.RESIZE_METHODS if m not in first]
        if geo.float_compatible(steps) and self.chain.steps:
            methods += [m for m in geo.FLOAT_METHODS if m not in first]
        return methods

    def method_pass(self, beam: list, sizes: set) -> list:
        """Every resampling method on the beam's structures; exact explanations,
        preferred first. A candidate that cannot beat the best found is skipped."""
        found: list = []
        best = None
        tested: dict = {}  # geometry output already tested for exactness -> its preference bound
        for rank, entry in enumerate(beam):
            variant = entry.variant
            base = variant.kinds | entry.structure.kinds
            for method in self.methods_for(entry.structure):
                if method is not None and method.on_float and rank >= FLOAT_BEAM:
                    continue  # float resizes are slow to run: only on the best structures
                method_kinds = self.method_kinds(entry.structure, method)
                bound = self.preference(Hypothesis(variant, entry.structure, method, [], entry.target, 0,
                                                   kinds=base | method_kinds))
                if best is not None and bound >= best:
                    continue
                steps = entry.structure.with_method(method) if method else entry.structure.step_dicts
                if steps is None:
                    continue
                pending, tried_fills = [(variant, steps)], False
                while pending:
                    variant, steps = pending.pop(0)
                    g = self.run_geometry(variant, steps, sizes)
                    if g is None:
                        continue
                    self.method_scored += self.score(variant, entry.structure, method, steps, g)
                    digest = hash((g.dtype.str, g.shape, g.tobytes()))
                    if tested.get(digest, (np.inf,)) <= bound:
                        continue  # the same pixels were tested with an explanation at least as simple
                    tested[digest] = bound
                    if g.dtype.kind == "f":
                        hits = self.float_exact_on(variant, entry.structure, method, steps, g)
                    else:
                        hits = self.exact_on(variant, entry.structure, method, steps, g)
                    for h in hits:
                        found.append(h)
                        if best is None or self.preference(h) < best:
                            best = self.preference(h)
                    if not hits and not tried_fills:
                        tried_fills = True
                        pending += [(variant, s) for s in self.fill_variants(variant, steps, g)]
                        pending += [(v, steps) for v in self.background_variants(variant, steps, sizes)]
        found.sort(key=self.preference)
        return found

    def preference(self, h: Hypothesis) -> tuple:
        """Fewest changes first; among equals the simpler input, structure, method."""
        methods = geo.RESIZE_METHODS
        m = methods.index(h.method) if h.method in methods else (-1 if h.method == self.training_method else 0)
        return (len(h.kinds), len(h.variant.kinds), h.structure.rank, m)

    def fill_variants(self, variant, steps, g) -> list:
        """For a letterbox whose padding colour does not fit: the steps with the
        padding colour read back from the tensor (its padded pixels mapped through
        the affine fit of the image pixels), per reading and channel order."""
        boxes = [i for i, s in enumerate(steps) if s["op"] == "letterbox" and s.get("rule") != "blob_crop"]
        if not boxes:
            return []
        pipe = self.pipe(self.geometry_doc(variant, steps))
        y0, x0, y1, x1 = pipe.geometry(*variant.image.shape[:2])["content"]
        out = []
        for target in self.targets:
            if target.size != g.shape[:2]:
                continue
            rows, cols = np.divmod(target.sample, g.shape[1])
            inside = (rows >= y0) & (rows < y1) & (cols >= x0) & (cols < x1)
            if inside.all() or not inside.any():
                continue
            flat = g.reshape(-1, 3)[target.sample].astype(np.float64)
            y = target.fit.reshape(-1, 3)[target.sample]
            for slots in SLOTS:
                rgb = [0, 0, 0]
                for k, j in enumerate(slots):
                    x = flat[inside, j]
                    xm, ym = x.mean(), y[inside, k].mean()
                    var = ((x - xm) ** 2).sum()
                    a = ((x - xm) * (y[inside, k] - ym)).sum() / var if var > 0 else 0.0
                    pad = y[~inside, k].mean()
                    rgb[j] = int(np.clip(np.rint((pad - ym) / a + xm), 0, 255)) if a else 0
                for i in boxes:
                    changed = [dict(s) for s in steps]
                    changed[i]["fill"] = rgb
                    if changed not in out and changed != steps:
                        out.append(changed)
        return out

    def inferred_backgrounds(self, inputs: list, sizes: set) -> list:
        """Composite inputs with the background colour read back through the
        training's own steps (refined per method later, see background_variants)."""
        composite = next((v for v in inputs if dict(v.alpha).get("alpha") == "composite"), None)
        if composite is None:
            return []
        out = []
        for size in sorted(sizes):
            for struct in geo.structures(self.geometry, size, self.representative)[:1]:
                steps = struct.with_method(self.representative) or struct.step_dicts
                for v in self.background_variants(composite, steps, {size}):
                    if not any(dict(v.alpha) == dict(o.alpha) for o in inputs + out):
                        out.append(v)
        return out

    def background_variants(self, variant, steps, sizes) -> list:
        """For an input composited onto a background that does not fit: the
        background colour read back from the tensor where the resampled alpha is 0
        (those pixels are the background alone), through the affine fit of the rest."""
        if dict(variant.alpha).get("alpha") != "composite":
            return []
        alpha = variant.image[..., 3]
        carrier = Variant(np.ascontiguousarray(np.repeat(alpha[..., None], 3, axis=2)), "RGB")
        a = self.run_geometry(carrier, steps, sizes)
        g = self.run_geometry(variant, steps, sizes)
        if a is None or g is None or a.dtype != np.uint8:
            return []
        clear, opaque = a[..., 0] == 0, a[..., 0] == 255
        if not clear.any() or opaque.sum() < 2:
            return []
        out = []
        for target in self.targets:
            if target.size != g.shape[:2]:
                continue
            for slots in SLOTS:
                rgb = [0, 0, 0]
                for k, j in enumerate(slots):
                    x = g[..., j][opaque].astype(np.float64)
                    y = target.fit[..., k][opaque]
                    if x.std() == 0:
                        break
                    slope, intercept = np.polyfit(x, y, 1)
                    rgb[j] = int(np.clip(np.rint((target.fit[..., k][clear].mean() - intercept) / slope), 0, 255))
                else:
                    background = list(rgb)
                    alpha_doc = tuple((k, background if k == "background" else v) for k, v in variant.alpha)
                    changed = dataclasses.replace(variant, alpha=alpha_doc)
                    if background != dict(variant.alpha).get("background") and not any(
                            dict(v.alpha) == dict(changed.alpha) for v in out):
                        out.append(changed)
        return out

    def method_kinds(self, struct: geo.Structure, method) -> frozenset:
        used = method or (struct.methods()[0] if struct.methods() else None)
        if used is None or self.training_method is None:
            return frozenset()
        return frozenset({"resize_method"}) if used != self.training_method else frozenset()

    def decoder_pass(self, sizes: set) -> list:
        """The file as other JPEG decoders decode it: each decode scored with the
        best geometries found; the best decodes then get every resampling method on
        those geometries. Only when the best fit is decent: decoders change pixels
        a little, not into another image."""
        if self.file is None or not self.from_file or not self.method_scored:
            return []
        top = self.distinct(self.method_scored, DECODER_BEAM)
        if max(h.score for h in top) < NEARLY_EXACT:
            return []
        scored = []
        for name, image in decodes(self.file, self.source, self.exif_transpose):
            for h in top:
                variant = reoriented(h.variant, image, name, self.from_file)
                g = self.run_geometry(variant, h.steps, sizes)
                if g is not None:
                    scored += self.score(variant, h.structure, h.method, h.steps, g)
        if not scored:
            return []
        entries = self.distinct(scored, DECODER_BEAM, by_structure=True)
        return self.method_pass(entries, sizes)

    def distinct(self, hypotheses: list, n: int, by_structure: bool = False) -> list:
        """The n best-ranked hypotheses with distinct inputs and steps (or structures)."""
        seen, out = set(), []
        for h in self.ranked(hypotheses):
            key = (id(h.variant), h.structure if by_structure else json.dumps(h.steps, sort_keys=True))
            if key not in seen:
                seen.add(key)
                out.append(h)
            if len(out) == n:
                break
        return out

    # ---- exactness --------------------------------------------------------------------

    def exact_on(self, variant, struct, method, steps, g) -> list:
        out = []
        for target in self.targets:
            if target.size != g.shape[:2]:
                continue
            for order, slots in enumerate(SLOTS):
                if not self.sample_functional(g, target, slots):
                    continue
                h = self.explain(variant, struct, method, steps, g, target, order)
                if h is not None:
                    out.append(h)
        return out

    @staticmethod
    def sample_functional(g, target, slots) -> bool:
        flat = g.reshape(-1, 3)[target.sample]
        y = target.sample_exact
        return all(functional(flat[:, slots[k]], y[:, k]) is not None for k in range(3))

    def explain(self, variant, struct, method, steps, g, target, order) -> Hypothesis | None:
        slots = SLOTS[order]
        present, exact, fit = [], [], []
        for k in range(3):
            keys = g[..., slots[k]].ravel()
            f = functional(keys, target.exact[..., k].ravel())
            if f is None:
                return None
            present.append(f[0])
            exact.append(f[1])
            table = np.zeros(256)
            table[keys] = target.fit[..., k].ravel()
            fit.append(table[f[0]])
        observed = ar.Observed(present, exact, fit, target.dtype, target.float64_values)
        color = "RGB" if order == 0 else "BGR"
        first = self.training_chains(color, target.dtype)
        key = (observed.key(), tuple(c.steps for c in first))
        if key not in self._chains:
            chains: list = []
            ar.solve(observed, target.float64_values, first, lambda c: chains.append(c) or False)
            self._chains[key] = chains
        hypotheses = [h for h in (self.verify(variant, struct, method, steps, g, target, order, chain)
                                  for chain in self._chains[key]) if h is not None]
        if not hypotheses:
            return None
        return min(hypotheses, key=lambda h: len(h.kinds))

    def training_chains(self, color: str, dtype: str) -> list:
        base = ar.Chain.of(self.chain.step_dicts, dtype) if self.chain.steps else None
        if base is None:
            return []
        if color == self.out_color:
            return [base]
        return [base, ar.reversed_chain(base)]

    def contract_for(self, variant, steps, target, order, chain, split=None, layout=None) -> dict:
        color = "RGB" if order == 0 else "BGR"
        geometry = []
        for s in steps:
            s = dict(s)
            if color == "BGR" and isinstance(s.get("fill"), list) and len(s["fill"]) == 3:
                s["fill"] = s["fill"][::-1]
            geometry.append(s)
        uint8, floats = geo.split_float(geometry)
        arithmetic = chain.step_dicts
        if floats:  # to_float, the ops before the float resize, the resize and crops, the rest
            head = 1 + (split or 0)
            body = uint8 + arithmetic[:head] + floats + arithmetic[head:]
        else:
            body = geometry + arithmetic
        doc = {"pixelpact": 1}
        if "name" in self.training:
            doc["name"] = self.training["name"] + "-as-served"
        doc.update({"input": variant.input_doc(), "steps": body,
                    "output": {"layout": layout or target.layout.nearest_contract_layout, "dtype": chain.dtype,
                               "color": color}})
        return doc

    def float_exact_on(self, variant, struct, method, steps, g) -> list:
        """A float resize: the tensor is an affine function of its float output up to
        rounding, not a function of bytes. Chains are solved from the affine fit and
        each is run whole, with its ops before and after the resize, and compared."""
        out = []
        for target in self.targets:
            if target.size != g.shape[:2] or target.float64_values or target.dtype == "uint8":
                continue
            flat = g.reshape(-1, 3)[target.sample]
            for order, score in enumerate(r_squared(flat, [target])):
                score = score[1]
                if score < FLOAT_AFFINE:
                    continue
                h = self.float_explain(variant, struct, method, steps, g, target, order)
                if h is not None:
                    out.append(h)
        return out

    def float_explain(self, variant, struct, method, steps, g, target, order) -> Hypothesis | None:
        slots = SLOTS[order]
        color = "RGB" if order == 0 else "BGR"
        flat = g.reshape(-1, 3)[target.sample].astype(np.float64)
        y = target.fit.reshape(-1, 3)[target.sample]
        fits = []
        for k in range(3):
            x = flat[:, slots[k]]
            if x.std() == 0:
                return None
            a, b = np.polyfit(x, y[:, k], 1)
            fits.append((float(a), float(b)))
        candidates = [(c, None) for c in self.training_chains(color, target.dtype)]
        for name, build, solver in ar.FAMILIES:
            if name not in FLOAT_FAMILIES:
                continue
            solved = [solver(a, b) for a, b in fits]
            if any(x is None for x in solved):
                continue
            lists = [[ar.snap(v, ar.TOLERANCE["float16"], sc)[:FLOAT_OPERANDS] for v, sc in slot] for slot in solved]
            if any(not l for slot in lists for l in slot):
                continue
            candidates.append((name, (build, lists)))
        for chain, family in candidates:
            n_ops = len(chain.ops()) if family is None else len(family[0]([0.0] * len(family[1][0])))
            splits = sorted(range(n_ops + 1), key=lambda k: (k != self.training_split, k))
            for split in splits:
                found = (self.float_verify(variant, struct, method, steps, g, target, order, chain, split)
                         if family is None else
                         self.float_family(variant, struct, method, steps, g, target, order, family, split))
                if found is not None:
                    return found
        return None

    def float_family(self, variant, struct, method, steps, g, target, order, family, split):
        """Per-slot operands from each slot's snapped lists, one whole run per try."""
        build, lists = family
        per_slot = [ar._tuples(l, FLOAT_OPERANDS ** 2) for l in lists]
        chosen = [None, None, None]
        for j in range(max(len(t) for t in per_slot)):
            operands = [t[min(j, len(t) - 1)] for t in per_slot]
            chain = ar.Chain.of(ar.build_steps(ar._merge(build, operands), ("float32",) * 8), target.dtype)
            hwc = self.run_whole(variant, steps, target, order, chain, split)
            if hwc is None:
                return None
            for k in range(3):
                if chosen[k] is None and np.array_equal(ar._bits(hwc[..., k]), ar._bits(target.exact[..., k])):
                    chosen[k] = operands[k]
            if all(c is not None for c in chosen):
                chain = ar.Chain.of(ar.build_steps(ar._merge(build, chosen), ("float32",) * 8), target.dtype)
                return self.float_verify(variant, struct, method, steps, g, target, order, chain, split)
        return None

    def run_whole(self, variant, steps, target, order, chain, split):
        pipe = self.pipe(self.contract_for(variant, steps, target, order, chain, split, layout="HWC"))
        if pipe is None:
            return None
        self.tried += 1
        try:
            return pipe.run(variant.image)
        except Exception:  # noqa: BLE001 - refused at run time
            return None

    def float_verify(self, variant, struct, method, steps, g, target, order, chain, split):
        hwc = self.run_whole(variant, steps, target, order, chain, split)
        if hwc is None or not np.array_equal(ar._bits(hwc), ar._bits(target.exact)):
            return None
        return self.verify(variant, struct, method, steps, g, target, order, chain, split)

    def verify(self, variant, struct, method, steps, g, target, order, chain, split=None) -> Hypothesis | None:
        doc = self.contract_for(variant, steps, target, order, chain, split)
        pipe = self.pipe(doc)
        if pipe is None:
            return None
        out = pipe.run(variant.image)
        self.tried += 1
        contract_layout = Layout(ROLES[target.layout.nearest_contract_layout], out.shape)
        tensor = target.layout.from_hwc(contract_layout.to_hwc(out))
        if target.float64_values:
            if not np.array_equal(ar._bits(tensor), ar._bits(target.layout.from_hwc(target.exact))):
                return None
            table = ar.emulate_float64(chain)
            slots = SLOTS[order]
            hwc = np.stack([table[g[..., slots[k]], k] for k in range(3)], axis=-1)
            tensor = target.layout.from_hwc(hwc)
        elif tensor.dtype != self.actual.dtype:
            tensor = tensor.astype(self.actual.dtype)
        if not np.array_equal(ar._bits(tensor) if tensor.dtype.kind == "f" else tensor,
                              ar._bits(self.actual) if self.actual.dtype.kind == "f" else self.actual):
            return None
        h = Hypothesis(variant, struct, method, steps, target, order, chain, split, contract=doc, tensor=tensor)
        h.kinds = self.kinds(h)
        return h

    def arithmetic_kinds(self, h: Hypothesis) -> set:
        from .explain import arithmetic_kinds

        color = "RGB" if h.order == 0 else "BGR"
        return arithmetic_kinds(self.chain, h.chain, color != self.out_color) if h.chain is not None else set()

    def kinds(self, h: Hypothesis) -> frozenset:
        kinds = set(h.variant.kinds | h.structure.kinds | self.method_kinds(h.structure, h.method))
        if any(a.get("fill") != b.get("fill") for a, b in zip(h.steps, h.structure.step_dicts)):
            kinds.add("crop")  # a padding colour read back from the tensor
        if h.target.layout.roles != self.out_roles:
            kinds.add("layout")
        color = "RGB" if h.order == 0 else "BGR"
        if color != self.out_color:
            kinds.add("channel_order")
        kinds |= self.arithmetic_kinds(h)
        if self.actual.dtype != np.dtype(self.training["output"]["dtype"]):
            kinds.add("dtype")
        return frozenset(kinds)
