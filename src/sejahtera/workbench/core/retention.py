"""Retention of personal data (UU 27/2022 asks for a stated period; the periods are the office's
choice, in ``settings.RETENTION_YEARS`` from ``SEJAHTERA_RETENTION_*_YEARS``).

- A closed grievance keeps its complainant's name, NIK (and its lookup hash), phone and address
  for ``grievance`` years after it was closed (its last ``closed`` event; a grievance closed
  without one counts from its last change). The case itself (category, description, history)
  stays.
- A consultation's participants keep their names for ``participant`` years after its date.

:func:`apply` blanks (never deletes) those fields of the records past their period, in one
transaction with one audit event ``retention_applied`` holding the counts; a record already
blank is not counted again, so running it twice changes nothing the second time. With
``dry_run`` it only counts. ``sejahtera manage apply_retention`` is its command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.db.models.functions import Coalesce, Length
from django.utils import timezone

from sejahtera.workbench.consultations.models import Participant
from sejahtera.workbench.core import audit
from sejahtera.workbench.grievances.models import Grievance, Status

GRIEVANCE_FIELDS = ("name", "nik", "phone", "address")
PARTICIPANT_FIELDS = ("name",)


@dataclass(frozen=True)
class Retention:
    """What :func:`apply` found past its period (and blanked unless ``dry_run``), by kind."""

    grievances: tuple[str, ...]  # tracking codes
    participants: tuple[int, ...]  # participant ids
    cutoffs: dict[str, str]  # kind → the date before which records are past their period
    dry_run: bool

    def counts(self) -> dict[str, int]:
        return {"grievance": len(self.grievances), "participant": len(self.participants)}


def cutoff(kind: str, now: datetime) -> datetime:
    """The moment before which a record of ``kind`` is past its period."""
    year = now.year - settings.RETENTION_YEARS[kind]
    if (now.month, now.day) == (2, 29):  # 29 February of a year that may have none
        return now.replace(year=year, day=28)
    return now.replace(year=year)


def _held(queryset: QuerySet, fields: tuple[str, ...]) -> QuerySet:
    """The rows of ``queryset`` with any of ``fields`` not blank (measured in SQL: an encrypted
    value is a token, and an empty one stays empty)."""
    lengths = [Length(field) for field in fields]
    total = lengths[0]
    for length in lengths[1:]:
        total = total + length
    return queryset.annotate(held=total).filter(held__gt=0)


def expired_grievances(now: datetime) -> QuerySet[Grievance]:
    closed = Grievance.objects.filter(status=Status.CLOSED).annotate(
        closed_at=Coalesce(
            Max("events__at", filter=Q(events__status=Status.CLOSED)), F("updated_at")
        )
    )
    return _held(closed.filter(closed_at__lt=cutoff("grievance", now)), GRIEVANCE_FIELDS)


def expired_participants(now: datetime) -> QuerySet[Participant]:
    past = Participant.objects.filter(
        consultation__date__lt=timezone.localdate(cutoff("participant", now))
    )
    return _held(past, PARTICIPANT_FIELDS)


def apply(*, dry_run: bool = False, now: datetime | None = None) -> Retention:
    """Blank the personal fields of every record past its period (see the module)."""
    now = now or timezone.now()
    cutoffs = {kind: cutoff(kind, now).date().isoformat() for kind in settings.RETENTION_YEARS}
    with transaction.atomic():
        # The write lock (SQLite) or the conditional UPDATE below (PostgreSQL) keeps a record
        # edited meanwhile from being counted twice; blanking it again changes nothing.
        grievances = list(expired_grievances(now).order_by("pk").values_list("pk", "code"))
        participants = list(expired_participants(now).order_by("pk").values_list("pk", flat=True))
        found = Retention(
            tuple(code for _, code in grievances), tuple(participants), cutoffs, dry_run
        )
        if dry_run:
            return found
        Grievance.objects.filter(pk__in=[pk for pk, _ in grievances]).update(
            nik_hash="", version=F("version") + 1, **dict.fromkeys(GRIEVANCE_FIELDS, "")
        )
        Participant.objects.filter(pk__in=participants).update(
            **dict.fromkeys(PARTICIPANT_FIELDS, "")
        )
        if grievances or participants:
            audit.record(
                None,
                "retention_applied",
                counts=found.counts(),
                cutoffs=cutoffs,
                years=dict(settings.RETENTION_YEARS),
                grievances=list(found.grievances),
            )
    return found
