"""Data flows one way: ui -> assistant -> (retrieval | generation). Read from the code's own imports (ast), so a
lazy import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from assistant.settings import REPO_ROOT

# package -> the packages it must never import
FORBIDDEN = {
    "retrieval": {"assistant", "generation", "ui"},
    "generation": {"assistant", "retrieval", "ui"},
    "assistant": {"ui"},
}
MAX_MODULE_LINES = 500


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_or_sideways_imports(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (REPO_ROOT / package).rglob("*.py")
        if _imports(path) & FORBIDDEN[package]
    }
    assert not offenders, offenders


def test_the_ui_uses_only_the_assistant_s_public_modules() -> None:
    """The pages import the assistant's face (and the HTTP layer's, in the composition root), nothing deeper."""
    allowed = {"assistant", "assistant.http"}
    for path in (REPO_ROOT / "ui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assistant"):
                assert node.module in allowed, f"{path.name} imports {node.module}"
            assert not (isinstance(node, ast.ImportFrom) and node.module in {"retrieval", "generation"}), path


def test_modules_stay_small() -> None:
    sizes = {
        str(path.relative_to(REPO_ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for package in ("assistant", "retrieval", "generation", "ui")
        for path in (REPO_ROOT / package).rglob("*.py")
    }
    assert not {p: n for p, n in sizes.items() if n > MAX_MODULE_LINES}
