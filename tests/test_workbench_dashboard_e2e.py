"""The head's dashboard in a real browser (Playwright driving Debian's chromium, as
tests/test_workbench_e2e.py): the kabupaten chooser, and the tiles side by side on a laptop and
stacked on a phone without the page scrolling sideways."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from sejahtera.data.dataset import Dataset as DataFolder
from sejahtera.workbench.core.models import Profile
from sejahtera.workbench.datasets import services
from workbench_users import PASSWORD, new_programme

LAPTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def office(settings, tmp_path: Path, diy: DataFolder) -> None:
    """The suite's DI Yogyakarta as the current dataset, a programme, and the head."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.DATASET = None
    settings.PROFILES = None
    settings.DATASETS_ROOT = tmp_path / "datasets"
    services.register(diy.path, name="DTSEN DIY (uji)")
    new_programme("a", "Program A")
    user = get_user_model().objects.create_user("sari", password=PASSWORD)
    Profile.objects.create(user=user, role="kepala")


def opened(browser: Browser, live_server, viewport: dict[str, int]) -> Page:
    context = browser.new_context(locale="id-ID", base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.goto("/login/")
    page.locator("input[name=username]").fill("sari")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    return page


def boxes(page: Page) -> list[dict[str, float]]:
    return [tile.bounding_box() for tile in page.locator("section.tile").all()]  # type: ignore[misc]


def test_the_head_chooses_a_kabupaten_and_sees_its_kecamatan(
    browser: Browser, live_server, office
) -> None:
    page = opened(browser, live_server, LAPTOP)
    expect(page.locator("#poverty-title")).to_have_text("Kemiskinan · Daerah Istimewa Yogyakarta")
    page.locator("select[name=kabupaten]").select_option(label="Kabupaten Gunungkidul")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page).to_have_url(re.compile(r"kabupaten=34\.03"))
    expect(page.locator("#poverty-title")).to_have_text("Kemiskinan · Kabupaten Gunungkidul")
    codes = page.locator("#poverty figure.map path[data-code]").evaluate_all(
        "paths => paths.map(p => p.dataset.code)"
    )
    assert codes and all(code.startswith("34.03.") for code in codes)
    # On a laptop the small tiles share a row: monitoring, grievances and follow-ups.
    small = [page.locator(f"#{tile}").bounding_box() for tile in ("monev", "grievances")]
    assert small[0]["y"] == pytest.approx(small[1]["y"])  # type: ignore[index]
    assert small[1]["x"] > small[0]["x"] + small[0]["width"]  # type: ignore[index]
    page.context.close()


def test_on_a_phone_the_tiles_stack_and_the_page_does_not_scroll_sideways(
    browser: Browser, live_server, office
) -> None:
    page = opened(browser, live_server, PHONE)
    expect(page.locator("#poverty figure.map svg")).to_be_visible()
    tiles = boxes(page)
    assert len(tiles) >= 4
    for above, below in pairwise(tiles):
        assert below["y"] >= above["y"] + above["height"]  # one under the other
        assert below["x"] == pytest.approx(above["x"])
    assert all(tile["x"] >= 0 and tile["x"] + tile["width"] <= PHONE["width"] for tile in tiles)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    page.context.close()
