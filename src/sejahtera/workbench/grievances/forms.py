"""The forms of the grievance pages: intake (public and by an officer), tracking, filters, and
the changes an officer makes (each carrying the version it started from)."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any, ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.core.policy import roles_for
from sejahtera.workbench.core.templatetags.numbers import region as region_name
from sejahtera.workbench.grievances.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    SENSITIVE_BY_DEFAULT,
    Category,
    Channel,
    DtsenProposal,
    Grievance,
    ProposalKind,
    ProposalStatus,
    Status,
    normalise_code,
)
from sejahtera.workbench.regions.models import Region


class RegionField(forms.ModelChoiceField):
    """An area, shown with the names above it: ``Sleman › Depok``."""

    def label_from_instance(self, obj: Region) -> str:
        names = []
        region: Region | None = obj
        while region is not None and region.level != "province":
            names.append(region.name)
            region = region.parent
        return " › ".join(reversed(names))


def _areas(*levels: str) -> forms.ModelChoiceField:
    return RegionField(
        queryset=Region.objects.filter(level__in=levels).select_related("parent__parent"),
        required=False,
        label=_("Area"),
        empty_label=_("(not given)"),
    )


class GrievanceForm(forms.ModelForm):
    # Longer than stored: spaces, dots and dashes people type are taken out (clean_…), then the
    # model's validators check what is left.
    nik = forms.CharField(label=_("NIK (16 digits)"), max_length=24, required=False)
    phone = forms.CharField(label=_("Phone or WhatsApp number"), max_length=30, required=False)

    class Meta:
        model = Grievance
        fields = (
            "category", "programme", "region", "description", "name", "nik", "phone", "address",
        )  # fmt: skip
        widgets: ClassVar[dict[str, forms.Widget]] = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "address": forms.Textarea(attrs={"rows": 2}),
        }
        labels: ClassVar[dict[str, object]] = {
            "category": _("What is it about?"),
            "programme": _("Programme"),
            "description": _("What happened?"),
            "name": _("Name"),
            "address": _("Address"),
        }
        help_texts: ClassVar[dict[str, object]] = {
            "description": _("Say what happened, when and where. Do not write other people's NIK."),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].empty_label = _("(not sure / none)")
        for field in ("nik", "phone"):
            self.fields[field].widget.attrs["inputmode"] = "numeric"
        self.fields["nik"].widget.attrs["autocomplete"] = "off"

    def clean_nik(self) -> str:
        return re.sub(r"[\s.\-]", "", self.cleaned_data["nik"])

    def clean_phone(self) -> str:
        return re.sub(r"[\s\-]", "", self.cleaned_data["phone"])

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if len(description) < 10:
            raise forms.ValidationError(_("Describe the problem in a few words at least."))
        return description


class PublicGrievanceForm(GrievanceForm):
    """The public form. ``website`` is a trap for robots: it is hidden from people, so a value
    in it means the form was not filled in by hand."""

    region = _areas("district")
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise forms.ValidationError(_("This form could not be accepted. Please try again."))
        return ""

    def save(self, commit: bool = True) -> Grievance:
        grievance = super().save(commit=False)
        grievance.channel = Channel.WEB
        grievance.sensitive = grievance.category in SENSITIVE_BY_DEFAULT
        return grievance


class OfficerGrievanceForm(GrievanceForm):
    """A complaint received by SMS, WhatsApp, phone or in person, typed in by an officer."""

    channel = forms.ChoiceField(
        label=_("Received by"), choices=[c for c in Channel.choices if c[0] != Channel.WEB]
    )
    received_on = forms.DateField(
        label=_("Received on"),
        required=False,
        help_text=_("Leave empty for today."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    region = _areas("district", "village")

    class Meta(GrievanceForm.Meta):
        fields = ("channel", "received_on", *GrievanceForm.Meta.fields, "sensitive")
        labels: ClassVar[dict[str, object]] = {
            **GrievanceForm.Meta.labels,
            "sensitive": _("Sensitive"),
        }

    def clean_received_on(self) -> object:
        received_on = self.cleaned_data["received_on"]
        if received_on and received_on > timezone.localdate():
            raise forms.ValidationError(_("The date received cannot be in the future."))
        return received_on

    def save(self, commit: bool = True) -> Grievance:
        grievance = super().save(commit=False)
        grievance.channel = self.cleaned_data["channel"]
        received_on = self.cleaned_data.get("received_on")
        if received_on and received_on != timezone.localdate():
            grievance.received_at = timezone.make_aware(datetime.combine(received_on, time(12)))
        grievance.sensitive = grievance.sensitive or grievance.category in SENSITIVE_BY_DEFAULT
        return grievance


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
            raise forms.ValidationError(
                _("A tracking code has 10 letters and digits, like ABCDE-23456.")
            )
        return code


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("(all)")), *Status.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("(all)")), *Category.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class ChangeForm(forms.Form):
    """A change to ``grievance``: it names the version the officer saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    id_prefix = "change"  # the forms share one page: their HTML ids must differ

    def __init__(self, grievance: Grievance, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        self.grievance = grievance


def handlers() -> forms.ModelChoiceField:
    users = get_user_model().objects.filter(
        is_active=True, profile__role__in=roles_for("grievance.handle")
    )
    return forms.ModelChoiceField(queryset=users.order_by("username"), label=_("Assign to"))


class AssignForm(ChangeForm):
    id_prefix = "assign"
    note = forms.CharField(
        label=_("Internal note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, grievance: Grievance, *args: object, **kwargs: object) -> None:
        super().__init__(grievance, *args, **kwargs)
        self.fields["assigned_to"] = handlers()
        self.order_fields(["assigned_to", "note", "version"])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not self.grievance.is_open:
            raise forms.ValidationError(_("Only an open grievance can be assigned."))
        return cleaned


class StatusForm(ChangeForm):
    id_prefix = "status"
    status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 2}))
    public_message = forms.CharField(
        label=_("Message to the complainant"),
        required=False,
        help_text=_("Shown on the tracking page. No personal data. Required to resolve."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, grievance: Grievance, *args: object, **kwargs: object) -> None:
        super().__init__(grievance, *args, **kwargs)
        self.fields["status"].choices = [
            (status.value, status.label) for status in grievance.next_statuses()
        ]
        self.order_fields(["status", "note", "public_message", "version"])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == Status.RESOLVED and not cleaned.get("public_message"):
            self.add_error(
                "public_message", _("Tell the complainant how the grievance was resolved.")
            )
        return cleaned


class AppealForm(ChangeForm):
    id_prefix = "appeal"
    note = forms.CharField(
        label=_("Grounds of the appeal"),
        help_text=_("As the complainant stated them."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if self.grievance.status != Status.RESOLVED:
            raise forms.ValidationError(_("Only a resolved grievance can be appealed."))
        return cleaned


class ProposalForm(forms.ModelForm):
    """A proposal from a targeting grievance: its kind, the household and where it lives (a
    desa, or at least a kecamatan), and why."""

    area = forms.ModelChoiceField(
        queryset=Region.objects.filter(level__in=("district", "village")).order_by("code"),
        label=_("Desa/kelurahan or kecamatan"),
        help_text=_("Where the household lives: the file is sorted by it."),
    )

    class Meta:
        model = DtsenProposal
        fields = ("kind", "household_id", "reason")
        widgets: ClassVar[dict[str, forms.Widget]] = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, grievance: Grievance, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "proposal_%s")
        super().__init__(*args, **kwargs)
        self.grievance = grievance
        self.fields["area"].label_from_instance = lambda r: f"{r.code} {r.name}"
        if grievance.region is not None and grievance.region.level in ("district", "village"):
            self.fields["area"].initial = grievance.region.pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.grievance.category != Category.TARGETING:
            raise forms.ValidationError(
                gettext("Only a targeting grievance can become a DTSEN update proposal.")
            )
        household = cleaned.get("household_id", "").strip()
        cleaned["household_id"] = household
        if cleaned.get("kind") == ProposalKind.SANGGAHAN and not household:
            self.add_error(
                "household_id",
                gettext(
                    "An objection (sanggahan) names the household on the list: give its identifier."
                ),
            )
        taken = DtsenProposal.objects.filter(
            grievance=self.grievance, kind=cleaned.get("kind"), household_id=household
        )
        if taken.exists():
            raise forms.ValidationError(
                gettext("This grievance already has that proposal for that household.")
            )
        return cleaned


class LaporImportForm(forms.Form):
    """A file exported from SP4N-LAPOR! (CSV or XLSX), imported by :mod:`.lapor`."""

    file = forms.FileField(
        label=_("LAPOR! export file (CSV or XLSX)"),
        help_text=_(
            "The first row names the columns: ID Tracking, Tanggal Laporan, Kategori and Isi "
            "Laporan at least. Nothing is stored unless every row is right."
        ),
    )


class ProposalFilterForm(forms.Form):
    """The proposals page and its export (GET): a status and a kecamatan."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("(all)")), *ProposalStatus.choices],
    )
    district = forms.ChoiceField(label=_("Kecamatan"), required=False)
    format = forms.ChoiceField(
        label=_("format"), required=False, choices=[("xlsx", "XLSX"), ("csv", "CSV")]
    )

    def __init__(self, *args: object, districts: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [
            ("", _("(all)")),
            *((c, region_name(c)) for c in districts),
        ]
