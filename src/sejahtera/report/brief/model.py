"""What a policy brief is made of: what the caller gives (:class:`BriefInput`), the figures it
computes, each with where it comes from (:class:`Figure`, :class:`Computation`), the brief itself
(:class:`Brief`) and what :func:`~sejahtera.report.brief.reproduce` finds (:class:`Reproduction`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sejahtera.i18n import Language

STATUS_QUO = "status_quo"
# Units of a figure. Money and counts are compared exactly when a brief is reproduced; shares
# (fractions 0–1), changes of a share and the Gini ratio within REL_TOLERANCE.
Unit = Literal["IDR/year", "persons", "households", "share", "share_change", "gini", "gini_change"]
EXACT_UNITS: frozenset[str] = frozenset({"IDR/year", "persons", "households"})
REL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Option:
    """One option compared. ``key`` is ``"status_quo"`` for today's situation (no reform), else a
    short key of letters, digits, ``_`` and ``-``; ``reform_text`` the reform's YAML text
    (``None``: today's rules); ``simulated=False``: an option weighed but not simulated, shown
    with its description and no figures."""

    key: str
    title: str
    reform_text: str | None = None
    description: str = ""
    simulated: bool = True


@dataclass(frozen=True)
class Criterion:
    """A criterion of the appraisal and its weight (any positive scale: weights are normalised)."""

    key: str
    title: str
    weight: float


@dataclass(frozen=True)
class Appraisal:
    """A multi-criteria appraisal: each option's score (any scale, higher is better) per
    criterion, ``scores[option_key][criterion_key]``."""

    criteria: Sequence[Criterion]
    scores: dict[str, dict[str, float]]

    def weighted(self, option: str) -> float | None:
        """The option's weighted score (Σ weight × score / Σ weight), ``None`` when unscored."""
        given = self.scores.get(option)
        if not given:
            return None
        pairs = [(c.weight, given[c.key]) for c in self.criteria if c.key in given]
        total = sum(w for w, _ in pairs)
        return sum(w * s for w, s in pairs) / total if total > 0 else None


@dataclass(frozen=True)
class ConsultationNote:
    """What a consultation said: when, with whom, and what."""

    date: datetime.date
    with_whom: str
    said: str


@dataclass(frozen=True)
class Position:
    """A stakeholder's position on the question (``position``: supports, opposes, … in words)."""

    organisation: str
    position: str
    note: str = ""


@dataclass(frozen=True)
class Indicator:
    """A monitoring (Monev) indicator: unit, baseline and target as the plan writes them."""

    name: str
    unit: str
    baseline: str
    target: str
    frequency: str
    source: str = ""


@dataclass
class BriefInput:
    """Everything a brief needs. Today's situation is always compared first (an option with
    key ``status_quo`` in ``options`` only gives it a title or description)."""

    data: Path
    rules: str
    period: str
    options: list[Option]
    title: str = ""
    chosen: str | None = None
    rationale: str = ""
    decided_by: str = ""
    decided_at: datetime.datetime | None = None
    appraisal: Appraisal | None = None
    consultations: Sequence[ConsultationNote] = ()
    stakeholder_positions: Sequence[Position] = ()
    risks: Sequence[str] = ()
    monitoring: Sequence[Indicator] = ()
    language: Language = "id"


@dataclass(frozen=True)
class Computation:
    """How a group of figures was computed: enough to compute them again."""

    key: str  # "needs", "status_quo" or "option:<key>"
    dataset_folder: str
    dataset_checksum: str  # SHA-256 of the dataset's dataset.json
    ruleset: str
    ruleset_version: str
    period: str
    baseline: str
    software: str
    reform_text: str | None = None
    reform_sha256: str | None = None
    method: str = ""  # the equivalent commands (sejahtera measure …, sejahtera simulate …)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Figure:
    """One figure of the brief: ``value`` in ``unit`` (money in Rupiah a year, shares as
    fractions), computed by ``computation`` and found at ``path`` in its result."""

    id: str
    label: str
    value: float | None
    unit: str
    computation: str
    path: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "computation": self.computation,
            "path": list(self.path),
        }


@dataclass
class Brief:
    """A computed brief: the input, every figure (by id), how they were computed, and what the
    layout needs besides (names, assumptions, notes, derived risks, the figures' SVGs)."""

    input: BriefInput
    figures: dict[str, Figure]
    computations: dict[str, Computation]
    results: dict[str, dict[str, Any]]  # computation key → its result (plain data)
    options: list[Option]  # today first, then the input's options in order
    region: str
    area_level: str  # regency_code or district_code: the level of the needs table and map
    area_names: dict[str, str]
    created: datetime.datetime
    dataset_name: str = ""
    synthetic: bool = False
    unverified: list[str] = field(default_factory=list)  # parameters whose reference says so
    provenance: dict[str, Any] = field(default_factory=dict)

    def value(self, figure_id: str) -> float | None:
        return self.figures[figure_id].value


@dataclass(frozen=True)
class Difference:
    """Something that is not as the brief recorded it: ``what`` in words, recorded and now."""

    what: str
    recorded: str
    now: str


@dataclass
class Reproduction:
    """What :func:`~sejahtera.report.brief.reproduce` found: how many figures came out the
    same, and every difference (the dataset, the ruleset's version, a figure)."""

    path: Path
    figures: int
    reproduced: int
    differences: list[Difference]

    @property
    def ok(self) -> bool:
        return not self.differences and self.reproduced == self.figures

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "figures": self.figures,
            "reproduced": self.reproduced,
            "differences": [d.__dict__ for d in self.differences],
        }
