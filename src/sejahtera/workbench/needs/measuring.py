"""Measuring in the background: a query's figures are computed once by a job (kind
``needs.measure``) and kept in :class:`~.models.Figures`; pages and the API read them.

Measuring 100,000 households by desa takes a few seconds (``benchmarks/needs_explorer.py``),
too long for a request: the first request for a query starts the job and shows its progress;
the next finds the figures. A failed job is shown with its message and is started again only
when someone asks (:func:`restart`), not on every visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from sejahtera.workbench.core import jobs
from sejahtera.workbench.core.jobs import Progress, kind
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.needs.figures import LEVEL_LABELS, Query, compute
from sejahtera.workbench.needs.labels import label
from sejahtera.workbench.needs.models import Figures

KIND = "needs.measure"


@kind(KIND)
def measure(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    query = Query.from_dict(arguments)
    version = services.version(query.version)
    progress.step(0.05, _("Reading %(version)s") % {"version": version})
    rows = compute(services.folder_of(version), query)
    with progress.last_step(0.95, _("Keeping the figures")):
        Figures.objects.update_or_create(version=version, key=query.key, defaults={"rows": rows})
    return {"version": version.pk, "key": query.key, "rows": len(rows)}


@dataclass(frozen=True)
class Found:
    """What a page shows for a query: its rows once measured, else the job measuring them."""

    rows: list[dict[str, Any]] | None
    job: Job | None


def cached(query: Query) -> list[dict[str, Any]] | None:
    found = Figures.objects.filter(version_id=query.version, key=query.key).first()
    return None if found is None else found.rows


def figures(request: HttpRequest, version: DatasetVersion, query: Query) -> Found:
    """The rows of ``query``; when they are not measured yet, the job measuring them (started
    now unless one is queued or running, or the last one failed)."""
    rows = cached(query)
    if rows is not None:
        return Found(rows, None)
    last = last_job(version, query)
    if last is None or last.state in (JobState.DONE, JobState.CANCELLED):
        last = start(request, version, query)
    return Found(cached(query), last)


def restart(request: HttpRequest, version: DatasetVersion, query: Query) -> Job | None:
    """Measure ``query`` again after a failure (nothing to do when it is measured or
    measuring)."""
    if cached(query) is not None:
        return None
    last = last_job(version, query)
    if last is not None and not last.finished:
        return last
    return start(request, version, query)


def last_job(version: DatasetVersion, query: Query) -> Job | None:
    return (
        Job.objects.filter(
            kind=KIND,
            object_type=type(version).__name__,
            object_id=str(version.pk),
            arguments__key=query.key,
        )
        .order_by("-pk")
        .first()
    )


def start(request: HttpRequest, version: DatasetVersion, query: Query) -> Job:
    from django.urls import reverse

    title = _("Needs: %(indicator)s by %(level)s, %(version)s") % {
        "indicator": label(query.indicator),
        "level": str(LEVEL_LABELS[query.level]).lower(),
        "version": version,
    }
    arguments = {**query.to_dict(), "key": query.key}
    link = f"{reverse('needs:explorer')}?{address(query)}"
    return jobs.start(request, KIND, title, arguments, subject=version, link=link)


def address(query: Query) -> str:
    """The query as the explorer's parameters (``version=3&indicator=fgt0&…``)."""
    from urllib.parse import urlencode

    given = {"version": query.version, "indicator": query.indicator, "level": query.level}
    return urlencode({**given, **{c: v for c, v in query.filters if v}})
