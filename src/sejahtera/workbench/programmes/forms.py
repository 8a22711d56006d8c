"""The forms of the programme pages."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from sejahtera.errors import SejahteraError
from sejahtera.simulate.engine import Period
from sejahtera.workbench.core.locking import VersionedForm
from sejahtera.workbench.core.templatetags.numbers import region as region_name
from sejahtera.workbench.programmes.models import (
    Budget,
    ChangeKind,
    ChangeRequest,
    Cycle,
    Payment,
    Programme,
)


class ProgrammeForm(VersionedForm):
    """A programme's description and its partner organisations (their accounts see it)."""

    class Meta:
        model = Programme
        fields = ("code", "name", "objectives", "legal_basis", "owner_unit", "ruleset",
                  "ruleset_version", "partners")  # fmt: skip
        widgets: ClassVar[dict[str, forms.Widget]] = {"partners": forms.CheckboxSelectMultiple}
        help_texts: ClassVar[dict[str, object]] = {
            "partners": _(
                "Their accounts see this programme. An organisation missing here is added under "
                "Stakeholders first."
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["code"].disabled = True  # other records and addresses refer to it


class BudgetForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = ("year", "source", "amount_rp")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        same = Budget.objects.filter(
            programme_id=self.instance.programme_id,
            year=cleaned.get("year"),
            source=cleaned.get("source"),
        )
        if same.exists():
            raise forms.ValidationError(
                _("This programme already has a budget for that year and source.")
            )
        amount = cleaned.get("amount_rp")
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("A budget cannot be negative."))
        return cleaned


class CycleForm(forms.ModelForm):
    class Meta:
        model = Cycle
        fields = ("name", "period", "benefit")

    def clean_period(self) -> str:
        try:
            return str(Period.parse(self.cleaned_data["period"]))
        except SejahteraError:
            raise forms.ValidationError(_("Give a year (2025) or a month (2025-03).")) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        name = cleaned.get("name")
        taken = Cycle.objects.filter(programme_id=self.instance.programme_id, name=name)
        if name and taken.exists():
            raise forms.ValidationError(_("This programme already has a cycle of that name."))
        return cleaned


class ChangeRequestForm(forms.ModelForm):
    class Meta:
        model = ChangeRequest
        fields = ("kind", "household_id", "region_code", "amount_rp", "reason")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, amount = cleaned.get("kind"), cleaned.get("amount_rp")
        if kind in (ChangeKind.ADD, ChangeKind.AMEND) and (amount is None or amount <= 0):
            self.add_error("amount_rp", _("Give the amount for this change."))
        if kind == ChangeKind.ADD and not cleaned.get("region_code"):
            self.add_error("region_code", _("Give the kabupaten/kota of the household."))
        if kind == ChangeKind.REMOVE:
            cleaned["amount_rp"] = None
        return cleaned


class PaymentForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = ("region_code", "planned_rp", "paid_rp", "households", "paid_on", "channel",
                  "note")  # fmt: skip

    def __init__(self, *args: Any, regions: dict[str, int], **kwargs: Any) -> None:
        """``regions``: the list's kabupaten/kota, each with its number of households."""
        super().__init__(*args, **kwargs)
        self.listed = regions
        self.fields["region_code"] = forms.ChoiceField(
            label=_("kabupaten/kota"), choices=[(code, region_name(code)) for code in regions]
        )
        self.fields["households"].required = True
        self.fields["paid_on"].widget = forms.DateInput(attrs={"type": "date"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("planned_rp", "paid_rp"):
            if cleaned.get(name) is not None and cleaned[name] < 0:
                self.add_error(name, _("An amount cannot be negative."))
        households, region = cleaned.get("households"), cleaned.get("region_code")
        if households is not None and region in self.listed and households > self.listed[region]:
            self.add_error(
                "households",
                _("The list has %(count)s households in this kabupaten/kota.")
                % {"count": self.listed[region]},
            )
        return cleaned
