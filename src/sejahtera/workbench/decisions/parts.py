"""The parts of a draft decision record: its options (saved scenarios, options that are not
simulated), criteria and weights, the analyst's scores, the stakeholders' positions and the
linked consultations. Each change is refused once the record is submitted or decided, and
audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.pages import FormPage, create_page, edit_page, form_page, posted
from sejahtera.workbench.core.policy import requires
from sejahtera.workbench.decisions import services
from sejahtera.workbench.decisions.forms import (
    ConsultationLinkForm,
    CriterionForm,
    OtherOptionForm,
    PositionForm,
    ScenarioOptionForm,
    ScoresForm,
)
from sejahtera.workbench.decisions.models import (
    ConsultationLink,
    Criterion,
    DecidedRecord,
    Decision,
    Option,
    OptionKind,
    Score,
    StakeholderPosition,
)
from sejahtera.workbench.decisions.views import NAV, load, refuse

GET_POST = require_http_methods(["GET", "POST"])


def _draft(request: HttpRequest, pk: int) -> tuple[Decision, HttpResponse | None]:
    """The record, and the refusal to show when it is no longer a draft."""
    decision = load(pk)
    try:
        services.must_be_draft(decision)
    except services.Refused as why:
        return decision, refuse(request, str(why), decision)
    return decision, None


def _page(title: str, decision: Decision) -> FormPage:
    return FormPage(title, decision.get_absolute_url(), NAV)


def _adding(
    request: HttpRequest,
    form: Any,
    page: FormPage,
    decision: Decision,
    action: str,
    clash: str = "",
) -> HttpResponse:
    """The page that adds a part of the record: saved and audited by ``services.add_part``."""

    def save(form: Any) -> Model:
        return services.add_part(request, decision, form.save(commit=False), action)

    return create_page(
        request, form, page, lambda _: decision.get_absolute_url(), clash=clash, save=save
    )


# Options


@GET_POST
@requires("decision.prepare")
def option_scenario(request: HttpRequest, pk: int) -> HttpResponse:
    decision, refusal = _draft(request, pk)
    if refusal:
        return refusal
    form = ScenarioOptionForm(posted(request), decision=decision)
    page = _page(_("Add a scenario as an option"), decision)
    if request.method != "POST":
        return form_page(request, form, page)
    if not form.is_valid():
        return form_page(request, form, page, status=400)
    try:
        services.add_scenario(request, decision, form.cleaned_data["scenario"])
    except services.Refused as why:
        form.add_error("scenario", str(why))
        return form_page(request, form, page, status=400)
    return redirect(decision.get_absolute_url())


@GET_POST
@requires("decision.prepare")
def option_other(request: HttpRequest, pk: int) -> HttpResponse:
    decision, refusal = _draft(request, pk)
    if refusal:
        return refusal
    option = Option(decision=decision, kind=OptionKind.OTHER, order=services.next_order(decision))
    form = OtherOptionForm(posted(request), instance=option)
    page = _page(_("Add an option that is not simulated"), decision)
    return _adding(request, form, page, decision, "decision_option_added")


@require_POST
@requires("decision.prepare")
def option_delete(request: HttpRequest, pk: int) -> HttpResponse:
    option = get_object_or_404(Option, pk=pk)
    decision, refusal = _draft(request, option.decision_id)
    if refusal:
        return refusal
    if option.kind == OptionKind.STATUS_QUO:
        message = _("Today's situation is always an option: it is what the others are compared to.")
        return refuse(request, message, decision)
    with transaction.atomic():
        option.delete()
        audit.record(request, "decision_option_removed", decision, option=pk, title=option.title)
    return redirect(decision.get_absolute_url())


# Criteria and scores


@GET_POST
@requires("decision.prepare")
def criterion_create(request: HttpRequest, pk: int) -> HttpResponse:
    decision, refusal = _draft(request, pk)
    if refusal:
        return refusal
    last = decision.criteria.order_by("-order").values_list("order", flat=True).first() or 0
    form = CriterionForm(posted(request), instance=Criterion(decision=decision, order=last + 1))
    page = _page(_("Add a criterion"), decision)
    return _adding(request, form, page, decision, "decision_criterion_added")


@GET_POST
@requires("decision.prepare")
def criterion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = get_object_or_404(Criterion, pk=pk)
    decision, refusal = _draft(request, criterion.decision_id)
    if refusal:
        return refusal
    form = CriterionForm(posted(request), instance=criterion)
    return edit_page(
        request, form, _page(_("Change a criterion"), decision), "decision_criterion_changed"
    )


@require_POST
@requires("decision.prepare")
def criterion_delete(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = get_object_or_404(Criterion, pk=pk)
    decision, refusal = _draft(request, criterion.decision_id)
    if refusal:
        return refusal
    with transaction.atomic():
        criterion.delete()
        audit.record(
            request, "decision_criterion_removed", decision, criterion=pk, name=criterion.name
        )
    return redirect(decision.get_absolute_url())


@GET_POST
@requires("decision.prepare")
def scores(request: HttpRequest, pk: int) -> HttpResponse:
    """The analyst's judged scores (1–5) and estimates for the options not simulated."""
    decision, refusal = _draft(request, pk)
    if refusal:
        return refusal
    options = list(decision.options.all())
    criteria = list(decision.criteria.all())
    known = {
        (s.option_id, s.criterion_id): s.value
        for s in Score.objects.filter(option__decision=decision)
    }
    form = ScoresForm(posted(request), options=options, criteria=criteria, initial_values=known)
    page = _page(_("Scores and estimates"), decision)
    if request.method != "POST":
        return form_page(request, form, page)
    if not form.is_valid():
        return form_page(request, form, page, status=400)
    values = [(o, c, name, form.cleaned_data.get(name)) for o, c, name in form.cells]
    try:
        services.set_scores(request, decision, values, known)
    except (DecidedRecord, services.Refused) as why:
        return refuse(request, str(why), decision)
    return redirect(decision.get_absolute_url())


# Stakeholders and consultations


@GET_POST
@requires("decision.prepare")
def position_create(request: HttpRequest, pk: int) -> HttpResponse:
    decision, refusal = _draft(request, pk)
    if refusal:
        return refusal
    form = PositionForm(posted(request), instance=StakeholderPosition(decision=decision))
    page = _page(_("Add a stakeholder's position"), decision)
    clash = _("This organisation's position is recorded already.")
    return _adding(request, form, page, decision, "decision_position_added", clash)


@require_POST
@requires("decision.prepare")
def position_delete(request: HttpRequest, pk: int) -> HttpResponse:
    position = get_object_or_404(StakeholderPosition, pk=pk)
    return _remove(request, position, "decision_position_removed")


@GET_POST
@requires("decision.prepare")
def consultation_link(request: HttpRequest, pk: int) -> HttpResponse:
    decision, refusal = _draft(request, pk)
    if refusal:
        return refusal
    form = ConsultationLinkForm(posted(request), instance=ConsultationLink(decision=decision))
    page = _page(_("Link a consultation"), decision)
    clash = _("This consultation is linked already.")
    return _adding(request, form, page, decision, "decision_consultation_linked", clash)


@require_POST
@requires("decision.prepare")
def consultation_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(ConsultationLink, pk=pk)
    return _remove(request, link, "decision_consultation_unlinked")


def _remove(
    request: HttpRequest, part: StakeholderPosition | ConsultationLink, action: str
) -> HttpResponse:
    decision, refusal = _draft(request, part.decision_id)
    if refusal:
        return refusal
    with transaction.atomic():
        removed = part.pk
        part.delete()
        audit.record(request, action, decision, part=removed)
    return redirect(decision.get_absolute_url())
