"""The forms of the monitoring pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.core.locking import VersionedForm
from sejahtera.workbench.monev.models import Actual, Indicator, ResultNode, Target
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.regions.models import Region

# Villages are left out: a whole country's would make a list nobody can use.
REGION_LEVELS = ("province", "regency", "district")


def region_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Region.objects.filter(level__in=REGION_LEVELS),
        required=False,
        label=_("area"),
        help_text=_("leave empty for the whole programme"),
    )


class ResultNodeForm(VersionedForm):
    class Meta:
        model = ResultNode
        fields = ("level", "parent", "statement", "order")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        under = ResultNode.objects.filter(programme_id=self.instance.programme_id)
        self.fields["parent"].queryset = under.exclude(pk=self.instance.pk)


class IndicatorForm(VersionedForm):
    class Meta:
        model = Indicator
        fields = (
            "code",
            "name",
            "definition",
            "unit",
            "direction",
            "baseline_value",
            "baseline_year",
            "budget_programme",
        )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        """``programmes``: those whose budget the user may link (the ones it sees)."""
        super().__init__(*args, **kwargs)
        self.fields["budget_programme"].queryset = programmes


class TargetForm(VersionedForm):
    region = region_field()

    class Meta:
        model = Target
        fields = ("period", "region", "value")


class ActualForm(VersionedForm):
    region = region_field()

    class Meta:
        model = Actual
        fields = ("period", "region", "value", "source", "note")


class ReviewForm(forms.Form):
    """A verification, approval or rejection: the version the reviewer saw, and for a
    rejection the reason."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("reason"), required=False, max_length=2000)

    def __init__(self, *args: Any, needs_reason: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = needs_reason
