"""Household composition and the attributes of each person, drawn with numpy in bulk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sejahtera.synth.calibrate import probit

RELATIONSHIP_CODES = np.array(["head", "spouse", "child", "parent", "other"], dtype=object)
EDUCATION_CODES = np.array(["none", "sd", "smp", "sma", "tertiary"], dtype=object)
SCHOOL_CODES = np.array(["", "sd", "smp", "sma", "tertiary"], dtype=object)
# Education attainment among adults (none … tertiary), roughly Indonesia's 25+ population.
EDUCATION_SHARES = np.array([0.10, 0.30, 0.20, 0.29, 0.11])


@dataclass
class Members:
    """Persons of a batch of households, as parallel arrays (one row per person)."""

    household: np.ndarray  # index of the person's household in the batch
    position: np.ndarray  # 0 for the head
    relationship: np.ndarray  # index into RELATIONSHIP_CODES
    female: np.ndarray
    age: np.ndarray
    education: np.ndarray  # index into EDUCATION_CODES


def _bands(table: dict[str, float]) -> list[tuple[int, int, float]]:
    out = []
    for band, value in table.items():
        low, high = band.split("-")
        out.append((int(low), int(high), float(value)))
    return out


def by_age(age: np.ndarray, table: dict[str, float]) -> np.ndarray:
    """The value of an age-banded table (``{"15-19": 0.02, …}``) for each age; 0 outside."""
    out = np.zeros(len(age))
    for low, high, value in _bands(table):
        out[(age >= low) & (age <= high)] = value
    return out


def draw_members(
    rng: np.random.Generator, size: np.ndarray, status: np.ndarray, facts: dict[str, Any]
) -> Members:
    """Relationships, sexes, ages and education for households of the given sizes.

    ``status`` is each household's socio-economic standing (standard normal); it shifts education.
    """
    households = facts["households"]
    n = len(size)
    total = int(size.sum())
    household = np.repeat(np.arange(n), size)
    starts = np.cumsum(size) - size
    position = np.arange(total) - np.repeat(starts, size)

    has_spouse = (size >= 2) & (rng.random(n) < households["spouse_share"])
    has_parent = (size >= 3) & (rng.random(n) < households["parent_share"])
    female_head_share = households["female_head_share"]
    spouse_rate = has_spouse.mean() if n else 0.0
    lone_female = np.clip(
        (female_head_share - 0.03 * spouse_rate) / max(1 - spouse_rate, 1e-9), 0, 1
    )
    female_head = rng.random(n) < np.where(has_spouse, 0.03, lone_female)

    alone = size == 1
    head_age = np.where(alone, rng.normal(58, 17, n), rng.normal(48, 13, n))
    head_age = np.clip(np.round(head_age), 18, 98)

    relationship = np.full(total, 2)  # child
    relationship[position == 0] = 0
    spouse_slot = (position == 1) & has_spouse[household]
    relationship[spouse_slot] = 1
    parent_slot = (position == size[household] - 1) & has_parent[household] & (position >= 2)
    relationship[parent_slot] = 3
    other = (relationship == 2) & (rng.random(total) < 0.07)
    relationship[other] = 4

    head_age_p = head_age[household]
    age = np.empty(total)
    age[position == 0] = head_age
    gap = np.where(female_head[household], 3, -4) + rng.normal(0, 4, total)
    age[spouse_slot] = np.clip(head_age_p[spouse_slot] + gap[spouse_slot], 16, 98)
    parent_age = head_age_p + rng.uniform(20, 32, total)
    age[parent_slot] = np.clip(parent_age[parent_slot], 50, 105)
    children = relationship == 2
    oldest_child = np.clip(head_age_p - 17, 0, 32)
    age[children] = np.floor(rng.random(children.sum()) ** 0.9 * (oldest_child[children] + 1))
    others = relationship == 4
    age[others] = np.floor(rng.uniform(0, 75, others.sum()))
    age = np.round(age).astype(np.int16)

    female = rng.random(total) < 0.5
    female[position == 0] = female_head
    female[spouse_slot] = ~female_head[household][spouse_slot]
    female[parent_slot] = rng.random(parent_slot.sum()) < 0.65

    education = _education(rng, age, status[household])
    return Members(household, position, relationship, female, age, education)


def families(rng: np.random.Generator, members: Members, share: float) -> np.ndarray:
    """Each person's family in the household: 0 for the head's family card (KK), 1 for a
    second one. A second family is formed, in about ``share`` of all households, by those who
    often hold their own card while living in the same house: the head's parents, other
    relatives, and children aged 25 or more."""
    n = int(members.household.max()) + 1 if len(members.household) else 0
    apart = (members.relationship == 3) | (members.relationship == 4)
    apart |= (members.relationship == 2) & (members.age >= 25)
    candidate = np.bincount(members.household, apart, minlength=n) > 0
    chance = min(1.0, share / candidate.mean()) if n and candidate.any() else 0.0
    split = candidate & (rng.random(n) < chance)
    return (apart & split[members.household]).astype(np.int8)


def _education(rng: np.random.Generator, age: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Highest level completed: younger cohorts and better-off households reach higher."""
    cohort = np.clip((60 - age) / 40, -0.5, 1.2)  # 0 for people born ~60 years ago
    latent = 0.7 * status + 0.6 * cohort + rng.normal(0, 0.7, len(age))
    cuts = [0.25 + probit(float(p)) for p in np.cumsum(EDUCATION_SHARES)[:-1]]
    level = np.searchsorted(cuts, latent)
    reachable = np.select([age < 12, age < 15, age < 18, age < 22], [0, 1, 2, 3], 4)
    return np.minimum(level, reachable).astype(np.int8)


def person_attributes(
    rng: np.random.Generator, members: Members, household_welfare: np.ndarray, facts: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Pregnancy, disability, school enrolment and level, and work.

    ``household_welfare`` is each household's standardised log consumption; poorer households
    enrol less after 15 and have more disability.
    """
    age = members.age.astype(np.int64)
    welfare = household_welfare[members.household]
    total = len(age)
    pregnant = members.female & (rng.random(total) < by_age(age, facts["pregnancy"]["by_age"]))
    disability_rate = by_age(age, facts["disability_severe"]["by_age"]) * np.exp(-0.3 * welfare)
    disability = rng.random(total) < disability_rate

    base = by_age(age, facts["school_participation"]["ages"])
    gradient = np.where(age >= 16, 0.9, 0.4)
    logit = np.log(np.clip(base, 1e-6, 1 - 1e-6) / np.clip(1 - base, 1e-6, 1)) + gradient * welfare
    enrolled = (base > 0) & (rng.random(total) < 1 / (1 + np.exp(-logit))) & ~disability
    level = np.select([age <= 12, age <= 15, age <= 18], [1, 2, 3], 4)
    school_level = np.where(enrolled, level, 0)
    # Class 1-12 by age (SD 7-12 → 1-6, SMP 13-15 → 7-9, SMA 16-18 → 10-12); 0 otherwise.
    grade = np.where(enrolled & (level <= 3), np.clip(age - 6, 1, 12), 0)

    employment = facts["employment"]
    work_rate = np.where(
        (age >= 15) & (age <= 64),
        np.where(members.female, employment["women_15_64"], employment["men_15_64"]),
        np.where(age >= 65, employment["aged_65_plus"], 0.0),
    )
    work_rate = np.where(enrolled, work_rate * 0.15, work_rate)
    employed = (rng.random(total) < work_rate) & ~(disability & (rng.random(total) < 0.7))
    return {
        "pregnant": pregnant,
        "disability_severe": disability,
        "enrolled": enrolled,
        "school_level": school_level,
        "grade": grade,
        "employed": employed,
    }
