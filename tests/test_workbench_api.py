"""The REST API: OpenAPI at /api/openapi.json, bearer tokens, the pages' permissions, no
personal data in the clear."""

from __future__ import annotations

import pytest
from django.test import Client

from sejahtera.workbench.core.models import ApiToken
from sejahtera.workbench.core.tokens import issue
from sejahtera.workbench.grievances.models import Grievance
from sejahtera.workbench.programmes.models import Programme
from workbench_datasets import registered
from workbench_users import new_programme, user_with

pytestmark = pytest.mark.django_db
NIK = "3404130101900001"


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver"]


def token_for(role: str | None, organisation: str = "") -> str:
    return issue(user_with(role, organisation))


def get(path: str, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().get(path, **headers)


@pytest.fixture
def data() -> dict[str, object]:
    ours = new_programme("ours", "Ours", ("Mitra A",))
    theirs = new_programme("theirs", "Theirs")
    made = {}
    for key, programme, sensitive in (("ours", ours, False), ("theirs", theirs, False),
                                      ("secret", ours, True)):  # fmt: skip
        made[key] = Grievance.objects.create(
            channel="web",
            category="misconduct" if sensitive else "payment",
            description="Bantuan belum cair.",
            programme=programme,
            sensitive=sensitive,
            name="Siti Contoh",
            nik=NIK,
        )
    return made


def test_the_schema_is_published() -> None:
    schema = Client().get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/programmes", "/api/grievances", "/api/datasets"} <= set(paths)
    schemes = schema.json()["components"]["securitySchemes"].values()
    assert [s["scheme"] for s in schemes] == ["bearer"]


def test_no_token_a_wrong_one_a_revoked_one_or_no_role_is_refused(data) -> None:
    assert get("/api/programmes").status_code == 401
    assert get("/api/programmes", "not-a-real-token-at-all").status_code == 401
    token = token_for("analyst")
    assert get("/api/programmes", token).status_code == 200
    ApiToken.objects.update(revoked=True)
    assert get("/api/programmes", token).status_code == 401
    assert get("/api/programmes", token_for(None)).status_code == 401


def test_the_same_visibility_as_the_pages_and_masked_personal_data(data) -> None:
    def codes(token: str) -> set[str]:
        answer = get("/api/grievances", token)
        assert answer.status_code == 200
        for row in answer.json():
            assert row["nik"] != NIK and row["nik"].endswith(NIK[-4:])
            assert row["name"] != "Siti Contoh"
        return {row["code"] for row in answer.json()}

    every = {g.code for g in data.values()}  # type: ignore[attr-defined]
    assert codes(token_for("kepala")) == every
    assert codes(token_for("auditor")) == every
    secret = data["secret"].code  # type: ignore[attr-defined]
    assert codes(token_for("analyst")) == every - {secret}
    partner = token_for("partner", "Mitra A")
    assert codes(partner) == {data["ours"].code}  # type: ignore[attr-defined]
    assert [p["code"] for p in get("/api/programmes", partner).json()] == ["ours"]
    theirs = data["theirs"].code  # type: ignore[attr-defined]
    assert get(f"/api/grievances/{theirs}", partner).status_code == 404


def test_wrong_method_and_invalid_input(data) -> None:
    token = token_for("officer")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert Client().post("/api/programmes", **headers).status_code == 405
    assert Client().get("/api/grievances?limit=many", **headers).status_code == 422
    assert get("/api/grievances/NO-SUCH-CODE", token).status_code == 404


def test_an_api_client_chooses_its_language_with_accept_language() -> None:
    """The pages stay Indonesian whatever the browser says; an API client has no language
    button, so its Accept-Language decides (Indonesian when it names neither language)."""
    token, version = token_for("analyst"), registered()

    def refusal(language: str | None) -> str:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if language:
            headers["HTTP_ACCEPT_LANGUAGE"] = language
        answer = Client().get(f"/api/needs/{version.pk}?indicator=p9", **headers)
        assert answer.status_code == 400
        return answer.json()["detail"]

    english, indonesian = refusal("en-GB,en;q=0.9"), refusal("id")
    assert english != indonesian
    assert refusal(None) == indonesian == refusal("fr")
    page = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="id"' in page.content.decode()


def test_indicators_with_targets_and_the_actuals_each_role_may_see() -> None:
    from decimal import Decimal

    from sejahtera.workbench.monev.models import Actual, Indicator, ResultNode, Target

    ours = new_programme("ours", "Ours", ("Mitra A",))
    theirs = Programme.objects.create(code="theirs", name="Theirs")
    made = {}
    for programme in (ours, theirs):
        impact = ResultNode.objects.create(programme=programme, level="impact", statement="x")
        made[programme.code] = Indicator.objects.create(
            result=impact, code=f"{programme.code}-1", name="Cukup pangan", definition="FCS",
            unit="%", baseline_value=Decimal("60"), baseline_year=2024,
        )  # fmt: skip
    Target.objects.create(indicator=made["ours"], period="2025", value=Decimal("70"))
    for status in ("approved", "submitted"):
        Actual.objects.create(
            indicator=made["ours"], period="2025", value=Decimal("65"), status=status,
            source="survei",
        )  # fmt: skip
    every = get("/api/indicators", token_for("analyst")).json()
    assert [i["code"] for i in every] == ["ours-1", "theirs-1"]
    first = every[0]
    assert first["targets"] == [{"period": "2025", "region": None, "value": 70.0}]
    assert sorted(a["status"] for a in first["actuals"]) == ["approved", "submitted"]
    partner = get("/api/indicators", token_for("partner", "Mitra A")).json()
    assert [i["code"] for i in partner] == ["ours-1"]
    assert [a["status"] for a in partner[0]["actuals"]] == ["approved"]  # not others' drafts
    assert get("/api/indicators?programme=theirs", token_for("kepala")).json()[0]["code"] == (
        "theirs-1"
    )
