"""A scenario's report as sums that add up: made for some households, merged, then finished.

Every figure of a scenario report (:mod:`sejahtera.simulate.report`) but poverty and inequality
is a weighted sum over households: per finest area (added up to kecamatan and kabupaten), per
consumption decile, or overall. :func:`run_sums` makes those sums for one run over some
households, :func:`gain_sums` what a reform changes; :func:`merge` adds the sums of different
households (parts of a dataset too big for memory, simulated one at a time or on other
machines); :func:`finish_run` and :func:`finish_gains` turn them into the report. A report of
all households at once is the same three steps on one part.

The deciles are the whole population's (person-weighted, by welfare before transfers), given
with the households; P0, P1, P2 and the Gini need a sort of all welfare, so they are given to
the finishing step already measured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from sejahtera.data.regions import registry
from sejahtera.measure.profile import unreached_poor
from sejahtera.rules.programmes import FUNDERS, Programme

AREAS = {"by_region": "regency_code", "by_district": "district_code", "by_village": "village_code"}
DECILES = 10


@dataclass(frozen=True)
class Layout:
    """Where each household is (its finest area, and each level's areas above it) and its
    consumption decile before transfers: the same for every run on the same households."""

    finest: np.ndarray  # each household's finest area, numbered (all 0 without areas)
    areas: int
    levels: dict[str, tuple[np.ndarray, list[str]]]  # report key → finest area's parent, codes
    deciles: np.ndarray  # each household's decile, 1-10
    cache: dict[str, tuple] = field(default_factory=dict, compare=False)

    def summed(
        self, key: str, arrays: tuple[np.ndarray, ...], make: Callable[[], dict[str, np.ndarray]]
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The sums of ``make()``'s quantities per finest area and per decile, made again only
        when one of ``arrays`` (what they are made of) differs from the last time."""
        found = self.cache.get(key)
        if found is not None and all(
            a.shape == b.shape and np.array_equal(a, b)
            for a, b in zip(found[0], arrays, strict=True)
        ):
            return found[1]
        made = make()
        summed = (
            grouped(made, self.finest, self.areas),
            grouped(made, self.deciles - 1, DECILES),
        )
        self.cache[key] = (arrays, summed)
        return summed

    def codes(self) -> Areas:
        """Each finest area's code at every level present."""
        keys = tuple(self.levels)
        if not keys:
            return Areas((), [()] * self.areas)
        columns = [np.asarray(named, dtype=object)[at] for at, named in self.levels.values()]
        return Areas(keys, [tuple(str(c) for c in row) for row in zip(*columns, strict=True)])

    @classmethod
    def of(cls, results: pd.DataFrame, deciles: np.ndarray | None = None) -> Layout:
        """The layout of ``results``; ``deciles`` when they are the deciles of a population
        larger than these households (see :func:`decile_of`), else these households' own."""
        if deciles is None:
            people = results["weight"].to_numpy() * results["size"].to_numpy()
            deciles = household_deciles(results["welfare_before"].to_numpy(), people)
        present = [
            (key, column)
            for key, column in AREAS.items()
            if column in results and results[column].notna().all()
        ]
        if not present:
            return cls(np.zeros(len(results), np.int64), 1, {}, deciles)
        finest, labels = pd.factorize(results[present[-1][1]], sort=True)
        first = np.full(len(labels), len(results))
        np.minimum.at(first, finest, np.arange(len(results)))
        levels = {}
        for key, column in present:
            parent, codes = pd.factorize(results[column].iloc[first], sort=True)
            levels[key] = (parent, [str(c) for c in codes])
        return cls(finest, len(labels), levels, deciles)


def household_deciles(welfare: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Person-weighted consumption deciles (1 poorest) of each household: by the share of all
    persons at or below it, in the order of welfare (ties in the households' order)."""
    order = np.argsort(welfare, kind="stable")
    share = np.cumsum(people[order]) / people.sum()
    deciles = np.empty(len(welfare), dtype=np.int64)
    deciles[order] = decile_at(share)
    return deciles


def decile_at(share: np.ndarray) -> np.ndarray:
    """The decile of a household whose running share of persons (its own included) is
    ``share``."""
    return np.minimum((share * DECILES - 1e-12).astype(np.int64) + 1, DECILES)


@dataclass
class Areas:
    """The finest areas of some households, each with its code at every level (``levels``, the
    report's keys, coarse to fine)."""

    levels: tuple[str, ...]
    codes: list[tuple[str, ...]]


@dataclass
class RunSums:
    """One run's sums over some households: see the module's docstring."""

    names: list[str]
    areas: Areas
    finest: dict[str, np.ndarray]  # quantity → per finest area
    by_decile: dict[str, np.ndarray]  # quantity → per decile (1–10 at 0–9)
    households_by_decile: np.ndarray  # households (rows) in each decile
    scalars: dict[str, float]
    incidence: dict[str, np.ndarray]  # programme or cash_total → weighted benefit per decile


@dataclass
class GainSums:
    """What a reform changes, as sums over some households."""

    names: list[str]
    areas: Areas
    finest: dict[str, np.ndarray]  # gain → per finest area
    overall: dict[str, float]
    by_desil: dict[str, dict[str, float]]  # registry desil → gain → sum
    cost: dict[str, float]  # programme → change in yearly cost
    net_cash: float


def grouped(
    quantities: dict[str, np.ndarray], group: np.ndarray, groups: int
) -> dict[str, np.ndarray]:
    """The sum of each quantity per group (``group`` numbers each row's); a quantity that is
    the same array as another is summed once."""
    done: dict[int, np.ndarray] = {}
    out = {}
    for key, values in quantities.items():
        if id(values) not in done:
            done[id(values)] = np.bincount(group, values, minlength=groups)
        out[key] = done[id(values)]
    return out


def quantities(
    name: str,
    w: np.ndarray,
    people: np.ndarray,
    poor: np.ndarray,
    benefit: np.ndarray,
    parts: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """A programme's quantities per household: its cost, households, families, persons, the
    people it reaches, and those of them poor.

    ``persons`` counts the persons a person-level programme pays (PIP pupils, PBI-JKN members),
    the members of the families a family programme pays (PKH, Sembako: a household may hold a
    family paid and one not); for a household programme, and for ``total``, the members of the
    households reached. ``families`` counts the families (KPM) a family programme pays; for
    other programmes it equals ``households``.
    """
    reached = parts["reached"] > 0 if "reached" in parts else benefit > 0
    households, reached_people = w * reached, people * reached
    return {
        f"{name}|cost_rp": w * benefit,
        f"{name}|households": households,
        f"{name}|families": w * parts["families"] if "families" in parts else households,
        f"{name}|persons": w * parts["persons"] if "persons" in parts else reached_people,
        f"{name}|reached": reached_people,
        f"{name}|covered": reached_people * poor,
    }


def _programmes(
    results: pd.DataFrame, names: Sequence[str]
) -> dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Each programme's benefit per household and its counts (families, persons), and the
    same for ``total`` (the benefit of every programme, any reached)."""
    out = {}
    cost = np.zeros(len(results))
    for name in names:
        benefit = results[name].to_numpy(dtype=np.float64)
        cost = cost + benefit
        parts = {
            part: results[f"{name}_{part}"].to_numpy(np.float64)
            for part in ("families", "persons")
            if f"{name}_{part}" in results
        }
        out[name] = (benefit, parts)
    any_reached = np.zeros(len(results), dtype=bool)
    for benefit, _ in out.values():
        any_reached |= benefit > 0
    out["total"] = (cost, {"reached": any_reached.astype(np.float64)})
    return out


def run_sums(results: pd.DataFrame, names: Sequence[str], layout: Layout) -> RunSums:
    """The sums of one run's household ``results`` (each programme in ``names``). Totals are
    made once per finest area; a programme whose benefits are those of another run on the same
    households (``layout``) is not summed again."""
    names = list(names)
    w = results["weight"].to_numpy(dtype=np.float64)
    people = w * results["size"].to_numpy(dtype=np.float64)
    line = results["poverty_line"].to_numpy()
    before = results["welfare_before"].to_numpy()
    after = results["welfare_after"].to_numpy()
    poor = before < line
    sums = [
        layout.summed(
            "population",
            (people, before, line),
            lambda: {"population": people, "poor_before": people * poor},
        ),
        layout.summed(
            "after", (people, after, line), lambda: {"poor_after": people * (after < line)}
        ),
    ]
    for name, (benefit, parts) in _programmes(results, names).items():
        sums.append(
            layout.summed(
                f"programme:{name}",
                (people, before, benefit, *parts.values()),
                lambda n=name, b=benefit, p=parts: quantities(n, w, people, poor, b, p),
            )
        )
    reached = {name: results[name].to_numpy() > 0 for name in names}
    any_reached = np.logical_or.reduce(list(reached.values())) if names else np.zeros(len(w), bool)
    count = sum((r.astype(np.int64) for r in reached.values()), np.zeros(len(w), np.int64))
    cash = results["cash_total"].to_numpy()
    scalars = {
        **{
            f"gap_{when}": 12 * float(np.dot(people, np.clip(line - welfare, 0, None)))
            for when, welfare in (("before", before), ("after", after))
        },
        "cash_rp": float(np.dot(w, cash)),
        "poor_reached_by_none": unreached_poor(people, poor, any_reached),
        "poor_households_reached_by_none": float(np.dot(w, poor & ~any_reached)),
        **{f"reached_by|{k}": float(np.dot(w, np.minimum(count, 3) == k)) for k in range(4)},
        **{
            f"overlap|{a}+{b}": float(np.dot(w, reached[a] & reached[b]))
            for a, b in combinations(names, 2)
        },
    }
    index = layout.deciles

    def incidence(benefit: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=w * benefit, minlength=DECILES + 1)

    return RunSums(
        names,
        layout.codes(),
        {key: value for part in sums for key, value in part[0].items()},
        {key: value for part in sums for key, value in part[1].items()},
        np.bincount(index - 1, minlength=DECILES),
        scalars,
        {"cash_total": incidence(cash)}
        | {name: incidence(results[name].to_numpy()) for name in names},
    )


def gain_sums(
    baseline: pd.DataFrame, reform: pd.DataFrame, names: Sequence[str], layout: Layout
) -> GainSums:
    """What ``reform`` changes from ``baseline`` (household results of the same households),
    as sums."""
    names = list(names)
    w = baseline["weight"].to_numpy()
    people = w * baseline["size"].to_numpy()

    def column(frame: pd.DataFrame, name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=np.float64) if name in frame else np.zeros(len(frame))

    cost = {name: float(np.dot(w, column(reform, name) - column(baseline, name))) for name in names}
    change = column(reform, "benefit_total") - column(baseline, "benefit_total")
    poor = baseline["welfare_before"].to_numpy() < baseline["poverty_line"].to_numpy()
    was = np.logical_or.reduce([column(baseline, n) > 0 for n in names] or [np.zeros(len(w), bool)])
    now = np.logical_or.reduce([column(reform, n) > 0 for n in names] or [np.zeros(len(w), bool)])
    every = _gains(np.zeros(len(w), np.int64), 1, w, people, change, poor, was, now)
    by_desil: dict[str, dict[str, float]] = {}
    if "desil" in baseline and baseline["desil"].notna().all():
        group, labels = pd.factorize(baseline["desil"], sort=True)
        found = _gains(group, len(labels), w, people, change, poor, was, now)
        by_desil = _rows(found, [str(label) for label in labels])
    return GainSums(
        names,
        layout.codes(),
        _gains(layout.finest, layout.areas, w, people, change, poor, was, now),
        {key: float(v[0]) for key, v in every.items()},
        by_desil,
        cost,
        float(np.dot(w, column(reform, "cash_total") - column(baseline, "cash_total"))),
    )


def _gains(
    group: np.ndarray,
    groups: int,
    w: np.ndarray,
    people: np.ndarray,
    change: np.ndarray,
    poor: np.ndarray,
    was: np.ndarray,
    now: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per group (``group`` numbers each household's): households and persons who receive more
    or less, the net change, and the poor a programme newly reaches or no longer reaches."""

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(group, values, minlength=groups)

    more, less = change > 0, change < 0
    return {
        "winners": total(w * more),
        "losers": total(w * less),
        "unchanged": total(w * (change == 0)),
        "persons_gaining": total(people * more),
        "persons_losing": total(people * less),
        "net_change_rp": total(w * change),
        "newly_reached_poor": total(people * (poor & ~was & now)),
        "poor_no_longer_reached": total(people * (poor & was & ~now)),
    }


# -- merging -----------------------------------------------------------------------------------


def merge(parts: Sequence[RunSums | GainSums]) -> RunSums | GainSums:
    """The sums of all ``parts`` (of one kind, the same programmes), in the parts' order. The
    levels kept are those every part has; an area found in several parts is added up."""
    first = parts[0]
    levels = tuple(k for k in first.areas.levels if all(k in p.areas.levels for p in parts[1:]))
    keys: dict[tuple[str, ...], int] = {}
    numbered = []
    for part in parts:
        kept = [part.areas.levels.index(k) for k in levels]
        at = np.array(
            [keys.setdefault(tuple(c[i] for i in kept), len(keys)) for c in part.areas.codes],
            dtype=np.int64,
        )
        numbered.append(at)
    areas = Areas(levels, list(keys))

    def finest(sums: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        out = {key: np.zeros(len(keys)) for key in sums[0]}
        for at, found in zip(numbered, sums, strict=True):
            for key, values in found.items():
                out[key] += np.bincount(at, values, minlength=len(keys))
        return out

    def added(found: Sequence[Mapping[str, object]]) -> dict:
        return {key: sum((f[key] for f in found[1:]), start=found[0][key]) for key in found[0]}

    if isinstance(first, GainSums):
        by_desil: dict[str, dict[str, float]] = {}
        for part in parts:
            for label, row in part.by_desil.items():  # type: ignore[union-attr]
                known = by_desil.setdefault(label, dict.fromkeys(row, 0.0))
                for key, value in row.items():
                    known[key] += value
        return GainSums(
            first.names,
            areas,
            finest([p.finest for p in parts]),
            added([p.overall for p in parts]),  # type: ignore[union-attr]
            dict(sorted(by_desil.items(), key=lambda item: _in_order(item[0])))
            if all(p.by_desil for p in parts)  # type: ignore[union-attr]
            else {},
            added([p.cost for p in parts]),  # type: ignore[union-attr]
            sum(p.net_cash for p in parts),  # type: ignore[union-attr]
        )
    return RunSums(
        first.names,
        areas,
        finest([p.finest for p in parts]),
        added([p.by_decile for p in parts]),  # type: ignore[union-attr]
        sum(p.households_by_decile for p in parts),  # type: ignore[union-attr]
        added([p.scalars for p in parts]),  # type: ignore[union-attr]
        added([p.incidence for p in parts]),  # type: ignore[union-attr]
    )


def _in_order(label: str) -> tuple[float, str]:
    """Desil labels in the order of their values (``10`` after ``9``)."""
    try:
        return float(label), label
    except ValueError:
        return float("inf"), label


# -- finishing ---------------------------------------------------------------------------------


def finish_run(
    sums: RunSums,
    programmes: Mapping[str, Programme] | Sequence[str],
    baseline: str,
    sources: Mapping[str, str] | None,
    notes: Sequence[str],
    poverty: Mapping[str, Mapping[str, float]],
) -> dict[str, object]:
    """The scenario report of one run (see :mod:`sejahtera.simulate.report`) from its sums and
    its poverty ``before`` and ``after`` transfers."""
    names = sums.names
    found = figures(
        {key: values.sum(keepdims=True) for key, values in sums.finest.items()}, names, 0
    )
    scalars = sums.scalars
    gap = {when: scalars[f"gap_{when}"] for when in ("before", "after")}
    cash_cost = scalars["cash_rp"]
    funders = {
        funder: sum(
            found[n]["cost_rp"]  # type: ignore[index]
            for n in names
            if isinstance(programmes, Mapping) and programmes[n].funder == funder
        )
        for funder in FUNDERS
    }
    report: dict[str, object] = {
        "baseline": baseline,
        "status_quo": dict(sources or {}),
        "programs": {name: found[name] for name in names},
        "total": found["total"] | {"cash_rp": cash_cost},  # type: ignore[operator]
        "cost_by_funder": funders,
        "poverty": {when: dict(poverty[when]) for when in ("before", "after")},
        "poverty_gap_rp": gap,
        "gap_reduction_per_rupiah": (gap["before"] - gap["after"]) / cash_cost
        if cash_cost
        else float("nan"),
        "poor_reached_by_none": scalars["poor_reached_by_none"],
        "poor_households_reached_by_none": scalars["poor_households_reached_by_none"],
        "households_by_programmes_reached": {str(k): scalars[f"reached_by|{k}"] for k in range(4)},
        "overlap": {f"{a}+{b}": scalars[f"overlap|{a}+{b}"] for a, b in combinations(names, 2)},
        "incidence_by_decile": _incidence(sums.incidence["cash_total"]),
        "incidence_by_programme": {name: _incidence(sums.incidence[name]) for name in names},
    }
    report["by_region"] = {}
    for key, (parent, codes) in _levels(sums.areas).items():
        level = {k: np.bincount(parent, v, minlength=len(codes)) for k, v in sums.finest.items()}
        report[key] = _named(level, names, codes)
    report["by_decile"] = {
        str(d + 1): figures(sums.by_decile, names, d)
        for d in range(DECILES)
        if sums.households_by_decile[d]
    }
    report["notes"] = list(notes)
    return report


def finish_gains(
    sums: GainSums,
    programmes: Mapping[str, Programme],
    poverty: tuple[Mapping[str, float], Mapping[str, float]],
) -> dict[str, object]:
    """What a reform changes (see :func:`sejahtera.simulate.report.compare`) from its sums and
    poverty after the baseline's and the reform's transfers."""
    names, cost = sums.names, sums.cost
    before, after = poverty
    out: dict[str, object] = {
        "net_cost_rp": sum(cost.values()),
        "net_cost_by_programme": dict(cost),
        "net_cost_by_funder": {
            funder: sum(cost[n] for n in names if programmes[n].funder == funder)
            for funder in FUNDERS
        },
        **sums.overall,
        "poverty_change": {key: after[key] - before[key] for key in before},
        # Kept from earlier reports: cash only.
        "net_cash_change_rp": sums.net_cash,
    }
    if sums.by_desil:
        out["by_desil"] = {label: dict(row) for label, row in sums.by_desil.items()}
    known = registry()
    for key, (parent, codes) in _levels(sums.areas).items():
        level = {name: np.bincount(parent, v, len(codes)) for name, v in sums.finest.items()}
        rows = _rows(level, codes)
        for code, row in rows.items():
            row["name"] = known.name(code) if code in known else code  # type: ignore[assignment]
        out[key] = rows
    return out


def _levels(areas: Areas) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Each level's parent of every finest area (numbered among the level's sorted codes)."""
    out = {}
    for i, key in enumerate(areas.levels):
        level = pd.Series([c[i] for c in areas.codes], dtype=object)
        parent, codes = pd.factorize(level, sort=True)
        out[key] = (parent, [str(c) for c in codes])
    return out


def figures(totals: dict[str, np.ndarray], names: Sequence[str], g: int) -> dict[str, object]:
    """Group ``g``'s figures from :func:`grouped` sums: population, P0 before and after, and for
    each programme and ``total`` its cost, households, families, persons, coverage of the poor
    (poor reached / poor), exclusion error (poor not reached / poor) and inclusion error
    (non-poor reached / reached), each NaN when there is nothing to divide by."""
    population = totals["population"][g]
    poor = totals["poor_before"][g]
    out: dict[str, object] = {
        "population": float(population),
        "fgt0_before": _ratio(poor, population),
        "fgt0_after": _ratio(totals["poor_after"][g], population),
    }
    for name in [*names, "total"]:
        reached, covered = totals[f"{name}|reached"][g], totals[f"{name}|covered"][g]
        out[name] = {
            **{
                key: float(totals[f"{name}|{key}"][g])
                for key in ("cost_rp", "households", "families", "persons")
            },
            "coverage_of_poor": _ratio(covered, poor),
            "exclusion_error": _ratio(poor - covered, poor),
            "inclusion_error": _ratio(reached - covered, reached),
        }
    return out


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else float("nan")


def _named(
    totals: dict[str, np.ndarray], names: Sequence[str], codes: list[str]
) -> dict[str, dict[str, object]]:
    known = registry()
    return {
        code: {"name": known.name(code) if code in known else code, **figures(totals, names, g)}
        for g, code in enumerate(codes)
    }


def _rows(sums: dict[str, np.ndarray], labels: list[str]) -> dict[str, dict[str, float]]:
    return {
        label: {name: float(values[g]) for name, values in sums.items()}
        for g, label in enumerate(labels)
    }


def _incidence(by_decile: np.ndarray) -> dict[str, float]:
    """The share of the weighted benefit going to each decile (NaN when nothing is paid)."""
    total = float(by_decile.sum())
    return {
        str(d): float(by_decile[d]) / total if total else float("nan")
        for d in range(1, DECILES + 1)
    }
