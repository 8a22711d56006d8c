"""Everything the workbench holds about one person (UU 27/2022: the person's right to it), for
the roles allowed ``personal_data.export``.

The person is found by NIK (through the keyed hash, ``Grievance.with_nik``) and/or by name and
phone (both must match, compared without case, spaces or a +62/0 prefix; the columns are
encrypted, so they are compared after decrypting). What is gathered:

- grievances with that NIK, or with that name and phone;
- stakeholder contacts with that name and phone;
- consultation participations under that name (a participant has no phone: matched by name
  only, and marked so);
- DTSEN proposals made from those grievances;
- for the households those proposals name (and one the officer types), beneficiary listings,
  their payments and change requests of lists.

:func:`gather` returns a :class:`Held`, exported as JSON (:func:`as_json`) or XLSX
(:func:`as_xlsx`); the view audits each export (who, whose, which kinds, how many).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook

from sejahtera.report.cells import inert_row
from sejahtera.workbench.consultations.models import Participant
from sejahtera.workbench.core.privacy import initials, mask_nik, mask_phone
from sejahtera.workbench.grievances.models import DtsenProposal, Grievance
from sejahtera.workbench.programmes.models import Beneficiary, ChangeRequest, Payment
from sejahtera.workbench.stakeholders.models import Contact

KINDS = (
    "grievances",
    "contacts",
    "participations",
    "dtsen_proposals",
    "beneficiary_listings",
    "payments",
    "change_requests",
)


@dataclass(frozen=True)
class Whom:
    """Who is asked for: a NIK, and/or a name with a phone; a household id when known."""

    nik: str = ""
    name: str = ""
    phone: str = ""
    household_id: str = ""

    def masked(self) -> dict[str, str]:
        """The person as the audit log records them: masked, never in full."""
        return {
            "nik": mask_nik(self.nik) if self.nik else "",
            "name": initials(self.name) if self.name else "",
            "phone": mask_phone(self.phone) if self.phone else "",
            "household_id": self.household_id,
        }


@dataclass
class Held:
    whom: Whom
    made_at: datetime
    records: dict[str, list[dict[str, object]]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {kind: len(self.records.get(kind, [])) for kind in KINDS}


def same_name(a: str, b: str) -> bool:
    return bool(a.strip()) and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def phone_digits(phone: str) -> str:
    """``+62 812-3456`` and ``0812 3456`` alike: ``08123456``."""
    digits = re.sub(r"\D", "", phone)
    return "0" + digits[2:] if digits.startswith("62") else digits


def same_phone(a: str, b: str) -> bool:
    return bool(phone_digits(a)) and phone_digits(a) == phone_digits(b)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _row(obj: object, fields: tuple[str, ...], **extra: object) -> dict[str, object]:
    return {name: _plain(getattr(obj, name)) for name in fields} | extra


def _grievances(whom: Whom) -> list[Grievance]:
    found = {g.pk: g for g in Grievance.with_nik(whom.nik)} if whom.nik else {}
    if whom.name and whom.phone:
        for grievance in Grievance.objects.exclude(pk__in=found):
            if same_name(grievance.name, whom.name) and same_phone(grievance.phone, whom.phone):
                found[grievance.pk] = grievance
    return sorted(found.values(), key=lambda g: (g.received_at, g.pk))


def gather(whom: Whom) -> Held:
    """Everything held about ``whom`` (see the module)."""
    held = Held(whom, timezone.now())
    grievances = _grievances(whom)
    held.records["grievances"] = [
        _row(g, ("code", "channel", "category", "status", "name", "nik", "phone", "address"))
        | _row(g, ("description", "received_at", "resolved_at", "sensitive"))
        | {"programme": g.programme.code if g.programme else ""}
        for g in grievances
    ]
    contacts = []
    if whom.name and whom.phone:
        contacts = [
            c
            for c in Contact.objects.select_related("organisation")
            if same_name(c.name, whom.name) and same_phone(c.phone, whom.phone)
        ]
    held.records["contacts"] = [
        _row(c, ("name", "position", "phone", "email"), organisation=c.organisation.name)
        for c in contacts
    ]
    participants = []
    if whom.name:
        participants = [
            p
            for p in Participant.objects.select_related("consultation", "organisation")
            if same_name(p.name, whom.name)
        ]
    held.records["participations"] = [
        _row(p, ("name", "affiliation"), matched_by="name")
        | _row(p.consultation, ("title", "kind", "date"))
        for p in participants
    ]
    proposals = DtsenProposal.objects.filter(grievance__in=grievances).select_related("grievance")
    held.records["dtsen_proposals"] = [
        _row(p, ("kind", "household_id", "regency_code", "district_code", "village_code"))
        | _row(p, ("reason", "made_at", "status"), grievance=p.grievance.code)
        for p in proposals
    ]
    households = {p.household_id for p in proposals if p.household_id}
    households |= {whom.household_id} if whom.household_id else set()
    _households(held, households)
    return held


def _households(held: Held, households: set[str]) -> None:
    listings = Beneficiary.objects.filter(household_id__in=households).select_related(
        "cycle__programme"
    )
    held.records["beneficiary_listings"] = [
        _row(b, ("household_id", "region_code", "district_code", "village_code", "desil"))
        | _row(b, ("amount_rp",), programme=b.cycle.programme.code, cycle=b.cycle.name)
        for b in listings
    ]
    payments = Payment.objects.filter(beneficiary__in=listings).select_related("beneficiary")
    held.records["payments"] = [
        _row(p, ("paid_on", "planned_rp", "paid_rp", "channel"))
        | {"household_id": p.beneficiary.household_id, "cycle": str(p.cycle)}
        for p in payments
    ]
    changes = ChangeRequest.objects.filter(household_id__in=households).select_related("cycle")
    held.records["change_requests"] = [
        _row(c, ("household_id", "kind", "amount_rp", "reason", "status", "created_at"))
        | {"cycle": str(c.cycle)}
        for c in changes
    ]


def as_json(held: Held) -> bytes:
    document = {
        "made_at": _plain(held.made_at),
        "asked_for": {k: v for k, v in vars(held.whom).items() if v},
        "counts": held.counts(),
        "records": {kind: held.records.get(kind, []) for kind in KINDS},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def as_xlsx(held: Held, titles: dict[str, str]) -> bytes:
    """One sheet per kind (``titles``: its name in the reader's language), the columns as in
    the JSON; every text inert (a name starting with = is shown, never run)."""
    book = Workbook()
    book.remove(book.active)
    for kind in KINDS:
        sheet = book.create_sheet(titles[kind][:31])
        rows = held.records.get(kind, [])
        columns = list(rows[0]) if rows else []
        sheet.append(columns)
        for row in rows:
            sheet.append(inert_row([row[c] for c in columns]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
