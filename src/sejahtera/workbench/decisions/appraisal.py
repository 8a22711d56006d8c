"""The multi-criteria appraisal of a decision record, in plain Python (no Django), so that a
notebook or a test computes exactly what the page shows.

Method, as the page states it:

1. **Normalising.** A criterion whose values come from the simulation (cost, poverty reduction,
   exclusion error, …) is normalised *min–max across the options*: the best option scores 1,
   the worst 0, the others in proportion; "best" is the highest value when higher is better, the
   lowest otherwise. When every option has the same value the criterion separates none of them
   and each scores 1. A judged criterion is scored by the analyst on a fixed scale (1–5) and
   normalised on that scale: ``(score − 1) / 4``, reversed when lower is better. A value left
   empty scores 0 (the worst) and is flagged.
2. **Weighting.** Weights are any non-negative numbers; each is divided by their sum, so they
   add up to 1 (100 %).
3. **Ranking.** An option's score is the weighted sum of its normalised values; options are
   ranked by score, highest first, ties in the order the options were given.
4. **Sensitivity (one at a time).** One criterion's weight ``t`` moves from 0 to 1 while the
   others keep their proportions to each other, rescaled to share ``1 − t``. Each option's
   score is then a straight line in ``t``, so the weights for which the top option stays the
   same form one interval around the present weight, found exactly (:func:`weight_range`); a
   sweep (:func:`sweep`) gives the scores and the ranking at chosen points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

JUDGED_LOW: Final = 1.0  # the analyst's scale for judged criteria
JUDGED_HIGH: Final = 5.0


@dataclass(frozen=True)
class Criterion:
    """A criterion: its key, its weight (any non-negative number), its direction and whether
    its values are judged (on the 1–5 scale) or measured (normalised across the options)."""

    key: str
    weight: float
    higher_is_better: bool = True
    judged: bool = False


class AppraisalError(ValueError):
    """The appraisal cannot be computed (no option, no criterion, no weight above zero, a
    negative weight or a judged score outside the scale); ``reason`` names which."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Appraisal:
    """The appraisal's result: normalised values by (option, criterion), weights adding up to 1,
    scores by option, the ranking (best first) and the values that were missing."""

    options: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    normalised: dict[tuple[str, str], float]
    weights: dict[str, float]
    scores: dict[str, float]
    ranking: tuple[str, ...]
    missing: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    @property
    def top(self) -> str:
        return self.ranking[0]

    def contribution(self, option: str, criterion: str) -> float:
        """What ``criterion`` adds to ``option``'s score (weight × normalised value)."""
        return self.weights[criterion] * self.normalised[(option, criterion)]


def appraise(
    options: Sequence[str],
    criteria: Sequence[Criterion],
    values: Mapping[tuple[str, str], float | None],
) -> Appraisal:
    """Normalise ``values`` (option, criterion) → value, weight and rank (see the module)."""
    if not options:
        raise AppraisalError("no_options")
    if not criteria:
        raise AppraisalError("no_criteria")
    for criterion in criteria:
        if criterion.weight < 0:
            raise AppraisalError("negative_weight", criterion.key)
    total = sum(c.weight for c in criteria)
    if total <= 0:
        raise AppraisalError("no_weight")
    normalised: dict[tuple[str, str], float] = {}
    missing: set[tuple[str, str]] = set()
    for criterion in criteria:
        column = {option: values.get((option, criterion.key)) for option in options}
        missing |= {(option, criterion.key) for option, v in column.items() if v is None}
        normalised |= {
            (option, criterion.key): value
            for option, value in _normalise(criterion, column).items()
        }
    weights = {c.key: c.weight / total for c in criteria}
    scores = {o: sum(weights[c.key] * normalised[(o, c.key)] for c in criteria) for o in options}
    return Appraisal(
        options=tuple(options),
        criteria=tuple(criteria),
        normalised=normalised,
        weights=weights,
        scores=scores,
        ranking=ranked(options, scores),
        missing=frozenset(missing),
    )


def _normalise(criterion: Criterion, column: Mapping[str, float | None]) -> dict[str, float]:
    if criterion.judged:
        out = {}
        for option, value in column.items():
            if value is None:
                out[option] = 0.0
                continue
            if not JUDGED_LOW <= value <= JUDGED_HIGH:
                raise AppraisalError("judged_out_of_scale", f"{criterion.key}={value}")
            share = (value - JUDGED_LOW) / (JUDGED_HIGH - JUDGED_LOW)
            out[option] = share if criterion.higher_is_better else 1.0 - share
        return out
    known = [v for v in column.values() if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    out = {}
    for option, value in column.items():
        if value is None:
            out[option] = 0.0
        elif high == low:
            out[option] = 1.0
        elif criterion.higher_is_better:
            out[option] = (value - low) / (high - low)
        else:
            out[option] = (high - value) / (high - low)
    return out


def ranked(options: Sequence[str], scores: Mapping[str, float]) -> tuple[str, ...]:
    """``options`` by score, highest first; ties keep the given order."""
    order = {option: n for n, option in enumerate(options)}
    return tuple(sorted(options, key=lambda o: (-scores[o], order[o])))


def moved_weights(appraisal: Appraisal, criterion: str, t: float) -> dict[str, float]:
    """The weights when ``criterion``'s weight is ``t`` (0–1) and the others keep their
    proportions, rescaled to share ``1 − t``; when the others all weigh nothing, they share it
    equally."""
    present = appraisal.weights[criterion]
    others = [c.key for c in appraisal.criteria if c.key != criterion]
    out = {criterion: t}
    for key in others:
        if present < 1.0:
            out[key] = appraisal.weights[key] * (1.0 - t) / (1.0 - present)
        else:
            out[key] = (1.0 - t) / len(others)
    return out


def scores_at(appraisal: Appraisal, criterion: str, t: float) -> dict[str, float]:
    """Each option's score when ``criterion``'s weight is moved to ``t``."""
    weights = moved_weights(appraisal, criterion, t)
    return {
        option: sum(w * appraisal.normalised[(option, key)] for key, w in weights.items())
        for option in appraisal.options
    }


@dataclass(frozen=True)
class WeightRange:
    """The weights of ``criterion`` (from ``low`` to ``high``, both 0–1) over which ``top``
    stays the top option, the others rescaled; ``weight`` is its present weight. Below ``low``
    ``below`` takes the lead, above ``high`` ``above`` (None at the ends of 0–1)."""

    criterion: str
    weight: float
    low: float
    high: float
    top: str
    below: str | None = None
    above: str | None = None

    @property
    def robust(self) -> bool:
        """The top option is the same whatever this criterion weighs."""
        return self.low <= 0.0 and self.high >= 1.0


def weight_range(appraisal: Appraisal, criterion: str) -> WeightRange:
    """The interval of ``criterion``'s weight over which the present top option stays on top,
    found exactly: each score is linear in the weight, so each rival bounds it from one side at
    the weight where the two lines cross."""
    top = appraisal.top
    at_zero = scores_at(appraisal, criterion, 0.0)
    at_one = scores_at(appraisal, criterion, 1.0)
    low, high = 0.0, 1.0
    below = above = None
    for rival in appraisal.options:
        if rival == top:
            continue
        start = at_zero[top] - at_zero[rival]  # the lead at t = 0
        slope = (at_one[top] - at_one[rival]) - start
        if slope == 0:
            continue
        crossing = -start / slope
        if slope > 0 and crossing > low:
            low, below = crossing, rival
        elif slope < 0 and crossing < high:
            high, above = crossing, rival
    weight = appraisal.weights[criterion]
    return WeightRange(
        criterion,
        weight,
        max(0.0, min(low, weight)),
        min(1.0, max(high, weight)),
        top,
        below if low > 0.0 else None,
        above if high < 1.0 else None,
    )


@dataclass(frozen=True)
class Step:
    """One point of a sweep: the moved weight, each option's score and the ranking there."""

    weight: float
    scores: dict[str, float]
    ranking: tuple[str, ...]


def sweep(appraisal: Appraisal, criterion: str, steps: int = 11) -> list[Step]:
    """The scores and ranking as ``criterion``'s weight moves from 0 to 1 in ``steps`` points."""
    if steps < 2:
        raise AppraisalError("too_few_steps", str(steps))
    out = []
    for n in range(steps):
        t = n / (steps - 1)
        scores = scores_at(appraisal, criterion, t)
        out.append(Step(t, scores, ranked(appraisal.options, scores)))
    return out
