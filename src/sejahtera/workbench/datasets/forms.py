"""The upload form (files, the dataset they are a version of) and the mapping form (a select
per schema column, listing the file's columns, a guess filled in)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sejahtera.data.schema import COLUMNS, TABLES
from sejahtera.workbench.datasets.models import Dataset, SavedMapping


class UploadForm(forms.Form):
    dataset = forms.ModelChoiceField(
        label=_("Dataset"),
        queryset=Dataset.objects.all(),
        required=False,
        empty_label=_("A new dataset"),
        help_text=_("The files become the next version of this dataset."),
    )
    new_name = forms.CharField(
        label=_("Name of the new dataset"),
        max_length=200,
        required=False,
        help_text=_("For example: DTSEN Kabupaten Sleman, March 2025."),
    )
    reference_date = forms.DateField(
        label=_("Reference date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The date the data describe; today when left empty."),
    )
    households = forms.FileField(
        label=_("Household file"),
        help_text=_(
            "CSV, Excel, Stata, SPSS or Parquet. A person-level file (one row per person, such "
            "as a Susenas individual file) may serve for both tables."
        ),
    )
    persons = forms.FileField(
        label=_("Person file"),
        required=False,
        help_text=_("Leave empty when the household file has one row per person."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        name = (cleaned.get("new_name") or "").strip()
        if cleaned.get("dataset") is None:
            if not name:
                self.add_error("new_name", _("Choose a dataset or name a new one."))
            elif Dataset.objects.filter(name=name).exists():
                self.add_error(
                    "new_name", _("A dataset with this name exists: choose it in the list above.")
                )
        cleaned["new_name"] = name
        return cleaned


# Source column names often met in Indonesian registers and surveys, written without case,
# spaces or punctuation, and the schema column each usually holds.
ALIASES = {
    "idkeluarga": "household_id",
    "idrumahtangga": "household_id",
    "idrt": "household_id",
    "idruta": "household_id",
    "idart": "person_id",
    "idanggota": "person_id",
    "idindividu": "person_id",
    "kodeprovinsi": "province_code",
    "kodekabupaten": "regency_code",
    "kodekabkota": "regency_code",
    "kodekecamatan": "district_code",
    "kodedesa": "village_code",
    "kodekelurahan": "village_code",
    "perkotaan": "urban",
    "bobot": "weight",
    "penimbang": "weight",
    "pengeluaranperkapita": "consumption_pc",
    "garismiskin": "poverty_line",
    "gariskemiskinan": "poverty_line",
    "hubkrt": "relationship",
    "hubungan": "relationship",
    "jeniskelamin": "sex",
    "jk": "sex",
    "umur": "age",
    "usia": "age",
    "hamil": "pregnant",
    "nama": "name",
    "alamat": "address",
}


def _plain(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def guess(columns: list[str], table: str, saved: dict[str, Any] | None = None) -> dict[str, str]:
    """schema column → source column: from ``saved`` (a mapping's content) where its source
    column is in the file, then by name (``Household_ID``, ``ID_KELUARGA``, ``umur``)."""
    chosen: dict[str, str] = {}
    section = (saved or {}).get(table) or {}
    for source, target in (section.get("columns") or {}).items():
        if str(source) in columns and target not in chosen:
            chosen[target] = str(source)
    taken = set(chosen.values())
    for column in columns:
        plain = _plain(column)
        for schema in COLUMNS[table]:  # type: ignore[index]
            if schema.name in chosen or column in taken:
                continue
            if plain == _plain(schema.name) or ALIASES.get(plain) == schema.name:
                chosen[schema.name] = column
                taken.add(column)
    return chosen


class MappingForm(forms.Form):
    """One select per schema column of each table, listing the columns of the table's file."""

    save_as = forms.CharField(
        label=_("Save this mapping as"),
        max_length=200,
        required=False,
        help_text=_("A name to choose it again for the next file of this kind (optional)."),
    )

    def __init__(
        self,
        *args: Any,
        sources: dict[str, list[str]],
        chosen: dict[str, dict[str, str]],
        base: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.base = base or {}
        self.tables: dict[str, list[str]] = {}
        for table in TABLES:
            options = [("", "—"), *((c, c) for c in sources[table])]
            self.tables[table] = []
            for schema in COLUMNS[table]:
                name = f"{table}__{schema.name}"
                self.fields[name] = forms.ChoiceField(
                    label=schema.label(),
                    choices=options,
                    required=False,
                    initial=chosen.get(table, {}).get(schema.name, ""),
                    help_text=schema.description,
                )
                self.fields[name].schema = schema  # type: ignore[attr-defined]
                self.tables[table].append(name)

    def table_fields(self, table: str) -> list[forms.BoundField]:
        return [self[name] for name in self.tables[table]]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for table in TABLES:
            used: dict[str, str] = {}
            for name in self.tables[table]:
                source = cleaned.get(name)
                if not source:
                    continue
                if source in used:
                    self.add_error(
                        name,
                        _("Column %(source)s is already chosen for %(other)s.")
                        % {"source": source, "other": used[source]},
                    )
                used[source] = self.fields[name].label
        cleaned["save_as"] = (cleaned.get("save_as") or "").strip()
        return cleaned

    def content(self) -> dict[str, Any]:
        """The mapping as a ``sejahtera-mapping/v1`` (JSON): each table's columns from the
        form, recoded values and constants kept from the saved mapping it started from."""
        content: dict[str, Any] = {"format": "sejahtera-mapping/v1"}
        for table in TABLES:
            base = self.base.get(table) or {}
            section: dict[str, Any] = {
                "columns": {
                    self.cleaned_data[name]: name.split("__", 1)[1]
                    for name in self.tables[table]
                    if self.cleaned_data.get(name)
                }
            }
            for part in ("values", "constants"):
                if base.get(part):
                    section[part] = base[part]
            content[table] = section
        return content


def saved_mapping(name: str) -> SavedMapping | None:
    return SavedMapping.objects.filter(name=name).first() if name else None
