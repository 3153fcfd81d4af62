"""Debian system packages some tests need (the example service's libraries,
pkg-config). On a machine without them those tests skip with a one-line reason
naming the `apt-get install` line; with PIXELPACT_REQUIRE_SYSTEM_TESTS=1 (what
.ci/run sets) they fail instead, so CI never skips them."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess

import pytest

REQUIRE_ENV = "PIXELPACT_REQUIRE_SYSTEM_TESTS"

# What each part needs: (Debian package, how to tell it is there: a pkg-config
# module, "bin:NAME" for a program on PATH, or None for pkg-config itself).
PKG_CONFIG = ("pkg-config", None)
SERVICE = [("libcpp-httplib-dev", "cpp-httplib"), ("libjpeg62-turbo-dev", "libjpeg"), ("libpng-dev", "libpng"),
           PKG_CONFIG]
CHROMIUM = [("chromium", "bin:chromium")]
# What the library links to decode JPEG and PNG (run_encoded).
DECODERS = [("libjpeg62-turbo-dev", "libjpeg"), ("libpng-dev", "libpng"), PKG_CONFIG]


def program(name: str):
    """The path of a program on PATH (chromium also as chromium-browser), or None."""
    found = shutil.which(name)
    if not found and name == "chromium":
        found = shutil.which("chromium-browser")
    return found


@functools.lru_cache(maxsize=None)
def _pkg_config_works() -> bool:
    exe = shutil.which("pkg-config")
    if not exe:
        return False
    try:
        return subprocess.run([exe, "--version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.lru_cache(maxsize=None)
def _has_module(module: str) -> bool:
    if not _pkg_config_works():
        return False
    return subprocess.run(["pkg-config", "--exists", module], capture_output=True, timeout=30).returncode == 0


def missing(packages) -> list:
    """The Debian packages of `packages` ((package, pkg-config module) pairs) not installed here."""
    out = []
    for package, module in packages:
        if module is None:
            present = _pkg_config_works()
        elif module.startswith("bin:"):
            present = program(module[4:]) is not None
        else:
            present = _has_module(module)
        if not present:
            out.append(package)
    return out


def apt_line(packages) -> str:
    return "apt-get install " + " ".join(p for p, _ in packages)


def require(packages, what: str) -> None:
    """Skip (or, under PIXELPACT_REQUIRE_SYSTEM_TESTS=1, fail) unless `packages` are installed."""
    absent = missing(packages)
    if not absent:
        return
    reason = f"{what} needs Debian packages {', '.join(absent)}: {apt_line(packages)} (as root)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 forbids skipping", pytrace=False)
    pytest.skip(reason)
