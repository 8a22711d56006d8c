"""Codes a reader meets, shown by their names: a column (``district_code`` → Kecamatan), a
category (``tertiary`` → Perguruan tinggi), a flag (urban → Perkotaan/Perdesaan), a region code
with its name (``34.03.01 Wonosari``). The words are in the catalogue (``locale/labels.yaml``);
a code it does not list is shown as it is."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sejahtera.data.coerce import FALSE_WORDS, TRUE_WORDS
from sejahtera.data.regions import registry
from sejahtera.data.schema import REGION_COLUMNS, Column
from sejahtera.i18n import Language, catalogue, format_number, language, text


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
            "value.flag.true" if flag else "value.flag.false", language_code
        )
    return _label_or(f"value.{column}.{value}", str(value), language_code)


def cell_label(column: Column | None, value: Any, language_code: Language | None = None) -> str:
    """A value of the schema ``column`` as a table of rows shows it: ``–`` when missing, a flag
    as Ya/Tidak (or the column's own words: Perkotaan/Perdesaan), whether stored as a boolean or
    written as a file writes it (1, "ya", "false"), a category by its name, a region code with its
    name, a number in the reader's format (two decimals for a column of fractions). A value the
    column does not read, and any value of a column outside the schema, is shown as it is."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "–"
    if column is None:
        return str(value)
    if column.kind == "bool":
        word = str(value).strip().lower()
        if isinstance(value, bool) or word in TRUE_WORDS or word in FALSE_WORDS:
            flag = value if isinstance(value, bool) else word in TRUE_WORDS
            own = _label_or(f"value.{column.name}.{str(flag).lower()}", None, language_code)
            return own or text("value.flag.true" if flag else "value.flag.false", language_code)
        return str(value)
    if column.kind in ("float", "int") and not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        return format_number(number, language_code, 2 if column.kind == "float" else 0)
    if column.kind == "region" or column.kind == "category":
        return value_label(column.name, str(value).strip(), language_code)
    return str(value)


def _label_or(key: str, fallback: str | None, language_code: Language | None) -> str:
    entry = catalogue().get(key)
    if entry is None:
        return fallback  # type: ignore[return-value]
    return entry[language_code or language()]
