"""Writing the audit log (the model, its hash chain and its page are in the ``audit`` app).

An event is written in the caller's transaction: a view that changes a record and records it
does both inside one ``transaction.atomic()``, so that if the event cannot be written, the change
is not made either.

People who are not signed in cannot grow the log without limit: their events about no stored
record (a failed or refused sign-in, a table of a public page) are written at most
``audit_address`` times an hour from one address and ``audit_anonymous`` times an hour in all,
per kind (the numbers are core/ratelimit.py's; the events are counted in the log itself). The
others are counted, and the count goes with the next event of that kind that is written
(``suppressed`` in its detail). An event about a stored record (a grievance sent through the
public form) is always written; what makes the record is limited.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import router, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from sejahtera.workbench.audit import chain
from sejahtera.workbench.audit.models import AuditEvent, Suppressed
from sejahtera.workbench.core import ratelimit


def client_address(request: HttpRequest) -> str | None:
    """The address of the person, for rate limits and the audit log. Behind a reverse proxy
    listed in ``settings.TRUSTED_PROXIES`` it is the last address in X-Forwarded-For that is not
    one of those proxies (the ones before it could be forged by the client)."""
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = set(getattr(settings, "TRUSTED_PROXIES", ()))
    if remote not in trusted:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if address not in trusted:
            return address
    return remote


def hold_chain() -> None:
    """Take the audit chain's lock now, for the rest of the transaction: a transaction that
    writes several rows with unique keys, each with its event, takes it first, so a writer of
    the same key waits here instead of holding the chain while it waits for the key (a deadlock
    on PostgreSQL)."""
    chain.lock(router.db_for_write(AuditEvent))


def record(
    request: HttpRequest | None,
    action: str,
    obj: object | None = None,
    *,
    user: object | None = None,
    **detail: object,
) -> AuditEvent | None:
    """Add an event: ``action`` on ``obj`` (any model instance) by the request's user, or by
    ``user`` for work done outside a request (a background job, by the user who started it).
    None when the event of someone not signed in was counted instead of written."""
    user = user if request is None else getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    address = client_address(request) if request is not None else None
    with transaction.atomic():
        if request is not None and not signed_in and obj is None:
            chain.lock(router.db_for_write(AuditEvent))  # counted and written by one at a time
            suppressed = _anonymous(action, address)
            if suppressed is None:
                return None
            if suppressed:
                detail = {**detail, "suppressed": suppressed}
        return AuditEvent.objects.create(
            user=user if signed_in else None,
            username=user.get_username() if signed_in else "",
            action=action,
            object_type=type(obj).__name__ if obj is not None else "",
            object_id=str(getattr(obj, "pk", "") or ""),
            detail=detail,
            address=address,
        )


def _anonymous(action: str, address: str | None) -> int | None:
    """For an event of someone not signed in: None when it is over the limits (it is counted),
    else how many events of ``action`` were counted and not written since the last written.
    Both are kept in the database under the chain's lock, so no cache eviction, restart or
    second worker lets more through or loses a count."""
    per_address, in_all = ratelimit.LIMITS["audit_address"], ratelimit.LIMITS["audit_anonymous"]
    since = timezone.now() - timedelta(seconds=in_all.seconds)
    recent = AuditEvent.objects.filter(action=action, at__gte=since, username="", object_type="")
    if (
        recent.count() >= in_all.events
        or recent.filter(address=address).count() >= per_address.events
    ):
        if not Suppressed.objects.filter(action=action).update(count=F("count") + 1):
            Suppressed.objects.create(action=action, count=1)
        return None
    waiting = Suppressed.objects.filter(action=action, count__gt=0).first()
    if waiting is None:
        return 0
    Suppressed.objects.filter(action=action).update(count=0)
    return waiting.count
