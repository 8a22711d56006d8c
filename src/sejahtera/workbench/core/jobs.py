"""Long work in the background: one :class:`~.models.Job` row per piece of work, run by a worker
of Django's Tasks framework (the django-tasks backport; ``SEJAHTERA_TASKS`` chooses the backend).

An app registers each kind of work once, by name, with :func:`kind`; the function gets a
:class:`Progress` and the job's arguments and returns its result (JSON). A view starts it with
:func:`start`, which stores the job and queues :func:`run_job`; the worker claims the job, runs
the work in the language of the page that started it, and records how it ended:

- done, with its result;
- failed, with the message of a :class:`~sejahtera.errors.SejahteraError` or :class:`JobError`
  (what was wrong and what to do), or, for anything else, a general message and a reference to
  the traceback in the log: never the traceback itself;
- cancelled: :func:`cancel` stops a queued job before it starts and a running one at its next
  :meth:`Progress.step`.

Work that writes writes at the end, in :meth:`Progress.last_step` (one transaction), so a job
that fails or is cancelled changes nothing. Every start, cancellation and ending is audited.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.dispatch import Signal
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from sejahtera.errors import SejahteraError
from sejahtera.i18n import speaking
from sejahtera.workbench.core import audit
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.core.policy import allowed

logger = logging.getLogger(__name__)

# Sent by ``sejahtera manage worker`` as it starts, before it takes a job: an app may prepare
# what its jobs read in this process (the scenario studio reads the current dataset version and
# its status quo), in a thread of its own so that the worker starts taking jobs at once.
worker_starting = Signal()
Work = Callable[["Progress", dict[str, Any]], dict[str, Any]]
KINDS: dict[str, Work] = {}


def json_safe(value: Any) -> Any:
    """Plain JSON a job's result and a JSONField keep (PostgreSQL refuses NaN): numpy numbers as
    Python's, NaN and infinities as null, anything else (dates, paths) as text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def kind(name: str) -> Callable[[Work], Work]:
    """Register ``work`` as the kind of job ``name`` (at import, from the app's ``ready``)."""

    def register(work: Work) -> Work:
        if KINDS.setdefault(name, work) is not work:
            raise ValueError(f"the kind of job {name!r} is registered twice")
        return work

    return register


class JobError(Exception):
    """A failure the user can understand: its message (translated) is what the job's page
    shows."""


class Cancelled(Exception):
    """Someone asked the job to stop; raised between steps, so nothing is half written."""


class Progress:
    """What running work tells its page: how far it is (0–1) and what it is doing."""

    def __init__(self, job: Job) -> None:
        self.job = job

    @property
    def owner(self) -> Any:
        """The user who started the job (the one its audit events name)."""
        return self.job.owner

    def step(self, fraction: float, message: str) -> None:
        """Say how far the work is; stop here (:class:`Cancelled`) if it was cancelled."""
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise Cancelled
        Job.objects.filter(pk=self.job.pk, state=JobState.RUNNING).update(
            progress=max(0.0, min(1.0, fraction)), message=message[:200]
        )

    @contextmanager
    def last_step(self, fraction: float, message: str) -> Iterator[None]:
        """The step that writes the result, in one transaction: not begun once the job is
        cancelled, and not cancelled once begun."""
        with transaction.atomic():
            locked = Job.objects.select_for_update().get(pk=self.job.pk)
            if locked.cancel_requested:
                raise Cancelled
            Job.objects.filter(pk=self.job.pk).update(progress=fraction, message=message[:200])
            yield


def keep_file(
    progress: Progress,
    folder: Path,
    suffix: str,
    write: Callable[[Path], Any],
    audited: Callable[[Any], None],
) -> tuple[str, Any]:
    """A job's file: ``write(path)`` writes it under a temporary name in ``folder``; then, in
    the job's last step, ``audited(what write returned)`` records it and the file takes its
    name (the job's id and a random part, then ``suffix``), which is returned with what write
    returned. A file appears only with its audit event: a failure, or a cancellation, leaves
    none."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{progress.job.pk}-{secrets.token_hex(8)}.{suffix}"
    partial = folder / f".{name}.part.{suffix}"  # the suffix last: writers choose by it
    try:
        written = write(partial)
        with progress.last_step(0.95, _("Saving the file")):
            audited(written)
            partial.replace(folder / name)  # last: a failed audit leaves no file
    finally:
        partial.unlink(missing_ok=True)
    return name, written


def start(
    request: HttpRequest,
    name: str,
    title: str,
    arguments: dict[str, Any],
    *,
    subject: Model | None = None,
    link: str = "",
    queue: bool = True,
) -> Job:
    """Store a job of kind ``name`` for ``subject`` (whose page is ``link``), started by the
    request's user in the page's language, and queue it (``queue=False``: for
    :func:`run_here`)."""
    if name not in KINDS:
        raise ValueError(f"no kind of job {name!r} is registered")
    with transaction.atomic():  # no job without its audit event
        job = Job.objects.create(
            kind=name,
            title=title[:200],
            owner=request.user,
            arguments=arguments,
            language=translation.get_language() or "id",
            object_type=type(subject).__name__ if subject is not None else "",
            object_id=str(subject.pk) if subject is not None else "",
            link=link,
        )
        audit.record(request, "job_queued", job, kind=name, title=job.title)
    if queue:
        queued = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(queued.id)[:64])
    job.refresh_from_db()
    return job


def run_here(job: Job) -> Job:
    """Run a job stored with ``start(..., queue=False)`` in this process now, with the same
    claim, audit and ending as a worker's: a management command's work, never a page's."""
    run_job.call(job.pk)
    job.refresh_from_db()
    return job


def cancel(request: HttpRequest, job: Job) -> bool:
    """Stop ``job``: a queued one never starts; a running one stops at its next step (and is
    then cancelled by its worker). False when it had already finished."""
    now = timezone.now()
    message = _("Cancelled before it started.")
    with transaction.atomic():  # each change with its audit event, or neither
        if Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
            state=JobState.CANCELLED, cancel_requested=True, finished_at=now, message=message
        ):
            audit.record(request, "job_cancelled", job, kind=job.kind)
            return True
        requested = Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            cancel_requested=True
        )
        if requested:
            audit.record(request, "job_cancel_requested", job, kind=job.kind)
    if requested:
        recover()  # a job whose worker has died is cancelled now, not at a step never taken
        return True
    return False


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(worker: str) -> bool:
    """Whether ``worker`` (host:pid) was a process of this machine that no longer runs."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover() -> int:
    """End the jobs left running by a worker of this machine that stopped in the middle (it
    was killed, or the machine restarted): cancelled if someone asked for it, otherwise failed,
    to be started again. Nothing of theirs was written: work writes in its last step's
    transaction. The number of jobs ended."""
    ended = 0
    for job in Job.objects.filter(state=JobState.RUNNING).select_related("owner"):
        if not _gone(job.worker):
            continue
        with translation.override(job.language):
            if job.cancel_requested:
                ended += _end(job, JobState.CANCELLED, message=_("Cancelled."))
            else:
                error = _(
                    "The worker stopped while this job was running, so nothing was written. "
                    "Start it again."
                )
                ended += _end(job, JobState.FAILED, message=_("Failed."), error=error)
    return ended


def visible(user: User | AnonymousUser, job: Job) -> bool:
    """Whether ``user`` sees ``job``: its own, or any with ``job.view_all``."""
    own = user.is_authenticated and job.owner_id == user.pk
    return allowed(user, "job.view") and (own or allowed(user, "job.view_all"))


def load_visible(user: User | AnonymousUser, pk: int, **filters: Any) -> Job:
    """The job ``pk`` (matching ``filters``, e.g. its kind) for a page: 404 when there is none,
    PermissionDenied when ``user`` may not see it (:func:`visible`)."""
    job = get_object_or_404(Job.objects.select_related("owner"), pk=pk, **filters)
    if not visible(user, job):
        raise PermissionDenied
    return job


def shown(user: User | AnonymousUser, job: Job | None) -> dict[str, object]:
    """What a page needs to show ``job`` (``core/_job.html``): nothing if ``user`` may not
    see it."""
    if job is None or not visible(user, job):
        return {"job": None}
    return {"job": job, "may_cancel": not job.finished and allowed(user, "job.cancel")}


def as_json(job: Job) -> dict[str, object]:
    """The job as its JSON view gives it: state, progress (0–1) and message, and its outcome
    (the result once done; the message and log reference once failed)."""

    def moment(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": job.pk,
        "kind": job.kind,
        "title": job.title,
        "state": job.state,
        "state_label": job.get_state_display(),
        "progress": job.progress,
        "message": job.message,
        "cancel_requested": job.cancel_requested,
        "result": job.result if job.state == JobState.DONE else None,
        "error": job.error,
        "reference": job.reference,
        "link": job.link,
        "created_at": moment(job.created_at),
        "started_at": moment(job.started_at),
        "finished_at": moment(job.finished_at),
    }


def latest(subject: Model, name: str) -> Job | None:
    """The last job of kind ``name`` started for ``subject``."""
    return Job.objects.filter(
        object_type=type(subject).__name__, object_id=str(subject.pk), kind=name
    ).first()


@task()
def run_job(job_id: int) -> str:
    """The worker's side: claim the queued job, run its work, record how it ended. A job that
    is no longer queued (cancelled, or claimed by another worker) is left alone."""
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now(), worker=_this_process()
    )
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if not claimed or job is None:
        return "skipped"
    with translation.override(job.language), speaking(_core_language(job.language)):
        _run(job)
    return str(Job.objects.values_list("state", flat=True).get(pk=job_id))


def _core_language(language: str) -> str:
    return "en" if language.startswith("en") else "id"


def _run(job: Job) -> None:
    try:
        work = KINDS[job.kind]
        result = work(Progress(job), job.arguments)
    except Cancelled:
        _end(job, JobState.CANCELLED, message=_("Cancelled."))
    except (SejahteraError, JobError) as exc:
        _end(job, JobState.FAILED, error=str(exc), message=_("Failed."))
    except Exception:
        reference = secrets.token_hex(4)
        logger.exception("Job %s (%s) failed: reference %s", job.pk, job.kind, reference)
        error = _(
            "Something went wrong that the workbench did not expect. Nothing was changed. "
            "Give your administrator the reference %(reference)s: the details are in the "
            "server's log."
        ) % {"reference": reference}
        _end(job, JobState.FAILED, error=error, reference=reference, message=_("Failed."))
    else:
        _end(job, JobState.DONE, result=result, progress=1.0, message=_("Done."))


def _end(job: Job, state: JobState, **fields: Any) -> int:
    with transaction.atomic():  # the ending and its audit event, or neither
        ended = Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            state=state, finished_at=timezone.now(), **fields
        )
        if ended:
            detail = {"kind": job.kind} | {
                name: fields[name] for name in ("error", "reference") if fields.get(name)
            }
            audit.record(None, f"job_{state}", job, user=job.owner, **detail)
    return ended
