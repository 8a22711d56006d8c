"""What a scenario costs and does: by programme, funder and area, before and after transfers.

Welfare is per person per month (see :mod:`sejahtera.simulate.scenario`): ``welfare_before`` is
recorded consumption less the consumed share of today's transfers, ``welfare_after`` the
scenario's. PBI-JKN is a premium the state pays, not cash: it counts in the cost and the reach,
not in welfare. Weighted figures use the household weight; persons use weight × size.

The poor are those whose welfare *before* transfers is below the poverty line. Targeting figures
count persons in the households a programme reaches: coverage of the poor (poor persons reached /
poor persons), exclusion error (poor persons not reached / poor persons) and inclusion error
(non-poor persons reached / persons reached). The same figures are given overall, per
kabupaten, kecamatan and desa, and per consumption decile, for each programme and for ``total``
(reached by any programme).

"Poor and reached by no programme" counts the persons of households below the line that no
programme reaches. A household no programme reaches has no transfer to take away, so it is the
same whether poverty is judged before transfers or on recorded consumption, and the needs profile
(:func:`sejahtera.measure.profile.unreached_poor`) counts it with the same function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from sejahtera.data.regions import registry
from sejahtera.measure.estimate import measure
from sejahtera.measure.profile import unreached_poor
from sejahtera.rules.programmes import FUNDERS, Programme

AREAS = {"by_region": "regency_code", "by_district": "district_code", "by_village": "village_code"}


def summarise(
    results: pd.DataFrame,
    programmes: Mapping[str, Programme] | Sequence[str],
    baseline: str = "status_quo",
    sources: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    known: Mapping[str, Mapping[str, float]] | None = None,
    layout: Layout | None = None,
) -> dict[str, object]:
    """The scenario report of one run's household results (see the module's docstring).
    ``known``: poverty ``before`` (or ``after``) already measured on the same welfare;
    ``layout``: the households' areas and deciles, when another run's report made them."""
    names = [n for n in programmes if n in results]
    w, size = results["weight"].to_numpy(), results["size"].to_numpy()
    people = w * size
    layout = layout or Layout.of(results)
    line = results["poverty_line"].to_numpy()
    poor = results["welfare_before"].to_numpy() < line
    reached = {name: results[name].to_numpy() > 0 for name in names}
    any_reached = np.logical_or.reduce(list(reached.values())) if names else np.zeros(len(w), bool)
    count = sum((r.astype(np.int64) for r in reached.values()), np.zeros(len(w), np.int64))
    deciles = layout.deciles
    found, areas = breakdowns(results, names, layout)
    poverty = {
        when: dict(known[when]) if known and when in known else _poverty(results, people, when)
        for when in ("before", "after")
    }
    gap = {
        when: float(np.dot(people, np.clip(line - results[f"welfare_{when}"], 0, None))) * 12
        for when in ("before", "after")
    }
    cash_cost = float(np.dot(w, results["cash_total"]))
    funders = {
        funder: sum(
            found[n]["cost_rp"]
            for n in names
            if isinstance(programmes, Mapping) and programmes[n].funder == funder
        )
        for funder in FUNDERS
    }
    report: dict[str, object] = {
        "baseline": baseline,
        "status_quo": dict(sources or {}),
        "programs": {name: found[name] for name in names},
        "total": found["total"] | {"cash_rp": cash_cost},
        "cost_by_funder": funders,
        "poverty": poverty,
        "poverty_gap_rp": gap,
        "gap_reduction_per_rupiah": (gap["before"] - gap["after"]) / cash_cost
        if cash_cost
        else float("nan"),
        "poor_reached_by_none": unreached_poor(people, poor, any_reached),
        "poor_households_reached_by_none": float(np.dot(w, poor & ~any_reached)),
        "households_by_programmes_reached": {
            str(k): float(np.dot(w, np.minimum(count, 3) == k)) for k in range(4)
        },
        "overlap": {
            f"{a}+{b}": float(np.dot(w, reached[a] & reached[b])) for a, b in combinations(names, 2)
        },
        "incidence_by_decile": _incidence(w, results["cash_total"].to_numpy(), deciles),
        "incidence_by_programme": {
            name: _incidence(w, results[name].to_numpy(), deciles) for name in names
        },
    }
    report |= areas
    report["notes"] = list(notes)
    return report


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


@dataclass(frozen=True)
class Layout:
    """Where each household is (its finest area, and each level's areas above it) and its
    consumption decile before transfers: the same for every run on the same households."""

    finest: np.ndarray  # each household's finest area, numbered (all 0 without areas)
    areas: int
    levels: dict[str, tuple[np.ndarray, list[str]]]  # report key → finest area's parent, codes
    deciles: np.ndarray  # each household's decile, 1-10
    decile_of: np.ndarray  # its number among the deciles present
    decile_labels: np.ndarray  # the deciles present
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
            grouped(made, self.decile_of, len(self.decile_labels)),
        )
        self.cache[key] = (arrays, summed)
        return summed

    @classmethod
    def of(cls, results: pd.DataFrame) -> Layout:
        people = results["weight"].to_numpy() * results["size"].to_numpy()
        deciles = _deciles(results["welfare_before"].to_numpy(), people)
        decile_of, decile_labels = pd.factorize(deciles, sort=True)
        ranked = (deciles, decile_of, np.asarray(decile_labels))
        present = [
            (key, column)
            for key, column in AREAS.items()
            if column in results and results[column].notna().all()
        ]
        if not present:
            return cls(np.zeros(len(results), np.int64), 1, {}, *ranked)
        finest, labels = pd.factorize(results[present[-1][1]], sort=True)
        first = np.full(len(labels), len(results))
        np.minimum.at(first, finest, np.arange(len(results)))
        levels = {}
        for key, column in present:
            parent, codes = pd.factorize(results[column].iloc[first], sort=True)
            levels[key] = (parent, [str(c) for c in codes])
        return cls(finest, len(labels), levels, *ranked)


def breakdowns(
    results: pd.DataFrame, names: Sequence[str], layout: Layout
) -> tuple[dict[str, dict[str, object]], dict[str, dict[str, dict[str, object]]]]:
    """The overall figures, and :func:`figures` per kabupaten, kecamatan and desa (each level
    the data have in full, keyed by region code, with its name) and per consumption decile. The
    totals are made once at the finest level and added up to the coarser ones; a programme
    whose benefits are those of another run on the same households (``layout``) is not summed
    again."""
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
    finest = {key: value for part in sums for key, value in part[0].items()}
    by_decile = {key: value for part in sums for key, value in part[1].items()}
    out: dict[str, dict[str, dict[str, object]]] = {"by_region": {}}
    for key, (parent, codes) in layout.levels.items():
        level = {k: np.bincount(parent, v, minlength=len(codes)) for k, v in finest.items()}
        out[key] = _named(level, names, codes)
    out["by_decile"] = {
        str(label): figures(by_decile, names, g) for g, label in enumerate(layout.decile_labels)
    }
    overall = {key: values.sum(keepdims=True) for key, values in finest.items()}
    found = figures(overall, names, 0)
    return {name: found[name] for name in [*names, "total"]}, out  # type: ignore[misc]


def _named(
    totals: dict[str, np.ndarray], names: Sequence[str], codes: list[str]
) -> dict[str, dict[str, object]]:
    known = registry()
    return {
        code: {"name": known.name(code) if code in known else code, **figures(totals, names, g)}
        for g, code in enumerate(codes)
    }


def measured(results: pd.DataFrame, when: str) -> dict[str, float]:
    """P0, P1, P2 and the Gini of welfare ``before`` or ``after`` transfers, person-weighted, as
    ``sejahtera measure`` computes them."""
    return _poverty(results, results["weight"].to_numpy() * results["size"].to_numpy(), when)


def _poverty(results: pd.DataFrame, people: np.ndarray, when: str) -> dict[str, float]:
    tidy = measure(
        results.assign(people=people),
        f"welfare_{when}",
        weight="people",
        line="poverty_line",
        indicators=["fgt0", "fgt1", "fgt2", "gini"],
        variance="none",
    ).tidy()
    return dict(zip(tidy["indicator"], tidy["estimate"], strict=True))


def _incidence(w: np.ndarray, benefit: np.ndarray, deciles: np.ndarray) -> dict[str, float]:
    """The share of the weighted benefit going to each decile (NaN when nothing is paid)."""
    total = float(np.dot(w, benefit))
    by_decile = np.bincount(deciles, weights=w * benefit, minlength=11)[1:]
    return {
        str(d): float(by_decile[d - 1]) / total if total else float("nan") for d in range(1, 11)
    }


def _deciles(welfare: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Person-weighted consumption deciles (1 poorest) of each household."""
    order = np.argsort(welfare, kind="stable")
    share = np.cumsum(people[order]) / people.sum()
    deciles = np.empty(len(welfare), dtype=np.int64)
    deciles[order] = np.minimum((share * 10 - 1e-12).astype(np.int64) + 1, 10)
    return deciles


def compare(
    baseline: pd.DataFrame,
    reform: pd.DataFrame,
    programmes: Mapping[str, Programme],
    poverty: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
    layout: Layout | None = None,
) -> dict[str, object]:
    """What the reform changes from the baseline: net cost (by programme and funder), who gains
    and who loses (households and persons, by registry desil and by kabupaten, kecamatan and
    desa), the poor newly reached by any programme, and the change in poverty and inequality."""
    names = [n for n in programmes if n in baseline or n in reform]
    w = baseline["weight"].to_numpy()
    people = w * baseline["size"].to_numpy()

    def column(frame: pd.DataFrame, name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=np.float64) if name in frame else np.zeros(len(frame))

    cost = {name: float(np.dot(w, column(reform, name) - column(baseline, name))) for name in names}
    change = column(reform, "benefit_total") - column(baseline, "benefit_total")
    poor = baseline["welfare_before"].to_numpy() < baseline["poverty_line"].to_numpy()
    was = np.logical_or.reduce([column(baseline, n) > 0 for n in names] or [np.zeros(len(w), bool)])
    now = np.logical_or.reduce([column(reform, n) > 0 for n in names] or [np.zeros(len(w), bool)])
    before, after = poverty or (
        _poverty(baseline, people, "after"),
        _poverty(reform, people, "after"),
    )
    out: dict[str, object] = {
        "net_cost_rp": sum(cost.values()),
        "net_cost_by_programme": cost,
        "net_cost_by_funder": {
            funder: sum(cost[n] for n in names if programmes[n].funder == funder)
            for funder in FUNDERS
        },
        **{
            key: float(v[0])
            for key, v in _gains(
                np.zeros(len(w), np.int64), 1, w, people, change, poor, was, now
            ).items()
        },
        "poverty_change": {key: after[key] - before[key] for key in before},
        # Kept from earlier reports: cash only.
        "net_cash_change_rp": float(
            np.dot(w, column(reform, "cash_total") - column(baseline, "cash_total"))
        ),
    }
    layout = layout or Layout.of(baseline)
    if "desil" in baseline and baseline["desil"].notna().all():
        group, labels = pd.factorize(baseline["desil"], sort=True)
        sums = _gains(group, len(labels), w, people, change, poor, was, now)
        out["by_desil"] = _rows(sums, [str(label) for label in labels])
    # By area: summed once per finest area, then added up (as the reports are).
    finest = _gains(layout.finest, layout.areas, w, people, change, poor, was, now)
    known = registry()
    for key, (parent, codes) in layout.levels.items():
        sums = {name: np.bincount(parent, values, len(codes)) for name, values in finest.items()}
        rows = _rows(sums, codes)
        for code, row in rows.items():
            row["name"] = known.name(code) if code in known else code  # type: ignore[assignment]
        out[key] = rows
    return out


def _rows(sums: dict[str, np.ndarray], labels: list[str]) -> dict[str, dict[str, float]]:
    return {
        label: {name: float(values[g]) for name, values in sums.items()}
        for g, label in enumerate(labels)
    }


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
