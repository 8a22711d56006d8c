"""Consultations: the list (upcoming, past, open follow-ups), one consultation with its
participants, inputs, responses and follow-ups, and the forms that change them. Every change is
audited; participants' names are masked unless revealed, and every reveal is audited too."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.workbench.consultations import access
from sejahtera.workbench.consultations.forms import (
    ConsultationForm,
    FollowUpForm,
    InputForm,
    ParticipantForm,
    ResponseForm,
)
from sejahtera.workbench.consultations.models import (
    Consultation,
    FollowUp,
    Input,
    Participant,
    Response,
)
from sejahtera.workbench.core import audit, privacy
from sejahtera.workbench.core.locking import CONFLICT, changed_fields, save_if_current
from sejahtera.workbench.core.pages import form_page, posted
from sejahtera.workbench.core.policy import allowed, requires

GET_POST = require_http_methods(["GET", "POST"])
NAV = "consultations/_nav.html"  # the navigation on this app's form pages


@require_GET
@requires("consultation.view")
def consultation_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    visible = access.visible_consultations(request.user)
    consultations = visible.annotate(
        input_count=Count("inputs", distinct=True),
        open_count=Count("follow_ups", filter=Q(follow_ups__done_at=None), distinct=True),
    )
    follow_ups = (
        FollowUp.objects.filter(consultation__in=visible, done_at=None)
        .select_related("consultation", "owner")
        .order_by("due_date", "pk")
    )
    context = {
        "upcoming": consultations.filter(date__gte=today).order_by("date", "title"),
        "past": consultations.filter(date__lt=today).order_by("-date", "title"),
        "follow_ups": follow_ups,
        "today": today,
        "may_edit": allowed(request.user, "consultation.edit"),
    }
    return render(request, "consultations/list.html", context)


def _seen(
    request: HttpRequest, participant: Participant | None, *, revealed: bool
) -> tuple[str, str, str]:
    """A participant's name (masked unless revealed), affiliation and organisation, as the
    user may see them: of another organisation's participant, a partner learns nothing."""
    if participant is None:
        return "", "", ""
    organisation = access.organisation_name(request.user, participant.organisation)
    if participant.organisation is not None and organisation != participant.organisation.name:
        return "", "", organisation
    name = privacy.person(participant.name, revealed=revealed).name
    return name, participant.affiliation, organisation


def _source(request: HttpRequest, received: Input, revealed: bool) -> str:
    """Who an input came from: the participant as :func:`_seen` shows them, and the
    organisation it came from if that is not the participant's own."""
    parts = [part for part in _seen(request, received.participant, revealed=revealed) if part]
    organisation = access.organisation_name(request.user, received.organisation)
    if organisation and organisation not in parts:
        parts.append(organisation)
    return ", ".join(parts)


def _detail_page(
    request: HttpRequest, consultation: Consultation, *, revealed: bool
) -> HttpResponse:
    participants = consultation.participants.select_related("organisation")
    inputs = consultation.inputs.select_related(
        "participant__organisation", "organisation"
    ).prefetch_related("responses__responded_by")
    context = {
        "consultation": consultation,
        "participants": [(p, _seen(request, p, revealed=revealed)) for p in participants],
        "inputs": [(received, _source(request, received, revealed)) for received in inputs],
        "follow_ups": consultation.follow_ups.select_related("owner", "input"),
        "today": timezone.localdate(),
        "revealed": revealed,
        "may_reveal": allowed(request.user, "personal_data.reveal"),
        "may_edit": allowed(request.user, "consultation.edit"),
    }
    return render(request, "consultations/detail.html", context)


@require_GET
@requires("consultation.view")
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, access.load_consultation(request.user, pk), revealed=False)


@never_cache
@require_POST
@requires("personal_data.reveal")
def consultation_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access.load_consultation(request.user, pk)
    shown = list(consultation.participants.values_list("pk", flat=True))
    privacy.record_view(request, consultation, "reveal", fields=["name"], participants=shown)
    return _detail_page(request, consultation, revealed=True)


@GET_POST
@requires("consultation.edit")
@transaction.atomic
def consultation_create(request: HttpRequest) -> HttpResponse:
    form = ConsultationForm(posted(request))
    title, back = _("New consultation"), reverse("consultations:list")
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        consultation = form.save()
        audit.record(request, "consultation_created", consultation, title=consultation.title)
        return redirect(consultation)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("consultation.edit")
@transaction.atomic
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access.load_consultation(request.user, pk)
    title = _("Edit %(title)s") % {"title": consultation.title}
    back = consultation.get_absolute_url()
    form = ConsultationForm(posted(request), instance=consultation)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        if not save_if_current(form):
            return form_page(request, form, title, back, NAV, status=409)
        audit.record(request, "consultation_changed", consultation, fields=changed_fields(form))
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("consultation.edit")
@transaction.atomic
def participant_create(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access.load_consultation(request.user, pk)
    form = ParticipantForm(posted(request), instance=Participant(consultation=consultation))
    title = _("New participant in %(title)s") % {"title": consultation.title}
    back = consultation.get_absolute_url()
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        participant = form.save()
        audit.record(request, "participant_added", participant, consultation=consultation.pk)
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@require_POST
@requires("consultation.edit")
@transaction.atomic
def participant_delete(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access.load_participant(request.user, pk)
    consultation = participant.consultation
    audit.record(request, "participant_removed", participant, consultation=consultation.pk)
    participant.delete()
    return redirect(consultation)


@GET_POST
@requires("consultation.edit")
@transaction.atomic
def input_create(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access.load_consultation(request.user, pk)
    form = InputForm(posted(request), instance=Input(consultation=consultation))
    title = _("New input to %(title)s") % {"title": consultation.title}
    back = consultation.get_absolute_url()
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        received = form.save()
        audit.record(request, "input_received", received, consultation=consultation.pk)
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("consultation.edit")
@transaction.atomic
def response_create(request: HttpRequest, pk: int) -> HttpResponse:
    received = access.load_input(request.user, pk)
    form = ResponseForm(posted(request), instance=Response(input=received))
    title = _("Respond to: %(input)s") % {"input": received}
    back = received.consultation.get_absolute_url()
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        response = form.save(commit=False)
        response.responded_by = request.user
        response.save()
        audit.record(request, "input_answered", response, input=received.pk)
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("consultation.edit")
@transaction.atomic
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access.load_consultation(request.user, pk)
    form = FollowUpForm(posted(request), instance=FollowUp(consultation=consultation))
    title = _("New follow-up to %(title)s") % {"title": consultation.title}
    back = consultation.get_absolute_url()
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        follow_up = form.save()
        audit.record(
            request,
            "follow_up_created",
            follow_up,
            consultation=consultation.pk,
            owner=follow_up.owner_id,
            due_date=follow_up.due_date.isoformat(),
        )
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@GET_POST
@requires("consultation.edit")
@transaction.atomic
def follow_up_edit(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = access.load_follow_up(request.user, pk)
    title = _("Edit follow-up: %(action)s") % {"action": follow_up.action}
    back = follow_up.consultation.get_absolute_url()
    form = FollowUpForm(posted(request), instance=follow_up)
    if request.method == "POST":
        if not form.is_valid():
            return form_page(request, form, title, back, NAV, status=400)
        if not save_if_current(form):
            return form_page(request, form, title, back, NAV, status=409)
        audit.record(request, "follow_up_changed", follow_up, fields=changed_fields(form))
        return redirect(back)
    return form_page(request, form, title, back, NAV)


@require_POST
@requires("consultation.edit")
@transaction.atomic
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark done, if the follow-up is still the version the user saw and still open."""
    follow_up = access.load_follow_up(request.user, pk)
    consultation = follow_up.consultation
    try:
        seen = int(request.POST.get("version", ""))
    except ValueError:
        return render(
            request,
            "consultations/problem.html",
            {"consultation": consultation, "problem": _("The form was incomplete: try again.")},
            status=400,
        )
    done = FollowUp.objects.filter(pk=pk, version=seen, done_at=None).update(
        done_at=timezone.now(), version=F("version") + 1
    )
    if not done:
        context = {"consultation": consultation, "problem": CONFLICT}
        return render(request, "consultations/problem.html", context, status=409)
    audit.record(request, "follow_up_done", follow_up, consultation=consultation.pk)
    return redirect(consultation)
