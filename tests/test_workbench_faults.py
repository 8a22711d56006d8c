"""Faults the workbench meets in service (issue 15): a port left in TIME_WAIT by a stopped
server, a database connection dropped between requests, a slow or failing notification gateway,
and errors that must reach the log."""

from __future__ import annotations

import logging
import logging.config
import socket
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from django.utils.log import configure_logging
from django_tasks import task_backends

from sejahtera.cli import port_taken
from sejahtera.workbench.grievances import notify, workflow
from sejahtera.workbench.grievances.models import Grievance, GrievanceEvent
from sejahtera.workbench.settings import log_config
from workbench_queue import DATABASE_TASKS, work_off


def test_a_port_held_only_by_closing_connections_is_free_for_serve() -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn listens
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server closes first: its side of the connection waits (TIME_WAIT)
    client.close()
    server.close()
    with socket.socket() as plain:  # what the old check did: refused for up to a minute
        try:
            plain.bind(("127.0.0.1", port))
            time_wait = False
        except OSError:
            time_wait = True
    assert time_wait, "the closed connection should have left the port in TIME_WAIT"
    assert port_taken("127.0.0.1", port) is None


def test_a_port_another_server_listens_on_is_still_taken() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert port_taken("127.0.0.1", port)


# A dropped database connection -------------------------------------------------------------------


def served(path: str) -> tuple[str, str]:
    """GET ``path`` as a server does (the WSGI handler with its request signals, which the test
    client turns off): the status line and the page."""
    environ = RequestFactory().get(path).environ
    status: list[str] = []
    response = WSGIHandler()(environ, lambda line, headers, exc_info=None: status.append(line))
    try:
        page = b"".join(response).decode()
    finally:
        response.close()  # request_finished, as a server sends it
    return status[0], page


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_reopened_without_a_failed_request() -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60  # kept between requests
    first, _ = served("/grievances/new/")  # reads the regions: a query
    assert first.startswith("200") and connection.connection is not None
    dropped = connection.connection
    if connection.vendor == "postgresql":
        dropped.close()  # the socket: as a database restart or a network cut leaves it
    else:  # SQLite has no socket to lose (one file, its in-memory test copy dies with it):
        # the connection reports itself unusable, as a dropped one would
        connection.is_usable = lambda: False  # type: ignore[method-assign]
    try:
        second, page = served("/grievances/new/")
    finally:
        vars(connection).pop("is_usable", None)
    assert second.startswith("200") and "Kirim pengaduan" in page
    if connection.vendor == "postgresql":
        assert connection.connection is not dropped and not connection.connection.closed


# Notifications in the background -----------------------------------------------------------------

QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
ANONYMOUS = {"category": "service", "description": "Antrean sangat panjang di kantor pos."}


class Gateway:
    """An SMS gateway that answers slowly, or is down until mended."""

    def __init__(self, delay: float = 0.0, down: bool = False) -> None:
        self.delay, self.down = delay, down
        self.sent: list[str] = []

    def received(self, grievance: Grievance) -> None:
        time.sleep(self.delay)
        if self.down:
            raise ConnectionError("SMS gateway down")
        self.sent.append(grievance.code)

    def status_changed(self, grievance: Grievance, event: GrievanceEvent) -> None:
        self.received(grievance)


@pytest.fixture
def queue() -> Iterator[list]:
    """The Tasks framework's queue as a list (its dummy backend): nothing runs until a test
    plays the worker."""
    cache.clear()  # the public form's rate limit
    with override_settings(TASKS=QUEUED):
        yield task_backends["default"].results


def gateway(**how: object) -> Iterator[Gateway]:
    stub = Gateway(**how)  # type: ignore[arg-type]
    notify.register(stub)
    yield stub
    notify.unregister(stub)


@pytest.fixture
def slow() -> Iterator[Gateway]:
    yield from gateway(delay=1.5)


@pytest.fixture
def down() -> Iterator[Gateway]:
    yield from gateway(down=True)


def work(result) -> dict:
    """What the worker does with a queued task."""
    return result.task.call(*result.args, **result.kwargs)


@pytest.mark.django_db
def test_a_slow_gateway_never_delays_the_tracking_code(
    queue, slow, django_capture_on_commit_callbacks, caplog
) -> None:
    client = Client()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/grievances/new/", ANONYMOUS)
    assert time.monotonic() - started < 1.5  # the gateway's delay was not the complainant's
    assert sent.status_code == 302 and slow.sent == []
    grievance = Grievance.objects.get()
    assert grievance.tracking_code in client.get("/grievances/new/sent/").text
    [queued] = queue
    assert list(queued.args[:2]) == ["received", grievance.pk]  # ids only: no personal data queued
    assert queued.task.run_after is None
    with caplog.at_level(logging.INFO, logger="sejahtera"):
        outcome = work(queued)
    assert slow.sent == [grievance.code] and outcome["failed"] == []
    assert f"notification received of grievance {grievance.code} sent by" in caplog.text
    assert len(queue) == 1  # nothing more to do


@pytest.mark.django_db
def test_a_failing_gateway_is_logged_retried_then_given_up(
    queue, down, django_capture_on_commit_callbacks, caplog
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post("/grievances/new/", ANONYMOUS).status_code == 302
    grievance = Grievance.objects.get()
    with caplog.at_level(logging.INFO, logger="sejahtera"):
        outcome = work(queue[0])
    failure = next(r for r in caplog.records if r.message.startswith("notifier Gateway failed"))
    assert failure.levelno == logging.ERROR and failure.exc_info is not None  # the traceback
    assert "SMS gateway down" in caplog.text and grievance.code in failure.message
    assert "given up" not in caplog.text
    assert outcome["failed"] == [name for name in outcome["failed"] if "Gateway" in name] != []
    assert any("LogNotifier" in name for name in outcome["sent"])  # the next one still ran
    # A retry, for the failed gateway only, a minute later; then 5 and 30 minutes later.
    for attempt, minutes in enumerate((1, 5, 30), start=2):
        retry = queue[-1]
        assert retry.args[3] == outcome["failed"] and retry.args[4] == attempt
        wait = retry.task.run_after - timezone.now()
        assert timedelta(minutes=minutes - 1) < wait <= timedelta(minutes=minutes)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="sejahtera"):
            work(retry)
    assert len(queue) == 4 and down.sent == []
    given_up = [r for r in caplog.records if "given up after 4 attempt(s)" in r.message]
    assert len(given_up) == 1 and given_up[0].levelno == logging.ERROR


@pytest.mark.django_db
def test_a_mended_gateway_sends_on_the_retry(
    queue, down, django_capture_on_commit_callbacks, caplog
) -> None:
    grievance = Grievance.objects.create(channel="web", category="payment", description="x")
    GrievanceEvent.objects.create(grievance=grievance, status="received")
    officer = User.objects.create_user("tika")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign(None, grievance, 1, officer)
    assert queue[0].args[0] == "status_changed"
    work(queue[0])
    down.down = False
    with caplog.at_level(logging.INFO, logger="sejahtera"):
        outcome = work(queue[1])
    assert down.sent == [grievance.code] and outcome["failed"] == [] and len(queue) == 2
    assert "sent by" in caplog.text


# The log ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_errors_with_tracebacks_and_notifications_reach_the_log_file(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    cache.clear()
    file = tmp_path / "logs" / "workbench.log"  # its folder is made
    logging.config.dictConfig(log_config("INFO", file))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert Client().post("/grievances/new/", ANONYMOUS).status_code == 302

        def broken(*args: object) -> None:
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(workflow, "submit", broken)
        failed = Client(raise_request_exception=False).post("/grievances/new/", ANONYMOUS)
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    assert failed.status_code == 500 and "the disk is full" not in failed.text
    log = file.read_text(encoding="utf-8")
    code = Grievance.objects.get().code
    assert f"INFO sejahtera.workbench.grievances.notify: grievance {code} received" in log
    assert f"notification received of grievance {code} sent by" in log
    assert "ERROR django.request: Internal Server Error: /grievances/new/" in log
    assert "Traceback (most recent call last)" in log and "RuntimeError: the disk is full" in log


def test_by_default_the_log_is_stderr_from_info_up() -> None:
    assert settings.LOGGING["loggers"]["sejahtera"]["level"] == "INFO"  # the default
    assert list(settings.LOGGING["handlers"]) == ["stderr"]  # no file unless asked
    assert settings.LOGGING["root"]["handlers"] == ["stderr"]


def test_a_log_file_whose_folder_cannot_be_made_is_a_clear_refusal(tmp_path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(ImproperlyConfigured, match=r"SEJAHTERA_LOG_FILE: the folder .*taken"):
        log_config("INFO", tmp_path / "taken" / "workbench.log")


@pytest.mark.django_db
def test_the_worker_sends_what_the_database_queue_holds(
    slow, django_capture_on_commit_callbacks
) -> None:
    cache.clear()
    slow.delay = 0.0
    with override_settings(TASKS=DATABASE_TASKS):
        with django_capture_on_commit_callbacks(execute=True):
            assert Client().post("/grievances/new/", ANONYMOUS).status_code == 302
        assert slow.sent == []  # waiting in the database
        work_off()
    assert slow.sent == [Grievance.objects.get().code]
