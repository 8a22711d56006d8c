"""The country_template ruleset passes openfisca-country-template's own YAML test suite.

The suite is read from the installed package (the ``test`` extra), not copied: what runs here is
exactly what OpenFisca runs.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import yaml
from click.testing import CliRunner

from sejahtera.cli import main

SUITE = Path(str(resources.files("openfisca_country_template").joinpath("tests")))
ENTITIES = ("persons", "person", "households", "household")


def expectations(output: dict) -> int:
    """How many (variable, period) values a case's output expects, counted from the YAML."""
    count = 0
    for key, value in output.items():
        if key in ENTITIES:
            members = [value] if key in ("person", "household") else list(value.values())
            count += sum(expectations(member) for member in members)
        else:
            count += len(value) if isinstance(value, dict) else 1
    return count


def run_suite(*extra: str):
    return CliRunner().invoke(
        main, ["--lang", "en", "rules", "test", str(SUITE), "--rules", "country_template", *extra]
    )


def test_openfisca_country_template_suite_passes() -> None:
    files = sorted(SUITE.rglob("*.yaml"))
    assert len(files) >= 15  # the whole suite, reforms and situations included
    wanted = sum(
        expectations(case["output"]) for path in files for case in yaml.safe_load(path.read_text())
    )
    result = run_suite()
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith(f"{wanted} passed, 0 failed")


def test_the_suite_catches_a_wrong_rule(tmp_path: Path) -> None:
    (tmp_path / "reform.yaml").write_text(
        "parameters:\n  benefits.basic_income: {2016-01-01: {value: 601}}\n"
    )
    result = run_suite("--reform", str(tmp_path / "reform.yaml"))
    assert result.exit_code == 1
    failed = re.search(r"(\d+) passed, (\d+) failed", result.stdout)
    assert failed and int(failed.group(2)) >= 4  # basic income and disposable income cases
    assert "basic_income@2016-12 expected 600, got [601.0]" in result.stdout


def test_axes_expand_as_openfisca_expands_them(tmp_path: Path) -> None:
    """A situation with parallel and perpendicular axes: OpenFisca-core computes the expected
    values, written into a case that `sejahtera rules test` must pass."""
    from openfisca_core.simulation_builder import SimulationBuilder
    from openfisca_country_template import CountryTaxBenefitSystem

    situation = {
        "persons": {
            "ana": {"birth": "1980-05-01"},
            "budi": {"birth": "1984-02-01", "salary": {"2017-01": 150}},
            "cici": {"birth": "2013-07-01"},
        },
        "households": {
            "h": {
                "adults": ["ana", "budi"],
                "children": ["cici"],
                "accommodation_size": {"2017-01": 40},
            }
        },
        "axes": [
            [
                {"name": "salary", "count": 4, "min": 0, "max": 900, "period": "2017-01"},
                {"name": "capital_returns", "count": 4, "min": 50, "max": 0, "period": "2017-01"},
            ],
            [{"name": "rent", "count": 3, "min": 100, "max": 700, "period": "2017-01", "index": 0}],
        ],
    }
    builder = SimulationBuilder()
    builder.set_default_period("2017-01")
    openfisca = builder.build_from_dict(CountryTaxBenefitSystem(), situation)
    names = ("salary", "income_tax", "parenting_allowance", "disposable_income", "total_taxes")
    output = {name: openfisca.calculate(name, "2017-01").round(4).tolist() for name in names}
    assert len(output["disposable_income"]) == 12 and len(set(output["parenting_allowance"])) == 2
    case = {
        "name": "axes",
        "period": "2017-01",
        "absolute_error_margin": 0.01,
        "input": situation,
        "output": output,
    }
    (tmp_path / "axes.yaml").write_text(yaml.safe_dump([case], sort_keys=False))
    result = CliRunner().invoke(
        main, ["--lang", "en", "rules", "test", str(tmp_path), "--rules", "country_template"]
    )
    assert result.exit_code == 0, result.output
    assert f"{len(names)} passed, 0 failed" in result.stdout
