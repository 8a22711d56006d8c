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
from sejahtera.workbench.core.locking import CONFLICT
from sejahtera.workbench.core.pages import FormPage, create_page, edit_page, posted, refused
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


def _page(title: str, consultation: Consultation) -> FormPage:
    return FormPage(title, consultation.get_absolute_url(), NAV)


@GET_POST
@requires("consultation.edit")
def consultation_create(request: HttpRequest) -> HttpResponse:
    form = ConsultationForm(posted(request))
    page = FormPage(_("New consultation"), reverse("consultations:list"), NAV)

    def saved(consultation: Consultation) -> str:
        audit.record(request, "consultation_created", consultation, title=consultation.title)
        return consultation.get_absolute_url()

    return create_page(request, form, page, saved)


@GET_POST
@requires("consultation.edit")
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access.load_consultation(request.user, pk)
    form = ConsultationForm(posted(request), instance=consultation)
    page = _page(_("Edit %(title)s") % {"title": consultation.title}, consultation)
    return edit_page(request, form, page, "consultation_changed")


@GET_POST
@requires("consultation.edit")
def participant_create(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access.load_consultation(request.user, pk)
    form = ParticipantForm(posted(request), instance=Participant(consultation=consultation))
    page = _page(_("New participant in %(title)s") % {"title": consultation.title}, consultation)

    def saved(participant: Participant) -> None:
        audit.record(request, "participant_added", participant, consultation=consultation.pk)

    return create_page(request, form, page, saved)


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
def input_create(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access.load_consultation(request.user, pk)
    form = InputForm(posted(request), instance=Input(consultation=consultation))
    page = _page(_("New input to %(title)s") % {"title": consultation.title}, consultation)

    def saved(received: Input) -> None:
        audit.record(request, "input_received", received, consultation=consultation.pk)

    return create_page(request, form, page, saved)


@GET_POST
@requires("consultation.edit")
def response_create(request: HttpRequest, pk: int) -> HttpResponse:
    received = access.load_input(request.user, pk)
    response = Response(input=received, responded_by=request.user)
    form = ResponseForm(posted(request), instance=response)
    page = _page(_("Respond to: %(input)s") % {"input": received}, received.consultation)

    def saved(response: Response) -> None:
        audit.record(request, "input_answered", response, input=received.pk)

    return create_page(request, form, page, saved)


@GET_POST
@requires("consultation.edit")
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = access.load_consultation(request.user, pk)
    form = FollowUpForm(posted(request), instance=FollowUp(consultation=consultation))
    page = _page(_("New follow-up to %(title)s") % {"title": consultation.title}, consultation)

    def saved(follow_up: FollowUp) -> None:
        audit.record(
            request, "follow_up_created", follow_up, consultation=consultation.pk,
            owner=follow_up.owner_id, due_date=follow_up.due_date.isoformat(),
        )  # fmt: skip

    return create_page(request, form, page, saved)


@GET_POST
@requires("consultation.edit")
def follow_up_edit(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = access.load_follow_up(request.user, pk)
    form = FollowUpForm(posted(request), instance=follow_up)
    title = _("Edit follow-up: %(action)s") % {"action": follow_up.action}
    return edit_page(request, form, _page(title, follow_up.consultation), "follow_up_changed")


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
        return _problem(request, consultation, _("The form was incomplete: try again."), 400)
    done = FollowUp.objects.filter(pk=pk, version=seen, done_at=None).update(
        done_at=timezone.now(), version=F("version") + 1
    )
    if not done:
        return _problem(request, consultation, str(CONFLICT), 409)
    audit.record(request, "follow_up_done", follow_up, consultation=consultation.pk)
    return redirect(consultation)


def _problem(
    request: HttpRequest, consultation: Consultation, message: str, status: int
) -> HttpResponse:
    return refused(
        request, message, consultation.get_absolute_url(), status=status, nav=NAV,
        title=consultation.title, back_label=_("Back to the consultation"),
    )  # fmt: skip
