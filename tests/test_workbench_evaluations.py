"""The evaluation page and ``POST /api/evaluations``: a design run on an uploaded table or a
dataset version as a job, the report in the page (conclusion first) and as downloads, every run
audited, the roles' refusals.

Figures are checked against the published Card & Krueger (1994) difference-in-differences and
against the command line (``sejahtera evaluate … --json`` and ``--report``) on the same file:
the web is a face over the same core functions, so it must print the same numbers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape
from openpyxl import load_workbook

from sejahtera.cli import main as cli_main
from sejahtera.data.dataset import Dataset as DataFolder
from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.core.tokens import issue
from sejahtera.workbench.datasets import services
from sejahtera.workbench.evaluations.models import Evaluation, EvaluationInput
from workbench_users import signed_in, user_with

pytestmark = pytest.mark.django_db
CARD_KRUEGER = Path(__file__).parent / "fixtures" / "card-krueger" / "public.dat"
CODEBOOK = """sheet chain co_owned state southj centralj northj pa1 pa2 shore ncalls empft emppt
nmgrs wage_st inctime firstinc bonus pctaff meals open hrsopen psoda pfry pentree nregs nregs11
type2 status2 date2 ncalls2 empft2 emppt2 nmgrs2 wage_st2 inctime2 firstin2 special2 meals2 open2r
hrsopen2 psoda2 pfry2 pentree2 nregs2 nregs112"""  # the column order of the fixture's README
DID = {"outcome": "fte", "treatment": "nj", "post": "wave2", "cluster": "store"}


@pytest.fixture(autouse=True)
def _places(settings, tmp_path: Path) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATA_FOLDER = tmp_path / "data"
    settings.DATASETS_ROOT = tmp_path / "datasets"


@pytest.fixture(scope="module")
def card_krueger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stores as one row per store and wave (FTE = full-time + managers + ½ part-time, the
    paper's definition), written as the CSV an analyst would upload; a store's name is text."""
    stores = pd.read_csv(
        CARD_KRUEGER, sep=r"\s+", header=None, names=CODEBOOK.split(), na_values="."
    )
    waves = []
    for wave, (full, part, managers) in enumerate(
        (("empft", "emppt", "nmgrs"), ("empft2", "emppt2", "nmgrs2"))
    ):
        fte = stores[full] + stores[managers] + 0.5 * stores[part]
        waves.append(pd.DataFrame({
            "store": np.arange(len(stores)), "name": [f"toko-{i}" for i in range(len(stores))],
            "nj": stores["state"], "wave2": wave, "fte": fte,
        }))  # fmt: skip
    path = tmp_path_factory.mktemp("ck") / "card_krueger.csv"
    pd.concat(waves, ignore_index=True).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def panel_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic DI Yogyakarta with its evaluation panel (two waves, a known effect)."""
    folder = tmp_path_factory.mktemp("panel") / "diy"
    return synthesise(SynthOptions("34", 300, 7, panel_waves=2), folder).path


def upload(client: Client, path: Path) -> EvaluationInput:
    answer = client.post(
        "/evaluations/tables/new/",
        {"file": SimpleUploadedFile(path.name, path.read_bytes())},
    )
    assert answer.status_code == 302, answer.content.decode()
    return EvaluationInput.objects.get()


def cli_json(*arguments: str) -> dict:
    shown = CliRunner().invoke(cli_main, ["evaluate", *arguments, "--json"])
    assert shown.exit_code == 0, shown.output
    return json.loads(shown.output)


def main_estimate(found: Evaluation) -> dict:
    return found.result["estimates"][0]


# The page: Card & Krueger


def test_card_krueger_on_the_page_gives_the_published_effect_and_the_command_lines(
    card_krueger: Path, tmp_path: Path
) -> None:
    analyst = signed_in("analyst")
    table = upload(analyst, card_krueger)
    assert [c["name"] for c in table.columns] == ["store", "name", "nj", "wave2", "fte"]
    step_two = analyst.get("/evaluations/new/", {"source": f"table:{table.pk}", "design": "did"})
    assert step_two.status_code == 200
    page = step_two.content.decode()
    # Lists of the table's columns, never free text: the text column is not an outcome.
    assert '<select name="outcome"' in page and '<input type="text" name="outcome"' not in page
    outcome = page[page.index('<select name="outcome"') :].split("</select>")[0]
    assert 'value="fte"' in outcome and 'value="name"' not in outcome

    answer = analyst.post("/evaluations/new/", {"source": f"table:{table.pk}", "design": "did",
                                                 **DID})  # fmt: skip
    found = Evaluation.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/evaluations/{found.pk}/"
    assert found.state == "done", found.job.error
    main = main_estimate(found)
    # Card & Krueger (1994), Table 3 row 3: NJ − PA change in mean FTE, 2.76 (all stores with
    # data in a wave; the public file gives 2.7536, one unit off in the last printed digit).
    assert abs(main["estimate"] - 2.76) < 0.01
    assert found.result["diagnostics"]["clusters"] == 410

    # The same figures as `sejahtera evaluate did FILE … --json` on the same file.
    printed = cli_json("did", str(card_krueger), "--outcome", "fte", "--treatment", "nj",
                       "--post", "wave2", "--cluster", "store")  # fmt: skip
    for key in ("estimate", "se", "ci_low", "ci_high", "p_value", "n"):
        assert main[key] == pytest.approx(printed["estimates"][0][key], rel=1e-12), key
    # … and the same report as `--report` writes (in Indonesian, the default language).
    written = tmp_path / "report.html"
    arguments = ["evaluate", "did", str(card_krueger), "--outcome", "fte", "--treatment", "nj",
                 "--post", "wave2", "--cluster", "store", "--report", str(written)]  # fmt: skip
    shown = CliRunner().invoke(cli_main, arguments)
    assert shown.exit_code == 0, shown.output
    assert found.reports["id"] == written.read_text("utf-8")

    detail = analyst.get(f"/evaluations/{found.pk}/").content.decode()
    conclusion = detail.index('id="conclusion"')
    assert conclusion < detail.index("<svg")  # the conclusion comes before the pictures
    assert "2,75" in detail  # the estimate in Indonesian (decimal comma)
    assert escape(found.readings["id"]["conclusion"][0]) in detail


def test_the_downloads_hold_the_estimates_and_the_report(card_krueger: Path) -> None:
    analyst = signed_in("kepala")
    table = upload(analyst, card_krueger)
    analyst.post("/evaluations/new/", {"source": f"table:{table.pk}", "design": "did", **DID})
    found = Evaluation.objects.get()
    estimates = analyst.get(f"/evaluations/{found.pk}/download.csv")
    assert estimates["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(estimates.content.decode())))
    checks = {row["check"] for row in rows}
    assert rows[0]["check"] == "main" and "robust_se" in checks
    assert float(rows[0]["estimate"]) == pytest.approx(main_estimate(found)["estimate"])
    book = load_workbook(io.BytesIO(analyst.get(f"/evaluations/{found.pk}/download.xlsx").content))
    sheet = list(book["estimates"].values)
    assert sheet[0][0] == "check" and sheet[1][2] == pytest.approx(float(rows[0]["estimate"]))
    report = analyst.get(f"/evaluations/{found.pk}/download.html")
    assert "attachment" in report["Content-Disposition"]
    assert report.content.decode() == found.reports["id"]
    english = Client()
    english.force_login(analyst.user)
    english.cookies["django_language"] = "en"
    assert (
        english.get(f"/evaluations/{found.pk}/download.html").content.decode()
        == (found.reports["en"])
    )
    downloads = AuditEvent.objects.filter(action="evaluation_downloaded", object_id=found.pk)
    assert sorted(e.detail["format"] for e in downloads) == ["csv", "html", "html", "xlsx"]


def test_every_run_is_audited(card_krueger: Path) -> None:
    analyst = signed_in("analyst")
    table = upload(analyst, card_krueger)
    analyst.post("/evaluations/new/", {"source": f"table:{table.pk}", "design": "did", **DID})
    found = Evaluation.objects.get()
    ran = AuditEvent.objects.get(action="evaluation_run", object_id=str(found.pk))
    assert ran.user == analyst.user and ran.detail["design"] == "did"
    assert ran.detail["variables"]["outcome"] == "fte"
    assert ran.detail["data_checksum"] == table.checksum
    assert AuditEvent.objects.filter(action="evaluation_requested", user=analyst.user).exists()
    assert AuditEvent.objects.filter(action="evaluation_table_uploaded").count() == 1


# Bad variables


def test_a_bad_variable_is_refused_with_a_message_naming_it(card_krueger: Path) -> None:
    analyst = signed_in("analyst")
    table = upload(analyst, card_krueger)
    base = {"source": f"table:{table.pk}", "design": "did", **DID}
    missing = analyst.post("/evaluations/new/", base | {"outcome": "employment"})
    assert missing.status_code == 400
    assert "“employment” bukan kolom tabel ini" in missing.content.decode()
    text = analyst.post("/evaluations/new/", base | {"outcome": "name"})
    assert text.status_code == 400 and "“name” berisi teks" in text.content.decode()
    same = analyst.post("/evaluations/new/", base | {"treatment": "fte"})
    assert same.status_code == 400
    assert not Evaluation.objects.exists() and not Job.objects.exists()


def test_a_file_that_is_not_a_table_is_refused_and_not_kept(settings) -> None:
    analyst = signed_in("analyst")
    answer = analyst.post(
        "/evaluations/tables/new/", {"file": SimpleUploadedFile("notes.docx", b"PK\x03\x04")}
    )
    assert answer.status_code == 400 and "notes.docx" in answer.content.decode()
    assert not EvaluationInput.objects.exists()
    assert not list((Path(settings.DATA_FOLDER) / "evaluations").glob("*"))


# Roles


def test_partners_are_refused_and_officers_read_only(card_krueger: Path) -> None:
    partner = signed_in("partner", "Mitra A")
    for address in ("/evaluations/", "/evaluations/new/", "/evaluations/tables/new/"):
        assert partner.get(address).status_code == 403
    officer = signed_in("officer")
    assert officer.get("/evaluations/").status_code == 200
    assert officer.get("/evaluations/new/").status_code == 403
    analyst = signed_in("analyst")
    table = upload(analyst, card_krueger)
    analyst.post("/evaluations/new/", {"source": f"table:{table.pk}", "design": "did", **DID})
    found = Evaluation.objects.get()
    assert officer.get(f"/evaluations/{found.pk}/").status_code == 200
    assert partner.get(f"/evaluations/{found.pk}/").status_code == 403
    assert partner.get(f"/evaluations/{found.pk}/download.csv").status_code == 403
    posted = officer.post("/evaluations/new/", {"source": f"table:{table.pk}", "design": "did",
                                                **DID})  # fmt: skip
    assert posted.status_code == 403 and Evaluation.objects.count() == 1


# A dataset version and the API


def test_the_api_runs_a_design_on_a_dataset_version_as_the_command_does(
    panel_folder: Path,
) -> None:
    version = services.register(panel_folder, name="Panel DIY").version
    token = issue(user_with("analyst"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    variables = {"outcome": "consumption_pc", "treatment": "ever_receives",
                 "post": "follow_up", "cluster": "district_code"}  # fmt: skip
    body = {"dataset": version.pk, "design": "did", "variables": variables}
    answer = Client().post("/api/evaluations", body, content_type="application/json", **headers)
    assert answer.status_code == 202, answer.content
    started = answer.json()
    job = Client().get(f"/api/jobs/{started['job']}", **headers).json()
    assert job["state"] == "done", job["error"]
    printed = cli_json("did", str(panel_folder), "--outcome", "consumption_pc",
                       "--treatment", "ever_receives", "--post", "follow_up",
                       "--cluster", "district_code")  # fmt: skip
    assert job["result"]["estimates"][0]["estimate"] == pytest.approx(
        printed["estimates"][0]["estimate"], rel=1e-12
    )
    assert job["result"]["diagnostics"]["inference"] == printed["diagnostics"]["inference"]
    # The panel's columns, as the page lists them, are the panel file's.
    page = signed_in("analyst").get(
        "/evaluations/new/", {"source": f"dataset:{version.pk}", "design": "rdd"}
    )
    panel = DataFolder.open(panel_folder).extra("panel")
    running = page.content.decode().split('<select name="running"')[1].split("</select>")[0]
    numeric = [c for c in panel.columns if panel[c].dtype.kind in "biuf"]
    assert sorted(running.count(f'value="{c}"') for c in numeric) == [1] * len(numeric)
    assert 'value="household_id"' not in running

    bad = body | {"variables": variables | {"outcome": "income"}}
    refused = Client().post("/api/evaluations", bad, content_type="application/json", **headers)
    assert refused.status_code == 400 and "outcome" in refused.json()["detail"]
    partner = {"HTTP_AUTHORIZATION": f"Bearer {issue(user_with('partner', 'Mitra A'))}"}
    denied = Client().post("/api/evaluations", body, content_type="application/json", **partner)
    assert denied.status_code == 403
    assert Evaluation.objects.count() == 1


# Regression discontinuity and matching on a dataset version


def test_rdd_with_a_bandwidth_on_the_page_equals_the_command(panel_folder: Path) -> None:
    version = services.register(panel_folder, name="Panel DIY").version
    analyst = signed_in("analyst")
    chosen = {"outcome": "consumption_pc", "running": "pmt_margin", "cutoff": "0",
              "side": "below", "bandwidth": "0.5"}  # fmt: skip
    analyst.post("/evaluations/new/", {"source": f"dataset:{version.pk}", "design": "rdd",
                                       **chosen})  # fmt: skip
    found = Evaluation.objects.get()
    assert found.state == "done", found.job.error
    printed = cli_json("rdd", str(panel_folder), "--outcome", "consumption_pc", "--running",
                       "pmt_margin", "--cutoff", "0", "--bandwidth", "0.5")  # fmt: skip
    main = main_estimate(found)
    for key in ("estimate", "se", "ci_low", "ci_high", "n"):
        assert main[key] == pytest.approx(printed["estimates"][0][key], rel=1e-12), key
    # The bandwidth given is the one used, on both sides, and the checks scale it.
    assert found.result["diagnostics"]["bandwidth"] == {"below": 0.5, "above": 0.5}
    assert printed["diagnostics"]["bandwidth"] == {"below": 0.5, "above": 0.5}
    double = next(c for c in found.result["checks"] if c["check"] == "double_bandwidth")
    assert double["diagnostics"]["bandwidth"] == {"below": 1.0, "above": 1.0}
    detail = analyst.get(f"/evaluations/{found.pk}/").content.decode()
    assert "Lebar jendela" in detail and "<code>0,5</code>" in detail

    given = {"source": f"dataset:{version.pk}", "design": "rdd", **chosen, "bandwidth": "0"}
    zero = analyst.post("/evaluations/new/", given)
    assert zero.status_code == 400 and Evaluation.objects.count() == 1


def test_matching_on_the_page_equals_the_python_function(panel_folder: Path) -> None:
    import sejahtera as sj

    version = services.register(panel_folder, name="Panel DIY").version
    kepala = signed_in("kepala")
    covariates = ["urban", "size", "head_age"]
    kepala.post("/evaluations/new/", {
        "source": f"dataset:{version.pk}", "design": "match", "outcome": "consumption_pc",
        "treatment": "ever_receives", "covariates": covariates, "method": "ipw",
        "estimand": "att",
    })  # fmt: skip
    found = Evaluation.objects.get()
    assert found.state == "done", found.job.error
    expected = sj.evaluate_match(panel_folder, "consumption_pc", "ever_receives", covariates,
                                 method="ipw")  # fmt: skip
    assert main_estimate(found)["estimate"] == pytest.approx(expected.main.main.estimate, 1e-12)
    assert [c["check"] for c in found.result["checks"]] == ["method_nn", "method_aipw"]
    english = Client()
    english.force_login(kepala.user)
    english.cookies["django_language"] = "en"
    page = english.get(f"/evaluations/{found.pk}/").content.decode()
    assert "Inverse probability weighting" in page  # the method in words, not "ipw"
    assert escape(found.readings["en"]["conclusion"][0]) in page


def test_a_run_the_design_refuses_fails_with_the_cores_message_and_keeps_nothing(
    card_krueger: Path,
) -> None:
    """A column of numbers that is not 0/1 as the treatment passes the form (it is a column of
    numbers) but not the estimator: the run fails with its message, and no result is kept."""
    analyst = signed_in("analyst")
    table = upload(analyst, card_krueger)
    analyst.post("/evaluations/new/", {"source": f"table:{table.pk}", "design": "did",
                                       **DID, "treatment": "store"})  # fmt: skip
    found = Evaluation.objects.get()
    assert found.state == "failed" and found.result is None and found.reports == {}
    assert found.job.state == "failed" and "store" in found.job.error
    arguments = ["evaluate", "did", str(card_krueger), "--outcome", "fte", "--treatment", "store",
                 "--post", "wave2"]  # fmt: skip
    shown = CliRunner().invoke(cli_main, arguments)
    assert shown.exit_code != 0 and found.job.error in shown.output  # the command's own words
    page = analyst.get(f"/evaluations/{found.pk}/").content.decode()
    assert escape(found.job.error) in page and 'id="conclusion"' not in page
    assert analyst.get(f"/evaluations/{found.pk}/download.csv").status_code == 404
    assert not AuditEvent.objects.filter(action="evaluation_run").exists()
    assert AuditEvent.objects.filter(action="job_failed", object_id=str(found.job.pk)).exists()


def test_a_table_uploaded_over_the_api_is_evaluated_as_on_the_page(card_krueger: Path) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue(user_with('analyst'))}"}
    sent = SimpleUploadedFile(card_krueger.name, card_krueger.read_bytes())
    answer = Client().post("/api/evaluations/tables", {"file": sent}, **headers)
    assert answer.status_code == 201, answer.content
    table = answer.json()
    assert [(c["name"], c["kind"]) for c in table["columns"]] == [
        ("store", "number"), ("name", "text"), ("nj", "flag"), ("wave2", "flag"),
        ("fte", "number"),
    ]  # fmt: skip
    listed = Client().get("/api/evaluations/tables", **headers).json()
    assert [t["id"] for t in listed] == [table["id"]]
    body = {"table": table["id"], "design": "did", "variables": DID}
    started = Client().post("/api/evaluations", body, content_type="application/json", **headers)
    assert started.status_code == 202, started.content
    found = Client().get(f"/api/evaluations/{started.json()['evaluation']}", **headers).json()
    assert found["state"] == "done" and found["table"] == table["id"]
    assert abs(found["estimates"][0]["estimate"] - 2.76) < 0.01  # Card & Krueger, Table 3
    assert found["estimates"][0]["check"] == "main"

    bad = SimpleUploadedFile("notes.txt", b"\x00\x01\x02 not a table")
    refused = Client().post("/api/evaluations/tables", {"file": bad}, **headers)
    assert refused.status_code == 400 and refused.json()["detail"]
    assert EvaluationInput.objects.count() == 1
    officer = {"HTTP_AUTHORIZATION": f"Bearer {issue(user_with('officer'))}"}
    denied = Client().post("/api/evaluations/tables", {"file": sent}, **officer)
    assert denied.status_code == 403


def test_data_whose_files_are_gone_are_refused_with_a_message(card_krueger: Path, settings) -> None:
    analyst = signed_in("analyst")
    table = upload(analyst, card_krueger)
    (Path(settings.DATA_FOLDER) / "evaluations" / table.stored).unlink()
    given = {"source": f"table:{table.pk}", "design": "did", **DID}
    posted = analyst.post("/evaluations/new/", given)  # the columns were kept: the run fails
    found = Evaluation.objects.get()
    assert posted.status_code == 302 and found.state == "failed"
    assert "card_krueger.csv" in found.job.error  # the check of its checksum names it
    version = services.register(
        synthesise(SynthOptions("34", 30, 3), Path(settings.DATA_FOLDER) / "tiny").path
    ).version
    for part in services.folder_of(version).rglob("households*.parquet"):
        part.unlink()
    answer = analyst.get("/evaluations/new/", {"source": f"dataset:{version.pk}", "design": "rdd"})
    assert answer.status_code == 409 and "tidak dapat dibaca" in answer.content.decode()
