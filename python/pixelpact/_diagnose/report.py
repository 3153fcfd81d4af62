"""The diagnosis as one self-contained HTML page: the expected and actual tensors
turned back into pictures, per-channel difference heat maps, value histograms and
the suspects with their fixes. Pictures are PNG (written here with zlib) embedded
as data URIs, so the file can be mailed or attached to a CI run."""
from __future__ import annotations

import base64
import html
import json
import struct
import zlib

import numpy as np

from . import arithmetic as ar
from .layout import ROLES, Layout, readings

EXPECTED_RGB = (66, 133, 244)
ACTUAL_RGB = (234, 117, 0)
CHANNEL_NAMES = {"RGB": "RGB", "BGR": "BGR"}


def png(image: np.ndarray) -> bytes:
    """An (H, W, 3) or (H, W) uint8 array as PNG bytes (8-bit RGB or gray, no filter)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    h, w = image.shape[:2]
    color = 2 if image.ndim == 3 else 0
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def data_uri(image: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png(image)).decode("ascii")


def _affine(doc: dict | None) -> np.ndarray:
    """(3, 2) per output slot (a, b): value = a * byte + b of a contract's arithmetic."""
    if doc is None:
        return np.tile([1.0, 0.0], (3, 1))
    chain = ar.training_chain(doc["steps"], doc["output"]["dtype"])
    return chain.affine()


def to_pixels(hwc: np.ndarray, affine: np.ndarray, color: str) -> np.ndarray:
    """Tensor values (H, W, 3) back to displayable RGB bytes through the inverse affine."""
    a, b = affine[:, 0], affine[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        pixels = (hwc.astype(np.float64) - b) / np.where(a == 0, 1, a)
    pixels = np.nan_to_num(np.clip(np.rint(pixels), 0, 255)).astype(np.uint8)
    return pixels[..., ::-1] if color == "BGR" else pixels


def heat(diff: np.ndarray, peak: float) -> np.ndarray:
    """|difference| (H, W) as a black-red-yellow-white heat map, peak = white."""
    t = np.clip(diff / peak, 0, 1) if peak > 0 else np.zeros_like(diff)
    r = np.clip(3 * t, 0, 1)
    g = np.clip(3 * t - 1, 0, 1)
    b = np.clip(3 * t - 2, 0, 1)
    return (np.stack([r, g, b], axis=-1) * 255).astype(np.uint8)


def histogram(expected: np.ndarray, actual: np.ndarray | None, width: int = 256, height: int = 96) -> np.ndarray:
    """Overlaid value histograms (expected blue, actual orange) on a shared range."""
    values = [v.astype(np.float64).ravel() for v in (expected, actual) if v is not None and v.size]
    lo = min(float(v.min()) for v in values)
    hi = max(float(v.max()) for v in values)
    if hi <= lo:
        hi = lo + 1
    canvas = np.full((height, width, 3), 255.0)
    for v, rgb in ((expected, EXPECTED_RGB), (actual, ACTUAL_RGB)):
        if v is None or not v.size:
            continue
        counts, _ = np.histogram(v.astype(np.float64).ravel(), bins=width, range=(lo, hi))
        bars = np.ceil(counts / max(counts.max(), 1) * (height - 4)).astype(int)
        for x, n in enumerate(bars):
            if n:
                canvas[height - n:, x] = 0.45 * canvas[height - n:, x] + 0.55 * np.array(rgb)
    canvas[-1, :] = 0
    return canvas.astype(np.uint8)


def _reading(diagnosis) -> Layout | None:
    if diagnosis.actual.dtype.kind not in "fiub":
        return None
    if diagnosis.actual_layout is not None:
        return diagnosis.actual_layout
    found = readings(diagnosis.actual.shape)
    return found[0] if found else None


def _img(uri: str, caption: str, width: int = 224) -> str:
    return (f'<figure><img src="{uri}" width="{width}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def render(diagnosis) -> str:
    training = diagnosis.training
    t_layout = Layout(ROLES[training["output"]["layout"]], diagnosis.expected.shape)
    t_color = training["output"]["color"]
    t_affine = _affine(training)
    expected_hwc = t_layout.to_hwc(diagnosis.expected).astype(np.float64)
    figures = [_img(data_uri(to_pixels(expected_hwc, t_affine, t_color)),
                    f"expected: the training contract's tensor {tuple(diagnosis.expected.shape)}, as pixels")]
    reading = _reading(diagnosis)
    actual_hwc = None
    if reading is not None:
        actual_hwc = reading.to_hwc(diagnosis.actual).astype(np.float64)
        if np.all(np.isfinite(actual_hwc)):
            figures.append(_img(data_uri(to_pixels(actual_hwc, t_affine, t_color)),
                                f"actual {tuple(diagnosis.actual.shape)} {diagnosis.actual.dtype}, read as "
                                "the training contract's arithmetic and channel order (what the model sees)"))
            if diagnosis.contract is not None and diagnosis.match != "none":
                served = to_pixels(actual_hwc, _affine(diagnosis.contract), diagnosis.contract["output"]["color"])
                figures.append(_img(data_uri(served), "actual, read with the inferred serving contract "
                                                      "(the pixels the serving side resampled)"))
        else:
            actual_hwc = None
    heat_figures = []
    if actual_hwc is not None and actual_hwc.shape == expected_hwc.shape:
        diff = np.abs(actual_hwc - expected_hwc)
        peak = float(diff.max())
        for k in range(3):
            heat_figures.append(_img(data_uri(heat(diff[..., k], peak)),
                                     f"|actual - expected|, channel {k} ({t_color[k]}); white = {peak:.4g}", 160))
    hist_figures = []
    for k in range(3):
        e = expected_hwc[..., k]
        a = actual_hwc[..., k] if actual_hwc is not None else (
            diagnosis.actual.astype(np.float64) if k == 0 and diagnosis.actual.dtype.kind in "fiub"
            and np.all(np.isfinite(diagnosis.actual)) else None)
        hist_figures.append(_img(data_uri(histogram(e, a)), f"values, channel {k}: expected (blue), actual (orange)",
                                 256))
    suspects = "".join(
        f'<li><span class="kind">{html.escape(s.kind)}</span> {html.escape(s.detail)}'
        f'<div class="fix">fix: {html.escape(s.fix)}</div></li>' for s in diagnosis.suspects)
    if not suspects:
        suspects = ("<li>none: the serving tensor is the training tensor, bit for bit</li>"
                    if diagnosis.match == "exact" else "<li>no explanation found</li>")
    residual = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(json.dumps(v))}</td></tr>"
                       for k, v in diagnosis.residual.items())
    contract = (html.escape(json.dumps(diagnosis.contract, indent=2)) if diagnosis.contract is not None
                else "no contract reproduces the actual tensor")
    verdict = {"exact": "explained exactly", "close": "explained approximately", "none": "not explained"}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pixelpact diagnosis: {diagnosis.match}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 24px; color: #1d1d1f; background: #fafafa; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }} h2 {{ font-size: 17px; margin: 22px 0 8px; }}
.badge {{ display: inline-block; padding: 2px 10px; border-radius: 10px; color: #fff; font-weight: 600;
  background: {"#1e8e3e" if diagnosis.match == "exact" else "#e37400" if diagnosis.match == "close" else "#c5221f"}; }}
.row {{ display: flex; flex-wrap: wrap; gap: 16px; }}
figure {{ margin: 0; max-width: 260px; }} figure img {{ image-rendering: pixelated; border: 1px solid #ccc;
  background: #fff; }}
figcaption {{ font-size: 12px; color: #555; }}
ol li {{ margin-bottom: 10px; }} .kind {{ font-family: monospace; font-weight: 700; background: #eef;
  padding: 1px 6px; border-radius: 4px; }} .fix {{ color: #1e5e1e; margin-top: 2px; }}
table {{ border-collapse: collapse; font-size: 13px; }} th, td {{ border: 1px solid #ddd; padding: 3px 8px;
  text-align: left; vertical-align: top; }}
pre {{ background: #fff; border: 1px solid #ddd; padding: 10px; overflow-x: auto; font-size: 12px; }}
</style></head><body>
<h1>pixelpact diagnosis <span class="badge">{diagnosis.match}</span></h1>
<div>{verdict[diagnosis.match]}; contract {html.escape(training.get("name", "(unnamed)"))};
{diagnosis.candidates} candidate pipelines run in {diagnosis.seconds:.2f} s</div>
<h2>Suspects, in the order to check them</h2><ol>{suspects}</ol>
<h2>Pictures</h2><div class="row">{"".join(figures)}</div>
<h2>Difference per channel</h2><div class="row">{"".join(heat_figures) or "shapes differ: no pixel-wise difference"}</div>
<h2>Value histograms</h2><div class="row">{"".join(hist_figures)}</div>
<h2>Residual</h2><table>{residual}</table>
<h2>The serving side as a contract</h2><pre>{contract}</pre>
<h2>Training contract</h2><pre>{html.escape(json.dumps(training, indent=2))}</pre>
</body></html>
"""


def write_report(diagnosis, path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(render(diagnosis))
