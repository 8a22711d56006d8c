"""The studio's forms: a scenario (its levers, templates and rewritten rules), the household to
explain, the amount of budget mode and the scenarios to compare.

A scenario's form starts from the status quo: every lever shows the value in force, and only the
values that differ from it are kept as the scenario's ``changes``. What a field accepts is what
the core accepts (:func:`~sejahtera.rules.overlay.check_value`, ``check_formula``), and the
whole reform is applied once more before saving, so a scenario that is saved can run.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from django import forms
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language
from sejahtera.rules.overlay import Overlay, check_formula
from sejahtera.simulate.scenario import reformed_rules
from sejahtera.workbench.core.locking import VersionedForm
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.scenarios import levers
from sejahtera.workbench.scenarios.models import Scenario

RULES = 3  # rules a scenario may rewrite at once
FIRST_YEAR, YEARS = 2025, 6
MAX_BUDGET_RP = 1e15


def language() -> Language:
    return "en" if (translation.get_language() or "id").startswith("en") else "id"


def years() -> list[tuple[str, str]]:
    return [(str(y), str(y)) for y in range(FIRST_YEAR, FIRST_YEAR + YEARS)]


class DatasetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: DatasetVersion) -> str:
        return _("%(dataset)s, version %(number)s (%(households)s households)") % {
            "dataset": obj.dataset.name,
            "number": obj.number,
            "households": f"{obj.households:,}".replace(",", "." if language() == "id" else ","),
        }


class ScenarioForm(VersionedForm):
    """A scenario: what it is called, where it runs, and what it changes (see the module)."""

    period = forms.ChoiceField(label=gettext_lazy("Year"), choices=years)
    dataset = DatasetChoice(
        label=gettext_lazy("Dataset version"),
        queryset=DatasetVersion.objects.select_related("dataset").order_by(
            "dataset__name", "-number"
        ),
    )
    templates = forms.MultipleChoiceField(
        label=gettext_lazy("Add a programme from a template"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Scenario
        fields = ("name", "description", "dataset", "period")
        widgets: ClassVar = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scenario: Scenario = self.instance
        self.ruleset = scenario.ruleset or "indonesia"
        shipped = levers.shipped_templates(self.ruleset)
        self.fields["templates"].choices = [
            (name, f"{t.title(language())} ({name})") for name, t in shipped.items()
        ]
        self.fields["templates"].initial = list(scenario.templates or [])
        chosen = self._chosen(shipped)
        period = str(self.data.get("period") or scenario.period or FIRST_YEAR)
        if period not in dict(years()):
            period = str(FIRST_YEAR)
        self.groups = levers.groups(self.ruleset, period, chosen)
        self.rules = levers.rules_with(self.ruleset, chosen)
        self.lever_fields: list[
            tuple[levers.Group, list[tuple[levers.Lever, forms.BoundField]]]
        ] = []
        for group in self.groups:
            shown = []
            for lever in group.levers:
                self.fields[lever.field_name] = self._lever_field(lever, scenario)
                shown.append((lever, lever.field_name))
            self.lever_fields.append((group, shown))  # type: ignore[arg-type]
        choices = [("", _("— no rule rewritten —")), *levers.rewritable(self.ruleset, chosen)]
        formulas = list((scenario.formulas or {}).items())
        for n in range(RULES):
            variable, formula = formulas[n] if n < len(formulas) else ("", "")
            self.fields[f"rule-{n}-variable"] = forms.ChoiceField(
                label=gettext_lazy("Rule"), choices=choices, required=False, initial=variable
            )
            self.fields[f"rule-{n}-formula"] = forms.CharField(
                label=gettext_lazy("New formula"),
                required=False,
                initial=formula,
                widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
            )

    def _chosen(self, shipped: dict) -> tuple[str, ...]:
        if self.is_bound:
            given = self.data.getlist("templates") if hasattr(self.data, "getlist") else []
        else:
            given = list(self.instance.templates or [])
        return tuple(name for name in shipped if name in given)

    def _lever_field(self, lever: levers.Lever, scenario: Scenario) -> forms.Field:
        value = (scenario.changes or {}).get(lever.path, lever.value)
        if lever.path in (scenario.changes or {}) and lever.kind == "pmt" and value is None:
            value = math.inf
        label = lever.path
        if lever.kind == "flag":
            return forms.ChoiceField(
                label=label,
                choices=[("true", gettext_lazy("yes")), ("false", gettext_lazy("no"))],
                initial=levers.initial(lever, value, language()),
                required=False,
            )
        return forms.CharField(
            label=label,
            initial=levers.initial(lever, value, language()),
            required=False,
            max_length=40,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        )

    def rule_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(n, self[f"rule-{n}-variable"], self[f"rule-{n}-formula"]) for n in range(RULES)]

    def lever_rows(self) -> list[tuple[levers.Group, list[tuple[levers.Lever, forms.BoundField]]]]:
        return [
            (group, [(lever, self[name]) for lever, name in shown])
            for group, shown in self.lever_fields
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        changes: dict[str, object] = {}
        for group in self.groups:
            for lever in group.levers:
                if lever.field_name not in self.data:  # not shown yet (a template just ticked)
                    continue
                raw = self.data.get(lever.field_name, "")
                try:
                    value = levers.parse_lever(self.rules, lever, raw, language())
                except forms.ValidationError as error:
                    self.add_error(lever.field_name, error)
                    continue
                if not _same(value, lever.value):
                    changes[lever.path] = None if value == math.inf else value
        formulas: dict[str, str] = {}
        for n in range(RULES):
            variable = cleaned.get(f"rule-{n}-variable") or ""
            formula = (cleaned.get(f"rule-{n}-formula") or "").strip()
            if not variable and not formula:
                continue
            if not variable:
                self.add_error(f"rule-{n}-variable", _("Choose the rule this formula replaces."))
                continue
            if variable in formulas:
                self.add_error(f"rule-{n}-variable", _("This rule is rewritten twice."))
                continue
            problem = check_formula(self.rules, variable, formula) if formula else None
            if not formula:
                self.add_error(f"rule-{n}-formula", _("Write the new formula."))
            elif problem is not None:
                self.add_error(f"rule-{n}-formula", problem_text(problem))
            formulas[variable] = formula
        cleaned["changes"], cleaned["formulas"] = changes, formulas
        if not self.errors:
            self._check_whole(cleaned)
        return cleaned

    def _check_whole(self, cleaned: dict[str, Any]) -> None:
        """Apply the reform as a run will, so that a saved scenario can run."""
        overlay = overlay_of(
            cleaned.get("name") or "scenario",
            cleaned.get("period") or str(FIRST_YEAR),
            cleaned["changes"],
            tuple(cleaned.get("templates") or ()),
            cleaned["formulas"],
        )
        try:
            reformed(levers.rules_with(self.ruleset), overlay)
        except SejahteraError as error:
            self.add_error(None, str(error))


def overlay_of(
    name: str, period: str, changes: dict, chosen: tuple[str, ...], formulas: dict
) -> Overlay:
    """The scenario's reform as data; a change of ``None`` (a PMT ceiling) is no ceiling."""
    plain = {path: (math.inf if value is None else value) for path, value in changes.items()}
    return Overlay(name, str(period), plain, tuple(chosen), dict(formulas))


def overlay_for(scenario: Any) -> Overlay:
    """A saved scenario's reform as data (:func:`overlay_of` of its fields)."""
    return overlay_of(
        scenario.name,
        scenario.period,
        scenario.changes,
        tuple(scenario.templates),
        scenario.formulas,
    )


def reformed(rules: Any, overlay: Overlay) -> Any:
    """The reformed ruleset as ``sejahtera simulate --reform`` makes it from the file."""
    with tempfile.TemporaryDirectory(prefix="sejahtera-scenario-") as folder:
        return reformed_rules(rules, overlay.write(rules, Path(folder)), "status_quo")


def problem_text(problem: Any) -> str:
    return _("Line %(line)s, column %(column)s: %(message)s") % {
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
    }


def _same(value: object, current: object) -> bool:
    if isinstance(value, bool) or isinstance(current, bool):
        return value == current
    return math.isclose(float(value), float(current), rel_tol=1e-12, abs_tol=1e-12)  # type: ignore[arg-type]


class ExplainForm(forms.Form):
    household = forms.CharField(
        label=gettext_lazy("Household ID"),
        max_length=64,
        help_text=gettext_lazy(
            "As the dataset records it (household_id), for example H34000000010."
        ),
    )

    def clean_household(self) -> str:
        value = self.cleaned_data["household"].strip()
        if not value:
            raise forms.ValidationError(_("Give the household's ID."))
        return value


class BudgetForm(forms.Form):
    dataset = DatasetChoice(
        label=gettext_lazy("Dataset version"),
        queryset=DatasetVersion.objects.select_related("dataset").order_by(
            "dataset__name", "-number"
        ),
    )
    period = forms.ChoiceField(label=gettext_lazy("Year"), choices=years)
    amount = forms.CharField(
        label=gettext_lazy("Extra budget a year (Rp)"),
        max_length=40,
        help_text=gettext_lazy("Indonesian or English digits: 1.250.000.000 or 1,250,000,000."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def clean_amount(self) -> float:
        raw = self.cleaned_data["amount"]
        try:
            amount = levers.parse_number(raw, language())
        except ValueError:
            example = "1.250.000.000" if language() == "id" else "1,250,000,000"
            raise forms.ValidationError(
                _("“%(value)s” is not an amount. Write it like %(example)s.")
                % {"value": raw, "example": example}
            ) from None
        if amount <= 0:
            raise forms.ValidationError(_("The amount must be above zero."))
        if amount > MAX_BUDGET_RP:
            raise forms.ValidationError(_("The amount is larger than any regional budget."))
        return amount
