"""Shared fixtures: one small synthetic DI Yogyakarta dataset, and PostgreSQL when reachable."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sejahtera.data.dataset import Dataset
from sejahtera.i18n import set_language
from sejahtera.synth import SynthOptions, synthesise

# The browser tests' chromium (the `browser` fixture) and their sign-in; SQLite's flush past
# the audit log's triggers.
pytest_plugins = ["workbench_browser", "workbench_audit_guard"]

POSTGRES_URL = os.environ.get("SEJAHTERA_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as connection:
            connection.execute("select 1")
    except (psycopg.Error, OSError) as exc:
        return f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc.__class__.__name__})"
    return None


_POSTGRES_PROBLEM = _postgres_reachable()


@pytest.fixture(scope="session", autouse=True)
def _jobs_run_in_the_request() -> Iterator[None]:
    """The workbench's background jobs run inside the request that starts them (the Tasks
    framework's immediate backend, as ``SEJAHTERA_TASKS=immediate``);
    tests/test_workbench_jobs.py also runs them with the database backend and a real worker."""
    from django.test import override_settings

    with override_settings(TASKS=IMMEDIATE_TASKS, TWO_FACTOR=False, CACHES=MEMORY_CACHES):
        yield


# The other tests are about what each role may do, not how it signs in: no second factor, and
# rate limits in the memory cache that their fixtures clear (cache.clear()). The sign-in's own
# tests (tests/test_workbench_signin.py) turn both back on.
MEMORY_CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},  # the same store
}


IMMEDIATE_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default"],
    }
}


def pytest_report_header(config: pytest.Config) -> str:
    if _POSTGRES_PROBLEM:
        return f"postgres: SKIPPING the PostgreSQL tests: {_POSTGRES_PROBLEM}"
    return f"postgres: running the PostgreSQL tests against {POSTGRES_URL}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _POSTGRES_PROBLEM:
        return
    skip = pytest.mark.skip(reason=f"PostgreSQL tests skipped: {_POSTGRES_PROBLEM}")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _POSTGRES_PROBLEM:
        terminalreporter.write_line(
            f"NOTE: PostgreSQL tests were skipped: {_POSTGRES_PROBLEM}", yellow=True
        )


@pytest.fixture(autouse=True)
def _language_back_to_default():
    """`--lang en` in one CLI test must not change the language of messages in the next, nor a
    page read in English (Django keeps the request's language active in the thread) the next
    test's jobs and messages."""
    from django.utils import translation

    yield
    set_language(None)
    translation.deactivate()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return POSTGRES_URL


@pytest.fixture(scope="session")
def diy(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """Synthetic DI Yogyakarta, 100,000 households: the shared dataset of the suite."""
    folder: Path = tmp_path_factory.mktemp("diy") / "diy"
    return synthesise(SynthOptions("34", 100_000, seed=7), folder)
