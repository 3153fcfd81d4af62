"""Building the C++ library, installed packages and the projects that consume them,
from pytest (so the README's one test command covers them). Failures show the
tail of the tool's output."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Where the documentation's compiled examples live.
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def run(cmd, *, cwd=None, env=None, timeout=600) -> subprocess.CompletedProcess:
    """Runs a command; asserts it succeeded, with its output in the message."""
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}")
    return result


def cmake() -> str:
    path = shutil.which("cmake")
    assert path, "cmake is required for the C++ tests (pip install cmake)"
    return path


def generator() -> list:
    return ["-G", "Ninja"] if shutil.which("ninja") else []


def configure_and_build(source: Path, build: Path, *defines: str) -> None:
    run([cmake(), "-S", source, "-B", build, *generator(), "-DCMAKE_BUILD_TYPE=Release",
         f"-DPython_EXECUTABLE={sys.executable}", *defines])
    run([cmake(), "--build", build, "--parallel"])


def install_library(workdir: Path, shared: bool) -> Path:
    """Builds pixelpact (static or shared, no tests) and installs it into
    workdir/prefix with `cmake --install`. Returns the prefix."""
    build, prefix = workdir / "build", workdir / "prefix"
    configure_and_build(ROOT, build, "-DPIXELPACT_BUILD_TESTS=OFF",
                        f"-DBUILD_SHARED_LIBS={'ON' if shared else 'OFF'}")
    run([cmake(), "--install", build, "--prefix", prefix])
    return prefix


def ctest(build: Path) -> str:
    ctest_exe = shutil.which("ctest")
    assert ctest_exe, "ctest (from cmake) is required"
    result = subprocess.run([ctest_exe, "--test-dir", str(build), "--output-on-failure"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "100% tests passed" in result.stdout, result.stdout[-4000:]
    return result.stdout


SNIPPET = re.compile(r"<!-- snippet: (?P<name>[\w.]+) -->\s*```\w*\n(?P<code>.*?)```", re.S)


def doc_snippets() -> dict:
    """The documentation's code blocks marked `<!-- snippet: NAME -->` (README.md and
    docs/*.md), by NAME."""
    found = {}
    for document in DOCUMENTS:
        for m in SNIPPET.finditer(document.read_text(encoding="utf-8")):
            assert m["name"] not in found, f"snippet {m['name']} marked twice"
            found[m["name"]] = m["code"]
    return found


def extract_snippets(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, code in doc_snippets().items():
        (directory / name).write_text(code)
    return directory


def libdir(prefix: Path) -> Path:
    """The installed library directory (lib, lib64 or lib/<multiarch>)."""
    found = sorted(prefix.glob("lib*/**/pkgconfig/pixelpact.pc"))
    assert found, f"no pixelpact.pc under {prefix}"
    return found[0].parent.parent


def library_env(prefix: Path) -> dict:
    """Environment in which a program finds the installed shared library and
    pkg-config finds pixelpact.pc."""
    env = dict(os.environ)
    lib = str(libdir(prefix))
    env["PKG_CONFIG_PATH"] = str(libdir(prefix) / "pkgconfig")
    env["LD_LIBRARY_PATH"] = lib + (os.pathsep + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    return env
