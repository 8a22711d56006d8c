"""What every router of the REST API shares: :func:`require`; :class:`Refused` and the refusals
every operation documents (:data:`REFUSED`); :class:`Invalid`, a request it could not read.
And the jobs router: ``GET /api/jobs/{job_id}`` for any kind of background job the token's user
may see."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from sejahtera.workbench.core import jobs
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.core.policy import allowed


class Refused(Schema):
    detail: str  # what was refused and why


class Invalid(Schema):
    """A request the API could not read (422): a field missing, or not of its type."""

    detail: list[dict[str, Any]]  # each problem: type, loc (where: "form", "dataset"), msg


# What any operation may answer before its own work: 401 without a valid token (or for an
# account without a role), 403 for a role that may not. Each operation declares them with its
# own answers, ``response={200: X, **REFUSED, 404: Refused}``, so /api/openapi.json lists every
# status code a client can get.
REFUSED: dict[int, type[Refused]] = {401: Refused, 403: Refused}


def require(request: HttpRequest, action: str) -> None:
    """403 unless the token's user may do ``action`` (:mod:`~.core.policy`)."""
    if not allowed(request.user, action):
        raise HttpError(403, "not allowed for this role")


router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float  # 0–1
    message: str
    result: Any = None  # the work's result, once done
    error: str  # why it failed (never a traceback: ``reference`` names the log entry)
    reference: str
    link: str  # the page of the record it works on


@router.get("/{job_id}", response={200: JobOut, **REFUSED, 404: Refused})
def job(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """A job's state, progress (0–1) and message; its result once done, its error once
    failed. One's own jobs, or the office's with ``job.view_all``; any other is not found."""
    require(request, "job.view")
    found = Job.objects.select_related("owner").filter(pk=job_id).first()
    if found is None or not jobs.visible(request.user, found):
        raise HttpError(404, "not found")
    return jobs.as_json(found)
