"""Grievances and SP4N-LAPOR!, and DTSEN update proposals from targeting grievances.

The category mapping both ways (read from its data file here, not from the code); the import of
a LAPOR! export: all or nothing, each problem naming its row and column, a report already stored
refused, personal data masked on the pages; the export and a round trip export → import; a
targeting grievance becoming a proposal, exported per kecamatan; who may do each.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from importlib import resources

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.grievances import lapor
from sejahtera.workbench.grievances.models import (
    Category,
    DtsenProposal,
    Grievance,
    GrievanceEvent,
    ProposalStatus,
    Status,
)
from sejahtera.workbench.regions.models import Region
from workbench_users import signed_in

pytestmark = pytest.mark.django_db
NOT_HANDLERS = ("analyst", "partner", "auditor")
HEADER = ["ID Tracking", "Tanggal Laporan", "Kategori", "Judul", "Isi Laporan", "Kode Wilayah",
          "Rahasia", "Nama Pelapor", "NIK", "No HP", "Alamat"]  # fmt: skip
NIK = "3404134506900001"


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    cache.clear()


@pytest.fixture
def areas() -> dict[str, Region]:
    province = Region.objects.create(code="34", name="DI Yogyakarta", level="province")
    regency = Region.objects.create(code="34.04", name="Sleman", level="regency", parent=province)
    depok = Region.objects.create(code="34.04.07", name="Depok", level="district", parent=regency)
    ngaglik = Region.objects.create(
        code="34.04.12", name="Ngaglik", level="district", parent=regency
    )
    village = Region.objects.create(
        code="34.04.07.2001", name="Caturtunggal", level="village", parent=depok
    )
    return {"depok": depok, "ngaglik": ngaglik, "caturtunggal": village}


def _csv(rows: list[list[object]], header: list[str] = HEADER) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile("lapor.csv", out.getvalue().encode("utf-8"), "text/csv")


def _xlsx(rows: list[list[object]], header: list[str] = HEADER) -> SimpleUploadedFile:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("lapor.xlsx", out.getvalue())


def _import(client, upload: SimpleUploadedFile):
    return client.post("/grievances/lapor/import/", {"file": upload})


# The mapping ------------------------------------------------------------------------------------


def _mapping_file() -> list[dict[str, str]]:
    path = resources.files("sejahtera").joinpath("resources/lapor/categories.csv")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_category_goes_to_lapor_and_back() -> None:
    rows = _mapping_file()
    exported = {row["workbench_category"]: row["lapor_category"] for row in rows
                if row["export"] == "yes"}  # fmt: skip
    assert set(exported) == set(Category.values)  # each category has one LAPOR! category
    for category, name in exported.items():
        assert lapor.to_lapor(category) == name
        assert lapor.from_lapor(name) == (category, True)
    for row in rows:  # every LAPOR! category of the file is read, exported or not
        assert lapor.from_lapor(row["lapor_category"]) == (row["workbench_category"], True)
        assert row["status"] in ("verified", "unverified")
    assert lapor.from_lapor("  bantuan   SOSIAL ") == ("targeting", True)
    assert lapor.from_lapor("Infrastruktur Jalan") == ("other", False)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("#1916449", "1916449"), ("1916449", "1916449"), (1916449, "1916449"),
     ("1916449.0", "1916449"), (" # 1916449 ", "1916449"), ("123", None), ("LAP-1", None),
     ("", None), (None, None), ("1234567890123", None)],
)  # fmt: skip
def test_tracking_ids(typed: object, stored: str | None) -> None:
    assert lapor.tracking_id(typed) == stored


# The import ------------------------------------------------------------------------------------


def test_a_lapor_file_becomes_grievances_with_personal_data_masked(areas) -> None:
    officer = signed_in("officer")
    rows = [
        ["#2000001", "2025-03-14", "Bantuan Sosial", "Tidak terdata",
         "Keluarga kami miskin tetapi tidak menerima PKH.", "34.04.07.2001", "Tidak",
         "Siti Rahayu", NIK, "0812-3456-7890", "Jl. Kaliurang 5"],
        ["2000002", "15/03/2025", "Pungutan Liar", "", "Ada potongan saat penyaluran BPNT.",
         "34.04.07", "Tidak", "", "", "", ""],
        ["2000003", "2025-03-16", "Infrastruktur Jalan", "", "Jalan ke kantor desa rusak berat.",
         "", "Ya", "", "", "", ""],
    ]  # fmt: skip
    answer = _import(officer, _csv(rows))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    stored = {g.lapor_id: g for g in Grievance.objects.all()}
    assert set(stored) == {"2000001", "2000002", "2000003"}
    first = stored["2000001"]
    assert first.channel == "lapor" and first.category == "targeting"
    assert first.lapor_category == "Bantuan Sosial"
    assert first.description == "Tidak terdata\n\nKeluarga kami miskin tetapi tidak menerima PKH."
    assert first.region_id == "34.04.07.2001" and first.received_on() == date(2025, 3, 14)
    assert (first.name, first.nik, first.phone) == ("Siti Rahayu", NIK, "081234567890")
    assert first.due_at - first.received_at == timedelta(days=14)  # the targeting SLA
    assert first.events.get().status == Status.RECEIVED
    # Misconduct is sensitive by default; "Rahasia: Ya" makes a grievance sensitive.
    assert stored["2000002"].category == "misconduct" and stored["2000002"].sensitive
    assert stored["2000003"].category == "other" and stored["2000003"].sensitive
    listing = officer.get("/grievances/")
    page = listing.content.decode()
    assert "S. R." in page and "Siti Rahayu" not in page and NIK not in page
    assert "Infrastruktur Jalan" in page  # the message about the unknown category
    detail = officer.get(f"/grievances/{first.pk}/").content.decode()
    assert "#2000001" in detail and NIK not in detail and "Kaliurang" not in detail
    event = AuditEvent.objects.get(action="lapor_imported")
    assert event.detail["rows"] == 3 and event.detail["file"] == "lapor.csv"
    assert event.detail["unknown_categories"] == {"Infrastruktur Jalan": 1}
    assert AuditEvent.objects.filter(action="grievance_created").count() == 3


def test_a_bad_row_stores_nothing_and_the_message_names_row_and_column(areas) -> None:
    officer = signed_in("officer")
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    rows = [
        ["2000011", "2025-03-14", "Bantuan Sosial", "", "Tidak menerima bantuan sembako.",
         "", "Tidak", "", "", "", ""],
        ["2000012", "14 Maret", "Bantuan Sosial", "", "Tidak menerima bantuan sembako.",
         "", "Tidak", "", "", "", ""],
        ["2000013", "2025-03-14", "Bantuan Sosial", "", "Tidak menerima bantuan sembako.",
         "", "Tidak", "", "3404131306", "", ""],
        ["abc", future, "", "", "pendek", "99.99", "mungkin", "", "", "", ""],
    ]  # fmt: skip
    answer = _import(officer, _xlsx(rows))
    assert answer.status_code == 400
    assert not Grievance.objects.exists() and not GrievanceEvent.objects.exists()
    assert not AuditEvent.objects.filter(action="lapor_imported").exists()
    problems = _problems(answer.content.decode())
    assert ("3", "Tanggal Laporan") in problems and "14 Maret" in problems["3", "Tanggal Laporan"]
    assert ("4", "NIK") in problems and "3404131306" not in problems["4", "NIK"]
    for column in ("ID Tracking", "Tanggal Laporan", "Kategori", "Isi Laporan", "Kode Wilayah",
                   "Rahasia"):  # fmt: skip
        assert ("5", column) in problems, column
    assert ("2", "ID Tracking") not in problems  # the good row has none


def _problems(page: str) -> dict[tuple[str, str], str]:
    """The problems table of the import page: (row, column) → message."""
    import re

    cells = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    return {(row, column): message for row, column, message in cells}


def test_a_report_already_stored_or_given_twice_is_refused(areas) -> None:
    officer = signed_in("officer")
    good = ["2000021", "2025-03-14", "Bantuan Sosial", "", "Tidak menerima bantuan sembako.",
            "", "Tidak", "", "", "", ""]  # fmt: skip
    assert _import(officer, _csv([good])).status_code == 302
    stored = Grievance.objects.get()
    again = _import(officer, _csv([[*good[:1], "2025-03-20", *good[2:]]]))
    assert again.status_code == 400
    message = _problems(again.content.decode())["2", "ID Tracking"]
    assert "2000021" in message and stored.code in message
    twice = ["2000022", *good[1:]]
    answer = _import(officer, _csv([twice, twice]))
    assert answer.status_code == 400
    assert "2" in _problems(answer.content.decode())["3", "ID Tracking"]
    assert Grievance.objects.count() == 1


def test_a_file_without_the_needed_columns_is_refused_naming_them() -> None:
    officer = signed_in("kepala")
    answer = _import(officer, _csv([["1", "2"]], header=["Nomor", "Tanggal"]))
    assert answer.status_code == 400
    problems = _problems(answer.content.decode())
    assert {("1", "ID Tracking"), ("1", "Kategori"), ("1", "Isi Laporan")} <= set(problems)
    assert ("1", "Tanggal Laporan") not in problems  # "Tanggal" is one of its names
    broken = SimpleUploadedFile("lapor.xlsx", b"PK\x03\x04 not a workbook")
    answer = _import(officer, broken)
    assert answer.status_code == 400 and "lapor.xlsx" in answer.content.decode()
    assert not Grievance.objects.exists()


# The export and the round trip -------------------------------------------------------------------


def _every_category(areas) -> list[Grievance]:
    made = []
    for number, category in enumerate(Category.values):
        grievance = Grievance.objects.create(
            channel="lapor", category=category, description=f"Pengaduan nomor {number} tentang "
            f"{category}.", lapor_id=f"30000{number}0", region=areas["depok"],
            received_at=timezone.make_aware(timezone.datetime(2025, 4, 1 + number, 12)),
            name="Budi Santoso", nik=NIK, sensitive=category == "misconduct",
        )  # fmt: skip
        GrievanceEvent.objects.create(grievance=grievance, status=Status.RECEIVED)
        made.append(grievance)
    return made


def _kept(grievance: Grievance) -> tuple[object, ...]:
    return (grievance.lapor_id, grievance.category, grievance.description,
            grievance.received_on(), grievance.region_id, grievance.sensitive)  # fmt: skip


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_export_then_import_gives_the_same_grievances(areas, form: str) -> None:
    made = _every_category(areas)
    before = {_kept(g) for g in made}
    kepala = signed_in("kepala")
    answer = kepala.get(f"/grievances/lapor/export/?format={form}")
    assert answer.status_code == 200
    content = answer.content
    if form == "xlsx":
        rows = [
            list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
        ]
    else:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["ID Tracking", "Tanggal Laporan", "Kategori"]
    by_id = {row[0]: row for row in rows[1:]}
    for grievance in made:
        row = by_id[f"#{grievance.lapor_id}"]
        assert row[2] == lapor.to_lapor(grievance.category)
        assert row[header.index("Kode Pelacakan Sejahtera")] == grievance.tracking_code
    text = "\n".join(str(cell) for row in rows for cell in row)
    assert NIK not in text and "Budi Santoso" not in text  # no personal data
    assert AuditEvent.objects.get(action="lapor_exported").detail == {"format": form, "rows": 5}
    GrievanceEvent.objects.all().delete()
    Grievance.objects.all().delete()
    upload = SimpleUploadedFile(f"back.{form}", content)
    assert _import(kepala, upload).status_code == 302
    assert {_kept(g) for g in Grievance.objects.all()} == before


def test_only_the_roles_that_handle_grievances_import_and_export(areas) -> None:
    for role in NOT_HANDLERS:
        client = signed_in(role, "Yayasan A" if role == "partner" else "")
        for url in ("/grievances/lapor/import/", "/grievances/lapor/export/",
                    "/grievances/dtsen/", "/grievances/dtsen/export/"):  # fmt: skip
            assert client.get(url).status_code == 403, (role, url)
        assert client.post("/grievances/dtsen/sent/").status_code == 403
    assert signed_in("kepala").delete("/grievances/lapor/import/").status_code == 405
    anonymous = signed_in("kepala")
    anonymous.logout()
    assert anonymous.get("/grievances/lapor/export/").status_code == 302


# DTSEN update proposals ---------------------------------------------------------------------------


def _targeting(areas, **fields: object) -> Grievance:
    values = {
        "channel": "walk_in",
        "category": "targeting",
        "region": areas["caturtunggal"],
        "description": "Keluarga kami layak tetapi dicoret dari daftar.",
        **fields,
    }
    grievance = Grievance.objects.create(**values)
    GrievanceEvent.objects.create(grievance=grievance, status=Status.RECEIVED)
    return grievance


def test_a_targeting_grievance_becomes_a_proposal_and_is_exported(areas) -> None:
    officer = signed_in("officer")
    left_out = _targeting(areas)
    included = _targeting(areas, region=areas["ngaglik"])
    page = officer.get(f"/grievances/{left_out.pk}/").content.decode()
    assert f"/grievances/{left_out.pk}/dtsen/" in page
    usulan = {"kind": "usulan", "household_id": "", "area": "34.04.07.2001",
              "reason": "Kepala keluarga kehilangan pekerjaan; belum terdata."}  # fmt: skip
    assert officer.post(f"/grievances/{left_out.pk}/dtsen/", usulan).status_code == 302
    sanggahan = {"kind": "sanggahan", "household_id": "3404120000001234", "area": "34.04.12",
                 "reason": "Rumah tangga mampu, memiliki mobil."}  # fmt: skip
    assert officer.post(f"/grievances/{included.pk}/dtsen/", sanggahan).status_code == 302
    first = DtsenProposal.objects.get(grievance=left_out)
    assert (first.kind, first.regency_code, first.district_code, first.village_code) == (
        "usulan",
        "34.04",
        "34.04.07",
        "34.04.07.2001",
    )
    assert first.made_by == officer.user and first.status == ProposalStatus.PENDING
    assert AuditEvent.objects.filter(action="dtsen_proposal_made").count() == 2
    # The pages mask the household identifier; the file for a kecamatan has it whole.
    listing = officer.get("/grievances/dtsen/").content.decode()
    assert "3404120000001234" not in listing and "1234" in listing
    ngaglik = officer.get("/grievances/dtsen/export/?status=pending&district=34.04.12&format=xlsx")
    assert ngaglik.status_code == 200
    sheet = load_workbook(io.BytesIO(ngaglik.content))["DTSEN"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(rows) == 2  # the header and Ngaglik's one proposal
    assert "3404120000001234" in rows[1] and included.tracking_code in rows[1]
    assert "34.04.12 Ngaglik" in rows[1]
    every = officer.get("/grievances/dtsen/export/?status=pending&format=csv")
    table = list(csv.reader(io.StringIO(every.content.decode("utf-8-sig"))))
    # Sorted by kecamatan: Depok (34.04.07) before Ngaglik (34.04.12).
    assert [row[6] for row in table[1:]] == [left_out.tracking_code, included.tracking_code]
    exported = AuditEvent.objects.filter(action="dtsen_proposals_exported")
    assert exported.count() == 2
    # Marked as sent, they leave the pending file.
    assert officer.post("/grievances/dtsen/sent/", {"district": "34.04.12"}).status_code == 302
    assert DtsenProposal.objects.get(grievance=included).status == ProposalStatus.SENT
    assert AuditEvent.objects.get(action="dtsen_proposals_sent").detail["district"] == "34.04.12"
    sent_page = officer.get("/grievances/dtsen/?status=sent&district=34.04.12").text
    assert included.tracking_code in sent_page and "/grievances/dtsen/sent/" not in sent_page
    pending = officer.get("/grievances/dtsen/export/?status=pending&format=csv")
    assert len(list(csv.reader(io.StringIO(pending.content.decode("utf-8-sig"))))) == 2


def test_proposals_that_cannot_be_made_are_refused(areas) -> None:
    officer = signed_in("kepala")
    grievance = _targeting(areas)
    no_household = {"kind": "sanggahan", "household_id": "", "area": "34.04.07",
                    "reason": "Mampu."}  # fmt: skip
    answer = officer.post(f"/grievances/{grievance.pk}/dtsen/", no_household)
    assert answer.status_code == 400 and "sanggahan" in answer.content.decode()
    good = {**no_household, "household_id": "HH-1"}
    assert officer.post(f"/grievances/{grievance.pk}/dtsen/", good).status_code == 302
    assert officer.post(f"/grievances/{grievance.pk}/dtsen/", good).status_code == 400  # twice
    payment = _targeting(areas, category="payment")
    assert f"/grievances/{payment.pk}/dtsen/" not in officer.get(f"/grievances/{payment.pk}/").text
    assert officer.post(f"/grievances/{payment.pk}/dtsen/", good).status_code == 400
    assert DtsenProposal.objects.count() == 1
    analyst = signed_in("analyst")
    assert analyst.post(f"/grievances/{grievance.pk}/dtsen/", good).status_code == 403
    bad = officer.get("/grievances/dtsen/export/?status=nonsense")
    assert bad.status_code == 400
