"""Programmes in the workbench: programmes and budgets, cycles whose beneficiary lists are
generated from a dataset and a ruleset and then frozen, maker-checker change requests, payments
and realisation.

Every view: the normal case, each role that must not see or change it, anonymous visitors, the
wrong HTTP method and invalid input; stale versions (409); a partner's isolation; a frozen list
that later registry changes leave alone."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client

from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.programmes import generation
from sejahtera.workbench.programmes.generation import CycleError, generate
from sejahtera.workbench.programmes.models import (
    Beneficiary,
    Budget,
    ChangeRequest,
    Cycle,
    CycleRequest,
    CycleStatus,
    Payment,
    Programme,
)
from sejahtera.workbench.stakeholders.demo import FOOD
from workbench_queue import DATABASE_TASKS, work_off
from workbench_users import new_programme, organisation_named, signed_in

pytestmark = pytest.mark.django_db
STAFF = ("kepala", "analyst", "officer", "auditor")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthesise(SynthOptions("34", 300, seed=3), tmp_path_factory.mktemp("reg") / "a").path


@pytest.fixture(scope="module")
def registry_later(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The registry after an update: other households, other desil."""
    return synthesise(SynthOptions("34", 300, seed=4), tmp_path_factory.mktemp("reg") / "b").path


@pytest.fixture
def world(settings, registry: Path) -> SimpleNamespace:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASET = str(registry)
    food = new_programme("pangan", "Bantuan Pangan", ("Yayasan A",))
    school = new_programme("beasiswa", "Beasiswa Desa", ("Yayasan B",))
    Budget.objects.create(programme=food, year=2025, source="APBD", amount_rp=1_000_000_000)
    draft = Cycle.objects.create(
        programme=food, name="2025 tahap 2", period="2025-06", benefit="sembako"
    )
    frozen = Cycle.objects.create(
        programme=food, name="2025 tahap 1", period="2025-01", benefit="sembako"
    )
    generate(frozen, registry)
    Cycle.objects.filter(pk=frozen.pk).update(status=CycleStatus.FROZEN)
    other = Cycle.objects.create(programme=school, name="2025", period="2025", benefit="pip")
    return SimpleNamespace(food=food, school=school, draft=draft, frozen=frozen, other=other)


def version(cycle: Cycle) -> dict[str, int]:
    return {"version": Cycle.objects.get(pk=cycle.pk).version}


def listed(cycle: Cycle) -> dict[str, Decimal]:
    return dict(Beneficiary.objects.filter(cycle=cycle).values_list("household_id", "amount_rp"))


def approve_last(checker: Client) -> int:
    """The status of ``checker``'s approval of the last request (generating, freezing, paying):
    nobody alone moves money, so each needs a second person (test_workbench_programmes_checker)."""
    made = CycleRequest.objects.filter(status="pending").latest("pk")
    url = f"/programmes/requests/{made.pk}/decide/"
    return checker.post(url, {"decision": "approve", "version": made.version}).status_code


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("at", "pk").values_list("action", flat=True))


def read_pages(w: SimpleNamespace) -> list[str]:
    return ["/programmes/", "/programmes/pangan/", f"/programmes/cycles/{w.frozen.pk}/"]


# Reading and access


@pytest.mark.parametrize("role", STAFF)
def test_staff_read_programmes_budgets_cycles_and_lists(world, role: str) -> None:
    client = signed_in(role)
    for url in read_pages(world):
        assert client.get(url).status_code == 200, url
    page = client.get("/programmes/pangan/").content.decode()
    assert "Yayasan A" in page and "2025 tahap 1" in page and "1.000.000.000" in page
    cycle_page = client.get(f"/programmes/cycles/{world.frozen.pk}/").content.decode()
    first = Beneficiary.objects.filter(cycle=world.frozen).first()
    assert first is not None and first.household_id not in cycle_page  # masked
    assert "*" * 8 + first.household_id[-4:] in cycle_page


def test_the_list_is_paginated(world) -> None:
    client = signed_in("analyst")
    total = Beneficiary.objects.filter(cycle=world.frozen).count()
    assert total > 50
    second = client.get(f"/programmes/cycles/{world.frozen.pk}/?page=2")
    assert second.status_code == 200 and len(second.context["rows"]) == min(total - 50, 50)


def test_anonymous_and_roleless_users_are_kept_out(world) -> None:
    for url in read_pages(world):
        answer = Client().get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url
        assert signed_in(None).get(url).status_code == 403, url


def test_access_follows_the_organisation_not_its_name(world) -> None:
    """Renaming an organisation keeps its partner's access; a new organisation under the old
    name gets none."""
    yayasan_a = organisation_named("Yayasan A")
    partner = signed_in("partner", yayasan_a)
    renamed = signed_in("officer").post(
        f"/stakeholders/{yayasan_a.pk}/edit/",
        {"name": "Yayasan A Baru", "kind": "ngo", "version": 1},
    )
    assert renamed.status_code == 302
    assert "Bantuan Pangan" in partner.get("/programmes/").text
    for url in (
        "/programmes/pangan/",
        "/monev/programmes/pangan/",
        f"/stakeholders/{yayasan_a.pk}/",
    ):
        assert partner.get(url).status_code == 200, url
    impostor = signed_in("partner", organisation_named("Yayasan A"))
    assert "Bantuan Pangan" not in impostor.get("/programmes/").text
    for url in (
        "/programmes/pangan/",
        "/monev/programmes/pangan/",
        f"/stakeholders/{yayasan_a.pk}/",
    ):
        assert impostor.get(url).status_code == 403, url


def test_a_partner_sees_only_its_programmes_read_only(world) -> None:
    a = signed_in("partner", "Yayasan A")
    listing = a.get("/programmes/").content.decode()
    assert "Bantuan Pangan" in listing and "Beasiswa Desa" not in listing
    assert a.get(f"/programmes/cycles/{world.frozen.pk}/").status_code == 200
    assert a.get("/programmes/beasiswa/").status_code == 403
    assert a.get(f"/programmes/cycles/{world.other.pk}/").status_code == 403
    assert signed_in("partner").get("/programmes/pangan/").status_code == 403  # no organisation
    for url in (
        f"/programmes/cycles/{world.draft.pk}/generate/",
        f"/programmes/cycles/{world.frozen.pk}/changes/new/",
        f"/programmes/cycles/{world.frozen.pk}/payments/new/",
        f"/programmes/cycles/{world.frozen.pk}/reveal/",
        "/programmes/pangan/cycles/new/",
        f"/programmes/cycles/{world.frozen.pk}/export/",
    ):
        assert a.post(url, version(world.draft)).status_code == 403, url
    assert not AuditEvent.objects.exists()


def test_unknown_records_answer_404(world) -> None:
    client = signed_in("kepala")
    assert client.get("/programmes/nothing/").status_code == 404
    assert client.get("/programmes/cycles/999999/").status_code == 404


def test_reveal_is_audited_and_limited_to_roles_that_see_personal_data(world) -> None:
    url = f"/programmes/cycles/{world.frozen.pk}/reveal/"
    first = Beneficiary.objects.filter(cycle=world.frozen).first()
    answer = signed_in("officer").post(url)
    assert answer.status_code == 200 and first.household_id in answer.content.decode()
    assert actions() == ["personal_data_viewed"]
    assert signed_in("analyst").post(url).status_code == 403
    assert signed_in("officer").get(url).status_code == 405
    assert actions() == ["personal_data_viewed"]


# Cycles: creating, generating, freezing


def declared_in_the_ruleset() -> dict[str, dict]:
    """The shipped ruleset's programmes.yaml, read here with PyYAML."""
    import yaml

    shipped = Path(generation.__file__).parents[2] / "rulesets/indonesia/programmes.yaml"
    return yaml.safe_load(shipped.read_text(encoding="utf-8"))


def test_an_officer_adds_a_cycle_by_picking_a_programme(world, registry: Path) -> None:
    import hashlib

    client = signed_in("officer")
    form = client.get("/programmes/pangan/cycles/new/")
    page = form.content.decode()
    assert form.status_code == 200
    offered = dict(form.context["form"].fields["declared"].choices)
    declared = declared_in_the_ruleset()
    assert set(offered) - {""} == set(declared)  # every declared programme, by its key
    for key, entry in declared.items():
        assert offered[key].startswith(entry["label"]["id"])  # named, in Indonesian
        assert entry["label"]["id"] in page
    assert "Program Sembako (BPNT) · keluarga · APBN" in page
    assert hashlib.sha256((registry / "dataset.json").read_bytes()).hexdigest() in page
    periods = dict(form.context["form"].fields["period"].choices)
    assert {"2025", "2025-01", "2025-12"} <= set(periods)  # the budget's year, by month
    assert periods["2025-03"] == "Maret 2025"
    answer = client.post(
        "/programmes/pangan/cycles/new/",
        {"name": "2025 tahap 3", "declared": "pbi_jkn", "period": "2025-03"},
    )
    cycle = Cycle.objects.get(name="2025 tahap 3")
    assert answer.status_code == 302 and cycle.status == CycleStatus.DRAFT
    assert cycle.benefit == declared["pbi_jkn"]["variable"] == "pbi_jkn_premium"
    assert cycle.period == "2025-03"
    assert actions() == ["cycle_created"]
    event = AuditEvent.objects.get()
    assert event.detail["declared"] == "pbi_jkn" and event.detail["benefit"] == "pbi_jkn_premium"
    shown = signed_in("auditor").get(f"/programmes/cycles/{cycle.pk}/").content.decode()
    assert "PBI Jaminan Kesehatan (APBN)" in shown
    assert signed_in("kepala").get("/programmes/pangan/cycles/new/").status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x", "declared": "sembako", "period": "2025-13"},
        {"name": "x", "declared": "sembako", "period": "1999"},  # not in the list
        {"name": "x", "declared": "pbi_jkn_premium", "period": "2025"},  # a variable, not a name
        {"name": "x", "declared": "bansos_fiktif", "period": "2025"},
        {"name": "x", "declared": "", "period": "2025"},
        {"name": "x", "period": "2025", "benefit": "sembako"},  # the old form: no programme
        {"name": "2025 tahap 1", "declared": "sembako", "period": "2025-01"},  # name taken
        {"name": "", "declared": "sembako", "period": "2025"},
    ],
)
def test_an_invalid_cycle_is_refused(world, data: dict[str, str]) -> None:
    answer = signed_in("officer").post("/programmes/pangan/cycles/new/", data)
    assert answer.status_code == 400 and Cycle.objects.count() == 3
    assert not AuditEvent.objects.exists()


def test_a_programme_whose_ruleset_cannot_be_read_offers_no_cycle(world) -> None:
    Programme.objects.filter(pk=world.food.pk).update(ruleset="no-such-ruleset")
    answer = signed_in("officer").get("/programmes/pangan/cycles/new/")
    assert answer.status_code == 409 and "no-such-ruleset" in answer.content.decode()


@pytest.mark.parametrize("role", ["analyst", "auditor"])
def test_only_kepala_and_officers_run_cycles(world, role: str) -> None:
    client = signed_in(role)
    assert client.get("/programmes/pangan/cycles/new/").status_code == 403
    for action in ("generate", "freeze"):
        url = f"/programmes/cycles/{world.draft.pk}/{action}/"
        assert client.post(url, version(world.draft)).status_code == 403
    assert Cycle.objects.get(pk=world.draft.pk).status == CycleStatus.DRAFT


def test_generating_and_freezing_a_list(world, registry: Path) -> None:
    client, checker = signed_in("kepala"), signed_in("officer")
    url = f"/programmes/cycles/{world.draft.pk}/"
    assert client.get(url + "generate/").status_code == 405
    assert client.post(url + "generate/", version(world.draft)).status_code == 302
    assert approve_last(checker) == 302
    cycle = Cycle.objects.get(pk=world.draft.pk)
    assert cycle.status == CycleStatus.GENERATED and len(cycle.dataset_checksum) == 64
    assert cycle.ruleset == "indonesia" and cycle.ruleset_version and cycle.dataset_path
    rows = listed(cycle)
    # Sembako for one month: 200,000 per family card, a household line summing its cards.
    assert rows and set(rows.values()) == {Decimal(200_000), Decimal(400_000)}
    assert client.post(url + "freeze/", {"version": cycle.version - 1}).status_code == 409
    assert client.get(url + "freeze/").status_code == 405
    assert client.post(url + "freeze/", version(cycle)).status_code == 302
    assert approve_last(checker) == 302
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.FROZEN and cycle.frozen_at is not None
    assert actions() == [
        "generate_requested", "cycle_request_approved", "job_queued", "cycle_generated",
        "job_done", "freeze_requested", "cycle_request_approved", "cycle_frozen",
    ]  # fmt: skip
    generated = AuditEvent.objects.get(action="cycle_generated")
    assert generated.username == checker.user.username  # the job's owner: its approver
    assert generated.detail["requested_by"] == client.user.username
    assert generated.detail["beneficiaries"] == len(rows)
    job = Job.objects.get()
    assert job.state == JobState.DONE and job.progress == 1
    assert job.result == {"cycle": cycle.pk, "beneficiaries": len(rows)}


def test_the_cycle_page_shows_the_generation_while_it_waits_and_runs(world, settings) -> None:
    settings.TASKS = DATABASE_TASKS  # the job waits in the database for a worker
    client = signed_in("officer")
    url = f"/programmes/cycles/{world.draft.pk}/"
    assert client.post(url + "generate/", version(world.draft)).status_code == 302
    assert approve_last(signed_in("kepala")) == 302
    job = Job.objects.get()
    page = client.get(url).text
    assert job.state == JobState.QUEUED and f'hx-get="/jobs/{job.pk}/"' in page
    assert "Menunggu dimulai" in page and "/generate/" not in page  # no second button
    again = client.post(url + "generate/", version(world.draft))
    assert again.status_code == 409 and Job.objects.count() == 1
    assert 'data-status="draft"' in page and not listed(world.draft)
    work_off()
    job.refresh_from_db()
    assert job.state == JobState.DONE and listed(world.draft)
    page = client.get(url).text
    assert "hx-get" not in page and 'data-status="generated"' in page


def test_a_failed_generation_changes_nothing_and_says_why(world) -> None:
    client, checker = signed_in("officer"), signed_in("kepala")
    url = f"/programmes/cycles/{world.draft.pk}/"
    client.post(url + "generate/", version(world.draft))
    approve_last(checker)
    before, cycle = listed(world.draft), Cycle.objects.get(pk=world.draft.pk)
    Cycle.objects.filter(pk=cycle.pk).update(benefit="no_such_benefit")
    assert client.post(url + "generate/", version(cycle)).status_code == 302
    assert approve_last(checker) == 302
    job = Job.objects.first()
    assert job.state == JobState.FAILED and "no_such_benefit" in job.error
    assert listed(world.draft) == before and Cycle.objects.get(pk=cycle.pk).version == cycle.version
    page = client.get(url).text
    assert 'data-state="failed"' in page and "no_such_benefit" in page
    assert actions()[-2:] == ["job_queued", "job_failed"]


def test_a_generation_refuses_a_cycle_changed_while_it_ran(world, monkeypatch) -> None:
    """Someone froze the cycle while its list was being computed: nothing is written."""
    client = signed_in("kepala")
    url = f"/programmes/cycles/{world.draft.pk}/"
    real = generation.compute

    def computed_while_someone_generates(cycle, dataset, progress=None):
        result = real(cycle, dataset, progress)
        Cycle.objects.filter(pk=cycle.pk).update(version=cycle.version + 1)
        return result

    monkeypatch.setattr(generation, "compute", computed_while_someone_generates)
    client.post(url + "generate/", version(world.draft))
    approve_last(signed_in("officer"))
    job = Job.objects.get()
    assert job.state == JobState.FAILED and "tidak ada yang disimpan" in job.error
    assert not listed(world.draft) and "cycle_generated" not in actions()


def test_an_unexpected_failure_shows_a_reference_not_a_traceback(
    world, monkeypatch, caplog
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(generation.Simulation, "calculate", broken)
    client = signed_in("officer")
    url = f"/programmes/cycles/{world.draft.pk}/"
    client.post(url + "generate/", version(world.draft))
    approve_last(signed_in("kepala"))
    job = Job.objects.get()
    assert job.state == JobState.FAILED and len(job.reference) == 8
    page = client.get(url).text + client.get(f"/jobs/{job.pk}/json/").text
    assert job.reference in page and "secret internals" not in page and "Traceback" not in page
    assert "secret internals" in caplog.text and job.reference in caplog.text
    assert not listed(world.draft)


def test_a_stale_generate_changes_nothing(world) -> None:
    url = f"/programmes/cycles/{world.draft.pk}/generate/"
    answer = signed_in("officer").post(url, {"version": 99})
    assert answer.status_code == 409 and not listed(world.draft) and not actions()


def test_generating_without_a_dataset_or_with_an_unknown_benefit_is_refused(
    world, settings, registry: Path
) -> None:
    client = signed_in("officer")
    url = f"/programmes/cycles/{world.draft.pk}/generate/"
    settings.DATASET = None
    assert client.post(url, version(world.draft)).status_code == 409
    Cycle.objects.filter(pk=world.draft.pk).update(benefit="no_such_benefit")
    with pytest.raises(CycleError, match="no_such_benefit"):
        generate(world.draft, registry)
    assert not listed(world.draft) and not actions()


def test_a_frozen_list_is_never_regenerated_even_after_the_registry_changes(
    world, settings, registry_later: Path
) -> None:
    before = listed(world.frozen)
    settings.DATASET = str(registry_later)
    answer = signed_in("kepala").post(
        f"/programmes/cycles/{world.frozen.pk}/generate/", version(world.frozen)
    )
    assert answer.status_code == 409 and "permintaan perubahan" in answer.content.decode()
    with pytest.raises(CycleError):
        generate(world.frozen, registry_later)
    assert listed(world.frozen) == before
    fresh = Cycle.objects.create(
        programme=world.food, name="baru", period="2025-01", benefit="sembako"
    )
    generate(fresh, registry_later)
    assert listed(fresh) != before  # the later registry would have given another list
    assert Cycle.objects.get(pk=fresh.pk).dataset_checksum != world.frozen.dataset_checksum


# Change requests (maker-checker)


def _request(client: Client, cycle: Cycle, **data: object) -> object:
    return client.post(f"/programmes/cycles/{cycle.pk}/changes/new/", data)


def test_maker_checker_add_remove_amend(world) -> None:
    maker, checker = signed_in("analyst"), signed_in("officer")
    frozen = world.frozen
    some = next(iter(listed(frozen)))
    for data in (
        {"kind": "add", "household_id": "H-BARU-1", "region_code": "34.02", "amount_rp": 200000},
        {"kind": "remove", "household_id": some},
        {"kind": "amend", "household_id": some, "amount_rp": 150000},
    ):
        assert _request(maker, frozen, reason="Verifikasi lapangan", **data).status_code == 302
    assert ChangeRequest.objects.filter(status="pending").count() == 3
    add, remove, amend = ChangeRequest.objects.order_by("pk")
    decide = "/programmes/changes/{}/decide/"
    assert checker.get(decide.format(add.pk)).status_code == 405
    assert (
        checker.post(decide.format(add.pk), {"decision": "approve", "version": 1}).status_code
        == 302
    )
    assert listed(frozen)["H-BARU-1"] == Decimal(200000)
    assert (
        checker.post(decide.format(amend.pk), {"decision": "reject", "version": 1}).status_code
        == 302
    )
    assert listed(frozen)[some] != Decimal(150000)
    assert (
        checker.post(decide.format(remove.pk), {"decision": "approve", "version": 1}).status_code
        == 302
    )
    assert some not in listed(frozen)
    # decided already: a second decision is stale
    assert (
        checker.post(decide.format(add.pk), {"decision": "reject", "version": 1}).status_code == 409
    )
    add.refresh_from_db()
    assert add.status == "approved" and add.checker == checker.user and add.decided_at
    assert actions() == ["change_requested"] * 3 + [
        "change_approved",
        "change_rejected",
        "change_approved",
    ]


def test_nobody_approves_their_own_request(world) -> None:
    officer = signed_in("officer")
    _request(officer, world.frozen, kind="remove", household_id="x", reason="r")
    change = ChangeRequest.objects.get()
    answer = officer.post(
        f"/programmes/changes/{change.pk}/decide/", {"decision": "approve", "version": 1}
    )
    assert answer.status_code == 403 and ChangeRequest.objects.get().status == "pending"


@pytest.mark.parametrize("role", ["analyst", "auditor", "partner"])
def test_only_kepala_and_officers_decide(world, role: str) -> None:
    _request(signed_in("analyst"), world.frozen, kind="remove", household_id="x", reason="r")
    change = ChangeRequest.objects.get()
    answer = signed_in(role, "Yayasan A").post(
        f"/programmes/changes/{change.pk}/decide/", {"decision": "approve", "version": 1}
    )
    assert answer.status_code == 403 and ChangeRequest.objects.get().status == "pending"


@pytest.mark.parametrize("role", ["kepala", "auditor"])
def test_only_analysts_and_officers_request_changes(world, role: str) -> None:
    client = signed_in(role)
    assert client.get(f"/programmes/cycles/{world.frozen.pk}/changes/new/").status_code == 403
    assert (
        _request(client, world.frozen, kind="remove", household_id="x", reason="r").status_code
        == 403
    )


def test_invalid_or_impossible_changes_are_refused(world) -> None:
    maker, checker = signed_in("officer"), signed_in("kepala")
    assert maker.get(f"/programmes/cycles/{world.frozen.pk}/changes/new/").status_code == 200
    assert (
        _request(maker, world.frozen, kind="add", household_id="H1", reason="r").status_code == 400
    )
    assert (
        _request(maker, world.frozen, kind="bogus", household_id="H1", reason="r").status_code
        == 400
    )
    assert (
        _request(maker, world.draft, kind="remove", household_id="H1", reason="r").status_code
        == 409
    )
    some = next(iter(listed(world.frozen)))
    _request(
        maker,
        world.frozen,
        kind="add",
        household_id=some,
        region_code="34.01",
        amount_rp=1,
        reason="r",
    )
    change = ChangeRequest.objects.get()
    url = f"/programmes/changes/{change.pk}/decide/"
    assert checker.post(url, {"decision": "maybe", "version": 1}).status_code == 400
    assert checker.post(url, {"decision": "approve", "version": 1}).status_code == 409  # listed
    assert ChangeRequest.objects.get().status == "pending"  # rolled back


# Payments and realisation


def test_payments_and_realisation(world) -> None:
    client = signed_in("officer")
    url = f"/programmes/cycles/{world.frozen.pk}/payments/new/"
    region, *_ = sorted(
        set(Beneficiary.objects.filter(cycle=world.frozen).values_list("region_code", flat=True))
    )
    assert client.get(url).status_code == 200
    data = {
        "region_code": region,
        "planned_rp": 1_000_000,
        "paid_rp": 750_000,
        "households": 2,
        "paid_on": "2025-01-20",
        "channel": "bank",
    }
    assert client.post(url, data).status_code == 302
    assert not Payment.objects.exists() and approve_last(signed_in("kepala")) == 302
    payment = Payment.objects.get()
    assert payment.paid_rp == Decimal(750_000)
    assert actions() == ["payment_requested", "cycle_request_approved", "payment_recorded"]
    page = signed_in("auditor").get(f"/programmes/cycles/{world.frozen.pk}/")
    row = next(r for r in page.context["regions"] if r.region_code == region)
    assert row.realisation == pytest.approx(0.75) and "75,0%" in page.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        {"paid_rp": -1},
        {"region_code": "99.99"},
        {"paid_on": "kemarin"},
        {"channel": "x"},
        {"households": ""},
        {"households": -1},
    ],
)
def test_an_invalid_payment_is_refused(world, change: dict[str, object]) -> None:
    region = Beneficiary.objects.filter(cycle=world.frozen).first().region_code
    data = {
        "region_code": region,
        "planned_rp": 10,
        "paid_rp": 5,
        "households": 1,
        "paid_on": "2025-01-20",
        "channel": "bank",
    } | change
    answer = signed_in("kepala").post(f"/programmes/cycles/{world.frozen.pk}/payments/new/", data)
    assert answer.status_code == 400 and not Payment.objects.exists()
    assert not CycleRequest.objects.exists()


def test_a_batch_reaches_no_more_households_than_the_list_has_there(world) -> None:
    region = Beneficiary.objects.filter(cycle=world.frozen).first().region_code
    there = Beneficiary.objects.filter(cycle=world.frozen, region_code=region).count()
    url = f"/programmes/cycles/{world.frozen.pk}/payments/new/"
    data = {"region_code": region, "planned_rp": 10, "paid_rp": 5, "paid_on": "2025-01-20",
            "channel": "bank"}  # fmt: skip
    client = signed_in("officer")
    answer = client.post(url, data | {"households": there + 1})
    assert answer.status_code == 400 and not Payment.objects.exists()
    assert f"{there} rumah tangga" in answer.content.decode()
    assert client.post(url, data | {"households": there}).status_code == 302
    assert approve_last(signed_in("kepala")) == 302
    assert Payment.objects.get().households == there


def test_payments_need_a_frozen_list_and_a_runner(world) -> None:
    assert (
        signed_in("officer").get(f"/programmes/cycles/{world.draft.pk}/payments/new/").status_code
        == 409
    )
    for role in ("analyst", "auditor"):
        assert (
            signed_in(role).get(f"/programmes/cycles/{world.frozen.pk}/payments/new/").status_code
            == 403
        )
    assert (
        signed_in("officer").put(f"/programmes/cycles/{world.frozen.pk}/payments/new/").status_code
        == 405
    )


# Demo


def test_demo_programmes_with_and_without_a_dataset(settings, registry: Path) -> None:
    settings.DATASET = None
    out = io.StringIO()
    call_command("demo_programmes", stdout=out)
    assert "no cycle" in out.getvalue() and Programme.objects.count() == 2
    assert Budget.objects.filter(source="APBD").count() == 2
    settings.DATASET = str(registry)
    call_command("demo_programmes", stdout=io.StringIO())
    call_command("demo_programmes", stdout=io.StringIO())
    cycle = Cycle.objects.get(programme__code=FOOD)
    assert cycle.status == CycleStatus.FROZEN and cycle.beneficiaries.exists()
    assert 1 <= cycle.payments.count() <= 2 and Budget.objects.count() == 2


def test_programmes_and_budgets_are_created_and_edited_by_the_head_and_officers(settings) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    from sejahtera.workbench.audit.models import AuditEvent as Event

    head = signed_in("kepala")
    a, b = organisation_named("Yayasan A"), organisation_named("Yayasan B")
    created = head.post(
        "/programmes/new/",
        {"code": "rutilahu", "name": "Rehab Rumah", "objectives": "Rumah layak",
         "partners": [a.pk, b.pk]},
    )  # fmt: skip
    assert created.status_code == 302
    programme = Programme.objects.get(code="rutilahu")
    assert set(programme.partners.all()) == {a, b}
    assert head.post("/programmes/new/", {"code": "bad code", "name": ""}).status_code == 400
    assert head.get("/programmes/new/").status_code == 200
    assert head.delete("/programmes/new/").status_code == 405
    edited = head.post(
        "/programmes/rutilahu/edit/",
        {"name": "Rehabilitasi Rumah", "partners": [b.pk], "version": 1},
    )
    assert edited.status_code == 302
    programme.refresh_from_db()
    assert programme.name == "Rehabilitasi Rumah" and programme.version == 2
    assert list(programme.partners.all()) == [b]
    stale = head.post("/programmes/rutilahu/edit/", {"name": "X", "version": 1})
    assert stale.status_code == 409
    programme.refresh_from_db()
    assert programme.name == "Rehabilitasi Rumah"
    budget = {"year": 2026, "source": "APBD", "amount_rp": 1_500_000_000}
    assert head.post("/programmes/rutilahu/budgets/new/", budget).status_code == 302
    assert head.post("/programmes/rutilahu/budgets/new/", budget).status_code == 400  # twice
    negative = {**budget, "year": 2027, "amount_rp": -1}
    assert head.post("/programmes/rutilahu/budgets/new/", negative).status_code == 400
    assert programme.budgets.count() == 1
    actions = set(Event.objects.values_list("action", flat=True))
    assert {"programme_created", "programme_changed", "budget_added"} <= actions
    for role in ("analyst", "auditor", "partner"):
        other = signed_in(role)
        assert other.get("/programmes/new/").status_code == 403, role
        assert other.post("/programmes/rutilahu/budgets/new/", budget).status_code in (403, 404)
