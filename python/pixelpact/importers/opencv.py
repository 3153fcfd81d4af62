"""pixelpact.from_opencv_blob: cv2.dnn.blobFromImage as a contract.

modules/dnn/src/dnn_utils.cpp (blobFromImagesWithParamsImpl): resize (if a
size is given) with INTER_LINEAR, copy to NCHW planes (swapRB swaps planes 0
and 2), then per blob channel c: (float(p) - float(mean[c])) * float(scale), a
float32 subtract then a float32 multiply, with mean in the blob's (post-swap)
channel order. The input is the BGR image as cv2.imread returns it.

Resizing to `size` is the 'opencv' resize engine's job (cv2.resize to the exact
size). crop=True resizes by the float factor max(w / W, h / H) (dsize rounded,
samples at the factor itself), which no resize step states yet: it is refused.
"""
from __future__ import annotations

from ._common import UnsupportedTransform, contract, f32


def from_opencv_blob(scalefactor=1.0, size=None, mean=(0.0, 0.0, 0.0), swapRB: bool = False,
                     crop: bool = False) -> dict:
    """size: None (no resize) or (width, height) as OpenCV spells it; mean: 1
    or 3 values in blob channel order; scalefactor: a number or 3 numbers."""
    steps: list[dict] = []
    if size is not None and tuple(size) != (0, 0):
        if crop:
            raise UnsupportedTransform("blobFromImage(crop=True) resamples at a float factor; no contract step "
                                       "states that yet")
        width, height = (int(v) for v in size)
        steps.append({"op": "resize", "size": [height, width], "interpolation": "bilinear", "engine": "opencv"})
    mean = [float(mean)] * 3 if isinstance(mean, (int, float)) else [float(v) for v in mean][:3]
    if len(mean) == 1:
        mean *= 3
    scale = [float(scalefactor)] * 3 if isinstance(scalefactor, (int, float)) else [float(v) for v in scalefactor][:3]
    steps += [{"op": "to_float", "dtype": "float32"}, {"op": "sub", "value": f32(mean)},
              {"op": "mul", "value": f32(scale)}]
    return contract("opencv-blob", steps, input_color="BGR", layout="NCHW", color="RGB" if swapRB else "BGR",
                    description="cv2.dnn.blobFromImage, imported by pixelpact.from_opencv_blob")
