"""Renja/RKPD rows: the programmes of a year in the SIPD coding, programme → kegiatan →
sub-kegiatan, with what the office's planning form asks of each row, as XLSX or CSV.

**Which layout.** The columns follow the table of programmes and kegiatan of a Renja
Perangkat Daerah (Permendagri 86/2017: code; programme, kegiatan or sub-kegiatan; performance
indicator; location; target; indicative budget (pagu indikatif) and its source; responsible
unit). The official form's exact layout could not be checked for this release, so the file is
the SIPD coding with the columns the office transcribes into SIPD, not a copy of the form:
one row per SIPD programme and per kegiatan (their pagu is the sum of the rows under them),
then one row per workbench programme under its finest code (a programme coded only to its
kegiatan or programme sits under that code, and says so). Programmes without SIPD codes come
last, so none is left out silently.

The figures are the records: the pagu is each programme's :class:`~.models.Budget` of the year
by funder (APBD, APBN, other); the indicators are the monev indicators of the programme (its own
results framework, or linked to its budget), with their whole-year targets for the area as a
whole. Nothing is computed from a dataset, so the file is written in the request.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from sejahtera.i18n import format_number, language
from sejahtera.report.cells import inert_row
from sejahtera.workbench.core.templatetags.numbers import region as region_name
from sejahtera.workbench.monev.models import Indicator, Target
from sejahtera.workbench.programmes import sipd
from sejahtera.workbench.programmes.models import FUNDING, Beneficiary, Budget, Programme

FUNDERS: Final = tuple(code for code, _label in FUNDING)  # APBD, APBN, other
# The columns, English msgids; every header is written "Indonesian / English".
HEADERS: Final = (
    gettext_noop("Level"),
    gettext_noop("SIPD code"),
    gettext_noop("Programme / kegiatan / sub-kegiatan (nomenclature)"),
    gettext_noop("Workbench programme"),
    gettext_noop("Status"),
    gettext_noop("Performance indicator"),
    gettext_noop("Target"),
    gettext_noop("Location"),
    gettext_noop("Pagu APBD (Rp)"),
    gettext_noop("Pagu APBN (Rp)"),
    gettext_noop("Pagu other sources (Rp)"),
    gettext_noop("Pagu total (Rp)"),
    gettext_noop("Responsible unit"),
    gettext_noop("Note"),
)
MONEY_COLUMNS: Final = (8, 9, 10, 11)  # zero-based positions of the pagu columns


@dataclass
class RenjaRow:
    level: str  # program, kegiatan, sub_kegiatan, or uncoded
    code: str
    name: str  # the nomenclature's name; "" when the list does not know the code
    programme: str = ""  # the workbench programme (its own rows only)
    status: str = ""
    indicators: str = ""
    targets: str = ""
    location: str = ""
    pagu: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FUNDERS, 0))
    unit: str = ""
    note: str = ""

    @property
    def total(self) -> int:
        return sum(self.pagu.values())

    def values(self) -> list[object]:
        level = sipd.level_label(self.level) if self.level != "uncoded" else _("no SIPD code")
        return [
            level, self.code, self.name, self.programme, self.status, self.indicators,
            self.targets, self.location, *(self.pagu[f] for f in FUNDERS), self.total,
            self.unit, self.note,
        ]  # fmt: skip


def headers() -> list[str]:
    """Each column's header in Indonesian and English (``Kode SIPD / SIPD code``)."""
    shown = []
    for msgid in HEADERS:
        with override("id"):
            indonesian = _(msgid)
        with override("en"):
            english = _(msgid)
        shown.append(indonesian if indonesian == english else f"{indonesian} / {english}")
    return shown


def rows(programmes: Iterable[Programme], year: int, location: str = "") -> list[RenjaRow]:
    """The Renja rows of ``programmes`` for ``year``: SIPD programme and kegiatan rows (sums),
    each workbench programme under its finest code, then the programmes without codes.
    ``location`` (a kabupaten/kota in words) is every row's; when empty, a programme's is the
    kabupaten/kota of its lists of that year."""
    chosen = list(programmes)
    pagu = _pagu(chosen, year)
    places = _places(chosen, year)
    coded = sorted(
        (p for p in chosen if p.sipd_program),
        key=lambda p: (p.sipd_program, p.sipd_kegiatan, p.sipd_sub_kegiatan, p.name),
    )
    result: list[RenjaRow] = []
    headings: dict[tuple[str, str], RenjaRow] = {}
    for programme in coded:
        for level, code in (("program", programme.sipd_program),
                            ("kegiatan", programme.sipd_kegiatan)):  # fmt: skip
            if code and (level, code) not in headings:
                heading = RenjaRow(level, code, sipd.name_of(code), location=location)
                headings[level, code] = heading
                result.append(heading)
            if code:
                for funder, amount in pagu[programme.pk].items():
                    headings[level, code].pagu[funder] += amount
        result.append(_own_row(programme, year, pagu, location or places.get(programme.pk, "")))
    for programme in sorted((p for p in chosen if not p.sipd_program), key=lambda p: p.name):
        own = _own_row(programme, year, pagu, location or places.get(programme.pk, ""))
        own.level, own.note = "uncoded", _("Give this programme its SIPD codes.")
        result.append(own)
    return result


def _own_row(
    programme: Programme, year: int, pagu: dict[int, dict[str, int]], location: str
) -> RenjaRow:
    finest = programme.sipd_sub_kegiatan or programme.sipd_kegiatan or programme.sipd_program
    level = (
        "sub_kegiatan" if programme.sipd_sub_kegiatan
        else "kegiatan" if programme.sipd_kegiatan
        else "program"
    )  # fmt: skip
    indicators, targets = _indicators(programme, year)
    notes = []
    if programme.sipd_program and level != "sub_kegiatan":
        notes.append(_("No sub-kegiatan code yet."))
    if finest and sipd.lookup(finest) is None:
        notes.append(_("Code not in Sejahtera's SIPD list: check it in SIPD."))
    return RenjaRow(
        level,
        finest,
        sipd.name_of(finest) if finest else "",
        programme=programme.name,
        status=str(programme.get_status_display()),
        indicators=indicators,
        targets=targets,
        location=location,
        pagu=dict(pagu[programme.pk]),
        unit=programme.owner_unit,
        note=" ".join(notes),
    )


def _pagu(programmes: Sequence[Programme], year: int) -> dict[int, dict[str, int]]:
    """Each programme's budget of ``year`` by funder, in whole Rupiah."""
    pagu = {p.pk: dict.fromkeys(FUNDERS, 0) for p in programmes}
    budgets = Budget.objects.filter(programme__in=programmes, year=year).values_list(
        "programme_id", "source", "amount_rp"
    )
    for programme_id, source, amount in budgets:
        pagu[programme_id][source] += int(amount)
    return pagu


def _places(programmes: Sequence[Programme], year: int) -> dict[int, str]:
    """The kabupaten/kota on each programme's lists of ``year``, by name."""
    found: dict[int, set[str]] = defaultdict(set)
    listed = (
        Beneficiary.objects.filter(
            cycle__programme__in=programmes, cycle__period__startswith=str(year)
        )
        .values_list("cycle__programme_id", "region_code")
        .distinct()
    )
    for programme_id, code in listed:
        found[programme_id].add(code)
    return {pk: "; ".join(region_name(c) for c in sorted(codes)) for pk, codes in found.items()}


def _indicators(programme: Programme, year: int) -> tuple[str, str]:
    """The programme's indicators (``code name (unit)``) and their whole-year targets for the
    whole area (``code: value unit``), each joined by "; ". An indicator linked to another
    programme's budget belongs to that programme here: it measures that spending."""
    indicators = (
        Indicator.objects.filter(
            Q(budget_programme=programme)
            | Q(result__programme=programme, budget_programme__isnull=True)
        )
        .distinct()
        .order_by("code")
    )
    names, targets = [], []
    for indicator in indicators:
        names.append(f"{indicator.code} {indicator.name} ({indicator.unit})")
        target = Target.objects.filter(
            indicator=indicator, period=str(year), region__isnull=True
        ).first()
        if target is not None:
            value = format_number(float(target.value), language(), decimals=_decimals(target))
            targets.append(f"{indicator.code}: {value} {indicator.unit}")
    return "; ".join(names), "; ".join(targets)


def _decimals(target: Target) -> int:
    """The places the target was given with: 12500.00 → 0, 87.50 → 1."""
    exponent = target.value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def notes(year: int, location: str, user: Any) -> list[tuple[str, str]]:
    """The file's second sheet: what it is and how far to trust it."""
    return [
        (_("Year"), str(year)),
        (_("Location"), location or _("the kabupaten/kota of each programme's lists")),
        (
            _("Layout"),
            _(
                "The SIPD coding with the columns of a Renja Perangkat Daerah's table of "
                "programmes and kegiatan (Permendagri 86/2017), to transcribe into SIPD; not a "
                "copy of the official form, whose layout could not be checked."
            ),
        ),
        (
            _("SIPD names"),
            _(
                "From Sejahtera's list (urusan Sosial 1.06), which is incomplete: an empty name "
                "is a code the list does not know. SIPD is the authority."
            ),
        ),
        (_("Pagu"), _("Each programme's budget of the year by funder, in Rupiah.")),
        (_("Exported by"), user.get_username() if user is not None else "–"),
        (_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]


def write_xlsx(shown: list[RenjaRow], about: list[tuple[str, str]]) -> bytes:
    """The rows on a sheet (pagu as numbers, SIPD programme and kegiatan rows bold), and a
    second sheet of ``about``."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Renja"
    bold = Font(bold=True)
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C2"
    widths = (14, 20, 48, 28, 14, 40, 24, 26, 16, 16, 16, 16, 26, 30)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for row in shown:
        sheet.append(inert_row(row.values()))
        cells = sheet[sheet.max_row]
        for position in MONEY_COLUMNS:
            cells[position].number_format = "#,##0"
        if row.level in ("program", "kegiatan") and not row.programme:
            for cell in cells:
                cell.font = bold
    info = book.create_sheet(_("About"))
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 20, 100
    for label, value in about:
        info.append(inert_row([label, value]))
        info.cell(info.max_row, 1).font = bold
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(shown: list[RenjaRow]) -> bytes:
    """The rows as CSV (UTF-8 with a byte-order mark, pagu as whole numbers)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers())
    for row in shown:
        writer.writerow(inert_row(row.values()))
    return out.getvalue().encode("utf-8-sig")
