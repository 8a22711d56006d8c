"""Meetings and public consultations (Musrenbang among them): who took part, what they said,
how the office answered, and the follow-up actions it owes, each with an owner and a due date."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.core.crypto import EncryptedCharField
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.regions.models import Region
from sejahtera.workbench.stakeholders.models import Organisation


class Kind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    PUBLIC_CONSULTATION = "public_consultation", _("Public consultation")
    MUSRENBANG = "musrenbang", _("Musrenbang (development planning forum)")
    FOCUS_GROUP = "focus_group", _("Focus group discussion")


class Consultation(models.Model):
    """A partner sees the consultations of the programmes it partners on, and no others."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    date = models.DateField(_("date"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
    )
    summary = models.TextField(_("summary"), blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("-date", "title")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultations:detail", args=[self.pk])


class Participant(models.Model):
    """Someone who took part. The name is personal data: masked unless revealed."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="participants"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_participants",
    )
    name = EncryptedCharField(_("name"), max_length=200)  # encrypted at rest (core/crypto.py)
    affiliation = models.CharField(
        _("role or affiliation"),
        max_length=200,
        blank=True,
        help_text=_("For example: village head, farmers' group, Dinas Sosial."),
    )

    class Meta:
        ordering = ("consultation", "pk")

    def __str__(self) -> str:
        return self.affiliation or str(_("participant"))


class Input(models.Model):
    """Something said or handed in: a proposal, a complaint, a question."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="inputs")
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("from participant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inputs",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("from organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation_inputs",
    )
    topic = models.CharField(_("topic"), max_length=120, blank=True)
    text = models.TextField(_("input"))

    class Meta:
        ordering = ("consultation", "pk")

    def __str__(self) -> str:
        return self.topic or self.text[:60]


class Response(models.Model):
    """The office's answer to an input."""

    input = models.ForeignKey(Input, on_delete=models.CASCADE, related_name="responses")
    text = models.TextField(_("response"))
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ("input", "at", "pk")

    def __str__(self) -> str:
        return self.text[:60]


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue")


class FollowUp(models.Model):
    """An action the office owes after a consultation, perhaps answering one input. Its status
    is not stored: done once ``done_at`` is set, overdue when still open after its due date."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="follow_ups"
    )
    input = models.ForeignKey(
        Input,
        verbose_name=_("in answer to input"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    action = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("due_date", "pk")

    def __str__(self) -> str:
        return self.action

    def status(self, today: date | None = None) -> Status:
        if self.done_at is not None:
            return Status.DONE
        if self.due_date < (today or timezone.localdate()):
            return Status.OVERDUE
        return Status.OPEN
