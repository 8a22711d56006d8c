"""The audit log page, for the auditor and the head of social policy: read-only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core import tables
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
    page = tables.paginate(request, events, AUDIT_PAGE)  # an export: every event, up to its cap
    actions = AuditEvent.objects.order_by().values_list("action", flat=True).distinct()
    return render(
        request,
        "audit/audit.html",
        {
            "events": page.object_list,
            "more": page.has_next(),
            "page": page.number,
            "action": action,
            "username": username,
            "actions": sorted(actions),
        },
    )
