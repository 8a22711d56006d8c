"""One service layer, two faces: the command line and the Python functions at the top of the
package (the functions the commands wrap) give the same figures on the same data, for each family
of commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import sejahtera as sj
from sejahtera.cli import main
from sejahtera.data.dataset import Dataset
from sejahtera.evaluate.robustness import CHECKED_COLUMNS
from sejahtera.i18n import set_language
from sejahtera.measure.result import records
from sejahtera.report.evaluation import write_report
from sejahtera.simulate.scenario import TIDY_COLUMNS
from sejahtera.synth import SynthOptions, synthesise

REFORMS = Path(__file__).resolve().parent.parent / "src/sejahtera/rulesets/indonesia/reforms"


@pytest.fixture(autouse=True)
def _english() -> None:
    """The functions speak the language the command is given (texts inside the results too)."""
    set_language("en")


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
    result = sj.measurement(region.path, by=["urban"], decompose=True)
    assert json.loads(cli("measure", str(region.path), *options, "--json")) == records(
        result.tidy()
    )
    assert cli("measure", str(region.path), *options) == result.summary() + "\n"
    # A table file has no defaults: the same figures when its columns are named.
    households = Path(region.path) / "households.parquet"
    named = sj.measurement(households, "consumption_pc", weight="weight", line="poverty_line")
    shown = cli("measure", str(households), "--welfare", "consumption_pc", "--weight", "weight",
                "--line", "poverty_line", "--json")  # fmt: skip
    assert json.loads(shown) == records(named.tidy())

    deprived = sj.mpi(region.path, "housing-id", k=0.25, by=["urban"])
    shown = cli("mpi", str(region.path), "--spec", "housing-id", "--k", "0.25", "--by", "urban",
                "--json")  # fmt: skip
    assert json.loads(shown) == records(deprived.tidy())
    assert deprived.to_dict()["estimates"] == records(deprived.tidy())


def test_a_scenario_with_a_reform_gives_what_simulate_prints(region: Dataset) -> None:
    reform = REFORMS / "lansia-daerah.yaml"
    result = sj.scenario(region.path, "indonesia", reform)
    shown = cli("simulate", str(region.path), "--rules", "indonesia", "--reform", str(reform),
                "--json")  # fmt: skip
    assert shown == json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=float) + "\n"
    assert cli("simulate", str(region.path), "--rules", "indonesia", "--reform", str(reform)) == (
        result.summary() + "\n"
    )
    tidy = result.tidy()
    assert tuple(tidy.columns) == TIDY_COLUMNS
    report = json.loads(shown)
    for run, summary in (("status_quo", report["baseline"]), ("reform", report["reform"])):
        rows = tidy[tidy["run"] == run].set_index("programme")
        assert list(rows.index) == list(summary["programs"])
        for name, figures in summary["programs"].items():
            assert rows.loc[name, "cost_rp"] == figures["cost_rp"]
            assert rows.loc[name, "families"] == figures["families"]
    # The reform adds a programme the kabupaten pays: a row of its own, in the reform's run only.
    added = set(tidy.loc[tidy["run"] == "reform", "programme"]) - set(
        tidy.loc[tidy["run"] == "status_quo", "programme"]
    )
    assert added and set(tidy.loc[tidy["programme"].isin(added), "funder"]) == {"apbd_kabupaten"}


def test_did_with_its_checks_gives_what_evaluate_prints_and_reports(
    region: Dataset, tmp_path: Path
) -> None:
    options = {"treatment": "ever_receives", "post": "follow_up", "cluster": "district_code",
               "covariates": ["urban", "size"], "bootstrap": 999, "seed": 4}  # fmt: skip
    report = tmp_path / "did.html"
    shown = cli("evaluate", "did", str(region.path), "--outcome", "consumption_pc",
                "--treatment", "ever_receives", "--post", "follow_up", "--cluster",
                "district_code", "--covariates", "urban,size", "--bootstrap-reps", "999",
                "--seed", "4", "--json", "--report", str(report))  # fmt: skip
    panel = sj.load(region.path, panel=True)
    assert panel.frame.equals(region.extra("panel"))
    result = sj.evaluate_did(panel, "consumption_pc", **options)  # type: ignore[arg-type]
    assert (
        shown == json.dumps(result.main.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
    )
    # 18 kecamatan: the wild cluster bootstrap, so every check applies.
    assert [check.name for check in result.checks] == [
        "no_covariates",
        "analytic_cluster",
        "robust_se",
    ]
    again = write_report(result.main, result.report_checks(), tmp_path / "python.html")
    assert again.read_text("utf-8") == report.read_text("utf-8")

    tidy = result.tidy()
    assert tuple(tidy.columns) == CHECKED_COLUMNS
    assert list(dict.fromkeys(tidy["check"])) == ["main", *(c.name for c in result.checks)]
    assert tidy["estimate"].iloc[0] == result.main.main.estimate
    assert [c["check"] for c in result.to_dict()["checks"]] == tidy["check"].unique()[1:].tolist()
    # Without checks (the command without --report), the same main evaluation.
    alone = sj.evaluate_did(region.path, "consumption_pc", **options, checks=False)  # type: ignore[arg-type]
    assert alone.checks == [] and alone.main.to_dict() == result.main.to_dict()
