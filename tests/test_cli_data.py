"""``sejahtera data import`` and ``sejahtera data validate`` as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from data_fixtures import PERSONS, changed, reset_language, write_dtks
from sejahtera.cli import main


@pytest.fixture(autouse=True)
def _indonesian(monkeypatch: pytest.MonkeyPatch) -> None:
    reset_language(monkeypatch)


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def data_import(source: Path, mapping: Path, out: Path, *options: str | Path) -> Result:
    return run("data", "import", source, "--mapping", mapping, "--out", out, *options)


def assert_no_traceback(result: Result) -> None:
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


# 60 members of K001, each with an age that is not a number: more than the 50 shown on screen.
# 60 members of the first household, each with an unreadable age. Being copies of its head, they
# also repeat the head's NIK (59 duplicates) and role (several heads), and leave the other two
# households without a head: the import reports those cross-table problems too.
MANY_BAD = {column: [values[0]] * 60 for column, values in PERSONS.items()}
MANY_BAD["ID_ART"] = [f"P{n:03d}" for n in range(1, 61)]
MANY_BAD["UMUR"] = ["?"] * 60


def test_import_prints_where_the_dataset_went(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path)
    out = tmp_path / "kulonprogo"

    result = data_import(
        source, mapping, out, "--name", "Uji CLI", "--reference-date", "2024-03-01"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == f"Dataset ditulis ke {out}: 3 rumah tangga, 7 orang.\n"
    manifest = json.loads((out / "dataset.json").read_text("utf-8"))
    assert (manifest["name"], manifest["reference_date"]) == ("Uji CLI", "2024-03-01")
    assert (manifest["households"], manifest["persons"]) == (3, 7)


def test_failed_import_exits_2_with_the_table_on_stderr(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path, persons=changed(PERSONS, "UMUR", 3, "dua belas"))
    out = tmp_path / "out"

    result = data_import(source, mapping, out)

    assert result.exit_code == 2
    assert_no_traceback(result)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].split() == ["Berkas", "Baris", "Kolom", "Nilai", "Aturan"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split()[:5] == ["anggota.csv", "3", "age", "dua", "belas"]
    assert "(type): 1" in result.stderr
    assert lines[-1] == "Galat: Impor dibatalkan: 1 masalah ditemukan. Tidak ada yang ditulis."
    assert not out.exists()


def test_screen_shows_50_problems_and_json_report_has_all(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path, persons=MANY_BAD)
    report = tmp_path / "laporan.json"

    result = data_import(source, mapping, tmp_path / "out", "--report", report)

    assert result.exit_code == 2
    assert_no_traceback(result)
    shown = [line for line in result.stderr.splitlines() if line.startswith("anggota.csv")]
    assert len(shown) == 50
    assert "… dan 72 masalah lain" in result.stderr
    assert f"Laporan masalah ditulis ke {report}" in result.stderr
    written = json.loads(report.read_text("utf-8"))
    counts = {"type": 60, "duplicate_nik": 59, "several_heads": 1, "no_head": 2}
    assert (written["total"], written["shown"], written["counts"]) == (122, 122, counts)
    ages = [p for p in written["problems"] if p["rule"] == "type"]
    assert [p["row"] for p in ages] == list(range(1, 61))
    assert {(p["file"], p["column"], p["value"]) for p in ages} == {("anggota.csv", "age", "?")}


def test_csv_report_has_every_problem(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path, persons=MANY_BAD)
    report = tmp_path / "laporan.csv"

    result = data_import(source, mapping, tmp_path / "out", "--report", report)

    assert result.exit_code == 2
    rows = list(csv.DictReader(io.StringIO(report.read_text("utf-8"))))
    assert len(rows) == 122
    ages = [r for r in rows if r["rule"] == "type"]
    assert [int(r["row"]) for r in ages] == list(range(1, 61))
    assert {(r["file"], r["column"], r["value"]) for r in ages} == {("anggota.csv", "age", "?")}


def test_limit_option_keeps_n_in_the_report_and_counts_all(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path, persons=MANY_BAD)
    report = tmp_path / "laporan.json"

    result = data_import(source, mapping, tmp_path / "out", "--limit", "5", "--report", report)

    assert result.exit_code == 2
    written = json.loads(report.read_text("utf-8"))
    assert (written["total"], written["shown"], len(written["problems"])) == (122, 5, 5)
    assert "Impor dibatalkan: 122 masalah" in result.stderr


def test_mapping_error_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    source, _ = write_dtks(tmp_path)
    mapping = tmp_path / "rusak.yaml"
    mapping.write_text("persons:\n  columns: {ID_ART: person_id\n", "utf-8")

    result = data_import(source, mapping, tmp_path / "out")

    assert result.exit_code == 2
    assert_no_traceback(result)
    assert "rusak.yaml" in result.stderr
    assert result.stderr.startswith("Galat: ")


def test_validate_a_good_dataset(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path)
    out = tmp_path / "out"
    assert data_import(source, mapping, out).exit_code == 0

    result = run("data", "validate", out)

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out} sah: 3 rumah tangga, 7 orang, checksum cocok.\n"


def test_validate_a_dataset_changed_after_writing(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path)
    out = tmp_path / "out"
    assert data_import(source, mapping, out).exit_code == 0
    persons = pd.read_parquet(out / "persons.parquet")
    persons.loc[0, "age"] = 46
    persons.to_parquet(out / "persons.parquet", index=False)

    result = run("data", "validate", out)

    assert result.exit_code == 2
    assert_no_traceback(result)
    assert result.stdout == ""
    assert result.stderr.startswith(f"Galat: Checksum tidak cocok untuk {out / 'persons.parquet'}")


def test_english_and_indonesian_messages_differ(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path, persons=changed(PERSONS, "UMUR", 3, "dua belas"))
    out = tmp_path / "out"

    indonesian = data_import(source, mapping, out)
    english = run("--lang", "en", "data", "import", source, "--mapping", mapping, "--out", out)
    from_env = run(
        "data", "import", source, "--mapping", mapping, "--out", out, env={"SEJAHTERA_LANG": "en"}
    )
    again = data_import(source, mapping, out)

    assert (indonesian.exit_code, english.exit_code) == (2, 2)
    assert english.stderr != indonesian.stderr
    assert english.stderr.splitlines()[0].split() == ["File", "Row", "Column", "Value", "Rule"]
    assert "not a valid value for this column's type" in english.stderr
    assert "Import cancelled: 1 problems found. Nothing was written." in english.stderr
    assert "bukan nilai yang sah untuk jenis kolom ini" in indonesian.stderr
    assert "Impor dibatalkan" in indonesian.stderr and "Import cancelled" not in indonesian.stderr
    assert from_env.stderr == english.stderr
    assert again.stderr == indonesian.stderr  # --lang en lasts for one command only


def test_report_goes_into_a_new_folder_or_fails_clearly(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path, persons=MANY_BAD)
    report = tmp_path / "laporan" / "2025" / "masalah.csv"

    result = data_import(source, mapping, tmp_path / "out", "--report", report)

    assert result.exit_code == 2 and report.is_file()
    blocked = tmp_path / "berkas"
    blocked.write_text("bukan folder")
    result = data_import(source, mapping, tmp_path / "out", "--report", blocked / "x.json")
    assert result.exit_code == 2
    assert_no_traceback(result)
    assert "Laporan tidak dapat ditulis" in result.stderr


def test_reference_date_must_be_a_date(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path)

    result = data_import(source, mapping, tmp_path / "out", "--reference-date", "Maret 2025")

    assert result.exit_code == 2
    assert_no_traceback(result)
    assert "YYYY-MM-DD" in result.stderr
    assert not (tmp_path / "out").exists()
