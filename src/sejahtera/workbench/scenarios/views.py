"""The scenario studio: build a scenario from the status quo, run it on a dataset version as a
job, compare up to four side by side (and export the comparison), budget mode, and the
household explainer. Every run, export and publication is audited."""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.rules.overlay import check_formula
from sejahtera.rules.show import number
from sejahtera.workbench.core import audit, jobs
from sejahtera.workbench.core.locking import StaleVersion, changed_fields, save_if_current
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.core.pages import refused
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.datasets.services import current_version
from sejahtera.workbench.scenarios import comparison, levers
from sejahtera.workbench.scenarios.access import load_scenario, visible_scenarios
from sejahtera.workbench.scenarios.forms import (
    BudgetForm,
    ExplainForm,
    ScenarioForm,
    language,
    problem_text,
)
from sejahtera.workbench.scenarios.models import Scenario, ScenarioState
from sejahtera.workbench.scenarios.runs import BUDGET, EXPLAIN, start_run

NAV = "scenarios/_nav.html"


def _crumbs(*more: tuple[str, str]) -> list[tuple[str, str]]:
    return [(reverse("scenarios:list"), _("Scenarios")), *more]


@require_GET
@requires("scenario.view")
def scenario_list(request: HttpRequest) -> HttpResponse:
    found = (
        visible_scenarios(request.user)
        .select_related("dataset__dataset", "owner", "job")
        .defer(*Scenario.HEAVY, "job__result")  # the job keeps a copy of the result
    )
    return render(
        request,
        "scenarios/list.html",
        {"scenarios": found, "crumbs": _crumbs()[:0], "most": comparison.MAX_COLUMNS},
    )


@require_http_methods(["GET", "POST"])
@requires("scenario.run")
def scenario_create(request: HttpRequest) -> HttpResponse:
    version = current_version()
    if version is None:
        return refused(
            request,
            _("No dataset is registered yet: add one under Data before building a scenario."),
            reverse("scenarios:list"),
            nav=NAV,
        )
    instance = Scenario(owner=request.user, dataset=version)
    form = ScenarioForm(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST" and "refresh" not in request.POST and form.is_valid():
        with transaction.atomic():
            found = form.save(commit=False)
            _keep(found, form)
            found.save()
            audit.record(request, "scenario_created", found, changes=sorted(found.changes))
        return redirect("scenarios:detail", pk=found.pk)
    status = 400 if request.method == "POST" and "refresh" not in request.POST else 200
    return _build_page(request, form, _("New scenario"), reverse("scenarios:list"), status)


@require_http_methods(["GET", "POST"])
@requires("scenario.run")
def scenario_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = load_scenario(request.user, pk)
    back = reverse("scenarios:detail", args=[found.pk])
    if found.published:
        return refused(
            request,
            _("A published scenario is not changed: its results are what partners read."),
            back,
            detail=_("The head of social policy can withdraw its publication first."),
            nav=NAV,
        )
    form = ScenarioForm(request.POST if request.method == "POST" else None, instance=found)
    if request.method == "POST" and "refresh" not in request.POST and form.is_valid():
        try:
            with transaction.atomic():
                save_if_current(
                    form,
                    changes=form.cleaned_data["changes"],
                    templates=list(form.cleaned_data.get("templates") or []),
                    formulas=form.cleaned_data["formulas"],
                    state=ScenarioState.DRAFT,
                    result=None,
                    job=None,
                )
                audit.record(request, "scenario_changed", found, fields=changed_fields(form))
        except StaleVersion as stale:
            return _build_page(request, form, found.name, back, 409, conflict=str(stale))
        return redirect(back)
    status = 400 if request.method == "POST" and "refresh" not in request.POST else 200
    return _build_page(request, form, found.name, back, status)


def _keep(found: Scenario, form: ScenarioForm) -> None:
    found.changes = form.cleaned_data["changes"]
    found.templates = list(form.cleaned_data.get("templates") or [])
    found.formulas = form.cleaned_data["formulas"]


def _build_page(
    request: HttpRequest,
    form: ScenarioForm,
    title: str,
    back: str,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "back": back,
        "conflict": conflict,
        "language": language(),
        "rows": [
            (
                group,
                group.title(language()),
                [(lever, field, lever.shown(language())) for lever, field in fields],
            )
            for group, fields in form.lever_rows()
        ],
        "crumbs": _crumbs(),
    }
    return render(request, "scenarios/build.html", context, status=status)


@require_POST
@requires("scenario.run")
def rule_check(request: HttpRequest) -> HttpResponse:
    """Live validation of a rule as it is typed (htmx): where the formula breaks, or that it
    reads."""
    row = request.POST.get("row", "0")
    row = row if row.isdigit() else "0"
    variable = request.POST.get(f"rule-{row}-variable", "")
    formula = request.POST.get(f"rule-{row}-formula", "")
    shipped = levers.shipped_templates("indonesia")
    chosen = tuple(t for t in shipped if t in request.POST.getlist("templates"))
    rules = levers.rules_with("indonesia", chosen)
    context: dict[str, Any] = {"row": row}
    if not variable or not formula.strip():
        context["waiting"] = True
    elif variable not in dict(levers.rewritable("indonesia", chosen)):
        context["message"] = _("Choose the rule this formula replaces.")
    else:
        problem = check_formula(rules, variable, formula)
        if problem is not None:
            context |= {
                "problem": problem,
                "caret": " " * (problem.column - 1) + "^",
                "message": problem_text(problem),
            }
        else:
            context["ok"] = True
    return render(request, "scenarios/_rule_check.html", context)


@never_cache
@require_GET
@requires("scenario.view")
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = load_scenario(request.user, pk)
    chosen = comparison.columns([found], True, language())
    context = {
        "scenario": found,
        "changes": _changes(found),
        "templates": _template_titles(found),
        "may_run": allowed(request.user, "scenario.run"),
        "may_publish": allowed(request.user, "scenario.publish"),
        "crumbs": _crumbs(),
        **jobs.shown(request.user, found.job),
        **_compared(chosen),
    }
    if found.job and found.job.state == JobState.FAILED and found.state != ScenarioState.DONE:
        context["failed"] = found.job.error
    return render(request, "scenarios/detail.html", context)


def _changes(found: Scenario) -> list[dict[str, Any]]:
    """Each changed parameter: its status-quo value, the scenario's, unit and reference."""
    period = found.period if found.period.isdigit() else "2025"
    known = {
        lever.path: lever
        for group in levers.groups(found.ruleset, period, tuple(found.templates))
        for lever in group.levers
    }
    out = []
    for path, value in (found.changes or {}).items():
        lever = known.get(path)
        new = math.inf if value is None else value
        out.append(
            {
                "path": path,
                "description": lever.described if lever else "",
                "before": lever.shown(language()) if lever else "–",
                "after": number(new, lever.unit if lever else "", language()),
                "reference": lever.cited if lever else "",
            }
        )
    return out


def _template_titles(found: Scenario) -> list[str]:
    shipped = levers.shipped_templates(found.ruleset)
    return [shipped[n].title(language()) if n in shipped else n for n in found.templates]


def _compared(chosen: list[comparison.Column]) -> dict[str, Any]:
    if not chosen:
        return {"columns": []}
    lang = language()
    scenarios = [c for c in chosen if c.scenario is not None]
    return {
        "columns": chosen,
        "sections": comparison.sections(chosen, lang),
        "charts": [(c, comparison.incidence_chart(c, lang)) for c in chosen],
        "maps": [(c, comparison.change_map(c, lang)) for c in scenarios],
        "districts": comparison.district_rows(scenarios),
        "scenario_columns": scenarios,
        "incidence_note": comparison.INCIDENCE_NOTE,
        "map_note": comparison.MAP_NOTE,
    }


@require_POST
@requires("scenario.run")
def scenario_run(request: HttpRequest, pk: int) -> HttpResponse:
    found = load_scenario(request.user, pk)
    back = reverse("scenarios:detail", args=[found.pk])
    if found.job and not found.job.finished:
        return refused(request, _("This scenario is already running."), back, nav=NAV)
    start_run(request, found, back)
    return redirect(back)


@require_POST
@requires("scenario.publish")
def scenario_publish(request: HttpRequest, pk: int) -> HttpResponse:
    found = load_scenario(request.user, pk)
    back = reverse("scenarios:detail", args=[found.pk])
    publish = not found.published
    if publish and not found.has_result:
        return refused(request, _("Run the scenario before publishing it."), back, nav=NAV)
    with transaction.atomic():  # the change and its audit event, or neither
        Scenario.objects.filter(pk=found.pk).update(published=publish)
        audit.record(request, "scenario_published" if publish else "scenario_withdrawn", found)
    return redirect(back)


@require_GET
@requires("scenario.view")
def scenario_reform(request: HttpRequest, pk: int) -> HttpResponse:
    """The reform file the scenario ran (or would run): ``sejahtera simulate --reform``."""
    from sejahtera.workbench.scenarios.forms import overlay_for

    found = load_scenario(request.user, pk)
    text = found.reform_text or overlay_for(found).text(levers.rules_with(found.ruleset))
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scenario-{found.pk}.yaml"'
    return response


def _chosen_for_comparison(request: HttpRequest) -> tuple[list[Scenario], bool, str]:
    ids = [int(v) for v in request.GET.getlist("scenario") if v.isdigit()]
    status_quo = request.GET.get("status_quo", "1" if not request.GET else "") == "1"
    found = {s.pk: s for s in visible_scenarios(request.user).filter(pk__in=ids)}
    chosen = [found[i] for i in dict.fromkeys(ids) if i in found]
    problem = ""
    if len(chosen) + (1 if status_quo else 0) > comparison.MAX_COLUMNS:
        problem = _(
            "Compare at most four columns: the status quo and three scenarios, or four scenarios."
        )
    elif any(not s.has_result for s in chosen):
        problem = _("Run every scenario before comparing it.")
    return chosen, status_quo, problem


@require_GET
@requires("scenario.view")
def compare(request: HttpRequest) -> HttpResponse:
    chosen, status_quo, problem = _chosen_for_comparison(request)
    ready = (
        visible_scenarios(request.user)
        .filter(state=ScenarioState.DONE)
        .select_related("dataset__dataset")
        .defer(*Scenario.HEAVY)
    )
    context: dict[str, Any] = {
        "ready": ready,
        "picked": {s.pk for s in chosen},
        "status_quo": status_quo,
        "problem": problem,
        "query": request.GET.urlencode(),
        "crumbs": _crumbs(),
        "same_base": comparison.same_base(chosen),
    }
    if chosen and not problem:
        context |= _compared(comparison.columns(chosen, status_quo, language()))
    return render(request, "scenarios/compare.html", context, status=400 if problem else 200)


@require_GET
@requires("scenario.view")
def compare_export(request: HttpRequest) -> HttpResponse:
    chosen, status_quo, problem = _chosen_for_comparison(request)
    format_ = request.GET.get("format", "xlsx")
    if problem or not chosen or format_ not in ("csv", "xlsx"):
        return refused(
            request,
            problem or _("Choose the scenarios to export, and CSV or XLSX."),
            reverse("scenarios:compare"),
            status=400,
            nav=NAV,
        )
    content, kind = comparison.export(
        comparison.columns(chosen, status_quo, language()), language(), format_
    )
    audit.record(
        request,
        "comparison_exported",
        format=format_,
        scenarios=[s.pk for s in chosen],
        status_quo=status_quo,
    )
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="scenarios.{format_}"'
    return response


@require_http_methods(["GET", "POST"])
@requires("scenario.run")
def budget(request: HttpRequest) -> HttpResponse:
    version = current_version()
    form = BudgetForm(
        request.POST if request.method == "POST" else None,
        initial={"dataset": version.pk if version else None, "period": "2025"},
    )
    if request.method == "POST" and form.is_valid():
        job = jobs.start(
            request,
            BUDGET,
            _("Budget mode: Rp%(amount)s a year more")
            % {"amount": f"{form.cleaned_data['amount']:,.0f}"},
            {
                "dataset": form.cleaned_data["dataset"].pk,
                "extra_rp": form.cleaned_data["amount"],
                "period": form.cleaned_data["period"],
            },
            subject=form.cleaned_data["dataset"],
        )
        link = reverse("scenarios:budget_result", args=[job.pk])
        Job.objects.filter(pk=job.pk).update(link=link)
        return redirect(link)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "crumbs": _crumbs()}
    return render(request, "scenarios/budget.html", context, status=status)


@never_cache
@require_GET
@requires("scenario.run")
def budget_result(request: HttpRequest, pk: int) -> HttpResponse:
    job = jobs.load_visible(request.user, pk, kind=BUDGET)
    result = job.result if job.state == JobState.DONE else None
    context = {"crumbs": _crumbs((reverse("scenarios:budget"), _("Budget mode"))), "job_row": job}
    context |= jobs.shown(request.user, job)
    if result:
        context |= _budget_shown(result, job.arguments)
    return render(request, "scenarios/budget_result.html", context)


def _budget_shown(result: dict[str, Any], arguments: dict[str, Any]) -> dict[str, Any]:
    lang = language()
    options = []
    for rank, option in enumerate(result["ranking"], start=1):
        best = option.get("best")
        options.append(
            {
                "rank": rank,
                "title": (option.get("label") or {}).get(lang) or option["option"],
                "best": best,
                "per_rupiah": option.get("gap_reduction_per_rupiah"),
                "frontier": option.get("frontier") or [],
                "cheapest": option.get("cheapest_rp"),
                "p0": None if not best else 100 * best["fgt0"],
            }
        )
    reached = [o for o in options if o["best"] is not None]
    cheapest = [o["cheapest"] for o in options if o["cheapest"] is not None]
    return {
        "extra": result["extra_rp"],
        "options": options,
        "none_fits": not reached,
        "cheapest": min(cheapest) if cheapest else None,
        "before": result.get("before") or {},
        "before_p0": 100 * (result.get("before") or {}).get("fgt0", 0.0),
    }


@require_http_methods(["GET", "POST"])
@requires("scenario.run")
def explain(request: HttpRequest, pk: int) -> HttpResponse:
    found = load_scenario(request.user, pk)
    form = ExplainForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        household = form.cleaned_data["household"]
        job = jobs.start(
            request,
            EXPLAIN,
            _("Household %(household)s in “%(name)s”")
            % {"household": household, "name": found.name},
            {"scenario": found.pk, "household": household},
            subject=found,
        )
        link = reverse("scenarios:explain_result", args=[found.pk, job.pk])
        Job.objects.filter(pk=job.pk).update(link=link)
        return redirect(link)
    status = 400 if request.method == "POST" else 200
    context = {
        "scenario": found,
        "form": form,
        "crumbs": _crumbs((reverse("scenarios:detail", args=[found.pk]), found.name)),
    }
    return render(request, "scenarios/explain.html", context, status=status)


@never_cache
@require_GET
@requires("scenario.run")
def explain_result(request: HttpRequest, pk: int, job: int) -> HttpResponse:
    found = load_scenario(request.user, pk)
    done = jobs.load_visible(request.user, job, kind=EXPLAIN)
    if done.object_id != str(found.pk):
        raise Http404
    context: dict[str, Any] = {
        "scenario": found,
        "crumbs": _crumbs((reverse("scenarios:detail", args=[found.pk]), found.name)),
        "form": ExplainForm(initial={"household": done.arguments.get("household", "")}),
        **jobs.shown(request.user, done),
    }
    if done.state == JobState.DONE and done.result:
        from sejahtera.workbench.scenarios.explained import shown

        context["explained"] = shown(done.result, language())
    return render(request, "scenarios/explain.html", context)
