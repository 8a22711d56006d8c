"""Each reader on files written by the tools a regional office uses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from data_fixtures import reset_language, write_mapping
from sejahtera.data.coerce import coerce_frame, parse_numbers
from sejahtera.data.importer import import_dataset
from sejahtera.data.mapping import load_mapping
from sejahtera.data.readers import CsvOptions, read_table
from sejahtera.errors import ProblemReport, SejahteraError


@pytest.fixture(autouse=True)
def _indonesian(monkeypatch: pytest.MonkeyPatch) -> None:
    reset_language(monkeypatch)


def typed(frame: pd.DataFrame, table: str, decimal: str = ".") -> pd.DataFrame:
    """``frame`` coerced to the schema, asserting every value fits."""
    report = ProblemReport()
    out = coerce_frame(frame, table, "test", np.arange(1, len(frame) + 1), report, decimal)
    assert not report, report.to_table()
    return out


def test_parquet_written_by_pandas(tmp_path: Path) -> None:
    path = tmp_path / "keluarga.parquet"
    pd.DataFrame(
        {"ID": ["K001", "K002"], "DESIL": [2, 9], "KONSUMSI": [512000.5, 1800000.0]}
    ).to_parquet(path)

    source = read_table(path)

    assert source.file == "keluarga.parquet"
    assert source.decimal == "."
    assert source.frame["ID"].tolist() == ["K001", "K002"]
    assert source.frame["DESIL"].tolist() == [2, 9]
    assert source.frame["KONSUMSI"].tolist() == [512000.5, 1800000.0]


def test_csv_comma_utf8_keeps_values_as_text(tmp_path: Path) -> None:
    path = tmp_path / "anggota.csv"
    path.write_text(
        "ID_ART,NAMA,UMUR,KODE\nP001,Contoh Désa,045,007\nP002,Contoh Ümi,3,\n", "utf-8"
    )

    source = read_table(path)

    assert source.file == "anggota.csv"
    assert source.decimal == "."
    assert source.frame["NAMA"].tolist() == ["Contoh Désa", "Contoh Ümi"]
    assert source.frame["UMUR"].tolist() == ["045", "3"]  # leading zeros kept: text, not numbers
    assert source.frame["KODE"].iloc[0] == "007"
    assert pd.isna(source.frame["KODE"].iloc[1])


def test_csv_semicolon_cp1252_with_indonesian_numbers(tmp_path: Path) -> None:
    path = tmp_path / "keluarga.csv"
    content = (
        "ID_KELUARGA;NAMA_KRT;PENGELUARAN;BOBOT\n"
        "K001;Contoh Josè;1.234.567,5;1\n"
        "K002;Contoh Ñoman;850.000;2,25\n"
        "K003;Contoh Tiga;12,75;1.000\n"
    )
    path.write_bytes(content.encode("cp1252"))

    source = read_table(path)

    assert source.decimal == ","
    assert list(source.frame.columns) == ["ID_KELUARGA", "NAMA_KRT", "PENGELUARAN", "BOBOT"]
    assert source.frame["NAMA_KRT"].tolist()[:2] == ["Contoh Josè", "Contoh Ñoman"]
    numbers = parse_numbers(source.frame["PENGELUARAN"], source.decimal)
    assert numbers.tolist() == [1234567.5, 850000.0, 12.75]
    assert parse_numbers(source.frame["BOBOT"], source.decimal).tolist() == [1.0, 2.25, 1000.0]


def test_csv_options_override_detection(tmp_path: Path) -> None:
    path = tmp_path / "keluarga.txt"
    path.write_bytes("ID|PENGELUARAN\nK001|1.234,5\n".encode("latin-1"))

    source = read_table(
        path, csv_options=CsvOptions(delimiter="|", encoding="latin-1", decimal=",")
    )

    assert source.frame.columns.tolist() == ["ID", "PENGELUARAN"]
    assert parse_numbers(source.frame["PENGELUARAN"], source.decimal).tolist() == [1234.5]


def test_csv_with_utf8_bom_has_clean_first_column(tmp_path: Path) -> None:
    path = tmp_path / "anggota.csv"
    path.write_bytes("\ufeffID_ART,UMUR\nP001,30\n".encode())

    for options in (CsvOptions(), CsvOptions(encoding="utf-8")):
        source = read_table(path, csv_options=options)
        assert source.frame.columns.tolist() == ["ID_ART", "UMUR"]
        assert source.frame["ID_ART"].tolist() == ["P001"]


def test_csv_with_more_fields_than_the_header_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rusak.csv"
    path.write_text("ID,UMUR,JK\nP001,30,1\nP002,41,2,9\n", "utf-8")

    with pytest.raises(SejahteraError) as error:
        read_table(path)

    assert error.value.key == "read.csv_malformed"
    assert "rusak.csv" in str(error.value)


def test_csv_with_fewer_fields_than_the_header_names_the_file_and_line(tmp_path: Path) -> None:
    # An unquoted line break inside a value splits a row in two short rows.
    path = tmp_path / "terpotong.csv"
    path.write_text("ID,UMUR,JK\nP001,30,1\nP002,41\n2\n", "utf-8")

    with pytest.raises(SejahteraError) as error:
        read_table(path)

    assert error.value.key == "read.csv_short_row"
    assert "terpotong.csv" in str(error.value)
    assert "baris 3 berisi 2 kolom, seharusnya 3" in str(error.value)


def test_csv_with_a_very_long_field_and_a_blank_last_column(tmp_path: Path) -> None:
    path = tmp_path / "catatan.csv"
    note = "catatan panjang " * 20_000  # over the csv module's default field limit
    path.write_text(f"ID,CATATAN,JK\nP001,{note},\nP002,pendek,2\n", "utf-8")

    frame = read_table(path).frame

    assert frame["CATATAN"].str.len().tolist() == [len(note), len("pendek")]


def test_csv_empty_trailing_field_is_not_malformed(tmp_path: Path) -> None:
    path = tmp_path / "anggota.csv"
    path.write_text('ID,NAMA,JK\nP001,"Contoh, Satu",\nP002,Contoh Dua,2\n', "utf-8")

    frame = read_table(path).frame

    assert frame["NAMA"].tolist() == ["Contoh, Satu", "Contoh Dua"]
    assert pd.isna(frame["JK"].iloc[0])


def test_csv_delimiter_after_the_last_field_does_not_shift_columns(tmp_path: Path) -> None:
    # Some exports end every data row, but not the header, with a delimiter.
    path = tmp_path / "anggota.csv"
    path.write_text("ID_ART;UMUR\nP001;45;\nP002;41;\n", "utf-8")

    frame = read_table(path).frame

    assert frame.columns.tolist() == ["ID_ART", "UMUR"]
    assert frame["ID_ART"].tolist() == ["P001", "P002"]
    assert frame["UMUR"].tolist() == ["45", "41"]


def test_csv_with_an_extra_field_on_every_row_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "geser.csv"
    path.write_text("ID_ART,UMUR\nP001,45,Ya\nP002,41,Tidak\n", "utf-8")

    with pytest.raises(SejahteraError) as error:
        read_table(path)

    assert error.value.key == "read.csv_more_fields"
    assert "geser.csv" in str(error.value)


@pytest.mark.parametrize("name", ["keluarga.ods", "keluarga"])
def test_unknown_suffix_names_the_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"not a table")

    with pytest.raises(SejahteraError) as error:
        read_table(path)

    assert error.value.key == "read.unknown_format"
    assert name in str(error.value)


def test_missing_file_and_corrupt_parquet_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(SejahteraError, match=r"tidak_ada\.csv"):
        read_table(tmp_path / "tidak_ada.csv")
    corrupt = tmp_path / "rusak.parquet"
    corrupt.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(SejahteraError) as error:
        read_table(corrupt)
    assert error.value.key == "read.failed"
    assert "rusak.parquet" in str(error.value)


def write_workbook(path: Path) -> None:
    """A workbook as a district office keeps it: a cover sheet, then the members."""
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Keterangan"
    cover.append(["Data uji, bukan data nyata"])
    members = book.create_sheet("Anggota")
    members.append(["ID_ART", "KODE_DESA", "UMUR", "KODE_KEC"])
    members.append(["P001", 3404132001, 45, 340413])
    members.append(["P002", "34.04.13.2002", 12.0, "340413"])
    book.save(path)


def test_excel_named_sheet_and_region_codes_stored_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "anggota.xlsx"
    write_workbook(path)

    source = read_table(path, sheet="Anggota")
    households = typed(
        source.frame.rename(columns={"KODE_DESA": "village_code", "KODE_KEC": "district_code"}),
        "households",
    )
    persons = typed(source.frame.rename(columns={"UMUR": "age"}), "persons")

    assert source.file == "anggota.xlsx"
    assert source.frame["ID_ART"].tolist() == ["P001", "P002"]
    assert households["village_code"].tolist() == ["34.04.13.2001", "34.04.13.2002"]
    assert households["district_code"].tolist() == ["34.04.13", "34.04.13"]
    assert persons["age"].tolist() == [45, 12]


def test_excel_first_sheet_by_default_and_missing_sheet(tmp_path: Path) -> None:
    path = tmp_path / "anggota.xlsx"
    write_workbook(path)

    assert read_table(path).frame.columns.tolist() == ["Data uji, bukan data nyata"]
    assert read_table(path, sheet=1).frame["ID_ART"].tolist() == ["P001", "P002"]
    with pytest.raises(SejahteraError) as error:
        read_table(path, sheet="Keluarga")
    assert error.value.key == "read.no_sheet"
    assert "anggota.xlsx" in str(error.value)
    assert "Keluarga" in str(error.value)


def test_excel_workbook_with_one_sheet_per_table(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    families = book.active
    families.title = "Keluarga"
    families.append(["ID_KELUARGA", "KODE_DESA", "DESIL"])
    families.append([1001, 3404132001, 2])
    families.append([1002, 3404132002, 5])
    members = book.create_sheet("Anggota")
    members.append(["ID_ART", "ID_KELUARGA", "HUB", "JK", "UMUR", "NIK"])
    members.append([100101, 1001, 1, 1, 40, "9900000000000001"])
    members.append([100201, 1002, 1, 2, 33, 9900000000000002])
    book.save(tmp_path / "dtks.xlsx")
    mapping = {
        "households": {
            "file": "dtks.xlsx",
            "sheet": "Keluarga",
            "columns": {
                "ID_KELUARGA": "household_id",
                "KODE_DESA": "village_code",
                "DESIL": "desil",
            },
        },
        "persons": {
            "file": "dtks.xlsx",
            "sheet": "Anggota",
            "columns": {
                "ID_ART": "person_id",
                "ID_KELUARGA": "household_id",
                "HUB": "relationship",
                "JK": "sex",
                "UMUR": "age",
                "NIK": "nik",
            },
            "values": {"relationship": {1: "head"}, "sex": {1: "M", 2: "F"}},
        },
    }

    dataset = import_dataset(
        tmp_path, load_mapping(write_mapping(tmp_path / "dtks.yaml", mapping)), tmp_path / "out"
    )

    households = dataset.households()
    persons = dataset.persons()
    assert households["household_id"].tolist() == ["1001", "1002"]
    assert households["village_code"].tolist() == ["34.04.13.2001", "34.04.13.2002"]
    assert households["desil"].tolist() == [2, 5]
    assert persons["person_id"].tolist() == ["100101", "100201"]
    assert persons["nik"].tolist() == ["9900000000000001", "9900000000000002"]
    assert persons["sex"].tolist() == ["M", "F"]


LABELLED = pd.DataFrame(
    {
        "IDRT": [101.0, 101.0, 102.0],
        "IDART": [10101.0, 10102.0, 10201.0],
        "HUB": [1.0, 2.0, 1.0],
        "JK": [1.0, 2.0, 2.0],
        "UMUR": [40.0, 38.0, 70.0],
        "KEC": [340413.0, 340413.0, 340413.0],
    }
)
LABELS = {
    "HUB": {1: "Kepala rumah tangga", 2: "Istri/suami"},
    "JK": {1: "Laki-laki", 2: "Perempuan"},
}
LABEL_MAPPING = {
    "households": {"columns": {"IDRT": "household_id", "KEC": "district_code"}},
    "persons": {
        "columns": {
            "IDART": "person_id",
            "IDRT": "household_id",
            "HUB": "relationship",
            "JK": "sex",
            "UMUR": "age",
        },
        "values": {
            "relationship": {"Kepala rumah tangga": "head", "Istri/suami": "spouse"},
            "sex": {"Laki-laki": "M", "Perempuan": "F"},
        },
    },
}


@pytest.mark.parametrize(
    ("name", "write"),
    [("susenas.dta", pyreadstat.write_dta), ("susenas.sav", pyreadstat.write_sav)],
)
def test_value_labels_become_categories_that_a_mapping_recodes(
    tmp_path: Path, name: str, write
) -> None:
    path = tmp_path / name
    write(LABELLED, str(path), variable_value_labels=LABELS)

    source = read_table(path)
    assert isinstance(source.frame["HUB"].dtype, pd.CategoricalDtype)
    assert source.frame["HUB"].tolist() == [
        "Kepala rumah tangga",
        "Istri/suami",
        "Kepala rumah tangga",
    ]
    assert source.frame["JK"].tolist() == ["Laki-laki", "Perempuan", "Perempuan"]

    mapping = load_mapping(write_mapping(tmp_path / "susenas.yaml", LABEL_MAPPING))
    dataset = import_dataset(path, mapping, tmp_path / "out")
    persons = dataset.persons()
    households = dataset.households()

    assert persons["relationship"].tolist() == ["head", "spouse", "head"]
    assert persons["sex"].tolist() == ["M", "F", "F"]
    assert persons["age"].tolist() == [40, 38, 70]
    # Whole numbers stored as floats are ids, not "101.0".
    assert persons["person_id"].tolist() == ["10101", "10102", "10201"]
    assert households["household_id"].tolist() == ["101", "102"]
    assert households["district_code"].tolist() == ["34.04.13", "34.04.13"]


def test_r_data_file_written_by_pyreadr(tmp_path: Path) -> None:
    import pyreadr

    path = tmp_path / "survei.RData"
    frame = pd.DataFrame({"id": ["R1", "R2"], "pengeluaran": [750000.0, 1250000.5]})
    pyreadr.write_rdata(str(path), frame, df_name="rumah_tangga")

    source = read_table(path)
    named = read_table(path, table="rumah_tangga")

    assert source.frame["pengeluaran"].tolist() == [750000.0, 1250000.5]
    assert named.frame["id"].tolist() == ["R1", "R2"]
    with pytest.raises(SejahteraError, match="tidak_ada"):
        read_table(path, table="tidak_ada")


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx", ".dta", ".sav"])
def test_rows_reads_only_the_first_rows_with_every_column(tmp_path: Path, suffix: str) -> None:
    """A preview (``rows=``) gives the same columns and first values as the whole file."""
    frame = pd.DataFrame({"ID": [f"K{n:04d}" for n in range(3000)], "UMUR": range(3000)})
    path = tmp_path / f"anggota{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif suffix == ".dta":
        frame.to_stata(path, write_index=False)
    else:
        pyreadstat.write_sav(frame, str(path))
    whole = read_table(path).frame
    head = read_table(path, rows=4).frame
    assert len(whole) == 3000 and len(head) == 4
    assert list(head.columns) == list(whole.columns) == ["ID", "UMUR"]
    assert head["ID"].tolist() == ["K0000", "K0001", "K0002", "K0003"]
    assert head["UMUR"].astype(int).tolist() == [0, 1, 2, 3]


def test_a_csv_preview_of_a_long_file_stops_at_a_whole_line(tmp_path: Path) -> None:
    path = tmp_path / "besar.csv"
    path.write_text("ID;NAMA\n" + "".join(f"K{n};Désirée {n}\n" for n in range(200_000)), "utf-8")
    head = read_table(path, rows=2).frame
    assert head.to_dict("list") == {"ID": ["K0", "K1"], "NAMA": ["Désirée 0", "Désirée 1"]}
