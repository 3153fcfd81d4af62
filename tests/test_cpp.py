"""Builds the C++ library on its own (no Python module) with CMake and runs its
ctest suite, so the README's one test command covers the C++ core too."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pixelpact
from conftest import assert_same

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "tests" / "vectors"


def test_ctest(tmp_path_factory):
    cmake = shutil.which("cmake")
    assert cmake, "cmake is required for the C++ tests (pip install cmake)"
    build = tmp_path_factory.mktemp("cpp-build")
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run([cmake, "-S", str(ROOT), "-B", str(build), *generator, "-DCMAKE_BUILD_TYPE=Release",
                    "-DPIXELPACT_BUILD_TESTS=ON", f"-DPython_EXECUTABLE={sys.executable}"],
                   check=True, capture_output=True, text=True)
    build_run = subprocess.run([cmake, "--build", str(build), "--parallel"], capture_output=True, text=True)
    assert build_run.returncode == 0, build_run.stdout[-4000:] + build_run.stderr[-4000:]
    result = subprocess.run(["ctest", "--test-dir", str(build), "--output-on-failure"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "100% tests passed" in result.stdout
    for name in ("unit", "vectors", "conformance_cpp", "c_api"):  # C++ and C API paths of the conformance suite
        assert f" {name} ...." in result.stdout, (name, result.stdout[-3000:])


@pytest.mark.parametrize("name", sorted(p.stem for p in VECTORS.glob("*.json")))
def test_vectors_through_python(name):
    """The vectors the C++ test reads, through the Python API."""
    contract = json.loads((VECTORS / f"{name}.json").read_text())
    image = np.load(VECTORS / f"{name}_input.npy")
    expected = np.load(VECTORS / f"{name}_expected.npy")
    assert_same(pixelpact.load(contract)(image), expected)
