"""The planning documents page: the RPKD's poverty-profile chapter from a dataset version and
the TKPK's yearly report (LP2KD) from the year's records, each made by a background job
(:mod:`.runs`) and downloaded from the page, audited. The office's staff read the page and
download; the head, analysts and officers make documents; a partner is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sejahtera.data.regions import registry
from sejahtera.workbench.core import audit, jobs
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.core.pages import refused
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.datasets.services import current_version
from sejahtera.workbench.documents.forms import Lp2kdForm, RpkdForm
from sejahtera.workbench.documents.runs import FORMATS, KINDS, LP2KD, RPKD, folder

SHOWN = 20  # the latest documents listed


def _region_name(code: str) -> str:
    names = registry()
    return names.name(code) if code in names else code


def _initial() -> tuple[dict[str, Any], dict[str, Any]]:
    version = current_version()
    if version is None:
        return {}, {}
    region = _region_name(version.dataset.region_code)
    rpkd: dict[str, Any] = {"version": version.pk}
    if version.reference_date is not None:  # the data's own year, as the command defaults
        rpkd["year"] = version.reference_date.year
    return rpkd, {"version": version.pk, "region": region}


def _recent(request: HttpRequest) -> list[Job]:
    found = Job.objects.filter(kind__in=KINDS).select_related("owner")
    if not allowed(request.user, "job.view_all"):
        found = found.filter(owner=request.user.pk)
    return list(found.order_by("-created_at", "-pk")[:SHOWN])


def _page(
    request: HttpRequest, rpkd: RpkdForm, lp2kd: Lp2kdForm, status: int = 200
) -> HttpResponse:
    context = {
        "rpkd": rpkd,
        "lp2kd": lp2kd,
        "recent": _recent(request),
        "may_make": allowed(request.user, "document.make"),
        "may_cancel": allowed(request.user, "job.cancel"),
        "has_versions": rpkd.fields["version"].queryset.exists(),
    }
    return render(request, "documents/index.html", context, status=status)


@never_cache
@require_GET
@requires("document.view")
def index(request: HttpRequest) -> HttpResponse:
    rpkd, lp2kd = _initial()
    return _page(request, RpkdForm(initial=rpkd), Lp2kdForm(initial=lp2kd))


@require_POST
@requires("document.make")
def make_rpkd(request: HttpRequest) -> HttpResponse:
    """Start the RPKD chapter of the chosen version; the page shows its progress."""
    form = RpkdForm(request.POST)
    if not form.is_valid():
        return _page(request, form, Lp2kdForm(initial=_initial()[1]), status=400)
    version = form.cleaned_data["version"]
    arguments = {
        "version": version.pk,
        "checksum": version.checksum,
        "year": form.cleaned_data["year"],
        "language": form.cleaned_data["language"],
        "format": form.cleaned_data["format"],
    }
    title = _("RPKD poverty profile %(year)s from %(version)s (%(format)s)") % {
        "year": arguments["year"],
        "version": version,
        "format": arguments["format"].upper(),
    }
    jobs.start(request, RPKD, title, arguments, subject=version, link=reverse("documents:index"))
    return redirect("documents:index")


@require_POST
@requires("document.make")
def make_lp2kd(request: HttpRequest) -> HttpResponse:
    """Start the LP2KD of the chosen year from the records; the page shows its progress."""
    form = Lp2kdForm(request.POST)
    if not form.is_valid():
        return _page(request, RpkdForm(initial=_initial()[0]), form, status=400)
    version = form.cleaned_data["version"]
    arguments = {
        "version": version.pk if version else None,
        "checksum": version.checksum if version else "",
        "year": form.cleaned_data["year"],
        "language": form.cleaned_data["language"],
        "format": form.cleaned_data["format"],
        "region": form.cleaned_data["region"],
        "office": form.cleaned_data["office"],
        "problems": form.lines("problems"),
        "recommendations": form.lines("recommendations"),
    }
    title = _("LP2KD %(region)s %(year)s (%(format)s)") % {
        "region": arguments["region"],
        "year": arguments["year"],
        "format": arguments["format"].upper(),
    }
    jobs.start(request, LP2KD, title, arguments, link=reverse("documents:index"))
    return redirect("documents:index")


@never_cache
@require_GET
@requires("document.view")
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """A made document the user sees (its own; the office's for the office's staff, as jobs are
    seen), audited; 410 once its file is gone."""
    job = jobs.load_visible(request.user, pk, kind__in=KINDS, state=JobState.DONE)
    result = job.result or {}
    form = result.get("format", "")
    path = folder() / Path(str(result.get("file", ""))).name
    if form not in FORMATS or not path.is_file():
        message = _("This document's file is no longer kept. Make the document again.")
        return refused(request, message, reverse("documents:index"), status=410)
    audit.record(
        request, "document_downloaded", None, job=job.pk, kind=result.get("kind"), format=form,
        year=result.get("year"), checksum=result.get("checksum", ""),
    )  # fmt: skip
    name = f"{result.get('kind', 'document')}-{slugify(result.get('title', ''))[:60]}.{form}"
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type=FORMATS[form]
    )
