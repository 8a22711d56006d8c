"""The audit log's triggers (workbench/audit/guard.py) in the tests: emptying the test database
between transactional tests on SQLite, and tests that tamper with the log on purpose.

Django empties the test database after a transactional test (``flush``): TRUNCATE on
PostgreSQL, which row triggers do not see, but ``DELETE FROM`` on SQLite, which the trigger
refuses. :func:`_flush_past_the_guard` makes SQLite's flush take the triggers off and put them
back in the same transaction (SQLite's DDL is transactional, so they come back whatever
happens). A pytest plugin (conftest.py's ``pytest_plugins``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseOperations  # base first: no import cycle

from sejahtera.workbench.audit import guard


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_guard() -> Iterator[None]:
    flush = DatabaseOperations.sql_flush

    def sql_flush(self: DatabaseOperations, style, tables, **options) -> list[str]:  # type: ignore[no-untyped-def]
        sql = flush(self, style, tables, **options)
        if not any(guard.TABLE in statement for statement in sql):
            return sql
        return [*guard.SQLITE_REMOVE, *sql, *guard.SQLITE_INSTALL]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = flush  # type: ignore[method-assign]


@contextmanager
def unguarded(using: str = "default") -> Iterator[None]:
    """The audit log without its triggers for the block, as an owner of the database who drops
    them could have it (a tamper test), in one transaction that puts them back."""
    connection = connections[using]
    with transaction.atomic(using=using):
        guard.remove(connection)
        yield
        guard.install(connection)
