"""The public landing page, signing in and out, the dashboard, the needs profile, and the pages
of background jobs."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.workbench.core import audit, jobs, ratelimit
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.core.pages import refused
from sejahtera.workbench.core.policy import requires
from sejahtera.workbench.core.profiles import CONTENT_TYPES, configured_profiles, dataset_summary
from sejahtera.workbench.core.roles import role_of


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
    error, status, username = "", 200, ""
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        password = request.POST.get("password", "")
        address = audit.client_address(request)
        account = f"user:{username.lower()}"
        if ratelimit.exceeded("login", account, f"address:{address or '-'}"):
            error, status = _("Too many failed attempts. Wait 15 minutes and try again."), 429
            audit.record(request, "login_blocked", attempted=username)
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                ratelimit.count("login", account, f"address:{address or '-'}")
                error, status = _("Wrong username or password."), 401
                audit.record(request, "login_failed", attempted=username)
            else:
                ratelimit.clear("login", account)
                login(request, user)
                audit.record(request, "login")
                target = request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                    target = "/dashboard/"
                return redirect(target or "/dashboard/")
    return render(request, "core/login.html", {"error": error, "username": username}, status=status)


@require_GET
def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The administration pages' sign-in: the workbench's own, then back; an account that is
    signed in but not staff may not go there (403)."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next", "/admin/"))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(request, "logout")
    logout(request)
    return redirect("/")


@require_GET
@requires("dashboard.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "core/dashboard.html", {"role": role_of(request.user)})


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


def _load_job(request: HttpRequest, pk: int) -> Job:
    job = get_object_or_404(Job.objects.select_related("owner"), pk=pk)
    if not jobs.visible(request.user, job):
        raise PermissionDenied
    return job


@never_cache
@require_GET
@requires("job.view")
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's progress, polled by the page itself (htmx) until it ends, then its outcome."""
    job = _load_job(request, pk)
    response = render(request, "core/job.html", jobs.shown(request.user, job))
    if job.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the polling page shows the outcome (a cycle's list)
    return response


@never_cache
@require_GET
@requires("job.view")
def job_json(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(jobs.as_json(_load_job(request, pk)))


@require_POST
@requires("job.cancel")
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _load_job(request, pk)
    back = job.link or reverse("core:job", args=[job.pk])  # the page of the job's record
    if not jobs.cancel(request, job):
        return refused(request, _("This job has already ended: there is nothing to cancel."), back)
    return redirect(back)
