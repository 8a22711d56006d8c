"""The table a measurement runs on: one file as it is, or a dataset folder made ready.

From a dataset folder, each household row gains what the needs profile asks about its members:
household size, children, elderly, disability, and the head's sex, age, education and work. When
a grouping asks for a person's own attribute (``age_group``, ``sex``, …), the table has one row
per person instead, carrying the household's welfare, weight and design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sejahtera.data.dataset import MANIFEST, Dataset
from sejahtera.data.readers import Decimal, read_table

AGE_GROUPS = (
    (0, 6, "0-6"),
    (7, 12, "7-12"),
    (13, 15, "13-15"),
    (16, 18, "16-18"),
    (19, 59, "19-59"),
    (60, 200, "60+"),
)
# Person attributes a grouping may ask for; they make the table one row per person.
PERSON_COLUMNS = (
    "sex",
    "age_group",
    "disability_severe",
    "education",
    "employed",
    "enrolled",
    "relationship",
)
DERIVED = (
    "size",
    "children",
    "elderly",
    "has_disability",
    "female_head",
    "head_sex",
    "head_age_group",
    "head_education",
    "head_employed",
)


@dataclass(frozen=True)
class Table:
    """A frame to measure, where it came from, and how its persons are counted."""

    frame: pd.DataFrame
    source: str
    size: str | None  # column of persons per row (household frames), None for person rows
    decimal: Decimal = "."
    dataset: Dataset | None = None  # the dataset folder it came from, if any

    @property
    def is_dataset(self) -> bool:
        return self.dataset is not None


def load(
    path: str | Path, by: Sequence[str] = (), table: str | None = None, *, panel: bool = False
) -> Table:
    """DATA as a :class:`Table`: a dataset folder (or its ``dataset.json``) or one table file.

    A dataset folder gives one row per household with what its members tell (see
    :func:`household_frame`), or one row per person when ``by`` names a person's attribute
    (:data:`PERSON_COLUMNS`); with ``panel=True``, its evaluation panel when it has one (made by
    ``synth --panel``). Any other path is a table file the readers accept (Parquet, CSV, Excel,
    Stata, SPSS, R; ``table`` names the object of an ``.RData`` file), its values as the file
    holds them."""
    path = Path(path)
    if path.is_dir() or path.name == MANIFEST:
        dataset = Dataset.open(path.parent if path.name == MANIFEST else path)
        if panel and "panel" in dataset.extras():
            return Table(dataset.extra("panel"), str(dataset.path), None, dataset=dataset)
        if any(column in PERSON_COLUMNS for column in by):
            return Table(person_frame(dataset), str(dataset.path), None, dataset=dataset)
        return Table(household_frame(dataset), str(dataset.path), "size", dataset=dataset)
    source = read_table(path, table=table)
    return Table(source.frame, source.file, None, source.decimal)


def as_table(
    data: str | Path | Table | pd.DataFrame, by: Sequence[str] = (), table: str | None = None
) -> Table:
    """``data`` as a :class:`Table`: a path is loaded (:func:`load`), a Table is itself, a
    DataFrame is a table of its own (named ``DataFrame`` in messages)."""
    if isinstance(data, Table):
        return data
    if isinstance(data, pd.DataFrame):
        return Table(data, "DataFrame", None)
    return load(data, by, table)


def design_columns(frame: pd.DataFrame) -> dict[str, str]:
    """A dataset's own survey design: ``stratum`` and ``psu`` when every row has them."""
    return {
        key: column
        for key, column in (("strata", "stratum"), ("psu", "psu"))
        if column in frame and frame[column].notna().all()
    }


def age_group(age: pd.Series) -> pd.Series:
    labels = [label for _, _, label in AGE_GROUPS]
    bins = [AGE_GROUPS[0][0] - 1] + [high for _, high, _ in AGE_GROUPS]
    return pd.cut(age, bins=bins, labels=labels)


def household_frame(
    dataset: Dataset, persons: pd.DataFrame | None = None, households: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Households with what their members tell about them (see :data:`DERIVED`).

    ``persons`` and ``households``, when the caller has already read them (or some of them,
    with all their members), spare a second read.
    """
    households = dataset.households() if households is None else households
    if persons is None:
        persons = dataset.persons(
            [
                "household_id",
                "relationship",
                "sex",
                "age",
                "disability_severe",
                "education",
                "employed",
            ]
        )
    # The members' household, factorised once (a household id is text: hashing three million of
    # them is most of the work), then counted with bincount; one join to the households.
    codes, ids = pd.factorize(persons["household_id"])
    count = len(ids)
    age = persons["age"]

    def members_where(flags: pd.Series) -> np.ndarray:
        return np.bincount(
            codes, weights=flags.to_numpy(dtype=bool, na_value=False), minlength=count
        )

    disabled = persons["disability_severe"].fillna(False).astype(bool)
    summary = pd.DataFrame(
        {
            "size": np.bincount(codes, minlength=count),
            "children": members_where(age < 18).astype(np.int64),
            "elderly": members_where(age >= 60).astype(np.int64),
            "has_disability": members_where(disabled) > 0,
        },
        index=pd.Index(ids, name="household_id"),
    )
    heads = np.flatnonzero((persons["relationship"].astype(str) == "head").to_numpy())
    heads = heads[~pd.Index(codes[heads]).duplicated()]  # a household's first head
    rows = persons.iloc[heads]
    head = pd.DataFrame(
        {
            "head_sex": rows["sex"].astype(str).to_numpy(),
            "head_age_group": age_group(rows["age"]).astype(str).to_numpy(),
            "head_education": rows["education"].astype("string").fillna("unknown").to_numpy(),
            "head_employed": rows["employed"].astype("boolean").to_numpy(),
        },
        index=summary.index[codes[heads]],
    )
    head["female_head"] = head["head_sex"] == "F"
    if len(head) == count:  # every household has its head: put them in order, no second join
        members = pd.concat([summary, head.iloc[np.argsort(codes[heads])]], axis=1)
    else:
        members = summary.join(head)
    frame = households.join(members, on="household_id")
    frame["size"] = frame["size"].fillna(0).astype(np.int64)
    return frame


def person_frame(dataset: Dataset) -> pd.DataFrame:
    """One row per person, with the household's columns (welfare, weight, design, regions)."""
    persons = dataset.persons(
        ["household_id", *[c for c in PERSON_COLUMNS if c != "age_group"], "age"]
    )
    persons["age_group"] = age_group(persons["age"])
    households = dataset.households()
    return persons.merge(households, on="household_id", how="inner", validate="many_to_one")
