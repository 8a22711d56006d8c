"""The grievance pages.

For the public (no account): the form (``new``), its confirmation with the tracking code, and
tracking. For signed-in roles (see :mod:`.access`): the list, a grievance, statistics; for kepala
and officers also entry of SMS/WhatsApp/phone/walk-in complaints, assignment, status changes and
appeals. A change names the version it started from; a stale one is refused with 409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.workbench.core import audit, ratelimit, tables
from sejahtera.workbench.core.locking import StaleVersion
from sejahtera.workbench.core.pages import refused
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.grievances import access, workflow
from sejahtera.workbench.grievances.forms import (
    AppealForm,
    AssignForm,
    ChangeForm,
    FilterForm,
    OfficerGrievanceForm,
    PublicGrievanceForm,
    StatusForm,
    TrackForm,
)
from sejahtera.workbench.grievances.models import (
    OPEN,
    SLA_DAYS,
    Category,
    Grievance,
    Status,
)
from sejahtera.workbench.grievances.statistics import grievance_statistics

SUBMITTED = "grievances:submitted"  # the session key of the code just submitted
PAGE_SIZE = 50


def _service_levels() -> list[tuple[str, int]]:
    return [(Category(c).label, days) for c, days in SLA_DAYS.items()]


# The public ------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """The public form: saved (and committed) first, notifications after."""
    status, error = 200, ""
    if request.method == "POST":
        address = audit.client_address(request)
        form = PublicGrievanceForm(request.POST)
        if ratelimit.exceeded("grievance", address):
            status = 429
            error = _(
                "Too many grievances were sent from this connection. Wait an hour, or bring "
                "your grievance to the office."
            )
        elif form.is_valid():
            grievance = workflow.submit(request, form.save(commit=False))
            ratelimit.count("grievance", address)
            request.session[SUBMITTED] = grievance.code
            return redirect("grievances:submitted")
        else:
            if form.has_error("website"):
                ratelimit.count("grievance", address)
            status = 400
    else:
        form = PublicGrievanceForm()
    context = {"form": form, "error": error, "service_levels": _service_levels()}
    return render(request, "grievances/new.html", context, status=status)


@never_cache
@require_GET
def submitted(request: HttpRequest) -> HttpResponse:
    """The tracking code of the grievance just sent, shown once."""
    code = request.session.pop(SUBMITTED, None)
    grievance = Grievance.objects.filter(code=code).first() if code else None
    if grievance is None:
        return redirect("grievances:track")
    return render(request, "grievances/submitted.html", {"grievance": grievance})


def public_history(grievance: Grievance) -> list[dict[str, object]]:
    """The steps the complainant sees: status changes and public messages, with their dates;
    never who acted or the internal notes."""
    history: list[dict[str, object]] = []
    previous = None
    for event in grievance.events.order_by("at", "id"):
        if event.status != previous or event.public_message:
            history.append(
                {
                    "at": event.at,
                    "status": Status(event.status).label,
                    "message": event.public_message,
                }
            )
        previous = event.status
    return history


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Type the tracking code, see the status and its public history."""
    if request.method == "GET":
        return render(request, "grievances/track.html", {"form": TrackForm()})
    address = audit.client_address(request)
    form = TrackForm(request.POST)
    if ratelimit.exceeded("lookup", address):
        error = _("Too many unknown codes were tried from this connection. Wait an hour.")
        return render(request, "grievances/track.html", {"form": form, "error": error}, status=429)
    if not form.is_valid():
        return render(request, "grievances/track.html", {"form": form}, status=400)
    grievance = Grievance.objects.filter(code=form.cleaned_data["code"]).first()
    if grievance is None:
        ratelimit.count("lookup", address)
        context = {"form": form, "not_found": True}
        return render(request, "grievances/track.html", context, status=404)
    context = {
        "grievance": grievance,
        "history": public_history(grievance),
        "is_open": grievance.is_open,
    }
    return render(request, "grievances/status.html", context)


# Signed-in roles -------------------------------------------------------------------------------


def _filtered(request: HttpRequest, form: FilterForm) -> QuerySet[Grievance]:
    grievances = access.visible(request.user)
    if not form.is_valid():
        return grievances
    if form.cleaned_data["status"]:
        grievances = grievances.filter(status=form.cleaned_data["status"])
    if form.cleaned_data["category"]:
        grievances = grievances.filter(category=form.cleaned_data["category"])
    if form.cleaned_data["overdue"]:
        grievances = grievances.filter(status__in=OPEN, due_at__lt=timezone.now())
    return grievances


@require_GET
@requires("grievance.view")
def grievance_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    page = tables.paginate(request, _filtered(request, form), PAGE_SIZE)
    rows = [(g, access.personal_data(g)) for g in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "handles": allowed(request.user, "grievance.handle"),
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "grievances/list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@requires("grievance.handle")
def entry(request: HttpRequest) -> HttpResponse:
    """An officer types in a complaint received by SMS, WhatsApp, phone or in person."""
    status = 200
    if request.method == "POST":
        form = OfficerGrievanceForm(request.POST)
        if form.is_valid():
            grievance = workflow.submit(request, form.save(commit=False))
            messages.success(
                request,
                _("Saved. Give the complainant this tracking code: %(code)s")
                % {"code": grievance.tracking_code},
            )
            return redirect("grievances:detail", pk=grievance.pk)
        status = 400
    else:
        form = OfficerGrievanceForm()
    context = {"form": form, "service_levels": _service_levels()}
    return render(request, "grievances/entry.html", context, status=status)


def _detail(
    request: HttpRequest,
    grievance: Grievance,
    *,
    status: int = 200,
    revealed: bool = False,
    **forms: ChangeForm,
) -> HttpResponse:
    handles = allowed(request.user, "grievance.handle")
    refused = set(forms)  # a form sent back with its errors is shown even when it no longer fits
    if handles:
        forms.setdefault("assign_form", AssignForm(grievance, initial=_version_of(grievance)))
        forms.setdefault("status_form", StatusForm(grievance, initial=_version_of(grievance)))
        forms.setdefault("appeal_form", AppealForm(grievance, initial=_version_of(grievance)))
    personal = access.personal_data(grievance, revealed=revealed)
    context = {
        "grievance": grievance,
        "personal": personal,
        "events": grievance.events.select_related("by"),
        "handles": handles,
        "can_reveal": allowed(request.user, "personal_data.reveal")
        and not revealed
        and not personal.anonymous,
        "can_assign": handles and (grievance.is_open or "assign_form" in refused),
        "can_change_status": handles
        and (bool(grievance.next_statuses()) or "status_form" in refused),
        "can_appeal": handles and (grievance.status == Status.RESOLVED or "appeal_form" in refused),
        **forms,
    }
    return render(request, "grievances/detail.html", context, status=status)


def _version_of(grievance: Grievance) -> dict[str, int]:
    return {"version": grievance.version}


@never_cache
@require_GET
@requires("grievance.view")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A grievance, personal data masked; ``?reveal=1`` shows it to the roles that may see it,
    and the audit log records that they did."""
    grievance = access.load(request.user, pk)
    revealed = request.GET.get("reveal") == "1"
    if revealed:
        if not allowed(request.user, "personal_data.reveal"):
            raise PermissionDenied
        audit.record(
            request,
            "personal_data_viewed",
            grievance,
            code=grievance.code,
            fields=["name", "nik", "phone", "address"],
        )
    return _detail(request, grievance, revealed=revealed)


def _conflict(request: HttpRequest, current: Grievance) -> HttpResponse:
    """Someone else saved first: nothing was changed; say how the grievance is now."""
    assigned = current.assigned_to.get_username() if current.assigned_to else "–"
    return refused(
        request,
        _("Grievance %(code)s was changed by someone else after you opened it. Nothing was saved.")
        % {"code": current.tracking_code},
        reverse("grievances:detail", args=[current.pk]),
        title=_("Changed by someone else"),
        detail=_("It is now: %(status)s, assigned to %(assigned)s.")
        % {"status": current.get_status_display(), "assigned": assigned},
        back_label=_("Open it again to see the changes, then make yours if it is still needed →"),
    )


def _change(
    request: HttpRequest,
    pk: int,
    form_class: type[ChangeForm],
    apply: Callable[[Grievance, int, dict[str, Any]], Grievance],
    done: str,
) -> HttpResponse:
    """Check the version the officer started from, then the form, then apply the change."""
    grievance = access.load(request.user, pk)
    form = form_class(grievance, request.POST)
    try:
        submitted = int(request.POST.get("version", ""))
    except ValueError:
        submitted = None  # the form reports it
    if submitted is not None and submitted != grievance.version:
        return _conflict(request, grievance)
    if not form.is_valid():
        return _detail(request, grievance, status=400, **{f"{form.id_prefix}_form": form})
    try:
        apply(grievance, form.cleaned_data["version"], form.cleaned_data)
    except StaleVersion as stale:
        return _conflict(request, stale.current)
    messages.success(request, done)
    return redirect("grievances:detail", pk=pk)


@require_POST
@requires("grievance.handle")
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        AssignForm,
        lambda g, version, data: workflow.assign(
            request, g, version, data["assigned_to"], data["note"]
        ),
        _("Assigned."),
    )


@require_POST
@requires("grievance.handle")
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        StatusForm,
        lambda g, version, data: workflow.change_status(
            request, g, version, Status(data["status"]), data["note"], data["public_message"]
        ),
        _("Status changed."),
    )


@require_POST
@requires("grievance.handle")
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(
        request,
        pk,
        AppealForm,
        lambda g, version, data: workflow.appeal(request, g, version, data["note"]),
        _("Appeal recorded; the grievance is open again."),
    )


@require_GET
@requires("grievance.view")
def statistics(request: HttpRequest) -> HttpResponse:
    """Counts and resolution times, without personal data. A partner's cover its programmes."""
    scope = None if allowed(request.user, "programme.view_all") else access.visible(request.user)
    result = grievance_statistics(scope)
    labels = {**dict(Category.choices), **dict(Status.choices)}
    rows = [
        {**row, "category": labels[row["category"]], "status": labels[row["status"]]}
        for row in result.tidy()
    ]
    medians = [
        (labels[c] if c in labels else _("All categories"), days)
        for c, days in result.median_resolution_days.items()
    ]
    context = {"rows": rows, "medians": medians, "total": result.total}
    return render(request, "grievances/statistics.html", context)
