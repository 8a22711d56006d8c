"""Sejahtera: a social-policy workbench for Indonesian regional governments.

The functions below are the library as a notebook uses it, and what the ``sejahtera`` command
(and the workbench) call: one service layer, two faces. DATA is a dataset folder, a table file
(Parquet, CSV, Excel, Stata, SPSS, R), the :class:`~sejahtera.data.frame.Table` that
:func:`load` returns, or (for measurement and evaluation) a pandas DataFrame::

    import sejahtera as sj

    table = sj.load("var/demo/diy")
    sj.measurement(table, by=["regency_code"]).tidy()
    sj.scenario(table, "indonesia", reform="sembako-300.yaml").summary()
    sj.evaluate_did("var/panel", "consumption_pc", "ever_receives", "follow_up").tidy()

Each result has ``tidy()`` (a data frame with fixed, documented columns), ``summary()`` (text
for people, in the language of :func:`sejahtera.i18n.set_language`) and ``to_dict()`` (plain
data, ready for JSON).

Names: ``sejahtera.simulate``, ``sejahtera.measure`` and ``sejahtera.evaluate`` are the packages
that hold the code, and stay so: ``import sejahtera.measure as m`` and ``from
sejahtera.simulate.engine import Simulation`` work as they read. A function of the same name
here would be replaced by its package as soon as any of the package's modules is imported
(Python sets that attribute), and would hide the package from ``import … as``. So the functions
are named after what they return — :func:`simulation`, :func:`measurement`, :func:`scenario` —
or after what they do where no package has the name: :func:`load`, :func:`mpi`,
:func:`evaluate_did`, :func:`evaluate_match`, :func:`evaluate_rdd`.

Nothing heavy is imported until a function is called, so ``import sejahtera`` is quick.
"""

from __future__ import annotations

from sejahtera.version import __version__

# typing.TYPE_CHECKING without importing typing (a tenth of the import's time); type checkers
# read any name TYPE_CHECKING this way.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    import pandas as pd

    from sejahtera.data.frame import Table
    from sejahtera.errors import SejahteraError
    from sejahtera.evaluate.matching import Estimand, Method, Trim
    from sejahtera.evaluate.rdd import Side
    from sejahtera.evaluate.robustness import CheckedEvaluation
    from sejahtera.evaluate.wild_bootstrap import Inference
    from sejahtera.measure.estimate import Variance
    from sejahtera.measure.lines import Line
    from sejahtera.measure.measurement import Measurement
    from sejahtera.measure.mpi_spec import MpiSpec
    from sejahtera.measure.quantiles import QuantileMethod
    from sejahtera.measure.result import Estimates
    from sejahtera.rules.ruleset import Ruleset
    from sejahtera.simulate.engine import Simulation
    from sejahtera.simulate.scenario import Baseline, Scenario

__all__ = [
    "SejahteraError",
    "__version__",
    "evaluate_did",
    "evaluate_match",
    "evaluate_rdd",
    "load",
    "measurement",
    "mpi",
    "scenario",
    "simulation",
]


def __getattr__(name: str) -> Any:
    """``sejahtera.SejahteraError``, imported when first asked for (it brings pandas)."""
    if name == "SejahteraError":
        from sejahtera.errors import SejahteraError

        return SejahteraError
    raise AttributeError(f"module 'sejahtera' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def load(
    path: str | Path, by: Sequence[str] = (), table: str | None = None, *, panel: bool = False
) -> Table:
    """Read DATA: a dataset folder or one table file, as a :class:`~sejahtera.data.frame.Table`
    (``.frame``, the DataFrame; ``.source``, its name in messages; ``.dataset``, the dataset
    folder it came from, if any).

    A dataset folder gives one row per household with what its members tell (``size``,
    ``children``, ``elderly``, the head's sex, age group, education and work), or one row per
    person when ``by`` names a person's attribute (``sex``, ``age_group``, …); with
    ``panel=True``, its evaluation panel when it has one. A table file is read as the file holds
    it; ``table`` names the object of an ``.RData`` file.
    """
    from sejahtera.data.frame import load as load_data

    return load_data(path, by, table, panel=panel)


def measurement(
    data: str | Path | Table | pd.DataFrame,
    welfare: str | None = None,
    *,
    weight: str | None = None,
    size: str | None = None,
    line: str | float | Line | None = None,
    extreme_line: str | float | Line | None = None,
    by: Sequence[str] = (),
    strata: str | None = None,
    psu: str | None = None,
    indicators: Sequence[str] | None = None,
    quantile_method: QuantileMethod = "eurostat",
    variance: Variance = "linearisation",
    replicates: int = 200,
    decompose: bool = False,
    table: str | None = None,
) -> Measurement:
    """Poverty (FGT) and inequality (Gini, Theil, Atkinson, Palma, S80/S20, …) of DATA, with
    standard errors, overall or by the ``by`` groups: what ``sejahtera measure`` prints.

    A dataset folder brings its defaults: welfare ``consumption_pc``, weight ``weight``, persons
    per household ``size``, the households' ``poverty_line`` and its survey design; a table file
    or a DataFrame names its ``welfare`` column. ``line`` is a number, a column or ``60%median``.
    ``decompose=True`` adds the FGT and Theil/MLD decompositions by ``by``. The result's
    ``tidy()`` has the ``by`` columns, then ``indicator``, ``estimate``, ``se``, ``ci_low``,
    ``ci_high``, ``n``, ``population``. See :func:`sejahtera.measure.measurement.measure_of`.
    """
    from sejahtera.measure.measurement import measure_of

    return measure_of(
        data, welfare,
        weight=weight, size=size, line=line, extreme_line=extreme_line, by=by,
        strata=strata, psu=psu, indicators=indicators, quantile_method=quantile_method,
        variance=variance, replicates=replicates, decompose=decompose, table=table,
    )  # fmt: skip


def mpi(
    data: str | Path | Table | pd.DataFrame,
    spec: MpiSpec | str | Path,
    *,
    k: float | None = None,
    weight: str | None = None,
    by: Sequence[str] = (),
    strata: str | None = None,
    psu: str | None = None,
    table: str | None = None,
) -> Estimates:
    """Alkire–Foster multidimensional poverty (H, A, M0, deprivation headcounts and
    contributions) of DATA: what ``sejahtera mpi`` prints. ``spec`` is a specification file or a
    shipped name (``global``, ``housing-id``); ``k`` replaces its poverty cut-off. A dataset folder
    brings its persons, weight and design. See :func:`sejahtera.measure.measurement.mpi_of`.
    """
    from sejahtera.measure.measurement import mpi_of

    return mpi_of(data, spec, k=k, weight=weight, by=by, strata=strata, psu=psu, table=table)


def simulation(
    ruleset: Ruleset | str,
    persons: object,
    households: object,
    period: str | int,
    reform: str | Path | None = None,
    inputs: dict[str, dict[str, object]] | None = None,
    workers: int = 1,
) -> Simulation:
    """The rules engine: ``ruleset`` (a shipped name such as ``indonesia``, a folder or a
    :class:`~sejahtera.rules.ruleset.Ruleset`) run over ``persons`` and ``households`` (pandas,
    Polars or Arrow) in ``period`` (``2025``, ``"2025-03"``), with a YAML ``reform`` applied when
    given; ``inputs`` gives values for single periods; ``workers`` above 1 computes the
    households in that many pieces on as many threads (the same values). ``.calculate("pkh")``
    gives one value per household. It is :func:`sejahtera.simulate.simulate` (named
    ``simulation`` here because ``sejahtera.simulate`` is the package: see this module's
    docstring)."""
    from sejahtera.simulate.engine import simulate

    return simulate(ruleset, persons, households, period, reform, inputs, workers)


def scenario(
    data: str | Path | Table,
    rules: Ruleset | str | Path = "indonesia",
    reform: str | Path | None = None,
    *,
    baseline: Baseline = "status_quo",
    period: str | int = 2025,
) -> Scenario:
    """Today's situation on a dataset folder (or ``baseline="rules"``: everyone the rules make
    eligible is paid) and, with a YAML ``reform``, the reform compared with it: cost, reach,
    targeting, poverty before and after transfers; what ``sejahtera simulate`` prints.
    ``tidy()`` has one row per programme and run (``run``, ``programme``, ``funder``,
    ``cost_rp``, ``households``, ``families``, ``persons``, ``coverage_of_poor``,
    ``exclusion_error``, ``inclusion_error``); ``households()`` each household's results. See
    :func:`sejahtera.simulate.scenario.scenario_of`."""
    from sejahtera.simulate.scenario import scenario_of

    return scenario_of(data, rules, reform, baseline=baseline, period=period)


def evaluate_did(
    data: str | Path | Table | pd.DataFrame,
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
    """Difference-in-differences with its robustness checks: what ``sejahtera evaluate did``
    computes. 2×2 with ``treatment`` and ``post``; two-way fixed effects with ``unit`` and
    ``time``; an event study or Callaway–Sant'Anna with ``event_study`` or ``staggered`` (the
    column of the first treated period). A dataset folder gives its evaluation panel; ``where``
    keeps the rows where those true/false columns are true. ``.main`` is the evaluation,
    ``.checks`` its variants; ``tidy()`` has ``check`` (``main`` first), ``term``,
    ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``n``. See
    :mod:`sejahtera.evaluate.robustness`."""
    from sejahtera.evaluate.robustness import evaluate_did as evaluate

    return evaluate(
        data, outcome, treatment, post,
        unit=unit, time=time, cluster=cluster, covariates=covariates, event_study=event_study,
        staggered=staggered, inference=inference, bootstrap=bootstrap, seed=seed,
        weights=weights, where=where, checks=checks,
    )  # fmt: skip


def evaluate_match(
    data: str | Path | Table | pd.DataFrame,
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
    """Propensity-score matching (``method="nn"``) or weighting (``"ipw"``, ``"aipw"``) with the
    two other methods as checks: what ``sejahtera evaluate match`` computes. The result is read as
    :func:`evaluate_did`'s. See :mod:`sejahtera.evaluate.robustness`."""
    from sejahtera.evaluate.robustness import evaluate_match as evaluate

    return evaluate(
        data, outcome, treatment, covariates,
        method=method, estimand=estimand, caliper=caliper, neighbours=neighbours,
        replace=replace, trim=trim, weights=weights, where=where, checks=checks,
    )  # fmt: skip


def evaluate_rdd(
    data: str | Path | Table | pd.DataFrame,
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
    """Regression discontinuity at ``cutoff`` of ``running`` (``side``: the eligible side,
    ``below`` or ``above``), fuzzy with ``treatment``, within ``bandwidth`` (data-driven when
    None), checked at half and twice that bandwidth: what ``sejahtera evaluate rdd`` computes.
    The result is read as :func:`evaluate_did`'s. See :mod:`sejahtera.evaluate.robustness`."""
    from sejahtera.evaluate.robustness import evaluate_rdd as evaluate

    return evaluate(
        data, outcome, running, cutoff,
        side=side, treatment=treatment, covariates=covariates, bandwidth=bandwidth,
        weights=weights, where=where, checks=checks,
    )  # fmt: skip
