"""The region registry: Kemendagri codes and names.

All provinces and kabupaten/kota of Indonesia; kecamatan and desa/kelurahan for DI Yogyakarta only
(the shipped boundaries go that deep only there). Codes carry dots: ``34``, ``34.04``,
``34.04.13``, ``34.04.13.2001``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Level = Literal["province", "regency", "district", "village"]
LEVELS: tuple[Level, ...] = ("province", "regency", "district", "village")
_DIGITS_BY_LEVEL = (2, 4, 6, 10)
_CODE_PATTERN = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: Level
    parent: str
    lon: float | None
    lat: float | None
    area_km2: float | None


def level_of(code: str) -> Level | None:
    """The level a well-formed code stands for, or ``None`` for a malformed one."""
    if not _CODE_PATTERN.match(code):
        return None
    return LEVELS[code.count(".")]


def normalise_code(value: object) -> str | None:
    """``3404132001``, ``34.04.13.2001`` or ``3404.0`` (as Excel stores it) → dotted code.

    Returns ``None`` when the value cannot be read as a region code.
    """
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():
            return None
        value = int(value)
    raw = str(value).strip()
    if raw.endswith(".0") and raw[:-2].isdigit():
        raw = raw[:-2]
    digits = raw.replace(".", "").replace(" ", "")
    if not digits.isdigit() or len(digits) not in _DIGITS_BY_LEVEL:
        return None
    parts = [digits[:2], digits[2:4], digits[4:6], digits[6:]]
    return ".".join(p for p in parts if p)


def parent_code(code: str, level: Level) -> str:
    """The prefix of ``code`` at ``level`` (``34.04.13.2001`` at regency → ``34.04``)."""
    return ".".join(code.split(".")[: LEVELS.index(level) + 1])


def common_parent(codes: list[str]) -> str | None:
    """The deepest region holding every code, above their level: the kabupaten of kecamatan in
    one kabupaten, the province of kabupaten or kecamatan in one province; None when there is
    no such region (no codes, or codes of several provinces)."""
    if not codes:
        return None
    parts = [code.split(".") for code in codes]
    shared: list[str] = []
    for pieces in zip(*parts, strict=False):
        if len(set(pieces)) != 1:
            break
        shared.append(pieces[0])
    depth = min(len(shared), min(len(p) for p in parts) - 1)
    return ".".join(shared[:depth]) or None


class Registry:
    """Look-ups over the shipped region table."""

    def __init__(self, regions: list[Region]) -> None:
        self._by_code = {r.code: r for r in regions}
        self._children: dict[str, list[Region]] = {}
        for region in regions:
            self._children.setdefault(region.parent, []).append(region)

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Region:
        return self._by_code[code]

    def children(self, code: str) -> list[Region]:
        return list(self._children.get(code, []))

    def at_level(self, level: Level, within: str = "") -> list[Region]:
        return [r for r in self._by_code.values() if r.level == level and r.code.startswith(within)]

    def descendants(self, code: str, level: Level) -> list[Region]:
        """Regions at ``level`` inside ``code`` (a region itself counts at its own level)."""
        prefix = code + "."
        return [
            r
            for r in self._by_code.values()
            if r.level == level and (r.code == code or r.code.startswith(prefix))
        ]

    def has_detail(self, code: str) -> bool:
        """Whether the registry lists the children of ``code`` (kecamatan of a kabupaten, …)."""
        return code in self._children

    def name(self, code: str) -> str:
        region = self._by_code.get(code)
        return region.name if region else code


def _number(value: str) -> float | None:
    return float(value) if value else None


@cache
def registry() -> Registry:
    """The shipped registry (loaded once per process)."""
    path = resources.files("sejahtera").joinpath("resources/regions/regions.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Registry(
        [
            Region(
                code=row["code"],
                name=row["name"],
                level=row["level"],  # type: ignore[arg-type]
                parent=row["parent"],
                lon=_number(row["lon"]),
                lat=_number(row["lat"]),
                area_km2=_number(row["area_km2"]),
            )
            for row in rows
        ]
    )
