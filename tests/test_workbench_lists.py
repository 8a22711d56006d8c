"""Beneficiary lists in the browser: search, filters, sorting and paging, and the masked XLSX and
CSV exports, against a list built here whose expected answers are worked out in the test from
the records themselves (region names read from the registry's CSV, masks written out)."""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.programmes.lists import ListFilter, listed
from sejahtera.workbench.programmes.models import (
    Beneficiary,
    ChangeRequest,
    Cycle,
    CycleStatus,
)
from workbench_users import new_programme, signed_in, user_with

pytestmark = pytest.mark.django_db
VILLAGES = [  # kabupaten/kota, kecamatan, desa/kelurahan
    "34.01.01.2001",  # Kulon Progo, Temon, Jangkaran
    "34.01.02.1008",  # Kulon Progo, Wates, Wates
    "34.01.02.2001",  # Kulon Progo, Wates, Karangwuni
    "34.04.01.2001",  # Sleman, Gamping, Balecatur
    "34.04.02.2002",  # Sleman, Godean, Sidoluhur
    "34.71.02.1001",  # Kota Yogyakarta, Jetis, Bumijo
    "34.71.01.1003",  # Kota Yogyakarta, Tegalrejo, Tegalrejo
]


def names() -> dict[str, str]:
    """Region names straight from the registry's CSV."""
    source = resources.files("sejahtera").joinpath("resources/regions/regions.csv")
    with source.open(encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def masked(household: str) -> str:
    return "*" * (len(household) - 4) + household[-4:]


@pytest.fixture
def lists(settings, tmp_path: Path) -> SimpleNamespace:
    """A frozen list of 120 households over seven desa, desil 1–6, four amounts; one household
    added and one amended by approved changes, one with a change pending."""
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATA_FOLDER = tmp_path
    food = new_programme("pangan", "Bantuan Pangan", ("Yayasan A",))
    cycle = Cycle.objects.create(
        programme=food, name="2025 tahap 1", period="2025-01", benefit="sembako",
        status=CycleStatus.FROZEN,
    )  # fmt: skip
    draw = random.Random(7)
    for number in range(120):
        village = draw.choice(VILLAGES)
        Beneficiary.objects.create(
            cycle=cycle,
            household_id=f"34{number * 7919 % 10**10:010d}",
            region_code=village[:5],
            district_code=village[:8],
            village_code=village,
            desil=draw.randint(1, 6),
            amount_rp=draw.choice([100_000, 200_000, 300_000, 400_000]),
        )
    ids = list(Beneficiary.objects.order_by("pk").values_list("household_id", flat=True))
    maker, checker = user_with("officer"), user_with("kepala")
    for kind, household, status in [
        ("add", ids[0], "approved"),
        ("amend", ids[1], "approved"),
        ("remove", ids[2], "pending"),
        ("amend", ids[3], "rejected"),
    ]:
        ChangeRequest.objects.create(
            cycle=cycle, kind=kind, household_id=household, reason="uji", maker=maker,
            checker=checker, status=status, amount_rp=1 if kind != "remove" else None,
        )  # fmt: skip
    return SimpleNamespace(cycle=cycle, ids=ids, names=names())


def everyone(cycle: Cycle) -> list[Beneficiary]:
    return list(Beneficiary.objects.filter(cycle=cycle))


def found(cycle: Cycle, **asked: object) -> list[str]:
    return [b.household_id for b in listed(cycle, ListFilter(**asked))]


def test_search_by_whole_identifier_or_area_name(lists) -> None:
    cycle, ids = lists.cycle, lists.ids
    assert found(cycle, search=ids[5]) == [ids[5]]
    assert found(cycle, search=ids[5][:-1]) == []  # never a part of an identifier
    for words in ("jetis", "WATES", "Tegal", "sido luhur", "Balecatur"):
        wanted = " ".join(words.split()).casefold()
        expected = {
            b.household_id
            for b in everyone(cycle)
            if wanted in lists.names[b.district_code].casefold()
            or wanted in lists.names[b.village_code].casefold()
        }
        assert set(found(cycle, search=words)) == expected, words
    assert found(cycle, search="Sidoluhur") and found(cycle, search="sido luhur") == []


def test_filters_return_exactly_the_matching_households(lists) -> None:
    cycle, ids = lists.cycle, lists.ids
    rows = everyone(cycle)
    cases = [
        ({"regency": "34.04"}, lambda b: b.region_code == "34.04"),
        ({"district": "34.01.02"}, lambda b: b.district_code == "34.01.02"),
        ({"desil": 3}, lambda b: b.desil == 3),
        ({"amount_min": Decimal(200_000)}, lambda b: b.amount_rp >= 200_000),
        ({"amount_max": Decimal(200_000)}, lambda b: b.amount_rp <= 200_000),
        (
            {"regency": "34.01", "desil": 2, "amount_min": Decimal(150_000),
             "amount_max": Decimal(350_000)},
            lambda b: b.region_code == "34.01" and b.desil == 2
            and 150_000 <= b.amount_rp <= 350_000,
        ),
    ]  # fmt: skip
    for asked, keep in cases:
        assert set(found(cycle, **asked)) == {b.household_id for b in rows if keep(b)}, asked
    assert found(cycle, change="added") == [ids[0]]
    assert found(cycle, change="amended") == [ids[1]]
    assert found(cycle, change="pending") == [ids[2]]  # a rejected request changes nothing
    assert set(found(cycle, change="unchanged")) == set(ids) - {ids[0], ids[1]}


def test_sorting(lists) -> None:
    rows = everyone(lists.cycle)
    by_amount = found(lists.cycle, sort="-amount")
    assert by_amount == [
        b.household_id for b in sorted(rows, key=lambda b: (-b.amount_rp, b.household_id))
    ]
    by_desil = found(lists.cycle, sort="desil")
    assert by_desil == [
        b.household_id for b in sorted(rows, key=lambda b: (b.desil, b.household_id))
    ]
    by_area = found(lists.cycle)
    assert by_area == [
        b.household_id
        for b in sorted(rows, key=lambda b: (b.region_code, b.district_code, b.village_code,
                                             b.household_id))
    ]  # fmt: skip


def test_the_page_searches_pages_and_masks(lists) -> None:
    cycle = lists.cycle
    url = f"/programmes/cycles/{cycle.pk}/"
    client = signed_in("analyst")
    asked = {"amount_min": "200000", "sort": "household"}
    expected = sorted(b.household_id for b in everyone(cycle) if b.amount_rp >= 200_000)
    assert len(expected) > 50  # two pages
    page = client.get(url, asked)
    assert page.status_code == 200
    assert [row.household for row in page.context["rows"]] == [masked(h) for h in expected][:50]
    html = page.content.decode()
    assert f"{len(expected)} dari 120 rumah tangga" in html
    assert not any(h in html for h in lists.ids)  # masked
    assert "amount_min=200000&amp;sort=household&amp;page=2" in html  # the filter kept
    second = client.get(url, {**asked, "page": 2})
    assert [r.household for r in second.context["rows"]] == [masked(h) for h in expected][50:]
    kulon_progo = client.get(url, {"regency": "34.01"}).content.decode()
    kulon_progo = kulon_progo[kulon_progo.index('id="beneficiaries"') :]
    assert "<td>Kabupaten Kulon Progo</td>" in kulon_progo and "<td>34.01" not in kulon_progo
    assert "<td>Kota Yogyakarta</td>" not in kulon_progo
    revealed = signed_in("officer").post(f"{url}reveal/?amount_min=200000&sort=household")
    assert [row.household for row in revealed.context["rows"]] == expected[:50]
    assert AuditEvent.objects.filter(action="personal_data_viewed").count() == 1


@pytest.mark.parametrize(
    "asked",
    [{"desil": "11"}, {"regency": "99.99"}, {"amount_min": "-5"}, {"amount_min": "banyak"},
     {"amount_min": "300000", "amount_max": "100000"}, {"change": "deleted"}, {"sort": "nik"}],
)  # fmt: skip
def test_a_bad_filter_says_what_is_wrong_and_lists_nothing(lists, asked: dict) -> None:
    page = signed_in("analyst").get(f"/programmes/cycles/{lists.cycle.pk}/", asked)
    assert page.status_code == 400 and page.context["rows"] == []
    assert page.context["search"].errors and "errorlist" in page.content.decode()


def export(client, cycle: Cycle, form: str, query: str = "") -> bytes:
    started = client.post(f"/programmes/cycles/{cycle.pk}/export/?{query}", {"format": form})
    assert started.status_code == 302
    job = Job.objects.filter(kind="beneficiaries.export").first()
    assert job.state == "done", job.error
    download = client.get(f"/programmes/exports/{job.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attach")
    return b"".join(download.streaming_content)


def test_the_xlsx_export_is_the_filtered_masked_list(lists) -> None:
    cycle, names = lists.cycle, lists.names
    client = signed_in("officer")
    client.post(f"/programmes/cycles/{cycle.pk}/reveal/")  # revealing the page…
    content = export(client, cycle, "xlsx", "regency=34.71&desil=&sort=-amount")
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[:6] == ["Rumah tangga (disamarkan)", "Kabupaten/kota", "Kecamatan",
                          "Desa/kelurahan", "Desil", "Jumlah (Rp)"]  # fmt: skip
    chosen = sorted(
        (b for b in everyone(cycle) if b.region_code == "34.71"),
        key=lambda b: (-b.amount_rp, b.household_id),
    )
    change = {lists.ids[0]: "Ditambah lewat perubahan", lists.ids[1]: "Jumlah diubah",
              lists.ids[2]: "Perubahan menunggu"}  # fmt: skip
    assert body == [
        [masked(b.household_id), names[b.region_code], names[b.district_code],
         names[b.village_code], b.desil, int(b.amount_rp),
         change.get(b.household_id, "Sesuai hasil pembuatan"), b.village_code]
        for b in chosen
    ]  # fmt: skip
    about = dict(book.worksheets[1].iter_rows(values_only=True))
    assert about["Baris"] == str(len(chosen)) and "regency: 34.71" in about["Filter"]
    assert not any(h.encode() in content for h in lists.ids)  # …never reveals the export
    exported = AuditEvent.objects.get(action="beneficiaries_exported")
    assert exported.detail == {
        "format": "xlsx",
        "filter": {"regency": "34.71", "sort": "-amount"},
        "rows": len(chosen),
        "job": Job.objects.get(kind="beneficiaries.export").pk,
    }
    assert AuditEvent.objects.filter(action="export_downloaded").count() == 1


def test_the_csv_export(lists) -> None:
    cycle = lists.cycle
    content = export(signed_in("auditor"), cycle, "csv", "change=added")
    assert content.startswith(b"\xef\xbb\xbf")  # a byte-order mark: spreadsheets read UTF-8
    header, *body = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert header[0] == "Rumah tangga (disamarkan)"
    added = Beneficiary.objects.get(cycle=cycle, household_id=lists.ids[0])
    assert body == [[masked(added.household_id), lists.names[added.region_code],
                     lists.names[added.district_code], lists.names[added.village_code],
                     str(added.desil), str(int(added.amount_rp)), "Ditambah lewat perubahan",
                     added.village_code]]  # fmt: skip
    assert AuditEvent.objects.get(action="beneficiaries_exported").detail["rows"] == 1


def test_a_partner_cannot_export(lists) -> None:
    cycle = lists.cycle
    partner = signed_in("partner", "Yayasan A")
    assert partner.get(f"/programmes/cycles/{cycle.pk}/").status_code == 200  # it sees the list
    assert (
        partner.post(f"/programmes/cycles/{cycle.pk}/export/", {"format": "xlsx"}).status_code
        == 403
    )
    export(signed_in("kepala"), cycle, "xlsx")
    job = Job.objects.get(kind="beneficiaries.export")
    assert partner.get(f"/programmes/exports/{job.pk}/").status_code == 403
    assert AuditEvent.objects.filter(action="export_downloaded").count() == 1  # the head's


def test_an_export_asked_wrongly_changes_nothing(lists) -> None:
    client = signed_in("officer")
    url = f"/programmes/cycles/{lists.cycle.pk}/export/"
    assert client.get(url).status_code == 405
    assert client.post(url, {"format": "pdf"}).status_code == 400
    assert client.post(f"{url}?desil=99", {"format": "xlsx"}).status_code == 400
    assert not Job.objects.exists() and not AuditEvent.objects.exists()


def test_a_download_is_its_owners_or_the_office_and_gone_once_removed(lists, settings) -> None:
    export(signed_in("officer"), lists.cycle, "csv")
    job = Job.objects.get(kind="beneficiaries.export")
    assert signed_in("analyst").get(f"/programmes/exports/{job.pk}/").status_code == 200
    for file in (Path(settings.DATA_FOLDER) / "exports").iterdir():
        file.unlink()
    gone = signed_in("officer").get(f"/programmes/exports/{job.pk}/")
    assert gone.status_code == 410 and "Ekspor lagi" in gone.content.decode()
    assert signed_in("officer").get("/programmes/exports/999999/").status_code == 404
