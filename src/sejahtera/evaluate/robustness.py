"""An evaluation with its robustness checks: what ``sejahtera evaluate`` and the workbench call.

:func:`evaluate_did`, :func:`evaluate_match` and :func:`evaluate_rdd` take DATA (see
:func:`evaluation_frame`), keep the rows ``where`` names, run the estimator and, with
``checks=True``, the same design again under the variants a careful reader asks about:

- difference-in-differences (2×2 or two-way fixed effects): without the covariates (when some
  were given), with analytic cluster-robust inference (when the wild cluster bootstrap gave the
  main p-value) and with robust standard errors not clustered (when clustered). An event study
  or a staggered design has no checks.
- matching and weighting: the two other methods of nearest neighbour, IPW and AIPW.
- regression discontinuity: half and twice the chosen bandwidth. A variant with too few
  observations is left out: that is a finding, not a failure.

Each returns a :class:`CheckedEvaluation`: ``main`` (an :class:`Evaluation`) and ``checks``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sejahtera.data.frame import Table, load
from sejahtera.errors import SejahteraError
from sejahtera.evaluate.result import TIDY_COLUMNS, Evaluation, table_number
from sejahtera.i18n import Language, text

if TYPE_CHECKING:  # the estimators load statsmodels and rdrobust: imported when first used
    from sejahtera.evaluate.matching import Estimand, Method, Trim
    from sejahtera.evaluate.rdd import Side
    from sejahtera.evaluate.wild_bootstrap import Inference

# tidy(): the check (``main`` for the main specification), then the estimator's columns.
CHECKED_COLUMNS = ("check", *TIDY_COLUMNS)
Data = str | Path | Table | pd.DataFrame


@dataclass(frozen=True)
class Check:
    """One variant of the main specification: ``name`` (``no_covariates``, ``robust_se``,
    ``analytic_cluster``, ``method_ipw``, ``half_bandwidth``, …) and its evaluation."""

    name: str
    evaluation: Evaluation

    @property
    def key(self) -> str:
        """The message key of its label (``evaluate.check_<name>``)."""
        return f"evaluate.check_{self.name}"


@dataclass
class CheckedEvaluation:
    """The main evaluation and its robustness checks (empty when they were not asked for)."""

    main: Evaluation
    checks: list[Check] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        """Every estimate of the main evaluation (``check`` = ``main``), then each check's:
        :data:`CHECKED_COLUMNS`."""
        parts = [self.main.tidy().assign(check="main")]
        parts += [c.evaluation.tidy().assign(check=c.name) for c in self.checks]
        return pd.concat(parts, ignore_index=True)[list(CHECKED_COLUMNS)]

    def summary(self, language: Language | None = None) -> str:
        """The main evaluation's summary, then one line per check: its main estimate and
        interval."""
        lines = [self.main.summary(language)]
        if self.checks:
            lines += ["", text("evaluate.report_robustness", language)]
        for check in self.checks:
            estimate = check.evaluation.main
            low, high = estimate.interval()
            shown = [table_number(value, language) for value in (estimate.estimate, low, high)]
            lines.append(f"- {text(check.key, language)}: {shown[0]} [{shown[1]}; {shown[2]}]")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """The main evaluation's :meth:`~Evaluation.to_dict`, with ``checks``: each one's
        ``check`` name, label and ``to_dict()``."""
        return self.main.to_dict() | {
            "checks": [
                {"check": c.name, "label": text(c.key)} | c.evaluation.to_dict()
                for c in self.checks
            ]
        }

    def report_checks(self) -> list[tuple[str, Evaluation]]:
        """The checks as the evaluation report takes them: (label key, evaluation)."""
        return [(c.key, c.evaluation) for c in self.checks]


def evaluation_frame(data: Data, where: Sequence[str] = ()) -> pd.DataFrame:
    """DATA as the estimators take it, with only the rows where every column of ``where``
    (true/false, or 1/0) is true.

    A dataset folder gives its evaluation panel when it has one (see ``synth --panel``), its
    households otherwise (:func:`~sejahtera.data.frame.load`); a table file (or its
    :class:`Table`) gives its columns with every column whose values are all numbers
    (``1.234,5`` with a decimal comma) as numbers; a DataFrame is used as it is.
    """
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        table = data if isinstance(data, Table) else load(data, panel=True)
        frame = table.frame if table.is_dataset else numbers_as_numbers(table.frame, table.decimal)
    return rows_where(frame, where)


def numbers_as_numbers(frame: pd.DataFrame, decimal: str) -> pd.DataFrame:
    """A text file's columns as the readers keep them (text), with every column whose values are
    all numbers turned into numbers; the rest stay text."""
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


def rows_where(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The rows where every column in ``columns`` (true/false, or 1/0) is true."""
    from sejahtera.data.coerce import parse_bools

    if not columns:
        return frame
    keep = pd.Series(True, index=frame.index)
    for column in columns:
        if column not in frame:
            raise SejahteraError("evaluate.where_column", column=column)
        flags = parse_bools(frame[column])
        if flags.isna().any():
            raise SejahteraError("evaluate.where_column", column=column)
        keep &= flags.astype(bool)
    return frame[keep].reset_index(drop=True)


def evaluate_did(
    data: Data,
    outcome: str,
    treatment: str | None = None,
    post: str | None = None,
    *,
    unit: str | None = None,
    time: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] = (),
    event_study: str | None = None,
    staggered: str | None = None,
    inference: Inference = "auto",
    bootstrap: int = 9_999,
    seed: int = 0,
    weights: str | None = None,
    where: Sequence[str] = (),
    checks: bool = True,
) -> CheckedEvaluation:
    """Difference-in-differences: 2×2 (``treatment`` and ``post``), two-way fixed effects (with
    ``unit`` and ``time``), an event study (``event_study``: the column of the first treated
    period) or Callaway–Sant'Anna (``staggered``: the same column), with its checks (see the
    module). The arguments mean what they mean for :func:`~sejahtera.evaluate.did.did`."""
    from sejahtera.evaluate.did import did
    from sejahtera.evaluate.did import event_study as event_study_did
    from sejahtera.evaluate.staggered import staggered_did

    frame = evaluation_frame(data, where)
    covariates = list(covariates)
    if event_study or staggered:
        if not (unit and time):
            raise SejahteraError("evaluate.needs_unit_time")
        if inference != "auto":
            raise SejahteraError("evaluate.inference_needs_did")
        if staggered:
            if weights:
                raise SejahteraError("evaluate.weights_not_staggered")
            main = staggered_did(
                frame, outcome, unit, time, staggered, covariates=covariates, cluster=cluster
            )
        else:
            main = event_study_did(
                frame, outcome, unit, time, event_study,  # type: ignore[arg-type]
                cluster=cluster, covariates=covariates, weights=weights,
            )  # fmt: skip
        return CheckedEvaluation(main)
    if not (treatment and post):
        raise SejahteraError("evaluate.needs_treated_post")

    def run(**changes: Any) -> Evaluation:
        options: dict[str, Any] = {
            "unit": unit, "time": time, "cluster": cluster, "covariates": covariates,
            "weights": weights, "inference": inference, "bootstrap": bootstrap, "seed": seed,
        }  # fmt: skip
        return did(frame, outcome, treatment, post, **(options | changes))

    main = run()
    if not checks:
        return CheckedEvaluation(main)
    found = [Check("no_covariates", run(covariates=[]))] if covariates else []
    if main.diagnostics["inference"]["method"] == "wild-bootstrap":  # type: ignore[index]
        found.append(Check("analytic_cluster", run(inference="cluster")))
    if cluster:
        found.append(Check("robust_se", run(cluster=None, inference="cluster")))
    return CheckedEvaluation(main, found)


def evaluate_match(
    data: Data,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    *,
    method: Method = "nn",
    estimand: Estimand = "att",
    caliper: float | None = None,
    neighbours: int = 1,
    replace: bool = True,
    trim: Trim = None,
    weights: str | None = None,
    where: Sequence[str] = (),
    checks: bool = True,
) -> CheckedEvaluation:
    """Propensity-score matching (``method="nn"``) or weighting (``"ipw"``, ``"aipw"``), with
    the two other methods as checks. ``caliper``, ``neighbours`` and ``replace`` apply to
    nearest-neighbour matching only; the arguments mean what they mean for
    :func:`~sejahtera.evaluate.matching.match`."""
    from sejahtera.evaluate.matching import match

    frame = evaluation_frame(data, where)
    covariates = list(covariates)

    def run(how: Method) -> Evaluation:
        nearest = how == "nn"  # the other methods have no neighbours to choose
        return match(
            frame, outcome, treatment, covariates,
            method=how, estimand=estimand, trim=trim, weights=weights,
            caliper=caliper if nearest else None,
            neighbours=neighbours if nearest else 1,
            replace=replace if nearest else True,
        )  # fmt: skip

    main = run(method)
    if not checks:
        return CheckedEvaluation(main)
    others: list[Method] = [other for other in ("nn", "ipw", "aipw") if other != method]
    return CheckedEvaluation(main, [Check(f"method_{other}", run(other)) for other in others])


def evaluate_rdd(
    data: Data,
    outcome: str,
    running: str,
    cutoff: float,
    *,
    side: Side,
    treatment: str | None = None,
    covariates: Sequence[str] = (),
    bandwidth: float | tuple[float, float] | None = None,
    weights: str | None = None,
    where: Sequence[str] = (),
    checks: bool = True,
) -> CheckedEvaluation:
    """Regression discontinuity at ``cutoff`` of ``running``, the eligible ``side`` (``below``
    or ``above``; no default: the two give opposite signs), fuzzy with ``treatment``, within
    ``bandwidth`` (the data-driven one when None); checked at half and twice that bandwidth.
    See :func:`~sejahtera.evaluate.rdd.rdd`."""
    from sejahtera.evaluate.rdd import rdd

    frame = evaluation_frame(data, where)
    covariates = list(covariates)

    def run(**changes: Any) -> Evaluation:
        return rdd(
            frame, outcome, running, cutoff,
            treatment=treatment, side=side, covariates=covariates, weights=weights,
            **({"bandwidth": bandwidth} | changes),
        )  # fmt: skip

    main = run()
    chosen = main.diagnostics.get("bandwidth")
    if not checks or not isinstance(chosen, dict):
        return CheckedEvaluation(main)
    found = []
    for factor, name in ((0.5, "half_bandwidth"), (2.0, "double_bandwidth")):
        try:  # too few observations in half the bandwidth is a finding, not a failure
            width = (chosen["below"] * factor, chosen["above"] * factor)
            found.append(Check(name, run(bandwidth=width)))
        except SejahteraError:
            continue
    return CheckedEvaluation(main, found)
