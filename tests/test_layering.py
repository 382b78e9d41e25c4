"""The layers hold: no import cycle in core/ or device/, and core never imports pygame, a web server or device."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "device")
FORBIDDEN_IN_CORE = ("pygame", "waitress", "device")


def _modules() -> dict[str, Path]:
    """Every module of core/ and device/ by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module ``name`` imports anywhere in its file: at the top, in functions, under TYPE_CHECKING.

    ``from pkg import sub`` counts as importing ``pkg.sub`` when that is a module; importing from one of the
    module's own parent packages is counted only when it takes a name from that package's ``__init__``
    (Python initialises parents first, so reaching a sibling through them is not a cycle).
    """
    is_package = path.name == "__init__.py"
    package = name.split(".") if is_package else name.split(".")[:-1]
    ancestors = {".".join(package[:i]) for i in range(1, len(package) + 1)} - ({name} if is_package else set())
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            takes_names = False
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    found.add(f"{source}.{alias.name}")
                else:
                    takes_names = True
            if takes_names or source not in ancestors:
                found.add(source)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {dep for dep in _imports(name, path, modules) if dep in modules and dep != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_cycle_finder_sees_a_cycle_of_three() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_imports_in_functions_and_under_type_checking_count(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from core.x import T\n"
        "def f() -> None:\n    from . import y\n    import core.z\n",
        encoding="utf-8",
    )
    modules = dict.fromkeys(("core.x", "core.y", "core.z", "core.m"), source)
    assert {"core.x", "core.y", "core.z"} <= _imports("core.m", source, modules)


def test_no_import_cycle_in_core_or_device() -> None:
    graph = _graph()
    assert "device.ui.video" in graph and "core.flow.machine" in graph  # the walk found the tree
    cycles = _cycles(graph)
    described = [[f"{member} imports {sorted(graph[member] & set(group))}" for member in group] for group in cycles]
    assert described == []


def test_core_imports_no_pygame_web_server_or_device() -> None:
    modules = _modules()
    offenders = []
    for name, path in modules.items():
        if not name.startswith("core"):
            continue
        for dep in _imports(name, path, modules):
            if dep.split(".")[0] in FORBIDDEN_IN_CORE:
                offenders.append(f"{name} imports {dep}")
    assert offenders == []
