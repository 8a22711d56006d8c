"""The functions at the top of the package: each documented (a docstring, both user guides), each
the core function it calls with the same arguments, none of them importing anything until called,
and the packages they are named beside still packages."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types
from pathlib import Path

import pytest

import sejahtera

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = [name for name in sejahtera.__all__ if callable(getattr(sejahtera, name))]
FUNCTIONS.remove("SejahteraError")
# Each top-level function and the core function it calls.
CORE = {
    "load": "sejahtera.data.frame:load",
    "measurement": "sejahtera.measure.measurement:measure_of",
    "mpi": "sejahtera.measure.measurement:mpi_of",
    "simulation": "sejahtera.simulate.engine:simulate",
    "scenario": "sejahtera.simulate.scenario:scenario_of",
    "evaluate_did": "sejahtera.evaluate.robustness:evaluate_did",
    "evaluate_match": "sejahtera.evaluate.robustness:evaluate_match",
    "evaluate_rdd": "sejahtera.evaluate.robustness:evaluate_rdd",
}


def test_the_functions_are_the_ones_listed() -> None:
    assert sorted(FUNCTIONS) == sorted(CORE)


@pytest.mark.parametrize("name", sorted(CORE))
def test_each_function_is_documented_in_its_docstring_and_both_guides(name: str) -> None:
    function = getattr(sejahtera, name)
    assert len(inspect.getdoc(function) or "") > 200, f"sejahtera.{name} needs a docstring"
    for guide in ("user-guide.id.md", "user-guide.en.md"):
        assert f"sj.{name}(" in (ROOT / "docs" / guide).read_text("utf-8"), (guide, name)


@pytest.mark.parametrize("name", sorted(CORE))
def test_each_function_takes_what_its_core_function_takes(name: str) -> None:
    module, attribute = CORE[name].split(":")
    core = getattr(__import__(module, fromlist=[attribute]), attribute)

    def shape(function: object) -> list[tuple[str, object, object]]:
        parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
        return [(p.name, p.kind, p.default) for p in parameters]

    assert shape(getattr(sejahtera, name)) == shape(core)


def test_importing_the_package_imports_nothing_else() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, sejahtera; print(*sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [m for m in loaded if m.startswith("sejahtera")] == ["sejahtera", "sejahtera.version"]
    assert not {"numpy", "pandas", "typing"} & set(loaded)


def test_the_packages_beside_the_functions_stay_packages() -> None:
    import sejahtera.evaluate.result as result
    import sejahtera.measure as measure
    import sejahtera.simulate.engine as engine

    assert isinstance(sejahtera.simulate, types.ModuleType) and not callable(sejahtera.simulate)
    assert sejahtera.simulate.engine is engine and measure.gini([1, 1]) == 0.0
    assert result.Evaluation.__module__ == "sejahtera.evaluate.result"
    assert sejahtera.simulation.__module__ == "sejahtera"
    assert sejahtera.SejahteraError.__module__ == "sejahtera.errors"
    with pytest.raises(AttributeError):
        sejahtera.nothing  # noqa: B018
