"""A build without libjpeg/libpng (PIXELPACT_WITH_DECODERS=OFF, what a machine
without the Debian packages gets) still builds, and run_encoded says clearly
that decoding is not compiled in (the C test's "encoded images" case checks
PP_ERROR_UNSUPPORTED and the message)."""
from __future__ import annotations

import sys

import pytest

from helpers import ROOT
from helpers.cmake import cmake, generator, run

pytestmark = pytest.mark.build


def test_c_api_without_decoders(tmp_path):
    build = tmp_path / "build"
    run([cmake(), "-S", ROOT, "-B", build, *generator(), "-DPIXELPACT_WITH_DECODERS=OFF",
         "-DPIXELPACT_BUILD_TESTS=ON", "-DPIXELPACT_INSTALL=OFF", f"-DPython_EXECUTABLE={sys.executable}"])
    run([cmake(), "--build", build, "--target", "pixelpact_c_api_tests"])
    out = run([build / "cpp" / "tests" / "pixelpact_c_api_tests", ROOT / "tests" / "conformance"]).stdout
    assert "0 failed" in out, out
    nm = run(["nm", "-C", build / "libpixelpact.a"]).stdout
    assert "jpeg_read_header" not in nm and "png_read_info" not in nm
