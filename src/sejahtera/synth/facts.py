"""Calibration targets read from ``resources/facts/calibration.yaml``.

Each province's targets are resolved here, and every gap filled by a default or a derivation is
recorded in ``notes`` so that it can be shown to the user and written into ``dataset.json``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from sejahtera.errors import SejahteraError
from sejahtera.yamlfile import read_yaml


@cache
def calibration() -> dict[str, Any]:
    path = resources.files("sejahtera").joinpath("resources/facts/calibration.yaml")
    return read_yaml(path, "resources/facts/calibration.yaml")


@cache
def census_population() -> dict[str, int]:
    """Published 2020 census counts for DI Yogyakarta areas (where found), by code."""
    path = resources.files("sejahtera").joinpath("resources/facts/diy-population-2020.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: int(row["population"]) for row in csv.DictReader(handle)}


@cache
def kecamatan_counts() -> dict[str, int]:
    """Other published kecamatan counts for DI Yogyakarta (complete per kabupaten), by code.

    Used only for the relative size of kecamatan that have no 2020 census count.
    """
    path = resources.files("sejahtera").joinpath("resources/facts/diy-kecamatan-shares.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: int(row["population"]) for row in csv.DictReader(handle)}


@dataclass(frozen=True)
class AreaTarget:
    p0: float
    line: float
    gini: float | None = None


@dataclass(frozen=True)
class ProvinceTargets:
    code: str
    name: str
    urban: AreaTarget
    rural: AreaTarget
    gini: float
    urban_share: float
    population: int
    regency_population: dict[str, int]
    regency_p0: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def p0(self) -> float:
        """The province headcount implied by the urban and rural targets."""
        return self.urban.p0 * self.urban_share + self.rural.p0 * (1 - self.urban_share)

    def regency_targets(self) -> dict[str, float]:
        """Kabupaten headcounts to aim at: the published ones, rescaled so that their
        population-weighted mean is the province headcount (they are published against each
        kabupaten's own line, the synthetic data uses the province's). Empty when not published.
        """
        if not self.regency_p0:
            return {}
        codes = sorted(self.regency_p0)
        weights = [self.regency_population[c] for c in codes]
        mean = sum(self.regency_p0[c] * w for c, w in zip(codes, weights, strict=True)) / sum(
            weights
        )
        return {c: self.regency_p0[c] * self.p0 / mean for c in codes}


def _value(entry: Any) -> Any:
    return entry["value"] if isinstance(entry, dict) else entry


def province_targets(code: str) -> ProvinceTargets:
    facts = calibration()
    try:
        province = facts["provinces"][code]
    except KeyError:
        raise SejahteraError("synth.no_facts", code=code) from None
    national = facts["national"]
    detail = facts.get("detail", {}).get(code, {})
    notes: list[str] = []

    total = province["p0_total"]
    p0_urban = province.get("p0_urban")
    p0_rural = province.get("p0_rural")
    if province.get("all_urban"):
        urban_share, p0_urban, p0_rural = 1.0, total, total
        notes.append("all urban, as BPS counts it")
    else:
        if p0_urban is None or p0_rural is None:
            p0_urban = p0_urban if p0_urban is not None else total
            p0_rural = p0_rural if p0_rural is not None else total
            notes.append("p0 urban/rural not published: the province total is used for both")
        urban_share, source = _urban_share(total, p0_urban, p0_rural, national)
        notes.append(f"urban share {urban_share:.3f} derived from {source}")

    line = province.get("line_total") or _value(detail.get("line_total"))
    if line is None:
        line = national["line_total"]
        notes.append("province poverty line not published: the national line is used")
    line_urban, line_rural = province.get("line_urban"), province.get("line_rural")
    if line_urban is None or line_rural is None:
        ratio = _value(facts["line_split_ratio"])
        rural = line / (urban_share * ratio + 1 - urban_share)
        line_urban = line_urban or round(rural * ratio)
        line_rural = line_rural or round(rural)
        notes.append("urban/rural lines split from the total with the national ratio")

    gini = province.get("gini")
    if gini is None:
        gini = national["gini"]
        notes.append("province Gini not published: the national Gini is used")

    regencies = {r: n for r, n in facts["regency_population"].items() if r.startswith(code + ".")}
    census = census_population()
    if all(r in census for r in regencies):
        regencies = {r: census[r] for r in regencies}
    population = _value(detail.get("population_base")) or sum(regencies.values())
    return ProvinceTargets(
        code=code,
        name=province["name"],
        urban=AreaTarget(p0_urban, line_urban, _value(detail.get("gini_urban"))),
        rural=AreaTarget(p0_rural, line_rural, _value(detail.get("gini_rural"))),
        gini=gini,
        urban_share=urban_share,
        population=population,
        regency_population=regencies,
        regency_p0=_regency_p0(detail, regencies, notes),
        notes=tuple(notes),
    )


def _regency_p0(
    detail: dict[str, Any], regencies: dict[str, int], notes: list[str]
) -> dict[str, float]:
    published = dict(detail.get("regency_p0", {}).get("values", {}))
    if published and set(published) != set(regencies):
        notes.append("kabupaten P0 ignored: it must list every kabupaten/kota of the province")
        return {}
    return published


def _urban_share(
    total: float, urban: float, rural: float, national: dict[str, float]
) -> tuple[float, str]:
    """Share s with s·urban + (1−s)·rural = total; the national share when that is ill-posed."""
    if abs(rural - urban) >= 0.002:
        share = (rural - total) / (rural - urban)
        if 0.05 <= share <= 0.98:
            return share, "the province's P0 total, urban and rural"
    share = (national["p0_rural"] - national["p0_total"]) / (
        national["p0_rural"] - national["p0_urban"]
    )
    return share, "the national P0 total, urban and rural (the province's do not determine it)"
