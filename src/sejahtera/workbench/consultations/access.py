"""Who sees which consultation: the rules of :mod:`sejahtera.workbench.stakeholders.access`.

Everyone but a partner sees every consultation; a partner sees those of the programmes it
partners on, and in them the organisations of other participants stay hidden.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from sejahtera.workbench.consultations.models import Consultation, FollowUp, Input, Participant
from sejahtera.workbench.programmes.partners import partner_organisation, partner_programme_ids
from sejahtera.workbench.stakeholders.models import Organisation


def visible_consultations(request: HttpRequest) -> QuerySet[Consultation]:
    consultations = Consultation.objects.select_related("region", "programme")
    partner = partner_organisation(request)
    if partner is None:
        return consultations
    return consultations.filter(programme_id__in=partner_programme_ids(partner))


def load_consultation(request: HttpRequest, pk: int) -> Consultation:
    consultation = get_object_or_404(Consultation.objects.select_related("programme"), pk=pk)
    if not visible_consultations(request).filter(pk=pk).exists():
        raise PermissionDenied
    return consultation


def load_participant(request: HttpRequest, pk: int) -> Participant:
    participant = get_object_or_404(Participant, pk=pk)
    load_consultation(request, participant.consultation_id)
    return participant


def load_input(request: HttpRequest, pk: int) -> Input:
    received = get_object_or_404(Input.objects.select_related("consultation"), pk=pk)
    load_consultation(request, received.consultation_id)
    return received


def load_follow_up(request: HttpRequest, pk: int) -> FollowUp:
    follow_up = get_object_or_404(FollowUp.objects.select_related("consultation"), pk=pk)
    load_consultation(request, follow_up.consultation_id)
    return follow_up


def organisation_name(request: HttpRequest, organisation: Organisation | None) -> str:
    """The name to show: a partner sees its own organisation's, and no other."""
    if organisation is None:
        return ""
    partner = partner_organisation(request)
    if partner is None or organisation.name == partner:
        return organisation.name
    return _("another organisation")
