"""The cv2.resize cases shared by tests/parity/test_opencv_parity.py (the installed
OpenCV 5.x) and tests/parity/test_opencv_versions.py (OpenCV 4.12 in its own
virtual environment): every interpolation flag, sizes given as dsize and as fx/fy,
hostile sizes and OpenCV's special cases."""
from __future__ import annotations

import numpy as np

from helpers import noise

FLAGS = {"nearest": "INTER_NEAREST", "nearest-exact": "INTER_NEAREST_EXACT", "bilinear": "INTER_LINEAR",
         "bilinear-exact": "INTER_LINEAR_EXACT", "bicubic": "INTER_CUBIC", "area": "INTER_AREA",
         "lanczos4": "INTER_LANCZOS4"}

# (input (h, w), ("size", (h, w)) or ("scale", (fy, fx))).
SIZES = [
    ((1, 1), (1, 1)), ((1, 1), (7, 5)), ((1, 1), (1, 9)), ((1, 9), (3, 3)), ((9, 1), (2, 5)),
    ((1, 300), (1, 17)), ((300, 1), (17, 1)), ((1, 300), (4, 611)), ((2, 2), (3, 1)), ((5, 3), (1, 1)),
    ((4000, 30), (224, 224)), ((4000, 30), (100, 30)), ((30, 4000), (30, 100)), ((4000, 30), (57, 3)),
    ((97, 131), (224, 224)), ((131, 97), (61, 83)), ((101, 103), (107, 109)), ((256, 256), (255, 257)),
    ((480, 640), (240, 320)),   # exactly 1/2: LINEAR and LINEAR_EXACT become INTER_AREA
    ((480, 640), (120, 160)),   # integer factor 4: AREA fast path
    ((480, 640), (160, 320)),   # integer factors 3 and 2
    ((480, 640), (256, 341)), ((500, 333), (384, 256)), ((17, 23), (400, 600)), ((1000, 999), (13, 997)),
    ((700, 50), (64, 48)), ((73, 1024), (71, 64)), ((2, 2), (1, 1)), ((3, 3), (1, 1)), ((8, 8), (2, 2)),
    ((63, 65), (126, 130)), ((64, 64), (64, 64)), ((223, 227), (229, 233)), ((11, 13), (5, 13)),
    ((1, 268), (107, 373)),  # row 53 samples at -5.6e-17: 1.0 above row -1 in float (Lanczos tap at 0)
]
SCALES = [
    ((480, 640), (0.5, 0.5)), ((481, 641), (0.5, 0.5)), ((7, 7), (0.5, 0.5)), ((100, 100), (1 / 3, 1 / 3)),
    ((101, 103), (0.3, 0.7)), ((50, 60), (2.5, 1.7)), ((97, 131), (224 / 97, 224 / 131)),
    ((33, 47), (1.02, 1.01)),   # rounds to the input size: cv::resize copies
    ((203, 301), (0.25, 0.25)), ((10, 10), (0.999, 3.0)), ((29, 31), (1 / 7, 1 / 7)), ((40, 41), (0.1, 0.1)),
    ((37, 53), (1.5, 0.66)), ((300, 7), (0.07, 2.0)),
]
CASES = [(i, "size", s) for i, s in SIZES] + [(i, "scale", s) for i, s in SCALES]
IDS = [f"{i[0]}x{i[1]}-{kind}-{s[0]:.4g}x{s[1]:.4g}" for i, kind, s in CASES]


def contract(kind, spec, name, color="RGB", version=None, extra=()):
    step = {"op": "resize", kind: list(spec), "interpolation": name, "engine": "opencv"}
    if version:
        step["version"] = version
    return {"pixelpact": 1, "input": {"color": color}, "steps": [step, *extra],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def cv_resize(cv, img, kind, spec, name):
    """cv2.resize as a user writes it: dsize is (width, height); fx/fy with dsize None."""
    flag = getattr(cv, FLAGS[name])
    if kind == "size":
        return cv.resize(img, (spec[1], spec[0]), interpolation=flag)
    return cv.resize(img, None, fx=spec[1], fy=spec[0], interpolation=flag)


def case_image(index, in_hw):
    """RGB for even cases, GRAY (2-D) for odd ones."""
    return noise(*in_hw, channels=3 if index % 2 == 0 else 0, seed=index)


def as_rgb(out):
    return out if out.ndim == 3 else np.repeat(out[..., None], 3, axis=2)
