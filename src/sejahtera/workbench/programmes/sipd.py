"""SIPD codes of a programme: the nomenclature of regional planning and finance (Kepmendagri
050-5889/2021 and its updates) that places spending under urusan, bidang, programme, kegiatan
and sub-kegiatan.

A code's shape is fixed: ``1.06.05`` (urusan ``1``, bidang ``06``, programme ``05``), then the
kegiatan ``1.06.05.2.02`` (``2``: a kabupaten/kota's kegiatan, ``1``: a province's), then the
sub-kegiatan ``1.06.05.2.02.0001``. :func:`check` refuses a code of the wrong shape, a kegiatan
outside its programme and a sub-kegiatan outside its kegiatan, always. The names come from
``resources/sipd/nomenclature.csv`` (its README says where each entry comes from); a code of the
right shape that the list does not know is not refused outright, since an office's SIPD may be
newer than the list: :class:`Checked` names it as ``unlisted`` and the form asks the user to
confirm it, and the confirmation is audited.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

from django.utils.translation import gettext as _

Level = Literal["program", "kegiatan", "sub_kegiatan"]
LEVELS: Final[tuple[Level, ...]] = ("program", "kegiatan", "sub_kegiatan")
SHAPES: Final[dict[str, re.Pattern[str]]] = {
    "bidang": re.compile(r"\d\.\d{2}"),
    "program": re.compile(r"\d\.\d{2}\.\d{2}"),
    "kegiatan": re.compile(r"\d\.\d{2}\.\d{2}\.[12]\.\d{2}"),
    "sub_kegiatan": re.compile(r"\d\.\d{2}\.\d{2}\.[12]\.\d{2}\.\d{4}"),
}
EXAMPLES: Final = {
    "program": "1.06.05",
    "kegiatan": "1.06.05.2.02",
    "sub_kegiatan": "1.06.05.2.02.0001",
}
# How sure an entry of the shipped list is (see resources/sipd/README.md).
STATUSES: Final = ("secondary", "single", "conflict", "unverified")


@dataclass(frozen=True)
class Entry:
    """One code of the shipped nomenclature."""

    code: str
    level: str
    name: str
    status: str
    note: str = ""


@cache
def nomenclature() -> dict[str, Entry]:
    """The shipped entries by code (read once)."""
    path = resources.files("sejahtera").joinpath("resources/sipd/nomenclature.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["code"]: Entry(row["code"], row["level"], row["name"], row["status"], row["note"])
            for row in csv.DictReader(handle)
        }


def normalise(typed: str) -> str:
    """A code as stored: spaces taken out (``1.06.05 .2.02`` → ``1.06.05.2.02``)."""
    return re.sub(r"\s", "", typed or "")


def level_of(code: str) -> str | None:
    """``program``, ``kegiatan`` or ``sub_kegiatan`` (or ``bidang``) by shape; None when the
    code has none of these shapes."""
    for level, shape in SHAPES.items():
        if shape.fullmatch(code):
            return level
    return None


def parent_of(code: str) -> str:
    """The code one level up: ``1.06.05.2.02.0001`` → ``1.06.05.2.02`` → ``1.06.05`` →
    ``1.06``."""
    parts = code.split(".")
    if len(parts) == 5:  # a kegiatan: its programme drops the kind and the number
        return ".".join(parts[:3])
    return ".".join(parts[:-1])


def lookup(code: str) -> Entry | None:
    """The shipped entry of ``code``, or None when the list does not know it."""
    return nomenclature().get(normalise(code))


def name_of(code: str) -> str:
    """The nomenclature's name of ``code``, or "" when the list does not know it."""
    entry = lookup(code)
    return entry.name if entry else ""


def shape_error(code: str, level: Level) -> str:
    """Why ``code`` is not a code of ``level`` ("" when it is)."""
    if SHAPES[level].fullmatch(code):
        return ""
    return _("“%(code)s” is not a SIPD %(level)s code: it is written like %(example)s.") % {
        "code": code,
        "level": level_label(level),
        "example": EXAMPLES[level],
    }


def level_label(level: str) -> str:
    return {
        "bidang": _("bidang urusan"),
        "program": _("programme"),
        "kegiatan": _("kegiatan"),
        "sub_kegiatan": _("sub-kegiatan"),
    }[level]


@dataclass
class Checked:
    """The result of :func:`check`: the codes as stored, an error per level (refused), and the
    codes of the right shape that the shipped list does not know (a warning)."""

    codes: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    unlisted: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def check(program: str, kegiatan: str = "", sub_kegiatan: str = "") -> Checked:
    """Check a programme's three codes: each of its shape, each inside the one above it (a
    kegiatan needs its programme, a sub-kegiatan its kegiatan), and each against the list."""
    codes = dict(
        zip(LEVELS, (normalise(program), normalise(kegiatan), normalise(sub_kegiatan)), strict=True)
    )
    result = Checked(codes)
    for level in LEVELS:
        code = codes[level]
        if not code:
            continue
        if problem := shape_error(code, level):
            result.errors[level] = problem
            continue
        above = LEVELS[LEVELS.index(level) - 1] if level != "program" else None
        if above is not None and not codes[above]:
            result.errors[level] = _("Give the %(above)s code above %(code)s too.") % {
                "above": level_label(above),
                "code": code,
            }
        elif above is not None and parent_of(code) != codes[above]:
            result.errors[level] = _(
                "%(code)s does not belong to the %(above)s %(parent)s: it starts with %(own)s."
            ) % {
                "code": code,
                "above": level_label(above),
                "parent": codes[above],
                "own": parent_of(code),
            }
        elif lookup(code) is None:
            result.unlisted.append(code)
    return result


def unlisted_message(codes: list[str]) -> str:
    """The warning for codes the shipped list does not know."""
    return _(
        "Sejahtera's SIPD list does not know %(codes)s. The list is incomplete (it holds the "
        "codes of the Sosial field that could be checked), so your SIPD may well have it: tick "
        "“Use codes not in the list” to keep it; the warning is recorded."
    ) % {"codes": ", ".join(codes)}


def clean_codes(form: Any, cleaned: dict[str, Any]) -> list[str]:
    """A form's SIPD fields (``sipd_program``, ``sipd_kegiatan``, ``sipd_sub_kegiatan``) checked:
    each code written as the list writes it, each problem an error on its field, and codes the
    list does not know an error unless the form's ``sipd_unlisted_ok`` is ticked. Returns the
    unknown codes accepted that way (their warning is audited by the caller)."""
    names = {level: f"sipd_{level}" for level in LEVELS}
    checked = check(*((cleaned.get(names[level]) or "") for level in LEVELS))
    for level, name in names.items():
        if name in cleaned:
            cleaned[name] = checked.codes[level]
    for level, problem in checked.errors.items():
        form.add_error(names[level], problem)
    if checked.unlisted and not cleaned.get("sipd_unlisted_ok"):
        form.add_error(None, unlisted_message(checked.unlisted))
    elif checked.valid:
        return checked.unlisted
    return []


@dataclass(frozen=True)
class Shown:
    """A programme's code as a page shows it: the code, its name, and whether the list knows
    it (and how sure that entry is)."""

    level: str
    label: str
    code: str
    name: str
    listed: bool
    status: str


def shown(program: str, kegiatan: str, sub_kegiatan: str) -> list[Shown]:
    """The non-empty codes of a programme with their names, top first."""
    rows = []
    for level, code in zip(LEVELS, (program, kegiatan, sub_kegiatan), strict=True):
        if code:
            entry = lookup(code)
            rows.append(
                Shown(
                    level,
                    level_label(level),
                    code,
                    entry.name if entry else "",
                    entry is not None,
                    entry.status if entry else "",
                )
            )
    return rows
