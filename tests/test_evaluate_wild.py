"""Difference-in-differences with few clusters: the wild cluster bootstrap against its definition
(all 2^G Rademacher sign vectors enumerated, seed-free) and against wildboottest called
directly; when ``inference="auto"`` switches; what the reading says; and that no number in a
reading, a summary or a report is written in scientific notation."""

from __future__ import annotations

import json
import re
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.evaluate import Estimate, Evaluation, NotIdentified
from sejahtera.evaluate.did import did
from sejahtera.evaluate.wild_bootstrap import FEW_CLUSTERS, TIES
from sejahtera.i18n import text
from sejahtera.report.evaluation import evaluation_page

SCIENTIFIC = re.compile(r"\d[eE][-+]?\d")


def areas_panel(
    seed: int, areas: int, per_area: int = 10, effect: float = 0.5, scale: float = 1.0
) -> pd.DataFrame:
    """Households in areas (half of them treated), two waves; a shock per area and wave makes
    the errors correlated within areas. ``scale`` multiplies the outcome."""
    rng = np.random.default_rng(seed)
    households = areas * per_area
    area = np.repeat(np.arange(areas), per_area)
    treated = (area % 2).astype(int)
    level = rng.normal(size=households) + 0.3 * treated
    waves = []
    for wave in (0, 1):
        shock = rng.normal(size=areas)[area] * 0.5
        y = level + 0.2 * wave + shock + rng.normal(size=households) + effect * treated * wave
        waves.append(
            pd.DataFrame(
                {
                    "household": np.arange(households),
                    "area": [f"kec-{a:02d}" for a in area],
                    "treated": treated,
                    "post": wave,
                    "y": y * scale,
                }
            )
        )
    return pd.concat(waves, ignore_index=True)


def enumerated_wcr(frame: pd.DataFrame, beta0: float = 0.0) -> tuple[float, float]:
    """The restricted wild cluster bootstrap p-value of H0: effect = ``beta0`` in the 2×2
    regression y ~ 1 + treated + post + treated×post, by its definition (Cameron, Gelbach &
    Miller 2008): fit under the null, flip the residuals of each cluster by a sign, refit, and
    compare the cluster-robust t-statistics; here over all 2^G sign vectors. The CR1
    small-sample factor multiplies t and every t* alike, so it is left out. Returns the share
    of |t*| larger than |t| without and with the ties (|t*| = |t|: all signs +1 or all −1)."""
    groups = pd.factorize(frame.area)[0]
    count = groups.max() + 1
    t, p = frame.treated.to_numpy(float), frame.post.to_numpy(float)
    x = np.column_stack([np.ones(len(t)), t, p, t * p])
    y = frame.y.to_numpy() - beta0 * t * p
    bread = np.linalg.inv(x.T @ x)

    def t_statistics(outcomes: np.ndarray) -> np.ndarray:  # one column per draw
        beta = bread @ x.T @ outcomes
        residuals = outcomes - x @ beta
        effect_scores = np.zeros((count, outcomes.shape[1]))
        for g in range(count):
            inside = groups == g
            effect_scores[g] = bread[3] @ (x[inside].T @ residuals[inside])
        return beta[3] / np.sqrt((effect_scores**2).sum(axis=0))

    observed = abs(t_statistics(y[:, None])[0])
    null = x[:, :3]
    fitted = null @ np.linalg.lstsq(null, y, rcond=None)[0]
    signs = np.array(list(product([-1.0, 1.0], repeat=count))).T  # G × 2^G
    draws = np.abs(t_statistics(fitted[:, None] + (y - fitted)[:, None] * signs[groups]))
    larger = draws > observed * (1 + TIES)
    ties = np.isclose(draws, observed, rtol=TIES, atol=0)
    return float(larger.mean()), float((larger | ties).mean())


def test_bootstrap_p_value_and_interval_equal_the_enumerated_definition() -> None:
    """12 clusters: Rademacher weights, and 2^12 = 4,096 < 9,999 repetitions, so wildboottest
    enumerates every sign vector and the answer is exact. The p-value equals the definition's;
    the interval's ends are where the definition's test turns from rejecting to not."""
    frame = areas_panel(10, areas=12)
    result = did(frame, "y", "treated", "post", cluster="area")
    used = result.diagnostics["inference"]
    assert used["method"] == "wild-bootstrap" and used["asked"] == "auto"
    assert (used["weights"], used["reps"], used["enumerated"]) == ("rademacher", 4096, True)
    without_ties, with_ties = enumerated_wcr(frame)
    assert with_ties - without_ties == pytest.approx(2 / 4096)
    assert result.main.p() == pytest.approx(without_ties, abs=1e-12)
    assert 0.001 < without_ties < 0.05  # significant, but not by every draw
    low, high = result.main.interval()
    step = 1e-6 * result.main.se
    assert enumerated_wcr(frame, low - step)[0] <= 0.05 < enumerated_wcr(frame, low + step)[0]
    assert enumerated_wcr(frame, high + step)[0] <= 0.05 < enumerated_wcr(frame, high - step)[0]
    # The analytic CR1 results stay beside the bootstrap's; the standard error is CR1.
    analytic = did(frame, "y", "treated", "post", cluster="area", inference="cluster")
    assert result.main.se == analytic.main.se
    assert used["analytic_p_value"] == analytic.main.p()
    assert (used["analytic_ci_low"], used["analytic_ci_high"]) == analytic.main.interval()
    row = result.tidy().iloc[0]
    assert (row.p_value, row.ci_low, row.ci_high) == (used["p_value"], low, high)


def test_fixed_effects_bootstrap_equals_wildboottest_on_the_dummy_regression() -> None:
    """Eight clusters (Webb's weights) and unit fixed effects: our bootstrap on the
    unit-demeaned regression gives the same p-value as wildboottest run directly, with the same
    seed, on the regression with a dummy for every unit (Frisch–Waugh–Lovell; units nested in
    clusters)."""
    from wildboottest.wildboottest import wildboottest

    frame = areas_panel(3, areas=8, per_area=6)
    panel = {"unit": "household", "time": "post", "cluster": "area"}
    result = did(frame, "y", "treated", "post", **panel, seed=11)
    used = result.diagnostics["inference"]
    assert (used["weights"], used["reps"], used["seed"]) == ("webb", 9999, 11)
    dummies = pd.get_dummies(frame.household, prefix="u", dtype=float)
    design = pd.concat(
        [(frame.treated * frame.post).rename("D").astype(float), frame.post.astype(float), dummies],
        axis=1,
    )
    model = sm.OLS(frame.y, design)
    direct = wildboottest(model, B=9999, cluster=pd.factorize(frame.area)[0], param="D",
                          weights_type="webb", seed=11, parallel=False, show=False)  # fmt: skip
    assert result.main.p() == pytest.approx(float(direct["p-value"].iloc[0]), abs=1e-12)
    assert result.main.estimate == pytest.approx(model.fit().params["D"], abs=1e-10)


def test_the_seed_reproduces_and_changes_the_draws() -> None:
    frame = areas_panel(4, areas=9)
    first, again, other = (
        did(frame, "y", "treated", "post", cluster="area", bootstrap=999, seed=seed).main
        for seed in (5, 5, 6)
    )
    assert (first.p(), first.interval()) == (again.p(), again.interval())
    assert (first.p(), first.interval()) != (other.p(), other.interval())


def test_weights_equal_repeated_rows_and_row_order_does_not_matter() -> None:
    """Whole-number weights give the bootstrap of the expanded rows (the same clusters, the same
    scores); shuffled rows give the same draws to the same clusters."""
    frame = areas_panel(12, areas=10)
    frame["copies"] = np.random.default_rng(12).integers(1, 4, len(frame))
    options = {"cluster": "area", "bootstrap": 999, "seed": 4}
    weighted = did(frame, "y", "treated", "post", weights="copies", **options).main
    expanded = frame.loc[frame.index.repeat(frame.copies)]
    repeated = did(expanded, "y", "treated", "post", **options).main
    assert weighted.p() == repeated.p()
    assert weighted.interval() == pytest.approx(repeated.interval(), rel=1e-9)
    shuffled = did(frame.sample(frac=1, random_state=3), "y", "treated", "post", **options).main
    in_order = did(frame, "y", "treated", "post", **options).main
    assert shuffled.p() == in_order.p()
    assert shuffled.interval() == pytest.approx(in_order.interval(), rel=1e-9)


def test_auto_bootstraps_below_the_threshold_only() -> None:
    assert FEW_CLUSTERS == 30
    below = did(areas_panel(1, 29, 4), "y", "treated", "post", cluster="area", bootstrap=99)
    at = did(areas_panel(1, 30, 4), "y", "treated", "post", cluster="area", bootstrap=99)
    assert below.diagnostics["inference"]["method"] == "wild-bootstrap"
    assert below.diagnostics["inference"]["clusters"] == 29
    assert at.diagnostics["inference"] == {"method": "cluster", "asked": "auto"}
    unclustered = did(areas_panel(1, 12), "y", "treated", "post")
    assert unclustered.diagnostics["inference"]["method"] == "robust"
    # Asked for, it runs with any number of clusters, and the reading says it was asked for.
    asked = did(areas_panel(1, 40, 4), "y", "treated", "post", cluster="area",
                inference="wild-bootstrap", bootstrap=99)  # fmt: skip
    assert asked.diagnostics["inference"]["method"] == "wild-bootstrap"
    assert asked.caveats[0].key == "evaluate.did_wild_bootstrap_asked"
    # Refused, it keeps CR1 and the caveat that CR1 is unreliable.
    refused = did(areas_panel(1, 12), "y", "treated", "post", cluster="area", inference="cluster")
    assert refused.diagnostics["inference"]["method"] == "cluster"
    assert refused.caveats[0].key == "evaluate.did_few_clusters"


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"inference": "wild"}, "evaluate.did_bad_option"),
        ({"bootstrap": 10}, "evaluate.did_bad_option"),
        ({"seed": -1}, "evaluate.did_bad_option"),
        ({"inference": "wild-bootstrap", "cluster": None}, "evaluate.did_wild_needs_cluster"),
    ],
)
def test_options_that_are_refused(options: dict, key: str) -> None:
    with pytest.raises(NotIdentified) as error:
        did(areas_panel(1, 12), "y", "treated", "post", **{"cluster": "area", **options})
    assert error.value.key == key
    assert str(error.value)


def test_the_reading_says_why_in_both_languages() -> None:
    result = did(areas_panel(2, 14), "y", "treated", "post", cluster="area")
    reading = {language: result.interpretation(language) for language in ("id", "en")}
    assert "Hanya 14 klaster 'area'" in reading["id"]
    assert "kurang dari 30" in reading["id"] and "wild cluster bootstrap" in reading["id"]
    assert "bobot Rademacher, 9.999 ulangan" in reading["id"]
    assert "Only 14 clusters of 'area'" in reading["en"]
    assert "fewer than 30 clusters" in reading["en"]
    assert "Rademacher weights, 9,999 repetitions" in reading["en"]
    webb = did(areas_panel(2, 10), "y", "treated", "post", cluster="area", bootstrap=999)
    assert "bobot Webb, 999 ulangan" in webb.interpretation("id")
    assert "Webb weights, 999 repetitions" in webb.interpretation("en")
    assert "wild cluster bootstrap" in webb.summary("en")
    document = json.loads(json.dumps(webb.to_dict()))
    assert document["diagnostics"]["inference"]["reps"] == 999
    assert document["caveats"][0]["key"] == "evaluate.did_wild_bootstrap"


@pytest.mark.parametrize("scale", [1e-7, 1.0, 1e12])
def test_no_number_is_written_in_scientific_notation(scale: float) -> None:
    """A strong effect (p far below 0.001) on outcomes measured in tiny and huge units."""
    frame = areas_panel(5, areas=40, per_area=30, effect=3.0, scale=scale)
    wild = {"inference": "wild-bootstrap", "bootstrap": 99}
    results = [
        did(frame, "y", "treated", "post", cluster="area"),
        did(frame, "y", "treated", "post", cluster="area", **wild),
    ]
    for result in results:
        for language, smallest in (("id", "p < 0,001"), ("en", "p < 0.001")):
            assert result.main.p() < 1e-4
            reading = result.interpretation(language)
            analytic = result.diagnostics["inference"]["method"] == "cluster"
            assert smallest in reading or not analytic
            assert not SCIENTIFIC.search(reading), reading
            assert not SCIENTIFIC.search(result.summary(language))
            page = evaluation_page(result, [("evaluate.check_main", result)], language)
            shown = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
            assert not SCIENTIFIC.search(shown), SCIENTIFIC.search(shown)
    tiny = results[0].interpretation("en")
    estimate = results[0].main.estimate
    assert f"{estimate:,.{9 if scale < 1 else 0 if scale > 1 else 2}f}" in tiny


def test_messages_and_open_intervals_are_written_out() -> None:
    shown = text("evaluate.rdd_local", "id", running="skor", low=0.0000012, high=2.5e9)
    assert "antara 0,0000012 dan 2500000000" in shown
    assert text("evaluate.pretrend_rejected", "en", p=3e-5).startswith(
        "The pre-trend test rejects parallel trends (p < 0.001)"
    )
    unbounded = Evaluation("did", "y", [Estimate("treated×post", 0.5, 0.2, 40, 0.3, -1.5, np.inf)])
    assert "-1.50 to ∞" in unbounded.interpretation("en")


def test_command_line_inference_options(tmp_path: Path) -> None:
    data = tmp_path / "panel.csv"
    areas_panel(6, areas=40, per_area=5).to_csv(data, index=False)
    base = ["--lang", "en", "evaluate", "did", str(data), "--outcome", "y", "--treatment",
            "treated", "--post", "post", "--cluster", "area", "--json"]  # fmt: skip
    invoke = CliRunner().invoke
    result = invoke(main, [*base, "--inference", "wild-bootstrap", "--bootstrap-reps", "199",
                           "--seed", "3"])  # fmt: skip
    assert result.exit_code == 0, result.output
    used = json.loads(result.stdout)["diagnostics"]["inference"]
    assert (used["method"], used["reps"], used["seed"], used["clusters"]) == (
        "wild-bootstrap", 199, 3, 40,
    )  # fmt: skip
    result = invoke(main, [*base])  # 40 clusters: CR1
    assert json.loads(result.stdout)["diagnostics"]["inference"]["method"] == "cluster"
    result = invoke(main, [*base, "--inference", "bogus"])
    assert result.exit_code == 2 and "bogus" in result.output
    result = invoke(main, [*base, "--bootstrap-reps", "5"])
    assert result.exit_code == 2 and "--bootstrap-reps" in result.output
    study = ["--lang", "en", "evaluate", "did", str(data), "--outcome", "y", "--unit",
             "household", "--time", "post", "--event-study", "post"]  # fmt: skip
    result = invoke(main, [*study, "--inference", "cluster"])
    assert result.exit_code == 2 and "--inference applies to" in result.output
    assert "Traceback" not in result.output


def test_report_shows_the_bootstrap_beside_the_analytic_check(tmp_path: Path) -> None:
    data = tmp_path / "panel.csv"
    areas_panel(8, areas=11).to_csv(data, index=False)
    report = tmp_path / "did.html"
    result = CliRunner().invoke(
        main,
        ["--lang", "id", "evaluate", "did", str(data), "--outcome", "y", "--treatment", "treated",
         "--post", "post", "--cluster", "area", "--bootstrap-reps", "999", "--report",
         str(report)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = report.read_text()
    assert "Hanya 11 klaster" in page and "bobot Webb, 999 ulangan" in page
    assert text("evaluate.check_analytic_cluster", "id") in page
    assert text("evaluate.check_robust_se", "id") in page
    # The bootstrap's diagnostics in the reader's words, never as their keys.
    assert "nilai p analitis" in page and "bootstrap liar per klaster" in page
    assert "analytic_p_value" not in page and "wild-bootstrap" not in page
