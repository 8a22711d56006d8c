"""A programme of the social policy office and its yearly budgets.

Partners (organisations that may see the programme), cycles, beneficiary lists and payments are
added as the programme pages are built; other apps refer to :class:`Programme`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

FUNDING = (("APBD", "APBD"), ("APBN", "APBN"), ("other", _("Other")))


class Programme(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    objectives = models.TextField(_("objectives"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    owner_unit = models.CharField(_("owner unit"), max_length=200, blank=True)
    ruleset = models.CharField(_("ruleset"), max_length=100, blank=True)
    ruleset_version = models.CharField(_("ruleset version"), max_length=40, blank=True)
    partner_organisations = models.JSONField(
        _("partner organisations"), default=list, blank=True
    )  # names of partner organisations allowed to see this programme
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Budget(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=8, choices=FUNDING)
    amount_rp = models.DecimalField(_("amount (Rp)"), max_digits=18, decimal_places=0)

    class Meta:
        ordering = ("programme", "year")
        constraints = (
            models.UniqueConstraint(
                fields=("programme", "year", "source"), name="one_budget_per_year_and_source"
            ),
        )

    def __str__(self) -> str:
        return f"{self.programme} {self.year} {self.source}"
