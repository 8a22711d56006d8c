"""household_frame: what the members tell about their household, checked against a plain
per-household loop over the persons (an independent computation), on data with the awkward
cases a registry holds: households without a head or without members, a second person marked
head, persons in any order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import household_frame


def test_the_members_summary_equals_a_loop_over_each_household(diy: Dataset) -> None:
    persons = diy.persons()
    ids = persons["household_id"].unique()[:1_000]  # the loop below is slow: 1,000 households
    persons = persons[persons["household_id"].isin(ids)]
    heads = persons.index[persons["relationship"].astype(str) == "head"]
    awkward = persons.drop(heads[:25])  # 25 households without a head
    awkward = awkward[~awkward["household_id"].isin(ids[100:110])]  # 10 without members
    second = awkward[awkward["relationship"].astype(str) == "head"].head(5).copy()
    second["sex"] = "F" if second["sex"].astype(str).iloc[0] == "M" else "M"
    awkward = pd.concat([awkward, second]).sample(frac=1, random_state=3)

    frame = household_frame(diy, awkward).set_index("household_id")
    assert len(frame) == 100_000  # every household of the dataset, members or not

    for household, members in awkward.groupby("household_id", sort=False):
        row = frame.loc[household]
        age = members["age"].to_numpy(dtype=float)
        assert row["size"] == len(members)
        assert row["children"] == int(np.sum(age < 18))
        assert row["elderly"] == int(np.sum(age >= 60))
        assert bool(row["has_disability"]) == bool(members["disability_severe"].fillna(False).any())
        marked = members[members["relationship"].astype(str) == "head"]
        if marked.empty:
            assert pd.isna(row["head_sex"]) and pd.isna(row["female_head"])
        else:
            first = awkward.loc[awkward["household_id"] == household]
            first = first[first["relationship"].astype(str) == "head"].iloc[0]
            assert row["head_sex"] == str(first["sex"])
            assert bool(row["female_head"]) == (str(first["sex"]) == "F")
    no_members = frame.loc[frame.index.difference(ids).union(ids[100:110])]
    assert (no_members["size"] == 0).all() and no_members["children"].isna().all()
