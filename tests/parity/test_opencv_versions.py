"""OpenCV 4.x as a contract dialect: `"engine": "opencv", "version": "4"` reproduces
opencv-python-headless 4.12 whatever OpenCV is installed here. The real 4.12 runs in
its own virtual environment (created on first use) on every case of
tests/parity/test_opencv_parity.py (helpers/opencv_cases.py), every interpolation flag, IPP off, one thread.
(4.x and 5.x differ in INTER_NEAREST_EXACT only.)"""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

import pixelpact
from helpers import assert_same, reference_environment
from helpers.opencv_cases import CASES, FLAGS, IDS, as_rgb, case_image, contract

pytestmark = pytest.mark.slow  # a sweep: the fast subset leaves it out (CONTRIBUTING.md)

RELEASE = "4.12.0.88"  # opencv-python-headless wheel of OpenCV 4.12.0

WORKER = r"""
import sys, numpy as np, cv2
cv2.setNumThreads(1)
cv2.ipp.setUseIPP(False)
data = np.load(sys.argv[1])
out = {"version": np.array(cv2.__version__)}
for key in data.files:
    if not key.startswith("in_"):
        continue
    case = key[3:]
    kind, a, b, flag = data["spec_" + case].tolist()
    img = data[key]
    flag = getattr(cv2, flag)
    if kind == "size":
        out[case] = cv2.resize(img, (int(b), int(a)), interpolation=flag)
    else:
        out[case] = cv2.resize(img, None, fx=float(b), fy=float(a), interpolation=flag)
np.savez(sys.argv[2], **out)
"""


@pytest.fixture(scope="module")
def opencv4(tmp_path_factory):
    python = reference_environment(f"opencv-{RELEASE}", f"opencv-python-headless=={RELEASE}")
    tmp = tmp_path_factory.mktemp("opencv4")
    arrays = {}
    for index, (in_hw, kind, spec) in enumerate(CASES):
        for name, flag in FLAGS.items():
            case = f"{index}_{name}"
            arrays["in_" + case] = case_image(index, in_hw)
            arrays["spec_" + case] = np.array([kind, repr(spec[0]), repr(spec[1]), flag])
    np.savez(tmp / "in.npz", **arrays)
    subprocess.run([str(python), "-c", WORKER, str(tmp / "in.npz"), str(tmp / "out.npz")], check=True)
    out = dict(np.load(tmp / "out.npz"))
    assert str(out["version"]) == "4.12.0"
    return out, arrays


@pytest.mark.parametrize("name", list(FLAGS))
@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_version_4_matches_opencv_4_12(opencv4, name, index):
    expected, arrays = opencv4
    in_hw, kind, spec = CASES[index]
    img = arrays[f"in_{index}_{name}"]
    color = "RGB" if img.ndim == 3 else "GRAY"
    assert_same(pixelpact.load(contract(kind, spec, name, color, version="4"))(img),
                as_rgb(expected[f"{index}_{name}"]))


def test_nearest_exact_lines_really_differ(opencv4):
    """Guard: 4.x's 16.16 fixed point and 5.x's accumulated softdouble pick
    different source pixels in some of the cases above, and only nearest-exact
    differs."""
    expected, arrays = opencv4
    differing = {name: 0 for name in FLAGS}
    for index, (in_hw, kind, spec) in enumerate(CASES):
        for name in FLAGS:
            img = arrays[f"in_{index}_{name}"]
            color = "RGB" if img.ndim == 3 else "GRAY"
            five = pixelpact.load(contract(kind, spec, name, color, version="5"))(img)
            differing[name] += not np.array_equal(five, as_rgb(expected[f"{index}_{name}"]))
    assert differing.pop("nearest-exact") > 0
    assert set(differing.values()) == {0}, differing
