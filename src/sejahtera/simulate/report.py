"""What a scenario costs and does: by programme, for the poor, by decile, before and after.

Post-transfer welfare is ``consumption_pc`` plus the household's cash benefits (PKH, Sembako,
PIP, BLT Dana Desa) per person per month: each rupiah received is assumed to be consumed, shared
equally among members. PBI-JKN is a premium the state pays, not cash: it counts in the cost and
the reach, not in welfare. Weighted figures use the household weight; persons use weight × size.

The poor are those whose welfare *before* transfers is below the poverty line. Targeting figures
count persons in the households a programme reaches: coverage of the poor (poor persons reached /
poor persons), exclusion error (poor persons not reached / poor persons) and inclusion error
(non-poor persons reached / persons reached). The same figures are given overall, per kabupaten and
per consumption decile, for each programme and for ``total`` (reached by any programme).

Which programmes there are, and which variable holds each one's benefit, is data: the file
``programmes.yaml`` at the root of the ruleset (see :func:`programmes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from sejahtera.measure.estimate import measure
from sejahtera.rules.parameters import Located, RulesFileError, only_keys, read_yaml
from sejahtera.rules.ruleset import Ruleset
from sejahtera.simulate.engine import Simulation

DECLARATIONS = "programmes.yaml"
LEVERS = ("desil", "pmt", "amount")
_PROGRAMME_KEYS = {"variable", "cash", "switch", "levers"}


@dataclass(frozen=True)
class Programme:
    """A programme as ``programmes.yaml`` declares it."""

    name: str
    variable: str  # the benefit, summed over the year
    cash: bool  # paid to the household (raises welfare) or a cost paid for it (PBI-JKN)
    levers: dict[str, tuple[str, ...]]  # desil / pmt / amount → the parameter paths it moves
    switch: str | None = None  # a parameter that turns the programme on


def programmes(ruleset: Ruleset | None = None) -> dict[str, Programme]:
    """The programmes declared in ``programmes.yaml`` at the root of ``ruleset``'s folder.

    A ruleset without that file (a user's folder, or no ruleset at all) gets the shipped
    ``indonesia`` declarations; programmes whose variable the ruleset lacks are skipped later.
    """
    folder = None if ruleset is None else ruleset.folder
    if folder is None or not (Path(folder) / DECLARATIONS).is_file():
        folder = Path(str(resources.files("sejahtera").joinpath("rulesets", "indonesia")))
    return _read_declarations(Path(folder) / DECLARATIONS)


def _read_declarations(path: Path) -> dict[str, Programme]:
    shown = f"{path.parent.name}/{path.name}"
    content = read_yaml(path, shown)
    if not isinstance(content, Located):
        raise RulesFileError("rules.not_a_mapping", file=shown, line=1)
    found: dict[str, Programme] = {}
    for name, entry in content.items():
        line = content.lines[name]
        if not isinstance(entry, Located) or "variable" not in entry:
            raise RulesFileError("simulate.bad_programme", file=shown, line=line, name=name)
        only_keys(entry, _PROGRAMME_KEYS, shown)
        levers = entry.get("levers") or Located()
        if not isinstance(levers, Located):
            raise RulesFileError("rules.not_a_mapping", file=shown, line=entry.lines["levers"])
        only_keys(levers, set(LEVERS), shown)
        found[str(name)] = Programme(
            str(name),
            str(entry["variable"]),
            bool(entry.get("cash", True)),
            {
                str(lever): tuple(map(str, paths if isinstance(paths, list) else [paths]))
                for lever, paths in levers.items()
            },
            None if entry.get("switch") is None else str(entry["switch"]),
        )
    return found


def household_results(
    simulation: Simulation, declared: dict[str, Programme] | None = None
) -> pd.DataFrame:
    """Each household's yearly benefit from each programme, and welfare before and after."""
    declared = programmes(simulation.ruleset) if declared is None else declared
    households = simulation.households
    count = len(households)
    out = pd.DataFrame({"household_id": households["household_id"].to_numpy()})
    cash = np.zeros(count)
    size = np.bincount(simulation.household_of, minlength=count).astype(np.float64)
    for programme in declared.values():
        if programme.variable not in simulation.ruleset.variables:
            continue
        values, reached = yearly_benefit(simulation, programme, simulation.period.year)
        if reached is not None:
            out[f"{programme.name}_persons"] = reached
        out[programme.name] = values
        if programme.cash:
            cash += values
    out["cash_total"] = cash
    out["size"] = size
    welfare = households["consumption_pc"].to_numpy(dtype=np.float64)
    out["welfare_before"] = welfare
    out["welfare_after"] = welfare_after(welfare, cash, size)
    out["poverty_line"] = households["poverty_line"].to_numpy(dtype=np.float64)
    out["weight"] = households["weight"].to_numpy(dtype=np.float64)
    for column in ("regency_code", "desil"):
        if column in households:
            out[column] = households[column].to_numpy()
    return out


def yearly_benefit(
    simulation: Simulation, programme: Programme, year: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each household's benefit from ``programme`` over ``year``, and, for a benefit paid to
    persons, how many of each household's members receive it (None for a household benefit)."""
    values = simulation.calculate(programme.variable, str(year))
    if simulation.ruleset.variables[programme.variable].entity != "person":
        return values, None
    count = len(simulation.households)
    reached = np.bincount(simulation.household_of, values > 0, minlength=count)
    return np.bincount(simulation.household_of, values, minlength=count), reached


def welfare_after(consumption_pc: np.ndarray, cash: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Consumption per person per month plus the year's cash shared equally among members."""
    shared = np.divide(cash / 12, size, out=np.zeros(len(cash)), where=size > 0)
    return consumption_pc + shared


def summarise(results: pd.DataFrame, names: Sequence[str] | None = None) -> dict[str, object]:
    """The scenario report of :func:`household_results` (``names``: the programme columns, by
    default the shipped ``indonesia`` ones)."""
    names = [n for n in (programmes() if names is None else names) if n in results]
    w, size = results["weight"].to_numpy(), results["size"].to_numpy()
    people = w * size
    poor = results["welfare_before"].to_numpy() < results["poverty_line"].to_numpy()
    figures = reach(results, names)
    programs = {name: figures[name] for name in names}
    reached = {name: results[name].to_numpy() > 0 for name in names}
    programmes_reached = sum((r.astype(np.int64) for r in reached.values()), np.zeros(len(w)))
    poverty = {when: _poverty(results, people, when) for when in ("before", "after")}
    gap = {
        when: float(
            np.dot(people, np.clip(results["poverty_line"] - results[f"welfare_{when}"], 0, None))
        )
        * 12
        for when in ("before", "after")
    }
    cash_cost = float(np.dot(w, results["cash_total"]))
    deciles = _deciles(results["welfare_before"].to_numpy(), people)
    return {
        "programs": programs,
        "total": figures["total"] | {"cash_rp": cash_cost},
        "poverty": poverty,
        "poverty_gap_rp": gap,
        "gap_reduction_per_rupiah": (gap["before"] - gap["after"]) / cash_cost
        if cash_cost
        else float("nan"),
        "poor_households_reached_by_none": float(np.dot(w, poor & (programmes_reached == 0))),
        "households_by_programmes_reached": {
            str(k): float(np.dot(w, np.minimum(programmes_reached, 3) == k)) for k in range(4)
        },
        "overlap": {
            f"{a}+{b}": float(np.dot(w, reached[a] & reached[b])) for a, b in combinations(names, 2)
        },
        "incidence_by_decile": _incidence(w, results["cash_total"].to_numpy(), deciles),
        "incidence_by_programme": {
            name: _incidence(w, results[name].to_numpy(), deciles) for name in names
        },
        "by_region": _breakdown(results, "regency_code", names)
        if "regency_code" in results
        else {},
        "by_decile": _breakdown(results.assign(decile=deciles), "decile", names),
        "assumption": "welfare_after = consumption_pc + cash benefits / 12 / household size",
    }


def reach(results: pd.DataFrame, names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Cost, reach and targeting of each programme in ``names`` and of any (``total``), over the
    rows of ``results``: one place for the formulas, used overall, per region and per decile.

    ``persons`` counts the persons a person-level programme pays (PIP pupils, PBI-JKN members);
    for a household programme, and for ``total``, the members of the households reached.
    """
    w = results["weight"].to_numpy(dtype=np.float64)
    people = w * results["size"].to_numpy(dtype=np.float64)
    poor = results["welfare_before"].to_numpy() < results["poverty_line"].to_numpy()
    any_reached = np.zeros(len(results), dtype=bool)
    out: dict[str, dict[str, float]] = {}
    for name in names:
        benefit = results[name].to_numpy(dtype=np.float64)
        reached = benefit > 0
        any_reached |= reached
        persons = (
            float(np.dot(w, results[f"{name}_persons"]))
            if f"{name}_persons" in results
            else float(np.dot(people, reached))
        )
        out[name] = {
            "cost_rp": float(np.dot(w, benefit)),
            "households": float(np.dot(w, reached)),
            "persons": persons,
            **targeting(people, poor, reached),
        }
    out["total"] = {
        "cost_rp": sum(out[name]["cost_rp"] for name in names),
        "households": float(np.dot(w, any_reached)),
        "persons": float(np.dot(people, any_reached)),
        **targeting(people, poor, any_reached),
    }
    return out


def targeting(people: np.ndarray, poor: np.ndarray, reached: np.ndarray) -> dict[str, float]:
    """Coverage of the poor, exclusion and inclusion errors, as fractions of persons (NaN when
    there are no poor, or no one reached, to divide by)."""
    poor_people = float(np.dot(people, poor))
    reached_people = float(np.dot(people, reached))
    covered = float(np.dot(people, poor & reached))
    return {
        "coverage_of_poor": covered / poor_people if poor_people else float("nan"),
        "exclusion_error": (poor_people - covered) / poor_people if poor_people else float("nan"),
        "inclusion_error": float(np.dot(people, ~poor & reached)) / reached_people
        if reached_people
        else float("nan"),
    }


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


def _breakdown(
    results: pd.DataFrame, column: str, names: Sequence[str]
) -> dict[str, dict[str, object]]:
    """Population, P0 before and after, and :func:`reach` per value of ``column``."""
    out: dict[str, dict[str, object]] = {}
    for key, group in results.groupby(column, sort=True):
        people = group["weight"].to_numpy() * group["size"].to_numpy()
        line = group["poverty_line"].to_numpy()
        population = float(people.sum())
        out[str(key)] = {
            "population": population,
            "fgt0_before": float(np.dot(people, group["welfare_before"].to_numpy() < line))
            / population,
            "fgt0_after": float(np.dot(people, group["welfare_after"].to_numpy() < line))
            / population,
            **reach(group, names),
        }
    return out


def _deciles(welfare: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Person-weighted consumption deciles (1 poorest) of each household."""
    order = np.argsort(welfare, kind="stable")
    share = np.cumsum(people[order]) / people.sum()
    deciles = np.empty(len(welfare), dtype=np.int64)
    deciles[order] = np.minimum((share * 10 - 1e-12).astype(np.int64) + 1, 10)
    return deciles


def compare(baseline: pd.DataFrame, reform: pd.DataFrame) -> dict[str, float]:
    """Winners and losers: weighted households whose cash rises or falls under the reform."""
    change = reform["cash_total"].to_numpy() - baseline["cash_total"].to_numpy()
    w = baseline["weight"].to_numpy()
    return {
        "winners": float(np.dot(w, change > 0)),
        "losers": float(np.dot(w, change < 0)),
        "unchanged": float(np.dot(w, change == 0)),
        "net_cash_change_rp": float(np.dot(w, change)),
    }
