"""Regression discontinuity: published rdrobust and rddensity output on the U.S. Senate data,
simulated sharp and fuzzy designs with a known jump, and the designs that must be refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rdrobust import rdrobust_RDsenate

from sejahtera.errors import SejahteraError
from sejahtera.evaluate import NotIdentified
from sejahtera.evaluate.rdd import MIN_NEAR, rdd
from sejahtera.i18n import catalogue, text

SOURCE = Path(__file__).resolve().parent.parent / "src" / "sejahtera" / "evaluate" / "rdd.py"


@pytest.fixture(scope="module")
def senate() -> pd.DataFrame:
    """Cattaneo, Frandsen & Titiunik (2015), as rdrobust ships it: 1,390 Senate elections, the
    Democratic margin at t (``margin``) and vote share at t+2 (``vote``, missing for 93)."""
    return rdrobust_RDsenate()


@pytest.fixture(scope="module")
def senate_above(senate: pd.DataFrame):
    return rdd(senate, "vote", "margin", 0, side="above")


# Published figures: the replication notebook of Cattaneo, Idrobo & Titiunik (2020), "A Practical
# Introduction to Regression Discontinuity Designs: Foundations" (Cambridge Elements), run with
# rdrobust and rddensity for Python by the authors: github.com/rdpackages-replication/CIT_2020_CUP,
# file CIT_2020_CUP_senate.html. Its data are the same 1,297 elections (demmv, demvoteshfor2).


def test_senate_reproduces_published_rdrobust_output(senate_above) -> None:
    # CIT_2020_CUP_senate.html, "Snippet 17", rdrobust(Y, X, kernel="triangular", p=1,
    # bwselect="mserd"): Conventional 7.414 (S.E. 1.459, p 3.722e-07, CI [4.555, 10.273]);
    # Robust p 1.625e-05, CI [4.094, 10.919].
    main, conventional, _, robust = senate_above.estimates
    assert round(main.estimate, 3) == 7.414
    assert (round(main.ci_low, 3), round(main.ci_high, 3)) == (4.094, 10.919)
    assert f"{main.p_value:.3e}" == "1.625e-05"
    assert round(conventional.se, 3) == 1.459
    assert (round(conventional.ci_low, 3), round(conventional.ci_high, 3)) == (4.555, 10.273)
    assert f"{conventional.p_value:.3e}" == "3.722e-07"
    assert (robust.ci_low, robust.ci_high, robust.se) == (main.ci_low, main.ci_high, main.se)
    # Same output: observations 595 and 702, effective 360 and 323; "Snippet 15" (rdbwselect,
    # mserd) and Snippet 17: h = 17.754 and b = 28.028 on both sides.
    diagnostics = senate_above.diagnostics
    assert diagnostics["n"] == {"below": 595, "above": 702}
    assert diagnostics["n_effective"] == {"below": 360, "above": 323}
    assert main.n == 360 + 323
    for side in ("below", "above"):
        assert round(diagnostics["bandwidth"][side], 3) == 17.754
        assert round(diagnostics["bias_bandwidth"][side], 3) == 28.028
    assert diagnostics["dropped_missing"] == len(rdrobust_RDsenate()) - 1297


def test_senate_density_test_reproduces_published_rddensity_output(senate_above) -> None:
    # CIT_2020_CUP_senate.html, "Snippet 32", rddensity(X): effective observations 375 and 376,
    # bandwidths 18.4387 and 22.7741, Robust T -0.76, P > |T| 0.4473.
    density = senate_above.diagnostics["density_test"]
    assert round(density["statistic"], 2) == -0.76
    assert round(density["p_value"], 4) == 0.4473
    assert density["n_effective"] == {"below": 375, "above": 376}
    assert round(density["bandwidth"]["below"], 4) == 18.4387
    assert round(density["bandwidth"]["above"], 4) == 22.7741
    assert "evaluate.manipulation" not in [c.key for c in senate_above.caveats]


def test_eligible_below_mirrors_the_sign(senate: pd.DataFrame, senate_above) -> None:
    below = rdd(senate, "vote", "margin", 0, side="below")
    for mirrored, original in zip(below.estimates, senate_above.estimates, strict=True):
        assert mirrored.term == original.term
        assert mirrored.estimate == pytest.approx(-original.estimate, rel=1e-9)
        assert mirrored.se == pytest.approx(original.se, rel=1e-9)
        assert mirrored.ci_low == pytest.approx(-original.ci_high, rel=1e-9)
        assert mirrored.ci_high == pytest.approx(-original.ci_low, rel=1e-9)
    assert below.diagnostics["n"] == senate_above.diagnostics["n"]  # sides of the score
    assert below.diagnostics["treated_side"] == "below"
    density, original = below.diagnostics["density_test"], senate_above.diagnostics["density_test"]
    assert density["statistic"] == pytest.approx(-original["statistic"], rel=1e-6)


def test_fitted_curves_jump_by_the_estimate_at_the_cutoff(senate: pd.DataFrame) -> None:
    for side in ("above", "below"):
        result = rdd(senate, "vote", "margin", 0, side=side)
        curves = {c["side"]: c for c in result.plot["fit"]}
        assert curves["below"]["x"][-1] == curves["above"]["x"][0] == 0
        jump = curves["above"]["y"][0] - curves["below"]["y"][-1]
        eligible_minus_other = jump if side == "above" else -jump
        assert eligible_minus_other == pytest.approx(result.main.estimate, rel=1e-9)
        bins = result.plot["bins"]
        assert bins and all(b["x_low"] < b["x"] < b["x_high"] for b in bins)
        assert all((b["x"] < 0) == (b["side"] == "below") for b in bins)
        assert sum(b["n"] for b in bins) == 1297
        assert {c["side"] for c in result.plot["global_fit"]} == {"below", "above"}
        json.dumps(result.plot)
        json.dumps(result.to_dict())


def _sharp(seed: int, side: str, tau: float, cutoff: float = 0.3, n: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.uniform(-1, 1, n)
    eligible = score <= cutoff if side == "below" else score >= cutoff
    y = 1 + 0.8 * score - 0.5 * score**2 + tau * eligible + rng.normal(0, 0.4, n)
    return pd.DataFrame({"score": score, "y": y})


def test_sharp_design_covers_the_true_jump_on_most_seeds() -> None:
    covered = 0
    for seed in range(20):
        main = rdd(_sharp(seed, "below", tau=0.5), "y", "score", 0.3, side="below").main
        covered += main.ci_low <= 0.5 <= main.ci_high
    assert covered >= 16  # 19 expected of a 95% interval; 15 or fewer: probability 0.3%


def test_the_wrong_side_reads_the_opposite_effect() -> None:
    frame = _sharp(11, "below", tau=0.5)
    right = rdd(frame, "y", "score", 0.3, side="below").main
    wrong = rdd(frame, "y", "score", 0.3, side="above").main
    assert right.ci_low > 0 and wrong.ci_high < 0


def _fuzzy(seed: int, tau: float, n: int = 2000, high: float = 0.85, low: float = 0.15):
    """A PMT-like score: households at or below 40 are eligible; take-up is imperfect."""
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 100, n)
    take_up = rng.random(n) < np.where(score <= 40, high, low)
    y = 100 + 0.5 * score + tau * take_up + rng.normal(0, 8, n)
    return pd.DataFrame({"pmt": score, "y": y, "received": take_up})


def test_fuzzy_design_covers_the_true_effect_and_reports_the_first_stage() -> None:
    covered = jumps_covered = 0
    for seed in range(8):
        result = rdd(_fuzzy(seed, tau=20), "y", "pmt", 40, side="below", treatment="received")
        main, first = result.main, result.diagnostics["first_stage"]
        covered += main.ci_low <= 20 <= main.ci_high
        jumps_covered += first["ci_low"] <= 0.7 <= first["ci_high"]
        assert first["take_up"]["below"] > first["take_up"]["above"]
        assert "evaluate.rdd_weak_first_stage" not in [c.key for c in result.caveats]
    assert covered >= 6 and jumps_covered >= 6
    assert result.diagnostics["design"] == "fuzzy"


def test_fuzzy_estimate_does_not_depend_on_the_side_but_its_first_stage_does() -> None:
    frame = _fuzzy(21, tau=20)
    below = rdd(frame, "y", "pmt", 40, side="below", treatment="received")
    above = rdd(frame, "y", "pmt", 40, side="above", treatment="received")
    assert below.main.estimate == pytest.approx(above.main.estimate, rel=1e-6)
    jump_below = below.diagnostics["first_stage"]["jump"]
    assert jump_below > 0
    assert above.diagnostics["first_stage"]["jump"] == pytest.approx(-jump_below, rel=1e-6)
    # Take-up that goes the wrong way for the side named is a weak first stage.
    assert "evaluate.rdd_weak_first_stage" in [c.key for c in above.caveats]


def test_weak_first_stage_is_a_severe_caveat() -> None:
    frame = _fuzzy(5, tau=20, n=4000, high=0.47, low=0.40)
    result = rdd(frame, "y", "pmt", 40, side="below", treatment="received")
    weak = [c for c in result.caveats if c.key == "evaluate.rdd_weak_first_stage"]
    assert weak and weak[0].severe
    assert result.interpretation("en").startswith(text("evaluate.do_not_rely", "en"))


def _bunched(seed: int, moved: float, n: int = 3000) -> pd.DataFrame:
    """Eligible at or below 0; ``moved`` of the households just above push their score below."""
    rng = np.random.default_rng(seed)
    score = rng.uniform(-1, 1, n)
    shift = (score > 0) & (score <= 0.15) & (rng.random(n) < moved)
    score[shift] = -0.3 * score[shift]
    return pd.DataFrame({"score": score, "y": 2 + score + rng.normal(0, 0.5, n)})


def test_bunching_below_the_cutoff_makes_the_density_test_reject() -> None:
    manipulated = rdd(_bunched(2, moved=0.7), "y", "score", 0, side="below")
    density = manipulated.diagnostics["density_test"]
    assert density["p_value"] < 0.05 and density["statistic"] > 0  # denser on the eligible side
    caveat = next(c for c in manipulated.caveats if c.key == "evaluate.manipulation")
    assert caveat.severe
    for language in ("id", "en"):
        reading = manipulated.interpretation(language)
        assert reading.startswith(text("evaluate.do_not_rely", language))
        assert caveat.text(language) in reading
    clean = rdd(_bunched(2, moved=0.0), "y", "score", 0, side="below")
    assert "evaluate.manipulation" not in [c.key for c in clean.caveats]


def _key(error: pytest.ExceptionInfo) -> str:
    str(error.value)  # the message renders in the current language
    return error.value.key


def test_too_few_observations_near_the_cutoff_is_not_identified() -> None:
    rng = np.random.default_rng(0)
    few = pd.DataFrame({"score": np.r_[rng.uniform(-1, 0, 12), rng.uniform(0, 1, 300)]})
    few["y"] = rng.normal(size=len(few))
    with pytest.raises(NotIdentified) as error:
        rdd(few, "y", "score", 0, side="below")
    assert _key(error) == "evaluate.rdd_too_few_near_cutoff"
    assert error.value.values["below"] == 12
    many = _sharp(1, "below", tau=0.5, n=500)
    with pytest.raises(NotIdentified) as error:
        rdd(many, "y", "score", 0.3, side="below", bandwidth=0.02)
    assert _key(error) == "evaluate.rdd_too_few_near_cutoff"
    counts = error.value.values
    assert min(counts["below"], counts["above"]) < MIN_NEAR


def test_a_score_on_one_side_only_or_constant_is_not_identified() -> None:
    frame = _sharp(2, "below", tau=0.5)
    with pytest.raises(NotIdentified) as error:
        rdd(frame, "y", "score", 5, side="below")
    assert _key(error) == "evaluate.rdd_one_side"
    assert error.value.values["above"] == 0
    with pytest.raises(NotIdentified) as error:
        rdd(frame.assign(score=0.3), "y", "score", 0.3, side="below")
    assert _key(error) == "evaluate.rdd_running_constant"


def test_missing_columns_are_named() -> None:
    frame = _sharp(3, "below", tau=0.5)
    with pytest.raises(SejahteraError) as error:
        rdd(frame, "y", "pmt_score", 0, side="below", cluster="village_code")
    assert _key(error) == "evaluate.no_column"
    for language in ("id", "en"):
        message = text(error.value.key, language, **error.value.values)
        assert "pmt_score" in message and "score" in message


def test_fuzzy_take_up_without_variation_or_jump_is_not_identified() -> None:
    frame = _fuzzy(4, tau=20)
    with pytest.raises(NotIdentified) as error:
        rdd(frame.assign(received=1), "y", "pmt", 40, side="below", treatment="received")
    assert _key(error) == "evaluate.rdd_no_treatment_variation"
    # Take-up mirrored around the cut-off: the same share on both sides, no jump at all.
    offset = (np.arange(400) + 0.5) / 400
    mirrored = pd.DataFrame(
        {
            "pmt": np.r_[40 - offset, 40 + offset],
            "received": np.r_[np.arange(400) % 2, np.arange(400) % 2],
            "y": np.random.default_rng(4).normal(size=800),
        }
    )
    with pytest.raises(NotIdentified) as error:
        rdd(mirrored, "y", "pmt", 40, side="below", treatment="received")
    assert _key(error) == "evaluate.rdd_no_first_stage"


def test_rdrobust_failures_on_degenerate_scores_are_translated() -> None:
    rng = np.random.default_rng(6)
    score = np.r_[np.repeat([-2.0, -1.0], 25), rng.uniform(0, 2, 200)]  # two values below
    frame = pd.DataFrame({"score": score, "y": rng.normal(size=score.size)})
    with pytest.raises(NotIdentified) as error:
        rdd(frame, "y", "score", 0, side="below")
    assert _key(error) == "evaluate.rdd_estimation_failed"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("side", "left"),
        ("kernel", "gaussian"),
        ("polynomial", 7),
        ("bandwidth", -1.0),
        ("bandwidth", (1.0, 2.0, 3.0)),
    ],
)
def test_unknown_options_are_refused_before_reading_data(option: str, value: object) -> None:
    options = {"side": "below", option: value}
    with pytest.raises(SejahteraError) as error:
        rdd(pd.DataFrame(), "y", "score", 0, **options)
    assert _key(error) == "evaluate.rdd_bad_option"
    assert error.value.values["option"] == option


def test_missing_values_covariates_clusters_and_mass_points() -> None:
    frame = _sharp(7, "below", tau=0.5, n=2000)
    frame["village"] = np.arange(len(frame)) % 6  # six villages: too few clusters
    frame["age"] = np.random.default_rng(7).normal(40, 10, len(frame))
    frame.loc[:9, "y"] = np.nan
    result = rdd(frame, "y", "score", 0.3, side="below", covariates=["age"], cluster="village")
    diagnostics = result.diagnostics
    assert diagnostics["dropped_missing"] == 10
    assert diagnostics["variance"] == "CR1" and diagnostics["covariates"] == ["age"]
    keys = [c.key for c in result.caveats]
    assert "evaluate.rdd_few_clusters" in keys and "evaluate.rdd_mass_points" not in keys
    assert keys[-2:] == ["evaluate.rdd_local", "evaluate.dropped_missing"]
    coarse = frame.assign(score=frame["score"].round(2))  # about 130 distinct scores a side
    assert "evaluate.rdd_mass_points" in [
        c.key for c in rdd(coarse, "y", "score", 0.3, side="below").caveats
    ]


def test_every_message_the_module_uses_exists_in_both_languages() -> None:
    keys = set(re.findall(r'"(evaluate\.[a-z_]+)"', SOURCE.read_text("utf-8")))
    assert len(keys) >= 14
    for key in keys:
        assert set(catalogue()[key]) == {"id", "en"}, key
