"""Consultations in the workbench: meetings and public consultations (Musrenbang among them) with
participants (names masked, with an audited reveal), inputs, responses and follow-up actions.

Every view: the normal case, each role that must not see or change it, anonymous visitors, the
wrong HTTP method and invalid input; optimistic locking; a partner's isolation."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.consultations.models import (
    Consultation,
    FollowUp,
    Input,
    Participant,
    Response,
    Status,
)
from workbench_users import new_programme, organisation_named, signed_in, user_with

pytestmark = pytest.mark.django_db
APP = Path(__file__).resolve().parent.parent / "src/sejahtera/workbench/consultations"
STAFF = ("kepala", "analyst", "officer", "auditor")


@pytest.fixture
def world(settings) -> SimpleNamespace:
    settings.ALLOWED_HOSTS = ["testserver"]
    today = timezone.localdate()
    food = new_programme("pangan", "Bantuan Pangan", ("Yayasan A",))
    school = new_programme("beasiswa", "Beasiswa Desa", ("Yayasan B",))
    a = organisation_named("Yayasan A")
    b = organisation_named("Yayasan B")
    officer = user_with("officer")
    musrenbang = Consultation.objects.create(
        title="Musrenbang Kecamatan Contoh",
        kind="musrenbang",
        date=today - timedelta(days=30),
        programme=food,
    )
    siti = Participant.objects.create(
        consultation=musrenbang, name="Siti Aminah", affiliation="Kepala Desa"
    )
    budi = Participant.objects.create(
        consultation=musrenbang, name="Budi Santoso", affiliation="Bendahara B", organisation=b
    )
    said = Input.objects.create(
        consultation=musrenbang, participant=siti, topic="Pendataan", text="Lansia belum terdata."
    )
    from_b = Input.objects.create(
        consultation=musrenbang, participant=budi, organisation=b, text="Usul dari B."
    )
    Response.objects.create(input=said, text="Akan diverifikasi.", responded_by=officer)

    def follow_up(consultation: Consultation, action: str, due: int, done: bool = False):
        return FollowUp.objects.create(
            consultation=consultation,
            action=action,
            owner=officer,
            due_date=today + timedelta(days=due),
            done_at=timezone.now() if done else None,
        )

    school_meeting = Consultation.objects.create(
        title="Rapat Beasiswa", kind="meeting", date=today - timedelta(days=3), programme=school
    )
    return SimpleNamespace(
        today=today,
        food=food,
        school=school,
        a=a,
        b=b,
        officer=officer,
        musrenbang=musrenbang,
        siti=siti,
        budi=budi,
        said=said,
        from_b=from_b,
        overdue=follow_up(musrenbang, "Verifikasi lansia", -5),
        open=follow_up(musrenbang, "Jadwal baru", 10),
        done=follow_up(musrenbang, "Rapat dinas", -20, done=True),
        school_meeting=school_meeting,
        school_follow_up=follow_up(school_meeting, "Kirim daftar beasiswa", -1),
        unlinked=Consultation.objects.create(
            title="Rapat Internal", kind="meeting", date=today - timedelta(days=1)
        ),
        upcoming=Consultation.objects.create(
            title="Konsultasi Publik Pangan",
            kind="public_consultation",
            date=today + timedelta(days=14),
            programme=food,
        ),
    )


def read_pages(w: SimpleNamespace) -> list[str]:
    return ["/consultations/", f"/consultations/{w.musrenbang.pk}/"]


def edit_pages(w: SimpleNamespace) -> list[str]:
    c = w.musrenbang.pk
    return [
        "/consultations/new/",
        f"/consultations/{c}/edit/",
        f"/consultations/{c}/participants/new/",
        f"/consultations/{c}/inputs/new/",
        f"/consultations/inputs/{w.said.pk}/respond/",
        f"/consultations/{c}/follow-ups/new/",
        f"/consultations/follow-ups/{w.open.pk}/edit/",
    ]


def post_only(w: SimpleNamespace) -> list[str]:
    return [
        f"/consultations/{w.musrenbang.pk}/reveal/",
        f"/consultations/participants/{w.siti.pk}/delete/",
        f"/consultations/follow-ups/{w.open.pk}/done/",
    ]


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("at", "pk").values_list("action", flat=True))


def consultation_data(w: SimpleNamespace, **change: object) -> dict[str, object]:
    data = {
        "title": "Musrenbang Kecamatan Contoh",
        "kind": "musrenbang",
        "date": (w.today - timedelta(days=30)).isoformat(),
        "programme": w.food.pk,
        "summary": "",
        "version": 1,
    }
    return {**data, **change}


def follow_up_data(w: SimpleNamespace, **change: object) -> dict[str, object]:
    data = {
        "action": "Jadwal baru",
        "owner": w.officer.pk,
        "due_date": (w.today + timedelta(days=10)).isoformat(),
        "input": "",
        "version": 1,
    }
    return {**data, **change}


# Access


@pytest.mark.parametrize("role", STAFF)
def test_staff_read_every_consultation(world, role: str) -> None:
    client = signed_in(role)
    for url in read_pages(world):
        assert client.get(url).status_code == 200, url
    listing = client.get("/consultations/").text
    for title in ("Musrenbang Kecamatan Contoh", "Rapat Beasiswa", "Rapat Internal"):
        assert title in listing


def test_anonymous_visitors_are_sent_to_sign_in(world) -> None:
    client = Client()
    for url in read_pages(world) + edit_pages(world):
        assert client.get(url)["Location"].startswith("/login/"), url
    for url in edit_pages(world) + post_only(world):
        assert client.post(url, {"version": 1})["Location"].startswith("/login/"), url
    assert not AuditEvent.objects.exists() and FollowUp.objects.filter(done_at=None).count() == 3


def test_an_account_without_a_role_sees_nothing(world) -> None:
    client = signed_in(None)
    for url in read_pages(world) + edit_pages(world):
        assert client.get(url).status_code == 403, url
    for url in post_only(world):
        assert client.post(url, {"version": 1}).status_code == 403, url


@pytest.mark.parametrize("role", ["auditor", "partner"])
def test_auditors_and_partners_change_nothing(world, role: str) -> None:
    client = signed_in(role, "Yayasan A" if role == "partner" else "")
    for url in edit_pages(world):
        assert client.get(url).status_code == 403, url
        assert client.post(url, consultation_data(world, title="x")).status_code == 403, url
    for url in post_only(world)[1:]:
        assert client.post(url, {"version": 1}).status_code == 403, url
    assert Participant.objects.count() == 2 and FollowUp.objects.filter(done_at=None).count() == 3
    assert Consultation.objects.get(pk=world.musrenbang.pk).version == 1
    assert not AuditEvent.objects.exists()


def test_the_wrong_method_is_refused(world) -> None:
    client = signed_in("kepala")
    for url in read_pages(world):
        assert client.post(url).status_code == 405, url
    for url in post_only(world):
        assert client.get(url).status_code == 405, url
    for url in edit_pages(world):
        assert client.delete(url).status_code == 405, url
    assert Participant.objects.count() == 2 and not AuditEvent.objects.exists()


def test_unknown_records_are_not_found(world) -> None:
    client = signed_in("kepala")
    assert client.get("/consultations/999/").status_code == 404
    assert client.post("/consultations/follow-ups/999/done/", {"version": 1}).status_code == 404


# The list and one consultation


def test_the_list_separates_upcoming_and_past_and_flags_overdue_follow_ups(world) -> None:
    page = signed_in("analyst").get("/consultations/").text
    upcoming, past = page.split("Sudah berlangsung", 1)
    assert "Konsultasi Publik Pangan" in upcoming.split("Akan datang", 1)[1]
    assert "Musrenbang Kecamatan Contoh" in past and "Konsultasi Publik Pangan" not in past
    follow_ups = page[page.index('id="follow-ups"') : page.index("</table>")]
    rows = re.findall(
        r'<tr data-status="(\w+)"><td>[^<]*</td><td>(.*?)</td><td>([^<]+)<', follow_ups, re.S
    )
    found = {action: (status, cell.strip()) for status, cell, action in rows}
    assert found["Verifikasi lansia"] == ("overdue", '<mark class="overdue">Terlambat</mark>')
    assert found["Kirim daftar beasiswa"][0] == "overdue"
    assert found["Jadwal baru"] == ("open", "Terbuka")
    assert "Rapat dinas" not in found  # done
    assert list(found) == ["Verifikasi lansia", "Kirim daftar beasiswa", "Jadwal baru"]


def test_the_status_of_a_follow_up_is_computed(world) -> None:
    assert world.overdue.status() == Status.OVERDUE
    assert world.overdue.status(today=world.today - timedelta(days=5)) == Status.OPEN
    assert world.open.status() == Status.OPEN and world.done.status() == Status.DONE


def test_dates_are_written_the_indonesian_way(world) -> None:
    Consultation.objects.filter(pk=world.musrenbang.pk).update(date=date(2026, 3, 17))
    client = signed_in("kepala")
    assert "17 Maret 2026" in client.get(f"/consultations/{world.musrenbang.pk}/").text
    client.cookies["django_language"] = "en"
    assert "March 17, 2026" in client.get(f"/consultations/{world.musrenbang.pk}/").text


def test_the_detail_shows_inputs_responses_and_follow_ups(world) -> None:
    page = signed_in("officer").get(f"/consultations/{world.musrenbang.pk}/").text
    for text in ("Lansia belum terdata.", "Akan diverifikasi.", "Verifikasi lansia", "Rapat dinas"):
        assert text in page
    assert "Belum ada tanggapan." in page  # the input from B has no response yet
    assert page.count("Tandai selesai") == 2  # the open and the overdue follow-up
    assert "Yayasan B" in page  # staff see every organisation


# Personal data


def test_participants_are_masked_by_default(world) -> None:
    for role in STAFF:
        page = signed_in(role).get(f"/consultations/{world.musrenbang.pk}/").text
        assert "Siti Aminah" not in page and "Budi Santoso" not in page, role
        assert "S. A." in page and "B. S." in page and "Kepala Desa" in page
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["kepala", "officer", "auditor"])
def test_a_reveal_shows_the_names_and_is_audited(world, role: str) -> None:
    answer = signed_in(role).post(f"/consultations/{world.musrenbang.pk}/reveal/")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert "Siti Aminah" in answer.text and "Budi Santoso" in answer.text
    event = AuditEvent.objects.get(action="personal_data_viewed")
    assert event.object_type == "Consultation" and event.object_id == str(world.musrenbang.pk)
    assert sorted(event.detail["participants"]) == sorted([world.siti.pk, world.budi.pk])


@pytest.mark.parametrize("role", ["analyst", "partner"])
def test_roles_outside_personal_data_cannot_reveal(world, role: str) -> None:
    client = signed_in(role, "Yayasan A" if role == "partner" else "")
    assert "Tampilkan nama peserta" not in client.get(f"/consultations/{world.musrenbang.pk}/").text
    answer = client.post(f"/consultations/{world.musrenbang.pk}/reveal/")
    assert answer.status_code == 403 and "Siti Aminah" not in answer.text
    assert not AuditEvent.objects.exists()


# Changes


def test_a_consultation_is_created_and_audited(world) -> None:
    client = signed_in("analyst")
    data = consultation_data(world, title="FGD Baru", kind="focus_group", date="2027-01-15")
    answer = client.post("/consultations/new/", data)
    made = Consultation.objects.get(title="FGD Baru")
    assert answer["Location"] == f"/consultations/{made.pk}/"
    assert made.date == date(2027, 1, 15) and made.version == 1
    assert actions() == ["consultation_created"]


@pytest.mark.parametrize(
    "change",
    [{"title": ""}, {"kind": "party"}, {"date": "31-02-2026"}, {"date": ""}, {"programme": 999}],
)
def test_an_invalid_consultation_is_refused(world, change: dict[str, object]) -> None:
    answer = signed_in("kepala").post("/consultations/new/", consultation_data(world, **change))
    assert answer.status_code == 400 and Consultation.objects.count() == 4
    assert not AuditEvent.objects.exists()


def test_a_stale_consultation_edit_changes_nothing(world) -> None:
    url = f"/consultations/{world.musrenbang.pk}/edit/"
    first = signed_in("kepala").post(url, consultation_data(world, summary="Hasil pertama"))
    assert first.status_code == 302
    stale = signed_in("officer").post(url, consultation_data(world, title="Judul lain"))
    assert stale.status_code == 409 and "Orang lain menyimpan perubahan" in stale.text
    world.musrenbang.refresh_from_db()
    assert world.musrenbang.title == "Musrenbang Kecamatan Contoh"
    assert world.musrenbang.summary == "Hasil pertama" and world.musrenbang.version == 2
    assert actions() == ["consultation_changed"]
    assert AuditEvent.objects.get().detail == {"fields": ["summary"]}


def test_participants_are_added_and_removed(world) -> None:
    client = signed_in("officer")
    url = f"/consultations/{world.musrenbang.pk}/participants/new/"
    data = {"name": "Dewi Lestari", "affiliation": "Ketua PKK", "organisation": world.a.pk}
    assert client.post(url, data).status_code == 302
    made = Participant.objects.get(affiliation="Ketua PKK")  # a name is encrypted: no lookup
    assert made.name == "Dewi Lestari"
    assert made.organisation == world.a
    assert client.post(url, {"name": ""}).status_code == 400
    assert client.post(url, {"name": "X", "organisation": 999}).status_code == 400
    assert client.post(f"/consultations/participants/{made.pk}/delete/").status_code == 302
    assert not Participant.objects.filter(pk=made.pk).exists()
    assert actions() == ["participant_added", "participant_removed"]
    assert "Dewi" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_inputs_and_responses_are_recorded(world) -> None:
    client = signed_in("analyst")
    url = f"/consultations/{world.musrenbang.pk}/inputs/new/"
    form = client.get(url).text
    assert "Siti Aminah" not in form and "S. A. – Kepala Desa" in form
    data = {"participant": world.siti.pk, "topic": "Jalan desa", "text": "Perbaiki jalan."}
    assert client.post(url, data).status_code == 302
    made = Input.objects.get(topic="Jalan desa")
    assert client.post(url, {"text": ""}).status_code == 400
    other = Participant.objects.create(consultation=world.upcoming, name="Orang Lain")
    assert client.post(url, {"participant": other.pk, "text": "x"}).status_code == 400
    respond = f"/consultations/inputs/{made.pk}/respond/"
    assert client.post(respond, {"text": "Masuk usulan RKPD."}).status_code == 302
    assert made.responses.get().responded_by.username.startswith("analyst-")
    assert client.post(respond, {"text": ""}).status_code == 400
    assert actions() == ["input_received", "input_answered"]


def test_follow_ups_are_created_with_an_owner_who_works_in_the_office(world) -> None:
    client = signed_in("kepala")
    url = f"/consultations/{world.musrenbang.pk}/follow-ups/new/"
    data = follow_up_data(world, action="Survei jalan", input=world.said.pk)
    assert client.post(url, data).status_code == 302
    made = FollowUp.objects.get(action="Survei jalan")
    assert made.input == world.said and made.status() == Status.OPEN
    partner = user_with("partner", "Yayasan A")
    elsewhere = Input.objects.create(consultation=world.upcoming, text="lain")
    for change in (
        {"owner": ""},
        {"owner": partner.pk},
        {"due_date": "besok"},
        {"action": ""},
        {"input": elsewhere.pk},
    ):
        answer = client.post(url, follow_up_data(world, **{"action": "Tidak sah", **change}))
        assert answer.status_code == 400, change
    assert not FollowUp.objects.filter(action="Tidak sah").exists()
    assert actions() == ["follow_up_created"]


def test_a_stale_follow_up_edit_changes_nothing(world) -> None:
    url = f"/consultations/follow-ups/{world.open.pk}/edit/"
    assert 'name="version" value="1"' in signed_in("analyst").get(url).text
    assert signed_in("kepala").post(url, follow_up_data(world, action="Baru")).status_code == 302
    stale = signed_in("officer").post(url, follow_up_data(world, action="Lama"))
    assert stale.status_code == 409
    world.open.refresh_from_db()
    assert world.open.action == "Baru" and world.open.version == 2


def test_a_follow_up_is_marked_done_once(world) -> None:
    client = signed_in("officer")
    url = f"/consultations/follow-ups/{world.overdue.pk}/done/"
    assert client.post(url, {"version": 1})["Location"] == f"/consultations/{world.musrenbang.pk}/"
    world.overdue.refresh_from_db()
    assert world.overdue.status() == Status.DONE and world.overdue.version == 2
    again = client.post(url, {"version": 1})
    assert again.status_code == 409 and "Orang lain menyimpan perubahan" in again.text
    assert client.post(url, {"version": 2}).status_code == 409  # already done
    assert actions() == ["follow_up_done"]


def test_marking_done_after_someone_edited_changes_nothing(world) -> None:
    edit = f"/consultations/follow-ups/{world.open.pk}/edit/"
    signed_in("kepala").post(edit, follow_up_data(world, action="Jadwal direvisi"))
    done = f"/consultations/follow-ups/{world.open.pk}/done/"
    client = signed_in("officer")
    assert client.post(done, {"version": 1}).status_code == 409
    assert client.post(done, {}).status_code == 400
    assert client.post(done, {"version": "satu"}).status_code == 400
    assert FollowUp.objects.get(pk=world.open.pk).done_at is None


# A partner's isolation


def test_a_partner_sees_only_the_consultations_of_its_programmes(world) -> None:
    client = signed_in("partner", "Yayasan A")
    listing = client.get("/consultations/").text
    assert "Musrenbang Kecamatan Contoh" in listing and "Konsultasi Publik Pangan" in listing
    assert "Rapat Beasiswa" not in listing and "Rapat Internal" not in listing
    assert "Kirim daftar beasiswa" not in listing  # the other programme's follow-up
    for other in (world.school_meeting, world.unlinked):
        answer = client.get(f"/consultations/{other.pk}/")
        assert answer.status_code == 403 and other.title not in answer.text


def test_a_partner_never_sees_another_partners_organisation(world) -> None:
    page = signed_in("partner", "Yayasan A").get(f"/consultations/{world.musrenbang.pk}/").text
    assert "Yayasan B" not in page and "Bendahara B" not in page and "B. S." not in page
    assert "organisasi lain" in page
    assert "Lansia belum terdata." in page and "S. A." in page
    b = signed_in("partner", "Yayasan B")
    assert b.get(f"/consultations/{world.musrenbang.pk}/").status_code == 403
    assert "Rapat Beasiswa" in b.get("/consultations/").text


# Demo data and translations


def test_the_demo_loads_once_with_overdue_follow_ups() -> None:
    for _ in range(2):
        out = io.StringIO()
        call_command("demo_consultations", stdout=out)
    assert "4 consultations" in out.getvalue()
    assert Consultation.objects.count() == 4
    musrenbang = Consultation.objects.get(kind="musrenbang")
    assert musrenbang.inputs.count() == 3 and Response.objects.count() == 3
    statuses = [f.status() for f in musrenbang.follow_ups.all()]
    assert sorted(statuses) == sorted([Status.DONE, Status.OVERDUE, Status.OPEN])
    assert Consultation.objects.filter(date__gt=timezone.localdate()).count() == 1
