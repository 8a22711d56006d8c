"""The REST API against its own OpenAPI description (schemathesis): for every operation, requests
generated from /api/openapi.json as the app serves it, sent in-process (WSGI) with a token for
each role, with none and with a bad one. No answer is a 5xx, every status code is one the
operation documents, and every body has the documented content type and matches its schema."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.core.tokens import issue
from sejahtera.workbench.grievances.models import Grievance
from sejahtera.workbench.monev.models import Actual, Indicator, ResultNode, Target
from workbench_datasets import registered
from workbench_users import new_programme, user_with

pytestmark = pytest.mark.django_db
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Few examples per operation, the same ones every run, no shrinking: a smoke test of every
# operation × credential in seconds, not a search.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 15,
        "generation": {
            "mode": "positive",
            "max-examples": 5,
            "no-shrink": True,
            "allow-x00": True,  # NUL characters, which PostgreSQL refuses in text
            "deterministic": True,
            "with-security-parameters": False,  # the test sends each credential itself
        },
        "phases": {
            "examples": {"enabled": True},
            "fuzzing": {"enabled": True},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
    }
)


@pytest.fixture(autouse=True)
def _one_connection() -> Iterator[None]:
    """Django closes the database connection around each request (the test client stops it):
    the WSGI app must keep the test's connection, whose transaction holds the test's data (on
    PostgreSQL, closing it loses them)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def office(settings, tmp_path) -> dict[str, str]:
    """Something for every list to show, and the credentials: a token for a user of each role
    (the partner speaks for the programme's partner), none, and one that is no token."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    programme = new_programme("pkh-daerah", "PKH Daerah", ("Mitra A",))
    Grievance.objects.create(
        channel="web", category="payment", description="Bantuan belum cair.",
        programme=programme, name="Siti Contoh", nik="3404130101900001",
    )  # fmt: skip
    impact = ResultNode.objects.create(programme=programme, level="impact", statement="x")
    indicator = Indicator.objects.create(
        result=impact, code="iku-1", name="Cukup pangan", definition="FCS", unit="%",
        baseline_value=Decimal("60"), baseline_year=2024,
    )  # fmt: skip
    Target.objects.create(indicator=indicator, period="2025", value=Decimal("70"))
    Actual.objects.create(
        indicator=indicator, period="2025", value=Decimal("65"), status="approved", source="x"
    )
    registered()
    credentials = {
        role.value: f"Bearer {issue(user_with(role, 'Mitra A' if role == Role.PARTNER else ''))}"
        for role in Role
    }
    return credentials | {"none": "", "bad": "Bearer not-a-token-of-this-office-at-all"}


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(), config=CONFIG)


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # set up once, then read
def test_every_answer_matches_the_schema(case, office) -> None:
    for who, credential in office.items():
        headers = {"Authorization": credential} if credential else {}
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except Exception as failure:
            failure.add_note(f"sent as: {who}")
            raise


def documented(method: str, path: str) -> set[int]:
    """The status codes /api/openapi.json lists for ``method`` ``path``."""
    paths = Client().get("/api/openapi.json").json()["paths"]
    return {int(code) for code in paths[path][method.lower()]["responses"]}


NO_SUCH = 987654321
# What the generated requests found undocumented (or a 5xx, or an HTML page): each answer
# below was one the operation did not declare. (method, documented path, sent path, who, body)
ODD = [
    ("GET", "/api/programmes", "/api/programmes", "none", None, 401),
    ("GET", "/api/scenarios", "/api/scenarios", "bad", None, 401),
    ("GET", "/api/datasets", "/api/datasets", "partner", None, 403),
    ("GET", "/api/evaluations", "/api/evaluations", "partner", None, 403),
    ("GET", "/api/jobs/{job_id}", f"/api/jobs/{NO_SUCH}", "kepala", None, 404),
    ("GET", "/api/needs/{version_id}", f"/api/needs/{NO_SUCH}", "kepala", None, 404),
    ("GET", "/api/grievances/{code}", "/api/grievances/NO-SUCH", "kepala", None, 404),
    ("GET", "/api/evaluations/{evaluation_id}", "/api/evaluations/-5", "kepala", None, 404),
    ("GET", "/api/grievances", "/api/grievances?limit=many", "kepala", None, 422),
    ("POST", "/api/datasets", "/api/datasets", "analyst", {"mapping": "x"}, 422),
    ("POST", "/api/evaluations/tables", "/api/evaluations/tables", "analyst", {}, 422),
    ("POST", "/api/scenarios", "/api/scenarios", "analyst", {}, 422),
]


@pytest.mark.parametrize(("method", "path", "sent", "who", "body", "status"), ODD)
def test_each_refusal_is_a_documented_json_answer(
    office, method: str, path: str, sent: str, who: str, body: dict | None, status: int
) -> None:
    headers = {"HTTP_AUTHORIZATION": office[who]} if office[who] else {}
    if method == "GET":
        answer = Client().get(sent, **headers)
    elif sent == "/api/scenarios":
        answer = Client().post(sent, body, content_type="application/json", **headers)
    else:
        files = {"households": SimpleUploadedFile("rt.csv", b"a\n1\n")} if "mapping" in body else {}
        answer = Client().post(sent, body | files, **headers)
    assert answer.status_code == status
    assert answer["Content-Type"].startswith("application/json")
    assert "detail" in answer.json()
    assert status in documented(method, path)


@pytest.mark.parametrize(
    ("path", "sent"),
    [
        ("/api/grievances", "/api/grievances?status=%00"),
        ("/api/grievances/{code}", "/api/grievances/%00"),
        ("/api/indicators", "/api/indicators?programme=%00"),
    ],
)
def test_a_nul_character_is_no_server_error(office, path: str, sent: str) -> None:
    """PostgreSQL refuses NUL in text: that was a 500 there; now a documented 400 (SQLite
    searches for it and finds nothing)."""
    answer = Client().get(sent, HTTP_AUTHORIZATION=office["kepala"])
    assert answer.status_code < 500 and answer.status_code in documented("GET", path)
    assert answer["Content-Type"].startswith("application/json")
