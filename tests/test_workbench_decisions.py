"""Decision records (workbench/decisions): the multi-criteria appraisal against a hand
computation, the weight ranges against a brute force over a fine grid of weights, maker-checker
(an analyst prepares, the head decides, never their own submission), a decided record that cannot
change and an amendment that is a new version, the draft programme made from a decided scenario
(its ruleset version, a budget per funder equal to the scenario's net cost by funder, its SIPD
codes), the stakeholders' positions and linked consultations, and who may do what.

Scenario figures are checked against the scenario's own stored result (``sejahtera simulate
--json`` as the studio keeps it), never against the decision pages' code."""

from __future__ import annotations

import random
import re
import tempfile
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.consultations.models import Consultation, Input
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.core.tokens import issue
from sejahtera.workbench.datasets import services as datasets
from sejahtera.workbench.decisions import appraisal
from sejahtera.workbench.decisions.models import (
    Criterion,
    DecidedRecord,
    Decision,
    DecisionStatus,
    Option,
    OptionKind,
    Score,
)
from sejahtera.workbench.monev.models import Indicator, ResultNode
from sejahtera.workbench.programmes.models import Budget, Programme
from sejahtera.workbench.scenarios.models import Scenario
from workbench_users import organisation_named, signed_in

pytestmark = pytest.mark.django_db


# The appraisal's arithmetic, by hand.


def test_the_appraisal_is_the_hand_computation() -> None:
    # Three options; cost (lower better), poverty reduction (higher better), judged feasibility.
    criteria = [
        appraisal.Criterion("cost", 2, higher_is_better=False),
        appraisal.Criterion("poverty", 5, higher_is_better=True),
        appraisal.Criterion("feasible", 3, higher_is_better=True, judged=True),
    ]
    values = {
        ("sq", "cost"): 0.0,
        ("a", "cost"): 100.0,
        ("b", "cost"): 40.0,
        ("sq", "poverty"): 0.0,
        ("a", "poverty"): 0.02,
        ("b", "poverty"): 0.005,
        ("sq", "feasible"): 5,
        ("a", "feasible"): 2,
        ("b", "feasible"): None,
    }
    found = appraisal.appraise(["sq", "a", "b"], criteria, values)
    # Weights 2, 5, 3 out of 10. Cost min–max reversed: sq 1, a 0, b (100−40)/100 = 0.6.
    # Poverty: sq 0, a 1, b 0.005/0.02 = 0.25. Feasibility on 1–5: sq 1, a 0.25, b missing → 0.
    assert found.weights == {"cost": 0.2, "poverty": 0.5, "feasible": 0.3}
    assert found.normalised[("b", "cost")] == pytest.approx(0.6)
    assert found.normalised[("b", "poverty")] == pytest.approx(0.25)
    assert found.normalised[("a", "feasible")] == pytest.approx(0.25)
    assert found.missing == {("b", "feasible")}
    assert found.scores["sq"] == pytest.approx(0.2 * 1 + 0.5 * 0 + 0.3 * 1)  # 0.5
    assert found.scores["a"] == pytest.approx(0.2 * 0 + 0.5 * 1 + 0.3 * 0.25)  # 0.575
    assert found.scores["b"] == pytest.approx(0.2 * 0.6 + 0.5 * 0.25 + 0.3 * 0)  # 0.245
    assert found.ranking == ("a", "sq", "b")
    # Equal values separate nobody: each scores 1. Ties keep the given order.
    flat = appraisal.appraise(
        ["x", "y"], [appraisal.Criterion("c", 1)], {("x", "c"): 3.0, ("y", "c"): 3.0}
    )
    assert flat.scores == {"x": 1.0, "y": 1.0} and flat.ranking == ("x", "y")


def test_bad_appraisals_are_refused_by_reason() -> None:
    one = [appraisal.Criterion("c", 1)]
    with pytest.raises(appraisal.AppraisalError) as no_weight:
        appraisal.appraise(["x"], [appraisal.Criterion("c", 0)], {("x", "c"): 1.0})
    assert no_weight.value.reason == "no_weight"
    with pytest.raises(appraisal.AppraisalError) as scale:
        appraisal.appraise(["x"], [appraisal.Criterion("c", 1, judged=True)], {("x", "c"): 7})
    assert scale.value.reason == "judged_out_of_scale"
    with pytest.raises(appraisal.AppraisalError):
        appraisal.appraise([], one, {})


def brute_top(
    options: list[str], criteria: list[appraisal.Criterion], normalised: dict, moved: str, t: float
) -> str:
    """The first option when ``moved`` weighs ``t`` and the others share 1 − t in their
    proportions: computed here from the weights, not by the module."""
    total = sum(c.weight for c in criteria)
    rest = sum(c.weight for c in criteria if c.key != moved) / total
    weights = {
        c.key: t if c.key == moved else (c.weight / total) * (1 - t) / rest for c in criteria
    }
    scores = {o: sum(weights[k] * normalised[(o, k)] for k in weights) for o in options}
    return max(options, key=lambda o: (scores[o], -options.index(o)))


def test_weight_ranges_agree_with_a_brute_force_over_a_fine_grid() -> None:
    generator = random.Random(14)
    grid = [n / 4000 for n in range(4001)]
    checked = 0
    for _ in range(30):
        options = [f"o{n}" for n in range(generator.randint(2, 5))]
        criteria = [
            appraisal.Criterion(f"c{n}", generator.uniform(0.5, 10), generator.random() < 0.5)
            for n in range(generator.randint(2, 5))
        ]
        values = {(o, c.key): generator.uniform(0, 100) for o in options for c in criteria}
        found = appraisal.appraise(options, criteria, values)
        # The normalised values by hand: min–max, reversed when lower is better.
        normalised = {}
        for c in criteria:
            column = [values[(o, c.key)] for o in options]
            low, high = min(column), max(column)
            for o in options:
                share = (values[(o, c.key)] - low) / (high - low)
                normalised[(o, c.key)] = share if c.higher_is_better else 1 - share
        for c in criteria:
            span = appraisal.weight_range(found, c.key)
            assert span.top == brute_top(options, criteria, normalised, c.key, span.weight)
            assert span.low <= span.weight <= span.high
            for t in grid:
                top = brute_top(options, criteria, normalised, c.key, t)
                if span.low + 1e-6 < t < span.high - 1e-6:
                    assert top == span.top, (c.key, t, span)
                elif t < span.low - 1e-6 or t > span.high + 1e-6:
                    assert top != span.top, (c.key, t, span)
                    checked += 1
            steps = appraisal.sweep(found, c.key, 11)
            for step in steps:
                brute = brute_top(options, criteria, normalised, c.key, step.weight)
                assert (
                    step.ranking[0] == brute
                    or abs(step.scores[brute] - step.scores[step.ranking[0]]) < 1e-12
                )
    assert checked > 0  # some ranges end inside 0–100 %


# A record in the workbench.


@cache
def office_data() -> Path:
    """A synthetic DI Yogyakarta of 60 households, calibrated on a small sample (fast)."""
    folder = Path(tempfile.mkdtemp(prefix="sejahtera-decisions-")) / "diy"
    return synthesise(SynthOptions("34", 60, seed=2, calibration_households=5_000), folder).path


@pytest.fixture
def version(settings, tmp_path):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    settings.DATA_FOLDER = tmp_path / "data"
    return datasets.register(office_data(), name="Registri DIY").version


def run_scenario(
    version, name: str, changes: dict[str, Any], templates: tuple[str, ...] = ()
) -> Scenario:
    """A scenario run as the studio runs it (the job, in the request in tests)."""
    analyst = signed_in(Role.ANALYST)
    scenario = Scenario.objects.create(
        name=name,
        dataset=version,
        period="2025",
        changes=changes,
        templates=list(templates),
        owner=analyst.user,
    )
    response = analyst.post(f"/scenarios/{scenario.pk}/run/")
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.has_result, scenario.job.error if scenario.job else "no job"
    return scenario


@pytest.fixture
def scenario(version) -> Scenario:
    return run_scenario(version, "PKH sampai desil 5", {"pkh.max_desil": 5})


def new_record(client, version, title: str = "Perluasan PKH") -> Decision:
    response = client.post(
        "/decisions/new/",
        {
            "title": title,
            "problem": "Banyak rumah tangga miskin belum terjangkau.",
            "period": "2025",
            "dataset": version.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Decision.objects.get(title=title)


OTHER_COST = 5_000_000_000  # Rp a year: the estimated cost of the option not simulated


def prepared(client, version, scenario: Scenario) -> Decision:
    """A record with the scenario and an option not simulated, judged criteria scored 3 and
    the unsimulated option's cost estimated (its other simulated figures left empty)."""
    record = new_record(client, version)
    assert (
        client.post(
            f"/decisions/{record.pk}/options/scenario/", {"scenario": scenario.pk}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/decisions/{record.pk}/options/other/",
            {"title": "Perkuat pemutakhiran data bersama desa", "description": "Verval rutin"},
        ).status_code
        == 302
    )
    form = client.get(f"/decisions/{record.pk}/scores/").context["form"]
    data = {}
    for name in form.fields:  # s_<option>_<criterion>
        criterion = Criterion.objects.get(pk=int(name.split("_")[2]))
        if criterion.judged:
            data[name] = "3"
        elif criterion.measure == "net_cost_rp":
            data[name] = str(OTHER_COST)  # the analyst's estimate for the option not simulated
    assert client.post(f"/decisions/{record.pk}/scores/", data).status_code == 302
    record.refresh_from_db()
    return record


def submit(client, record: Decision) -> Any:
    record.refresh_from_db()
    return client.post(f"/decisions/{record.pk}/submit/", {"version": record.version})


def decide(client, record: Decision, option: Option, rationale: str = "Paling efektif.") -> Any:
    record.refresh_from_db()
    return client.post(
        f"/decisions/{record.pk}/decide/",
        {"version": record.version, "option": option.pk, "rationale": rationale},
    )


def test_a_new_record_starts_with_todays_situation_and_the_default_criteria(version) -> None:
    record = new_record(signed_in(Role.ANALYST), version)
    options = list(record.options.all())
    assert [o.kind for o in options] == [OptionKind.STATUS_QUO]
    assert [(c.measure, c.higher_is_better) for c in record.criteria.all()] == [
        ("net_cost_rp", False),
        ("poverty_reduction", True),
        ("exclusion_error", False),
        ("", True),
        ("", True),
    ]
    assert AuditEvent.objects.filter(action="decision_created", object_id=str(record.pk)).exists()


def test_the_page_shows_the_scenarios_stored_figures_and_ranks_the_options(
    version, scenario
) -> None:
    analyst = signed_in(Role.ANALYST)
    record = prepared(analyst, version, scenario)
    # A second scenario that lowers poverty (a larger Sembako).
    food = run_scenario(version, "Sembako Rp1 juta", {"sembako.amount": 1_000_000})
    assert (
        analyst.post(f"/decisions/{record.pk}/options/scenario/", {"scenario": food.pk}).status_code
        == 302
    )
    body = analyst.get(f"/decisions/{record.pk}/").content.decode()
    runs = {"sc": scenario.result, "food": food.result}
    for result in runs.values():  # the extra cost (Rp, Indonesian grouping) as stored
        assert f"Rp {indonesian(result['difference']['net_cost_rp'], 0)}" in body
    fall = -food.result["difference"]["poverty_change"]["fgt0"]
    assert fall > 0 and indonesian(fall * 100, 2) in body  # points of P0
    # The scores the page shows equal the hand computation on the stored figures.
    costs = {"sq": 0.0, "other": OTHER_COST}
    falls = {"sq": 0.0, "other": None}
    excl = {"sq": scenario.result["baseline"]["total"]["exclusion_error"], "other": None}
    for key, result in runs.items():
        costs[key] = result["difference"]["net_cost_rp"]
        falls[key] = -result["difference"]["poverty_change"]["fgt0"]
        excl[key] = result["reform"]["total"]["exclusion_error"]

    def minmax(column: dict, higher: bool) -> dict:
        known = [v for v in column.values() if v is not None]
        low, high = min(known), max(known)
        out = {}
        for k, v in column.items():
            if v is None:
                out[k] = 0.0
            elif high == low:
                out[k] = 1.0
            else:
                out[k] = (v - low) / (high - low) if higher else (high - v) / (high - low)
        return out

    n_cost, n_fall, n_excl = minmax(costs, False), minmax(falls, True), minmax(excl, False)
    # Judged scores: 3 on 1–5 (0.5) for the options scored; the scenario added after the
    # scoring has none, which counts as the worst (0).
    judged = {"sq": 0.5, "sc": 0.5, "other": 0.5, "food": 0.0}
    expected = {
        k: (25 * n_cost[k] + 30 * n_fall[k] + 15 * n_excl[k] + 30 * judged[k]) / 100 for k in costs
    }
    table = body[body.index('id="appraisal-table"') :]
    table = table[: table.index("</table>")]
    shown = {
        int(m.group(1)): float(m.group(2))
        for m in re.finditer(r'<tr data-option="(\d+)">.*?data-score="([0-9.e-]+)"', table, re.S)
    }
    pks = {
        "sq": record.options.get(kind=OptionKind.STATUS_QUO).pk,
        "other": record.options.get(kind=OptionKind.OTHER).pk,
        "sc": record.options.get(scenario=scenario).pk,
        "food": record.options.get(scenario=food).pk,
    }
    assert {k: shown[pk] for k, pk in pks.items()} == pytest.approx(expected)
    ranked = [int(pk) for pk in re.findall(r'<tr data-option="(\d+)">', table)]
    assert ranked == [pks[k] for k in sorted(expected, key=lambda k: -expected[k])]
    # The sensitivity: the weight ranges, the sweep's table and its chart.
    assert 'id="ranges-table"' in body and 'id="sweep-table"' in body and "<svg" in body
    # The REST API gives the same appraisal.
    token = issue(analyst.user)
    api = Client().get(f"/api/decisions/{record.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200
    found = api.json()
    assert {k: found["appraisal"]["scores"][str(pk)] for k, pk in pks.items()} == pytest.approx(
        expected
    )
    assert found["appraisal"]["ranking"] == ranked
    assert found["values"][str(pks["food"])][str(record.criteria.first().pk)] == pytest.approx(
        food.result["difference"]["net_cost_rp"]
    )
    partner = issue(signed_in(Role.PARTNER, "Yayasan A").user)
    assert Client().get("/api/decisions", HTTP_AUTHORIZATION=f"Bearer {partner}").status_code == 403


def test_an_analyst_prepares_the_head_decides_and_the_decided_record_cannot_change(
    version, scenario
) -> None:
    analyst = signed_in(Role.ANALYST)
    record = prepared(analyst, version, scenario)
    # A page opened before someone else saved the record submits nothing (optimistic locking).
    stale = analyst.post(f"/decisions/{record.pk}/submit/", {"version": record.version - 1})
    assert stale.status_code == 409
    assert Decision.objects.get(pk=record.pk).status == DecisionStatus.DRAFT
    assert submit(analyst, record).status_code == 302
    record.refresh_from_db()
    assert record.status == DecisionStatus.SUBMITTED and record.submitted_by == analyst.user
    chosen = record.options.get(kind=OptionKind.SCENARIO)
    # A submitted record changes no more: the analyst's edits are refused.
    assert analyst.get(f"/decisions/{record.pk}/edit/").status_code == 409
    # The analyst may not decide (the policy), a head who submitted may not either.
    assert decide(analyst, record, chosen).status_code == 403
    head = signed_in(Role.KEPALA)
    before = Decision.objects.get(pk=record.pk).version
    assert decide(head, record, chosen, rationale="").status_code == 400  # needs a rationale
    assert Decision.objects.get(pk=record.pk).version == before
    assert decide(head, record, chosen).status_code == 302
    record.refresh_from_db()
    assert record.status == DecisionStatus.DECIDED
    assert (record.chosen, record.decided_by, record.rationale) == (
        chosen,
        head.user,
        "Paling efektif.",
    )
    assert record.decided_at is not None
    event = AuditEvent.objects.get(action="decision_decided", object_id=str(record.pk))
    assert event.user == head.user and event.detail["option"] == chosen.pk
    # Every change is refused and leaves the record as it was.
    kept = (record.title, record.version, record.options.count(), record.criteria.count())
    criterion = record.criteria.first()
    for path, data in [
        (
            f"/decisions/{record.pk}/edit/",
            {"title": "x", "problem": "y", "period": "2026", "version": record.version},
        ),
        (f"/decisions/{record.pk}/options/other/", {"title": "z"}),
        (
            f"/decisions/criteria/{criterion.pk}/edit/",
            {"name": "x", "source": "judged", "weight": "1", "version": 1},
        ),
        (f"/decisions/criteria/{criterion.pk}/delete/", {}),
        (f"/decisions/options/{chosen.pk}/delete/", {}),
        (f"/decisions/{record.pk}/scores/", {}),
        (f"/decisions/{record.pk}/submit/", {"version": record.version}),
    ]:
        refused = analyst.post(path, data)
        assert refused.status_code == 409, path
        assert "tidak dapat berubah" in refused.content.decode() or path.endswith("submit/")
    assert decide(head, record, chosen).status_code == 409
    record.refresh_from_db()
    assert (record.title, record.version, record.options.count(), record.criteria.count()) == kept
    # The models refuse too.
    record.title = "Diubah"
    with pytest.raises(DecidedRecord):
        record.save()
    with pytest.raises(DecidedRecord):
        Criterion.objects.get(pk=criterion.pk).delete()
    with pytest.raises(DecidedRecord):
        Score.objects.filter(option__decision=record).first().save()


def test_whoever_submitted_a_record_may_not_decide_it(version, scenario) -> None:
    head = signed_in(Role.KEPALA)
    record = prepared(head, version, scenario)
    assert submit(head, record).status_code == 302
    chosen = record.options.get(kind=OptionKind.SCENARIO)
    response = decide(head, record, chosen)
    assert response.status_code == 403
    assert "orang lain" in response.content.decode()
    assert Decision.objects.get(pk=record.pk).status == DecisionStatus.SUBMITTED
    # The head may send it back to draft; another head decides the next submission.
    record.refresh_from_db()
    assert (
        head.post(f"/decisions/{record.pk}/return/", {"version": record.version}).status_code == 302
    )
    assert Decision.objects.get(pk=record.pk).status == DecisionStatus.DRAFT


def test_an_amendment_is_a_new_version_and_the_decided_one_stays(version, scenario) -> None:
    analyst, head = signed_in(Role.ANALYST), signed_in(Role.KEPALA)
    record = prepared(analyst, version, scenario)
    submit(analyst, record)
    decide(head, record, record.options.get(kind=OptionKind.SCENARIO))
    record.refresh_from_db()
    response = analyst.post(f"/decisions/{record.pk}/amend/")
    assert response.status_code == 302
    amended = Decision.objects.get(predecessor=record)
    assert response["Location"] == f"/decisions/{amended.pk}/"
    assert amended.number == 2 and amended.status == DecisionStatus.DRAFT
    assert amended.prepared_by == analyst.user and amended.chosen is None
    assert [o.title for o in amended.options.all()] == [o.title for o in record.options.all()]
    assert [o.snapshot for o in amended.options.all()] == [o.snapshot for o in record.options.all()]
    assert (
        Score.objects.filter(option__decision=amended).count()
        == Score.objects.filter(option__decision=record).count()
    )
    old = Decision.objects.get(pk=record.pk)
    assert (old.status, old.version, old.chosen_id) == (
        DecisionStatus.DECIDED,
        record.version,
        record.chosen_id,
    )
    page = analyst.get(f"/decisions/{record.pk}/").content.decode()
    assert "Diubah oleh versi 2" in page
    # The new version can change; the old one cannot be amended twice.
    assert (
        analyst.post(f"/decisions/{amended.pk}/options/other/", {"title": "Opsi baru"}).status_code
        == 302
    )
    assert analyst.post(f"/decisions/{record.pk}/amend/").status_code == 409
    assert Decision.objects.filter(predecessor=record).count() == 1


def test_a_decided_scenario_becomes_a_draft_programme_with_its_rules_budget_and_sipd_codes(
    version,
) -> None:
    # A scenario that adds a kabupaten-funded programme, so its net cost has an APBD part.
    scenario = run_scenario(version, "Lansia dan PKH", {"pkh.max_desil": 5}, ("lansia-daerah",))
    analyst = signed_in(Role.ANALYST)
    record = prepared(analyst, version, scenario)
    submit(analyst, record)
    decide(signed_in(Role.KEPALA), record, record.options.get(kind=OptionKind.SCENARIO))
    officer = signed_in(Role.OFFICER)
    address = f"/decisions/{record.pk}/programme/"
    record.refresh_from_db()
    fields = {
        "version": record.version,
        "code": "pkh-daerah",
        "name": "PKH Daerah",
        "sipd_program": "1.06.05",
        "sipd_kegiatan": "1.06.05.2.02",
        "sipd_sub_kegiatan": "1.06.06.2.01.0001",
    }
    wrong = officer.post(address, fields)
    assert wrong.status_code == 400  # the sub-kegiatan is not inside the kegiatan
    assert not Programme.objects.filter(code="pkh-daerah").exists()
    fields["sipd_sub_kegiatan"] = "1.06.05.2.02.0001"
    fields["sipd_unlisted_ok"] = "on"
    response = officer.post(address, fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    programme = Programme.objects.get(code="pkh-daerah")
    assert programme.status == "draft"
    assert (programme.ruleset, programme.ruleset_version) == (
        scenario.ruleset,
        scenario.ruleset_version,
    )
    assert (programme.sipd_program, programme.sipd_kegiatan, programme.sipd_sub_kegiatan) == (
        "1.06.05",
        "1.06.05.2.02",
        "1.06.05.2.02.0001",
    )
    by_funder = scenario.result["difference"]["net_cost_by_funder"]
    expected = {
        "APBN": by_funder.get("apbn", 0),
        "APBD": by_funder.get("apbd_provinsi", 0) + by_funder.get("apbd_kabupaten", 0),
        "other": sum(
            v for k, v in by_funder.items() if k not in ("apbn", "apbd_provinsi", "apbd_kabupaten")
        ),
    }
    expected = {k: round(v) for k, v in expected.items() if v > 0}
    assert expected and "APBD" in expected
    budgets = {b.source: int(b.amount_rp) for b in Budget.objects.filter(programme=programme)}
    assert budgets == expected
    assert set(Budget.objects.filter(programme=programme).values_list("year", flat=True)) == {2025}
    record.refresh_from_db()
    assert record.programme == programme
    page = officer.get("/programmes/pkh-daerah/").content.decode()
    assert f'href="/decisions/{record.pk}/"' in page  # the programme names its decision
    assert officer.post(address, fields | {"code": "lain"}).status_code == 409  # only once
    assert AuditEvent.objects.filter(action="decision_programme_made").count() == 1


def test_an_option_not_simulated_cannot_become_a_programme(version, scenario) -> None:
    analyst = signed_in(Role.ANALYST)
    record = prepared(analyst, version, scenario)
    submit(analyst, record)
    decide(signed_in(Role.KEPALA), record, record.options.get(kind=OptionKind.OTHER))
    response = signed_in(Role.OFFICER).get(f"/decisions/{record.pk}/programme/")
    assert response.status_code == 409
    assert "tidak disimulasikan" in response.content.decode()
    assert not Programme.objects.exists()


def test_stakeholder_positions_and_consultations_are_linked_and_shown(version, scenario) -> None:
    analyst = signed_in(Role.ANALYST)
    record = new_record(analyst, version)
    ngo = organisation_named("Yayasan Peduli Lansia")
    meeting = Consultation.objects.create(
        title="Musrenbang Kecamatan Wates",
        kind="meeting",
        date=date(2025, 3, 4),
        summary="Warga meminta data diperbarui.",
    )
    assert (
        analyst.post(
            f"/decisions/{record.pk}/positions/new/",
            {"organisation": ngo.pk, "position": "opposes", "note": "Khawatir salah sasaran"},
        ).status_code
        == 302
    )
    assert (
        analyst.post(
            f"/decisions/{record.pk}/positions/new/",
            {"organisation": ngo.pk, "position": "supports"},
        ).status_code
        == 400
    )  # one position per organisation
    assert (
        analyst.post(
            f"/decisions/{record.pk}/consultations/new/",
            {"consultation": meeting.pk, "note": "Mendukung verval bersama desa"},
        ).status_code
        == 302
    )
    body = analyst.get(f"/decisions/{record.pk}/").content.decode()
    assert "Yayasan Peduli Lansia" in body and "Menolak" in body
    assert "Musrenbang Kecamatan Wates" in body and "Mendukung verval bersama desa" in body
    assert record.positions.get().position == "opposes"
    assert AuditEvent.objects.filter(action="decision_position_added").count() == 1


def test_who_may_do_what(version, scenario) -> None:
    analyst = signed_in(Role.ANALYST)
    record = prepared(analyst, version, scenario)
    for role, status in [(Role.PARTNER, 403), (Role.AUDITOR, 200), (Role.OFFICER, 200)]:
        assert (
            signed_in(role, "Yayasan A" if role == Role.PARTNER else "")
            .get(f"/decisions/{record.pk}/")
            .status_code
            == status
        )
    assert signed_in(Role.OFFICER).post("/decisions/new/", {}).status_code == 403
    assert signed_in(Role.AUDITOR).post(f"/decisions/{record.pk}/submit/").status_code == 403
    # A scenario on another dataset version or year is refused as an option.
    other_year = run_scenario(version, "Tahun lain", {"pkh.max_desil": 4})
    Scenario.objects.filter(pk=other_year.pk).update(period="2024")
    refused = analyst.post(f"/decisions/{record.pk}/options/scenario/", {"scenario": other_year.pk})
    assert refused.status_code == 400
    assert record.options.count() == 3
    # Today's situation cannot be removed.
    status_quo = record.options.get(kind=OptionKind.STATUS_QUO)
    assert analyst.post(f"/decisions/options/{status_quo.pk}/delete/").status_code == 409
    assert Option.objects.filter(pk=status_quo.pk).exists()


def test_the_pages_read_in_english(version, scenario) -> None:
    analyst = signed_in(Role.ANALYST)
    record = prepared(analyst, version, scenario)
    indonesian = analyst.get(f"/decisions/{record.pk}/").content.decode()
    assert "Penilaian multikriteria" in indonesian and "Multi-criteria" not in indonesian
    assert record.options.first().title.startswith("Kondisi saat ini")
    analyst.cookies["django_language"] = "en"
    english = analyst.get(f"/decisions/{record.pk}/").content.decode()
    assert "Multi-criteria appraisal" in english and "Penilaian multikriteria" not in english
    # The default criteria and today's situation, made in Indonesian, read in English.
    assert "Poverty reduction" in english and "Penurunan kemiskinan" not in english
    assert "Today&#x27;s situation (status quo)" in english and "Kondisi saat ini" not in english


# The policy brief from a decision record.


def indonesian(value: float, decimals: int) -> str:
    """A number as an Indonesian reader writes it (1.234,5), formatted here."""
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def docx_tables(content: bytes) -> list[list[list[str]]]:
    import io

    from docx import Document

    return [
        [[cell.text.strip() for cell in row.cells] for row in table.rows]
        for table in Document(io.BytesIO(content)).tables
    ]


def options_table(tables: list[list[list[str]]]) -> dict[str, list[str]]:
    """The brief's table of the options' cost and reach, by option."""
    for table in tables:
        if table[0][:2] == ["Opsi", "Biaya (Rp miliar/tahun)"]:
            return {row[0]: row for row in table[1:]}
    raise AssertionError("no table of the options' costs in the brief")


def test_the_brief_of_a_decided_record_carries_the_scenarios_figures(version, scenario) -> None:
    analyst = signed_in(Role.ANALYST)
    record = prepared(analyst, version, scenario)
    meeting = Consultation.objects.create(
        title="Musrenbang", kind="meeting", date=date(2025, 3, 4), summary="Warga mendukung."
    )
    Input.objects.create(consultation=meeting, topic="Data", text="Data desa perlu diperbarui.")
    analyst.post(f"/decisions/{record.pk}/consultations/new/", {"consultation": meeting.pk})
    submit(analyst, record)
    decide(signed_in(Role.KEPALA), record, record.options.get(kind=OptionKind.SCENARIO))
    # The draft programme made from the decision, with a Monev indicator: the brief's plan.
    officer = signed_in(Role.OFFICER)
    record.refresh_from_db()
    made = officer.post(
        f"/decisions/{record.pk}/programme/",
        {"version": record.version, "code": "pkh-5", "name": "PKH desil 5"},
    )
    assert made.status_code == 302
    result = ResultNode.objects.create(
        programme=Programme.objects.get(code="pkh-5"), level="outcome", statement="KPM terjangkau"
    )
    Indicator.objects.create(
        result=result,
        code="IKU-1",
        name="Cakupan KPM desil 5",
        definition="Survei",
        unit="%",
        baseline_value=Decimal("40"),
        baseline_year=2024,
    )
    response = officer.post(f"/decisions/{record.pk}/brief/", {"format": "docx", "language": "id"})
    assert response.status_code == 302
    job = Job.objects.filter(kind="decision.brief").latest("pk")
    assert job.state == "done", (job.state, job.error, job.message)
    page = officer.get(f"/decisions/{record.pk}/").content.decode()
    link = re.search(r'href="(/decisions/briefs/\d+/)"', page)
    assert link, page[page.index('id="brief-card"') :][:2000]
    download = officer.get(link.group(1))
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith('-v1-id.docx"')
    content = b"".join(download.streaming_content)
    rows = options_table(docx_tables(content))
    reform, difference = scenario.result["reform"], scenario.result["difference"]
    row = rows[scenario.name]
    assert row[1] == indonesian(reform["total"]["cost_rp"] / 1e9, 1)
    assert row[2] == indonesian(difference["net_cost_rp"] / 1e9, 1)
    assert row[3] == indonesian(difference["newly_reached_poor"], 0)
    assert row[4] == indonesian(reform["total"]["coverage_of_poor"] * 100, 1) + "%"
    today = rows["Kondisi saat ini (status quo)"]
    assert today[1] == indonesian(scenario.result["baseline"]["total"]["cost_rp"] / 1e9, 1)
    text = "\n".join(cell for table in docx_tables(content) for r in table for cell in r)
    assert "Musrenbang" in text and "Data: Data desa perlu diperbarui." in text
    assert "IKU-1 Cakupan KPM desil 5" in text  # the Monev plan of the draft programme
    assert AuditEvent.objects.filter(action="brief_downloaded", object_id=str(record.pk)).exists()


def test_the_brief_in_english_as_pdf(version, scenario) -> None:
    import io

    from pypdf import PdfReader

    analyst = signed_in(Role.ANALYST)
    record = prepared(analyst, version, scenario)
    response = analyst.post(f"/decisions/{record.pk}/brief/", {"format": "pdf", "language": "en"})
    assert response.status_code == 302
    job = Job.objects.filter(kind="decision.brief").latest("pk")
    assert job.state == "done", (job.state, job.error, job.message)
    download = analyst.get(f"/decisions/briefs/{job.pk}/")
    assert download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    words = re.sub(r"\s+", " ", words)
    assert "PKH sampai desil 5" in words and "Today's situation (status quo)" in words
    net = f"{scenario.result['difference']['net_cost_rp'] / 1e9:,.1f}"  # English: 1,234.5
    assert net in words
    assert "Perkuat pemutakhiran data bersama desa" in words  # the option not simulated
    # A bad format is refused before any job starts.
    before = Job.objects.count()
    refused = analyst.post(f"/decisions/{record.pk}/brief/", {"format": "odt", "language": "en"})
    assert refused.status_code == 400 and Job.objects.count() == before
