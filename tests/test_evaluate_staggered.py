"""Staggered difference-in-differences (Callaway & Sant'Anna 2021): against the 2×2 design,
against mean differences computed by hand, against an independent implementation (the csdid
port of R's ``did``), and on simulated data where two-way fixed effects are biased."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sejahtera.evaluate import NotIdentified
from sejahtera.evaluate.did import did
from sejahtera.evaluate.staggered import staggered_did


def reference_panel() -> pd.DataFrame:
    """120 units over periods 1–5, cohorts 3, 4, 5 and never (0), effects that grow with time
    since treatment and differ by cohort, a covariate with its own trend. Integer arithmetic
    only, so that the same numbers can be rebuilt anywhere (they were fed to csdid)."""
    rows = []
    for i in range(120):
        g = (3, 4, 0, 5)[i % 4]
        x = (i * 13 % 7) / 2
        for t in range(1, 6):
            effect = (t - g + 1) * (1.5 if g == 3 else 0.5) if g and t >= g else 0.0
            noise = ((i * 7919 + t * 104729) % 97) / 40
            y = (i * 37 % 11) / 3 + 0.2 * t + 0.1 * x * t + effect + noise
            rows.append((i, t, g, x, y, i // 8))
    return pd.DataFrame(rows, columns=["id", "t", "g", "x", "y", "area"])


# csdid 0.4.3 (MIT; Python port of R's did 2.x), run outside this test suite on
# reference_panel() with est_method="reg" (the outcome regression; the same as "dr" without
# covariates), base_period="varying", bstrap=False. It is not a test dependency: it needs
# plotnine and twine at run time. (group, time): (ATT, SE), never-treated controls:
CSDID_ATT_GT = {
    (3, 2): (0.0758333333, 0.284749118),
    (3, 3): (1.495, 0.2819000512),
    (3, 4): (3.2325, 0.3192382789),
    (3, 5): (4.6466666667, 0.1436640242),
    (4, 2): (-0.0775, 0.2828877624),
    (4, 3): (0.165, 0.2952270783),
    (4, 4): (0.665, 0.2879657258),
    (4, 5): (1.0066666667, 0.3094188848),
    (5, 2): (0.0775, 0.2939121893),
    (5, 3): (0.0775, 0.2892921198),
    (5, 4): (0.0775, 0.2819973815),
    (5, 5): (0.335, 0.2994559109),
}
# aggte(): (overall ATT, SE) of "group", "dynamic", "simple"; the Wald pre-test statistic;
# the "group" SE clustered by area; event-time and cohort effects.
CSDID_AGGREGATES = {
    ("never", ()): {
        "group": (1.431851851851852, 0.18546292610980283),
        "dynamic": (2.5326388888888887, 0.14167717561179255),
        "simple": (1.8968055555555556, 0.1868819604675778),
        "wald": 2.158479030947072,
        "clustered": 0.10921964258745707,
        "e": {-3: (0.0775, 0.2939121893), -1: (0.1061111111, 0.1294642199),
              0: (0.8316666667, 0.136087016), 2: (4.6466666667, 0.1436640242)},
        "g": {3: (3.1247222222, 0.1913158155), 4: (0.8358333333, 0.2594828145)},
    },
    ("not_yet", ("x",)): {
        "group": (1.406614187053978, 0.1979202570624823),
        "dynamic": (2.510272366278945, 0.13128661554434118),
        "simple": (1.864418259329831, 0.18989622716628435),
        "wald": 2.006710935231808,
        "clustered": 0.11217392093454175,
        "e": {-2: (-0.0659020928, 0.1911702351), 1: (2.0704834072, 0.2390319084)},
        "g": {3: (3.0811161003, 0.1495810131), 5: (0.3342916667, 0.3016422031)},
    },
}  # fmt: skip


def test_group_time_effects_match_csdid() -> None:
    result = staggered_did(reference_panel(), "y", "id", "t", "g")
    table = {(row["group"], row["time"]): row for row in result.diagnostics["att_gt"]}
    assert set(table) == set(CSDID_ATT_GT)
    for cell, (att, se) in CSDID_ATT_GT.items():
        assert table[cell]["estimate"] == pytest.approx(att, abs=1e-9)
        assert table[cell]["se"] == pytest.approx(se, abs=1e-9)
    # Varying base period: before treatment t is compared with t − 1, after it with g − 1.
    assert table[4, 3]["base"] == 2 and table[4, 5]["base"] == 3


@pytest.mark.parametrize(("control", "covariates"), list(CSDID_AGGREGATES))
def test_aggregations_match_csdid(control: str, covariates: tuple[str, ...]) -> None:
    expected = CSDID_AGGREGATES[control, covariates]
    data = reference_panel()
    result = staggered_did(data, "y", "id", "t", "g", control=control, covariates=covariates)
    d = result.diagnostics
    assert (result.main.estimate, result.main.se) == pytest.approx(expected["group"], abs=1e-9)
    assert (d["dynamic_overall"]["estimate"], d["dynamic_overall"]["se"]) == pytest.approx(
        expected["dynamic"], abs=1e-9
    )
    assert (d["simple"]["estimate"], d["simple"]["se"]) == pytest.approx(
        expected["simple"], abs=1e-9
    )
    assert d["pretrend"]["statistic"] == pytest.approx(expected["wald"], abs=1e-9)
    terms = {e.term: (e.estimate, e.se) for e in result.estimates}
    for e, value in expected["e"].items():
        assert terms[f"e={e}"] == pytest.approx(value, abs=1e-9)
    for g, value in expected["g"].items():
        assert terms[f"g={g}"] == pytest.approx(value, abs=1e-9)
    clustered = staggered_did(
        data, "y", "id", "t", "g", control=control, covariates=covariates, cluster="area"
    )
    assert clustered.main.se == pytest.approx(expected["clustered"], abs=1e-9)
    assert clustered.main.estimate == pytest.approx(result.main.estimate, abs=1e-12)


def test_order_of_the_estimates() -> None:
    result = staggered_did(reference_panel(), "y", "id", "t", "g")
    assert list(result.tidy().term) == [
        "ATT", "e=-3", "e=-2", "e=-1", "e=0", "e=1", "e=2", "g=3", "g=4", "g=5",
    ]  # fmt: skip
    assert result.method == "staggered"
    assert result.diagnostics["cohorts"] == {"3": 30, "4": 30, "5": 30}
    assert result.diagnostics["never_treated"] == 30


def test_two_groups_two_periods_equal_the_2x2_design() -> None:
    """With one cohort and two periods ATT(g, t) is the 2×2 difference-in-differences; its
    variance is the CR0 (unit-clustered) variance of the 2×2 regression, which statsmodels
    reports as CR1 = CR0 · G/(G−1) · (N−1)/(N−K)."""
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n), 2), "t": np.tile([1, 2], n)})
    frame["first"] = np.where(np.repeat(rng.random(n) < 0.4, 2), 2.0, np.nan)
    treated_after = frame["first"].eq(2) & frame.t.eq(2)
    frame["y"] = rng.normal(size=2 * n) + np.repeat(rng.normal(size=n), 2) + treated_after
    frame["treated"] = frame["first"].notna().astype(int)
    frame["post"] = (frame.t == 2).astype(int)
    two_by_two = did(frame, "y", "treated", "post", cluster="unit").main
    staggered = staggered_did(frame, "y", "unit", "t", "first").main
    assert staggered.estimate == pytest.approx(two_by_two.estimate, abs=1e-12)
    big_n, k, g = 2 * n, 4, n
    cr1 = staggered.se**2 * g / (g - 1) * (big_n - 1) / (big_n - k)
    assert cr1 == pytest.approx(two_by_two.se**2, rel=1e-10)


@pytest.mark.parametrize("control", ["never", "not_yet"])
def test_group_time_effects_are_differences_of_mean_changes(control: str) -> None:
    data = reference_panel()
    wide = data.pivot(index="id", columns="t", values="y")
    cohort = data.groupby("id")["g"].first().replace(0, np.inf)
    result = staggered_did(data, "y", "id", "t", "g", control=control)
    for row in result.diagnostics["att_gt"]:
        g, t, base = row["group"], row["time"], row["base"]
        assert base == (t - 1 if t < g else g - 1)
        change = wide[t] - wide[base]
        # Not-yet-treated: untreated in both periods compared, other than the cohort itself.
        controls = cohort == np.inf if control == "never" else (cohort > t) & (cohort != g)
        expected = change[cohort == g].mean() - change[controls].mean()
        assert row["estimate"] == pytest.approx(expected, abs=1e-12)
        assert row["n_control"] == controls.sum()


def test_overall_effect_is_the_cohort_size_weighted_average_of_cohort_effects() -> None:
    data = reference_panel()
    data = data[~((data.g == 5) & (data.id % 8 == 2))]  # unequal cohort sizes
    result = staggered_did(data, "y", "id", "t", "g")
    sizes = result.diagnostics["cohorts"]
    effects = {e.term[2:]: e.estimate for e in result.estimates if e.term.startswith("g=")}
    weighted = sum(sizes[g] * effects[g] for g in sizes) / sum(sizes.values())
    assert result.main.estimate == pytest.approx(weighted, abs=1e-12)
    table = pd.DataFrame(result.diagnostics["att_gt"])
    post = table[table.time >= table.group]
    assert effects["3"] == pytest.approx(post[post.group == 3].estimate.mean(), abs=1e-12)


def staggered_panel(seed: int, units: int = 600) -> tuple[pd.DataFrame, float]:
    """Cohorts first treated in periods 3 and 6 of 1–8, and never-treated units; the effect of
    cohort 3 grows by 1 each period (1, 2, 3, …), cohort 6 gets a flat 0.5. The truth: the
    cohort-size-weighted average of each cohort's mean effect after treatment."""
    rng = np.random.default_rng(seed)
    cohort = rng.choice([3.0, 6.0, np.inf], size=units, p=[0.45, 0.45, 0.10])
    unit = np.repeat(np.arange(units), 8)
    t = np.tile(np.arange(1, 9), units)
    g = cohort[unit]
    effect = np.where(t >= g, np.where(g == 3, t - g + 1, 0.5), 0.0)
    y = rng.normal(size=units)[unit] + 0.3 * t + effect + rng.normal(size=len(t))
    first = np.where(np.isinf(g), np.nan, g)
    frame = pd.DataFrame({"unit": unit, "t": t, "first": first, "y": y})
    mean_effect = {3.0: np.mean(np.arange(1, 7)), 6.0: 0.5}
    sizes = {c: (cohort == c).sum() for c in mean_effect}
    truth = sum(sizes[c] * mean_effect[c] for c in sizes) / sum(sizes.values())
    return frame, truth


def test_staggered_recovers_the_truth_where_two_way_fixed_effects_fail() -> None:
    covered = twfe_covered = 0
    for seed in range(20):
        frame, truth = staggered_panel(seed)
        low, high = staggered_did(frame, "y", "unit", "t", "first").main.interval()
        covered += low <= truth <= high
        frame["treated"] = frame["first"].notna().astype(int)
        frame["post"] = (frame.t >= frame["first"]).astype(int)
        if seed < 5:  # fixed effects are slow; five seeds show the bias
            twfe = did(frame, "y", "treated", "post", unit="unit", time="t").main
            twfe_low, twfe_high = twfe.interval()
            twfe_covered += twfe_low <= truth <= twfe_high
            assert twfe.estimate < truth - 0.5  # already-treated units as controls
    assert covered >= 17
    assert twfe_covered == 0


def test_event_time_effects_recover_the_dynamic_truth() -> None:
    frame, _ = staggered_panel(1, units=1500)
    result = staggered_did(frame, "y", "unit", "t", "first")
    terms = {e.term: e for e in result.estimates}
    # e ≥ 3 is cohort 3 alone (cohort 6 is seen until e = 2): effect e + 1.
    for e in (3, 4, 5):
        low, high = terms[f"e={e}"].interval()
        assert low <= e + 1 <= high
    for e in (-4, -3, -2, -1):  # no anticipation, parallel trends
        assert abs(terms[f"e={e}"].estimate) < 4 * terms[f"e={e}"].se
    assert result.diagnostics["pretrend"]["p_value"] > 0.01


def test_pretrend_test_rejects_diverging_cohorts() -> None:
    frame, _ = staggered_panel(2)
    frame["y"] += 0.3 * frame.t * frame["first"].eq(6)
    result = staggered_did(frame, "y", "unit", "t", "first", control="not_yet")
    assert result.diagnostics["pretrend"]["p_value"] < 0.001
    assert [c.key for c in result.caveats if c.severe] == ["evaluate.pretrend_rejected"]


def test_covariates_adjust_for_trends_that_depend_on_them() -> None:
    """The outcome trend depends on a covariate whose mean differs between cohort and controls:
    unconditional parallel trends fail, conditional ones hold."""
    covered = naive_covered = 0
    for seed in range(20):
        frame, truth = staggered_panel(seed)
        rng = np.random.default_rng(100 + seed)
        x = rng.normal(size=600) + frame.groupby("unit")["first"].first().notna().to_numpy()
        frame["x"] = x[frame.unit]
        frame["y"] += 0.4 * frame.x * frame.t
        low, high = staggered_did(
            frame, "y", "unit", "t", "first", covariates=["x"]
        ).main.interval()
        covered += low <= truth <= high
        low, high = staggered_did(frame, "y", "unit", "t", "first").main.interval()
        naive_covered += low <= truth <= high
    assert covered >= 17
    assert naive_covered <= 3


def test_bootstrap_standard_errors_agree_with_the_analytic_ones() -> None:
    frame, _ = staggered_panel(3)
    analytic = staggered_did(frame, "y", "unit", "t", "first")
    boot = staggered_did(frame, "y", "unit", "t", "first", bootstrap=999, seed=1)
    again = staggered_did(frame, "y", "unit", "t", "first", bootstrap=999, seed=1)
    assert boot.main.se == again.main.se  # reproducible with a seed
    for a, b in zip(analytic.estimates, boot.estimates, strict=True):
        assert b.estimate == a.estimate
        assert b.se == pytest.approx(a.se, rel=0.12)
    critical = boot.diagnostics["uniform_critical_value"]
    assert 1.96 < critical < 4
    event = next(e for e in boot.estimates if e.term == "e=0")
    assert event.interval()[1] - event.estimate == pytest.approx(critical * event.se)


def test_clustering_by_area_widens_intervals_under_area_shocks() -> None:
    """A programme rolled out by area, with area-period shocks."""
    frame, _ = staggered_panel(4)
    frame["area"] = frame.unit // 10
    rng = np.random.default_rng(0)
    start = rng.choice([3.0, 6.0, np.nan], size=60, p=[0.4, 0.4, 0.2])
    frame["first"] = start[frame.area]
    frame["y"] += rng.normal(size=(60, 9))[frame.area, frame.t]
    by_unit = staggered_did(frame, "y", "unit", "t", "first").main.se
    by_area = staggered_did(frame, "y", "unit", "t", "first", cluster="area").main.se
    assert by_area > 1.5 * by_unit


def test_units_treated_in_the_first_period_are_left_out_with_a_caveat() -> None:
    frame, _ = staggered_panel(5)
    early = frame.unit < 40
    frame.loc[early, "first"] = 1.0
    result = staggered_did(frame, "y", "unit", "t", "first")
    assert result.diagnostics["dropped_first_period"] == 40
    assert result.diagnostics["units"] == 560
    assert "evaluate.did_dropped_first_period" in [c.key for c in result.caveats]
    # Units first treated after the last period count as never treated, as in R's did.
    later = frame.assign(first=frame["first"].fillna(99.0))
    assert staggered_did(later, "y", "unit", "t", "first").main.estimate == pytest.approx(
        result.main.estimate, abs=1e-12
    )


def test_designs_that_identify_nothing() -> None:
    frame, _ = staggered_panel(6)
    cases = [
        (frame.iloc[1:], {}, "evaluate.did_unbalanced_panel"),
        (frame.assign(first=frame["first"].fillna(6.0)), {}, "evaluate.did_no_control_units"),
        (frame.assign(first=np.nan), {}, "evaluate.did_no_treatment_variation"),
        (frame.assign(first=np.where(frame.t == 1, 3.0, frame["first"])), {},
         "evaluate.did_first_treated_varies"),
        (frame, {"control": "later"}, "evaluate.did_bad_option"),
        (frame.assign(area=frame.t), {"cluster": "area"}, "evaluate.did_cluster_varies"),
        (pd.concat([frame, frame.head(1)]), {}, "evaluate.did_duplicate_rows"),
    ]  # fmt: skip
    for data, options, key in cases:
        with pytest.raises(NotIdentified) as error:
            staggered_did(data, "y", "unit", "t", "first", **options)
        assert error.value.key == key
        assert str(error.value)
    # Without never-treated units, not-yet-treated controls still identify the early cohort.
    everyone = frame.assign(first=frame["first"].fillna(6.0))
    result = staggered_did(everyone, "y", "unit", "t", "first", control="not_yet")
    assert [e.term for e in result.estimates if e.term.startswith("g=")] == ["g=3"]
    assert "evaluate.did_cells_without_controls" in [c.key for c in result.caveats]


def test_plot_data_by_cohort_and_event_time() -> None:
    frame, _ = staggered_panel(7)
    result = staggered_did(frame, "y", "unit", "t", "first")
    plot = result.plot
    assert [s["group"] for s in plot["series"]] == ["3", "6", "never"]
    assert plot["periods"] == list(range(1, 9))
    expected = frame[frame["first"] == 6].groupby("t")["y"].mean().to_numpy()
    assert plot["series"][1]["mean"] == pytest.approx(expected)
    # Period 1 serves only as a base: cohort 6 is seen from e = 2 − 6, cohort 3 up to 8 − 3.
    assert plot["coefficients"]["relative_time"] == list(range(-4, 6))


def test_result_is_json_ready() -> None:
    result = staggered_did(reference_panel(), "y", "id", "t", "g", bootstrap=99)
    document = json.loads(json.dumps({**result.to_dict(), "plot": result.plot}))
    assert document["estimates"][0]["term"] == "ATT"
    assert len(document["diagnostics"]["att_gt"]) == 12
    assert document["plot"]["series"][-1]["group"] == "never"
