"""End-to-end imports: source files + mapping YAML → a ``sejahtera/v1`` dataset, or nothing."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest

from data_fixtures import (
    DTKS_MAPPING,
    HOUSEHOLDS,
    PERSONS,
    changed,
    import_dtks,
    reset_language,
    write_csv,
    write_dtks,
)
from sejahtera.data.importer import ImportFailed, import_dataset
from sejahtera.data.mapping import load_mapping
from sejahtera.errors import Problem, SejahteraError


@pytest.fixture(autouse=True)
def _indonesian(monkeypatch: pytest.MonkeyPatch) -> None:
    reset_language(monkeypatch)


def import_good_dtks(folder: Path, out: Path, **options) -> None:
    source, mapping = write_dtks(folder)
    import_dataset(source, load_mapping(mapping), out, **options)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(f.relative_to(folder)): f.read_bytes() for f in folder.rglob("*") if f.is_file()}


def hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_dataset_json_records_counts_and_checksums(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    import_good_dtks(tmp_path, out, reference_date="2024-03-01")

    manifest = json.loads((out / "dataset.json").read_text("utf-8"))

    assert manifest["schema"] == "sejahtera/v1"
    assert manifest["name"] == "DTKS uji"
    assert manifest["reference_date"] == "2024-03-01"
    assert manifest["source"] == "dtks (mapping: dtks.yaml)"
    assert manifest["synthetic"] is False
    assert manifest["households"] == 3
    assert manifest["persons"] == 7
    assert manifest["region_code"] == "34.04.13"  # two desa of one kecamatan
    assert sorted(manifest["files"]) == ["households.parquet", "persons.parquet"]
    for name, checksum in manifest["files"].items():
        assert checksum == hashlib.sha256((out / name).read_bytes()).hexdigest()
    assert sorted(p.name for p in out.iterdir()) == [
        "dataset.json",
        "households.parquet",
        "persons.parquet",
    ]
    assert hidden(tmp_path) == []


@pytest.mark.parametrize(
    ("sep", "encoding", "consumption"),
    [
        (",", "utf-8", ["450000", "1250000.5", "2100000"]),
        (";", "cp1252", ["450.000", "1.250.000,5", "2.100.000"]),
    ],
    ids=["comma-utf8", "semicolon-cp1252-decimal-comma"],
)
def test_dtks_export_values_are_typed_and_recoded(
    tmp_path: Path, sep: str, encoding: str, consumption: list[str]
) -> None:
    households = {**HOUSEHOLDS, "PENGELUARAN": consumption}
    persons = changed(PERSONS, "NAMA", 2, "Contoh Séna")
    source, mapping = write_dtks(tmp_path)
    write_csv(source / "keluarga.csv", households, sep, encoding)
    write_csv(source / "anggota.csv", persons, sep, encoding)

    dataset = import_dataset(source, load_mapping(mapping), tmp_path / "out")
    h = dataset.households()
    p = dataset.persons()

    assert h["household_id"].tolist() == ["K001", "K002", "K003"]
    assert h["village_code"].tolist() == ["34.04.13.2001", "34.04.13.2001", "34.04.13.2002"]
    assert h["district_code"].tolist() == ["34.04.13"] * 3
    assert h["regency_code"].tolist() == ["34.04"] * 3
    assert h["province_code"].tolist() == ["34"] * 3
    assert h["urban"].tolist() == [False, False, True]
    assert h["desil"].tolist() == [1, 3, 10]
    assert h["floor_type"].tolist() == ["earth", "ceramic", "cement"]
    assert h["consumption_pc"].tolist() == [450000.0, 1250000.5, 2100000.0]
    assert h["receives_pkh"].tolist() == [True, False, False]
    assert h["weight"].tolist() == [1.0, 1.0, 1.0]

    assert p["person_id"].tolist() == PERSONS["ID_ART"]
    assert p["relationship"].tolist() == [
        "head",
        "spouse",
        "child",
        "head",
        "other",
        "head",
        "child",
    ]
    assert p["sex"].tolist() == ["M", "F", "F", "F", "M", "M", "F"]
    assert p["age"].tolist() == [45, 41, 12, 67, 30, 52, 8]
    assert p["pregnant"].tolist() == [False, True, False, False, False, False, False]
    assert p["enrolled"].tolist() == [False, False, True, False, False, False, True]
    assert p["school_level"].tolist()[2] == "smp"
    assert p["school_level"].tolist()[6] == "sd"
    assert p["school_level"].isna().sum() == 5
    assert p["nik"].tolist()[0] == "9900000000000001"
    assert p["name"].tolist()[1] == "Contoh Séna"


def test_written_parquet_has_the_schema_types(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    import_good_dtks(tmp_path, out)

    households = pq.read_schema(out / "households.parquet")
    persons = pq.read_schema(out / "persons.parquet")

    assert households.names[:5] == [
        "household_id",
        "province_code",
        "regency_code",
        "district_code",
        "village_code",
    ]
    assert str(households.field("desil").type) == "int16"
    assert str(households.field("weight").type) == "double"
    assert str(households.field("urban").type) == "bool"
    assert str(persons.field("age").type) == "int16"
    assert str(persons.field("nik").type) == "string"


SUSENAS_MAPPING = """\
format: sejahtera-mapping/v1
name: Susenas Maret (uji)
# One row per person; the household columns repeat on each member's row.
households:
  columns:
    IDRT: household_id
    KODE_DESA: village_code
    R105: urban
    FWT: weight
    KAPITA: consumption_pc
  values:
    urban: {Perkotaan: true, Perdesaan: false}
persons:
  columns:
    IDART: person_id
    IDRT: household_id
    R403: relationship
    R405: sex
    R407: age
  values:
    relationship: {Kepala rumah tangga: head, Istri/suami: spouse, Anak: child}
    sex: {Laki-laki: M, Perempuan: F}
"""

SUSENAS = pd.DataFrame(
    {
        "IDRT": [1.0, 1.0, 1.0, 2.0, 2.0],
        "IDART": [101.0, 102.0, 103.0, 201.0, 202.0],
        "R403": [1.0, 2.0, 3.0, 1.0, 3.0],
        "R405": [1.0, 2.0, 1.0, 2.0, 2.0],
        "R407": [38.0, 35.0, 9.0, 61.0, 30.0],
        "KODE_DESA": [3404132001.0] * 3 + [3471011001.0] * 2,
        "R105": [2.0, 2.0, 2.0, 1.0, 1.0],
        "FWT": [152.5, 152.5, 152.5, 98.25, 98.25],
        "KAPITA": [650000.0, 650000.0, 650000.0, 1250000.5, 1250000.5],
    }
)
SUSENAS_LABELS = {
    "R403": {1: "Kepala rumah tangga", 2: "Istri/suami", 3: "Anak"},
    "R405": {1: "Laki-laki", 2: "Perempuan"},
    "R105": {1: "Perkotaan", 2: "Perdesaan"},
}


def write_susenas(folder: Path, data: pd.DataFrame = SUSENAS) -> tuple[Path, Path]:
    source = folder / "susenas_kor_ind.sav"
    pyreadstat.write_sav(data, str(source), variable_value_labels=SUSENAS_LABELS)
    mapping = folder / "susenas.yaml"
    mapping.write_text(SUSENAS_MAPPING, "utf-8")
    return source, mapping


def test_susenas_person_file_gives_one_household_per_id(tmp_path: Path) -> None:
    source, mapping = write_susenas(tmp_path)

    dataset = import_dataset(source, load_mapping(mapping), tmp_path / "out")
    h = dataset.households()
    p = dataset.persons()

    assert dataset.manifest.households == 2
    assert dataset.manifest.persons == 5
    assert dataset.manifest.region_code == "34"  # Sleman and Kota Yogyakarta
    assert dataset.manifest.name == "Susenas Maret (uji)"
    assert h["household_id"].tolist() == ["1", "2"]
    assert h["village_code"].tolist() == ["34.04.13.2001", "34.71.01.1001"]
    assert h["regency_code"].tolist() == ["34.04", "34.71"]
    assert h["province_code"].tolist() == ["34", "34"]
    assert h["urban"].tolist() == [False, True]
    assert h["weight"].tolist() == [152.5, 98.25]
    assert h["consumption_pc"].tolist() == [650000.0, 1250000.5]
    assert p["household_id"].tolist() == ["1", "1", "1", "2", "2"]
    assert p["relationship"].tolist() == ["head", "spouse", "child", "head", "child"]
    assert p["sex"].tolist() == ["M", "F", "M", "F", "F"]
    assert p["age"].tolist() == [38, 35, 9, 61, 30]


def test_parquet_with_nullable_codes_reports_a_missing_value(tmp_path: Path) -> None:
    source = tmp_path / "susenas.parquet"
    pd.DataFrame(
        {
            "IDRT": ["R1", "R1", "R2"],
            "IDART": ["R1-1", "R1-2", "R2-1"],
            "R403": pd.array([1, None, 1], dtype="Int64"),
            "R405": pd.array([1, 2, 2], dtype="Int64"),
            "R407": pd.array([44, 40, 71], dtype="Int64"),
            "KODE_DESA": ["3404132001"] * 3,
        }
    ).to_parquet(source)
    mapping = tmp_path / "susenas.yaml"
    mapping.write_text(
        "households: {columns: {IDRT: household_id, KODE_DESA: village_code}}\n"
        "persons:\n"
        "  columns: {IDART: person_id, IDRT: household_id, R403: relationship, R405: sex,"
        " R407: age}\n"
        "  values: {relationship: {1: head, 2: spouse}, sex: {1: M, 2: F}}\n",
        "utf-8",
    )

    with pytest.raises(ImportFailed) as failed:
        import_dataset(source, load_mapping(mapping), tmp_path / "out")

    [problem] = failed.value.report.problems
    assert problem.rule == "missing"
    assert (problem.file, problem.row, problem.column) == ("susenas.parquet", 2, "relationship")


def test_failed_import_writes_nothing(tmp_path: Path) -> None:
    report = import_dtks(tmp_path, persons=changed(PERSONS, "UMUR", 3, "dua belas"))

    assert report.total == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dtks", "dtks.yaml"]


def test_failed_import_leaves_existing_dataset_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    import_good_dtks(tmp_path, out)
    before = snapshot(out)
    source, mapping = write_dtks(tmp_path, persons=changed(PERSONS, "UMUR", 3, "dua belas"))

    with pytest.raises(ImportFailed):
        import_dataset(source, load_mapping(mapping), out, overwrite=True)

    assert snapshot(out) == before
    assert hidden(tmp_path) == []


def test_overwrite_replaces_and_existing_out_is_refused_without_it(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    import_good_dtks(tmp_path, out, name="lama")
    before = snapshot(out)
    source, mapping = write_dtks(tmp_path, persons=changed(PERSONS, "UMUR", 1, "46"))

    with pytest.raises(SejahteraError) as error:
        import_dataset(source, load_mapping(mapping), out)
    assert error.value.key == "dataset.exists"
    assert snapshot(out) == before

    dataset = import_dataset(source, load_mapping(mapping), out, name="baru", overwrite=True)
    assert dataset.manifest.name == "baru"
    assert dataset.persons()["age"].tolist()[0] == 46
    assert hidden(tmp_path) == []


def test_report_lists_file_row_column_value_and_rule(tmp_path: Path) -> None:
    households = changed(HOUSEHOLDS, "DESIL", 2, "sebelas")
    persons = changed(PERSONS, "UMUR", 5, "tiga puluh")

    report = import_dtks(tmp_path, households=households, persons=persons)

    assert sorted(report.problems, key=lambda p: p.file) == [
        Problem("anggota.csv", 5, "age", "tiga puluh", "type"),
        Problem("keluarga.csv", 2, "desil", "sebelas", "type"),
    ]


def test_limit_keeps_n_problems_and_counts_all(tmp_path: Path) -> None:
    persons = {**PERSONS, "UMUR": ["?"] * 7, "JK": ["9"] * 7}

    report = import_dtks(tmp_path, limit=5, persons=persons)

    assert len(report.problems) == 5
    assert report.total == 14
    assert report.omitted == 9
    assert dict(report.counts) == {"type": 7, "category": 7}


def test_import_failed_message_counts_every_problem(tmp_path: Path) -> None:
    source, mapping = write_dtks(tmp_path, persons={**PERSONS, "UMUR": ["?"] * 7})

    with pytest.raises(ImportFailed) as failed:
        import_dataset(source, load_mapping(mapping), tmp_path / "out", limit=2)

    assert "7 masalah" in str(failed.value)
    assert failed.value.report.total == 7


def test_report_json_and_csv_round_trip(tmp_path: Path) -> None:
    persons = changed(PERSONS, "UMUR", 4, 'enam, "puluh"')
    mapping = {**DTKS_MAPPING, "households": {**DTKS_MAPPING["households"]}}
    mapping["households"]["columns"] = {**mapping["households"]["columns"], "RT_RW": "address"}

    report = import_dtks(tmp_path, persons=persons, mapping=mapping)
    assert len(report.problems) == 2

    fields = [f.name for f in dataclasses.fields(Problem)]
    from_json = json.loads(report.to_json())
    assert from_json["total"] == report.total == 2
    assert from_json["shown"] == 2
    assert from_json["counts"] == {"source_column_missing": 1, "type": 1}
    assert [Problem(**{k: p[k] for k in fields}) for p in from_json["problems"]] == (
        report.problems
    )
    assert [p["message"] for p in from_json["problems"]] == [p.message for p in report.problems]

    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert [
        (r["file"], int(r["row"]) if r["row"] else None, r["column"], r["value"], r["rule"])
        for r in rows
    ] == [(p.file, p.row, p.column, p.value, p.rule) for p in report.problems]
    assert 'enam, "puluh"' in [r["value"] for r in rows]


def test_source_folder_needs_file_names_in_mapping(tmp_path: Path) -> None:
    mapping = {**DTKS_MAPPING, "persons": {**DTKS_MAPPING["persons"], "file": None}}
    source, mapping_path = write_dtks(tmp_path, mapping=mapping)

    with pytest.raises(SejahteraError) as error:
        import_dataset(source, load_mapping(mapping_path), tmp_path / "out")

    assert error.value.key == "import.needs_file"
    assert not (tmp_path / "out").exists()


def test_household_value_given_on_one_member_row_is_kept(tmp_path: Path) -> None:
    # Consumption recorded only on the second row of household 1 and the first of household 2.
    data = SUSENAS.copy()
    data["KAPITA"] = [None, 650000.0, None, 1250000.5, None]
    source, mapping = write_susenas(tmp_path, data)

    households = import_dataset(source, load_mapping(mapping), tmp_path / "out").households()

    assert households["consumption_pc"].tolist() == [650000.0, 1250000.5]


def test_header_only_files_are_refused(tmp_path: Path) -> None:
    empty = {column: [] for column in PERSONS}

    report = import_dtks(tmp_path, persons=empty)

    [problem] = [p for p in report.problems if p.rule == "empty"]
    assert (problem.file, problem.detail) == ("anggota.csv", "persons")


@pytest.mark.parametrize("name", ["dtks-export.yaml", "susenas-individu.yaml"])
def test_example_mappings_in_the_docs_load(name: str) -> None:
    mapping = load_mapping(Path(__file__).resolve().parent.parent / "docs" / "examples" / name)

    assert mapping.persons.columns and mapping.households.columns
    assert "person_id" in mapping.persons.columns.values()


def test_progress_is_told_each_stage_in_order(tmp_path: Path) -> None:
    seen: list[tuple[float, str]] = []
    import_good_dtks(tmp_path, tmp_path / "out", progress=lambda f, m: seen.append((f, m)))
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] > 0 and fractions[-1] < 1
    assert any("Membaca" in message for _, message in seen)
    assert seen[-1][1] == "Menulis dataset"


def test_a_progress_that_stops_the_import_leaves_nothing(tmp_path: Path) -> None:
    def stop(fraction: float, message: str) -> None:
        if fraction >= 0.8:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_good_dtks(tmp_path, tmp_path / "out", progress=stop)
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
