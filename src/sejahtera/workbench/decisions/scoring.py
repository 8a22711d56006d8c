"""A decision record's appraisal as its page, its brief and its tests read it: the values of
each option on each criterion (from the options' snapshots, or the analyst's scores), the
appraisal of :mod:`.appraisal`, the weight ranges and the sweep chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sejahtera.i18n import format_number
from sejahtera.report.svg import number_format
from sejahtera.report.xy import Series, xy_chart
from sejahtera.workbench.decisions import appraisal
from sejahtera.workbench.decisions.figures import MEASURES, status_quo_value, value_of
from sejahtera.workbench.decisions.models import Criterion, Decision, Option, OptionKind, Score
from sejahtera.workbench.scenarios.models import Scenario

MEASURE_LABELS = {
    "net_cost_rp": gettext_lazy("Extra cost a year (Rp)"),
    "poverty_reduction": gettext_lazy("Fall in the poverty headcount P0 (points)"),
    "poverty_gap_reduction": gettext_lazy("Fall in the poverty gap P1 (points)"),
    "newly_reached_poor": gettext_lazy("Poor people newly reached"),
    "exclusion_error": gettext_lazy("Exclusion error (poor not reached)"),
    "gini_reduction": gettext_lazy("Fall in the Gini ratio (points)"),
}


def shown(measure: str, value: float | None, language: str) -> str:
    """A simulated figure in its unit, in the reader's format."""
    if value is None:
        return "–"
    unit = MEASURES[measure].unit if measure in MEASURES else ""
    if unit == "rp":
        return f"Rp {format_number(value, language)}"
    if unit == "points":
        return format_number(value * 100, language, 2)
    if unit == "share":
        return format_number(value, language, 1, percent=True)
    return format_number(value, language)


def key(option: Option) -> str:
    return str(option.pk)


@dataclass
class Appraised:
    """The record's options, criteria and raw values, and their appraisal (None with ``problem``
    saying why it cannot be computed)."""

    options: list[Option]
    criteria: list[Criterion]
    values: dict[tuple[str, str], float | None]
    result: appraisal.Appraisal | None
    problem: str = ""


def raw_values(
    decision: Decision, options: list[Option], criteria: list[Criterion]
) -> dict[tuple[str, str], float | None]:
    """Each option's value on each criterion: a simulated figure from a scenario's snapshot
    (today's situation from the status quo of those snapshots), an analyst's score otherwise."""
    scores = {
        (s.option_id, s.criterion_id): s.value
        for s in Score.objects.filter(option__decision=decision)
    }
    snapshots = [o.snapshot for o in options if o.simulated]
    out: dict[tuple[str, str], float | None] = {}
    for criterion in criteria:
        for option in options:
            value: Any = None
            if criterion.judged or option.kind == OptionKind.OTHER:
                value = scores.get((option.pk, criterion.pk))
            elif option.kind == OptionKind.STATUS_QUO:
                value = status_quo_value(snapshots, criterion.measure)
            else:
                value = value_of(option.snapshot, criterion.measure, status_quo=False)
            out[(key(option), str(criterion.pk))] = None if value is None else float(value)
    return out


PROBLEMS = {
    "no_options": gettext_lazy("The record has no options yet."),
    "no_criteria": gettext_lazy("The record has no criteria yet."),
    "no_weight": gettext_lazy("Give at least one criterion a weight above zero."),
    "negative_weight": gettext_lazy("A weight cannot be negative."),
    "judged_out_of_scale": gettext_lazy("A judged score must be between 1 and 5."),
}


def appraised(decision: Decision) -> Appraised:
    # The scenario for its name only: its result (megabytes of JSON) is not read here.
    heavy = (f"scenario__{name}" for name in Scenario.HEAVY)
    options = list(decision.options.select_related("scenario").defer(*heavy))
    criteria = list(decision.criteria.all())
    values = raw_values(decision, options, criteria)
    given = [
        appraisal.Criterion(str(c.pk), float(c.weight), c.higher_is_better, judged=c.judged)
        for c in criteria
    ]
    try:
        result = appraisal.appraise([key(o) for o in options], given, values)
    except appraisal.AppraisalError as error:
        return Appraised(options, criteria, values, None, str(PROBLEMS.get(error.reason, error)))
    return Appraised(options, criteria, values, result)


def table(found: Appraised, language: str) -> list[dict[str, Any]]:
    """The appraisal table's rows, best first: each criterion's raw value, normalised value and
    contribution, the total score and its rank."""
    result = found.result
    if result is None:
        return []
    by_key = {key(o): o for o in found.options}
    rows = []
    for rank, option_key in enumerate(result.ranking, 1):
        cells = []
        for criterion in found.criteria:
            cell = (option_key, str(criterion.pk))
            raw = found.values[cell]
            cells.append(
                {
                    "criterion": criterion,
                    "raw": _raw(criterion, raw, language),
                    "normalised": result.normalised[cell],
                    "contribution": result.contribution(*cell),
                    "missing": cell in result.missing,
                }
            )
        rows.append(
            {
                "rank": rank,
                "option": by_key[option_key],
                "cells": cells,
                "score": result.scores[option_key],
            }
        )
    return rows


def _raw(criterion: Criterion, value: float | None, language: str) -> str:
    if value is None:
        return "–"
    if criterion.judged:
        return format_number(value, language, 1)
    return shown(criterion.measure, value, language)


def ranges(found: Appraised) -> list[dict[str, Any]]:
    """For each criterion: its weight and the range of it over which the top option stays on
    top (the others rescaled), and who leads outside it."""
    result = found.result
    if result is None:
        return []
    by_key = {key(o): o for o in found.options}
    out = []
    for criterion in found.criteria:
        span = appraisal.weight_range(result, str(criterion.pk))
        out.append(
            {
                "criterion": criterion,
                "weight": span.weight,
                "low": span.low,
                "high": span.high,
                "robust": span.robust,
                "below": by_key[span.below] if span.below else None,
                "above": by_key[span.above] if span.above else None,
            }
        )
    return out


def swept(found: Appraised, criterion: Criterion, steps: int = 11) -> list[dict[str, Any]]:
    """The ranking at each step of ``criterion``'s weight from 0 to 100 %."""
    result = found.result
    if result is None:
        return []
    by_key = {key(o): o for o in found.options}
    return [
        {
            "weight": step.weight,
            "top": by_key[step.ranking[0]],
            "ranking": [by_key[k] for k in step.ranking],
            "scores": [step.scores[key(o)] for o in found.options],
        }
        for step in appraisal.sweep(result, str(criterion.pk), steps)
    ]


def sweep_chart(found: Appraised, criterion: Criterion, language: str) -> str:
    """Each option's score as ``criterion``'s weight moves from 0 to 100 % (the scores are
    straight lines, so two points each would do; 21 are drawn), the present weight dashed."""
    result = found.result
    if result is None:
        return ""
    steps = appraisal.sweep(result, str(criterion.pk), 21)
    series = [
        Series(option.label, [(s.weight * 100, s.scores[key(option)] * 100) for s in steps])
        for option in found.options
    ]
    return xy_chart(
        series,
        title=_("Scores as the weight of “%(criterion)s” changes") % {"criterion": criterion.label},
        x_label=_("Weight of “%(criterion)s” (%%)") % {"criterion": criterion.label},
        y_label=_("Score (0–100)"),
        vertical=result.weights[str(criterion.pk)] * 100,
        x_format=number_format(0, language_code=language),
        y_format=number_format(0, language_code=language),
        language_code=language,
    )
