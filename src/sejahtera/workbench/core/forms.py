"""The dashboard's choices: the area of the poverty headline and the budget year."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class DashboardForm(forms.Form):
    """``kabupaten``: a kabupaten/kota of the dataset by its name (empty: the whole region);
    ``year``: a year with a budget line. A choice that is not there is refused with a message
    naming it, and the page shows the defaults instead."""

    kabupaten = forms.ChoiceField(
        label=_("Area"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "There is no kabupaten/kota %(value)s in this dataset: the whole region is "
                "shown instead."
            )
        },
    )
    year = forms.TypedChoiceField(
        label=_("Budget year"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": _(
                "There is no budget for the year %(value)s: the latest year is shown instead."
            )
        },
    )

    def __init__(
        self,
        data: Any,
        *,
        regencies: list[tuple[str, str]],
        years: tuple[int, ...],
        whole: str,
    ) -> None:
        super().__init__(data)
        self.fields["kabupaten"].choices = [("", whole), *regencies]
        self.fields["year"].choices = [(year, str(year)) for year in years]

    def chosen(self, name: str) -> Any:
        """The valid choice of ``name``, or None (not given, or refused)."""
        if not self.is_bound or (not self.is_valid() and name in self.errors):
            return None
        return self.cleaned_data.get(name) or None
