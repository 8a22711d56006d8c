"""Uploading a dataset in a real browser (Playwright driving Debian's chromium, as in
tests/test_workbench_e2e.py): the upload form, the mapping page with its guesses, the import,
the new version's page, in Indonesian; and the version's page on a phone's width."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from sejahtera.workbench.core.models import Profile
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import DatasetVersion
from workbench_datasets import demo_frames, written
from workbench_users import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def analyst(browser: Browser, live_server, settings, tmp_path: Path):
    """A page signed in as an analyst, on a phone's width when asked."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    user = get_user_model().objects.create_user("ana", password=PASSWORD)
    Profile.objects.create(user=user, role="analyst")
    contexts = []

    def open_page(width: int = 1280) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 800}
        )
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.locator("input[name=username]").fill("ana")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/dashboard/$"))
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_upload_map_and_import_a_new_dataset(analyst, tmp_path: Path) -> None:
    households, persons = demo_frames()
    page = analyst()
    page.goto("/datasets/")
    page.get_by_role("link", name="Unggah versi baru").first.click()
    page.get_by_label("Nama dataset baru").fill("DTSEN Sleman")
    page.get_by_label("Berkas rumah tangga").set_input_files(
        str(written(households, tmp_path, "rumah_tangga", "csv"))
    )
    page.get_by_label("Berkas anggota rumah tangga").set_input_files(
        str(written(persons, tmp_path, "anggota", "xlsx"))
    )
    page.get_by_role("button", name="Unggah", exact=True).click()
    expect(page).to_have_url(re.compile(r"/datasets/uploads/\d+/$"))
    expect(page.locator("select[name=households__household_id]")).to_have_value("household_id")
    page.get_by_role("button", name="Periksa dan impor").click()
    expect(page).to_have_url(re.compile(r"/datasets/versions/\d+/$"))
    version = DatasetVersion.objects.get()
    digest = hashlib.sha256((services.folder_of(version) / "dataset.json").read_bytes())
    expect(page.locator("#checksum")).to_have_text(digest.hexdigest())
    expect(page.locator("#version-tiles [data-count]").first).to_have_attribute(
        "data-count", str(len(households))
    )
    expect(page.locator("#version-facts")).to_contain_text("ana")


def test_a_versions_page_fits_a_phone(analyst) -> None:
    from workbench_datasets import registered

    version = registered()
    page = analyst(width=375)
    page.goto(f"/datasets/versions/{version.pk}/")
    expect(page.locator("#by-regency svg")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # wide tables and the chart scroll inside their own boxes
