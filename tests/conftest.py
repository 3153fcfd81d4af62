"""Fixtures shared by the test folders. Helper functions live in tests/helpers/
(tests import them, never each other); markers are declared in pyproject.toml."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def torch_single_thread():
    import torch

    torch.set_num_threads(1)
    return torch


@pytest.fixture(scope="session")
def installed_static(tmp_path_factory):
    """Prefix of pixelpact built as a static library and `cmake --install`ed."""
    from helpers.cmake import install_library

    return install_library(tmp_path_factory.mktemp("install-static"), shared=False)


@pytest.fixture(scope="session")
def installed_shared(tmp_path_factory):
    """Prefix of pixelpact built as a shared library (BUILD_SHARED_LIBS=ON) and installed."""
    from helpers.cmake import install_library

    return install_library(tmp_path_factory.mktemp("install-shared"), shared=True)


@pytest.fixture(scope="session")
def examples(installed_static, tmp_path_factory):
    """Build directory of examples/ built against the installed static library: the
    C example always, the HTTP service where its Debian packages are installed."""
    from helpers import system
    from helpers.cmake import ROOT, configure_and_build

    build = tmp_path_factory.mktemp("examples")
    service = "ON" if not system.missing(system.SERVICE) else "OFF"
    configure_and_build(ROOT / "examples", build, f"-DCMAKE_PREFIX_PATH={installed_static}",
                        f"-DPIXELPACT_EXAMPLE_SERVICE={service}")
    return build


@pytest.fixture(scope="session")
def service_binary(examples):
    """The example HTTP service; skips (or fails, PIXELPACT_REQUIRE_SYSTEM_TESTS=1)
    naming the apt-get line where its Debian packages are missing."""
    from helpers import system

    system.require(system.SERVICE, "the example HTTP service")
    return examples / "pixelpact-serve"
