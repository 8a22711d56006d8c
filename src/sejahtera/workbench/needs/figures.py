"""The figures of the needs explorer: one indicator of one dataset version, by area, for one
group of households, as the rows ``sejahtera measure --json`` (or ``sejahtera mpi --json``)
prints for the same data, each with its area's name and reliability flag.

A :class:`Query` is what the page's form and ``GET /api/needs/ID`` ask for; :func:`parse`
checks it and says what is wrong and where. :func:`compute` measures through the core's own
services (:func:`~sejahtera.measure.measurement.measure_of`, :func:`~.mpi_of`), so the web and
the CLI give the same figures. A group filter is a grouping column kept at one value: the
indicators are measured by area *and* that column (domain estimation, as the CLI does with
``--by district_code,urban``) and only the chosen group's rows are kept.

"Poor and reached by no programme" is the count of
:func:`sejahtera.measure.profile.unreached_poor`, with receipt today as ``sejahtera profile``
and ``sejahtera simulate`` decide it (the ruleset's status quo), and its linearised standard
error under the dataset's design.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sejahtera.data.frame import design_columns
from sejahtera.data.regions import registry
from sejahtera.measure.result import records, reliability, with_intervals

MPI_SPEC: Final = "global"
UNREACHED: Final = "unreached_poor"
RULES: Final = "indonesia"
# The indicators the explorer offers, in the order of its menu.
INDICATORS: Final = ("fgt0", "fgt1", "fgt2", "gini", "mpi_H", "mpi_M0", UNREACHED)
MEASURED: Final = frozenset({"fgt0", "fgt1", "fgt2", "gini"})
MULTIDIMENSIONAL: Final = frozenset({"mpi_H", "mpi_M0"})
# Area levels: the grouping column, and the words a reader (or an API caller) may use for it.
LEVELS: Final = {
    "regency_code": ("kabupaten", "regency"),
    "district_code": ("kecamatan", "district"),
    "village_code": ("desa", "village"),
}
LEVEL_LABELS: Final = {
    "regency_code": gettext_lazy("Kabupaten/kota"),
    "district_code": gettext_lazy("Kecamatan"),
    "village_code": gettext_lazy("Desa/kelurahan"),
}
MAP_LEVELS: Final = {
    "regency_code": "regency",
    "district_code": "district",
    "village_code": "village",
}
# Group filters: household columns and the values each may be kept at.
GROUPS: Final[Mapping[str, tuple[str, ...]]] = {
    "urban": ("true", "false"),
    "female_head": ("true", "false"),
    "has_disability": ("true", "false"),
    "head_education": ("none", "sd", "smp", "sma", "tertiary"),
    "head_age_group": ("16-18", "19-59", "60+"),
}
FIELDS: Final = ("indicator", "estimate", "se", "ci_low", "ci_high", "n", "population")


class BadQuery(ValueError):
    """A query the explorer cannot answer: the message says which value, where, and what is
    allowed (shown on the page, and as the API's 400)."""


@dataclass(frozen=True)
class Query:
    """One indicator of one version by one area level, for households of the chosen groups."""

    version: int
    indicator: str = "fgt0"
    level: str = "district_code"
    filters: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def by(self) -> list[str]:
        """The grouping columns, as the CLI's ``--by``: the level, then the filtered columns."""
        return [self.level, *(column for column, _ in self.filters)]

    @property
    def key(self) -> str:
        """What the cache knows the figures by (the version is a column of its own)."""
        kept = ",".join(f"{c}={v}" for c, v in self.filters)
        return f"{self.indicator}|{self.level}|{kept}"

    def to_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "indicator": self.indicator,
            "level": self.level,
            "filters": [list(pair) for pair in self.filters],
        }

    @classmethod
    def from_dict(cls, given: Mapping[str, object]) -> Query:
        pairs = tuple((str(c), str(v)) for c, v in given.get("filters", []))  # type: ignore[union-attr]
        return cls(int(given["version"]), str(given["indicator"]), str(given["level"]), pairs)  # type: ignore[arg-type]


def parse(version: int, params: Mapping[str, str]) -> Query:
    """A :class:`Query` from a page's or the API's parameters: ``indicator``, ``level`` (or the
    API's ``by``: a level, optionally followed by group columns) and one parameter per group
    filter (``urban=true``). An empty value means "not chosen"."""
    indicator = (params.get("indicator") or "fgt0").strip()
    if indicator not in INDICATORS:
        raise BadQuery(
            _("Unknown indicator “%(given)s” (parameter indicator). Choose one of: %(allowed)s.")
            % {"given": indicator, "allowed": ", ".join(INDICATORS)}
        )
    by = [part.strip() for part in (params.get("by") or "").split(",") if part.strip()]
    level_given = (params.get("level") or (by[0] if by else "") or "district_code").strip()
    level = _level(level_given, "by" if by and not params.get("level") else "level")
    extra = by[1:] if by and not params.get("level") else by
    chosen: dict[str, str] = {}
    for column in extra:
        if column not in GROUPS:
            raise BadQuery(
                _("Unknown group column “%(given)s” (parameter by). Choose from: %(allowed)s.")
                % {"given": column, "allowed": ", ".join(GROUPS)}
            )
        chosen.setdefault(column, "")
    for column, allowed in GROUPS.items():
        value = (params.get(column) or "").strip().lower()
        if not value:
            continue
        if value not in allowed:
            raise BadQuery(
                _("Unknown value “%(given)s” (parameter %(column)s). Choose one of: %(allowed)s.")
                % {"given": value, "column": column, "allowed": ", ".join(allowed)}
            )
        chosen[column] = value
    return Query(version, indicator, level, tuple(chosen.items()))


def _level(given: str, parameter: str) -> str:
    for column, words in LEVELS.items():
        if given == column or given.lower() in words:
            return column
    allowed = ", ".join(f"{words[0]} ({column})" for column, words in LEVELS.items())
    raise BadQuery(
        _("Unknown area level “%(given)s” (parameter %(parameter)s). Choose one of: %(allowed)s.")
        % {"given": given, "parameter": parameter, "allowed": allowed}
    )


def compute(folder: Path, query: Query) -> list[dict[str, object]]:
    """The rows of ``query`` on the dataset folder ``folder``: the fields of
    ``sejahtera measure --json`` (the grouping columns, then :data:`FIELDS`), then ``name``
    (the area's) and ``reliability`` (``ok``, ``few_rows``, ``caution`` or ``unreliable``)."""
    if query.indicator in MEASURED:
        from sejahtera.measure.measurement import measure_of

        tidy = measure_of(folder, by=query.by, indicators=[query.indicator]).tidy()
    elif query.indicator in MULTIDIMENSIONAL:
        from sejahtera.measure.measurement import mpi_of

        tidy = mpi_of(folder, MPI_SPEC, by=query.by).tidy()
    else:
        tidy = unreached(folder, query.by)
    tidy = tidy[tidy["indicator"] == query.indicator]
    for column, value in query.filters:
        if value:
            tidy = tidy[tidy[column].astype(str).str.lower() == value]
    tidy = tidy.reset_index(drop=True)
    rows = records(tidy)
    flags = reliability(tidy) if len(tidy) else pd.Series([], dtype=str)
    names = registry()
    for row, flag in zip(rows, flags, strict=True):
        code = str(row[query.level])
        row["name"] = names.name(code) if code in names else code
        row["reliability"] = str(flag)
    return rows


def unreached(folder: Path, by: list[str]) -> pd.DataFrame:
    """Poor people in households no programme reaches today, by ``by``: a tidy table with the
    fields of the CLI's rows (indicator ``unreached_poor``; ``population`` is the group's)."""
    from sejahtera.data.dataset import Dataset
    from sejahtera.data.frame import household_frame
    from sejahtera.measure.design import Design
    from sejahtera.measure.profile import unreached_poor
    from sejahtera.report.profile import today

    dataset = Dataset.open(folder)
    persons = dataset.persons()
    frame = household_frame(dataset, persons)
    receipt = today(RULES, persons, frame, dataset)
    reached = (
        np.logical_or.reduce(list(receipt.values())) if receipt else np.zeros(len(frame), bool)
    )
    people = frame["weight"].to_numpy(np.float64) * frame["size"].to_numpy(np.float64)
    poor = frame["consumption_pc"].to_numpy() < frame["poverty_line"].to_numpy()
    design_of = design_columns(frame)
    design = Design.build(
        frame["weight"].to_numpy(np.float64),
        frame[design_of["strata"]].to_numpy() if "strata" in design_of else None,
        frame[design_of["psu"]].to_numpy() if "psu" in design_of else None,
    )
    missed = (poor & ~reached).astype(np.float64)
    rows = []
    for keys, members in frame.groupby(by, sort=True, observed=True).indices.items():
        members = np.sort(members)
        keys = keys if isinstance(keys, tuple) else (keys,)
        total = unreached_poor(people[members], poor[members], reached[members])
        # A total's influence is its own term: persons × (poor and reached by none).
        variance = design.domain(members).variance(people[members] * missed[members])
        rows.append(
            {
                **dict(zip(by, keys, strict=True)),
                "indicator": UNREACHED,
                "estimate": total,
                "se": float(np.sqrt(max(variance, 0.0))),
                "n": len(members),
                "population": float(people[members].sum()),
            }
        )
    table = with_intervals(
        pd.DataFrame(rows, columns=[*by, "indicator", "estimate", "se", "n", "population"])
    )
    table["ci_low"] = table["ci_low"].clip(lower=0.0)
    return table[[*by, *FIELDS]]
