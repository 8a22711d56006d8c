"""Ids repeated across parts, checked out of core (``sejahtera.data.repeats``).

A small synthetic dataset in five parts gets ids copied between parts (first and last rows of
parts, an id in three parts, two ids that share a bucket, a repeat inside one part); the repeats
reported must be exactly those pandas finds on the concatenated parts, with any bucket size and
when hashes collide.
"""

from __future__ import annotations

import dataclasses
import errno
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner

from data_fixtures import reset_language
from sejahtera.cli import main
from sejahtera.data import repeats
from sejahtera.data.dataset import Dataset, DatasetWriter
from sejahtera.data.repeats import KEYS, CrossPartRepeats
from sejahtera.data.validate import validate_dataset
from sejahtera.errors import ProblemReport
from sejahtera.i18n import text as message
from sejahtera.synth import SynthOptions, synthesise

TINY_BUDGET = 65_536  # bytes: 16 household buckets, 64 person buckets
COLUMNS = {"households": ["household_id"], "persons": ["person_id", "family_id", "nik"]}


@pytest.fixture(autouse=True)
def _indonesian(monkeypatch: pytest.MonkeyPatch) -> None:
    reset_language(monkeypatch)


def _same_bucket(ids: pd.Series, bits: int) -> tuple[str, str]:
    """Two ids whose hashes have the same top ``bits`` bits (so they share a bucket)."""
    typed = ids.astype("string")  # the dtype validation hashes
    top = repeats.hash_values(typed) >> np.uint64(64 - bits)
    order = np.argsort(top, kind="stable")
    same = np.flatnonzero(top[order][1:] == top[order][:-1])[0]
    return typed.iloc[order[same]], typed.iloc[order[same + 1]]


def _edit(parts: list[tuple[pd.DataFrame, pd.DataFrame]]) -> None:
    """Copy ids between parts; a household's members follow its new id."""

    def set_household(part: int, row: int, new: str) -> None:
        households, persons = parts[part]
        old = households.at[row, "household_id"]
        households.at[row, "household_id"] = new
        persons.loc[persons["household_id"] == old, "household_id"] = new

    h0, p0 = parts[0]
    set_household(2, 0, h0["household_id"].iloc[-1])  # last row of part 0 → first row of part 2
    set_household(4, len(parts[4][0]) - 1, h0["household_id"].iloc[0])  # first → last
    set_household(3, 99, h0["household_id"].iloc[0])  # … and in a third part
    a, b = _same_bucket(h0["household_id"].iloc[1:-1], bits=4)
    set_household(3, 49, a)
    set_household(3, 50, b)
    parts[1][0].at[5, "household_id"] = parts[1][0].at[6, "household_id"]  # inside one part
    persons4 = parts[4][1]
    persons4.at[len(persons4) - 1, "person_id"] = parts[1][1]["person_id"].iloc[0]
    parts[3][1].at[0, "family_id"] = p0["family_id"].iloc[10]
    parts[2][1].at[3, "nik"] = p0["nik"].iloc[7]


@pytest.fixture(scope="module")
def repeated(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    folder = tmp_path_factory.mktemp("repeats")
    options = SynthOptions("34", 20_000, batch_size=4_000, calibration_households=20_000)
    clean = synthesise(options, folder / "clean")
    parts = [(h.to_pandas(), p.to_pandas()) for h, p in clean.partitions()]
    assert len(parts) == 5
    for number, (_, persons) in enumerate(parts):  # synth makes no NIK: give each person one
        persons["nik"] = [f"34{number:02d}{row:012d}" for row in range(len(persons))]
    _edit(parts)
    manifest = dataclasses.replace(clean.manifest, households=0, persons=0, files={})
    with DatasetWriter(folder / "repeated", manifest, partitioned=True) as writer:
        for households, persons in parts:
            writer.write_part(
                pa.Table.from_pandas(households, preserve_index=False),
                pa.Table.from_pandas(persons, preserve_index=False),
            )
    return Dataset.open(folder / "repeated")


def expected_repeats(path: Path) -> set[tuple[str, int, str, str, str]]:
    """(file, row, column, id, detail) of each id found in an earlier part, by pandas alone."""
    found = set()
    for table, columns in COLUMNS.items():
        frames = []
        for file in sorted((path / table).glob("part-*.parquet")):
            frame = pd.read_parquet(file, columns=columns)
            frames.append(frame.assign(file=f"{table}/{file.name}", row=range(1, len(frame) + 1)))
        every = pd.concat(frames, ignore_index=True)
        for column in columns:
            ids = every[every[column].notna()]
            ids = ids[~ids.duplicated(["file", column])]  # a repeat inside a part: another rule
            first = ids.groupby(column)[["file", "row"]].transform("first")
            for i in np.flatnonzero(ids.duplicated(column)):
                detail = message(
                    "report.across_parts_first",
                    file=first["file"].iloc[i],
                    row=first["row"].iloc[i],
                )
                where = (ids["file"].iloc[i], int(ids["row"].iloc[i]), column)
                value = "••••" if column == "nik" else ids[column].iloc[i]  # personal data
                found.add((*where, value, detail))
    return found


def previous_count(path: Path) -> int:
    """The replaced implementation: every part's distinct id hashes in one sorted array (it did
    not look for a NIK repeated across parts)."""
    count = 0
    for table, columns in COLUMNS.items():
        for column in set(columns) - {"nik"}:
            hashes = [
                np.unique(pd.util.hash_pandas_object(ids.dropna(), index=False).to_numpy())
                for ids in (
                    pd.read_parquet(f, columns=[column])[column]
                    for f in sorted((path / table).glob("part-*.parquet"))
                )
            ]
            values = np.sort(np.concatenate(hashes))
            count += int(np.count_nonzero(values[1:] == values[:-1]))
    return count


def across(report: ProblemReport) -> set[tuple[str, int | None, str, str, str]]:
    return {(p.file, p.row, p.column, p.value, p.detail) for p in report.problems if p.detail}


def test_repeats_across_parts_are_those_pandas_finds(repeated: Dataset) -> None:
    expected = expected_repeats(repeated.path)
    # 5 households (one id in three parts), a person, a family card, a NIK
    assert len(expected) == 8

    report = validate_dataset(repeated)

    assert across(report) == expected
    inside = [p for p in report.problems if p.rule == "duplicate_id" and not p.detail]
    assert [(p.file, p.row) for p in inside] == [("households/part-00001.parquet", 7)]
    assert report.counts["duplicate_id"] == 8 and report.counts["duplicate_nik"] == 1
    assert previous_count(repeated.path) == len(expected) - 1  # the old code, but for the NIK


def test_many_small_buckets_give_the_same_repeats(repeated: Dataset) -> None:
    counts = {"households": repeated.manifest.households, "persons": repeated.manifest.persons}
    sizes = CrossPartRepeats(counts, [], lambda *_: pd.Series(), TINY_BUDGET)
    assert sizes.buckets(KEYS[0]) == 16 and sizes.buckets(KEYS[1]) == 64

    report = validate_dataset(repeated, budget_bytes=TINY_BUDGET)

    assert across(report) == expected_repeats(repeated.path)


def test_hash_collisions_are_not_reported(
    repeated: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    real: Callable[[pd.Series], np.ndarray] = repeats.hash_values
    top = np.uint64(0xFFFFF << 44)  # a million hash values for 80,000 ids: thousands collide
    monkeypatch.setattr(repeats, "hash_values", lambda values: real(values) & top)
    ids = pd.read_parquet(repeated.path / "persons", columns=["person_id"])["person_id"]
    assert len(np.unique(repeats.hash_values(ids))) < ids.nunique() - 1000

    report = validate_dataset(repeated, budget_bytes=TINY_BUDGET)

    assert across(report) == expected_repeats(repeated.path)


def test_the_count_goes_on_past_the_limit(repeated: Dataset) -> None:
    report = validate_dataset(repeated, limit=4)

    assert report.counts["duplicate_id"] == 8
    shown = [(p.file, p.row, p.rule) for p in report.problems]
    assert shown == [
        ("households/part-00001.parquet", 7, "duplicate_id"),  # found while the part was read
        ("persons/part-00001.parquet", 24, "orphan_person"),  # (the household it lost)
        ("households/part-00002.parquet", 1, "duplicate_id"),  # then across parts, in order
        ("households/part-00003.parquet", 50, "duplicate_id"),
    ]


def test_a_full_scratch_disk_is_refused_and_cleaned(
    repeated: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # as TMPDIR would

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(CrossPartRepeats, "_spread", full)
    result = CliRunner().invoke(main, ["data", "validate", str(repeated.path)])

    assert result.exit_code == 2
    assert "disk penuh" in result.output and "TMPDIR" in result.output
    assert "Traceback" not in result.output
    assert list(scratch.iterdir()) == []
