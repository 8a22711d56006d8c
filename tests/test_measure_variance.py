"""Standard errors: influence functions, the design variance, domains, bootstrap, Monte Carlo.

The linearised variance of an estimate θ̂ is the design variance of Σ w_k u_k, with u_k the
change in θ̂ per unit of weight on row k. The tests check each link: that u_k is that derivative
(finite differences), that the design formula is right (explicit loops over strata and PSUs), and
that the result is an honest standard error (a Monte-Carlo simulation and the bootstrap).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import measure_reference as ref
from sejahtera.errors import SejahteraError
from sejahtera.i18n import set_language
from sejahtera.measure.decompose import decompose_fgt, decompose_theil
from sejahtera.measure.design import Design
from sejahtera.measure.estimate import measure
from sejahtera.measure.indicators import Segment
from sejahtera.measure.lines import parse_line

SMOOTH = {
    "mean": lambda s: s.mean(),
    "fgt0": lambda s: s.fgt(0, 9.0),
    "fgt1": lambda s: s.fgt(1, 9.0),
    "fgt2": lambda s: s.fgt(2, 9.0),
    "fgt1 (line per row)": lambda s: s.fgt(1),
    "poor_count": lambda s: s.poor_count(9.0),
    "gini": lambda s: s.gini(),
    "theil": lambda s: s.theil(),
    "mld": lambda s: s.mld(),
    "atkinson_0.5": lambda s: s.atkinson(0.5),
    "atkinson_1": lambda s: s.atkinson(1.0),
    "atkinson_2": lambda s: s.atkinson(2.0),
}
# Homogeneous of degree 0 in the weights: doubling every weight leaves them unchanged.
SCALE_FREE = [name for name in SMOOTH if name != "poor_count"]


def sorted_sample(rows: int = 40, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ascending incomes with ties, positive uneven weights, and a line per row."""
    rng = np.random.default_rng(seed)
    y = np.sort(np.round(rng.lognormal(2.4, 0.5, rows), 1))
    y[5:8] = y[5]  # a run of ties
    w = rng.uniform(0.5, 3.0, rows)
    line = np.where(rng.random(rows) < 0.5, 8.0, 10.0)
    return y, w, line


# -- influence functions ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SMOOTH))
def test_influence_is_the_derivative_in_each_weight(name) -> None:
    y, w, line = sorted_sample()
    indicator = SMOOTH[name]
    value = indicator(Segment(y, w, line=line))
    numerical = ref.numerical_influence(
        lambda weights: indicator(Segment(y, weights, line=line)).estimate, w
    )
    scale = np.abs(numerical).max()
    np.testing.assert_allclose(value.influence, numerical, rtol=1e-4, atol=1e-6 * scale)


@pytest.mark.parametrize("name", SCALE_FREE)
def test_influence_of_a_scale_free_indicator_sums_to_zero(name) -> None:
    # Euler: θ(c·w) = θ(w) for every c, so Σ_k w_k ∂θ/∂w_k = 0.
    y, w, line = sorted_sample(seed=2)
    influence = SMOOTH[name](Segment(y, w, line=line)).influence
    assert abs(np.dot(w, influence)) < 1e-12 * np.dot(w, np.abs(influence))


def test_influence_of_quantile_indicators_sums_to_zero_where_cut_points_fall_exactly() -> None:
    # 1,000 equal weights: every decile and quintile holds exactly its share of the rows, so the
    # quantile-based indicators are scale free too and Euler's identity holds exactly.
    y = np.arange(1.0, 1001.0) ** 1.5
    w = np.full(1000, 2.0)
    segment = Segment(y, w)
    values = [segment.quantile_value(0.5), segment.share_ratio(0.1, 0.4)]
    values += [segment.share_ratio(0.2, 0.2, of_means=True), *segment.decile_shares()]
    for value in values:
        assert abs(np.dot(w, value.influence)) < 1e-10 * np.dot(w, np.abs(value.influence))


def test_relative_line_slopes_are_the_derivatives_in_the_line() -> None:
    # An indicator against a relative line z carries ∂θ/∂z, so that the line's own sampling
    # error enters the variance. FGT(1) and FGT(2) are smooth in z.
    y, w, _ = sorted_sample(seed=3)
    z, step = 11.0, 1e-6
    for alpha in (1, 2):
        slope = Segment(y, w).fgt(alpha, z).line_slope
        up, down = Segment(y, w).fgt(alpha, z + step), Segment(y, w).fgt(alpha, z - step)
        numerical = (up.estimate - down.estimate) / (2 * step)
        assert slope == pytest.approx(numerical, rel=1e-5), alpha
    # FGT(0) is a step function: its slope is the density of welfare at the line.
    assert Segment(y, w).fgt(0, z).line_slope == pytest.approx(Segment(y, w).density(z))
    assert Segment(y, w).poor_count(z).line_slope == pytest.approx(
        Segment(y, w).density(z) * w.sum()
    )


def relative_line_sample() -> pd.DataFrame:
    """4 strata × 6 PSUs × 10 persons in 3 groups; continuous incomes (no ties), uneven weights."""
    rng = np.random.default_rng(17)
    rows = 240
    return pd.DataFrame(
        {
            "income": rng.lognormal(2.4, 0.6, rows),
            "weight": rng.uniform(0.5, 3.0, rows),
            "stratum": np.repeat(["A", "B", "C", "D"], rows // 4),
            "psu": np.repeat(np.arange(24) % 6, 10),
            "group": rng.choice(["x", "y", "z"], rows),
        }
    )


def plain_relative_line_errors(
    data: pd.DataFrame, strata: np.ndarray, psu: np.ndarray
) -> dict[tuple[str, str], float]:
    """Each group's poverty SEs against 60 % of the median, linearised by hand, row by row.

    The line z = 0.6 m moves with every row's weight: ∂m/∂w_k = −(1(y_k ≤ m) − ½) / (W f(m)).
    An indicator θ_g of group g against z has the influence ∂θ_g/∂w_k (z held) + ∂θ_g/∂z · ∂z/∂w_k
    on every row of the population, in g or not; its variance is the design's (by loops).
    """
    y, w = data["income"].to_numpy(), data["weight"].to_numpy()
    median = ref.quantile(y, w, 0.5)
    z = 0.6 * median
    line = [-0.6 * ((yk <= median) - 0.5) / (w.sum() * ref.density(y, w, median)) for yk in y]
    errors = {}
    for group in sorted(set(data["group"])):
        inside = (data["group"] == group).to_numpy()
        people = w[inside].sum()
        poor = inside & (y < z)
        gap = np.where(poor, (z - y) / z, 0.0)
        density = ref.density(y[inside], w[inside], z)
        slopes = {
            0: density,
            1: sum(w[k] * y[k] / z**2 for k in np.flatnonzero(poor)) / people,
            2: sum(w[k] * 2 * gap[k] * y[k] / z**2 for k in np.flatnonzero(poor)) / people,
        }
        influences = {}
        for alpha, slope in slopes.items():
            own = np.where(inside, gap**alpha if alpha else poor, 0.0)
            value = (w * own).sum() / people
            influences[f"fgt{alpha}"] = [
                inside[k] * (own[k] - value) / people + slope * line[k] for k in range(len(y))
            ]
        influences["poor_count"] = [poor[k] + people * density * line[k] for k in range(len(y))]
        influences["poverty_line"] = line
        for name, u in influences.items():
            weighted = [w[k] * u[k] for k in range(len(y))]
            errors[group, name] = math.sqrt(ref.design_variance(strata, psu, weighted))
    return errors


@pytest.mark.parametrize("design", ["strata and PSUs", "strata", "none"])
def test_relative_line_standard_errors_match_a_plain_linearisation(design) -> None:
    data = relative_line_sample()
    rows = np.arange(len(data))
    columns = {"strata and PSUs": ("stratum", "psu"), "strata": ("stratum", None)}
    strata, psu = columns.get(design, (None, None))
    design_columns = (
        data[strata].to_numpy() if strata else np.zeros(len(data)),
        data[[strata, psu]].astype(str).agg("-".join, axis=1).to_numpy() if psu else rows,
    )
    errors = plain_relative_line_errors(data, *design_columns)
    names = ["fgt0", "fgt1", "fgt2", "poor_count", "poverty_line"]
    options = {"weight": "weight", "strata": strata, "psu": psu, "indicators": names}
    result = measure(data, "income", line=parse_line("60%median"), by=["group"], **options)
    for (group, name), se in errors.items():
        row = result.tidy().query("group == @group and indicator == @name")
        assert row["se"].item() == pytest.approx(se, rel=1e-9), (group, name)
    # Without groups the population is its own group; its line's SE is 0.6 × the median's.
    whole = measure(data, "income", line=parse_line("60%median"), **options).tidy()
    errors = plain_relative_line_errors(data.assign(group="all"), *design_columns)
    for name, se in zip(whole["indicator"], whole["se"], strict=True):
        assert se == pytest.approx(errors["all", name], rel=1e-9), name
    median = measure(data, "income", indicators=["median"], weight="weight", strata=strata, psu=psu)
    line_se = whole.set_index("indicator").loc["poverty_line", "se"]
    assert line_se == pytest.approx(0.6 * median.tidy()["se"].item(), rel=1e-12)


# -- the design variance ------------------------------------------------------------------------


def tiny_design() -> pd.DataFrame:
    """Two strata; PSU labels repeat across strata (PSU "1" of A is not PSU "1" of B)."""
    return pd.DataFrame(
        {
            "stratum": ["A"] * 7 + ["B"] * 6,
            "psu": ["1", "1", "2", "2", "2", "3", "3", "1", "1", "2", "2", "2", "2"],
            "income": [12.0, 15, 9, 30, 22, 18, 11, 40, 8, 25, 14, 33, 19],
            "weight": [10.0, 10, 12, 12, 12, 8, 8, 20, 20, 15, 15, 15, 15],
            "group": ["x", "y", "x", "x", "y", "y", "y", "x", "y", "x", "x", "y", "y"],
        }
    )


def test_design_variance_matches_the_formula_by_hand() -> None:
    data = tiny_design()
    rng = np.random.default_rng(4)
    wu = rng.normal(size=len(data))
    weights = data["weight"].to_numpy()
    clustered = Design.build(weights, data["stratum"], data["psu"])
    assert clustered.variance(wu) == pytest.approx(
        ref.design_variance(data["stratum"], data["psu"], wu), rel=1e-12
    )
    rows = np.arange(len(data))
    by_row = Design.build(weights, data["stratum"])
    assert by_row.variance(wu) == pytest.approx(
        ref.design_variance(data["stratum"], rows, wu), rel=1e-12
    )
    simple = Design.build(weights)
    n = len(wu)
    assert simple.variance(wu) == pytest.approx(n / (n - 1) * ((wu - wu.mean()) ** 2).sum())
    assert simple.variance(wu) == pytest.approx(ref.design_variance([0] * n, rows, wu))


def test_standard_error_of_the_mean_by_hand() -> None:
    # The mean is a ratio Σwy/Σw: its influence is u_k = (y_k − μ)/W.
    data = tiny_design()
    y, w = data["income"].to_numpy(), data["weight"].to_numpy()
    mu = ref.mean(y, w)
    variance = ref.design_variance(data["stratum"], data["psu"], w * (y - mu) / w.sum())
    options = {"weight": "weight", "strata": "stratum", "psu": "psu", "indicators": ["mean"]}
    result = measure(data, "income", **options)
    assert result.tidy().set_index("indicator").loc["mean", "se"] == pytest.approx(
        np.sqrt(variance), rel=1e-12
    )


def test_domain_standard_error_treats_the_rest_of_the_sample_as_zeros() -> None:
    # Domain estimation: the group's mean has influence 1(k in g)(y_k − μ_g)/W_g on every row,
    # zero outside g, and every PSU of the design counts in n_h, even one without the group.
    data = tiny_design()
    data.loc[data["stratum"] == "B", "group"] = "x"  # group y is absent from a whole stratum
    data.loc[[0, 1], "group"] = "x"  # and from PSU 1 of stratum A
    y, w = data["income"].to_numpy(), data["weight"].to_numpy()
    options = {"weight": "weight", "strata": "stratum", "psu": "psu", "by": ["group"]}
    result = measure(data, "income", indicators=["mean"], **options)
    table = result.tidy().set_index(["group", "indicator"])
    for group in ("x", "y"):
        inside = (data["group"] == group).to_numpy()
        mu_g = ref.mean(y[inside], w[inside])
        u = np.where(inside, (y - mu_g) / w[inside].sum(), 0.0)
        expected = np.sqrt(ref.design_variance(data["stratum"], data["psu"], w * u))
        assert table.loc[(group, "mean"), "se"] == pytest.approx(expected, rel=1e-12), group


def clustered_sample(seed: int = 5, rows: int = 360) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stratum = rng.choice(["kota", "desa", "pesisir"], rows)
    psu = rng.integers(0, 8, rows)
    effect = rng.normal(0, 0.3, 30)[psu + 10 * (stratum == "desa")]
    return pd.DataFrame(
        {
            "income": np.round(np.exp(2.3 + effect + rng.normal(0, 0.5, rows)), 2),
            "weight": rng.uniform(1, 4, rows),
            "stratum": stratum,
            "psu": psu,
            "region": rng.choice(["north", "south"], rows),
            "line": np.where(stratum == "kota", 11.0, 9.0),
        }
    )


INDEPENDENT = {
    **ref.INDICATORS,
    **{f"fgt{alpha}": (lambda y, w, z, a=alpha: ref.fgt(y, w, z, a)) for alpha in (0, 1, 2)},
}


@pytest.mark.parametrize("name", list(INDEPENDENT))
def test_standard_errors_of_smooth_indicators_by_group(name) -> None:
    # Every piece computed independently: the indicator by its textbook formula, its influence by
    # finite differences over all rows of the sample, the variance by loops over strata and PSUs.
    data = clustered_sample()
    y, w, line = data["income"].to_numpy(), data["weight"].to_numpy(), data["line"].to_numpy()
    options = {"weight": "weight", "strata": "stratum", "psu": "psu", "by": ["region"]}
    result = measure(data, "income", line="line", indicators=[name], **options)
    formula = INDEPENDENT[name]
    for region in ("north", "south"):
        inside = (data["region"] == region).to_numpy()

        def estimate(weights, inside=inside):
            args = (y[inside], weights[inside])
            return formula(*args, line[inside]) if name.startswith("fgt") else formula(*args)

        u = ref.numerical_influence(estimate, w)
        expected = np.sqrt(ref.design_variance(data["stratum"], data["psu"], w * u))
        row = result.tidy().query("region == @region").iloc[0]
        assert row["estimate"] == pytest.approx(estimate(w), rel=1e-10)
        assert row["se"] == pytest.approx(expected, rel=1e-4), region


def test_decomposition_standard_errors_by_finite_differences() -> None:
    data = clustered_sample(seed=6, rows=200)
    y, w = data["income"].to_numpy(), data["weight"].to_numpy()
    design = (data["stratum"], data["psu"])
    table = decompose_theil(
        data, "income", ["region"], weight="weight", strata="stratum", psu="psu"
    ).tidy()
    whole_se = table[table["region"].isna()].set_index("indicator")["se"]
    groups = [(data["region"] == region).to_numpy() for region in ("north", "south")]

    def between(weights):
        mu = ref.mean(y, weights)
        total = float(np.dot(weights, y))
        return sum(
            np.dot(weights[g], y[g]) / total * np.log(ref.mean(y[g], weights[g]) / mu)
            for g in groups
        )

    def between_mld(weights):
        mu = ref.mean(y, weights)
        return sum(
            weights[g].sum() / weights.sum() * np.log(mu / ref.mean(y[g], weights[g]))
            for g in groups
        )

    for name, statistic in (("theil_between", between), ("mld_between", between_mld)):
        u = ref.numerical_influence(statistic, w)
        expected = np.sqrt(ref.design_variance(*design, w * u))
        assert whole_se[name] == pytest.approx(expected, rel=1e-4), name


def test_fgt_decomposition_standard_errors_by_finite_differences() -> None:
    data = clustered_sample(seed=7, rows=200)
    y, w = data["income"].to_numpy(), data["weight"].to_numpy()
    table = decompose_fgt(
        data, "income", 10.0, ["region"], weight="weight", strata="stratum", psu="psu"
    ).tidy()
    north = (data["region"] == "north").to_numpy()
    statistics = {
        "contribution_fgt1": lambda v: (
            ref.fgt(y[north], v[north], 10.0, 1)
            * v[north].sum()
            / (ref.fgt(y, v, 10.0, 1) * v.sum())
        ),
        "population_share": lambda v: v[north].sum() / v.sum(),
    }
    for name, statistic in statistics.items():
        u = ref.numerical_influence(statistic, w)
        expected = np.sqrt(ref.design_variance(data["stratum"], data["psu"], w * u))
        se = table.query("indicator == @name and region == 'north'")["se"].item()
        assert se == pytest.approx(expected, rel=1e-4), name


def test_duplicated_rows_in_the_same_psu_give_the_same_standard_errors() -> None:
    # Splitting a row of weight 3 into three rows of weight 1 inside its PSU leaves every PSU
    # total, and so every linearised standard error of a smooth indicator, unchanged.
    data = clustered_sample(seed=8, rows=150).assign(weight=lambda d: (d.index % 3 + 1) * 1.0)
    expanded = data.loc[data.index.repeat(data["weight"].astype(int))].assign(weight=1.0)
    names = ["mean", "fgt0", "fgt2", "gini", "theil", "mld", "atkinson_1"]
    options = {"weight": "weight", "strata": "stratum", "psu": "psu", "line": 10.0}
    one = measure(data, "income", indicators=names, **options).tidy()
    other = measure(expanded, "income", indicators=names, **options).tidy()
    np.testing.assert_allclose(one["se"], other["se"], rtol=1e-9)


def test_lonely_psu_is_refused_naming_its_stratum() -> None:
    data = tiny_design()
    data.loc[data["stratum"] == "B", "psu"] = "9"
    try:
        for code, words in (("en", "Stratum 'B' (column 'stratum')"), ("id", "Strata 'B'")):
            set_language(code)
            with pytest.raises(SejahteraError) as caught:
                measure(data, "income", weight="weight", strata="stratum", psu="psu")
            assert words in str(caught.value)
    finally:
        set_language(None)


def test_a_single_psu_without_strata_has_no_standard_error() -> None:
    # One PSU gives no estimate of the between-PSU variance: a standard error of 0 (and a
    # confidence interval of no width) would claim a certainty the sample cannot give.
    data = tiny_design().assign(psu="only")
    try:
        result = measure(data, "income", weight="weight", psu="psu", indicators=["mean"])
    except SejahteraError:
        return
    se = result.tidy()["se"].item()
    assert np.isnan(se), f"a single PSU reported a standard error of {se}"


# -- Monte Carlo and bootstrap ------------------------------------------------------------------

STRATA, CLUSTERS, PER_CLUSTER = 4, 150, 25


def population(seed: int = 20) -> pd.DataFrame:
    """A fixed lognormal population: strata differ in level, clusters share an effect."""
    rng = np.random.default_rng(seed)
    stratum = np.repeat(np.arange(STRATA), CLUSTERS * PER_CLUSTER)
    cluster = np.repeat(np.arange(STRATA * CLUSTERS), PER_CLUSTER)
    effect = rng.normal(0, 0.25, STRATA * CLUSTERS)[cluster]
    income = np.exp(13 + 0.15 * stratum + effect + rng.normal(0, 0.55, len(cluster)))
    return pd.DataFrame({"stratum": stratum, "psu": cluster, "income": income})


def draw(frame: pd.DataFrame, rng: np.random.Generator, clusters: int, persons: int):
    """``clusters`` PSUs per stratum without replacement, then ``persons`` in each."""
    chosen = np.concatenate(
        [
            rng.choice(np.arange(h * CLUSTERS, (h + 1) * CLUSTERS), clusters, replace=False)
            for h in range(STRATA)
        ]
    )
    within = np.argsort(rng.random((len(chosen), PER_CLUSTER)), axis=1)[:, :persons]
    rows = (chosen[:, None] * PER_CLUSTER + within).ravel()
    sample = frame.iloc[rows].copy()
    sample["weight"] = (CLUSTERS / clusters) * (PER_CLUSTER / persons)
    return sample


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return population()


def test_linearised_standard_errors_match_the_spread_over_repeated_samples(people) -> None:
    # 300 stratified two-stage samples of one population: the average linearised standard error
    # should be the standard deviation of the estimates across samples (within 20 %).
    rng = np.random.default_rng(21)
    z = float(np.quantile(people["income"], 0.25))
    fixed = ["fgt0", "gini", "median", "s80s20"]
    options = {"weight": "weight", "strata": "stratum", "psu": "psu"}
    estimates, errors = [], []
    for _ in range(300):
        sample = draw(people, rng, clusters=12, persons=8)
        one = measure(sample, "income", line=z, indicators=fixed, **options).tidy()
        other = measure(
            sample, "income", line=parse_line("60%median"), indicators=["fgt0"], **options
        ).tidy()
        estimates.append([*one["estimate"], *other["estimate"]])
        errors.append([*one["se"], *other["se"]])
    spread = np.std(estimates, axis=0, ddof=1)
    average = np.mean(errors, axis=0)
    for name, sd, se in zip([*fixed, "fgt0 (60% median)"], spread, average, strict=True):
        assert 0.8 < se / sd < 1.2, f"{name}: mean SE {se:.4g}, SD {sd:.4g}"


def test_bootstrap_agrees_with_linearisation(people) -> None:
    sample = draw(people, np.random.default_rng(30), clusters=40, persons=15)
    names = ["fgt0", "fgt1", "poverty_line", "gini", "theil", "mean", "median"]
    options = {
        "weight": "weight",
        "strata": "stratum",
        "psu": "psu",
        "line": parse_line("60%median"),
        "indicators": names,
    }
    linear = measure(sample, "income", **options).tidy().set_index("indicator")
    boot = measure(sample, "income", variance="bootstrap", replicates=200, **options)
    boot_table = boot.tidy().set_index("indicator")
    pd.testing.assert_series_equal(linear["estimate"], boot_table["estimate"])
    for name in names:
        ratio = boot_table.loc[name, "se"] / linear.loc[name, "se"]
        assert 0.75 < ratio < 1.25, f"{name}: bootstrap/linearised = {ratio:.3f}"
    again = measure(sample, "income", variance="bootstrap", replicates=200, **options)
    pd.testing.assert_frame_equal(boot.tidy(), again.tidy())
    assert "bootstrap" in boot.summary("en")
