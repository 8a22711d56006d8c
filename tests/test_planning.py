"""The planning documents (sejahtera rpkd, lp2kd): their figures against an independent pandas
computation from the dataset's own Parquet files, their headings in both languages, the LP2KD's
totals against its input, and clear refusals of bad input that leave files as they were."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from sejahtera.cli import main
from sejahtera.i18n import format_number
from sejahtera.report.documents import docx_text, read_attachment
from sejahtera.report.planning.document import sheet_name
from sejahtera.synth import SynthOptions, synthesise

YEAR = 2025


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("planning") / "diy"
    synthesise(SynthOptions("34", 2000, seed=3), path)
    return path


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("planning") / "diy-panel"
    synthesise(SynthOptions("34", 1500, seed=4, panel_waves=3), path)
    return path


def run(*arguments: str) -> object:
    return CliRunner().invoke(main, list(arguments))


def people(folder: Path) -> pd.DataFrame:
    """Each household's persons (weight × members, counted from persons.parquet) and whether
    it is poor (consumption below its line, strictly), read from the Parquet files."""
    households = pd.read_parquet(folder / "households.parquet")
    members = pd.read_parquet(folder / "persons.parquet", columns=["household_id"])
    size = members.groupby("household_id").size()
    households["people"] = households["weight"] * households["household_id"].map(size).fillna(0)
    households["poor"] = households["consumption_pc"] < households["poverty_line"]
    return households


def by_regency(folder: Path) -> pd.DataFrame:
    frame = people(folder)
    frame["poor_people"] = frame["people"] * frame["poor"]
    grouped = frame.groupby("regency_code")[["people", "poor_people"]].sum()
    grouped["p0"] = grouped["poor_people"] / grouped["people"]
    return grouped


def rows_of(sheet: object) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))  # type: ignore[attr-defined]


def test_the_rpkd_workbook_holds_the_weighted_poverty_of_each_kabupaten(
    region: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rpkd.xlsx"
    result = run("rpkd", str(region), "--period", str(YEAR), "--out", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    expected = by_regency(region)
    sheet = book["Kabupaten-kota"]
    header, *body = rows_of(sheet)
    assert header[:2] == ("Code", "Kabupaten/kota")
    p0, poor = header.index("P0: poverty headcount ratio"), header.index("Number of poor people")
    assert {row[0] for row in body} == set(expected.index)
    for row in body:
        assert row[p0] == pytest.approx(expected.loc[row[0], "p0"], rel=1e-9)
        assert row[poor] == pytest.approx(expected.loc[row[0], "poor_people"], rel=1e-9)
    assert isinstance(body[0][p0], float)
    assert sheet.cell(row=2, column=p0 + 1).number_format == "0.0%"
    assert sheet.cell(row=2, column=poor + 1).number_format == "#,##0"
    # The whole region: the summary's first row.
    summary = rows_of(book["Summary"])
    whole = expected["poor_people"].sum() / expected["people"].sum()
    assert summary[1][0] == "Estimate"
    assert summary[1][1] == pytest.approx(whole, rel=1e-9)
    assert summary[1][2] == pytest.approx(expected["poor_people"].sum(), rel=1e-9)
    sources = dict(rows_of(book["Source"]))
    import hashlib

    digest = hashlib.sha256((region / "dataset.json").read_bytes()).hexdigest()
    assert sources["Dataset checksum (SHA-256 of dataset.json)"] == digest
    assert sources["Year"] == str(YEAR)
    assert sources["Software"].startswith("Sejahtera ")
    assert book.sheetnames[-1] == "Source"


def test_the_poor_no_programme_reaches_are_the_simulation_s(region: Path, tmp_path: Path) -> None:
    """One shared definition: the chapter's count equals ``sejahtera simulate``'s."""
    out = tmp_path / "rpkd.xlsx"
    assert run("rpkd", str(region), "--period", str(YEAR), "--out", str(out)).exit_code == 0
    simulated = run(
        "simulate", str(region), "--rules", "indonesia", "--period", str(YEAR), "--json"
    )
    assert simulated.exit_code == 0, simulated.output
    expected = json.loads(simulated.stdout)["poor_reached_by_none"]
    book = load_workbook(out)
    coverage = rows_of(book["Jangkauan program"])
    assert coverage[-1][0] == "Program apa pun"
    by_kabupaten = rows_of(book["Tanpa program per kab"])[1:]
    assert sum(row[3] for row in by_kabupaten) == pytest.approx(expected, rel=1e-9)
    ranked = rows_of(book["Lokus prioritas"])[1:]
    assert sum(row[5] for row in ranked) == pytest.approx(expected, rel=1e-9)
    assert [row[5] for row in ranked] == sorted((row[5] for row in ranked), reverse=True)
    assert [row[0] for row in ranked] == list(range(1, len(ranked) + 1))


def test_the_rpkd_document_is_editable_in_both_languages(region: Path, tmp_path: Path) -> None:
    expected = by_regency(region)
    texts = {}
    for lang in ("id", "en"):
        out = tmp_path / f"rpkd-{lang}.docx"
        result = run("rpkd", str(region), "--out", str(out), "--lang", lang)
        assert result.exit_code == 0, result.output
        texts[lang] = "\n".join(docx_text(out))
        document = docx.Document(str(out))
        # The kabupaten table: P0 in the reader's convention, from the pandas computation.
        table = next(t for t in document.tables if t.rows[0].cells[1].text == "Kabupaten/kota")
        for row in table.rows[1:]:
            code, shown = row.cells[0].text, row.cells[2].text
            assert shown == format_number(expected.loc[code, "p0"], lang, 1, percent=True)
        provenance = read_attachment(out, "provenance")
        assert provenance["kind"] == "rpkd" and provenance["language"] == lang
    assert "1. Identifikasi masalah: kondisi kemiskinan" in texts["id"]
    assert "3. Lokus prioritas" in texts["id"]
    assert "tata letak tabel lampiran peraturan tersebut tidak dapat diverifikasi" in texts["id"]
    assert "1. Problem identification: the poverty condition" in texts["en"]
    assert "3. Priority locations" in texts["en"]
    assert "annex's table layout could not be verified" in texts["en"]
    assert "Permendagri" in texts["id"] and "Permendagri" in texts["en"]
    # One period only: the chapter says so rather than inventing a trend.
    assert "hanya memuat satu periode" in texts["id"]
    assert "Problem identification" not in texts["id"]


def test_the_trend_comes_from_the_panel_year_by_year(panel: Path, tmp_path: Path) -> None:
    out = tmp_path / "trend.xlsx"
    assert run("rpkd", str(panel), "--out", str(out)).exit_code == 0
    waves = pd.read_parquet(panel / "panel.parquet")
    waves["people"] = waves["weight"] * waves["size"]
    waves["poor_people"] = waves["people"] * (waves["consumption_pc"] < waves["poverty_line"])
    whole = waves.groupby("year")[["people", "poor_people"]].sum()
    rows = rows_of(load_workbook(out)["Perkembangan"])[1:]
    region_rows = [row for row in rows if row[1] == "34"]
    assert [row[0] for row in region_rows] == sorted(whole.index)
    for year, _, _, p0, poor in region_rows:
        assert p0 == pytest.approx(whole.loc[year, "poor_people"] / whole.loc[year, "people"])
        assert poor == pytest.approx(whole.loc[year, "poor_people"])
    assert len(rows) == len(whole) * (1 + waves["regency_code"].nunique())


def lp2kd_input() -> dict:
    return {
        "region": "Kabupaten Sleman",
        "year": YEAR,
        "office": "Bagian Kesra",
        "programmes": [
            {
                "year": YEAR,
                "code": "pangan",
                "name": "Bantuan pangan daerah",
                "budget_rp": {"APBD": 1_500_000_000, "other": 25_000_000},
                "paid_rp": 912_500_000,
                "target_households": 1200,
                "paid_households": 815,
            },
            {
                "year": YEAR,
                "code": "rtlh",
                "name": "=Rehab rumah",
                "budget_rp": {"APBN": 3_000_000_000},
                "paid_rp": 2_400_000_000,
                "target_households": 500,
                "paid_households": 420,
            },
        ],
        "indicators": [
            {
                "code": "IKU-1",
                "name": "Persentase penduduk miskin",
                "programme": "pangan",
                "unit": "%",
                "target": 6.5,
                "actual": 6.9,
                "higher_is_better": False,
            }
        ],
        "meetings": [
            {
                "held_on": "2025-02-11",
                "title": "Rakor TKPK",
                "kind": "Rapat",
                "inputs": 5,
                "follow_ups_done": 3,
                "follow_ups_open": 1,
            }
        ],
        "problems": ["Data belum mutakhir"],
        "recommendations": ["Verval bersama desa", "Tambah kuota PBI-JKN daerah"],
    }


def test_the_lp2kd_totals_are_the_sums_of_its_input(tmp_path: Path) -> None:
    given = lp2kd_input()
    path = tmp_path / "lp2kd.json"
    path.write_text(json.dumps(given), "utf-8")
    out = tmp_path / "lp2kd.xlsx"
    result = run("lp2kd", str(path), "--out", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    budget = rows_of(book["Budgets"])
    header, *body, total = budget
    assert header[4:] == ("Budget APBN", "Budget APBD", "Budget Other", "Budget (pagu)")
    programmes = given["programmes"]
    assert total[2] == "Total"
    assert total[-1] == sum(sum(p["budget_rp"].values()) for p in programmes)
    assert total[5] == sum(p["budget_rp"].get("APBD", 0) for p in programmes)
    assert "'=Rehab rumah" in [row[2] for row in body]  # shown, never run as a formula
    *_, realised = rows_of(book["Realisation"])
    paid = sum(p["paid_rp"] for p in programmes)
    pagu = sum(sum(p["budget_rp"].values()) for p in programmes)
    assert realised[4] == paid
    assert realised[5] == pytest.approx(paid / pagu)
    assert realised[7] == sum(p["paid_households"] for p in programmes)
    assert realised[8] == pytest.approx((815 + 420) / (1200 + 500))
    indicators = rows_of(book["Indicators"])
    assert indicators[1][-1] == pytest.approx(6.5 / 6.9)  # lower is better: target / actual
    words = tmp_path / "lp2kd.docx"
    assert run("lp2kd", str(path), "--out", str(words)).exit_code == 0
    shown = docx_text(words)
    assert format_number(pagu, "id") in shown
    assert "8. Rekomendasi" in shown and "2. Tambah kuota PBI-JKN daerah" in shown
    assert any("susunan bab LP2KD dalam peraturan tidak dapat diverifikasi" in t for t in shown)


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--out", "{tmp}/rpkd.txt"], "must end in one of .docx, .xlsx, .pdf"),
        (["--out", "{tmp}/a-file/rpkd.xlsx"], "Cannot write"),
        (["--out", "{tmp}/a-folder.xlsx"], "it is a folder"),
        (["--out", "{tmp}/rpkd.xlsx", "--period", "1850"], "outside 1990–2100"),
    ],
)
def test_bad_output_or_year_is_a_clear_message(
    region: Path, tmp_path: Path, arguments: list[str], says: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "a-folder.xlsx").mkdir()
    shown = [a.replace("{tmp}", str(tmp_path)) for a in arguments]
    result = run("--lang", "en", "rpkd", str(region), *shown)
    assert result.exit_code == 2
    assert says in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_dataset_is_named_and_an_old_file_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "rpkd.xlsx"
    out.write_bytes(b"the earlier version")
    result = run("--lang", "en", "rpkd", str(tmp_path / "nowhere"), "--out", str(out))
    assert result.exit_code == 2
    assert f"{tmp_path / 'nowhere'} is not a dataset folder" in result.stderr
    assert out.read_bytes() == b"the earlier version"
    assert [p.name for p in tmp_path.iterdir()] == ["rpkd.xlsx"]  # nothing half-written


def test_a_bad_lp2kd_input_names_the_file_and_the_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"region": "Sleman",\n "year": }', "utf-8")
    result = run("--lang", "en", "lp2kd", str(broken), "--out", str(tmp_path / "x.docx"))
    assert result.exit_code == 2
    assert f"The LP2KD input file {broken} cannot be used: JSON, line 2" in result.stderr
    incomplete = tmp_path / "incomplete.json"
    incomplete.write_text(json.dumps({"year": 2025}), "utf-8")
    result = run("--lang", "en", "lp2kd", str(incomplete), "--out", str(tmp_path / "x.docx"))
    assert "missing key 'region'" in result.stderr
    negative = lp2kd_input()
    negative["programmes"][0]["paid_rp"] = -5
    incomplete.write_text(json.dumps(negative), "utf-8")
    result = run("lp2kd", str(incomplete), "--out", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2 and "negative" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_sheet_names_are_what_excel_accepts() -> None:
    taken: list[str] = []
    for name in ("Kabupaten/kota [2025]", "Kabupaten kota  2025 ", "x" * 40, "x" * 40):
        taken.append(sheet_name(name, taken))
    assert taken[0] == "Kabupaten kota  2025"
    assert taken[1] == "Kabupaten kota  2025 (2)"
    assert len(taken[2]) == 31 and len(taken[3]) == 31 and taken[2] != taken[3]
    assert all(not set("[]:*?/\\") & set(name) for name in taken)
