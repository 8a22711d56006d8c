"""Fay–Herriot small-area estimation.

Published numbers: the R package sae's ``milk`` example (fixtures/sae/README.md gives the sources).
Independent checks: the REML and ML likelihoods written with dense matrices and maximised by a
golden-section search; the EBLUP by brute-force GLS; direct design variances by an explicit loop
over strata and PSUs; and a simulation where the truth is known.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sejahtera.errors import SejahteraError
from sejahtera.i18n import catalogue, set_language
from sejahtera.measure.estimate import measure
from sejahtera.measure.sae import (
    FayHerriotOptions,
    FayHerriotResult,
    SurveyColumns,
    direct_poverty,
    fay_herriot,
    fay_herriot_poverty,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sae"
MAJOR = ["major2", "major3", "major4"]
TIDY = [
    "SmallArea",
    "indicator",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "population",
    "direct",
    "direct_se",
    "gamma",
    "synthetic",
    "source",
]


@pytest.fixture(scope="module")
def milk() -> pd.DataFrame:
    data = pd.read_csv(FIXTURES / "milk.csv")
    data["var"] = data["SD"] ** 2
    for major in (2, 3, 4):
        data[f"major{major}"] = (data["MajorArea"] == major).astype(float)
    return data


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "milk_expected.csv")


def fit_milk(data: pd.DataFrame, method: str = "reml") -> FayHerriotResult:
    return fay_herriot(
        data,
        area="SmallArea",
        covariates=MAJOR,
        direct="yi",
        variance="var",
        n="ni",
        options=FayHerriotOptions(method=method),  # type: ignore[arg-type]
    )


def dense(y: np.ndarray, x: np.ndarray, psi: np.ndarray, a: float):
    """β̂, (X'V⁻¹X)⁻¹ and V⁻¹ with full matrices."""
    v_inv = np.linalg.inv(np.diag(a + psi))
    information = x.T @ v_inv @ x
    beta = np.linalg.solve(information, x.T @ v_inv @ y)
    return beta, np.linalg.inv(information), v_inv


def restricted_loglik(a: float, y: np.ndarray, x: np.ndarray, psi: np.ndarray) -> float:
    beta, _, v_inv = dense(y, x, psi, a)
    information = x.T @ v_inv @ x
    r = y - x @ beta
    return -0.5 * (
        np.linalg.slogdet(np.diag(a + psi))[1] + np.linalg.slogdet(information)[1] + r @ v_inv @ r
    )


def profile_loglik(a: float, y: np.ndarray, x: np.ndarray, psi: np.ndarray) -> float:
    beta, _, v_inv = dense(y, x, psi, a)
    r = y - x @ beta
    return -0.5 * (np.linalg.slogdet(np.diag(a + psi))[1] + r @ v_inv @ r)


def golden_max(f, low: float, high: float, steps: int = 120) -> float:
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(steps):
        left, right = high - ratio * (high - low), low + ratio * (high - low)
        if f(left) < f(right):
            low = left
        else:
            high = right
    return (low + high) / 2


def milk_arrays(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.column_stack([np.ones(len(data)), data[MAJOR].to_numpy()])
    return data["yi"].to_numpy(), x, data["var"].to_numpy()


# --- published values: R sae, milk ---


@pytest.mark.parametrize("method", ["reml", "ml", "fh"])
def test_milk_eblup_and_mse_match_r_sae(milk, expected, method) -> None:
    table = fit_milk(milk, method).tidy()
    assert list(table.columns) == TIDY
    np.testing.assert_allclose(table["estimate"], expected[f"{method}_eblup"], atol=2e-6)
    np.testing.assert_allclose(table["se"] ** 2, expected[f"{method}_mse"], rtol=2e-5)
    assert (table["source"] == "eblup").all()
    assert (table["indicator"] == "yi").all()
    assert table["n"].tolist() == milk["ni"].tolist()


def test_milk_reml_model_fit_matches_r(milk) -> None:
    result = fit_milk(milk)
    coefficients = result.coefficients
    assert coefficients["term"].tolist() == ["(intercept)", *MAJOR]
    # R output printed in the saens README and in samplics' tests (fixtures/sae/README.md).
    np.testing.assert_allclose(
        coefficients["estimate"], [0.968189, 0.132780, 0.226946, -0.241301], atol=2e-6
    )
    np.testing.assert_allclose(
        coefficients["se"], [0.069362, 0.103001, 0.092330, 0.081617], atol=2e-6
    )
    assert result.log_likelihood == pytest.approx(12.67748, abs=2e-5)
    assert result.aic == pytest.approx(-15.35496, abs=5e-5)
    assert result.bic == pytest.approx(-6.548956, abs=5e-5)


def test_milk_direct_se_and_shrinkage(milk) -> None:
    table = fit_milk(milk).tidy()
    np.testing.assert_allclose(table["direct"], milk["yi"])
    np.testing.assert_allclose(table["direct_se"], milk["SD"])
    # The EBLUP is a weighted mean of the direct and synthetic estimates, nearer the direct one
    # where it is more precise.
    mixed = table["gamma"] * table["direct"] + (1 - table["gamma"]) * table["synthetic"]
    np.testing.assert_allclose(table["estimate"], mixed)
    assert np.corrcoef(table["gamma"], milk["var"])[0, 1] < -0.9
    assert (table["se"] < table["direct_se"]).all()


# --- independent computations ---


def test_reml_maximises_the_restricted_likelihood(milk) -> None:
    y, x, psi = milk_arrays(milk)
    result = fit_milk(milk, "reml")
    best = golden_max(lambda a: restricted_loglik(a, y, x, psi), 0.0, 1.0)
    assert result.variance == pytest.approx(best, rel=1e-6)


def test_ml_maximises_the_likelihood(milk) -> None:
    y, x, psi = milk_arrays(milk)
    result = fit_milk(milk, "ml")
    best = golden_max(lambda a: profile_loglik(a, y, x, psi), 0.0, 1.0)
    assert result.variance == pytest.approx(best, rel=1e-6)


def test_fh_moment_equation_holds(milk) -> None:
    y, x, psi = milk_arrays(milk)
    a = fit_milk(milk, "fh").variance
    beta, _, v_inv = dense(y, x, psi, a)
    r = y - x @ beta
    assert r @ v_inv @ r == pytest.approx(len(y) - x.shape[1], rel=1e-9)


def test_eblup_equals_brute_force_gls(milk) -> None:
    y, x, psi = milk_arrays(milk)
    result = fit_milk(milk)
    a = result.variance
    beta, cov, v_inv = dense(y, x, psi, a)
    blup = x @ beta + a * v_inv @ (y - x @ beta)
    np.testing.assert_allclose(result.tidy()["estimate"], blup, rtol=1e-10)
    np.testing.assert_allclose(result.coefficients["estimate"], beta, rtol=1e-10)
    np.testing.assert_allclose(result.coefficients["se"], np.sqrt(np.diag(cov)), rtol=1e-10)


# --- areas without a sample ---


def test_out_of_sample_areas_get_the_synthetic_estimate(milk) -> None:
    data = milk.copy()
    unsampled = [4, 29]  # areas 5 and 30
    data.loc[unsampled, ["yi", "var", "ni"]] = np.nan
    result = fit_milk(data)
    table = result.tidy()
    alone = fit_milk(data.drop(index=unsampled))
    np.testing.assert_allclose(result.coefficients["estimate"], alone.coefficients["estimate"])
    assert result.variance == pytest.approx(alone.variance, rel=1e-12)
    y, x, psi = milk_arrays(data.drop(index=unsampled))
    beta, cov, _ = dense(y, x, psi, result.variance)
    x_out = np.column_stack([np.ones(2), data.loc[unsampled, MAJOR].to_numpy()])
    rows = table.loc[unsampled]
    np.testing.assert_allclose(rows["estimate"], x_out @ beta, rtol=1e-10)
    leverage = np.einsum("ij,jk,ik->i", x_out, cov, x_out)
    np.testing.assert_allclose(rows["se"] ** 2, result.variance + leverage, rtol=1e-10)
    assert rows["source"].tolist() == ["synthetic", "synthetic"]
    assert (rows["gamma"] == 0).all() and rows["direct"].isna().all()
    assert rows["n"].tolist() == [0, 0]
    assert table.drop(index=unsampled)["source"].eq("eblup").all()
    assert ("sae.note_synthetic", {"count": 2}) in result.estimates.notes


@pytest.mark.parametrize("method", ["reml", "ml"])
def test_synthetic_mse_is_the_limit_of_an_uninformative_direct_estimate(milk, method) -> None:
    vague, missing = milk.copy(), milk.copy()
    vague.loc[0, "var"] = 1e12
    missing.loc[0, ["yi", "var"]] = np.nan
    limit, out = fit_milk(vague, method).tidy(), fit_milk(missing, method).tidy()
    assert limit.loc[0, "estimate"] == pytest.approx(out.loc[0, "estimate"], rel=1e-8)
    assert limit.loc[0, "se"] == pytest.approx(out.loc[0, "se"], rel=1e-6)


# --- invariances and the boundary ---


def test_row_order_does_not_matter(milk) -> None:
    shuffled = milk.sample(frac=1, random_state=3)
    first = fit_milk(milk).tidy().set_index("SmallArea")
    second = fit_milk(shuffled).tidy().set_index("SmallArea")
    assert second.index.tolist() == shuffled["SmallArea"].tolist()
    pd.testing.assert_frame_equal(first, second.loc[first.index], rtol=1e-9)


@pytest.mark.parametrize("method", ["reml", "ml", "fh"])
def test_rescaling_the_indicator_rescales_everything(milk, method) -> None:
    scaled = milk.assign(yi=milk["yi"] * 100, var=milk["var"] * 100**2)
    base, big = fit_milk(milk, method), fit_milk(scaled, method)
    assert big.variance == pytest.approx(base.variance * 100**2, rel=1e-7)
    np.testing.assert_allclose(big.tidy()["estimate"], base.tidy()["estimate"] * 100, rtol=1e-7)
    np.testing.assert_allclose(big.tidy()["se"], base.tidy()["se"] * 100, rtol=1e-6)


@pytest.mark.parametrize("method", ["reml", "ml", "fh"])
def test_zero_area_variance_gives_synthetic_estimates(milk, method) -> None:
    _, x, _ = milk_arrays(milk)
    flat = milk.assign(yi=x @ np.array([1.0, 0.1, 0.2, -0.2]))  # no area effects at all
    result = fit_milk(flat, method)
    table = result.tidy()
    assert result.variance == 0.0
    assert (table["gamma"] == 0).all()
    np.testing.assert_allclose(table["estimate"], table["synthetic"])
    assert np.isfinite(table["se"]).all() and (table["se"] > 0).all()
    assert ("sae.note_zero_variance", {}) in result.estimates.notes


def test_simulation_eblup_beats_direct_and_covers() -> None:
    rng = np.random.default_rng(20250601)
    areas, area_variance, replicates = 50, 0.004, 200
    x = rng.uniform(0, 1, areas)
    psi = np.linspace(0.001, 0.012, areas)
    frame = pd.DataFrame({"kecamatan": np.arange(areas), "x": x, "variance": psi})
    squared, estimated, covered = [], [], []
    for _ in range(replicates):
        truth = 0.1 + 0.2 * x + rng.normal(0, np.sqrt(area_variance), areas)
        frame["direct"] = truth + rng.normal(0, np.sqrt(psi))
        table = fay_herriot(frame, area="kecamatan", covariates=["x"]).tidy()
        squared.append((table["estimate"] - truth) ** 2)
        estimated.append(table["se"] ** 2)
        covered.append((table["ci_low"] <= truth) & (truth <= table["ci_high"]))
    empirical = np.mean(squared)
    assert empirical < 0.7 * psi.mean()  # the EBLUP is far more precise than the direct estimate
    assert np.mean(estimated) == pytest.approx(empirical, rel=0.1)  # Prasad–Rao is nearly unbiased
    assert 0.91 < np.mean(covered) < 0.97  # nominal 0.95; the plug-in interval runs a little short


# --- from household survey data ---


def survey(seed: int = 7) -> pd.DataFrame:
    """Ten kecamatan in two strata; PSUs nested in kecamatan; one kecamatan with a single PSU
    and one with nobody poor."""
    rng = np.random.default_rng(seed)
    rows = []
    for area in range(10):
        psus = 1 if area == 0 else 4
        for psu in range(psus):
            for _ in range(12):
                poor_share = 0.05 + 0.04 * area
                welfare = 900_000 * np.exp(rng.normal(0, 0.5)) * (1.8 if area == 9 else 1)
                rows.append(
                    {
                        "district_code": f"34.01.{area + 1:02d}",
                        "stratum": psu % 2,
                        "psu": f"{area}-{psu}",
                        "weight": rng.uniform(50, 150),
                        "consumption_pc": welfare * (1 - poor_share),
                        "poverty_line": 600_000.0,
                        "household_size": int(rng.integers(1, 7)),
                    }
                )
    data = pd.DataFrame(rows)
    data.loc[data["district_code"] == "34.01.10", "consumption_pc"] += 2_000_000
    return data


SURVEY = SurveyColumns(strata="stratum", psu="psu", household_size="household_size")


def loop_variance(data: pd.DataFrame, area: str) -> float:
    """Linearised variance of one kecamatan's headcount, written out stratum by stratum."""
    w = data["weight"] * data["household_size"]
    poor = (data["consumption_pc"] < data["poverty_line"]).astype(float)
    inside = data["district_code"] == area
    total = w[inside].sum()
    rate = (w * poor)[inside].sum() / total
    z = np.where(inside, w * (poor - rate) / total, 0.0)
    variance = 0.0
    for _, rows in data.assign(z=z).groupby("stratum"):
        totals = rows.groupby("psu")["z"].sum()
        n = len(totals)
        variance += n / (n - 1) * float(((totals - totals.mean()) ** 2).sum())
    return variance


def test_direct_poverty_matches_a_loop_over_strata_and_psus() -> None:
    data = survey()
    direct = direct_poverty(data, SURVEY).set_index("district_code")
    stable = direct[direct["variance_source"] == "design"]
    assert len(stable) == 8
    for area, row in stable.iterrows():
        assert row["variance"] == pytest.approx(loop_variance(data, str(area)), rel=1e-10)
    w = data["weight"] * data["household_size"]
    poor = data["consumption_pc"] < data["poverty_line"]
    rates = (w * poor).groupby(data["district_code"]).sum() / w.groupby(data["district_code"]).sum()
    np.testing.assert_allclose(direct["direct"], rates.loc[direct.index])
    assert direct["n"].tolist() == [12] + [48] * 9
    assert direct["psus"].tolist() == [1] + [4] * 9


def test_direct_poverty_agrees_with_measure() -> None:
    data = survey()
    direct = direct_poverty(data, SURVEY, unstable="synthetic")
    fgt0 = measure(
        data,
        "consumption_pc",
        weight="weight",
        line="poverty_line",
        by=["district_code"],
        size="household_size",
        strata="stratum",
        psu="psu",
        indicators=["fgt0"],
    ).tidy()
    merged = direct.merge(fgt0, on="district_code")
    np.testing.assert_allclose(merged["direct"], merged["estimate"], rtol=1e-12)
    used = merged["variance_source"] == "design"
    np.testing.assert_allclose(merged.loc[used, "direct_se"], merged.loc[used, "se"], rtol=1e-9)


def test_unstable_areas_get_a_generalised_variance() -> None:
    direct = direct_poverty(survey(), SURVEY).set_index("district_code")
    assert direct.loc["34.01.01", "variance_source"] == "gvf"  # one PSU
    assert direct.loc["34.01.10", "variance_source"] == "gvf"  # nobody poor
    assert direct.loc["34.01.10", "direct"] == 0
    stable = direct[direct["variance_source"] == "design"]
    p = stable["direct"]
    deff = np.median(stable["variance"] / (p * (1 - p) / stable["n"]))
    one = direct.loc["34.01.01"]
    expected = deff * one["direct"] * (1 - one["direct"]) / one["n"]
    assert one["variance"] == pytest.approx(expected, rel=1e-12)
    assert (direct["variance"] > 0).all()


def auxiliary(data: pd.DataFrame) -> pd.DataFrame:
    """Area-level covariates, plus two kecamatan the survey did not reach."""
    codes = [*sorted(data["district_code"].unique()), "34.01.11", "34.01.12"]
    step = np.arange(len(codes), dtype=float)
    return pd.DataFrame(
        {"district_code": codes, "earth_floor": 0.05 + 0.04 * step, "urban": np.cos(step) ** 2}
    )


def test_fay_herriot_poverty_end_to_end() -> None:
    data = survey()
    result = fay_herriot_poverty(
        data, auxiliary(data), covariates=["earth_floor", "urban"], survey=SURVEY
    )
    table = result.tidy().set_index("district_code")
    assert len(table) == 12
    assert (table["indicator"] == "fgt0").all()
    assert table.loc[["34.01.11", "34.01.12"], "source"].eq("synthetic").all()
    assert table.loc[["34.01.11", "34.01.12"], "n"].eq(0).all()
    assert table.loc["34.01.05", "n"] == 48
    assert table.loc["34.01.05", "population"] > 0
    assert table.drop(index=["34.01.11", "34.01.12"])["source"].eq("eblup").all()
    assert ("sae.note_gvf", {"count": 2}) in result.estimates.notes
    assert table["ci_low"].between(0, 1).all() and table["ci_high"].between(0, 1).all()


def test_fay_herriot_poverty_can_leave_unstable_areas_to_the_model() -> None:
    data = survey()
    result = fay_herriot_poverty(
        data,
        auxiliary(data),
        covariates=["earth_floor"],
        survey=SURVEY,
        unstable="synthetic",
    )
    table = result.tidy().set_index("district_code")
    assert table.loc["34.01.01", "source"] == "synthetic"
    assert table.loc["34.01.01", "direct"] > 0  # shown, not used
    assert table.loc["34.01.01", "estimate"] == pytest.approx(table.loc["34.01.01", "synthetic"])
    assert ("sae.note_unstable_synthetic", {"count": 2}) in result.estimates.notes


def test_sampled_area_without_auxiliaries_is_an_error() -> None:
    data = survey()
    aux = auxiliary(data)
    aux = aux[aux["district_code"] != "34.01.04"]
    with pytest.raises(SejahteraError) as caught:
        fay_herriot_poverty(data, aux, covariates=["earth_floor"], survey=SURVEY)
    assert caught.value.key == "sae.missing_auxiliary"
    assert "34.01.04" in str(caught.value)


# --- errors and the summary ---


def broken(milk: pd.DataFrame, change: str) -> pd.DataFrame:
    data = milk.copy()
    if change == "covariate":
        data.loc[6, "major3"] = np.nan
    elif change == "zero_variance":
        data.loc[6, "var"] = 0.0
    elif change == "no_variance":
        data.loc[6, "var"] = np.nan
    elif change == "text":
        data["major2"] = data["major2"].astype(object)
        data.loc[6, "major2"] = "satu"
    elif change == "duplicate":
        data.loc[8, "SmallArea"] = 7
    elif change == "collinear":
        data["major3"] = 1 - data["major2"]  # the intercept minus the term before it
    elif change == "few":
        data.loc[4:, ["yi", "var"]] = np.nan
    return data


@pytest.mark.parametrize(
    ("change", "key", "shown"),
    [
        ("covariate", "sae.missing_covariate", "7"),
        ("zero_variance", "sae.bad_variance", "7"),
        ("no_variance", "sae.missing_variance", "7"),
        ("text", "sae.not_numeric", "satu"),
        ("duplicate", "sae.duplicate_area", "7"),
        ("collinear", "sae.collinear", "major3"),
        ("few", "sae.too_few_areas", "4"),
    ],
)
def test_bad_area_tables_are_explained(milk, change, key, shown) -> None:
    with pytest.raises(SejahteraError) as caught:
        fit_milk(broken(milk, change))
    assert caught.value.key == key
    try:
        for language in ("id", "en"):
            set_language(language)
            assert shown in str(caught.value)
    finally:
        set_language(None)


def test_bad_options_and_columns_are_explained(milk) -> None:
    with pytest.raises(SejahteraError) as caught:
        FayHerriotOptions(method="bayes")  # type: ignore[arg-type]
    assert caught.value.key == "sae.bad_method"
    with pytest.raises(SejahteraError) as caught:
        FayHerriotOptions(level=95)
    assert caught.value.key == "sae.bad_level"
    with pytest.raises(SejahteraError) as caught:
        fay_herriot(milk, area="SmallArea", covariates=["floor"], direct="yi", variance="var")
    assert caught.value.key == "sae.missing_column"
    assert "floor" in str(caught.value)
    with pytest.raises(SejahteraError) as caught:
        direct_poverty(survey(), SurveyColumns(weight="bobot"))
    assert caught.value.key == "sae.missing_survey_column"
    with pytest.raises(SejahteraError) as caught:
        direct_poverty(survey().assign(weight=0.0), SURVEY)
    assert caught.value.key == "sae.survey_not_positive"


def test_every_sae_message_is_in_the_catalogue() -> None:
    source = "".join(
        path.read_text("utf-8")
        for path in (Path(__file__).resolve().parent.parent / "src/sejahtera/measure").glob(
            "sae*.py"
        )
    )
    keys = set(pd.Series([source]).str.findall(r'"(sae\.[a-z_]+)"').iloc[0])
    assert len(keys) > 20
    assert keys <= set(catalogue())


def test_summary_in_both_languages(milk) -> None:
    data = milk.copy()
    data.loc[42, ["yi", "var"]] = np.nan
    result = fit_milk(data)
    english = result.summary("en")
    assert "REML" in english and "Coefficient" in english and "major4" in english
    assert "1 areas without a usable direct estimate" in english
    indonesian = result.summary("id")
    assert "Koefisien" in indonesian and "Estimasi area kecil" in indonesian
