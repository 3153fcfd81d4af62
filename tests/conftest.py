"""Shared helpers: hostile test images and the real reference pipelines."""
from __future__ import annotations

import numpy as np
import pytest


def noise(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """Uniform random bytes: the hardest input for rounding."""
    rng = np.random.default_rng([height, width, channels, seed])
    shape = (height, width) if channels == 0 else (height, width, channels)
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


@pytest.fixture(scope="session")
def torch_single_thread():
    import torch

    torch.set_num_threads(1)
    return torch


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


@pytest.fixture(scope="session")
def installed_static(tmp_path_factory):
    """Prefix of pixelpact built as a static library and `cmake --install`ed."""
    from cmake_helpers import install_library

    return install_library(tmp_path_factory.mktemp("install-static"), shared=False)


@pytest.fixture(scope="session")
def installed_shared(tmp_path_factory):
    """Prefix of pixelpact built as a shared library (BUILD_SHARED_LIBS=ON) and installed."""
    from cmake_helpers import install_library

    return install_library(tmp_path_factory.mktemp("install-shared"), shared=True)


@pytest.fixture(scope="session")
def examples(installed_static, tmp_path_factory):
    """Build directory of examples/ (the HTTP service, the C example) built against
    the installed static library."""
    from cmake_helpers import ROOT, configure_and_build

    build = tmp_path_factory.mktemp("examples")
    configure_and_build(ROOT / "examples", build, f"-DCMAKE_PREFIX_PATH={installed_static}")
    return build


def reference_environment(name: str, requirement: str):
    """Python of a cached virtual environment holding `requirement` (e.g. an older
    release of a reference library that cannot share this process) and numpy."""
    import os
    import subprocess
    import venv
    from pathlib import Path

    root = Path(os.environ.get("PIXELPACT_TEST_ENVS", Path.home() / ".cache" / "pixelpact-test-envs"))
    env = root / name
    python = env / "bin" / "python"
    marker = env / "ready"
    if not marker.exists():
        venv.create(env, with_pip=True, clear=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", requirement, "numpy"], check=True)
        marker.write_text(requirement)
    return python
