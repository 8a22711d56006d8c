"""The page ``/personal-data/export/``: everything held about one person as JSON or XLSX
(``core/subject.py``), for the roles allowed ``personal_data.export``; each export is audited
(who, whose, which kinds, how many)."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sejahtera.workbench.core import audit, subject
from sejahtera.workbench.core.crypto import lookup_hash
from sejahtera.workbench.core.policy import requires
from sejahtera.workbench.grievances.models import validate_nik, validate_phone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PersonForm(forms.Form):
    nik = forms.CharField(label=gettext_lazy("NIK"), max_length=16, required=False,
                          validators=[validate_nik])  # fmt: skip
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False,
                            validators=[validate_phone])  # fmt: skip
    household_id = forms.CharField(
        label=gettext_lazy("Household identifier (if known)"), max_length=64, required=False
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=(("xlsx", "XLSX"), ("json", "JSON"))
    )

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("nik") and not (data.get("name") and data.get("phone")):
            raise forms.ValidationError(
                _("Give the person's NIK, or their name and phone number (both)."),
                code="who",
            )
        return data


def titles() -> dict[str, str]:
    return {
        "grievances": _("Grievances"),
        "grievance_history": _("Grievance history"),
        "contacts": _("Contacts"),
        "participations": _("Consultations"),
        "dtsen_proposals": _("DTSEN proposals"),
        "beneficiary_listings": _("Beneficiary listings"),
        "payments": _("Payments"),
        "change_requests": _("List changes"),
    }


@never_cache
@require_http_methods(["GET", "POST"])
@requires("personal_data.export")
def export(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "core/person_export.html", {"form": form}, status=status)
    whom = subject.Whom(**{k: form.cleaned_data[k].strip() for k in vars(subject.Whom())})
    held = subject.gather(whom)
    held.made_by = request.user.get_username()
    chosen = form.cleaned_data["format"]
    with transaction.atomic():
        audit.record(
            request,
            "personal_data_exported",
            whom=whom.masked() | {"nik_hash": lookup_hash(whom.nik)},
            counts=held.counts(),
            grievances=[row["code"] for row in held.values("grievances")],
            format=chosen,
        )
    stamp = timezone.localtime(held.made_at).strftime("%Y%m%d-%H%M%S")
    if chosen == "json":
        response = HttpResponse(subject.as_json(held), content_type="application/json")
    else:
        response = HttpResponse(subject.as_xlsx(held, titles()), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="personal-data-{stamp}.{chosen}"'
    return response
