"""The journeys of issue 13 in a real browser (Playwright driving Debian's chromium), as their
users make them, in Indonesian (the default language; the head of office also switches to
English): an analyst uploads files, maps their columns, has them validated and sees the new
version on the needs map, and a malformed upload is reported cell by cell with nothing imported;
builds two scenarios and compares them; explains a household; runs an evaluation; the head reads
the dashboard and opens each tile's detail.

Every figure the pages show is checked against an independent computation on the same data
(numpy, the files the test wrote) or against the core's function (``sejahtera.scenario``,
``sejahtera.evaluate_did``, the household explainer), never against the page's own code."""

from __future__ import annotations

import re
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect

import sejahtera
from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import Dataset, DatasetVersion, Upload, UploadState
from workbench_datasets import demo_frames, written
from workbench_users import PASSWORD, user_with

STATUS_QUO = "Kondisi saat ini"

pytestmark = pytest.mark.django_db(transaction=True)


@cache
def office_data() -> Path:
    """A synthetic DI Yogyakarta of 60 households (two kabupaten), its model calibrated on a
    sample of 5,000 households rather than the default 60,000: a quarter of a second instead
    of about ten, and these journeys need no precise province."""
    folder = Path(tempfile.mkdtemp(prefix="sejahtera-journeys-")) / "diy"
    options = SynthOptions("34", 60, seed=2, calibration_households=5_000)
    return synthesise(options, folder).path


def registered(name: str = "Registri DIY") -> DatasetVersion:
    return services.register(office_data(), name=name).version


@pytest.fixture
def page(browser: Browser, live_server, settings, tmp_path: Path) -> Page:
    """A fresh browser (no language chosen: Indonesian) on an office with no data yet."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    settings.DATA_FOLDER = tmp_path / "data"
    settings.DATASET = None
    settings.PROFILES = None
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(20_000)  # a job run in the request, on a busy machine
    expect.set_options(timeout=20_000)
    opened = context.new_page()
    yield opened
    context.close()
    expect.set_options(timeout=None)  # Playwright's default again, for other modules


def sign_in(page: Page, role: str) -> None:
    """A new user holding ``role`` signs in through the form and lands on the dashboard."""
    username = f"{role}-journey"
    user_with(role, username=username, password=PASSWORD)
    page.goto("/")
    page.get_by_role("link", name="Masuk").click()
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def open_section(page: Page, name: str) -> None:
    """A section of the header's navigation, as a user reaches it."""
    page.locator("header nav").get_by_role("link", name=name, exact=True).first.click()


def indonesian(value: float, decimals: int) -> str:
    """``value`` as Indonesian writes it: ``.`` between thousands, ``,`` before decimals."""
    english = f"{value:,.{decimals}f}"
    return english.replace(",", "_").replace(".", ",").replace("_", ".")


def headcount(folder: Path) -> float:
    """P0 of the status quo counted by hand: persons (weight × household size) in households
    whose recorded consumption per capita is below their poverty line."""
    households = pd.read_parquet(folder / "households.parquet")
    persons = pd.read_parquet(folder / "persons.parquet", columns=["household_id"])
    size = persons.groupby("household_id").size().reindex(households["household_id"]).to_numpy()
    people = households["weight"].to_numpy() * size
    poor = households["consumption_pc"].to_numpy() < households["poverty_line"].to_numpy()
    return float(np.sum(people * poor) / np.sum(people))


# Data: upload → map the columns → validate → see it on the map --------------------------------


EXPORTED = {"household_id": "NO_RUTA", "consumption_pc": "PENGELUARAN_KAP", "age": "UMR_THN"}


def upload_files(page: Page, name: str, households: Path, persons: Path) -> None:
    open_section(page, "Data")
    page.locator("main").get_by_role("link", name="Unggah versi baru").first.click()
    page.get_by_label("Nama dataset baru").fill(name)
    page.get_by_label("Berkas rumah tangga").set_input_files(households)
    page.get_by_label("Berkas anggota rumah tangga").set_input_files(persons)
    page.get_by_role("button", name="Unggah", exact=True).click()
    expect(page.locator("h1")).to_contain_text("petakan kolom")


def test_upload_map_validate_and_see_the_new_version_on_the_needs_map(
    page: Page, tmp_path: Path
) -> None:
    households, persons = demo_frames(folder=office_data())
    sign_in(page, Role.ANALYST)
    upload_files(
        page,
        "DTSEN Uji Kulon Progo",
        written(households.rename(columns=EXPORTED), tmp_path, "rumah_tangga", "csv"),
        written(persons.rename(columns=EXPORTED), tmp_path, "anggota_rumah_tangga", "xlsx"),
    )
    # Columns named as the schema names them are guessed; the office's own names are chosen.
    expect(page.locator("select[name=households__urban]")).to_have_value("urban")
    for table, column in (("households", "household_id"), ("persons", "age")):
        expect(page.locator(f"select[name={table}__{column}]")).to_have_value("")
    for field in ("households__household_id", "persons__household_id"):
        page.locator(f"select[name={field}]").select_option("NO_RUTA")
    page.locator("select[name=households__consumption_pc]").select_option("PENGELUARAN_KAP")
    page.locator("select[name=persons__age]").select_option("UMR_THN")
    page.get_by_role("button", name="Periksa dan impor").click()

    # Validated and imported: the version's page counts what the files hold.
    expect(page).to_have_url(re.compile(r"/datasets/versions/\d+/$"))
    expect(page.locator("#households")).to_have_text(indonesian(len(households), 0))
    expect(page.locator("#persons")).to_have_text(indonesian(len(persons), 0))
    expect(page.locator("#report")).to_contain_text("Tidak ada masalah")
    regencies = sorted(households["regency_code"].unique())
    shown = page.locator("#regencies tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.code, r.cells[1].textContent.trim()])"
    )
    counted = households["regency_code"].value_counts()
    assert sorted(shown) == [[code, indonesian(counted[code], 0)] for code in regencies]
    mapped = page.locator("#mapping tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[1].textContent, r.cells[2].textContent])"
    )
    renamed = sorted((source, target) for source, target in mapped if source != target)
    chosen = [(EXPORTED[c], c) for c in ("household_id", "consumption_pc", "household_id", "age")]
    assert renamed == sorted(chosen)  # the version records the mapping the analyst chose
    version = DatasetVersion.objects.get()
    assert (version.households, version.persons) == (len(households), len(persons))

    # The needs explorer shows the new version's P0 by kabupaten on its map and in its table.
    open_section(page, "Kebutuhan")
    page.locator("select[name=version]").select_option(str(version.pk))
    page.locator("select[name=indicator]").select_option("fgt0")
    page.locator("select[name=level]").select_option("regency_code")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator(".needs-map svg")).to_be_visible()
    mapped = page.locator(".needs-map svg [data-code]").evaluate_all(
        "areas => areas.map(a => a.dataset.code)"
    )
    assert set(regencies) <= set(mapped)
    ranked = page.locator(".needs-table tbody tr[data-code]")
    expect(ranked).to_have_count(len(regencies))
    people = households["weight"] * households["household_id"].map(
        persons.groupby("household_id").size()
    )
    poor = households["consumption_pc"] < households["poverty_line"]
    for code in regencies:
        inside = households["regency_code"] == code
        p0 = float(people[inside & poor].sum() / people[inside].sum())
        cells = page.locator(f".needs-table tbody tr[data-code='{code}'] td")
        value = cells.nth(1).evaluate("td => td.firstChild.textContent.trim()")
        assert value == indonesian(100 * p0, 1) + "%", (code, value)
        expect(cells.nth(2)).to_have_text(indonesian(int(inside.sum()), 0))  # its households


def test_a_malformed_upload_is_reported_cell_by_cell_and_nothing_is_imported(
    page: Page, tmp_path: Path
) -> None:
    households, persons = demo_frames(folder=office_data())
    persons["age"] = persons["sex"]  # the export put the members' sex in the age column
    sign_in(page, Role.ANALYST)
    upload_files(
        page,
        "DTSEN Salah Kolom",
        written(households, tmp_path, "rumah_tangga", "csv"),
        written(persons, tmp_path, "anggota", "csv"),
    )
    page.get_by_role("button", name="Periksa dan impor").click()

    report = page.locator("#report")
    expect(report).to_contain_text("tidak ada yang diimpor")
    first = page.locator("#problems tbody tr").first
    cells = first.locator("td")
    expect(cells).to_have_count(5)  # file, row, column, value, rule
    expect(cells.nth(0)).to_have_text("anggota.csv")
    expect(cells.nth(1)).to_have_text("1")
    expect(cells.nth(2)).to_contain_text("age")
    expect(cells.nth(3)).to_have_text(str(persons["sex"][0]))
    expect(cells.nth(4)).to_contain_text("bukan nilai")
    counts = page.locator("#report-counts tbody tr[data-rule=type] td").nth(1)
    expect(counts).to_have_text(indonesian(len(persons), 0))  # every member's row counted
    assert not DatasetVersion.objects.exists() and not Dataset.objects.exists()
    assert Upload.objects.get().state == UploadState.FAILED
    open_section(page, "Data")  # the office still has no dataset; the upload waits, to be fixed
    expect(page.locator("#datasets")).to_contain_text("Belum ada dataset.")
    expect(page.locator("#uploads")).to_contain_text("DTSEN Salah Kolom")


# Scenarios: build two, compare them, explain a household ----------------------------------------


def build_and_run(page: Page, version: DatasetVersion, name: str, levers: dict[str, str]) -> None:
    """The analyst makes a scenario from the status quo in the studio's form and runs it."""
    open_section(page, "Skenario")
    page.locator(".page-head").get_by_role("link", name="Skenario baru").click()
    page.locator("input[name=name]").fill(name)
    page.locator("select[name=dataset]").select_option(str(version.pk))
    page.locator("select[name=period]").select_option("2025")
    for field, value in levers.items():
        page.locator(f"[name='{field}']").fill(value)
    page.get_by_role("button", name="Simpan skenario").click()
    expect(page.locator("h1")).to_contain_text(name)
    page.get_by_role("button", name="Jalankan", exact=True).click()
    expect(page.get_by_role("link", name="Jelaskan satu rumah tangga")).to_be_visible()


def reform_file(folder: Path, name: str, values: dict[str, int]) -> Path:
    """The reform as an analyst would write it for ``sejahtera simulate`` by hand."""
    lines = [f"name: {name}", "parameters:"]
    for path, value in values.items():
        lines += [f"  {path}:", f"    2025-01-01: {{value: {value}}}"]
    made = folder / f"{name}.yaml"
    made.write_text("\n".join(lines) + "\n")
    return made


def test_build_two_scenarios_and_compare_them(page: Page, tmp_path: Path) -> None:
    version = registered()
    sign_in(page, Role.ANALYST)
    build_and_run(page, version, "PKH sampai desil 5", {"p-pkh--max_desil": "5"})
    build_and_run(page, version, "Sembako Rp1 juta", {"p-sembako--amount": "1.000.000"})

    open_section(page, "Skenario")
    page.get_by_label("Bandingkan PKH sampai desil 5").check()
    page.get_by_label("Bandingkan Sembako Rp1 juta").check()
    page.locator("main form").get_by_role("button", name="Bandingkan").click()
    expect(page).to_have_url(re.compile(r"/scenarios/compare/\?"))

    titles = page.locator("table.comparison").first.locator("thead th").all_inner_texts()
    assert titles[:2] == ["Angka", STATUS_QUO]  # the status quo first, then both scenarios
    assert sorted(titles[2:]) == ["PKH sampai desil 5", "Sembako Rp1 juta"]
    row = page.locator("table.comparison tr", has=page.locator("th", has_text="P0 (persentase"))
    shown = dict(zip(titles[1:], row.locator("td").all_inner_texts(), strict=True))
    # The status quo's P0 counted here by hand, each scenario's by sejahtera.scenario.
    expected = {STATUS_QUO: headcount(office_data())}
    for name, values in (
        ("PKH sampai desil 5", {"pkh.max_desil": 5}),
        ("Sembako Rp1 juta", {"sembako.amount": 1_000_000}),
    ):
        reform = reform_file(tmp_path, f"r{len(expected)}", values)
        report = sejahtera.scenario(office_data(), reform=reform).to_dict()
        expected[name] = report["reform"]["poverty"]["after"]["fgt0"]
    assert expected["Sembako Rp1 juta"] < expected[STATUS_QUO]  # more Sembako lifts some out
    assert shown == {name: indonesian(100 * p0, 2) + "%" for name, p0 in expected.items()}


def test_explain_a_household_gives_the_core_explainers_amounts(page: Page, tmp_path: Path) -> None:
    from sejahtera.rules.ruleset import load_ruleset
    from sejahtera.simulate.explain import explain
    from sejahtera.simulate.scenario import Start, dataset_tables, reformed_rules

    version = registered()
    sign_in(page, Role.ANALYST)
    build_and_run(page, version, "PKH sampai desil 5", {"p-pkh--max_desil": "5"})
    # A household the change reaches: paid PKH under the scenario, not today.
    reform = reform_file(tmp_path, "pkh5", {"pkh.max_desil": 5})
    results = sejahtera.scenario(office_data(), reform=reform).households()
    joined = results[(results["pkh"] == 0) & (results["pkh_reform"] > 0)]
    assert len(joined), "the dataset has a household PKH reaches only under the change"
    household = str(joined["household_id"].iloc[0])

    page.get_by_role("link", name="Jelaskan satu rumah tangga").click()
    page.get_by_label("ID rumah tangga").fill(household)
    page.get_by_role("button", name="Jelaskan", exact=True).click()
    expect(page.locator("main h2").first).to_contain_text(household)

    rules = load_ruleset("indonesia")
    persons, households = dataset_tables(office_data())
    start = Start(rules, persons, households, "2025")
    core = explain(start, household, reformed_rules(rules, reform, "status_quo"))
    pkh = next(p for p in core.programmes if p.name == "pkh")
    assert pkh.benefit_rp["status_quo"] == 0 < pkh.benefit_rp["reform"]
    section = page.locator("section[aria-labelledby='programme-pkh']")
    total = section.locator("tr.total")
    expect(total.locator("td").first).to_have_text("Rumah tangga, setahun")
    expected = [f"Rp{indonesian(pkh.benefit_rp[run], 0)}" for run in core.runs]
    expect(total.locator("td.n")).to_have_text(expected)  # today, then in the scenario
    expect(section).to_contain_text(str(rules.parameters.get(("pkh", "max_desil")).reference))


# Evaluation: a difference-in-differences on an uploaded table ----------------------------------


def panel_table(folder: Path) -> tuple[pd.DataFrame, Path]:
    """80 desa seen before and after, half of them reached by the programme, which raises their
    spending by about 15 (thousand Rp) on top of a common trend of 8."""
    rng = np.random.default_rng(13)
    desa = np.repeat(np.arange(80), 2)
    after = np.tile([0, 1], 80)
    reached = (desa < 40).astype(int)
    spending = 800 + 3 * reached + 8 * after + 15 * reached * after + rng.normal(0, 4, 160)
    frame = pd.DataFrame(
        {"desa": desa, "program": reached, "setelah": after, "pengeluaran": spending}
    )
    path = folder / "bansos_desa.csv"
    frame.to_csv(path, index=False)
    return frame, path


def test_run_an_evaluation_and_read_its_conclusion(page: Page, tmp_path: Path) -> None:
    frame, path = panel_table(tmp_path)
    sign_in(page, Role.ANALYST)
    open_section(page, "Evaluasi")
    page.get_by_role("link", name="Unggah tabel").first.click()
    page.locator("input[type=file]").set_input_files(path)
    page.get_by_role("button", name="Unggah dan pilih desain").click()
    page.locator("input[name=design][value=did]").check()
    page.get_by_role("button", name="Pilih variabel").click()
    page.locator("select[name=outcome]").select_option("pengeluaran")
    page.locator("select[name=treatment]").select_option("program")
    page.locator("select[name=post]").select_option("setelah")
    page.locator("select[name=cluster]").select_option("desa")
    page.get_by_role("button", name="Jalankan evaluasi").click()
    conclusion = page.locator("section[aria-labelledby=conclusion]")
    expect(conclusion).to_be_visible()

    # The estimate: sejahtera.evaluate_did on the same table, and the 2×2 by hand.
    core = sejahtera.evaluate_did(
        frame, "pengeluaran", "program", "setelah", cluster="desa"
    ).main.estimates[0]
    cell = frame.groupby(["program", "setelah"])["pengeluaran"].mean()
    by_hand = (cell[1, 1] - cell[1, 0]) - (cell[0, 1] - cell[0, 0])
    assert core.estimate == pytest.approx(by_hand, rel=1e-9)
    low, high = core.interval()
    assert 1 <= max(abs(core.estimate), abs(low), abs(high)) < 1000  # written with 2 decimals
    said = conclusion.inner_text()
    assert f"sebesar {indonesian(core.estimate, 2)} (naik)" in said, said
    assert f"{indonesian(low, 2)} sampai {indonesian(high, 2)}" in said
    assert f"n = {indonesian(len(frame), 0)}" in said
    expect(page.locator("#figures + dl dd").first).to_contain_text(indonesian(core.estimate, 2))


# The head's dashboard: each tile and the page it opens ------------------------------------------


def an_office() -> None:
    """Records for each tile: an indicator off track, grievances, follow-ups and a budget."""
    from test_workbench_dashboard import budget_paid, follow_up, grievance, off_track_indicator
    from workbench_users import new_programme

    food = new_programme("pangan", "Bantuan Pangan Daerah")
    off_track_indicator(food, "P-1", "55")
    grievance(food, days_overdue=2)
    follow_up(food, -1)
    budget_paid(food, 1_000_000, 250_000, 3, 4)


def test_the_heads_dashboard_tiles_open_their_details_and_read_in_english(page: Page) -> None:
    from sejahtera.workbench.grievances.models import Grievance

    version = registered("DTSEN DIY")
    an_office()
    code = Grievance.objects.get().tracking_code
    details = {  # each tile: its link's words, the heading it opens and what that page lists
        "poverty": ("Rincian kebutuhan", "Penjelajah kebutuhan", "Kabupaten Bantul"),
        "monev": ("Buka Monev", "Monitoring dan evaluasi", "Bantuan Pangan Daerah"),
        "grievances": ("Buka pengaduan", "Pengaduan", code),
        "follow-ups": ("Buka tindak lanjut", "Konsultasi", "Kirim data"),
        "programmes": ("Buka program", "Program", "Bantuan Pangan Daerah"),
    }
    sign_in(page, Role.KEPALA)
    figure = page.locator("#poverty [data-indicator=fgt0]")
    expect(figure).to_be_visible()
    p0 = headcount(office_data())
    assert float(figure.get_attribute("data-estimate")) == pytest.approx(p0, rel=1e-9)
    expect(figure.locator("dd")).to_contain_text(indonesian(100 * p0, 1) + "%")
    expect(page.locator("#poverty")).to_contain_text(f"versi {version.number}")
    for tile in ("monev", "grievances", "follow-ups"):
        expect(page.locator(f"#{tile} .headline")).to_have_text("1")

    tiles = page.locator("main section.tile").evaluate_all("t => t.map(s => s.id)")
    assert sorted(tiles) == sorted(details)
    for tile, (words, heading, listed) in details.items():
        link = page.locator(f"#{tile} a.more")
        expect(link).to_have_text(f"{words} →")
        link.click()
        expect(page.locator("h1").first).to_have_text(heading)
        expect(page.locator("main")).to_contain_text(listed)
        page.go_back()
        expect(page.locator(f"#{tile}")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#poverty-title")).to_contain_text("Poverty")
    expect(figure.locator("dd")).to_contain_text(f"{100 * p0:.1f}%")
    link = page.locator("#grievances a.more")
    expect(link).to_have_text("Open the grievances →")
    link.click()
    expect(page.locator("h1").first).to_have_text("Grievances")
