"""The audit log page, for the auditor and the head of social policy: read-only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.policy import requires

AUDIT_PAGE = 100


@require_GET
@requires("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by action and user; read-only."""
    events = AuditEvent.objects.all()
    action = request.GET.get("action", "").strip()
    username = request.GET.get("user", "").strip()
    if action:
        events = events.filter(action=action)
    if username:
        events = events.filter(username=username)
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    shown = list(events[(page - 1) * AUDIT_PAGE : page * AUDIT_PAGE + 1])
    actions = AuditEvent.objects.order_by().values_list("action", flat=True).distinct()
    return render(
        request,
        "audit/audit.html",
        {
            "events": shown[:AUDIT_PAGE],
            "more": len(shown) > AUDIT_PAGE,
            "page": page,
            "action": action,
            "username": username,
            "actions": sorted(actions),
        },
    )
