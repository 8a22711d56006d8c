"""The workbench's shared pages: the public landing page, signing in (rate-limited, audited), the
dashboard by role, the needs profile, security headers, migrations and the deploy check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from sejahtera.data.dataset import Dataset
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core import profiles, ratelimit
from sejahtera.workbench.core.roles import Role
from workbench_users import PASSWORD, signed_in, user_with

pytestmark = pytest.mark.django_db
SEJAHTERA = str(Path(sys.executable).parent / "sejahtera")


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path: Path):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASET = None
    settings.PROFILES = None
    profiles.configured_profiles.cache_clear()
    profiles.dataset_summary.cache_clear()
    cache.clear()
    yield
    profiles.configured_profiles.cache_clear()
    profiles.dataset_summary.cache_clear()


def in_language(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


def test_the_landing_page_describes_the_dataset_in_both_languages(settings, diy: Dataset) -> None:
    settings.DATASET = str(diy.path)
    indonesian = in_language("id").get("/")
    english = in_language("en").get("/")
    assert indonesian.status_code == english.status_code == 200
    assert '<html lang="id">' in indonesian.text and "Kabupaten/kota" in indonesian.text
    assert '<html lang="en">' in english.text and "Regency/city" in english.text
    for page in (indonesian.text, english.text):
        assert "Kulon Progo" in page and "Bantul" in page
    assert "Belum ada dataset" not in indonesian.text


def test_wrong_method_and_unknown_page() -> None:
    client = Client()
    assert client.post("/").status_code == 405
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/logout/").status_code == 405  # signing out changes state: POST only


def test_sign_in_then_dashboard_and_out_with_each_event_audited() -> None:
    user_with("analyst", username="ana", password=PASSWORD)
    client = Client()
    assert client.get("/dashboard/").status_code == 302  # to the login page
    answer = client.post("/login/", {"username": "ana", "password": PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/dashboard/"
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200 and "ana" in dashboard.text
    client.post("/logout/")
    assert client.get("/dashboard/").status_code == 302
    actions = list(AuditEvent.objects.order_by("at").values_list("action", "username"))
    assert actions == [("login", "ana"), ("logout", "ana")]


def test_every_role_reaches_the_dashboard_and_an_account_without_a_role_does_not() -> None:
    for role in Role:
        assert signed_in(role).get("/dashboard/").status_code == 200, role
    assert signed_in(None).get("/dashboard/").status_code == 403


def test_login_attempts_are_limited_and_logged(monkeypatch) -> None:
    monkeypatch.setitem(ratelimit.LIMITS, "login", ratelimit.Limit(3, 15 * 60))
    user_with("officer", username="budi", password=PASSWORD)
    client = Client()
    for _ in range(3):
        assert client.post("/login/", {"username": "budi", "password": "wrong"}).status_code == 401
    # Even the right password is refused now, for this account from this address…
    blocked = client.post("/login/", {"username": "budi", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "15" in blocked.text
    # …but not another account from it (the address's own limit is looser: 30), nor this
    # account from its owner's address (tests/test_workbench_signin.py).
    user_with("analyst", username="sari", password=PASSWORD)
    other = client.post("/login/", {"username": "sari", "password": PASSWORD})
    assert other.status_code == 302
    failed = AuditEvent.objects.filter(action="login_failed").count()
    assert failed == 3 and AuditEvent.objects.filter(action="login_blocked").count() == 1


def test_the_next_address_never_leaves_the_site() -> None:
    user_with("analyst", username="ana", password=PASSWORD)
    answer = Client().post(
        "/login/?next=https://evil.example/", {"username": "ana", "password": PASSWORD}
    )
    assert answer["Location"] == "/dashboard/"


def test_security_headers() -> None:
    answer = Client().get("/")
    assert "default-src 'self'" in answer["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in answer["Content-Security-Policy"]
    assert answer["X-Frame-Options"] == "DENY"
    assert answer["X-Content-Type-Options"] == "nosniff"


def write_profile(folder: Path, language: str) -> None:
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(f"<html lang='{language}'>profile</html>")
    (folder / "profile.json").write_text(f'{{"meta": {{"language": "{language}"}}}}')
    (folder / "areas.csv").write_text("a,b\n1,2\n")
    (folder / "secret.py").write_text("not served")


def test_the_needs_profile_is_served_and_nothing_else(settings, tmp_path: Path) -> None:
    for language in ("id", "en"):
        write_profile(tmp_path / language, language)
    settings.PROFILES = str(tmp_path)
    client = in_language("en")
    assert "/profile/en/" in client.get("/").text
    page = client.get("/profile/en/")
    assert page.status_code == 200 and b"profile" in b"".join(page.streaming_content)
    assert page["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert client.get("/profile/id/areas.csv")["Content-Type"].startswith("text/csv")
    for refused in ("/profile/id/secret.py", "/profile/fr/", "/profile/id/..%2fsecret.py"):
        assert client.get(refused).status_code == 404, refused


def test_migrations_match_the_models() -> None:
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_migration_links_organisation_names_and_reports_it(capsys) -> None:
    """Programme partners and partner accounts named organisations by free text; the migration
    links each name to an organisation (exactly, or ignoring case and spaces) or makes one, says
    what it did, and can be reversed."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from sejahtera.workbench.core.models import Profile
    from sejahtera.workbench.programmes.models import Programme
    from sejahtera.workbench.stakeholders.models import Organisation

    names = [
        ("core", "0003_delete_auditevent"),
        ("programmes", "0002_cycles"),
        ("stakeholders", "0001_initial"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(names)
    old = executor.loader.project_state(names).apps
    yayasan = old.get_model("stakeholders", "Organisation").objects.create(
        name="Yayasan A", kind="ngo"
    )
    old.get_model("programmes", "Programme").objects.create(
        code="pangan", name="Pangan", partner_organisations=["Yayasan A", "Forum  Warga"]
    )
    user = old.get_model("auth", "User").objects.create(username="mitra")
    old.get_model("core", "Profile").objects.create(
        user=user, role="partner", organisation=" yayasan a "
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    food = Programme.objects.get(code="pangan")
    assert sorted(o.name for o in food.partners.all()) == ["Forum Warga", "Yayasan A"]
    made = Organisation.objects.get(name="Forum Warga")
    assert made.kind == "ngo" and "Forum Warga" in made.notes
    assert Profile.objects.get(user__username="mitra").organisation_id == yayasan.pk
    report = capsys.readouterr().out
    assert (
        f'programme pangan: "Yayasan A" → organisation {yayasan.pk} "Yayasan A" (matched)' in report
    )
    assert '"Forum  Warga" → organisation' in report and "(created)" in report
    assert "account mitra" in report and "(matched ignoring case and spaces)" in report
    linked = AuditEvent.objects.get(action="programme_partners_linked").detail["linked"]
    assert len(linked) == 2 and AuditEvent.objects.filter(action="account_organisations_linked")

    executor = MigrationExecutor(connection)
    executor.migrate(names)  # and back: the names return
    back = executor.loader.project_state(names).apps
    programme = back.get_model("programmes", "Programme").objects.get(code="pangan")
    assert programme.partner_organisations == ["Forum Warga", "Yayasan A"]
    assert back.get_model("core", "Profile").objects.get().organisation == "Yayasan A"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_migrate_makes_the_data_folder_when_it_does_not_exist_yet(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "data"
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["SEJAHTERA_DATA"] = str(folder)
    migrate = subprocess.run(
        [SEJAHTERA, "manage", "migrate", "--noinput"],
        env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert (folder / "workbench.sqlite3").is_file()


def test_the_deploy_check_is_clean_in_production(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "SEJAHTERA_ENV": "production",
        "SEJAHTERA_SECRET_KEY": "Qv7-mZ2pLx9_rT4nWc8yHb3kJd6fGs1aEu5oNi0qVz2XlP7tRw4MyKe9",
        "SEJAHTERA_ALLOWED_HOSTS": "sejahtera.example.go.id",
        "SEJAHTERA_DATA": str(tmp_path),
    }
    check = subprocess.run(
        [SEJAHTERA, "manage", "check", "--deploy",
         "--fail-level", "WARNING"],
        env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    without_key = {k: v for k, v in environment.items() if k != "SEJAHTERA_SECRET_KEY"}
    refused = subprocess.run(
        [SEJAHTERA, "manage", "check"],
        env=without_key, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode != 0 and "SEJAHTERA_SECRET_KEY" in refused.stderr


def test_the_audit_log_is_for_auditors_and_the_head_only() -> None:
    user_with("analyst", username="ana", password=PASSWORD)
    Client().post("/login/", {"username": "ana", "password": "wrong"})
    for role, allowed in (("auditor", True), ("kepala", True), ("analyst", False),
                          ("officer", False), ("partner", False)):  # fmt: skip
        page = signed_in(role).get("/audit/?action=login_failed")
        assert page.status_code == (200 if allowed else 403), role
        if allowed:
            assert "login_failed" in page.text and "ana" in page.text
    assert Client().get("/audit/").status_code == 302
    auditor = signed_in("auditor")
    assert auditor.post("/audit/").status_code == 405
    assert auditor.get("/audit/?page=x").status_code == 200


def test_indonesian_unless_english_is_chosen_whatever_the_browser_says() -> None:
    browser_in_english = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="id">' in browser_in_english.get("/").text
    switched = browser_in_english.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302
    assert '<html lang="en">' in browser_in_english.get("/").text


def test_the_client_address_behind_a_trusted_proxy(settings) -> None:
    from django.test import RequestFactory

    from sejahtera.workbench.core.audit import client_address

    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.7", "REMOTE_ADDR": "10.0.0.2"}
    request = RequestFactory().get("/", **forwarded)
    assert client_address(request) == "10.0.0.2"  # an untrusted hop's header is ignored
    settings.TRUSTED_PROXIES = ("10.0.0.2",)
    assert client_address(request) == "198.51.100.7"  # the last hop before the proxy
    settings.TRUSTED_PROXIES = ("10.0.0.2", "198.51.100.7")
    assert client_address(request) == "203.0.113.9"


def test_the_rate_limits_are_the_documented_ones() -> None:
    """The user guide promises these: 5 failed sign-ins per account from one address and 30 per
    address in 15 minutes, 20 grievances and 30 unknown tracking codes per address an hour, and
    the audit events of people not signed in: 20 of a kind per address, 200 in all, an hour."""
    documented = {
        "login": ratelimit.Limit(5, 15 * 60),
        "login_address": ratelimit.Limit(30, 15 * 60),
        "grievance": ratelimit.Limit(20, 60 * 60),
        "lookup": ratelimit.Limit(30, 60 * 60),
        "audit_address": ratelimit.Limit(20, 60 * 60),
        "audit_anonymous": ratelimit.Limit(200, 60 * 60),
    }
    assert documented == ratelimit.LIMITS


def test_the_analytics_core_speaks_the_pages_language() -> None:
    """A message of the core (a SejahteraError, a number) in the reader's language, whatever
    the server's: English for a reader who chose it, Indonesian otherwise."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from sejahtera.i18n import format_number, language, text
    from sejahtera.workbench.core.middleware import CoreSpeaksThePagesLanguage, IndonesianFirst

    def page(request) -> HttpResponse:
        return HttpResponse(f"{text('cli.yes')} {format_number(1234.5, decimals=1)}")

    chain = IndonesianFirst(CoreSpeaksThePagesLanguage(page))
    english = RequestFactory().get("/")
    english.COOKIES["django_language"] = "en"
    assert chain(english).content.decode() == "yes 1,234.5"
    assert chain(RequestFactory().get("/")).content.decode() == "ya 1.234,5"
    assert language() == "id"  # nothing left behind after the request


def test_pages_write_numbers_and_regions_the_one_way() -> None:
    """The pages' filters are sejahtera.i18n.format_number and the region registry's names."""
    from django.utils import translation

    from sejahtera.workbench.core.templatetags.numbers import number, percent, region

    with translation.override("id"):
        assert number(1234567) == "1.234.567" and number(0.5, 2) == "0,50"
        assert percent(12.34, 1) == "12,3%" and number(None) == "–"
        assert region("34.03") == "34.03 Kabupaten Gunungkidul"
    with translation.override("en"):
        assert number(1234567) == "1,234,567" and percent(12.34, 1) == "12.3%"
    assert region("99.99") == "99.99" and region("") == "–"


def test_an_appealed_grievance_reads_diajukan_banding() -> None:
    from django.utils import translation

    from sejahtera.workbench.grievances.models import Status

    with translation.override("id"):
        assert str(Status.APPEALED.label) == "Diajukan banding"
