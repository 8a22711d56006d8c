"""Poverty and inequality estimates: published values, independent formulas, invariances, errors.

Every expected number is either published (laeken's ``eusilc`` example, Haughton & Khandker's
handbook) or computed in a different way by ``measure_reference`` (pairwise sums, loops, group
tables); none is copied from the code's own output. Standard errors are tested in
``test_measure_variance.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import measure_reference as ref
from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import load
from sejahtera.errors import SejahteraError
from sejahtera.i18n import set_language
from sejahtera.measure.decompose import decompose_fgt, decompose_theil
from sejahtera.measure.estimate import INDICATORS, INEQUALITY, POVERTY, measure
from sejahtera.measure.lines import RelativeLine, parse_line
from sejahtera.measure.quantiles import sorted_quantile, weighted_quantile
from sejahtera.measure.result import reliability

EUSILC = Path(__file__).parent / "fixtures" / "eusilc" / "eusilc.RData"
TIDY = ["indicator", "estimate", "se", "ci_low", "ci_high", "n", "population"]
SCALE_FREE = [
    "gini",
    "theil",
    "mld",
    "atkinson_0.5",
    "atkinson_1",
    "atkinson_2",
    "palma",
    "s80s20",
    *(f"share_d{d}" for d in range(1, 11)),
]


def assert_printed(value: float, published: float, decimals: int) -> None:
    """``value`` rounds to ``published`` as printed with ``decimals`` decimals."""
    assert abs(value - published) <= 0.5 * 10**-decimals + 1e-12, (value, published)


def survey(seed: int = 11, rows: int = 240) -> pd.DataFrame:
    """Lognormal consumption in Rupiah with ties, uneven integer weights, regions and a line."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "consumption": np.round(rng.lognormal(13.5, 0.6, rows), -4),
            "weight": rng.integers(1, 6, rows).astype(float),
            "region": rng.choice(["Bantul", "Sleman", "Kulon Progo"], rows),
            "urban": rng.random(rows) < 0.5,
            "line": np.where(rng.random(rows) < 0.5, 550_000.0, 500_000.0),
        }
    )


@pytest.fixture
def language():
    """Set the language inside a test; the environment's choice comes back afterwards."""
    yield set_language
    set_language(None)


# -- published values ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eusilc() -> pd.DataFrame:
    import pyreadr

    return pyreadr.read_r(EUSILC)["eusilc"]


def test_eusilc_at_risk_of_poverty_rate_gini_and_quintile_share_ratio(eusilc) -> None:
    # laeken: arpr(), gini() and qsr() on eqIncome with weights rb050.
    result = measure(
        eusilc,
        "eqIncome",
        weight="rb050",
        line=parse_line("60%median"),
        indicators=["fgt0", "poverty_line", "median", "gini", "s80s20"],
    )
    assert_printed(100 * result.value("fgt0"), 14.44422, 5)
    assert_printed(result.value("poverty_line"), 10859.24, 2)
    assert_printed(0.6 * result.value("median"), 10859.24, 2)
    assert_printed(100 * result.value("gini"), 26.48962, 5)
    assert_printed(result.value("s80s20"), 3.971415, 6)


def test_eusilc_at_risk_of_poverty_rate_by_federal_state_and_sex(eusilc) -> None:
    # laeken: arpr(..., breakdown = "db040") and by rb090; the line is the whole population's.
    published = {
        "db040": {
            "Burgenland": 19.53984,
            "Vorarlberg": 16.53731,
            "Salzburg": 13.78734,
            "Carinthia": 13.08627,
            "Tyrol": 15.30819,
            "Styria": 14.37464,
            "Vienna": 17.23468,
            "Lower Austria": 13.84362,
            "Upper Austria": 10.88977,
        },
        "rb090": {"male": 12.02660, "female": 16.73351},
    }
    for column, rates in published.items():
        result = measure(
            eusilc,
            "eqIncome",
            weight="rb050",
            line=parse_line("60%median"),
            by=[column],
            indicators=["fgt0", "poverty_line"],
        )
        assert len(result.tidy()) == 2 * len(rates)
        for group, rate in rates.items():
            assert_printed(100 * result.value("fgt0", **{column: group}), rate, 5)
            assert_printed(result.value("poverty_line", **{column: group}), 10859.24, 2)


def test_fgt_handbook_example() -> None:
    # Haughton & Khandker (2009), Handbook on Poverty and Inequality, ch. 4: incomes 100, 110,
    # 150 and 160 with z = 125. Two of four are poor: P0 = 2/4 = 0.5. Their gaps are
    # (125 − 100)/125 = 0.2 and (125 − 110)/125 = 0.12, so P1 = (0.2 + 0.12)/4 = 0.08 and
    # P2 = (0.2² + 0.12²)/4 = (0.04 + 0.0144)/4 = 0.0136.
    data = pd.DataFrame({"income": [100, 110, 150, 160]})
    result = measure(data, "income", line=125, indicators=["fgt0", "fgt1", "fgt2", "poor_count"])
    assert result.value("fgt0") == pytest.approx(0.5, abs=1e-15)
    assert result.value("fgt1") == pytest.approx(0.08, abs=1e-15)
    assert result.value("fgt2") == pytest.approx(0.0136, abs=1e-15)
    assert result.value("poor_count") == pytest.approx(2.0)


def test_someone_exactly_at_the_line_is_not_poor() -> None:
    data = pd.DataFrame({"income": [100.0, 125.0, 125.0, 200.0]})
    assert measure(data, "income", line=125, indicators=["fgt0"]).value("fgt0") == 0.25


def test_line_per_row_and_extreme_line() -> None:
    # Urban and rural lines differ: 100 and 300 are poor against 150 and 350.
    data = pd.DataFrame(
        {"income": [100.0, 200.0, 300.0, 400.0], "line": [150.0, 150.0, 350.0, 350.0]}
    )
    poverty = ["fgt0", "fgt1", "fgt2", "poverty_line"]
    extreme = ["extreme_fgt0", "extreme_poor_count", "extreme_line"]
    result = measure(data, "income", line="line", extreme_line=120, indicators=poverty + extreme)
    assert result.value("fgt0") == pytest.approx(0.5)
    assert result.value("fgt1") == pytest.approx((50 / 150 + 50 / 350) / 4)
    assert result.value("fgt2") == pytest.approx(((50 / 150) ** 2 + (50 / 350) ** 2) / 4)
    assert result.value("poverty_line") == pytest.approx(250.0)
    assert result.value("extreme_fgt0") == pytest.approx(0.25)
    assert result.value("extreme_poor_count") == pytest.approx(1.0)
    assert result.value("extreme_line") == pytest.approx(120.0)


# -- independent computations -------------------------------------------------------------------


def test_indicators_equal_their_textbook_formulas() -> None:
    data = survey()
    y, w = data["consumption"].to_numpy(), data["weight"].to_numpy()
    z = 600_000.0
    result = measure(data, "consumption", weight="weight", line=z, variance="none")
    for name, formula in ref.INDICATORS.items():
        assert result.value(name) == pytest.approx(formula(y, w), rel=1e-10), name
    for alpha in (0, 1, 2):
        assert result.value(f"fgt{alpha}") == pytest.approx(ref.fgt(y, w, z, alpha), rel=1e-12)
    assert result.value("poor_count") == pytest.approx(w[y < z].sum())


def test_groups_equal_the_formulas_on_each_group() -> None:
    data = survey(seed=5, rows=300)
    result = measure(data, "consumption", weight="weight", line="line", by=["region"])
    assert sorted(result.tidy()["region"].unique()) == ["Bantul", "Kulon Progo", "Sleman"]
    for region, group in data.groupby("region"):
        y, w = group["consumption"].to_numpy(), group["weight"].to_numpy()
        lines = group["line"].to_numpy()
        assert result.value("gini", region=region) == pytest.approx(ref.gini(y, w), rel=1e-10)
        assert result.value("mld", region=region) == pytest.approx(ref.mld(y, w), rel=1e-10)
        assert result.value("fgt1", region=region) == pytest.approx(ref.fgt(y, w, lines, 1))
        rows = result.tidy().query("region == @region")
        assert set(rows["n"]) == {len(group)}
        assert rows["population"].to_numpy() == pytest.approx(np.full(len(rows), w.sum()))


def test_share_ratios_of_a_group_too_small_to_have_a_top_are_empty() -> None:
    # One row, or a group whose top fifth is all tied at its largest value (1, 2, 3, 3, 3: the
    # 80th percentile is 3), has nobody above the 80th percentile: S80/S20 and the Palma ratio
    # are undefined there and must come out empty, without stopping the other groups.
    data = pd.DataFrame(
        {
            "y": [5.0, 1.0, 2.0, 3.0, 3.0, 3.0, *range(1, 41)],
            "group": ["one"] + ["tied"] * 5 + ["many"] * 40,
        }
    )
    result = measure(data, "y", by=["group"], indicators=["s80s20", "palma", "gini"])
    for group in ("one", "tied"):
        assert np.isnan(result.value("s80s20", group=group)), group
        assert np.isnan(result.value("palma", group=group)), group
    assert result.value("s80s20", group="many") == pytest.approx(sum(range(33, 41)) / 8 / 4.5)
    assert result.value("gini", group="one") == 0.0


def test_shares_palma_and_s80s20_where_the_cut_points_fall_exactly() -> None:
    # 1,000 distinct values of equal weight: each decile is exactly 100 rows.
    rng = np.random.default_rng(2)
    y = rng.permutation(np.arange(1, 1001) * 1000.0 + rng.random(1000))
    result = measure(pd.DataFrame({"y": y}), "y", variance="none")
    ordered = np.sort(y)
    blocks = ordered.reshape(10, 100).sum(axis=1)
    for decile in range(1, 11):
        assert result.value(f"share_d{decile}") == pytest.approx(blocks[decile - 1] / y.sum())
    assert result.value("palma") == pytest.approx(blocks[9] / blocks[:4].sum())
    assert result.value("s80s20") == pytest.approx(ordered[800:].mean() / ordered[:200].mean())
    assert result.value("median") == pytest.approx((ordered[499] + ordered[500]) / 2)
    total = sum(result.value(f"share_d{d}") for d in range(1, 11))
    assert total == pytest.approx(1.0, abs=1e-12)


def test_s80s20_is_the_ratio_of_group_means_with_weights() -> None:
    # laeken's definition: mean above the 80th percentile over mean at or below the 20th.
    data = survey(seed=8)
    y, w = data["consumption"].to_numpy(), data["weight"].to_numpy()
    q20, q80 = weighted_quantile(y, w, 0.2), weighted_quantile(y, w, 0.8)
    top, bottom = y > q80, y <= q20
    expected = ref.mean(y[top], w[top]) / ref.mean(y[bottom], w[bottom])
    result = measure(data, "consumption", weight="weight", indicators=["s80s20"])
    assert result.value("s80s20") == pytest.approx(expected, rel=1e-12)


# -- quantiles ----------------------------------------------------------------------------------
# With cumulative weight shares F_k of the sorted values:
#   eurostat     first value with F_k > p; the mean of it and the next when F_k = p exactly;
#   inverse_cdf  first value with F_k >= p;
#   interpolate  linear between values placed at the middle of their weight, (C_k − w_k/2)/W.


@pytest.mark.parametrize(
    ("y", "w", "p", "expected"),
    [
        # F = 0.25, 0.5, 0.75, 1: at p = 0.5 eurostat averages 2 and 3; inverse_cdf stops at 2;
        # interpolate puts the values at 0.125, 0.375, 0.625, 0.875 and reads 2.5 halfway.
        ([1, 2, 3, 4], [1, 1, 1, 1], 0.5, {"eurostat": 2.5, "inverse_cdf": 2, "interpolate": 2.5}),
        # p = 0.3: the first F above 0.3 is 0.5 (value 2); interpolate 1 + (0.3 − 0.125)/0.25.
        ([1, 2, 3, 4], [1, 1, 1, 1], 0.3, {"eurostat": 2, "inverse_cdf": 2, "interpolate": 1.7}),
        # Weights 1, 2, 1: F = 0.25, 0.75, 1; midpoints 0.125, 0.5, 0.875.
        # p = 0.25: eurostat (10 + 20)/2 = 15; interpolate 10 + 10 · 0.125/0.375 = 13.33.
        (
            [10, 20, 30],
            [1, 2, 1],
            0.25,
            {"eurostat": 15, "inverse_cdf": 10, "interpolate": 10 + 10 / 3},
        ),
        # p = 0.6: interpolate 20 + 10 · (0.6 − 0.5)/0.375.
        (
            [10, 20, 30],
            [1, 2, 1],
            0.6,
            {"eurostat": 20, "inverse_cdf": 20, "interpolate": 20 + 10 * 0.1 / 0.375},
        ),
        # Below the first midpoint interpolate stays at the smallest value.
        ([10, 20, 30], [1, 2, 1], 0.05, {"eurostat": 10, "inverse_cdf": 10, "interpolate": 10}),
        # The ends are the smallest and the largest value.
        ([5, 7, 9], [2, 1, 3], 0.0, {"eurostat": 5, "inverse_cdf": 5, "interpolate": 5}),
        ([5, 7, 9], [2, 1, 3], 1.0, {"eurostat": 9, "inverse_cdf": 9, "interpolate": 9}),
    ],
)
def test_quantile_methods_on_hand_worked_examples(y, w, p, expected) -> None:
    y, w = np.asarray(y, dtype=float), np.asarray(w, dtype=float)
    for method, value in expected.items():
        assert sorted_quantile(y, np.cumsum(w), p, method) == pytest.approx(value), method
        shuffled = np.random.default_rng(0).permutation(len(y))
        assert weighted_quantile(y[shuffled], w[shuffled], p, method) == pytest.approx(value)


def test_cumulative_share_equal_to_p_despite_rounding() -> None:
    # Ten weights of 0.1: the running total after three is 0.30000000000000004, still "= 0.3".
    y = np.arange(1.0, 11.0)
    assert weighted_quantile(y, np.full(10, 0.1), 0.3) == pytest.approx(3.5)
    assert weighted_quantile(y, np.full(10, 0.1), 0.3, "inverse_cdf") == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("method", "numpy_method"),
    [
        ("eurostat", "averaged_inverted_cdf"),  # Hyndman–Fan type 2
        ("inverse_cdf", "inverted_cdf"),  # type 1
        ("interpolate", "hazen"),  # type 5
    ],
)
def test_quantile_methods_match_numpy_with_equal_weights(method, numpy_method) -> None:
    rng = np.random.default_rng(3)
    for rows in (10, 37, 40):
        y = rng.lognormal(size=rows)
        for p in (0.1, 0.2, 0.25, 0.5, 0.75, 0.9, *rng.random(5)):
            expected = np.quantile(y, p, method=numpy_method)
            assert weighted_quantile(y, np.ones(rows), p, method) == pytest.approx(expected)


@pytest.mark.parametrize("method", ["eurostat", "inverse_cdf", "interpolate"])
def test_quantile_ignores_rows_of_zero_weight(method) -> None:
    # A bootstrap replicate gives the PSUs it did not draw a weight of zero: they must not count.
    # Here the cumulative share reaches 0.5 exactly at 2, so eurostat averages 2 with the next
    # value that has weight, 4 (the 3 has none): (2 + 4)/2 = 3.
    y, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0, 0.0, 2.0])
    keep = w > 0
    for p in (0.25, 0.5, 0.6):
        expected = weighted_quantile(y[keep], w[keep], p, method)
        assert weighted_quantile(y, w, p, method) == pytest.approx(expected), p


def test_measure_uses_the_chosen_quantile_method() -> None:
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0] * 10})
    for method, median in (("eurostat", 2.5), ("inverse_cdf", 2.0), ("interpolate", 2.5)):
        result = measure(data, "y", indicators=["median"], quantile_method=method)
        assert result.value("median") == pytest.approx(median, rel=1e-15), method


# -- lines --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("60%median", RelativeLine(0.6, "median")),
        (" 50 % mean ", RelativeLine(0.5, "mean")),
        ("60,5%MEDIAN", RelativeLine(0.605, "median")),
        ("50%rata-rata", RelativeLine(0.5, "mean")),
        ("500000", 500_000.0),
        ("1_250_000", 1_250_000.0),
        (450_000, 450_000.0),
        ("poverty_line", "poverty_line"),
        (None, None),
    ],
)
def test_parse_line(spec, expected) -> None:
    assert parse_line(spec) == expected


def test_relative_line_prints_as_written() -> None:
    assert str(parse_line("60%median")) == "60%median"


@pytest.mark.parametrize("spec", ["60%mode", "-5", "0", 0, -1.5, "0%median", "60%"])
def test_bad_line_is_refused_in_both_languages(spec, language) -> None:
    for code, words in (("en", "is not understood"), ("id", "tidak dikenali")):
        language(code)
        with pytest.raises(SejahteraError) as caught:
            parse_line(spec)
        assert words in str(caught.value)
        assert f"'{spec}'" in str(caught.value)


def test_a_relative_line_can_be_the_mean() -> None:
    data = survey()
    y, w = data["consumption"].to_numpy(), data["weight"].to_numpy()
    z = 0.5 * ref.mean(y, w)
    result = measure(data, "consumption", weight="weight", line=parse_line("50%mean"))
    assert result.value("poverty_line") == pytest.approx(z)
    assert result.value("fgt1") == pytest.approx(ref.fgt(y, w, z, 1))


# -- invariances --------------------------------------------------------------------------------


def _estimates(result) -> pd.Series:
    table = result.tidy()
    keys = table[[c for c in table.columns if c not in TIDY[1:]]].astype(str).agg("|".join, axis=1)
    return pd.Series(table["estimate"].to_numpy(), index=keys)


@pytest.mark.parametrize("method", ["eurostat", "inverse_cdf"])
def test_integer_weights_equal_duplicated_rows(method) -> None:
    data = survey(seed=4, rows=150)
    expanded = data.loc[data.index.repeat(data["weight"].astype(int))].assign(weight=1.0)
    options = {"line": parse_line("60%median"), "by": ["region"], "quantile_method": method}
    weighted = measure(data, "consumption", weight="weight", variance="none", **options)
    duplicated = measure(expanded, "consumption", weight="weight", variance="none", **options)
    pd.testing.assert_series_equal(_estimates(weighted), _estimates(duplicated), rtol=1e-10)
    assert (weighted.tidy()["population"] == duplicated.tidy()["population"]).all()


def test_scaling_incomes_scales_levels_and_leaves_relative_measures_alone() -> None:
    data = survey(seed=6)
    scaled = data.assign(consumption=data["consumption"] * 1000)
    line = parse_line("60%median")
    before = measure(data, "consumption", weight="weight", line=line, by=["urban"])
    after = measure(scaled, "consumption", weight="weight", line=line, by=["urban"])
    for name in [*SCALE_FREE, "fgt0", "fgt1", "fgt2", "poor_count"]:
        for urban in (False, True):
            expected = before.value(name, urban=urban)
            assert after.value(name, urban=urban) == pytest.approx(expected, rel=1e-9), name
    for name in ("mean", "median", "poverty_line"):
        expected = 1000 * before.value(name, urban=True)
        assert after.value(name, urban=True) == pytest.approx(expected, rel=1e-12), name
    # Standard errors scale the same way: relative ones stay, level ones grow a thousandfold.
    for name, factor in (("gini", 1), ("fgt0", 1), ("mean", 1000)):
        se_before = before.tidy().query("indicator == @name and urban")["se"].item()
        se_after = after.tidy().query("indicator == @name and urban")["se"].item()
        assert se_after == pytest.approx(factor * se_before, rel=1e-6), name


def test_row_order_does_not_matter() -> None:
    data = survey(seed=9).assign(
        stratum=lambda d: np.where(d["urban"], "kota", "desa"),
        psu=lambda d: d.index % 12,
    )
    shuffled = data.sample(frac=1.0, random_state=3)
    options = {
        "weight": "weight",
        "line": parse_line("60%median"),
        "extreme_line": "line",
        "by": ["region"],
        "strata": "stratum",
        "psu": "psu",
    }
    one, other = (
        measure(data, "consumption", **options),
        measure(shuffled, "consumption", **options),
    )
    pd.testing.assert_frame_equal(one.tidy(), other.tidy(), rtol=1e-9)


# -- decompositions -----------------------------------------------------------------------------


def test_fgt_decomposition_adds_up() -> None:
    data = survey(seed=12, rows=400)
    z = 600_000.0
    parts = decompose_fgt(data, "consumption", z, ["region"], weight="weight", source="s.csv")
    table = parts.tidy()
    overall = measure(data, "consumption", weight="weight", line=z, variance="none")
    shares = table.query("indicator == 'population_share'").set_index("region")["estimate"]
    weights = data.groupby("region")["weight"].sum()
    pd.testing.assert_series_equal(shares, weights / weights.sum(), check_names=False)
    for alpha in (0, 1, 2):
        rates = table.query(f"indicator == 'fgt{alpha}'").set_index("region")["estimate"]
        contributions = table.query(f"indicator == 'contribution_fgt{alpha}'")
        contributions = contributions.set_index("region")["estimate"]
        assert contributions.sum() == pytest.approx(1.0)
        assert (shares * rates).sum() == pytest.approx(overall.value(f"fgt{alpha}"))
        for region, group in data.groupby("region"):
            y, w = group["consumption"].to_numpy(), group["weight"].to_numpy()
            own = ref.fgt(y, w, z, alpha) * w.sum()
            everyone = ref.fgt(data["consumption"], data["weight"], z, alpha) * weights.sum()
            assert contributions[region] == pytest.approx(own / everyone)


def test_fgt_decomposition_with_a_relative_line_uses_the_population_line() -> None:
    data = survey(seed=13)
    z = measure(data, "consumption", weight="weight", line=parse_line("60%median"))
    z = z.value("poverty_line")
    relative = decompose_fgt(
        data, "consumption", parse_line("60%median"), ["region"], weight="weight"
    )
    fixed = decompose_fgt(data, "consumption", z, ["region"], weight="weight")
    pd.testing.assert_series_equal(relative.tidy()["estimate"], fixed.tidy()["estimate"])


def test_theil_and_mld_decompositions_add_up_to_their_textbook_formulas() -> None:
    data = survey(seed=14, rows=400)
    parts = decompose_theil(data, "consumption", ["region"], weight="weight")
    table = parts.tidy().set_index("indicator")
    whole = table.loc[table["region"].isna(), "estimate"]
    y, w = data["consumption"].to_numpy(), data["weight"].to_numpy()
    mu, big_w, total = ref.mean(y, w), w.sum(), float(np.dot(w, y))
    # Shorrocks (1980): T = Σ s_g T_g + Σ s_g log(μ_g/μ); L = Σ p_g L_g + Σ p_g log(μ/μ_g).
    theil_within = theil_between = mld_within = mld_between = 0.0
    for _, group in data.groupby("region"):
        y_g, w_g = group["consumption"].to_numpy(), group["weight"].to_numpy()
        s_g, p_g, mu_g = np.dot(w_g, y_g) / total, w_g.sum() / big_w, ref.mean(y_g, w_g)
        theil_within += s_g * ref.theil(y_g, w_g)
        theil_between += s_g * np.log(mu_g / mu)
        mld_within += p_g * ref.mld(y_g, w_g)
        mld_between += p_g * np.log(mu / mu_g)
    assert whole["theil"] == pytest.approx(ref.theil(y, w), rel=1e-10)
    assert whole["mld"] == pytest.approx(ref.mld(y, w), rel=1e-10)
    assert whole["theil_between"] == pytest.approx(theil_between, rel=1e-10)
    assert whole["theil_within"] == pytest.approx(theil_within, rel=1e-10)
    assert whole["mld_between"] == pytest.approx(mld_between, rel=1e-10)
    assert whole["mld_within"] == pytest.approx(mld_within, rel=1e-10)
    assert whole["theil_within"] + whole["theil_between"] == pytest.approx(whole["theil"])
    assert whole["mld_within"] + whole["mld_between"] == pytest.approx(whole["mld"])
    income = table.loc["income_share"].set_index("region")["estimate"]
    assert income.sum() == pytest.approx(1.0)


def test_decompositions_need_groups_and_positive_welfare(language) -> None:
    data = survey()
    language("en")
    with pytest.raises(SejahteraError, match="needs groups"):
        decompose_fgt(data, "consumption", 500_000, [])
    with pytest.raises(SejahteraError, match="needs groups"):
        decompose_theil(data, "consumption", [])
    data.loc[4, "consumption"] = 0.0
    with pytest.raises(SejahteraError) as caught:
        decompose_theil(data, "consumption", ["region"], source="survey.csv")
    assert "survey.csv, row 5, column 'consumption'" in str(caught.value)


# -- bad input ----------------------------------------------------------------------------------


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "consumption": ["400000", "520000", "610000", "700000", "800000"],
            "weight": [1.0, 2.0, 1.5, 1.0, 3.0],
            "region": ["Bantul", "Sleman", "Bantul", "Sleman", "Bantul"],
            "size": [4, 3, 5, 2, 1],
        }
    )


def _put(column: str, row: int, value: object):
    def change(data: pd.DataFrame) -> pd.DataFrame:
        data[column] = data[column].astype(object)
        data.loc[row - 1, column] = value
        return data

    return change


BAD_INPUT = {
    # name: (change to the table, options, words in English, words in Indonesian)
    "not a number": (
        _put("consumption", 3, "abc"),
        {},
        ["survey.csv, row 3, column 'consumption'", "'abc' is not a number"],
        ["survey.csv, baris 3, kolom 'consumption'", "'abc' bukan angka"],
    ),
    "missing welfare": (
        _put("consumption", 2, None),
        {},
        ["survey.csv, row 2, column 'consumption'", "missing"],
        ["survey.csv, baris 2, kolom 'consumption'", "kosong"],
    ),
    "zero weight": (
        _put("weight", 4, 0.0),
        {"weight": "weight"},
        ["survey.csv, row 4, column 'weight'", "greater than 0"],
        ["survey.csv, baris 4, kolom 'weight'", "lebih besar dari 0"],
    ),
    "negative weight": (
        _put("weight", 5, -2.0),
        {"weight": "weight"},
        ["survey.csv, row 5, column 'weight'", "'-2.0' must be greater than 0"],
        ["survey.csv, baris 5, kolom 'weight'", "harus lebih besar dari 0"],
    ),
    "zero size": (
        _put("size", 1, 0),
        {"size": "size"},
        ["survey.csv, row 1, column 'size'"],
        ["survey.csv, baris 1, kolom 'size'"],
    ),
    "missing group": (
        _put("region", 2, None),
        {"by": ["region"]},
        ["survey.csv, row 2, column 'region'", "group is empty"],
        ["survey.csv, baris 2, kolom 'region'", "kelompok kosong"],
    ),
    "bad line column": (
        lambda d: d.assign(line=[500_000, 500_000, "x", 500_000, 500_000]),
        {"line": "line"},
        ["survey.csv, row 3, column 'line'", "'x' is not a number"],
        ["survey.csv, baris 3, kolom 'line'", "'x' bukan angka"],
    ),
    "unknown column": (
        lambda d: d,
        {"weight": "weigth"},
        ["survey.csv", "no column 'weigth'", "consumption, weight, region, size"],
        ["survey.csv", "kolom 'weigth' tidak ada", "consumption, weight, region, size"],
    ),
    "unknown group column": (
        lambda d: d,
        {"by": ["kabupaten"]},
        ["survey.csv", "'kabupaten'", "consumption, weight, region, size"],
        ["survey.csv", "'kabupaten'", "consumption, weight, region, size"],
    ),
    "unknown line column": (
        lambda d: d,
        {"line": "garis"},
        ["survey.csv", "'garis'", "consumption, weight"],
        ["survey.csv", "'garis'", "consumption, weight"],
    ),
    "empty": (
        lambda d: d.iloc[:0],
        {},
        ["survey.csv", "no data rows"],
        ["survey.csv", "tidak ada baris data"],
    ),
    "unknown indicator": (
        lambda d: d,
        {"indicators": ["gini", "gin"]},
        ["Unknown indicator 'gin'", "fgt0, fgt1", "s80s20"],
        ["Indikator 'gin' tidak dikenal", "fgt0, fgt1"],
    ),
    "poverty indicator without a line": (
        lambda d: d,
        {"indicators": ["gini", "fgt1"]},
        ["'fgt1' needs a poverty line"],
        ["'fgt1' memerlukan garis kemiskinan"],
    ),
    "extreme indicator without an extreme line": (
        lambda d: d,
        {"indicators": ["extreme_fgt0"], "line": 500_000},
        ["'extreme_fgt0' needs a poverty line"],
        ["'extreme_fgt0' memerlukan garis kemiskinan"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_named_by_file_row_and_column(case, language) -> None:
    change, options, english, indonesian = BAD_INPUT[case]
    data = change(_table())
    for code, words in (("en", english), ("id", indonesian)):
        language(code)
        with pytest.raises(SejahteraError) as caught:
            measure(data, "consumption", source="survey.csv", **options)
        for word in words:
            assert word in str(caught.value), (code, str(caught.value))


@pytest.mark.parametrize("spec", [-5.0, 0.0, 0, (0.6, "mode"), (0.0, "median")])
def test_measure_refuses_a_line_that_cannot_be_one(spec, language) -> None:
    # parse_line checks what the command line gives; a program calling measure() directly
    # must meet the same check rather than a headcount of zero (or of the median's). A bad
    # RelativeLine may be refused when it is made or when it is used.
    language("en")
    with pytest.raises(SejahteraError, match="is not understood"):
        line = RelativeLine(*spec) if isinstance(spec, tuple) else spec
        measure(_table(), "consumption", line=line, indicators=["fgt0"])


def test_every_indicator_is_listed_when_one_is_unknown() -> None:
    with pytest.raises(SejahteraError) as caught:
        measure(_table(), "consumption", indicators=["palma_ratio"])
    assert all(name in str(caught.value) for name in INDICATORS)


def test_numbers_written_with_indonesian_conventions() -> None:
    # A CSV written in Indonesia: thousands with dots, decimals with a comma, in every column.
    data = pd.DataFrame(
        {
            "consumption": ["1.234.567,5", "987.654,5", "2.000.000"],
            "weight": ["1,5", "2", "0,5"],
            "line": ["1.000.000", "1.000.000", "1.000.000"],
        }
    )
    result = measure(
        data, "consumption", weight="weight", line="line", decimal=",", indicators=["mean", "fgt0"]
    )
    expected = (1.5 * 1_234_567.5 + 2 * 987_654.5 + 0.5 * 2_000_000) / 4
    assert result.value("mean") == pytest.approx(expected)
    assert result.value("fgt0") == pytest.approx(0.5)


# -- results ------------------------------------------------------------------------------------


def test_tidy_has_fixed_columns_counts_and_intervals() -> None:
    data = survey(seed=21).assign(size=lambda d: d.index % 5 + 1)
    result = measure(data, "consumption", weight="weight", size="size", by=["region"], line=6e5)
    table = result.tidy()
    assert list(table.columns) == ["region", *TIDY]
    # With a line and no extreme line, every poverty and inequality indicator, in that order.
    assert list(table["indicator"].unique()) == [*POVERTY, *INEQUALITY]
    for region, group in data.groupby("region"):
        rows = table[table["region"] == region]
        assert set(rows["n"]) == {len(group)}
        assert set(rows["population"]) == {(group["weight"] * group["size"]).sum()}
    finite = table.dropna(subset=["se"])
    assert len(finite) > 0
    assert (finite["ci_low"] <= finite["estimate"]).all()
    assert (finite["estimate"] <= finite["ci_high"]).all()
    half = (finite["ci_high"] - finite["ci_low"]) / 2
    np.testing.assert_allclose(half, 1.959963984540054 * finite["se"], rtol=1e-12)
    assert list(measure(data, "consumption", indicators=["mean"]).tidy().columns) == TIDY


def test_confidence_level_is_an_option() -> None:
    result = measure(survey(), "consumption", indicators=["mean"], level=0.90)
    row = result.tidy().iloc[0]
    assert row["ci_high"] - row["estimate"] == pytest.approx(1.6448536269514722 * row["se"])


def test_no_variance_leaves_standard_errors_empty() -> None:
    result = measure(survey(), "consumption", line=5e5, variance="none")
    assert result.tidy()["se"].isna().all()
    assert result.tidy()["ci_low"].isna().all()


def test_summary_in_indonesian_and_english_flags_few_rows() -> None:
    rng = np.random.default_rng(1)
    data = pd.DataFrame(
        {
            "consumption": rng.lognormal(13, 0.5, 110),
            "region": ["Sleman"] * 100 + ["Gunungkidul"] * 10,
        }
    )
    result = measure(data, "consumption", by=["region"], line=4e5, indicators=["fgt0", "gini"])
    labels = {
        "id": ["Kemiskinan dan ketimpangan", "Indikator", "Galat baku", "Rasio Gini",
               "P0: persentase penduduk miskin", "Galat baku: linearisasi"],
        "en": ["Poverty and inequality", "Indicator", "Std. error", "Gini ratio",
               "P0: poverty headcount ratio", "Standard errors: linearisation"],
    }  # fmt: skip
    few_rows = {"id": "sedikit observasi: hati-hati", "en": "few observations: use with care"}
    for code, words in labels.items():
        summary = result.summary(code)
        for word in words:
            assert word in summary, (code, word)
        lines = summary.splitlines()
        small = [line for line in lines if line.startswith("Gunungkidul")]
        large = [line for line in lines if line.startswith("Sleman")]
        assert len(small) == len(large) == 2
        assert all(few_rows[code] in line for line in small)
        assert not any(few_rows[code] in line for line in large)


def test_summary_notes_indicators_left_empty_by_non_positive_welfare() -> None:
    data = survey(seed=3)
    data.loc[7, "consumption"] = 0.0
    result = measure(data, "consumption", weight="weight", variance="none")
    for name in ("mld", "atkinson_1", "atkinson_2"):
        assert np.isnan(result.value(name)), name
    y, w = data["consumption"].to_numpy(), data["weight"].to_numpy()
    assert result.value("theil") == pytest.approx(ref.theil(y, w), rel=1e-10)
    assert result.value("atkinson_0.5") == pytest.approx(ref.atkinson(y, w, 0.5), rel=1e-10)
    assert "MLD" in result.summary("en").splitlines()[-1]
    assert "Standard errors not computed" in result.summary("en")
    assert "Galat baku tidak dihitung" in result.summary("id")


def test_reliability_follows_rows_and_relative_standard_error() -> None:
    table = pd.DataFrame(
        {
            "estimate": [0.10, 0.10, 0.10, 0.10, 0.10],
            "se": [0.01, 0.03, 0.06, 0.01, np.nan],
            "n": [500, 500, 500, 29, 500],
        }
    )
    flags = reliability(table).tolist()
    assert flags == ["ok", "caution", "unreliable", "few_rows", "ok"]


def test_value_needs_exactly_one_row() -> None:
    result = measure(survey(), "consumption", by=["region"], indicators=["mean"])
    with pytest.raises(KeyError):
        result.value("mean")
    with pytest.raises(KeyError):
        result.value("gini", region="Sleman")


# -- datasets -----------------------------------------------------------------------------------


def test_dataset_frames_count_persons_as_bps_does(diy: Dataset) -> None:
    households = load(diy.path)
    persons = load(diy.path, by=["age_group"])
    assert households.is_dataset and persons.is_dataset
    assert households.size == "size" and persons.size is None
    household_rows = diy.households(["household_id"])
    person_rows = diy.persons(["household_id"])
    assert len(households.frame) == len(household_rows)
    assert households.frame["household_id"].is_unique
    members = person_rows["household_id"].value_counts()
    sizes = households.frame.set_index("household_id")["size"]
    pd.testing.assert_series_equal(
        sizes.sort_index(), members.reindex(sizes.index).sort_index(), check_names=False
    )
    assert len(persons.frame) == len(person_rows)
    age_groups = {"0-6", "7-12", "13-15", "16-18", "19-59", "60+"}
    assert set(persons.frame["age_group"].astype(str)) <= age_groups

    options = {"line": "poverty_line", "indicators": ["fgt0", "fgt1", "poor_count"]}
    by_household = measure(
        households.frame, "consumption_pc", weight="weight", size="size", variance="none", **options
    )
    by_person = measure(
        persons.frame, "consumption_pc", weight="weight", variance="none", **options
    )
    for name in options["indicators"]:
        assert by_person.value(name) == pytest.approx(by_household.value(name), rel=1e-12)
    population = by_person.tidy()["population"].iloc[0]
    assert population == pytest.approx(by_household.tidy()["population"].iloc[0])
    assert population == pytest.approx(len(persons.frame) * persons.frame["weight"].mean())
