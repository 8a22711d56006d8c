"""SIPD codes on programmes and the Renja/RKPD rows.

The codes: shape, nesting and the shipped list checked on hand examples and on every row of
the list; the programme form refuses a bad code naming it, and keeps a code the list does not
know only when the user says so, recording it. The Renja export: its rows and pagu against the
programme records (sums recomputed here from the Budget rows), the indicators and targets from
monev, bilingual headers, typed numbers, the audit, and who may download it.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from decimal import Decimal
from importlib import resources

import pytest
from openpyxl import load_workbook

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.monev.models import Indicator, ResultNode, Target
from sejahtera.workbench.programmes import sipd
from sejahtera.workbench.programmes.models import Budget, Programme, ProgrammeStatus
from sejahtera.workbench.regions.models import Region
from workbench_users import new_programme, signed_in

pytestmark = pytest.mark.django_db

PERLINJAMSOS = "Program Perlindungan dan Jaminan Sosial"
DATA_FAKIR_MISKIN = "Pengelolaan Data Fakir Miskin Cakupan Daerah Kabupaten/Kota"


# The codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("1.06", "bidang", "1"),
        ("1.06.05", "program", "1.06"),
        ("1.06.05.2.02", "kegiatan", "1.06.05"),
        ("1.06.05.2.02.0001", "sub_kegiatan", "1.06.05.2.02"),
        ("1.6.5", None, None),
        ("1.06.05.3.02", None, None),  # a kegiatan is 1 (province) or 2 (kabupaten/kota)
        ("1.06.05.2.02.001", None, None),
        ("1.06.05.2.02.0001.1", None, None),
    ],
)
def test_shape_and_parent(code: str, level: str | None, parent: str | None) -> None:
    assert sipd.level_of(code) == level
    if parent is not None:
        assert sipd.parent_of(code) == parent


def test_lookup_names_known_codes_and_none_for_others() -> None:
    assert sipd.name_of("1.06.05") == PERLINJAMSOS
    assert sipd.name_of(" 1.06.05.2.02 ") == DATA_FAKIR_MISKIN
    assert sipd.lookup("1.06.05.2.02.0001").name.startswith("Pendataan Fakir Miskin")
    assert sipd.lookup("1.06.05.2.02.0099") is None
    assert sipd.name_of("9.99.99") == ""


def test_check_refuses_bad_shapes_and_codes_outside_their_parent() -> None:
    good = sipd.check("1.06.05", "1.06.05.2.02", "1.06.05.2.02.0001")
    assert good.valid and good.unlisted == []
    assert sipd.check("", "", "").valid  # no codes yet: allowed (a draft)
    bad = sipd.check("1.6.5")
    assert "1.6.5" in bad.errors["program"] and "1.06.05" in bad.errors["program"]
    outside = sipd.check("1.06.05", "1.06.04.2.02", "1.06.04.2.02.0001")
    assert "1.06.04.2.02" in outside.errors["kegiatan"]
    assert "sub_kegiatan" not in outside.errors  # inside its own kegiatan
    orphan = sipd.check("", "1.06.05.2.02")
    assert "1.06.05.2.02" in orphan.errors["kegiatan"]
    unknown = sipd.check("1.06.05", "1.06.05.2.02", "1.06.05.2.02.0099")
    assert unknown.valid and unknown.unlisted == ["1.06.05.2.02.0099"]


def test_every_row_of_the_shipped_list_is_well_formed() -> None:
    path = resources.files("sejahtera").joinpath("resources/sipd/nomenclature.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    codes = {row["code"] for row in rows}
    assert len(codes) == len(rows), "a code is listed twice"
    for row in rows:
        assert re.fullmatch(
            {
                "bidang": r"\d\.\d\d",
                "program": r"\d\.\d\d\.\d\d",
                "kegiatan": r"\d\.\d\d\.\d\d\.[12]\.\d\d",
                "sub_kegiatan": r"\d\.\d\d\.\d\d\.[12]\.\d\d\.\d{4}",
            }[row["level"]],
            row["code"],
        ), row
        assert row["status"] in sipd.STATUSES, row
        assert row["name"].strip() == row["name"] and row["name"], row
        if row["level"] != "bidang":
            assert sipd.parent_of(row["code"]) in codes, row
        if row["status"] == "conflict":
            assert row["note"], row  # a conflict says with what


# The programme form ---------------------------------------------------------------------------


def _programme_form(**codes: str) -> dict[str, object]:
    return {"code": "bansos-daerah", "name": "Bansos Daerah", "status": "draft", **codes}


def test_a_bad_code_is_refused_naming_it_and_nothing_is_saved() -> None:
    head = signed_in("kepala")
    answer = head.post("/programmes/new/", _programme_form(sipd_program="1.6.5"))
    assert answer.status_code == 400
    assert "1.6.5" in answer.text and "1.06.05" in answer.text
    outside = _programme_form(sipd_program="1.06.05", sipd_kegiatan="1.06.04.2.02")
    answer = head.post("/programmes/new/", outside)
    assert answer.status_code == 400 and "1.06.04.2.02" in answer.text
    assert not Programme.objects.exists()


def test_an_unlisted_code_needs_the_users_word_and_is_recorded() -> None:
    head = signed_in("kepala")
    codes = {
        "sipd_program": "1.06.05",
        "sipd_kegiatan": "1.06.05.2.02",
        "sipd_sub_kegiatan": "1.06.05.2.02.0099",
    }
    refused = head.post("/programmes/new/", _programme_form(**codes))
    assert refused.status_code == 400
    assert "1.06.05.2.02.0099" in refused.text and "tidak lengkap" in refused.text
    assert not Programme.objects.exists()
    english = signed_in("kepala")
    english.cookies["django_language"] = "en"
    refused = english.post("/programmes/new/", _programme_form(**codes))
    assert refused.status_code == 400 and "The list is incomplete" in refused.text
    kept = head.post("/programmes/new/", _programme_form(**codes, sipd_unlisted_ok="on"))
    assert kept.status_code == 302
    programme = Programme.objects.get()
    assert programme.sipd_sub_kegiatan == "1.06.05.2.02.0099"
    assert programme.status == ProgrammeStatus.DRAFT
    event = AuditEvent.objects.get(action="sipd_code_unlisted")
    assert event.detail["codes"] == ["1.06.05.2.02.0099"]
    page = head.get("/programmes/bansos-daerah/").text
    assert PERLINJAMSOS in page and DATA_FAKIR_MISKIN in page
    assert "1.06.05.2.02.0099" in page and "tidak ada dalam daftar SIPD" in page


def test_editing_codes_keeps_the_status_when_the_form_leaves_it_out() -> None:
    programme = new_programme("pkh-daerah", "PKH Daerah", status=ProgrammeStatus.DRAFT)
    head = signed_in("kepala")
    edited = head.post(
        "/programmes/pkh-daerah/edit/",
        {"name": "PKH Daerah", "version": 1, "sipd_program": " 1.06.05 "},
    )
    assert edited.status_code == 302
    programme.refresh_from_db()
    assert programme.sipd_program == "1.06.05" and programme.status == ProgrammeStatus.DRAFT
    assert not AuditEvent.objects.filter(action="sipd_code_unlisted").exists()
    refused = head.post(
        "/programmes/pkh-daerah/edit/",
        {"name": "PKH Daerah", "version": 2, "sipd_program": "1.06.05", "sipd_kegiatan": "x"},
    )
    assert refused.status_code == 400 and "“x”" in refused.text


# The Renja export -----------------------------------------------------------------------------


@pytest.fixture
def planned() -> dict[str, Programme]:
    province = Region.objects.create(code="34", name="DI Yogyakarta", level="province")
    Region.objects.create(
        code="34.03", name="Kabupaten Gunungkidul", level="regency", parent=province
    )
    made = {
        "pangan": new_programme(
            "pangan", "Bantuan Pangan Daerah", owner_unit="Dinas Sosial",
            sipd_program="1.06.05", sipd_kegiatan="1.06.05.2.02",
            sipd_sub_kegiatan="1.06.05.2.02.0003",
        ),
        "pendataan": new_programme(
            "pendataan", "Pendataan Fakir Miskin", owner_unit="Bidang Linjamsos",
            sipd_program="1.06.05", sipd_kegiatan="1.06.05.2.02",
            sipd_sub_kegiatan="1.06.05.2.02.0001",
        ),
        "anak": new_programme(
            "anak", "Anak Terlantar", owner_unit="Bidang Rehsos", sipd_program="1.06.05",
            sipd_kegiatan="1.06.05.2.01",
        ),
        "lansia": new_programme(
            "lansia", "Rehabilitasi Lansia", sipd_program="1.06.04",
            sipd_kegiatan="1.06.04.2.01", sipd_sub_kegiatan="1.06.04.2.01.0001",
        ),
        "baru": new_programme("baru", "Program Baru"),
    }  # fmt: skip
    amounts = [
        ("pangan", 2026, "APBD", 1_250_000_000),
        ("pangan", 2026, "APBN", 400_000_000),
        ("pangan", 2025, "APBD", 999_000_000),  # another year: left out
        ("pendataan", 2026, "APBD", 175_500_000),
        ("pendataan", 2026, "other", 20_000_000),
        ("anak", 2026, "APBD", 90_000_000),
        ("lansia", 2026, "APBN", 310_000_000),
        ("baru", 2026, "APBD", 5_000_000),
    ]
    for code, year, source, amount in amounts:
        Budget.objects.create(programme=made[code], year=year, source=source, amount_rp=amount)
    impact = ResultNode.objects.create(programme=made["pangan"], level="impact", statement="x")
    covered = Indicator.objects.create(
        result=impact, code="IK-1", name="KPM menerima bantuan pangan", definition="-",
        unit="KK", baseline_value=Decimal(0), baseline_year=2024,
    )  # fmt: skip
    Target.objects.create(indicator=covered, period="2026", value=Decimal("12500"))
    Target.objects.create(indicator=covered, period="2025", value=Decimal("9000"))
    linked = Indicator.objects.create(
        result=impact, code="IK-2", name="Data fakir miskin dimutakhirkan", definition="-",
        unit="%", baseline_value=Decimal(40), baseline_year=2024,
        budget_programme=made["pendataan"],
    )  # fmt: skip
    Target.objects.create(indicator=linked, period="2026", value=Decimal("87.5"))
    return made


def _sheet_rows(content: bytes) -> tuple[list[str], list[dict[str, object]], list[list[object]]]:
    book = load_workbook(io.BytesIO(content))
    sheet = book["Renja"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = [str(h) for h in values[0]]
    rows = [dict(zip(header, row, strict=True)) for row in values[1:]]
    about = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
    return header, rows, about


def _column(header: list[str], english: str) -> str:
    (found,) = [h for h in header if h.endswith(f" / {english}") or h == english]
    return found


def test_the_renja_rows_equal_the_programme_records(planned: dict[str, Programme]) -> None:
    answer = signed_in("analyst").get("/programmes/renja/?year=2026&format=xlsx&location=34.03")
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == 'attachment; filename="renja-2026.xlsx"'
    header, rows, about = _sheet_rows(answer.content)
    # Bilingual headers: Indonesian, then English.
    assert "Kode SIPD / SIPD code" in header
    code_of, total_of = _column(header, "SIPD code"), _column(header, "Pagu total (Rp)")
    apbd, apbn = _column(header, "Pagu APBD (Rp)"), _column(header, "Pagu APBN (Rp)")
    other = _column(header, "Pagu other sources (Rp)")
    own = _column(header, "Workbench programme")
    # Expected sums, from the Budget rows of 2026, per workbench programme and per SIPD code.
    per_programme: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_code: dict[str, int] = defaultdict(int)
    for budget in Budget.objects.filter(year=2026).select_related("programme"):
        p = budget.programme
        per_programme[p.name][budget.source] += int(budget.amount_rp)
        for code in {p.sipd_program, p.sipd_kegiatan} - {""}:
            per_code[code] += int(budget.amount_rp)
    by_programme = {row[own]: row for row in rows if row[own]}
    assert set(by_programme) == {p.name for p in Programme.objects.all()}
    for name, funders in per_programme.items():
        row = by_programme[name]
        assert row[apbd] == funders["APBD"] and row[apbn] == funders["APBN"], name
        assert row[other] == funders["other"], name
        assert row[total_of] == sum(funders.values()), name
        assert isinstance(row[total_of], int)  # typed numbers, not text
    headings = {row[code_of]: row for row in rows if not row[own]}
    assert set(headings) == set(per_code)
    for code, total in per_code.items():
        assert headings[code][total_of] == total, code
    # Order: programme → kegiatan → sub-kegiatan, the uncoded programme last.
    order = [row[code_of] or row[own] for row in rows]
    assert order.index("1.06.05") < order.index("1.06.05.2.02") < order.index("1.06.05.2.02.0001")
    assert order.index("1.06.04") < order.index("1.06.05")
    assert order[-1] == "Program Baru"
    # Names from the nomenclature, indicators and the year's targets from monev, the unit.
    name_of = _column(header, "Programme / kegiatan / sub-kegiatan (nomenclature)")
    assert headings["1.06.05"][name_of] == PERLINJAMSOS
    pangan = by_programme["Bantuan Pangan Daerah"]
    indicators = pangan[_column(header, "Performance indicator")]
    assert indicators == "IK-1 KPM menerima bantuan pangan (KK)"  # IK-2 is pendataan's budget
    assert pangan[_column(header, "Target")] == "IK-1: 12.500 KK"  # 2026's, not 2025's
    pendataan = by_programme["Pendataan Fakir Miskin"]
    assert pendataan[_column(header, "Target")] == "IK-2: 87,5 %"  # linked to its budget
    assert pendataan[_column(header, "Responsible unit")] == "Bidang Linjamsos"
    assert pangan[_column(header, "Location")] == "34.03 Kabupaten Gunungkidul"
    assert "sub-kegiatan" in by_programme["Anak Terlantar"][_column(header, "Note")]
    assert about and any("Permendagri 86/2017" in str(row[1]) for row in about)
    event = AuditEvent.objects.get(action="renja_exported")
    assert event.detail == {"year": 2026, "format": "xlsx", "location": "34.03", "rows": len(rows)}


def test_the_renja_csv_has_the_same_rows(planned: dict[str, Programme]) -> None:
    client = signed_in("officer")
    xlsx = _sheet_rows(client.get("/programmes/renja/?year=2026&format=xlsx").content)[1]
    answer = client.get("/programmes/renja/?year=2026&format=csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(table) - 1 == len(xlsx)
    header = table[0]
    total = header.index(_column(header, "Pagu total (Rp)"))
    assert [int(row[total]) for row in table[1:]] == [
        row[_column(header, "Pagu total (Rp)")] for row in xlsx
    ]


@pytest.mark.parametrize(
    "query", ["year=1990&format=xlsx", "year=2026&format=pdf", "year=2026&format=xlsx&location=99"]
)
def test_a_bad_renja_request_says_what_is_wrong(planned, query: str) -> None:
    answer = signed_in("kepala").get(f"/programmes/renja/?{query}")
    assert answer.status_code == 400
    assert not AuditEvent.objects.filter(action="renja_exported").exists()


def test_only_the_office_downloads_the_renja(planned) -> None:
    url = "/programmes/renja/?year=2026&format=csv"
    assert signed_in("partner", "Yayasan A").get(url).status_code == 403
    assert signed_in("auditor").get(url).status_code == 200
    assert signed_in("kepala").post(url).status_code == 405
    listing = signed_in("kepala").get("/programmes/").text
    assert "/programmes/renja/" in listing
    assert "/programmes/renja/" not in signed_in("partner", "Yayasan A").get("/programmes/").text
