"""The needs explorer (workbench/needs) and GET /api/needs/ID: the web gives the figures the CLI
prints for the same data, P0 agrees with a plain numpy computation, exports hold the same rows,
and who may see what follows the policy table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from django.test import Client
from openpyxl import load_workbook

from sejahtera.cli import main
from sejahtera.data.dataset import Dataset as DataFolder
from sejahtera.data.regions import registry
from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.core.tokens import issue
from sejahtera.workbench.datasets import services
from sejahtera.workbench.needs.models import Figures
from workbench_users import signed_in, user_with

pytestmark = pytest.mark.django_db
CLI_FIELDS = ("indicator", "estimate", "se", "ci_low", "ci_high", "n", "population")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic DI Yogyakarta of 1,500 households (every kecamatan has a few)."""
    return synthesise(SynthOptions("34", 1500, seed=11), tmp_path_factory.mktemp("n") / "diy").path


@pytest.fixture
def version(settings, tmp_path: Path, small: Path):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    return services.register(small, name="Registri DIY").version


def cli(*arguments: str) -> list[dict]:
    result = CliRunner().invoke(main, [*arguments, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def api(path: str, role: str = Role.ANALYST):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {issue(user_with(role))}")


def by_code(rows: list[dict], column: str) -> dict[str, dict]:
    return {row[column]: row for row in rows}


# -- the same figures as the CLI ---------------------------------------------------------------


def test_the_api_gives_the_rows_of_sejahtera_measure_json(version, small) -> None:
    answer = api(f"/api/needs/{version.pk}?indicator=fgt0&by=district_code")
    assert answer.status_code == 200, answer.content
    rows = answer.json()["rows"]
    expected = cli("measure", str(small), "--by", "district_code", "--indicators", "fgt0")
    assert len(rows) == len(expected) > 20
    for row, printed in zip(rows, expected, strict=True):
        assert {key: row[key] for key in printed} == printed
        assert row["name"] == registry().name(printed["district_code"])
        assert row["reliability"] in ("ok", "few_rows", "caution", "unreliable")


def test_p0_by_kabupaten_agrees_with_numpy(version, small) -> None:
    """P0 recomputed by hand: persons (weight × members) in households below their line."""
    data = DataFolder.open(small)
    households, persons = data.households(), data.persons(["household_id"])
    members = persons.groupby("household_id").size()
    people = households["weight"].to_numpy() * households["household_id"].map(members).to_numpy()
    poor = households["consumption_pc"].to_numpy() < households["poverty_line"].to_numpy()
    rows = by_code(api(f"/api/needs/{version.pk}?by=kabupaten").json()["rows"], "regency_code")
    codes = households["regency_code"].astype(str).to_numpy()
    assert set(rows) == set(codes)
    for code in set(codes):
        inside = codes == code
        p0 = np.sum(people[inside] * poor[inside]) / np.sum(people[inside])
        assert rows[code]["estimate"] == pytest.approx(p0, rel=1e-12)
        assert rows[code]["n"] == int(inside.sum())


def test_a_group_filter_keeps_the_clis_rows_of_that_group(version, small) -> None:
    answer = api(f"/api/needs/{version.pk}?indicator=fgt1&by=regency_code,urban&urban=false")
    rows = answer.json()["rows"]
    printed = cli("measure", str(small), "--by", "regency_code,urban", "--indicators", "fgt1")
    rural = [row for row in printed if row["urban"] is False]
    assert rural and [{k: r[k] for k in rural[0]} for r in rows] == rural


def test_mpi_rows_are_those_of_sejahtera_mpi_json(version, small) -> None:
    rows = api(f"/api/needs/{version.pk}?indicator=mpi_M0&by=regency_code").json()["rows"]
    printed = [
        row
        for row in cli("mpi", str(small), "--spec", "global", "--by", "regency_code")
        if row["indicator"] == "mpi_M0"
    ]
    assert [{k: r[k] for k in printed[0]} for r in rows] == printed


def test_poor_reached_by_no_programme_counts_poor_people_in_unreached_households(
    version, small
) -> None:
    from sejahtera.data.frame import household_frame
    from sejahtera.report.profile import today

    data = DataFolder.open(small)
    persons = data.persons()
    frame = household_frame(data, persons)
    receipt = today("indonesia", persons, frame, data)
    reached = np.logical_or.reduce(list(receipt.values()))
    missed = (frame["consumption_pc"] < frame["poverty_line"]).to_numpy() & ~reached
    people = frame["weight"].to_numpy() * frame["size"].to_numpy()
    rows = api(f"/api/needs/{version.pk}?indicator=unreached_poor&by=kabupaten").json()["rows"]
    codes = frame["regency_code"].astype(str).to_numpy()
    for row in rows:
        inside = codes == row["regency_code"]
        assert row["estimate"] == pytest.approx(np.sum(people[inside] * missed[inside]))
        assert row["population"] == pytest.approx(np.sum(people[inside]))
        assert row["ci_low"] <= row["estimate"] <= row["ci_high"] and row["se"] >= 0
    assert sum(row["estimate"] for row in rows) > 0


# -- the page ----------------------------------------------------------------------------------


def test_the_page_shows_a_map_a_ranked_table_with_names_and_a_trend(version) -> None:
    page = signed_in(Role.KEPALA).get(f"/needs/?version={version.pk}&level=kabupaten")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="sejahtera-map"' in html or "sejahtera-map" in html
    assert "Kabupaten Gunungkidul" in html and "Kota Yogyakarta" in html
    assert "P0: persentase penduduk miskin" in html  # Indonesian first
    assert "Tren dan pembanding" in html and "sejahtera-xy" in html  # BPS series drawn
    assert "needs/needs.js" in html and "needs/needs.css" in html  # shipped, no CDN
    assert "https://cdn" not in html and "unpkg" not in html
    rows = api(f"/api/needs/{version.pk}?by=kabupaten").json()["rows"]
    first = max(rows, key=lambda r: r["estimate"])
    table = html[html.index("<tbody>") :]
    assert table.index(first["name"]) < min(
        table.index(r["name"]) for r in rows if r is not first
    )  # ranked, highest first
    tips = json.loads(html.split('id="needs-tips" type="application/json">')[1].split("<")[0])
    assert set(tips) == {r["regency_code"] for r in rows}
    assert {"name", "value", "interval", "n", "flag_label"} <= set(next(iter(tips.values())))


def test_the_page_speaks_english_too(version) -> None:
    client = signed_in(Role.ANALYST)
    client.cookies["django_language"] = "en"
    html = client.get(f"/needs/?version={version.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Needs explorer" in html and "Ranked areas" in html


def test_figures_are_measured_once_and_kept(version) -> None:
    client = signed_in(Role.OFFICER)
    for _ in range(2):
        assert client.get(f"/needs/?version={version.pk}&indicator=gini").status_code == 200
    assert Job.objects.filter(kind="needs.measure").count() == 1
    assert Figures.objects.filter(version=version, key__startswith="gini|").count() == 1


def test_figures_still_being_measured_show_their_progress_and_the_api_says_202(version) -> None:
    Job.objects.create(
        kind="needs.measure",
        title="x",
        owner=user_with(Role.KEPALA),
        object_type="DatasetVersion",
        object_id=str(version.pk),
        arguments={"key": "fgt2|district_code|"},
    )
    page = signed_in(Role.KEPALA).get(f"/needs/?version={version.pk}&indicator=fgt2")
    assert page.status_code == 200 and b"needs-waiting" in page.content
    answer = api(f"/api/needs/{version.pk}?indicator=fgt2")
    assert answer.status_code == 202 and answer.json()["rows"] == []
    assert answer.json()["state"] == "queued" and answer.json()["job"]


def test_a_failed_measurement_is_shown_and_measured_again_only_when_asked(version) -> None:
    failed = Job.objects.create(
        kind="needs.measure",
        title="x",
        owner=user_with(Role.KEPALA),
        object_type="DatasetVersion",
        object_id=str(version.pk),
        arguments={"key": "fgt0|regency_code|urban=true"},
        state="failed",
        error="Disk penuh.",
    )
    client = signed_in(Role.KEPALA)
    address = f"/needs/?version={version.pk}&level=regency_code&urban=true"
    page = client.get(address).content.decode()
    assert "Disk penuh." in page and "Hitung ulang" in page
    assert Job.objects.filter(kind="needs.measure").count() == 1  # a visit does not retry
    posted = client.post(
        "/needs/measure/",
        {"version": version.pk, "level": "regency_code", "urban": "true"},
    )
    assert posted.status_code == 302 and "urban=true" in posted["Location"]
    assert Job.objects.filter(kind="needs.measure").exclude(pk=failed.pk).get().state == "done"
    page = client.get(address).content.decode()
    assert "Perkotaan" in page and "Kabupaten Sleman" in page and "needs-waiting" not in page
    assert signed_in(Role.PARTNER, "Yayasan A").post("/needs/measure/").status_code == 403
    assert client.get("/needs/measure/").status_code == 405


# -- exports -----------------------------------------------------------------------------------


def test_csv_and_xlsx_exports_open_and_hold_the_same_rows(version) -> None:
    rows = api(f"/api/needs/{version.pk}?by=district_code").json()["rows"]
    client = signed_in(Role.ANALYST)
    query = f"/needs/export/?version={version.pk}&level=district_code&what=figures"
    as_csv = client.get(query + "&format=csv")
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    read = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    header, body = read[0], read[1:]
    assert header[1] == "Kode wilayah" and header[2] == "Kecamatan"
    as_xlsx = client.get(query + "&format=xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).worksheets[0]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [str(c) for c in cells[0]] == header and len(cells) - 1 == len(body) == len(rows)
    expected = by_code(rows, "district_code")
    estimate = header.index("Estimasi")
    for line, cells_row in zip(body, cells[1:], strict=True):
        row = expected[line[1]]
        assert float(line[estimate]) == pytest.approx(row["estimate"])
        assert cells_row[estimate] == pytest.approx(row["estimate"])
        assert line[2] == cells_row[2] == row["name"]
    estimates = [float(line[estimate]) for line in body]
    assert estimates == sorted(estimates, reverse=True)
    assert AuditEvent.objects.filter(action="needs_exported").count() == 2


def test_the_map_and_the_trend_export_as_svg_and_the_series_with_their_sources(version) -> None:
    client = signed_in(Role.KEPALA)
    base = f"/needs/export/?version={version.pk}&level=regency_code&area=34.03"
    for what in ("map", "trend", "neighbours"):
        answer = client.get(f"{base}&what={what}&format=svg")
        assert answer.status_code == 200 and answer["Content-Type"] == "image/svg+xml"
        assert answer.content.startswith(b"<svg") and b"Gunungkidul" in answer.content
    series = client.get(f"{base}&what=series&format=csv").content.decode("utf-8-sig")
    read = pd.read_csv(io.StringIO(series))
    expected = {"Kabupaten Gunungkidul", "Daerah Istimewa Yogyakarta", "Indonesia"}
    assert expected <= set(read["Wilayah"])
    assert read["Sumber"].str.contains("BPS").all()


# -- refusals and bad input --------------------------------------------------------------------


def test_a_partner_and_strangers_are_refused(version) -> None:
    partner = signed_in(Role.PARTNER, "Yayasan A")
    assert partner.get("/needs/").status_code == 403
    assert partner.get(f"/needs/export/?version={version.pk}").status_code == 403
    assert api(f"/api/needs/{version.pk}", Role.PARTNER).status_code == 403
    assert Client().get("/needs/").status_code == 302
    assert Client().get(f"/api/needs/{version.pk}").status_code == 401
    assert not Job.objects.filter(kind="needs.measure").exists()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("indicator=p9", ["p9", "indicator", "fgt0"]),
        ("level=provinsi", ["provinsi", "level", "kecamatan"]),
        ("urban=maybe", ["maybe", "urban", "true"]),
    ],
)
def test_an_unknown_choice_is_a_clear_400(version, query: str, words: list[str]) -> None:
    page = signed_in(Role.ANALYST).get(f"/needs/?version={version.pk}&{query}")
    assert page.status_code == 400
    for word in words:
        assert word in page.content.decode()
    answer = api(f"/api/needs/{version.pk}?{query.replace('level=', 'by=')}")
    assert answer.status_code == 400
    for word in words:  # the API names its own parameter: by, not level
        assert ("by" if word == "level" else word) in answer.json()["detail"]
    assert not Job.objects.filter(kind="needs.measure").exists()


def test_an_unknown_version_or_export_is_named(version) -> None:
    client = signed_in(Role.ANALYST)
    assert b"999999" in client.get("/needs/?version=999999").content
    assert api("/api/needs/999999").status_code == 404
    bad = client.get(f"/needs/export/?version={version.pk}&what=figures&format=pdf")
    assert bad.status_code == 400 and b"pdf" in bad.content


def test_without_a_dataset_the_page_says_where_to_get_one(settings, tmp_path) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    page = signed_in(Role.KEPALA).get("/needs/")
    assert page.status_code == 200 and b"/datasets/" in page.content


# -- in a browser ------------------------------------------------------------------------------


@pytest.fixture
def browser_page(settings, tmp_path, small, live_server):
    """Chromium signed in as an analyst, the small dataset registered, at a laptop's width."""
    from playwright.sync_api import sync_playwright

    from workbench_browser import CHROMIUM, PASSWORD

    settings.ALLOWED_HOSTS = ["*"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    registered = services.register(small, name="Registri DIY").version
    user_with(Role.ANALYST, username="analis", password=PASSWORD)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1366, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        page.goto("/login/")
        page.locator("input[name=username]").fill("analis")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url("**/dashboard/")
        page.version = registered  # type: ignore[attr-defined]
        yield page
        browser.close()


@pytest.mark.django_db(transaction=True)
def test_in_a_browser_hover_png_contrast_and_a_phone(browser_page, monkeypatch) -> None:
    from test_workbench_looks import LOW_CONTRAST

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    page = browser_page
    page.goto(f"/needs/?version={page.version.pk}&level=district_code")
    area = page.locator(".needs-map svg path[data-code]").first
    area.hover()
    tip = page.locator("#needs-tip")
    assert tip.is_visible() and "n = " in tip.inner_text()
    with page.expect_download() as download:
        page.locator(".needs-map button.png").click()
    saved = download.value.path()
    assert Path(saved).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.evaluate(LOW_CONTRAST) == []
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert page.evaluate(LOW_CONTRAST) == []
