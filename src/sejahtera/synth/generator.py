"""``sejahtera synth``: stream a calibrated synthetic region into a dataset folder.

For each province touched by the region:
1. build its areas (desa in DI Yogyakarta, kabupaten elsewhere) with population and effects;
2. draw a calibration sample over the whole province, solve the consumption scaling that meets
   the published poverty headcounts and Gini, and fit the PMT, decile cuts and programme cut-offs;
3. draw the region's households in fixed-size batches with those parameters, writing each batch
   as one Parquet part. Memory depends on the batch size, not on the number of households.

Every batch has its own random stream derived from (seed, province, batch number), so the same
seed and options give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sejahtera.data.dataset import Dataset, DatasetWriter, Manifest
from sejahtera.data.regions import level_of, registry
from sejahtera.data.schema import (
    COOKING_FUELS,
    ELECTRICITY,
    FLOOR_TYPES,
    ROOF_TYPES,
    TOILETS,
    WALL_TYPES,
    WATER_SOURCES,
    arrow_schema,
)
from sejahtera.errors import SejahteraError
from sejahtera.synth import panel, people, welfare
from sejahtera.synth.calibrate import Scaling, probit, solve
from sejahtera.synth.facts import ProvinceTargets, calibration, province_targets
from sejahtera.synth.geography import INDEX_SPREAD, Areas, allocate, build_areas

NATIONAL = ("ID", "00")
SIZES = np.arange(1, 10)
CALIBRATION_STREAM = 999_999
REGENCY_ROUNDS = 4
PKH_ELDERLY_AGE = 70  # the indonesia ruleset's pkh.components.elderly_min_age in 2025
CATEGORIES = {
    "floor_type": FLOOR_TYPES,
    "wall_type": WALL_TYPES,
    "roof_type": ROOF_TYPES,
    "water_source": WATER_SOURCES,
    "toilet": TOILETS,
    "electricity": ELECTRICITY,
    "cooking_fuel": COOKING_FUELS,
}


@dataclass(frozen=True)
class SynthOptions:
    region: str
    households: int
    seed: int = 1
    batch_size: int = 250_000
    calibration_households: int = 60_000
    panel_waves: int = 0  # > 1: add the evaluation panel (synth/panel.py) with that many waves


@dataclass
class Batch:
    """One batch of households and their members, as arrays."""

    area: np.ndarray
    urban: np.ndarray
    size: np.ndarray
    status: np.ndarray
    members: people.Members
    children: np.ndarray
    elderly: np.ndarray
    index: np.ndarray
    columns: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProvinceModel:
    targets: ProvinceTargets
    areas: Areas
    facts: dict[str, Any]
    scaling: Scaling | None = None
    welfare_mean: float = 0.0
    welfare_sd: float = 1.0
    targeting: welfare.Targeting | None = None

    @property
    def size_shares(self) -> np.ndarray:
        shares = np.array(self.facts["households"]["size_shares"], dtype=float)
        return shares / shares.sum()

    def draw(self, rng: np.random.Generator, area: np.ndarray) -> Batch:
        n = len(area)
        urban = rng.random(n) < self.areas.urban_probability[area]
        size = rng.choice(SIZES, p=self.size_shares, size=n)
        status = rng.normal(0, 1, n)
        members = people.draw_members(rng, size, status, self.facts)
        children = np.bincount(members.household, weights=members.age < 15, minlength=n)
        elderly = np.bincount(members.household, weights=members.age >= 60, minlength=n)
        index = welfare.welfare_index(rng, self.areas.effect[area], status, size, children, elderly)
        return Batch(area, urban, size, status, members, children, elderly, index)

    def complete(self, rng: np.random.Generator, batch: Batch) -> None:
        """Consumption, housing, persons' attributes, PMT, desil and programmes."""
        assert self.scaling is not None
        log_c = self.scaling.log_consumption(batch.index, batch.urban)
        standard = (log_c - self.welfare_mean) / self.welfare_sd
        housing = welfare.draw_housing(rng, standard, batch.urban, batch.size, self.facts)
        attributes = people.person_attributes(rng, batch.members, standard, self.facts)
        members = batch.members
        # Families are drawn from a stream of their own, so the rest of the batch is unchanged.
        family = people.families(
            rng.spawn(1)[0], members, self.facts["households"]["multi_family_share"]
        )
        head = members.position == 0
        features = welfare.pmt_features(
            batch.urban,
            batch.size,
            batch.children,
            batch.elderly,
            members.education[head],
            members.female[head],
            housing,
        )
        # PKH components as the programme pays them (the elderly from 70, as in practice).
        component = (
            attributes["pregnant"]
            | (members.age <= 6)
            | np.isin(attributes["school_level"], (1, 2, 3))
            | attributes["disability_severe"]
            | (members.age >= PKH_ELDERLY_AGE)
        )
        # Receipt is recorded for the head's family (KK): its own members' components count.
        own = component & (family == 0)
        has_component = np.bincount(members.household, weights=own, minlength=len(batch.size)) > 0
        batch.columns.update(
            log_c=log_c,
            housing=housing,
            attributes=attributes,
            features=features,
            has_component=has_component,
            family=family,
        )
        if self.targeting is None:
            return
        pmt = features @ self.targeting.pmt_coefficients
        pkh, sembako, pbi = self.targeting.receipt(rng, pmt, has_component)
        batch.columns.update(
            pmt=pmt, desil=self.targeting.desil(pmt), pkh=pkh, sembako=sembako, pbi=pbi
        )


def fit_province(targets: ProvinceTargets, seed: int, sample_size: int) -> ProvinceModel:
    """Calibrate a province's model on a sample drawn over all of its areas."""
    areas = build_areas(targets, registry(), seed)
    model = ProvinceModel(targets, areas, calibration())
    rng = np.random.default_rng([seed, int(targets.code), CALIBRATION_STREAM])
    area = np.sort(
        rng.choice(len(areas), size=sample_size, p=areas.population / areas.population.sum())
    )
    sample = model.draw(rng, area)
    persons = sample.size.astype(float)
    model.scaling = solve(sample.index, sample.urban, persons, targets)
    for _ in range(REGENCY_ROUNDS if targets.regency_targets() else 0):
        shift = _regency_shift(model, sample, persons)
        sample.index += shift[area]
        model.areas.effect[:] += shift
        model.scaling = solve(sample.index, sample.urban, persons, targets)
    log_c = model.scaling.log_consumption(sample.index, sample.urban)
    model.welfare_mean, model.welfare_sd = float(log_c.mean()), float(log_c.std())
    model.complete(rng, sample)
    model.targeting = welfare.fit_targeting(
        rng,
        sample.columns["features"],
        log_c,
        persons,
        sample.columns["has_component"],
        model.facts,
    )
    return model


def _regency_shift(model: ProvinceModel, sample: Batch, persons: np.ndarray) -> np.ndarray:
    """Per-area change of effect that moves each kabupaten's headcount towards its target."""
    assert model.scaling is not None
    targets, areas = model.targets, model.areas
    poor = model.scaling.log_consumption(sample.index, sample.urban) < np.log(
        np.where(sample.urban, targets.urban.line, targets.rural.line)
    )
    shift = np.zeros(len(areas))
    for regency, target in targets.regency_targets().items():
        inside = areas.regency[sample.area] == regency
        reached = float(np.clip(np.average(poor[inside], weights=persons[inside]), 1e-4, 1 - 1e-4))
        shift[areas.regency == regency] = INDEX_SPREAD * (probit(reached) - probit(target))
    return shift


def resolve_region(code: str) -> tuple[str, list[str]]:
    """The region to generate ("ID" for Indonesia) and the provinces it touches."""
    region = code.upper() if code.upper() in NATIONAL else code
    if region in NATIONAL:
        return "ID", sorted(r.code for r in registry().at_level("province"))
    regions = registry()
    level = level_of(region)
    if region not in regions or level == "village":
        raise SejahteraError("synth.unknown_region", code=code)
    if level == "district" and not regions.has_detail(region):
        raise SejahteraError("synth.no_detail", code=region)
    return region, [region[:2]]


def _manifest(region: str, options: SynthOptions) -> Manifest:
    national = region == "ID"
    return Manifest(
        name=f"synthetic {'Indonesia' if national else registry().name(region)}",
        region_code="" if national else region,
        reference_date=calibration()["reference_date"],
        source="sejahtera synth",
        synthetic=True,
        generator={
            "seed": options.seed,
            "households": options.households,
            "region": region,
            "batch_size": options.batch_size,
            "calibration_households": options.calibration_households,
            "notes": {},
            **({"panel": panel.truth(options.panel_waves)} if options.panel_waves else {}),
        },
    )


def synthesise(
    options: SynthOptions,
    out: str | Path,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Dataset:
    """Generate the dataset described by ``options`` into the folder ``out``."""
    if options.households < 1:
        raise SejahteraError("synth.households", value=options.households)
    if options.panel_waves and not 2 <= options.panel_waves <= panel.MAX_WAVES:
        raise SejahteraError("synth.panel_waves", value=options.panel_waves, most=panel.MAX_WAVES)
    region, provinces = resolve_region(options.region)
    population = [sum(province_targets(p).regency_population.values()) for p in provinces]
    per_province = allocate(np.array(population, dtype=float), options.households)
    manifest = _manifest(region, options)
    partitioned = options.households > options.batch_size or len(provinces) > 1
    first_id = 0
    with DatasetWriter(out, manifest, partitioned=partitioned, overwrite=overwrite) as writer:
        for province, count in zip(provinces, per_province, strict=True):
            if count == 0:
                continue
            model = fit_province(
                province_targets(province), options.seed, options.calibration_households
            )
            basis = model.areas.population_basis
            manifest.generator["notes"][province] = [
                *model.targets.notes,
                *(f"population {share:.1%}: {how}" for how, share in sorted(basis.items())),
            ]
            for households, persons in _province_batches(
                model, region, int(count), first_id, options
            ):
                writer.write_part(households, persons)
                if options.panel_waves:
                    writer.write_extra(
                        "panel",
                        panel.panel_table(
                            households,
                            persons,
                            options.seed,
                            options.panel_waves,
                            writer.parts,
                            int(manifest.reference_date[:4]),
                        ),
                    )
                if progress:
                    progress(writer.manifest.households, options.households)
            first_id += int(count)
    return Dataset.open(out, verify=False)


def _province_batches(
    model: ProvinceModel, region: str, count: int, first_id: int, options: SynthOptions
) -> Iterator[tuple[pa.Table, pa.Table]]:
    """The province's households in batches; memory depends on the batch size only."""
    areas = model.areas
    selected = np.arange(len(areas)) if region == "ID" else areas.within(region)
    counts = allocate(areas.population[selected], count)
    ends = np.cumsum(counts)  # households [ends[i-1], ends[i]) live in area selected[i]
    represented = areas.population[selected].sum() * (
        model.targets.population / areas.population.sum()
    )
    weight = represented / (count * float(SIZES @ model.size_shares))
    for number, start in enumerate(range(0, count, options.batch_size)):
        stop = min(start + options.batch_size, count)
        area = selected[np.searchsorted(ends, np.arange(start, stop), side="right")]
        rng = np.random.default_rng([options.seed, int(model.targets.code), number])
        batch = model.draw(rng, area)
        model.complete(rng, batch)
        yield to_tables(rng, batch, model, first_id + start, weight)


def _take(values: np.ndarray | tuple[str, ...], indices: np.ndarray) -> pa.Array:
    return pc.take(pa.array(list(values), pa.string()), pa.array(indices))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def to_tables(
    rng: np.random.Generator,
    batch: Batch,
    model: ProvinceModel,
    first: int,
    weight: float,
) -> tuple[pa.Table, pa.Table]:
    """Arrow tables in the ``sejahtera/v1`` schema for one completed batch."""
    areas, targets, cols = model.areas, model.targets, batch.columns
    n = len(batch.size)
    household_id = _ids(f"H{targets.code}", np.arange(first, first + n), 9)
    line = np.where(batch.urban, targets.urban.line, targets.rural.line).astype(float)
    regencies, regency_index = np.unique(areas.regency[batch.area].astype(str), return_inverse=True)
    housing = cols["housing"]
    households = {
        "household_id": household_id,
        "province_code": pa.array([targets.code] * n, pa.string()),
        "regency_code": _take(tuple(regencies), regency_index),
        "district_code": _blank_as_null(pa.array(areas.district[batch.area].astype(str))),
        "village_code": _blank_as_null(pa.array(areas.village[batch.area].astype(str))),
        "urban": batch.urban,
        "weight": np.full(n, weight),
        "consumption_pc": np.round(np.exp(cols["log_c"])),
        "poverty_line": line,
        "desil": cols["desil"],
        "pmt_score": np.round(cols["pmt"], 4),
        "floor_area_pc": housing["floor_area_pc"],
        **{name: _take(CATEGORIES[name], housing[name]) for name in CATEGORIES},
        **{name: housing[name] for name in welfare.ASSETS},
        "receives_pkh": cols["pkh"],
        "receives_sembako": cols["sembako"],
        "receives_pbi": cols["pbi"],
    }
    members, attributes = batch.members, cols["attributes"]
    in_pbi = cols["pbi"][members.household]
    has_jkn = in_pbi | (rng.random(len(in_pbi)) < model.facts["jkn_coverage_non_pbi"]["value"])
    persons = {
        "person_id": pc.binary_join_element_wise(
            pc.take(household_id, pa.array(members.household)),
            _ids("-", members.position + 1, 2),
            "",
        ),
        "household_id": pc.take(household_id, pa.array(members.household)),
        "family_id": pc.binary_join_element_wise(
            pc.take(household_id, pa.array(members.household)),
            _ids("-K", cols["family"].astype(np.int64) + 1, 1),
            "",
        ),
        "relationship": _take(tuple(people.RELATIONSHIP_CODES), members.relationship),
        "sex": _take(("M", "F"), members.female.astype(np.int8)),
        "age": members.age,
        "pregnant": attributes["pregnant"],
        "disability_severe": attributes["disability_severe"],
        "enrolled": attributes["enrolled"],
        "school_level": _blank_as_null(
            _take(tuple(people.SCHOOL_CODES), attributes["school_level"])
        ),
        "grade": attributes["grade"],
        "education": _take(tuple(people.EDUCATION_CODES), members.education),
        "employed": attributes["employed"],
        "has_jkn": has_jkn,
    }
    return (_table(households, "households"), _table(persons, "persons"))


def _blank_as_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _table(columns: dict[str, Any], table: str) -> pa.Table:
    schema = arrow_schema(table, list(columns))  # type: ignore[arg-type]
    arrays = [
        pa.array(columns[f.name], f.type)
        if not isinstance(columns[f.name], pa.Array)
        else columns[f.name].cast(f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)
