"""The decision record of the DI Yogyakarta demo, prepared by the demo analyst and submitted for
the head to decide: today's situation, two saved scenarios run on the registered demo dataset
(PKH widened to decile 5, and a regional old-age grant from the ``lansia-daerah`` template), one
option that is not simulated (updating the DTSEN with the villages), the analyst's scores, two
stakeholders' stances and a link to the demo Musrenbang.

The scenarios run as the studio's job runs them (``scenarios/runs.py``, through the jobs'
``run_job``), here and at once rather than by the worker; the record is made by the app's own
steps (``decisions/services.py``, and the audited writes of ``decisions/parts.py``), so its
audit trail reads as if the analyst had made it in the browser.

Loading again makes nothing twice: a scenario is found by its name, owner, dataset version and
year, and run only when it has no result on that version; the record is found by its title and
dataset version.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from sejahtera.workbench.consultations import demo as consultations
from sejahtera.workbench.consultations.models import Consultation
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.datasets.services import current_version
from sejahtera.workbench.decisions import services
from sejahtera.workbench.decisions.figures import status_quo_value
from sejahtera.workbench.decisions.forms import ScoresForm
from sejahtera.workbench.decisions.models import (
    DEFAULT_NAMES,
    ConsultationLink,
    Decision,
    Option,
    OptionKind,
    Position,
    StakeholderPosition,
)
from sejahtera.workbench.scenarios import runs
from sejahtera.workbench.scenarios.models import Scenario
from sejahtera.workbench.stakeholders import demo as stakeholders

ANALYST = f"demo-{Role.ANALYST}"
PERIOD = "2025"
TITLE = "Perluasan perlindungan sosial 2025"
PROBLEM = (
    "Sebagian keluarga miskin dan rentan di DI Yogyakarta belum terjangkau bantuan sosial: PKH "
    "hanya untuk desil 1–4, dan lansia tunggal sering belum terdata. Opsi mana yang paling "
    "menurunkan kemiskinan dengan biaya yang dapat ditanggung APBD 2025?"
)
# name → (description, parameter changes, templates), as the studio stores them.
SCENARIOS = {
    "PKH diperluas hingga desil 5": (
        "Batas desil PKH dinaikkan dari 4 ke 5 (demo).",
        {"pkh.max_desil": 5},
        [],
    ),
    "Bantuan lansia daerah": (
        "Bantuan daerah bagi lansia miskin dari templat lansia-daerah (demo).",
        {},
        ["lansia-daerah"],
    ),
}
OTHER_TITLE = "Pemutakhiran DTSEN bersama desa"
OTHER_ABOUT = (
    "Verifikasi dan validasi DTSEN bersama pemerintah desa agar keluarga miskin yang belum "
    "terdata masuk daftar penerima. Tidak disimulasikan: biaya dan dampak adalah perkiraan "
    "analis (biaya pendataan Rp1,5 miliar; kesalahan eksklusi turun sepersepuluh)."
)
OTHER_COST_RP = Decimal(1_500_000_000)
OTHER_EXCLUSION_FALL = Decimal("0.9")  # the estimate: a tenth fewer poor people left out
# The analyst's judged scores (1–5) of feasibility and stakeholder support, in the record's
# option order: today's situation, the two scenarios, the option not simulated.
FEASIBILITY = (5, 3, 3, 4)
SUPPORT = (2, 4, 5, 4)
STANCES = (
    (
        stakeholders.DINSOS,
        Position.SUPPORTS,
        "Siap menyalurkan bantuan lansia; meminta pendamping tambahan bila PKH diperluas.",
    ),
    (
        stakeholders.BAPPEDA,
        Position.NEUTRAL,
        "Mendukung bila biaya tambahan masuk pagu indikatif APBD 2025.",
    ),
)
MUSRENBANG = "Musrenbang Kecamatan Sentolo 2027 (demo)"
MUSRENBANG_NOTE = (
    "Warga menyampaikan bahwa banyak lansia tunggal belum masuk data penerima bantuan: "
    "mendukung bantuan lansia dan pemutakhiran DTSEN."
)


class DemoError(Exception):
    """What is missing before the demo record can be made (the message says what to run)."""


@dataclass
class Loaded:
    version: DatasetVersion
    scenarios_made: int = 0
    # Each scenario run now, with the seconds its run took.
    ran: dict[str, float] = field(default_factory=dict)
    decision: Decision | None = None
    decision_made: bool = False


def load() -> Loaded:
    """Make what is missing of the demo record (see the module); nothing twice."""
    version = current_version()
    if version is None:
        raise DemoError(
            _(
                "No dataset is registered, so the demo scenarios have nothing to run on. Run "
                "“sejahtera manage register_dataset FOLDER” first."
            )
        )
    analyst = get_user_model().objects.filter(username=ANALYST).first()
    if analyst is None:
        raise DemoError(
            _("The demo user %(username)s is missing. Run “sejahtera manage demo” first.")
            % {"username": ANALYST}
        )
    consultations.load()  # the organisations and the Musrenbang the record refers to
    loaded = Loaded(version)
    found = []
    for name, (about, changes, templates) in SCENARIOS.items():
        scenario, created = Scenario.objects.get_or_create(
            name=name,
            owner=analyst,
            dataset=version,
            period=PERIOD,
            defaults={"description": about, "changes": changes, "templates": templates},
        )
        loaded.scenarios_made += created
        if not (scenario.has_result and scenario.dataset_checksum == version.checksum):
            began = time.perf_counter()
            scenario = run(scenario, analyst)
            loaded.ran[name] = time.perf_counter() - began
        found.append(scenario)
    loaded.decision = Decision.objects.filter(title=TITLE, dataset=version).first()
    if loaded.decision is None:
        loaded.decision = prepare(analyst, version, found)
        loaded.decision_made = True
    return loaded


def run(scenario: Scenario, analyst: User) -> Scenario:
    """Run ``scenario`` now as the studio's job runs it: the studio's own start, the job run in
    this process by the jobs' ``run_here`` (claimed, audited and ended as a worker would)."""
    link = reverse("scenarios:detail", args=[scenario.pk])
    job = runs.start_run(_as(analyst), scenario, link, here=True)
    scenario.refresh_from_db()
    if not scenario.has_result:
        raise DemoError(
            _("The demo scenario “%(name)s” could not be run: %(error)s")
            % {"name": scenario.name, "error": job.error or job.get_state_display()}
        )
    return scenario


def _as(user: User) -> HttpRequest:
    """A request of ``user``'s, for the steps that record who did them."""
    request = HttpRequest()
    request.user = user
    return request


@transaction.atomic
def prepare(analyst: User, version: DatasetVersion, scenarios: list[Scenario]) -> Decision:
    """The record, prepared by ``analyst`` step by step as the pages would, and submitted."""
    request = _as(analyst)
    decision = services.create(
        request, Decision(title=TITLE, problem=PROBLEM, period=PERIOD, dataset=version)
    )
    for scenario in scenarios:
        services.add_scenario(request, decision, scenario)
    other = Option(
        decision=decision,
        kind=OptionKind.OTHER,
        title=OTHER_TITLE,
        description=OTHER_ABOUT,
        order=services.next_order(decision),
    )
    services.add_part(request, decision, other, "decision_option_added")
    score(request, decision)
    for name, position, note in STANCES:
        stance = StakeholderPosition(
            decision=decision,
            organisation=stakeholders.demo_organisation(name),
            position=position,
            note=note,
        )
        services.add_part(request, decision, stance, "decision_position_added")
    link = ConsultationLink(
        decision=decision,
        consultation=Consultation.objects.get(title=MUSRENBANG),
        note=MUSRENBANG_NOTE,
    )
    services.add_part(request, decision, link, "decision_consultation_linked")
    services.submit(request, decision, decision.version)
    return decision


def score(request: HttpRequest, decision: Decision) -> None:
    """The analyst's scores: feasibility and support of every option, and the estimates of the
    option that is not simulated (audited as the scores page does)."""
    options = list(decision.options.all())
    judged = {str(DEFAULT_NAMES[3]): FEASIBILITY, str(DEFAULT_NAMES[4]): SUPPORT}
    snapshots = [o.snapshot for o in options if o.simulated]
    excluded = status_quo_value(snapshots, "exclusion_error")
    estimates = {
        "net_cost_rp": OTHER_COST_RP,
        "poverty_reduction": Decimal(0),
        "exclusion_error": None
        if excluded is None
        else (Decimal(str(excluded)) * OTHER_EXCLUSION_FALL).quantize(Decimal("0.0001")),
    }
    values = []
    for criterion in decision.criteria.all():
        for order, option in enumerate(options):
            if criterion.judged:
                value = judged.get(criterion.label, (None,) * len(options))[order]
                value = None if value is None else Decimal(value)
            elif option.kind == OptionKind.OTHER:
                value = estimates.get(criterion.measure)
            else:
                continue
            values.append((option, criterion, ScoresForm.field_name(option, criterion), value))
    services.set_scores(request, decision, values, known={})
