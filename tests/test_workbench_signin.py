"""Signing in (issue 15): sessions that end when idle, the head's and administrators' second factor
(TOTP through django-otp, backup codes), login limits per account and address kept in the
database, and production refusing a weak secret or uncollected static files."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
import time
from base64 import b32encode
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core import ratelimit
from sejahtera.workbench.core.middleware import LAST_SEEN
from sejahtera.workbench.core.startup import secret_problem, static_problem
from workbench_users import PASSWORD, signed_in, user_with

pytestmark = pytest.mark.django_db
SEJAHTERA = str(Path(sys.executable).parent / "sejahtera")
DATABASE_LIMITS = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "limits": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "sejahtera_cache",
    },
}


@pytest.fixture(autouse=True)
def _as_deployed(settings):
    """The second factor on, the limits in the database's cache table (as without Redis), and
    a quick password hasher (the hashing is not what is tested)."""
    settings.TWO_FACTOR = True
    settings.CACHES = DATABASE_LIMITS
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("createcachetable", verbosity=0)


def code_of(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's current code, computed here from its key (RFC 6238)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, drift=steps_ahead)
    return f"{value:0{device.digits}d}"


def password_step(client: Client, username: str, then: str = "/dashboard/"):
    return client.post(f"/login/?next={then}", {"username": username, "password": PASSWORD})


# Sessions end when idle


def test_an_idle_session_ends_and_the_sign_in_page_says_why() -> None:
    client = signed_in("analyst")
    assert client.get("/dashboard/").status_code == 200
    session = client.session
    assert session[LAST_SEEN] == pytest.approx(time.time(), abs=5)
    session[LAST_SEEN] = time.time() - 29 * 60  # within the 30 minutes: still signed in
    session.save()
    assert client.get("/dashboard/").status_code == 200
    session = client.session
    session[LAST_SEEN] = time.time() - 31 * 60
    session.save()
    ended = client.get("/dashboard/")
    assert ended.status_code == 302 and ended["Location"] == "/login/?next=/dashboard/"
    page = client.get(ended["Location"])
    assert "30 menit" in page.text and "Masuk lagi" in page.text  # Indonesian first
    assert "_auth_user_id" not in client.session
    assert client.get("/dashboard/").status_code == 302  # signed out, not just told
    assert AuditEvent.objects.filter(action="session_expired").count() == 1
    assert "30 menit" not in client.get("/login/").text  # said once


def test_the_idle_limit_is_a_setting_and_the_notice_is_in_english_on_request(settings) -> None:
    settings.SESSION_IDLE_MINUTES = 5
    client = signed_in("officer")
    client.cookies["django_language"] = "en"
    client.get("/dashboard/")
    session = client.session
    session[LAST_SEEN] = time.time() - 6 * 60
    session.save()
    page = client.get("/dashboard/", follow=True)
    assert "signed out after 5 minutes" in page.text and "Sign in again" in page.text


def test_a_page_polling_itself_does_not_keep_the_session_open() -> None:
    client = signed_in("analyst")
    client.get("/dashboard/")
    session = client.session
    session[LAST_SEEN] = before = time.time() - 10 * 60
    session.save()
    client.get("/dashboard/", headers={"HX-Request": "true"})
    assert client.session[LAST_SEEN] == before
    client.get("/dashboard/")
    assert client.session[LAST_SEEN] > before + 9 * 60
    session = client.session
    session[LAST_SEEN] = time.time() - 31 * 60
    session.save()
    polled = client.get("/dashboard/", headers={"HX-Request": "true"})
    assert polled["HX-Redirect"] == "/login/?next=/dashboard/"  # the page goes, not a part


# The second factor


def test_the_head_without_a_device_enrols_before_any_other_page(settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code then the right one at once
    user_with("kepala", username="sari", password=PASSWORD)
    client = Client()
    answer = password_step(client, "sari")
    assert answer.status_code == 302
    assert answer["Location"] == "/account/two-factor/?next=%2Fdashboard%2F"
    for page in ("/dashboard/", "/programmes/", "/audit/", "/admin/"):
        refused = client.get(page)
        assert refused.status_code == 302, page
        assert refused["Location"].startswith("/account/two-factor/"), page
    assert client.get("/login/verify/")["Location"].startswith("/account/two-factor/")
    enrolment = client.get("/account/two-factor/?next=/dashboard/")
    assert enrolment.status_code == 200
    assert "<svg" in enrolment.text and "Aktifkan" in enrolment.text
    device = TOTPDevice.objects.get(user__username="sari")
    assert not device.confirmed
    key = enrolment.context["key"].replace(" ", "")
    assert key == b32encode(device.bin_key).decode()  # the key typed by hand is the device's
    wrong = client.post("/account/two-factor/?next=/dashboard/", {"code": "000000"})
    if code_of(device) != "000000":
        assert wrong.status_code == 400 and client.get("/dashboard/").status_code == 302
    done = client.post("/account/two-factor/?next=/dashboard/", {"code": code_of(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.text for code in codes)
    assert client.get("/dashboard/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="two_factor_enrolled", username="sari").count() == 1


def enrolled_head(username: str = "sari") -> TOTPDevice:
    user = user_with("kepala", username=username, password=PASSWORD)
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def test_the_head_signs_in_with_the_code_of_their_app(settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code then the right one at once
    device = enrolled_head()
    client = Client()
    answer = password_step(client, "sari", then="/programmes/")
    assert answer["Location"] == "/login/verify/?next=%2Fprogrammes%2F"
    assert client.get("/dashboard/")["Location"].startswith("/login/verify/")
    # Enrolling again instead of giving the code is not possible.
    assert client.get("/account/two-factor/")["Location"].startswith("/login/verify/")
    assert client.post("/login/verify/", {"code": "12345"}).status_code == 401
    code = code_of(device)
    half_way = client.session.session_key
    good = client.post("/login/verify/?next=/programmes/", {"code": code})
    assert good.status_code == 302 and good["Location"] == "/programmes/"
    assert client.session.session_key != half_way  # the password-only session id is dropped
    assert client.get("/dashboard/").status_code == 200
    # The same code does not open a second session (django-otp keeps the last step used).
    again = Client()
    password_step(again, "sari")
    assert again.post("/login/verify/", {"code": code}).status_code == 401
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("login_second_factor") == 1
    assert actions.count("login_second_factor_failed") == 2


def test_a_backup_code_works_once() -> None:
    enrolled_head()
    first = Client()
    password_step(first, "sari")
    first.post("/login/verify/", {"code": code_of(TOTPDevice.objects.get())})
    renewed = first.post("/account/two-factor/")
    codes = renewed.context["codes"]
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user__username="sari").count() == 10
    spoken = Client()
    password_step(spoken, "sari")
    assert spoken.post("/login/verify/", {"code": codes[3].upper()}).status_code == 302
    assert spoken.get("/dashboard/").status_code == 200
    replay = Client()
    password_step(replay, "sari")
    assert replay.post("/login/verify/", {"code": codes[3]}).status_code == 401
    assert StaticToken.objects.filter(device__user__username="sari").count() == 9


def test_an_administrator_without_a_role_enrols_too_and_other_roles_are_not_asked() -> None:
    get_user_model().objects.create_superuser("admin", password=PASSWORD)
    admin = Client()
    assert password_step(admin, "admin", then="/admin/")["Location"].startswith(
        "/account/two-factor/"
    )
    assert admin.get("/admin/")["Location"].startswith("/account/two-factor/")
    assert admin.get("/account/two-factor/").status_code == 200
    own = TOTPDevice.objects.get(user__username="admin")
    assert admin.post("/account/two-factor/", {"code": code_of(own)}).status_code == 200
    assert admin.get("/admin/").status_code == 200
    # A head who lost the phone and the codes: the administrator deletes the device, and the
    # head enrols again at the next sign-in.
    lost = enrolled_head()
    listed = admin.get("/admin/otp_totp/totpdevice/")
    assert listed.status_code == 200 and "sari" in listed.text
    deleted = admin.post(f"/admin/otp_totp/totpdevice/{lost.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not TOTPDevice.objects.filter(pk=lost.pk).exists()
    head = Client()
    assert password_step(head, "sari")["Location"].startswith("/account/two-factor/")
    for role in ("analyst", "officer", "partner", "auditor"):
        user_with(role, "Yayasan A" if role == "partner" else "", username=role, password=PASSWORD)
        client = Client()
        assert password_step(client, role)["Location"] == "/dashboard/", role
        assert client.get("/dashboard/").status_code == 200, role


def test_someone_who_turned_the_second_factor_on_is_asked_for_the_code() -> None:
    user = user_with("analyst", username="ana", password=PASSWORD)
    first = Client()
    assert password_step(first, "ana")["Location"] == "/dashboard/"  # not asked to enrol
    assert first.get("/account/two-factor/").status_code == 200  # but may
    device = TOTPDevice.objects.get(user=user)
    assert first.post("/account/two-factor/", {"code": code_of(device)}).status_code == 200
    later = Client()
    assert password_step(later, "ana")["Location"].startswith("/login/verify/")
    assert later.get("/dashboard/")["Location"].startswith("/login/verify/")
    assert later.post("/login/verify/", {"code": code_of(device, 1)}).status_code == 302
    assert later.get("/dashboard/").status_code == 200


# Login limits


def test_failures_from_one_address_do_not_lock_the_owner_out_from_theirs() -> None:
    user_with("officer", username="budi", password=PASSWORD)
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(ratelimit.LIMITS["login"].events):
        wrong = attacker.post("/login/", {"username": "budi", "password": "guess"})
        assert wrong.status_code == 401
    assert password_step(attacker, "budi").status_code == 429  # that address is held back
    owner = Client(REMOTE_ADDR="198.51.100.7")
    assert password_step(owner, "budi")["Location"] == "/dashboard/"
    # The counts are rows of the database's cache table: a new connection to the cache (a
    # second worker, a restart) reads the same.
    caches["limits"].close()
    fresh = DatabaseCache("sejahtera_cache", {})
    pair, place = ratelimit.sign_in_keys("budi", "203.0.113.66")
    assert fresh.get(f"limit:login:{pair}") == ratelimit.LIMITS["login"].events
    assert fresh.get(f"limit:login_address:{place}") == ratelimit.LIMITS["login"].events
    assert ratelimit.sign_in_refused("budi", "203.0.113.66")
    assert not ratelimit.sign_in_refused("budi", "198.51.100.7")


def test_one_address_trying_many_accounts_is_held_back(monkeypatch) -> None:
    monkeypatch.setitem(ratelimit.LIMITS, "login_address", ratelimit.Limit(4, 15 * 60))
    user_with("officer", username="budi", password=PASSWORD)
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    for name in ("a", "b", "c", "d"):
        assert attacker.post("/login/", {"username": name, "password": "x"}).status_code == 401
    assert password_step(attacker, "budi").status_code == 429
    assert password_step(Client(REMOTE_ADDR="198.51.100.7"), "budi").status_code == 302


def test_wrong_codes_count_against_the_sign_in_limit(settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled_head()
    client = Client(REMOTE_ADDR="203.0.113.66")
    password_step(client, "sari")
    for _ in range(ratelimit.LIMITS["login"].events):
        assert client.post("/login/verify/", {"code": "99999999"}).status_code == 401
    assert client.post("/login/verify/", {"code": code_of(device)}).status_code == 429
    # A correct password again does not wipe the count of wrong codes.
    password_step(client, "sari")
    assert client.post("/login/verify/", {"code": code_of(device)}).status_code == 429


# Production refuses weak secrets and uncollected static files


@pytest.mark.parametrize(
    "key",
    [
        "short-but-random-Xy8",
        "django-insecure-" + "k9Qz2Lm7Pw4Rt8Vb1Nc6Hd3Jf5Gs0Ae" * 2,
        "change-me-" + "9fK2pQ7mZx4LwR8tVb3nYc6hJd1gSa5e" * 2,
        "ab" * 40,
        "0123456789" * 6,
    ],
)
def test_a_weak_secret_is_refused(key: str) -> None:
    assert secret_problem(key) is not None


def test_a_random_secret_is_accepted() -> None:
    for _ in range(200):
        assert secret_problem(secrets.token_urlsafe(50)) is None
        assert secret_problem(secrets.token_hex(32)) is None


def production(tmp_path: Path, key: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(
        SEJAHTERA_ENV="production",
        SEJAHTERA_SECRET_KEY=key,
        SEJAHTERA_ALLOWED_HOSTS="sejahtera.example.go.id",
        SEJAHTERA_DATA=str(tmp_path),
    )
    return environment


def test_production_refuses_to_start_with_a_weak_secret_or_no_static_files(tmp_path) -> None:
    weak = production(tmp_path, "sejahtera-secret-key-for-production-please-change-it-2025")
    check = subprocess.run(
        [SEJAHTERA, "manage", "check"], env=weak, capture_output=True, text=True, check=False
    )
    assert check.returncode == 2 and "SEJAHTERA_SECRET_KEY" in check.stderr
    assert "Traceback" not in check.stderr and "tidak dijalankan" in check.stderr  # Indonesian
    strong = production(tmp_path, secrets.token_urlsafe(50))
    unguarded = {**strong, "SEJAHTERA_TWO_FACTOR": "off", "SEJAHTERA_LANG": "en"}
    off = subprocess.run(
        [SEJAHTERA, "manage", "check"], env=unguarded, capture_output=True, text=True, check=False
    )
    assert off.returncode == 2 and "SEJAHTERA_TWO_FACTOR cannot be 'off'" in off.stderr
    serve = [SEJAHTERA, "--lang", "en", "serve", "--port", "1"]  # refused before the port
    refused = subprocess.run(serve, env=strong, capture_output=True, text=True, check=False)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "does not start" in refused.stderr and "collectstatic --noinput" in refused.stderr
    # gunicorn loading the application directly is refused too.
    start = [sys.executable, "-c", "import sejahtera.workbench.wsgi"]
    served = subprocess.run(start, env=strong, capture_output=True, text=True, check=False)
    assert served.returncode != 0
    assert "collectstatic" in served.stderr and "STATIC_ROOT" in served.stderr
    assert static_problem(tmp_path / "static") is not None
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "staticfiles.json").write_text("{}")
    assert static_problem(tmp_path / "static") is None


def test_the_demo_head_signs_in_with_a_printed_backup_code_or_the_printed_key() -> None:
    """``manage demo`` prints the head's password, an authenticator key and backup codes that
    work: the demo opens without enrolling a phone, and never without the second factor."""
    out = io.StringIO()
    call_command("demo", stdout=out)
    printed = out.getvalue()
    password = next(line.split()[-1] for line in printed.splitlines() if "demo-kepala" in line)
    key = printed.split("authenticator key: ")[1].splitlines()[0].replace(" ", "")
    codes = printed.split("backup codes: ")[1].split()
    assert len(codes) == 10
    client = Client()
    answer = client.post(
        "/login/?next=/dashboard/", {"username": "demo-kepala", "password": password}
    )
    assert answer["Location"].startswith("/login/verify/")
    assert client.get("/dashboard/").status_code == 302  # not yet
    client.post("/login/verify/?next=/dashboard/", {"code": codes[0]})
    assert client.get("/dashboard/").status_code == 200
    device = TOTPDevice.objects.get(user__username="demo-kepala")
    assert b32encode(device.bin_key).decode() == key  # the key printed is the device's
    again = Client()
    again.post("/login/?next=/dashboard/", {"username": "demo-kepala", "password": password})
    again.post("/login/verify/?next=/dashboard/", {"code": codes[0]})  # used once already
    assert again.get("/dashboard/").status_code == 302
