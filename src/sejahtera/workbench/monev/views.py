"""The monitoring pages: each programme's results framework, its indicators and targets, the
actuals reported against them and their review, and the progress dashboard. Every change is
audited; records people edit together are saved with optimistic locking."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.locking import (
    changed_fields,
    save_if_current,
)
from sejahtera.workbench.core.pages import form_page, posted
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.monev import access, workflow
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

GET_POST = require_http_methods(["GET", "POST"])
NAV = "monev/_nav.html"  # the navigation on this app's form pages
TAKEN = gettext_lazy("This indicator already has a target for this period and area.")


def _framework(code: str) -> str:
    return reverse("monev:framework", args=[code])


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
@transaction.atomic
def result_create(request: HttpRequest, code: str) -> HttpResponse:
    programme = load_programme(request.user, code)
    form = ResultNodeForm(posted(request), instance=ResultNode(programme=programme))
    title = _("New result in %(name)s") % {"name": programme.name}
    back = _framework(programme.code)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        node = form.save()
        audit.record(request, "result_created", node, level=node.level, programme=code)
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("monev.edit")
@transaction.atomic
def result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    node = access.load_result(request.user, pk)
    title = _("Edit %(level)s") % {"level": Level(node.level).label.lower()}
    back = _framework(node.programme.code)
    form = ResultNodeForm(posted(request), instance=node)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        if not save_if_current(form):
            return form_page(request, form, title, back, NAV, status=409)
        audit.record(request, "result_changed", node, fields=changed_fields(form))
        return redirect(back)
    return form_page(request, form, title, back, NAV)


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
        "targets": indicator.targets.select_related("region"),
        "actuals": actuals,
        "may_edit": allowed(request.user, "monev.edit"),
        "may_submit": allowed(user, "actual.submit"),
    }
    return render(request, "monev/indicator.html", context)


@GET_POST
@requires("monev.edit")
@transaction.atomic
def indicator_create(request: HttpRequest, pk: int) -> HttpResponse:
    node = access.load_result(request.user, pk)
    form = IndicatorForm(posted(request), instance=Indicator(result=node))
    title = _("New indicator for: %(result)s") % {"result": node.statement[:80]}
    back = _framework(node.programme.code)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        indicator = form.save()
        audit.record(request, "indicator_created", indicator, code=indicator.code)
        return redirect("monev:indicator", indicator.pk)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("monev.edit")
@transaction.atomic
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.load_indicator(request.user, pk)
    title = _("Edit indicator %(code)s") % {"code": indicator.code}
    back = reverse("monev:indicator", args=[pk])
    form = IndicatorForm(posted(request), instance=indicator)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        if not save_if_current(form):
            return form_page(request, form, title, back, NAV, status=409)
        audit.record(request, "indicator_changed", indicator, fields=changed_fields(form))
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("monev.edit")
@transaction.atomic
def target_create(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.load_indicator(request.user, pk)
    form = TargetForm(posted(request), instance=Target(indicator=indicator))
    title = _("New target for %(code)s") % {"code": indicator.code}
    back = reverse("monev:indicator", args=[pk])
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        try:
            with transaction.atomic():
                target = form.save()
        except IntegrityError:  # the same target, added at the same moment
            form.add_error(None, TAKEN)
            return form_page(request, form, title, back, NAV, status=400)
        audit.record(request, "target_created", target, **_target(target))
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("monev.edit")
@transaction.atomic
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = access.load_target(request.user, pk)
    title = _("Edit target %(target)s") % {"target": target}
    back = reverse("monev:indicator", args=[target.indicator_id])
    form = TargetForm(posted(request), instance=target)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        try:
            with transaction.atomic():
                saved = save_if_current(form)
        except IntegrityError:
            form.add_error(None, TAKEN)
            return form_page(request, form, title, back, NAV, status=400)
        if not saved:
            return form_page(request, form, title, back, NAV, status=409)
        audit.record(request, "target_changed", target, fields=changed_fields(form))
        return redirect(back)
    return form_page(request, form, title, back, NAV)


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
@transaction.atomic
def actual_create(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.load_indicator(request.user, pk)
    form = ActualForm(posted(request), instance=Actual(indicator=indicator))
    title = _("Report an actual for %(code)s") % {"code": indicator.code}
    back = reverse("monev:indicator", args=[pk])
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        workflow.submit(request, form.instance)
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("actual.submit")
def actual_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actual = access.load_actual(request.user, pk)
    if not access.may_correct(request.user, actual):
        raise PermissionDenied
    title = _("Correct the actual %(actual)s") % {"actual": actual}
    back = reverse("monev:indicator", args=[actual.indicator_id])
    form = ActualForm(posted(request), instance=actual)
    if actual.status not in EDITABLE:
        reason = _("Only a submitted or rejected actual can be corrected.")
        return form_page(request, form, title, back, NAV, status=409, conflict=reason)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        try:
            workflow.correct(request, actual, form.cleaned_data["version"], form.cleaned_data)
        except MonevError as refused:
            return form_page(request, form, title, back, NAV, status=409, conflict=str(refused))
        return redirect(back)
    return form_page(request, form, title, back, NAV)


def _review(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    actual = access.load_actual(request.user, pk)
    form = ReviewForm(request.POST, needs_reason=step == "reject")
    if not form.is_valid():
        return _refused(request, actual, form, 400)
    version = form.cleaned_data["version"]
    try:
        if step == "reject":
            workflow.reject(request, actual, version, form.cleaned_data["reason"])
        else:
            getattr(workflow, step)(request, actual, version)
    except MonevError as refused:
        form.add_error(None, str(refused))
        return _refused(request, actual, form, 409)
    return redirect("monev:indicator", actual.indicator_id)


def _refused(request: HttpRequest, actual: Actual, form: ReviewForm, status: int) -> HttpResponse:
    context = {
        "actual": actual,
        "form": form,
        "back": reverse("monev:indicator", args=[actual.indicator_id]),
    }
    return render(request, "monev/refused.html", context, status=status)


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
    progress = dashboard(programme, period)
    if period not in progress.periods:
        period = ""
        progress = dashboard(programme)
    context = {
        "dashboard": progress,
        "programme": programme,
        "period": period,
        "threshold": round(ON_TRACK_SHARE * 100),
    }
    return render(request, "monev/dashboard.html", context)
