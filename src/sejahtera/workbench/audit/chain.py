"""The audit log's hash chain: each event carries the SHA-256 of its stored fields together with
the hash of the event before it, so a row changed or removed afterwards no longer fits.

An event is sealed when it is inserted (:meth:`AuditEvent.save`), under a lock that lets one
writer at a time take the end of the chain: on SQLite the database's write lock (the workbench
begins every transaction with ``BEGIN IMMEDIATE``); on PostgreSQL a transaction-level advisory
lock, held until the transaction that writes the event ends. The hash is computed from the row as
the database gives it back, so what :func:`verify` reads later is what was hashed.

What a hash chain cannot show alone: events removed from the *end* of the log. ``sejahtera audit
verify`` prints the hash of the last event; kept elsewhere (the monthly report, a note), it is
checked again with ``--head``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from django.db import connections
from django.db.models import Model, QuerySet

# The hash "before" the first event.
GENESIS: Final = "0" * 64
# The stored fields an event's hash covers. ``user`` is left out on purpose: it is a link to the
# account, set to nothing when the account is removed; ``username`` is the record of who it was.
FIELDS: Final = ("id", "at", "username", "action", "object_type", "object_id", "detail", "address")
# The key of PostgreSQL's advisory lock on the end of the chain ("audit" in hexadecimal spirit).
LOCK_KEY: Final = 0x5E7A_A0D1_7C4A


def _plain(value: object) -> object:
    """A JSON value in one form whatever the database did to it: a float with no fraction is
    the integer it equals (PostgreSQL's jsonb gives 1e16 back as 10000000000000000)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(stored: Mapping[str, object], previous: str) -> bytes:
    """The bytes hashed for one event: its stored fields and the previous event's hash as JSON
    with sorted keys, no spaces, UTF-8, times in UTC to the microsecond."""
    content: dict[str, object] = {name: stored[name] for name in FIELDS}
    at = content["at"]
    content["at"] = _moment(at) if isinstance(at, datetime) else str(at)
    content["detail"] = _plain(content["detail"])
    content["previous"] = previous
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def digest_of(stored: Mapping[str, object], previous: str) -> str:
    """The hash of one event (hexadecimal SHA-256)."""
    return hashlib.sha256(canonical(stored, previous)).hexdigest()


def lock(using: str) -> None:
    """Take the end of the chain for the current transaction. SQLite: nothing more to do, the
    transaction holds the write lock from its start (``transaction_mode="IMMEDIATE"``), and
    without it a second writer gets "database is locked" rather than a fork. PostgreSQL: an
    advisory lock, released at commit or rollback."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def last_digest(events: QuerySet) -> str:
    """The hash the next event follows: the last event's, or :data:`GENESIS`."""
    found = events.order_by("-id").values_list("digest", flat=True).first()
    return GENESIS if found is None else found


def seal(event: Model) -> str:
    """Compute and store the hash of ``event``, just inserted under :func:`lock`, from the row
    as the database keeps it."""
    rows = type(event)._default_manager.using(event._state.db).filter(pk=event.pk)
    stored = rows.values(*FIELDS).get()
    digest = digest_of(stored, event.previous_digest)
    rows.update(digest=digest)
    return digest


class Fault(StrEnum):
    """How an event does not fit the chain."""

    CHANGED = "changed"  # its fields no longer give its hash
    UNLINKED = "unlinked"  # it does not follow the event before it (one removed, or relinked)
    FIRST_REMOVED = "first_removed"  # the first event left does not follow the start
    UNSEALED = "unsealed"  # written without a hash (outside the workbench)


@dataclass(frozen=True)
class Broken:
    """The first event that does not fit: which, when, what differs."""

    id: int
    at: datetime
    fault: Fault
    before_id: int | None  # the event it should have followed
    expected: str  # the hash it should carry (CHANGED) or follow (UNLINKED)
    found: str  # the hash it carries (CHANGED) or follows (UNLINKED)


@dataclass(frozen=True)
class Verified:
    """The walk's answer: how many events were checked, the last one, the first break."""

    checked: int
    last_id: int | None
    last_digest: str
    broken: Broken | None
    head_found: bool | None = None  # --head: whether that hash is in the chain (None: not asked)

    @property
    def intact(self) -> bool:
        return self.broken is None and self.head_found is not False


def _rows(events: QuerySet, chunk: int = 2000) -> Iterator[dict[str, object]]:
    """Every event in the order of the chain, a chunk at a time (constant memory)."""
    after = 0
    names = (*FIELDS, "previous_digest", "digest")
    while True:
        part = list(events.filter(id__gt=after).order_by("id").values(*names)[:chunk])
        yield from part
        if len(part) < chunk:
            return
        after = int(part[-1]["id"])  # type: ignore[call-overload]


def _fault(row: Mapping[str, object], previous: str, first: bool) -> tuple[Fault, str, str] | None:
    """How one event fails to follow ``previous`` (fault, expected, found), or None."""
    carried, follows = str(row["digest"] or ""), str(row["previous_digest"] or "")
    if not carried:
        return Fault.UNSEALED, "", ""
    if follows != previous:
        return (Fault.FIRST_REMOVED if first else Fault.UNLINKED), previous, follows
    computed = digest_of(row, follows)
    if computed != carried:
        return Fault.CHANGED, computed, carried
    return None


def walk(rows: Iterable[Mapping[str, object]], head: str = "") -> Verified:
    """Check each event's hash and its link to the one before; stop at the first break."""
    previous, before_id, checked, head_found = GENESIS, None, 0, False
    for row in rows:
        event_id = int(row["id"])  # type: ignore[call-overload]
        fault = _fault(row, previous, before_id is None)
        if fault is not None:
            failure = Broken(event_id, row["at"], fault[0], before_id, fault[1], fault[2])  # type: ignore[arg-type]
            return Verified(checked, before_id, previous, failure)
        previous, before_id, checked = str(row["digest"]), event_id, checked + 1
        head_found = head_found or previous == head
    return Verified(checked, before_id, previous, None, head_found if head else None)


def verify(events: QuerySet, head: str = "") -> Verified:
    """Walk the whole log (``events``: every AuditEvent) in the chain's order."""
    return walk(_rows(events), head.strip().lower())
