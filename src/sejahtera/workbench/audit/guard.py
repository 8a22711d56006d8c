"""The audit log is append-only in the database itself: triggers on its table refuse every
DELETE and every UPDATE, whoever sends it (the workbench, a script, someone at a SQL prompt with
the workbench's account), so a change is refused when it is tried and not only found afterwards
by ``sejahtera audit verify``.

Two updates are let through, the only two the workbench makes:

- sealing: the event's hash is written once, just after its insert (:func:`chain.seal`), while
  ``digest`` is still empty; nothing else in the row may change with it;
- unlinking an account: when an account is removed, its events keep ``username`` and lose the
  link (``user_id`` set to NULL by ``on_delete=SET_NULL``); the hash never covered the link.

Nothing else: there is no retention period for audit events (core/retention.py blanks personal
fields of grievances and participants, never the log), and a restore replaces the whole
database. What the triggers cannot stop: PostgreSQL's TRUNCATE (not a row operation; Django's
test database is emptied that way), and an owner of the database dropping the triggers; the
hash chain and a head kept elsewhere (``audit verify --head``) show both.

SQLite rebuilds a table to alter it (a new table, the rows copied, the old dropped), and the
old table's triggers go with it: a migration that alters ``core_auditevent`` must call
:func:`install` again after. tests/test_workbench_audit_guard.py fails if the triggers are gone.
"""

from __future__ import annotations

from typing import Final

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE: Final = "core_auditevent"
MESSAGE: Final = (
    "Log audit hanya bisa ditambah: kejadian tidak bisa diubah atau dihapus. "
    "The audit log is append-only: an event cannot be changed or removed."
)
# The columns an allowed update leaves as they are (all but ``digest`` and ``user_id``).
KEPT: Final = (
    "id",
    "at",
    "username",
    "action",
    "object_type",
    "object_id",
    "detail",
    "address",
    "previous_digest",
)

_SQLITE_UNCHANGED = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT)
SQLITE_INSTALL: Final = (
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
    WHEN NOT ({_SQLITE_UNCHANGED} AND (
        (OLD.digest = '' AND NEW.user_id IS OLD.user_id)
        OR (NEW.user_id IS NULL AND NEW.digest IS OLD.digest)))
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
)
SQLITE_REMOVE: Final = (
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
)

# PostgreSQL compares the whole row but ``digest`` and ``user_id`` (as jsonb), so a column added
# later is covered without a new migration. The error is an integrity error, as on SQLite.
POSTGRES_INSTALL: Final = (
    f"""CREATE FUNCTION sejahtera_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
           AND to_jsonb(NEW) - 'digest' - 'user_id' = to_jsonb(OLD) - 'digest' - 'user_id'
           AND ((OLD.digest = '' AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id)
                OR (NEW.user_id IS NULL AND NEW.digest = OLD.digest)) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation',
            DETAIL = format('%s of event %s refused', TG_OP, OLD.id);
    END $$""",
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION sejahtera_audit_append_only()""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION sejahtera_audit_append_only()""",
)
POSTGRES_REMOVE: Final = (
    f"DROP TRIGGER IF EXISTS audit_event_no_update ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_event_no_delete ON {TABLE}",
    "DROP FUNCTION IF EXISTS sejahtera_audit_append_only()",
)


def statements(vendor: str, *, installing: bool) -> tuple[str, ...]:
    """The SQL that puts the triggers on (``installing``) or takes them off, for ``vendor``."""
    if vendor == "sqlite":
        return SQLITE_INSTALL if installing else SQLITE_REMOVE
    if vendor == "postgresql":
        return POSTGRES_INSTALL if installing else POSTGRES_REMOVE
    raise NotImplementedError(
        f"the audit log's triggers exist for SQLite and PostgreSQL, not {vendor}"
    )


def _run(connection: BaseDatabaseWrapper, sql: tuple[str, ...]) -> None:
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)


def install(connection: BaseDatabaseWrapper) -> None:
    """Put the triggers on the audit table (the migration ``audit.0004_append_only``)."""
    _run(connection, statements(connection.vendor, installing=True))


def remove(connection: BaseDatabaseWrapper) -> None:
    """Take them off (the migration's reverse)."""
    _run(connection, statements(connection.vendor, installing=False))
