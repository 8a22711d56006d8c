"""Which consultations a user sees, and how much of the organisations in them (who may change
them is in :mod:`sejahtera.workbench.core.policy`).

A role with ``programme.view_all`` sees every consultation; a partner sees those of the
programmes it partners on, and in them the organisations of other participants stay hidden
(``stakeholder.view_all``).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from sejahtera.workbench.consultations.models import Consultation, FollowUp, Input, Participant
from sejahtera.workbench.core.policy import allowed
from sejahtera.workbench.core.roles import organisation_of
from sejahtera.workbench.programmes.access import visible_programmes
from sejahtera.workbench.stakeholders.models import Organisation


def visible_consultations(user: User | AnonymousUser) -> QuerySet[Consultation]:
    consultations = Consultation.objects.select_related("region", "programme")
    if not allowed(user, "consultation.view"):
        return consultations.none()
    if allowed(user, "programme.view_all"):
        return consultations
    return consultations.filter(programme__in=visible_programmes(user))


def load_consultation(user: User | AnonymousUser, pk: int) -> Consultation:
    consultation = get_object_or_404(Consultation.objects.select_related("programme"), pk=pk)
    if not visible_consultations(user).filter(pk=pk).exists():
        raise PermissionDenied
    return consultation


def load_participant(user: User | AnonymousUser, pk: int) -> Participant:
    participant = get_object_or_404(Participant, pk=pk)
    load_consultation(user, participant.consultation_id)
    return participant


def load_input(user: User | AnonymousUser, pk: int) -> Input:
    received = get_object_or_404(Input.objects.select_related("consultation"), pk=pk)
    load_consultation(user, received.consultation_id)
    return received


def load_follow_up(user: User | AnonymousUser, pk: int) -> FollowUp:
    follow_up = get_object_or_404(FollowUp.objects.select_related("consultation"), pk=pk)
    load_consultation(user, follow_up.consultation_id)
    return follow_up


def organisation_name(user: User | AnonymousUser, organisation: Organisation | None) -> str:
    """The name to show: a partner sees its own organisation's, and no other."""
    if organisation is None:
        return ""
    if allowed(user, "stakeholder.view_all") or organisation.pk == organisation_of(user):
        return organisation.name
    return _("another organisation")
