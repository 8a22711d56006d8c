"""A grievance (pengaduan), its categories with their service levels, and its history.

A grievance moves ``received → assigned → in_progress → resolved → closed``. A resolved grievance
may be appealed (on the person's request, recorded by an officer), which opens it again with a new
due date; an open grievance past its due date is escalated (``escalate_grievances``, from cron) or
by hand. :data:`TRANSITIONS` is the whole workflow.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.core.crypto import (
    EncryptedCharField,
    EncryptedTextField,
    lookup_hash,
    lookup_hashes,
)
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.regions.models import Region

# Tracking codes: no 0/O, 1/I/L, so a code read over the phone or copied from paper is typed
# right; 31 symbols ** 10 ≈ 8 × 10**14 codes, too many to guess.
CODE_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH: Final = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """``abcde-fghjk`` or ``ABCDE FGHJK`` as stored: upper case, without separators."""
    return re.sub(r"[\s\-.]", "", typed).upper()


def format_code(code: str) -> str:
    """For people: two groups of five, ``ABCDE-FGHJK``."""
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone")
    LAPOR = "lapor", _("SP4N-LAPOR!")  # imported from a LAPOR! export (grievances/lapor.py)


class Category(models.TextChoices):
    TARGETING = "targeting", _("Targeting or eligibility")
    PAYMENT = "payment", _("Payment or distribution")
    SERVICE = "service", _("Service")
    MISCONDUCT = "misconduct", _("Misconduct")
    OTHER = "other", _("Other")


# The service level of each category: calendar days from receipt to resolution. Targeting needs a
# field check (verval); misconduct is urgent. Changed here, in code review, not on a page.
SLA_DAYS: Final = MappingProxyType(
    {
        Category.TARGETING: 14,
        Category.PAYMENT: 7,
        Category.SERVICE: 10,
        Category.MISCONDUCT: 5,
        Category.OTHER: 14,
    }
)
# Categories whose grievances are sensitive unless an officer decides otherwise.
SENSITIVE_BY_DEFAULT: Final = frozenset({Category.MISCONDUCT})


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    APPEALED = "appealed", _("Appealed")
    CLOSED = "closed", _("Closed")


# Where each status may go by a status change (assignment and appeal have their own actions).
TRANSITIONS: Final = MappingProxyType(
    {
        Status.RECEIVED: (Status.IN_PROGRESS, Status.ESCALATED, Status.RESOLVED, Status.CLOSED),
        Status.ASSIGNED: (Status.IN_PROGRESS, Status.ESCALATED, Status.RESOLVED, Status.CLOSED),
        Status.IN_PROGRESS: (Status.ESCALATED, Status.RESOLVED, Status.CLOSED),
        Status.ESCALATED: (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED),
        Status.RESOLVED: (Status.CLOSED,),
        Status.APPEALED: (Status.IN_PROGRESS, Status.ESCALATED, Status.RESOLVED, Status.CLOSED),
        Status.CLOSED: (),
    }
)
OPEN: Final = frozenset(
    {Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS, Status.ESCALATED, Status.APPEALED}
)
# Assignment moves a new, escalated or appealed grievance to "assigned"; later ones keep theirs.
ASSIGNABLE: Final = OPEN
BECOMES_ASSIGNED: Final = frozenset({Status.RECEIVED, Status.ESCALATED, Status.APPEALED})


def due_date(category: str, received_at: datetime) -> datetime:
    return received_at + timedelta(days=SLA_DAYS[Category(category)])


def validate_nik(value: str) -> None:
    """A NIK: 16 digits, the region code, then the birth date (day + 40 for women), then a
    serial number."""
    if not re.fullmatch(r"\d{16}", value):
        raise ValidationError(_("A NIK has exactly 16 digits."), code="nik_digits")
    day, month = int(value[6:8]), int(value[8:10])
    if not (1 <= day <= 31 or 41 <= day <= 71) or not 1 <= month <= 12:
        raise ValidationError(
            _("Digits 7 to 12 of a NIK are a birth date (DDMMYY); these are not."),
            code="nik_date",
        )


def validate_phone(value: str) -> None:
    if not re.fullmatch(r"\+?\d{8,15}", re.sub(r"[\s\-]", "", value)):
        raise ValidationError(
            _("A phone number has 8 to 15 digits, optionally after a +."), code="phone"
        )


class Grievance(models.Model):
    code = models.CharField(_("tracking code"), max_length=CODE_LENGTH, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    category = models.CharField(_("category"), max_length=16, choices=Category)
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances",
    )
    # Personal data: blank for an anonymous complaint; masked on every page unless revealed.
    # Encrypted at rest (core/crypto.py); a NIK is found by its keyed hash (:meth:`with_nik`).
    name = EncryptedCharField(_("name"), max_length=200, blank=True)
    nik = EncryptedCharField(_("NIK"), max_length=16, blank=True, validators=[validate_nik])
    nik_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedCharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    address = EncryptedTextField(_("address"), blank=True)
    description = models.TextField(_("description"))
    # SP4N-LAPOR! (lapor.go.id): the report's tracking ID and its category there, for a
    # grievance imported from LAPOR! or forwarded to it (grievances/lapor.py).
    lapor_id = models.CharField(_("LAPOR! tracking ID"), max_length=16, blank=True)
    lapor_category = models.CharField(_("LAPOR! category"), max_length=120, blank=True)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Only the head of social policy, officers and auditors see sensitive cases."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.RECEIVED, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_grievances",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entered_grievances",
    )  # the officer who typed it in; none for the public form
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("-received_at", "-id")
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")
        constraints = (
            models.UniqueConstraint(
                fields=("lapor_id",),
                condition=~models.Q(lapor_id=""),
                name="one_grievance_per_lapor_id",
            ),
        )

    def __str__(self) -> str:
        return format_code(self.code)

    def save(self, *args: object, **kwargs: object) -> None:
        if self.due_at is None:
            self.due_at = due_date(self.category, self.received_at)
        self.nik_hash = lookup_hash(self.nik)
        fields = kwargs.get("update_fields")
        if fields is not None and "nik" in fields:
            kwargs["update_fields"] = {*fields, "nik_hash"}  # type: ignore[misc]
        if self.code:
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            return
        while True:  # a code drawn by someone else at the same moment is drawn again
            self.code = new_code()
            while Grievance.objects.filter(code=self.code).exists():
                self.code = new_code()
            try:
                with transaction.atomic():  # a savepoint: the clash leaves the caller's going
                    super().save(*args, **kwargs)  # type: ignore[arg-type]
                return
            except IntegrityError:
                if not Grievance.objects.filter(code=self.code).exists():
                    self.code = ""
                    raise  # another constraint (a LAPOR! ID already stored)

    @classmethod
    def with_nik(cls, nik: str) -> models.QuerySet[Grievance]:
        """The grievances of the person with NIK ``nik`` (by its keyed hash, under any key)."""
        return cls.objects.filter(nik_hash__in=lookup_hashes(nik)) if nik else cls.objects.none()

    @property
    def tracking_code(self) -> str:
        return format_code(self.code)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @property
    def sla_days(self) -> int:
        return SLA_DAYS[Category(self.category)]

    def next_statuses(self) -> tuple[Status, ...]:
        return TRANSITIONS[Status(self.status)]

    def received_on(self) -> date:
        return timezone.localdate(self.received_at)


class GrievanceEvent(models.Model):
    """One step of a grievance's history. The person who complained sees the date, the status
    and the public message; the internal note and who acted are for staff."""

    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status)
    public_message = models.TextField(_("message to the complainant"), blank=True)
    note = models.TextField(_("internal note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )  # none for the public form and the escalation command

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.grievance} {self.status} {self.at:%Y-%m-%d %H:%M}"


class ProposalKind(models.TextChoices):
    """A DTSEN update proposal: a household left out of the registry's lists asks to be added
    (usulan), a household wrongly on them is objected to (sanggahan)."""

    USULAN = "usulan", _("Usulan: add a household left out")
    SANGGAHAN = "sanggahan", _("Sanggahan: a household wrongly included")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # recorded, not yet sent to the desa and dinas sosial
    SENT = "sent", _("Sent")  # in a file sent for submission
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DtsenProposal(models.Model):
    """A proposal to update DTSEN (Data Tunggal Sosial dan Ekonomi Nasional) made from a
    targeting grievance, for submission through the desa/kelurahan and the dinas sosial
    (grievances/dtsen.py). It names the household by its registry identifier and its area,
    never by name or NIK: those stay in the grievance (masked) and in the registry."""

    grievance = models.ForeignKey(
        Grievance, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("grievance")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ProposalKind)
    household_id = models.CharField(
        _("household identifier"),
        max_length=64,
        blank=True,
        help_text=_("The registry's identifier. May be empty for a household not registered."),
    )
    regency_code = models.CharField(_("kabupaten/kota"), max_length=16)
    district_code = models.CharField(_("kecamatan"), max_length=16)
    village_code = models.CharField(_("desa/kelurahan"), max_length=16, blank=True)
    reason = models.TextField(_("reason"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus, default=ProposalStatus.PENDING
    )

    class Meta:
        ordering = ("district_code", "village_code", "made_at", "pk")
        constraints = (
            models.UniqueConstraint(
                fields=("grievance", "kind", "household_id"), name="one_proposal_per_household"
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.grievance}"
