"""Indonesian-first message catalogue.

Every message a user can read has an Indonesian and an English text in the catalogue: the YAML
files of ``resources/locale/`` (one per part of the product; a key may appear in only one).
The language comes from ``SEJAHTERA_LANG`` (``id`` or ``en``), Indonesian by default; the
CLI's ``--lang`` option sets it for one command.
"""

from __future__ import annotations

import numbers
import os
import string
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
    and ``12,5%`` in Indonesian."""
    chosen = language_code or language()
    return _NUMBERS[chosen].format(catalogue()[key][chosen], **values)


class _LocalNumbers(string.Formatter):
    def __init__(self, language_code: Language) -> None:
        self.language_code = language_code

    def format_field(self, value: object, format_spec: str) -> str:
        shown = super().format_field(value, format_spec)
        is_number = isinstance(value, int | float | numbers.Number) and not isinstance(value, bool)
        if is_number and format_spec:
            return local_digits(shown, self.language_code)
        return shown


_NUMBERS: dict[str, _LocalNumbers] = {"id": _LocalNumbers("id"), "en": _LocalNumbers("en")}


def local_digits(shown: str, language_code: Language | None = None) -> str:
    """A number formatted the English way (``1,234.5``) in the reader's convention: Indonesian
    swaps the separators (``1.234,5``)."""
    if (language_code or language()) == "id":
        return shown.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return shown
