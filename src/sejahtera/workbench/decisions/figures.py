"""What a decision record reads from a scenario's result (the report ``sejahtera simulate
--reform FILE --json`` prints, kept on the scenario), in plain Python.

A scenario option keeps a *snapshot* of that report when it is added: the difference from the
status quo, the reform's and the status quo's totals and poverty, the cost by funder, and what
it ran on. The simulated criteria read their values from it (:data:`MEASURES`); today's
situation (the status quo) reads the baseline of the same report: no extra cost, no change in
poverty, nobody newly reached, and the status quo's own exclusion error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class Measure:
    """A figure of a scenario's result that a simulated criterion can use."""

    key: str
    higher_is_better: bool
    unit: str  # rp, points (percentage points of a rate), persons, share
    of_reform: Callable[[Mapping[str, Any]], float | None]
    of_status_quo: Callable[[Mapping[str, Any]], float | None]


def _get(data: Mapping[str, Any], *path: str) -> float | None:
    value: Any = data
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return None if value is None else float(value)


def _reduction(data: Mapping[str, Any], index: str) -> float | None:
    change = _get(data, "difference", "poverty_change", index)
    return None if change is None else -change


MEASURES: Final[dict[str, Measure]] = {
    m.key: m
    for m in (
        Measure(
            "net_cost_rp",
            False,
            "rp",
            lambda d: _get(d, "difference", "net_cost_rp"),
            lambda d: 0.0,
        ),
        Measure(
            "poverty_reduction",  # P0 before minus after: a fraction, shown in points
            True,
            "points",
            lambda d: _reduction(d, "fgt0"),
            lambda d: 0.0,
        ),
        Measure(
            "poverty_gap_reduction",
            True,
            "points",
            lambda d: _reduction(d, "fgt1"),
            lambda d: 0.0,
        ),
        Measure(
            "newly_reached_poor",
            True,
            "persons",
            lambda d: _get(d, "difference", "newly_reached_poor"),
            lambda d: 0.0,
        ),
        Measure(
            "exclusion_error",
            False,
            "share",
            lambda d: _get(d, "reform", "total", "exclusion_error"),
            lambda d: _get(d, "baseline", "total", "exclusion_error"),
        ),
        Measure(
            "gini_reduction",
            True,
            "points",
            lambda d: _reduction(d, "gini"),
            lambda d: 0.0,
        ),
    )
}


def snapshot_of(result: Mapping[str, Any], **ran_on: Any) -> dict[str, Any]:
    """What an option keeps of a scenario's report (``baseline``, ``reform``, ``difference``),
    and ``ran_on`` (ruleset, ruleset version, dataset checksum, period, when it ran)."""
    difference = result.get("difference") or {}
    kept_difference = (
        "net_cost_rp",
        "net_cost_by_programme",
        "net_cost_by_funder",
        "winners",
        "losers",
        "newly_reached_poor",
        "poor_no_longer_reached",
        "poverty_change",
    )
    kept_summary = ("total", "poverty", "cost_by_funder", "programs")
    return {
        "difference": {k: difference[k] for k in kept_difference if k in difference},
        "reform": {k: (result.get("reform") or {}).get(k) for k in kept_summary},
        "baseline": {k: (result.get("baseline") or {}).get(k) for k in kept_summary},
        **ran_on,
    }


def value_of(snapshot: Mapping[str, Any] | None, measure: str, *, status_quo: bool) -> float | None:
    """The figure ``measure`` of a scenario's snapshot, or of the status quo it was compared
    with; None when it is not there."""
    if snapshot is None or measure not in MEASURES:
        return None
    found = MEASURES[measure]
    return found.of_status_quo(snapshot) if status_quo else found.of_reform(snapshot)


def status_quo_value(snapshots: Iterable[Mapping[str, Any] | None], measure: str) -> float | None:
    """The status quo's figure, read from the first scenario snapshot that has it (every
    scenario of a record ran on the same dataset and year, so they share one status quo)."""
    for snapshot in snapshots:
        found = value_of(snapshot, measure, status_quo=True)
        if found is not None:
            return found
    return None


# A funder of the rulesets (programmes.yaml) → a source of the regional budget (Budget.source).
SOURCES: Final = {
    "apbn": "APBN",
    "apbd_provinsi": "APBD",
    "apbd_kabupaten": "APBD",
    "apbd": "APBD",
}


def budget_by_source(snapshot: Mapping[str, Any]) -> dict[str, float]:
    """The extra yearly cost the option asks for, by source of the budget (APBD, APBN, other):
    the scenario's net cost by funder against the status quo (``difference.net_cost_by_funder``),
    the two APBD levels together, Dana Desa and any other funder as "other". Only sources with
    a cost above zero are kept: a saving asks for no budget."""
    out: dict[str, float] = {}
    for funder, cost in (
        (snapshot.get("difference") or {}).get("net_cost_by_funder") or {}
    ).items():
        source = SOURCES.get(str(funder).lower(), "other")
        out[source] = out.get(source, 0.0) + float(cost or 0.0)
    return {source: cost for source, cost in out.items() if cost > 0}
