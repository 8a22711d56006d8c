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

from collections.abc import Mapping, Sequence
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
) -> dict[str, object]:
    """The scenario report of one run's household results (see the module's docstring)."""
    names = [n for n in programmes if n in results]
    w, size = results["weight"].to_numpy(), results["size"].to_numpy()
    people = w * size
    line = results["poverty_line"].to_numpy()
    poor = results["welfare_before"].to_numpy() < line
    reached = {name: results[name].to_numpy() > 0 for name in names}
    any_reached = np.logical_or.reduce(list(reached.values())) if names else np.zeros(len(w), bool)
    count = sum((r.astype(np.int64) for r in reached.values()), np.zeros(len(w), np.int64))
    figures = {key: value[0] for key, value in reach(results, names).items()}
    poverty = {when: _poverty(results, people, when) for when in ("before", "after")}
    gap = {
        when: float(np.dot(people, np.clip(line - results[f"welfare_{when}"], 0, None))) * 12
        for when in ("before", "after")
    }
    cash_cost = float(np.dot(w, results["cash_total"]))
    deciles = _deciles(results["welfare_before"].to_numpy(), people)
    funders = {
        funder: sum(
            figures[n]["cost_rp"]
            for n in names
            if isinstance(programmes, Mapping) and programmes[n].funder == funder
        )
        for funder in FUNDERS
    }
    report: dict[str, object] = {
        "baseline": baseline,
        "status_quo": dict(sources or {}),
        "programs": {name: figures[name] for name in names},
        "total": figures["total"] | {"cash_rp": cash_cost},
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
    for key, column in AREAS.items():
        if column in results and results[column].notna().all():
            report[key] = breakdown(results, results[column].astype(str).to_numpy(), names)
        elif key == "by_region":
            report[key] = {}
    report["by_decile"] = breakdown(results, deciles, names)
    report["notes"] = list(notes)
    return report


def reach(
    results: pd.DataFrame, names: Sequence[str], group: np.ndarray | None = None, groups: int = 1
) -> dict[str, list[dict[str, float]]]:
    """Cost, reach and targeting of each programme in ``names`` and of any (``total``), for
    each of ``groups`` groups of rows (``group`` numbers each row's, all in one by default): one
    place for the formulas, used overall, per area and per decile.

    ``persons`` counts the persons a person-level programme pays (PIP pupils, PBI-JKN members),
    the members of the families a family programme pays (PKH, Sembako: a household may hold a
    family paid and one not); for a household programme, and for ``total``, the members of the
    households reached. ``families`` counts the families (KPM) a family programme pays; for
    other programmes it equals ``households``.
    """
    group = np.zeros(len(results), dtype=np.int64) if group is None else group
    w = results["weight"].to_numpy(dtype=np.float64)
    people = w * results["size"].to_numpy(dtype=np.float64)
    poor = results["welfare_before"].to_numpy() < results["poverty_line"].to_numpy()

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=values, minlength=groups)

    poor_people = total(people * poor)
    any_reached = np.zeros(len(results), dtype=bool)
    out: dict[str, list[dict[str, float]]] = {}
    columns: dict[str, dict[str, np.ndarray]] = {}
    for name in names:
        benefit = results[name].to_numpy(dtype=np.float64)
        reached = benefit > 0
        any_reached |= reached
        persons_column = f"{name}_persons"
        columns[name] = {
            "cost_rp": total(w * benefit),
            "households": total(w * reached),
            "families": total(w * results[f"{name}_families"].to_numpy(dtype=np.float64))
            if f"{name}_families" in results
            else total(w * reached),
            "persons": total(w * results[persons_column].to_numpy(dtype=np.float64))
            if persons_column in results
            else total(people * reached),
            **_targeting(total, people, poor, reached, poor_people),
        }
    columns["total"] = {
        "cost_rp": sum((columns[n]["cost_rp"] for n in names), np.zeros(groups)),
        "households": total(w * any_reached),
        "families": total(w * any_reached),
        "persons": total(people * any_reached),
        **_targeting(total, people, poor, any_reached, poor_people),
    }
    for name, figures in columns.items():
        out[name] = [
            {key: float(values[g]) for key, values in figures.items()} for g in range(groups)
        ]
    return out


def _targeting(
    total: object, people: np.ndarray, poor: np.ndarray, reached: np.ndarray, poor_people
) -> dict[str, np.ndarray]:
    """Coverage of the poor, exclusion and inclusion errors, as fractions of persons (NaN when
    there are no poor, or no one reached, to divide by)."""
    reached_people = total(people * reached)  # type: ignore[operator]
    covered = total(people * (poor & reached))  # type: ignore[operator]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "coverage_of_poor": np.where(poor_people > 0, covered / poor_people, np.nan),
            "exclusion_error": np.where(
                poor_people > 0, (poor_people - covered) / poor_people, np.nan
            ),
            "inclusion_error": np.where(
                reached_people > 0,
                total(people * (~poor & reached)) / reached_people,  # type: ignore[operator]
                np.nan,
            ),
        }


def targeting(people: np.ndarray, poor: np.ndarray, reached: np.ndarray) -> dict[str, float]:
    """:func:`_targeting` over all rows, as numbers."""

    def total(values: np.ndarray) -> np.ndarray:
        return np.array([values.sum()])

    figures = _targeting(total, people, poor, reached, total(people * poor))
    return {key: float(values[0]) for key, values in figures.items()}


def breakdown(
    results: pd.DataFrame, keys: np.ndarray, names: Sequence[str]
) -> dict[str, dict[str, object]]:
    """Per value of ``keys`` (sorted): its name, population, P0 before and after, and
    :func:`reach`."""
    codes, labels = pd.factorize(pd.Series(keys), sort=True)
    groups = len(labels)
    people = results["weight"].to_numpy() * results["size"].to_numpy()
    line = results["poverty_line"].to_numpy()
    population = np.bincount(codes, weights=people, minlength=groups)
    below = {
        when: np.bincount(
            codes, weights=people * (results[f"welfare_{when}"].to_numpy() < line), minlength=groups
        )
        for when in ("before", "after")
    }
    figures = reach(results, names, codes, groups)
    names_of = registry()
    out: dict[str, dict[str, object]] = {}
    for g, label in enumerate(labels):
        key = str(label)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[key] = {
                "name": names_of.name(key) if key in names_of else key,
                "population": float(population[g]),
                "fgt0_before": float(below["before"][g] / population[g]),
                "fgt0_after": float(below["after"][g] / population[g]),
                **{name: rows[g] for name, rows in figures.items()},
            }
    return out


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
    baseline: pd.DataFrame, reform: pd.DataFrame, programmes: Mapping[str, Programme]
) -> dict[str, object]:
    """What the reform changes from the baseline: net cost (by programme and funder), who gains
    and who loses (households and persons, by registry desil and by kecamatan), the poor newly
    reached by any programme, and the change in poverty and inequality."""
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
    before = _poverty(baseline, people, "after")
    after = _poverty(reform, people, "after")
    out: dict[str, object] = {
        "net_cost_rp": sum(cost.values()),
        "net_cost_by_programme": cost,
        "net_cost_by_funder": {
            funder: sum(cost[n] for n in names if programmes[n].funder == funder)
            for funder in FUNDERS
        },
        **_gains(w, people, change, poor, was, now),
        "poverty_change": {key: after[key] - before[key] for key in before},
        # Kept from earlier reports: cash only.
        "net_cash_change_rp": float(
            np.dot(w, column(reform, "cash_total") - column(baseline, "cash_total"))
        ),
    }
    for key, source in (("by_desil", "desil"), ("by_district", "district_code")):
        if source in baseline and baseline[source].notna().all():
            keys = baseline[source].astype(str).to_numpy()
            out[key] = _gains_by(keys, w, people, change, poor, was, now)
    return out


def _gains(
    w: np.ndarray,
    people: np.ndarray,
    change: np.ndarray,
    poor: np.ndarray,
    was: np.ndarray,
    now: np.ndarray,
) -> dict[str, float]:
    return {
        "winners": float(np.dot(w, change > 0)),
        "losers": float(np.dot(w, change < 0)),
        "unchanged": float(np.dot(w, change == 0)),
        "persons_gaining": float(np.dot(people, change > 0)),
        "persons_losing": float(np.dot(people, change < 0)),
        "net_change_rp": float(np.dot(w, change)),
        "newly_reached_poor": float(np.dot(people, poor & ~was & now)),
        "poor_no_longer_reached": float(np.dot(people, poor & was & ~now)),
    }


def _gains_by(keys: np.ndarray, *arrays: np.ndarray) -> dict[str, dict[str, float]]:
    codes, labels = pd.factorize(pd.Series(keys), sort=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=len(labels)))]
    out = {}
    for g, label in enumerate(labels):
        rows = order[bounds[g] : bounds[g + 1]]
        out[str(label)] = _gains(*(a[rows] for a in arrays))
    return out
