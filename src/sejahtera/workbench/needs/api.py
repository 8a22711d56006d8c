"""``GET /api/needs/{version_id}?indicator=…&by=…``: the explorer's figures as rows with the
fields of ``sejahtera measure --json`` (``sejahtera mpi --json`` for mpi_H and mpi_M0), then
each area's ``name`` and ``reliability`` flag.

``by`` is a level (``district_code`` or ``kecamatan``; ``regency_code``/``kabupaten``,
``village_code``/``desa``), optionally followed by group columns (``district_code,urban``);
a group parameter (``urban=true``) keeps one group. Figures not measured yet are measured by a
background job: the answer is then 202 with the job's id (``GET /api/jobs/{id}``); ask again
when it is done.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from sejahtera.workbench.core.api import REFUSED, Refused, require
from sejahtera.workbench.core.models import JobState
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.needs.figures import BadQuery, parse
from sejahtera.workbench.needs.measuring import figures, restart

router = Router(tags=["needs"])


class NeedsOut(Schema):
    version: int
    indicator: str
    by: list[str]
    state: str  # done, or the measuring job's state
    job: int | None  # the job measuring the figures, while they are not ready
    rows: list[dict[str, Any]]


@router.get(
    "/{version_id}",
    response={200: NeedsOut, 202: NeedsOut, 400: Refused, **REFUSED, 404: Refused, 422: Refused},
)
def needs(
    request: HttpRequest, version_id: int, indicator: str = "fgt0", by: str = "district_code"
) -> Status:
    """One indicator of a dataset version by area (and group): see the module."""
    require(request, "needs.view")
    try:
        version = services.version(version_id)
    except DatasetVersion.DoesNotExist:
        raise HttpError(404, f"no dataset version {version_id}") from None
    params = {**request.GET.dict(), "indicator": indicator, "by": by}
    params.pop("level", None)
    try:
        query = parse(version.pk, params)
    except BadQuery as bad:
        raise HttpError(400, str(bad)) from None
    found = figures(request, version, query)
    if found.rows is None and found.job is not None and found.job.state == JobState.FAILED:
        restart(request, version, query)  # a caller has no button to press: try once more
        found = figures(request, version, query)
        if found.job is not None and found.job.state == JobState.FAILED:
            raise HttpError(422, found.job.error or found.job.message)
    answer = {"version": version.pk, "indicator": query.indicator, "by": query.by}
    if found.rows is None:
        job = found.job
        state = job.state if job is not None else "queued"
        return Status(202, {**answer, "state": state, "job": job.pk if job else None, "rows": []})
    return Status(200, {**answer, "state": "done", "job": None, "rows": found.rows})
