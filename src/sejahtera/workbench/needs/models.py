"""Figures measured once per (dataset version, indicator, level, group filters) and kept: a
version never changes, so neither do its figures."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.datasets.models import DatasetVersion


class Figures(models.Model):
    """The rows of one query (:class:`~.figures.Query`) on one version, as the API gives them."""

    version = models.ForeignKey(
        DatasetVersion, verbose_name=_("dataset version"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    key = models.CharField(max_length=200)  # Query.key: indicator|level|filters
    rows = models.JSONField(default=list)
    measured_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("figures")
        verbose_name_plural = _("figures")
        constraints = (
            models.UniqueConstraint(fields=("version", "key"), name="one_set_of_figures"),
        )

    def __str__(self) -> str:
        return f"{self.version_id}: {self.key}"
