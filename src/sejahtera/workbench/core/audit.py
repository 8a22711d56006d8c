"""Writing the audit log."""

from __future__ import annotations

from django.http import HttpRequest

from sejahtera.workbench.core.models import AuditEvent


def client_address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def record(
    request: HttpRequest | None,
    action: str,
    obj: object | None = None,
    **detail: object,
) -> AuditEvent:
    """Add an event: ``action`` on ``obj`` (any model instance) by the request's user."""
    user = getattr(request, "user", None)
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
