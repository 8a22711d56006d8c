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
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.workbench.core import audit, privacy, ratelimit, tables
from sejahtera.workbench.core.locking import StaleVersion
from sejahtera.workbench.core.pages import refused
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.core.privacy import mask_nik
from sejahtera.workbench.grievances import access, dtsen, lapor, workflow
from sejahtera.workbench.grievances.forms import (
    AppealForm,
    AssignForm,
    ChangeForm,
    FilterForm,
    LaporImportForm,
    OfficerGrievanceForm,
    ProposalFilterForm,
    ProposalForm,
    PublicGrievanceForm,
    StatusForm,
    TrackForm,
)
from sejahtera.workbench.grievances.models import (
    OPEN,
    SLA_DAYS,
    Category,
    DtsenProposal,
    Grievance,
    ProposalStatus,
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
        "internal": allowed(request.user, "grievance.view_sensitive"),  # staff names
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
    **forms: ChangeForm | ProposalForm,
) -> HttpResponse:
    handles = allowed(request.user, "grievance.handle")
    refused = set(forms)  # a form sent back with its errors is shown even when it no longer fits
    if handles:
        forms.setdefault("assign_form", AssignForm(grievance, initial=_version_of(grievance)))
        forms.setdefault("status_form", StatusForm(grievance, initial=_version_of(grievance)))
        forms.setdefault("appeal_form", AppealForm(grievance, initial=_version_of(grievance)))
    personal = access.personal_data(grievance, revealed=revealed)
    may_propose = handles and grievance.category == Category.TARGETING
    if may_propose:
        forms.setdefault("proposal_form", ProposalForm(grievance))
    context = {
        "grievance": grievance,
        "personal": personal,
        "events": grievance.events.select_related("by"),
        # Internal notes and who acted: for the roles that see sensitive grievances.
        "internal": allowed(request.user, "grievance.view_sensitive"),
        "handles": handles,
        "can_reveal": allowed(request.user, "personal_data.reveal")
        and not revealed
        and not personal.anonymous,
        "can_assign": handles and (grievance.is_open or "assign_form" in refused),
        "can_change_status": handles
        and (bool(grievance.next_statuses()) or "status_form" in refused),
        "can_appeal": handles and (grievance.status == Status.RESOLVED or "appeal_form" in refused),
        "can_propose": may_propose,
        "proposals": [
            (p, mask_nik(p.household_id) if p.household_id else "–")
            for p in grievance.proposals.select_related("made_by")
        ],
        **forms,
    }
    return render(request, "grievances/detail.html", context, status=status)


def _version_of(grievance: Grievance) -> dict[str, int]:
    return {"version": grievance.version}


@never_cache
@require_GET
@requires("grievance.view")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A grievance, personal data masked (a ``reveal`` parameter in the address changes
    nothing: a reveal is a POST to :func:`reveal`)."""
    return _detail(request, access.load(request.user, pk))


@never_cache
@require_POST
@requires("personal_data.reveal")
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The grievance with its complainant's personal data, for the roles that may see it; the
    audit log records which fields of which grievance were shown (those it holds)."""
    grievance = access.load(request.user, pk)
    shown = [field for field in access.PERSONAL_FIELDS if getattr(grievance, field)]
    if shown:
        privacy.record_view(request, grievance, "reveal", code=grievance.code, fields=shown)
    return _detail(request, grievance, revealed=bool(shown))


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
    """Counts and resolution times, without personal data, of the grievances the user sees (so
    sensitive ones only for the roles that may see them). A partner's cover its programmes; for
    a role that sees aggregates only, counts under the minimum cell are suppressed."""
    result = grievance_statistics(access.visible(request.user))
    minimum = privacy.small_cells_hidden(request.user)
    labels = {**dict(Category.choices), **dict(Status.choices)}
    tidy = result.tidy()
    counts = privacy.suppress([int(row["count"]) for row in tidy], minimum)
    rows = [
        {**row, "category": labels[row["category"]], "status": labels[row["status"]], "count": n}
        for row, n in zip(tidy, counts, strict=True)
    ]
    sizes = result.resolved_by_category
    medians = [
        (
            labels[c] if c in labels else _("All categories"),
            days if not minimum or sizes.get(c, 0) >= minimum else None,
        )
        for c, days in result.median_resolution_days.items()
    ]
    total = None if 0 < result.total < minimum else result.total
    context = {"rows": rows, "medians": medians, "total": total, "minimum": minimum}
    return render(request, "grievances/statistics.html", context)


# SP4N-LAPOR! and DTSEN (lapor.py, dtsen.py) -----------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@requires("grievance.handle")
def lapor_import(request: HttpRequest) -> HttpResponse:
    """Import a LAPOR! export file: all or nothing, each problem naming its row and column."""
    if request.method == "GET":
        return render(request, "grievances/lapor_import.html", {"form": LaporImportForm()})
    form = LaporImportForm(request.POST, request.FILES)
    context: dict[str, object] = {"form": form}
    if not form.is_valid():
        return render(request, "grievances/lapor_import.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        if upload.size > lapor.MAX_BYTES:
            raise lapor.LaporFileError(
                _("The file is larger than 10 MB: export fewer reports at a time.")
            )
        table = lapor.read_table(upload.read(), upload.name)
    except lapor.LaporFileError as problem:
        context["error"] = str(problem)
        return render(request, "grievances/lapor_import.html", context, status=400)
    checked = lapor.check(table)
    try:
        made = [] if checked.problem_count else lapor.store(request, checked, upload.name)
    except IntegrityError:  # a report imported by someone else at the same moment: none stored
        checked = lapor.check(table)  # now names it, row and column
        if not checked.problem_count:
            raise
    if checked.problem_count:
        context["checked"] = checked
        return render(request, "grievances/lapor_import.html", context, status=400)
    unknown = sum(checked.unknown_categories.values())
    done = _("%(count)s LAPOR! reports imported as grievances.") % {"count": len(made)}
    if unknown:
        done += " " + _(
            "%(count)s were in LAPOR! categories the mapping does not know (%(names)s): they "
            "are filed as Other."
        ) % {"count": unknown, "names": ", ".join(sorted(checked.unknown_categories))}
    messages.success(request, done)
    return redirect("grievances:list")


@require_GET
@requires("grievance.handle")
def lapor_export(request: HttpRequest) -> HttpResponse:
    """The grievances the user sees (the list's filters apply) in LAPOR! categories with their
    LAPOR! IDs, as XLSX or CSV, without personal data; audited."""
    form = FilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return refused(request, _("The filter has a mistake."), reverse("grievances:list"),
                       status=400)  # fmt: skip
    chosen = request.GET.get("format", "xlsx")
    if chosen not in ("xlsx", "csv"):
        return refused(request, _("Exports are written as XLSX or CSV."),
                       reverse("grievances:list"), status=400)  # fmt: skip
    grievances = list(_filtered(request, form).order_by("received_at", "id"))
    content = lapor.write_xlsx(grievances) if chosen == "xlsx" else lapor.write_csv(grievances)
    audit.record(request, "lapor_exported", None, format=chosen, rows=len(grievances))
    return _download(content, chosen, f"pengaduan-lapor-{timezone.localdate():%Y%m%d}")


def _download(content: bytes, chosen: str, stem: str) -> HttpResponse:
    kinds = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv; charset=utf-8",
    }
    response = HttpResponse(content, content_type=kinds[chosen])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{chosen}"'
    return response


@require_POST
@requires("grievance.handle")
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    """A DTSEN update proposal (usulan or sanggahan) from a targeting grievance."""
    grievance = access.load(request.user, pk)
    form = ProposalForm(grievance, request.POST)
    if not form.is_valid():
        return _detail(request, grievance, status=400, proposal_form=form)
    try:
        dtsen.propose(request, grievance, form)
    except dtsen.ProposalError as clash:
        form.add_error(None, str(clash))
        return _detail(request, grievance, status=400, proposal_form=form)
    messages.success(request, _("DTSEN update proposal recorded."))
    return redirect("grievances:detail", pk=pk)


def _proposal_filter(request: HttpRequest) -> ProposalFilterForm:
    districts = sorted(set(DtsenProposal.objects.values_list("district_code", flat=True)))
    data = request.GET if request.GET else {"status": ProposalStatus.PENDING}
    return ProposalFilterForm(data, districts=districts)


@require_GET
@requires("grievance.handle")
def proposals(request: HttpRequest) -> HttpResponse:
    """The DTSEN update proposals by kecamatan and desa, household identifiers masked."""
    form = _proposal_filter(request)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    shown = dtsen.chosen(data["status"], data["district"]) if valid else []
    rows = [(p, mask_nik(p.household_id) if p.household_id else "–") for p in shown]
    query = request.GET.urlencode() or f"status={ProposalStatus.PENDING}"
    pending = any(p.status == ProposalStatus.PENDING for p, _household in rows)
    context = {"form": form, "rows": rows, "query": query, "pending": pending}
    return render(request, "grievances/proposals.html", context, status=200 if valid else 400)


@require_GET
@requires("grievance.handle")
def proposals_export(request: HttpRequest) -> HttpResponse:
    """The chosen proposals as XLSX or CSV, household identifiers whole (for submission);
    audited."""
    form = _proposal_filter(request)
    if not form.is_valid():
        problems = "; ".join(" ".join(errors) for errors in form.errors.values())
        return refused(request, problems, reverse("grievances:proposals"), status=400)
    status, district = form.cleaned_data["status"], form.cleaned_data["district"]
    chosen = form.cleaned_data["format"] or "xlsx"
    shown = list(dtsen.chosen(status, district))
    if chosen == "xlsx":
        content = dtsen.write_xlsx(shown, dtsen.notes(request.user, district, len(shown)))
    else:
        content = dtsen.write_csv(shown)
    audit.record(
        request, "dtsen_proposals_exported", None, format=chosen, status=status,
        district=district, proposals=[p.pk for p in shown],
    )  # fmt: skip
    return _download(content, chosen, f"usulan-dtsen-{district or 'semua'}")


@require_POST
@requires("grievance.handle")
def proposals_sent(request: HttpRequest) -> HttpResponse:
    """Mark the pending proposals (of one kecamatan, or all) as sent for submission."""
    district = request.POST.get("district", "")
    if district and not DtsenProposal.objects.filter(district_code=district).exists():
        return refused(request, _("No proposal is in that kecamatan."),
                       reverse("grievances:proposals"), status=400)  # fmt: skip
    count = dtsen.mark_sent(request, district)
    messages.success(request, _("%(count)s proposals marked as sent.") % {"count": count})
    return redirect("grievances:proposals")
