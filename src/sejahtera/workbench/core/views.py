"""The public landing page, signing in and out, the dashboard, the needs profile, and the pages
of background jobs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.data.regions import registry
from sejahtera.workbench.core import audit, jobs, poverty, ratelimit, twofactor
from sejahtera.workbench.core import dashboard as board
from sejahtera.workbench.core.forms import DashboardForm
from sejahtera.workbench.core.middleware import SIGNED_OUT
from sejahtera.workbench.core.navigation import resolves
from sejahtera.workbench.core.pages import refused
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.core.profiles import CONTENT_TYPES, configured_profiles, dataset_summary
from sejahtera.workbench.datasets.models import DatasetVersion


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """For everyone: what this is, the grievance form, published results, signing in."""
    profiles = configured_profiles()
    language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in profiles else None
    return render(
        request,
        "core/home.html",
        {
            "summary": dataset_summary(),
            "profile_language": language or next(iter(profiles), None),
        },
    )


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """The password; then, for the head and administrators, the second factor (twofactor.py).
    Failures are limited per account and address and per address (ratelimit.py), never per
    account alone: someone failing elsewhere does not keep the owner out."""
    error, status, username = "", 200, ""
    notice = ""
    if request.session.pop(SIGNED_OUT, "") == "idle":
        notice = _(
            "You were signed out after %(minutes)s minutes without using the workbench, to "
            "protect the data. Sign in again."
        ) % {"minutes": settings.SESSION_IDLE_MINUTES}
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        password = request.POST.get("password", "")
        address = audit.client_address(request)
        if ratelimit.sign_in_refused(username, address):
            error, status = _("Too many failed attempts. Wait 15 minutes and try again."), 429
            audit.record(request, "login_blocked", attempted=username)
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                ratelimit.sign_in_failed(username, address)
                error, status = _("Wrong username or password."), 401
                audit.record(request, "login_failed", attempted=username)
            else:
                with transaction.atomic():  # signed in and audited, or neither
                    login(request, user)
                    audit.record(request, "login")
                target = request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                    target = "/dashboard/"
                if twofactor.ask_at_sign_in(request, user):  # failures forgotten after the code
                    return redirect(twofactor.next_step(user, target or "/dashboard/"))
                ratelimit.sign_in_succeeded(username, address)
                return redirect(target or "/dashboard/")
    context = {"error": error, "username": username, "notice": notice}
    return render(request, "core/login.html", context, status=status)


@require_GET
def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The administration pages' sign-in: the workbench's own, then back; an account that is
    signed in but not staff may not go there (403)."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next", "/admin/"))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():  # signed out and audited, or neither
        if request.user.is_authenticated:
            audit.record(request, "logout")
        logout(request)
    return redirect("/")


@require_GET
@requires("dashboard.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    """The head's dashboard: poverty, budget realisation, monitoring, grievances and follow-ups
    of what the user may see (see core/dashboard.py and core/poverty.py)."""
    user, today = request.user, timezone.localdate()
    version = poverty.shown_dataset() if allowed(user, "needs.view") else None
    headline = poverty.ensure(request, version) if version is not None else None
    figures = headline.figures if headline is not None else None
    years = board.budget_years(user)
    choices = request.GET.copy()
    if figures is None:  # no kabupaten to choose among yet: the whole region, computing
        choices.pop("kabupaten", None)
    form = DashboardForm(
        choices or None,
        regencies=poverty.regencies(figures) if figures else [],
        years=years,
        whole=_("Whole region"),
    )
    area = form.chosen("kabupaten") or poverty.WHOLE
    region = version.dataset.region_code if version is not None else ""
    year = form.chosen("year") or board.default_year(years, today)
    context: dict[str, object] = {
        "form": form,
        "version": version,
        "headline": headline,
        "area": area,
        "area_name": _area_name(area or region),
        "needs_link": _needs_link(request, version),
    }
    if figures is not None:
        context["figures"] = poverty.area_figures(figures, area, region)
        context["map"] = mark_safe(poverty.kecamatan_map(figures, area))  # maps.py escapes texts
    if headline is not None and headline.job is not None:
        context.update(jobs.shown(user, headline.job))
    if allowed(user, "programme.view"):
        realisation = board.budget_realisation(user, year, years)
        context["realisation"] = realisation
        context["chart"] = mark_safe(board.realisation_chart(realisation))  # charts.py escapes
        context["quarters"] = board.QUARTERS
    if allowed(user, "monev.view"):
        context["tracking"] = board.tracking(user)
    if allowed(user, "grievance.view"):
        context["grievances"] = board.grievances(user)
    if allowed(user, "consultation.view"):
        context["follow_ups"] = board.follow_ups(user, today)
        context["due_soon_days"] = board.DUE_SOON_DAYS
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "core/dashboard.html", context, status=status)


def _area_name(code: str) -> str:
    """The region's name, "" when the registry does not know the code."""
    names = registry()
    return names.name(code) if code and code in names else ""


def _needs_link(request: HttpRequest, version: DatasetVersion | None) -> str:
    """Where the poverty tile leads: the needs explorer once it exists, else the needs profile
    in the page's language, else the page of the dataset version the figures come from."""
    if version is None:
        return ""
    if resolves("/needs/"):
        return "/needs/"
    profiles = configured_profiles()
    if profiles:
        language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in profiles else None
        return f"/profile/{language or next(iter(profiles))}/"
    return reverse("datasets:version", args=[version.pk])


@require_POST
@requires("dashboard.view")
def dashboard_poverty(request: HttpRequest) -> HttpResponse:
    """Compute the poverty figures again after the job that computed them failed."""
    version = poverty.shown_dataset() if allowed(request.user, "needs.view") else None
    if version is None:
        return refused(request, _("There is no dataset to measure yet."), "/dashboard/")
    if poverty.restart(request, version) is None:
        message = _("The figures are there or being computed: there is nothing to start.")
        return refused(request, message, "/dashboard/")
    return redirect("core:dashboard")


@require_GET
def profile_file(request: HttpRequest, language: str, name: str = "index.html") -> HttpResponse:
    files = configured_profiles().get(language, {})
    path = files.get(name)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), content_type=CONTENT_TYPES[path.suffix])
    # The profile page is self-contained: no script, inline styles only.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


# Background jobs


@never_cache
@require_GET
@requires("job.view")
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's progress, polled by the page itself (htmx) until it ends, then its outcome."""
    job = jobs.load_visible(request.user, pk)
    response = render(request, "core/job.html", jobs.shown(request.user, job))
    if job.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the polling page shows the outcome (a cycle's list)
    return response


@never_cache
@require_GET
@requires("job.view")
def job_json(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(jobs.as_json(jobs.load_visible(request.user, pk)))


@require_POST
@requires("job.cancel")
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = jobs.load_visible(request.user, pk)
    back = job.link or reverse("core:job", args=[job.pk])  # the page of the job's record
    if not jobs.cancel(request, job):
        return refused(request, _("This job has already ended: there is nothing to cancel."), back)
    return redirect(back)
