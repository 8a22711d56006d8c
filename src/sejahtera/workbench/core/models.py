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
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"
