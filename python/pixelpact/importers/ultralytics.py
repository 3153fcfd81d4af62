"""pixelpact.from_ultralytics: the YOLO predictor's preprocessing as a contract.

ultralytics/engine/predictor.py: LetterBox(imgsz, auto, stride) on the BGR
image (cv2.resize INTER_LINEAR, padding 114), then BGR -> RGB, HWC -> CHW,
``.float() / 255`` (a float32 true division on CPU). The contract's input is
the BGR image as cv2.imread returns it. Its resampling is the 'opencv' resize
engine, which this build may not have: loading the contract then fails with a
ContractError naming the engine.
"""
from __future__ import annotations

from ._common import contract, size_hw


def from_ultralytics(imgsz=640, stride: int = 32, auto: bool = False, scaleup: bool = True,
                     fill: int = 114) -> dict:
    """imgsz: an int or (height, width); auto: pad only to a multiple of stride
    (the rect predictor of .pt models); exported static models use auto=False."""
    steps = [{"op": "letterbox", "size": size_hw(imgsz), "fill": fill, "auto": bool(auto), "stride": int(stride),
              "scaleup": bool(scaleup), "center": True, "interpolation": "bilinear", "engine": "opencv"},
             {"op": "to_float", "dtype": "float32"}, {"op": "div", "value": 255}]
    return contract("ultralytics-yolo", steps, input_color="BGR", layout="NCHW", color="RGB",
                    description="Ultralytics predictor preprocessing, imported by pixelpact.from_ultralytics")
