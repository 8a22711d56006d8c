"""The forms of the decision pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.consultations.models import Consultation
from sejahtera.workbench.core.locking import VersionedForm
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.decisions.models import (
    ConsultationLink,
    Criterion,
    Decision,
    Option,
    OptionKind,
    Source,
    StakeholderPosition,
)
from sejahtera.workbench.decisions.scoring import MEASURE_LABELS
from sejahtera.workbench.programmes import sipd
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.scenarios.models import Scenario, ScenarioState
from sejahtera.workbench.stakeholders.models import Organisation


class DecisionForm(VersionedForm):
    """The policy question: its title, the problem, the year and the dataset version."""

    class Meta:
        model = Decision
        fields = ("title", "problem", "period", "dataset")
        help_texts = {  # noqa: RUF012
            "period": _("The year the options are compared for, for example 2025."),
            "dataset": _("The options' scenarios must have run on this version."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = DatasetVersion.objects.select_related("dataset")
        if (
            self.instance.pk is not None
            and self.instance.options.filter(kind=OptionKind.SCENARIO).exists()
        ):
            self.fields["dataset"].disabled = True  # its scenarios ran on this version
            self.fields["period"].disabled = True

    def clean_period(self) -> str:
        period = self.cleaned_data["period"].strip()
        if not (period.isdigit() and len(period) == 4 and 2000 <= int(period) <= 2100):
            raise forms.ValidationError(_("Give the year as four digits, for example 2025."))
        return period


class ScenarioOptionForm(forms.Form):
    scenario = forms.ModelChoiceField(
        label=_("scenario"),
        queryset=Scenario.objects.none(),
        help_text=_("Saved scenarios with a result, on the record's dataset version and year."),
    )

    def __init__(self, *args: Any, decision: Decision, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        found = Scenario.objects.defer(*Scenario.HEAVY).filter(
            state=ScenarioState.DONE, period=decision.period
        )
        if decision.dataset_id is not None:
            found = found.filter(dataset_id=decision.dataset_id)
        self.fields["scenario"].queryset = found.exclude(
            pk__in=decision.options.exclude(scenario=None).values("scenario")
        )


class OtherOptionForm(forms.ModelForm):
    """An option that is not simulated: a title and a description."""

    class Meta:
        model = Option
        fields = ("title", "description")


class CriterionForm(VersionedForm):
    measure = forms.ChoiceField(
        label=_("simulated figure"),
        required=False,
        help_text=_("For a criterion from the simulation: the scenario's figure it reads."),
    )

    class Meta:
        model = Criterion
        fields = ("name", "source", "measure", "higher_is_better", "weight")
        help_texts = {  # noqa: RUF012
            "weight": _("Any number from 0: weights are divided by their sum."),
            "higher_is_better": _("Leave unticked when less is better (cost, exclusion error)."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "–"), *((k, str(v)) for k, v in MEASURE_LABELS.items())]
        self.fields["measure"].choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("source") == Source.SIMULATED and not cleaned.get("measure"):
            self.add_error("measure", _("Choose the simulated figure this criterion reads."))
        if cleaned.get("source") == Source.JUDGED:
            cleaned["measure"] = ""
        weight = cleaned.get("weight")
        if weight is not None and weight < 0:
            self.add_error("weight", _("A weight cannot be negative."))
        return cleaned


class ScoresForm(forms.Form):
    """The analyst's values: a judged score (1–5) of every option on every judged criterion,
    and an estimate of every simulated figure for the options that are not simulated."""

    @staticmethod
    def field_name(option: Option, criterion: Criterion) -> str:
        return f"s_{option.pk}_{criterion.pk}"

    def __init__(
        self,
        *args: Any,
        options: list[Option],
        criteria: list[Criterion],
        initial_values: dict[tuple[int, int], Decimal | None],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cells: list[tuple[Option, Criterion, str]] = []  # (option, criterion, field name)
        for option in options:
            for criterion in criteria:
                if criterion.judged:
                    field: forms.Field = forms.DecimalField(
                        min_value=1, max_value=5, decimal_places=1, required=False
                    )
                elif option.kind == OptionKind.OTHER:
                    field = forms.DecimalField(decimal_places=4, required=False)
                else:
                    continue
                name = self.field_name(option, criterion)
                field.label = f"{option.label} · {criterion.label}"
                field.initial = initial_values.get((option.pk, criterion.pk))
                self.fields[name] = field
                self.cells.append((option, criterion, name))


class PositionForm(forms.ModelForm):
    class Meta:
        model = StakeholderPosition
        fields = ("organisation", "position", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.exclude(
            pk__in=StakeholderPosition.objects.filter(decision_id=self.instance.decision_id).values(
                "organisation"
            )
        )


class ConsultationLinkForm(forms.ModelForm):
    class Meta:
        model = ConsultationLink
        fields = ("consultation", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consultation"].queryset = Consultation.objects.exclude(
            pk__in=ConsultationLink.objects.filter(decision_id=self.instance.decision_id).values(
                "consultation"
            )
        ).order_by("-date")


class DecideForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    option = forms.ModelChoiceField(
        label=_("chosen option"), queryset=Option.objects.none(), widget=forms.RadioSelect
    )
    rationale = forms.CharField(label=_("rationale"), widget=forms.Textarea)

    def __init__(self, *args: Any, decision: Decision, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["option"].queryset = decision.options.all()
        self.fields["version"].initial = decision.version


class ProgrammeFromDecisionForm(forms.Form):
    """The draft programme made from the chosen scenario: its code and name, and where it sits
    in the regional budget (SIPD)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=200)
    sipd_program = forms.CharField(
        label=_("SIPD programme code"),
        max_length=20,
        required=False,
        help_text=_("For example 1.06.05 (Program Perlindungan dan Jaminan Sosial)."),
    )
    sipd_kegiatan = forms.CharField(
        label=_("SIPD kegiatan code"),
        max_length=24,
        required=False,
        help_text=_("For example 1.06.05.2.02, inside the programme."),
    )
    sipd_sub_kegiatan = forms.CharField(
        label=_("SIPD sub-kegiatan code"),
        max_length=32,
        required=False,
        help_text=_("For example 1.06.05.2.02.0001, inside the kegiatan."),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if Programme.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A programme with this code exists already."))
        return code

    sipd_unlisted_ok = forms.BooleanField(
        label=_("Use codes not in the list"),
        required=False,
        help_text=_(
            "Sejahtera's SIPD list is incomplete: tick this to keep a code of the right shape "
            "that your SIPD has and the list does not. The warning is recorded."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sipd_unlisted: list[str] = []

    def clean(self) -> dict[str, Any]:
        """The SIPD codes checked by programmes/sipd.py, as the programme's own form does."""
        cleaned = super().clean()
        self.sipd_unlisted = sipd.clean_codes(self, cleaned)
        return cleaned


class BriefForm(forms.Form):
    format = forms.ChoiceField(label=_("format"), choices=(("docx", "DOCX"), ("pdf", "PDF")))
    language = forms.ChoiceField(
        label=_("language"), choices=(("id", "Bahasa Indonesia"), ("en", "English"))
    )
