"""``sejahtera data load``: copy a dataset into a SQL database, all or nothing.

SQLite (``sqlite:///path/file.db``, the embedded default) or PostgreSQL
(``postgresql://host:port/database``). Three tables hold any number of datasets:
``sejahtera_dataset`` (one row per dataset, from dataset.json), ``sejahtera_household`` and
``sejahtera_person`` (schema columns plus ``dataset_id``). A load runs in one transaction: if
anything fails, the database is left exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pyarrow as pa

from sejahtera.data.dataset import Dataset
from sejahtera.data.schema import COLUMNS, TABLES, Column, Table
from sejahtera.errors import SejahteraError

TABLE_NAMES: dict[Table, str] = {"households": "sejahtera_household", "persons": "sejahtera_person"}
DATASET_TABLE = "sejahtera_dataset"
_KEYS: dict[Table, str] = {"households": "household_id", "persons": "person_id"}
_BATCH = 50_000


@dataclass(frozen=True)
class Loaded:
    dataset_id: str
    households: int
    persons: int


def _sql_type(col: Column, postgres: bool) -> str:
    if col.kind == "bool":
        return "BOOLEAN"
    if col.kind == "int":
        return "SMALLINT" if postgres else "INTEGER"
    if col.kind == "float":
        return "DOUBLE PRECISION" if postgres else "REAL"
    return "TEXT"


def _create_statements(postgres: bool) -> list[str]:
    statements = [
        f"CREATE TABLE IF NOT EXISTS {DATASET_TABLE} (dataset_id TEXT PRIMARY KEY, name TEXT "
        "NOT NULL, region_code TEXT, reference_date TEXT, source TEXT, synthetic BOOLEAN, "
        "households INTEGER, persons INTEGER)"
    ]
    for table in TABLES:
        columns = ", ".join(f"{c.name} {_sql_type(c, postgres)}" for c in COLUMNS[table])
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {TABLE_NAMES[table]} (dataset_id TEXT NOT NULL "
            f"REFERENCES {DATASET_TABLE}(dataset_id), {columns}, "
            f"PRIMARY KEY (dataset_id, {_KEYS[table]}))"
        )
    return statements


@contextmanager
def connect(url: str) -> Iterator[tuple[Any, bool]]:
    """A connection inside one transaction (committed on success, rolled back on error)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        if not url.startswith("sqlite:///"):
            raise SejahteraError("sql.url", url=url)
        # As in SQLAlchemy: sqlite:///relative.db, sqlite:////absolute/path.db
        connection = sqlite3.connect(Path(url[len("sqlite:///") :]), isolation_level=None)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("BEGIN")
        except sqlite3.Error:
            connection.close()
            raise
        try:
            yield connection, False
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()
    elif parsed.scheme in ("postgresql", "postgres"):
        import psycopg

        try:
            connection = psycopg.connect(url, connect_timeout=10)
        except psycopg.Error as exc:
            raise SejahteraError("sql.connect", url=_safe(url), detail=str(exc).strip()) from None
        with connection:  # commits on success, rolls back on an exception
            yield connection, True
    else:
        raise SejahteraError("sql.url", url=_safe(url))


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def dataset_id(dataset: Dataset) -> str:
    """Stable for the same data: a hash of the data files' checksums."""
    checksums = json.dumps(dataset.manifest.files, sort_keys=True).encode()
    return hashlib.sha256(checksums).hexdigest()[:16]


def load(dataset: Dataset, url: str, replace: bool = False) -> Loaded:
    """Copy ``dataset`` into the database at ``url`` in one transaction."""
    try:
        return _load(dataset, url, replace)
    except sqlite3.Error as exc:
        raise SejahteraError("sql.failed", url=_safe(url), detail=str(exc)) from exc
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):
            raise SejahteraError(
                "sql.failed", url=_safe(url), detail=str(exc).strip().splitlines()[0]
            ) from exc
        raise


def _load(dataset: Dataset, url: str, replace: bool) -> Loaded:
    key = dataset_id(dataset)
    manifest = dataset.manifest
    with connect(url) as (connection, postgres):
        marker = "%s" if postgres else "?"
        for statement in _create_statements(postgres):
            connection.execute(statement)
        present = connection.execute(
            f"SELECT 1 FROM {DATASET_TABLE} WHERE dataset_id = {marker}", (key,)
        ).fetchone()
        if present and not replace:
            raise SejahteraError("sql.exists", id=key, url=_safe(url))
        if present:
            for table in ("persons", "households"):
                name = TABLE_NAMES[table]  # type: ignore[index]
                connection.execute(f"DELETE FROM {name} WHERE dataset_id = {marker}", (key,))
            connection.execute(f"DELETE FROM {DATASET_TABLE} WHERE dataset_id = {marker}", (key,))
        connection.execute(
            f"INSERT INTO {DATASET_TABLE} VALUES ({', '.join([marker] * 8)})",
            (
                key,
                manifest.name,
                manifest.region_code,
                manifest.reference_date,
                manifest.source,
                manifest.synthetic,
                manifest.households,
                manifest.persons,
            ),
        )
        for households, persons in dataset.partitions():
            for table, data in zip(TABLES, (households, persons), strict=True):
                _insert(connection, postgres, table, key, data)
    return Loaded(key, manifest.households, manifest.persons)


def _insert(connection: Any, postgres: bool, table: Table, key: str, data: pa.Table) -> None:
    names = [c.name for c in COLUMNS[table] if c.name in data.column_names]
    target = f"{TABLE_NAMES[table]} (dataset_id, {', '.join(names)})"
    for batch in data.select(names).to_batches(_BATCH):
        rows = zip(*(column.to_pylist() for column in batch.columns), strict=True)
        if postgres:
            with connection.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((key, *row))
        else:
            marks = ", ".join(["?"] * (len(names) + 1))
            connection.executemany(
                f"INSERT INTO {target} VALUES ({marks})", ((key, *row) for row in rows)
            )
