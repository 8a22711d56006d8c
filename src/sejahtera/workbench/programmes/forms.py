"""The forms of the programme pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from sejahtera.rules.ruleset import shipped_rulesets
from sejahtera.workbench.core.locking import VersionedForm
from sejahtera.workbench.core.templatetags.numbers import region as region_name
from sejahtera.workbench.programmes import sipd
from sejahtera.workbench.programmes.declared import DEFAULT_RULESET, Offered
from sejahtera.workbench.programmes.lists import ChangeState, ListFilter, Sort, area_name
from sejahtera.workbench.programmes.models import (
    Budget,
    ChangeKind,
    ChangeRequest,
    Cycle,
    Payment,
    Programme,
    ProgrammeStatus,
)


class ProgrammeForm(VersionedForm):
    """A programme's description, status, SIPD codes, ruleset and partner organisations (their
    accounts see it). The ruleset is picked from the installed ones, never typed (a path on the
    server is refused); the version approved in a decision is kept as it was, not edited here.
    The SIPD codes are checked by :mod:`.sipd`; a code the shipped list does not know
    is kept only when ``sipd_unlisted_ok`` is ticked, and :attr:`sipd_unlisted` names it for
    the view to audit."""

    sipd_unlisted_ok = forms.BooleanField(
        label=_("Use codes not in the list"),
        required=False,
        help_text=_(
            "Sejahtera's SIPD list is incomplete: tick this to keep a code of the right shape "
            "that your SIPD has and the list does not. The warning is recorded."
        ),
    )

    class Meta:
        model = Programme
        fields = ("code", "name", "status", "objectives", "legal_basis", "owner_unit",
                  "sipd_program", "sipd_kegiatan", "sipd_sub_kegiatan", "ruleset",
                  "partners")  # fmt: skip
        widgets: ClassVar[dict[str, forms.Widget]] = {"partners": forms.CheckboxSelectMultiple}
        help_texts: ClassVar[dict[str, object]] = {
            "partners": _(
                "Their accounts see this programme. An organisation missing here is added under "
                "Stakeholders first."
            ),
            "sipd_program": _("For example 1.06.05 (Program Perlindungan dan Jaminan Sosial)."),
            "sipd_kegiatan": _("For example 1.06.05.2.02, inside the programme."),
            "sipd_sub_kegiatan": _("For example 1.06.05.2.02.0001, inside the kegiatan."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sipd_unlisted: list[str] = []
        self.fields["status"].required = False  # left out: the programme keeps its own
        self.fields["ruleset"] = forms.ChoiceField(
            label=_("ruleset"),
            required=False,
            choices=[
                ("", _("the default (%(name)s)") % {"name": DEFAULT_RULESET}),
                *((name, name) for name in shipped_rulesets()),
            ],
            help_text=_("One of the rulesets installed with Sejahtera."),
            error_messages={
                "invalid_choice": _(
                    "%(value)s is not an installed ruleset: choose one from the list."
                )
            },
        )
        if self.instance.pk is not None:
            self.fields["code"].disabled = True  # other records and addresses refer to it

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "status" in cleaned and not cleaned["status"]:
            cleaned["status"] = self.instance.status or ProgrammeStatus.ACTIVE
        self.sipd_unlisted = sipd.clean_codes(self, cleaned)
        return cleaned


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
    """A new cycle: its name, the programme of the rules it pays (picked by name from those its
    ruleset declares; its benefit variable becomes the cycle's), and its period from a list."""

    declared = forms.ChoiceField(
        label=_("programme in the rules"),
        help_text=_("The list is the households this programme of the ruleset pays."),
    )
    period = forms.ChoiceField(label=_("period"))

    class Meta:
        model = Cycle
        fields = ("name", "declared", "period")

    dataset = forms.CharField(label=_("dataset"), required=False, disabled=True)

    def __init__(
        self,
        *args: Any,
        offered: dict[str, Offered],
        periods: list[tuple[str, str]],
        dataset: tuple[str, str],
        **kwargs: Any,
    ) -> None:
        """``dataset``: what the list will be generated from, and its checksum (shown only)."""
        super().__init__(*args, **kwargs)
        self.offered = offered
        self.fields["dataset"].initial, self.fields["dataset"].help_text = dataset
        self.fields["declared"].choices = [("", "---------")] + [
            (key, each.summary) for key, each in offered.items()
        ]
        self.fields["period"].choices = [("", "---------"), *periods]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        name = cleaned.get("name")
        taken = Cycle.objects.filter(programme_id=self.instance.programme_id, name=name)
        if name and taken.exists():
            raise forms.ValidationError(_("This programme already has a cycle of that name."))
        if cleaned.get("declared") in self.offered:
            self.instance.benefit = self.offered[cleaned["declared"]].variable
        return cleaned


def periods(years: Iterable[int]) -> list[tuple[str, str]]:
    """The periods a cycle may cover: each of ``years`` whole, then each of its months."""
    return [
        choice
        for year in sorted(set(years))
        for choice in [
            (str(year), _("%(year)s (the whole year)") % {"year": year}),
            *((f"{year}-{month:02d}", f"{MONTHS[month]} {year}") for month in range(1, 13)),
        ]
    ]


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


class ListFilterForm(forms.Form):
    """The search and filters of a beneficiary list (GET): kabupaten/kota and kecamatan from
    those on the list, by name; an unknown choice or a reversed amount range is an error."""

    q = forms.CharField(
        label=_("search"),
        required=False,
        max_length=100,
        help_text=_("A whole household identifier, or part of a kecamatan or desa name."),
    )
    regency = forms.ChoiceField(label=_("kabupaten/kota"), required=False)
    district = forms.ChoiceField(label=_("kecamatan"), required=False)
    desil = forms.TypedChoiceField(
        label=_("desil"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("all")), *((d, d) for d in range(1, 11))],
    )
    amount_min = forms.DecimalField(
        label=_("amount from (Rp)"), required=False, min_value=0, decimal_places=0
    )
    amount_max = forms.DecimalField(
        label=_("amount to (Rp)"), required=False, min_value=0, decimal_places=0
    )
    change = forms.ChoiceField(
        label=_("changes"), required=False, choices=[("", _("all")), *ChangeState.choices]
    )
    sort = forms.ChoiceField(label=_("sort by"), required=False, choices=Sort.choices)

    def __init__(self, *args: Any, areas: dict[str, list[str]], **kwargs: Any) -> None:
        """``areas``: the codes on the list, {"regency": [...], "district": [...]}."""
        super().__init__(*args, **kwargs)
        for name in ("regency", "district"):
            named = sorted(((code, area_name(code)) for code in areas[name]), key=lambda c: c[::-1])
            self.fields[name].choices = [("", _("all")), *named]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        low, high = cleaned.get("amount_min"), cleaned.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The amount to is below the amount from."))
        return cleaned

    def chosen(self) -> ListFilter:
        """The filter the valid form asks for."""
        data = self.cleaned_data
        return ListFilter(
            search=data["q"].strip(),
            regency=data["regency"],
            district=data["district"],
            desil=data["desil"],
            amount_min=data["amount_min"],
            amount_max=data["amount_max"],
            change=data["change"],
            sort=data["sort"] or Sort.AREA,
        )


class RenjaForm(forms.Form):
    """The Renja/RKPD export (GET): a year, a format, and the kabupaten/kota written as every
    row's location (none: each programme's lists of that year say where it runs)."""

    year = forms.TypedChoiceField(label=_("year"), coerce=int)
    format = forms.ChoiceField(label=_("format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")])
    location = forms.ChoiceField(label=_("location"), required=False)

    def __init__(self, *args: Any, years: Iterable[int], regencies: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, year) for year in sorted(set(years))]
        self.fields["location"].choices = [
            ("", _("from each programme's lists")),
            *((code, region_name(code)) for code in regencies),
        ]
