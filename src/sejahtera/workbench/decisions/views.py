"""Decision records: the list, one record (options, appraisal, sensitivity, stakeholders,
consultations, the decision, its versions and briefs), the question's form, and the steps of
its life (submit, decide, return, amend, make a draft programme, build a brief). The parts of a
draft record (options, criteria, scores, positions, consultations) are in :mod:`.parts`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.workbench.core import audit, jobs
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.core.pages import (
    FormPage,
    create_page,
    edit_page,
    form_page,
    posted,
    refused,
)
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.decisions import briefs, scoring, services
from sejahtera.workbench.decisions.forms import (
    BriefForm,
    DecideForm,
    DecisionForm,
    ProgrammeFromDecisionForm,
)
from sejahtera.workbench.decisions.models import Decision, DecisionStatus
from sejahtera.workbench.decisions.scoring import MEASURE_LABELS

GET_POST = require_http_methods(["GET", "POST"])
NAV = "decisions/_nav.html"


def load(pk: int) -> Decision:
    """A record (every role that may open the decisions' pages sees every record: they are
    the office's own)."""
    return get_object_or_404(
        Decision.objects.select_related(
            "prepared_by", "submitted_by", "decided_by", "chosen", "programme", "dataset__dataset"
        ),
        pk=pk,
    )


def refuse(request: HttpRequest, message: str, decision: Decision, status: int = 409) -> Any:
    return refused(request, message, decision.get_absolute_url(), status=status, nav=NAV)


def posted_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


def language() -> str:
    return "en" if (translation.get_language() or "id").startswith("en") else "id"


@require_GET
@requires("decision.view")
def decision_list(request: HttpRequest) -> HttpResponse:
    records = Decision.objects.select_related("prepared_by", "decided_by", "chosen").annotate(
        option_count=Count("options", distinct=True)
    )
    latest = records.filter(amendment=None)
    context = {
        "waiting": latest.filter(status=DecisionStatus.SUBMITTED),
        "drafts": latest.filter(status=DecisionStatus.DRAFT),
        "decided": latest.filter(status=DecisionStatus.DECIDED),
        "superseded": records.exclude(amendment=None).count(),
        "may_prepare": allowed(request.user, "decision.prepare"),
    }
    return render(request, "decisions/list.html", context)


@GET_POST
@requires("decision.prepare")
def decision_create(request: HttpRequest) -> HttpResponse:
    form = DecisionForm(posted(request))
    page = FormPage(_("New decision record"), reverse("decisions:list"), NAV)
    return create_page(
        request,
        form,
        page,
        lambda record: record.get_absolute_url(),
        save=lambda f: services.create(request, f.instance),
    )


@GET_POST
@requires("decision.prepare")
def decision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    decision = load(pk)
    try:
        services.must_be_draft(decision)
    except services.Refused as why:
        return refuse(request, str(why), decision)
    form = DecisionForm(posted(request), instance=decision)
    page = FormPage(_("The policy question"), decision.get_absolute_url(), NAV)
    return edit_page(request, form, page, "decision_changed")


@require_GET
@requires("decision.view")
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = load(pk)
    found = scoring.appraised(decision)
    code = language()
    chosen_criterion = _criterion(request, found)
    context: dict[str, Any] = {
        "decision": decision,
        "options": _options(found, code),
        "criteria": found.criteria,
        "measure_labels": MEASURE_LABELS,
        "appraised": found,
        "table": scoring.table(found, code),
        "ranges": scoring.ranges(found),
        "criterion": chosen_criterion,
        "sweep": scoring.swept(found, chosen_criterion) if chosen_criterion else [],
        "chart": scoring.sweep_chart(found, chosen_criterion, code) if chosen_criterion else "",
        "positions": decision.positions.select_related("organisation"),
        "consultations": decision.consultations.select_related("consultation").annotate(
            inputs=Count("consultation__inputs")
        ),
        "history": _history(decision),
        "amendment": Decision.objects.filter(predecessor=decision).first(),
        "briefs": briefs.made(decision),
        "brief_form": BriefForm(initial={"format": "docx", "language": code}),
        "programme_refusal": services.programme_refusal(decision),
        "may_prepare": allowed(request.user, "decision.prepare"),
        "may_decide": allowed(request.user, "decision.decide")
        and services.may_decide(request.user, decision),
        "decider_role": allowed(request.user, "decision.decide"),
        "may_programme": allowed(request.user, "programme.edit"),
        "may_brief": allowed(request.user, "decision.brief"),
        **jobs.shown(request.user, jobs.latest(decision, briefs.BRIEF)),
    }
    return render(request, "decisions/detail.html", context)


def _criterion(request: HttpRequest, found: scoring.Appraised) -> Any:
    """The criterion whose weight the sweep moves: the one asked for, else the heaviest."""
    if found.result is None or not found.criteria:
        return None
    asked = request.GET.get("criterion", "")
    for criterion in found.criteria:
        if str(criterion.pk) == asked:
            return criterion
    return max(found.criteria, key=lambda c: c.weight)


def _options(found: scoring.Appraised, code: str) -> list[dict[str, Any]]:
    """Each option with its simulated figures (the criteria from the simulation)."""
    out = []
    for option in found.options:
        figures = []
        for criterion in found.criteria:
            if criterion.judged:
                continue
            value = found.values[(scoring.key(option), str(criterion.pk))]
            figures.append(scoring.shown(criterion.measure, value, code))
        out.append({"option": option, "figures": figures})
    return out


def _history(decision: Decision) -> list[Decision]:
    """Every version of the record, the first first."""
    chain = [decision]
    while chain[0].predecessor_id is not None:
        chain.insert(
            0, Decision.objects.select_related("decided_by").get(pk=chain[0].predecessor_id)
        )
    later = Decision.objects.filter(predecessor=chain[-1]).first()
    while later is not None:
        chain.append(later)
        later = Decision.objects.filter(predecessor=later).first()
    return chain


# The steps of a record's life


@require_POST
@requires("decision.prepare")
def decision_submit(request: HttpRequest, pk: int) -> HttpResponse:
    decision = load(pk)
    try:
        services.submit(request, decision, posted_version(request))
    except services.Refused as why:
        return refuse(request, str(why), decision)
    return redirect(decision.get_absolute_url())


@GET_POST
@requires("decision.decide")
def decision_decide(request: HttpRequest, pk: int) -> HttpResponse:
    decision = load(pk)
    if decision.status != DecisionStatus.SUBMITTED:
        return refuse(request, _("Only a record submitted for decision can be decided."), decision)
    if not services.may_decide(request.user, decision):
        message = _("You prepared or submitted this record, so someone else must decide it.")
        return refuse(request, message, decision, status=403)
    form = DecideForm(posted(request), decision=decision)
    page = FormPage(
        _("Decide: %(title)s") % {"title": decision.title}, decision.get_absolute_url(), NAV
    )
    if request.method != "POST":
        return form_page(request, form, page)
    if not form.is_valid():
        return form_page(request, form, page, status=400)
    try:
        services.decide(
            request,
            decision,
            form.cleaned_data["version"],
            form.cleaned_data["option"],
            form.cleaned_data["rationale"],
        )
    except services.Refused as why:
        return refuse(request, str(why), decision)
    return redirect(decision.get_absolute_url())


@require_POST
@requires("decision.decide")
def decision_return(request: HttpRequest, pk: int) -> HttpResponse:
    decision = load(pk)
    try:
        services.return_to_draft(
            request, decision, posted_version(request), request.POST.get("note", "")
        )
    except services.Refused as why:
        return refuse(request, str(why), decision)
    return redirect(decision.get_absolute_url())


@require_POST
@requires("decision.prepare")
def decision_amend(request: HttpRequest, pk: int) -> HttpResponse:
    decision = load(pk)
    try:
        copy = services.amend(request, decision)
    except services.Refused as why:
        return refuse(request, str(why), decision)
    return redirect(copy.get_absolute_url())


@GET_POST
@requires("programme.edit")
def decision_programme(request: HttpRequest, pk: int) -> HttpResponse:
    """The chosen scenario as a draft programme: the form asks for its code, name and SIPD
    codes; the ruleset version and budgets come from the scenario."""
    decision = load(pk)
    refusal = services.programme_refusal(decision)
    if refusal:
        return refuse(request, refusal, decision)
    initial = {"version": decision.version, "name": decision.chosen.title}
    form = ProgrammeFromDecisionForm(posted(request), initial=initial)
    page = FormPage(_("Make a draft programme"), decision.get_absolute_url(), NAV)
    if request.method != "POST":
        return form_page(request, form, page)
    if not form.is_valid():
        return form_page(request, form, page, status=400)
    try:
        programme = services.make_programme(
            request,
            decision,
            form.cleaned_data["version"],
            {**form.cleaned_data, "sipd_unlisted": form.sipd_unlisted},
        )
    except services.Refused as why:
        return refuse(request, str(why), decision)
    return redirect("programmes:programme", code=programme.code)


@require_POST
@requires("decision.brief")
def decision_brief(request: HttpRequest, pk: int) -> HttpResponse:
    """Build the policy brief of the record in the background (DOCX or PDF, id or en)."""
    decision = load(pk)
    form = BriefForm(request.POST)
    if not form.is_valid():
        return refuse(request, _("Choose the brief's format and language."), decision, 400)
    arguments = {
        "decision": decision.pk,
        "version": decision.version,
        "format": form.cleaned_data["format"],
        "language": form.cleaned_data["language"],
    }
    title = _("Policy brief of “%(title)s” (%(format)s)") % {
        "title": decision.title,
        "format": arguments["format"].upper(),
    }
    jobs.start(
        request, briefs.BRIEF, title, arguments, subject=decision, link=decision.get_absolute_url()
    )
    return redirect(decision.get_absolute_url())


@never_cache
@require_GET
@requires("decision.view")
def brief_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A finished brief's file, audited; 410 once the file is gone."""
    job = get_object_or_404(
        Job.objects.select_related("owner"), pk=pk, kind=briefs.BRIEF, state=JobState.DONE
    )
    decision = load(int(job.result["decision"]))
    path = briefs.folder() / Path(job.result["file"]).name
    if not path.is_file():
        message = _("This brief's file is no longer kept. Build the brief again.")
        return refuse(request, message, decision, status=410)
    audit.record(
        request,
        "brief_downloaded",
        decision,
        job=job.pk,
        format=job.result["format"],
        language=job.result["language"],
    )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=briefs.file_name(decision, job.result["format"], job.result["language"]),
        content_type=briefs.FORMATS[job.result["format"]],
    )
