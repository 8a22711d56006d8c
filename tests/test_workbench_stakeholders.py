"""Stakeholders in the workbench: organisations, contacts (masked, with an audited reveal), each
organisation's RACI role and influence/interest per programme, and the influence/interest map.

Every view: the normal case, each role that must not see or change it, anonymous visitors, the
wrong HTTP method and invalid input; optimistic locking; a partner's isolation."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.stakeholders.demo import DEMO_PARTNER
from sejahtera.workbench.stakeholders.influence import Quadrant, quadrant
from sejahtera.workbench.stakeholders.models import Contact, Engagement, Organisation
from workbench_users import new_programme, organisation_named, signed_in

pytestmark = pytest.mark.django_db
APP = Path(__file__).resolve().parent.parent / "src/sejahtera/workbench/stakeholders"
STAFF = ("kepala", "analyst", "officer", "auditor")
EDITORS = ("kepala", "analyst", "officer")


@pytest.fixture
def world(settings) -> SimpleNamespace:
    settings.ALLOWED_HOSTS = ["testserver"]
    food = new_programme("pangan", "Bantuan Pangan", ("Yayasan A",))
    school = new_programme("beasiswa", "Beasiswa Desa", ("Yayasan B",))
    dinsos = Organisation.objects.create(name="Dinas Sosial Contoh", kind="government")
    a = organisation_named("Yayasan A")
    b = organisation_named("Yayasan B", notes="catatan rahasia B")
    rina = Contact.objects.create(
        organisation=dinsos,
        name="Rina Pratiwi",
        position="Kepala Bidang",
        phone="0812-0000-0101",
        email="rina@dinsos.contoh.example",
    )
    yusuf = Contact.objects.create(organisation=a, name="Yusuf Hidayat", position="Direktur")
    hendra = Contact.objects.create(organisation=b, name="Hendra Gunawan", position="Ketua")
    return SimpleNamespace(
        food=food,
        school=school,
        dinsos=dinsos,
        a=a,
        b=b,
        rina=rina,
        yusuf=yusuf,
        hendra=hendra,
        dinsos_food=Engagement.objects.create(
            organisation=dinsos, programme=food, role="accountable", influence=5, interest=5
        ),
        a_food=Engagement.objects.create(
            organisation=a, programme=food, role="responsible", influence=2, interest=4
        ),
        b_school=Engagement.objects.create(
            organisation=b, programme=school, role="responsible", influence=4, interest=2
        ),
    )


def read_pages(w: SimpleNamespace) -> list[str]:
    return [
        "/stakeholders/",
        f"/stakeholders/{w.dinsos.pk}/",
        f"/stakeholders/contacts/{w.rina.pk}/",
        "/stakeholders/programmes/",
        "/stakeholders/programmes/pangan/",
    ]


def edit_pages(w: SimpleNamespace) -> list[str]:
    return [
        "/stakeholders/new/",
        f"/stakeholders/{w.dinsos.pk}/edit/",
        f"/stakeholders/{w.dinsos.pk}/contacts/new/",
        f"/stakeholders/contacts/{w.rina.pk}/edit/",
        "/stakeholders/programmes/pangan/engagements/new/",
        f"/stakeholders/engagements/{w.dinsos_food.pk}/edit/",
    ]


def post_only(w: SimpleNamespace) -> list[str]:
    return [
        f"/stakeholders/contacts/{w.rina.pk}/reveal/",
        f"/stakeholders/engagements/{w.dinsos_food.pk}/delete/",
    ]


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("at", "pk").values_list("action", flat=True))


# Access


@pytest.mark.parametrize("role", STAFF)
def test_staff_read_every_page(world, role: str) -> None:
    client = signed_in(role)
    for url in read_pages(world):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in(world) -> None:
    client = Client()
    for url in read_pages(world) + edit_pages(world):
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url
    for url in edit_pages(world) + post_only(world):
        answer = client.post(url, {"name": "x"})
        assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url
    assert Organisation.objects.count() == 3 and not AuditEvent.objects.exists()


def test_an_account_without_a_role_sees_nothing(world) -> None:
    client = signed_in(None)
    for url in read_pages(world) + edit_pages(world):
        assert client.get(url).status_code == 403, url
    for url in post_only(world):
        assert client.post(url).status_code == 403, url


@pytest.mark.parametrize("role", ["auditor", "partner"])
def test_auditors_and_partners_change_nothing(world, role: str) -> None:
    client = signed_in(role, "Dinas Sosial Contoh" if role == "partner" else "")
    for url in edit_pages(world):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "changed", "kind": "ngo"}).status_code == 403, url
    assert (
        client.post(f"/stakeholders/engagements/{world.dinsos_food.pk}/delete/").status_code == 403
    )
    assert Organisation.objects.get(pk=world.dinsos.pk).name == "Dinas Sosial Contoh"
    assert Engagement.objects.count() == 3 and not AuditEvent.objects.exists()


def test_the_wrong_method_is_refused(world) -> None:
    client = signed_in("kepala")
    for url in read_pages(world):
        assert client.post(url).status_code == 405, url
    for url in post_only(world):
        assert client.get(url).status_code == 405, url
    for url in edit_pages(world):
        assert client.put(url).status_code == 405, url
    assert Engagement.objects.count() == 3


def test_unknown_records_are_not_found(world) -> None:
    client = signed_in("kepala")
    for url in ("/stakeholders/999/", "/stakeholders/contacts/999/", "/stakeholders/programmes/x/"):
        assert client.get(url).status_code == 404, url


# Organisations


def test_organisations_are_listed_and_filtered_by_kind(world) -> None:
    client = signed_in("analyst")
    page = client.get("/stakeholders/").text
    assert all(name in page for name in ("Dinas Sosial Contoh", "Yayasan A", "Yayasan B"))
    assert "Instansi pemerintah" in page  # in Indonesian by default
    ngos = client.get("/stakeholders/?kind=ngo").text
    assert "Yayasan A" in ngos and "Dinas Sosial Contoh" not in ngos
    assert "Dinas Sosial Contoh" in client.get("/stakeholders/?kind=bogus").text


def test_an_organisation_is_created_and_audited(world) -> None:
    client = signed_in("officer")
    form = client.get("/stakeholders/new/")
    assert form.status_code == 200 and 'name="version"' not in form.text
    answer = client.post(
        "/stakeholders/new/", {"name": "Kelompok Tani Maju", "kind": "community", "notes": ""}
    )
    made = Organisation.objects.get(name="Kelompok Tani Maju")
    assert answer.status_code == 302 and answer["Location"] == f"/stakeholders/{made.pk}/"
    assert made.version == 1 and made.kind == "community"
    event = AuditEvent.objects.get(action="organisation_created")
    assert event.object_id == str(made.pk) and event.username.startswith("officer-")


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "kind": "ngo"},
        {"name": "Yayasan A", "kind": "ngo"},  # the name is taken
        {"name": "Baru", "kind": "club"},
        {"name": "Baru", "kind": "ngo", "region": "99.99"},
    ],
)
def test_an_invalid_organisation_is_refused(world, data: dict[str, str]) -> None:
    answer = signed_in("kepala").post("/stakeholders/new/", data)
    assert answer.status_code == 400 and 'class="error"' in answer.text
    assert Organisation.objects.count() == 3 and not AuditEvent.objects.exists()


def test_an_organisation_is_edited_with_its_version(world) -> None:
    client = signed_in("analyst")
    url = f"/stakeholders/{world.a.pk}/edit/"
    assert 'name="version" value="1"' in client.get(url).text
    data = {"name": "Yayasan A", "kind": "ngo", "notes": "mitra penyaluran", "version": "1"}
    assert client.post(url, data).status_code == 302
    world.a.refresh_from_db()
    assert world.a.notes == "mitra penyaluran" and world.a.version == 2
    event = AuditEvent.objects.get(action="organisation_changed")
    assert event.detail == {"fields": ["notes"]}


def test_a_stale_organisation_edit_changes_nothing(world) -> None:
    first, second = signed_in("kepala"), signed_in("officer")
    url = f"/stakeholders/{world.a.pk}/edit/"
    first.post(url, {"name": "Yayasan A", "kind": "ngo", "notes": "satu", "version": "1"})
    stale = second.post(url, {"name": "Yayasan A2", "kind": "ngo", "notes": "dua", "version": "1"})
    assert stale.status_code == 409
    assert "Orang lain menyimpan perubahan" in stale.text
    world.a.refresh_from_db()
    assert (world.a.name, world.a.notes, world.a.version) == ("Yayasan A", "satu", 2)
    assert actions() == ["organisation_changed"]


def test_an_edit_without_a_version_is_invalid(world) -> None:
    answer = signed_in("kepala").post(
        f"/stakeholders/{world.a.pk}/edit/", {"name": "Yayasan A", "kind": "ngo"}
    )
    assert answer.status_code == 400 and Organisation.objects.get(pk=world.a.pk).version == 1


# Contacts and personal data


def test_contacts_are_masked_everywhere_by_default(world) -> None:
    for role in ("kepala", "analyst", "auditor"):
        client = signed_in(role)
        for url in (
            f"/stakeholders/{world.dinsos.pk}/",
            f"/stakeholders/contacts/{world.rina.pk}/",
        ):
            page = client.get(url).text
            assert "Rina Pratiwi" not in page and "0812-0000-0101" not in page, (role, url)
            assert "rina@" not in page and "R. P." in page and "*********01" in page
            assert "r***@dinsos.contoh.example" in page
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["kepala", "officer", "auditor"])
def test_a_reveal_shows_the_contact_and_is_audited(world, role: str) -> None:
    client = signed_in(role)
    page = client.get(f"/stakeholders/contacts/{world.rina.pk}/").text
    assert "Tampilkan data pribadi" in page
    answer = client.post(f"/stakeholders/contacts/{world.rina.pk}/reveal/")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert "Rina Pratiwi" in answer.text and "0812-0000-0101" in answer.text
    assert "rina@dinsos.contoh.example" in answer.text
    event = AuditEvent.objects.get(action="personal_data_viewed")
    assert event.object_type == "Contact" and event.object_id == str(world.rina.pk)
    assert event.detail["purpose"] == "reveal"


@pytest.mark.parametrize("role", ["analyst", "partner"])
def test_roles_outside_personal_data_cannot_reveal(world, role: str) -> None:
    client = signed_in(role, "Dinas Sosial Contoh" if role == "partner" else "")
    page = client.get(f"/stakeholders/contacts/{world.rina.pk}/")
    assert page.status_code == 200 and "Tampilkan data pribadi" not in page.text
    answer = client.post(f"/stakeholders/contacts/{world.rina.pk}/reveal/")
    assert answer.status_code == 403 and "Rina Pratiwi" not in answer.text
    assert not AuditEvent.objects.exists()


def test_a_contact_is_added_without_its_data_in_the_audit_log(world) -> None:
    client = signed_in("analyst")
    url = f"/stakeholders/{world.b.pk}/contacts/new/"
    data = {"name": "Sri Wahyuni", "position": "Bendahara", "phone": "0815", "email": ""}
    assert client.post(url, data).status_code == 302
    contact = world.b.contacts.get(position="Bendahara")
    assert contact.name == "Sri Wahyuni"
    event = AuditEvent.objects.get(action="contact_created")
    assert "Sri" not in str(event.detail) and event.object_id == str(contact.pk)
    invalid = client.post(url, {"name": "", "email": "not-an-address"})
    assert invalid.status_code == 400 and world.b.contacts.count() == 2


def test_editing_a_contact_shows_its_data_so_it_is_audited_and_locked(world) -> None:
    client = signed_in("officer")
    url = f"/stakeholders/contacts/{world.rina.pk}/edit/"
    form = client.get(url)
    assert form.status_code == 200 and "Rina Pratiwi" in form.text
    assert AuditEvent.objects.get().detail["purpose"] == "edit"
    data = {"name": "Rina Pratiwi", "position": "Kepala Dinas", "phone": "", "email": ""}
    assert client.post(url, {**data, "version": "1"}).status_code == 302
    world.rina.refresh_from_db()
    assert world.rina.position == "Kepala Dinas" and world.rina.version == 2
    assert client.post(url, {**data, "position": "lama", "version": "1"}).status_code == 409
    assert Contact.objects.get(pk=world.rina.pk).position == "Kepala Dinas"
    assert client.post(url, {**data, "email": "x", "version": "2"}).status_code == 400
    # An analyst may add contacts but not open one's personal data to edit it.
    assert signed_in("analyst").get(url).status_code == 403


# Engagements and the map


def test_an_engagement_is_added_changed_and_removed(world) -> None:
    client = signed_in("kepala")
    url = "/stakeholders/programmes/pangan/engagements/new/"
    data = {"organisation": world.b.pk, "role": "informed", "influence": 1, "interest": 3}
    assert client.post(url, data)["Location"] == "/stakeholders/programmes/pangan/"
    made = Engagement.objects.get(organisation=world.b, programme=world.food)
    edit = f"/stakeholders/engagements/{made.pk}/edit/"
    assert client.post(edit, {**data, "influence": 4, "version": 1}).status_code == 302
    made.refresh_from_db()
    assert made.influence == 4 and made.version == 2 and made.quadrant == Quadrant.MANAGE_CLOSELY
    assert client.post(f"/stakeholders/engagements/{made.pk}/delete/").status_code == 302
    assert not Engagement.objects.filter(pk=made.pk).exists()
    assert actions() == ["engagement_created", "engagement_changed", "engagement_deleted"]


@pytest.mark.parametrize(
    "change",
    [
        {"organisation": "", "role": "informed"},
        {"role": "boss"},
        {"influence": 6},
        {"interest": 0},
        {"organisation": 999},
        {"role": "responsible"},  # Yayasan A is already responsible in this programme
    ],
)
def test_an_invalid_engagement_is_refused(world, change: dict[str, object]) -> None:
    data = {"organisation": world.a.pk, "role": "consulted", "influence": 3, "interest": 3}
    answer = signed_in("officer").post(
        "/stakeholders/programmes/pangan/engagements/new/", {**data, **change}
    )
    assert answer.status_code == 400
    assert Engagement.objects.count() == 3 and not AuditEvent.objects.exists()


def test_a_stale_engagement_edit_changes_nothing(world) -> None:
    url = f"/stakeholders/engagements/{world.a_food.pk}/edit/"
    data = {"organisation": world.a.pk, "role": "responsible", "interest": 4, "version": 1}
    assert signed_in("kepala").post(url, {**data, "influence": 3}).status_code == 302
    stale = signed_in("analyst").post(url, {**data, "influence": 1})
    assert stale.status_code == 409
    assert Engagement.objects.get(pk=world.a_food.pk).influence == 3


@pytest.mark.parametrize("influence", range(1, 6))
@pytest.mark.parametrize("interest", range(1, 6))
def test_each_score_pair_falls_in_its_quadrant(influence: int, interest: int) -> None:
    expected = {
        (True, True): Quadrant.MANAGE_CLOSELY,
        (True, False): Quadrant.KEEP_SATISFIED,
        (False, True): Quadrant.KEEP_INFORMED,
        (False, False): Quadrant.MONITOR,
    }[(influence >= 3, interest >= 3)]
    assert quadrant(influence, interest) == expected


def svg_shapes(
    page: str,
) -> tuple[dict[str, tuple[float, ...]], dict[int, tuple[str, float, float]]]:
    """The quadrants' rectangles and the numbered points (quadrant, x, y) of the map."""
    svg = page[page.index("<svg") : page.index("</svg>")]
    areas = {
        q: tuple(float(v) for v in box)
        for q, *box in re.findall(
            r'data-quadrant="(\w+)"><rect x="([\d.]+)" y="([\d.]+)" '
            r'width="([\d.]+)" height="([\d.]+)"',
            svg,
        )
    }
    points = {
        int(n): (q, float(x), float(y))
        for n, q, x, y in re.findall(
            r'data-number="(\d+)" data-quadrant="(\w+)">.*?<circle cx="([\d.]+)" cy="([\d.]+)"',
            svg,
        )
    }
    return areas, points


def test_the_map_draws_each_engagement_in_its_quadrant(world) -> None:
    scores = {"Yayasan B": (4, 1), "Yayasan C": (1, 5), "Yayasan D": (2, 2), "Yayasan E": (3, 3)}
    for name, (influence, interest) in scores.items():
        organisation, _ = Organisation.objects.get_or_create(name=name, defaults={"kind": "ngo"})
        Engagement.objects.create(
            organisation=organisation,
            programme=world.food,
            role="consulted",
            influence=influence,
            interest=interest,
        )
    page = signed_in("auditor").get("/stakeholders/programmes/pangan/").text
    assert 'role="img"' in page and "<script>" not in page
    assert "Peta pengaruh/kepentingan" in page and "Kelola secara dekat" in page
    areas, points = svg_shapes(page)
    assert set(areas) == {q.value for q in Quadrant} and len(points) == 6
    table = re.findall(
        r'<tr data-quadrant="(\w+)"><td class="n">(\d+)</td><td><a [^>]+>([^<]+)</a>', page
    )
    expected = {
        "Dinas Sosial Contoh": "manage_closely",
        "Yayasan A": "keep_informed",
        "Yayasan B": "keep_satisfied",
        "Yayasan C": "keep_informed",
        "Yayasan D": "monitor",
        "Yayasan E": "manage_closely",
    }
    assert {name: q for q, _, name in table} == expected
    for q, number, _ in table:
        drawn, x, y = points[int(number)]
        left, top, width, height = areas[drawn]
        assert drawn == q and left < x < left + width and top < y < top + height


def test_engagements_that_share_scores_do_not_hide_each_other(world) -> None:
    for role in ("consulted", "informed"):
        Engagement.objects.create(
            organisation=world.dinsos, programme=world.food, role=role, influence=5, interest=5
        )
    _, points = svg_shapes(signed_in("kepala").get("/stakeholders/programmes/pangan/").text)
    places = [(x, y) for q, x, y in points.values() if q == "manage_closely"]
    assert len(places) == len(set(places)) == 3


def test_the_map_reads_in_english_too(world) -> None:
    client = signed_in("kepala")
    client.cookies["django_language"] = "en"
    page = client.get("/stakeholders/programmes/pangan/").text
    assert "Influence/interest map" in page and "Manage closely" in page


# A partner's isolation


def test_a_partner_sees_only_its_own_organisation_and_programmes(world) -> None:
    client = signed_in("partner", "Yayasan A")
    listing = client.get("/stakeholders/").text
    assert "Yayasan A" in listing and "Yayasan B" not in listing
    assert "Dinas Sosial Contoh" not in listing
    own = client.get(f"/stakeholders/{world.a.pk}/")
    assert own.status_code == 200 and "Y. H." in own.text and "Bantuan Pangan" in own.text
    for url in (
        f"/stakeholders/{world.b.pk}/",
        f"/stakeholders/{world.dinsos.pk}/",
        f"/stakeholders/contacts/{world.hendra.pk}/",
        f"/stakeholders/contacts/{world.rina.pk}/",
        "/stakeholders/programmes/beasiswa/",
    ):
        answer = client.get(url)
        assert answer.status_code == 403, url
        assert "Hendra" not in answer.text and "catatan rahasia" not in answer.text
    programmes = client.get("/stakeholders/programmes/").text
    assert "Bantuan Pangan" in programmes and "Beasiswa Desa" not in programmes
    food = client.get("/stakeholders/programmes/pangan/").text
    assert "Yayasan A" in food and "Dinas Sosial Contoh" not in food and "Yayasan B" not in food
    assert len(svg_shapes(food)[1]) == 1


def test_a_partner_account_without_an_organisation_sees_nothing(world) -> None:
    client = signed_in("partner", "")
    assert "Yayasan" not in client.get("/stakeholders/").text
    assert "Bantuan Pangan" not in client.get("/stakeholders/programmes/").text
    assert client.get(f"/stakeholders/{world.a.pk}/").status_code == 403


# Demo data and translations


def test_the_demo_loads_once_and_its_partner_sees_its_programmes(settings) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    for _ in range(2):
        out = io.StringIO()
        call_command("demo_stakeholders", stdout=out)
    assert "7 organisations" in out.getvalue()
    assert Organisation.objects.filter(name=DEMO_PARTNER).exists()
    assert all(o.name.endswith("(demo)") for o in Organisation.objects.all())
    assert Engagement.objects.count() == 10 and Programme.objects.count() == 2
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == {"government", "ngo", "community", "private"}
    client = signed_in("partner", DEMO_PARTNER)
    programmes = client.get("/stakeholders/programmes/").text
    assert "bantuan-pangan-daerah" in programmes and "beasiswa-anak-desa" in programmes
    assert client.get("/stakeholders/").text.count("(demo)</a>") == 1
