"""The forms of the consultation pages."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.consultations.models import (
    Consultation,
    FollowUp,
    Input,
    Participant,
    Response,
)
from sejahtera.workbench.core.locking import VersionedForm
from sejahtera.workbench.core.policy import roles_for
from sejahtera.workbench.core.privacy import initials
from sejahtera.workbench.stakeholders.forms import region_field


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ConsultationForm(VersionedForm):
    region = region_field()

    class Meta:
        model = Consultation
        fields = ("title", "kind", "date", "region", "programme", "summary")
        widgets: ClassVar[dict[str, forms.Widget]] = {"date": date_input()}


class ParticipantForm(forms.ModelForm):
    class Meta:
        model = Participant
        fields = ("name", "affiliation", "organisation")


class ParticipantChoice(forms.ModelChoiceField):
    """Participants by initials and affiliation: choosing one shows no personal data."""

    def label_from_instance(self, obj: Participant) -> str:
        return " – ".join(part for part in (initials(obj.name), obj.affiliation) if part)


class InputForm(forms.ModelForm):
    participant = ParticipantChoice(
        Participant.objects.none(), required=False, label=_("from participant")
    )

    class Meta:
        model = Input
        fields = ("participant", "organisation", "topic", "text")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = self.instance.consultation.participants.all()


class ResponseForm(forms.ModelForm):
    class Meta:
        model = Response
        fields = ("text",)


class FollowUpForm(VersionedForm):
    class Meta:
        model = FollowUp
        fields = ("action", "owner", "due_date", "input")
        widgets: ClassVar[dict[str, forms.Widget]] = {"due_date": date_input()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.required = True
        owner.queryset = (
            get_user_model()
            .objects.filter(is_active=True, profile__role__in=roles_for("consultation.edit"))
            .order_by("username")
        )
        self.fields["input"].queryset = self.instance.consultation.inputs.all()
