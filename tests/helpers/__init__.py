"""Shared helpers of the test suite (tests import them; tests never import each
other): hostile images, the bit-exact comparison, the example contracts and the
reference-library environments. On sys.path through pytest's `pythonpath`
setting (pyproject.toml), so `from helpers import assert_same` works in every
test folder."""
from __future__ import annotations

import json
import os
import subprocess
import venv
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
CONTRACTS = TESTS / "contracts"
CONFORMANCE = TESTS / "conformance"

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def noise(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """Uniform random bytes: the hardest input for rounding."""
    rng = np.random.default_rng([height, width, channels, seed])
    shape = (height, width) if channels == 0 else (height, width, channels)
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


def assert_same(actual: np.ndarray, expected: np.ndarray) -> None:
    """Bit-exact: same dtype, same shape, np.array_equal."""
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if not np.array_equal(actual, expected):
        a = actual.astype(np.float64)
        e = expected.astype(np.float64)
        bad = np.argwhere(a != e)
        raise AssertionError(
            f"{len(bad)} of {a.size} values differ (max |diff| {np.max(np.abs(a - e))}); "
            f"first at {tuple(bad[0])}: {actual[tuple(bad[0])]!r} != {expected[tuple(bad[0])]!r}"
        )


def contract(name: str) -> dict:
    """An example contract of tests/contracts/ by file name (without .json)."""
    return json.loads((CONTRACTS / f"{name}.json").read_text())


def reference_environment(name: str, requirement: str) -> Path:
    """Python of a cached virtual environment holding `requirement` (e.g. an older
    release of a reference library that cannot share this process) and numpy."""
    root = Path(os.environ.get("PIXELPACT_TEST_ENVS", Path.home() / ".cache" / "pixelpact-test-envs"))
    env = root / name
    python = env / "bin" / "python"
    marker = env / "ready"
    if not marker.exists():
        venv.create(env, with_pip=True, clear=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", requirement, "numpy"], check=True)
        marker.write_text(requirement)
    return python


def vector_names() -> list:
    """The example contracts that are also shared vectors (<name>_input.npy and
    <name>_expected.npy beside them, from tests/contracts/generate_vectors.py)."""
    return sorted(p.name[: -len("_input.npy")] for p in CONTRACTS.glob("*_input.npy"))
