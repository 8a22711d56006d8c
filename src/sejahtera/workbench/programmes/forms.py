"""The forms of the programme pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sejahtera.errors import SejahteraError
from sejahtera.simulate.engine import Period
from sejahtera.workbench.programmes.models import ChangeKind, ChangeRequest, Cycle, Payment


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
        fields = ("region_code", "planned_rp", "paid_rp", "paid_on", "channel", "note")

    def __init__(self, *args: Any, regions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"] = forms.ChoiceField(
            label=_("kabupaten/kota"), choices=[(code, code) for code in regions]
        )
        self.fields["paid_on"].widget = forms.DateInput(attrs={"type": "date"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("planned_rp", "paid_rp"):
            if cleaned.get(name) is not None and cleaned[name] < 0:
                self.add_error(name, _("An amount cannot be negative."))
        return cleaned
