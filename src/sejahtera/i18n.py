"""Indonesian-first message catalogue.

Every message a user can read has an Indonesian and an English text in the catalogue: the YAML
files of ``resources/locale/`` (one per part of the product; a key may appear in only one).
The language comes from ``SEJAHTERA_LANG`` (``id`` or ``en``), Indonesian by default; the
CLI's ``--lang`` option sets it for one command.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import string
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Literal

import yaml

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")
_override: list[Language] = []


@cache
def catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("sejahtera").joinpath("resources/locale")
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".yaml"):
            continue
        part = yaml.safe_load(entry.read_text("utf-8")) or {}
        repeated = merged.keys() & part.keys()
        if repeated:
            raise ValueError(f"{entry.name} repeats message keys {sorted(repeated)}")
        merged.update(part)
    return merged


def set_language(language: str | None) -> None:
    """Fix the language for this process (``None`` goes back to the environment)."""
    _override.clear()
    if language is not None:
        _override.append(_checked(language))


def _checked(language: str) -> Language:
    code = language.strip().lower()[:2]
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
    return code  # type: ignore[return-value]


def language() -> Language:
    """The --lang choice, else SEJAHTERA_LANG when it names a known language, else Indonesian."""
    if _override:
        return _override[0]
    try:
        return _checked(os.environ.get("SEJAHTERA_LANG", "id"))
    except ValueError:
        return "id"


def text(key: str, language_code: Language | None = None, /, **values: object) -> str:
    """The message ``key`` in the current language, with ``values`` filled in. Numbers given a
    format (``{cost:,.0f}``, ``{share:.1%}``) follow the language's convention: ``Rp1.234.567``
    and ``12,5%`` in Indonesian. No number is shown in scientific notation (``{x:.3g}`` of
    0.0000314 is ``0,0000314``), and ``{p:p}`` shows a p-value as ``p = 0,012`` or
    ``p < 0,001`` (:func:`p_value`)."""
    chosen = language_code or language()
    return _NUMBERS[chosen].format(catalogue()[key][chosen], **values)


def fill(template: str, language_code: Language | None = None, /, **values: object) -> str:
    """A text from outside the catalogue (a ruleset's ``stated`` choice) filled in the way
    :func:`text` fills a message."""
    return _NUMBERS[language_code or language()].format(template, **values)


class _LocalNumbers(string.Formatter):
    def __init__(self, language_code: Language) -> None:
        self.language_code = language_code

    def format_field(self, value: object, format_spec: str) -> str:
        is_number = isinstance(value, int | float | numbers.Number) and not isinstance(value, bool)
        if is_number and format_spec == "p":
            shown = p_value(float(value), self.language_code)  # type: ignore[arg-type]
            return "p " + shown if shown.startswith("<") else "p = " + shown
        shown = super().format_field(value, format_spec)
        if not is_number:
            return shown
        shown = positional(shown, grouped="," in format_spec)
        return local_digits(shown, self.language_code) if format_spec else shown


_NUMBERS: dict[str, _LocalNumbers] = {"id": _LocalNumbers("id"), "en": _LocalNumbers("en")}


P_SMALLEST = 0.001  # smaller p-values are shown as "< 0.001"
_EXPONENT = re.compile(r"\d[\d,]*(?:\.\d*)?[eE][-+]?\d+")


def local_number(value: float, spec: str, language_code: Language | None = None) -> str:
    """``value`` formatted by ``spec`` (``",.2f"``, ``".4g"``) in positional notation, never
    scientific, and in the reader's convention (``1.234,5`` in Indonesian)."""
    shown = positional(format(value, spec), grouped="," in spec)
    return local_digits(shown, language_code)


def p_value(p: float, language_code: Language | None = None) -> str:
    """A p-value as readers expect it: three significant digits (``0,0123``), ``< 0,001`` below
    0.001, ``–`` when there is none."""
    if not math.isfinite(p):
        return "–"
    if p < P_SMALLEST:
        return "< " + local_number(P_SMALLEST, ".3f", language_code)
    return local_number(p, ".3g", language_code)


def positional(shown: str, grouped: bool = False) -> str:
    """A formatted number (English convention) with any exponent written out: ``3.14e-05`` →
    ``0.0000314``, ``1.5e+20`` → ``150000000000000000000`` (grouped with commas if asked)."""

    def written_out(match: re.Match[str]) -> str:
        return format(Decimal(match.group().replace(",", "")), ",f" if grouped else "f")

    return _EXPONENT.sub(written_out, shown)


def local_digits(shown: str, language_code: Language | None = None) -> str:
    """A number formatted the English way (``1,234.5``) in the reader's convention: Indonesian
    swaps the separators (``1.234,5``)."""
    if (language_code or language()) == "id":
        return shown.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return shown
