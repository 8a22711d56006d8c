"""The scenario studio (workbench/scenarios): a scenario built in forms from the status quo is the
reform file the command line reads, and runs to the same figures as ``sejahtera simulate
--reform FILE --json``; a rule is checked as it is typed, at its line and column; up to four
columns compared; budget mode ranks what ``sejahtera budget --extra`` ranks; one household
explained with each parameter's legal reference; a run keeps the ruleset version and the dataset
checksum; ``POST /api/scenarios`` runs as a job that ``GET /api/jobs/ID`` follows; who may do
what, and the audit of it.

Figures are checked against the command line on the same files, or computed here with numpy
(the status quo's P0: the status quo's welfare is recorded consumption)."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import math
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import sejahtera
from sejahtera.cli import main
from sejahtera.rules.ruleset import load_ruleset, ruleset_version
from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.jobs import worker_starting
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.core.tokens import issue
from sejahtera.workbench.datasets import services
from sejahtera.workbench.scenarios import runs
from sejahtera.workbench.scenarios.models import Scenario, ScenarioState
from workbench_browser import sign_in
from workbench_users import PASSWORD, signed_in, user_with

pytestmark = pytest.mark.django_db

PARTNER = "Yayasan Mitra"


@cache
def data_folder() -> Path:
    """A synthetic DI Yogyakarta of 300 households, made once for the module's tests."""
    folder = Path(tempfile.mkdtemp(prefix="sejahtera-scenarios-")) / "diy"
    return synthesise(SynthOptions("34", 300, seed=3), folder).path


@pytest.fixture
def version(settings, tmp_path):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    return services.register(data_folder(), name="Registri DIY").version


def cli_json(*arguments: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, [*arguments, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def simulate_cli(reform: Path) -> dict[str, Any]:
    folder = str(data_folder())
    return cli_json("simulate", folder, "--rules", "indonesia", "--reform", str(reform))


def same(web: Any, cli: Any, where: str = "") -> None:
    """The web's report (JSON kept in the database: NaN as null) equals the command line's."""
    if isinstance(cli, dict):
        assert isinstance(web, dict) and set(web) == set(cli), where
        for key in cli:
            same(web[key], cli[key], f"{where}.{key}")
    elif isinstance(cli, list):
        assert isinstance(web, list) and len(web) == len(cli), where
        for n, (a, b) in enumerate(zip(web, cli, strict=True)):
            same(a, b, f"{where}[{n}]")
    elif isinstance(cli, float) and math.isnan(cli):
        assert web is None, where
    elif isinstance(cli, int | float) and not isinstance(cli, bool):
        assert web == pytest.approx(cli, rel=1e-12, abs=1e-9), where
    else:
        assert web == cli, where


def form_data(client, url: str) -> dict[str, Any]:
    """The form of ``url`` as the page fills it: every field at its initial value."""
    form = client.get(url).context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    return data


def build(client, version, **fields: Any) -> Any:
    """POST the new-scenario form: the status quo, with ``fields`` changed."""
    data = form_data(client, "/scenarios/new/")
    data |= {"name": "Skenario", "dataset": version.pk, "period": "2025"} | fields
    return client.post("/scenarios/new/", data)


def run(client, scenario: Scenario) -> Scenario:
    response = client.post(f"/scenarios/{scenario.pk}/run/")
    assert response.status_code == 302
    scenario.refresh_from_db()
    return scenario


def headcount(folder: Path) -> float:
    """P0 of the status quo computed here: persons in households whose recorded consumption per
    capita is below their poverty line, weighted."""
    households = pd.read_parquet(folder / "households.parquet")
    persons = pd.read_parquet(folder / "persons.parquet")
    size = persons.groupby("household_id").size().reindex(households["household_id"]).to_numpy()
    weight = households["weight"].to_numpy() * size
    poor = households["consumption_pc"].to_numpy() < households["poverty_line"].to_numpy()
    return float(np.sum(weight * poor) / np.sum(weight))


# Forms → the reform file → the same run as the command line.


def test_the_form_writes_the_reform_file_the_cli_reads_and_runs_to_its_figures(version) -> None:
    client = signed_in(Role.ANALYST)
    response = build(
        client,
        version,
        **{
            "p-pkh--max_desil": "5",
            "p-sembako--amount": "250.000",  # Indonesian thousands
            "p-scenario--take_up_newly_eligible": "90",  # a share typed as a percentage
            "rule-0-variable": "sembako_eligible",
            "rule-0-formula": "desil <= 3",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    scenario = Scenario.objects.get()
    assert scenario.changes == {
        "pkh.max_desil": 5,
        "sembako.amount": 250000,
        "scenario.take_up_newly_eligible": 0.9,
    }
    assert scenario.formulas == {"sembako_eligible": "desil <= 3"}

    reform = client.get(f"/scenarios/{scenario.pk}/reform.yaml")
    written = yaml.safe_load(reform.content)
    start = datetime.date(2025, 1, 1)
    assert written["parameters"] == {
        "pkh.max_desil": {start: {"value": 5}},
        "sembako.amount": {start: {"value": 250000}},
        "scenario.take_up_newly_eligible": {start: {"value": 0.9}},
    }
    assert written["variables"] == {"replace": {"sembako_eligible": {"formula": "desil <= 3"}}}

    scenario = run(client, scenario)
    assert scenario.state == ScenarioState.DONE, scenario.job.error
    path = Path(tempfile.mkdtemp()) / "reform.yaml"
    path.write_bytes(reform.content)
    cli = simulate_cli(path)
    same(scenario.result, cli)
    assert scenario.result["difference"]["net_cost_rp"] != 0  # the change did something


def test_a_value_that_does_not_fit_its_parameter_is_refused_on_its_field(version) -> None:
    client = signed_in(Role.KEPALA)
    too_high = build(client, version, **{"p-pkh--max_desil": "11"})
    assert too_high.status_code == 400
    assert too_high.context["form"].errors["p-pkh--max_desil"]
    not_a_number = build(client, version, **{"p-sembako--amount": "dua ratus"})
    assert not_a_number.status_code == 400
    assert "“dua ratus” bukan angka" in not_a_number.content.decode()
    assert not Scenario.objects.exists()


def test_untouched_levers_are_not_changes_and_a_template_adds_its_programme(version) -> None:
    client = signed_in(Role.KEPALA)
    data = form_data(client, "/scenarios/new/")
    data |= {"name": "Lansia", "dataset": version.pk, "period": "2025"}
    data["templates"] = ["lansia-daerah"]
    data["refresh"] = "1"  # show the template's values first, as the page's button does
    shown = client.post("/scenarios/new/", data)
    assert shown.status_code == 200 and not Scenario.objects.exists()
    fields = {k: v for k, v in form_data(client, "/scenarios/new/").items()}
    added = [name for name in shown.context["form"].fields if name not in fields]
    assert added, "the template's own parameters are shown once it is ticked"
    data.pop("refresh")
    for name in added:
        data[name] = shown.context["form"][name].initial
    assert client.post("/scenarios/new/", data).status_code == 302
    scenario = Scenario.objects.get()
    assert scenario.changes == {} and scenario.templates == ["lansia-daerah"]
    shipped = yaml.safe_load(
        (Path(load_ruleset("indonesia").folder) / "reforms/lansia-daerah.yaml").read_text()
    )
    written = yaml.safe_load(client.get(f"/scenarios/{scenario.pk}/reform.yaml").content)
    assert set(written["programmes"]) == set(shipped["programmes"])


# Live validation of a rewritten rule.


def test_a_rule_is_checked_as_typed_at_its_line_and_column(version) -> None:
    client = signed_in(Role.ANALYST)
    formula = "desil <= 3 and\n  pmt_scor <= 2"
    line, column = 2, formula.split("\n")[1].index("pmt_scor") + 1
    data = {"row": "0", "rule-0-variable": "sembako_eligible", "rule-0-formula": formula}
    answer = client.post("/scenarios/rules/check/", data).content.decode()
    assert f"Baris {line}, kolom {column}:" in answer and "pmt_scor" in answer
    assert f"  pmt_scor &lt;= 2\n{' ' * (column - 1)}^" in answer  # the caret under the mistake
    client.post("/i18n/setlang/", {"language": "en"})
    english = client.post("/scenarios/rules/check/", data).content.decode()
    assert f"Line {line}, column {column}:" in english
    fine = {**data, "rule-0-formula": "desil <= 3 and pmt_score <= 2"}
    assert (
        "The formula reads correctly."
        in client.post("/scenarios/rules/check/", fine).content.decode()
    )


def test_without_javascript_saving_shows_the_rules_mistake_and_saves_nothing(version) -> None:
    client = signed_in(Role.ANALYST)
    page = client.get("/scenarios/new/").content.decode()
    assert 'hx-post="/scenarios/rules/check/"' in page  # checked as typed where JS runs
    response = build(
        client, version, **{"rule-0-variable": "sembako_eligible", "rule-0-formula": "desil <="}
    )
    assert response.status_code == 400
    column = len("desil <=") + 1
    assert f"Baris 1, kolom {column}:" in response.content.decode()
    assert not Scenario.objects.exists()


# A run keeps what it ran on.


def test_a_run_keeps_the_ruleset_version_and_the_dataset_checksum(version) -> None:
    client = signed_in(Role.KEPALA)
    scenario = Scenario.objects.create(
        name="PKH 5", dataset=version, changes={"pkh.max_desil": 5}, owner=client.user
    )
    runs._KEPT.clear()  # the first run reads the files and computes the status quo
    scenario = run(client, scenario)
    folder = services.folder_of(version)
    checksum = hashlib.sha256((folder / "dataset.json").read_bytes()).hexdigest()
    assert scenario.dataset_checksum == checksum == version.checksum
    assert scenario.ruleset_version.startswith(sejahtera.__version__ + "+")
    assert len(scenario.ruleset_version.split("+", 1)[1]) == 12
    first = scenario.result
    again = run(client, scenario)  # from the worker's status quo, kept: the same figures
    assert len(runs._KEPT[checksum]) == 2
    same(again.result, first)
    assert again.ruleset_version == scenario.ruleset_version
    assert "pkh.max_desil" in again.reform_text
    page = client.get(f"/scenarios/{scenario.pk}/").content.decode()
    assert checksum[:12] in page and scenario.ruleset_version in page
    event = AuditEvent.objects.filter(action="scenario_run").first()
    assert event.detail["dataset_checksum"] == checksum and event.user == client.user


@pytest.mark.django_db(transaction=True)  # the preparing thread reads through its own connection
def test_a_starting_worker_prepares_the_current_version_for_the_first_run(version) -> None:
    """``sejahtera manage worker`` sends ``worker_starting`` before it takes a job: the studio
    reads the current version and computes its status quo then, so the first run reuses them."""
    runs._KEPT.clear()
    answers = worker_starting.send(sender=None)
    thread = dict(answers)[runs.prepare]
    thread.join(timeout=120)
    kept = runs._KEPT[version.checksum]
    start = kept[("indonesia", ruleset_version(load_ruleset("indonesia")), "2025")]
    frames = kept["frames"]
    client = signed_in(Role.ANALYST)
    scenario = Scenario.objects.create(
        name="PKH 5", dataset=version, changes={"pkh.max_desil": 5}, owner=client.user
    )
    ran = run(client, scenario)
    assert ran.state == ScenarioState.DONE
    assert runs._KEPT[version.checksum]["frames"] is frames  # not read again
    assert runs.status_quo(version, "indonesia", load_ruleset("indonesia"), "2025") is start


def test_a_worker_with_no_dataset_has_nothing_to_prepare() -> None:
    assert runs.prepare() is None


def test_a_run_on_changed_files_fails_and_keeps_nothing(version) -> None:
    client = signed_in(Role.KEPALA)
    scenario = Scenario.objects.create(name="x", dataset=version, changes={"pkh.max_desil": 5})
    manifest = services.folder_of(version) / "dataset.json"
    manifest.write_text(manifest.read_text().replace("}", " }", 1))
    scenario = run(client, scenario)
    assert scenario.state == ScenarioState.FAILED and scenario.result is None
    assert "telah berubah" in scenario.job.error


# Compare up to four.


def test_compare_up_to_four_columns_with_the_status_quo_computed_here(version) -> None:
    client = signed_in(Role.KEPALA)
    ran = []
    for desil in (5, 6, 7, 8):
        made = Scenario.objects.create(
            name=f"PKH desil {desil}", dataset=version, changes={"pkh.max_desil": desil}
        )
        ran.append(run(client, made))
    query = "&".join(f"scenario={s.pk}" for s in ran[:3]) + "&status_quo=1"
    page = client.get(f"/scenarios/compare/?{query}")
    assert page.status_code == 200
    assert [c.title for c in page.context["columns"]] == [
        "Kondisi saat ini",
        "PKH desil 5",
        "PKH desil 6",
        "PKH desil 7",
    ]
    html = page.content.decode()
    assert html.count("<svg") >= 4 + 3  # an incidence chart per column, a map per scenario
    exported = client.get(f"/scenarios/compare/export/?{query}&format=csv")
    rows = {r[0]: r[2:] for r in csv.reader(io.StringIO(exported.content.decode("utf-8-sig")))}
    p0 = [float(v) for v in rows["P0 (persentase penduduk miskin)"]]
    assert p0[0] == pytest.approx(100 * headcount(data_folder()), abs=1e-9)
    cost = [float(v) for v in rows["Semua program"]]
    change = rows["Perubahan dari kondisi saat ini"]
    for n, scenario in enumerate(ran[:3], start=1):
        assert float(change[n]) == pytest.approx(cost[n] - cost[0], rel=1e-9)
        assert scenario.result["baseline"]["total"]["cost_rp"] == pytest.approx(cost[0])
    assert sorted(cost[1:]) == cost[1:]  # wider PKH costs more

    four = "&".join(f"scenario={s.pk}" for s in ran)
    assert client.get(f"/scenarios/compare/?{four}").status_code == 200
    five = client.get(f"/scenarios/compare/?{four}&status_quo=1")
    assert five.status_code == 400
    assert "paling banyak empat kolom" in five.content.decode()
    assert AuditEvent.objects.filter(action="comparison_exported").count() == 1


def test_a_scenario_without_results_is_not_compared(version) -> None:
    client = signed_in(Role.KEPALA)
    draft = Scenario.objects.create(name="x", dataset=version)
    page = client.get(f"/scenarios/compare/?scenario={draft.pk}&status_quo=1")
    assert page.status_code == 400 and "Jalankan setiap skenario" in page.content.decode()


# Budget mode.


def test_budget_mode_ranks_the_options_as_the_cli_does(version) -> None:
    client = signed_in(Role.ANALYST)
    answer = client.post(
        "/scenarios/budget/",
        {"dataset": version.pk, "period": "2025", "amount": "5.000.000.000"},
    )
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    cli = cli_json("budget", str(data_folder()), "--rules", "indonesia", "--extra", "5e9")
    options = page.context["options"]
    assert [o["best"] is not None for o in options] == [
        o["best"] is not None for o in cli["ranking"]
    ]
    for shown, expected in zip(options, cli["ranking"], strict=True):
        assert shown["title"] == expected["label"]["id"]
        if expected["best"] is not None:
            assert shown["best"]["net_cost_rp"] == pytest.approx(expected["best"]["net_cost_rp"])
            assert shown["best"]["net_cost_rp"] <= 5e9
    html = page.content.decode()
    first = next(o for o in cli["ranking"] if o["best"] is not None)
    assert first["label"]["id"] in html and "Batas efisien" in html
    assert AuditEvent.objects.filter(action="budget_run").exists()


def test_budget_mode_says_when_nothing_fits(version) -> None:
    client = signed_in(Role.ANALYST)
    answer = client.post(
        "/scenarios/budget/", {"dataset": version.pk, "period": "2025", "amount": "1.000"}
    )
    html = client.get(answer["Location"]).content.decode()
    assert "Tidak terjangkau: tidak ada pilihan yang muat dalam Rp1.000 setahun" in html
    wrong = client.post(
        "/scenarios/budget/", {"dataset": version.pk, "period": "2025", "amount": "banyak"}
    )
    assert wrong.status_code == 400 and "“banyak” bukan jumlah uang" in wrong.content.decode()


# The household explainer.


def test_the_explainer_gives_each_parameter_with_its_legal_reference(version, tmp_path) -> None:
    client = signed_in(Role.ANALYST)
    scenario = run(
        client,
        Scenario.objects.create(name="PKH 5", dataset=version, changes={"pkh.max_desil": 5}),
    )
    households = pd.read_parquet(data_folder() / "households.parquet")
    chosen = households[households["desil"] == 5]["household_id"].iloc[0]
    answer = client.post(f"/scenarios/{scenario.pk}/explain/", {"household": chosen})
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    html = page.content.decode()
    reference = load_ruleset("indonesia").parameters.get(("pkh", "max_desil")).reference
    assert reference.replace(";", "") in html.replace(";", "")
    pkh = next(p for p in page.context["explained"]["programmes"] if p["name"] == "pkh")
    desil = next(v for v in pkh["parameters"] if v["path"] == "pkh.max_desil")
    assert desil["values"] == ["desil 4", "desil 5"] and desil["changed"]
    # The household's yearly PKH under the reform, as the command line writes it per household.
    reform = tmp_path / "r.yaml"
    reform.write_text("name: r\nparameters:\n  pkh.max_desil:\n    2025-01-01: {value: 5}\n")
    out = tmp_path / "households.csv"
    command = ["simulate", str(data_folder()), "--rules", "indonesia", "--reform", str(reform)]
    CliRunner().invoke(main, [*command, "--households-out", str(out)], catch_exceptions=False)
    rows = pd.read_csv(out, dtype={"household_id": str}).set_index("household_id")
    column = next(c for c in rows.columns if "pkh" in c and "reform" in c)
    assert pkh["benefits"][-1] == pytest.approx(rows.loc[chosen, column])
    assert AuditEvent.objects.filter(action="household_explained").exists()


def test_an_unknown_household_fails_with_a_message(version) -> None:
    client = signed_in(Role.ANALYST)
    scenario = Scenario.objects.create(name="x", dataset=version)
    answer = client.post(f"/scenarios/{scenario.pk}/explain/", {"household": "H-TIDAK-ADA"})
    job = Job.objects.get(kind="scenario.explain")
    assert job.state == "failed" and "H-TIDAK-ADA" in job.error, job.error
    assert client.get(answer["Location"]).status_code == 200


# The REST API.


def test_post_api_scenarios_runs_a_job_whose_result_equals_the_cli(version, tmp_path) -> None:
    token = issue(user_with(Role.ANALYST))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {"dataset": version.pk, "ruleset": "indonesia", "period": "2025"}
    body["changes"] = {"pkh.max_desil": 5}
    answer = signed_in(None).post(
        "/api/scenarios", json.dumps(body), content_type="application/json", **auth
    )
    assert answer.status_code == 202, answer.content
    job = answer.json()["job"]
    followed = signed_in(None).get(f"/api/jobs/{job}", **auth).json()
    assert followed["state"] == "done" and followed["progress"] == 1
    reform = tmp_path / "pkh.yaml"
    reform.write_text("name: pkh\nparameters:\n  pkh.max_desil:\n    2025-01-01: {value: 5}\n")
    cli = simulate_cli(reform)
    assert set(followed["result"]) == set(cli) == {"baseline", "reform", "difference"}
    same(followed["result"], cli)
    made = Scenario.objects.get()
    assert made.job_id == job and made.dataset_checksum == version.checksum


def test_the_api_refuses_bad_input_naming_the_field_and_makes_nothing(version) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue(user_with(Role.KEPALA))}"}

    def post(**body: Any):
        body = {"dataset": version.pk, **body}
        return signed_in(None).post(
            "/api/scenarios", json.dumps(body), content_type="application/json", **auth
        )

    wrong = post(changes={"pkh.max_desil": 11})
    assert wrong.status_code == 400 and "changes.pkh.max_desil" in wrong.json()["detail"]
    unknown = post(changes={"pkh.no_such_thing": 1})
    assert unknown.status_code == 400 and "changes.pkh.no_such_thing" in unknown.json()["detail"]
    rule = post(formulas={"sembako_eligible": "desil <="})
    assert rule.status_code == 400
    assert "formulas.sembako_eligible: line 1, column 9" in rule.json()["detail"]
    assert post(dataset=version.pk + 100).status_code == 400
    assert post(period="1999").status_code == 400
    assert not Scenario.objects.exists() and not Job.objects.exists()


def test_the_api_answers_each_role_as_the_policy_says(version) -> None:
    body = json.dumps({"dataset": version.pk, "changes": {"pkh.max_desil": 5}})
    for role in (Role.OFFICER, Role.PARTNER, Role.AUDITOR):
        user = user_with(role, PARTNER if role == Role.PARTNER else "")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {issue(user)}"}
        answer = signed_in(None).post(
            "/api/scenarios", body, content_type="application/json", **auth
        )
        assert answer.status_code == 403, role
    assert not Scenario.objects.exists()
    Scenario.objects.create(name="published", dataset=version, published=True)
    Scenario.objects.create(name="draft", dataset=version)
    partner = {"HTTP_AUTHORIZATION": f"Bearer {issue(user_with(Role.PARTNER, PARTNER))}"}
    officer = {"HTTP_AUTHORIZATION": f"Bearer {issue(user_with(Role.OFFICER))}"}
    seen = signed_in(None).get("/api/scenarios", **partner).json()
    assert [s["name"] for s in seen] == ["published"]
    assert len(signed_in(None).get("/api/scenarios", **officer).json()) == 2


# Who may do what, in the pages.


def test_pages_refuse_the_roles_the_policy_refuses(version) -> None:
    draft = Scenario.objects.create(name="draft", dataset=version)
    officer = signed_in(Role.OFFICER)
    assert officer.get("/scenarios/new/").status_code == 403
    assert officer.post(f"/scenarios/{draft.pk}/run/").status_code == 403
    assert officer.get(f"/scenarios/{draft.pk}/").status_code == 200
    partner = signed_in(Role.PARTNER, PARTNER)
    assert partner.get(f"/scenarios/{draft.pk}/").status_code == 403
    assert "draft" not in partner.get("/scenarios/").content.decode()
    analyst = signed_in(Role.ANALYST)
    assert analyst.post(f"/scenarios/{draft.pk}/publish/").status_code == 403


def test_the_head_publishes_a_run_scenario_and_partners_then_read_it(version) -> None:
    head = signed_in(Role.KEPALA)
    scenario = Scenario.objects.create(name="PKH 5", dataset=version, changes={"pkh.max_desil": 5})
    refused = head.post(f"/scenarios/{scenario.pk}/publish/")
    assert refused.status_code == 409 and not Scenario.objects.get().published
    run(head, scenario)
    assert head.post(f"/scenarios/{scenario.pk}/publish/").status_code == 302
    partner = signed_in(Role.PARTNER, PARTNER)
    page = partner.get(f"/scenarios/{scenario.pk}/")
    assert page.status_code == 200 and "Semua program" in page.content.decode()
    assert head.get(f"/scenarios/{scenario.pk}/edit/").status_code == 409  # published: kept
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"job_queued", "scenario_run", "scenario_published"} <= actions


def test_editing_saves_the_new_values_and_clears_the_old_result(version) -> None:
    client = signed_in(Role.ANALYST)
    assert build(client, version, **{"p-pkh--max_desil": "5"}).status_code == 302
    scenario = run(client, Scenario.objects.get())
    data = form_data(client, f"/scenarios/{scenario.pk}/edit/")
    assert data["p-pkh--max_desil"] == "5"
    data["p-pkh--max_desil"] = "6"
    assert client.post(f"/scenarios/{scenario.pk}/edit/", data).status_code == 302
    scenario.refresh_from_db()
    assert scenario.changes == {"pkh.max_desil": 6}
    assert scenario.state == ScenarioState.DRAFT and scenario.result is None
    stale = client.post(f"/scenarios/{scenario.pk}/edit/", data)  # the old version number
    assert stale.status_code == 409
    assert {"scenario_created", "scenario_changed"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_the_pages_read_in_english_too(version) -> None:
    client = signed_in(Role.KEPALA)
    client.post("/i18n/setlang/", {"language": "en"})
    scenario = run(
        client,
        Scenario.objects.create(name="PKH 5", dataset=version, changes={"pkh.max_desil": 5}),
    )
    html = client.get(f"/scenarios/{scenario.pk}/").content.decode()
    assert "Results against the status quo" in html and "Coverage of the poor" in html
    html = client.get("/scenarios/").content.decode()
    assert "Scenario studio" in html and re.search(r"Results ready", html)


# In a browser: the rule is checked as it is typed (htmx posts it to the check endpoint).


@pytest.mark.django_db(transaction=True)
def test_in_a_browser_a_rule_is_checked_as_it_is_typed(
    browser, live_server, settings, tmp_path
) -> None:
    from playwright.sync_api import expect

    settings.ALLOWED_HOSTS = ["*"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    services.register(data_folder(), name="Registri DIY")
    user_with(Role.ANALYST, username="analis", password=PASSWORD)
    page = browser.new_page(base_url=live_server.url)
    sign_in(page, "analis", then="/scenarios/new/")
    page.locator("select[name=rule-0-variable]").select_option("sembako_eligible")
    page.locator("textarea[name=rule-0-formula]").fill("desil <= 3 and\n  pmt_scor <= 2")
    expect(page.locator("#rule-0-check")).to_contain_text("Baris 2, kolom 3")
    page.locator("textarea[name=rule-0-formula]").fill("desil <= 3")
    expect(page.locator("#rule-0-check")).to_contain_text("Rumus terbaca dengan benar")
    page.close()
