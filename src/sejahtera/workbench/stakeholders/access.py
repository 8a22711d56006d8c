"""Which organisations, contacts and engagements a user sees (who may change them is in
:mod:`sejahtera.workbench.core.policy`).

- a role with ``stakeholder.view_all`` sees every organisation and engagement;
- a partner sees only its own organisation, and its engagements in the programmes that list it
  among their partners; a partner account without an organisation sees nothing.

Every ``load_*`` helper answers 404 for a record that does not exist and 403 for one the user
may not see.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from sejahtera.workbench.core.policy import allowed
from sejahtera.workbench.core.roles import organisation_of
from sejahtera.workbench.programmes.access import visible_programmes
from sejahtera.workbench.stakeholders.models import Contact, Engagement, Organisation


def visible_organisations(user: User | AnonymousUser) -> QuerySet[Organisation]:
    organisations = Organisation.objects.select_related("region")
    if allowed(user, "stakeholder.view_all"):
        return organisations
    organisation = organisation_of(user) if allowed(user, "stakeholder.view") else None
    return organisations.filter(pk=organisation) if organisation else organisations.none()


def visible_engagements(user: User | AnonymousUser) -> QuerySet[Engagement]:
    engagements = Engagement.objects.select_related("organisation", "programme")
    if allowed(user, "stakeholder.view_all"):
        return engagements
    return engagements.filter(
        organisation__in=visible_organisations(user), programme__in=visible_programmes(user)
    )


def load_organisation(user: User | AnonymousUser, pk: int) -> Organisation:
    organisation = get_object_or_404(Organisation.objects.select_related("region"), pk=pk)
    if not visible_organisations(user).filter(pk=pk).exists():
        raise PermissionDenied
    return organisation


def load_contact(user: User | AnonymousUser, pk: int) -> Contact:
    contact = get_object_or_404(Contact.objects.select_related("organisation"), pk=pk)
    load_organisation(user, contact.organisation_id)
    return contact


def load_engagement(user: User | AnonymousUser, pk: int) -> Engagement:
    engagement = get_object_or_404(
        Engagement.objects.select_related("organisation", "programme"), pk=pk
    )
    if not visible_engagements(user).filter(pk=pk).exists():
        raise PermissionDenied
    return engagement
