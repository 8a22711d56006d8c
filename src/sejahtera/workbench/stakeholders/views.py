"""Organisations, their contacts, and their engagement in each programme: lists, details, the
influence/interest map, and the forms that change them. Every change is audited; personal data
is masked unless revealed, and every reveal is audited too."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.workbench.core import audit, privacy
from sejahtera.workbench.core.pages import FormPage, create_page, edit_page, posted
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.programmes.access import load_programme, visible_programmes
from sejahtera.workbench.stakeholders import access
from sejahtera.workbench.stakeholders.forms import ContactForm, EngagementForm, OrganisationForm
from sejahtera.workbench.stakeholders.influence import layout
from sejahtera.workbench.stakeholders.models import Contact, Engagement, Kind, Organisation

GET_POST = require_http_methods(["GET", "POST"])
NAV = "stakeholders/_nav.html"  # the navigation on this app's form pages
# Two people adding the same engagement at the same moment: the second is told.
TAKEN = gettext_lazy("This organisation already has this role in this programme.")
NAME_TAKEN = gettext_lazy("An organisation with this name exists already: choose another name.")


# Organisations


@require_GET
@requires("stakeholder.view")
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = access.visible_organisations(request.user).annotate(
        contact_count=Count("contacts")
    )
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        organisations = organisations.filter(kind=kind)
    else:
        kind = ""
    context = {
        "organisations": organisations,
        "kinds": Kind.choices,
        "kind": kind,
        "may_edit": allowed(request.user, "stakeholder.edit"),
    }
    return render(request, "stakeholders/organisation_list.html", context)


@require_GET
@requires("stakeholder.view")
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = access.load_organisation(request.user, pk)
    contacts = [
        (contact, privacy.person(contact.name, contact.phone, contact.email))
        for contact in organisation.contacts.all()
    ]
    engagements = access.visible_engagements(request.user).filter(organisation=organisation)
    context = {
        "organisation": organisation,
        "contacts": contacts,
        "engagements": engagements,
        "may_edit": allowed(request.user, "stakeholder.edit"),
    }
    return render(request, "stakeholders/organisation_detail.html", context)


@GET_POST
@requires("stakeholder.edit")
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(posted(request))
    page = FormPage(_("New organisation"), reverse("stakeholders:organisations"), NAV)

    def saved(organisation: Organisation) -> str:
        audit.record(request, "organisation_created", organisation, name=organisation.name)
        return organisation.get_absolute_url()

    return create_page(request, form, page, saved, clash=NAME_TAKEN)


@GET_POST
@requires("stakeholder.edit")
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = access.load_organisation(request.user, pk)
    title = _("Edit %(name)s") % {"name": organisation.name}
    form = OrganisationForm(posted(request), instance=organisation)
    page = FormPage(title, organisation.get_absolute_url(), NAV)
    return edit_page(request, form, page, "organisation_changed", clash=NAME_TAKEN)


# Contacts


def _contact_page(request: HttpRequest, contact: Contact, *, revealed: bool) -> HttpResponse:
    context = {
        "contact": contact,
        "person": privacy.person(contact.name, contact.phone, contact.email, revealed=revealed),
        "may_reveal": allowed(request.user, "personal_data.reveal"),
        "may_edit": allowed(request.user, "stakeholder.edit"),
        "may_edit_contact": allowed(request.user, "contact.edit"),
    }
    return render(request, "stakeholders/contact_detail.html", context)


@require_GET
@requires("stakeholder.view")
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _contact_page(request, access.load_contact(request.user, pk), revealed=False)


@never_cache
@require_POST
@requires("personal_data.reveal")
def contact_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access.load_contact(request.user, pk)
    shown = [field for field in ("name", "phone", "email") if getattr(contact, field)]
    privacy.record_view(request, contact, "reveal", fields=shown)  # exactly what is shown
    return _contact_page(request, contact, revealed=True)


@GET_POST
@requires("stakeholder.edit")
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = access.load_organisation(request.user, pk)
    form = ContactForm(posted(request), instance=Contact(organisation=organisation))
    title = _("New contact at %(name)s") % {"name": organisation.name}

    def saved(contact: Contact) -> None:
        audit.record(request, "contact_created", contact, organisation=organisation.pk)

    page = FormPage(title, organisation.get_absolute_url(), NAV)
    return create_page(request, form, page, saved)


@never_cache
@GET_POST
@requires("contact.edit")
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access.load_contact(request.user, pk)
    title = _("Edit contact at %(name)s") % {"name": contact.organisation.name}
    form = ContactForm(posted(request), instance=contact)
    if request.method != "POST":
        privacy.record_view(request, contact, "edit", fields=["name", "phone", "email"])
    page = FormPage(title, contact.get_absolute_url(), NAV)
    return edit_page(request, form, page, "contact_changed")


# Programmes and engagements


@require_GET
@requires("stakeholder.view")
def programme_list(request: HttpRequest) -> HttpResponse:
    counts = dict(
        access.visible_engagements(request.user)
        .order_by()
        .values("programme")
        .annotate(n=Count("pk"))
        .values_list("programme", "n")
    )
    programmes = [(p, counts.get(p.pk, 0)) for p in visible_programmes(request.user)]
    return render(request, "stakeholders/programme_list.html", {"programmes": programmes})


@require_GET
@requires("stakeholder.view")
def programme_engagements(request: HttpRequest, code: str) -> HttpResponse:
    programme = load_programme(request.user, code)
    engagements = access.visible_engagements(request.user).filter(programme=programme)
    context = {
        "programme": programme,
        "map": layout(engagements),
        "may_edit": allowed(request.user, "stakeholder.edit"),
    }
    return render(request, "stakeholders/programme_engagements.html", context)


@GET_POST
@requires("stakeholder.edit")
def engagement_create(request: HttpRequest, code: str) -> HttpResponse:
    programme = load_programme(request.user, code)
    form = EngagementForm(posted(request), instance=Engagement(programme=programme))
    title = _("New engagement in %(name)s") % {"name": programme.name}

    def saved(engagement: Engagement) -> None:
        audit.record(request, "engagement_created", engagement, **_described(engagement))

    page = FormPage(title, reverse("stakeholders:programme", args=[programme.code]), NAV)
    return create_page(request, form, page, saved, clash=TAKEN)


@GET_POST
@requires("stakeholder.edit")
def engagement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = access.load_engagement(request.user, pk)
    title = _("Edit engagement: %(name)s") % {"name": engagement}
    form = EngagementForm(posted(request), instance=engagement)
    page = FormPage(title, reverse("stakeholders:programme", args=[engagement.programme.code]), NAV)
    return edit_page(request, form, page, "engagement_changed", clash=TAKEN)


@require_POST
@requires("stakeholder.edit")
@transaction.atomic
def engagement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = access.load_engagement(request.user, pk)
    described = _described(engagement)
    audit.record(request, "engagement_deleted", engagement, **described)
    engagement.delete()
    return redirect("stakeholders:programme", described["programme"])


def _described(engagement: Engagement) -> dict[str, object]:
    return {
        "organisation": engagement.organisation_id,
        "programme": engagement.programme.code,
        "role": engagement.role,
        "influence": engagement.influence,
        "interest": engagement.interest,
    }
