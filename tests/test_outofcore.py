"""Out-of-core measurement gives ``measure``'s point estimates in memory bounded by its settings."""

from __future__ import annotations

import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sejahtera.errors import SejahteraError
from sejahtera.measure.estimate import measure
from sejahtera.measure.lines import parse_line
from sejahtera.measure.outofcore import Streaming, measure_parquet
from sejahtera.measure.result import TIDY_COLUMNS

ROWS = 200_000
GROUPS = tuple("ABCDEFG")
# Small enough that the data is cut into about a hundred welfare ranges and read in 40 batches.
SMALL = Streaming(batch_rows=5_000, bucket_rows=2_500, sample_rows=20_000)


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    """Rounded welfare (many ties), a fifth of all rows at one value, zeros in group G."""
    rng = np.random.default_rng(7)
    kab = rng.choice(GROUPS, ROWS, p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.0995, 0.0005])
    welfare = np.round(np.exp(rng.normal(13.6, 0.7, ROWS)), -3)
    welfare[rng.random(ROWS) < 0.2] = 900_000.0
    welfare[(kab == "G") & (rng.random(ROWS) < 0.2)] = 0.0
    return pd.DataFrame(
        {
            "welfare": welfare,
            "weight": rng.integers(1, 40, ROWS).astype(np.float64),
            "size": rng.integers(1, 7, ROWS),
            "poverty_line": np.where(rng.random(ROWS) < 0.55, 601_871.0, 556_874.0),
            "kab": kab,
        }
    )


@pytest.fixture(scope="module")
def folder(people: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rows as six Parquet files of unequal length, two of them in a subfolder."""
    out = tmp_path_factory.mktemp("people")
    cuts = [0, 1_000, 41_000, 90_000, 130_000, 170_000, ROWS]
    for part, (start, stop) in enumerate(pairwise(cuts)):
        target = out / ("more" if part >= 4 else "") / f"part-{part}.parquet"
        target.parent.mkdir(exist_ok=True)
        people.iloc[start:stop].to_parquet(target, index=False)
    return out


def assert_same(expected: pd.DataFrame, found: pd.DataFrame, atol: float = 0.0) -> None:
    assert list(found.columns) == list(expected.columns)
    assert len(found) == len(expected)
    labels = [c for c in expected.columns if c not in TIDY_COLUMNS]
    assert found[[*labels, "indicator", "n"]].equals(expected[[*labels, "indicator", "n"]])
    assert found["population"].tolist() == pytest.approx(expected["population"].tolist(), 1e-12)
    estimate, wanted = found["estimate"].to_numpy(), expected["estimate"].to_numpy()
    assert np.array_equal(np.isnan(estimate), np.isnan(wanted))
    close = np.isclose(estimate, wanted, rtol=1e-9, atol=atol, equal_nan=True)
    assert close.all(), expected.assign(found=estimate)[~close]
    assert found["se"].isna().all()


@pytest.mark.parametrize("line", ["poverty_line", "580000", "60%median", "50%mean"])
@pytest.mark.parametrize("by", [(), ("kab",)])
def test_equals_measure_for_every_indicator_and_group(
    people: pd.DataFrame, folder: Path, line: str, by: tuple[str, ...]
) -> None:
    wanted = measure(people, "welfare", weight="weight", line=parse_line(line), by=by)
    found = measure_parquet(folder, "welfare", weight="weight", line=line, by=by, streaming=SMALL)
    assert_same(wanted.tidy(), found.tidy())
    assert found.by == by
    assert "measure.note_variance_none" in [key for key, _ in found.notes]


def test_size_extreme_line_and_several_group_columns(people: pd.DataFrame, folder: Path) -> None:
    people = people.assign(urban=people["poverty_line"] > 600_000)
    target = folder.parent / "with-urban"
    target.mkdir(exist_ok=True)
    people.to_parquet(target / "all.parquet", index=False)
    options = {"weight": "weight", "size": "size", "line": "poverty_line", "by": ["kab", "urban"]}
    wanted = measure(people, "welfare", extreme_line=450_000.0, **options)
    found = measure_parquet(target, "welfare", extreme_line=450_000.0, streaming=SMALL, **options)
    assert_same(wanted.tidy(), found.tidy())
    assert "extreme_poor_count" in set(found.tidy()["indicator"])


def test_a_quantile_between_two_ranges_is_their_mean(tmp_path: Path) -> None:
    """Equal weights and an even count: the median averages values that fall in two ranges."""
    frame = pd.DataFrame({"welfare": np.arange(1.0, 11.0) * 100_000})
    frame.to_parquet(tmp_path / "ten.parquet")
    streaming = Streaming(batch_rows=3, bucket_rows=1, sample_rows=10)
    found = measure_parquet(tmp_path, "welfare", streaming=streaming)
    assert found.value("median") == 550_000.0
    assert_same(measure(frame, "welfare").tidy(), found.tidy())


def test_equal_incomes_leave_the_share_ratios_undefined(tmp_path: Path) -> None:
    frame = pd.DataFrame({"welfare": np.full(1_000, 750_000.0), "weight": np.arange(1.0, 1_001)})
    frame.to_parquet(tmp_path / "equal.parquet")
    found = measure_parquet(tmp_path, "welfare", weight="weight", streaming=SMALL)
    assert np.isnan(found.value("palma")) and np.isnan(found.value("s80s20"))
    wanted = measure(frame, "welfare", weight="weight", variance="none")
    assert_same(wanted.tidy(), found.tidy(), atol=1e-12)  # Theil, Atkinson: 0 up to rounding


PEAK = """
import sys, tracemalloc
from sejahtera.measure.outofcore import Streaming, measure_parquet
streaming = Streaming(**{name: int(value) for name, value in zip(
    ("batch_rows", "bucket_rows", "sample_rows"), sys.argv[2:], strict=False)})
measure_parquet(sys.argv[1], "welfare", streaming=streaming, weight="weight",
                line="poverty_line", by=["kab"])  # warm: imports and caches are not the data
tracemalloc.start()
peaks = []
for _ in range(2):  # the smaller of two: the interpreter's own tables grow now and then
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    measure_parquet(sys.argv[1], "welfare", streaming=streaming, weight="weight",
                    line="poverty_line", by=["kab"])
    peaks.append(tracemalloc.get_traced_memory()[1] - before)
print(min(peaks))
"""


def test_memory_is_bounded_by_the_batch_and_range_sizes(folder: Path) -> None:
    def peak(*sizes: int) -> int:
        """Traced peak of one run in a fresh process: other tests' state cannot move it."""
        run = subprocess.run(
            [sys.executable, "-c", PEAK, str(folder), *map(str, sizes)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return int(run.stdout.split()[-1])

    small = peak(SMALL.batch_rows, SMALL.bucket_rows, SMALL.sample_rows)
    whole = peak(ROWS, 10 * ROWS)  # one batch, one range
    # A fifth of the rows share one value, so one range holds 40,000 rows whatever the setting:
    # about 2.5 MB with its sort. Read whole, the 200,000 rows take 13 MB.
    assert small < 3_500_000
    assert whole > 3 * small


def test_the_temporary_ranges_are_removed(folder: Path, tmp_path: Path) -> None:
    streaming = Streaming(batch_rows=50_000, bucket_rows=20_000, temp_dir=tmp_path)
    measure_parquet(folder, "welfare", weight="weight", streaming=streaming)
    assert list(tmp_path.iterdir()) == []


def test_errors_name_the_file_row_and_column(people: pd.DataFrame, tmp_path: Path) -> None:
    first, second = people.iloc[:1_000], people.iloc[1_000:3_000].copy()
    second.iloc[1_234, second.columns.get_loc("weight")] = -1.0
    first.to_parquet(tmp_path / "a.parquet", index=False)
    second.to_parquet(tmp_path / "b.parquet", index=False)
    with pytest.raises(SejahteraError) as caught:
        measure_parquet(tmp_path, "welfare", weight="weight", streaming=Streaming(batch_rows=500))
    assert caught.value.key == "measure.not_positive"
    assert caught.value.values["row"] == 1_235
    assert caught.value.values["file"].endswith("b.parquet")
    with pytest.raises(SejahteraError) as caught:
        measure_parquet(tmp_path, "welfare", by=["district"])
    assert caught.value.key == "measure.unknown_column"
    with pytest.raises(SejahteraError) as caught:
        measure_parquet(tmp_path, "welfare", line=0.0)
    assert caught.value.key == "measure.bad_line"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SejahteraError) as caught:
        measure_parquet(empty, "welfare")
    assert caught.value.key == "measure.empty"
