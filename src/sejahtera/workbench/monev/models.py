"""Monitoring and evaluation (monev): each programme's results framework, its indicators, their
targets per period and area, and the actuals reported against them.

- A results framework is a tree: impact → outcome → output → activity. Each node sits directly
  under a node of the level above, in the same programme; an impact has no parent.
- A period is a year (``2025``) or a quarter (``2025-Q2``).
- An actual goes submitted → verified → approved, or is rejected on the way (a rejected actual
  may be corrected, which submits it again). An approved actual is locked: saving or deleting
  it raises :class:`Locked`, whoever asks.
"""

from __future__ import annotations

import re
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.regions.models import Region

PERIOD: Final = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4]))?$")


def validate_period(value: str) -> None:
    if not PERIOD.match(value):
        raise ValidationError(
            _("Write a year (2025) or a quarter (2025-Q2)."), code="period", params={"value": value}
        )


class Level(models.TextChoices):
    IMPACT = "impact", _("Impact")
    OUTCOME = "outcome", _("Outcome")
    OUTPUT = "output", _("Output")
    ACTIVITY = "activity", _("Activity")


# The level each level hangs under (an impact hangs under nothing).
PARENT_LEVEL: Final = {
    Level.IMPACT: None,
    Level.OUTCOME: Level.IMPACT,
    Level.OUTPUT: Level.OUTCOME,
    Level.ACTIVITY: Level.OUTPUT,
}


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


EDITABLE: Final = (Status.SUBMITTED, Status.REJECTED)  # the reporter may still correct these
LOCKED: Final = _("This actual is approved, so it is locked: it cannot be changed or deleted.")


class MonevError(Exception):
    """A change the monitoring rules refuse; the message says why, for the user."""


class Locked(MonevError):
    """An approved actual was about to be changed or deleted."""


class ResultNode(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="results", verbose_name=_("programme")
    )
    level = models.CharField(_("level"), max_length=8, choices=Level)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("under"),
    )
    statement = models.TextField(_("statement"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("programme", "order", "pk")

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.statement[:60]}"

    def clean(self) -> None:
        wanted = PARENT_LEVEL.get(self.level)
        if wanted is None:
            if self.parent_id is not None:
                raise ValidationError({"parent": _("An impact is the top of the framework.")})
            return
        parent = self.parent
        if parent is None or parent.level != wanted:
            raise ValidationError(
                {
                    "parent": _("A %(level)s sits under a %(parent)s.")
                    % {"level": Level(self.level).label, "parent": Level(wanted).label}
                }
            )
        if parent.programme_id != self.programme_id:
            raise ValidationError({"parent": _("The parent belongs to another programme.")})


class Indicator(models.Model):
    result = models.ForeignKey(
        ResultNode, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("result")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    definition = models.TextField(_("definition"))
    unit = models.CharField(_("unit"), max_length=40, help_text=_("for example: %, households"))
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction, default=Direction.HIGHER
    )
    baseline_value = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    # Shown beside that programme's budget realisation by quarter (monev/budget.py): its own
    # programme's, as a rule, or the one whose spending the indicator measures.
    budget_programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linked_indicators",
        verbose_name=_("budget of the programme"),
        help_text=_("Shows this indicator beside that programme's budget realisation."),
    )
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def programme(self) -> Programme:
        return self.result.programme

    def clean(self) -> None:
        if not self.result_id or not self.code:
            return
        taken = Indicator.objects.filter(
            result__programme_id=self.result.programme_id, code=self.code
        ).exclude(pk=self.pk)
        if taken.exists():
            raise ValidationError(
                {"code": _("This programme already has an indicator with this code.")}
            )


class Target(models.Model):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    period = models.CharField(_("period"), max_length=7, validators=[validate_period])
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("indicator", "period", "region")
        constraints = (
            models.UniqueConstraint(
                fields=("indicator", "period", "region"),
                condition=models.Q(region__isnull=False),
                name="one_target_per_indicator_period_area",
            ),
            models.UniqueConstraint(
                fields=("indicator", "period"),
                condition=models.Q(region__isnull=True),
                name="one_overall_target_per_indicator_period",
            ),
        )

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period} {self.region_id or ''}".strip()

    def clean(self) -> None:
        """One target per indicator, period and area (the indicator is not a field of the
        form, so Django's own check of the constraints would skip it)."""
        if not self.indicator_id or not self.period:
            return
        taken = Target.objects.filter(
            indicator_id=self.indicator_id, period=self.period, region_id=self.region_id
        ).exclude(pk=self.pk)
        if taken.exists():
            raise ValidationError(
                _("This indicator already has a target for this period and area.")
            )


class Actual(models.Model):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="actuals", verbose_name=_("indicator")
    )
    period = models.CharField(_("period"), max_length=7, validators=[validate_period])
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    source = models.CharField(
        _("source"), max_length=200, help_text=_("where the value comes from")
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.SUBMITTED, db_index=True
    )
    review_note = models.TextField(_("review note"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("indicator", "period", "region", "pk")

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period} {self.region_id or ''}".strip()

    def _approved_in_database(self) -> bool:
        return (
            self.pk is not None
            and Actual.objects.filter(pk=self.pk, status=Status.APPROVED).exists()
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._approved_in_database():
            raise Locked(LOCKED)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._approved_in_database():
            raise Locked(LOCKED)
        return super().delete(*args, **kwargs)
