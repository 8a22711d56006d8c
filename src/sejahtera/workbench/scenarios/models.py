"""Scenarios of the studio: a reform of the status quo as the forms give it (parameter values,
programmes added from templates, rules rewritten in the formula language), the dataset version
and the ruleset it ran on, and its result: the report ``sejahtera simulate --reform … --json``
prints, kept as it is."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_RULESET = "indonesia"
DEFAULT_PERIOD = "2025"


class ScenarioState(models.TextChoices):
    DRAFT = "draft", _("Not run yet")
    RUNNING = "running", _("Running")
    DONE = "done", _("Results ready")
    FAILED = "failed", _("Run failed")


class Scenario(models.Model):
    """A reform of the status quo, built in forms and run on a dataset version as a job."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="scenarios",
    )
    ruleset = models.CharField(_("ruleset"), max_length=64, default=DEFAULT_RULESET)
    dataset = models.ForeignKey(
        "datasets.DatasetVersion",
        verbose_name=_("dataset version"),
        on_delete=models.PROTECT,
        related_name="scenarios",
    )
    period = models.CharField(_("year"), max_length=4, default=DEFAULT_PERIOD)
    # What the reform changes: parameter path → value from the period on ({"pkh.max_desil": 5});
    # shipped templates that add a programme (["lansia-daerah"]); rules rewritten
    # ({"sembako_eligible": "desil <= 3"}). rules/overlay.py writes them as a reform file.
    changes = models.JSONField(default=dict, blank=True)
    templates = models.JSONField(default=list, blank=True)
    formulas = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ScenarioState.choices, default=ScenarioState.DRAFT
    )
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The last run: the report as `sejahtera simulate --reform … --json` prints it (NaN as
    # null), what it ran on, the reform file it ran, and the assumptions in both languages.
    result = models.JSONField(null=True, blank=True)
    dataset_checksum = models.CharField(max_length=64, blank=True)
    ruleset_version = models.CharField(max_length=64, blank=True)
    reform_text = models.TextField(blank=True)
    assumptions = models.JSONField(default=dict, blank=True)
    ran_at = models.DateTimeField(_("run at"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("-updated_at", "-pk")
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")

    def __str__(self) -> str:
        return self.name

    # What a list of scenarios leaves unread: a run's report is about 2 MB at a million
    # households.
    HEAVY = ("result", "reform_text", "assumptions")

    @property
    def has_result(self) -> bool:
        """Its last run's result is kept (a run stores it with DONE; a change clears both)."""
        return self.state == ScenarioState.DONE
