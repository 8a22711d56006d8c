"""Two requests at the same moment, each in its own thread with its own client and database
connection, through the whole request handler: the technique of the concurrency tests.

So that the requests really meet, each waits at one step (after its form was checked, before
its decision is written) until every other one has reached it too; then all go on.

SQLite, the default, runs on a file with the workbench's own options (WAL, ``BEGIN
IMMEDIATE``, a timeout): the test database in memory refuses a second writer at once instead
of letting it wait. On PostgreSQL (``make test`` runs the files again with ``DATABASE_URL``)
the test database itself. A step inside a transaction cannot be met on SQLite: the first
request holds the write lock from the transaction's start and the second waits for it there,
so with ``locked=True`` a request waits for the others only :data:`LOCKED_WAIT` seconds."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from workbench_users import user_with

WAIT = 30  # seconds a request waits for the other before the test gives up
LOCKED_WAIT = 1  # seconds, on SQLite, at a step the first request reaches holding the lock


@pytest.fixture
def database(tmp_path: Path, settings) -> Iterator[None]:
    """The workbench's database as it runs: on SQLite, the test database copied to a file that
    every thread's connection opens (and back to the one in memory after)."""
    settings.ALLOWED_HOSTS = ["testserver"]
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    file = tmp_path / "workbench.sqlite3"
    copy = sqlite3.connect(file)
    connection.connection.backup(copy)
    copy.close()
    memory, in_memory = connections["default"], connections.settings["default"]
    connections.settings["default"] = {**in_memory, "NAME": str(file)}
    connections["default"] = connections.create_connection("default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = memory  # a database in memory lives as long as its connection
        connections.settings["default"] = in_memory


def together(
    monkeypatch: pytest.MonkeyPatch,
    owner: object,
    requests: list[Callable[[], Any]],
    step: str = "validate_unique",
    *,
    before: bool = False,
    locked: bool = False,
) -> list[Any]:
    """The answers to ``requests`` run at once, each in its own thread, by status. Each waits
    the first time it reaches ``owner.step`` (a form's ``validate_unique`` unless told: after
    it, or ``before`` it) until every other one has reached it too; ``locked``: the step runs
    inside a transaction."""
    met = threading.Barrier(len(requests), timeout=WAIT)
    patience = LOCKED_WAIT if locked and connection.vendor == "sqlite" else WAIT
    original = getattr(owner, step)

    here = threading.local()  # a request waits the first time it reaches the step, only

    def wait() -> None:
        if getattr(here, "met", False):
            return
        here.met = True
        try:
            met.wait(patience)
        except threading.BrokenBarrierError:
            if patience == WAIT:
                raise  # the other request failed, or never came

    def waiting(*args: Any, **kwargs: Any) -> Any:
        if before:
            wait()
        result = original(*args, **kwargs)
        if not before:
            wait()
        return result

    monkeypatch.setattr(owner, step, waiting)
    answers: list[Any] = []
    failures: list[BaseException] = []

    def run(request: Callable[[], Any]) -> None:
        try:
            answers.append(request())
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
            met.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert failures == []
    return sorted(answers, key=lambda answer: answer.status_code)


def status_of(answers: list[Any]) -> list[int]:
    return [answer.status_code for answer in answers]


def client_of(role: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user_with(role))
    return client
