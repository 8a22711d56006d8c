"""``sejahtera manage demo_decisions`` (workbench/decisions/demo.py): on the registered dataset,
the demo analyst's two scenarios run as the studio runs them, and a record with four options
(today's situation, both scenarios, the DTSEN update), scores, two stances and a consultation,
submitted and not decided; a second run makes and recomputes nothing.

The scenarios' figures are checked against the dataset itself, read here with pandas: the
status quo's poverty headcount, the households of each decile, who gains when PKH reaches decile
5, and the elderly the regional allowance can reach at the template's Rp200.000 a month."""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sejahtera.i18n import set_language
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.consultations.models import Consultation
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.datasets import services as datasets
from sejahtera.workbench.decisions import demo
from sejahtera.workbench.decisions.models import (
    ConsultationLink,
    Decision,
    DecisionStatus,
    Option,
    OptionKind,
    Score,
    StakeholderPosition,
)
from sejahtera.workbench.scenarios.models import Scenario
from test_workbench_decisions import office_data

pytestmark = pytest.mark.django_db
MADE = (
    Decision,
    Option,
    Score,
    StakeholderPosition,
    ConsultationLink,
    Scenario,
    Job,
    AuditEvent,
    Consultation,
)


@pytest.fixture
def folders(settings, tmp_path):
    settings.DATASETS_ROOT = tmp_path / "datasets"
    settings.DATA_FOLDER = tmp_path / "data"


@pytest.fixture
def version(folders):
    return datasets.register(office_data(), name="Registri DIY").version


def command(*arguments: str) -> str:
    out = io.StringIO()
    call_command("demo_decisions", *arguments, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MADE}


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The dataset's households (with their number of members) and persons, read here."""
    households = pd.read_parquet(office_data() / "households.parquet")
    persons = pd.read_parquet(office_data() / "persons.parquet")
    members = persons.groupby("household_id").size()
    households["members"] = households["household_id"].map(members).fillna(0)
    return households, persons


def test_the_demo_record_is_made_once_with_its_scenarios_run(version) -> None:
    call_command("demo", stdout=io.StringIO())
    said = command()
    assert "dibuat dengan 4 opsi" in said and "diajukan" in said

    decision = Decision.objects.get(title=demo.TITLE)
    analyst = decision.prepared_by
    assert analyst.username == "demo-analyst"
    assert decision.status == DecisionStatus.SUBMITTED  # the head decides in the demo
    assert decision.submitted_by == analyst and decision.decided_by is None
    assert decision.dataset == version and decision.period == "2025"
    options = list(decision.options.all())
    assert [o.kind for o in options] == [
        OptionKind.STATUS_QUO,
        OptionKind.SCENARIO,
        OptionKind.SCENARIO,
        OptionKind.OTHER,
    ]
    assert [o.title for o in options[1:]] == [
        "PKH diperluas hingga desil 5",
        "Bantuan lansia daerah",
        "Pemutakhiran DTSEN bersama desa",
    ]

    # The scenarios: the analyst's, on this version, run by a finished job of hers.
    widened, elderly = (o.scenario for o in options[1:3])
    assert widened.changes == {"pkh.max_desil": 5} and widened.templates == []
    assert elderly.changes == {} and elderly.templates == ["lansia-daerah"]
    for scenario in (widened, elderly):
        assert scenario.owner == analyst and scenario.dataset == version
        assert scenario.has_result and scenario.dataset_checksum == version.checksum
        assert scenario.job.state == JobState.DONE and scenario.job.owner == analyst
        assert scenario.job.result == scenario.result
    for option in options[1:3]:
        assert option.snapshot["difference"]["net_cost_rp"] == pytest.approx(
            option.scenario.result["difference"]["net_cost_rp"]
        )
        assert option.snapshot["dataset_checksum"] == version.checksum

    households, persons = frames()
    weight = households["weight"] * households["members"]
    poor = households["consumption_pc"] < households["poverty_line"]
    head_count = float((weight * poor).sum() / weight.sum())
    assert widened.result["baseline"]["poverty"]["after"]["fgt0"] == pytest.approx(head_count)
    # PKH to decile 5: only households of decile 5 gain, nobody loses; every decile's
    # households are all counted.
    by_desil = widened.result["difference"]["by_desil"]
    for desil, weights in households.groupby("desil")["weight"]:
        row = by_desil[str(desil)]
        assert row["winners"] + row["losers"] + row["unchanged"] == pytest.approx(weights.sum())
        assert row["losers"] == 0
        if desil != 5:
            assert row["winners"] == 0
    # The elderly allowance: Rp200.000 a month to people of 60 and over in deciles 1–2 (those
    # outside PKH), paid by nobody else.
    elderly_cost = elderly.result["difference"]["net_cost_by_programme"]
    assert {k for k, v in elderly_cost.items() if v} == {"lansia_daerah"}
    weights = persons.merge(households[["household_id", "desil", "weight"]], on="household_id")
    reachable = weights[(weights["age"] >= 60) & (weights["desil"] <= 2)]["weight"].sum()
    assert 0 < elderly_cost["lansia_daerah"] <= 200_000 * 12 * reachable + 1e-6

    # Scores: judged for every option, estimates for the DTSEN update.
    scored = {
        (s.option.order, s.criterion.measure or s.criterion.name): s.value
        for s in Score.objects.filter(option__decision=decision).select_related(
            "option", "criterion"
        )
    }
    judged = [c for c in decision.criteria.all() if c.judged]
    assert [[scored[(o.order, c.name)] for o in options] for c in judged] == [
        [5, 3, 3, 4],
        [2, 4, 5, 4],
    ]
    exclusion = widened.result["baseline"]["total"]["exclusion_error"]
    assert scored[(3, "net_cost_rp")] == Decimal(1_500_000_000)
    assert float(scored[(3, "exclusion_error")]) == pytest.approx(0.9 * exclusion, abs=1e-4)
    stances = {p.organisation.name: p.position for p in decision.positions.all()}
    assert stances == {
        "Dinas Sosial Kabupaten Bantul (demo)": "supports",
        "Bappeda Kabupaten Gunungkidul (demo)": "neutral",
    }
    assert [c.consultation.title for c in decision.consultations.all()] == [demo.MUSRENBANG]
    trail = list(
        AuditEvent.objects.filter(object_type="Decision", object_id=str(decision.pk))
        .order_by("pk")
        .values_list("action", "username")
    )
    assert {who for _, who in trail} == {"demo-analyst"}
    assert [action for action, _ in trail] == [
        "decision_created",
        *["decision_option_added"] * 3,
        "decision_scored",
        *["decision_position_added"] * 2,
        "decision_consultation_linked",
        "decision_submitted",
    ]

    # Again: nothing made, nothing run.
    before = counts()
    again = command()
    assert counts() == before
    assert "sudah memiliki hasil" in again and "sudah ada (4 opsi)" in again


def test_the_demo_speaks_english_when_asked(version) -> None:
    call_command("demo", stdout=io.StringIO())
    set_language("en")
    said = command()
    assert "made with 4 options and submitted" in said
    assert "run on" in said and "dijalankan" not in said


def test_without_a_registered_dataset_nothing_is_made(folders) -> None:
    call_command("demo", stdout=io.StringIO())
    before = counts()
    with pytest.raises(CommandError, match="Belum ada dataset yang terdaftar"):
        command()
    assert counts() == before


def test_without_the_demo_users_nothing_is_made(version) -> None:
    before = counts()
    with pytest.raises(CommandError, match="demo-analyst tidak ada"):
        command()
    assert counts() == before
