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


def photo_folder(root):
    """A folder of real photos as users have them (scikit-image's samples), in two class
    subfolders as torchvision's ImageFolder expects: JPEG and PNG; RGB, L, CMYK; an RGBA PNG
    and a palette PNG with transparent pixels; odd sizes and 1-pixel-wide and -tall images.
    Returns the image paths, sorted as ImageFolder sorts them."""
    from pathlib import Path

    import skimage.data
    from PIL import Image

    root = Path(root)
    for sub in ("a", "b"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    chelsea, coffee = Image.fromarray(skimage.data.chelsea()), Image.fromarray(skimage.data.coffee())
    Image.fromarray(skimage.data.astronaut()).save(root / "a" / "astronaut.jpg", quality=90)
    coffee.save(root / "a" / "coffee.png")
    Image.fromarray(skimage.data.camera()).save(root / "a" / "camera.png")
    chelsea.resize((61, 37), Image.Resampling.BILINEAR).save(root / "b" / "chelsea_37x61.jpg", quality=75)
    palette = chelsea.convert("P", palette=Image.Palette.ADAPTIVE)
    palette.save(root / "b" / "chelsea_palette.png", transparency=int(np.asarray(palette)[0, 0]))  # a used index
    coffee.resize((301, 199), Image.Resampling.BICUBIC).convert("CMYK").save(root / "b" / "coffee_cmyk.jpg",
                                                                            quality=95)
    astronaut = np.asarray(Image.fromarray(skimage.data.astronaut()).resize((173, 211), Image.Resampling.BILINEAR))
    ramp = np.linspace(0, 255, 173 * 211).astype(np.uint8).reshape(211, 173)  # transparent to opaque
    Image.fromarray(np.dstack([astronaut, ramp])).save(root / "b" / "astronaut_alpha.png")
    coffee.resize((97, 1), Image.Resampling.BOX).save(root / "b" / "strip_1x97.png")
    chelsea.resize((1, 53), Image.Resampling.BOX).save(root / "b" / "strip_53x1.png", compress_level=1)
    return sorted(p for p in root.rglob("*") if p.is_file())
