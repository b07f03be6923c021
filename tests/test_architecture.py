"""Dependencies point one way: app -> ui/layers -> geo. Parsed from the source, not imported."""

import ast
import re
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "geo": {"streamlit", "streamlit_folium", "folium", "branca", "layers", "ui", "app"},
    "layers": {"streamlit", "streamlit_folium", "ui", "app"},
    "ui": {"app"},
}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no Python files"
    offenders = {
        str(f.relative_to(ROOT)): sorted(imported_top_levels(f) & FORBIDDEN[package]) for f in files
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def test_the_checker_sees_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import streamlit as st\nfrom folium import Map\nfrom . import y\n")
    assert imported_top_levels(sample) == {"streamlit", "folium"}


# --- the layering inside geo/: no import cycle, no private name imported across modules -------------

def module_name(path: Path, root: Path = ROOT) -> str:
    """``geo/zoning/zones.py`` -> ``geo.zoning.zones``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_imports(path: Path, modules: set[str], root: Path = ROOT) -> list[tuple[str, str]]:
    """(module imported, name imported or '') for every import of a project module in ``path``.

    ``from geo.zoning import zones`` names the module ``geo.zoning.zones``; ``from geo.io.load
    import load_layer`` names ``geo.io.load`` and the name ``load_layer``. Relative imports are
    resolved against the file's package.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names if alias.name in modules]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    found.append((f"{source}.{alias.name}", ""))
                elif source in modules:
                    found.append((source, alias.name))
    return found


def project_graph(root: Path = ROOT, packages=("geo", "layers", "ui")) -> tuple[dict[str, set[str]], list[str]]:
    """Who imports whom among the project's modules, and every private name imported across modules."""
    files = {module_name(f, root): f for p in packages for f in (root / p).rglob("*.py")}
    files["app"] = root / "app.py"
    modules = set(files)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    private = []
    for module, path in files.items():
        for source, name in project_imports(path, modules, root):
            if source == module:
                continue
            graph[module].add(source)
            if name.startswith("_") and not name.startswith("__"):
                private.append(f"{module} imports {source}.{name}")
    return graph, private


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph (its modules in order), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle():
    graph, _ = project_graph()
    assert find_cycle(graph) is None


def test_no_private_name_imported_across_modules():
    _, private = project_graph()
    assert private == []


def test_the_cycle_and_private_checks_can_fail(tmp_path):
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    pkg = tmp_path / "geo"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "a.py").write_text("from geo.sub.b import _helper\nfrom . import b\n")
    (pkg / "sub" / "b.py").write_text("from geo.sub import a\n_helper = 1\n")
    (tmp_path / "app.py").write_text("")
    graph, private = project_graph(tmp_path, packages=("geo",))
    assert private == ["geo.sub.a imports geo.sub.b._helper"]
    assert find_cycle(graph) in (["geo.sub.a", "geo.sub.b", "geo.sub.a"], ["geo.sub.b", "geo.sub.a", "geo.sub.b"])


# --- the README's picture of the layers is the code's --------------------------------------------------

def package_of(module: str) -> str:
    """The part of the project a module belongs to: ``geo.zoning.zones`` -> ``zoning``,
    ``geo.errors`` -> ``errors``, ``geo`` (the public API) -> ``geo``, ``ui.state`` -> ``ui``."""
    parts = module.split(".")
    if parts[0] != "geo":
        return parts[0]
    return parts[1] if len(parts) > 1 else "geo"


def package_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Which part imports which, from the module graph (``__main__`` counted with ``cli``)."""
    graph, _ = project_graph(root)
    parts: dict[str, set[str]] = {}
    for module, imported in graph.items():
        here = "cli" if module == "geo.__main__" else package_of(module)
        parts.setdefault(here, set()).update(
            "cli" if m == "geo.__main__" else package_of(m) for m in imported)
    parts.setdefault("geo", set()).update(package_of(m) for m in public_api_modules(root))
    return {k: v - {k} for k, v in parts.items()}


def public_api(root: Path = ROOT) -> dict[str, str]:
    """``geo/__init__.py``'s ``_API``, read from the source: public name -> the module defining it."""
    tree = ast.parse((root / "geo" / "__init__.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        target = getattr(node, "target", None) or (node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == "_API" and isinstance(node.value, ast.Dict):
            return {k.value: v.value for k, v in zip(node.value.keys, node.value.values)
                    if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)}
    return {}


def public_api_modules(root: Path = ROOT) -> set[str]:
    """The modules ``geo/__init__.py`` loads its public names from."""
    return set(public_api(root).values())


def readme_picture(text: str) -> dict[str, set[str]]:
    """The lines ``part -> a, b, c`` between the README's ``<!-- layers -->`` markers."""
    block = text.split("<!-- layers -->")[1].split("<!-- /layers -->")[0]
    picture = {}
    for line in block.splitlines():
        if "->" in line:
            left, right = line.split("->")
            names = {n.strip() for n in right.replace("(nothing)", "").split(",") if n.strip()}
            picture[left.strip().strip("`")] = names
    return picture


def test_readme_picture_of_the_layers_matches_the_code():
    actual = package_graph()
    drawn = readme_picture((ROOT / "README.md").read_text(encoding="utf-8"))
    assert drawn == actual


#: The order the picture lists the parts in: from the page down to the errors.
PICTURE_ORDER = ("app", "ui", "layers", "geo", "cli", "store", "reports", "planning", "access", "pipelines",
                 "zoning", "synthetic", "io", "crs", "policy", "errors")


def draw_picture(graph: dict[str, set[str]]) -> str:
    """The README's picture of ``graph``: one line ``part -> what it imports`` per part, top down."""
    rank = {name: i for i, name in enumerate(PICTURE_ORDER)}

    def order(names):
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))

    return "\n".join(f"{part} -> {', '.join(order(graph[part])) or '(nothing)'}" for part in order(graph))



def test_parts_import_only_parts_below_them():
    """The picture is a stack: a part imports only parts listed after it (io never imports zoning)."""
    rank = {name: i for i, name in enumerate(PICTURE_ORDER)}
    graph = package_graph()
    assert set(graph) <= set(rank), f"a new part: add it to PICTURE_ORDER: {set(graph) - set(rank)}"
    upward = sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets if rank[b] <= rank[a])
    assert upward == []


def deep_geo_imports(path: Path) -> list[str]:
    """``line: module`` of each import in ``path`` that reaches past ``geo``'s public API
    (``from geo.io.load import Dataset``, ``import geo.io.load``) or takes a sub-module from it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    api = set(public_api())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("geo."):
                found.append(f"{node.lineno}: from {node.module}")
            elif node.module == "geo":
                found += [f"{node.lineno}: geo.{a.name}" for a in node.names if a.name not in api]
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names
                      if a.name == "geo" or a.name.startswith("geo.")]
    return found


def test_the_page_and_the_map_use_only_the_public_api():
    """app.py, ui/ and layers/ import the engine as a user's script does: ``from geo import ...``."""
    files = [ROOT / "app.py", *sorted((ROOT / "ui").rglob("*.py")), *sorted((ROOT / "layers").rglob("*.py"))]
    deep = {str(p.relative_to(ROOT)): d for p in files if (d := deep_geo_imports(p))}
    assert deep == {}, "add the name to geo/__init__.py's _API and import it from geo"


def test_the_public_api_checker_sees_a_deep_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from geo import Dataset, policy\nfrom geo.io.load import load_raw\nimport geo.io.load\n",
                      encoding="utf-8")
    assert deep_geo_imports(sample) == ["1: geo.policy", "2: from geo.io.load", "3: import geo.io.load"]


def test_every_public_name_is_defined_where_the_api_says():
    import geo
    missing = [f"{name} <- {module}" for name, module in geo._API.items()
               if name not in vars(importlib.import_module(module))]
    assert missing == []


def test_every_message_box_shows_literal_text():
    """Message boxes render Markdown: a name like ``![x](http://...)`` would load an outside image.
    So every box goes through ``ui.messages.show``, which escapes the words."""
    boxes = re.compile(r"\bst\.(?:sidebar\.)?(?:error|success|info|warning)\(")
    files = [ROOT / "app.py", *sorted((ROOT / "ui").rglob("*.py"))]
    found = [f"{p.relative_to(ROOT)}:{n}" for p in files if p.name != "messages.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if boxes.search(line)]
    assert found == []


if __name__ == "__main__":  # python tests/test_architecture.py: the picture to paste into the README
    print(draw_picture(package_graph()))
