"""What a scenario costs and does: by programme, for the poor, by decile, before and after.

Post-transfer welfare is ``consumption_pc`` plus the household's cash benefits (PKH, Sembako,
PIP, BLT Dana Desa) per person per month: each rupiah received is assumed to be consumed, shared
equally among members. PBI-JKN is a premium the state pays, not cash: it counts in the cost and
the reach, not in welfare. Weighted figures use the household weight; persons use weight × size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sejahtera.measure.estimate import measure
from sejahtera.simulate.engine import Simulation

# Programme → (variable, cash or not)
PROGRAMMES = {
    "pkh": ("pkh", True),
    "sembako": ("sembako", True),
    "pbi_jkn": ("pbi_jkn_premium", False),
    "pip": ("pip", True),
    "blt_dana_desa": ("blt_dana_desa", True),
}


@dataclass
class Scenario:
    households: pd.DataFrame  # one row per household: benefits, welfare before and after
    summary: dict[str, object]


def household_results(simulation: Simulation) -> pd.DataFrame:
    """Each household's yearly benefit from each programme, and welfare before and after."""
    households = simulation.households
    count = len(households)
    out = pd.DataFrame({"household_id": households["household_id"].to_numpy()})
    cash = np.zeros(count)
    size = np.bincount(simulation.household_of, minlength=count).astype(np.float64)
    for programme, (variable, is_cash) in PROGRAMMES.items():
        if variable not in simulation.ruleset.variables:
            continue
        values = simulation.calculate(variable, str(simulation.period.year))
        if simulation.ruleset.variables[variable].entity == "person":
            reached = np.bincount(simulation.household_of, values > 0, minlength=count)
            values = np.bincount(simulation.household_of, values, minlength=count)
            out[f"{programme}_persons"] = reached
        out[programme] = values
        if is_cash:
            cash += values
    out["cash_total"] = cash
    out["size"] = size
    welfare = households["consumption_pc"].to_numpy(dtype=np.float64)
    out["welfare_before"] = welfare
    out["welfare_after"] = welfare + np.divide(cash / 12, size, out=np.zeros(count), where=size > 0)
    out["poverty_line"] = households["poverty_line"].to_numpy(dtype=np.float64)
    out["weight"] = households["weight"].to_numpy(dtype=np.float64)
    for column in ("regency_code", "desil"):
        if column in households:
            out[column] = households[column].to_numpy()
    return out


def summarise(results: pd.DataFrame) -> dict[str, object]:
    w, size = results["weight"].to_numpy(), results["size"].to_numpy()
    people = w * size
    poor = results["welfare_before"].to_numpy() < results["poverty_line"].to_numpy()
    programs: dict[str, dict[str, float]] = {}
    programmes_reached = np.zeros(len(results))
    for programme in PROGRAMMES:
        if programme not in results:
            continue
        benefit = results[programme].to_numpy()
        reached = benefit > 0
        programmes_reached += reached
        persons = (
            float(np.dot(w, results[f"{programme}_persons"]))
            if f"{programme}_persons" in results
            else float(np.dot(people, reached))
        )
        poor_people = float(np.dot(people, poor))
        reached_people = float(np.dot(people, reached))
        programs[programme] = {
            "cost_rp": float(np.dot(w, benefit)),
            "households": float(np.dot(w, reached)),
            "persons": persons,
            "coverage_of_poor": float(np.dot(people, poor & reached)) / poor_people
            if poor_people
            else float("nan"),
            "inclusion_error": float(np.dot(people, ~poor & reached)) / reached_people
            if reached_people
            else float("nan"),
        }
        programs[programme]["exclusion_error"] = 1 - programs[programme]["coverage_of_poor"]
    frame = results.assign(people=people)
    poverty = {}
    for when in ("before", "after"):
        tidy = measure(
            frame,
            f"welfare_{when}",
            weight="people",
            line="poverty_line",
            indicators=["fgt0", "fgt1", "fgt2", "gini"],
            variance="none",
        ).tidy()
        poverty[when] = dict(zip(tidy["indicator"], tidy["estimate"], strict=True))
    gap = {
        when: float(
            np.dot(people, np.clip(results["poverty_line"] - results[f"welfare_{when}"], 0, None))
        )
        * 12
        for when in ("before", "after")
    }
    cash_cost = float(np.dot(w, results["cash_total"]))
    deciles = _deciles(results["welfare_before"].to_numpy(), people)
    incidence = {
        str(d): float(np.dot(w[deciles == d], results["cash_total"].to_numpy()[deciles == d]))
        / cash_cost
        if cash_cost
        else float("nan")
        for d in range(1, 11)
    }
    return {
        "programs": programs,
        "total": {
            "cost_rp": sum(p["cost_rp"] for p in programs.values()),
            "cash_rp": cash_cost,
        },
        "poverty": poverty,
        "poverty_gap_rp": gap,
        "gap_reduction_per_rupiah": (gap["before"] - gap["after"]) / cash_cost
        if cash_cost
        else float("nan"),
        "poor_households_reached_by_none": float(np.dot(w, poor & (programmes_reached == 0))),
        "households_by_programmes_reached": {
            str(k): float(np.dot(w, np.minimum(programmes_reached, 3) == k)) for k in range(4)
        },
        "incidence_by_decile": incidence,
        "by_region": _breakdown(results, "regency_code") if "regency_code" in results else {},
        "by_decile": _breakdown(results.assign(decile=deciles), "decile"),
        "assumption": "welfare_after = consumption_pc + cash benefits / 12 / household size",
    }


def _breakdown(results: pd.DataFrame, column: str) -> dict[str, dict[str, object]]:
    """Cost, households reached and P0 before and after, per value of ``column``."""
    out: dict[str, dict[str, object]] = {}
    for key, group in results.groupby(column, sort=True):
        w = group["weight"].to_numpy()
        people = w * group["size"].to_numpy()
        line = group["poverty_line"].to_numpy()
        entry: dict[str, object] = {
            "population": float(people.sum()),
            "fgt0_before": float(np.dot(people, group["welfare_before"].to_numpy() < line))
            / float(people.sum()),
            "fgt0_after": float(np.dot(people, group["welfare_after"].to_numpy() < line))
            / float(people.sum()),
        }
        for programme in PROGRAMMES:
            if programme in group:
                benefit = group[programme].to_numpy()
                entry[programme] = {
                    "cost_rp": float(np.dot(w, benefit)),
                    "households": float(np.dot(w, benefit > 0)),
                }
        out[str(key)] = entry
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
