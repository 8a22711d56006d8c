"""Scenarios side by side: the status quo and up to three scenarios, or any four, read from the
reports their runs kept (the JSON of ``sejahtera simulate --reform``). Nothing is computed
again: every figure is the core's, and every section says what it assumes.

:func:`columns` picks the columns, :func:`sections` lays out the rows, :func:`incidence_chart`
and :func:`change_map` draw with the report's SVG charts and maps, and :func:`export` writes the
table as CSV or XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, text
from sejahtera.report.cells import inert
from sejahtera.rules.programmes import FUNDERS
from sejahtera.workbench.scenarios.models import Scenario

MAX_COLUMNS = 4


@dataclass(frozen=True)
class Column:
    """One column: the status quo (``scenario`` None) or a scenario's run."""

    title: str
    summary: dict[str, Any]  # the run's report: report["baseline"] or report["reform"]
    difference: dict[str, Any] | None  # report["difference"] (None for the status quo)
    assumptions: list[str]
    scenario: Scenario | None = None


def columns(chosen: Sequence[Scenario], status_quo: bool, language: Language) -> list[Column]:
    """The status quo (that of the first scenario) and each scenario's run, at most four."""
    ran = [s for s in chosen if s.has_result]
    out: list[Column] = []
    if status_quo and ran:
        first = ran[0]
        said = first.assumptions.get(language) or first.result["baseline"].get("assumptions", [])
        out.append(Column(_("Status quo"), first.result["baseline"], None, list(said)))
    for found in ran:
        said = found.assumptions.get(language) or found.result["reform"].get("assumptions", [])
        out.append(
            Column(
                found.name, found.result["reform"], found.result["difference"], list(said), found
            )
        )
    return out[:MAX_COLUMNS]


def same_base(chosen: Sequence[Scenario]) -> bool:
    """Whether the scenarios ran on one dataset version and year: then they share a status quo."""
    return len({(s.dataset_checksum, s.period, s.ruleset) for s in chosen if s.has_result}) <= 1


@dataclass(frozen=True)
class Row:
    label: str
    kind: str  # rupiah, count, percent, index
    values: list[float | None]
    indent: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    note: str  # what the figures assume, read where they are read
    rows: list[Row] = field(default_factory=list)


def _get(part: dict[str, Any] | None, *keys: str) -> float | None:
    value: Any = part
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return None if value is None else float(value)


def _percent(value: float | None) -> float | None:
    return None if value is None else 100 * value


def _programme_names(chosen: list[Column]) -> list[str]:
    return list(dict.fromkeys(name for c in chosen for name in c.summary.get("programs", {})))


def programme_labels(chosen: list[Column], language: Language) -> dict[str, str]:
    """Each programme's name as its ruleset declares it (a template's programme included)."""
    from sejahtera.workbench.scenarios.levers import rules_with

    found: dict[str, str] = {}
    for column in chosen:
        scenario = column.scenario
        rules = rules_with(scenario.ruleset, tuple(scenario.templates)) if scenario else None
        for name, programme in (rules.programmes if rules else {}).items():
            found.setdefault(name, programme.title(language))
    return found


def sections(chosen: list[Column], language: Language) -> list[Section]:
    """The comparison's rows, by section, one value per column (None: not applicable)."""
    names = _programme_names(chosen)
    titles = programme_labels(chosen, language)

    def row(label: str, kind: str, pick: Any, indent: bool = False) -> Row:
        return Row(label, kind, [pick(c) for c in chosen], indent)

    funders = [
        row(
            text(f"simulate.funder_{funder}", language),
            "rupiah",
            lambda c, f=funder: _get(c.summary, "cost_by_funder", f),
            indent=True,
        )
        for funder in FUNDERS
    ]
    by_programme = [
        row(
            titles.get(n, n),
            "rupiah",
            lambda c, n=n: _get(c.summary, "programs", n, "cost_rp"),
            indent=True,
        )
        for n in names
    ]
    reach = [
        row(
            _("%(programme)s: families or persons paid (KPM)") % {"programme": titles.get(n, n)},
            "count",
            lambda c, n=n: _get(c.summary, "programs", n, "families"),
            indent=True,
        )
        for n in names
    ]
    return [
        Section(
            _("Cost a year (Rp)"),
            _(
                "Yearly cost of every programme as paid in the scenario, weighted to the whole "
                "population; PBI-JKN counts the premiums the state pays. The change is against "
                "the status quo of the same data."
            ),
            [
                row(_("All programmes"), "rupiah", lambda c: _get(c.summary, "total", "cost_rp")),
                *funders,
                *by_programme,
                row(
                    _("Change from the status quo"),
                    "rupiah",
                    lambda c: _get(c.difference, "net_cost_rp"),
                ),
            ],
        ),
        Section(
            _("Reach"),
            _(
                "Households and persons in households reached by at least one programme. PKH, "
                "Sembako and BLT Dana Desa pay per family card (KPM): a household may hold two; "
                "PIP and PBI-JKN pay persons. Who is paid today is the data's recorded receipt, "
                "or places allotted by quota; the newly eligible join at the take-up rate."
            ),
            [
                row(
                    _("Households reached"),
                    "count",
                    lambda c: _get(c.summary, "total", "households"),
                ),
                row(_("Persons reached"), "count", lambda c: _get(c.summary, "total", "persons")),
                *reach,
            ],
        ),
        Section(
            _("Targeting"),
            _(
                "The poor are persons whose welfare before transfers (recorded consumption less "
                "the consumed share of today's cash) is below the poverty line. Coverage: poor "
                "persons reached ÷ poor persons; exclusion error: poor not reached ÷ poor; "
                "inclusion error: non-poor reached ÷ persons reached."
            ),
            [
                row(
                    _("Coverage of the poor"),
                    "percent",
                    lambda c: _percent(_get(c.summary, "total", "coverage_of_poor")),
                ),
                row(
                    _("Exclusion error"),
                    "percent",
                    lambda c: _percent(_get(c.summary, "total", "exclusion_error")),
                ),
                row(
                    _("Inclusion error"),
                    "percent",
                    lambda c: _percent(_get(c.summary, "total", "inclusion_error")),
                ),
                row(
                    _("Poor persons reached by no programme"),
                    "count",
                    lambda c: _get(c.summary, "poor_reached_by_none"),
                ),
            ],
        ),
        Section(
            _("Poverty and inequality"),
            _(
                "Person-weighted, on welfare per person per month: cash transfers are shared "
                "equally among a household's members and counted at the consumed share; "
                "PBI-JKN is not cash. Before transfers is the same for every column."
            ),
            [
                row(
                    _("P0 before transfers"),
                    "percent",
                    lambda c: _percent(_get(c.summary, "poverty", "before", "fgt0")),
                ),
                row(
                    _("P0 (headcount)"),
                    "percent",
                    lambda c: _percent(_get(c.summary, "poverty", "after", "fgt0")),
                ),
                row(
                    _("P1 (poverty gap)"),
                    "index",
                    lambda c: _get(c.summary, "poverty", "after", "fgt1"),
                ),
                row(
                    _("P2 (severity)"),
                    "index",
                    lambda c: _get(c.summary, "poverty", "after", "fgt2"),
                ),
                row(
                    _("Gini ratio"), "index", lambda c: _get(c.summary, "poverty", "after", "gini")
                ),
            ],
        ),
        Section(
            _("Gainers and losers"),
            _(
                "Against the status quo: households (and their members) whose benefits from all "
                "programmes together rise or fall; the poor a programme newly reaches, or no "
                "longer reaches."
            ),
            [
                row(_("Households gaining"), "count", lambda c: _get(c.difference, "winners")),
                row(_("Households losing"), "count", lambda c: _get(c.difference, "losers")),
                row(_("Persons gaining"), "count", lambda c: _get(c.difference, "persons_gaining")),
                row(_("Persons losing"), "count", lambda c: _get(c.difference, "persons_losing")),
                row(
                    _("Poor persons newly reached"),
                    "count",
                    lambda c: _get(c.difference, "newly_reached_poor"),
                ),
                row(
                    _("Poor persons no longer reached"),
                    "count",
                    lambda c: _get(c.difference, "poor_no_longer_reached"),
                ),
            ],
        ),
    ]


INCIDENCE_NOTE = gettext_lazy(
    "Share of the cash benefits going to each tenth of the population, ranked by welfare before "
    "transfers (1 poorest); PBI-JKN is not cash."
)
MAP_NOTE = gettext_lazy(
    "Net change of all benefits against the status quo, Rp a year, by kecamatan: orange less, "
    "purple more."
)


def incidence_chart(column: Column, language: Language) -> str:
    """The share of cash benefits per decile of welfare before transfers, as a bar chart."""
    from sejahtera.report.charts import bar_chart
    from sejahtera.report.svg import number_format

    shares = column.summary.get("incidence_by_decile") or {}
    labels = [_("Decile %(n)s") % {"n": d} for d in range(1, 11)]
    values = [shares.get(str(d)) for d in range(1, 11)]
    return bar_chart(
        labels,
        values,
        title=_("Incidence: %(column)s") % {"column": column.title},
        fmt=number_format(1, percent=True, language_code=language),
        language_code=language,
    )


def change_map(column: Column, language: Language) -> str | None:
    """The net change of benefits by kecamatan against the status quo; None when the data have
    no kecamatan or the shipped boundaries do not cover them."""
    from sejahtera.report.maps import choropleth
    from sejahtera.report.svg import number_format

    by_district = (column.difference or {}).get("by_district")
    if not by_district:
        return None
    values = {code: row.get("net_change_rp") for code, row in by_district.items()}
    try:
        return choropleth(
            values,
            "district",
            title=_("Change by kecamatan: %(column)s") % {"column": column.title},
            legend_title=_("Rp a year"),
            fmt=number_format(0, language_code=language),
            palette="diverging",
            language_code=language,
        )
    except (SejahteraError, ValueError):
        return None


def district_rows(chosen: list[Column]) -> list[tuple[str, list[float | None]]]:
    """Each kecamatan's net change (Rp a year) in each scenario column."""
    codes = sorted({code for c in chosen for code in (c.difference or {}).get("by_district", {})})
    return [
        (code, [_get(c.difference, "by_district", code, "net_change_rp") for c in chosen])
        for code in codes
    ]


UNITS = {"rupiah": "Rp", "count": "", "percent": "%", "index": ""}


def table(chosen: list[Column], language: Language) -> list[list[object]]:
    """The comparison as rows of plain values: a header, then each figure with its unit."""
    rows: list[list[object]] = [[_("Figure"), _("Unit"), *(c.title for c in chosen)]]
    for section in sections(chosen, language):
        rows.append([section.title, "", *([""] * len(chosen))])
        for row in section.rows:
            rows.append([row.label, UNITS[row.kind], *row.values])
    return rows


def export(chosen: list[Column], language: Language, format_: str) -> tuple[bytes, str]:
    """The comparison as a CSV or an XLSX file, and its content type."""
    rows = table(chosen, language)
    if format_ == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        for row in rows:
            writer.writerow(["" if v is None else _cell(v) for v in row])
        return out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Comparison")[:31]
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 48
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula (a scenario's name) is kept as
    text, in the CSV as in the XLSX."""
    return inert(value)
