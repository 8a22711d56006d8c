"""The REST API (django-ninja): token-authenticated, the same permissions as the pages.

Programmes, grievances, indicators (with their targets and the actuals the role may see),
datasets (``datasets/api.py``: the versions, uploading) and background jobs (``core/api.py``:
any job's state, progress and result).

OpenAPI at ``/api/openapi.json``. Send ``Authorization: Bearer <token>`` (``sejahtera manage
api_token USER``). Personal data is masked in every answer; there is no reveal over the API.
The interactive documentation page is off: it loads its script from a CDN.
"""

from __future__ import annotations

from datetime import datetime

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from sejahtera.workbench.core.api import REFUSED, Invalid, Refused
from sejahtera.workbench.core.api import require as _require
from sejahtera.workbench.core.api import router as jobs_router
from sejahtera.workbench.core.roles import role_of
from sejahtera.workbench.core.tokens import user_for
from sejahtera.workbench.datasets.api import router as datasets_router
from sejahtera.workbench.decisions.api import router as decisions_router
from sejahtera.workbench.evaluations.api import router as evaluations_router
from sejahtera.workbench.needs.api import router as needs_router
from sejahtera.workbench.scenarios.api import router as scenarios_router


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> object | None:
        user = user_for(token)
        if user is None:
            return None
        request.user = user  # the same checks as the pages
        if role_of(user) is None:
            return None
        return user


api = NinjaAPI(
    title="Sejahtera",
    version="1",
    description="Programmes, grievances, indicators, datasets and background jobs of the "
    "workbench.",
    auth=TokenAuth(),
    docs_url=None,
    openapi_url="/openapi.json",
    urls_namespace="api",
)


@api.exception_handler(DataError)
def unstorable(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database cannot hold or search for (PostgreSQL refuses a NUL character in
    text) is the request's mistake: 400, not a 500. Every operation taking text declares it."""
    message = _("A value in the request cannot be stored or searched for: %(error)s")
    return api.create_response(request, {"detail": message % {"error": exc}}, status=400)


class ProgrammeOut(Schema):
    code: str
    name: str
    objectives: str
    legal_basis: str
    owner_unit: str


class GrievanceOut(Schema):
    code: str
    channel: str
    category: str
    status: str
    programme: str | None
    region: str | None
    received_at: datetime
    due_at: datetime
    sensitive: bool
    name: str  # masked
    nik: str  # masked


@api.get("/programmes", response={200: list[ProgrammeOut], **REFUSED}, tags=["programmes"])
def programmes(request: HttpRequest) -> list[object]:
    from sejahtera.workbench.programmes.access import visible_programmes

    _require(request, "programme.view")
    return list(visible_programmes(request.user))


@api.get(
    "/grievances",
    response={200: list[GrievanceOut], 400: Refused, **REFUSED, 422: Invalid},
    tags=["grievances"],
)
def grievances(request: HttpRequest, status: str = "", limit: int = 100) -> list[dict]:
    from sejahtera.workbench.grievances.access import personal_data, visible

    _require(request, "grievance.view")
    found = visible(request.user)
    if status:
        found = found.filter(status=status)
    return [_grievance(g, personal_data(g)) for g in found[: max(1, min(limit, 1000))]]


@api.get(
    "/grievances/{code}",
    response={200: GrievanceOut, 400: Refused, **REFUSED, 404: Refused},
    tags=["grievances"],
)
def grievance(request: HttpRequest, code: str) -> dict:
    from sejahtera.workbench.grievances.access import personal_data, visible

    _require(request, "grievance.view")
    found = visible(request.user).filter(code=code.replace("-", "").upper()).first()
    if found is None:
        raise HttpError(404, "not found")
    return _grievance(found, personal_data(found))


def _grievance(g: object, person: object) -> dict:
    return {
        "code": g.code,  # type: ignore[attr-defined]
        "channel": g.channel,  # type: ignore[attr-defined]
        "category": g.category,  # type: ignore[attr-defined]
        "status": g.status,  # type: ignore[attr-defined]
        "programme": g.programme.code if g.programme else None,  # type: ignore[attr-defined]
        "region": g.region_id,  # type: ignore[attr-defined]
        "received_at": g.received_at,  # type: ignore[attr-defined]
        "due_at": g.due_at,  # type: ignore[attr-defined]
        "sensitive": g.sensitive,  # type: ignore[attr-defined]
        "name": person.name,  # type: ignore[attr-defined]
        "nik": person.nik,  # type: ignore[attr-defined]
    }


class TargetOut(Schema):
    period: str
    region: str | None
    value: float


class ActualOut(Schema):
    period: str
    region: str | None
    value: float
    status: str
    source: str


class IndicatorOut(Schema):
    programme: str
    code: str
    name: str
    unit: str
    direction: str
    baseline_value: float
    baseline_year: int
    targets: list[TargetOut]
    actuals: list[ActualOut]


@api.get(
    "/indicators", response={200: list[IndicatorOut], 400: Refused, **REFUSED}, tags=["indicators"]
)
def indicators(request: HttpRequest, programme: str = "") -> list[dict]:
    """The indicators of the programmes the role may see; a partner gets only the approved
    actuals and its own submissions, as on the pages."""
    from sejahtera.workbench.monev.access import visible_actuals
    from sejahtera.workbench.monev.models import Indicator
    from sejahtera.workbench.programmes.access import visible_programmes

    _require(request, "monev.view")
    found = Indicator.objects.select_related("result__programme").filter(
        result__programme__in=visible_programmes(request.user)
    )
    if programme:
        found = found.filter(result__programme__code=programme)
    return [
        {
            "programme": indicator.result.programme.code,
            "code": indicator.code,
            "name": indicator.name,
            "unit": indicator.unit,
            "direction": indicator.direction,
            "baseline_value": float(indicator.baseline_value),
            "baseline_year": indicator.baseline_year,
            "targets": [
                {"period": t.period, "region": t.region_id, "value": float(t.value)}
                for t in indicator.targets.all()
            ],
            "actuals": [
                {
                    "period": a.period,
                    "region": a.region_id,
                    "value": float(a.value),
                    "status": a.status,
                    "source": a.source,
                }
                for a in visible_actuals(request.user, indicator)
            ],
        }
        for indicator in found.order_by("result__programme__code", "code")
    ]


api.add_router("/datasets", datasets_router)
api.add_router("/jobs", jobs_router)
api.add_router("/needs", needs_router)
api.add_router("/scenarios", scenarios_router)
api.add_router("/evaluations", evaluations_router)
api.add_router("/decisions", decisions_router)
