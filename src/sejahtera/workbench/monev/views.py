"""The monitoring pages: each programme's results framework, its indicators and targets, the
actuals reported against them and their review, and the progress dashboard. Every change is
audited; records people edit together are saved with optimistic locking."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.workbench.core import audit, privacy
from sejahtera.workbench.core.locking import StaleVersion
from sejahtera.workbench.core.pages import (
    FormPage,
    create_page,
    edit_page,
    form_page,
    posted,
    refused,
)
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.grievances import access as grievances
from sejahtera.workbench.monev import access, budget, workflow
from sejahtera.workbench.monev.forms import (
    ActualForm,
    IndicatorForm,
    ResultNodeForm,
    ReviewForm,
    TargetForm,
)
from sejahtera.workbench.monev.models import (
    EDITABLE,
    Actual,
    Indicator,
    Level,
    MonevError,
    ResultNode,
    Target,
)
from sejahtera.workbench.monev.progress import ON_TRACK_SHARE, dashboard
from sejahtera.workbench.programmes.access import load_programme, visible_programmes
from sejahtera.workbench.programmes.models import Programme

GET_POST = require_http_methods(["GET", "POST"])
NAV = "monev/_nav.html"  # the navigation on this app's form pages
TAKEN = gettext_lazy("This indicator already has a target for this period and area.")


def _framework(code: str) -> str:
    return reverse("monev:framework", args=[code])


def _indicator(pk: int) -> str:
    return reverse("monev:indicator", args=[pk])


# Programmes and their results frameworks


@require_GET
@requires("monev.view")
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = visible_programmes(request.user)
    return render(request, "monev/programme_list.html", {"programmes": programmes})


@require_GET
@requires("monev.view")
def framework(request: HttpRequest, code: str) -> HttpResponse:
    programme = load_programme(request.user, code)
    nodes = list(programme.results.prefetch_related("indicators"))
    children: dict[int | None, list[ResultNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)

    def tree(parent: int | None, depth: int) -> list[tuple[ResultNode, int]]:
        return [
            item
            for node in children.get(parent, [])
            for item in [(node, depth), *tree(node.pk, depth + 1)]
        ]

    context = {
        "programme": programme,
        "nodes": tree(None, 0),
        "may_edit": allowed(request.user, "monev.edit"),
    }
    return render(request, "monev/framework.html", context)


@GET_POST
@requires("monev.edit")
def result_create(request: HttpRequest, code: str) -> HttpResponse:
    programme = load_programme(request.user, code)
    form = ResultNodeForm(posted(request), instance=ResultNode(programme=programme))
    title = _("New result in %(name)s") % {"name": programme.name}

    def saved(node: ResultNode) -> None:
        audit.record(request, "result_created", node, level=node.level, programme=code)

    return create_page(request, form, FormPage(title, _framework(programme.code), NAV), saved)


@GET_POST
@requires("monev.edit")
def result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    node = access.load_result(request.user, pk)
    form = ResultNodeForm(posted(request), instance=node)
    title = _("Edit %(level)s") % {"level": Level(node.level).label.lower()}
    page = FormPage(title, _framework(node.programme.code), NAV)
    return edit_page(request, form, page, "result_changed")


# Indicators and targets


@require_GET
@requires("monev.view")
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.load_indicator(request.user, pk)
    user = request.user
    actuals = [
        {
            "actual": actual,
            "may_correct": actual.status in EDITABLE and access.may_correct(user, actual),
            "may_verify": allowed(user, "actual.verify") and actual.status == "submitted",
            "may_approve": allowed(user, "actual.approve") and actual.status == "verified",
            "may_reject": allowed(user, "actual.reject")
            and actual.status in ("submitted", "verified"),
            "own": actual.submitted_by_id == user.pk,
        }
        for actual in access.visible_actuals(request.user, indicator)
    ]
    context = {
        "indicator": indicator,
        "programme": indicator.result.programme,
        **_beside(request, indicator.budget_programme, [indicator], indicator),
        "targets": indicator.targets.select_related("region"),
        "actuals": actuals,
        "may_edit": allowed(request.user, "monev.edit"),
        "may_submit": allowed(user, "actual.submit"),
    }
    return render(request, "monev/indicator.html", context)


@GET_POST
@requires("monev.edit")
def indicator_create(request: HttpRequest, pk: int) -> HttpResponse:
    node = access.load_result(request.user, pk)
    form = IndicatorForm(
        posted(request),
        instance=Indicator(result=node, budget_programme=node.programme),
        programmes=visible_programmes(request.user),
    )
    title = _("New indicator for: %(result)s") % {"result": node.statement[:80]}

    def saved(indicator: Indicator) -> str:
        audit.record(request, "indicator_created", indicator, code=indicator.code)
        return _indicator(indicator.pk)

    return create_page(request, form, FormPage(title, _framework(node.programme.code), NAV), saved)


@GET_POST
@requires("monev.edit")
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.load_indicator(request.user, pk)
    form = IndicatorForm(
        posted(request), instance=indicator, programmes=visible_programmes(request.user)
    )
    title = _("Edit indicator %(code)s") % {"code": indicator.code}
    return edit_page(request, form, FormPage(title, _indicator(pk), NAV), "indicator_changed")


@GET_POST
@requires("monev.edit")
def target_create(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.load_indicator(request.user, pk)
    form = TargetForm(posted(request), instance=Target(indicator=indicator))
    title = _("New target for %(code)s") % {"code": indicator.code}

    def saved(target: Target) -> None:
        audit.record(request, "target_created", target, **_target(target))

    page = FormPage(title, _indicator(pk), NAV)
    return create_page(request, form, page, saved, clash=TAKEN)


@GET_POST
@requires("monev.edit")
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = access.load_target(request.user, pk)
    form = TargetForm(posted(request), instance=target)
    title = _("Edit target %(target)s") % {"target": target}
    page = FormPage(title, _indicator(target.indicator_id), NAV)
    return edit_page(request, form, page, "target_changed", clash=TAKEN)


def _target(target: Target) -> dict[str, object]:
    return {
        "indicator": target.indicator.code,
        "period": target.period,
        "region": target.region_id or "",
        "value": str(target.value),
    }


# Actuals


@GET_POST
@requires("actual.submit")
def actual_create(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.load_indicator(request.user, pk)
    form = ActualForm(posted(request), instance=Actual(indicator=indicator))
    title = _("Report an actual for %(code)s") % {"code": indicator.code}
    page = FormPage(title, _indicator(pk), NAV)

    def submit(form: ActualForm) -> Actual:
        return workflow.submit(request, form.instance)  # which audits it

    return create_page(request, form, page, lambda actual: None, save=submit)


@GET_POST
@requires("actual.submit")
def actual_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Like :func:`~.core.pages.edit_page`, through the workflow: only a submitted or rejected
    actual may be corrected, and correcting a rejected one submits it again."""
    actual = access.load_actual(request.user, pk)
    if not access.may_correct(request.user, actual):
        raise PermissionDenied
    form = ActualForm(posted(request), instance=actual)
    title = _("Correct the actual %(actual)s") % {"actual": actual}
    page = FormPage(title, _indicator(actual.indicator_id), NAV)
    if actual.status not in EDITABLE:
        reason = _("Only a submitted or rejected actual can be corrected.")
        return form_page(request, form, page, status=409, conflict=reason)
    if request.method != "POST":
        return form_page(request, form, page)
    if not form.is_valid():
        return form_page(request, form, page, status=400)
    try:
        workflow.correct(request, actual, form.cleaned_data["version"], form.cleaned_data)
    except (MonevError, StaleVersion) as refusal:
        return form_page(request, form, page, status=409, conflict=str(refusal))
    return redirect(page.back)


def _review(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    actual = access.load_actual(request.user, pk)
    form = ReviewForm(request.POST, needs_reason=step == "reject")
    if not form.is_valid():
        return _review_refused(request, actual, form, 400)
    version = form.cleaned_data["version"]
    try:
        if step == "reject":
            workflow.reject(request, actual, version, form.cleaned_data["reason"])
        else:
            getattr(workflow, step)(request, actual, version)
    except (MonevError, StaleVersion) as refusal:
        form.add_error(None, str(refusal))
        return _review_refused(request, actual, form, 409)
    return redirect("monev:indicator", actual.indicator_id)


def _review_refused(
    request: HttpRequest, actual: Actual, form: ReviewForm, status: int
) -> HttpResponse:
    problems = [str(error) for error in form.non_field_errors()]
    if form.has_error("reason"):
        problems.append(_("Say why the actual is rejected."))
    if form.has_error("version"):
        problems.append(_("The form did not say which version you reviewed."))
    return refused(
        request, " ".join(problems), _indicator(actual.indicator_id), status=status, nav=NAV,
        title=_("Review not saved"), back_label=_("Back to the indicator"),
    )  # fmt: skip


@require_POST
@requires("actual.verify")
def actual_verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, "verify")


@require_POST
@requires("actual.approve")
def actual_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, "approve")


@require_POST
@requires("actual.reject")
def actual_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, "reject")


# The dashboard


@require_GET
@requires("monev.view")
def programme_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    programme = load_programme(request.user, code)
    period = request.GET.get("period", "")
    # The grievances the reader may see, counts under the minimum cell hidden for a role that
    # sees aggregates only (as on the grievance statistics page).
    seen = (grievances.visible(request.user), privacy.small_cells_hidden(request.user))
    progress = dashboard(programme, period, *seen)
    if period not in progress.periods:
        period = ""
        progress = dashboard(programme, "", *seen)
    context = {
        "dashboard": progress,
        "programme": programme,
        "period": period,
        "threshold": round(ON_TRACK_SHARE * 100),
        **_beside(request, programme, budget.linked(programme, request.user)),
    }
    return render(request, "monev/dashboard.html", context)


def _beside(
    request: HttpRequest,
    programme: Programme | None,
    indicators: Iterable[Indicator],
    indicator: Indicator | None = None,
) -> dict[str, object]:
    """The budget realisation by quarter of ``programme`` with the indicators linked to it (only
    ``indicator`` when given), in the year ``?year=`` asks for (else the latest up to this
    one), for ``monev/_budget.html``."""
    offered = budget.years(programme, indicators)
    year = budget.chosen_year(request.GET.get("year", ""), offered, timezone.localdate().year)
    if programme is None:
        return {"beside": None}
    if indicator is not None:
        shown = budget.of_indicator(indicator, year, request.user)
    else:
        shown = budget.of_programme(programme, year, request.user)
    return {
        "beside": shown,
        "beside_chart": budget.chart(shown) if shown else None,
        "years": offered,
        "year": year,
    }
