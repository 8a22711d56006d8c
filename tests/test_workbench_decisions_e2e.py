"""The decision journey of issue 14 in a real browser (Playwright driving Debian's chromium), in
Indonesian: an analyst prepares a decision record with a scenario that has run, scores it and
submits it; the head signs in, decides, and downloads the policy brief (DOCX), whose options
table carries the scenario's figures as the studio stored them (checked against the scenario's
stored result, formatted here, not by the brief's code)."""

from __future__ import annotations

import io
import re
import tempfile
from functools import cache
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import Browser, Page, expect

from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.datasets import services
from sejahtera.workbench.decisions.models import Decision, DecisionStatus
from sejahtera.workbench.scenarios.models import Scenario
from test_workbench_looks import LOW_CONTRAST
from workbench_browser import sign_in
from workbench_users import PASSWORD, signed_in, user_with

pytestmark = pytest.mark.django_db(transaction=True)


@cache
def office_data() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="sejahtera-decisions-e2e-")) / "diy"
    return synthesise(SynthOptions("34", 60, seed=2, calibration_households=5_000), folder).path


@pytest.fixture
def office(browser: Browser, live_server, settings, tmp_path: Path):
    settings.ALLOWED_HOSTS = ["*"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    settings.DATA_FOLDER = tmp_path / "data"
    settings.DATASET = None
    settings.PROFILES = None
    expect.set_options(timeout=30_000)
    contexts = []

    def person(role: str) -> Page:
        username = f"{role}-decides"
        user_with(role, username=username, password=PASSWORD)
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1366, "height": 900}, accept_downloads=True
        )
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, username)
        return page

    yield person
    for context in contexts:
        context.close()
    expect.set_options(timeout=None)


def indonesian(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def test_the_analyst_prepares_the_head_decides_and_the_brief_carries_the_scenario(
    office,
) -> None:
    version = services.register(office_data(), name="Registri DIY").version
    studio = signed_in(Role.ANALYST)
    scenario = Scenario.objects.create(
        name="PKH sampai desil 5", dataset=version, period="2025", changes={"pkh.max_desil": 5}
    )
    assert studio.post(f"/scenarios/{scenario.pk}/run/").status_code == 302
    scenario.refresh_from_db()
    assert scenario.has_result

    analyst = office(Role.ANALYST)
    analyst.get_by_role("link", name="Keputusan").first.click()
    analyst.locator(".page-head").get_by_role("link", name="Catatan keputusan baru").click()
    analyst.locator("input[name=title]").fill("Perluasan PKH ke desil 5")
    analyst.locator("textarea[name=problem]").fill(
        "Rumah tangga miskin di desil 5 belum terjangkau."
    )
    analyst.locator("input[name=period]").fill("2025")
    analyst.locator("select[name=dataset]").select_option(str(version.pk))
    analyst.get_by_role("button", name="Simpan").click()
    expect(analyst.locator("h1")).to_contain_text("Perluasan PKH ke desil 5")
    analyst.get_by_role("link", name="Tambahkan skenario", exact=True).click()
    analyst.locator("select[name=scenario]").select_option(str(scenario.pk))
    analyst.get_by_role("button", name="Simpan").click()
    expect(analyst.locator("#options-table")).to_contain_text("PKH sampai desil 5")
    analyst.get_by_role("link", name="Beri nilai kriteria penilaian").click()
    for field in analyst.locator("form.stack input[type=number]").all():
        field.fill("4")
    analyst.get_by_role("button", name="Simpan").click()
    expect(analyst.locator("#appraisal-table")).to_be_visible()
    analyst.get_by_role("button", name="Ajukan untuk diputuskan").click()
    expect(analyst.locator("h1 .badge")).to_have_text("Diajukan untuk diputuskan")
    # The analyst is offered no decision.
    expect(analyst.get_by_role("link", name="Putuskan", exact=True)).to_have_count(0)
    record = Decision.objects.get(title="Perluasan PKH ke desil 5")

    head = office(Role.KEPALA)
    head.get_by_role("link", name="Keputusan").first.click()
    head.get_by_role("link", name="Perluasan PKH ke desil 5").click()
    head.get_by_role("link", name="Putuskan", exact=True).click()
    head.get_by_label("PKH sampai desil 5").check()
    head.locator("textarea[name=rationale]").fill("Biaya terjangkau dan menjangkau desil 5.")
    head.get_by_role("button", name="Simpan").click()
    expect(head.locator("#chosen")).to_have_text("PKH sampai desil 5")
    record.refresh_from_db()
    assert (
        record.status == DecisionStatus.DECIDED and record.decided_by.username == "kepala-decides"
    )

    # The record's page reads well: every text meets WCAG AA contrast, and on a 375 px phone
    # the page does not scroll sideways (wide tables scroll inside their box).
    assert head.evaluate(LOW_CONTRAST) == []
    head.set_viewport_size({"width": 375, "height": 800})
    assert head.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    head.set_viewport_size({"width": 1366, "height": 900})

    head.locator("select[name=format]").select_option("docx")
    head.locator("select[name=language]").select_option("id")
    head.get_by_role("button", name="Susun ringkasan").click()
    link = head.locator("#briefs a").first
    expect(link).to_contain_text("DOCX")
    with head.expect_download() as downloaded:
        link.click()
    content = Path(downloaded.value.path()).read_bytes()
    tables = [
        [[cell.text.strip() for cell in row.cells] for row in table.rows]
        for table in Document(io.BytesIO(content)).tables
    ]
    costs = next(t for t in tables if t[0][:2] == ["Opsi", "Biaya (Rp miliar/tahun)"])
    row = next(r for r in costs if r[0] == "PKH sampai desil 5")
    reform, difference = scenario.result["reform"], scenario.result["difference"]
    assert row[1] == indonesian(reform["total"]["cost_rp"] / 1e9, 1)
    assert row[2] == indonesian(difference["net_cost_rp"] / 1e9, 1)
    assert row[3] == indonesian(difference["newly_reached_poor"], 0)
    assert row[4] == indonesian(reform["total"]["coverage_of_poor"] * 100, 1) + "%"
    assert row[5] == indonesian(reform["total"]["exclusion_error"] * 100, 1) + "%"
    assert re.search(
        r"Biaya terjangkau dan menjangkau desil 5",
        "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs),
    )
