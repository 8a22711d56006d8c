"""The first enrolment of an authenticator, with two requests at the same moment (two tabs, or
someone else holding the password): one key for the account whatever the number of tabs, one
confirmed device, and a code that confirms once. The technique and the database the threads
share are workbench_concurrency.py's; on PostgreSQL under ``make test``."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core import twofactor
from workbench_concurrency import database, status_of, together
from workbench_users import PASSWORD, user_with

pytestmark = pytest.mark.django_db(transaction=True)
PAGE = "/account/two-factor/?next=/dashboard/"
__all__ = ["database"]  # a fixture, used by name


@pytest.fixture
def head(database, settings) -> list[Client]:
    """Two sessions of the head, each past the password and owing the second factor."""
    settings.TWO_FACTOR = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user_with("kepala", username="sari", password=PASSWORD)
    clients = []
    for _ in range(2):
        client = Client(raise_request_exception=False)
        answer = client.post("/login/?next=/dashboard/", {"username": "sari", "password": PASSWORD})
        assert answer["Location"].startswith("/account/two-factor/")
        clients.append(client)
    return clients


def code_of(device: TOTPDevice) -> str:
    """The device's current code, computed from its key (RFC 6238)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"


def test_two_first_visits_at_once_show_one_key(head, monkeypatch) -> None:
    """Each request has found no authenticator before either makes one."""
    a, b = head
    answers = together(
        monkeypatch, twofactor, [lambda: a.get(PAGE), lambda: b.get(PAGE)], "enrolled"
    )
    assert status_of(answers) == [200, 200]
    device = TOTPDevice.objects.get(user__username="sari")
    assert not device.confirmed
    assert {answer.context["key"] for answer in answers} == {twofactor._key_text(device)}


def test_one_code_sent_twice_at_once_confirms_once(head, monkeypatch) -> None:
    """Both requests have found the account without a confirmed authenticator before either
    confirms: the second waits, then is sent to give a code of its own."""
    a, b = head
    assert a.get(PAGE).status_code == 200
    device = TOTPDevice.objects.get(user__username="sari")
    code = {"code": code_of(device)}
    confirmed, sent_on = together(
        monkeypatch, twofactor, [lambda: a.post(PAGE, code), lambda: b.post(PAGE, code)], "enrolled"
    )
    monkeypatch.undo()  # the pages below are opened one at a time
    assert (confirmed.status_code, sent_on.status_code) == (200, 302)
    assert sent_on["Location"].startswith("/login/verify/")
    assert TOTPDevice.objects.filter(user__username="sari", confirmed=True).count() == 1
    assert TOTPDevice.objects.filter(user__username="sari").count() == 1
    assert AuditEvent.objects.filter(action="two_factor_enrolled").count() == 1
    stored = set(
        StaticToken.objects.filter(device__user__username="sari").values_list("token", flat=True)
    )
    assert stored == set(confirmed.context["codes"])  # the codes shown are the ones that work
    winner, loser = (a, b) if a.get("/dashboard/").status_code == 200 else (b, a)
    assert winner.get("/dashboard/").status_code == 200
    assert loser.get("/dashboard/")["Location"].startswith("/login/verify/")
    assert loser.post("/login/verify/?next=/dashboard/", code).status_code == 401  # used up
