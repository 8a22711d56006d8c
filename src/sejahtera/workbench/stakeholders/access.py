"""Who sees and changes what in the stakeholder and consultation pages.

- kepala, analysts and programme officers see everything and make changes;
- auditors see everything and change nothing;
- a partner sees only its own organisation (``Profile.organisation`` equal to
  ``Organisation.name``), and only on the programmes that list it among their partners; a
  partner account without an organisation sees nothing;
- an account without a role sees nothing, and an anonymous visitor is sent to sign in.

Every ``load_*`` helper answers 404 for a record that does not exist and 403 for one the user
may not see; the consultations app uses the same rules.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from sejahtera.workbench.core.roles import (
    ANALYST,
    KEPALA,
    OFFICER,
    SEES_PERSONAL_DATA,
    role_of,
)
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.programmes.partners import (
    partner_organisation,
    partner_programme_ids,
    visible_programmes,
)
from sejahtera.workbench.stakeholders.models import Contact, Engagement, Organisation

EDITORS = (KEPALA, ANALYST, OFFICER)
# Editing a contact shows its personal data, so it needs a role that may see it.
CONTACT_EDITORS = tuple(role for role in EDITORS if role in SEES_PERSONAL_DATA)


def may_edit(request: HttpRequest) -> bool:
    return role_of(request) in EDITORS


def may_reveal(request: HttpRequest) -> bool:
    return role_of(request) in SEES_PERSONAL_DATA


def visible_organisations(request: HttpRequest) -> QuerySet[Organisation]:
    partner = partner_organisation(request)
    organisations = Organisation.objects.select_related("region")
    if partner is None:
        return organisations
    return organisations.filter(name=partner) if partner else organisations.none()


def visible_engagements(request: HttpRequest) -> QuerySet[Engagement]:
    engagements = Engagement.objects.select_related("organisation", "programme")
    partner = partner_organisation(request)
    if partner is None:
        return engagements
    return engagements.filter(
        organisation__name=partner, programme_id__in=partner_programme_ids(partner)
    )


def load_organisation(request: HttpRequest, pk: int) -> Organisation:
    organisation = get_object_or_404(Organisation.objects.select_related("region"), pk=pk)
    if not visible_organisations(request).filter(pk=pk).exists():
        raise PermissionDenied
    return organisation


def load_contact(request: HttpRequest, pk: int) -> Contact:
    contact = get_object_or_404(Contact.objects.select_related("organisation"), pk=pk)
    load_organisation(request, contact.organisation_id)
    return contact


def load_programme(request: HttpRequest, code: str) -> Programme:
    programme = get_object_or_404(Programme, code=code)
    if not visible_programmes(request).filter(pk=programme.pk).exists():
        raise PermissionDenied
    return programme


def load_engagement(request: HttpRequest, pk: int) -> Engagement:
    engagement = get_object_or_404(
        Engagement.objects.select_related("organisation", "programme"), pk=pk
    )
    if not visible_engagements(request).filter(pk=pk).exists():
        raise PermissionDenied
    return engagement
