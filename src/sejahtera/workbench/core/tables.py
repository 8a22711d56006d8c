"""The tables of a rendered page, read back as the reader sees them, for the XLSX export every
table of the workbench offers (``?xlsx=<n>`` on the page's own address: see
``middleware.TableExports`` and ``workbooks.py``).

The page is the source: the export is made from the HTML the view rendered for this user, so it
holds exactly what the page shows (masked personal data stays masked) and a new table is
exported without its app doing anything. What a cell holds is decided by what it shows and by
one marker the templates already use: a cell of class ``n`` (a number, right-aligned) is read as
a number written the way ``sejahtera.i18n.format_number`` writes it in the page's language
(``1.234,5``, ``12,5%``, ``Rp 1.250.000``); every other cell stays text, so a code (``3403``,
``34.01``), a household id, a NIK or a phone number never becomes a number. A cell showing a date
in one of the formats Django writes in the page's language becomes a date. Form controls are left
out, except what a text field or a list shows; buttons, scripts and pictures are left out.

A table marked ``data-no-export`` is neither offered nor counted. A paginated list exports all
its rows when its view pages it with :func:`paginate` (up to :data:`EXPORT_ROWS`).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from html.parser import HTMLParser

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils import dates, formats, translation
from django.utils.translation import gettext

EXPORT_ROWS = 10_000  # the most rows one export lifts a paginated list to
SIGNIFICANT = 15  # digits a spreadsheet keeps exactly: longer numbers stay text


# Exports and pagination


@dataclass
class Export:
    """An export asked of this request: its table's number and, when a paginated list had more
    rows than one export holds, (rows exported, rows in the list)."""

    number: int
    cut: tuple[int, int] | None = None


def exporting(request: HttpRequest) -> Export | None:
    return getattr(request, "table_export", None)


def paginate(request: HttpRequest, items: object, per_page: int) -> Page:
    """The page of ``items`` the query string asks for (``?page=``), ``per_page`` rows; an export
    asks for every row instead, up to :data:`EXPORT_ROWS` (noting the cut when there are more)."""
    export = exporting(request)
    if export is None:
        return Paginator(items, per_page).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    page = Paginator(items, EXPORT_ROWS).get_page(1)  # type: ignore[arg-type]
    if page.paginator.count > EXPORT_ROWS:
        export.cut = (EXPORT_ROWS, page.paginator.count)
    return page


# Tables as the page shows them


@dataclass
class Cell:
    text: str
    header: bool = False  # a <th>
    numeric: bool = False  # class "n": a number as format_number writes it
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Row:
    cells: list[Cell] = field(default_factory=list)
    head: bool = False  # in <thead>
    total: bool = False  # class "total"


@dataclass
class Table:
    number: int  # 1, 2, … among the page's exportable tables, in the order of the page
    caption: str
    heading: str  # the last heading (h1–h4) before the table
    rows: list[Row] = field(default_factory=list)

    @property
    def head_rows(self) -> int:
        """The rows that head the table: its <thead>, else its first rows made of <th> only."""
        marked = 0
        while marked < len(self.rows) and self.rows[marked].head:
            marked += 1
        if marked:
            return marked
        while marked < len(self.rows) - 1 and all(c.header for c in self.rows[marked].cells):
            marked += 1
        return marked

    @property
    def title(self) -> str:
        return self.caption or self.heading


@dataclass
class PageTables:
    title: str
    tables: list[Table]


SKIPPED = {"script", "style", "svg", "button", "template", "noscript", "datalist", "math"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param"}  # fmt: skip
STRUCTURE = {"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col"}
SHOWN_INPUTS = {"", "text", "number", "date", "email", "search", "tel", "url", "month", "time",
                "week", "datetime-local"}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4"}


def read_page(html: str) -> PageTables:
    """The page's title and its exportable tables."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return PageTables(" ".join("".join(reader.title).split()), reader.tables)


def words(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


class _Open:
    """A table being read."""

    def __init__(self, exported: bool, heading: str) -> None:
        self.exported = exported
        self.heading = heading
        self.caption: list[str] | None = None
        self.caption_text = ""
        self.section = ""
        self.rows: list[Row] = []
        self.row: Row | None = None
        self.cell: Cell | None = None
        self.parts: list[str] = []

    def close_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.cell.text = words(self.parts)
            self.row.cells.append(self.cell)
        self.cell, self.parts = None, []

    def close_row(self) -> None:
        self.close_cell()
        if self.row is not None:
            self.rows.append(self.row)
        self.row = None

    def open_cell(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.close_cell()
        if self.row is None:
            self.row = Row(head=self.section == "thead")
        classes = (attrs.get("class") or "").split()
        self.cell = Cell(
            "",
            tag == "th",
            "n" in classes,
            _span(attrs.get("colspan")),
            _span(attrs.get("rowspan")),
        )


def _span(value: str | None) -> int:
    return min(max(int(value), 1), 1000) if value and value.strip().isdigit() else 1


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.open: list[_Open] = []
        self.skipping: list[list] = []  # [tag, depth] of the element whose content is left out
        self.title: list[str] = []
        self.in_title = False
        self.heading: list[str] | None = None
        self.last_heading = ""
        self.select: list[tuple[str, bool]] | None = None  # (text, selected) of each option
        self.option: list[str] | None = None
        self.option_selected = False

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        if self.skipping:
            if tag == self.skipping[-1][0]:
                self.skipping[-1][1] += 1
            return
        hidden = "hidden" in attrs and tag not in STRUCTURE
        if tag in SKIPPED or hidden:
            if tag not in VOID:
                self.skipping.append([tag, 1])
            return
        if tag == "title":
            self.in_title = True
        elif tag in HEADINGS and not self.open:
            self.heading = []
        elif tag == "table":
            exported = "data-no-export" not in attrs and all(t.exported for t in self.open)
            self.open.append(_Open(exported, self.last_heading))
        elif self.open:
            self._inside_table(self.open[-1], tag, attrs)

    def _inside_table(self, table: _Open, tag: str, attrs: dict[str, str | None]) -> None:
        if tag == "caption":
            table.caption = []
        elif tag in ("thead", "tbody", "tfoot"):
            table.close_row()
            table.section = tag
        elif tag == "tr":
            table.close_row()
            classes = (attrs.get("class") or "").split()
            table.row = Row(head=table.section == "thead", total="total" in classes)
        elif tag in ("td", "th"):
            table.open_cell(tag, attrs)
        elif table.cell is None:
            return
        elif tag == "br":
            table.parts.append(" ")
        elif tag == "input" and (attrs.get("type") or "").lower() in SHOWN_INPUTS:
            table.parts.append(f" {attrs.get('value') or ''} ")
        elif tag == "select":
            self.select = []
        elif tag == "option" and self.select is not None:
            self.option, self.option_selected = [], "selected" in attrs

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1][0]:
                self.skipping[-1][1] -= 1
                if not self.skipping[-1][1]:
                    self.skipping.pop()
            return
        if tag == "title":
            self.in_title = False
        elif tag in HEADINGS and self.heading is not None:
            self.last_heading, self.heading = words(self.heading), None
        elif tag == "table" and self.open:
            self._close_table(self.open.pop())
        elif self.open:
            self._end_inside_table(self.open[-1], tag)

    def _end_inside_table(self, table: _Open, tag: str) -> None:
        if tag == "caption" and table.caption is not None:
            table.caption_text, table.caption = words(table.caption), None
        elif tag in ("thead", "tbody", "tfoot"):
            table.close_row()
            table.section = ""
        elif tag == "tr":
            table.close_row()
        elif tag in ("td", "th"):
            table.close_cell()
        elif tag == "option" and self.option is not None and self.select is not None:
            self.select.append((words(self.option), self.option_selected))
            self.option = None
        elif tag == "select" and self.select is not None:
            chosen = [text for text, selected in self.select if selected] or [
                text for text, _ in self.select[:1]
            ]
            table.parts.append(f" {chosen[-1]} " if chosen else "")
            self.select = None

    def _close_table(self, table: _Open) -> None:
        table.close_row()
        if table.exported:
            number = len(self.tables) + 1
            self.tables.append(Table(number, table.caption_text, table.heading, table.rows))

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.in_title:
            self.title.append(data)
        if self.heading is not None:
            self.heading.append(data)
        if not self.open:
            return
        table = self.open[-1]
        if self.option is not None:
            self.option.append(data)
        elif self.select is not None:
            return
        elif table.caption is not None:
            table.caption.append(data)
        elif table.cell is not None:
            table.parts.append(data)


# What a cell holds


@dataclass(frozen=True)
class Typed:
    """A cell's value for a spreadsheet and the number format that shows it as the page did."""

    value: object
    number_format: str = "General"


_SEPARATORS = {"id": (".", ","), "en": (",", ".")}  # (thousands, decimal), as format_number


@lru_cache(maxsize=4)
def _number_pattern(language: str) -> re.Pattern[str]:
    group, point = (re.escape(s) for s in _SEPARATORS[language])
    return re.compile(
        rf"(?P<sign>[-\u2212]?)(?P<rp>Rp\s?)?(?P<sign2>[-\u2212]?)"
        rf"(?P<int>\d{{1,3}}(?:{group}\d{{3}})+|\d+)(?:{point}(?P<dec>\d+))?(?P<pct>\s?%)?"
    )


def number(shown: str, language: str) -> Typed | None:
    """A number as ``format_number`` writes it in ``language`` (``1.234,5``, ``-12,5%``,
    ``Rp 1.250.000``, or ungrouped as Django prints a plain value), or None: a leading zero
    (``007``), more digits than a spreadsheet keeps, or anything else is not a number."""
    found = _number_pattern(language).fullmatch(shown)
    if not found or (found["sign"] and found["sign2"]) or (found["rp"] and found["pct"]):
        return None
    group = _SEPARATORS[language][0]
    digits = found["int"].replace(group, "")
    decimals = found["dec"] or ""
    if len(digits) > 1 and digits.startswith("0"):
        return None
    if len(digits.lstrip("0") + decimals) > SIGNIFICANT:
        return None
    value = Decimal(f"{digits}.{decimals}" if decimals else digits)
    if found["sign"] or found["sign2"]:
        value = -value
    grouped = group in found["int"] or len(digits) <= 3
    shape = ("#,##0" if grouped else "0") + ("." + "0" * len(decimals) if decimals else "")
    if found["pct"]:
        return Typed(float(value / 100), shape + found["pct"])
    if found["rp"]:
        shape = f'"{found["rp"]}"{shape}'
    return Typed(int(value) if not decimals else float(value), shape)


# Dates as Django writes them in the page's language: each format turned into a pattern.
DATE_FORMATS = ("DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT",
                "YEAR_MONTH_FORMAT", "Y-m-d", "Y-m-d H:i", "j M Y", "j M Y H:i")  # fmt: skip
TIME_CODES = set("aAPfgGhHis")
_DIGIT = re.compile(r"\d")  # every date format holds a number (day or year)


def _names(table: dict[int, object], lower: bool = False, title: bool = False) -> dict[str, int]:
    found = {}
    for month, name in table.items():
        shown = str(name)
        found[shown.lower() if lower else shown.title() if title else shown] = month
    return found


def _alternatives(names: dict[str, int]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


def _date_pattern(shape: str) -> tuple[re.Pattern[str], dict[str, dict[str, int]], bool] | None:
    """A pattern reading what ``dateformat.format(value, shape)`` writes, the month names it
    uses, and whether it holds a time; None for a shape using codes it does not know."""
    months = {
        "F": _names(dates.MONTHS),
        "M": _names(dates.MONTHS_3, title=True),
        "b": _names(dates.MONTHS_3, lower=True),
        "N": _names(dates.MONTHS_AP),
        "E": _names(dates.MONTHS_ALT),
    }
    numbers = {"d": r"\d{2}", "j": r"\d{1,2}", "m": r"\d{2}", "n": r"\d{1,2}", "Y": r"\d{4}",
               "H": r"\d{2}", "G": r"\d{1,2}", "i": r"\d{2}", "s": r"\d{2}"}  # fmt: skip
    am, pm, noon, midnight = gettext("a.m."), gettext("p.m."), gettext("noon"), gettext("midnight")
    out, seen, escaped = [], set(), False
    for code in shape:
        if escaped or code == "\\":
            out.append(re.escape(code) if escaped else "")
            escaped = not escaped and code == "\\"
            continue
        if code in seen and (code in numbers or code in months or code == "P"):
            return None
        if code in numbers:
            out.append(f"(?P<{code}>{numbers[code]})")
        elif code in months:
            out.append(f"(?P<{code}>{_alternatives(months[code])})")
        elif code == "P":
            out.append(
                rf"(?P<P>{re.escape(midnight)}|{re.escape(noon)}|(?P<Ph>\d{{1,2}})"
                rf"(?::(?P<Pi>\d{{2}}))? (?P<Pa>{re.escape(am)}|{re.escape(pm)}))"
            )
        elif code.isalpha():
            return None
        else:
            out.append(re.escape(code))
        seen.add(code)
    return re.compile("".join(out)), months, bool(seen & TIME_CODES)


@lru_cache(maxsize=4)
def _date_patterns(language: str) -> list[tuple[re.Pattern[str], dict[str, dict[str, int]], bool]]:
    with translation.override(language):
        shapes = dict.fromkeys(
            formats.get_format(name) if name.isupper() else name for name in DATE_FORMATS
        )
        made = [_date_pattern(str(shape)) for shape in shapes]
        return [found for found in made if found is not None]


def when(shown: str, language: str) -> Typed | None:
    """A date or a date and time written in one of Django's formats of ``language``, or None."""
    if not shown or not shown[0].isalnum() or len(shown) > 40 or not _DIGIT.search(shown):
        return None
    for pattern, months, timed in _date_patterns(language):
        found = pattern.fullmatch(shown)
        if found:
            value = _moment(found, months, timed, language)
            if value is not None:
                return value
    return None


def _moment(
    found: re.Match[str], months: dict[str, dict[str, int]], timed: bool, language: str
) -> Typed | None:
    parts = found.groupdict()
    month = next((int(parts[c]) for c in "mn" if parts.get(c)), None)
    month = month or next((months[c][parts[c]] for c in months if parts.get(c)), None)
    day = next((int(parts[c]) for c in "dj" if parts.get(c)), None)
    if month is None or not parts.get("Y"):
        return None
    hour = next((int(parts[c]) for c in "HG" if parts.get(c)), 0)
    minute = int(parts.get("i") or 0)
    if parts.get("P"):
        hour, minute = _twelve_hour(parts, language)
    try:
        moment = datetime.datetime(
            int(parts["Y"]), month, day or 1, hour, minute, int(parts.get("s") or 0)
        )
    except ValueError:
        return None
    if timed:
        return Typed(moment, "yyyy-mm-dd hh:mm:ss" if parts.get("s") else "yyyy-mm-dd hh:mm")
    return Typed(moment.date(), "yyyy-mm-dd" if day else "mmmm yyyy")


def _twelve_hour(parts: dict[str, str], language: str) -> tuple[int, int]:
    with translation.override(language):
        if parts["P"] == gettext("midnight"):
            return 0, 0
        if parts["P"] == gettext("noon"):
            return 12, 0
        afternoon = parts["Pa"] == gettext("p.m.")
    return int(parts["Ph"]) % 12 + (12 if afternoon else 0), int(parts["Pi"] or 0)


def typed(cell: Cell, language: str) -> Typed:
    """What a body cell holds: a number (a cell of class ``n`` only), a date, else its text."""
    if not cell.text:
        return Typed(None)
    if cell.numeric:
        found = number(cell.text, language)
        if found is not None:
            return found
    return when(cell.text, language) or Typed(cell.text)
