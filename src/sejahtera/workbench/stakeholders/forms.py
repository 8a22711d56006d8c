"""The forms of the stakeholder pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.core.locking import VersionedForm
from sejahtera.workbench.regions.models import Region
from sejahtera.workbench.stakeholders.influence import HIGHEST, LOWEST
from sejahtera.workbench.stakeholders.models import Contact, Engagement, Organisation

# Villages are left out: a whole country's would make a list nobody can use.
REGION_LEVELS = ("province", "regency", "district")
SCORES = [(score, str(score)) for score in range(LOWEST, HIGHEST + 1)]


def region_field(**kwargs: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Region.objects.filter(level__in=REGION_LEVELS), required=False, label=_("region"), **kwargs
    )


class OrganisationForm(VersionedForm):
    region = region_field()

    class Meta:
        model = Organisation
        fields = ("name", "kind", "region", "notes")


class ContactForm(VersionedForm):
    class Meta:
        model = Contact
        fields = ("name", "position", "phone", "email")


class EngagementForm(VersionedForm):
    influence = forms.TypedChoiceField(
        label=_("influence"), choices=SCORES, coerce=int, help_text=_("1 (low) to 5 (high)")
    )
    interest = forms.TypedChoiceField(
        label=_("interest"), choices=SCORES, coerce=int, help_text=_("1 (low) to 5 (high)")
    )

    class Meta:
        model = Engagement
        fields = ("organisation", "role", "influence", "interest", "notes")

    def clean(self) -> dict[str, Any]:
        """One engagement per organisation, programme and role (the programme is not a field
        of the form, so Django's own check of the constraint would skip it)."""
        cleaned = super().clean()
        organisation, role = cleaned.get("organisation"), cleaned.get("role")
        taken = Engagement.objects.filter(
            organisation=organisation, programme_id=self.instance.programme_id, role=role
        ).exclude(pk=self.instance.pk)
        if organisation and role and taken.exists():
            raise forms.ValidationError(
                _("This organisation already has this role in this programme.")
            )
        return cleaned
