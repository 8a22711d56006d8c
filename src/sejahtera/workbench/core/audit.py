"""Writing the audit log (the model and its page are in the ``audit`` app)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from sejahtera.workbench.audit.models import AuditEvent


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


def record(
    request: HttpRequest | None,
    action: str,
    obj: object | None = None,
    *,
    user: object | None = None,
    **detail: object,
) -> AuditEvent:
    """Add an event: ``action`` on ``obj`` (any model instance) by the request's user, or by
    ``user`` for work done outside a request (a background job, by the user who started it)."""
    user = user if request is None else getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return AuditEvent.objects.create(
        user=user if signed_in else None,
        username=user.get_username() if signed_in else "",
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or ""),
        detail=detail,
        address=client_address(request) if request is not None else None,
    )
