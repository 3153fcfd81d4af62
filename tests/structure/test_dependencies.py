"""The dependency rules of the code base, read from the source text (no build):
no include cycles between C++ modules (a .hpp/.cpp pair is one module) nor
between cpp/src folders; generic code includes no engine's folder and an engine
no other engine's; kernels include only kernels; no import cycles in the Python
package; no test imports another test module (shared code is tests/helpers/)."""
from __future__ import annotations

import ast
import re
from collections import defaultdict

import pytest

from helpers import ROOT, TESTS

SRC = ROOT / "cpp" / "src"
PACKAGE = ROOT / "python" / "pixelpact"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Folders of cpp/src that are the generic core: they talk to engines through
# engines/engine.hpp, engines/stage.hpp and engines/registry.hpp only.
GENERIC = ["api", "contract", "decode", "geometry", "image", "json", "kernels", "plan", "run"]
ENGINE_INTERFACE = {"engines/engine", "engines/stage", "engines/registry"}
CORE = "pixelpact._core"  # the compiled extension: no source to read


def cpp_modules() -> dict:
    """module ("plan/plan") -> the modules it includes, from every source file."""
    graph = defaultdict(set)
    for path in sorted(SRC.rglob("*")):
        if path.suffix not in (".hpp", ".cpp", ".inl", ".def"):
            continue
        module = path.relative_to(SRC).with_suffix("").as_posix()
        graph[module]
        for name in INCLUDE.findall(path.read_text()):
            target = next((p for p in (SRC / name, path.parent / name) if p.exists()), None)
            if target is None:
                continue  # a public header (pixelpact/...) or a system header
            included = target.resolve().relative_to(SRC.resolve()).with_suffix("").as_posix()
            if included != module:
                graph[module].add(included)
    return graph


def cycles(graph: dict) -> list:
    """Every cycle found by a depth-first search (each as a list of nodes)."""
    found, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def folder(module: str) -> str:
    """The layer a module belongs to: its first folder ("engines/pillow" for engine folders)."""
    parts = module.split("/")
    return "/".join(parts[:2]) if parts[0] == "engines" and len(parts) > 2 else parts[0]


def test_no_include_cycles_between_modules():
    assert cycles(cpp_modules()) == []


def test_no_include_cycles_between_folders():
    graph = defaultdict(set)
    for module, included in cpp_modules().items():
        for other in included:
            a, b = folder(module).split("/")[0], folder(other).split("/")[0]
            if a != b:
                graph[a].add(b)
    assert cycles(graph) == [], dict(graph)


def test_generic_code_names_no_engine():
    """contract, plan, run, api ... reach engines through the interface and the registry."""
    offending = []
    for module, included in cpp_modules().items():
        if folder(module) in GENERIC:
            offending += [(module, i) for i in included if i.startswith("engines/") and i not in ENGINE_INTERFACE]
    assert offending == []


def test_engines_do_not_include_each_other():
    offending = []
    for module, included in cpp_modules().items():
        mine = folder(module)
        if not mine.startswith("engines/") or mine == "engines/common":
            continue
        offending += [(module, i) for i in included
                      if folder(i).startswith("engines/") and folder(i) not in (mine, "engines/common")]
    assert offending == []


def test_kernels_include_only_kernels():
    """Kernels are the bottom layer: no plan, no contract, no engine."""
    offending = [(m, i) for m, inc in cpp_modules().items() if m.startswith("kernels/")
                 for i in inc if not i.startswith("kernels/")]
    assert offending == []


def python_imports() -> dict:
    """pixelpact module -> the pixelpact modules it imports (anywhere in the file,
    function-level imports included: a lazy import still closes a cycle)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts[:-1]) if rel.name == "__init__" else list(rel.parts)
        modules[".".join(parts)] = (path, rel.name == "__init__")
    graph = {}
    for name, (path, is_package) in modules.items():
        package = name if is_package else name.rsplit(".", 1)[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                for alias in node.names:
                    sub = f"{mod}.{alias.name}"
                    targets.add(sub if sub in modules or sub == CORE else mod)
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
        graph[name] = {t for t in targets if (t in modules or t == CORE) and t != name}
    return graph


def test_python_package_has_no_import_cycles():
    graph = python_imports()
    assert "pixelpact._native" in graph["pixelpact._contract"]  # the graph is read
    assert cycles(graph) == []


def test_only_native_imports_the_compiled_core():
    """pixelpact._native imports _core (with the message for a broken install); nobody else."""
    importers = sorted(m for m, deps in python_imports().items() if CORE in deps)
    assert importers == ["pixelpact._native"]


@pytest.mark.parametrize("path", sorted(TESTS.rglob("test_*.py")), ids=lambda p: p.relative_to(TESTS).as_posix())
def test_no_test_imports_another_test_module(path):
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        for name in names:
            assert not name.split(".")[0].startswith("test_") and name != "conftest", (path.name, name)


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
