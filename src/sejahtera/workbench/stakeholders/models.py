"""Organisations that take part in the office's work, their contacts, and each one's role in a
programme (RACI) with its influence and interest."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.core.crypto import EncryptedCharField, EncryptedEmailField
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.regions.models import Region
from sejahtera.workbench.stakeholders.influence import HIGHEST, LOWEST, Quadrant, quadrant


class Kind(models.TextChoices):
    GOVERNMENT = "government", _("Government agency")
    NGO = "ngo", _("Non-governmental organisation")
    COMMUNITY = "community", _("Community group")
    PRIVATE = "private", _("Private sector (CSR)")


class Organisation(models.Model):
    """An organisation; a partner's account names one (``Profile.organisation``), and so do the
    programmes it partners on (``Programme.partners``), by key: renaming it changes no access."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("stakeholders:organisation", args=[self.pk])


class Contact(models.Model):
    """A person at an organisation. Name, phone and email are personal data: masked on every
    page, revealed (and audited) on request for the roles that may see them."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    # Encrypted at rest (core/crypto.py).
    name = EncryptedCharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True)
    email = EncryptedEmailField(_("email"), max_length=254, blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("organisation", "pk")

    def __str__(self) -> str:
        return f"{self.position or _('contact')} ({self.organisation})"

    def get_absolute_url(self) -> str:
        return reverse("stakeholders:contact", args=[self.pk])


class RaciRole(models.TextChoices):
    RESPONSIBLE = "responsible", _("Responsible")
    ACCOUNTABLE = "accountable", _("Accountable")
    CONSULTED = "consulted", _("Consulted")
    INFORMED = "informed", _("Informed")


SCORE = (MinValueValidator(LOWEST), MaxValueValidator(HIGHEST))


class Engagement(models.Model):
    """An organisation's role in one programme, with its influence on the programme and its
    interest in it (1 low … 5 high)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="engagements",
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="stakeholder_engagements",
    )
    role = models.CharField(_("RACI role"), max_length=16, choices=RaciRole.choices)
    influence = models.PositiveSmallIntegerField(_("influence"), validators=SCORE)
    interest = models.PositiveSmallIntegerField(_("interest"), validators=SCORE)
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("programme", "organisation__name", "role")
        constraints = (
            models.UniqueConstraint(
                fields=("organisation", "programme", "role"), name="one_engagement_per_role"
            ),
            models.CheckConstraint(
                condition=models.Q(influence__gte=LOWEST, influence__lte=HIGHEST),
                name="influence_from_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(interest__gte=LOWEST, interest__lte=HIGHEST),
                name="interest_from_1_to_5",
            ),
        )

    def __str__(self) -> str:
        return f"{self.organisation} · {self.programme} · {self.get_role_display()}"

    @property
    def quadrant(self) -> Quadrant:
        return quadrant(self.influence, self.interest)
