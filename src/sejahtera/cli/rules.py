"""``sejahtera rules test`` (YAML test cases, in OpenFisca's format), ``sejahtera rules show``
(programmes and parameters on a date), ``sejahtera simulate`` (a scenario report) and
``sejahtera budget`` (the budget solver)."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sejahtera.cli.support import friendly
from sejahtera.i18n import text

if TYPE_CHECKING:
    from sejahtera.simulate.scenario import Baseline

_baseline_option = click.option(
    "--baseline",
    type=click.Choice(["status-quo", "rules"]),
    default="status-quo",
    show_default=True,
    help="status-quo: dari penerima saat ini menurut data / from today's recipients as recorded; "
    "rules: setiap yang layak menurut aturan / everyone the rules make eligible.",
)


def _baseline(choice: str) -> Baseline:
    """The CLI's --baseline as the core names it."""
    return "rules" if choice == "rules" else "status_quo"


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
@friendly
def rules_test(paths: tuple[Path, ...], ruleset_name: str, reform: Path | None) -> None:
    from sejahtera.rules.reform import apply_reform
    from sejahtera.rules.ruleset import load_ruleset
    from sejahtera.simulate.testing import run_tests

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


@rules.command(
    "show",
    help="Program dan parameter ruleset dengan nilai pada suatu tanggal / a ruleset's programmes "
    "and parameters with their values on a date.",
)
@click.argument("programme", required=False)
@click.option(
    "--rules",
    "ruleset_name",
    required=True,
    help="Ruleset: nama bawaan (indonesia) atau folder / shipped name or folder.",
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Tanggal nilai, YYYY-MM-DD (bawaan: hari ini) / date of the values (default: today).",
)
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON / JSON output.")
@friendly
def rules_show(
    programme: str | None, ruleset_name: str, day: datetime.datetime | None, as_json: bool
) -> None:
    import json

    from sejahtera.rules.ruleset import load_ruleset
    from sejahtera.rules.show import describe

    chosen = day.date() if day is not None else datetime.date.today()
    found = describe(load_ruleset(ruleset_name), programme, chosen)
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(found.summary())


def _stream_options(scratch: bool):
    """``--stream``, ``--workers`` and ``--cluster`` (and for ``simulate``, ``--scratch``): a
    dataset larger than memory, in pieces of whole kabupaten, on every core or a Dask
    cluster."""
    options = [
        click.option(
            "--stream",
            is_flag=True,
            help="Hitung per bagian (kabupaten utuh) di semua inti: data lebih besar dari "
            "memori / compute piece by piece (whole kabupaten) on every core: data larger than "
            "memory.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=None,
            help="Dengan --stream: klaster Dask lokal dengan N pekerja / with --stream: a local "
            "Dask cluster of N workers.",
        ),
        click.option(
            "--cluster",
            default=None,
            help="Dengan --stream: alamat penjadwal Dask (tcp://HOST:8786) / with --stream: a "
            "Dask scheduler's address.",
        ),
    ]
    if scratch:
        options.append(
            click.option(
                "--scratch",
                type=click.Path(file_okay=False, path_type=Path),
                default=None,
                help="Dengan --stream: folder kerja sementara (di klaster: terjangkau semua "
                "pekerja) / with --stream: the scratch folder (on a cluster: reachable by every "
                "worker).",
            )
        )

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@click.command(
    "simulate",
    help="Simulasikan kondisi saat ini dan reformasi atas dataset: biaya, jangkauan, kemiskinan "
    "sebelum/sesudah bantuan / simulate today's situation and a reform on a dataset: cost, reach, "
    "poverty before and after transfers.",
)
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--rules", "ruleset_name", required=True, help="Ruleset (indonesia) atau folder.")
@click.option(
    "--reform",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Reformasi YAML yang dibandingkan dengan baseline / YAML reform compared with baseline.",
)
@_baseline_option
@click.option("--period", default="2025", show_default=True, help="Tahun / year.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON / JSON output.")
@click.option(
    "--households-out",
    type=click.Path(path_type=Path),
    default=None,
    help="Tulis hasil per rumah tangga (CSV atau Parquet; dengan --stream sebuah folder) / write "
    "per-household results (CSV or Parquet; with --stream a folder).",
)
@_stream_options(scratch=True)
@friendly
def simulate_command(
    data: Path,
    ruleset_name: str,
    reform: Path | None,
    baseline: str,
    period: str,
    as_json: bool,
    households_out: Path | None,
    stream: bool,
    workers: int | None,
    cluster: str | None,
    scratch: Path | None,
) -> None:
    import json

    from sejahtera.simulate.scenario import scenario_of

    runner = _runner(stream, workers, cluster, scratch)
    if stream:
        from sejahtera.simulate.stream import scenario_streamed

        result = scenario_streamed(
            data,
            ruleset_name,
            reform,
            baseline=_baseline(baseline),
            period=period,
            runner=runner,
            scratch=scratch,
            keep=households_out,
        )
        households_out = None  # kept as the run went
    else:
        result = scenario_of(
            data, ruleset_name, reform, baseline=_baseline(baseline), period=period
        )
    if households_out is not None:
        frame = result.households()
        if households_out.suffix == ".parquet":
            frame.to_parquet(households_out, index=False)
        else:
            frame.to_csv(households_out, index=False)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=float))
        return
    click.echo(result.summary())


@click.command(
    "budget",
    help="Pemecah anggaran: batas desil/PMT atau besaran yang muat dalam anggaran suatu program, "
    "atau apa yang dibeli tambahan anggaran (--extra) / budget solver: the cut-off or amount that "
    "fits a programme's budget, or what an extra budget buys (--extra).",
)
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--rules", "ruleset_name", required=True, help="Ruleset (indonesia) atau folder.")
@click.option("--programme", default=None, help="Program / programme (pkh, sembako, …).")
@click.option("--lever", default=None, help="Tuas / lever: desil, pmt atau/or amount.")
@click.option("--budget", "budget_rp", type=float, default=None, help="Anggaran setahun (Rp).")
@click.option(
    "--extra",
    "extra_rp",
    type=float,
    default=None,
    help="Tambahan anggaran setahun (Rp): urutkan pilihan / extra budget a year: rank options.",
)
@click.option(
    "--option",
    "options",
    multiple=True,
    help="Pilihan untuk --extra: program, templat bawaan, atau berkas reformasi (boleh berulang) "
    "/ an option for --extra: a programme, shipped template or reform file (repeatable).",
)
@click.option(
    "--areas",
    type=int,
    default=3,
    show_default=True,
    help="Jumlah kecamatan prioritas untuk topup-wilayah / priority kecamatan for topup-wilayah.",
)
@_baseline_option
@click.option("--period", default="2025", show_default=True, help="Tahun / year.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON / JSON output.")
@_stream_options(scratch=False)
@friendly
def budget_command(
    data: Path,
    ruleset_name: str,
    programme: str | None,
    lever: str | None,
    budget_rp: float | None,
    extra_rp: float | None,
    options: tuple[str, ...],
    areas: int,
    baseline: str,
    period: str,
    as_json: bool,
    stream: bool,
    workers: int | None,
    cluster: str | None,
) -> None:
    from sejahtera.errors import SejahteraError
    from sejahtera.rules.ruleset import load_ruleset
    from sejahtera.simulate.budget import solve_budget
    from sejahtera.simulate.options import DEFAULT_OPTIONS, solve_extra
    from sejahtera.simulate.scenario import dataset_tables

    given = [budget_rp is not None, programme is not None, lever is not None]
    if (extra_rp is not None and any(given)) or (extra_rp is None and not all(given)):
        raise SejahteraError("budget.mode")
    chosen = _baseline(baseline)
    runner = _runner(stream, workers, cluster)
    if stream and extra_rp is not None:
        raise SejahteraError("budget.extra_not_streamed")
    if stream:
        from sejahtera.simulate.budget_stream import solve_budget_streamed

        result = solve_budget_streamed(
            data, ruleset_name, programme, lever, budget_rp, period, chosen, runner=runner
        )
        _show_budget(result, as_json)
        return
    ruleset = load_ruleset(ruleset_name)  # checked whole before the data is read
    persons, households = dataset_tables(data)
    if extra_rp is not None:
        found = solve_extra(
            ruleset,
            persons,
            households,
            extra_rp,
            options or DEFAULT_OPTIONS,
            period,
            chosen,
            areas,
        )
        if as_json:
            import json

            click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2, default=float))
        else:
            click.echo(found.summary())
        return
    result = solve_budget(
        ruleset,
        persons,
        households,
        programme,
        lever,
        budget_rp,
        period,
        chosen,
    )
    _show_budget(result, as_json)


def _show_budget(result, as_json: bool) -> None:
    import json

    if result.chosen is None:
        raise result.nothing_fits()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=float))
        return
    click.echo(result.summary())


def _runner(stream: bool, workers: int | None, cluster: str | None, scratch: Path | None = None):
    """Where the pieces of ``--stream`` run: a Dask cluster (``--workers`` or ``--cluster``),
    else every core of this machine; refused options without ``--stream``."""
    from sejahtera.errors import SejahteraError
    from sejahtera.simulate.parallel import Runner

    if not stream:
        if workers or cluster or scratch:
            raise SejahteraError("simulate.stream_only")
        return None
    if workers and cluster:
        raise SejahteraError("simulate.workers_or_cluster")
    return Runner.dask(workers, cluster) if workers or cluster else Runner.cores()


COMMANDS = (rules, simulate_command, budget_command)
