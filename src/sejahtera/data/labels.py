"""Codes a reader meets, shown by their names: a column (``district_code`` → Kecamatan), a
category (``tertiary`` → Perguruan tinggi), a flag (urban → Perkotaan/Perdesaan), a region code
with its name (``34.03.01 Wonosari``). The words are in the catalogue (``locale/labels.yaml``);
a code it does not list is shown as it is."""

from __future__ import annotations

import math

from sejahtera.data.regions import registry
from sejahtera.data.schema import REGION_COLUMNS
from sejahtera.i18n import Language, catalogue, language, text


def column_label(column: str, language_code: Language | None = None) -> str:
    """A column's name for a reader, the column itself when the catalogue has none."""
    return _label_or(f"column.{column}", column, language_code)


def value_label(column: str, value: object, language_code: Language | None = None) -> str:
    """A value as a reader names it (see the module's docstring); other values as they are."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if column in REGION_COLUMNS:
        names = registry()
        code = str(value)
        return f"{code} {names.name(code)}" if code in names else code
    if isinstance(value, bool) or str(value) in ("True", "False"):
        flag = str(value) == "True"
        return _label_or(f"value.{column}.{str(flag).lower()}", None, language_code) or text(
            "cli.yes" if flag else "cli.no", language_code
        )
    return _label_or(f"value.{column}.{value}", str(value), language_code)


def _label_or(key: str, fallback: str | None, language_code: Language | None) -> str:
    entry = catalogue().get(key)
    if entry is None:
        return fallback  # type: ignore[return-value]
    return entry[language_code or language()]
