"""A synthetic household panel for practising impact evaluation, with a known true effect.

``sejahtera synth ... --panel WAVES`` adds the table ``panel`` to the dataset: every household
once per wave (wave 0 is the baseline, the dataset's own year is the last wave). A programme is
rolled out by kecamatan: each kecamatan starts in a wave drawn from 1 … WAVES−1, or never (a
share :data:`NEVER` of them), independently of its households, so trends are parallel by
construction. In a kecamatan that has started, a household is eligible when its PMT score is below
``log(ELIGIBLE_LINE × poverty line)``: ``pmt_margin``, the score minus that household's cut-off,
is below 0 (a sharp cut-off at 0 for every household: a regression discontinuity can be practised
on ``pmt_margin``); eligible households take it up with probability :data:`TAKE_UP` and ineligible
ones receive it by mistake with probability :data:`LEAKAGE` (so the cut-off is fuzzy for receipt).

The effect of receiving the programme is the same for everyone, so the average effect on the
treated, the average effect and the local effect at the cut-off are all equal to it:

- ``consumption_pc``: + :data:`EFFECT_CONSUMPTION` rupiah per person per month;
- ``enrolment_rate`` (share of the household's children aged 7–18 enrolled in school): +
  :data:`EFFECT_ENROLMENT`.

Consumption in wave w is the dataset's consumption + a common growth of :data:`GROWTH_RP` a wave
(counted back from the last wave) + a kecamatan-wave shock (in rupiah, so errors cluster by
kecamatan) + a household-wave shock proportional to the household's consumption (mean zero), plus
the effect when received. Growth is the same in rupiah for rich and poor, so trends are parallel
in levels, the scale the effect is stated in (with growth in percent, richer controls would pull
ahead of poorer recipients and a difference-in-differences in levels would be biased). Each
child's enrolment is drawn with a probability that depends on whether the child is enrolled in the
dataset, a small trend and the effect. The truth is recorded in the dataset's manifest
(``generator.panel``).
"""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa

EFFECT_CONSUMPTION = 60_000.0  # Rp per person per month
EFFECT_ENROLMENT = 0.06  # share of school-age children enrolled
NEVER = 0.4  # share of kecamatan the programme never reaches
ELIGIBLE_LINE = 1.5  # eligible below log(1.5 × poverty line) of PMT score
TAKE_UP = 0.85
LEAKAGE = 0.02
GROWTH_RP = 30_000.0  # common consumption growth per person per month, each wave
AREA_SHOCK_RP = 25_000.0  # sd of kecamatan-wave shocks (clustered errors)
HOUSEHOLD_SHOCK = 0.10  # sd of household-wave shocks, as a share of the household's consumption
SCHOOL_AGE = (7, 18)
MAX_WAVES = 6


def truth(waves: int) -> dict[str, object]:
    """What the manifest records about the panel: the design and the true effects."""
    return {
        "waves": waves,
        "true_effect": {"consumption_pc": EFFECT_CONSUMPTION, "enrolment_rate": EFFECT_ENROLMENT},
        "rollout": f"by kecamatan: start wave uniform on 1..{waves - 1}, never for {NEVER:.0%}",
        "eligibility": f"pmt_score < log({ELIGIBLE_LINE} × poverty_line)",
        "take_up": TAKE_UP,
        "leakage": LEAKAGE,
    }


def start_waves(districts: np.ndarray, seed: int, waves: int) -> np.ndarray:
    """Each kecamatan's first programme wave (0 for never), the same in every batch."""
    out = np.zeros(len(districts), dtype=np.int64)
    for code in np.unique(districts):
        rng = np.random.default_rng([seed, zlib.crc32(str(code).encode()), 7])
        never = rng.random() < NEVER
        out[districts == code] = 0 if never else int(rng.integers(1, waves))
    return out


def panel_table(
    households: pa.Table, persons: pa.Table, seed: int, waves: int, part: int, last_year: int
) -> pa.Table:
    """The panel rows (households × waves) of one batch of the dataset."""
    rng = np.random.default_rng([seed, part, 11])
    count = households.num_rows
    column = {name: households.column(name).to_numpy(zero_copy_only=False) for name in (
        "household_id", "regency_code", "district_code", "village_code", "urban", "weight",
        "consumption_pc", "poverty_line", "desil", "pmt_score",
    )}  # fmt: skip
    start = start_waves(column["district_code"], seed, waves)
    margin = column["pmt_score"] - np.log(ELIGIBLE_LINE * column["poverty_line"])
    eligible = margin < 0
    takes = np.where(eligible, rng.random(count) < TAKE_UP, rng.random(count) < LEAKAGE)
    size, children, enrolled_share = _members(households, persons)
    head_age, head_female, head_years = _heads(households, persons)

    wave = np.tile(np.arange(waves), count)
    row = np.repeat(np.arange(count), waves)
    started = (start[row] > 0) & (wave >= start[row])
    receives = started & takes[row]
    districts = column["district_code"][row]
    base = column["consumption_pc"][row]
    drift = (
        GROWTH_RP * (wave - (waves - 1))
        + AREA_SHOCK_RP * _area_shocks(districts, wave, seed)
        + base * rng.normal(0.0, HOUSEHOLD_SHOCK, len(row))
    )
    consumption = np.round(np.maximum(base + drift, 0.1 * base) + EFFECT_CONSUMPTION * receives)
    baseline = consumption[::waves][np.repeat(np.arange(count), waves)]  # wave 0, before any
    enrolment = _enrolment(rng, children[row], enrolled_share[row], wave, receives)
    return pa.table(
        {
            "household_id": column["household_id"][row],
            "wave": wave.astype(np.int16),
            "year": (last_year - (waves - 1) + wave).astype(np.int16),
            "regency_code": column["regency_code"][row],
            "district_code": districts,
            "village_code": column["village_code"][row],
            "urban": column["urban"][row],
            "weight": column["weight"][row],
            "size": size[row],
            "head_age": head_age[row],
            "head_female": head_female[row],
            "head_schooling": head_years[row],
            "desil": column["desil"][row],
            "pmt_score": column["pmt_score"][row],
            "pmt_margin": np.round(margin[row], 6),
            "poverty_line": column["poverty_line"][row],
            "eligible": eligible[row],
            "area_start_wave": pa.array(
                np.where(start[row] > 0, start[row], 0), mask=start[row] == 0
            ),
            "area_treated": start[row] > 0,
            "follow_up": wave > 0,
            "post": started,
            "receives": receives,
            "ever_receives": ((start > 0) & takes)[row],
            "first_receives_wave": pa.array(
                start[row], mask=~((start > 0) & takes)[row], type=pa.int16()
            ),
            "school_age_children": children[row],
            "consumption_pc": consumption,
            "baseline_consumption_pc": baseline,
            "enrolment_rate": pa.array(enrolment, mask=children[row] == 0),
        }
    )


def _members(households: pa.Table, persons: pa.Table) -> tuple[np.ndarray, ...]:
    """Household size, school-age children and the share of them enrolled in the dataset."""
    ids = households.column("household_id").to_numpy(zero_copy_only=False)
    index = {h: i for i, h in enumerate(ids)}
    member = np.fromiter(
        (index[h] for h in persons.column("household_id").to_numpy(zero_copy_only=False)),
        dtype=np.int64,
        count=persons.num_rows,
    )
    age = persons.column("age").to_numpy(zero_copy_only=False).astype(np.float64)
    enrolled = persons.column("enrolled").to_numpy(zero_copy_only=False).astype(bool)
    school = (age >= SCHOOL_AGE[0]) & (age <= SCHOOL_AGE[1])
    size = np.bincount(member, minlength=len(ids))
    children = np.bincount(member, school, minlength=len(ids)).astype(np.int64)
    in_school = np.bincount(member, school & enrolled, minlength=len(ids))
    share = np.divide(in_school, children, out=np.zeros(len(ids)), where=children > 0)
    return size.astype(np.int16), children, share


def _heads(households: pa.Table, persons: pa.Table) -> tuple[np.ndarray, ...]:
    """The head's age, sex (female) and years of schooling, per household."""
    ids = households.column("household_id").to_numpy(zero_copy_only=False)
    index = {h: i for i, h in enumerate(ids)}
    relation = persons.column("relationship").to_numpy(zero_copy_only=False)
    heads = np.flatnonzero(relation == "head")
    where = np.array(
        [index[h] for h in persons.column("household_id").to_numpy(zero_copy_only=False)[heads]],
        dtype=np.int64,
    )
    years = {"none": 0, "sd": 6, "smp": 9, "sma": 12, "tertiary": 16}
    age = np.zeros(len(ids))
    female = np.zeros(len(ids), dtype=bool)
    schooling = np.zeros(len(ids))
    age[where] = persons.column("age").to_numpy(zero_copy_only=False)[heads]
    female[where] = persons.column("sex").to_numpy(zero_copy_only=False)[heads] == "F"
    schooling[where] = [
        years.get(e, 0) for e in persons.column("education").to_numpy(zero_copy_only=False)[heads]
    ]
    return age, female, schooling


def _area_shocks(districts: np.ndarray, wave: np.ndarray, seed: int) -> np.ndarray:
    """A standard normal shock per kecamatan and wave, the same in every batch."""
    out = np.zeros(len(districts))
    codes, inverse = np.unique(districts, return_inverse=True)
    for number, code in enumerate(codes):
        rng = np.random.default_rng([seed, zlib.crc32(str(code).encode()), 13])
        shocks = rng.normal(0.0, 1.0, int(wave.max()) + 1)
        rows = inverse == number
        out[rows] = shocks[wave[rows]]
    return out


def _enrolment(
    rng: np.random.Generator,
    children: np.ndarray,
    enrolled_share: np.ndarray,
    wave: np.ndarray,
    receives: np.ndarray,
) -> np.ndarray:
    """The share of each household's school-age children enrolled in each wave: each child is
    enrolled with probability 0.88 (enrolled in the dataset) or 0.30 (not), + 1 point a wave,
    + the effect when the household receives the programme (below 1 for up to
    :data:`MAX_WAVES` waves, so the effect is never cut short)."""
    already = np.round(enrolled_share * children).astype(np.int64)
    trend = 0.01 * wave
    lift = EFFECT_ENROLMENT * receives
    enrolled = rng.binomial(already, np.clip(0.88 + trend + lift, 0, 1)) + rng.binomial(
        children - already, np.clip(0.3 + trend + lift, 0, 1)
    )
    return np.divide(enrolled, children, out=np.zeros(len(children)), where=children > 0)
