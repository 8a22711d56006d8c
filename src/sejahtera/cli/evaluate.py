"""``sejahtera evaluate did|match|rdd``: did the programme work, and how sure are we?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sejahtera.cli.support import friendly

if TYPE_CHECKING:
    from sejahtera.evaluate.robustness import CheckedEvaluation

_data = click.argument("data", type=click.Path(path_type=Path))
_outcome = click.option("--outcome", required=True, help="Kolom hasil / outcome column.")
_json = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Cetak JSON: estimates (dampak utama dulu) dan diagnostics / print JSON: estimates "
    "(main effect first) and diagnostics.",
)
_report = click.option(
    "--report",
    type=click.Path(path_type=Path),
    default=None,
    help="Tulis laporan evaluasi HTML / write an HTML evaluation report.",
)
_covariates = click.option(
    "--covariates", default="", help="Kovariat, dipisah koma / covariates, comma-separated."
)
# --treatment and --weights: one name each across did, match and rdd, as in the Python functions
# (evaluate/columns.py).
_weights = click.option(
    "--weights", default=None, help="Kolom bobot survei / survey weights column."
)
_where = click.option(
    "--where",
    multiple=True,
    help="Pakai hanya baris dengan kolom ini benar (dapat diulang) / keep only the rows where "
    "this true/false column is true (repeatable).",
)


@click.group(help="Evaluasi dampak program / impact evaluation of a programme.")
def evaluate() -> None:
    pass


def _columns(text_value: str) -> list[str]:
    return [c.strip() for c in text_value.split(",") if c.strip()]


def _finish(result: CheckedEvaluation, as_json: bool, report: Path | None) -> None:
    """Print the main evaluation (text or JSON); write the report, with the checks, when asked."""
    if report is not None:
        from sejahtera.report.evaluation import write_report

        write_report(result.main, result.report_checks(), report)
    if as_json:
        click.echo(json.dumps(result.main.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(result.main.summary())


@evaluate.command(
    "did",
    help="Selisih-dari-selisih (2×2, efek tetap dua arah, studi peristiwa, bertahap) / "
    "difference-in-differences (2×2, two-way fixed effects, event study, staggered).",
)
@_data
@_outcome
@click.option(
    "--treatment",
    default=None,
    help="Kolom perlakuan: kelompok yang dijangkau program (0/1) / treatment column: the group "
    "the programme reaches (0/1).",
)
@click.option("--post", default=None, help="Kolom periode sesudah / post-period column.")
@click.option("--unit", default=None, help="Kolom unit panel / panel unit column.")
@click.option("--time", "time_column", default=None, help="Kolom waktu / time column.")
@click.option("--cluster", default=None, help="Kolom klaster galat baku / cluster column for SEs.")
@_covariates
@click.option(
    "--event-study",
    "event_first",
    default=None,
    help="Studi peristiwa: kolom periode mulai perlakuan / event study: column of the first "
    "treated period.",
)
@click.option(
    "--staggered",
    "staggered_first",
    default=None,
    help="Callaway–Sant'Anna: kolom periode mulai perlakuan / column of the first treated period.",
)
@click.option(
    "--inference",
    type=click.Choice(["auto", "cluster", "wild-bootstrap"]),
    default="auto",
    show_default=True,
    help="Nilai p dan interval: auto = wild cluster bootstrap bila klaster < 30 / p-value and "
    "interval: auto = wild cluster bootstrap with fewer than 30 clusters (2×2, fixed effects).",
)
@click.option(
    "--bootstrap-reps",
    type=click.IntRange(min=99),
    default=9_999,
    show_default=True,
    help="Ulangan wild cluster bootstrap / wild cluster bootstrap repetitions.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Benih acak bootstrap, agar hasil dapat diulang / bootstrap random seed, so results "
    "reproduce.",
)
@_weights
@_where
@_json
@_report
@friendly
def did_command(
    data: Path,
    outcome: str,
    treatment: str | None,
    post: str | None,
    unit: str | None,
    time_column: str | None,
    cluster: str | None,
    covariates: str,
    event_first: str | None,
    staggered_first: str | None,
    inference: str,
    bootstrap_reps: int,
    seed: int,
    weights: str | None,
    where: tuple[str, ...],
    as_json: bool,
    report: Path | None,
) -> None:
    from sejahtera.evaluate.robustness import evaluate_did

    result = evaluate_did(
        data, outcome, treatment, post,
        unit=unit, time=time_column, cluster=cluster, covariates=_columns(covariates),
        event_study=event_first, staggered=staggered_first,
        inference=inference, bootstrap=bootstrap_reps, seed=seed, weights=weights,  # type: ignore[arg-type]
        where=where, checks=report is not None,
    )  # fmt: skip
    _finish(result, as_json, report)


@evaluate.command(
    "match",
    help="Pencocokan dan pembobotan skor kecenderungan / propensity-score matching and weighting.",
)
@_data
@_outcome
@click.option(
    "--treatment",
    required=True,
    help="Kolom perlakuan: siapa menerima program (0/1) / treatment column: who receives the "
    "programme (0/1).",
)
@click.option("--covariates", required=True, help="Kovariat, dipisah koma / covariates.")
@click.option(
    "--method",
    type=click.Choice(["nn", "ipw", "aipw"]),
    default="nn",
    show_default=True,
    help="Tetangga terdekat, IPW atau AIPW / nearest neighbour, IPW or AIPW.",
)
@click.option(
    "--estimand",
    type=click.Choice(["att", "ate"]),
    default="att",
    show_default=True,
    help="Dampak pada penerima (ATT) atau rata-rata (ATE) / effect on the treated or average.",
)
@click.option(
    "--caliper",
    type=float,
    default=None,
    help="Batas jarak, dalam simpangan baku logit skor / caliper, in SDs of the score's logit.",
)
@click.option(
    "--neighbours", type=int, default=1, show_default=True, help="Tetangga per unit / neighbours."
)
@click.option(
    "--without-replacement",
    is_flag=True,
    help="Tiap pembanding dipakai sekali / each control used once (ATT only).",
)
@click.option(
    "--trim",
    default=None,
    help="Pangkas skor: 'crump', 'minmax' atau 'RENDAH,TINGGI' / trim scores: 'crump', "
    "'minmax' or 'LOW,HIGH'.",
)
@_weights
@_where
@_json
@_report
@friendly
def match_command(
    data: Path,
    outcome: str,
    treatment: str,
    covariates: str,
    method: str,
    estimand: str,
    caliper: float | None,
    neighbours: int,
    without_replacement: bool,
    trim: str | None,
    weights: str | None,
    where: tuple[str, ...],
    as_json: bool,
    report: Path | None,
) -> None:
    from sejahtera.evaluate.robustness import evaluate_match

    trimming: Any = trim
    if trim and trim not in ("crump", "minmax"):
        try:
            low, high = (float(part) for part in trim.split(","))
        except ValueError:
            raise click.BadParameter(trim, param_hint="--trim") from None
        trimming = (low, high)
    result = evaluate_match(
        data, outcome, treatment, _columns(covariates),
        method=method, estimand=estimand, caliper=caliper, neighbours=neighbours,  # type: ignore[arg-type]
        replace=not without_replacement, trim=trimming, weights=weights,
        where=where, checks=report is not None,
    )  # fmt: skip
    _finish(result, as_json, report)


@evaluate.command(
    "rdd",
    help="Regresi diskontinuitas pada batas kelayakan / regression discontinuity at a cut-off.",
)
@_data
@_outcome
@click.option("--running", required=True, help="Variabel penentu (mis. pmt_score) / running.")
@click.option("--cutoff", required=True, type=float, help="Batas / cut-off.")
@click.option(
    "--treatment",
    default=None,
    help="Kolom perlakuan: siapa benar-benar menerima program (0/1), bila tidak semua yang layak "
    "menerima / treatment column: who actually receives the programme (0/1), for a fuzzy design.",
)
@click.option(
    "--treated-side",
    type=click.Choice(["below", "above"]),
    default="below",
    show_default=True,
    help="Sisi batas yang layak (PMT: di bawah) / the eligible side of the cut-off (PMT: below).",
)
@_covariates
@click.option(
    "--bandwidth",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Lebar jendela di tiap sisi batas (bawaan: optimal MSE dari data) / bandwidth on each "
    "side of the cut-off (default: the data-driven MSE-optimal one).",
)
@_weights
@_where
@_json
@_report
@friendly
def rdd_command(
    data: Path,
    outcome: str,
    running: str,
    cutoff: float,
    treatment: str | None,
    treated_side: str,
    covariates: str,
    bandwidth: float | None,
    weights: str | None,
    where: tuple[str, ...],
    as_json: bool,
    report: Path | None,
) -> None:
    from sejahtera.evaluate.robustness import evaluate_rdd

    result = evaluate_rdd(
        data, outcome, running, cutoff,
        side=treated_side, treatment=treatment, covariates=_columns(covariates),  # type: ignore[arg-type]
        bandwidth=bandwidth, weights=weights, where=where, checks=report is not None,
    )  # fmt: skip
    _finish(result, as_json, report)


COMMANDS = (evaluate,)
