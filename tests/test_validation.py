"""One test per validation rule: each names the rule, the file, the row and the column.

Every case starts from the clean DTKS fixture (``data_fixtures``) and changes one thing.
Rows count from 1 at the first data row of the file named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from data_fixtures import (
    DTKS_MAPPING,
    HOUSEHOLDS,
    PERSONS,
    changed,
    import_dtks,
    only,
    reset_language,
    write_csv,
    write_dtks,
    write_mapping,
)
from sejahtera.data.coerce import parse_numbers
from sejahtera.data.importer import ImportFailed, import_dataset
from sejahtera.data.mapping import load_mapping
from sejahtera.errors import Problem
from sejahtera.i18n import text as message
from sejahtera.yamlfile import FileError


@pytest.fixture(autouse=True)
def _indonesian(monkeypatch: pytest.MonkeyPatch) -> None:
    reset_language(monkeypatch)


def with_columns(table: str, extra: dict[str, str], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """DTKS_MAPPING with source columns added to (and schema columns dropped from) ``table``."""
    part = dict(DTKS_MAPPING[table])
    kept = {s: t for s, t in part["columns"].items() if t not in drop}
    part["columns"] = {**kept, **extra}
    return {**DTKS_MAPPING, table: part}


def where(problem: Problem) -> tuple[str, str, int | None, str]:
    return (problem.rule, problem.file, problem.row, problem.column)


# case (rule-variant): table, source column, row, new value, schema column reported, detail
CELL_CASES = {
    "type": ("persons", "UMUR", 2, "empat puluh", "age", ""),
    "range-age-above": ("persons", "UMUR", 3, "121", "age", "0–120"),
    "range-age-below": ("persons", "UMUR", 6, "-1", "age", "0–120"),
    "range-desil-above": ("households", "DESIL", 2, "11", "desil", "1–10"),
    "range-desil-below": ("households", "DESIL", 3, "0", "desil", "1–10"),
    "category": ("persons", "JK", 4, "3", "sex", "M, F"),
    "region_format": ("households", "KODE_DESA", 2, "34041320", "village_code", ""),
    "region_unknown": ("households", "KODE_DESA", 3, "3404132999", "village_code", ""),
    "nik_format": ("persons", "NIK", 6, "99000000000006", "nik", ""),
    "missing": ("persons", "UMUR", 7, "", "age", ""),
    "duplicate_id": ("persons", "ID_ART", 5, "P04", "person_id", ""),
    "orphan_person": ("persons", "ID_KELUARGA", 5, "K009", "household_id", ""),
    "pregnancy-man": ("persons", "HAMIL", 1, "Ya", "pregnant", ""),
    "pregnancy-child": ("persons", "HAMIL", 7, "Ya", "pregnant", ""),
    "school_level": ("persons", "JENJANG", 4, "SMA", "school_level", ""),
}
FILES = {"households": "keluarga.csv", "persons": "anggota.csv"}


@pytest.mark.parametrize("case", CELL_CASES, ids=list(CELL_CASES))
def test_rule_for_one_bad_value(tmp_path: Path, case: str) -> None:
    table, source_column, row, value, column, detail = CELL_CASES[case]
    tables = {"households": HOUSEHOLDS, "persons": PERSONS}
    tables[table] = changed(tables[table], source_column, row, value)

    report = import_dtks(tmp_path, **tables)

    [problem] = report.problems
    rule = case.split("-")[0]
    assert where(problem) == (rule, FILES[table], row, column)
    assert problem.detail == detail


def test_missing_value_is_shown_empty(tmp_path: Path) -> None:
    persons = changed(PERSONS, "UMUR", 7, "")

    [problem] = import_dtks(tmp_path, persons=persons).problems

    assert problem.value == ""


def test_region_unknown_value_is_the_dotted_code(tmp_path: Path) -> None:
    households = changed(HOUSEHOLDS, "KODE_DESA", 3, "3404132999")

    [problem] = import_dtks(tmp_path, households=households).problems

    assert problem.value == "34.04.13.2999"


def test_weight_must_be_above_zero(tmp_path: Path) -> None:
    households = {**HOUSEHOLDS, "BOBOT": ["1", "0", "2.5"]}
    mapping = with_columns("households", {"BOBOT": "weight"})
    mapping["households"] = {**mapping["households"], "constants": {}}

    [problem] = import_dtks(tmp_path, households=households, mapping=mapping).problems

    assert problem == Problem("keluarga.csv", 2, "weight", "0", "range", "> 0")


def test_kabupaten_outside_the_registry_is_unknown(tmp_path: Path) -> None:
    households = {**HOUSEHOLDS, "KODE_KAB": ["3404", "3499", "3471"]}
    mapping = with_columns("households", {"KODE_KAB": "regency_code"}, drop=("village_code",))

    [problem] = import_dtks(tmp_path, households=households, mapping=mapping).problems

    assert problem == Problem("keluarga.csv", 2, "regency_code", "34.99", "region_unknown")


def test_desa_outside_diy_is_accepted_where_the_registry_has_no_kecamatan(
    tmp_path: Path,
) -> None:
    # The registry lists kecamatan and desa for DI Yogyakarta only: Cilacap's cannot be checked.
    households = changed(HOUSEHOLDS, "KODE_DESA", 3, "3301012001")
    source, mapping = write_dtks(tmp_path, households=households)

    dataset = import_dataset(source, load_mapping(mapping), tmp_path / "out")

    h = dataset.households()
    assert h["village_code"].tolist()[2] == "33.01.01.2001"
    assert h["regency_code"].tolist() == ["34.04", "34.04", "33.01"]
    assert dataset.manifest.region_code == ""


def test_region_mismatch_names_the_parent_column(tmp_path: Path) -> None:
    households = {**HOUSEHOLDS, "KODE_KAB": ["3404", "3401", "3404"], "KODE_KEC": ["340413"] * 3}
    mapping = with_columns(
        "households",
        {"KODE_KAB": "regency_code", "KODE_KEC": "district_code"},
        drop=("village_code",),
    )

    [problem] = import_dtks(tmp_path, households=households, mapping=mapping).problems

    assert problem == Problem(
        "keluarga.csv", 2, "district_code", "34.04.13", "region_mismatch", detail="regency_code"
    )


def test_column_missing(tmp_path: Path) -> None:
    mapping = with_columns("persons", {}, drop=("sex",))

    [problem] = import_dtks(tmp_path, mapping=mapping).problems

    assert problem == Problem("anggota.csv", None, "sex", "", "column_missing")


def test_source_column_missing_lists_the_columns_present(tmp_path: Path) -> None:
    mapping = with_columns("persons", {"JENIS_KELAMIN": "sex"}, drop=("sex",))

    [problem] = import_dtks(tmp_path, mapping=mapping).problems

    assert where(problem) == ("source_column_missing", "anggota.csv", None, "JENIS_KELAMIN")
    assert "JK" in problem.detail.split(", ")


def test_no_head(tmp_path: Path) -> None:
    # K002 (households row 2) has P04 and P05; P04 becomes a spouse.
    persons = changed(PERSONS, "HUB_KRT", 4, "2")

    [problem] = import_dtks(tmp_path, persons=persons).problems

    assert problem == Problem("keluarga.csv", 2, "household_id", "K002", "no_head")


def test_several_heads(tmp_path: Path) -> None:
    # K003 (households row 3) has P06, its head, and P07, who becomes a second head.
    persons = changed(PERSONS, "HUB_KRT", 7, "1")

    [problem] = import_dtks(tmp_path, persons=persons).problems

    assert problem == Problem("keluarga.csv", 3, "household_id", "K003", "several_heads")


def test_duplicate_nik_is_reported_without_the_nik(tmp_path: Path) -> None:
    nik = PERSONS["NIK"][0]
    persons = changed(PERSONS, "NIK", 5, nik)

    report = import_dtks(tmp_path, persons=persons)

    [problem] = report.problems
    assert where(problem) == ("duplicate_nik", "anggota.csv", 5, "nik")
    assert nik not in problem.value
    for shown in (report.to_json(), report.to_csv(), report.to_table()):
        assert nik not in shown


def test_household_inconsistent_in_a_person_level_file(tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "susenas.csv",
        {
            "IDRT": ["R1", "R1", "R2", "R2", "R2"],
            "IDART": ["A1", "A2", "B1", "B2", "B3"],
            "HUB": ["1", "2", "1", "3", "3"],
            "JK": ["1", "2", "2", "1", "2"],
            "UMUR": ["40", "39", "58", "20", "17"],
            "KODE_DESA": ["3404132001", "3404132001", "3404132002", "3404132002", "3404132003"],
        },
    )
    mapping = write_mapping(
        tmp_path / "susenas.yaml",
        {
            "households": {"columns": {"IDRT": "household_id", "KODE_DESA": "village_code"}},
            "persons": {
                "columns": {
                    "IDART": "person_id",
                    "IDRT": "household_id",
                    "HUB": "relationship",
                    "JK": "sex",
                    "UMUR": "age",
                },
                "values": {
                    "relationship": {1: "head", 2: "spouse", 3: "child"},
                    "sex": {1: "M", 2: "F"},
                },
            },
        },
    )

    with pytest.raises(ImportFailed) as failed:
        import_dataset(source, load_mapping(mapping), tmp_path / "out")

    problems = only(failed.value.report, "household_inconsistent")
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("susenas.csv", 3, "village_code"),
        ("susenas.csv", 4, "village_code"),
        ("susenas.csv", 5, "village_code"),
    ]
    assert failed.value.report.total == 3


# --- mapping files -------------------------------------------------------------------------


def mapping_error(tmp_path: Path, text: str) -> FileError:
    path = tmp_path / "pemetaan.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(FileError) as error:
        load_mapping(path)
    assert "pemetaan.yaml" in str(error.value)
    assert error.value.file == str(path)
    return error.value


def test_mapping_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    lines = ["format: sejahtera-mapping/v1", "households:", "  columns:", "\tID: household_id"]

    error = mapping_error(tmp_path, "\n".join(lines) + "\n")

    assert error.key == "yamlfile.syntax"
    assert "baris 4" in str(error)  # the tab, which YAML does not allow for indenting


def test_mapping_unknown_key(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, "households:\n  colums: {ID_KELUARGA: household_id}\n")

    assert (error.key, error.line, error.values["key"]) == ("yamlfile.unknown_key", 2, "colums")
    assert "columns" in error.values["allowed"]


def test_mapping_unknown_top_level_key(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, "name: x\nhousehold:\n  columns: {ID_KELUARGA: household_id}\n")

    assert (error.key, error.line, error.values["key"]) == ("yamlfile.unknown_key", 2, "household")


def test_mapping_table_must_be_key_value_pairs(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, "persons: [ID_ART, JK]\n")

    assert (error.key, error.line, error.values["entry"]) == ("yamlfile.not_mapping", 1, "persons")


def test_mapping_unknown_schema_column(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, "persons:\n  columns: {JK: gender}\n")

    assert (error.key, error.line) == ("mapping.unknown_column", 2)
    assert (error.values["table"], error.values["column"]) == ("persons", "gender")


def test_mapping_unknown_schema_column_in_values(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, "households:\n  values: {lantai: {Tanah: earth}}\n")

    assert error.key == "mapping.unknown_column"
    assert (error.values["table"], error.values["column"]) == ("households", "lantai")


def test_mapping_column_mapped_twice(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, "persons:\n  columns: {ID_ART: person_id, NO_ART: person_id}\n")

    assert error.key == "mapping.twice"
    assert (error.values["table"], error.values["column"]) == ("persons", "person_id")


def test_mapping_bad_csv_decimal(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, 'csv: {delimiter: ";", decimal: ";"}\n')

    assert (error.key, error.line, error.values["value"]) == ("yamlfile.not_choice", 1, ";")
    assert "csv.decimal" in str(error)
    assert "'.', ','" in str(error)


def test_mapping_wrong_format(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, "format: sejahtera-mapping/v2\n")

    assert error.key == "yamlfile.not_choice"
    assert "sejahtera-mapping/v2" in str(error) and "sejahtera-mapping/v1" in str(error)


def test_mapping_columns_must_be_pairs(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, "persons:\n  columns: [ID_ART, JK]\n")

    assert (error.key, error.line) == ("yamlfile.not_mapping", 2)
    assert "persons.columns" in str(error)


def test_mapping_recode_must_be_pairs(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, "persons:\n  values:\n    sex: [L, P]\n")

    assert (error.key, error.line) == ("yamlfile.not_mapping", 3)
    assert "persons.values.sex" in str(error)


def test_mapping_file_must_be_a_name(tmp_path: Path) -> None:
    text = "households:\n  file: 2024\n  columns: {ID: household_id}\n"

    error = mapping_error(tmp_path, text)

    assert (error.key, error.line, error.values["entry"]) == (
        "yamlfile.not_text",
        2,
        "households.file",
    )
    english = message(error.key, "en", **error.values)
    assert english == f"{error.file}, line 2: households.file must be text, not 2024."


def test_mapping_wrong_type_names_file_and_line(tmp_path: Path) -> None:
    text = "households:\n  columns: {ID: household_id}\n  sheet: [1, 2]\n"

    error = mapping_error(tmp_path, text)

    assert (error.key, error.line, error.values["entry"]) == (
        "yamlfile.not_text",
        3,
        "households.sheet",
    )


def test_mapping_codes_stay_text(tmp_path: Path) -> None:
    text = (
        "households:\n  columns: {ID: household_id}\n"
        "persons:\n  columns: {No: person_id, ID: household_id, JK: sex}\n"
        "  values:\n    sex: {no: male, yes: female, 01: male}\n"
    )
    path = tmp_path / "pemetaan.yaml"
    path.write_text(text, "utf-8")

    mapping = load_mapping(path)

    assert mapping.persons.columns == {"No": "person_id", "ID": "household_id", "JK": "sex"}
    assert mapping.persons.values["sex"] == {"no": "male", "yes": "female", "01": "male"}


def test_mapping_key_written_twice(tmp_path: Path) -> None:
    text = "households:\n  columns:\n    ID: household_id\n    ID: village_code\n"

    error = mapping_error(tmp_path, text)

    assert (error.key, error.line, error.values["first"]) == ("yamlfile.duplicate_key", 4, 3)


def test_mapping_needs_both_sections(tmp_path: Path) -> None:
    error = mapping_error(tmp_path, "households:\n  columns: {ID: household_id}\n")

    assert error.key == "mapping.no_section"
    assert error.values["table"] == "persons"


def test_mapping_that_is_not_utf8_text(tmp_path: Path) -> None:
    path = tmp_path / "pemetaan.yaml"
    path.write_bytes("households:\n  columns: {ALAMAT_DÉSA: address}\n".encode("latin-1"))

    with pytest.raises(FileError) as error:
        load_mapping(path)

    assert error.value.key == "yamlfile.unreadable"
    with pytest.raises(FileError) as error:
        load_mapping(tmp_path)
    assert error.value.key == "yamlfile.unreadable"
    with pytest.raises(FileError) as error:
        load_mapping(tmp_path / "tidak-ada.yaml")
    assert error.value.key == "yamlfile.not_found"


def test_leading_zero_is_not_a_thousands_group() -> None:
    values = pd.Series(["0.250", "1.250", "12.500.000,75", "0,5"])

    parsed = parse_numbers(values, ",")

    assert parsed.isna().tolist() == [True, False, False, False]
    assert parsed.dropna().tolist() == [1250.0, 12500000.75, 0.5]


def test_a_family_card_in_two_households_is_flagged() -> None:
    from sejahtera.data.validate import Part, validate_frames
    from sejahtera.errors import ProblemReport

    households = pd.DataFrame(
        {
            "household_id": ["H1", "H2"],
            "province_code": ["34", "34"],
            "regency_code": ["34.03", "34.03"],
            "weight": [1.0, 1.0],
        }
    )
    persons = pd.DataFrame(
        {
            "person_id": ["a", "b", "c", "d"],
            "household_id": ["H1", "H1", "H2", "H2"],
            "family_id": ["K1", "K2", "K3", "K1"],  # K1 again in H2, row 4
            "relationship": ["head", "parent", "head", "child"],
            "sex": ["F", "F", "M", "M"],
            "age": [40, 70, 35, 3],
        }
    )
    report = ProblemReport()
    validate_frames(Part.of(households, "rt.csv"), Part.of(persons, "art.csv"), report)
    [problem] = [p for p in report.problems if p.rule == "family_households"]
    assert where(problem) == ("family_households", "art.csv", 4, "family_id")
    assert problem.value == "K1"
