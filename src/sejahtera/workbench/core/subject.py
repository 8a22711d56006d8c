"""Everything the workbench holds about one person (UU 27/2022: the person's right to it), for
the roles allowed ``personal_data.export``.

The person is found by NIK (through the keyed hash, ``Grievance.with_nik``) and/or by name and
phone (both must match, compared without case, spaces or a +62/0 prefix; the columns are
encrypted, so they are compared after decrypting). What is gathered:

- grievances with that NIK, or with that name and phone;
- stakeholder contacts with that name and phone;
- consultation participations under that name (a participant has no phone: matched by name
  only, and marked so);
- those grievances' history as the person sees it (dates, statuses, messages to them; not the
  internal notes or the staff who acted), and the DTSEN proposals made from them;
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

from django.db import models
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from sejahtera.report.cells import inert_row
from sejahtera.workbench.consultations.models import Participant
from sejahtera.workbench.core.privacy import initials, mask_nik, mask_phone
from sejahtera.workbench.grievances.models import DtsenProposal, Grievance, GrievanceEvent
from sejahtera.workbench.programmes.models import Beneficiary, ChangeRequest, Payment
from sejahtera.workbench.stakeholders.models import Contact

KINDS = (
    "grievances",
    "grievance_history",
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


@dataclass(frozen=True)
class Cell:
    """One value of a record: its column's label in the reader's language, the value as JSON
    holds it, and as a spreadsheet shows it (a choice's label, a date, Ya/Tidak)."""

    label: str
    value: object
    shown: object


Record = dict[str, Cell]


@dataclass
class Held:
    whom: Whom
    made_at: datetime
    records: dict[str, list[Record]] = field(default_factory=dict)
    made_by: str = ""  # the username of who exported it (the about sheet)

    def counts(self) -> dict[str, int]:
        return {kind: len(self.records.get(kind, [])) for kind in KINDS}

    def values(self, kind: str) -> list[dict[str, object]]:
        return [{key: cell.value for key, cell in record.items()} for record in self.records[kind]]


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


def _shown(value: object) -> object:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return _plain(value)
    return value


def _row(obj: models.Model, fields: tuple[str, ...]) -> Record:
    """``fields`` of ``obj``, labelled by their model's verbose names."""
    record = {}
    for name in fields:
        model_field = obj._meta.get_field(name)
        value = getattr(obj, name)
        shown = getattr(obj, f"get_{name}_display")() if model_field.choices else _shown(value)
        record[name] = Cell(str(model_field.verbose_name), _plain(value), shown)
    return record


def _extra(key: str, label: str, value: object, shown: object = None) -> Record:
    return {key: Cell(label, value, value if shown is None else shown)}


def _grievances(whom: Whom) -> list[Grievance]:
    found = {g.pk for g in Grievance.with_nik(whom.nik).only("pk")} if whom.nik else set()
    if whom.name and whom.phone:
        named = Grievance.objects.exclude(pk__in=found).annotate(held=Length("phone"))
        for pk, name, phone in named.filter(held__gt=0).values_list("pk", "name", "phone"):
            if same_name(name, whom.name) and same_phone(phone, whom.phone):
                found.add(pk)
    chosen = Grievance.objects.filter(pk__in=found).select_related("programme")
    return list(chosen.order_by("received_at", "pk"))


def gather(whom: Whom) -> Held:
    """Everything held about ``whom`` (see the module)."""
    held = Held(whom, timezone.now())
    grievances = _grievances(whom)
    held.records["grievances"] = [
        _row(g, ("code", "channel", "category", "status", "name", "nik", "phone", "address"))
        | _row(g, ("description", "received_at", "resolved_at", "sensitive"))
        | _extra("programme", _("Programme"), g.programme.code if g.programme else "")
        for g in grievances
    ]
    events = GrievanceEvent.objects.filter(grievance__in=grievances).select_related("grievance")
    held.records["grievance_history"] = [  # the person's own view: no internal notes or staff
        _extra("grievance", _("Grievance"), e.grievance.code)
        | _row(e, ("at", "status", "public_message"))
        for e in events.order_by("grievance__received_at", "at", "pk")
    ]
    _people(held, whom)
    proposals = DtsenProposal.objects.filter(grievance__in=grievances).select_related("grievance")
    held.records["dtsen_proposals"] = [
        _extra("grievance", _("Grievance"), p.grievance.code)
        | _row(p, ("kind", "household_id", "regency_code", "district_code", "village_code"))
        | _row(p, ("reason", "made_at", "status"))
        for p in proposals
    ]
    households = {p.household_id for p in proposals if p.household_id}
    households |= {whom.household_id} if whom.household_id else set()
    _households(held, households)
    return held


def _people(held: Held, whom: Whom) -> None:
    """Contacts (name and phone) and consultation participants (name only: they have no phone)."""
    contacts = []
    if whom.name and whom.phone:
        contacts = [
            c
            for c in Contact.objects.select_related("organisation")
            if same_name(c.name, whom.name) and same_phone(c.phone, whom.phone)
        ]
    held.records["contacts"] = [
        _extra("organisation", _("Organisation"), c.organisation.name)
        | _row(c, ("name", "position", "phone", "email"))
        for c in contacts
    ]
    participants = []
    if whom.name:
        participants = [
            p
            for p in Participant.objects.select_related("consultation")
            if same_name(p.name, whom.name)
        ]
    held.records["participations"] = [
        _row(p.consultation, ("title", "kind", "date"))
        | _row(p, ("name", "affiliation"))
        | _extra("matched_by", _("Found by"), "name", _("name only"))
        for p in participants
    ]


def _households(held: Held, households: set[str]) -> None:
    listings = Beneficiary.objects.filter(household_id__in=households).select_related(
        "cycle__programme"
    )
    held.records["beneficiary_listings"] = [
        _extra("programme", _("Programme"), b.cycle.programme.code)
        | _extra("cycle", _("Cycle"), b.cycle.name)
        | _row(b, ("household_id", "region_code", "district_code", "village_code", "desil"))
        | _row(b, ("amount_rp",))
        for b in listings
    ]
    payments = Payment.objects.filter(beneficiary__in=listings).select_related(
        "beneficiary", "cycle__programme"
    )
    held.records["payments"] = [
        _extra("cycle", _("Cycle"), str(p.cycle))
        | _extra("household_id", str(_("household")), p.beneficiary.household_id)
        | _row(p, ("paid_on", "planned_rp", "paid_rp", "channel"))
        for p in payments
    ]
    changes = ChangeRequest.objects.filter(household_id__in=households).select_related(
        "cycle__programme"
    )
    held.records["change_requests"] = [
        _extra("cycle", _("Cycle"), str(c.cycle))
        | _row(c, ("household_id", "kind", "amount_rp", "reason", "status", "created_at"))
        for c in changes
    ]


def as_json(held: Held) -> bytes:
    document = {
        "made_at": _plain(held.made_at),
        "asked_for": {k: v for k, v in vars(held.whom).items() if v},
        "counts": held.counts(),
        "records": {kind: held.values(kind) for kind in KINDS},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def as_xlsx(held: Held, titles: dict[str, str]) -> bytes:
    """One sheet per kind (``titles``: its name in the reader's language), the columns labelled
    and choices shown in the reader's language; every text inert (a name starting with = is
    shown, never run)."""
    book = Workbook()
    book.remove(book.active)
    for kind in KINDS:
        sheet = book.create_sheet(titles[kind][:31])
        records = held.records[kind]
        if records:
            sheet.append([cell.label for cell in records[0].values()])
        for record in records:
            sheet.append(inert_row([cell.shown for cell in record.values()]))
    about = book.create_sheet(_("About this file")[:31])
    about.append([_("Made at"), timezone.localtime(held.made_at).replace(tzinfo=None)])
    about.append([_("Made by"), held.made_by])
    asked = {"NIK": held.whom.nik, _("Name"): held.whom.name, _("Phone"): held.whom.phone}
    asked[_("Household identifier (if known)")] = held.whom.household_id
    for label, value in asked.items():
        about.append(inert_row([label, value]) if value else [label, "–"])
    for kind in KINDS:
        about.append([titles[kind], len(held.records[kind])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
