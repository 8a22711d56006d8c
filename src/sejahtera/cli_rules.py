"""``sejahtera rules test`` (YAML test cases, in OpenFisca's format), ``sejahtera simulate`` (a
scenario report) and ``sejahtera budget`` (the budget solver)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sejahtera.cli_support import _friendly
from sejahtera.i18n import text


def register_rules_commands(main: click.Group) -> None:
    main.add_command(rules)
    main.add_command(simulate_command)
    main.add_command(budget_command)


@click.group(help="Aturan sebagai kode / rules as code.")
def rules() -> None:
    pass


@rules.command("test", help="Jalankan kasus uji YAML / run YAML test cases.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--rules",
    "ruleset_name",
    required=True,
    help="Ruleset: nama bawaan (indonesia) atau folder / shipped name or folder.",
)
@click.option(
    "--reform",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Reformasi YAML yang diterapkan / YAML reform to apply.",
)
@_friendly
def rules_test(paths: tuple[Path, ...], ruleset_name: str, reform: Path | None) -> None:
    from sejahtera.rules.reform import apply_reform
    from sejahtera.rules.ruleset import load_ruleset
    from sejahtera.rules.testing import run_tests

    ruleset = load_ruleset(ruleset_name)
    if reform is not None:
        ruleset = apply_reform(ruleset, reform)
    outcome = run_tests(ruleset, list(paths))
    for failure in outcome.failures:
        click.echo(
            text(
                "rules.test_failed",
                file=failure.file,
                line=failure.line,
                name=failure.name,
                variable=failure.variable,
                expected=failure.expected,
                got=failure.got,
            )
        )
    click.echo(text("rules.test_summary", passed=outcome.passed, failed=len(outcome.failures)))
    if outcome.failures:
        sys.exit(1)


@click.command(
    "simulate",
    help="Simulasikan ruleset atas dataset: biaya, jangkauan, kemiskinan sebelum/sesudah / "
    "simulate a ruleset on a dataset: cost, reach, poverty before and after.",
)
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--rules", "ruleset_name", required=True, help="Ruleset (indonesia) atau folder.")
@click.option(
    "--reform",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Reformasi YAML yang dibandingkan dengan baseline / YAML reform compared with baseline.",
)
@click.option("--period", default="2025", show_default=True, help="Tahun / year.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON / JSON output.")
@click.option(
    "--households-out",
    type=click.Path(path_type=Path),
    default=None,
    help="Tulis hasil per rumah tangga (CSV atau Parquet) / write per-household results.",
)
@_friendly
def simulate_command(
    data: Path,
    ruleset_name: str,
    reform: Path | None,
    period: str,
    as_json: bool,
    households_out: Path | None,
) -> None:
    import json

    from sejahtera.measure.frame import load
    from sejahtera.rules.reform import apply_reform
    from sejahtera.rules.ruleset import load_ruleset
    from sejahtera.simulate.engine import Simulation
    from sejahtera.simulate.report import compare, household_results, programmes, summarise

    # The rules and the reform are checked whole before the data is read.
    baseline_rules = load_ruleset(ruleset_name)
    reform_rules = apply_reform(baseline_rules, reform) if reform is not None else None
    declared = programmes(baseline_rules)
    table = load(data)
    if table.dataset is None:
        from sejahtera.errors import SejahteraError

        raise SejahteraError("simulate.needs_dataset", path=data)
    persons = table.dataset.persons()
    baseline = household_results(Simulation(baseline_rules, persons, table.frame, period), declared)
    report: dict[str, object] = {"baseline": summarise(baseline, list(declared))}
    results = baseline
    if reform_rules is not None:
        reformed = household_results(
            Simulation(reform_rules, persons, table.frame, period),
            declared,
        )
        report["reform"] = summarise(reformed, list(declared))
        report["difference"] = compare(baseline, reformed)
        results = baseline.merge(
            reformed[["household_id", "cash_total", "welfare_after"]],
            on="household_id",
            suffixes=("", "_reform"),
        )
    if households_out is not None:
        if households_out.suffix == ".parquet":
            results.to_parquet(households_out, index=False)
        else:
            results.to_csv(households_out, index=False)
    if as_json:
        flat = report["baseline"] if reform is None else report
        click.echo(json.dumps(flat, ensure_ascii=False, indent=2, default=float))
        return
    click.echo(_simulate_text(report))


def _simulate_text(report: dict[str, object]) -> str:
    lines = []
    for scenario in ("baseline", "reform"):
        summary = report.get(scenario)
        if not isinstance(summary, dict):
            continue
        lines.append(text(f"simulate.title_{scenario}"))
        for name, figures in summary["programs"].items():
            lines.append(
                text(
                    "simulate.programme_line",
                    name=name,
                    cost=figures["cost_rp"],
                    households=figures["households"],
                    persons=figures["persons"],
                    coverage=figures["coverage_of_poor"],
                )
            )
        before, after = summary["poverty"]["before"], summary["poverty"]["after"]
        lines.append(
            text(
                "simulate.poverty_line",
                before=before["fgt0"],
                after=after["fgt0"],
                gini_before=before["gini"],
                gini_after=after["gini"],
            )
        )
        lines.append(text("simulate.assumption"))
    if isinstance(report.get("difference"), dict):
        lines.append(text("simulate.difference", **report["difference"]))
    return "\n".join(lines)


@click.command(
    "budget",
    help="Pemecah anggaran: batas desil/PMT atau besaran bantuan yang muat dalam anggaran dan "
    "paling menurunkan kemiskinan / budget solver: the desil or PMT cut-off or the amount that "
    "fits a budget and reduces poverty most.",
)
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--rules", "ruleset_name", required=True, help="Ruleset (indonesia) atau folder.")
@click.option("--programme", required=True, help="Program / programme (pkh, sembako, …).")
@click.option("--lever", required=True, help="Tuas / lever: desil, pmt atau/or amount.")
@click.option("--budget", "budget_rp", required=True, type=float, help="Anggaran setahun (Rp).")
@click.option("--period", default="2025", show_default=True, help="Tahun / year.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON / JSON output.")
@_friendly
def budget_command(
    data: Path,
    ruleset_name: str,
    programme: str,
    lever: str,
    budget_rp: float,
    period: str,
    as_json: bool,
) -> None:
    import json

    from sejahtera.errors import SejahteraError
    from sejahtera.measure.frame import load
    from sejahtera.rules.ruleset import load_ruleset
    from sejahtera.simulate.budget import solve_budget

    ruleset = load_ruleset(ruleset_name)  # checked whole before the data is read
    table = load(data)
    if table.dataset is None:
        raise SejahteraError("simulate.needs_dataset", path=data)
    result = solve_budget(
        ruleset, table.dataset.persons(), table.frame, programme, lever, budget_rp, period
    )
    if result.chosen is None:
        raise result.nothing_fits()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=float))
        return
    click.echo(result.summary())
