"""Pillow releases as contract dialects: `"version": "12.1"` (and older), `"12"` /
`"12.2"` / `"12.3"`, `"13"` reproduce that Pillow's pixels whatever Pillow is installed
here. Each older release is checked against the real one, installed into its own
virtual environment. (The 100x tall-image rule arrived in 12.2.0, not 12.3.)"""
from __future__ import annotations

import subprocess

import numpy as np
import PIL
import pytest

import pixelpact
from helpers import assert_same, noise, reference_environment

pytestmark = pytest.mark.slow  # a sweep: the fast subset leaves it out (CONTRIBUTING.md)

RELEASES = {"12.1": "12.1.1", "12": "12.2.0", "12.3": "12.3.0"}
FILTERS = {"box": 4, "bilinear": 2, "hamming": 5, "bicubic": 3, "lanczos": 1, "nearest": 0}
# Shapes where the lines disagree (tall images, heights shrinking much more than
# widths) and ordinary ones where they agree.
RESIZES = [((4000, 30), (57, 3)), ((3100, 30), (100, 29)), ((2000, 19), (40, 7)), ((300, 40), (20, 35)),
           ((480, 640), (100, 600)), ((480, 640), (224, 224)), ((97, 131), (300, 200)), ((1, 1), (3, 2)),
           ((5000, 49), (200, 30)), ((700, 7), (10, 3))]

WORKER = r"""
import sys, numpy as np
from PIL import Image
data = np.load(sys.argv[1])
out = {}
for key in data.files:
    if not key.startswith("in_"):
        continue
    case = key[3:]
    h, w, f = (int(v) for v in data["spec_" + case])
    out[case] = np.asarray(Image.fromarray(data[key]).resize((w, h), f))
np.savez(sys.argv[2], **out)
"""


@pytest.fixture(scope="module", params=list(RELEASES))
def line(request, tmp_path_factory):
    version = request.param
    python = reference_environment(f"pillow-{RELEASES[version]}", f"pillow=={RELEASES[version]}")
    tmp = tmp_path_factory.mktemp(f"pillow-{version}")
    arrays = {}
    for i, (in_hw, out_hw) in enumerate(RESIZES):
        for name, code in FILTERS.items():
            case = f"{i}_{name}"
            arrays["in_" + case] = noise(*in_hw, seed=i)
            arrays["spec_" + case] = np.array([out_hw[0], out_hw[1], code])
    np.savez(tmp / "in.npz", **arrays)
    subprocess.run([str(python), "-c", WORKER, str(tmp / "in.npz"), str(tmp / "out.npz")], check=True)
    got = subprocess.run([str(python), "-c", "import PIL; print(PIL.__version__)"], capture_output=True, text=True)
    assert got.stdout.strip() == RELEASES[version]
    return version, dict(np.load(tmp / "out.npz")), arrays


def _doc(out_hw, name, version=None):
    step = {"op": "resize", "size": list(out_hw), "interpolation": name, "engine": "pillow"}
    if version:
        step["version"] = version
    return {"pixelpact": 1, "input": {"color": "RGB"}, "steps": [step],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def test_release_line_matches_real_pillow(line):
    version, expected, arrays = line
    for i, (in_hw, out_hw) in enumerate(RESIZES):
        for name in FILTERS:
            case = f"{i}_{name}"
            assert_same(pixelpact.load(_doc(out_hw, name, version))(arrays["in_" + case]), expected[case])


def test_lines_really_differ(line):
    """Guard: the cases above include shapes where this line and 13 disagree."""
    version, expected, arrays = line
    differing = 0
    for i, (in_hw, out_hw) in enumerate(RESIZES):
        case = f"{i}_bilinear"
        current = pixelpact.load(_doc(out_hw, "bilinear", "13"))(arrays["in_" + case])
        differing += not np.array_equal(current, expected[case])
    assert differing > 0


def test_default_is_13_and_matches_installed_pillow():
    assert PIL.__version__.startswith("13.")
    img = noise(4000, 30, seed=3)
    assert_same(pixelpact.load(_doc((57, 3), "bicubic"))(img), pixelpact.load(_doc((57, 3), "bicubic", "13"))(img))
