"""`sejahtera measure`, `mpi` and `profile` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.data.dataset import Dataset
from sejahtera.synth import SynthOptions, synthesise

EUSILC = Path(__file__).resolve().parent / "fixtures" / "eusilc" / "eusilc.RData"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """Synthetic DI Yogyakarta, 6,000 households: every kecamatan, few rows per desa."""
    return synthesise(SynthOptions("34", 6_000, seed=11), tmp_path_factory.mktemp("s") / "diy")


def test_measure_reproduces_laeken_on_eusilc() -> None:
    code, out, err = run(
        "measure",
        str(EUSILC),
        "--welfare",
        "eqIncome",
        "--weight",
        "rb050",
        "--line",
        "60%median",
        "--by",
        "rb090",
        "--indicators",
        "fgt0,poverty_line",
        "--json",
    )
    assert code == 0, err
    rows = {(r["rb090"], r["indicator"]): r for r in json.loads(out)}
    # surveysd vignette, same eusilc sample: 12.02660 % of men, 16.73351 % of women.
    assert rows[("male", "fgt0")]["estimate"] == pytest.approx(0.1202660, abs=5e-8)
    assert rows[("female", "fgt0")]["estimate"] == pytest.approx(0.1673351, abs=5e-8)
    # laeken prints the at-risk-of-poverty threshold 10859.24 for the whole population.
    assert rows[("male", "poverty_line")]["estimate"] == pytest.approx(10859.24, abs=0.005)
    for row in rows.values():
        assert set(row) == {
            "rb090",
            "indicator",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "n",
            "population",
        }
        assert row["ci_low"] <= row["estimate"] <= row["ci_high"]


def test_measure_on_a_dataset_counts_people_as_bps_does(small: Dataset) -> None:
    code, out, err = run("measure", str(small.path), "--by", "regency_code", "--json")
    assert code == 0, err
    rows = pd.DataFrame(json.loads(out))
    households = small.households()
    size = small.persons(["household_id"]).groupby("household_id").size()
    households["people"] = households["weight"] * households["household_id"].map(size)
    households["poor"] = households["consumption_pc"] < households["poverty_line"]
    for regency, group in households.groupby("regency_code"):
        expected = (group["people"] * group["poor"]).sum() / group["people"].sum()
        got = rows[(rows["regency_code"] == regency) & (rows["indicator"] == "fgt0")]
        assert got["estimate"].item() == pytest.approx(expected, rel=1e-12)
        assert got["population"].item() == pytest.approx(group["people"].sum(), rel=1e-12)
        assert got["n"].item() == len(group)
    assert set(rows["indicator"]) >= {
        "fgt0",
        "fgt1",
        "fgt2",
        "gini",
        "theil",
        "mld",
        "palma",
        "s80s20",
        "atkinson_0.5",
        "atkinson_1",
        "atkinson_2",
        "mean",
        "median",
        "poverty_line",
    }


def test_measure_by_a_person_attribute_has_one_row_per_person(small: Dataset) -> None:
    code, out, err = run(
        "measure", str(small.path), "--by", "age_group", "--indicators", "fgt0", "--json"
    )
    assert code == 0, err
    rows = json.loads(out)
    assert [r["age_group"] for r in rows] == ["0-6", "7-12", "13-15", "16-18", "19-59", "60+"]
    assert sum(r["n"] for r in rows) == small.manifest.persons


def test_decompose_contributions_add_up(small: Dataset) -> None:
    code, out, err = run(
        "measure", str(small.path), "--by", "urban", "--decompose", "--indicators", "fgt0", "--json"
    )
    assert code == 0, err
    rows = pd.DataFrame(json.loads(out))
    for alpha in (0, 1, 2):
        shares = rows[rows["indicator"] == f"contribution_fgt{alpha}"]["estimate"]
        assert len(shares) == 2 and shares.sum() == pytest.approx(1.0)
    whole = rows[rows["urban"].isna()]  # rows for the whole population
    theil = whole[whole["indicator"].str.startswith("theil")].set_index("indicator")["estimate"]
    assert theil["theil_within"] + theil["theil_between"] == pytest.approx(theil["theil"])


@pytest.fixture()
def survey_csv(tmp_path: Path) -> Path:
    """A small survey file written the Indonesian way: semicolons and decimal commas."""
    path = tmp_path / "susenas.csv"
    lines = ["kab;kapita;bobot;garis"]
    generator = np.random.default_rng(3)
    for row in range(60):
        income = generator.lognormal(13.5, 0.5)
        lines.append(
            f"{'A' if row % 2 else 'B'};{income:.2f}".replace(".", ",") + f";{1 + row % 3};550.000"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_measure_reads_an_indonesian_csv(survey_csv: Path) -> None:
    code, out, err = run(
        "measure",
        str(survey_csv),
        "--welfare",
        "kapita",
        "--weight",
        "bobot",
        "--line",
        "garis",
        "--by",
        "kab",
        "--indicators",
        "fgt0,mean",
        "--json",
    )
    assert code == 0, err
    frame = pd.read_csv(survey_csv, sep=";", decimal=",", thousands=".")
    rows = {(r["kab"], r["indicator"]): r["estimate"] for r in json.loads(out)}
    for kab, group in frame.groupby("kab"):
        mean = np.average(group["kapita"], weights=group["bobot"])
        assert rows[(kab, "mean")] == pytest.approx(mean)
        poor = np.average(group["kapita"] < 550_000, weights=group["bobot"])
        assert rows[(kab, "fgt0")] == pytest.approx(poor)


@pytest.mark.parametrize(
    ("row", "column", "value", "expected"),
    [
        (3, "kapita", "abc", ["susenas.csv", "3", "kapita", "abc"]),
        (5, "kapita", "", ["susenas.csv", "5", "kapita"]),
        (2, "bobot", "0", ["susenas.csv", "2", "bobot", "0"]),
        (4, "bobot", "-1", ["susenas.csv", "4", "bobot"]),
        (6, "kab", "", ["susenas.csv", "6", "kab"]),
    ],
)
def test_bad_values_are_named_by_file_row_and_column(
    survey_csv: Path, row: int, column: str, value: str, expected: list[str]
) -> None:
    frame = pd.read_csv(survey_csv, sep=";", dtype=str)
    frame.loc[row - 1, column] = value
    frame.to_csv(survey_csv, sep=";", index=False)
    code, out, err = run(
        "--lang",
        "en",
        "measure",
        str(survey_csv),
        "--welfare",
        "kapita",
        "--weight",
        "bobot",
        "--line",
        "garis",
        "--by",
        "kab",
    )
    assert code == 2 and out == ""
    assert "Traceback" not in err
    for part in expected:
        assert part in err, (part, err)


def test_unknown_column_lists_the_columns_there_are(survey_csv: Path) -> None:
    code, _, err = run("measure", str(survey_csv), "--welfare", "pendapatan")
    assert code == 2
    assert "pendapatan" in err and "kapita, bobot, garis" in err


def test_a_bad_line_and_an_unknown_indicator_are_refused(survey_csv: Path) -> None:
    for extra in (["--line", "60%mode"], ["--line", "-5"], ["--indicators", "gini,hdi"]):
        code, _, err = run(
            "--lang", "en", "measure", str(survey_csv), "--welfare", "kapita", *extra
        )
        assert code == 2 and "Traceback" not in err, extra


def test_mpi_command(small: Dataset) -> None:
    code, out, err = run("mpi", str(small.path), "--spec", "housing-id", "--by", "urban", "--json")
    assert code == 0, err
    rows = pd.DataFrame(json.loads(out))
    for _, group in rows.groupby("urban"):
        values = group.set_index("indicator")["estimate"]
        assert 0 < values["mpi_H"] < 1
        assert values["mpi_M0"] == pytest.approx(values["mpi_H"] * values["mpi_A"])
    code, out, err = run("--lang", "en", "mpi", str(small.path), "--spec", "nowhere.yaml")
    assert code == 2 and "nowhere.yaml" in err


def test_profile_writes_the_same_numbers_everywhere(small: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "profil"
    code, _, err = run("profile", str(small.path), "--out", str(out))
    assert code == 0, err
    assert {p.name for p in out.iterdir()} >= {
        "index.html",
        "profile.json",
        "overall.csv",
        "areas_district.csv",
        "areas_village.csv",
        "traits.csv",
        "coverage.csv",
        "mpi_global.csv",
        "mpi_housing_id.csv",
    }
    page = (out / "index.html").read_text("utf-8")
    assert "Profil kebutuhan sosial: Daerah Istimewa Yogyakarta" in page
    assert "SINTETIS" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page and "<script" not in page
    data = json.loads((out / "profile.json").read_text("utf-8"))
    overall = {r["indicator"]: r["estimate"] for r in data["overall"]}
    _, measured, _ = run("measure", str(small.path), "--indicators", "fgt0,gini", "--json")
    for row in json.loads(measured):
        assert overall[row["indicator"]] == pytest.approx(row["estimate"], rel=1e-12)
    districts = pd.read_csv(out / "areas_district.csv")
    assert len(districts) == 78
    assert districts["fgt0"].tolist() == pytest.approx([r["fgt0"] for r in data["areas_district"]])
    # Every kecamatan appears in the ranked coverage table, ranked by poor people not reached.
    coverage = pd.read_csv(out / "coverage.csv")
    assert coverage["rank"].tolist() == list(range(1, 79))
    assert coverage["unreached_poor"].is_monotonic_decreasing
    # A kecamatan with no poor person in the sample has no exclusion rate, only an empty cell.
    assert coverage["exclusion"].isna().equals(coverage["poor_people"] == 0)
    assert coverage["exclusion"].dropna().between(0, 1).all()
    # With about 14 households per desa, desa figures are flagged as resting on few rows.
    villages = pd.read_csv(out / "areas_village.csv")
    assert (villages["reliability"] == "few_rows").mean() > 0.5


def test_profile_in_english_and_without_overwriting(small: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "profile"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = run("--lang", "en", "profile", str(small.path), "--out", str(out))
    assert code == 2 and "--overwrite" in err
    assert (out / "keep.txt").read_text() == "mine"
    code, _, err = run("--lang", "en", "profile", str(small.path), "--out", str(out), "--overwrite")
    assert code == 0, err
    page = (out / "index.html").read_text("utf-8")
    assert "Social needs profile" in page and "Who the poor are" in page
    assert not (out / "keep.txt").exists()


def test_profile_needs_a_dataset_folder(survey_csv: Path, tmp_path: Path) -> None:
    code, _, err = run("--lang", "en", "profile", str(survey_csv), "--out", str(tmp_path / "p"))
    assert code == 2 and "dataset" in err
    assert not (tmp_path / "p").exists()


def test_profile_says_which_welfare_columns_are_missing(small: Dataset, tmp_path: Path) -> None:
    from dataclasses import replace

    from sejahtera.data.dataset import write_dataset

    households = small.households().drop(columns=["consumption_pc"])
    folder = tmp_path / "registry"
    write_dataset(
        folder,
        households,
        small.persons(),
        replace(small.manifest, files={}, households=0, persons=0),
    )
    code, _, err = run("--lang", "en", "profile", str(folder), "--out", str(tmp_path / "p"))
    assert code == 2 and "consumption_pc" in err and "Traceback" not in err
    assert not (tmp_path / "p").exists()


def test_stream_gives_the_in_memory_estimates(tmp_path: Path) -> None:
    import pyreadr

    frame = pyreadr.read_r(EUSILC)["eusilc"][["eqIncome", "rb050", "db040"]]
    folder = tmp_path / "parts"
    folder.mkdir()
    for part, rows in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[rows].assign(db040=lambda f: f["db040"].astype(str)).to_parquet(
            folder / f"part-{part}.parquet"
        )
    args = ["--welfare", "eqIncome", "--weight", "rb050", "--line", "60%median", "--by", "db040"]
    code, streamed, err = run("measure", str(folder), *args, "--stream", "--json")
    assert code == 0, err
    _, in_memory, _ = run("measure", str(EUSILC), *args, "--json")
    expected = {(r["db040"], r["indicator"]): r["estimate"] for r in json.loads(in_memory)}
    rows = json.loads(streamed)
    assert len(rows) == len(expected)
    for row in rows:
        wanted = expected[(row["db040"], row["indicator"])]
        if wanted is None:  # MLD and Atkinson(ε ≥ 1) are empty: eusilc has zero incomes
            assert row["estimate"] is None
        else:
            assert row["estimate"] == pytest.approx(wanted, rel=1e-9)
        assert row["se"] is None
    code, _, err = run("--lang", "en", "measure", str(EUSILC), "--welfare", "eqIncome", "--stream")
    assert code == 2 and "--stream" in err


def test_profile_of_a_province_without_kecamatan_boundaries(tmp_path: Path) -> None:
    # Outside DI Yogyakarta only kabupaten boundaries ship: maps are drawn by kabupaten.
    data = synthesise(SynthOptions("33", 3_000, seed=4), tmp_path / "jateng")
    code, _, err = run("profile", str(data.path), "--out", str(tmp_path / "p"))
    assert code == 0, err
    page = (tmp_path / "p" / "index.html").read_text("utf-8")
    assert "Jawa Tengah" in page and page.count("<svg") >= 3
    coverage = pd.read_csv(tmp_path / "p" / "coverage.csv", dtype={"code": str})
    assert coverage["code"].str.fullmatch(r"33\.\d\d").all() and len(coverage) == 35


def test_mpi_cutoff_can_be_varied(small: Dataset) -> None:
    headcounts = []
    for k in ("0.01", "0.25", "0.5", "1"):
        code, out, err = run("mpi", str(small.path), "--spec", "housing-id", "--k", k, "--json")
        assert code == 0, err
        rows = {r["indicator"]: r["estimate"] for r in json.loads(out)}
        headcounts.append(rows["mpi_H"])
        # The uncensored headcounts do not depend on k; the censored ones never exceed them.
        assert all(
            rows[f"censored:{n[11:]}"] <= v + 1e-12
            for n, v in rows.items()
            if n.startswith("uncensored:")
        )
    assert headcounts == sorted(headcounts, reverse=True) and headcounts[0] > headcounts[-1]
    code, _, err = run("mpi", str(small.path), "--spec", "housing-id", "--k", "0")
    assert code == 2


def test_repeated_names_count_once_and_bounded_intervals(tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text("inc,w,g,s,p\n100,1,a,S1,1\n200,1,a,S1,2\n300,1,b,S2,3\n")
    code, out, err = run(
        "measure",
        str(path),
        "--welfare",
        "inc",
        "--weight",
        "w",
        "--line",
        "250",
        "--by",
        "g,g",
        "--indicators",
        "fgt0,gini,fgt0",
        "--json",
    )
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["g"], r["indicator"]) for r in rows] == [
        ("a", "fgt0"),
        ("a", "gini"),
        ("b", "fgt0"),
        ("b", "gini"),
    ]
    for row in rows:  # rates stay rates even when the normal interval would leave [0, 1]
        if row["ci_low"] is not None:
            assert 0 <= row["ci_low"] <= row["estimate"] <= row["ci_high"] <= 1
    # Stratum S2 has one PSU: no standard error is possible, but point estimates are.
    design = ["--strata", "s", "--psu", "p"]
    code, _, err = run("--lang", "en", "measure", str(path), "--welfare", "inc", *design)
    assert code == 2 and "S2" in err
    code, out, err = run(
        "measure",
        str(path),
        "--welfare",
        "inc",
        *design,
        "--variance",
        "none",
        "--indicators",
        "mean",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)[0]["estimate"] == pytest.approx(200.0)
    code, _, err = run(
        "--lang",
        "en",
        "measure",
        str(path),
        "--welfare",
        "inc",
        "--extreme-line",
        "150",
        "--indicators",
        "fgt0",
    )
    assert code == 2 and "--line" in err and "--extreme-line" not in err


def test_stream_refuses_what_it_cannot_do_and_filters_indicators(tmp_path: Path) -> None:
    path = tmp_path / "incomes.parquet"
    pd.DataFrame({"inc": np.arange(1.0, 101.0), "w": 1.0}).to_parquet(path)
    base = ["measure", str(path), "--welfare", "inc", "--weight", "w", "--stream"]
    for extra in (
        ["--decompose"],
        ["--strata", "w"],
        ["--quantiles", "interpolate"],
        ["--variance", "bootstrap"],
    ):
        code, _, err = run("--lang", "en", *base, *extra)
        assert code == 2 and extra[0] in err, extra
    code, out, err = run(*base, "--indicators", "median,gini", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["indicator"] for r in rows] == ["median", "gini"]
    assert rows[0]["estimate"] == pytest.approx(50.5)  # Eurostat: the mean of 50 and 51
