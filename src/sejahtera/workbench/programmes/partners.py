"""Which programmes a partner organisation may see: those whose ``partner_organisations`` list
its name (``Profile.organisation``). Every app that shows programme data asks here."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from sejahtera.workbench.core.roles import PARTNER, role_of
from sejahtera.workbench.programmes.models import Programme


def partner_organisation(request: HttpRequest) -> str | None:
    """The organisation a partner speaks for ("" when its profile names none); None for any
    other role."""
    if role_of(request) != PARTNER:
        return None
    return request.user.profile.organisation.strip()


def partner_programme_ids(organisation: str) -> list[int]:
    """The programmes that list ``organisation`` among their partners. (SQLite cannot look
    inside a JSON list, and the programme table is small.)"""
    if not organisation:
        return []
    return [
        pk
        for pk, partners in Programme.objects.values_list("pk", "partner_organisations")
        if isinstance(partners, list) and organisation in partners
    ]


def visible_programmes(request: HttpRequest) -> QuerySet[Programme]:
    """Every programme, except for a partner: its own."""
    partner = partner_organisation(request)
    programmes = Programme.objects.all()
    if partner is None:
        return programmes
    return programmes.filter(pk__in=partner_programme_ids(partner))
