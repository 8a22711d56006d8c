"""The TKPK's yearly report on regional poverty reduction (LP2KD, Laporan Pelaksanaan
Penanggulangan Kemiskinan Daerah) from plain data: ``sejahtera lp2kd INPUT.json [--data DATASET]
--out FILE.docx|FILE.xlsx``, and from the workbench's records (``workbench/documents``).

The input is what the office records: each programme's budget by funder, its financial
(payments against the budget) and physical (households paid against households listed)
realisation, the indicators' targets and approved actuals, the coordination meetings and
consultations held, the problems met and the recommendations. The poverty condition comes from
a dataset, computed as the RPKD chapter computes it (:mod:`.rpkd`).

The LP2KD's chapter structure in the regulation could not be verified (``docs/data-sources.md``):
the report is organised by its content and says so in the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sejahtera import __version__
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, language, text
from sejahtera.report.planning.document import (
    PlanningDocument,
    Section,
    Table,
    check_suffix,
)

FUNDERS = ("APBN", "APBD", "other")  # the order the budget columns take; others follow


@dataclass(frozen=True)
class ProgrammeYear:
    """One programme in one year: budget (pagu) by funder in Rupiah, and its realisation."""

    year: int
    code: str
    name: str
    budget_rp: Mapping[str, int]
    paid_rp: int = 0
    target_households: int = 0
    paid_households: int = 0
    unit: str = ""
    sipd: str = ""

    @property
    def pagu_rp(self) -> int:
        return sum(self.budget_rp.values())


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator's target and approved actual for the year (``None`` when there is none)."""

    code: str
    name: str
    programme: str
    unit: str
    target: float | None
    actual: float | None
    higher_is_better: bool = True


@dataclass(frozen=True)
class Meeting:
    """A coordination meeting or consultation held."""

    held_on: str  # ISO date
    title: str
    kind: str
    place: str = ""
    programme: str = ""
    inputs: int = 0
    follow_ups_done: int = 0
    follow_ups_open: int = 0


@dataclass
class Lp2kdInput:
    """Everything the report says, as plain data (see :meth:`from_dict` for the JSON form)."""

    region: str
    year: int
    office: str = ""
    programmes: list[ProgrammeYear] = field(default_factory=list)
    indicators: list[IndicatorResult] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    prepared_by: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], shown: str = "input") -> Lp2kdInput:
        """The input from its JSON form: the same keys as the fields, lists of objects with the
        same keys as :class:`ProgrammeYear`, :class:`IndicatorResult` and :class:`Meeting`."""
        try:
            return cls(
                region=str(data["region"]),
                year=int(data["year"]),
                office=str(data.get("office", "")),
                programmes=[_programme(p) for p in data.get("programmes", [])],
                indicators=[IndicatorResult(**i) for i in data.get("indicators", [])],
                meetings=[Meeting(**m) for m in data.get("meetings", [])],
                problems=[str(p) for p in data.get("problems", [])],
                recommendations=[str(r) for r in data.get("recommendations", [])],
                prepared_by=str(data.get("prepared_by", "")),
            )
        except KeyError as missing:
            raise SejahteraError(
                "planning.bad_input", path=shown, detail=f"missing key {missing}"
            ) from None
        except (TypeError, ValueError, AttributeError) as problem:
            raise SejahteraError("planning.bad_input", path=shown, detail=str(problem)) from None

    @classmethod
    def read(cls, path: Path) -> Lp2kdInput:
        try:
            data = json.loads(Path(path).read_text("utf-8"))
        except (OSError, UnicodeDecodeError) as problem:
            detail = getattr(problem, "strerror", None) or str(problem)
            raise SejahteraError("planning.bad_input", path=path, detail=detail) from None
        except json.JSONDecodeError as problem:
            detail = f"JSON, line {problem.lineno}: {problem.msg}"
            raise SejahteraError("planning.bad_input", path=path, detail=detail) from None
        if not isinstance(data, dict):
            raise SejahteraError("planning.bad_input", path=path, detail="not a JSON object")
        return cls.from_dict(data, str(path))


def _programme(raw: Mapping[str, Any]) -> ProgrammeYear:
    budget = {str(k): int(v) for k, v in dict(raw.get("budget_rp", {})).items()}
    if any(v < 0 for v in budget.values()) or int(raw.get("paid_rp", 0)) < 0:
        raise ValueError(f"programme {raw.get('code')}: a negative amount")
    return ProgrammeYear(**{**raw, "budget_rp": budget})


def write_lp2kd(
    given: Lp2kdInput,
    out: Path,
    *,
    data: Path | None = None,
    rules: str | Path = "indonesia",
    language_code: Language | None = None,
) -> Path:
    """Write the report to ``out`` (.docx, .xlsx or .pdf), with the poverty condition from
    the dataset at ``data`` when given."""
    check_suffix(out)
    return lp2kd_report(given, data=data, rules=rules, language_code=language_code).write(out)


def lp2kd_report(
    given: Lp2kdInput,
    *,
    data: Path | None = None,
    rules: str | Path = "indonesia",
    language_code: Language | None = None,
) -> PlanningDocument:
    lang = language_code or language()
    condition, provenance = _condition(given, data, rules, lang)
    sections = [
        Section(
            text("planning.lp2kd_h_intro", lang),
            [text("planning.lp2kd_intro", lang, region=given.region, year=given.year)],
        ),
        condition,
        _budgets(given, lang),
        _realisation(given, lang),
        _indicators(given, lang),
        _meetings(given, lang),
        _listed("problems", given.problems, lang),
        _listed("recommendations", given.recommendations, lang),
    ]
    provenance += [
        (text("planning.src_office", lang), given.office or "–"),
        (text("planning.src_made_by", lang), given.prepared_by or "–"),
        (text("planning.src_software", lang), f"Sejahtera {__version__}"),
        (text("planning.src_date", lang), date.today().isoformat()),
    ]
    return PlanningDocument(
        kind="lp2kd",
        language=lang,
        title=text("planning.lp2kd_title", lang, region=given.region, year=given.year),
        subtitle=text("planning.lp2kd_subtitle", lang),
        basis=[
            text("planning.basis_53_2020", lang),
            text("planning.basis_15_2010", lang),
            text("planning.structure_note_lp2kd", lang),
        ],
        sections=sections,
        provenance=provenance,
    )


def _condition(
    given: Lp2kdInput, data: Path | None, rules: str | Path, lang: Language
) -> tuple[Section, list[tuple[str, str]]]:
    heading = text("planning.lp2kd_h_condition", lang)
    if data is None:
        return Section(heading, [text("planning.lp2kd_no_data", lang)]), []
    from sejahtera.report.planning.rpkd import rpkd_chapter

    chapter = rpkd_chapter(Path(data), rules=rules, period=given.year, language_code=lang)
    wanted = ("summary", "areas_regency", "coverage")
    tables = [
        replace(t, title=text("planning.lp2kd_t_condition", lang, number=n, title=_bare(t.title)))
        for n, t in enumerate((t for t in chapter.tables() if t.key in wanted), 1)
    ]
    paragraphs = [p for s in chapter.sections[:1] for p in s.paragraphs[1:]]  # synthetic note
    paragraphs.insert(0, text("planning.lp2kd_condition_intro", lang))
    return Section(heading, paragraphs, list(tables)), chapter.provenance


def _bare(title: str) -> str:
    """A table's title without its number in the chapter it came from ("Tabel 1.2 ...")."""
    return re.sub(r"^\S+ \d+(?:\.\d+)* ", "", title)


def funders(programmes: Sequence[ProgrammeYear]) -> list[str]:
    """The funders named, the usual ones first."""
    named = {source for p in programmes for source in p.budget_rp}
    return [f for f in FUNDERS if f in named] + sorted(named - set(FUNDERS))


def _funder_label(source: str, lang: Language) -> str:
    return text("planning.funder_other", lang) if source == "other" else source


def _budgets(given: Lp2kdInput, lang: Language) -> Section:
    heading = text("planning.lp2kd_h_budget", lang)
    if not given.programmes:
        return Section(heading, [text("planning.lp2kd_no_programmes", lang)])
    sources = funders(given.programmes)
    ordered = sorted(given.programmes, key=lambda p: (p.year, p.name, p.code))
    rows: list[tuple[object, ...]] = [
        (p.year, p.code, p.name, p.sipd, *(p.budget_rp.get(s, 0) for s in sources), p.pagu_rp)
        for p in ordered
    ]
    rows.append(
        (
            None,
            "",
            text("planning.total", lang),
            "",
            *(sum(p.budget_rp.get(s, 0) for p in ordered) for s in sources),
            sum(p.pagu_rp for p in ordered),
        )
    )
    table = Table(
        "budget",
        text("planning.lp2kd_t_budget", lang, year=given.year),
        text("planning.sheet_budget", lang),
        (
            text("planning.col_year", lang),
            text("planning.col_code", lang),
            text("planning.col_programme", lang),
            text("planning.col_sipd", lang),
            *(text("planning.col_funder", lang, funder=_funder_label(s, lang)) for s in sources),
            text("planning.col_pagu", lang),
        ),
        ("year", "text", "text", "text", *("rupiah" for _ in sources), "rupiah"),  # type: ignore[arg-type]
        rows,
        note=text("planning.rupiah_note", lang),
    )
    return Section(heading, [text("planning.lp2kd_budget_intro", lang)], [table])


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _realisation(given: Lp2kdInput, lang: Language) -> Section:
    heading = text("planning.lp2kd_h_realisation", lang)
    if not given.programmes:
        return Section(heading, [text("planning.lp2kd_no_programmes", lang)])
    ordered = sorted(given.programmes, key=lambda p: (p.year, p.name, p.code))
    rows: list[tuple[object, ...]] = [
        (p.year, p.code, p.name, p.pagu_rp, p.paid_rp, _share(p.paid_rp, p.pagu_rp),
         p.target_households, p.paid_households,
         _share(p.paid_households, p.target_households))
        for p in ordered
    ]  # fmt: skip
    pagu = sum(p.pagu_rp for p in ordered)
    paid = sum(p.paid_rp for p in ordered)
    target = sum(p.target_households for p in ordered)
    reached = sum(p.paid_households for p in ordered)
    total = text("planning.total", lang)
    rows.append(
        (None, "", total, pagu, paid, _share(paid, pagu), target, reached, _share(reached, target))
    )
    table = Table(
        "realisation",
        text("planning.lp2kd_t_realisation", lang, year=given.year),
        text("planning.sheet_realisation", lang),
        (
            text("planning.col_year", lang),
            text("planning.col_code", lang),
            text("planning.col_programme", lang),
            text("planning.col_pagu", lang),
            text("planning.col_paid", lang),
            text("planning.col_financial", lang),
            text("planning.col_target_households", lang),
            text("planning.col_paid_households", lang),
            text("planning.col_physical", lang),
        ),
        ("year", "text", "text", "rupiah", "rupiah", "rate", "count", "count", "rate"),
        rows,
        note=text("planning.lp2kd_realisation_note", lang),
    )
    return Section(heading, [text("planning.lp2kd_realisation_intro", lang)], [table])


def _achievement(indicator: IndicatorResult) -> float | None:
    if indicator.target in (None, 0) or indicator.actual is None:
        return None
    ratio = indicator.actual / indicator.target  # type: ignore[operator]
    if indicator.higher_is_better:
        return ratio
    return indicator.target / indicator.actual if indicator.actual else None  # type: ignore[operator]


def _indicators(given: Lp2kdInput, lang: Language) -> Section:
    heading = text("planning.lp2kd_h_indicators", lang)
    if not given.indicators:
        return Section(heading, [text("planning.lp2kd_no_indicators", lang)])
    rows = [
        (i.programme, i.code, i.name, i.unit, i.target, i.actual, _achievement(i))
        for i in sorted(given.indicators, key=lambda i: (i.programme, i.code))
    ]
    table = Table(
        "indicators",
        text("planning.lp2kd_t_indicators", lang, year=given.year),
        text("planning.sheet_indicators", lang),
        (
            text("planning.col_programme", lang),
            text("planning.col_code", lang),
            text("planning.col_indicator", lang),
            text("planning.col_unit", lang),
            text("planning.col_target", lang),
            text("planning.col_actual", lang),
            text("planning.col_achievement", lang),
        ),
        ("text", "text", "text", "text", "decimal", "decimal", "rate"),
        rows,
        note=text("planning.lp2kd_indicators_note", lang),
    )
    return Section(heading, [], [table])


def _meetings(given: Lp2kdInput, lang: Language) -> Section:
    heading = text("planning.lp2kd_h_meetings", lang)
    if not given.meetings:
        return Section(heading, [text("planning.lp2kd_no_meetings", lang)])
    rows = [
        (m.held_on, m.title, m.kind, m.place, m.programme, m.inputs, m.follow_ups_done,
         m.follow_ups_open)
        for m in sorted(given.meetings, key=lambda m: (m.held_on, m.title))
    ]  # fmt: skip
    table = Table(
        "meetings",
        text("planning.lp2kd_t_meetings", lang, year=given.year),
        text("planning.sheet_meetings", lang),
        (
            text("planning.col_date", lang),
            text("planning.col_title", lang),
            text("planning.col_kind", lang),
            text("planning.col_place", lang),
            text("planning.col_programme", lang),
            text("planning.col_inputs", lang),
            text("planning.col_follow_ups_done", lang),
            text("planning.col_follow_ups_open", lang),
        ),
        ("text", "text", "text", "text", "text", "count", "count", "count"),
        rows,
    )
    return Section(heading, [text("planning.lp2kd_meetings_intro", lang)], [table])


def _listed(key: str, items: Sequence[str], lang: Language) -> Section:
    heading = text(f"planning.lp2kd_h_{key}", lang)
    shown = [item.strip() for item in items if item.strip()]
    if not shown:
        return Section(heading, [text(f"planning.lp2kd_no_{key}", lang)])
    return Section(heading, [f"{n}. {item}" for n, item in enumerate(shown, 1)])
