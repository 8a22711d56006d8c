"""Difference-in-differences: Card & Krueger (1994) Table 3, simulated data with a known effect,
the standard errors against their textbook formulas, and designs that identify nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sejahtera.evaluate import NotIdentified
from sejahtera.evaluate.did import did, event_study
from sejahtera.i18n import catalogue, text

CARD_KRUEGER = Path(__file__).parent / "fixtures" / "card-krueger" / "public.dat"
CODEBOOK = """sheet chain co_owned state southj centralj northj pa1 pa2 shore ncalls empft emppt
nmgrs wage_st inctime firstinc bonus pctaff meals open hrsopen psoda pfry pentree nregs nregs11
type2 status2 date2 ncalls2 empft2 emppt2 nmgrs2 wage_st2 inctime2 firstin2 special2 meals2 open2r
hrsopen2 psoda2 pfry2 pentree2 nregs2 nregs112"""  # the column order of the README
TEMPORARILY_CLOSED = (2, 4, 5)  # status2: closed for renovation, highway construction, mall fire


def card_krueger(closed_as_zero: bool = False) -> pd.DataFrame:
    """One row per store and wave: FTE = full-time + managers + ½ part-time (the paper's)."""
    stores = pd.read_csv(
        CARD_KRUEGER, sep=r"\s+", header=None, names=CODEBOOK.split(), na_values="."
    )
    assert len(stores) == 410
    before = stores.empft + stores.nmgrs + 0.5 * stores.emppt
    after = stores.empft2 + stores.nmgrs2 + 0.5 * stores.emppt2
    if closed_as_zero:
        after = after.mask(stores.status2.isin(TEMPORARILY_CLOSED), 0.0)
    store = np.arange(len(stores))
    waves = [
        pd.DataFrame({"store": store, "nj": stores.state, "wave2": wave, "fte": fte})
        for wave, fte in ((0, before), (1, after))
    ]
    return pd.concat(waves, ignore_index=True)


def balanced(frame: pd.DataFrame) -> pd.DataFrame:
    """The stores with FTE in both waves."""
    both = frame.dropna(subset=["fte"]).groupby("store")["fte"].transform("size") == 2
    return frame.dropna(subset=["fte"]).loc[both]


def cell(result, group: str, period: str) -> dict:
    means = result.diagnostics["group_means"]
    return next(c for c in means if c["group"] == group and c["period"] == period)


# --- Card & Krueger (1994), Table 3 ---------------------------------------------------------
# The paper reports differences of means with the standard errors of those means (s/√n, and
# for a difference of independent means the root of the summed squares). Rows 1–2 use all
# stores with data in that wave; row 3 ("change in mean FTE") is the difference of rows 2 and
# 1; row 4 uses the balanced sample of stores with data in both waves; row 5 sets wave-2 FTE of
# the four temporarily closed stores to zero (balanced sample). The six stores closed for good
# have FTE 0 in wave 2 of the public file.


def test_card_krueger_rows_1_and_2_means_by_state_and_wave() -> None:
    result = did(card_krueger(), "fte", "nj", "wave2", cluster="store")
    published = {  # (group, period): (mean, standard error, stores)
        ("control", "before"): (23.33, 1.35, 77),
        ("treated", "before"): (20.44, 0.51, 321),
        ("control", "after"): (21.17, 0.94, 77),
        ("treated", "after"): (21.03, 0.52, 319),
    }
    for (group, period), (mean, se, n) in published.items():
        found = cell(result, group, period)
        assert (round(found["mean"], 2), round(found["se"], 2), found["n"]) == (mean, se, n)


def test_card_krueger_row_3_all_available_stores() -> None:
    """Published: 2.76 (1.36). The public file gives 2.7536 with the same definition (rows 1–2,
    whose difference row 3 is, are reproduced exactly above): one unit off in the last printed
    digit, so the point estimate is checked to within 0.01. The paper does not say how it
    computed row 3's standard errors for stores seen in one wave only (its per-state ones, 1.25
    and 0.54, are not reproducible from the file); the store-clustered regression SE, which
    uses the same stores' correlation between waves, is within 5 % of 1.36."""
    result = did(card_krueger(), "fte", "nj", "wave2", cluster="store")
    main = result.main
    assert abs(main.estimate - 2.76) < 0.01
    # The 2×2 regression's coefficient is exactly the difference of the four means.
    assert main.estimate == pytest.approx(result.diagnostics["difference_of_means"], abs=1e-10)
    assert abs(main.se - 1.36) / 1.36 < 0.05
    assert result.diagnostics["clusters"] == 410
    assert result.diagnostics["dropped_missing"] == 26  # 12 stores lack wave-1 FTE, 14 wave-2
    # Ignoring that the same stores are surveyed twice gives the SE of four independent means,
    # sqrt(1.35² + 0.51² + 0.94² + 0.52²) = 1.80 (HC1 differs from it only by (n−1)/n-type
    # factors, under 1 %), much wider than the clustered SE.
    robust = did(card_krueger(), "fte", "nj", "wave2").main
    independent = np.sqrt(sum(c["se"] ** 2 for c in result.diagnostics["group_means"]))
    assert round(independent, 2) == 1.80
    assert robust.se == pytest.approx(independent, rel=0.01)
    assert robust.estimate == pytest.approx(main.estimate, abs=1e-10)


def test_card_krueger_row_4_balanced_sample() -> None:
    """Published: PA −2.28 (1.25), NJ 0.47 (0.48), NJ − PA 2.75 (1.34). The paper's SE is that
    of a difference of two independent mean changes, sqrt(1.25² + 0.48²) = 1.3424; the CR1
    store-clustered SE of the 2×2 regression (1.3386) and of two-way fixed effects agree with it
    to the printed precision."""
    data = balanced(card_krueger())
    result = did(data, "fte", "nj", "wave2", cluster="store")
    change = {
        group: cell(result, group, "after")["mean"] - cell(result, group, "before")["mean"]
        for group in ("control", "treated")
    }
    assert (round(change["control"], 2), round(change["treated"], 2)) == (-2.28, 0.47)
    assert (round(result.main.estimate, 2), round(result.main.se, 2)) == (2.75, 1.34)
    assert cell(result, "treated", "after")["n"] + cell(result, "control", "after")["n"] == 384
    fixed = did(data, "fte", "nj", "wave2", unit="store", time="wave2")
    assert fixed.method == "twfe"
    assert fixed.main.estimate == pytest.approx(result.main.estimate, abs=1e-9)
    assert round(fixed.main.se, 2) == 1.34
    # Stores seen once drop out of the within-store comparison: same answer on all stores.
    everyone = did(card_krueger(), "fte", "nj", "wave2", unit="store", time="wave2")
    assert everyone.main.estimate == pytest.approx(fixed.main.estimate, abs=1e-9)


def test_card_krueger_row_5_temporarily_closed_stores_at_zero() -> None:
    """Published: PA −2.28 (1.25), NJ 0.23 (0.49), NJ − PA 2.51 (1.35). The paper's SE,
    sqrt(1.2533² + 0.4910²) = 1.3460, is that of two independent mean changes; the CR1
    store-clustered SE is 1.3423, which prints as 1.34: the two differ by their small-sample
    factors (G/(G−1)·(N−1)/(N−K) against 1/(n−1) within each state), under 0.5 %."""
    data = balanced(card_krueger(closed_as_zero=True))
    result = did(data, "fte", "nj", "wave2", cluster="store")
    assert round(result.main.estimate, 2) == 2.51
    changes = data.pivot(index="store", columns="wave2", values="fte").diff(axis=1)[1]
    state = data.drop_duplicates("store").set_index("store")["nj"]
    by_state = changes.groupby(state).agg(["mean", "sem"])
    assert by_state.round(2).to_numpy().tolist() == [[-2.28, 1.25], [0.23, 0.49]]
    paper_se = np.sqrt((by_state["sem"] ** 2).sum())
    assert round(paper_se, 2) == 1.35
    assert result.main.se == pytest.approx(paper_se, rel=0.005)


# --- standard errors against their formulas ---------------------------------------------------


def small_sample(seed: int, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "treated": rng.integers(0, 2, n),
            "post": rng.integers(0, 2, n),
            "area": rng.integers(0, 40, n),
            "x": rng.normal(size=n),
        }
    )
    shock = rng.normal(size=40)[frame.area]
    frame["y"] = (
        frame.treated * frame.post * 0.5
        + shock
        + frame.x
        + rng.normal(size=n) * (1 + frame.treated)
    )
    return frame


def sandwich(frame: pd.DataFrame, groups: np.ndarray | None) -> float:
    """HC1 (groups None) or CR1 standard error of the interaction, written out."""
    x = np.column_stack(
        [np.ones(len(frame)), frame.treated, frame.post, frame.treated * frame.post, frame.x]
    )
    y = frame.y.to_numpy()
    bread = np.linalg.inv(x.T @ x)
    residual = y - x @ (bread @ x.T @ y)
    scores = x * residual[:, None]
    n, k = x.shape
    if groups is None:
        meat, factor = scores.T @ scores, n / (n - k)
    else:
        sums = pd.DataFrame(scores).groupby(groups).sum().to_numpy()
        g = len(sums)
        meat, factor = sums.T @ sums, g / (g - 1) * (n - 1) / (n - k)
    return float(np.sqrt(factor * (bread @ meat @ bread)[3, 3]))


def test_robust_and_clustered_standard_errors_follow_their_formulas() -> None:
    frame = small_sample(1)
    robust = did(frame, "y", "treated", "post", covariates=["x"])
    clustered = did(frame, "y", "treated", "post", covariates=["x"], cluster="area")
    assert robust.main.se == pytest.approx(sandwich(frame, None), rel=1e-9)
    assert clustered.main.se == pytest.approx(sandwich(frame, frame.area.to_numpy()), rel=1e-9)
    assert robust.diagnostics["se_type"].startswith("HC1")
    assert clustered.diagnostics["se_type"].startswith("CR1")
    assert clustered.diagnostics["clusters"] == 40
    # Intervals use t with G − 1 degrees of freedom when clustered.
    low, high = clustered.main.interval()
    half = (high - low) / 2
    assert half / clustered.main.se == pytest.approx(2.0227, abs=1e-4)  # t(39) 97.5 %


def test_fixed_effects_standard_error_is_cr1_without_counting_nested_unit_effects() -> None:
    """On a balanced two-wave panel, two-way fixed effects are the first-difference regression
    Δy ~ 1 + treated, and the unit-clustered CR0 variance is that regression's HC0. CR1 as in
    Stata's ``xtreg, fe`` multiplies it by G/(G−1)·(N−1)/(N−K), N = 2n rows, K = 2 (the effect
    and the wave dummy; unit effects are nested in the clusters and not counted)."""
    rng = np.random.default_rng(3)
    n = 150
    treated = rng.integers(0, 2, n)
    before = rng.normal(size=n)
    after = before + 0.5 + treated + rng.normal(size=n) * (1 + treated)
    frame = pd.DataFrame(
        {
            "unit": np.tile(np.arange(n), 2),
            "post": np.repeat([0, 1], n),
            "treated": np.tile(treated, 2),
            "y": np.r_[before, after],
        }
    )
    result = did(frame, "y", "treated", "post", unit="unit", time="post")
    x = np.column_stack([np.ones(n), treated])
    bread = np.linalg.inv(x.T @ x)
    coefficients = bread @ x.T @ (after - before)
    residual = after - before - x @ coefficients
    hc0 = (bread @ (x.T * residual**2) @ x @ bread)[1, 1]
    assert result.main.estimate == pytest.approx(coefficients[1], abs=1e-12)
    assert result.main.se**2 == pytest.approx(hc0 * n / (n - 1) * (2 * n - 1) / (2 * n - 2))


def clustered_panel(seed: int, areas: int = 60, per_area: int = 30, effect: float = 2.0):
    """Households in areas, two waves; area-wave shocks make errors correlated within areas;
    half the areas are treated."""
    rng = np.random.default_rng(seed)
    households = areas * per_area
    area = np.repeat(np.arange(areas), per_area)
    treated = (area % 2).astype(int)
    level = rng.normal(size=households) * 3 + 0.5 * treated
    rows = []
    for wave in (0, 1):
        shock = rng.normal(size=areas)[area] * 1.5
        y = level + wave * 1.0 + shock + rng.normal(size=households) + effect * treated * wave
        rows.append(
            pd.DataFrame(
                {
                    "household": np.arange(households),
                    "area": area,
                    "treated": treated,
                    "post": wave,
                    "y": y,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_did_and_twfe_cover_the_true_effect_on_most_seeds() -> None:
    covered = {"did": 0, "twfe": 0}
    estimates, ses = [], []
    for seed in range(20):
        frame = clustered_panel(seed)
        panel = {"unit": "household", "time": "post"}
        for method, result in (
            ("did", did(frame, "y", "treated", "post", cluster="area")),
            ("twfe", did(frame, "y", "treated", "post", **panel, cluster="area")),
        ):
            low, high = result.main.interval()
            covered[method] += low <= 2.0 <= high
            if method == "did":
                estimates.append(result.main.estimate)
                ses.append(result.main.se)
    assert covered["did"] >= 17 and covered["twfe"] >= 17, covered
    # The SE is the right size: close to the spread of the estimates across seeds.
    assert 0.7 < np.mean(ses) / np.std(estimates, ddof=1) < 1.4


def test_clustered_errors_are_wider_when_errors_are_clustered() -> None:
    frame = clustered_panel(3)
    robust = did(frame, "y", "treated", "post")
    by_area = did(frame, "y", "treated", "post", cluster="area")
    assert by_area.main.se > 2 * robust.main.se
    assert by_area.main.estimate == pytest.approx(robust.main.estimate, abs=1e-10)
    # With independent errors clustering changes little.
    frame = clustered_panel(3, areas=600, per_area=3)
    frame["y"] += np.random.default_rng(0).normal(size=len(frame)) * 5
    ratio = (
        did(frame, "y", "treated", "post", cluster="area").main.se
        / did(frame, "y", "treated", "post").main.se
    )
    assert 0.8 < ratio < 1.25


def test_twfe_covariates_remove_the_bias_of_a_confounder() -> None:
    """A time-varying covariate that rises more among the treated and moves the outcome: without
    it the estimate is biased, with it the truth (1.0) is inside the interval."""
    rng = np.random.default_rng(4)
    units, waves = 400, 4
    unit = np.repeat(np.arange(units), waves)
    wave = np.tile(np.arange(waves), units)
    treated = (unit < 200).astype(int)
    post = (wave >= 2).astype(int)
    x = rng.normal(size=units * waves) + 1.5 * treated * wave
    y = rng.normal(size=units)[unit] + 0.3 * wave + 2 * x + treated * post + rng.normal(size=len(x))
    frame = pd.DataFrame(
        {"unit": unit, "wave": wave, "treated": treated, "post": post, "x": x, "y": y}
    )
    naive = did(frame, "y", "treated", "post", unit="unit", time="wave")
    adjusted = did(frame, "y", "treated", "post", unit="unit", time="wave", covariates=["x"])
    assert not naive.main.interval()[0] <= 1.0 <= naive.main.interval()[1]
    low, high = adjusted.main.interval()
    assert low <= 1.0 <= high
    assert adjusted.diagnostics["covariates"] == ["x"] and adjusted.diagnostics["absorbed"] == []


def test_weights_equal_repeated_rows_and_row_order_does_not_matter() -> None:
    frame = small_sample(2)
    frame["copies"] = np.random.default_rng(2).integers(1, 4, len(frame))
    weighted = did(frame, "y", "treated", "post", weights="copies")
    expanded = frame.loc[frame.index.repeat(frame.copies)]
    assert weighted.main.estimate == pytest.approx(
        did(expanded, "y", "treated", "post").main.estimate, abs=1e-10
    )
    shuffled = frame.sample(frac=1, random_state=1)
    assert did(shuffled, "y", "treated", "post", cluster="area").main.se == pytest.approx(
        did(frame, "y", "treated", "post", cluster="area").main.se, rel=1e-12
    )


def test_parallel_trends_plot_holds_the_group_means_by_period() -> None:
    frame = clustered_panel(5)
    result = did(frame, "y", "treated", "post", cluster="area")
    plot = result.plot
    assert plot["kind"] == "group_means" and plot["x"] == "post" and plot["periods"] == [0, 1]
    expected = frame.groupby(["treated", "post"])["y"].mean()
    for series in plot["series"]:
        group = {"control": 0, "treated": 1}[series["group"]]
        assert series["mean"] == pytest.approx([expected[group, 0], expected[group, 1]])
        assert series["n"] == [1800 // 2, 1800 // 2]


# --- event study ---------------------------------------------------------------------------


def event_panel(seed: int, trend: float = 0.0, units: int = 300, waves: int = 7) -> pd.DataFrame:
    """One cohort first treated in wave 4 (half the units), the rest never; effect 1.0 from
    wave 4 on. ``trend`` adds a steeper trend for the treated (parallel trends fail)."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(units), waves)
    wave = np.tile(np.arange(1, waves + 1), units)
    first = np.where(unit < units // 2, 4.0, np.nan)
    treated = ~np.isnan(first)
    y = (
        rng.normal(size=units)[unit]
        + 0.5 * wave
        + trend * treated * wave
        + np.where(treated & (wave >= 4), 1.0, 0.0)
        + rng.normal(size=len(unit))
    )
    return pd.DataFrame({"unit": unit, "wave": wave, "first": first, "y": y})


def test_event_study_covers_the_effect_and_keeps_parallel_trends() -> None:
    covered = rejected = 0
    for seed in range(20):
        result = event_study(event_panel(seed), "y", "unit", "wave", "first")
        low, high = result.main.interval()
        covered += low <= 1.0 <= high
        rejected += result.diagnostics["pretrend"]["p_value"] < 0.05
    assert covered >= 17
    assert rejected <= 3  # a 5 % test
    terms = list(result.tidy().term)
    assert terms == ["mean(t+0..t+3)", "t-3", "t-2", "t+0", "t+1", "t+2", "t+3"]
    assert result.diagnostics["pretrend"]["df"] == 2
    assert result.plot["coefficients"]["relative_time"] == [-3, -2, -1, 0, 1, 2, 3]


def test_event_study_main_estimate_is_the_mean_of_the_post_coefficients() -> None:
    result = event_study(event_panel(1), "y", "unit", "wave", "first")
    post = [e.estimate for e in result.estimates[1:] if e.term.startswith("t+")]
    assert result.main.estimate == pytest.approx(np.mean(post), abs=1e-12)
    assert result.main.se < max(e.se for e in result.estimates[1:] if e.term.startswith("t+"))


def test_pretrend_test_rejects_when_trends_differ() -> None:
    result = event_study(event_panel(0, trend=0.4), "y", "unit", "wave", "first")
    assert result.diagnostics["pretrend"]["p_value"] < 0.001
    severe = [c for c in result.caveats if c.severe]
    assert [c.key for c in severe] == ["evaluate.pretrend_rejected"]
    reading = result.interpretation("en")
    assert reading.startswith(text("evaluate.do_not_rely", "en"))
    assert "pre-trend test rejects parallel trends" in reading


def test_event_study_bins_the_ends() -> None:
    result = event_study(event_panel(2), "y", "unit", "wave", "first", leads=2, lags=1)
    assert list(result.tidy().term) == ["mean(t+0..t+1)", "t-2", "t+0", "t+1"]
    # t+1 stands for one period after treatment or more: three waves of the cohort.
    assert result.estimates[-1].n == 150 * 3
    one_lead = event_study(event_panel(2), "y", "unit", "wave", "first", leads=1)
    assert one_lead.diagnostics["pretrend"] is None
    assert "evaluate.did_no_pretrend_test" in [c.key for c in one_lead.caveats]


def test_never_treated_codes() -> None:
    frame = event_panel(3)
    expected = event_study(frame, "y", "unit", "wave", "first").main.estimate
    for code in (0.0, np.inf):
        coded = frame.assign(first=frame["first"].fillna(code))
        assert event_study(coded, "y", "unit", "wave", "first").main.estimate == expected
    shifted = frame.assign(wave=frame.wave - 1, first=(frame["first"] - 1).fillna(0))
    with pytest.raises(NotIdentified) as error:  # 0 is a period there: ambiguous
        event_study(shifted, "y", "unit", "wave", "first")
    assert error.value.key == "evaluate.did_zero_ambiguous"


# --- caveats and designs that identify nothing --------------------------------------------------


def test_few_clusters_and_staggered_timing_raise_caveats() -> None:
    frame = clustered_panel(1, areas=12, per_area=40)
    analytic = did(frame, "y", "treated", "post", cluster="area", inference="cluster")
    keys = [c.key for c in analytic.caveats]
    assert keys == ["evaluate.did_few_clusters", "evaluate.did_few_treated_clusters"]
    # By default the bootstrap answers the first; the second remains, in its bootstrap form.
    keys = [c.key for c in did(frame, "y", "treated", "post", cluster="area", bootstrap=99).caveats]
    assert keys == ["evaluate.did_wild_bootstrap", "evaluate.did_few_treated_clusters_wild"]
    assert not did(clustered_panel(1), "y", "treated", "post", cluster="area").caveats
    staggered = event_panel(4)
    staggered.loc[staggered.unit < 75, "first"] = 6.0
    staggered["treated"] = staggered["first"].notna().astype(int)
    staggered["post"] = (staggered.wave >= staggered["first"]).astype(int)
    result = did(staggered, "y", "treated", "post", unit="unit", time="wave")
    assert "evaluate.did_twfe_staggered" in [c.key for c in result.caveats]
    study = event_study(staggered, "y", "unit", "wave", "first")
    assert "evaluate.did_event_study_staggered" in [c.key for c in study.caveats]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda f: f.assign(treated=1), "evaluate.did_no_treatment_variation"),
        (lambda f: f.assign(treated=0), "evaluate.did_no_treatment_variation"),
        (lambda f: f.assign(post=1), "evaluate.did_no_pre_period"),
        (lambda f: f.assign(post=0), "evaluate.did_no_post_period"),
        (lambda f: f[~((f.treated == 1) & (f.post == 1))], "evaluate.did_empty_cell"),
        (lambda f: f.assign(y=3.0), "evaluate.did_constant_outcome"),
        (lambda f: f.assign(post=f.post * 2), "evaluate.did_not_binary"),
        (lambda f: f.assign(area=1), "evaluate.did_too_few_clusters"),
        (lambda f: f.assign(x=f.treated * f.post), "evaluate.did_collinear"),
    ],
)
def test_designs_that_identify_nothing(change, key: str) -> None:
    frame = change(small_sample(3))
    with pytest.raises(NotIdentified) as error:
        did(frame, "y", "treated", "post", cluster="area", covariates=["x"])
    assert error.value.key == key
    assert str(error.value)  # a message in the current language


def test_fixed_effects_designs_that_identify_nothing() -> None:
    frame = clustered_panel(2)
    with pytest.raises(NotIdentified) as error:  # every unit treated at the same time
        did(frame.assign(treated=1), "y", "treated", "post", unit="household", time="post")
    assert error.value.key == "evaluate.did_no_treatment_variation"
    with pytest.raises(NotIdentified) as error:
        did(frame, "y", "treated", "post", unit="household")
    assert error.value.key == "evaluate.did_unit_needs_time"
    with pytest.raises(NotIdentified) as error:
        did(
            pd.concat([frame, frame.head(3)]), "y", "treated", "post", unit="household", time="post"
        )
    assert error.value.key == "evaluate.did_duplicate_rows"
    # Without never-treated units and without binning, relative time is collinear with the
    # unit and period effects.
    study = event_panel(5)
    study["first"] = np.where(study.unit < 150, 4.0, 6.0)
    with pytest.raises(NotIdentified) as error:
        event_study(study, "y", "unit", "wave", "first")
    assert error.value.key == "evaluate.did_event_not_identified"
    assert event_study(study, "y", "unit", "wave", "first", leads=2, lags=1).main.se > 0


def test_every_message_key_of_the_did_modules_exists_in_both_languages() -> None:
    source = Path(__file__).resolve().parent.parent / "src" / "sejahtera" / "evaluate"
    keys = set()
    for name in ("did.py", "staggered.py", "wild_bootstrap.py"):
        keys |= set(re.findall(r"\"(evaluate\.[a-z_]+)\"", (source / name).read_text("utf-8")))
    assert len(keys) > 30
    missing = {key for key in keys if key not in catalogue()}
    assert not missing
    for key in keys:
        assert catalogue()[key]["id"] != catalogue()[key]["en"], key


def test_results_are_json_ready() -> None:
    frame = clustered_panel(6)
    results = [
        did(frame, "y", "treated", "post", cluster="area"),
        did(frame, "y", "treated", "post", unit="household", time="post"),
        event_study(event_panel(6), "y", "unit", "wave", "first"),
    ]
    for result in results:
        document = json.loads(json.dumps({**result.to_dict(), "plot": result.plot}))
        assert document["estimates"][0]["term"] == result.main.term
        assert document["plot"]["kind"] == "group_means"
