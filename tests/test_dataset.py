"""Dataset folders: manifest, checksums, atomic writes and partitions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from sejahtera.data.dataset import Dataset, DatasetWriter, Manifest, sha256, write_dataset
from sejahtera.errors import SejahteraError


def manifest() -> Manifest:
    return Manifest(
        name="t", region_code="34", reference_date="2025-03-01", source="test", synthetic=True
    )


def tables(n: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    households = pd.DataFrame(
        {
            "household_id": [f"h{i}" for i in range(n)],
            "province_code": ["34"] * n,
            "regency_code": ["34.01"] * n,
            "weight": [1.0] * n,
        }
    )
    persons = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(n)],
            "household_id": [f"h{i}" for i in range(n)],
            "relationship": ["head"] * n,
            "sex": ["F"] * n,
            "age": [40] * n,
        }
    )
    return households, persons


def test_write_then_open_round_trips(tmp_path: Path) -> None:
    households, persons = tables()
    written = write_dataset(tmp_path / "d", households, persons, manifest())
    opened = Dataset.open(tmp_path / "d")
    assert opened.manifest.households == 3 and opened.manifest.persons == 3
    pd.testing.assert_frame_equal(opened.households(), households)
    raw = json.loads((tmp_path / "d" / "dataset.json").read_text())
    assert raw["schema"] == "sejahtera/v1"
    assert raw["files"]["households.parquet"] == sha256(tmp_path / "d" / "households.parquet")
    assert written.path == tmp_path / "d"


def test_a_changed_file_fails_its_checksum(tmp_path: Path) -> None:
    households, persons = tables()
    write_dataset(tmp_path / "d", households, persons, manifest())
    other, _ = tables(4)
    other.to_parquet(tmp_path / "d" / "households.parquet")
    with pytest.raises(SejahteraError) as error:
        Dataset.open(tmp_path / "d")
    assert error.value.key == "dataset.checksum"
    assert "households.parquet" in str(error.value)
    Dataset.open(tmp_path / "d", verify=False)  # still readable on purpose


def test_missing_file_and_missing_manifest(tmp_path: Path) -> None:
    households, persons = tables()
    write_dataset(tmp_path / "d", households, persons, manifest())
    (tmp_path / "d" / "persons.parquet").unlink()
    with pytest.raises(SejahteraError, match=r"persons\.parquet"):
        Dataset.open(tmp_path / "d")
    (tmp_path / "e").mkdir()
    with pytest.raises(SejahteraError, match=r"dataset\.json"):
        Dataset.open(tmp_path / "e")
    with pytest.raises(SejahteraError) as error:
        Dataset.open(tmp_path / "nowhere")
    assert error.value.key == "dataset.not_found"


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    households, persons = tables()
    write_dataset(tmp_path / "d", households, persons, manifest())
    path = tmp_path / "d" / "dataset.json"
    path.write_text(path.read_text().replace("sejahtera/v1", "sejahtera/v9"))
    with pytest.raises(SejahteraError, match="sejahtera/v9"):
        Dataset.open(tmp_path / "d")


def test_failure_inside_the_writer_leaves_nothing(tmp_path: Path) -> None:
    households, persons = tables()
    with pytest.raises(RuntimeError), DatasetWriter(tmp_path / "d", manifest()) as writer:
        writer.write_part(pa.Table.from_pandas(households), pa.Table.from_pandas(persons))
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_and_refuses_without_flag(tmp_path: Path) -> None:
    households, persons = tables()
    write_dataset(tmp_path / "d", households, persons, manifest())
    bigger_h, bigger_p = tables(5)
    with pytest.raises(SejahteraError) as error:
        write_dataset(tmp_path / "d", bigger_h, bigger_p, manifest())
    assert error.value.key == "dataset.exists"
    assert Dataset.open(tmp_path / "d").manifest.households == 3
    write_dataset(tmp_path / "d", bigger_h, bigger_p, manifest(), overwrite=True)
    assert Dataset.open(tmp_path / "d").manifest.households == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


def test_partitions_pair_households_with_their_persons(tmp_path: Path) -> None:
    with DatasetWriter(tmp_path / "d", manifest(), partitioned=True) as writer:
        for start in (0, 3):
            households, persons = tables(3)
            households["household_id"] = [f"h{start + i}" for i in range(3)]
            persons["household_id"] = households["household_id"]
            persons["person_id"] = [f"p{start + i}" for i in range(3)]
            writer.write_part(pa.Table.from_pandas(households), pa.Table.from_pandas(persons))
    dataset = Dataset.open(tmp_path / "d")
    assert sorted(dataset.manifest.files) == [
        "households/part-00000.parquet",
        "households/part-00001.parquet",
        "persons/part-00000.parquet",
        "persons/part-00001.parquet",
    ]
    for households, persons in dataset.partitions():
        assert (
            households.column("household_id").to_pylist()
            == persons.column("household_id").to_pylist()
        )
    assert dataset.households()["household_id"].tolist() == [f"h{i}" for i in range(6)]


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_overwrite_never_replaces_something_that_is_not_a_dataset(
    tmp_path: Path, kind: str
) -> None:
    households, persons = tables()
    target = tmp_path / "Documents"
    if kind == "folder":
        target.mkdir()
        (target / "skripsi.docx").write_text("naskah")
    else:
        target.write_text("catatan")
    with pytest.raises(SejahteraError) as error:
        write_dataset(target, households, persons, manifest(), overwrite=True)
    assert error.value.key == "dataset.not_a_dataset"
    if kind == "folder":
        assert (target / "skripsi.docx").read_text() == "naskah"
    else:
        assert target.read_text() == "catatan"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Documents"]


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"households.parquet": "0" * 64},
        {"households.parquet": "0" * 64, "../persons.parquet": "0" * 64},
        {"households.parquet": "0" * 64, "/etc/hostname": "0" * 64},
    ],
)
def test_manifest_must_list_matching_parts_inside_the_folder(
    tmp_path: Path, files: dict[str, str]
) -> None:
    households, persons = tables()
    write_dataset(tmp_path / "d", households, persons, manifest())
    path = tmp_path / "d" / "dataset.json"
    raw = json.loads(path.read_text())
    raw["files"] = files
    path.write_text(json.dumps(raw))
    with pytest.raises(SejahteraError) as error:
        Dataset.open(tmp_path / "d")
    assert error.value.key == "dataset.bad_manifest"


def test_manifest_that_is_not_an_object_or_miscounts(tmp_path: Path) -> None:
    households, persons = tables()
    write_dataset(tmp_path / "d", households, persons, manifest())
    path = tmp_path / "d" / "dataset.json"
    good = path.read_text()
    path.write_text("[]")
    with pytest.raises(SejahteraError) as error:
        Dataset.open(tmp_path / "d")
    assert error.value.key == "dataset.bad_manifest"
    path.write_text(good.replace('"households": 3', '"households": 3000'))
    with pytest.raises(SejahteraError) as error:
        Dataset.open(tmp_path / "d")
    assert error.value.key == "dataset.counts"


def test_validation_finds_ids_repeated_across_parts(tmp_path: Path) -> None:
    from sejahtera.data.validate import validate_dataset

    with DatasetWriter(tmp_path / "d", manifest(), partitioned=True) as writer:
        for first in (0, 2):  # parts hold h0-h2 and h2-h4: h2 (and its person p2) twice
            households, persons = tables(3)
            households["household_id"] = [f"h{first + i}" for i in range(3)]
            persons["household_id"] = households["household_id"]
            persons["person_id"] = [f"p{first + i}" for i in range(3)]
            writer.write_part(pa.Table.from_pandas(households), pa.Table.from_pandas(persons))

    report = validate_dataset(Dataset.open(tmp_path / "d"))

    assert report.counts == {"duplicate_id": 2}
    # The repeat is named where it repeats (row 1 of the second part) and where it was first.
    assert {(p.file, p.row, p.column, p.value) for p in report.problems} == {
        ("households/part-00001.parquet", 1, "household_id", "h2"),
        ("persons/part-00001.parquet", 1, "person_id", "p2"),
    }
    assert {p.detail.rsplit(" ", 1)[-1] for p in report.problems} == {"3"}
