"""The analytics core never imports the web layer or Django (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "sejahtera"
CORE = ("data", "synth", "measure", "rules", "simulate", "evaluate")
FORBIDDEN = ("django", "sejahtera.workbench", "sejahtera.cli")


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_does_not_import_web_or_cli() -> None:
    checked = 0
    for layer in CORE:
        for path in (PACKAGE / layer).rglob("*.py") if (PACKAGE / layer).exists() else []:
            checked += 1
            bad = {name for name in imports(path) if name.startswith(FORBIDDEN)}
            assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"
    assert checked >= 10


def test_modules_stay_small() -> None:
    for path in PACKAGE.rglob("*.py"):
        lines = len(path.read_text("utf-8").splitlines())
        assert lines <= 600, f"{path.relative_to(PACKAGE)} has {lines} lines"
