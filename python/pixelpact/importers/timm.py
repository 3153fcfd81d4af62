"""pixelpact.from_timm: timm's eval transform as a contract.

The transform is built by timm itself (``timm.data.create_transform`` on
``timm.data.resolve_data_config``), from a pretrained_cfg, a data config or a
model, without downloading weights; then imported by from_torchvision with PIL
input (timm's eval transforms are torchvision v1 on PIL images):
crop_mode center (Resize(shorter) or ResizeKeepRatio, then CenterCrop), squash
(Resize((s, s)) then CenterCrop) and border (ResizeKeepRatio(longest=1), then
CenterCropOrPad with fill round(255 * mean)); crop_pct; interpolation; mean/std.
"""
from __future__ import annotations

from typing import Any

from ._common import UnsupportedTransform
from .torchvision import from_torchvision

DATA_CONFIG_KEYS = {"input_size", "interpolation", "mean", "std", "crop_pct", "crop_mode"}


def from_timm(source: Any, *, input_color: str = "RGB", alpha: str | None = None) -> dict:
    """source: a timm model, a pretrained_cfg (dict or PretrainedCfg), or a
    resolved data config (the dict resolve_data_config returns).

    input_color, alpha: what the caller passes, as for from_torchvision. timm's own
    datasets make every image RGB with ``convert("RGB")`` (``input_img_mode``) before
    this transform, which is ``alpha="drop"`` for RGBA images."""
    import timm.data

    if hasattr(source, "pretrained_cfg") and hasattr(source, "forward"):
        config = timm.data.resolve_data_config({}, model=source)
    else:
        cfg = source.to_dict() if hasattr(source, "to_dict") else dict(source)
        if set(cfg) <= DATA_CONFIG_KEYS and {"input_size", "mean", "std"} <= set(cfg):
            config = cfg
        else:
            config = timm.data.resolve_data_config({}, pretrained_cfg=cfg)
    if config.get("interpolation") == "random":
        raise UnsupportedTransform("interpolation 'random' has no exact contract")
    transform = timm.data.create_transform(**config, is_training=False)
    doc = from_torchvision(transform, input="pil", input_color=input_color, alpha=alpha)
    doc["name"] = "timm-eval"
    note = doc["description"].split("from_torchvision", 1)[1]  # the input colour's note, if any
    doc["description"] = f"timm eval transform for {config}, imported by pixelpact.from_timm{note}"
    return doc
