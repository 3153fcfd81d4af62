"""Builds the C++ library on its own (no Python module) with CMake and runs its
ctest suite (unit tests, the shared vectors, the conformance suite through the
C++ and C APIs, every ISA against the reference), so the README's one test
command covers the C++ core too."""
from __future__ import annotations

import pytest

from helpers.cmake import ROOT, configure_and_build, ctest

pytestmark = pytest.mark.build


def test_ctest(tmp_path_factory):
    build = tmp_path_factory.mktemp("cpp-build")
    configure_and_build(ROOT, build, "-DPIXELPACT_BUILD_TESTS=ON")
    out = ctest(build)
    for name in ("unit", "vectors", "isa", "conformance_cpp", "c_api"):
        assert f" {name} ...." in out, (name, out[-3000:])
