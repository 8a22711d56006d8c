"""Background jobs (core/jobs.py): a job runs to its end with its result, reports its progress,
can be cancelled while it waits or runs, shows why it failed (never a traceback) having changed
nothing, and waits in the database for a worker, so that a restart loses none.

The kinds of job used here are registered the way an app registers its own. Most tests run the
worker inside the request (the immediate backend); those marked ``transaction=True`` queue in
the database and run a real worker (``sejahtera manage worker``) in a thread."""

from __future__ import annotations

import socket
import subprocess
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import RequestFactory
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from sejahtera.errors import SejahteraError
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core import jobs
from sejahtera.workbench.core.jobs import JobError, Progress
from sejahtera.workbench.core.models import Job, JobState
from workbench_queue import DATABASE_TASKS, work_off
from workbench_users import signed_in, user_with

pytestmark = pytest.mark.django_db
GATE: dict[str, threading.Event] = {}


@jobs.kind("test.count")
def count(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """Counts in steps, noting the progress its page would read after each, then writes."""
    seen = []
    for n in range(arguments["steps"]):
        progress.step(n / arguments["steps"], f"step {n}")
        seen.append(Job.objects.values_list("progress", "message").get(pk=progress.job.pk))
        if arguments.get("cancelled_at") == n:  # someone presses Cancel now
            Job.objects.filter(pk=progress.job.pk).update(cancel_requested=True)
    with progress.last_step(0.9, "writing"):
        AuditEvent.objects.create(action="test_written")
    return {"counted": arguments["steps"], "seen": seen}


@jobs.kind("test.fail")
def fail(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    with progress.last_step(0.5, "writing"):
        AuditEvent.objects.create(action="test_written")
        if arguments["how"] == "sejahtera":
            raise SejahteraError("dataset.not_found", path="/data/dtsen")
        if arguments["how"] == "job":
            raise JobError("The cycle is frozen.")
        raise RuntimeError("secret internals")


@jobs.kind("test.wait")
def wait(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """Says it started, waits until the test lets it go on, then takes its next step."""
    progress.step(0.25, "waiting")
    GATE["started"].set()
    GATE["go_on"].wait(20)
    progress.step(0.5, "going on")
    AuditEvent.objects.create(action="test_written")
    return {}


def started(kind: str, user: Any = None, **arguments: Any) -> Job:
    """A job of ``kind`` started by ``user`` (an officer by default), as a view starts it."""
    request = RequestFactory().post("/")
    request.user = user or user_with("officer")
    return jobs.start(request, kind, f"Test {kind}", arguments, link="/dashboard/")


def written() -> int:
    return AuditEvent.objects.filter(action="test_written").count()


def test_a_job_runs_to_done_with_its_result_and_reports_its_progress() -> None:
    job = started("test.count", steps=4)
    assert job.state == JobState.DONE and job.progress == 1 and job.message == "Selesai."
    seen = job.result["seen"]
    assert [progress for progress, _ in seen] == [0, 0.25, 0.5, 0.75]
    assert [message for _, message in seen] == ["step 0", "step 1", "step 2", "step 3"]
    assert job.started_at and job.finished_at and written() == 1
    assert list(AuditEvent.objects.filter(action__startswith="job_").values_list("action")) == [
        ("job_done",),
        ("job_queued",),
    ]


def test_the_page_polls_while_the_job_runs_and_the_json_view_says_it_all(settings) -> None:
    settings.TASKS = DATABASE_TASKS
    client = signed_in("officer")
    job = started("test.count", client.user, steps=2)
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and f'hx-get="/jobs/{job.pk}/"' in page.text
    assert "Menunggu dimulai" in page.text and "no-cache" in page["Cache-Control"]
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, progress=0.4, message="step 1")
    answer = client.get(f"/jobs/{job.pk}/json/").json()
    assert answer["state"] == "running" and answer["progress"] == 0.4
    assert answer["message"] == "step 1" and answer["result"] is None
    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED)
    work_off()
    polled = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true" and "hx-get" not in polled.text  # ended: no more polls
    answer = client.get(f"/jobs/{job.pk}/json/").json()
    assert answer["state"] == "done" and answer["progress"] == 1
    assert answer["result"]["counted"] == 2 and answer["finished_at"]
    assert client.post(f"/jobs/{job.pk}/json/").status_code == 405


def test_a_queued_job_cancelled_never_starts(settings) -> None:
    settings.TASKS = DATABASE_TASKS
    client = signed_in("kepala")
    job = started("test.count", steps=2)
    answer = client.post(f"/jobs/{job.pk}/cancel/")
    assert answer.status_code == 302 and answer["Location"] == "/dashboard/"
    work_off()
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.started_at is None and written() == 0
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 409  # nothing left to cancel
    assert client.get(f"/jobs/{job.pk}/cancel/").status_code == 405
    assert AuditEvent.objects.filter(action="job_cancelled", username=client.user.username)


def test_a_running_job_cancelled_stops_at_its_next_step_having_written_nothing() -> None:
    job = started("test.count", steps=4, cancelled_at=1)
    assert job.state == JobState.CANCELLED and job.progress == 0.25 and written() == 0
    assert job.result is None and job.message == "Dibatalkan."


@pytest.mark.parametrize(
    ("how", "shown"),
    [
        ("sejahtera", "Folder dataset tidak ditemukan: /data/dtsen."),
        ("job", "The cycle is frozen."),
    ],
)
def test_a_failure_the_user_can_fix_shows_its_message_and_changes_nothing(
    how: str, shown: str
) -> None:
    client = signed_in("officer")
    job = started("test.fail", client.user, how=how)
    assert job.state == JobState.FAILED and job.error.startswith(shown) and not job.reference
    assert written() == 0 and shown in client.get(f"/jobs/{job.pk}/").text


def test_an_unexpected_failure_gives_a_reference_to_the_log_not_a_traceback(caplog) -> None:
    client = signed_in("officer")
    job = started("test.fail", client.user, how="bug")
    assert job.state == JobState.FAILED and len(job.reference) == 8 and written() == 0
    for answer in (client.get(f"/jobs/{job.pk}/"), client.get(f"/jobs/{job.pk}/json/")):
        assert job.reference in answer.text
        assert "secret internals" not in answer.text and "Traceback" not in answer.text
    assert "secret internals" in caplog.text and job.reference in caplog.text
    failed = AuditEvent.objects.get(action="job_failed")
    assert failed.detail["reference"] == job.reference and failed.username == client.user.username


def test_who_sees_and_cancels_a_job_follows_the_policy_table(settings) -> None:
    settings.TASKS = DATABASE_TASKS
    partner = signed_in("partner", "Yayasan A")
    own = started("test.count", partner.user, steps=1)
    other = started("test.count", steps=1)
    assert partner.get(f"/jobs/{own.pk}/").status_code == 200
    assert partner.get(f"/jobs/{other.pk}/").status_code == 403  # not its own, not staff
    assert partner.get(f"/jobs/{other.pk}/json/").status_code == 403
    assert partner.post(f"/jobs/{own.pk}/cancel/").status_code == 403  # no job.cancel
    auditor = signed_in("auditor")
    assert auditor.get(f"/jobs/{other.pk}/").status_code == 200  # job.view_all
    assert "Batal" not in auditor.get(f"/jobs/{other.pk}/").text
    assert auditor.post(f"/jobs/{other.pk}/cancel/").status_code == 403
    officer = signed_in("officer")
    assert "Batal" in officer.get(f"/jobs/{other.pk}/").text
    assert officer.post(f"/jobs/{other.pk}/cancel/").status_code == 302
    assert signed_in("officer").get("/jobs/999999/").status_code == 404
    assert Job.objects.get(pk=other.pk).state == JobState.CANCELLED
    assert Job.objects.get(pk=own.pk).state == JobState.QUEUED


def test_a_kind_of_job_is_registered_once_and_must_exist_to_start() -> None:
    with pytest.raises(ValueError, match="twice"):
        jobs.kind("test.count")(wait)
    with pytest.raises(ValueError, match="no kind"):
        started("test.unknown")


def _killed_worker() -> str:
    """host:pid of a worker process of this machine that has stopped."""
    process = subprocess.Popen(["true"])
    process.wait()
    return f"{socket.gethostname()}:{process.pid}"


def test_a_job_left_running_by_a_killed_worker_is_ended_by_the_next_one(settings) -> None:
    settings.TASKS = DATABASE_TASKS
    lost = started("test.count", steps=1)
    elsewhere = started("test.count", steps=1)
    Job.objects.filter(pk=lost.pk).update(state=JobState.RUNNING, worker=_killed_worker())
    Job.objects.filter(pk=elsewhere.pk).update(state=JobState.RUNNING, worker="other-host:1")
    work_off()
    lost.refresh_from_db()
    elsewhere.refresh_from_db()
    assert lost.state == JobState.FAILED and "Mulai lagi" in lost.error and written() == 0
    assert elsewhere.state == JobState.RUNNING  # another machine's worker may still run it


def test_cancelling_a_job_whose_worker_was_killed_ends_it_at_once(settings) -> None:
    settings.TASKS = DATABASE_TASKS
    job = started("test.count", steps=1)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, worker=_killed_worker())
    assert signed_in("officer").post(f"/jobs/{job.pk}/cancel/").status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.finished_at


# A real worker in a thread, taking jobs from the database


def _worker_thread(monkeypatch: pytest.MonkeyPatch) -> threading.Thread:
    """``sejahtera manage worker --batch`` in a thread of its own (signals stay with the main
    thread), with its own database connection."""
    monkeypatch.setattr(Worker, "configure_signals", lambda self: None)

    def run() -> None:
        try:
            call_command("worker", "--batch", verbosity=0)
        finally:
            connections.close_all()

    return threading.Thread(target=run, daemon=True)


@pytest.mark.django_db(transaction=True)
def test_a_queued_job_survives_a_restart_and_a_new_worker_runs_it(settings, monkeypatch) -> None:
    settings.TASKS = DATABASE_TASKS
    job = started("test.count", steps=3)
    # The server stops before any worker took the job: all that is left is in the database.
    assert DBTaskResult.objects.get().status == "READY"
    settings.TASKS = {**DATABASE_TASKS}  # a fresh backend, as a new process has
    worker = _worker_thread(monkeypatch)
    worker.start()
    worker.join(60)
    job.refresh_from_db()
    assert not worker.is_alive() and job.state == JobState.DONE and written() == 1
    assert job.result["counted"] == 3 and DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reports_progress_and_stops_a_running_job_when_cancelled(
    settings, monkeypatch
) -> None:
    settings.TASKS = DATABASE_TASKS
    GATE.update(started=threading.Event(), go_on=threading.Event())
    officer = signed_in("officer")
    job = started("test.wait", officer.user)
    worker = _worker_thread(monkeypatch)
    worker.start()
    try:
        assert GATE["started"].wait(30), "the worker did not take the job"
        running = officer.get(f"/jobs/{job.pk}/json/").json()
        assert running["state"] == "running" and running["progress"] == 0.25
        assert officer.post(f"/jobs/{job.pk}/cancel/").status_code == 302
        assert "berhenti pada langkah berikutnya" in officer.get(f"/jobs/{job.pk}/").text
    finally:
        GATE["go_on"].set()
        worker.join(60)
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.progress == 0.25 and written() == 0
