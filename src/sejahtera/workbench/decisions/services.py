"""The life of a decision record: made with today's situation as its first option and the
default criteria, options added, submitted, decided (maker-checker), returned to draft, amended
as a new version, and a chosen scenario turned into a draft programme.

Each step checks the record's state and version in one conditional UPDATE (optimistic locking)
and is audited in the same transaction; a step that cannot be done raises :class:`Refused` with
the reason, and nothing is written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.locking import CONFLICT
from sejahtera.workbench.decisions.figures import budget_by_source, snapshot_of
from sejahtera.workbench.decisions.models import (
    DEFAULT_NAMES,
    STATUS_QUO_ABOUT,
    STATUS_QUO_TITLE,
    ConsultationLink,
    Criterion,
    Decision,
    DecisionStatus,
    Option,
    OptionKind,
    Score,
    Source,
    StakeholderPosition,
)
from sejahtera.workbench.programmes.models import Budget, Programme, ProgrammeStatus
from sejahtera.workbench.scenarios.models import Scenario

# The criteria a new record starts with (the analyst changes, removes or adds to them).
DEFAULT_CRITERIA = tuple(
    zip(
        DEFAULT_NAMES,
        (Source.SIMULATED, Source.SIMULATED, Source.SIMULATED, Source.JUDGED, Source.JUDGED),
        ("net_cost_rp", "poverty_reduction", "exclusion_error", "", ""),
        (False, True, False, True, True),
        (25, 30, 15, 15, 15),
        strict=True,
    )
)


class Refused(Exception):
    """A step that cannot be done, with the reason the page shows; nothing was written."""


def create(request: HttpRequest, decision: Decision) -> Decision:
    """Save a new record prepared by the request's user, with today's situation as its first
    option and the default criteria."""
    with transaction.atomic():  # the record, its parts and its audit event, or nothing
        decision.prepared_by = request.user
        decision.status = DecisionStatus.DRAFT
        decision.save()
        Option.objects.create(
            decision=decision,
            kind=OptionKind.STATUS_QUO,
            title=str(STATUS_QUO_TITLE),
            description=str(STATUS_QUO_ABOUT),
            order=0,
        )
        for order, (name, source, measure, higher, weight) in enumerate(DEFAULT_CRITERIA):
            Criterion.objects.create(
                decision=decision,
                name=str(name),
                source=source,
                measure=measure,
                higher_is_better=higher,
                weight=Decimal(weight),
                order=order,
            )
        audit.record(request, "decision_created", decision, title=decision.title)
    return decision


def must_be_draft(decision: Decision) -> None:
    if decision.status == DecisionStatus.DECIDED:
        raise Refused(_("This record has been decided and cannot change. Make an amendment."))
    if decision.status != DecisionStatus.DRAFT:
        raise Refused(
            _(
                "This record has been submitted for decision: it changes only after the head "
                "returns it to draft."
            )
        )


def next_order(decision: Decision) -> int:
    last = decision.options.order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


def add_scenario(request: HttpRequest, decision: Decision, scenario: Scenario) -> Option:
    """Add a saved scenario as an option, keeping a snapshot of its result. It must have run on
    the record's dataset version and year."""
    must_be_draft(decision)
    if not scenario.has_result or not scenario.result:
        raise Refused(_("This scenario has no result yet: run it first."))
    if decision.dataset_id is not None and scenario.dataset_id != decision.dataset_id:
        raise Refused(
            _(
                "This scenario ran on another dataset version than the record's: options are "
                "compared on one dataset."
            )
        )
    if scenario.period != decision.period:
        raise Refused(
            _(
                "This scenario is for %(year)s and the record for %(period)s: options are "
                "compared for one year."
            )
            % {"year": scenario.period, "period": decision.period}
        )
    if decision.options.filter(scenario=scenario).exists():
        raise Refused(_("This scenario is already an option of the record."))
    snapshot = snapshot_of(
        scenario.result,
        scenario=scenario.pk,
        scenario_version=scenario.version,
        ruleset=scenario.ruleset,
        ruleset_version=scenario.ruleset_version,
        dataset=scenario.dataset_id,
        dataset_checksum=scenario.dataset_checksum,
        period=scenario.period,
        ran_at=scenario.ran_at.isoformat() if scenario.ran_at else None,
    )
    with transaction.atomic():
        option = Option.objects.create(
            decision=decision,
            kind=OptionKind.SCENARIO,
            title=scenario.name,
            description=scenario.description,
            scenario=scenario,
            snapshot=snapshot,
            reform_text=scenario.reform_text,
            order=next_order(decision),
        )
        audit.record(
            request,
            "decision_option_added",
            decision,
            option=option.pk,
            scenario=scenario.pk,
            ruleset_version=scenario.ruleset_version,
        )
    return option


def _transition(decision: Decision, version: int, expected: str, **changes: Any) -> None:
    """Move the record from ``expected`` to what ``changes`` say, if nobody moved it since the
    page was opened at ``version``."""
    moved = Decision.objects.filter(pk=decision.pk, version=version, status=expected).update(
        version=F("version") + 1, **changes
    )
    if not moved:
        raise Refused(str(CONFLICT))
    decision.refresh_from_db()


def add_part(request: HttpRequest, decision: Decision, part: Model, action: str) -> Model:
    """Save a new part of a draft record (an option not simulated, a stakeholder's position, a
    linked consultation) and audit it as ``action``, in one transaction."""
    must_be_draft(decision)
    with transaction.atomic():
        part.save()
        audit.record(request, action, decision, part=part.pk)
    return part


def set_scores(
    request: HttpRequest,
    decision: Decision,
    values: list[tuple[Option, Criterion, str, Decimal | None]],
    known: dict[tuple[int, int], Decimal | None],
) -> None:
    """The analyst's judged scores and estimates: each (option, criterion, field name, value)
    that differs from ``known`` is stored, and the changes audited together."""
    must_be_draft(decision)
    changed: dict[str, Any] = {}
    with transaction.atomic():
        for option, criterion, name, value in values:
            if known.get((option.pk, criterion.pk)) == value:
                continue
            Score.objects.update_or_create(
                option=option, criterion=criterion, defaults={"value": value}
            )
            changed[name] = None if value is None else str(value)
        audit.record(request, "decision_scored", decision, values=changed)


def submit(request: HttpRequest, decision: Decision, version: int) -> None:
    """Draft → submitted for decision. It needs an option besides today's situation."""
    must_be_draft(decision)
    if decision.options.exclude(kind=OptionKind.STATUS_QUO).count() == 0:
        raise Refused(_("Add at least one option besides today's situation before submitting."))
    with transaction.atomic():
        _transition(
            decision,
            version,
            DecisionStatus.DRAFT,
            status=DecisionStatus.SUBMITTED,
            submitted_by=request.user,
            submitted_at=timezone.now(),
        )
        audit.record(request, "decision_submitted", decision, number=decision.number)


def may_decide(user: User, decision: Decision) -> bool:
    """Maker-checker: the decider prepared nothing of it (neither made nor submitted it)."""
    return user.pk not in (decision.prepared_by_id, decision.submitted_by_id)


def decide(
    request: HttpRequest, decision: Decision, version: int, option: Option, rationale: str
) -> None:
    """Submitted → decided: the chosen option, the rationale, who decided and when."""
    if decision.status != DecisionStatus.SUBMITTED:
        raise Refused(_("Only a record submitted for decision can be decided."))
    if not may_decide(request.user, decision):
        raise Refused(_("You prepared or submitted this record, so someone else must decide it."))
    if option.decision_id != decision.pk:
        raise Refused(_("Choose one of this record's options."))
    if not rationale.strip():
        raise Refused(_("Write the rationale of the decision."))
    with transaction.atomic():
        _transition(
            decision,
            version,
            DecisionStatus.SUBMITTED,
            status=DecisionStatus.DECIDED,
            decided_by=request.user,
            decided_at=timezone.now(),
            chosen=option,
            rationale=rationale.strip(),
        )
        audit.record(
            request,
            "decision_decided",
            decision,
            number=decision.number,
            option=option.pk,
            option_title=option.label,
        )


def return_to_draft(request: HttpRequest, decision: Decision, version: int, note: str) -> None:
    """Submitted → draft again, for more work (the head's note is audited)."""
    if decision.status != DecisionStatus.SUBMITTED:
        raise Refused(_("Only a record submitted for decision can be returned to draft."))
    with transaction.atomic():
        _transition(
            decision,
            version,
            DecisionStatus.SUBMITTED,
            status=DecisionStatus.DRAFT,
            submitted_by=None,
            submitted_at=None,
        )
        audit.record(request, "decision_returned", decision, note=note.strip())


def amend(request: HttpRequest, decision: Decision) -> Decision:
    """A new draft version (number + 1) that starts as a copy of the decided record: its
    question, options with their snapshots, criteria, scores, positions and consultations. The
    decided record stays as it was and names its amendment."""
    if decision.status != DecisionStatus.DECIDED:
        raise Refused(_("Only a decided record is amended; change a draft directly."))
    if Decision.objects.filter(predecessor=decision).exists():
        raise Refused(_("This version has been amended already: amend the latest version."))
    try:
        with transaction.atomic():
            copy = Decision.objects.create(
                number=decision.number + 1,
                predecessor=decision,
                title=decision.title,
                problem=decision.problem,
                period=decision.period,
                dataset=decision.dataset,
                prepared_by=request.user,
            )
            _copy_parts(decision, copy)
            audit.record(request, "decision_amended", copy, amends=decision.pk, number=copy.number)
    except IntegrityError as clash:  # someone amended it at the same moment
        raise Refused(
            _("This version has been amended already: amend the latest version.")
        ) from clash
    return copy


def _copy_parts(old: Decision, new: Decision) -> None:
    options = {}
    for option in old.options.all():
        options[option.pk] = Option.objects.create(
            decision=new,
            kind=option.kind,
            title=option.title,
            description=option.description,
            scenario=option.scenario,
            snapshot=option.snapshot,
            reform_text=option.reform_text,
            order=option.order,
        )
    criteria = {}
    for criterion in old.criteria.all():
        criteria[criterion.pk] = Criterion.objects.create(
            decision=new,
            name=criterion.name,
            source=criterion.source,
            measure=criterion.measure,
            higher_is_better=criterion.higher_is_better,
            weight=criterion.weight,
            order=criterion.order,
        )
    for score in Score.objects.filter(option__decision=old):
        Score.objects.create(
            option=options[score.option_id],
            criterion=criteria[score.criterion_id],
            value=score.value,
        )
    for position in old.positions.all():
        StakeholderPosition.objects.create(
            decision=new,
            organisation=position.organisation,
            position=position.position,
            note=position.note,
        )
    for link in old.consultations.all():
        ConsultationLink.objects.create(
            decision=new, consultation=link.consultation, note=link.note
        )


def programme_refusal(decision: Decision) -> str:
    """Why the decision cannot become a draft programme ("" when it can)."""
    if decision.status != DecisionStatus.DECIDED or decision.chosen is None:
        return _("Only a decided record becomes a programme.")
    if decision.programme_id is not None:
        return _("A programme has already been made from this decision.")
    if decision.chosen.kind == OptionKind.STATUS_QUO:
        return _("The decision keeps today's situation: there is no new programme to make.")
    if not decision.chosen.simulated or not decision.chosen.snapshot:
        return _(
            "The chosen option was not simulated, so it has no rules, ruleset version or cost "
            "to carry into a programme. Make the programme by hand under Programmes."
        )
    return ""


def make_programme(
    request: HttpRequest, decision: Decision, version: int, fields: dict[str, str]
) -> Programme:
    """A draft programme from the chosen scenario: its ruleset and ruleset version, a budget
    per source for the record's year (the scenario's net cost by funder), the SIPD codes given
    (``fields``: code, name, sipd_program, sipd_kegiatan, sipd_sub_kegiatan), linked back to
    the decision."""
    refusal = programme_refusal(decision)
    if refusal:
        raise Refused(refusal)
    snapshot = decision.chosen.snapshot
    try:
        return _made(request, decision, version, fields, snapshot)
    except IntegrityError as clash:  # the code, taken at the same moment by someone else
        raise Refused(_("A programme with this code exists already.")) from clash


def _made(
    request: HttpRequest,
    decision: Decision,
    version: int,
    fields: dict[str, str],
    snapshot: dict[str, Any],
) -> Programme:
    with transaction.atomic():
        linked = Decision.objects.filter(pk=decision.pk, version=version, programme=None)
        programme = Programme.objects.create(
            code=fields["code"],
            name=fields["name"],
            status=ProgrammeStatus.DRAFT,
            ruleset=snapshot.get("ruleset", ""),
            ruleset_version=snapshot.get("ruleset_version", ""),
            objectives=decision.rationale,
            sipd_program=fields.get("sipd_program", ""),
            sipd_kegiatan=fields.get("sipd_kegiatan", ""),
            sipd_sub_kegiatan=fields.get("sipd_sub_kegiatan", ""),
        )
        budgets = budget_by_source(snapshot)
        for source, cost in budgets.items():
            Budget.objects.create(
                programme=programme,
                year=int(decision.period),
                source=source,
                amount_rp=Decimal(round(cost)),
            )
        # The one thing written to a decided record: which programme came of it.
        if not linked.update(programme=programme, version=F("version") + 1):
            raise Refused(str(CONFLICT))
        audit.record(
            request,
            "programme_created",
            programme,
            code=programme.code,
            status=ProgrammeStatus.DRAFT,
            decision=decision.pk,
        )
        audit.record(
            request,
            "decision_programme_made",
            decision,
            programme=programme.pk,
            ruleset_version=programme.ruleset_version,
            sipd_unlisted=list(fields.get("sipd_unlisted") or []),
            budgets={k: round(v) for k, v in budgets.items()},
        )
    decision.refresh_from_db()
    return programme
