"""The layers hold: `lint-imports` (run by `make lint`) checks the contracts in pyproject.toml,
and this test checks that every part of the package is in one of their layers."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "sejahtera"


def contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def test_every_part_of_the_package_has_a_layer() -> None:
    (layers,) = [c for c in contracts() if c["type"] == "layers" and "containers" not in c]
    names = [
        name.strip() for layer in layers["layers"] for name in layer.replace(":", "|").split("|")
    ]
    required = {name for name in names if not name.startswith("(")}
    optional = {name.strip("()") for name in names if name.startswith("(")}
    parts = {
        f"sejahtera.{path.stem}"
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    assert parts - required - optional == set(), "add these to a layer in pyproject.toml"
    assert required - parts == set()


def test_every_command_module_has_a_layer() -> None:
    (layers,) = [c for c in contracts() if c["type"] == "layers" and "containers" in c]
    assert layers["containers"] == ["sejahtera.cli"]
    names = {name.strip() for layer in layers["layers"] for name in layer.split("|")}
    modules = {path.stem for path in (PACKAGE / "cli").glob("*.py") if path.stem != "__init__"}
    assert modules == names


def test_core_never_imports_django() -> None:
    (forbidden,) = [contract for contract in contracts() if contract["type"] == "forbidden"]
    core = {"data", "synth", "measure", "rules", "simulate", "evaluate"}
    assert {f"sejahtera.{name}" for name in core} <= set(forbidden["source_modules"])
    assert "django" in forbidden["forbidden_modules"]


def test_modules_stay_small() -> None:
    for path in PACKAGE.rglob("*.py"):
        lines = len(path.read_text("utf-8").splitlines())
        assert lines <= 600, f"{path.relative_to(PACKAGE)} has {lines} lines"
