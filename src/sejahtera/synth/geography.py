"""Where synthetic households live: the smallest areas the registry knows, with their people.

For DI Yogyakarta the areas are desa/kelurahan; elsewhere they are kabupaten/kota (the shipped
registry has no kecamatan outside DI Yogyakarta). Each area gets an estimated population, an urban
flag or probability, and a location effect on welfare.

Population of a desa, in order of preference:
1. its 2020 census count;
2. its kecamatan's 2020 census count, spread equally over the kecamatan's desa;
3. the rest of its kabupaten's 2020 census count (after 1 and 2), shared among the remaining
   kecamatan in proportion to another published count of every one of them (a Dukcapil or BPS
   table of another year, ``diy-kecamatan-shares.csv``), then equally over their desa;
4. where no such table covers them, that rest spread equally over the remaining desa.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from sejahtera.data.regions import Region, Registry, level_of
from sejahtera.synth.calibrate import probit
from sejahtera.synth.facts import ProvinceTargets, census_population, kecamatan_counts

# Spread of location effects, in units of the welfare index (before calibration scales it).
REGENCY_SPREAD = 0.12
DISTRICT_SPREAD = 0.10
VILLAGE_SPREAD = 0.05
INDEX_SPREAD = 0.6  # approximate standard deviation of the welfare index
KOTA_URBAN_PROBABILITY = 0.95


@dataclass(frozen=True)
class Areas:
    """Parallel arrays, one entry per area."""

    regency: np.ndarray
    district: np.ndarray  # "" where unknown
    village: np.ndarray  # "" where unknown
    population: np.ndarray
    urban_probability: np.ndarray
    effect: np.ndarray
    population_basis: dict[str, float]  # share of the population resting on each kind of figure

    def __len__(self) -> int:
        return len(self.regency)

    def within(self, code: str) -> np.ndarray:
        """Indices of the areas inside ``code`` (a province, kabupaten or kecamatan)."""
        column = {"province": self.regency, "regency": self.regency, "district": self.district}[
            level_of(code) or "village"
        ]
        if level_of(code) == "province":
            return np.flatnonzero(np.char.startswith(column.astype(str), code + "."))
        return np.flatnonzero(column == code)


def _area_rng(seed: int, code: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(code.encode())])


def build_areas(targets: ProvinceTargets, regions: Registry, seed: int) -> Areas:
    regencies = sorted(targets.regency_population)
    detailed = all(regions.has_detail(r) for r in regencies)
    regency_effect = _regency_effects(targets, seed)
    if not detailed:
        population = np.array([targets.regency_population[r] for r in regencies], dtype=float)
        urban = _regency_urban_probability(regencies, population, targets.urban_share)
        effect = np.array([regency_effect[r] for r in regencies])
        empty = np.full(len(regencies), "", dtype=object)
        return Areas(
            np.array(regencies, dtype=object),
            empty,
            empty.copy(),
            population,
            urban,
            effect,
            population_basis={"kabupaten/kota population (Kemendagri 2025)": 1.0},
        )

    rows: list[tuple[Region, float, str]] = []
    for regency in regencies:
        rows += _village_populations(regions, regency, targets.regency_population[regency])

    villages = [v for v, _, _ in rows]
    population = np.array([s for _, s, _ in rows])
    basis: dict[str, float] = {}
    for _, size, how in rows:
        basis[how] = basis.get(how, 0.0) + size / population.sum()
    area = np.array([v.area_km2 or 1.0 for v in villages])
    urban = _urban_by_density(villages, population, area, targets.urban_share)
    effect = np.array(
        [
            regency_effect[v.code[:5]]
            + _area_rng(seed, v.code[:8]).normal(0, DISTRICT_SPREAD)
            + _area_rng(seed, v.code).normal(0, VILLAGE_SPREAD)
            for v in villages
        ]
    )
    return Areas(
        regency=np.array([v.code[:5] for v in villages], dtype=object),
        district=np.array([v.code[:8] for v in villages], dtype=object),
        village=np.array([v.code for v in villages], dtype=object),
        population=population,
        urban_probability=urban,
        effect=effect,
        population_basis=basis,
    )


CENSUS = "2020 census count of the desa or kecamatan"
OTHER_COUNT = "other published kecamatan count, rescaled to the 2020 census kabupaten total"
EQUAL = "kabupaten remainder spread equally over desa (no kecamatan figure found)"


def _village_populations(
    regions: Registry, regency: str, total: float
) -> list[tuple[Region, float, str]]:
    """Population of each desa of a kabupaten, and what it rests on (see the module docs)."""
    census, other = census_population(), kecamatan_counts()
    rows: list[tuple[Region, float, str]] = []
    pending: list[Region] = []
    remainder = float(total)
    for district in regions.children(regency):
        desa = regions.children(district.code)
        if all(v.code in census for v in desa):
            sizes = [float(census[v.code]) for v in desa]
        elif district.code in census:
            sizes = [census[district.code] / len(desa)] * len(desa)
        else:
            pending.append(district)
            continue
        remainder -= sum(sizes)
        rows += [(v, size, CENSUS) for v, size in zip(desa, sizes, strict=True)]
    remainder = max(remainder, 0.0)
    if pending and all(d.code in other for d in pending):
        weight = sum(other[d.code] for d in pending)
        for district in pending:
            desa = regions.children(district.code)
            size = remainder * other[district.code] / weight / len(desa)
            rows += [(v, size, OTHER_COUNT) for v in desa]
    elif pending:
        desa = [v for d in pending for v in regions.children(d.code)]
        rows += [(v, remainder / len(desa), EQUAL) for v in desa]
    return rows


def _regency_effects(targets: ProvinceTargets, seed: int) -> dict[str, float]:
    """Effects that reproduce the published kabupaten headcounts, or random ones."""
    wanted = targets.regency_targets()
    if not wanted:
        return {
            r: float(_area_rng(seed, r).normal(0, REGENCY_SPREAD))
            for r in targets.regency_population
        }
    return {r: INDEX_SPREAD * (probit(targets.p0) - probit(p)) for r, p in wanted.items()}


def _regency_urban_probability(
    regencies: list[str], population: np.ndarray, urban_share: float
) -> np.ndarray:
    """Kota mostly urban; kabupaten at the level that gives the province its urban share."""
    is_kota = np.array([int(r.split(".")[1]) >= 70 for r in regencies])
    urban_people = (
        urban_share * population.sum() - KOTA_URBAN_PROBABILITY * population[is_kota].sum()
    )
    rest = population[~is_kota].sum()
    kabupaten = np.clip(urban_people / rest, 0.02, 0.95) if rest else 0.0
    return np.where(is_kota, KOTA_URBAN_PROBABILITY, kabupaten)


def _urban_by_density(
    villages: list, population: np.ndarray, area: np.ndarray, urban_share: float
) -> np.ndarray:
    """Kelurahan are urban; then the densest desa until the province's urban share is reached.

    A simplification of BPS's urban classification, which scores density, farming households and
    urban facilities.
    """
    kelurahan = np.array([v.code.split(".")[3].startswith("1") for v in villages])
    urban = kelurahan.copy()
    target = urban_share * population.sum() - population[kelurahan].sum()
    order = np.argsort(-(population / area), kind="stable")
    taken = 0.0
    for index in order:
        if taken >= target:
            break
        if not urban[index]:
            urban[index] = True
            taken += population[index]
    return urban.astype(float)


def allocate(population: np.ndarray, households: int) -> np.ndarray:
    """Whole household counts per area in proportion to population (largest remainder)."""
    exact = population / population.sum() * households
    counts = np.floor(exact).astype(np.int64)
    short = households - counts.sum()
    if short:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts
