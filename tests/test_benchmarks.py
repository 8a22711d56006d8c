"""The published BPS series and their loader: every row sourced, every malformed cell named."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest

from sejahtera.data.benchmarks import (
    COLUMNS,
    FRACTIONS,
    INDICATORS,
    NATIONAL,
    ROLES,
    benchmarks,
    comparators,
    read_series,
)
from sejahtera.errors import SejahteraError
from sejahtera.i18n import speaking

SHIPPED = resources.files("sejahtera").joinpath("resources/facts/bps-series.csv")


def shipped_rows() -> list[dict[str, str]]:
    with SHIPPED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "series.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def broken(tmp_path: Path, row: int, column: str, value: str) -> str:
    """The English message for the shipped file with one cell (data row ``row``) changed."""
    rows = shipped_rows()
    rows[row - 1][column] = value
    path = write(tmp_path, rows)
    with pytest.raises(SejahteraError) as caught, speaking("en"):
        read_series(path)
    with speaking("en"):
        return str(caught.value)


def test_the_shipped_file_reads_and_every_row_names_its_source() -> None:
    table = read_series()
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == len(shipped_rows()) > 150
    assert table["source"].str.strip().str.len().gt(20).all()
    assert set(table["indicator"]) <= set(INDICATORS)
    assert set(table["basis"]) <= {"published", "derived"}
    derived = table[table["basis"] == "derived"]
    assert derived["source"].str.startswith("derived").all()  # the arithmetic is stated


def test_the_areas_asked_for_are_there() -> None:
    table = read_series()
    p0 = set(table.loc[table["indicator"] == "p0", "area_code"])
    diy = {"34.01", "34.02", "34.03", "34.04", "34.71"}
    jateng_neighbours = {"33.06", "33.08", "33.10", "33.11", "33.12"}
    assert {NATIONAL, "34", "33"} | diy | jateng_neighbours <= p0


def test_values_are_in_their_units() -> None:
    table = read_series()
    fractions = table[table["indicator"].isin(FRACTIONS)]
    assert fractions["value"].between(0, 1).all()
    p0 = table[table["indicator"] == "p0"]
    assert p0["value"].between(0.03, 0.25).all()  # no percentage written as a fraction's 100x
    lines = table[table["indicator"] == "poverty_line"]
    assert lines["value"].between(200_000, 800_000).all()  # Rupiah per capita per month


def test_published_figures_spot_checked() -> None:
    table = read_series().set_index(["area_code", "indicator", "period"])["value"]
    assert table["34", "p0", "2023-03"] == pytest.approx(0.1104)  # BRS No. 50/07/34/Th. XXV
    assert table["34", "poverty_line", "2023-03"] == 573_022
    assert table["34.03", "p0", "2022"] == pytest.approx(0.1586)
    assert table[NATIONAL, "poor_count", "2024-09"] == 24_060_000


def test_province_and_national_rates_agree_with_their_counts() -> None:
    # Counts and rates of one release imply a population; it must move slowly between releases.
    table = read_series().pivot_table(
        index=["area_code", "period"], columns="indicator", values="value"
    )
    both = table.dropna(subset=["p0", "poor_count"])
    population = (both["poor_count"] / both["p0"]).groupby(level="area_code")
    spread = population.max() / population.min()
    assert (spread < 1.15).all(), spread


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("indicator", "p3", "unknown indicator"),
        ("value", "11,04", "a number with a decimal point"),
        ("value", "11.04", "fraction between 0 and 1"),
        ("period", "March 2023", "2024-03"),
        ("period", "2023-13", "2024-03"),
        ("area_code", "34.99", "not in regions.csv"),
        ("area_name", "Jogja", "should be 'Daerah Istimewa Yogyakarta'"),
        ("basis", "assumption", "published, derived"),
        ("source", " ", "source is required"),
        ("url", "www.bps.go.id", "https://"),
    ],
)
def test_a_malformed_cell_is_named_by_file_row_and_column(
    tmp_path: Path, column: str, value: str, expected: str
) -> None:
    row = next(
        i
        for i, r in enumerate(shipped_rows(), start=1)
        if r["area_code"] == "34" and r["indicator"] == "p0"
    )
    message = broken(tmp_path, row, column, value)
    assert f"series.csv, row {row}, column {column}" in message
    assert expected in message


def test_counts_and_money_are_checked(tmp_path: Path) -> None:
    rows = shipped_rows()
    count = next(i for i, r in enumerate(rows, start=1) if r["indicator"] == "poor_count")
    assert "positive whole number" in broken(tmp_path, count, "value", "448.5")
    line = next(i for i, r in enumerate(rows, start=1) if r["indicator"] == "poverty_line")
    assert "above 0" in broken(tmp_path, line, "value", "-1")


def test_a_repeated_value_names_both_rows(tmp_path: Path) -> None:
    rows = shipped_rows()
    path = write(tmp_path, [*rows, rows[4]])
    with pytest.raises(SejahteraError) as caught, speaking("en"):
        read_series(path)
    with speaking("en"):
        assert f"row {len(rows) + 1}, column period" in str(caught.value)
        assert "row 5" in str(caught.value)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_text("area_code,area_name,indicator,period,value,basis,url\n", "utf-8")
    with pytest.raises(SejahteraError) as caught, speaking("en"):
        read_series(path)
    with speaking("en"):
        assert "columns are missing: source" in str(caught.value)


def test_messages_are_indonesian_first(tmp_path: Path) -> None:
    rows = shipped_rows()
    rows[0]["value"] = "x"
    path = write(tmp_path, rows)
    with pytest.raises(SejahteraError) as caught, speaking("id"):
        read_series(path)
    with speaking("id"):
        assert "baris 1, kolom value" in str(caught.value)


def test_comparators_of_a_kabupaten() -> None:
    roles = comparators("34.03")
    assert roles == {
        "34": "province",
        NATIONAL: "national",
        "33.12": "neighbour",
        "34.02": "neighbour",
        "33.10": "neighbour",
        "33.11": "neighbour",
        "34.04": "neighbour",
        "33": "neighbour_province",
    }
    assert comparators("34.71") == {"34": "province", NATIONAL: "national"} | {
        "34.02": "neighbour",
        "34.04": "neighbour",
    }
    assert comparators("34") == {NATIONAL: "national", "33": "neighbour"}


def test_benchmarks_is_a_tidy_table_of_the_area_and_its_comparators() -> None:
    table = benchmarks("34.03", ["p0"])
    assert list(table.columns) == ["role", *COLUMNS]
    assert set(table["indicator"]) == {"p0"}
    assert list(dict.fromkeys(table["role"])) == [r for r in ROLES if r in set(table["role"])]
    assert set(table["area_code"]) == {"34.03", "34", NATIONAL, "33", "33.10", "33.11"} | {
        "33.12",
        "34.02",
        "34.04",
    }
    own = table[table["role"] == "area"]
    assert list(own["period"]) == sorted(own["period"])
    assert set(own["period"]) >= {"2021", "2022", "2023", "2024", "2025"}


def test_benchmarks_refuses_unknown_areas_and_indicators() -> None:
    with pytest.raises(SejahteraError, match=r"99\.99"), speaking("en"):
        benchmarks("99.99")
    with pytest.raises(SejahteraError, match="gdp"), speaking("en"):
        benchmarks("34.03", ["gdp"])  # type: ignore[list-item]
