"""Organisations, their contacts, and their engagement in each programme: lists, details, the
influence/interest map, and the forms that change them. Every change is audited; personal data
is masked unless revealed, and every reveal is audited too."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.workbench.core import audit, privacy
from sejahtera.workbench.core.locking import (
    changed_fields,
    save_if_current,
)
from sejahtera.workbench.core.pages import form_page, posted
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.programmes.access import load_programme, visible_programmes
from sejahtera.workbench.stakeholders import access
from sejahtera.workbench.stakeholders.forms import ContactForm, EngagementForm, OrganisationForm
from sejahtera.workbench.stakeholders.influence import layout
from sejahtera.workbench.stakeholders.models import Contact, Engagement, Kind

GET_POST = require_http_methods(["GET", "POST"])
NAV = "stakeholders/_nav.html"  # the navigation on this app's form pages


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
@transaction.atomic
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(posted(request))
    title, back = _("New organisation"), reverse("stakeholders:organisations")
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        organisation = form.save()
        audit.record(request, "organisation_created", organisation, name=organisation.name)
        return redirect(organisation)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("stakeholder.edit")
@transaction.atomic
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = access.load_organisation(request.user, pk)
    title = _("Edit %(name)s") % {"name": organisation.name}
    back = organisation.get_absolute_url()
    form = OrganisationForm(posted(request), instance=organisation)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        if not save_if_current(form):
            return form_page(request, form, title, back, NAV, status=409)
        audit.record(request, "organisation_changed", organisation, fields=changed_fields(form))
        return redirect(back)
    return form_page(request, form, title, back, NAV)


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
    privacy.record_view(request, contact, "reveal", fields=["name", "phone", "email"])
    return _contact_page(request, contact, revealed=True)


@GET_POST
@requires("stakeholder.edit")
@transaction.atomic
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = access.load_organisation(request.user, pk)
    form = ContactForm(posted(request), instance=Contact(organisation=organisation))
    title = _("New contact at %(name)s") % {"name": organisation.name}
    back = organisation.get_absolute_url()
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        contact = form.save()
        audit.record(request, "contact_created", contact, organisation=organisation.pk)
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@never_cache
@GET_POST
@requires("contact.edit")
@transaction.atomic
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access.load_contact(request.user, pk)
    title = _("Edit contact at %(name)s") % {"name": contact.organisation.name}
    back = contact.get_absolute_url()
    form = ContactForm(posted(request), instance=contact)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        if not save_if_current(form):
            return form_page(request, form, title, back, NAV, status=409)
        audit.record(request, "contact_changed", contact, fields=changed_fields(form))
        return redirect(back)
    privacy.record_view(request, contact, "edit", fields=["name", "phone", "email"])
    return form_page(request, form, title, back, NAV)


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
@transaction.atomic
def engagement_create(request: HttpRequest, code: str) -> HttpResponse:
    programme = load_programme(request.user, code)
    form = EngagementForm(posted(request), instance=Engagement(programme=programme))
    title = _("New engagement in %(name)s") % {"name": programme.name}
    back = reverse("stakeholders:programme", args=[programme.code])
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        try:
            with transaction.atomic():
                engagement = form.save()
        except IntegrityError:  # the same engagement, added at the same moment
            form.add_error(None, _("This organisation already has this role in this programme."))
            return form_page(request, form, title, back, NAV, status=400)
        audit.record(request, "engagement_created", engagement, **_described(engagement))
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("stakeholder.edit")
@transaction.atomic
def engagement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = access.load_engagement(request.user, pk)
    title = _("Edit engagement: %(name)s") % {"name": engagement}
    back = reverse("stakeholders:programme", args=[engagement.programme.code])
    form = EngagementForm(posted(request), instance=engagement)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        try:
            with transaction.atomic():
                saved = save_if_current(form)
        except IntegrityError:
            form.add_error(None, _("This organisation already has this role in this programme."))
            return form_page(request, form, title, back, NAV, status=400)
        if not saved:
            return form_page(request, form, title, back, NAV, status=409)
        audit.record(request, "engagement_changed", engagement, fields=changed_fields(form))
        return redirect(back)
    return form_page(request, form, title, back, NAV)


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
