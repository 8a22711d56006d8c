"""Small synthetic sources for the data-import tests, written the way users' tools write them.

A DTKS-style export is two files: ``keluarga.csv`` (one row per family) and ``anggota.csv``
(one row per family member), read with ``DTKS_MAPPING``. All names and NIKs are made up: NIKs
start with 99, which is no province.

Values are kept as the text a source holds; the tests state what each becomes in the dataset.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from sejahtera.data.importer import ImportFailed, import_dataset
from sejahtera.data.mapping import load_mapping
from sejahtera.errors import Problem, ProblemReport
from sejahtera.i18n import set_language

Columns = dict[str, list[str]]

HOUSEHOLDS: Columns = {
    "ID_KELUARGA": ["K001", "K002", "K003"],
    "KODE_DESA": ["3404132001", "3404132001", "3404132002"],
    "DAERAH": ["Perdesaan", "Perdesaan", "Perkotaan"],
    "DESIL": ["1", "3", "10"],
    "LANTAI": ["Tanah", "Keramik", "Semen"],
    "PENGELUARAN": ["450000", "1250000.5", "2100000"],
    "PKH": ["Ya", "Tidak", "Tidak"],
}

PERSONS: Columns = {
    "ID_ART": ["P01", "P02", "P03", "P04", "P05", "P06", "P07"],
    "ID_KELUARGA": ["K001", "K001", "K001", "K002", "K002", "K003", "K003"],
    "NIK": [f"99000000000000{n:02d}" for n in range(1, 8)],
    "NAMA": [
        "Contoh Satu",
        "Contoh Dua",
        "Contoh Tiga",
        "Contoh Empat",
        "Contoh Lima",
        "Contoh Enam",
        "Contoh Tujuh",
    ],
    "HUB_KRT": ["1", "2", "3", "1", "5", "1", "3"],
    "JK": ["1", "2", "2", "2", "1", "1", "2"],
    "UMUR": ["45", "41", "12", "67", "30", "52", "8"],
    "HAMIL": ["Tidak", "Ya", "Tidak", "Tidak", "Tidak", "Tidak", "Tidak"],
    "SEKOLAH": ["Tidak", "Tidak", "Ya", "Tidak", "Tidak", "Tidak", "Ya"],
    "JENJANG": ["", "", "SMP", "", "", "", "SD"],
}

DTKS_MAPPING: dict[str, Any] = {
    "format": "sejahtera-mapping/v1",
    "name": "DTKS uji",
    "households": {
        "file": "keluarga.csv",
        "columns": {
            "ID_KELUARGA": "household_id",
            "KODE_DESA": "village_code",
            "DAERAH": "urban",
            "DESIL": "desil",
            "LANTAI": "floor_type",
            "PENGELUARAN": "consumption_pc",
            "PKH": "receives_pkh",
        },
        "values": {
            "urban": {"Perkotaan": True, "Perdesaan": False},
            "floor_type": {"Tanah": "earth", "Keramik": "ceramic", "Semen": "cement"},
        },
        "constants": {"weight": 1},
    },
    "persons": {
        "file": "anggota.csv",
        "columns": {
            "ID_ART": "person_id",
            "ID_KELUARGA": "household_id",
            "NIK": "nik",
            "NAMA": "name",
            "HUB_KRT": "relationship",
            "JK": "sex",
            "UMUR": "age",
            "HAMIL": "pregnant",
            "SEKOLAH": "enrolled",
            "JENJANG": "school_level",
        },
        "values": {
            "relationship": {1: "head", 2: "spouse", 3: "child", 4: "parent", 5: "other"},
            "sex": {1: "M", 2: "F"},
            "school_level": {"SD": "sd", "SMP": "smp", "SMA": "sma", "PT": "tertiary"},
        },
    },
}


def changed(columns: Columns, column: str, row: int, value: str) -> Columns:
    """A copy of ``columns`` with data row ``row`` (1 = first) of ``column`` set to ``value``."""
    out = copy.deepcopy(columns)
    out[column][row - 1] = value
    return out


def write_csv(path: Path, columns: Columns, sep: str = ",", encoding: str = "utf-8") -> Path:
    pd.DataFrame(columns, dtype=str).to_csv(path, sep=sep, index=False, encoding=encoding)
    return path


def write_mapping(path: Path, mapping: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def write_dtks(
    folder: Path,
    households: Columns = HOUSEHOLDS,
    persons: Columns = PERSONS,
    mapping: dict[str, Any] = DTKS_MAPPING,
) -> tuple[Path, Path]:
    """Write a DTKS-style source folder and its mapping; return (source folder, mapping file)."""
    source = folder / "dtks"
    source.mkdir(parents=True, exist_ok=True)
    write_csv(source / "keluarga.csv", households)
    write_csv(source / "anggota.csv", persons)
    return source, write_mapping(folder / "dtks.yaml", mapping)


def import_dtks(folder: Path, limit: int = 1000, **tables: Any) -> ProblemReport:
    """Import a DTKS source expected to fail; return its report."""
    source, mapping = write_dtks(folder, **tables)
    with pytest.raises(ImportFailed) as failed:
        import_dataset(source, load_mapping(mapping), folder / "out", limit=limit)
    assert not (folder / "out").exists()
    return failed.value.report


def only(report: ProblemReport, rule: str) -> list[Problem]:
    return [p for p in report.problems if p.rule == rule]


def reset_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Indonesian, the default, whatever the environment or an earlier ``--lang`` set."""
    monkeypatch.delenv("SEJAHTERA_LANG", raising=False)
    set_language(None)
