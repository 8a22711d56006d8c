"""The browser tests' chromium: Playwright driving Debian's chromium (``make test`` installs it
when missing; ``SEJAHTERA_CHROMIUM`` names another executable). A pytest plugin (conftest.py
names it): the ``browser`` fixture, one chromium for a test module, and :func:`sign_in`."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from workbench_users import PASSWORD

CHROMIUM = os.environ.get("SEJAHTERA_CHROMIUM") or shutil.which("chromium") or ""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for the module's tests. Playwright's synchronous API keeps an event loop in
    this thread; the tests' own ORM calls (and the live server's set-up) are still synchronous,
    which Django allows with DJANGO_ALLOW_ASYNC_UNSAFE, set while this browser is open."""
    if not CHROMIUM:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def sign_in(page: Page, username: str, password: str = PASSWORD, then: str = "/dashboard/") -> None:
    """Sign in through the workbench's own form, as a person does, and wait for ``then`` (the
    page the sign-in leads to)."""
    page.goto("/login/" if then == "/dashboard/" else f"/login/?next={then}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(re.escape(then) + "$"))
