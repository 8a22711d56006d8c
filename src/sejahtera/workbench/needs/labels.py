"""The explorer's words in the page's language: indicators, groups and their values, flags.

Names the core already has (indicators, columns, values, reliability flags) come from its
catalogue (:mod:`sejahtera.i18n`) in the page's language; the rest from the app's.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from sejahtera.data.labels import column_label, value_label
from sejahtera.i18n import Language, text
from sejahtera.measure.result import indicator_label
from sejahtera.workbench.needs.figures import LEVEL_LABELS, UNREACHED

SHARES = frozenset({"fgt0", "fgt1", "fgt2", "mpi_H", "mpi_M0"})


def core_language() -> Language:
    return "en" if (translation.get_language() or "id").startswith("en") else "id"


def label(indicator: str) -> str:
    """An indicator's name."""
    if indicator == UNREACHED:
        return _("Poor people reached by no programme")
    return indicator_label(indicator, core_language())


def level_label(level: str) -> str:
    return str(LEVEL_LABELS[level])


def group_label(column: str) -> str:
    return column_label(column, core_language())


def value_of(column: str, value: object) -> str:
    """A group's value as a reader names it (``Perkotaan``, not ``true``)."""
    shown = {"true": True, "false": False}.get(str(value).lower(), value)
    return value_label(column, shown, core_language())


def flag_label(flag: str) -> str:
    """A reliability flag's words; empty for a reliable estimate."""
    return "" if flag in ("ok", "", None) else text(f"measure.flag_{flag}", core_language())
