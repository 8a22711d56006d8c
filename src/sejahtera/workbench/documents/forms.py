"""The planning documents' forms: the RPKD chapter from a dataset version, the LP2KD of a year
(with a version for the poverty condition, or none), each in a language and a format."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.datasets.models import DatasetVersion

LANGUAGES = (("id", "Bahasa Indonesia"), ("en", "English"))
FORMATS = (("docx", _("DOCX (Word, editable)")), ("xlsx", _("XLSX (Excel, one sheet per table)")),
           ("pdf", "PDF"))  # fmt: skip


def versions() -> Any:
    return DatasetVersion.objects.select_related("dataset").order_by("-uploaded_at", "-pk")


class DocumentForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    language = forms.ChoiceField(label=_("Language of the document"), choices=LANGUAGES)
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year  # unless the initial says


class RpkdForm(DocumentForm):
    field_order = ("version", "year", "language", "format")

    version = forms.ModelChoiceField(
        label=_("Dataset version"), queryset=versions(), empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="rpkd", **kwargs)
        self.fields["version"].queryset = versions()


class Lp2kdForm(DocumentForm):
    field_order = ("year", "region", "office", "version", "problems", "recommendations",
                   "language", "format")  # fmt: skip

    region = forms.CharField(label=_("Region"), max_length=120)
    office = forms.CharField(label=_("Office"), max_length=200, required=False)
    version = forms.ModelChoiceField(
        label=_("Dataset version for the poverty condition"),
        queryset=versions(),
        required=False,
        empty_label=_("None: I will add the BPS figures"),
    )
    problems = forms.CharField(
        label=_("Problems met"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("One per line."),
    )
    recommendations = forms.CharField(
        label=_("Recommendations"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("One per line."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="lp2kd", **kwargs)
        self.fields["version"].queryset = versions()

    def lines(self, name: str) -> list[str]:
        return [line.strip() for line in self.cleaned_data[name].splitlines() if line.strip()]
