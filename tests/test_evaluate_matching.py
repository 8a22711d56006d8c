"""Matching and weighting on the propensity score (sejahtera.evaluate.matching): LaLonde's NSW
benchmark, simulated programmes with known effects, hand-computed matches, and the designs that
cannot identify an effect."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit

from sejahtera.errors import SejahteraError
from sejahtera.evaluate import NotIdentified
from sejahtera.evaluate.matching import match
from sejahtera.i18n import catalogue, set_language

SOURCE = Path(__file__).resolve().parent.parent / "src" / "sejahtera"

# ------------------------------------------------------------------ LaLonde / Dehejia–Wahba

# Published figures. Dehejia & Wahba (1999, JASA 94:1053), Table 3, earnings in 1978 (US$):
# NSW experiment 1,794 (SE 633); NSW treated vs. the CPS-1 comparison group, unadjusted
# −8,498 (712); with the propensity score, stratification 1,713 (1,115) and 1,774 (1,152),
# matching 1,582 (1,069) and 1,616 (751). Cunningham, "Causal Inference: The Mixtape" (2021),
# ch. 5, computes the experimental benchmark from the same data as 6,349.144 − 4,554.801 =
# 1,794.34 and uses the score specification below (Dehejia & Wahba's, Table 3 note g).
BENCHMARK = 1794.34
BENCHMARK_SE = 633.0
RAW_CPS = -8498.0
# "Close to the benchmark": within about one standard error of Dehejia & Wahba's own matching
# estimate on this sample (1,069), and an order of magnitude closer than the raw comparison.
CLOSE = 1000.0
DW_TERMS = [
    "age",
    "age2",
    "age3",
    "educ",
    "educ2",
    "marr",
    "nodegree",
    "black",
    "hisp",
    "re74",
    "re75",
    "u74",
    "u75",
    "educ_re74",
]


def _with_dw_terms(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(columns="data_id").astype(float).reset_index(drop=True)
    return frame.assign(
        age2=frame.age**2,
        age3=frame.age**3,
        educ2=frame.educ**2,
        u74=(frame.re74 == 0).astype(float),
        u75=(frame.re75 == 0).astype(float),
        educ_re74=frame.educ * frame.re74,
    )


@pytest.fixture(scope="module")
def nsw() -> pd.DataFrame:
    causaldata = pytest.importorskip("causaldata")
    return _with_dw_terms(causaldata.nsw_mixtape.load_pandas().data)


@pytest.fixture(scope="module")
def nsw_cps(nsw: pd.DataFrame) -> pd.DataFrame:
    """The NSW treated with the CPS comparison group (Dehejia & Wahba's CPS-1)."""
    import causaldata

    cps = _with_dw_terms(causaldata.cps_mixtape.load_pandas().data)
    return pd.concat([nsw[nsw.treat == 1], cps], ignore_index=True)


def test_experimental_benchmark_is_a_difference_of_means(nsw: pd.DataFrame) -> None:
    assert (nsw.treat == 1).sum() == 185 and (nsw.treat == 0).sum() == 260
    means = nsw.groupby("treat").re78.mean()
    assert means[1] - means[0] == pytest.approx(BENCHMARK, abs=0.01)
    result = match(nsw, "re78", "treat", DW_TERMS, method="ipw")
    assert result.diagnostics["unadjusted_difference"]["estimate"] == pytest.approx(
        means[1] - means[0]
    )


@pytest.mark.parametrize("method", ["ipw", "aipw"])
def test_in_the_experiment_adjustment_changes_little(nsw: pd.DataFrame, method: str) -> None:
    # randomised: the adjusted estimate stays within one published SE (Dehejia & Wahba's own
    # regression-adjusted experimental estimate is 1,672 (638))
    result = match(nsw, "re78", "treat", DW_TERMS, method=method)
    assert abs(result.main.estimate - BENCHMARK) < BENCHMARK_SE


def test_the_raw_cps_comparison_is_far_off(nsw_cps: pd.DataFrame) -> None:
    means = nsw_cps.groupby("treat").re78.mean()
    raw = means[1] - means[0]
    assert raw == pytest.approx(RAW_CPS, abs=1)
    assert abs(raw - BENCHMARK) > 10_000
    result = match(nsw_cps, "re78", "treat", DW_TERMS, method="ipw")
    assert result.diagnostics["unadjusted_difference"]["estimate"] == pytest.approx(raw)


@pytest.mark.parametrize(
    "options",
    [
        # Cunningham's Mixtape: teffects psmatch … nn(5), with replacement
        {"method": "nn", "neighbours": 5},
        # the Mixtape's normalised inverse-probability weights for the ATT
        {"method": "ipw"},
        {"method": "aipw"},
        {"method": "aipw", "trim": "crump"},
    ],
    ids=["nn5", "ipw", "aipw", "aipw-trimmed"],
)
def test_propensity_methods_approach_the_benchmark(nsw_cps: pd.DataFrame, options: dict) -> None:
    result = match(nsw_cps, "re78", "treat", DW_TERMS, **options)
    assert abs(result.main.estimate - BENCHMARK) < CLOSE
    low, high = result.main.interval()
    assert low < BENCHMARK < high
    assert result.main.term == "ATT"


def test_one_to_one_matching_removes_most_of_the_bias(nsw_cps: pd.DataFrame) -> None:
    # 1:1 matching is noisy here: published and reproduced 1:1 estimates range from about 950
    # to 1,600 with the way ties are broken. Ask for the benchmark in the interval and at
    # least 85% of the raw comparison's bias gone.
    result = match(nsw_cps, "re78", "treat", DW_TERMS, method="nn")
    low, high = result.main.interval()
    assert low < BENCHMARK < high
    assert abs(result.main.estimate - BENCHMARK) < 0.15 * abs(RAW_CPS - BENCHMARK)


def test_weighting_balances_the_cps_sample(nsw_cps: pd.DataFrame) -> None:
    result = match(nsw_cps, "re78", "treat", DW_TERMS, method="ipw")
    rows = {row["covariate"]: row for row in result.diagnostics["balance"]}
    assert set(rows) == set(DW_TERMS)
    assert abs(rows["re75"]["smd_before"]) > 1  # CPS workers earned far more
    for row in rows.values():
        if abs(row["smd_before"]) > 0.1:
            assert abs(row["smd_after"]) < abs(row["smd_before"])
        assert abs(row["smd_after"]) < 0.25
    plot = result.plot
    assert len(plot["bin_edges"]) == len(plot["before"]["treated"]) + 1
    assert sum(plot["before"]["treated"]) == pytest.approx(185)
    assert sum(plot["before"]["controls"]) == pytest.approx(15_992)
    json.dumps(result.to_dict() | {"plot": plot})


# ------------------------------------------------------------------- simulated programmes


def programme(seed: int, n: int = 600, shift: float = -0.6, heterogeneous: bool = True):
    """Households, a programme that favours the poor, and consumption with a known effect:
    2 + 1.5·(standardised income before) when heterogeneous (so ATT ≠ ATE = 2), else 2."""
    rng = np.random.default_rng(seed)
    income = rng.normal(size=n)
    female = (rng.random(n) < 0.4).astype(float)
    district = rng.choice(["Bantul", "Sleman", "Kulon Progo"], n)
    effect = _propensity_index(income, female, district, shift)
    treated = (rng.random(n) < expit(effect)).astype(int)
    gain = 2 + 1.5 * income if heterogeneous else np.full(n, 2.0)
    noise = rng.normal(scale=2.0, size=n)
    consumption = 1 + 2 * income + female + (district == "Sleman") + treated * gain + noise
    return pd.DataFrame(
        {
            "consumption": consumption,
            "pkh": treated,
            "income_before": income,
            "female_head": female,
            "district": district,
        }
    )


def _propensity_index(income, female, district, shift):
    return shift + 0.9 * income + 0.6 * female + np.where(district == "Sleman", 0.5, 0.0)


COVARIATES = ["income_before", "female_head", "district"]


@pytest.fixture(scope="module")
def truth() -> dict[str, float]:
    """The population ATT and ATE of :func:`programme`, by a large Monte Carlo draw."""
    rng = np.random.default_rng(2024)
    n = 1_000_000
    income = rng.normal(size=n)
    female = (rng.random(n) < 0.4).astype(float)
    district = rng.choice(["Bantul", "Sleman", "Kulon Progo"], n)
    p = expit(_propensity_index(income, female, district, -0.6))
    return {"ate": 2.0, "att": 2 + 1.5 * (p @ income) / p.sum(), "constant": 2.0}


@pytest.mark.parametrize(
    ("method", "estimand", "heterogeneous", "extra"),
    [
        ("nn", "att", True, {}),
        ("nn", "att", True, {"neighbours": 3}),
        ("nn", "ate", True, {}),
        ("ipw", "att", True, {}),
        ("ipw", "ate", True, {}),
        ("aipw", "att", True, {}),
        ("aipw", "ate", True, {}),
        ("nn", "att", False, {"caliper": 0.2}),
        ("aipw", "att", False, {"trim": (0.05, 0.95)}),
    ],
)
def test_intervals_cover_the_true_effect(
    truth: dict[str, float], method: str, estimand: str, heterogeneous: bool, extra: dict
) -> None:
    target = truth[estimand] if heterogeneous else truth["constant"]
    seeds = range(40)
    covered, estimates = 0, []
    for seed in seeds:
        frame = programme(seed, heterogeneous=heterogeneous)
        result = match(
            frame, "consumption", "pkh", COVARIATES, method=method, estimand=estimand, **extra
        )
        low, high = result.main.interval()
        covered += low <= target <= high
        estimates.append(result.main.estimate)
    assert covered >= 34  # nominal 95%: 38 of 40
    # unbiased: the mean over 40 samples (SD of one ≈ 0.2) lies near the truth, and ATT and
    # ATE differ here by 0.6, so the right estimand is estimated
    assert abs(np.mean(estimates) - target) < 0.12


def test_adjustment_improves_balance() -> None:
    frame = programme(7, n=2000)
    for method in ("nn", "ipw", "aipw"):
        result = match(frame, "consumption", "pkh", COVARIATES, method=method)
        income = next(r for r in result.diagnostics["balance"] if r["covariate"] == "income_before")
        assert abs(income["smd_before"]) > 0.3
        # at least halved, and under the 0.25 of Rubin (2001) and Stuart (2010); the stricter
        # 0.1 of the caveat is not met in every sample by 1:1 matching
        assert abs(income["smd_after"]) < min(abs(income["smd_before"]) / 2, 0.25)
        keys = {row["covariate"] for row in result.diagnostics["balance"]}
        assert {"district=Bantul", "district=Sleman", "district=Kulon Progo"} <= keys


def _logit(frame: pd.DataFrame, covariates: list[str]) -> np.ndarray:
    """The linear predictor of an independent statsmodels Logit fit."""
    design = sm.add_constant(frame[covariates].to_numpy(dtype=float))
    fit = sm.Logit(frame["pkh"].to_numpy(dtype=float), design).fit(disp=0)
    return design @ fit.params


def _score_with_dummies(frame: pd.DataFrame) -> np.ndarray:
    design = pd.get_dummies(frame[COVARIATES], columns=["district"], drop_first=True, dtype=float)
    return _logit(pd.concat([frame[["pkh"]], design], axis=1), list(design.columns))


def _same_group_sigma2(score: np.ndarray, y: np.ndarray, group: np.ndarray) -> np.ndarray:
    out = np.empty(len(y))
    for i in range(len(y)):
        others = np.flatnonzero((group == group[i]) & (np.arange(len(y)) != i))
        nearest = others[np.argsort(np.abs(score[others] - score[i]), kind="stable")[:2]]
        out[i] = 2 / 3 * (y[i] - y[nearest].mean()) ** 2
    return out


@pytest.mark.parametrize(("estimand", "m"), [("att", 1), ("att", 2), ("ate", 2)])
def test_matching_and_its_variance_by_hand(estimand: str, m: int) -> None:
    # Abadie & Imbens (2006): τ̂ from M nearest neighbours, and their variance estimator
    # written in their K_M form: (1/N²)·Σ[(τ̂ᵢ − τ̂)² + ((K/M)² + (2M − 1)/M·K/M)·σ²] (ATE),
    # (1/N₁²)·Σ[Wᵢ(τ̂ᵢ − τ̂)² + (1 − Wᵢ)·K(K − 1)/M²·σ²] (ATT)
    frame = programme(3, n=120).drop(columns="district")
    covariates = ["income_before", "female_head"]
    score = _logit(frame, covariates)
    y, w = frame["consumption"].to_numpy(), frame["pkh"].to_numpy() == 1
    focal = np.flatnonzero(w) if estimand == "att" else np.arange(len(y))
    times_used = np.zeros(len(y))
    effects = []
    for i in focal:
        donors = np.flatnonzero(w != w[i])
        chosen = donors[np.argsort(np.abs(score[donors] - score[i]))[:m]]
        times_used[chosen] += 1
        effects.append((y[i] - y[chosen].mean()) * (1 if w[i] else -1))
    effects = np.array(effects)
    tau = effects.mean()
    sigma2 = _same_group_sigma2(score, y, w)
    k = times_used
    if estimand == "att":
        variance = ((effects - tau) ** 2).sum() + ((~w) * k * (k - 1) / m**2 * sigma2).sum()
        variance /= w.sum() ** 2
    else:
        variance = ((effects - tau) ** 2).sum() + (
            ((k / m) ** 2 + (2 * m - 1) / m * k / m) * sigma2
        ).sum()
        variance /= len(y) ** 2
    result = match(frame, "consumption", "pkh", covariates, estimand=estimand, neighbours=m)
    assert result.main.estimate == pytest.approx(tau, rel=1e-9)
    assert result.main.se == pytest.approx(np.sqrt(variance), rel=1e-6)


def test_caliper_drops_the_units_without_a_close_match() -> None:
    frame = programme(11, n=400, shift=0.8)  # most households treated: thin controls at the top
    score = _score_with_dummies(frame)
    w = frame["pkh"].to_numpy() == 1
    pooled = np.sqrt((score[w].var() + score[~w].var()) / 2)
    radius = 0.05 * pooled
    nearest = np.array([np.abs(score[~w] - s).min() for s in score[w]])
    expected = int((nearest > radius).sum())
    assert 0 < expected < w.sum()  # the test needs some, not all, dropped
    result = match(frame, "consumption", "pkh", COVARIATES, caliper=0.05)
    caveat = next(c for c in result.caveats if c.key == "evaluate.match_unmatched")
    assert caveat.values == {"count": expected, "total": int(w.sum())}
    assert result.diagnostics["method"]["matched_treated"] == w.sum() - expected
    kept = nearest <= radius
    y = frame["consumption"].to_numpy()
    by_hand = np.mean(
        [y[w][i] - y[~w][np.abs(score[~w] - score[w][i]).argmin()] for i in np.flatnonzero(kept)]
    )
    assert result.main.estimate == pytest.approx(by_hand, rel=1e-9)


def test_without_replacement_each_control_is_used_once() -> None:
    frame = programme(5, n=1500, shift=-2.0)  # about one in six households treated
    result = match(frame, "consumption", "pkh", COVARIATES, replace=False, neighbours=2)
    details = result.diagnostics["method"]
    assert details["controls_used"] == 2 * details["matched_treated"]
    assert details["matched_treated"] == (frame.pkh == 1).sum()
    # with as many treated as controls, the leftovers are poor matches: the check says so
    crowded = programme(5, n=600, shift=0.0)
    result = match(crowded, "consumption", "pkh", COVARIATES, replace=False)
    assert any(c.severe and c.key == "evaluate.match_imbalance" for c in result.caveats)
    assert result.interpretation("en").startswith("WARNING")


@pytest.mark.parametrize("estimand", ["att", "ate"])
def test_ipw_is_a_weighted_regression(estimand: str) -> None:
    frame = programme(8)
    p = expit(_score_with_dummies(frame))
    t = frame["pkh"].to_numpy()
    # ATE: 1/p and 1/(1 − p); ATT: 1 and p/(1 − p)
    weights = t / p + (1 - t) / (1 - p) if estimand == "ate" else t + (1 - t) * p / (1 - p)
    wls = sm.WLS(frame["consumption"], sm.add_constant(t.astype(float)), weights=weights).fit()
    result = match(frame, "consumption", "pkh", COVARIATES, method="ipw", estimand=estimand)
    assert result.main.estimate == pytest.approx(wls.params.iloc[1], rel=1e-7)


@pytest.mark.parametrize("estimand", ["att", "ate"])
def test_ipw_standard_error_is_the_stacked_sandwich(estimand: str) -> None:
    # M-estimation written out independently: θ = (β, μ₁, μ₀) solves Σψᵢ(θ) = 0 with the
    # logit's score equations and the two weighted means; V = A⁻¹BA⁻ᵀ/n, A by finite differences
    frame = programme(12, n=500)
    x = sm.add_constant(frame[["income_before", "female_head"]].to_numpy(dtype=float))
    t, y = frame["pkh"].to_numpy(dtype=float), frame["consumption"].to_numpy()
    beta = sm.Logit(t, x).fit(disp=0).params

    def psi(theta: np.ndarray) -> np.ndarray:
        p = expit(x @ theta[:-2])
        if estimand == "ate":
            a, b = t / p, (1 - t) / (1 - p)
        else:
            a, b = t, (1 - t) * p / (1 - p)
        means = np.column_stack([a * (y - theta[-2]), b * (y - theta[-1])])
        return np.column_stack([(t - p)[:, None] * x, means])

    p = expit(x @ beta)
    a, b = (t / p, (1 - t) / (1 - p)) if estimand == "ate" else (t, (1 - t) * p / (1 - p))
    theta = np.concatenate([beta, [a @ y / a.sum(), b @ y / b.sum()]])
    n, step = len(y), 1e-6
    slope = np.column_stack(
        [
            (psi(theta + step * e).sum(0) - psi(theta - step * e).sum(0)) / (2 * step)
            for e in np.eye(len(theta))
        ]
    )
    bread = np.linalg.inv(-slope / n)
    meat = psi(theta).T @ psi(theta) / n
    covariance = bread @ meat @ bread.T / n
    contrast = np.zeros(len(theta))
    contrast[-2:] = [1, -1]
    result = match(
        frame,
        "consumption",
        "pkh",
        ["income_before", "female_head"],
        method="ipw",
        estimand=estimand,
    )
    assert result.main.estimate == pytest.approx(theta[-2] - theta[-1], rel=1e-8)
    assert result.main.se == pytest.approx(np.sqrt(contrast @ covariance @ contrast), rel=1e-4)


@pytest.mark.parametrize("estimand", ["att", "ate"])
def test_aipw_with_one_binary_covariate_is_the_stratified_comparison(estimand: str) -> None:
    # a saturated design: the outcome models are the cell means, the score the cell shares, and
    # AIPW is the textbook stratified estimator with its variance (population variances within
    # cells, plus the spread of the cell effects)
    frame = programme(13, n=800)
    result = match(frame, "consumption", "pkh", ["female_head"], method="aipw", estimand=estimand)
    cells = frame.groupby(["female_head", "pkh"]).consumption.agg(["mean", "count", "var"])
    cells["var"] *= (cells["count"] - 1) / cells["count"]
    treated, controls = cells.xs(1, level="pkh"), cells.xs(0, level="pkh")
    effect = treated["mean"] - controls["mean"]
    weight = treated["count"] if estimand == "att" else treated["count"] + controls["count"]
    share = weight / weight.sum()
    estimate = (share * effect).sum()
    variance = (
        share**2 * (treated["var"] / treated["count"] + controls["var"] / controls["count"])
    ).sum()
    variance += (weight * (effect - estimate) ** 2).sum() / weight.sum() ** 2
    assert result.main.estimate == pytest.approx(estimate, rel=1e-9)
    assert result.main.se == pytest.approx(np.sqrt(variance), rel=1e-7)


@pytest.mark.parametrize(("method", "estimand"), [("ipw", "att"), ("aipw", "ate"), ("aipw", "att")])
def test_weights_count_like_repeated_rows(method: str, estimand: str) -> None:
    frame = programme(9, n=300)
    copies = np.random.default_rng(0).integers(1, 4, len(frame))
    weighted = match(
        frame.assign(copies=copies),
        "consumption",
        "pkh",
        COVARIATES,
        method=method,
        estimand=estimand,
        weights="copies",
    )
    repeated = match(
        frame.loc[frame.index.repeat(copies)],
        "consumption",
        "pkh",
        COVARIATES,
        method=method,
        estimand=estimand,
    )
    assert weighted.main.estimate == pytest.approx(repeated.main.estimate, rel=1e-7)


@pytest.mark.parametrize("method", ["nn", "ipw", "aipw"])
def test_row_order_does_not_matter(method: str) -> None:
    frame = programme(4)
    shuffled = frame.sample(frac=1, random_state=1)
    a = match(frame, "consumption", "pkh", COVARIATES, method=method, estimand="ate")
    b = match(shuffled, "consumption", "pkh", COVARIATES, method=method, estimand="ate")
    assert a.main.estimate == pytest.approx(b.main.estimate, rel=1e-9)
    assert a.main.se == pytest.approx(b.main.se, rel=1e-6)


# --------------------------------------------------------------- designs that cannot work


def _reason(frame: pd.DataFrame, covariates: list[str], **options) -> NotIdentified:
    with pytest.raises(NotIdentified) as caught:
        match(frame, "consumption", "pkh", covariates, **options)
    return caught.value


def test_no_variation_in_treatment() -> None:
    frame = programme(1).assign(pkh=0)
    error = _reason(frame, COVARIATES)
    assert error.key == "evaluate.match_no_variation"
    assert error.values == {"column": "pkh", "treated": 0, "controls": 600}


def test_separation_names_the_covariate() -> None:
    frame = programme(1)
    # one covariate splits the groups
    cut = frame.assign(pkh=(frame.income_before > 0.3).astype(int))
    assert _reason(cut, COVARIATES).values == {"covariate": "income_before"}
    # quasi-complete: a district where nobody was treated
    no_one = frame.assign(pkh=np.where(frame.district == "Sleman", 0, frame.pkh))
    error = _reason(no_one, COVARIATES)
    assert error.key == "evaluate.separation"
    assert error.values == {"covariate": "district=Sleman"}
    # only a combination separates: found by the linear programme
    rng = np.random.default_rng(2)
    mixed = frame.assign(wealth=rng.normal(size=len(frame)))
    mixed["pkh"] = (mixed.income_before + mixed.wealth > 0).astype(int)
    error = _reason(mixed, ["income_before", "wealth", "female_head"])
    assert error.key == "evaluate.separation"
    assert error.values == {"covariate": "income_before, wealth"}


def test_no_common_support() -> None:
    frame = programme(1)
    # a band of the score that holds no treated household
    assert _reason(frame, COVARIATES, trim=(0.0, 0.02)).key == "evaluate.no_common_support"
    # a caliper no pair meets
    error = _reason(frame, COVARIATES, caliper=1e-12)
    assert error.key == "evaluate.no_common_support"


def test_rows_missing_a_value_are_left_out_and_counted_and_columns_named() -> None:
    frame = programme(1).astype({"district": object})
    frame.loc[[3, 8], "consumption"] = np.nan
    frame.loc[5, "district"] = None
    result = match(frame, "consumption", "pkh", COVARIATES, method="ipw")
    assert result.diagnostics["dropped_missing"] == 3
    assert result.diagnostics["sample"]["n"] == len(frame) - 3  # type: ignore[index]
    (caveat,) = [c for c in result.caveats if c.key == "evaluate.dropped_missing"]
    assert caveat.values["columns"] == "consumption (2), district (1)"
    complete = match(frame.drop(index=[3, 5, 8]), "consumption", "pkh", COVARIATES, method="ipw")
    assert complete.main.estimate == result.main.estimate
    with pytest.raises(SejahteraError) as caught:
        match(programme(1), "consumption", "pkh", ["income_before", "land_area"])
    assert caught.value.key == "evaluate.no_column"
    assert caught.value.values["column"] == "land_area"


def test_too_few_observations_for_the_covariates() -> None:
    frame = programme(1, n=200)
    treated = frame.index[frame.pkh == 1]
    frame = frame.drop(treated[4:])  # 4 treated, 4 model terms + constant
    error = _reason(frame, COVARIATES)
    assert error.key == "evaluate.match_too_few"
    assert error.values["treated"] == 4 and error.values["parameters"] == 5


def test_constant_and_redundant_covariates() -> None:
    frame = programme(1).assign(rural=1.0)
    assert _reason(frame, [*COVARIATES, "rural"]).values == {"column": "rural"}
    frame = frame.assign(total=frame.income_before + frame.female_head)
    error = _reason(frame, ["income_before", "female_head", "total"])
    assert error.key == "evaluate.match_collinear"
    assert error.values == {"column": "total"}


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"method": "kernel"}, "evaluate.match_option"),
        ({"estimand": "atc"}, "evaluate.match_option"),
        ({"caliper": -0.2}, "evaluate.match_option"),
        ({"neighbours": 0}, "evaluate.match_option"),
        ({"trim": (0.9, 0.1)}, "evaluate.match_option"),
        ({"method": "ipw", "caliper": 0.2}, "evaluate.match_only_nn"),
        ({"estimand": "ate", "replace": False}, "evaluate.match_ate_needs_replacement"),
    ],
)
def test_options_are_checked(options: dict, key: str) -> None:
    with pytest.raises(SejahteraError) as caught:
        match(programme(1), "consumption", "pkh", COVARIATES, **options)
    assert caught.value.key == key
    assert not isinstance(caught.value, NotIdentified)


def test_treatment_must_be_zero_or_one() -> None:
    frame = programme(1).assign(pkh=lambda f: f.pkh * 2)
    with pytest.raises(SejahteraError) as caught:
        match(frame, "consumption", "pkh", COVARIATES)
    assert caught.value.key == "evaluate.match_treatment_not_binary"


# ------------------------------------------------------------------------- result and text


def test_result_for_the_report_and_the_command_line() -> None:
    result = match(programme(2), "consumption", "pkh", COVARIATES, method="aipw", trim="crump")
    assert result.method == "aipw"
    assert list(result.tidy().columns) == [
        "term",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "n",
    ]
    data = json.loads(json.dumps(result.to_dict()))
    assert data["diagnostics"]["trimming"]["rule"] == "crump"
    assert data["diagnostics"]["balance_threshold"] == 0.1
    assert [c["key"] for c in data["caveats"]][-1] == "evaluate.match_selection_on_observables"
    assert match(programme(2), "consumption", "pkh", COVARIATES).method == "match"
    for language in ("id", "en"):
        assert result.summary(language)


def test_every_message_exists_once_in_both_languages() -> None:
    used = set()
    for name in ("matching.py", "propensity.py"):
        used |= set(re.findall(r'"(evaluate\.[a-z_]+)"', (SOURCE / "evaluate" / name).read_text()))
    assert used and used <= set(catalogue())
    keys = re.findall(
        r"^(evaluate\.[a-z_]+):",
        (SOURCE / "resources" / "locale" / "evaluate.yaml").read_text(),
        flags=re.MULTILINE,
    )
    assert len(keys) == len(set(keys))
    frame = programme(1)
    try:
        for language in ("id", "en"):
            set_language(language)
            assert "income_before" in str(
                _reason(frame.assign(pkh=(frame.income_before > 0) * 1), COVARIATES)
            )
    finally:
        set_language(None)
