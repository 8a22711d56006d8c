"""The evaluation page's forms: the source and design (step one), then the variables, each
chosen from the table's columns (step two), and a table file to upload. The REST API checks a
request with the same :class:`VariablesForm`, so both refuse a bad variable with one message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.evaluations.models import Design
from sejahtera.workbench.evaluations.sources import Column, Source, choices, suffix_of

NUMERIC = ("number", "flag")  # a 0/1 column is a number too (an outcome may be one)
ANY = ("number", "flag", "text")
KIND_LABELS = {"number": _("number"), "flag": _("yes/no"), "text": _("text")}


class SourceForm(forms.Form):
    """Step one: the table and the design."""

    source = forms.ChoiceField(
        label=_("Data to evaluate"),
        help_text=_(
            "A registered dataset version (its evaluation panel when it has one, its households "
            "otherwise) or a table file uploaded for evaluations."
        ),
        error_messages={"invalid_choice": _("There is no such dataset or table: choose one.")},
    )
    design = forms.ChoiceField(label=_("Design"), choices=Design.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = choices()


class ColumnField(forms.ChoiceField):
    """One column of the table, of the kinds the design needs there; a name that is not a
    column, or one of another kind, is refused with a message saying which."""

    def __init__(self, columns: Sequence[Column], kinds: Sequence[str], **kwargs: Any) -> None:
        self.columns = {c.name: c for c in columns}
        self.kinds = tuple(kinds)
        listed = [(c.name, _label(c)) for c in columns if c.kind in kinds]
        empty = ("", _("— choose a column —") if kwargs.get("required", True) else "—")
        super().__init__(choices=[empty, *listed], **kwargs)

    def validate(self, value: Any) -> None:
        if value in ("", None):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return
        _check_column(value, self.columns, self.kinds)


class ColumnsField(forms.MultipleChoiceField):
    """Several columns (the covariates), each checked as :class:`ColumnField` checks one."""

    def __init__(self, columns: Sequence[Column], kinds: Sequence[str], **kwargs: Any) -> None:
        self.columns = {c.name: c for c in columns}
        self.kinds = tuple(kinds)
        listed = [(c.name, _label(c)) for c in columns if c.kind in kinds]
        # The workbench's form style stretches inputs across the column: not a checkbox.
        boxes = forms.CheckboxSelectMultiple(attrs={"style": "display:inline-block;width:auto"})
        super().__init__(choices=listed, widget=boxes, **kwargs)

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        for one in value:
            _check_column(one, self.columns, self.kinds)


def _label(column: Column) -> str:
    return f"{column.name} ({KIND_LABELS[column.kind]})"


def _check_column(value: str, columns: dict[str, Column], kinds: Sequence[str]) -> None:
    found = columns.get(value)
    if found is None:
        raise ValidationError(
            _("“%(value)s” is not a column of this table: choose one from the list."),
            code="invalid_choice",
            params={"value": value},
        )
    if found.kind not in kinds:
        raise ValidationError(
            _("“%(value)s” holds %(kind)s, not numbers: choose a column of numbers."),
            code="invalid_kind",
            params={"value": value, "kind": KIND_LABELS[found.kind]},
        )


class VariablesForm(forms.Form):
    """Step two: the variables of ``design`` from the columns of ``source``."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_(
            "For example: PKH and school enrolment, 2023–2024. Empty: made from the design."
        ),
    )

    def __init__(self, data: Any, *, source: Source, design: str) -> None:
        super().__init__(data)
        self.source, self.design = source, design
        columns = source.columns
        self.fields["outcome"] = ColumnField(
            columns, NUMERIC, label=_("Outcome"), help_text=_("What the programme should change.")
        )
        fuzzy = design == Design.RDD
        self.fields["treatment"] = ColumnField(
            columns,
            NUMERIC,
            label=_("Treatment (0/1)"),
            required=not fuzzy,
            help_text=_("Who takes up the programme, when not everyone eligible does (optional).")
            if fuzzy
            else _("Who the programme reaches: 1, the others 0."),
        )
        getattr(self, f"_{design}_fields")(columns)
        self.fields["weights"] = ColumnField(
            columns, NUMERIC, label=_("Survey weights"), required=False
        )

    def _did_fields(self, columns: Sequence[Column]) -> None:
        self.fields["post"] = ColumnField(
            columns, NUMERIC, label=_("After (0/1)"), help_text=_("1 after the programme began.")
        )
        self.fields["unit"] = ColumnField(
            columns,
            ANY,
            label=_("Panel unit"),
            required=False,
            help_text=_("The household, village… seen in each period: with a time column, "
                        "two-way fixed effects."),
        )  # fmt: skip
        self.fields["time"] = ColumnField(columns, ANY, label=_("Time"), required=False)
        self.fields["cluster"] = ColumnField(
            columns,
            ANY,
            label=_("Cluster"),
            required=False,
            help_text=_("Units whose errors go together (a village, a store): clustered "
                        "standard errors."),
        )  # fmt: skip
        self.fields["covariates"] = ColumnsField(
            columns, ANY, label=_("Covariates"), required=False
        )

    def _match_fields(self, columns: Sequence[Column]) -> None:
        self.fields["covariates"] = ColumnsField(
            columns,
            ANY,
            label=_("Covariates"),
            help_text=_("What decides who takes part and also moves the outcome."),
        )
        self.fields["method"] = forms.ChoiceField(
            label=_("Method"),
            choices=[
                ("nn", _("Nearest-neighbour matching")),
                ("ipw", _("Inverse probability weighting")),
                ("aipw", _("Doubly robust (AIPW)")),
            ],
            initial="nn",
        )
        self.fields["estimand"] = forms.ChoiceField(
            label=_("Effect"),
            choices=[("att", _("On those who take part (ATT)")), ("ate", _("On everyone (ATE)"))],
            initial="att",
        )

    def _rdd_fields(self, columns: Sequence[Column]) -> None:
        self.fields["running"] = ColumnField(
            columns,
            NUMERIC,
            label=_("Running variable"),
            help_text=_("The score eligibility is decided on (for example pmt_score)."),
        )
        self.fields["cutoff"] = forms.FloatField(label=_("Cut-off"))
        self.fields["bandwidth"] = forms.FloatField(
            label=_("Bandwidth"),
            required=False,
            min_value=0,
            help_text=_("How far from the cut-off, on each side, in the running variable's units. "
                        "Empty: chosen from the data (MSE-optimal)."),
        )  # fmt: skip
        self.fields["side"] = forms.ChoiceField(
            label=_("Eligible side"),
            choices=[("below", _("Below the cut-off")), ("above", _("Above the cut-off"))],
            initial="below",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        for name in ("treatment", "post", "running", "weights"):
            if outcome and cleaned.get(name) == outcome:
                self.add_error(name, _("This is the outcome column: choose another one."))
        if "covariates" in cleaned and outcome in (cleaned.get("covariates") or ()):
            self.add_error("covariates", _("The outcome cannot be a covariate."))
        if cleaned.get("bandwidth") == 0:
            self.add_error("bandwidth", _("The bandwidth must be above zero."))
        if self.design == Design.DID and bool(cleaned.get("unit")) != bool(cleaned.get("time")):
            missing = "time" if cleaned.get("unit") else "unit"
            self.add_error(missing, _("Two-way fixed effects need both a unit and a time column."))
        return cleaned

    def arguments(self) -> dict[str, Any]:
        """The variables as the evaluation keeps them and the runner hands the estimator."""
        chosen = {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "title" and value not in ("", None, [])
        }
        if "covariates" in self.fields:
            chosen["covariates"] = list(self.cleaned_data.get("covariates") or [])
        return chosen

    def chosen_title(self) -> str:
        return self.cleaned_data.get("title") or ""


class TableForm(forms.Form):
    """A table file to evaluate."""

    file = forms.FileField(
        label=_("Table file"),
        help_text=_("CSV, Excel, Parquet, Stata or SPSS: one row per unit (and period)."),
    )

    def clean_file(self) -> Any:
        received = self.cleaned_data["file"]
        if suffix_of(received.name) is None:
            raise ValidationError(
                _("“%(name)s” is not a table file the workbench reads: send CSV, Excel "
                  "(.xlsx), Parquet, Stata (.dta) or SPSS (.sav)."),
                params={"name": received.name},
            )  # fmt: skip
        if received.size > settings.UPLOAD_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(most)s MB."),
                params={"most": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            )
        return received


LABELS = {
    "outcome": _("Outcome"),
    "treatment": _("Treatment (0/1)"),
    "post": _("After (0/1)"),
    "unit": _("Panel unit"),
    "time": _("Time"),
    "cluster": _("Cluster"),
    "covariates": _("Covariates"),
    "method": _("Method"),
    "estimand": _("Effect"),
    "running": _("Running variable"),
    "cutoff": _("Cut-off"),
    "bandwidth": _("Bandwidth"),
    "side": _("Eligible side"),
    "weights": _("Survey weights"),
}
OPTIONS = {
    "nn": _("Nearest-neighbour matching"),
    "ipw": _("Inverse probability weighting"),
    "aipw": _("Doubly robust (AIPW)"),
    "att": _("On those who take part (ATT)"),
    "ate": _("On everyone (ATE)"),
    "below": _("Below the cut-off"),
    "above": _("Above the cut-off"),
}


def described(variables: dict[str, Any], number: Any) -> list[tuple[str, str]]:
    """The variables of a run as the page lists them: each role's label, then the column (a
    column's name as the table has it), the option in words, or the number (``number``)."""
    shown = []
    for name, value in variables.items():
        if isinstance(value, list):
            text = ", ".join(value) if value else "–"
        elif name in ("method", "estimand", "side"):
            text = str(OPTIONS.get(value, value))
        elif isinstance(value, int | float):
            text = number(value)
        else:
            text = str(value)
        shown.append((str(LABELS.get(name, name)), text))
    return shown
