"""The XLSX link under every table, in a real browser (Playwright driving Debian's chromium): one
link per table, numbered as the server numbers the page's tables, in the page's language; the
download is the table; after htmx swaps a filtered list in, the link follows the new address."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from sejahtera.workbench.core.roles import Role
from workbench_browser import sign_in
from workbench_users import PASSWORD, user_with

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(browser: Browser, live_server, settings) -> Page:
    settings.ALLOWED_HOSTS = ["*"]
    settings.DATASET = None
    call_command("demo_grievances", stdout=io.StringIO())
    user_with(Role.KEPALA, username="kepala-tables", password=PASSWORD)
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(20_000)
    opened = context.new_page()
    sign_in(opened, "kepala-tables")
    yield opened
    context.close()


def test_each_table_has_its_link_and_the_download_is_that_table(page: Page) -> None:
    page.goto("/grievances/statistics/")
    tables = page.locator("main table")
    links = page.locator("p.table-export a")
    count = tables.count()
    assert count >= 2
    expect(links).to_have_count(count)
    for number in range(count):
        expect(links.nth(number)).to_have_text("Unduh XLSX")
        href = links.nth(number).get_attribute("href")
        assert href == f"/grievances/statistics/?xlsx={number + 1}"
    with page.expect_download() as download:
        links.nth(1).click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    heads = [" ".join(t.split()) for t in tables.nth(1).locator("tr").first.locator("th, td")
             .all_inner_texts()]  # fmt: skip
    assert [c.value for c in book.worksheets[0][1]][: len(heads)] == heads
    rows = tables.nth(1).locator("tr").count()
    assert book.worksheets[0].max_row == rows

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(links.first).to_have_text("Download XLSX")


def test_the_link_follows_a_list_filtered_in_place(page: Page) -> None:
    page.goto("/audit/")
    link = page.locator("p.table-export a")
    expect(link).to_have_count(1)
    page.locator("select[name=action]").select_option("login")
    page.locator("form.filters button").click()  # htmx swaps the list in, and the address
    expect(page).to_have_url(re.compile(r"action=login"))
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", re.compile(r"^/audit/\?action=login.*&xlsx=1$"))
    with page.expect_download() as download:
        link.click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    assert {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"login"}
