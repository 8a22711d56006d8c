"""Indonesian-first message catalogue.

Every message a user can read has an Indonesian and an English text in the catalogue: the YAML
files of ``resources/locale/`` (one per part of the product; a key may appear in only one).
The language is the caller's: inside ``with speaking("en"):`` (the workbench wraps each request
in its reader's language), else the CLI's ``--lang``, else ``SEJAHTERA_LANG`` (``id`` or ``en``),
else Indonesian.

Numbers are written one way everywhere (:func:`format_number`): the reader's separators
(``1.234.567,5`` in Indonesian), never in scientific notation. Codes a reader meets — a column, a
category, a region — are shown by their names (:mod:`sejahtera.data.labels`).
"""

from __future__ import annotations

import contextvars
import math
import numbers
import os
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Literal

import yaml

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")
_override: list[Language] = []
_speaking: contextvars.ContextVar[Language | None] = contextvars.ContextVar(
    "sejahtera_language", default=None
)


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


@contextmanager
def speaking(language_code: str) -> Iterator[Language]:
    """Messages and numbers in ``language_code`` inside the block (this thread or task only)."""
    token = _speaking.set(_checked(language_code))
    try:
        yield _speaking.get()  # type: ignore[misc]
    finally:
        _speaking.reset(token)


def language() -> Language:
    """The caller's language (:func:`speaking`), else the --lang choice, else SEJAHTERA_LANG
    when it names a known language, else Indonesian."""
    spoken = _speaking.get()
    if spoken is not None:
        return spoken
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


def format_number(
    value: object,
    language_code: Language | None = None,
    decimals: int = 0,
    *,
    percent: bool = False,
    grouped: bool = True,
) -> str:
    """``value`` as a reader expects it: ``decimals`` places, thousands grouped, the reader's
    separators (``1.234,5`` / ``1,234.5``), a fraction as a percentage with ``percent`` (0.125 →
    ``12,5%``), never in scientific notation; ``–`` for a missing or infinite value."""
    if value is None or isinstance(value, bool):
        return "–" if value is None else str(value)
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return "–"
    spec = f"{',' if grouped else ''}.{decimals}f"
    shown = local_number(number * 100 if percent else number, spec, language_code)
    if not shown.strip("-0.,"):  # -0.0 rounds to no sign at all
        shown = shown.lstrip("-")
    return shown + ("%" if percent else "")


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
