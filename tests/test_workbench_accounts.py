"""Accounts and roles for a real office: `sejahtera manage add_user`, the administration pages,
and the page an account without a role sees instead of a bare 403."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.models import Profile
from workbench_users import PASSWORD, organisation_named, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def add_user(*arguments: str) -> str:
    out = io.StringIO()
    call_command("add_user", *arguments, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_add_user_makes_an_account_with_a_role_that_signs_in(monkeypatch) -> None:
    monkeypatch.setenv("NEW_PASSWORD", PASSWORD)
    said = add_user("sari", "--role", "kepala", "--password-from-env", "NEW_PASSWORD")
    assert "sari" in said and "Kepala Bagian Kebijakan Sosial" in said  # Indonesian first
    client = Client()
    answer = client.post("/login/", {"username": "sari", "password": PASSWORD})
    assert answer.status_code == 302 and client.get("/dashboard/").status_code == 200
    event = AuditEvent.objects.get(action="user_added")
    assert event.detail == {
        "role": "kepala", "organisation": None, "role_before": None, "password_set": True,
        "by": "add_user",
    }  # fmt: skip
    assert event.object_id == str(get_user_model().objects.get(username="sari").pk)


def test_a_superuser_without_a_role_is_told_how_to_get_one_then_gets_it() -> None:
    admin = get_user_model().objects.create_superuser("admin", password=PASSWORD)
    client = signed_in(user=admin)
    page = client.get("/programmes/")
    assert page.status_code == 403
    assert "Belum ada peran" in page.text and "sejahtera manage add_user admin --role" in page.text
    assert f"/admin/core/profile/add/?user={admin.pk}" in page.text
    add_user("admin", "--role", "officer")  # an existing account keeps its password
    assert client.get("/programmes/").status_code == 200
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="role_given")
    assert event.detail["role"] == "officer" and event.detail["password_set"] is False


def test_an_account_without_a_role_and_without_staff_rights_is_sent_to_the_administrator() -> None:
    page = signed_in(None).get("/dashboard/")
    assert page.status_code == 403 and "Belum ada peran" in page.text
    assert "/admin/core/profile/add/" not in page.text and "add_user" in page.text


def test_a_partner_account_names_its_organisation_and_only_a_partner_does(monkeypatch) -> None:
    monkeypatch.setenv("NEW_PASSWORD", PASSWORD)
    yayasan = organisation_named("Yayasan Sejahtera Bersama")
    add_user(
        "mitra", "--role", "partner", "--organisation", "yayasan  sejahtera bersama",
        "--password-from-env", "NEW_PASSWORD",
    )  # fmt: skip
    assert Profile.objects.get(user__username="mitra").organisation == yayasan
    with pytest.raises(CommandError, match="--organisation"):
        add_user("mitra2", "--role", "partner")
    with pytest.raises(CommandError, match="Yayasan Sejahtera Bersama"):  # the close name
        add_user("mitra3", "--role", "partner", "--organisation", "Yayasan Sejahtra")
    with pytest.raises(CommandError, match="--organisation"):
        add_user("ana", "--role", "analyst", "--organisation", "Yayasan Sejahtera Bersama")
    with pytest.raises(CommandError, match="kepala, analyst, officer, partner, auditor"):
        add_user("ana", "--role", "admin")
    assert not get_user_model().objects.filter(username__in=["mitra2", "mitra3", "ana"]).exists()


def test_a_new_account_needs_a_good_password(monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO())  # not a terminal
    with pytest.raises(CommandError, match="--password-from-env"):
        add_user("budi", "--role", "officer")
    with pytest.raises(CommandError, match="NOT_SET"):
        add_user("budi", "--role", "officer", "--password-from-env", "NOT_SET")
    monkeypatch.setenv("SHORT", "pendek")
    with pytest.raises(CommandError, match="12"):
        add_user("budi", "--role", "officer", "--password-from-env", "SHORT")
    assert not get_user_model().objects.filter(username="budi").exists()
    assert not AuditEvent.objects.exists()


def test_the_password_is_typed_twice_at_the_prompt(monkeypatch) -> None:
    typed = iter(["salah satu sandi 1", "sandi lain sekali 2", PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    monkeypatch.setattr("sys.stdin", Terminal())
    add_user("budi", "--role", "officer")
    assert get_user_model().objects.get(username="budi").check_password(PASSWORD)


def test_the_administration_pages_are_for_staff_and_sign_in_through_the_workbench() -> None:
    anonymous = Client().get("/admin/", follow=True)
    assert anonymous.redirect_chain[-1][0] == "/login/?next=/admin/"
    assert signed_in("kepala").get("/admin/", follow=True).status_code == 403
    admin = signed_in(user=get_user_model().objects.create_superuser("admin", password=PASSWORD))
    assert admin.get("/admin/").status_code == 200
    assert admin.get("/admin/auth/user/").status_code == 200
    assert admin.get("/admin/stakeholders/organisation/").status_code == 200


def test_a_role_given_in_the_administration_pages_is_checked_and_audited() -> None:
    admin = signed_in(user=get_user_model().objects.create_superuser("admin", password=PASSWORD))
    user = get_user_model().objects.create_user("mitra")
    yayasan = organisation_named("Yayasan A")
    missing = admin.post("/admin/core/profile/add/", {"user": user.pk, "role": "partner"})
    assert missing.status_code == 200 and not Profile.objects.exists()  # a partner needs one
    given = admin.post(
        "/admin/core/profile/add/",
        {"user": user.pk, "role": "partner", "organisation": yayasan.pk},
    )
    assert given.status_code == 302
    assert Profile.objects.get(user=user).organisation == yayasan
    event = AuditEvent.objects.get(action="role_given")
    assert event.username == "admin" and event.detail["via"] == "admin"


def test_an_organisation_changed_in_the_administration_pages_moves_its_version_on() -> None:
    admin = signed_in(user=get_user_model().objects.create_superuser("admin", password=PASSWORD))
    yayasan = organisation_named("Yayasan A")
    changed = admin.post(
        f"/admin/stakeholders/organisation/{yayasan.pk}/change/",
        {"name": "Yayasan A Baru", "kind": "ngo", "notes": ""},
    )
    assert changed.status_code == 302
    yayasan.refresh_from_db()
    assert (yayasan.name, yayasan.version) == ("Yayasan A Baru", 2)
    assert AuditEvent.objects.get(action="organisation_changed").detail["via"] == "admin"
