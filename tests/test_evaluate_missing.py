"""One policy for missing values and one set of argument names across the estimators: did,
match and rdd leave out the rows that miss a used value, count them the same way, say so in a
caveat, and refuse when no row is left; ``treatment`` and ``weights`` mean the same in each, in
Python and on the command line."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from sejahtera.cli import main
from sejahtera.errors import SejahteraError
from sejahtera.evaluate import NotIdentified
from sejahtera.evaluate.did import did, event_study
from sejahtera.evaluate.matching import match
from sejahtera.evaluate.rdd import rdd
from sejahtera.evaluate.staggered import staggered_did
from sejahtera.i18n import text

N = 2_000


def programme(seed: int = 1) -> pd.DataFrame:
    """Households around a PMT cut-off at 0: eligible below it, most of them receive the
    programme; a survey weight, an area, a covariate, and a before/after wave."""
    rng = np.random.default_rng(seed)
    score = rng.uniform(-1, 1, N)
    x = rng.normal(size=N) + score
    receives = ((score <= 0) & (rng.uniform(size=N) < 0.8)).astype(int)
    post = rng.integers(0, 2, N)
    y = 2 + x + 0.5 * post + 1.0 * receives * (1 + post) + rng.normal(size=N)
    return pd.DataFrame(
        {
            "y": y,
            "receives": receives,
            "post": post,
            "score": score,
            "x": x,
            "w": rng.uniform(0.5, 2.0, N),
            "area": rng.integers(0, 40, N),
        }
    )


def estimators() -> dict:
    """Each estimator on the same columns, named the same way."""
    return {
        "did": lambda f: did(f, "y", "receives", "post", covariates=["x"], weights="w"),
        "match": lambda f: match(f, "y", "receives", ["x"], method="ipw", weights="w"),
        "rdd": lambda f: rdd(
            f, "y", "score", 0.0, side="below", treatment="receives", covariates=["x"], weights="w"
        ),
    }


def with_gaps(frame: pd.DataFrame) -> pd.DataFrame:
    """Seven rows missing one used value each: an empty outcome, covariate, treatment and
    weight, and an infinite outcome."""
    frame = frame.astype({"receives": "Int64"})
    frame.loc[[0, 1], "y"] = np.nan
    frame.loc[2, "y"] = np.inf
    frame.loc[[3, 4], "x"] = np.nan
    frame.loc[5, "receives"] = pd.NA
    frame.loc[6, "w"] = np.nan
    return frame


def test_each_estimator_leaves_out_the_same_rows_and_counts_them_the_same_way() -> None:
    frame = with_gaps(programme())
    complete = frame.drop(index=range(7)).astype({"receives": int})
    for name, estimate in estimators().items():
        result = estimate(frame)
        assert result.diagnostics["dropped_missing"] == 7, name
        (caveat,) = [c for c in result.caveats if c.key == "evaluate.dropped_missing"]
        assert (caveat.values["dropped"], caveat.values["total"]) == (7, N), name
        named = dict(part.rsplit(" ", 1) for part in str(caveat.values["columns"]).split(", "))
        assert named == {"y": "(3)", "x": "(2)", "receives": "(1)", "w": "(1)"}, name
        assert "7" in caveat.text("id") and "7" in caveat.text("en")
        # exactly those rows are left out: the same estimate as without them
        without = estimate(complete)
        assert without.main.estimate == pytest.approx(result.main.estimate, rel=1e-9), name
        assert without.diagnostics["dropped_missing"] == 0, name
        assert "evaluate.dropped_missing" not in [c.key for c in without.caveats], name


def test_each_estimator_refuses_when_no_row_is_complete() -> None:
    frame = programme().assign(x=np.nan)
    for name, estimate in estimators().items():
        with pytest.raises(NotIdentified) as error:
            estimate(frame)
        assert error.value.key == "evaluate.no_complete_rows", name
        assert error.value.values == {"total": N, "columns": f"x ({N})"}
        for language in ("id", "en"):
            assert "x (2" in text(error.value.key, language, **error.value.values)


def test_each_estimator_names_a_column_that_is_not_there_and_refuses_bad_weights() -> None:
    frame = programme()
    for name, estimate in estimators().items():
        with pytest.raises(SejahteraError) as error:
            estimate(frame.drop(columns="w"))
        assert (error.value.key, error.value.values["column"]) == ("evaluate.no_column", "w")
        assert "score" in error.value.values["known"], name
        with pytest.raises(SejahteraError) as error:
            estimate(frame.assign(w=frame["w"] - 1.0))  # some weights at or below zero
        assert error.value.key == "evaluate.bad_weights", name


def test_the_panel_estimators_follow_the_same_policy() -> None:
    rng = np.random.default_rng(2)
    unit = np.repeat(np.arange(200), 4)
    wave = np.tile(np.arange(1, 5), 200)
    first = np.where(unit < 100, 3.0, np.nan)  # empty: never treated, not missing
    y = rng.normal(size=200)[unit] + 0.3 * wave + (wave >= first) + rng.normal(size=len(unit))
    panel = pd.DataFrame({"unit": unit, "wave": wave, "first": first, "y": y})
    study = event_study(panel, "y", "unit", "wave", "first")
    assert study.diagnostics["dropped_missing"] == 0
    weighted = event_study(panel.assign(w=2.0), "y", "unit", "wave", "first", weights="w")
    assert weighted.main.estimate == pytest.approx(study.main.estimate, rel=1e-9)
    gaps = panel.assign(y=np.where(np.arange(len(panel)) < 3, np.nan, panel["y"]))
    result = event_study(gaps, "y", "unit", "wave", "first")
    assert result.diagnostics["dropped_missing"] == 3
    assert "evaluate.dropped_missing" in [c.key for c in result.caveats]
    with pytest.raises(NotIdentified) as error:  # a balanced panel is needed: unit 0 is not
        staggered_did(gaps, "y", "unit", "wave", "first")
    assert error.value.key == "evaluate.did_unbalanced_panel"


def test_the_argument_names_are_the_same_in_python_and_on_the_command_line() -> None:
    for function in (did, match, rdd):
        names = set(inspect.signature(function).parameters)
        assert {"treatment", "weights"} <= names, function.__name__
        assert not names & {"treated", "fuzzy", "weight"}, function.__name__
    assert "weights" in inspect.signature(event_study).parameters
    evaluate = main.commands["evaluate"]  # type: ignore[attr-defined]
    for name in ("did", "match", "rdd"):
        options = {o for p in evaluate.commands[name].params for o in getattr(p, "opts", [])}
        assert {"--treatment", "--weights"} <= options, name
        assert not options & {"--treated", "--fuzzy", "--weight"}, name
