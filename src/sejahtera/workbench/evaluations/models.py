"""Evaluations of the evaluation page: a design (difference-in-differences, matching, regression
discontinuity) run on a table with the variables chosen from its columns, as a background job;
what it ran on, its result (what ``sejahtera evaluate … --json`` prints, with the robustness
checks) and its report (the conclusion-first page of ``--report``) in both languages.

A table is either a registered dataset version (its evaluation panel when it has one, its
households otherwise: what ``sejahtera evaluate`` reads from a dataset folder) or a table file
uploaded on the page and kept as an :class:`EvaluationInput`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Design(models.TextChoices):
    DID = "did", _("Difference-in-differences")
    MATCH = "match", _("Matching and weighting")
    RDD = "rdd", _("Regression discontinuity")


class EvaluationInput(models.Model):
    """A table file uploaded to be evaluated (CSV, Excel, Parquet, Stata, SPSS), kept under a
    name the workbench chose, with its columns as read when it arrived."""

    name = models.CharField(_("file"), max_length=200)  # as the sender called it (shown only)
    stored = models.CharField(max_length=200, unique=True)  # under DATA_FOLDER/evaluations/
    size = models.PositiveBigIntegerField(_("size"))
    checksum = models.CharField(_("checksum"), max_length=64)  # SHA-256 of the file
    # [{"name": "fte", "kind": "number" | "flag" | "text"}, …] in the file's order
    columns = models.JSONField(default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="evaluation_inputs",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ("-uploaded_at", "-pk")
        verbose_name = _("table to evaluate")
        verbose_name_plural = _("tables to evaluate")

    def __str__(self) -> str:
        return self.name


class EvaluationState(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Report ready")
    FAILED = "failed", _("Run failed")


class Evaluation(models.Model):
    """One run of a design on a table: the inputs, the design, the variables, and the result."""

    title = models.CharField(_("title"), max_length=200)
    design = models.CharField(_("design"), max_length=8, choices=Design.choices)
    dataset = models.ForeignKey(
        "datasets.DatasetVersion",
        verbose_name=_("dataset version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    table = models.ForeignKey(
        EvaluationInput,
        verbose_name=_("table file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    # The estimator's arguments as the form chose them: {"outcome": "fte", "treatment": "nj",
    # "post": "wave2", "cluster": "store", "covariates": [], …} (forms.arguments_of).
    variables = models.JSONField(default=dict)
    data_checksum = models.CharField(max_length=64, blank=True)  # of what it ran on
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="evaluations",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=EvaluationState.choices, default=EvaluationState.RUNNING
    )
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # CheckedEvaluation.to_dict(): what `sejahtera evaluate … --json` prints, with "checks".
    result = models.JSONField(null=True, blank=True)
    # CheckedEvaluation.tidy() as records: every estimate of the main run and of each check.
    estimates = models.JSONField(default=list, blank=True)
    # The report page (report/evaluation.py) in each language: {"id": html, "en": html}.
    reports = models.JSONField(default=dict, blank=True)
    # What the page shows first, in each language: {"id": {"conclusion": [lines], "severe":
    # bool, "caveats": [texts]}, "en": …} (runs.reading).
    readings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    ran_at = models.DateTimeField(_("run at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(dataset__isnull=True) ^ models.Q(table__isnull=True),
                name="evaluation_on_one_table",
            ),
        )

    def __str__(self) -> str:
        return self.title

    @property
    def has_result(self) -> bool:
        return self.state == EvaluationState.DONE and self.result is not None

    @property
    def source(self) -> str:
        """What it ran on, as the pages name it."""
        return str(self.dataset) if self.dataset_id else str(self.table)
