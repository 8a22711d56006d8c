"""Programmes, their cycles and beneficiary lists, change requests and payments.

Every change is audited. Household identifiers are masked unless revealed by a role that may see
personal data, and each reveal is audited. Actions on a cycle or a change request carry the
version the user saw: a stale one changes nothing and answers 409.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.data.dataset import Dataset
from sejahtera.errors import SejahteraError
from sejahtera.i18n import format_number, language
from sejahtera.workbench.core import audit, jobs, privacy, tables
from sejahtera.workbench.core.locking import CONFLICT
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.core.pages import FormPage, create_page, edit_page, posted, refused
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.core.templatetags.numbers import region as region_name
from sejahtera.workbench.programmes import access, approvals, renja, sipd
from sejahtera.workbench.programmes.declared import RulesetError, offered, paid_by
from sejahtera.workbench.programmes.exports import EXPORT, FORMATS
from sejahtera.workbench.programmes.exports import file_name as export_file_name
from sejahtera.workbench.programmes.exports import folder as export_folder
from sejahtera.workbench.programmes.forms import (
    BudgetForm,
    ChangeRequestForm,
    CycleForm,
    ListFilterForm,
    PaymentForm,
    ProgrammeForm,
    RenjaForm,
    periods,
)
from sejahtera.workbench.programmes.generation import (
    GENERATE,
    CycleError,
    apply_change,
    check_generable,
    dataset_checksum,
)
from sejahtera.workbench.programmes.lists import listed
from sejahtera.workbench.programmes.lists import rows as list_rows
from sejahtera.workbench.programmes.models import (
    Budget,
    ChangeRequest,
    ChangeStatus,
    Cycle,
    CycleRequest,
    CycleRequestKind,
    CycleStatus,
    Payment,
    Programme,
)
from sejahtera.workbench.programmes.realisation import by_region
from sejahtera.workbench.regions.models import Region

GET_POST = require_http_methods(["GET", "POST"])
NAV = "programmes/_nav.html"  # the navigation on this app's form pages
PAGE_SIZE = 50


def _refused(request: HttpRequest, message: str, back: str, status: int = 409) -> HttpResponse:
    return refused(request, message, back, status=status, nav=NAV)


def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


# Programmes


@require_GET
@requires("programme.view")
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = access.visible_programmes(request.user).prefetch_related("budgets")
    context = {"programmes": programmes, "may_edit": allowed(request.user, "programme.edit")}
    if allowed(request.user, "renja.export"):
        context["renja_form"] = RenjaForm(
            initial={"year": timezone.localdate().year + 1},
            years=_renja_years(),
            regencies=_regencies(),
        )
    return render(request, "programmes/programme_list.html", context)


@require_GET
@requires("renja.export")
def renja_export(request: HttpRequest) -> HttpResponse:
    """The Renja/RKPD rows of the programmes the user sees for a year, in SIPD codes, as XLSX
    or CSV (:mod:`.renja`); audited."""
    form = RenjaForm(request.GET, years=_renja_years(), regencies=_regencies())
    if not form.is_valid():
        problems = "; ".join(f"{form.fields[name].label}: {' '.join(errors)}"
                             for name, errors in form.errors.items())  # fmt: skip
        return _refused(request, problems, reverse("programmes:programmes"), status=400)
    year, chosen = form.cleaned_data["year"], form.cleaned_data["format"]
    code = form.cleaned_data["location"]
    location = region_name(code) if code else ""
    shown = renja.rows(access.visible_programmes(request.user), year, location)
    if chosen == "xlsx":
        content = renja.write_xlsx(shown, renja.notes(year, location, request.user))
    else:
        content = renja.write_csv(shown)
    audit.record(
        request, "renja_exported", None, year=year, format=chosen, location=code, rows=len(shown)
    )
    response = HttpResponse(content, content_type=FORMATS[chosen])
    response["Content-Disposition"] = f'attachment; filename="renja-{year}.{chosen}"'
    return response


def _renja_years() -> set[int]:
    this_year = timezone.localdate().year
    return {this_year - 1, this_year, this_year + 1, *Budget.objects.values_list("year", flat=True)}


def _regencies() -> list[str]:
    return list(Region.objects.filter(level="regency").values_list("code", flat=True))


@require_GET
@requires("programme.view")
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    programme = access.load_programme(request.user, code)
    context = {
        "programme": programme,
        "sipd_codes": sipd.shown(
            programme.sipd_program, programme.sipd_kegiatan, programme.sipd_sub_kegiatan
        ),
        "budgets": programme.budgets.all(),
        "cycles": programme.cycles.all(),
        "may_run": allowed(request.user, "cycle.run"),
        "may_edit": allowed(request.user, "programme.edit"),
        # The decision records it was made from (decisions app), for those who may read them.
        "decisions": (programme.decisions.all() if allowed(request.user, "decision.view") else ()),
    }
    return render(request, "programmes/programme_detail.html", context)


# Taken by someone else between the form's check and the save (two at the same moment).
CODE_TAKEN = gettext_lazy("A programme with this code exists already: choose another code.")
BUDGET_TAKEN = gettext_lazy("This programme already has a budget for that year and source.")
CYCLE_TAKEN = gettext_lazy("This programme already has a cycle of that name.")


@GET_POST
@requires("programme.edit")
def programme_create(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(posted(request))
    page = FormPage(_("New programme"), reverse("programmes:programmes"), NAV)

    def saved(programme: Programme) -> str:
        audit.record(request, "programme_created", programme, code=programme.code)
        _audit_unlisted(request, form, programme)
        return _programme_url(programme)

    return create_page(request, form, page, saved, clash=CODE_TAKEN)


@GET_POST
@requires("programme.edit")
def programme_edit(request: HttpRequest, code: str) -> HttpResponse:
    programme = access.load_programme(request.user, code)
    form = ProgrammeForm(posted(request), instance=programme)
    page = FormPage(_("Edit programme"), _programme_url(programme), NAV)
    return edit_page(
        request,
        form,
        page,
        "programme_changed",
        clash=CODE_TAKEN,
        on_saved=lambda: _audit_unlisted(request, form, programme),  # in the same transaction
    )


def _audit_unlisted(request: HttpRequest, form: ProgrammeForm, programme: Programme) -> None:
    """A SIPD code the shipped list does not know, kept on the user's word: recorded."""
    if form.sipd_unlisted:
        audit.record(request, "sipd_code_unlisted", programme, codes=form.sipd_unlisted)


@GET_POST
@requires("programme.edit")
def budget_create(request: HttpRequest, code: str) -> HttpResponse:
    programme = access.load_programme(request.user, code)
    form = BudgetForm(posted(request), instance=Budget(programme=programme))
    page = FormPage(_("Add a budget"), _programme_url(programme), NAV)

    def saved(budget: Budget) -> None:
        audit.record(
            request, "budget_added", programme, year=budget.year, source=budget.source,
            amount_rp=str(budget.amount_rp),
        )  # fmt: skip

    return create_page(request, form, page, saved, clash=BUDGET_TAKEN)


@GET_POST
@requires("cycle.run")
def cycle_create(request: HttpRequest, code: str) -> HttpResponse:
    """A cycle of a programme the ruleset declares, for a period of the list, generated later
    from the configured dataset (shown with its checksum)."""
    programme = access.load_programme(request.user, code)
    back = _programme_url(programme)
    try:
        declared = offered(programme)
    except RulesetError as exc:
        return _refused(request, str(exc), back)
    this_year = timezone.localdate().year
    budgeted = programme.budgets.values_list("year", flat=True)
    years = {this_year - 1, this_year, this_year + 1, *budgeted}
    form = CycleForm(
        posted(request),
        instance=Cycle(programme=programme),
        offered=declared,
        periods=periods(years),
        dataset=_dataset_shown(settings.DATASET),
    )
    title = _("New cycle of %(name)s") % {"name": programme.name}

    def saved(cycle: Cycle) -> str:
        audit.record(
            request, "cycle_created", cycle, programme=programme.code, name=cycle.name,
            declared=form.cleaned_data["declared"], benefit=cycle.benefit, period=cycle.period,
        )  # fmt: skip
        return reverse("programmes:cycle", args=[cycle.pk])

    return create_page(request, form, FormPage(title, back, NAV), saved, clash=CYCLE_TAKEN)


def _dataset_shown(path: str | None) -> tuple[str, str]:
    """The dataset a new cycle's list is generated from, in words, and its checksum."""
    if not path:
        return _("No dataset is configured: start the workbench with --dataset."), ""
    try:
        dataset = Dataset.open(path, verify=False)
    except SejahteraError as exc:
        return str(exc), ""
    manifest = dataset.manifest
    shown = _("%(name)s · %(households)s households · reference date %(date)s") % {
        "name": manifest.name,
        "households": format_number(manifest.households, language()),
        "date": manifest.reference_date,
    }
    return shown, _("Checksum (SHA-256 of dataset.json): %(checksum)s") % {
        "checksum": dataset_checksum(dataset)
    }


def _programme_url(programme: Programme) -> str:
    return reverse("programmes:programme", args=[programme.code])


# Cycles


def _cycle_page(request: HttpRequest, cycle: Cycle, *, revealed: bool) -> HttpResponse:
    """The cycle with its list searched, filtered, sorted and paged as the query string asks
    (an invalid filter: its errors, no rows, 400). Household identifiers, of the list and of
    the change requests, are masked unless ``revealed``; a reveal is audited with exactly the
    identifiers shown."""
    search = _list_filter(request, cycle)
    valid = search.is_valid()
    chosen = listed(cycle, search.chosen()) if valid else cycle.beneficiaries.none()
    page = tables.paginate(request, chosen, PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    rows = list(list_rows(page.object_list, revealed=revealed))
    changes = list(cycle.change_requests.select_related("maker", "checker"))
    if revealed:
        privacy.record_view(
            request, cycle, "reveal", fields=["household_id"],
            households=[row.household for row in rows],
            change_requests={change.pk: change.household_id for change in changes},
        )  # fmt: skip
    context = {
        "cycle": cycle,
        "programme": cycle.programme,
        "declared": paid_by(cycle),
        "search": search,
        "query": query.urlencode(),
        "page": page,
        "rows": rows,
        "listed_total": cycle.beneficiaries.count(),
        "revealed": revealed,
        "regions": by_region(cycle),
        "changes": [
            (change, change.household_id if revealed else privacy.mask_nik(change.household_id))
            for change in changes
        ],
        "payments": cycle.payments.all(),
        "requests": approvals.shown(cycle),
        "waiting": set(
            cycle.requests.filter(status=ChangeStatus.PENDING).values_list("kind", flat=True)
        ),
        "may_run": allowed(request.user, "cycle.run"),
        "may_decide": allowed(request.user, "cycle.decide"),
        "may_propose": allowed(request.user, "change.propose"),
        "may_check": allowed(request.user, "change.decide"),
        "may_reveal": allowed(request.user, "personal_data.reveal"),
        "may_export": allowed(request.user, "beneficiaries.export"),
        "export": _last_export(request, cycle),
        **_generation(request, cycle),
    }
    return render(request, "programmes/cycle_detail.html", context, status=200 if valid else 400)


def _list_filter(request: HttpRequest, cycle: Cycle) -> ListFilterForm:
    areas = {
        "regency": cycle.beneficiaries.order_by().values_list("region_code", flat=True).distinct(),
        "district": cycle.beneficiaries.exclude(district_code="")
        .order_by()
        .values_list("district_code", flat=True)
        .distinct(),
    }
    return ListFilterForm(request.GET, areas={k: list(v) for k, v in areas.items()})


def _last_export(request: HttpRequest, cycle: Cycle) -> dict[str, object]:
    """The user's own last export of this cycle's list: its progress, then its download."""
    job = (
        Job.objects.filter(
            kind=EXPORT, object_type="Cycle", object_id=str(cycle.pk), owner=request.user.pk
        ).first()
        if allowed(request.user, "beneficiaries.export")
        else None
    )
    return jobs.shown(request.user, job) | {"done": job is not None and job.state == JobState.DONE}


def _generation(request: HttpRequest, cycle: Cycle) -> dict[str, object]:
    """The cycle's last generation job while it waits or runs, and after it failed or was
    cancelled (why, on the page); once done, the list itself says it."""
    job = jobs.latest(cycle, GENERATE)
    shown = jobs.shown(request.user, None if job and job.state == JobState.DONE else job)
    return {**shown, "generating": job is not None and not job.finished}


@require_GET
@requires("programme.view")
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _cycle_page(request, access.load_cycle(request.user, pk), revealed=False)


@never_cache
@require_POST
@requires("personal_data.reveal")
def cycle_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    return _cycle_page(request, access.load_cycle(request.user, pk), revealed=True)


@require_POST
@requires("beneficiaries.export")
def cycle_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Export the list as the query string filters it, masked, as XLSX or CSV (``format``),
    in a background job; the cycle page shows its progress, then the download."""
    cycle = access.load_cycle(request.user, pk)
    search = _list_filter(request, cycle)
    back = f"{reverse('programmes:cycle', args=[cycle.pk])}?{request.GET.urlencode()}"
    form = request.POST.get("format", "")
    if form not in FORMATS:
        return _refused(request, _("Choose XLSX or CSV."), back, status=400)
    if not search.is_valid():
        return _refused(request, _("Correct the search before exporting."), back, status=400)
    title = _("Exporting the list of %(cycle)s (%(format)s)") % {
        "cycle": cycle,
        "format": form.upper(),
    }
    arguments = {"cycle": cycle.pk, "filter": search.chosen().to_dict(), "format": form}
    jobs.start(request, EXPORT, title, arguments, subject=cycle, link=back)
    return redirect(back)


@never_cache
@require_GET
@requires("beneficiaries.export")
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file of a finished export the user sees (its own; the office's for the office's
    staff, as jobs are seen), audited; 410 once the file is gone."""
    job = jobs.load_visible(request.user, pk, kind=EXPORT, state=JobState.DONE)
    cycle = access.load_cycle(request.user, job.result["cycle"])
    path = export_folder() / Path(job.result["file"]).name
    if not path.is_file():
        message = _("This export's file is no longer kept. Export the list again.")
        return _refused(request, message, reverse("programmes:cycle", args=[cycle.pk]), 410)
    audit.record(
        request, "export_downloaded", cycle, job=job.pk, format=job.result["format"],
        rows=job.result["rows"],
    )  # fmt: skip
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=export_file_name(cycle, job.result["format"]),
        content_type=FORMATS[job.result["format"]],
    )


@require_POST
@requires("cycle.run")
def cycle_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the cycle's list to be generated from the configured dataset; another user's
    approval starts the job (:mod:`.approvals`)."""
    cycle = access.load_cycle(request.user, pk)
    back = reverse("programmes:cycle", args=[cycle.pk])
    if _posted_version(request) != cycle.version:
        return _refused(request, str(CONFLICT), back)
    try:
        check_generable(cycle, settings.DATASET)
        running = jobs.latest(cycle, GENERATE)
        if running is not None and not running.finished:
            raise CycleError(_("The list of this cycle is already being generated."))
        dataset = str(settings.DATASET)
        detail = {"dataset": dataset, "checksum": approvals.checksum_of(dataset)}
        approvals.ask(request, cycle, CycleRequestKind.GENERATE, detail)
    except CycleError as exc:
        return _refused(request, str(exc), back)
    return redirect(back)


@require_POST
@requires("cycle.run")
def cycle_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the generated list, as the user saw it, to be frozen; another user approves."""
    cycle = access.load_cycle(request.user, pk)
    back = reverse("programmes:cycle", args=[cycle.pk])
    if _posted_version(request) != cycle.version:
        return _refused(request, str(CONFLICT), back)
    if cycle.status != CycleStatus.GENERATED:
        return _refused(request, _("Only a generated list can be frozen."), back)
    try:
        approvals.ask(request, cycle, CycleRequestKind.FREEZE, {})
    except CycleError as exc:
        return _refused(request, str(exc), back)
    return redirect(back)


@require_POST
@requires("cycle.decide")
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (and so carry out) or reject a requested generation, freezing or payment; never
    one's own request (403)."""
    made = access.load_request(request.user, pk)
    back = reverse("programmes:cycle", args=[made.cycle_id])
    decision = request.POST.get("decision")
    if made.maker_id != request.user.pk and decision not in ("approve", "reject"):
        return _refused(request, _("Choose to approve or to reject."), back, status=400)
    try:
        approvals.decide(request, made, decision or "", _posted_version(request))
    except CycleError as exc:
        return _refused(request, str(exc), back)
    return redirect(back)


# Change requests


@GET_POST
@requires("change.propose")
def change_create(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = access.load_cycle(request.user, pk)
    back = reverse("programmes:cycle", args=[cycle.pk])
    if cycle.status != CycleStatus.FROZEN:
        return _refused(request, _("Changes are requested only on a frozen list."), back)
    change = ChangeRequest(cycle=cycle, maker=request.user)
    form = ChangeRequestForm(posted(request), instance=change)
    title = _("Request a change to %(name)s") % {"name": cycle}

    def saved(change: ChangeRequest) -> None:
        audit.record(
            request, "change_requested", change, cycle=cycle.pk, kind=change.kind,
            household_id=change.household_id,
        )  # fmt: skip

    return create_page(request, form, FormPage(title, back, NAV), saved)


@require_POST
@requires("change.decide")
@transaction.atomic
def change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = access.load_change(request.user, pk)
    back = reverse("programmes:cycle", args=[change.cycle_id])
    if change.maker_id == request.user.pk:
        raise PermissionDenied  # maker-checker: nobody approves their own request
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        return _refused(request, _("Choose to approve or to reject."), back, status=400)
    status = ChangeStatus.APPROVED if decision == "approve" else ChangeStatus.REJECTED
    version = _posted_version(request)
    decided = ChangeRequest.objects.filter(
        pk=change.pk, version=version, status=ChangeStatus.PENDING
    ).update(
        status=status, checker=request.user, decided_at=timezone.now(), version=change.version + 1
    )
    if not decided:
        return _refused(request, str(CONFLICT), back)
    if status == ChangeStatus.APPROVED:
        try:
            with transaction.atomic():
                apply_change(change)
        except CycleError as exc:
            transaction.set_rollback(True)
            return _refused(request, str(exc), back)
    audit.record(
        request,
        f"change_{status}",
        change,
        cycle=change.cycle_id,
        kind=change.kind,
        household_id=change.household_id,
        amount_rp=None if change.amount_rp is None else str(change.amount_rp),
    )
    return redirect(back)


# Payments


@GET_POST
@requires("cycle.run")
def payment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a payment to be recorded; it is recorded when another user approves it."""
    cycle = access.load_cycle(request.user, pk)
    back = reverse("programmes:cycle", args=[cycle.pk])
    if cycle.status not in (CycleStatus.FROZEN, CycleStatus.CLOSED):
        return _refused(request, _("Payments are recorded only against a frozen list."), back)
    regions = approvals.regions_of(cycle)
    form = PaymentForm(posted(request), instance=Payment(cycle=cycle), regions=regions)
    title = _("Ask to record a payment for %(name)s: another person approves it") % {"name": cycle}

    def asked(form: PaymentForm) -> CycleRequest:
        detail = approvals.payment_detail(form.cleaned_data)
        return approvals.ask(request, cycle, CycleRequestKind.PAYMENT, detail)

    return create_page(request, form, FormPage(title, back, NAV), lambda _: None, save=asked)
