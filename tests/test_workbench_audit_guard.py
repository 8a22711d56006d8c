"""The audit log is append-only in the database (workbench/audit/guard.py): raw SQL that changes
or removes an event is refused by the database itself, on SQLite and on PostgreSQL (``make test``
runs this file again with ``DATABASE_URL``); the two updates the workbench makes (sealing a new
event, unlinking a removed account) still go through, and the chain still verifies."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core import audit
from workbench_users import user_with

pytestmark = pytest.mark.django_db
REFUSED = "The audit log is append-only"


def events(count: int, username: str = "petugas") -> list[AuditEvent]:
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.4")
    request.user = user_with("officer", username=username)
    return [audit.record(request, "test_guarded", request.user, n=n) for n in range(count)]


def run(sql: str, params: list[object]) -> None:
    """``sql`` in a savepoint of its own, so that a refusal leaves the test's transaction usable
    (PostgreSQL aborts a transaction at its first error)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def stored(pk: int) -> dict[str, object]:
    return AuditEvent.objects.filter(pk=pk).values().get()


def verified() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)  # exits 1 (SystemExit) when broken
    return out.getvalue()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("username", "kepala"),
        ("action", "nothing_happened"),
        ("detail", json.dumps({"n": 7})),
        ("at", "2020-01-01 00:00:00"),
        ("digest", "0" * 64),  # resealing after a change
        ("previous_digest", "0" * 64),  # relinking after a removal
        ("user_id", None),  # unlinking, together with another change below
    ],
)
def test_a_raw_sql_update_of_an_event_is_refused(column: str, value: object) -> None:
    event = events(2)[0]
    before = stored(event.pk)
    extra = ", username = 'x'" if column == "user_id" else ""
    with pytest.raises(IntegrityError, match=REFUSED):
        run(f"UPDATE core_auditevent SET {column} = %s{extra} WHERE id = %s", [value, event.pk])
    assert stored(event.pk) == before


def test_a_raw_sql_delete_of_an_event_is_refused_and_so_is_the_orms() -> None:
    made = events(3)
    with pytest.raises(IntegrityError, match=REFUSED):
        run("DELETE FROM core_auditevent WHERE id = %s", [made[1].pk])
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=made[2].pk).delete()
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in made]).count() == 3
    assert "kejadian diperiksa" in verified()


def test_an_event_is_sealed_once_and_nothing_else_changes_with_its_seal() -> None:
    """An event written outside the workbench has no hash yet: its hash may be written, once,
    and nothing else with it."""
    run(
        "INSERT INTO core_auditevent (at, username, action, object_type, object_id, detail,"
        " previous_digest, digest) VALUES (%s, '', 'outside', '', '', '{}', '', '')",
        ["2026-01-01 00:00:00+00:00"],
    )
    pk = AuditEvent.objects.get(action="outside").pk
    with pytest.raises(IntegrityError, match=REFUSED):
        run("UPDATE core_auditevent SET digest = 'a', action = 'b' WHERE id = %s", [pk])
    run("UPDATE core_auditevent SET digest = 'a' WHERE id = %s", [pk])
    assert stored(pk)["digest"] == "a"
    with pytest.raises(IntegrityError, match=REFUSED):
        run("UPDATE core_auditevent SET digest = 'b' WHERE id = %s", [pk])


def test_removing_an_account_unlinks_its_events_and_the_chain_still_verifies() -> None:
    made = events(3, username="budi")
    User.objects.filter(username="budi").delete()
    kept = AuditEvent.objects.filter(pk__in=[e.pk for e in made])
    assert set(kept.values_list("user_id", "username")) == {(None, "budi")}
    events(2, username="sari")  # the log goes on after it
    count = AuditEvent.objects.count()
    assert f"{count} kejadian diperiksa" in verified()
    with pytest.raises(IntegrityError, match=REFUSED):  # unlinked, the row is as fixed as before
        run("UPDATE core_auditevent SET username = 'x', user_id = NULL WHERE id = %s", [made[0].pk])


def test_the_triggers_are_on_the_migrated_audit_table() -> None:
    """A migration that rebuilds the table on SQLite drops its triggers: this names them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["core_auditevent"],
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditevent'::regclass"
                " AND NOT tgisinternal"
            )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {"audit_event_no_update", "audit_event_no_delete"}
