"""The figures of a brief, each a path into one computation's result (see :mod:`.compute`).

A figure's id says what it is (``status_quo.cost``, ``option:pkh5.poverty_change.fgt0``,
``needs.area.34.01.fgt0``); its label says it in the brief's language; :func:`lookup` finds its
value in a result, which is how a reproduction recomputes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sejahtera.data.regions import registry
from sejahtera.i18n import text
from sejahtera.report.brief.compute import NEEDS, option_key
from sejahtera.report.brief.model import STATUS_QUO, Figure, Option
from sejahtera.rules.programmes import FUNDERS

_MISSING = object()

# (name, unit, path inside a run's summary) for today's situation and each option.
RUN_FIGURES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("cost", "IDR/year", ("total", "cost_rp")),
    ("households", "households", ("total", "households")),
    ("persons", "persons", ("total", "persons")),
    ("coverage", "share", ("total", "coverage_of_poor")),
    ("exclusion", "share", ("total", "exclusion_error")),
    ("inclusion", "share", ("total", "inclusion_error")),
    ("p0_before", "share", ("poverty", "before", "fgt0")),
    ("p0", "share", ("poverty", "after", "fgt0")),
    ("p1", "share", ("poverty", "after", "fgt1")),
    ("gini", "gini", ("poverty", "after", "gini")),
    ("unreached", "persons", ("poor_reached_by_none",)),
    *((f"cost_{f}", "IDR/year", ("cost_by_funder", f)) for f in FUNDERS),
)
# What an option changes from today (its result's ``difference``).
CHANGE_FIGURES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("net_cost", "IDR/year", ("net_cost_rp",)),
    ("newly_reached", "persons", ("newly_reached_poor",)),
    ("no_longer_reached", "persons", ("poor_no_longer_reached",)),
    ("winners", "households", ("winners",)),
    ("losers", "households", ("losers",)),
    ("change_p0", "share_change", ("poverty_change", "fgt0")),
    ("change_p1", "share_change", ("poverty_change", "fgt1")),
    ("change_gini", "gini_change", ("poverty_change", "gini")),
    *((f"net_cost_{f}", "IDR/year", ("net_cost_by_funder", f)) for f in FUNDERS),
)
NEEDS_FIGURES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("p0", "share", ("overall", "fgt0")),
    ("p1", "share", ("overall", "fgt1")),
    ("gini", "gini", ("overall", "gini")),
    ("poor", "persons", ("overall", "poor_count")),
    ("population", "persons", ("population",)),
)


def lookup(result: Any, path: Sequence[str]) -> Any:
    """The value at ``path`` in ``result``, or a sentinel when it is not there."""
    for key in path:
        if not isinstance(result, dict) or key not in result:
            return _MISSING
        result = result[key]
    return result


def found(value: Any) -> bool:
    return value is not _MISSING


def figures_of(results: dict[str, dict[str, Any]], options: Sequence[Option]) -> dict[str, Figure]:
    """Every figure of the brief, by id, labelled in the current language."""
    out: dict[str, Figure] = {}

    def add(figure_id: str, label: str, unit: str, computation: str, path: tuple[str, ...]):
        value = lookup(results[computation], path)
        if found(value):
            out[figure_id] = Figure(figure_id, label, value, unit, computation, path)

    needs = results[NEEDS]
    for name, unit, path in NEEDS_FIGURES:
        add(f"needs.{name}", text(f"brief.figure_needs_{name}"), unit, NEEDS, path)
    names = registry()
    for code in needs["areas"]:
        area = names.name(code) if code in names else code
        for indicator, unit in (("fgt0", "share"), ("poor_count", "persons")):
            label = text(f"brief.figure_area_{indicator}", area=area)
            add(f"needs.area.{code}.{indicator}", label, unit, NEEDS, ("areas", code, indicator))
    for option in options:
        if option.key != STATUS_QUO and not option.simulated:
            continue
        key = option_key(option)
        run = () if option.key == STATUS_QUO else ("reform",)
        for name, unit, path in RUN_FIGURES:
            if name.startswith("cost_"):
                label = text("brief.figure_cost_by", funder=text(f"simulate.funder_{name[5:]}"))
            else:
                label = text(f"brief.figure_{name}")
            add(f"{key}.{name}", f"{option.title}: {label}", unit, key, (*run, *path))
        if option.key == STATUS_QUO:
            continue
        for name, unit, path in CHANGE_FIGURES:
            if name.startswith("net_cost_"):
                funder = text(f"simulate.funder_{name[9:]}")
                label = text("brief.figure_net_cost_by", funder=funder)
            else:
                label = text(f"brief.figure_{name}")
            add(f"{key}.{name}", f"{option.title}: {label}", unit, key, ("difference", *path))
    return out
