"""Grievances (pengaduan): the public form and tracking, the pages of each role, masking and the
audited reveal of personal data, the workflow with optimistic locking, escalation, statistics,
the demo data and the Indonesian translation."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core import ratelimit
from sejahtera.workbench.core.locking import StaleVersion
from sejahtera.workbench.grievances import notify, workflow
from sejahtera.workbench.grievances.models import (
    CODE_ALPHABET,
    Grievance,
    GrievanceEvent,
    Status,
    validate_nik,
)
from sejahtera.workbench.grievances.statistics import COLUMNS, grievance_statistics
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.regions.models import Region
from workbench_users import new_programme, signed_in, user_with

pytestmark = pytest.mark.django_db
NIK = "3404134506900123"
PERSON = {"name": "Sri Contoh", "nik": NIK, "phone": "+620001234567", "address": "Dusun Contoh"}
VALID = {"category": "payment", "description": "Bantuan tahap dua belum masuk.", **PERSON}
READERS = ("kepala", "officer", "auditor", "analyst", "partner")
HANDLERS = ("kepala", "officer")
NOT_HANDLERS = ("analyst", "partner", "auditor")
APP = Path(__file__).resolve().parents[1] / "src/sejahtera/workbench/grievances"
LOCALE = APP / "locale/id/LC_MESSAGES"


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    cache.clear()


@pytest.fixture
def area() -> Region:
    Region.objects.create(code="34", name="DI Yogyakarta", level="province")
    Region.objects.create(code="34.04", name="Sleman", level="regency", parent_id="34")
    return Region.objects.create(code="34.04.13", name="Depok", level="district", parent_id="34.04")


@pytest.fixture
def programmes() -> dict[str, Programme]:
    return {key: new_programme(key, key, (f"Yayasan {key}",)) for key in ("A", "B")}


def make(**fields: object) -> Grievance:
    values = {"channel": "web", "category": "payment", "description": "Belum cair.", **fields}
    grievance = Grievance.objects.create(**values)
    GrievanceEvent.objects.create(grievance=grievance, status=Status.RECEIVED)
    return grievance


class Recording:
    """A notifier that remembers what it was told, or fails like an SMS gateway that is down."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail = fail

    def received(self, grievance: Grievance) -> None:
        self._note("received", grievance.code)

    def status_changed(self, grievance: Grievance, event: GrievanceEvent) -> None:
        self._note(event.status, grievance.code)

    def _note(self, what: str, code: str) -> None:
        if self.fail:
            raise ConnectionError("SMS gateway down")
        self.calls.append((what, code))


def registered(notifier: Recording) -> Iterator[Recording]:
    notify.register(notifier)
    yield notifier
    notify.unregister(notifier)


@pytest.fixture
def recorded() -> Iterator[Recording]:
    yield from registered(Recording())


@pytest.fixture
def failing() -> Iterator[Recording]:
    yield from registered(Recording(fail=True))


# The public form ---------------------------------------------------------------------------------


def test_the_public_form_saves_notifies_and_shows_the_code_once(
    area, django_capture_on_commit_callbacks, recorded
) -> None:
    client = Client()
    form = client.get("/grievances/new/")
    assert form.status_code == 200 and "csrfmiddlewaretoken" in form.text
    assert "Kirim pengaduan" in form.text  # Indonesian by default
    assert '<div hidden aria-hidden="true">' in form.text  # the trap for robots
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/grievances/new/", {**VALID, "region": area.code})
    assert sent.status_code == 302 and sent["Location"] == "/grievances/new/sent/"
    grievance = Grievance.objects.get()
    assert (grievance.channel, grievance.status, grievance.region) == ("web", "received", area)
    assert grievance.nik == NIK and not grievance.sensitive and grievance.version == 1
    assert grievance.due_at - grievance.received_at == timedelta(days=7)  # payment's SLA
    assert len(grievance.code) == 10 and set(grievance.code) <= set(CODE_ALPHABET)
    assert recorded.calls == [("received", grievance.code)]
    event = AuditEvent.objects.get(action="grievance_created")
    assert event.object_id == str(grievance.pk) and event.username == ""
    assert NIK not in str(event.detail) and "Sri" not in str(event.detail)
    confirmation = client.get("/grievances/new/sent/")
    assert confirmation.status_code == 200 and grievance.tracking_code in confirmation.text
    assert client.get("/grievances/new/sent/")["Location"] == "/grievances/track/"  # once only


def test_a_failing_notifier_never_loses_a_grievance(
    django_capture_on_commit_callbacks, failing, recorded, caplog
) -> None:
    client = Client()
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/grievances/new/", VALID)
    assert sent.status_code == 302
    grievance = Grievance.objects.get()
    assert recorded.calls == [("received", grievance.code)]  # the next notifier still ran
    assert "notifier Recording failed" in caplog.text
    assert grievance.tracking_code in client.get("/grievances/new/sent/").text


def test_the_public_form_refuses_invalid_input_and_saves_nothing() -> None:
    client = Client()
    cases = {
        "NIK terdiri dari tepat 16 angka": {**VALID, "nik": "340413450690012"},
        "tanggal lahir": {**VALID, "nik": "3404139913900123"},
        "Nomor telepon": {**VALID, "phone": "12ab"},
        "tidak boleh kosong": {**VALID, "description": ""},
        "pilihan yang valid": {**VALID, "category": "weather"},
    }
    for message, data in cases.items():
        answer = client.post("/grievances/new/", data)
        assert answer.status_code == 400, message
        assert message.lower() in answer.text.lower(), message
    assert not Grievance.objects.exists() and not AuditEvent.objects.exists()


def test_the_public_form_takes_anonymous_grievances_and_only_get_and_post() -> None:
    client = Client()
    anonymous = {"category": "service", "description": "Antrean sangat panjang di kantor pos."}
    assert client.post("/grievances/new/", anonymous).status_code == 302
    spaced = {**VALID, "nik": "3404 1345 0690 0123", "category": "misconduct"}
    assert client.post("/grievances/new/", spaced).status_code == 302
    assert sorted(Grievance.objects.values_list("nik", flat=True)) == ["", NIK]
    misconduct = Grievance.objects.get(category="misconduct")  # sensitive by default, 5 days
    assert misconduct.sensitive and misconduct.due_at - misconduct.received_at == timedelta(days=5)
    assert client.put("/grievances/new/").status_code == 405
    assert client.delete("/grievances/new/").status_code == 405
    assert client.post("/grievances/new/sent/").status_code == 405


def test_robots_and_floods_are_turned_away(monkeypatch) -> None:
    client = Client()
    trapped = client.post("/grievances/new/", {**VALID, "website": "http://spam.example"})
    assert trapped.status_code == 400 and not Grievance.objects.exists()
    monkeypatch.setitem(ratelimit.LIMITS, "grievance", ratelimit.Limit(3, 60 * 60))
    cache.clear()
    for _ in range(3):
        assert client.post("/grievances/new/", VALID).status_code == 302
    flooded = client.post("/grievances/new/", VALID)
    assert flooded.status_code == 429 and "satu jam" in flooded.text
    assert Grievance.objects.count() == 3


# Tracking ---------------------------------------------------------------------------------------


def test_tracking_shows_the_public_history_without_personal_data() -> None:
    officer = user_with("officer", username="budi")
    grievance = make(**PERSON)
    workflow.assign(None, grievance, 1, officer, note="Cek rekening di bank penyalur")
    workflow.change_status(
        None, grievance, 2, Status.RESOLVED, "Bank salah input", "Dana sudah ditransfer ulang."
    )
    client = Client()
    assert client.get("/grievances/track/").status_code == 200
    for typed in (grievance.code, grievance.tracking_code.lower(), f" {grievance.tracking_code} "):
        page = client.post("/grievances/track/", {"code": typed})
        assert page.status_code == 200, typed
        assert "Dana sudah ditransfer ulang." in page.text and "Selesai" in page.text
        for private in ("Sri", NIK, "Dusun", "0001234567", "budi", "Bank salah", "Cek rekening"):
            assert private not in page.text, private


def test_tracking_an_unknown_or_malformed_code_gets_a_friendly_page(monkeypatch) -> None:
    client = Client()
    unknown = client.post("/grievances/track/", {"code": "ABCDE-23456"})
    assert unknown.status_code == 404 and "Tidak ada pengaduan dengan kode ini" in unknown.text
    malformed = client.post("/grievances/track/", {"code": "hello"})
    assert malformed.status_code == 400 and "10 huruf dan angka" in malformed.text
    assert client.post("/grievances/track/", {}).status_code == 400
    assert client.put("/grievances/track/").status_code == 405
    monkeypatch.setitem(ratelimit.LIMITS, "lookup", ratelimit.Limit(2, 60 * 60))
    client.post("/grievances/track/", {"code": "ABCDE-23457"})
    assert client.post("/grievances/track/", {"code": "ABCDE-23458"}).status_code == 429


# What each role sees -----------------------------------------------------------------------------


@pytest.fixture
def cases(programmes) -> dict[str, Grievance]:
    return {
        "a": make(programme=programmes["A"], **PERSON),
        "b": make(programme=programmes["B"], name="Budi Contoh"),
        "none": make(),
        "sensitive_a": make(programme=programmes["A"], category="misconduct", sensitive=True),
    }


def codes_on(page: str, cases: dict[str, Grievance]) -> set[str]:
    return {key for key, g in cases.items() if g.tracking_code in page}


def test_the_list_shows_each_role_what_it_may_see(cases) -> None:
    everything = set(cases)
    expected = {
        "kepala": everything,
        "officer": everything,
        "auditor": everything,
        "analyst": everything - {"sensitive_a"},
        "partner": {"a"},
    }
    for role, keys in expected.items():
        page = signed_in(role, organisation="Yayasan A").get("/grievances/")
        assert page.status_code == 200, role
        assert codes_on(page.text, cases) == keys, role
        assert "Sri Contoh" not in page.text and "S. C." in page.text, role  # masked
        assert ("/grievances/entry/" in page.text) == (role in HANDLERS), role
    assert Client().get("/grievances/")["Location"] == "/login/?next=/grievances/"
    assert signed_in("officer", username="o2").post("/grievances/").status_code == 405
    other_partner = signed_in("partner", username="p-b", organisation="Yayasan B").get(
        "/grievances/"
    )
    assert codes_on(other_partner.text, cases) == {"b"}
    no_organisation = signed_in("partner", username="p-none").get("/grievances/")
    assert codes_on(no_organisation.text, cases) == set()


def test_an_account_without_a_role_sees_no_grievance_page() -> None:
    no_role = Client()
    no_role.force_login(user_with(None, username="no-role"))
    for url in ("/grievances/", "/grievances/entry/", "/grievances/statistics/"):
        assert no_role.get(url).status_code == 403, url


def test_the_list_filters(cases) -> None:
    late = make(received_at=timezone.now() - timedelta(days=30))
    resolved_late = make(received_at=timezone.now() - timedelta(days=30), status="resolved")
    client = signed_in("officer")
    overdue = client.get("/grievances/?overdue=on")
    assert late.tracking_code in overdue.text and "terlambat" in overdue.text
    assert resolved_late.tracking_code not in overdue.text
    assert cases["a"].tracking_code not in overdue.text
    by_category = client.get("/grievances/?category=misconduct")
    assert codes_on(by_category.text, cases) == {"sensitive_a"}
    by_status = client.get("/grievances/?status=resolved")
    assert resolved_late.tracking_code in by_status.text and not codes_on(by_status.text, cases)
    wrong = client.get("/grievances/?status=lost")
    assert wrong.status_code == 400 and codes_on(wrong.text, cases) == set(cases)


def test_the_detail_page_masks_personal_data_for_every_role(cases) -> None:
    pk = cases["a"].pk
    for role in READERS:
        page = signed_in(role, organisation="Yayasan A").get(f"/grievances/{pk}/")
        assert page.status_code == 200, role
        assert "************0123" in page.text and NIK not in page.text, role
        assert "Sri Contoh" not in page.text and "S. C." in page.text, role
        assert "Dusun Contoh" not in page.text and "+620001234567" not in page.text, role
        shows = f'action="/grievances/{pk}/reveal/"' in page.text
        assert shows == (role in ("kepala", "officer", "auditor")), role
    assert not AuditEvent.objects.filter(action="personal_data_viewed").exists()


def test_revealing_personal_data_is_audited_and_only_for_the_roles_that_need_it(cases) -> None:
    pk = cases["a"].pk
    for role in ("kepala", "officer", "auditor"):
        client = signed_in(role)
        page = client.post(f"/grievances/{pk}/reveal/")
        assert page.status_code == 200, role
        assert NIK in page.text and "Sri Contoh" in page.text and "Dusun Contoh" in page.text
        assert "no-store" in page["Cache-Control"]
        event = AuditEvent.objects.filter(action="personal_data_viewed").latest("id")
        assert (event.username, event.object_id) == (client.user.username, str(pk)), role
    for role in ("analyst", "partner"):
        refused = signed_in(role, organisation="Yayasan A").post(f"/grievances/{pk}/reveal/")
        assert refused.status_code == 403 and NIK not in refused.text, role
    assert AuditEvent.objects.filter(action="personal_data_viewed").count() == 3


def test_the_detail_page_denies_what_a_role_may_not_see(cases) -> None:
    sensitive, other = cases["sensitive_a"].pk, cases["b"].pk
    assert signed_in("analyst").get(f"/grievances/{sensitive}/").status_code == 403
    partner = signed_in("partner", organisation="Yayasan A")
    assert partner.get(f"/grievances/{sensitive}/").status_code == 403
    assert partner.get(f"/grievances/{other}/").status_code == 403
    assert partner.get(f"/grievances/{cases['none'].pk}/").status_code == 403
    assert signed_in("auditor").get(f"/grievances/{sensitive}/").status_code == 200
    assert Client().get(f"/grievances/{other}/").status_code == 302
    assert signed_in("kepala").get("/grievances/999999/").status_code == 404
    assert signed_in("kepala", username="k2").post(f"/grievances/{other}/").status_code == 405


# Officer entry -----------------------------------------------------------------------------------


def test_an_officer_enters_a_walk_in_grievance(area, django_capture_on_commit_callbacks) -> None:
    client = signed_in("officer", username="budi")
    assert client.get("/grievances/entry/").status_code == 200
    yesterday = timezone.localdate() - timedelta(days=1)
    data = {**VALID, "channel": "walk_in", "received_on": yesterday.isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post("/grievances/entry/", {**data, "region": area.code})
    grievance = Grievance.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/grievances/{grievance.pk}/"
    assert grievance.channel == "walk_in" and grievance.entered_by.username == "budi"
    assert timezone.localdate(grievance.received_at) == yesterday
    assert grievance.tracking_code in client.get(saved["Location"]).text  # to give the person
    assert AuditEvent.objects.get(action="grievance_created").username == "budi"
    client.post("/grievances/entry/", {**data, "category": "misconduct", "sensitive": ""})
    assert Grievance.objects.filter(category="misconduct").get().sensitive


def test_officer_entry_refuses_invalid_input_other_roles_and_methods() -> None:
    client = signed_in("kepala")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    for data in (
        {**VALID, "channel": "web"},  # the web form is the public's
        {**VALID, "channel": "sms", "received_on": tomorrow},
        {**VALID, "channel": "sms", "nik": "12345"},
        {**VALID, "channel": "sms", "description": "  "},
    ):
        assert client.post("/grievances/entry/", data).status_code == 400, data
    assert not Grievance.objects.exists()
    for role in NOT_HANDLERS:
        denied = signed_in(role)
        assert denied.get("/grievances/entry/").status_code == 403, role
        assert denied.post("/grievances/entry/", {**VALID, "channel": "sms"}).status_code == 403
    assert Client().get("/grievances/entry/").status_code == 302
    assert client.put("/grievances/entry/").status_code == 405


# The workflow, escalation, statistics, demo data, translation -----------------------------------


def test_assign_progress_resolve_appeal_and_close_each_audited(
    django_capture_on_commit_callbacks, recorded
) -> None:
    grievance = make(**PERSON)
    officer = user_with("officer", username="budi")
    client = signed_in("kepala", username="sari")
    with django_capture_on_commit_callbacks(execute=True):
        steps = [
            ("assign", {"assigned_to": officer.pk, "note": "Tolong cek", "version": 1}),
            ("status", {"status": "in_progress", "note": "Ditelepon", "version": 2}),
            ("status", {"status": "resolved", "note": "Ok", "public_message": "Sudah cair."}),
            ("appeal", {"note": "Jumlahnya kurang", "version": 4}),
            ("assign", {"assigned_to": officer.pk, "version": 5}),
            ("status", {"status": "resolved", "note": "Ok", "public_message": "Sudah lengkap"}),
            ("status", {"status": "closed", "note": "Selesai", "version": 7}),
        ]
        for number, (action, data) in enumerate(steps, start=1):
            data.setdefault("version", number)
            answer = client.post(f"/grievances/{grievance.pk}/{action}/", data)
            assert answer.status_code == 302, (action, answer.text)
    grievance.refresh_from_db()
    assert (grievance.status, grievance.version, grievance.assigned_to) == ("closed", 8, officer)
    assert grievance.resolved_at is not None
    history = list(grievance.events.values_list("status", flat=True))
    assert history == [
        "received", "assigned", "in_progress", "resolved", "appealed",
        "assigned", "resolved", "closed",
    ]  # fmt: skip
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "grievance_assigned", "grievance_status_changed", "grievance_status_changed",
        "grievance_appealed", "grievance_assigned", "grievance_status_changed",
        "grievance_status_changed",
    ]  # fmt: skip
    assert set(AuditEvent.objects.values_list("username", flat=True)) == {"sari"}
    assert len(recorded.calls) == 7 and recorded.calls[-1] == ("closed", grievance.code)


def test_changes_refuse_invalid_input() -> None:
    grievance = make()
    client = signed_in("officer")
    analyst = user_with("analyst", username="ana")
    invalid = [
        ("assign", {"assigned_to": analyst.pk, "version": 1}),  # analysts take no cases
        ("assign", {"version": 1}),
        ("status", {"status": "appealed", "note": "x", "version": 1}),  # not by a status change
        ("status", {"status": "resolved", "note": "x", "version": 1}),  # no public message
        ("status", {"status": "closed", "version": 1}),  # no note
        ("status", {"status": "closed", "note": "x", "version": "one"}),
        ("appeal", {"note": "x", "version": 1}),  # not resolved
    ]
    for action, data in invalid:
        answer = client.post(f"/grievances/{grievance.pk}/{action}/", data)
        assert answer.status_code == 400 and 'class="errorlist' in answer.text, (action, data)
    grievance.refresh_from_db()
    assert (grievance.status, grievance.version, grievance.events.count()) == ("received", 1, 1)
    closed = make(status="closed")
    for action, data in [
        ("assign", {"assigned_to": user_with("officer", username="o2").pk, "version": 1}),
        ("status", {"status": "in_progress", "note": "x", "version": 1}),
    ]:
        assert client.post(f"/grievances/{closed.pk}/{action}/", data).status_code == 400
    assert not AuditEvent.objects.exists()


def test_changes_are_denied_to_other_roles_the_public_and_other_methods(programmes) -> None:
    grievance = make(programme=programmes["A"])
    data = {"status": "closed", "note": "x", "version": 1, "assigned_to": "1"}
    for action in ("assign", "status", "appeal"):
        url = f"/grievances/{grievance.pk}/{action}/"
        for role in NOT_HANDLERS:
            client = signed_in(role, username=f"{role}-{action}", organisation="Yayasan A")
            assert client.post(url, data).status_code == 403, (role, action)
        assert Client().post(url, data).status_code == 302
        assert signed_in("officer", username=f"o-{action}").get(url).status_code == 405
    officer = signed_in("officer", username="o-404")
    assert officer.post("/grievances/999999/status/", data).status_code == 404
    grievance.refresh_from_db()
    assert grievance.version == 1 and not AuditEvent.objects.exists()


def test_a_stale_version_is_refused_with_409_and_changes_nothing() -> None:
    grievance = make()
    budi, sari = user_with("officer", username="budi"), user_with("officer", username="sari")
    first, second = Client(), Client()
    first.force_login(budi)
    second.force_login(sari)
    # Both open the grievance at version 1; Budi saves first.
    url = f"/grievances/{grievance.pk}/"
    assert 'name="version" value="1"' in second.get(url).text
    assert first.post(f"{url}assign/", {"assigned_to": budi.pk, "version": 1}).status_code == 302
    late = second.post(f"{url}status/", {"status": "closed", "note": "dup", "version": 1})
    assert late.status_code == 409
    assert "diubah oleh orang lain" in late.text and "Tidak ada yang disimpan" in late.text
    grievance.refresh_from_db()
    assert (grievance.status, grievance.version, grievance.assigned_to) == ("assigned", 2, budi)
    assert grievance.events.count() == 2 and AuditEvent.objects.count() == 1
    # The race the page's check cannot see, the row changing between reading and writing, is
    # caught by the update itself.
    with pytest.raises(StaleVersion) as stale:
        workflow.change_status(None, Grievance(pk=grievance.pk), 1, Status.CLOSED, "x")
    assert stale.value.current.version == 2 and grievance.events.count() == 2


def test_escalation_marks_overdue_grievances_once_and_audits_it(capsys) -> None:
    long_ago = timezone.now() - timedelta(days=30)
    overdue = make(received_at=long_ago)
    in_time = make()
    closed = make(received_at=long_ago, status="closed")
    handled = make(received_at=long_ago, status="in_progress", escalated_at=long_ago)
    call_command("escalate_grievances", "--dry-run")
    assert "1 grievance(s) would be escalated" in capsys.readouterr().out
    assert not Grievance.objects.filter(status="escalated").exists()
    call_command("escalate_grievances")
    assert f"{overdue.tracking_code} escalated" in capsys.readouterr().out
    overdue.refresh_from_db()
    assert overdue.status == "escalated" and overdue.escalated_at and overdue.version == 2
    for grievance in (in_time, closed, handled):
        old_status = grievance.status
        grievance.refresh_from_db()
        assert grievance.status == old_status and grievance.version == 1
    event = AuditEvent.objects.get()
    assert event.action == "grievance_escalated" and event.detail["by"] == "escalate_grievances"
    assert "7" in overdue.events.last().note  # the service level that was missed
    workflow.change_status(None, overdue, 2, Status.RESOLVED, "x", "Sudah ditransfer.")
    workflow.appeal(None, overdue, 3, "Tidak setuju")  # open again, with a new due date
    overdue.refresh_from_db()
    assert overdue.escalated_at is None and overdue.due_at > timezone.now() + timedelta(days=6)
    call_command("escalate_grievances")
    assert "0 grievance(s) escalated" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="grievance_escalated").count() == 1


def test_statistics_count_and_time_without_personal_data(area, programmes) -> None:
    now = timezone.now()
    make(region=area, programme=programmes["A"], **PERSON)
    make(region=area, programme=programmes["B"], status="resolved",
         received_at=now - timedelta(days=4), resolved_at=now, **PERSON)  # fmt: skip
    make(category="targeting", status="closed", received_at=now - timedelta(days=10),
         resolved_at=now - timedelta(days=2))  # fmt: skip
    result = grievance_statistics()
    assert result.total == 3
    assert all(tuple(row) == COLUMNS for row in result.tidy())
    payment = [r for r in result.tidy() if r["category"] == "payment"]
    assert {(r["kabupaten_code"], r["kabupaten"], r["status"], r["count"]) for r in payment} == {
        ("34.04", "Sleman", "received", 1),
        ("34.04", "Sleman", "resolved", 1),
    }
    assert result.median_resolution_days["payment"] == 4.0
    assert result.median_resolution_days["targeting"] == 8.0
    assert result.median_resolution_days["all"] == 6.0
    assert result.median_resolution_days["service"] is None
    dumped = repr(result)
    for private in (*PERSON.values(), "Belum cair"):
        assert private not in dumped
    for role in READERS:
        page = signed_in(role, organisation="Yayasan A").get("/grievances/statistics/")
        assert page.status_code == 200, role
        assert all(private not in page.text for private in PERSON.values()), role
        assert "Sleman" in page.text
    partner = signed_in("partner", username="p2", organisation="Yayasan A")
    page = partner.get("/grievances/statistics/").text  # its programme's only: one grievance
    assert "kurang dari 10 pengaduan" in page and '<td class="n">x</td>' in page  # suppressed
    assert Client().get("/grievances/statistics/").status_code == 302
    assert signed_in("analyst", username="a2").post("/grievances/statistics/").status_code == 405


def test_the_demo_grievances_are_synthetic_varied_and_added_once(capsys) -> None:
    call_command("demo_grievances")
    call_command("demo_grievances")
    assert "already loaded" in capsys.readouterr().out
    grievances = list(Grievance.objects.all())
    assert len(grievances) == 20
    assert len({g.status for g in grievances}) == len(Status)
    assert sum(g.overdue for g in grievances) >= 3
    for grievance in grievances:
        if grievance.nik:
            validate_nik(grievance.nik)
            assert grievance.nik.startswith("34") and grievance.nik.endswith("0000")
            assert grievance.name.endswith(" Contoh")
        assert grievance.events.first().status == "received"
        assert grievance.events.last().status == grievance.status
    call_command("escalate_grievances")
    assert Grievance.objects.filter(status="escalated").count() > 2
