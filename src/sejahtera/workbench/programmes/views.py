"""Programmes, their cycles and beneficiary lists, change requests and payments.

Every change is audited. Household identifiers are masked unless revealed by a role that may see
personal data, and each reveal is audited. Actions on a cycle or a change request carry the
version the user saw: a stale one changes nothing and answers 409.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.workbench.core import audit, jobs, privacy
from sejahtera.workbench.core.locking import CONFLICT
from sejahtera.workbench.core.models import JobState
from sejahtera.workbench.core.pages import FormPage, create_page, edit_page, posted, refused
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.programmes import access
from sejahtera.workbench.programmes.forms import (
    BudgetForm,
    ChangeRequestForm,
    CycleForm,
    PaymentForm,
    ProgrammeForm,
)
from sejahtera.workbench.programmes.generation import (
    GENERATE,
    CycleError,
    apply_change,
    check_generable,
    freeze,
)
from sejahtera.workbench.programmes.models import (
    Budget,
    ChangeRequest,
    ChangeStatus,
    Cycle,
    CycleStatus,
    Payment,
    Programme,
)
from sejahtera.workbench.programmes.realisation import by_region

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
    return render(request, "programmes/programme_list.html", context)


@require_GET
@requires("programme.view")
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    programme = access.load_programme(request.user, code)
    context = {
        "programme": programme,
        "budgets": programme.budgets.all(),
        "cycles": programme.cycles.all(),
        "may_run": allowed(request.user, "cycle.run"),
        "may_edit": allowed(request.user, "programme.edit"),
    }
    return render(request, "programmes/programme_detail.html", context)


@GET_POST
@requires("programme.edit")
def programme_create(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(posted(request))
    page = FormPage(_("New programme"), reverse("programmes:programmes"), NAV)

    def saved(programme: Programme) -> str:
        audit.record(request, "programme_created", programme, code=programme.code)
        return _programme_url(programme)

    return create_page(request, form, page, saved)


@GET_POST
@requires("programme.edit")
def programme_edit(request: HttpRequest, code: str) -> HttpResponse:
    programme = access.load_programme(request.user, code)
    form = ProgrammeForm(posted(request), instance=programme)
    page = FormPage(_("Edit programme"), _programme_url(programme), NAV)
    return edit_page(request, form, page, "programme_changed")


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

    return create_page(request, form, page, saved)


@GET_POST
@requires("cycle.run")
def cycle_create(request: HttpRequest, code: str) -> HttpResponse:
    programme = access.load_programme(request.user, code)
    form = CycleForm(posted(request), instance=Cycle(programme=programme))
    title = _("New cycle of %(name)s") % {"name": programme.name}

    def saved(cycle: Cycle) -> str:
        audit.record(request, "cycle_created", cycle, programme=programme.code, name=cycle.name)
        return reverse("programmes:cycle", args=[cycle.pk])

    return create_page(request, form, FormPage(title, _programme_url(programme), NAV), saved)


def _programme_url(programme: Programme) -> str:
    return reverse("programmes:programme", args=[programme.code])


# Cycles


def _cycle_page(request: HttpRequest, cycle: Cycle, *, revealed: bool) -> HttpResponse:
    page = Paginator(cycle.beneficiaries.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(b, b.household_id if revealed else privacy.mask_nik(b.household_id)) for b in page]
    context = {
        "cycle": cycle,
        "programme": cycle.programme,
        "page": page,
        "rows": rows,
        "revealed": revealed,
        "regions": by_region(cycle),
        "changes": cycle.change_requests.select_related("maker", "checker"),
        "payments": cycle.payments.all(),
        "may_run": allowed(request.user, "cycle.run"),
        "may_propose": allowed(request.user, "change.propose"),
        "may_check": allowed(request.user, "change.decide"),
        "may_reveal": allowed(request.user, "personal_data.reveal"),
        **_generation(request, cycle),
    }
    return render(request, "programmes/cycle_detail.html", context)


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
    cycle = access.load_cycle(request.user, pk)
    privacy.record_view(request, cycle, "reveal", fields=["household_id"])
    return _cycle_page(request, cycle, revealed=True)


@require_POST
@requires("cycle.run")
def cycle_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the generation of the cycle's list; the cycle page shows its progress."""
    cycle = access.load_cycle(request.user, pk)
    back = reverse("programmes:cycle", args=[cycle.pk])
    if _posted_version(request) != cycle.version:
        return _refused(request, str(CONFLICT), back)
    try:
        check_generable(cycle, settings.DATASET)
    except CycleError as exc:
        return _refused(request, str(exc), back)
    running = jobs.latest(cycle, GENERATE)
    if running is not None and not running.finished:
        return _refused(request, _("The list of this cycle is already being generated."), back)
    title = _("Generating the list of %(cycle)s") % {"cycle": cycle}
    arguments = {"cycle": cycle.pk, "version": cycle.version, "dataset": str(settings.DATASET)}
    jobs.start(request, GENERATE, title, arguments, subject=cycle, link=back)
    return redirect(back)


@require_POST
@requires("cycle.run")
@transaction.atomic
def cycle_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = access.load_cycle(request.user, pk)
    back = reverse("programmes:cycle", args=[cycle.pk])
    version = _posted_version(request)
    try:
        frozen = version is not None and freeze(cycle, version)
    except CycleError as exc:
        return _refused(request, str(exc), back)
    if not frozen:
        return _refused(request, str(CONFLICT), back)
    audit.record(request, "cycle_frozen", cycle, beneficiaries=cycle.beneficiaries.count())
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
    cycle = access.load_cycle(request.user, pk)
    back = reverse("programmes:cycle", args=[cycle.pk])
    if cycle.status not in (CycleStatus.FROZEN, CycleStatus.CLOSED):
        return _refused(request, _("Payments are recorded only against a frozen list."), back)
    regions = dict(
        cycle.beneficiaries.order_by("region_code")
        .values("region_code")
        .annotate(n=Count("pk"))
        .values_list("region_code", "n")
    )
    form = PaymentForm(posted(request), instance=Payment(cycle=cycle), regions=regions)
    title = _("Record a payment for %(name)s") % {"name": cycle}

    def saved(payment: Payment) -> None:
        audit.record(
            request, "payment_recorded", payment, cycle=cycle.pk, region=payment.region_code,
            planned_rp=str(payment.planned_rp), paid_rp=str(payment.paid_rp),
        )  # fmt: skip

    return create_page(request, form, FormPage(title, back, NAV), saved)
