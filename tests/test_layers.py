"""The layer rules of docs/architecture.md, checked: each package imports only the layers
below it, and the layers under `api` never import a web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "homebase"

# What each layer may import from homebase (besides itself and the package root).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "observability": {"core"},
    "db": {"core"},
    "models": {"core", "db"},
    "schemas": {"core", "models"},
    # A repository reads a listing's filters from their schema (`TaskFilters`).
    "repositories": {"core", "db", "models", "schemas"},
    "services": {"core", "db", "models", "schemas", "repositories", "observability"},
    "migrations": {"core", "db", "models"},
    "app_state": {"core", "db", "observability", "services", "repositories"},
    "api": {"core", "db", "models", "schemas", "services", "observability", "app_state"},
    "cli": {
        "core",
        "db",
        "models",
        "schemas",
        "services",
        "repositories",
        "observability",
        "app_state",
        "main",
    },
    "main": {
        "core",
        "db",
        "models",
        "schemas",
        "services",
        "repositories",
        "observability",
        "app_state",
        "api",
    },
}
FRAMEWORKS = ("fastapi", "starlette")
FRAMEWORK_FREE = {"core", "db", "models", "schemas", "repositories", "services", "migrations"}


def layer_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[0] in {"__init__", "__main__"}:
        return None
    return parts[0]


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.lineno, node.module))
            if node.module == "homebase":
                names.extend((node.lineno, f"homebase.{alias.name}") for alias in node.names)
    return names


def violations(layer: str, source: str, where: str) -> list[str]:
    found = []
    for line, name in imported(ast.parse(source, where)):
        top = name.split(".")
        framework = top[0] in FRAMEWORKS and layer in FRAMEWORK_FREE
        upward = (
            top[0] == "homebase"
            and len(top) > 1
            and top[1] not in {layer, "__version__"}
            and top[1] not in ALLOWED[layer]
        )
        if framework or upward:
            found.append(f"{where}:{line} {layer} imports {name}")
    return found


def module_violations(path: Path) -> list[str]:
    layer = layer_of(path)
    if layer is None:
        return []
    return violations(layer, path.read_text(), str(path.relative_to(PACKAGE)))


def test_every_layer_is_known() -> None:
    layers = {layer_of(path) for path in PACKAGE.rglob("*.py")} - {None}
    assert layers <= set(ALLOWED), layers - set(ALLOWED)


def test_layers_import_only_downwards() -> None:
    found = [v for path in sorted(PACKAGE.rglob("*.py")) for v in module_violations(path)]
    assert found == []


@pytest.mark.parametrize(
    ("layer", "source", "allowed"),
    [
        ("core", "from homebase.db.session import session_scope", False),
        ("services", "from fastapi import Request", False),
        ("services", "import starlette.responses", False),
        ("models", "from homebase.services import tasks", False),
        ("repositories", "from homebase.models import Task", True),
        ("api", "from homebase.services import tasks", True),
        ("services", "from homebase.api.deps import SessionDep", False),
    ],
)
def test_the_check_catches_an_upward_import(layer: str, source: str, allowed: bool) -> None:
    assert (violations(layer, source, "probe.py") == []) is allowed
