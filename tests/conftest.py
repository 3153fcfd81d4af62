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
