"""Nobody alone moves money: generating a cycle's list, freezing it and recording a payment are
each asked for by one user (:func:`ask`) and carried out only when another user approves
(:func:`decide`), as a change to a frozen list already is (a :class:`~.models.ChangeRequest`).

A request remembers the version of the cycle its maker saw (and, for a generation, the dataset
and its checksum; for a payment, the payment's fields): an approval of a cycle or dataset
changed since is refused, and the checker rejects the request instead. Each step and its audit
event are one transaction: a refused approval changes nothing. The generation job starts on
approval, owned by the checker, and its audit event names the maker too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sejahtera.data.dataset import Dataset
from sejahtera.errors import SejahteraError
from sejahtera.workbench.core import audit, jobs
from sejahtera.workbench.core.locking import CONFLICT
from sejahtera.workbench.programmes.forms import PaymentForm
from sejahtera.workbench.programmes.generation import (
    GENERATE,
    CycleError,
    check_generable,
    dataset_checksum,
    freeze,
)
from sejahtera.workbench.programmes.models import (
    ChangeStatus,
    Cycle,
    CycleRequest,
    CycleRequestKind,
    CycleStatus,
    Payment,
)

Kind = CycleRequestKind
PAYMENT_FIELDS = ("region_code", "planned_rp", "paid_rp", "households", "paid_on", "channel",
                  "note")  # fmt: skip


def checksum_of(path: str) -> str:
    """The checksum of the dataset at ``path`` (:class:`CycleError` if it cannot be opened)."""
    try:
        return dataset_checksum(Dataset.open(path, verify=False))
    except SejahteraError as exc:
        raise CycleError(str(exc)) from exc


def payment_detail(cleaned: dict[str, Any]) -> dict[str, Any]:
    """A valid payment form's fields as a request keeps them (JSON), to be checked again and
    saved on approval."""

    def plain(value: object) -> object:
        if isinstance(value, Decimal):
            return str(value)
        return value.isoformat() if isinstance(value, date) else value

    return {name: plain(cleaned.get(name)) for name in PAYMENT_FIELDS}


@transaction.atomic
def ask(request: HttpRequest, cycle: Cycle, kind: Kind, detail: dict[str, Any]) -> CycleRequest:
    """Store ``request.user``'s request for ``kind`` on ``cycle``, audited in the same
    transaction; a second generation or freezing waiting for approval is refused."""
    waiting = cycle.requests.filter(kind=kind, status=ChangeStatus.PENDING)
    if kind != Kind.PAYMENT and waiting.exists():
        raise CycleError(
            _("A request of this kind (%(what)s) is already waiting for approval.")
            % {"what": Kind(kind).label}
        )
    made = CycleRequest.objects.create(
        cycle=cycle, kind=kind, detail=detail, cycle_version=cycle.version, maker=request.user
    )
    audit.record(request, f"{kind}_requested", made, cycle=cycle.pk, **detail)
    return made


def decide(request: HttpRequest, made: CycleRequest, decision: str, version: int | None) -> None:
    """Approve (carrying out the request) or reject ``made``, audited, all in one transaction.
    :class:`PermissionDenied` for the request's own maker; :class:`CycleError` (nothing
    changed) for a stale version or a request that can no longer be carried out."""
    if made.maker_id == request.user.pk:
        raise PermissionDenied  # maker-checker: nobody approves their own request
    status = ChangeStatus.APPROVED if decision == "approve" else ChangeStatus.REJECTED
    with transaction.atomic():
        # The cycle is locked before any audit event is written: an event holds the audit
        # chain's lock to the end of the transaction, and the generation job, too, locks the
        # cycle first, then writes its event (the same order, so neither waits on the other).
        cycle = Cycle.objects.select_for_update().select_related("programme").get(pk=made.cycle_id)
        decided = CycleRequest.objects.filter(
            pk=made.pk, version=version, status=ChangeStatus.PENDING
        ).update(
            status=status, checker=request.user, decided_at=timezone.now(), version=made.version + 1
        )
        if not decided:
            raise CycleError(str(CONFLICT))
        audit.record(
            request, f"cycle_request_{status}", made, cycle=made.cycle_id, kind=made.kind,
            maker=made.maker.get_username(),
        )  # fmt: skip
        if status == ChangeStatus.APPROVED:
            _carry_out(request, made, cycle)


def _current(made: CycleRequest, cycle: Cycle) -> Cycle:
    """The request's (locked) cycle, if it still has the version the maker saw."""
    if cycle.version != made.cycle_version:
        raise CycleError(
            _(
                "The cycle changed after this was requested (its list was generated, frozen or "
                "changed meanwhile), so nothing was done. Reject this request and ask again."
            )
        )
    return cycle


def _carry_out(request: HttpRequest, made: CycleRequest, cycle: Cycle) -> None:
    by = {"cycle_request": made.pk, "requested_by": made.maker.get_username()}
    if made.kind == Kind.GENERATE:
        _generate(request, made, _current(made, cycle), by)
    elif made.kind == Kind.FREEZE:
        _current(made, cycle)
        if not freeze(cycle, made.cycle_version):
            raise CycleError(str(CONFLICT))
        audit.record(
            request, "cycle_frozen", cycle, beneficiaries=cycle.beneficiaries.count(), **by
        )
    else:
        payment = _payment(made, cycle)
        audit.record(
            request, "payment_recorded", payment, cycle=made.cycle_id, region=payment.region_code,
            planned_rp=str(payment.planned_rp), paid_rp=str(payment.paid_rp), **by,
        )  # fmt: skip


def _generate(request: HttpRequest, made: CycleRequest, cycle: Cycle, by: dict[str, Any]) -> None:
    dataset = made.detail.get("dataset", "")
    check_generable(cycle, dataset)
    if checksum_of(dataset) != made.detail.get("checksum"):
        raise CycleError(
            _(
                "The dataset changed after the list was requested, so nothing was done. Reject "
                "this request and ask again."
            )
        )
    running = jobs.latest(cycle, GENERATE)
    if running is not None and not running.finished:
        raise CycleError(_("The list of this cycle is already being generated."))
    title = _("Generating the list of %(cycle)s") % {"cycle": cycle}
    arguments = {"cycle": cycle.pk, "version": cycle.version, "dataset": dataset, **by}
    back = reverse("programmes:cycle", args=[cycle.pk])
    jobs.start(request, GENERATE, title, arguments, subject=cycle, link=back)


def _payment(made: CycleRequest, cycle: Cycle) -> Payment:
    """The requested payment, checked again against the list as it is now, saved."""
    if cycle.status not in (CycleStatus.FROZEN, CycleStatus.CLOSED):
        raise CycleError(_("Payments are recorded only against a frozen list."))
    form = PaymentForm(
        {k: "" if v is None else v for k, v in made.detail.items()},
        instance=Payment(cycle=cycle),
        regions=regions_of(cycle),
    )
    if not form.is_valid():
        problems = "; ".join(" ".join(errors) for errors in form.errors.values())
        raise CycleError(
            _("The payment can no longer be recorded as requested: %(problems)s")
            % {"problems": problems}
        )
    return form.save()


def regions_of(cycle: Cycle) -> dict[str, int]:
    """The list's kabupaten/kota, each with its number of households."""
    return dict(
        cycle.beneficiaries.order_by("region_code")
        .values("region_code")
        .annotate(n=Count("pk"))
        .values_list("region_code", "n")
    )


@dataclass(frozen=True)
class Shown:
    """A request as the cycle page lists it; ``planned_rp``/``paid_rp`` for a payment."""

    request: CycleRequest
    planned_rp: Decimal | None
    paid_rp: Decimal | None


def shown(cycle: Cycle) -> list[Shown]:
    def amount(value: object) -> Decimal | None:
        return None if value in (None, "") else Decimal(str(value))

    return [
        Shown(made, amount(made.detail.get("planned_rp")), amount(made.detail.get("paid_rp")))
        for made in cycle.requests.select_related("maker", "checker")
    ]
