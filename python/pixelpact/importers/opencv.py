"""pixelpact.from_opencv_blob: cv2.dnn.blobFromImage as a contract.

modules/dnn/src/dnn_utils.cpp (blobFromImagesWithParamsImpl): resize (if a
size is given) with INTER_LINEAR, copy to NCHW planes (swapRB swaps planes 0
and 2), then per blob channel c: (float(p) - float(mean[c])) * float(scale), a
float32 subtract then a float32 multiply, with mean in the blob's (post-swap)
channel order. The input is the BGR image as cv2.imread returns it.

Resizing to `size` is the 'opencv' resize engine's job (cv2.resize to the exact
size). crop=True (resize by the float factor max(w / W, h / H), sampled at the
factor itself, then a centred crop) is the letterbox step's rule 'blob_crop';
blobFromImageWithParams' letterbox mode is rule 'blob' (`letterbox=True`,
`border` = borderValue in blob channel order).
"""
from __future__ import annotations

from ._common import UnsupportedTransform, contract, f32


def from_opencv_blob(scalefactor=1.0, size=None, mean=(0.0, 0.0, 0.0), swapRB: bool = False,
                     crop: bool = False, letterbox: bool = False, border=0) -> dict:
    """size: None (no resize) or (width, height) as OpenCV spells it; mean: 1
    or 3 values in blob channel order; scalefactor: a number or 3 numbers;
    crop: blobFromImage's crop=True; letterbox: blobFromImageWithParams with
    paddingmode DNN_PMODE_LETTERBOX and borderValue `border` (1 or 3 bytes)."""
    steps: list[dict] = []
    if (crop or letterbox) and (size is None or tuple(size) == (0, 0)):
        raise UnsupportedTransform("crop and letterbox need a size")
    if crop and letterbox:
        raise UnsupportedTransform("crop and letterbox are exclusive padding modes")
    if size is not None and tuple(size) != (0, 0):
        width, height = (int(v) for v in size)
        if crop:
            steps.append({"op": "letterbox", "size": [height, width], "rule": "blob_crop"})
        elif letterbox:
            fill = [int(border)] * 3 if isinstance(border, (int, float)) else [int(v) for v in border][:3]
            if len(fill) == 1:
                fill *= 3
            if swapRB:  # borderValue pads the BGR image, before the swap; fills are in output order
                fill = fill[::-1]
            steps.append({"op": "letterbox", "size": [height, width], "rule": "blob", "fill": fill})
        else:
            steps.append({"op": "resize", "size": [height, width], "interpolation": "bilinear",
                          "engine": "opencv"})
    mean = [float(mean)] * 3 if isinstance(mean, (int, float)) else [float(v) for v in mean][:3]
    if len(mean) == 1:
        mean *= 3
    scale = [float(scalefactor)] * 3 if isinstance(scalefactor, (int, float)) else [float(v) for v in scalefactor][:3]
    steps += [{"op": "to_float", "dtype": "float32"}, {"op": "sub", "value": f32(mean)},
              {"op": "mul", "value": f32(scale)}]
    return contract("opencv-blob", steps, input_color="BGR", layout="NCHW", color="RGB" if swapRB else "BGR",
                    description="cv2.dnn.blobFromImage, imported by pixelpact.from_opencv_blob")
