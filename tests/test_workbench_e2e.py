"""The main journeys through the workbench in a real browser: Playwright driving Debian's chromium
(``make test`` installs it when missing; ``SEJAHTERA_CHROMIUM`` names another executable)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from sejahtera.workbench.core.models import Profile
from sejahtera.workbench.grievances.models import Grievance
from workbench_users import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(browser: Browser, live_server, settings) -> Page:
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    opened = context.new_page()
    yield opened
    context.close()


def test_sign_in_and_read_the_dashboard(page: Page) -> None:
    user = get_user_model().objects.create_user("sari", password=PASSWORD)
    Profile.objects.create(user=user, role="kepala")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "id")  # Indonesian first
    page.get_by_role("link", name="Masuk").click()
    page.locator("input[name=username]").fill("sari")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_text("Masuk sebagai sari")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("Signed in as sari")).to_be_visible()


def test_submit_a_public_grievance_and_track_it(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Kirim pengaduan").click()
    page.locator("select[name=category]").select_option("payment")
    page.locator("textarea[name=description]").fill("Bantuan bulan ini belum diterima.")
    page.locator("input[name=name]").fill("Wati Contoh")
    page.locator("form button[type=submit]").last.click()
    grievance = Grievance.objects.get()
    shown = grievance.tracking_code
    expect(page.get_by_text(shown)).to_be_visible()
    page.goto("/grievances/track/")
    page.locator("input[name=code]").fill(shown)
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_text(shown)).to_be_visible()
    assert "Wati Contoh" not in page.content()  # tracking shows the status, not the person


def signed_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def test_record_an_indicator_actual_verify_and_approve_it(page: Page) -> None:
    from decimal import Decimal

    from sejahtera.workbench.monev.models import Actual, Indicator, ResultNode
    from sejahtera.workbench.programmes.models import Programme

    for username, role in (("otto", "officer"), ("ana", "analyst"), ("sari", "kepala")):
        user = get_user_model().objects.create_user(username, password=PASSWORD)
        Profile.objects.create(user=user, role=role)
    food = Programme.objects.create(code="pangan", name="Bantuan Pangan")
    impact = ResultNode.objects.create(programme=food, level="impact", statement="Rawan turun")
    indicator = Indicator.objects.create(
        result=impact, code="P-1", name="Konsumsi pangan cukup", definition="FCS > 35",
        unit="%", baseline_value=Decimal("60"), baseline_year=2024,
    )  # fmt: skip
    signed_in(page, "otto")
    page.goto(f"/monev/indicators/{indicator.pk}/")
    page.get_by_role("link", name="Laporkan capaian").click()
    page.locator("input[name=period]").fill("2025")
    page.locator("input[name=value]").fill("64")
    page.locator("input[name=source]").fill("Survei lapangan Dinsos")
    page.locator("main form button[type=submit]").click()
    assert Actual.objects.get().status == "submitted"
    signed_in(page, "ana")
    page.goto(f"/monev/indicators/{indicator.pk}/")
    page.get_by_role("button", name="Verifikasi").click()
    expect(page.get_by_role("button", name="Verifikasi")).to_have_count(0)
    assert Actual.objects.get().status == "verified"
    signed_in(page, "sari")
    page.goto(f"/monev/indicators/{indicator.pk}/")
    page.get_by_role("button", name="Setujui").click()
    expect(page.get_by_role("button", name="Setujui")).to_have_count(0)
    approved = Actual.objects.get()
    assert approved.status == "approved" and approved.approved_by.username == "sari"


def test_filtering_the_audit_log_swaps_the_table_in_place(page: Page) -> None:
    from sejahtera.workbench.audit.models import AuditEvent

    user = get_user_model().objects.create_user("aud", password=PASSWORD)
    Profile.objects.create(user=user, role="auditor")
    AuditEvent.objects.create(username="budi", action="grievance_created")
    signed_in(page, "aud")
    page.goto("/audit/")
    page.evaluate("window.kept = 'the page was not reloaded'")
    page.locator("select[name=action]").select_option("grievance_created")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"action=grievance_created"))
    expect(page.locator("#events")).to_contain_text("budi")
    expect(page.locator("#events")).not_to_contain_text("login")
    assert page.evaluate("window.kept") == "the page was not reloaded"  # htmx swapped the table


def test_generate_a_cycles_list_in_the_background_and_watch_it(page: Page, settings, tmp_path):
    """An officer asks for the list and the head approves (nobody alone moves money); the list
    is then generated by a worker (here a thread): the cycle page shows the job waiting, polls
    it, and shows the list once the job is done."""
    import threading

    from django.core.management import call_command
    from django.db import connections
    from django_tasks_db.management.commands.db_worker import Worker

    from sejahtera.synth import SynthOptions, synthesise
    from sejahtera.workbench.programmes.models import Cycle, Programme
    from workbench_queue import DATABASE_TASKS

    settings.DATASET = str(synthesise(SynthOptions("34", 300, seed=3), tmp_path / "reg").path)
    settings.TASKS = DATABASE_TASKS
    for username, role in (("otto", "officer"), ("sari", "kepala")):
        user = get_user_model().objects.create_user(username, password=PASSWORD)
        Profile.objects.create(user=user, role=role)
    food = Programme.objects.create(code="pangan", name="Bantuan Pangan")
    cycle = Cycle.objects.create(
        programme=food, name="2025 tahap 1", period="2025-01", benefit="sembako"
    )
    signed_in(page, "otto")
    page.goto(f"/programmes/cycles/{cycle.pk}/")
    page.get_by_role("button", name="Ajukan pembuatan daftar").click()
    expect(page.locator("#requests tr[data-kind=generate]")).to_contain_text("Menunggu")
    expect(page.get_by_role("button", name="Setujui")).to_have_count(0)  # not one's own
    expect(page.locator("section.job")).to_have_count(0)  # nothing runs before approval
    signed_in(page, "sari")
    page.goto(f"/programmes/cycles/{cycle.pk}/")
    page.get_by_role("button", name="Setujui").click()
    job = page.locator("section.job")
    expect(job).to_have_attribute("data-state", "queued")
    expect(job).to_contain_text("Menunggu dimulai")
    expect(page.get_by_role("button", name="Ajukan pembuatan daftar")).to_have_count(0)

    def work() -> None:
        try:
            call_command("worker", "--batch", verbosity=0)
        finally:
            connections.close_all()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Worker, "configure_signals", lambda self: None)
        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        worker.join(60)
    expect(page.locator("dd[data-status]")).to_have_attribute("data-status", "generated")
    expect(page.locator("section.job")).to_have_count(0)  # the page reloaded with the list
    assert page.locator("#beneficiaries tbody tr").count() > 1
