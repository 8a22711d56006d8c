"""Loading a dataset into SQLite (always) and PostgreSQL (when reachable), all or nothing."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pyarrow as pa
import pytest

from sejahtera.data.dataset import Dataset, DatasetWriter, Manifest
from sejahtera.data.sql import load
from sejahtera.errors import SejahteraError
from sejahtera.synth import SynthOptions, synthesise


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    folder = tmp_path_factory.mktemp("sql") / "kota"
    return synthesise(SynthOptions("34.71", 1_500, seed=2, batch_size=600), folder)


def expected(dataset: Dataset) -> tuple[int, int, float, int]:
    households, persons = dataset.households(), dataset.persons()
    return (
        len(households),
        len(persons),
        float(households["consumption_pc"].sum()),
        int(persons["age"].sum()),
    )


def totals(connection) -> tuple[int, int, float, int]:
    """Row counts and sums from a SQLite or PostgreSQL connection, to compare with the data."""
    households, consumption = connection.execute(
        "SELECT count(*), sum(consumption_pc) FROM sejahtera_household"
    ).fetchone()
    persons, ages = connection.execute("SELECT count(*), sum(age) FROM sejahtera_person").fetchone()
    return households, persons, consumption, ages


def sqlite_totals(path: Path) -> tuple[int, int, float, int]:
    with sqlite3.connect(path) as connection:
        return totals(connection)


def test_load_into_sqlite(small: Dataset, tmp_path: Path) -> None:
    database = tmp_path / "w.db"
    loaded = load(small, f"sqlite:///{database}")
    assert (loaded.households, loaded.persons) == (1_500, small.manifest.persons)
    assert sqlite_totals(database) == pytest.approx(expected(small))
    with pytest.raises(SejahteraError) as error:
        load(small, f"sqlite:///{database}")
    assert error.value.key == "sql.exists"
    load(small, f"sqlite:///{database}", replace=True)
    assert sqlite_totals(database) == pytest.approx(expected(small))


def broken_copy(source: Dataset, folder: Path) -> Dataset:
    """The same households, but a second part whose persons repeat a person id of the first."""
    parts = list(source.partitions())
    manifest = Manifest(
        name="broken",
        region_code="34.71",
        reference_date="2025-03-01",
        source="test",
        synthetic=True,
    )
    with DatasetWriter(folder, manifest, partitioned=True) as writer:
        writer.write_part(*parts[0])
        households, persons = parts[1]
        ids = persons.column("person_id").to_pylist()
        ids[-1] = parts[0][1].column("person_id")[0].as_py()
        persons = persons.set_column(0, "person_id", pa.array(ids))
        writer.write_part(households, persons)
    return Dataset.open(folder)


def test_failed_load_leaves_the_database_as_it_was(small: Dataset, tmp_path: Path) -> None:
    database = tmp_path / "w.db"
    load(small, f"sqlite:///{database}")
    before = sqlite_totals(database)
    with pytest.raises(SejahteraError) as error:
        load(broken_copy(small, tmp_path / "broken"), f"sqlite:///{database}")
    assert error.value.key == "sql.failed" and "UNIQUE" in str(error.value)
    assert sqlite_totals(database) == before
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM sejahtera_dataset").fetchone() == (1,)


def test_unknown_database_address(small: Dataset) -> None:
    with pytest.raises(SejahteraError) as error:
        load(small, "mysql://localhost/x")
    assert error.value.key == "sql.url"


@pytest.fixture
def postgres(postgres_url: str):
    """A fresh schema in the test database, dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in postgres_url else "?"
    yield f"{postgres_url}{separator}options=-csearch_path%3D{schema}", postgres_url, schema
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


def postgres_totals(url: str) -> tuple[int, int, float, int]:
    import psycopg

    with psycopg.connect(url) as connection:
        return totals(connection)


@pytest.mark.postgres
def test_load_into_postgres(small: Dataset, postgres, tmp_path: Path) -> None:
    url, _, _ = postgres
    load(small, url)
    assert postgres_totals(url) == pytest.approx(expected(small))
    before = postgres_totals(url)
    with pytest.raises(SejahteraError) as error:
        load(broken_copy(small, tmp_path / "broken"), url)
    assert error.value.key == "sql.failed" and "duplicate key" in str(error.value)
    assert postgres_totals(url) == before


@pytest.mark.postgres
def test_postgres_connection_error_is_clear(small: Dataset) -> None:
    with pytest.raises(SejahteraError) as error:
        load(small, "postgresql://nobody:secret@127.0.0.1:1/none")
    assert error.value.key == "sql.connect"
    assert "secret" not in str(error.value)
