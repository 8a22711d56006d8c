"""Nobody alone moves money (issue 15): generating a cycle's list, freezing it and recording a
payment are asked for by one user and carried out only when another approves; a programme's
ruleset is one of the installed rulesets, never a path typed in a form; the version a cycle
records is the version of the rules actually run; household identifiers in change requests are
masked for roles that may not see personal data."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client

import sejahtera
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.programmes.generation import generate
from sejahtera.workbench.programmes.models import (
    Beneficiary,
    ChangeRequest,
    Cycle,
    CycleRequest,
    CycleStatus,
    Payment,
    Programme,
)
from workbench_audit_guard import unguarded
from workbench_datasets import tiny
from workbench_users import new_programme, signed_in

pytestmark = pytest.mark.django_db
SHIPPED = Path(sejahtera.__file__).parent / "rulesets"


@pytest.fixture
def registry() -> Path:
    return tiny()  # 60 synthetic households, made once per run


@pytest.fixture
def world(settings, registry: Path) -> SimpleNamespace:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASET = str(registry)
    food = new_programme("pangan", "Bantuan Pangan", ruleset="indonesia")
    draft = Cycle.objects.create(
        programme=food, name="tahap 2", period="2025-06", benefit="sembako"
    )
    frozen = Cycle.objects.create(
        programme=food, name="tahap 1", period="2025-01", benefit="sembako"
    )
    generate(frozen, registry)
    Cycle.objects.filter(pk=frozen.pk).update(status=CycleStatus.FROZEN)
    with unguarded():  # the log starts here, for the tests' lists of actions
        AuditEvent.objects.all().delete()
    return SimpleNamespace(
        food=food,
        draft=draft,
        frozen=frozen,
        officer=signed_in("officer"),
        other_officer=signed_in("officer"),
        kepala=signed_in("kepala"),
    )


def current(cycle: Cycle) -> Cycle:
    return Cycle.objects.get(pk=cycle.pk)


def ask(client: Client, cycle: Cycle, action: str) -> int:
    url = f"/programmes/cycles/{cycle.pk}/{action}/"
    return client.post(url, {"version": current(cycle).version}).status_code


def decide(client: Client, made: CycleRequest, decision: str = "approve") -> int:
    made.refresh_from_db()
    url = f"/programmes/requests/{made.pk}/decide/"
    return client.post(url, {"decision": decision, "version": made.version}).status_code


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def version_of_shipped(name: str) -> str:
    """Sejahtera's version and the first 12 hex digits of the SHA-256 over the ruleset's YAML
    and CSV files, each preceded by its path inside the ruleset, in path order."""
    folder = SHIPPED / name
    digest = hashlib.sha256()
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        if path.suffix in (".yaml", ".yml", ".csv"):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{sejahtera.__version__}+{digest.hexdigest()[:12]}"


# Generating


def test_generation_happens_only_after_another_user_approves(world) -> None:
    assert ask(world.officer, world.draft, "generate") == 302
    made = CycleRequest.objects.get()
    assert made.kind == "generate" and made.status == "pending" and made.maker == world.officer.user
    assert current(world.draft).status == CycleStatus.DRAFT
    assert not Beneficiary.objects.filter(cycle=world.draft).exists() and not Job.objects.exists()
    assert actions() == ["generate_requested"]
    page = world.kepala.get(f"/programmes/cycles/{world.draft.pk}/").text
    assert f"/programmes/requests/{made.pk}/decide/" in page
    own = world.officer.get(f"/programmes/cycles/{world.draft.pk}/").text
    assert f"/programmes/requests/{made.pk}/decide/" not in own  # no button for the maker
    assert "/generate/" not in own  # nor a second request while this one waits

    assert decide(world.other_officer, made) == 302
    cycle = current(world.draft)
    assert cycle.status == CycleStatus.GENERATED
    assert Beneficiary.objects.filter(cycle=cycle).exists()
    made.refresh_from_db()
    assert made.status == "approved" and made.checker == world.other_officer.user
    assert actions() == [
        "generate_requested",
        "cycle_request_approved",
        "job_queued",
        "cycle_generated",
        "job_done",
    ]
    generated = AuditEvent.objects.get(action="cycle_generated")
    assert generated.detail["requested_by"] == world.officer.user.username
    assert generated.username == world.other_officer.user.username


def test_an_officer_cannot_both_request_and_approve(world) -> None:
    assert ask(world.officer, world.draft, "generate") == 302
    made = CycleRequest.objects.get()
    assert decide(world.officer, made) == 403
    assert decide(world.officer, made, "reject") == 403
    made.refresh_from_db()
    assert made.status == "pending" and made.checker is None
    assert current(world.draft).status == CycleStatus.DRAFT and not Job.objects.exists()
    assert actions() == ["generate_requested"]


@pytest.mark.parametrize("role", ["analyst", "auditor", "partner"])
def test_only_checkers_decide(world, role: str) -> None:
    ask(world.officer, world.draft, "generate")
    made = CycleRequest.objects.get()
    assert decide(signed_in(role), made) == 403
    assert CycleRequest.objects.get().status == "pending" and not Job.objects.exists()


def test_a_rejected_request_does_nothing(world) -> None:
    ask(world.officer, world.draft, "generate")
    made = CycleRequest.objects.get()
    assert decide(world.kepala, made, "reject") == 302
    assert current(world.draft).status == CycleStatus.DRAFT and not Job.objects.exists()
    assert decide(world.other_officer, made) == 409  # decided already
    assert actions() == ["generate_requested", "cycle_request_rejected"]


def test_a_second_generation_request_waits_for_the_first(world) -> None:
    assert ask(world.officer, world.draft, "generate") == 302
    assert ask(world.kepala, world.draft, "generate") == 409
    assert CycleRequest.objects.count() == 1


def test_an_approval_of_a_list_changed_since_the_request_does_nothing(world) -> None:
    ask(world.officer, world.draft, "generate")
    made = CycleRequest.objects.get()
    Cycle.objects.filter(pk=world.draft.pk).update(version=current(world.draft).version + 1)
    answer = world.kepala.post(
        f"/programmes/requests/{made.pk}/decide/", {"decision": "approve", "version": 1}
    )
    assert answer.status_code == 409 and "Tolak permintaan ini" in answer.text
    assert CycleRequest.objects.get().status == "pending" and not Job.objects.exists()
    assert actions() == ["generate_requested"]  # the approval's event was rolled back too


# Freezing


def test_freezing_needs_a_second_person(world) -> None:
    ask(world.officer, world.draft, "generate")
    decide(world.kepala, CycleRequest.objects.get())
    assert ask(world.officer, world.draft, "freeze") == 302
    made = CycleRequest.objects.get(kind="freeze")
    assert current(world.draft).status == CycleStatus.GENERATED
    assert decide(world.officer, made) == 403
    assert current(world.draft).status == CycleStatus.GENERATED
    assert decide(world.kepala, made) == 302
    cycle = current(world.draft)
    assert cycle.status == CycleStatus.FROZEN and cycle.frozen_at is not None
    frozen = AuditEvent.objects.get(action="cycle_frozen")
    assert frozen.username == world.kepala.user.username
    assert frozen.detail["requested_by"] == world.officer.user.username
    assert frozen.detail["beneficiaries"] == Beneficiary.objects.filter(cycle=cycle).count()


def test_a_draft_list_cannot_be_asked_to_freeze(world) -> None:
    assert ask(world.officer, world.draft, "freeze") == 409
    assert not CycleRequest.objects.exists()


# Payments


def payment(region: str, **changes: object) -> dict[str, object]:
    return {
        "region_code": region,
        "planned_rp": 1_000_000,
        "paid_rp": 750_000,
        "households": 2,
        "paid_on": "2025-01-20",
        "channel": "bank",
    } | changes


def first_region(cycle: Cycle) -> str:
    return Beneficiary.objects.filter(cycle=cycle).order_by("region_code")[0].region_code


def test_a_payment_is_recorded_only_after_approval(world) -> None:
    url = f"/programmes/cycles/{world.frozen.pk}/payments/new/"
    region = first_region(world.frozen)
    assert world.officer.post(url, payment(region)).status_code == 302
    assert not Payment.objects.exists()
    made = CycleRequest.objects.get()
    assert made.kind == "payment" and made.detail["paid_rp"] == "750000"
    page = world.kepala.get(f"/programmes/cycles/{world.frozen.pk}/").text
    assert "750.000" in page and f"/programmes/requests/{made.pk}/decide/" in page
    assert decide(world.officer, made) == 403 and not Payment.objects.exists()
    assert decide(world.kepala, made) == 302
    recorded = Payment.objects.get()
    assert (recorded.region_code, recorded.paid_rp, recorded.planned_rp) == (
        region,
        Decimal(750_000),
        Decimal(1_000_000),
    )
    assert recorded.households == 2 and str(recorded.paid_on) == "2025-01-20"
    assert actions() == ["payment_requested", "cycle_request_approved", "payment_recorded"]
    event = AuditEvent.objects.get(action="payment_recorded")
    assert event.username == world.kepala.user.username
    assert event.detail["requested_by"] == world.officer.user.username


def test_a_payment_no_longer_possible_is_refused_on_approval(world) -> None:
    """The list lost households between the request and its approval."""
    region = first_region(world.frozen)
    there = Beneficiary.objects.filter(cycle=world.frozen, region_code=region)
    url = f"/programmes/cycles/{world.frozen.pk}/payments/new/"
    world.officer.post(url, payment(region, households=there.count()))
    there.filter(pk=there.first().pk).delete()
    made = CycleRequest.objects.get()
    assert decide(world.kepala, made) == 409
    assert not Payment.objects.exists() and CycleRequest.objects.get().status == "pending"


def test_an_approval_whose_audit_event_cannot_be_written_changes_nothing(world, monkeypatch):
    from sejahtera.workbench.core import audit

    url = f"/programmes/cycles/{world.frozen.pk}/payments/new/"
    world.officer.post(url, payment(first_region(world.frozen)))
    made = CycleRequest.objects.get()
    real = audit.record

    def failing(request, action, *args, **kwargs):
        if action == "payment_recorded":
            raise RuntimeError("the audit log cannot be written")
        return real(request, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):
        decide(world.kepala, made)
    assert not Payment.objects.exists() and CycleRequest.objects.get().status == "pending"
    assert actions() == ["payment_requested"]


def test_the_rule_is_stated_on_the_page(world) -> None:
    page = world.officer.get(f"/programmes/cycles/{world.draft.pk}/").text
    assert "disetujui orang lain" in page
    url = f"/programmes/cycles/{world.draft.pk}/"
    world.officer.cookies["django_language"] = "en"
    english = world.officer.get(url).text
    assert "Nobody alone moves money" in english


# The ruleset


@pytest.mark.parametrize("value", ["/etc", "../../rulesets/indonesia", str(SHIPPED / "indonesia")])
def test_a_path_as_ruleset_is_refused_and_nothing_stored(world, value: str) -> None:
    created = world.kepala.post(
        "/programmes/new/", {"code": "baru", "name": "Program Baru", "ruleset": value}
    )
    assert created.status_code == 400 and "indonesia" in created.text
    assert not Programme.objects.filter(code="baru").exists()
    edited = world.kepala.post(
        "/programmes/pangan/edit/", {"name": "Bantuan Pangan", "ruleset": value, "version": 1}
    )
    assert edited.status_code == 400
    food = Programme.objects.get(code="pangan")
    assert (food.ruleset, food.version) == ("indonesia", 1)
    assert not AuditEvent.objects.exists()


def test_the_ruleset_is_chosen_from_the_installed_rulesets(world) -> None:
    form = world.kepala.get("/programmes/new/")
    choices = dict(form.context["form"].fields["ruleset"].choices)
    installed = sorted(p.name for p in SHIPPED.iterdir() if (p / "variables").is_dir())
    assert set(choices) == {"", *installed} and "indonesia" in installed
    made = world.kepala.post(
        "/programmes/new/", {"code": "baru", "name": "Program Baru", "ruleset": "indonesia"}
    )
    assert made.status_code == 302 and Programme.objects.get(code="baru").ruleset == "indonesia"


def test_a_stored_path_is_never_run(world) -> None:
    """A ruleset set outside the form (the admin, an old record) is refused when run."""
    Programme.objects.filter(pk=world.food.pk).update(ruleset=str(SHIPPED / "indonesia"))
    answer = world.officer.get("/programmes/pangan/cycles/new/")
    assert answer.status_code == 409 and "bukan ruleset yang terpasang" in answer.text


def test_the_cycle_records_the_version_of_the_rules_run(world) -> None:
    Programme.objects.filter(pk=world.food.pk).update(ruleset_version="0.0.1+approved")
    ask(world.officer, world.draft, "generate")
    decide(world.kepala, CycleRequest.objects.get())
    cycle = current(world.draft)
    expected = version_of_shipped("indonesia")
    assert cycle.ruleset == "indonesia" and cycle.ruleset_version == expected
    event = AuditEvent.objects.get(action="cycle_generated")
    assert event.detail["ruleset_version"] == expected
    assert event.detail["approved_ruleset_version"] == "0.0.1+approved"
    page = world.officer.get(f"/programmes/cycles/{cycle.pk}/").text
    assert expected in page and "0.0.1+approved" in page  # shown, with the difference


# Household identifiers in change requests


def test_change_request_households_are_masked_for_roles_without_personal_data(world) -> None:
    ChangeRequest.objects.create(
        cycle=world.frozen,
        kind="add",
        household_id="H3400099991234",
        region_code="34.01",
        amount_rp=200_000,
        reason="Verifikasi",
        maker=world.officer.user,
    )
    url = f"/programmes/cycles/{world.frozen.pk}/"
    for role in ("analyst", "kepala", "officer", "auditor"):
        page = signed_in(role).get(url).text
        assert "H3400099991234" not in page and "**********1234" in page, role
    partner = signed_in("partner", "Yayasan A")
    world.food.partners.add(partner.user.profile.organisation)
    assert "H3400099991234" not in partner.get(url).text
    assert signed_in("analyst").post(url + "reveal/").status_code == 403
    assert signed_in("officer").get(url + "reveal/").status_code == 405
    assert not AuditEvent.objects.exists()
    revealed = signed_in("auditor").post(url + "reveal/")
    assert revealed.status_code == 200 and "H3400099991234" in revealed.text
    event = AuditEvent.objects.get()
    assert event.action == "personal_data_viewed"
    change = ChangeRequest.objects.get()
    assert event.detail["change_requests"] == {str(change.pk): "H3400099991234"}
    first_page = Beneficiary.objects.filter(cycle=world.frozen).order_by(
        "region_code", "district_code", "village_code", "household_id"
    )[:50]
    assert event.detail["households"] == [b.household_id for b in first_page]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_installed_rulesets_and_blanks_paths_saying_so(capsys) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("programmes", "0007_sipd_codes_and_status")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("programmes", "Programme")
    for code, ruleset in (("a", "indonesia"), ("b", "/etc/rules"), ("c", ""), ("d", "Indonesia")):
        old.objects.create(code=code, name=code, ruleset=ruleset)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    kept = dict(Programme.objects.values_list("code", "ruleset"))
    assert kept == {"a": "indonesia", "b": "", "c": "", "d": ""}
    said = capsys.readouterr().out
    assert "programme b: ruleset '/etc/rules' is not an installed ruleset" in said
    assert "programme d: ruleset 'Indonesia'" in said and "programme a" not in said
