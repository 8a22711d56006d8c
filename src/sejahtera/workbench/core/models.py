"""A user's role (and, for a partner, its organisation), and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.core.roles import Role


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    organisation = models.ForeignKey(
        "stakeholders.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="profiles",
        help_text=_("For partner organisations."),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return f"{self.user.username} ({self.role})"

    def clean(self) -> None:
        """A partner speaks for one organisation; the office's own roles for none."""
        if self.role == Role.PARTNER and self.organisation_id is None:
            raise ValidationError(
                {"organisation": _("A partner account needs the organisation it speaks for.")}
            )
        if self.role != Role.PARTNER and self.organisation_id is not None:
            raise ValidationError(
                {"organisation": _("Only a partner account belongs to an organisation.")}
            )


class ApiToken(models.Model):
    """A token for the REST API: the API acts as its user, with the same permissions as the
    pages. Only a hash is stored; the token itself is shown once, when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    prefix = models.CharField(max_length=8, db_index=True)  # to find the row; not a secret
    digest = models.CharField(max_length=64)  # sha256 of the whole token
    label = models.CharField(_("label"), max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()  # refused from then on (core/tokens.py)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class Job(models.Model):
    """Work that runs in the background (:mod:`sejahtera.workbench.core.jobs`): what it is, who
    started it, how far it is, and how it ended. The row is the job's whole state, so a job
    survives a restart of the server or of the worker."""

    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    arguments = models.JSONField(default=dict)  # what the kind's work needs, as JSON
    language = models.CharField(max_length=8, default="id")  # its messages' language
    object_type = models.CharField(max_length=64, blank=True)  # the record it works on
    object_id = models.CharField(max_length=64, blank=True)
    link = models.CharField(max_length=300, blank=True)  # that record's page
    state = models.CharField(
        _("state"), max_length=12, choices=JobState.choices, default=JobState.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)  # 0–1
    message = models.CharField(_("message"), max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(_("error"), blank=True)  # for the user: never a traceback
    reference = models.CharField(max_length=16, blank=True)  # of the logged traceback
    cancel_requested = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True)  # the queue's id for it
    worker = models.CharField(max_length=100, blank=True)  # host:pid of the process running it
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=("object_type", "object_id", "kind")),)

    def __str__(self) -> str:
        return f"{self.title} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def percent(self) -> float:
        return round(100 * self.progress, 1)
