"""``sejahtera evaluate did|match|rdd``: did the programme work, and how sure are we?"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd

from sejahtera.cli_support import _friendly
from sejahtera.errors import SejahteraError

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


def register_evaluate_commands(main: click.Group) -> None:
    main.add_command(evaluate)


@click.group(help="Evaluasi dampak program / impact evaluation of a programme.")
def evaluate() -> None:
    pass


def evaluation_frame(path: Path, table: str | None = None) -> pd.DataFrame:
    """DATA as a frame: a dataset folder gives its evaluation panel when it has one (its
    households otherwise); any other path is a table file the readers accept."""
    from sejahtera.data.dataset import MANIFEST, Dataset
    from sejahtera.data.readers import read_table

    if path.is_dir() or path.name == MANIFEST:
        dataset = Dataset.open(path.parent if path.name == MANIFEST else path)
        return dataset.extra("panel") if "panel" in dataset.extras() else dataset.households()
    source = read_table(path, table=table)
    return _numbers_as_numbers(source.frame, source.decimal)


def _numbers_as_numbers(frame: pd.DataFrame, decimal: str) -> pd.DataFrame:
    """A text file's columns as the readers keep them (text), with every column whose values are
    all numbers (``1.234,5`` with a decimal comma) turned into numbers; the rest stay text."""
    from sejahtera.data.coerce import parse_numbers

    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(
            frame[column]
        ):
            continue
        values = parse_numbers(frame[column], decimal)  # type: ignore[arg-type]
        given = frame[column].notna() & (frame[column].astype("string").str.strip() != "")
        if given.any() and values[given].notna().all():
            frame[column] = values
    return frame


def _rows_where(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The rows where every column in ``columns`` (true/false, or 1/0) is true."""
    from sejahtera.data.coerce import parse_bools

    keep = pd.Series(True, index=frame.index)
    for column in columns:
        if column not in frame:
            raise SejahteraError("evaluate.where_column", column=column)
        flags = parse_bools(frame[column])
        if flags.isna().any():
            raise SejahteraError("evaluate.where_column", column=column)
        keep &= flags.astype(bool)
    return frame[keep].reset_index(drop=True)


def _columns(text_value: str) -> list[str]:
    return [c.strip() for c in text_value.split(",") if c.strip()]


def _finish(
    result: Any, as_json: bool, report: Path | None, robustness: Callable[[], list]
) -> None:
    """Print the result (text or JSON) and write the report when asked."""
    if report is not None:
        from sejahtera.report.evaluation import write_report

        write_report(result, robustness(), report)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(result.summary())


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
@_friendly
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
    from sejahtera.evaluate.did import did, event_study
    from sejahtera.evaluate.staggered import staggered_did

    frame = _rows_where(evaluation_frame(data), where)
    covariate_list = _columns(covariates)
    if event_first or staggered_first:
        if not (unit and time_column):
            raise SejahteraError("evaluate.needs_unit_time")
        if inference != "auto":
            raise SejahteraError("evaluate.inference_needs_did")
        if staggered_first:
            if weights:
                raise SejahteraError("evaluate.weights_not_staggered")
            result = staggered_did(
                frame, outcome, unit, time_column, staggered_first,
                covariates=covariate_list, cluster=cluster,
            )  # fmt: skip
        else:
            result = event_study(
                frame, outcome, unit, time_column, event_first,  # type: ignore[arg-type]
                cluster=cluster, covariates=covariate_list, weights=weights,
            )  # fmt: skip
        _finish(result, as_json, report, lambda: [])
        return
    if not (treatment and post):
        raise SejahteraError("evaluate.needs_treated_post")

    def run(**changes: Any) -> Any:
        options: dict[str, Any] = {
            "unit": unit,
            "time": time_column,
            "cluster": cluster,
            "covariates": covariate_list,
            "weights": weights,
            "inference": inference,
            "bootstrap": bootstrap_reps,
            "seed": seed,
        }
        options.update(changes)
        return did(frame, outcome, treatment, post, **options)

    result = run()

    def robustness() -> list:
        checks = [("evaluate.check_no_covariates", run(covariates=[]))] if covariate_list else []
        if result.diagnostics["inference"]["method"] == "wild-bootstrap":
            checks.append(("evaluate.check_analytic_cluster", run(inference="cluster")))
        if cluster:
            checks.append(("evaluate.check_robust_se", run(cluster=None, inference="cluster")))
        return checks

    _finish(result, as_json, report, robustness)


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
@_friendly
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
    from sejahtera.evaluate.matching import match

    frame = _rows_where(evaluation_frame(data), where)
    covariate_list = _columns(covariates)

    trimming: Any = trim
    if trim and trim not in ("crump", "minmax"):
        try:
            low, high = (float(part) for part in trim.split(","))
        except ValueError:
            raise click.BadParameter(trim, param_hint="--trim") from None
        trimming = (low, high)

    def run(how: str) -> Any:
        nearest = how == "nn"  # the other methods have no neighbours to choose
        return match(
            frame, outcome, treatment, covariate_list,
            method=how, estimand=estimand, trim=trimming, weights=weights,
            caliper=caliper if nearest else None,
            neighbours=neighbours if nearest else 1,
            replace=not without_replacement if nearest else True,
        )  # fmt: skip

    result = run(method)

    def robustness() -> list:
        return [
            (f"evaluate.check_method_{other}", run(other))
            for other in ("nn", "ipw", "aipw")
            if other != method
        ]

    _finish(result, as_json, report, robustness)


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
@_weights
@_where
@_json
@_report
@_friendly
def rdd_command(
    data: Path,
    outcome: str,
    running: str,
    cutoff: float,
    treatment: str | None,
    treated_side: str,
    covariates: str,
    weights: str | None,
    where: tuple[str, ...],
    as_json: bool,
    report: Path | None,
) -> None:
    from sejahtera.evaluate.rdd import rdd

    frame = _rows_where(evaluation_frame(data), where)
    covariate_list = _columns(covariates)

    def run(**changes: Any) -> Any:
        return rdd(
            frame, outcome, running, cutoff,
            treatment=treatment, side=treated_side, covariates=covariate_list, weights=weights,
            **changes,
        )  # fmt: skip

    result = run()

    def robustness() -> list:
        chosen = result.diagnostics.get("bandwidth")
        if not isinstance(chosen, dict):
            return []
        checks = []
        for factor, key in (
            (0.5, "evaluate.check_half_bandwidth"),
            (2.0, "evaluate.check_double_bandwidth"),
        ):
            try:  # too few observations in half the bandwidth is a finding, not a failure
                width = (chosen["below"] * factor, chosen["above"] * factor)
                checks.append((key, run(bandwidth=width)))
            except SejahteraError:
                continue
        return checks

    _finish(result, as_json, report, robustness)
