"""Decision records: a policy question, its options (today's situation, saved scenarios with
their results, options that are not simulated), the criteria and weights of their appraisal, the
stakeholders' positions and the consultations that bear on it, and the decision itself.

An analyst (or the head) prepares a record and submits it; the head decides it, and the decider
is never the one who prepared or submitted it (maker-checker). A decided record cannot change:
the views refuse, and so do the models' ``save`` and ``delete`` (:class:`DecidedRecord`). An
amendment is a new draft version (``number`` + 1) linked to its predecessor, which stays as it
was. A scenario option keeps a snapshot of the scenario's result when it is added, so a later
run of the scenario never changes what was decided.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class DecidedRecord(Exception):
    """A decided record (or a part of one) was to be changed; nothing was written."""

    def __init__(self) -> None:
        super().__init__(str(DECIDED_MESSAGE))


DECIDED_MESSAGE = _(
    "This record has been decided and cannot change. To change it, make an amendment: a new "
    "version that starts as a copy of this one."
)


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for decision")
    DECIDED = "decided", _("Decided")


class Decision(models.Model):
    """One version of a decision record on a policy question."""

    number = models.PositiveIntegerField(_("version"), default=1)
    predecessor = models.OneToOneField(
        "self",
        verbose_name=_("amends"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendment",
    )
    title = models.CharField(_("policy question"), max_length=200)
    problem = models.TextField(_("the problem"))
    period = models.CharField(_("year"), max_length=4)
    dataset = models.ForeignKey(
        "datasets.DatasetVersion",
        verbose_name=_("dataset version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    chosen = models.ForeignKey(
        "decisions.Option",
        verbose_name=_("chosen option"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rationale = models.TextField(_("rationale"), blank=True)
    # The draft programme made from the chosen scenario: recorded after the decision, the only
    # thing written to a decided record (by an UPDATE, see services.make_programme).
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("decision record")
        verbose_name_plural = _("decision records")

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    def get_absolute_url(self) -> str:
        return reverse("decisions:detail", args=[self.pk])

    @property
    def decided(self) -> bool:
        return self.status == DecisionStatus.DECIDED

    @property
    def editable(self) -> bool:
        return self.status == DecisionStatus.DRAFT

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and decided_in_database(self.pk):
            raise DecidedRecord
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.pk is not None and decided_in_database(self.pk):
            raise DecidedRecord
        return super().delete(*args, **kwargs)


def decided_in_database(pk: int) -> bool:
    return Decision.objects.filter(pk=pk, status=DecisionStatus.DECIDED).exists()


class PartOfRecord(models.Model):
    """A part of a decision record: not saved or deleted once its record is decided."""

    class Meta:
        abstract = True

    def record_pk(self) -> int | None:
        return getattr(self, "decision_id", None)

    def save(self, *args: Any, **kwargs: Any) -> None:
        pk = self.record_pk()
        if pk is not None and decided_in_database(pk):
            raise DecidedRecord
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        pk = self.record_pk()
        if pk is not None and decided_in_database(pk):
            raise DecidedRecord
        return super().delete(*args, **kwargs)


class OptionKind(models.TextChoices):
    STATUS_QUO = "status_quo", _("Today's situation")
    SCENARIO = "scenario", _("Simulated scenario")
    OTHER = "other", _("Not simulated")


class Option(PartOfRecord):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="options")
    kind = models.CharField(_("kind"), max_length=12, choices=OptionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    scenario = models.ForeignKey(
        "scenarios.Scenario",
        verbose_name=_("scenario"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The scenario's result when the option was added (figures.snapshot_of): what the
    # appraisal, the brief and a programme made from the decision read.
    snapshot = models.JSONField(null=True, blank=True)
    reform_text = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("decision", "order", "pk")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The title in the reader's language: today's situation is named by the page (or the
        brief), not by the language its record was made in."""
        if self.kind == OptionKind.STATUS_QUO:
            return str(STATUS_QUO_TITLE)
        return self.title

    @property
    def about(self) -> str:
        if self.kind == OptionKind.STATUS_QUO:
            return str(STATUS_QUO_ABOUT)
        return self.description

    @property
    def simulated(self) -> bool:
        return self.kind == OptionKind.SCENARIO


STATUS_QUO_TITLE = _("Today's situation (status quo)")
STATUS_QUO_ABOUT = _("The programmes and rules in force, unchanged.")


class Source(models.TextChoices):
    SIMULATED = "simulated", _("From the simulation")
    JUDGED = "judged", _("Judged by the analyst (1–5)")


class Criterion(PartOfRecord):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=120)
    source = models.CharField(_("score from"), max_length=10, choices=Source.choices)
    measure = models.CharField(_("simulated figure"), max_length=32, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("decision", "order", "pk")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language when it is one of the default criteria's names
        (in either language), as the analyst typed it otherwise."""
        for default in DEFAULT_NAMES:
            for code in ("id", "en"):
                with translation.override(code):
                    same = str(default) == self.name
                if same:
                    return str(default)
        return self.name

    @property
    def judged(self) -> bool:
        return self.source == Source.JUDGED


# The default criteria's names (services.DEFAULT_CRITERIA).
DEFAULT_NAMES = (
    _("Cost"),
    _("Poverty reduction"),
    _("Targeting accuracy (exclusion error)"),
    _("Feasibility"),
    _("Stakeholder support"),
)


class Score(PartOfRecord):
    """An option's value on a criterion: a judged score (1–5), or, for an option that is not
    simulated, an estimate of a simulated figure (in the figure's unit)."""

    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField(_("score"), max_digits=20, decimal_places=4, null=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("option", "criterion"), name="one_score_per_cell"),
        )

    def record_pk(self) -> int | None:
        return Option.objects.filter(pk=self.option_id).values_list("decision", flat=True).first()


class Position(models.TextChoices):
    SUPPORTS = "supports", _("Supports")
    NEUTRAL = "neutral", _("Neutral")
    OPPOSES = "opposes", _("Opposes")
    UNKNOWN = "unknown", _("Not known")


class StakeholderPosition(PartOfRecord):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="positions")
    organisation = models.ForeignKey(
        "stakeholders.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.CharField(_("stance"), max_length=10, choices=Position.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ("decision", "organisation__name")
        constraints = (
            models.UniqueConstraint(
                fields=("decision", "organisation"), name="one_position_per_organisation"
            ),
        )


class ConsultationLink(PartOfRecord):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="consultations")
    consultation = models.ForeignKey(
        "consultations.Consultation",
        verbose_name=_("consultation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("what it says on this question"), blank=True)

    class Meta:
        ordering = ("decision", "consultation__date")
        constraints = (
            models.UniqueConstraint(
                fields=("decision", "consultation"), name="one_link_per_consultation"
            ),
        )
