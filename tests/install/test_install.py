"""The installed C++ package: `cmake --install` into a temporary prefix (static and
shared), then what a service does with it: find_package from a separate CMake project
(tests/cmake_consumer: a contract file against a stored vector, the C API test, the
conformance suite, the documentation's examples), pkg-config with a plain C compiler, and the
shared library's exported symbols."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pixelpact
from helpers import CONTRACTS, assert_same, system
from helpers.cmake import (ROOT, cmake, configure_and_build, ctest, extract_snippets, libdir, library_env,
                           doc_snippets, run)

pytestmark = pytest.mark.build

PUBLIC_HEADERS = {"pixelpact.hpp", "pixelpact.h", "export.h"}
KINDS = ["static", "shared"]


@pytest.fixture(params=KINDS)
def installed(request):
    return request.param, request.getfixturevalue(f"installed_{request.param}")


def test_installed_files(installed):
    kind, prefix = installed
    lib = libdir(prefix)
    assert {p.name for p in (prefix / "include" / "pixelpact").iterdir()} == PUBLIC_HEADERS
    assert not (prefix / "include" / "nlohmann").exists()
    if kind == "static":
        assert (lib / "libpixelpact.a").is_file()
    else:
        assert (lib / "libpixelpact.so.0").is_file() and (lib / "libpixelpact.so").is_symlink()
    package = lib / "cmake" / "pixelpact"
    assert {"pixelpactConfig.cmake", "pixelpactConfigVersion.cmake", "pixelpactTargets.cmake"} <= {
        p.name for p in package.iterdir()}
    schema = prefix / "share" / "pixelpact" / "pixelpact.schema.json"
    assert schema.read_bytes() == (ROOT / "schema" / "pixelpact.schema.json").read_bytes()
    # nlohmann_json is private and header-only: nothing installed asks for it.
    for f in list(package.iterdir()) + [lib / "pkgconfig" / "pixelpact.pc"]:
        assert "nlohmann" not in f.read_text(), f


def test_consumer_project(installed, tmp_path):
    """tests/cmake_consumer: find_package on the installed tree, then ctest: the
    stored vector, errors across the library boundary, the C API test (compiled as
    C11 against the installed header), the conformance suite, the documentation's
    C++ and C examples."""
    kind, prefix = installed
    snippets = extract_snippets(tmp_path / "snippets")
    build = tmp_path / "build"
    configure_and_build(ROOT / "tests" / "cmake_consumer", build, f"-DCMAKE_PREFIX_PATH={prefix}",
                        f"-DPIXELPACT_SNIPPETS_DIR={snippets}")
    cache = (build / "CMakeCache.txt").read_text()
    assert f"pixelpact_DIR:PATH={libdir(prefix) / 'cmake' / 'pixelpact'}" in cache  # not the source tree
    out = ctest(build)
    for name in ["consumer", "vectors", "conformance_cpp", "c_api", "example_cpp", "example_c"]:
        assert re.search(rf"Test +#\d+: {name} \.+ +Passed", out), (name, out)
    if kind == "shared":
        ldd = run(["ldd", build / "consumer_c_api"]).stdout
        assert str(libdir(prefix) / "libpixelpact.so.0") in ldd, ldd


@pytest.mark.parametrize("requested,found", [("0.1", True), ("0.0.1", True), ("0.2", False), ("1", False)])
def test_find_package_version_rule(installed_static, tmp_path, requested, found):
    """SameMajorVersion: any 0.x at or above the requested version, never another major."""
    (tmp_path / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.18)\nproject(v LANGUAGES NONE)\n"
        f"find_package(pixelpact {requested} CONFIG)\n"
        'message(STATUS "FOUND=${pixelpact_FOUND}")\n')
    result = subprocess.run([cmake(), "-S", tmp_path, "-B", tmp_path / "b", f"-DCMAKE_PREFIX_PATH={installed_static}"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"FOUND={'1' if found else '0'}" in result.stdout, result.stdout + result.stderr


def test_pkg_config(installed, tmp_path):
    """A C program built with `cc $(pkg-config --cflags --libs pixelpact)`, no CMake."""
    kind, prefix = installed
    system.require([system.PKG_CONFIG], "building with pkg-config")
    pkg_config = shutil.which("pkg-config")
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler is required (apt-get install gcc)"
    env = library_env(prefix)
    assert run([pkg_config, "--modversion", "pixelpact"], env=env).stdout.strip() == pixelpact.__version__
    schema = run([pkg_config, "--variable=schema", "pixelpact"], env=env).stdout.strip()
    assert json.loads(Path(schema).read_text())["title"].startswith("pixelpact contract")
    flags = run([pkg_config, "--cflags", "--libs", "pixelpact"], env=env).stdout.split()
    source = extract_snippets(tmp_path) / "example.c"
    run([cc, "-std=c11", "-Wall", "-Werror", source, *flags, "-o", tmp_path / "app"], env=env)
    out = run([tmp_path / "app", CONTRACTS / "resnet50_imagenet_eval.json"], env=env).stdout
    assert out == "resnet50-imagenet-eval: 4 dims, 602112 bytes\n"


def _exported(prefix):
    nm = shutil.which("nm")
    assert nm, "nm (binutils) is required"
    lines = run([nm, "-D", "--defined-only", "-C", libdir(prefix) / "libpixelpact.so.0"]).stdout.splitlines()
    return [line.split(" ", 2)[2] for line in lines if line.strip()]


def test_shared_library_exports_only_the_public_api(installed_shared):
    symbols = _exported(installed_shared)
    c_api = {s for s in symbols if s.startswith("pp_")}
    cpp_api = [s for s in symbols if not s.startswith("pp_")]
    declared = set(re.findall(r"PIXELPACT_API [^;]*?\b(pp_\w+)\(", (ROOT / "cpp/include/pixelpact/pixelpact.h").read_text()))
    assert c_api == declared
    public = re.compile(r"^((typeinfo|typeinfo name|vtable) for )?pixelpact::(?!detail::)[A-Za-z_]")
    leaked = [s for s in cpp_api if not public.match(s)]
    assert not leaked, f"symbols outside the public API are exported: {leaked[:20]}"
    for needed in ["pixelpact::Pipeline::from_json", "pixelpact::Pipeline::run", "typeinfo for pixelpact::Error",
                   "pixelpact::version()"]:
        assert any(s.startswith(needed) for s in cpp_api), needed
    assert not any("detail" in s for s in symbols)


def test_ctypes_example(installed_shared, tmp_path):
    """docs/services.md's ctypes example, run as written against the installed library."""
    code = doc_snippets()["example_ctypes.py"]
    (tmp_path / "contract.json").write_text((CONTRACTS / "resnet50_imagenet_eval.json").read_text())
    script = code + "\nnp.save('tensor.npy', tensor)\n"
    run([sys.executable, "-c", script], cwd=tmp_path, env=library_env(installed_shared))
    tensor = np.load(tmp_path / "tensor.npy").reshape(1, 3, 224, 224)
    expected = pixelpact.load(CONTRACTS / "resnet50_imagenet_eval.json")(np.zeros((480, 640, 3), np.uint8))
    assert_same(tensor, expected)


def test_doc_snippets_are_marked():
    assert set(doc_snippets()) == {"example.cpp", "example.c", "example_ctypes.py"}


def test_every_c_function_is_tested_in_c_and_through_ctypes():
    """A new pp_ function must reach both the C test and the ctypes test."""
    declared = set(re.findall(r"PIXELPACT_API [^;]*?\b(pp_\w+)\(", (ROOT / "cpp/include/pixelpact/pixelpact.h").read_text()))
    assert len(declared) >= 20
    c_test = (ROOT / "cpp" / "tests" / "test_c_api.c").read_text()
    ctypes_test = (ROOT / "tests" / "install" / "test_c_abi.py").read_text()
    assert not [f for f in declared if f + "(" not in c_test], "functions the C test never calls"
    assert not [f for f in declared if f'"{f}"' not in ctypes_test], "functions without a ctypes prototype"
