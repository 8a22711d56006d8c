"""API tokens and the second factor (issue 15): a token expires (90 days unless ``--days N``),
and the head or an administrator gets one, and uses it, only with a confirmed authenticator;
``sejahtera manage api_token`` says so in both languages."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sejahtera.i18n import set_language
from sejahtera.workbench.core import tokens
from sejahtera.workbench.core.models import ApiToken
from workbench_users import user_with

pytestmark = pytest.mark.django_db
SIGNED = {"head": ("kepala", False), "admin": ("analyst", True)}  # role, is_staff


@pytest.fixture(autouse=True)
def _as_deployed(settings):
    settings.TWO_FACTOR = True
    settings.ALLOWED_HOSTS = ["testserver"]


def command(*arguments: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", *arguments, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def answer(token: str) -> int:
    return Client().get("/api/programmes", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def account(kind: str, username: str):  # type: ignore[no-untyped-def]
    role, staff = SIGNED[kind]
    user = user_with(role, username=username)
    if staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


@pytest.mark.parametrize("kind", ["head", "admin"])
def test_no_token_for_the_head_or_an_administrator_without_a_second_factor(kind: str) -> None:
    account(kind, "sari")
    with pytest.raises(CommandError) as refused:
        command("sari")
    assert str(refused.value).startswith("sari wajib masuk dengan dua faktor")
    assert "/account/two-factor/" in str(refused.value)
    set_language("en")
    with pytest.raises(CommandError, match="sari must sign in with a second factor"):
        command("sari")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("kind", ["head", "admin"])
def test_a_token_works_only_while_its_account_has_a_confirmed_authenticator(kind: str) -> None:
    user = account(kind, "sari")
    TOTPDevice.objects.create(user=user, name="app", confirmed=False)  # not confirmed: no token
    with pytest.raises(CommandError):
        command("sari")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    token, _ = command("sari")
    assert answer(token) == 200
    device.delete()  # a lost phone: an administrator deletes its device
    assert answer(token) == 401


def test_a_token_made_before_the_second_factor_was_asked_for_does_not_bypass_it(
    settings,
) -> None:
    settings.TWO_FACTOR = False
    user_with("kepala", username="sari")
    token, _ = command("sari")
    assert answer(token) == 200
    settings.TWO_FACTOR = True
    assert answer(token) == 401


def test_other_roles_get_a_token_without_a_second_factor() -> None:
    user_with("officer", username="budi")
    token, _ = command("budi")
    assert answer(token) == 200


def test_a_token_expires_after_ninety_days_and_the_command_says_when() -> None:
    user_with("analyst", username="budi")
    before = timezone.now()
    token, said = command("budi")
    row = ApiToken.objects.get(user__username="budi")
    assert before + timedelta(days=90) <= row.expires <= timezone.now() + timedelta(days=90)
    when = timezone.localtime(row.expires).strftime("%Y-%m-%d %H:%M")
    assert said.startswith(f"Token API untuk budi berlaku 90 hari, sampai {when}")
    assert answer(token) == 200
    ApiToken.objects.filter(pk=row.pk).update(expires=timezone.now() - timedelta(seconds=1))
    assert answer(token) == 401


def test_days_sets_the_period_within_bounds_in_both_languages() -> None:
    user_with("analyst", username="budi")
    set_language("en")
    token, said = command("budi", "--days", "3")
    row = ApiToken.objects.get()
    assert timedelta(days=3) - timedelta(minutes=1) < row.expires - row.created <= timedelta(days=3)
    assert said.startswith("API token for budi, valid for 3 days, until ")
    assert tokens.user_for(token) is not None
    for days in ("0", "366"):
        with pytest.raises(
            CommandError, match=f"--days must be between 1 and 365 days, not {days}"
        ):
            command("budi", "--days", days)
    assert ApiToken.objects.count() == 1
    set_language("id")
    with pytest.raises(CommandError, match="Tidak ada pengguna bernama nobody"):
        command("nobody")
