"""The Alkire–Foster multidimensional poverty measure: published values, identities, invariances,
standard errors, the missing-value rule, specification checks and the shipped specifications."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from sejahtera.data.dataset import Dataset
from sejahtera.errors import SejahteraError
from sejahtera.i18n import text
from sejahtera.measure.mpi import MpiSpec, deprivations, load_spec, mpi
from sejahtera.measure.mpi_spec import shipped_specs
from sejahtera.yamlfile import FileError

# Alkire & Foster (2011), "Counting and multidimensional poverty measurement", Journal of Public
# Economics 95(7–8), 476–487, section 3: four persons (rows) and four dimensions (columns), the
# achievement matrix y and the deprivation cut-off vector z = (13, 12, 3, 1); a person is
# deprived in a dimension when the achievement is strictly below its cut-off.
AF_ACHIEVEMENTS = pd.DataFrame(
    {
        "d1": [13.1, 15.2, 12.5, 20.0],
        "d2": [14, 7, 10, 11],
        "d3": [4, 5, 1, 3],
        "d4": [1, 0, 0, 1],
    }
)
AF_CUTOFFS = {"d1": 13, "d2": 12, "d3": 3, "d4": 1}


def af_spec(k: str, ready_made: bool = False) -> MpiSpec:
    """The paper's four equally weighted dimensions; ``k`` as a share of the 4 dimensions."""
    kind = "bool" if ready_made else "float"
    indicators = [
        {
            "name": name,
            "label": {"id": name, "en": name},
            "weight": "1/4",
            "column": name,
            "deprived_if": {"equals": True} if ready_made else {"below": cutoff},
        }
        for name, cutoff in AF_CUTOFFS.items()
    ]
    raw = {
        "name": "af2011",
        "label": {"id": "Contoh Alkire–Foster", "en": "Alkire–Foster example"},
        "k": k,
        "columns": {name: {"kind": kind} for name in AF_CUTOFFS},
        "dimensions": [{"name": "all", "label": {"id": "x", "en": "x"}, "indicators": indicators}],
    }
    return MpiSpec.from_mapping(raw, "af2011")


def test_alkire_foster_2011_worked_example() -> None:
    """Alkire & Foster (2011), J. Public Econ. 95(7–8), 476–487, §3–4: with k = 2 of the 4
    equally weighted dimensions the deprivation counts are c = (0, 2, 4, 1), persons 2 and 3 are
    poor, and the paper gives H = 1/2, A = 3/4 and M0 = H·A = 6/16 = 0.375.

    The search tool returned only the paper's abstract, so y and z were taken from several public
    implementations that quote the paper's example identically; the deprivation pattern and the
    identification agree with the OPHI handbook's example (Alkire et al. 2015, Multidimensional
    Poverty Measurement and Analysis, OUP, ch. 5, Box 5.5: scores c = (0, 0.5, 1, 0.25), persons
    2 and 3 poor). Union (k = 1 of 4) and intersection (k = 4 of 4) follow from the definitions.
    """
    status = deprivations(AF_ACHIEVEMENTS, af_spec("1/2"))
    assert status.sum(axis=1).tolist() == [0, 2, 4, 1]
    result = mpi(AF_ACHIEVEMENTS, af_spec("1/2"), weight=None)
    assert result.value("mpi_H") == pytest.approx(1 / 2)
    assert result.value("mpi_A") == pytest.approx(3 / 4)
    assert result.value("mpi_M0") == pytest.approx(6 / 16)
    # Union (k = 1 dimension) and intersection (k = all 4): the two classical extremes.
    union = mpi(AF_ACHIEVEMENTS, af_spec("1/4"), weight=None)
    assert (union.value("mpi_H"), union.value("mpi_M0")) == pytest.approx((3 / 4, 7 / 16))
    intersection = mpi(AF_ACHIEVEMENTS, af_spec("1"), weight=None)
    assert (intersection.value("mpi_H"), intersection.value("mpi_A")) == pytest.approx((1 / 4, 1))


def test_ready_made_deprivation_columns_give_the_same_answer() -> None:
    flags = pd.DataFrame({name: AF_ACHIEVEMENTS[name] < z for name, z in AF_CUTOFFS.items()})
    raw = mpi(AF_ACHIEVEMENTS, af_spec("1/2"), weight=None).tidy()
    ready = mpi(flags, af_spec("1/2", ready_made=True), weight=None).tidy()
    pd.testing.assert_frame_equal(raw, ready)
    # Censored headcounts of the example: only persons 2 and 3 count.
    censored = ready.set_index("indicator")["estimate"]
    assert censored["censored:d1"] == pytest.approx(1 / 4)
    assert censored["censored:d2"] == pytest.approx(1 / 2)
    assert censored["uncensored:d2"] == pytest.approx(3 / 4)


@pytest.fixture(scope="module")
def frames(diy: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    return diy.households(), diy.persons()


@pytest.fixture(scope="module")
def sample(frames: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """3,000 households of the synthetic dataset, with varied integer weights."""
    households, persons = frames
    chosen = households.sample(3000, random_state=1).reset_index(drop=True)
    chosen["weight"] = np.random.default_rng(2).integers(1, 4, len(chosen)).astype(float)
    return chosen, persons[persons["household_id"].isin(chosen["household_id"])]


@pytest.mark.parametrize("name", ["global", "housing-id"])
def test_shipped_specs_on_synthetic_data(
    name: str, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    households, persons = frames
    spec = load_spec(name)
    result = mpi(households, name, persons)
    values = result.tidy().set_index("indicator")
    estimate = values["estimate"]
    h, a, m0 = estimate["mpi_H"], estimate["mpi_A"], estimate["mpi_M0"]
    assert 0.005 < h < 0.5
    assert spec.k - 1e-9 <= a <= 1
    assert m0 == pytest.approx(h * a)
    names = [i.name for i in spec.indicators]
    weights = np.array([i.weight for i in spec.indicators])
    censored = estimate[[f"censored:{n}" for n in names]].to_numpy()
    uncensored = estimate[[f"uncensored:{n}" for n in names]].to_numpy()
    contributions = estimate[[f"contribution:{n}" for n in names]].to_numpy()
    assert m0 == pytest.approx(weights @ censored)
    assert contributions.sum() == pytest.approx(1)
    assert np.all(censored <= uncensored + 1e-12)
    assert np.all((uncensored > 0) & (uncensored < 1))
    assert (values["se"] > 0).all() and (values["se"] < 0.02).all()
    assert values.loc["mpi_H", "population"] == pytest.approx(
        (
            households["weight"]
            * persons.groupby("household_id").size()[households["household_id"]].to_numpy()
        ).sum()
    )
    assert text("mpi.title", "id") in result.summary("id")
    assert "k = 0.3333" in result.summary("en") or "k = 0.25" in result.summary("en")


@pytest.mark.parametrize("by", [["regency_code"], ["regency_code", "urban"]])
def test_decomposition_by_group(by: list[str], frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """M0, H and every censored headcount of the population are the population-share-weighted
    sums of the groups' values; within each group the contributions add up to 1."""
    households, persons = frames
    whole = mpi(households, "global", persons).tidy().set_index("indicator")
    groups = mpi(households, "global", persons, by=by).tidy()
    population = groups[groups["indicator"] == "mpi_H"].set_index(by)["population"]
    share = population / population.sum()
    assert population.sum() == pytest.approx(whole.loc["mpi_H", "population"])
    for name in ["mpi_H", "mpi_M0", "censored:housing", "uncensored:assets"]:
        per_group = groups[groups["indicator"] == name].set_index(by)["estimate"]
        assert (share * per_group).sum() == pytest.approx(whole.loc[name, "estimate"], rel=1e-12)
    contributions = groups[groups["indicator"].str.startswith("contribution:")]
    assert np.allclose(contributions.groupby(by)["estimate"].sum(), 1)


def test_row_order_does_not_matter(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    households, persons = sample
    first = mpi(households, "global", persons, by=["urban"]).tidy()
    shuffled = mpi(
        households.sample(frac=1, random_state=3),
        "global",
        persons.sample(frac=1, random_state=4),
        by=["urban"],
    ).tidy()
    pd.testing.assert_frame_equal(first, shuffled, rtol=1e-10)


def test_weights_equal_duplicated_rows(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """A household of weight 3 counts like three copies of it with weight 1."""
    households, persons = sample
    copies = households["weight"].astype(int).to_numpy()
    expanded = households.loc[households.index.repeat(copies)].reset_index(drop=True)
    expanded["copy"] = expanded.groupby("household_id").cumcount().astype(str)
    expanded["weight"] = 1.0
    members = persons.merge(expanded[["household_id", "copy"]], on="household_id")
    for frame in (expanded, members):
        frame["household_id"] = frame["household_id"] + "#" + frame["copy"]
    weighted = mpi(households, "housing-id", persons).tidy()
    repeated = mpi(expanded, "housing-id", members).tidy()
    assert np.allclose(weighted["estimate"], repeated["estimate"], rtol=1e-12, atol=0)
    assert np.allclose(weighted["population"], repeated["population"])


def test_size_column_matches_counted_members(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    households, persons = sample
    sized = households.assign(
        size=households["household_id"].map(persons.groupby("household_id").size())
    )
    counted = mpi(households, "global", persons).tidy()
    given = mpi(sized, "global", persons, size="size").tidy()
    pd.testing.assert_frame_equal(counted, given)


def test_headcount_standard_error_is_the_binomial_one() -> None:
    """Unweighted, one unit per row, no design: se(H) = sqrt(H(1 − H)/(n − 1))."""
    rng = np.random.default_rng(5)
    flags = pd.DataFrame({name: rng.random(500) < 0.3 for name in AF_CUTOFFS})
    result = mpi(flags, af_spec("1/2", ready_made=True), weight=None)
    h = result.value("mpi_H")
    se = result.tidy().set_index("indicator").loc["mpi_H", "se"]
    assert se == pytest.approx(np.sqrt(h * (1 - h) / (500 - 1)), rel=1e-12)


def _jackknife_se(frame: pd.DataFrame, y: np.ndarray, x: np.ndarray) -> float:
    """Delete-one-PSU jackknife (JKn) standard error of Σ w y / Σ w x, strata and PSUs given.

    Written independently of the linearisation: drop each PSU in turn, scale up the rest of its
    stratum by n_h / (n_h − 1), recompute the ratio.
    """
    w = frame["weight"].to_numpy()
    psu = pd.factorize(frame["stratum"] + "|" + frame["psu"])[0]
    stratum_of = pd.Series(frame["stratum"].to_numpy()).groupby(psu).first().to_numpy()
    psu_y, psu_x = np.bincount(psu, w * y), np.bincount(psu, w * x)
    table = pd.DataFrame({"h": stratum_of, "y": psu_y, "x": psu_x})
    by_h = table.groupby("h")
    n_h = by_h["y"].transform("size").to_numpy()
    y_h, x_h = by_h["y"].transform("sum").to_numpy(), by_h["x"].transform("sum").to_numpy()
    scale = n_h / (n_h - 1)
    ratio = (psu_y.sum() - y_h + scale * (y_h - psu_y)) / (
        psu_x.sum() - x_h + scale * (x_h - psu_x)
    )
    table["r"] = ratio
    spread = (table["r"] - table.groupby("h")["r"].transform("mean")) ** 2
    return float(np.sqrt((spread * (n_h - 1) / n_h).sum()))


def test_linearised_errors_agree_with_a_jackknife(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """Strata = kabupaten, PSUs = kecamatan: linearisation and JKn agree within a few percent."""
    households, persons = frames
    frame = households.assign(stratum=households["regency_code"], psu=households["district_code"])
    result = mpi(frame, "housing-id", persons, strata="stratum", psu="psu").tidy()
    se = result.set_index("indicator")["se"]
    spec = load_spec("housing-id")
    status = deprivations(frame, spec).to_numpy(dtype=float)
    size = frame["household_id"].map(persons.groupby("household_id").size()).to_numpy(float)
    score = status @ np.array([i.weight for i in spec.indicators])
    poor = (score >= spec.k - 1e-9).astype(float)
    walls = status[:, [i.name for i in spec.indicators].index("walls")]
    checks = {
        "mpi_H": (size * poor, size),
        "mpi_M0": (size * score * poor, size),
        "mpi_A": (size * score * poor, size * poor),
        "contribution:walls": (size * walls * poor / 8, size * score * poor),
    }
    for name, (y, x) in checks.items():
        assert se[name] == pytest.approx(_jackknife_se(frame, y, x), rel=0.03), name
    # Clustering matters: the design-based errors exceed the simple-random-sampling ones.
    simple = mpi(frame, "housing-id", persons).tidy().set_index("indicator")["se"]
    assert se["mpi_H"] > simple["mpi_H"]


def _tiny_households() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four households built to exercise the missing-value rule of the global specification."""
    households = pd.DataFrame(
        {
            "household_id": ["a", "b", "c", "d"],
            "weight": [1.0, 1.0, 1.0, 1.0],
            "cooking_fuel": ["wood", "lpg", "wood", "lpg"],
            "toilet": ["none", "private", "none", "private"],
            "water_source": ["surface", "piped", None, "piped"],
            "electricity": ["pln_450"] * 4,
            "floor_type": ["earth", "ceramic", "earth", "ceramic"],
            "wall_type": ["brick"] * 4,
            "roof_type": ["clay_tile"] * 4,
            "owns_motorcycle": [False, True, False, True],
            "owns_refrigerator": [False, True, False, True],
        }
    )
    persons = pd.DataFrame(
        {
            "household_id": ["a", "a", "a", "b", "b", "c", "d", "d"],
            "age": [40, 9, 12, 35, 11, 50, 30, 8],
            "education": ["sd", "none", "none", "sma", "none", "none", "smp", "none"],
            # a: one child out of school settles it although the other's enrolment is unknown;
            # b: its only school-age child's enrolment is unknown, so b is left out.
            "enrolled": pd.array([False, False, None, False, None, False, False, True]),
        }
    )
    return households, persons


def test_missing_values_follow_the_ophi_rule() -> None:
    households, persons = _tiny_households()
    status = deprivations(households, "global", persons)
    assert status.loc[0, "school_attendance"] == 1  # settled by the known child
    assert pd.isna(status.loc[1, "school_attendance"])  # the only child's enrolment is unknown
    assert pd.isna(status.loc[2, "drinking_water"])
    assert status.loc[2, "years_of_schooling"] == 1  # c: the only adult never finished SD
    result = mpi(households, "global", persons)
    # b and c are left out; of a (3 persons, poor) and d (2 persons, not poor): H = 3/5.
    assert result.value("mpi_H") == pytest.approx(3 / 5)
    assert result.tidy()["population"].iloc[0] == 5
    keys = [key for key, _ in result.notes]
    assert "mpi.note_left_out" in keys
    note = dict(result.notes)["mpi.note_left_out"]
    assert note["count"] == 2
    assert "drinking_water (1)" in note["indicators"]
    assert "school_attendance (1)" in note["indicators"]
    for language in ("id", "en"):
        assert "drinking_water (1)" in result.summary(language)


def test_missing_inputs_are_named() -> None:
    households, persons = _tiny_households()
    with pytest.raises(SejahteraError) as error:
        mpi(households, "global")
    assert error.value.key == "mpi.persons_needed"
    with pytest.raises(SejahteraError) as error:
        mpi(households.drop(columns="toilet"), "global", persons)
    assert error.value.key == "mpi.column_missing" and error.value.values["column"] == "toilet"
    with pytest.raises(SejahteraError) as error:
        mpi(households, "global", persons, by=["regency_code"])
    assert error.value.values["column"] == "regency_code"


# --- specification checks -------------------------------------------------------------------

BASE: dict[str, Any] = {
    "name": "test",
    "label": {"id": "Uji", "en": "Test"},
    "k": "1/3",
    "dimensions": [
        {
            "name": "living",
            "label": {"id": "Hidup", "en": "Living"},
            "indicators": [
                {
                    "name": "water",
                    "label": {"id": "Air", "en": "Water"},
                    "weight": "1/2",
                    "column": "water_source",
                    "deprived_if": {"in": ["surface"]},
                },
                {
                    "name": "school",
                    "label": {"id": "Sekolah", "en": "School"},
                    "weight": "1/2",
                    "persons": {
                        "where": {"age": {"between": [7, 15]}, "enrolled": {"equals": False}},
                        "deprived_if": "any",
                    },
                },
            ],
        }
    ],
}


def _water(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["dimensions"][0]["indicators"][0]


def _school(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["dimensions"][0]["indicators"][1]


BROKEN = [
    ("weights", lambda s: _water(s).update(weight=0.4), "mpi.spec_weight_sum", "dimensions"),
    ("k_zero", lambda s: s.update(k=0), "mpi.spec_k_range", "k"),
    ("k_above_one", lambda s: s.update(k="3/2"), "mpi.spec_k_range", "k"),
    (
        "column",
        lambda s: _water(s).update(column="water_sorce"),
        "mpi.spec_unknown_column",
        "living/water/column",
    ),
    (
        "category",
        lambda s: _water(s).update(deprived_if={"in": ["river"]}),
        "mpi.spec_unknown_category",
        "living/water/deprived_if/in",
    ),
    (
        "comparison",
        lambda s: _water(s).update(deprived_if={"is": "surface"}),
        "mpi.spec_bad_test",
        "living/water/deprived_if",
    ),
    (
        "order_on_category",
        lambda s: _water(s).update(deprived_if={"below": 3}),
        "mpi.spec_not_numeric",
        "living/water/deprived_if/below",
    ),
    (
        "person_column",
        lambda s: _school(s)["persons"]["where"].update(klass={"equals": 3}),
        "mpi.spec_unknown_column",
        "living/school/persons/where/klass",
    ),
    (
        "between",
        lambda s: _school(s)["persons"]["where"].update(age={"between": [15, 7]}),
        "mpi.spec_bad_between",
        "living/school/persons/where/age/between",
    ),
    ("duplicate", lambda s: _school(s).update(name="water"), "mpi.spec_duplicate_name", "water"),
    (
        "two_forms",
        lambda s: _water(s).update(any_of={"toilet": {"in": ["none"]}}),
        "mpi.spec_form",
        "living/water",
    ),
    (
        "name",
        lambda s: _water(s).update(name="Air Minum"),
        "mpi.spec_bad_name",
        "living/indicators[1]/name",
    ),
]


@pytest.mark.parametrize(("case", "change", "key", "entry"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_spec_is_refused_before_any_data(
    case: str, change: Any, key: str, entry: str, tmp_path: Path
) -> None:
    spec = copy.deepcopy(BASE)
    change(spec)
    path = tmp_path / f"{case}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FileError) as error:
        load_spec(path)
    assert error.value.key == key
    assert error.value.values["entry"] == entry
    assert isinstance(error.value.line, int)
    for language in ("id", "en"):
        message = text(key, language, **error.value.values)
        assert str(path) in message and entry in message


# The shape of the file, checked by its declared model: the messages every YAML file shares,
# with the line of the offending key (``marker`` is on it).
MISSHAPEN = [
    ("top_key", lambda s: s.update(cutoff=0.3), "yamlfile.unknown_key", "cutoff:"),
    ("indicator_key", lambda s: _water(s).update(wieght=1), "yamlfile.unknown_key", "wieght:"),
    (
        "aggregate",
        lambda s: _school(s)["persons"].update(deprived_if="some"),
        "yamlfile.not_choice",
        "deprived_if: some",
    ),
    ("weight_text", lambda s: _water(s).update(weight="half"), "yamlfile.not_number", "half"),
    ("weight_bool", lambda s: _water(s).update(weight=True), "yamlfile.not_number", "true"),
    ("label", lambda s: _water(s).update(label={"id": "Air"}), "yamlfile.missing_key", "label:"),
    ("no_indicators", lambda s: s["dimensions"][0].update(indicators=[]), "yamlfile.empty", "[]"),
    ("k_list", lambda s: s.update(k=[1, 3]), "yamlfile.not_number", "k:"),
]


@pytest.mark.parametrize(
    ("case", "change", "key", "marker"), MISSHAPEN, ids=[m[0] for m in MISSHAPEN]
)
def test_a_misshapen_spec_names_the_line(
    case: str, change: Any, key: str, marker: str, tmp_path: Path
) -> None:
    spec = copy.deepcopy(BASE)
    change(spec)
    written = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    path = tmp_path / f"{case}.yaml"
    path.write_text(written, encoding="utf-8")
    with pytest.raises(FileError) as error:
        load_spec(path)
    lines = written.splitlines()
    marked = [n for n, line in enumerate(lines, start=1) if marker in line]
    if case == "label":  # the water indicator's label, which lacks its English text
        marked = [n - 1 for n, line in enumerate(lines, start=1) if "id: Air" in line]
    assert (error.value.key, error.value.file, error.value.line) == (key, str(path), marked[0])
    for language in ("id", "en"):
        assert f"{path}, {'baris' if language == 'id' else 'line'} {marked[0]}" in text(
            key, language, **error.value.values
        )


def test_no_stays_text_in_a_spec(tmp_path: Path) -> None:
    spec = copy.deepcopy(BASE)
    spec["columns"] = {"answer": {"kind": "str"}}
    _water(spec).update(column="answer", deprived_if={"equals": "no"})
    path = tmp_path / "jawaban.yaml"
    path.write_text(yaml.safe_dump(spec).replace("'no'", "no"), encoding="utf-8")
    assert "equals: no\n" in path.read_text("utf-8")  # unquoted, as people write it

    assert load_spec(path).indicators[0].tests[0].value == "no"
    spec["columns"] = {"answer": {"kind": "bool"}}
    path.write_text(yaml.safe_dump(spec).replace("'no'", "no"), encoding="utf-8")
    with pytest.raises(FileError) as error:
        load_spec(path)
    assert error.value.key == "mpi.spec_bad_value"  # no is not false


def test_the_base_spec_is_valid_and_unreadable_files_are_named(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(BASE), encoding="utf-8")
    spec = load_spec(good)
    assert [i.name for i in spec.indicators] == ["water", "school"]
    assert spec.k == pytest.approx(1 / 3) and spec.file == str(good)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nk: [1/3\n", encoding="utf-8")
    with pytest.raises(FileError) as error:
        load_spec(broken)
    assert error.value.key == "yamlfile.syntax" and str(broken) in str(error.value)
    with pytest.raises(SejahteraError) as error:
        load_spec(tmp_path / "absent.yaml")
    assert error.value.key == "mpi.spec_not_found" and "housing-id" in str(error.value)


def test_declared_columns_extend_the_schema() -> None:
    spec = copy.deepcopy(BASE)
    spec["columns"] = {"malnourished": {"kind": "bool", "table": "persons"}}
    _school(spec)["persons"] = {"where": {"malnourished": {"equals": True}}, "deprived_if": "any"}
    households = pd.DataFrame({"household_id": ["a", "b"], "water_source": ["piped", "piped"]})
    persons = pd.DataFrame({"household_id": ["a", "a", "b"], "malnourished": [False, True, False]})
    result = mpi(households, MpiSpec.from_mapping(spec), persons, weight=None)
    assert result.value("mpi_H") == pytest.approx(2 / 3)  # a's two members of three persons
    spec["columns"] = {"toilet": {"kind": "bool"}}
    with pytest.raises(SejahteraError) as error:
        MpiSpec.from_mapping(spec, "inline.yaml")
    assert error.value.key == "mpi.spec_column_exists"


def test_shipped_specs_load_by_name() -> None:
    assert {"global", "housing-id"} <= set(shipped_specs())
    global_mpi = load_spec("global")
    assert global_mpi.k == pytest.approx(1 / 3)
    assert {d.name: round(d.weight, 12) for d in global_mpi.dimensions} == {
        "education": 0.5,
        "living_standards": 0.5,
    }
    housing = load_spec("housing-id")
    assert housing.k == pytest.approx(1 / 4)
    assert all(i.weight == 1 / 8 and i.reference for i in housing.indicators)
    assert all(i.label["id"] and i.label["en"] for i in housing.indicators)
