"""One service layer, two faces: the command line and the Python functions it wraps give the same
figures on the same data, for each family of commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.data.dataset import Dataset
from sejahtera.measure.measurement import measure_of, mpi_of
from sejahtera.measure.result import records
from sejahtera.synth import SynthOptions, synthesise


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, ["--lang", "en", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """Synthetic Gunungkidul, 4,000 households, with a two-wave evaluation panel."""
    folder = tmp_path_factory.mktemp("faces") / "gk"
    return synthesise(SynthOptions("34.03", 4_000, seed=3, panel_waves=2), folder)


def test_measure_and_mpi_give_what_the_commands_print(region: Dataset) -> None:
    options = ["--by", "urban", "--decompose"]
    result = measure_of(region.path, by=["urban"], decompose=True)
    assert json.loads(cli("measure", str(region.path), *options, "--json")) == records(
        result.tidy()
    )
    assert cli("measure", str(region.path), *options) == result.summary("en") + "\n"
    # A table file has no defaults: the same figures when its columns are named.
    households = Path(region.path) / "households.parquet"
    named = measure_of(households, "consumption_pc", weight="weight", line="poverty_line")
    shown = cli("measure", str(households), "--welfare", "consumption_pc", "--weight", "weight",
                "--line", "poverty_line", "--json")  # fmt: skip
    assert json.loads(shown) == records(named.tidy())

    deprived = mpi_of(region.path, "housing-id", k=0.25, by=["urban"])
    shown = cli("mpi", str(region.path), "--spec", "housing-id", "--k", "0.25", "--by", "urban",
                "--json")  # fmt: skip
    assert json.loads(shown) == records(deprived.tidy())
    assert deprived.to_dict()["estimates"] == records(deprived.tidy())
