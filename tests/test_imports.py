"""The package's modules import each other in one direction: no import cycle.

A cycle (two modules importing each other, even from inside a function) works only
as long as the import order happens to suit it; the graph here is read from the
source (every ``import`` statement, at module level or not).
"""

import ast
import pathlib
import subprocess
import sys

import sklearn_infomorph

PACKAGE = pathlib.Path(sklearn_infomorph.__file__).parent


def _module_name(path, package):
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package=PACKAGE):
    """Module name -> names of the package modules it imports (anywhere in it)."""
    paths = {_module_name(p, package): p for p in package.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        parent = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = parent.split(".")[: len(parent.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                # `from pkg import submodule` imports the submodule; names import pkg.
                subs = [f"{base}.{alias.name}" for alias in node.names]
                targets = [s for s in subs if s in paths] or [base]
            else:
                continue
            edges.update(t for t in targets if t in paths and t != name)
        graph[name] = edges
    return graph


def find_cycle(graph):
    """One cycle of the graph as a list of nodes (first == last), or None."""
    state = {}  # 1: on the current path, 2: done
    path = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_graph_sees_imports_inside_functions(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "one.py").write_text("from .two import f\n")
    (package / "two.py").write_text("def f():\n    from . import one\n")
    graph = import_graph(package)
    assert graph["pkg.one"] == {"pkg.two"} and graph["pkg.two"] == {"pkg.one"}
    assert find_cycle(graph) == ["pkg.one", "pkg.two", "pkg.one"]


def test_no_import_cycle_among_package_modules():
    graph = import_graph()
    assert "sklearn_infomorph._pid_bias" in graph["sklearn_infomorph.pid"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_every_module_imports_in_a_fresh_interpreter():
    # Deepest modules first, the reverse of the usual order through __init__.
    names = sorted(import_graph(), key=lambda n: (-n.count("."), n))
    code = "import importlib\nfor name in %r:\n    importlib.import_module(name)\n" % names
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stderr
