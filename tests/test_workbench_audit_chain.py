"""The audit log is a hash chain (audit/chain.py), checked by ``sejahtera audit verify``: an
intact log verifies; a row changed or removed with raw SQL is named; concurrent writers, each on
its own database connection, keep one chain (SQLite here, PostgreSQL under ``make test``); the
migration seals the events already there. A state change and its audit event are one
transaction; anonymous requests cannot grow the log without limit."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection, connections
from django.test import Client, RequestFactory
from django.utils import timezone

from sejahtera.cli import main
from sejahtera.workbench.audit import chain
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core import audit, ratelimit
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.evaluations import sources
from sejahtera.workbench.evaluations.models import EvaluationInput
from workbench_audit_guard import unguarded
from workbench_users import user_with

pytestmark = pytest.mark.django_db
ZERO = "0" * 64


def by_hand(row: dict[str, Any], previous: str) -> str:
    """An event's hash as the developer guide states it, written out here: SHA-256 of the JSON
    of its stored fields and the previous hash, keys sorted, no spaces, UTF-8, UTC time, whole
    floats as integers."""
    at = row["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = {
        "action": row["action"],
        "address": row["address"],
        "at": at,
        "detail": row["detail"],
        "id": row["id"],
        "object_id": row["object_id"],
        "object_type": row["object_type"],
        "previous": previous,
        "username": row["username"],
    }
    text = json.dumps(whole(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def whole(value: Any) -> Any:
    """A float without a fraction written as the integer it is (1e16 as 10000000000000000)."""
    if isinstance(value, dict):
        return {k: whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole(v) for v in value]
    return int(value) if isinstance(value, float) and value == int(value) else value


def some_events(count: int = 4) -> list[AuditEvent]:
    """Events as views write them: a user, an object, an IPv6 address, unusual details."""
    request = RequestFactory().post("/", REMOTE_ADDR="2001:db8::7")
    request.user = user_with("officer", username="petugas")
    made = []
    for n in range(count):
        made.append(
            audit.record(
                request,
                "test_changed",
                request.user,
                n=n,
                share=0.1,
                whole=2.0,
                large=1e16,
                text="Kulon Progo – “desa” ü",
                nested={"b": [1, None, True], "a": {}},
            )
        )
    return made


def verify(*arguments: str) -> tuple[int, str, str]:
    """``sejahtera manage audit_verify`` in the test database: exit code, stdout, stderr."""
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", *arguments, stdout=out, stderr=err)
        code = 0
    except SystemExit as stopped:
        code = int(stopped.code or 0)
    return code, out.getvalue(), err.getvalue()


def rows() -> list[dict[str, Any]]:
    names = ("id", "at", "username", "action", "object_type", "object_id", "detail", "address")
    return list(AuditEvent.objects.order_by("id").values(*names, "previous_digest", "digest"))


# The chain ------------------------------------------------------------------------------------


def test_each_event_carries_the_hash_of_its_fields_and_of_the_one_before() -> None:
    some_events(3)
    previous = ZERO
    for row in rows():
        assert row["previous_digest"] == previous
        assert row["digest"] == by_hand(row, previous)
        previous = row["digest"]
    assert rows()[0]["address"] == "2001:db8::7" and rows()[0]["username"] == "petugas"


def test_an_intact_log_verifies_with_its_count_and_last_hash() -> None:
    some_events(4)
    total = AuditEvent.objects.count()  # the officer's creation may have added its own
    last = AuditEvent.objects.order_by("-id").first()
    code, out, err = verify()
    assert code == 0 and err == ""
    assert f"Log audit utuh: {total} kejadian diperiksa" in out
    assert f"#{last.pk}" in out and last.digest in out


def test_an_empty_log_verifies() -> None:
    assert verify()[:2] == (0, "Log audit kosong: tidak ada yang diperiksa.\n")


def test_a_field_changed_with_raw_sql_is_named() -> None:
    events = some_events(4)
    changed = events[2]
    with unguarded(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET username = %s WHERE id = %s", ["kepala", changed.pk]
        )
    code, out, err = verify()
    assert code == 1 and out == ""
    assert f"Log audit rusak pada kejadian #{changed.pk} (" in err
    assert "diubah setelah ditulis" in err
    assert changed.digest in err  # the hash it carries, and the one its fields give now
    before = AuditEvent.objects.filter(id__lt=changed.pk).count()
    assert f"{before} kejadian sebelumnya" in err


def test_a_changed_detail_is_named_even_when_only_a_number_moves() -> None:
    events = some_events(3)
    with unguarded(), connection.cursor() as cursor:
        detail = json.dumps({**events[1].detail, "n": 7})
        cursor.execute(
            "UPDATE core_auditevent SET detail = %s WHERE id = %s", [detail, events[1].pk]
        )
    code, _, err = verify()
    assert code == 1 and f"#{events[1].pk} (" in err


def test_a_removed_event_is_found_at_the_next_one() -> None:
    events = some_events(4)
    removed, after = events[1], events[2]
    with unguarded(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [removed.pk])
    code, _, err = verify()
    assert code == 1
    assert f"rusak pada kejadian #{after.pk} (" in err
    assert f"seharusnya mengikuti kejadian #{events[0].pk}" in err
    assert f"Kejadian #{removed.pk} hilang." in err


def test_removing_the_first_events_is_found() -> None:
    events = some_events(3)
    with unguarded():
        AuditEvent.objects.filter(id__lt=events[1].pk).delete()
    code, _, err = verify()
    assert code == 1 and f"#{events[1].pk}" in err and "awal log" in err


def test_removing_the_last_event_is_found_against_a_kept_head() -> None:
    events = some_events(3)
    kept = events[-1].digest
    assert verify("--head", kept)[0] == 0
    with unguarded():
        AuditEvent.objects.filter(pk=events[-1].pk).delete()
    assert verify()[0] == 0  # the chain alone cannot know its end is gone ...
    code, _, err = verify("--head", kept)  # ... the hash kept from an earlier check can
    assert code == 1 and kept in err


def test_the_command_line_speaks_both_languages() -> None:
    events = some_events(2)
    runner = CliRunner()
    answer = runner.invoke(main, ["--lang", "en", "audit", "verify"])
    assert answer.exit_code == 0, answer.output
    assert f"The audit log is intact: {AuditEvent.objects.count()} events checked" in answer.output
    with unguarded(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'x' WHERE id = %s", [events[0].pk])
    answer = runner.invoke(main, ["audit", "verify"])
    assert answer.exit_code == 1
    assert f"Log audit rusak pada kejadian #{events[0].pk}" in answer.output
    answer = runner.invoke(main, ["--lang", "en", "audit", "verify"])
    assert f"The audit log is broken at event #{events[0].pk}" in answer.output
    assert "changed after it was written" in answer.output


@pytest.fixture
def shared_database(tmp_path, django_db_setup, django_db_blocker) -> Iterator[str]:
    """The database concurrent writers share, as the workbench runs it, under an alias of its
    own (outside pytest-django's per-test wrapping, which refuses threads' connections).
    SQLite: a file with the workbench's options (WAL, BEGIN IMMEDIATE, a timeout), since the
    test database in memory refuses a second writer at once ("database table is locked")
    instead of letting it wait. PostgreSQL: the test database, its audit table emptied after."""
    alias = "audit_chain_shared"
    configured = {**connections.settings["default"]}
    sqlite = configured["ENGINE"].endswith("sqlite3")
    if sqlite:
        configured["NAME"] = str(tmp_path / "workbench.sqlite3")
    connections.settings[alias] = configured
    with django_db_blocker.unblock():
        if sqlite:
            from django.contrib.auth.models import Group, Permission, User
            from django.contrib.contenttypes.models import ContentType

            with connections[alias].schema_editor() as editor:
                for model in (ContentType, Permission, Group, User, AuditEvent):
                    editor.create_model(model)
        yield alias
        if not sqlite:
            with unguarded(alias):
                AuditEvent.objects.using(alias).all().delete()
        connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


def test_concurrent_writers_on_their_own_connections_keep_one_chain(shared_database) -> None:
    """Threads, each with its own connection, write at once: every event follows exactly one
    other, and the whole log verifies."""
    events = AuditEvent.objects.using(shared_database)
    assert not events.exists()
    writers, each = 6, 8
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        try:
            start.wait()
            for n in range(each):
                event = AuditEvent(action="test_concurrent", detail={"writer": number, "n": n})
                event.save(using=shared_database)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            connections[shared_database].close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert events.filter(action="test_concurrent").count() == writers * each
    previous = list(events.values_list("previous_digest", flat=True))
    assert len(set(previous)) == len(previous)  # no two events follow the same one: no fork
    assert chain.verify(events).intact


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_the_events_already_there_in_order() -> None:
    from django.db.migrations.executor import MigrationExecutor

    before = [("audit", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("audit", "AuditEvent")
    for n in range(5):
        old.objects.create(action="test_old", username=f"u{n}", detail={"n": n})
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    previous = ZERO
    for row in rows():
        assert row["digest"] == by_hand(row, previous)
        previous = row["digest"]
    assert verify()[0] == 0
    some_events(1)  # new events go on from the sealed ones
    assert verify()[0] == 0


# A change and its audit event: one transaction ------------------------------------------------


@pytest.fixture
def audit_fails(monkeypatch) -> None:
    """Every audit event's insert fails, as a full disk or a lost lock would make it."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("the audit row cannot be written")

    monkeypatch.setattr(chain, "seal", refuse)


def test_cancelling_a_job_is_undone_when_its_audit_event_cannot_be_written(audit_fails) -> None:
    officer = user_with("officer")
    job = Job.objects.create(kind="test.nothing", title="Nothing", owner=officer, link="/")
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    before = AuditEvent.objects.count()
    answer = client.post(f"/jobs/{job.pk}/cancel/")
    assert answer.status_code == 500
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and not job.cancel_requested
    assert AuditEvent.objects.count() == before


def test_a_kept_evaluation_table_is_undone_with_its_audit_event(audit_fails) -> None:
    kept_before = set(sources.folder().glob("*")) if sources.folder().exists() else set()
    analyst = user_with("analyst")
    client = Client(raise_request_exception=False)
    client.force_login(analyst)
    table = SimpleUploadedFile("table.csv", b"outcome,treated\n1,0\n2,1\n", "text/csv")
    answer = client.post("/evaluations/tables/new/", {"file": table})
    assert answer.status_code == 500
    assert not EvaluationInput.objects.exists()
    assert not AuditEvent.objects.filter(action="evaluation_table_uploaded").exists()
    assert set(sources.folder().glob("*")) == kept_before  # nor its file


# Anonymous requests cannot grow the log without limit ----------------------------------------


def test_a_thousand_anonymous_requests_add_a_bounded_number_of_events(
    settings, monkeypatch
) -> None:
    """From one address: failed and then refused sign-ins, tables of the public grievance page,
    unknown tracking codes; then failed sign-ins from 240 other addresses. At most 20 events an
    hour per kind and address and 200 per kind in all are written; the rest are counted, and
    the count goes with the next event written once the hour has passed."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    ratelimit.store().clear()
    client = Client(REMOTE_ADDR="203.0.113.9")
    tables = signs = 0
    for n in range(300):
        answer = client.post("/login/", {"username": f"tamu{n % 7}", "password": "salah"})
        assert answer.status_code in (401, 429)
        signs += 1
    for _ in range(60):
        assert client.get("/grievances/new/?xlsx=1").status_code == 200
        tables += 1
    for n in range(400):
        assert client.post("/grievances/track/", {"code": f"ADU-{n:04d}"}).status_code >= 400
    for n in range(240):
        other = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        other.post("/login/", {"username": f"tamu{n}", "password": "salah"})
        signs += 1
    assert tables + signs + 400 == 1000

    kinds = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert kinds["table_exported"] == 20  # one address: its 20 an hour
    assert kinds["login_blocked"] <= 20
    assert kinds["login_failed"] == 200  # every address together
    assert sum(kinds.values()) <= 240
    assert verify()[0] == 0

    # An hour later: the next event of a kind carries how many of it were not written.
    later = timezone.now() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr(audit, "timezone", SimpleNamespace(now=lambda: later))
    client.get("/grievances/new/?xlsx=1")
    last = AuditEvent.objects.order_by("-id").first()
    assert last.action == "table_exported" and last.detail["suppressed"] == tables - 20
    ratelimit.store().clear()
