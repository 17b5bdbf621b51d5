"""No import cycle among the harness's modules, counting every import statement: module
level, inside functions and under TYPE_CHECKING alike (a cycle hidden in a function is
still a cycle a reader has to hold in their head, and still an import-order trap)."""

from __future__ import annotations

import ast
from pathlib import Path

import harness

PACKAGE_DIR = Path(harness.__file__).parent


def module_files(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under the package."""
    modules = {}
    for path in package_dir.rglob("*.py"):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (by any import statement anywhere)."""
    modules = module_files(package_dir)
    root = package_dir.name

    def resolve(name: str) -> str | None:
        while name:
            if name in modules:
                return name
            name = name.rpartition(".")[0]
        return None

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".") if is_package else module.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                if target.split(".")[0] != root:
                    continue
                found = resolve(target)
                # A module importing its own package's __init__ is not a cycle.
                if found and found != module and not module.startswith(found + "."):
                    graph[module].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
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
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_harness_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE_DIR)
    assert len(graph) > 100  # the walk saw the whole package
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_cycle_through_function_level_and_type_checking_imports_is_found(
        tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    write(pkg, "__init__.py", "")
    write(pkg, "a.py", "def f():\n    from pkg.b import g\n")
    write(pkg, "b.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                       "    from pkg.sub import c\n")
    write(pkg, "sub/__init__.py", "")
    write(pkg, "sub/c.py", "from .. import a\n")
    write(pkg, "d.py", "import pkg.a\n")  # imports into the cycle, not part of it
    assert cycles(import_graph(pkg)) == [["pkg.a", "pkg.b", "pkg.sub.c"]]


def test_a_module_importing_its_own_package_is_not_a_cycle(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    write(pkg, "__init__.py", "from pkg.x import y\n")
    write(pkg, "x.py", "import pkg\ny = 1\n")
    assert cycles(import_graph(pkg)) == []
