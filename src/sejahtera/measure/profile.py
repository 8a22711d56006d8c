"""The needs profile of a region: where the poor are, who they are, and whom programmes miss.

Every figure is a weighted person-level estimate (household weight × size) with a linearised
standard error under the dataset's design, so small areas are flagged rather than hidden.

Coverage compares need with who receives each programme today: the receipt the caller gives (the
status quo of :mod:`sejahtera.simulate.scenario`: recorded receipt, or places allotted by quota
where the data record none), else the data's ``receives_pkh``, ``receives_sembako`` and
``receives_pbi`` columns:

* exclusion: the share of poor people living in households that receive no programme (per
  programme: that do not receive it);
* inclusion: the share of people in recipient households who are not poor.

Areas are ranked by the number of poor people no programme reaches: where the most people in need
are missed, and so where verification and outreach would do most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sejahtera.data.frame import Table, design_columns
from sejahtera.data.regions import registry
from sejahtera.measure.design import Design, Domain
from sejahtera.measure.estimate import measure
from sejahtera.measure.result import MIN_ROWS, reliability

PROGRAMMES = ("receives_pkh", "receives_sembako", "receives_pbi")
AREA_LEVELS = ("regency_code", "district_code", "village_code")
AREA_INDICATORS = ("fgt0", "fgt1", "fgt2", "poor_count", "gini", "mean")
# Household traits the poverty profile compares between poor and non-poor people.
TRAITS = {
    "size": "mean",
    "children": "mean",
    "elderly": "mean",
    "has_disability": "share",
    "female_head": "share",
    "head_employed": "share",
}
HOUSING = {
    "floor_type": ("earth",),
    "wall_type": ("bamboo",),
    "roof_type": ("thatch",),
    "water_source": ("surface", "unprotected_well"),
    "toilet": ("none", "shared"),
    "electricity": ("none", "non_pln"),
    "cooking_fuel": ("wood",),
}
RATE_GROUPS = ("urban", "female_head", "head_education", "head_age_group", "has_disability")


@dataclass
class NeedsProfile:
    """The tables of a needs profile; :mod:`sejahtera.report.profile` lays them out."""

    overall: pd.DataFrame
    areas: dict[str, pd.DataFrame]
    traits: pd.DataFrame
    rates: dict[str, pd.DataFrame]
    coverage: pd.DataFrame
    mpi: dict[str, pd.DataFrame] = field(default_factory=dict)


def needs_profile(
    table: Table,
    persons: pd.DataFrame | None = None,
    receipt: dict[str, np.ndarray] | None = None,
) -> NeedsProfile:
    """Compute the needs profile of a household table (a dataset's, with member-derived columns).

    ``persons`` (the dataset's persons) lets the profile add multidimensional poverty by area.
    ``receipt`` (programme → whether each household receives it today, in the table's order)
    replaces the data's ``receives_*`` columns in the coverage tables.
    """
    frame = table.frame
    common = {"weight": "weight", "size": table.size, "source": table.source}
    design = design_columns(frame)
    overall = measure(frame, "consumption_pc", line="poverty_line", **common, **design).tidy()
    areas = {}
    for level in AREA_LEVELS:
        if level in frame and frame[level].notna().all() and frame[level].nunique() > 1:
            areas[level] = area_table(frame, level, common, design)
    rates = {}
    for column in RATE_GROUPS:
        if column in frame and frame[column].notna().all():
            rates[column] = measure(
                frame,
                "consumption_pc",
                line="poverty_line",
                by=[column],
                indicators=["fgt0", "poor_count"],
                **common,
                **design,
            ).tidy()
    profile = NeedsProfile(
        overall=overall,
        areas=areas,
        traits=poverty_traits(frame, table.size),
        rates=rates,
        coverage=coverage(frame, table.size, _ranked_level(areas), receipt),
    )
    if persons is not None:
        profile.mpi = mpi_by_area(frame, persons, _ranked_level(areas), table.size)
    return profile


def _ranked_level(areas: dict[str, pd.DataFrame]) -> str:
    """The level coverage and MPI are ranked at: kecamatan, else the finest level there is."""
    if "district_code" in areas:
        return "district_code"
    return [level for level in AREA_LEVELS if level in areas][-1] if areas else "regency_code"


def area_table(
    frame: pd.DataFrame, level: str, common: dict[str, object], design: dict[str, str]
) -> pd.DataFrame:
    """One row per area: poverty and inequality with standard errors, names and flags."""
    tidy = measure(
        frame,
        "consumption_pc",
        line="poverty_line",
        by=[level],
        indicators=list(AREA_INDICATORS),
        **common,
        **design,  # type: ignore[arg-type]
    ).tidy()
    tidy["reliability"] = reliability(tidy)
    wide = tidy.pivot(index=level, columns="indicator", values="estimate")
    se = tidy.pivot(index=level, columns="indicator", values="se").add_suffix("_se")
    flags = tidy[tidy["indicator"] == "fgt0"].set_index(level)
    out = pd.concat([wide, se[["fgt0_se", "gini_se"]]], axis=1)
    out["n"] = flags["n"]
    out["population"] = flags["population"]
    out["reliability"] = flags["reliability"]
    out = out.reset_index().rename(columns={level: "code"})
    names = registry()
    out.insert(1, "name", [names.name(code) if code in names else code for code in out["code"]])
    return out.sort_values("fgt0", ascending=False, ignore_index=True)


def _person_weights(frame: pd.DataFrame, size: str | None) -> np.ndarray:
    weight = frame["weight"].to_numpy(dtype=np.float64)
    return weight * frame[size].to_numpy(dtype=np.float64) if size else weight


def poverty_traits(frame: pd.DataFrame, size: str | None) -> pd.DataFrame:
    """Who the poor are: each trait's mean (or share) among poor and among non-poor people."""
    w = _person_weights(frame, size)
    poor = frame["consumption_pc"].to_numpy() < frame["poverty_line"].to_numpy()
    rows = []
    for column, kind in TRAITS.items():
        if column in frame:
            rows.append(_trait(column, kind, frame[column].astype("float64"), w, poor))
    if "head_education" in frame:
        for level in ("none", "sd", "smp", "sma", "tertiary"):
            values = (frame["head_education"].astype(str) == level).astype("float64")
            rows.append(_trait(f"head_education={level}", "share", values, w, poor))
    for column, bad in HOUSING.items():
        if column in frame:
            values = frame[column].astype(str).isin(bad).astype("float64")
            rows.append(_trait(f"{column}={'|'.join(bad)}", "share", values, w, poor))
    if "floor_area_pc" in frame:
        values = (frame["floor_area_pc"] < 8).astype("float64")
        rows.append(_trait("floor_area_pc<8", "share", values, w, poor))
    return pd.DataFrame(rows)


def _trait(name: str, kind: str, values: pd.Series, w: np.ndarray, poor: np.ndarray) -> dict:
    known = values.notna().to_numpy()
    x = values.fillna(0).to_numpy()

    def mean(mask: np.ndarray) -> float:
        weights = w[mask & known]
        return float(np.dot(weights, x[mask & known]) / weights.sum()) if weights.sum() else np.nan

    return {
        "trait": name,
        "kind": kind,
        "poor": mean(poor),
        "non_poor": mean(~poor),
        "all": mean(np.ones_like(poor)),
    }


def coverage(
    frame: pd.DataFrame,
    size: str | None,
    level: str,
    receipt: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Exclusion and inclusion by area, ranked by poor people no programme reaches."""
    if receipt is None:
        receipt = {
            p.removeprefix("receives_"): frame[p].fillna(False).astype(bool).to_numpy()
            for p in PROGRAMMES
            if p in frame
        }
    if not receipt or level not in frame:
        return pd.DataFrame()
    w = _person_weights(frame, size)
    poor = (frame["consumption_pc"].to_numpy() < frame["poverty_line"].to_numpy()).astype(float)
    any_receipt = np.logical_or.reduce(list(receipt.values())).astype(float)
    columns = design_columns(frame)
    design = Design.build(
        w,
        *(frame[columns[key]].to_numpy() if key in columns else None for key in ("strata", "psu")),
    )
    codes, labels = pd.factorize(frame[level], sort=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=len(labels)))]
    rows = []
    for group, code in enumerate(labels):
        # Numerators and denominators are zero outside the area: a domain estimate on its rows.
        members = order[bounds[group] : bounds[group + 1]]
        domain = design.domain(members)
        weights, is_poor = w[members], poor[members]
        reached = any_receipt[members]

        def ratio(numerator: np.ndarray, denominator: np.ndarray) -> tuple[float, float]:
            return _ratio(domain, weights, numerator, denominator)  # noqa: B023

        row: dict[str, object] = {"code": code}
        row["poor_people"] = float(np.dot(weights, is_poor))
        row["unreached_poor"] = unreached_poor(weights, is_poor > 0, reached > 0)
        row["exclusion"], row["exclusion_se"] = ratio(is_poor * (1 - reached), is_poor)
        row["inclusion"], row["inclusion_se"] = ratio((1 - is_poor) * reached, reached)
        for name, receives in receipt.items():
            got = receives[members].astype(float)
            row[f"exclusion_{name}"] = ratio(is_poor * (1 - got), is_poor)[0]
            row[f"inclusion_{name}"] = ratio((1 - is_poor) * got, got)[0]
        row["n"] = len(members)
        rows.append(row)
    table = pd.DataFrame(rows)
    names = registry()
    table.insert(1, "name", [names.name(c) if c in names else c for c in table["code"]])
    table = table.sort_values(["unreached_poor", "exclusion"], ascending=False, ignore_index=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["few_rows"] = table["n"] < MIN_ROWS
    return table


def unreached_poor(people: np.ndarray, poor: np.ndarray, reached: np.ndarray) -> float:
    """Poor people whom no programme reaches: Σ persons over poor households reached by none.

    The one definition the needs profile and ``sejahtera simulate`` share. ``people`` are the
    persons each household represents (weight × size), ``poor`` and ``reached`` flags.
    """
    return float(np.dot(people, np.asarray(poor, dtype=bool) & ~np.asarray(reached, dtype=bool)))


def _ratio(
    domain: Domain, weights: np.ndarray, numerator: np.ndarray, denominator: np.ndarray
) -> tuple[float, float]:
    """Σw·a / Σw·b over a domain, with its linearised standard error (influence (a − R·b)/Σw·b)."""
    below = float(np.dot(weights, denominator))
    if below <= 0:
        return np.nan, np.nan
    ratio = float(np.dot(weights, numerator)) / below
    variance = domain.variance(weights * (numerator - ratio * denominator) / below)
    return ratio, float(np.sqrt(max(variance, 0.0)))


def mpi_by_area(
    frame: pd.DataFrame,
    persons: pd.DataFrame,
    level: str,
    size: str | None,
    specs: Sequence[str] = ("global", "housing-id"),
) -> dict[str, pd.DataFrame]:
    """M0, H and A of each shipped spec by area."""
    from sejahtera.measure.mpi import mpi

    out = {}
    for spec in specs:
        tidy = mpi(frame, spec, persons, weight="weight", by=[level], size=size).tidy()
        tidy = tidy[tidy["indicator"].isin(["mpi_H", "mpi_A", "mpi_M0"])]
        wide = tidy.pivot(index=level, columns="indicator", values="estimate").reset_index()
        wide = wide.rename(columns={level: "code"})
        names = registry()
        wide.insert(1, "name", [names.name(c) if c in names else c for c in wide["code"]])
        out[spec] = wide.sort_values("mpi_M0", ascending=False, ignore_index=True)
    return out
