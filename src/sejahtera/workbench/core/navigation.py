"""The workbench's top-level sections, in the order the header shows them.

Adding a section is one line in :data:`SECTIONS`: its address, its label (lazily translated, so
each page shows it in its own language) and the policy action a user needs to see it. A section
whose address does not resolve is left out, so an entry can land before its app does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.contrib.auth.models import AnonymousUser, User
from django.urls import Resolver404, resolve
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.core.policy import allowed

STAFF_ONLY: Final = "staff"  # not a role's action: Django's staff flag (the administration pages)


@dataclass(frozen=True)
class Section:
    address: str  # the section's first page, as the browser asks for it ("/programmes/")
    label: Promise
    action: str  # a core.policy action, or STAFF_ONLY


SECTIONS: Final[tuple[Section, ...]] = (
    Section("/dashboard/", _("Dashboard"), "dashboard.view"),
    Section("/programmes/", _("Programmes"), "programme.view"),
    Section("/monev/", _("Monitoring"), "monev.view"),
    Section("/datasets/", _("Data"), "dataset.view"),
    Section("/needs/", _("Needs"), "needs.view"),
    Section("/scenarios/", _("Scenarios"), "scenario.view"),
    Section("/evaluations/", _("Evaluation"), "evaluation.view"),
    Section("/decisions/", _("Decisions"), "decision.view"),
    Section("/documents/", _("Documents"), "document.view"),
    Section("/grievances/", _("Grievances"), "grievance.view"),
    Section("/stakeholders/", _("Stakeholders"), "stakeholder.view"),
    Section("/consultations/", _("Consultations"), "consultation.view"),
    Section("/audit/", _("Audit"), "audit.view"),
    Section("/admin/", _("Administration"), STAFF_ONLY),
)


@dataclass(frozen=True)
class Entry:
    address: str
    label: Promise
    current: bool


def entries(
    user: User | AnonymousUser, path: str, sections: tuple[Section, ...] = SECTIONS
) -> list[Entry]:
    """The sections ``user`` may open whose address resolves, the one ``path`` is in marked
    current (the longest address that starts it)."""
    shown = [s for s in sections if _may_see(user, s) and resolves(s.address)]
    inside = [s.address for s in shown if path.startswith(s.address)]
    current = max(inside, key=len, default=None)
    return [Entry(s.address, s.label, s.address == current) for s in shown]


def _may_see(user: User | AnonymousUser, section: Section) -> bool:
    if section.action == STAFF_ONLY:
        return bool(user.is_authenticated and user.is_staff)
    return allowed(user, section.action)


def resolves(address: str) -> bool:
    """Whether ``address`` is a page of the workbench (its app installed and routed)."""
    try:
        resolve(address)
    except Resolver404:
        return False
    return True
