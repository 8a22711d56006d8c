"""Monitoring in the workbench: results frameworks, indicators, targets, actuals through
submitted → verified → approved (approved ones locked), and the progress dashboard.

Every view: the normal case, each role that must not see or change it, anonymous visitors, the
wrong HTTP method and invalid input; optimistic locking; maker-checker; a partner's isolation."""

from __future__ import annotations

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.grievances.models import Grievance
from sejahtera.workbench.monev import progress
from sejahtera.workbench.monev.models import (
    Actual,
    Indicator,
    Locked,
    ResultNode,
    Status,
    Target,
)
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.regions.models import Region
from workbench_users import new_programme, signed_in

pytestmark = pytest.mark.django_db
STAFF = ("kepala", "analyst", "officer", "auditor")


@pytest.fixture
def world(settings) -> SimpleNamespace:
    settings.ALLOWED_HOSTS = ["testserver"]
    food = new_programme("pangan", "Bantuan Pangan", ("Yayasan A",))
    school = new_programme("beasiswa", "Beasiswa Desa", ("Yayasan B",))
    diy = Region.objects.create(code="34", name="DI Yogyakarta", level="province")
    bantul = Region.objects.create(code="34.02", name="Bantul", level="regency", parent=diy)
    impact = ResultNode.objects.create(programme=food, level="impact", statement="Rawan turun")
    outcome = ResultNode.objects.create(
        programme=food, level="outcome", parent=impact, statement="Konsumsi cukup"
    )
    fcs = Indicator.objects.create(
        result=outcome,
        code="P-1",
        name="Konsumsi pangan cukup",
        definition="Persentase rumah tangga dengan FCS > 35",
        unit="%",
        baseline_value=Decimal("60"),
        baseline_year=2024,
    )
    school_impact = ResultNode.objects.create(
        programme=school, level="impact", statement="Putus sekolah turun"
    )
    dropouts = Indicator.objects.create(
        result=school_impact,
        code="B-1",
        name="Angka putus sekolah",
        definition="Persentase",
        unit="%",
        direction="lower",
        baseline_value=Decimal("10"),
        baseline_year=2024,
    )
    target = Target.objects.create(indicator=fcs, period="2025", region=bantul, value=80)
    return SimpleNamespace(
        food=food,
        school=school,
        bantul=bantul,
        impact=impact,
        outcome=outcome,
        fcs=fcs,
        dropouts=dropouts,
        target=target,
        actual=Actual.objects.create(
            indicator=fcs, period="2025-Q2", region=bantul, value=65, source="Survei"
        ),
    )


def read_pages(w: SimpleNamespace) -> list[str]:
    return [
        "/monev/",
        "/monev/programmes/pangan/",
        "/monev/programmes/pangan/dashboard/",
        f"/monev/indicators/{w.fcs.pk}/",
    ]


def edit_pages(w: SimpleNamespace) -> list[str]:
    return [
        "/monev/programmes/pangan/results/new/",
        f"/monev/results/{w.outcome.pk}/edit/",
        f"/monev/results/{w.outcome.pk}/indicators/new/",
        f"/monev/indicators/{w.fcs.pk}/edit/",
        f"/monev/indicators/{w.fcs.pk}/targets/new/",
        f"/monev/targets/{w.target.pk}/edit/",
    ]


def report_pages(w: SimpleNamespace) -> list[str]:
    return [f"/monev/indicators/{w.fcs.pk}/actuals/new/", f"/monev/actuals/{w.actual.pk}/edit/"]


def review_urls(w: SimpleNamespace) -> dict[str, str]:
    return {
        step: f"/monev/actuals/{w.actual.pk}/{step}/" for step in ("verify", "approve", "reject")
    }


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("at", "pk").values_list("action", flat=True))


def reported(**change: object) -> dict[str, object]:
    return {"period": "2025-Q3", "region": "34.02", "value": "70", "source": "Survei"} | change


# Access


@pytest.mark.parametrize("role", STAFF)
def test_staff_read_every_page(world, role: str) -> None:
    client = signed_in(role)
    for url in read_pages(world):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in(world) -> None:
    client = Client()
    urls = read_pages(world) + edit_pages(world) + report_pages(world)
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url
    for url in [*urls[4:], *review_urls(world).values()]:
        assert client.post(url, {"version": 1})["Location"].startswith("/login/"), url
    assert not AuditEvent.objects.exists()


def test_an_account_without_a_role_sees_nothing(world) -> None:
    client = signed_in(None)
    for url in read_pages(world) + edit_pages(world) + report_pages(world):
        assert client.get(url).status_code == 403, url
    for url in review_urls(world).values():
        assert client.post(url, {"version": 1}).status_code == 403, url


@pytest.mark.parametrize("role", ["auditor", "partner"])
def test_auditors_and_partners_do_not_edit_frameworks(world, role: str) -> None:
    client = signed_in(role, "Yayasan A")
    for url in edit_pages(world):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"statement": "x", "version": 1}).status_code == 403, url
    assert ResultNode.objects.count() == 3 and not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["kepala", "analyst", "auditor"])
def test_only_officers_and_partners_report_actuals(world, role: str) -> None:
    client = signed_in(role)
    for url in report_pages(world):
        assert client.get(url).status_code == 403, url
        assert client.post(url, reported(version=1)).status_code == 403, url
    assert Actual.objects.count() == 1


@pytest.mark.parametrize(
    ("step", "refused"),
    [
        ("verify", ("kepala", "auditor", "partner")),
        ("approve", ("analyst", "officer", "auditor", "partner")),
        ("reject", ("auditor", "partner")),
    ],
)
def test_reviews_are_refused_to_other_roles(world, step: str, refused: tuple[str, ...]) -> None:
    for role in refused:
        answer = signed_in(role, "Yayasan A").post(
            review_urls(world)[step], {"version": 1, "reason": "x"}
        )
        assert answer.status_code == 403, role
    assert Actual.objects.get().status == Status.SUBMITTED and not AuditEvent.objects.exists()


def test_the_wrong_method_is_refused(world) -> None:
    client = signed_in("officer")
    for url in read_pages(world):
        assert client.post(url).status_code == 405, url
    for url in review_urls(world).values():
        assert client.get(url).status_code == 405, url
    for url in edit_pages(world) + report_pages(world):
        assert client.put(url).status_code == 405, url


def test_unknown_records_are_not_found(world) -> None:
    client = signed_in("kepala")
    for url in ("/monev/programmes/x/", "/monev/indicators/999/", "/monev/targets/999/edit/"):
        assert client.get(url).status_code == 404, url
    assert client.post("/monev/actuals/999/approve/", {"version": 1}).status_code == 404


# The results framework, indicators and targets


def test_the_framework_is_built_level_under_level(world) -> None:
    client = signed_in("analyst")
    url = "/monev/programmes/pangan/results/new/"
    data = {"level": "output", "parent": world.outcome.pk, "statement": "Paket tersalur"}
    assert client.post(url, {**data, "order": 1})["Location"] == "/monev/programmes/pangan/"
    output = ResultNode.objects.get(level="output")
    page = client.get("/monev/programmes/pangan/").text
    assert page.index("Rawan turun") < page.index("Konsumsi cukup") < page.index("Paket tersalur")
    assert "Dampak" in page and "Keluaran" in page
    edit = f"/monev/results/{output.pk}/edit/"
    assert (
        client.post(edit, {**data, "statement": "Paket", "order": 2, "version": 1}).status_code
        == 302
    )
    assert client.post(edit, {**data, "order": 3, "version": 1}).status_code == 409
    output.refresh_from_db()
    assert (output.statement, output.version) == ("Paket", 2)
    assert actions() == ["result_created", "result_changed"]


@pytest.mark.parametrize(
    "data",
    [
        {"level": "output", "parent": "impact"},  # an output sits under an outcome
        {"level": "outcome", "parent": ""},
        {"level": "impact", "parent": "impact"},
        {"level": "goal", "parent": ""},
        {"level": "outcome", "parent": "other"},  # another programme's impact
        {"level": "outcome", "parent": "impact", "statement": ""},
    ],
)
def test_an_invalid_result_is_refused(world, data: dict[str, str]) -> None:
    parents = {"impact": world.impact.pk, "other": world.dropouts.result_id, "": ""}
    data = {"statement": "x", "order": 1, **data, "parent": parents[data["parent"]]}
    answer = signed_in("officer").post("/monev/programmes/pangan/results/new/", data)
    assert answer.status_code == 400 and 'class="error"' in answer.text
    assert ResultNode.objects.count() == 3 and not AuditEvent.objects.exists()


def test_an_indicator_is_created_and_edited_with_its_version(world) -> None:
    client = signed_in("kepala")
    data = {
        "code": "P-2",
        "name": "Paket tepat waktu",
        "definition": "Persentase paket",
        "unit": "%",
        "direction": "higher",
        "baseline_value": "70",
        "baseline_year": 2024,
    }
    answer = client.post(f"/monev/results/{world.outcome.pk}/indicators/new/", data)
    made = Indicator.objects.get(code="P-2")
    assert answer["Location"] == f"/monev/indicators/{made.pk}/"
    url = f"/monev/indicators/{made.pk}/edit/"
    assert 'name="version" value="1"' in client.get(url).text
    assert client.post(url, {**data, "unit": "persen", "version": 1}).status_code == 302
    stale = signed_in("analyst").post(url, {**data, "unit": "x", "version": 1})
    assert stale.status_code == 409 and "Orang lain menyimpan perubahan" in stale.text
    assert Indicator.objects.get(pk=made.pk).unit == "persen"
    assert actions() == ["indicator_created", "indicator_changed"]
    for bad in ({"code": "P-1"}, {"direction": "up"}, {"baseline_value": "x"}, {"name": ""}):
        answer = client.post(f"/monev/results/{world.outcome.pk}/indicators/new/", data | bad)
        assert answer.status_code == 400, bad


def test_targets_are_one_per_period_and_area(world) -> None:
    client = signed_in("officer")
    url = f"/monev/indicators/{world.fcs.pk}/targets/new/"
    assert client.post(url, {"period": "2025", "value": "78"}).status_code == 302
    assert (
        client.post(url, {"period": "2026-Q1", "region": "34.02", "value": "82"}).status_code == 302
    )
    for bad in (
        {"period": "2025", "region": "34.02", "value": "1"},  # taken
        {"period": "2025", "value": "1"},  # taken, for the whole programme
        {"period": "2025-Q5", "value": "1"},
        {"period": "25", "value": "1"},
        {"period": "2027", "value": ""},
        {"period": "2027", "region": "99", "value": "1"},
    ):
        assert client.post(url, bad).status_code == 400, bad
    assert Target.objects.count() == 3
    edit = f"/monev/targets/{world.target.pk}/edit/"
    data = {"period": "2025", "region": "34.02", "value": "85"}
    assert client.post(edit, {**data, "version": 1}).status_code == 302
    assert client.post(edit, {**data, "value": "1", "version": 1}).status_code == 409
    assert client.post(edit, {**data, "region": "", "version": 2}).status_code == 400  # taken
    assert Target.objects.get(pk=world.target.pk).value == 85


# Actuals: submitted → verified → approved, and locked


def test_an_actual_is_submitted_verified_and_approved(world) -> None:
    officer, analyst, kepala = signed_in("officer"), signed_in("analyst"), signed_in("kepala")
    url = f"/monev/indicators/{world.fcs.pk}/actuals/new/"
    assert officer.post(url, reported())["Location"] == f"/monev/indicators/{world.fcs.pk}/"
    actual = Actual.objects.get(period="2025-Q3")
    assert actual.status == Status.SUBMITTED and actual.submitted_by == officer.user
    page = analyst.get(f"/monev/indicators/{world.fcs.pk}/").text
    assert f"/monev/actuals/{actual.pk}/verify/" in page
    assert analyst.post(f"/monev/actuals/{actual.pk}/verify/", {"version": 1}).status_code == 302
    assert kepala.post(f"/monev/actuals/{actual.pk}/approve/", {"version": 2}).status_code == 302
    actual.refresh_from_db()
    assert (actual.status, actual.version) == (Status.APPROVED, 3)
    assert (actual.verified_by, actual.approved_by) == (analyst.user, kepala.user)
    assert actions() == ["actual_submitted", "actual_verified", "actual_approved"]
    assert "Terkunci" in kepala.get(f"/monev/indicators/{world.fcs.pk}/").text


def test_an_approved_actual_is_locked(world) -> None:
    Actual.objects.filter(pk=world.actual.pk).update(status=Status.APPROVED)
    actual = Actual.objects.get(pk=world.actual.pk)
    actual.value = 99
    with pytest.raises(Locked):
        actual.save()
    with pytest.raises(Locked):
        actual.delete()
    client = signed_in("kepala")
    for step in ("approve", "reject"):
        answer = client.post(f"/monev/actuals/{actual.pk}/{step}/", {"version": 1, "reason": "x"})
        assert answer.status_code == 409 and "terkunci" in answer.text
    officer = signed_in("officer")
    assert officer.get(f"/monev/actuals/{actual.pk}/edit/").status_code == 409
    assert officer.post(f"/monev/actuals/{actual.pk}/edit/", reported(version=1)).status_code == 409
    assert Actual.objects.get(pk=actual.pk).value == 65 and not AuditEvent.objects.exists()


def test_nobody_reviews_their_own_actual(world) -> None:
    officer = signed_in("officer")
    officer.post(f"/monev/indicators/{world.fcs.pk}/actuals/new/", reported())
    actual = Actual.objects.get(period="2025-Q3")
    assert officer.post(f"/monev/actuals/{actual.pk}/verify/", {"version": 1}).status_code == 403
    answer = officer.post(f"/monev/actuals/{actual.pk}/reject/", {"version": 1, "reason": "x"})
    assert answer.status_code == 403
    Actual.objects.filter(pk=actual.pk).update(status=Status.VERIFIED, submitted_by=None)
    kepala = signed_in("kepala")
    Actual.objects.filter(pk=actual.pk).update(submitted_by=kepala.user)
    assert kepala.post(f"/monev/actuals/{actual.pk}/approve/", {"version": 1}).status_code == 403
    assert Actual.objects.get(pk=actual.pk).status == Status.VERIFIED


def test_steps_follow_the_order_and_the_version(world) -> None:
    kepala, analyst = signed_in("kepala"), signed_in("analyst")
    url = review_urls(world)
    assert kepala.post(url["approve"], {"version": 1}).status_code == 409  # not verified yet
    assert analyst.post(url["verify"], {"version": 9}).status_code == 409  # stale
    assert analyst.post(url["verify"], {}).status_code == 400  # no version
    assert analyst.post(url["reject"], {"version": 1, "reason": ""}).status_code == 400
    assert Actual.objects.get().status == Status.SUBMITTED and not AuditEvent.objects.exists()


def test_a_rejected_actual_is_corrected_and_submitted_again(world) -> None:
    analyst, officer = signed_in("analyst"), signed_in("officer")
    answer = analyst.post(review_urls(world)["reject"], {"version": 1, "reason": "Salah hitung"})
    assert answer.status_code == 302
    page = officer.get(f"/monev/indicators/{world.fcs.pk}/").text
    assert "Ditolak" in page and "Salah hitung" in page
    url = f"/monev/actuals/{world.actual.pk}/edit/"
    assert officer.post(url, reported(value="x", version=2)).status_code == 400
    assert officer.post(url, reported(period="2025-Q9", version=2)).status_code == 400
    assert officer.post(url, reported(value="66", version=1)).status_code == 409
    assert officer.post(url, reported(value="66", version=2)).status_code == 302
    actual = Actual.objects.get()
    assert (actual.status, actual.value, actual.review_note) == (Status.SUBMITTED, 66, "")
    assert actions() == ["actual_rejected", "actual_changed"]


def test_an_invalid_actual_is_refused(world) -> None:
    client = signed_in("officer")
    url = f"/monev/indicators/{world.fcs.pk}/actuals/new/"
    for bad in ({"value": ""}, {"value": "banyak"}, {"period": "Q2"}, {"source": ""}):
        assert client.post(url, reported(**bad)).status_code == 400, bad
    assert Actual.objects.count() == 1 and not AuditEvent.objects.exists()


# A partner's isolation


def test_a_partner_sees_and_reports_only_on_its_own_programmes(world) -> None:
    partner = signed_in("partner", "Yayasan A")
    listing = partner.get("/monev/").text
    assert "Bantuan Pangan" in listing and "Beasiswa Desa" not in listing
    for url in (
        "/monev/programmes/beasiswa/",
        "/monev/programmes/beasiswa/dashboard/",
        f"/monev/indicators/{world.dropouts.pk}/",
        f"/monev/indicators/{world.dropouts.pk}/actuals/new/",
    ):
        assert partner.get(url).status_code == 403, url
    # Another's submitted actual is not shown to the partner; its own and approved ones are.
    assert "Survei" not in partner.get(f"/monev/indicators/{world.fcs.pk}/").text
    assert partner.get(f"/monev/actuals/{world.actual.pk}/edit/").status_code == 403
    url = f"/monev/indicators/{world.fcs.pk}/actuals/new/"
    assert partner.post(url, reported(source="Laporan mitra")).status_code == 302
    mine = Actual.objects.get(source="Laporan mitra")
    assert "Laporan mitra" in partner.get(f"/monev/indicators/{world.fcs.pk}/").text
    assert partner.get(f"/monev/actuals/{mine.pk}/edit/").status_code == 200
    assert signed_in("partner", "").get("/monev/programmes/pangan/").status_code == 403


# Progress and the dashboard


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "direction", "expected"),
    [
        ("60", "80", "70", "higher", 0.5),
        ("60", "80", "90", "higher", 1.5),
        ("60", "80", "50", "higher", -0.5),
        ("10", "6", "8", "lower", 0.5),
        ("10", "6", "12", "lower", -0.5),
        ("10", "10", "9", "lower", 1.0),  # hold the level: met
        ("50", "45", "44", "higher", 0.0),  # hold above 45: missed
    ],
)
def test_progress_respects_the_direction(baseline, target, actual, direction, expected) -> None:
    made = progress.progress(Decimal(baseline), Decimal(target), Decimal(actual), direction)
    assert made == pytest.approx(expected)


def test_expected_share_and_period_order() -> None:
    assert progress.expected_share("2025-Q2", "2025") == 0.5
    assert progress.expected_share("2025", "2025") == 1.0
    assert progress.within("2025-Q3", "2025") and not progress.within("2026-Q1", "2025")
    periods = ["2025", "2025-Q4", "2024", "2025-Q1"]
    assert sorted(periods, key=progress.period_key) == ["2024", "2025-Q1", "2025-Q4", "2025"]


def approve(actual: Actual) -> None:
    Actual.objects.filter(pk=actual.pk).update(status=Status.APPROVED, approved_at=timezone.now())


def test_the_dashboard_flags_off_track_indicators(world) -> None:
    client = signed_in("auditor")
    page = client.get("/monev/programmes/pangan/dashboard/").text
    assert 'data-state="no_data"' in page and "data-off-track=" not in page
    approve(world.actual)  # 65 at mid-year: 25 % of the way, 50 % expected → off track
    page = client.get("/monev/programmes/pangan/dashboard/").text
    assert 'data-state="off_track"' in page and 'data-off-track="1"' in page
    assert "25 %" in page and "<svg" in page and "<script>" not in page
    assert "Tidak sesuai jalur" in page
    later = Actual.objects.create(
        indicator=world.fcs, period="2025-Q3", region=world.bantul, value=78, source="Survei"
    )
    approve(later)  # 90 % of the way at 75 % expected → on track
    Actual.objects.create(  # never counted until approved
        indicator=world.fcs, period="2025", region=world.bantul, value=10, source="Survei"
    )
    page = client.get("/monev/programmes/pangan/dashboard/?period=2025").text
    assert 'data-state="on_track"' in page and "90 %" in page and "off_track" not in page


def test_the_dashboard_counts_the_programmes_grievances(world) -> None:
    Grievance.objects.bulk_create(
        Grievance(
            code=f"ADU-{n:04d}",
            channel="web",
            category="payment",
            programme=world.food,
            description="x",
            due_at=timezone.now(),
        )
        for n in range(3)
    )
    page = signed_in("kepala").get("/monev/programmes/pangan/dashboard/").text
    assert "data-grievances>3<" in page
    assert (
        "data-grievances>0<"
        in signed_in("kepala").get("/monev/programmes/beasiswa/dashboard/").text
    )


def test_the_dashboard_reads_in_english_too(world) -> None:
    client = signed_in("kepala")
    client.cookies["django_language"] = "en"
    page = client.get("/monev/programmes/pangan/dashboard/").text
    assert "Progress" in page and "No approved data" in page


# Demo data


def test_the_demo_loads_once_with_one_indicator_off_track(settings) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    diy = Region.objects.create(code="34", name="DI Yogyakarta", level="province")
    for code in ("34.01", "34.02", "34.03", "34.04", "34.71"):
        Region.objects.create(code=code, name=code, level="regency", parent=diy)
    for _ in range(2):
        out = io.StringIO()
        call_command("demo_monev", stdout=out)
    assert "5 indicators" in out.getvalue()
    assert set(Actual.objects.values_list("status", flat=True)) == set(Status.values)
    food = Programme.objects.get(code="bantuan-pangan-daerah")
    flagged = [i.indicator.code for i in progress.dashboard(food).indicators if i.off_track]
    assert flagged == ["BPD-3"]
    assert Target.objects.filter(region__isnull=False).count() == 20


def test_the_demo_loads_without_regions() -> None:
    call_command("demo_monev", stdout=io.StringIO())
    assert Target.objects.filter(region__isnull=False).count() == 0
    assert Target.objects.count() == 5 and Programme.objects.count() == 2
