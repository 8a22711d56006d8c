"""Every table of the workbench exports to XLSX (issue 14): ``?xlsx=<n>`` on a page's address.

The walk opens every page the head of office is served, with the demo data loaded, in Indonesian
and in English, and downloads every table of every page; each workbook must hold the page's
table cell for cell. The page's tables are read here with lxml (not the workbench's reader), and
numbers are parsed here with plain string steps, then printed again with the repo's
``format_number`` in the workbook's number format: a number must print as the page showed it. A
page built for this test checks parse(format(x)) == x for values the test chose, codes, masked
and hidden content, merged cells and form controls."""

from __future__ import annotations

import copy
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.urls import get_resolver, path
from django.utils import formats, timezone, translation
from lxml import html as lxml_html
from openpyxl import load_workbook

from sejahtera.i18n import format_number
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core import tables
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.programmes.models import Beneficiary
from test_workbench_policy import ARGUMENTS, address, patterns, world  # noqa: F401  (the fixture)
from workbench_users import signed_in

pytestmark = pytest.mark.django_db

DEMOS = ("demo_stakeholders", "demo_consultations", "demo_grievances", "demo_monev",
         "demo_programmes")  # fmt: skip
DATE_SHAPES = ("DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT",
               "YEAR_MONTH_FORMAT", "Y-m-d", "Y-m-d H:i", "j M Y", "j M Y H:i", "F Y")  # fmt: skip
LEFT_OUT = ".//script|.//style|.//svg|.//button|.//template|.//noscript|.//*[@hidden]"
SHOWN_INPUTS = {"", "text", "number", "date", "email", "search", "tel", "url"}
NUMBER = r"(Rp ?)?-?([1-9][\d.,]*|0([.,]\d+)?)( ?%)?"  # the test's own idea of a shown number
LISTED = 80  # households on the world's cycle: more than one page of its list (50)


# The page's tables, read independently of core/tables.py


def page_tables(content: bytes) -> list[list[list[tuple[str, bool, int, int]]]]:
    """Each exportable table: rows of (text, numeric, colspan, rowspan) as a reader sees them."""
    tree = lxml_html.fromstring(content)
    found = []
    for table in tree.iter("table"):
        if any(t.get("data-no-export") is not None for t in [table, *table.iterancestors("table")]):
            continue
        rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
        found.append([[cell_of(c) for c in row.xpath("./td|./th")] for row in rows])
    return found


def cell_of(cell) -> tuple[str, bool, int, int]:
    cell = copy.deepcopy(cell)
    cell.tail = None
    for gone in cell.xpath(LEFT_OUT):
        gone.drop_tree()
    for line_break in cell.xpath(".//br"):  # a line break shows as a space between words
        line_break.tail = " " + (line_break.tail or "")
        line_break.drop_tree()
    for control in cell.xpath(".//input|.//select"):
        if control.tag == "input":
            kind = (control.get("type") or "").lower()
            shown = control.get("value", "") if kind in SHOWN_INPUTS else ""
        else:
            options = control.xpath(".//option")
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            shown = chosen[-1].text_content() if chosen else ""
        control.tail = f" {shown} " + (control.tail or "")
        control.drop_tree()
    text = " ".join(cell.text_content().split())
    span = [
        int(cell.get(a, "1")) if cell.get(a, "1").isdigit() else 1 for a in ("colspan", "rowspan")
    ]
    return text, "n" in (cell.get("class") or "").split(), max(span[0], 1), max(span[1], 1)


def placed(rows: list[list[tuple[str, bool, int, int]]]):
    """(row, column, cell) of each cell, 1-based, spans laid out as the HTML table model does."""
    taken: set[tuple[int, int]] = set()
    for r, row in enumerate(rows, start=1):
        c = 1
        for cell in row:
            while (r, c) in taken:
                c += 1
            taken |= {(r + i, c + j) for i in range(cell[3]) for j in range(cell[2])}
            yield r, c, cell
            c += cell[2]


def parsed(text: str, language: str) -> Decimal:
    """A number as the page shows it, by plain string steps."""
    group, point = (".", ",") if language == "id" else (",", ".")
    digits = text.replace("Rp", "").replace("%", "").replace(" ", "").replace("\u2212", "-")
    value = Decimal(digits.replace(group, "").replace(point, "."))
    return value / 100 if "%" in text else value


def printed(value: float, shape: str, language: str) -> str:
    """``value`` printed in the number format ``shape`` with the repo's format_number."""
    decimals = len(shape.split(".")[1].rstrip("% ")) if "." in shape else 0
    shown = format_number(value, language, decimals, percent="%" in shape, grouped="," in shape)
    prefix = re.match(r'"([^"]*)"', shape)
    return (prefix.group(1) if prefix else "") + shown


def date_shown(value: datetime.datetime, text: str, language: str) -> bool:
    with translation.override(language):
        return text in {formats.date_format(value, shape) for shape in DATE_SHAPES}


def every_row(client: Client, page: str, content: bytes) -> list[list]:
    """The page's tables, a paginated list with the rows of all its pages (?page=2, 3, … as its
    links go), below the first page's header."""
    found = page_tables(content)
    number = 2
    while any(
        f"page={number}" in link for link in lxml_html.fromstring(content).xpath("//a/@href")
    ):
        content = client.get(page, {"page": number}).content
        for rows, more in zip(found, page_tables(content), strict=True):
            if more[1:] != rows[1 : len(more)]:  # this table's rows change with the page
                rows.extend(more[1:])
        number += 1
    return found


def workbook_of(response: HttpResponse):
    assert response.status_code == 200, response.content[:400]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def compare(sheet, rows, language: str, seen: dict[str, int]) -> None:
    """The sheet holds the page's table cell for cell."""
    anchors = set()
    for r, c, (text, numeric, _, _) in placed(rows):
        anchors.add((r, c))
        value = sheet.cell(r, c).value
        where = (sheet.title, r, c, text, value)
        if not text:
            assert value is None, where
        elif isinstance(value, str):
            assert value == text, where
            if numeric and r > 1:  # a number the page shows is a number in the workbook
                assert not re.fullmatch(NUMBER, text), where
            seen["text"] += 1
        elif isinstance(value, datetime.datetime):
            assert date_shown(value, text, language), where
            seen["dates"] += 1
        else:
            assert numeric and isinstance(value, int | float) and not isinstance(value, bool), where
            assert abs(Decimal(str(value)) - parsed(text, language)) <= Decimal("1e-9"), where
            shape = sheet.cell(r, c).number_format
            assert printed(value, shape, language).replace(" ", "") == text.replace(" ", ""), where
            seen["numbers"] += 1
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None and (cell.row, cell.column) not in anchors:
                assert (cell.row, cell.column) in anchors, ("not on the page", cell.coordinate)


# The office: the demo data, the policy test's records, and a cycle longer than one page


@pytest.fixture
def office(world):  # noqa: F811
    for command in DEMOS:
        call_command(command, stdout=io.StringIO())
    Beneficiary.objects.bulk_create(
        Beneficiary(
            cycle=world.cycle,
            household_id=f"3403{n:012d}",
            region_code="34.03",
            district_code="34.03.01",
            village_code="34.03.01.2001",
            desil=n % 10 + 1,
            amount_rp=200_000 + n,
        )
        for n in range(LISTED)
    )
    return world


# The needs profile's files, written by `sejahtera profile` and served as they are (with their
# own CSVs), are not pages of the workbench.
FILES = {"core:profile", "core:profile_file"}


def served(office) -> list[str]:
    """Every page, with the records the policy test opens (a page whose records it does not
    name yet fails there, test_every_page_with_arguments_is_in_the_table, and is walked here
    once it is named)."""
    routes = {name: route for name, route, _ in patterns(get_resolver()) if name not in FILES}
    known = {n: r for n, r in routes.items() if "<" not in r or n in ARGUMENTS}
    return [address(name, route, office) for name, route in sorted(known.items())]


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_table_of_every_page_exports_as_the_page_shows_it(office, language) -> None:
    client = signed_in(user=office.users[Role.KEPALA])
    client.cookies["django_language"] = language
    seen = {"pages": 0, "tables": 0, "numbers": 0, "dates": 0, "text": 0}
    for page in served(office):
        response = client.get(page)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        seen["pages"] += 1
        found = every_row(client, page, response.content)
        for number, rows in enumerate(found, start=1):
            if page.startswith("/audit/"):
                continue  # the log grows with each export: checked on its own below
            book = workbook_of(client.get(page, {"xlsx": number}))
            compare(book.worksheets[0], rows, language, seen)
            about = {row[0]: row[1] for row in book.worksheets[1].iter_rows(values_only=True)}
            assert client.user.get_username() in about.values()
            seen["tables"] += 1
    assert seen["pages"] > 50 and seen["tables"] > 40, seen
    assert seen["numbers"] > 100 and seen["dates"] > 5, seen
    exported = AuditEvent.objects.filter(action="table_exported")
    assert exported.count() == seen["tables"]
    assert {"page", "table", "rows"} <= set(exported.first().detail)


def test_the_beneficiary_list_exports_every_row_masked_as_on_the_page(office) -> None:
    client = signed_in(user=office.users[Role.KEPALA])
    page = f"/programmes/cycles/{office.cycle.pk}/"
    shown = client.get(page)
    number = 1 + [t.get("id") for t in lxml_html.fromstring(shown.content).iter("table")].index(
        "beneficiaries"
    )
    on_page = page_tables(shown.content)[number - 1]
    assert len(on_page) == 1 + 50  # the page shows its first 50
    sheet = workbook_of(client.get(page, {"xlsx": number})).worksheets[0]
    ids = sorted(f"3403{n:012d}" for n in range(LISTED))
    column = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert column == ["*" * 12 + i[-4:] for i in ids]  # every row, masked as the page masks it
    amounts = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(amounts) == [200_000 + n for n in range(LISTED)]
    everything = {str(v) for row in sheet.iter_rows(values_only=True) for v in row}
    assert not everything & set(ids)
    # Shown unmasked after a reveal, the export still asks the page again: masked.
    revealed = client.post(f"/programmes/cycles/{office.cycle.pk}/reveal/")
    assert ids[0] in revealed.text
    again = workbook_of(client.get(page, {"xlsx": number})).worksheets[0]
    assert again.cell(2, 1).value == "*" * 12 + ids[0][-4:]
    # The page's filters hold for the export too.
    kept = workbook_of(client.get(page, {"xlsx": number, "desil": "1"})).worksheets[0]
    assert [r[4] for r in kept.iter_rows(min_row=2, values_only=True)] == [1] * (LISTED // 10)


def test_an_export_over_the_cap_says_where_it_was_cut(office, monkeypatch) -> None:
    monkeypatch.setattr(tables, "EXPORT_ROWS", 60)
    client = signed_in(user=office.users[Role.KEPALA])
    page = f"/programmes/cycles/{office.cycle.pk}/"
    number = 1 + [t.get("id") for t in lxml_html.fromstring(client.get(page).content).iter(
        "table")].index("beneficiaries")  # fmt: skip
    book = workbook_of(client.get(page, {"xlsx": number}))
    sheet = book.worksheets[0]
    body = [r for r in sheet.iter_rows(min_row=2, values_only=True) if any(r)]
    assert len(body) == 60 + 1  # the rows, then the note
    assert "60" in body[-1][0] and "80" in body[-1][0] and "Hanya" in body[-1][0]
    about = [row for row in book.worksheets[1].iter_rows(values_only=True)]
    assert any("80" in str(value) for _, value in about)
    event = AuditEvent.objects.filter(action="table_exported").latest("pk")
    assert event.detail["rows"] == 60 and event.detail["cut"] is True


def test_the_audit_log_exports_every_event(office) -> None:
    client = signed_in(user=office.users[Role.AUDITOR])
    AuditEvent.objects.bulk_create(AuditEvent(action="x_test", username="u") for _ in range(250))
    sheet = workbook_of(client.get("/audit/", {"xlsx": 1, "action": "x_test"})).worksheets[0]
    assert sheet.max_row == 1 + 250
    assert {r[2] for r in sheet.iter_rows(min_row=2, values_only=True)} == {"x_test"}


def test_hostile_table_numbers_get_a_clear_answer(office) -> None:
    client = signed_in(user=office.users[Role.KEPALA])
    for value in ("abc", "0", "-1", "", "1.5", "1e3", "99999999999999999999", "<script>"):
        response = client.get("/programmes/", {"xlsx": value})
        assert response.status_code == 400, value
        assert "xlsx=" in response.text and "<script>" not in response.text.split("<main")[1]
    response = client.get("/programmes/", {"xlsx": "999"})
    assert response.status_code == 404 and "999" in response.text
    csv = f"/datasets/versions/{office.version.pk}/report.csv"
    assert client.get(csv, {"xlsx": "1"}).status_code == 404
    # Who may not see the page may not export it either.
    anonymous = Client().get("/programmes/", {"xlsx": "1"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    partner = signed_in(user=office.users[Role.PARTNER])
    assert partner.get("/audit/", {"xlsx": "1"}).status_code == 403
    assert not AuditEvent.objects.filter(action="table_exported").exists()


# A page made for the test: values chosen here, printed by the workbench's own filters


PAGE = """{% load numbers %}<!doctype html><html><head><title>Uji tabel · Sejahtera</title></head>
<body><h1>Uji</h1><h2>Angka dan kode</h2>
<table><thead><tr><th>Kode</th><th>Kabupaten</th><th>NIK</th><th>Telepon</th><th class="n">Tahun
</th><th class="n">Rumah tangga</th><th class="n">Rata-rata</th><th class="n">P0</th>
<th class="n">Bagian</th><th class="n">Pagu</th><th>Tanggal</th><th>Catatan</th></tr></thead>
<tbody>{% for r in rows %}<tr><td>{{ r.code }}</td><td>{{ r.regency }}</td><td>{{ r.nik }}</td>
<td>{{ r.phone }}</td><td class="n">{{ r.year }}</td><td class="n">{{ r.households|number }}</td>
<td class="n">{{ r.mean|number:1 }}</td><td class="n">{{ r.p0|percent:2 }}</td>
<td class="n">{{ r.share|share:1 }}</td><td class="n">Rp {{ r.pagu|number }}</td>
<td>{{ r.day|date:"DATE_FORMAT" }}</td><td>{{ r.note }}</td></tr>{% endfor %}</tbody></table>
<table data-no-export><tr><td>tidak dihitung</td></tr></table>
<h2>Gabungan</h2><div class="scroll"><table><caption>Sel digabung dan isian</caption>
<tr><th>Bagian</th><th colspan="2">Dua kolom</th></tr>
<tr><td rowspan="2">Gabung</td><td><input name="a" value="isi"></td><td><select name="s">
<option>satu</option><option selected>dua</option></select><button>Simpan</button></td></tr>
<tr><td><input type="checkbox" checked><input type="hidden" name="h" value="rahasia">kotak</td>
<td><script>var x = 1;</script><span hidden>tersembunyi</span>terlihat<svg><title>gambar</title>
</svg></td></tr></table></div></body></html>"""

ROWS = [
    {"code": "3403", "regency": "34.01", "nik": "3404134506900001", "phone": "0812-3456-7890",
     "year": 2025, "households": 1_234_567, "mean": 1234.5, "p0": 12.35, "share": 0.125,
     "pagu": 1_250_000, "day": datetime.date(2025, 3, 31), "note": "=SUM(A1:A2)"},
    {"code": "007", "regency": "34.01.01.2001", "nik": "************0001", "phone": "*********90",
     "year": 1999, "households": 0, "mean": -4321.5, "p0": 0.5, "share": 1.0, "pagu": 999,
     "day": datetime.date(2026, 12, 8), "note": "-12"},
]  # fmt: skip


def made_page(request):
    return HttpResponse(engines["django"].from_string(PAGE).render({"rows": ROWS}, request))


urlpatterns = [path("uji/", made_page)]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", ["id", "en"])
def test_values_codes_and_controls_come_back_as_the_test_wrote_them(client, language) -> None:
    client.cookies["django_language"] = language
    book = workbook_of(client.get("/uji/", {"xlsx": "1"}))
    sheet = book.worksheets[0]
    assert sheet.title == "Angka dan kode"  # the heading over the table
    assert [c.value for c in sheet[1]][:2] == ["Kode", "Kabupaten"]
    for r, row in enumerate(ROWS, start=2):
        values = [c.value for c in sheet[r]]
        # Codes, NIK, phones and text stay text, exactly; a formula stays a text.
        assert values[:4] == [row["code"], row["regency"], row["nik"], row["phone"]]
        assert values[11] == row["note"] and sheet.cell(r, 12).data_type == "s"
        # A year printed plainly: an integer that prints as it did, never 2.025.
        assert values[4] == row["year"] and sheet.cell(r, 5).number_format == "0"
        # parse(format(x)) == x, x chosen here, formatted by the workbench's own filters.
        assert values[5] == row["households"] and values[9] == row["pagu"]
        assert values[6] == row["mean"]
        assert values[7] == pytest.approx(row["p0"] / 100, abs=1e-15)
        assert values[8] == pytest.approx(row["share"], abs=1e-15)
        assert "%" in sheet.cell(r, 8).number_format and '"Rp ' in sheet.cell(r, 10).number_format
        assert values[10] == datetime.datetime.combine(row["day"], datetime.time())
    about = [value for _, value in book.worksheets[1].iter_rows(values_only=True)]
    assert "Uji tabel · Sejahtera" in about and "/uji/" in about and len(ROWS) in about
    now = timezone.localtime().replace(tzinfo=None)
    assert any(isinstance(v, datetime.datetime) and abs(v - now).seconds < 300 for v in about)
    event = AuditEvent.objects.get(action="table_exported")
    assert (event.detail["page"], event.detail["table"], event.detail["rows"]) == ("/uji/", 1, 2)
    second = workbook_of(client.get("/uji/", {"xlsx": "2"})).worksheets[0]
    assert second.title == "Sel digabung dan isian"  # its caption
    assert [[c.value for c in row] for row in second.iter_rows()] == [
        ["Bagian", "Dua kolom", None],
        ["Gabung", "isi", "dua"],
        [None, "kotak", "terlihat"],
    ]
    assert {str(m) for m in second.merged_cells.ranges} == {"B1:C1", "A2:A3"}
    assert client.get("/uji/", {"xlsx": "3"}).status_code == 404  # data-no-export: not counted


def test_numbers_read_exactly_and_codes_never_become_numbers() -> None:
    for language in ("id", "en"):
        for value, decimals in ((0, 0), (7, 0), (1234.5, 1), (-98765.4321, 4), (10**14, 0),
                                (0.001, 3), (123456789.12, 2)):  # fmt: skip
            shown = format_number(value, language, decimals)
            assert tables.number(shown, language).value == value, (shown, language)
        for code in ("007", "0812-3456-7890", "3404134506900001", "34.01.01", "12a", "Rp", "%"):
            assert tables.number(code, language) is None, (code, language)
    assert tables.number("34.01", "id") is None  # not a grouping of three digits
    assert (
        tables.number("1.234", "id").value == 1234 and tables.number("1.234", "en").value == 1.234
    )
