"""`simulate --stream`: a dataset simulated piece by piece (whole kabupaten), on this machine's
cores or a Dask cluster, gives the in-memory report; a cluster gives the one-machine report bit
for bit, also when a worker dies mid-run.

The in-memory run (`scenario_of`, itself checked against `measure` and hand computations in
test_simulate_scenario.py) is the reference; the deciles are also checked against a plain sort."""

from __future__ import annotations

import copy
import json
import math
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.data.dataset import Dataset, write_dataset
from sejahtera.data.frame import household_frame
from sejahtera.errors import SejahteraError
from sejahtera.simulate import stream
from sejahtera.simulate.budget import solve_budget
from sejahtera.simulate.budget_stream import solve_budget_streamed
from sejahtera.simulate.parallel import Runner
from sejahtera.simulate.scenario import scenario_of
from sejahtera.simulate.stream import decile_starts, deciles_of, pieces, scenario_streamed
from sejahtera.simulate.sums import household_deciles
from sejahtera.synth import SynthOptions, synthesise

REFORMS = Path(__file__).resolve().parent.parent / "src/sejahtera/rulesets/indonesia/reforms"
PIECE = 2_500  # households: DI Yogyakarta's five kabupaten in four pieces


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """DI Yogyakarta in parts of 1,500 households: every part boundary splits a kabupaten."""
    folder = tmp_path_factory.mktemp("diy") / "diy"
    options = SynthOptions("34", 9_000, seed=11, batch_size=1_500, calibration_households=20_000)
    return synthesise(options, folder)


def differences(a: object, b: object, path: str = "") -> list[str]:
    """Where two reports differ by more than 1e-9 relative (NaN equals NaN)."""
    if isinstance(a, dict):
        if not isinstance(b, dict) or a.keys() != b.keys():
            return [f"{path}: keys {sorted(a)} vs {b if not isinstance(b, dict) else sorted(b)}"]
        return [d for key in a for d in differences(a[key], b[key], f"{path}/{key}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return [] if math.isnan(a) and math.isnan(b) else [f"{path}: {a} vs {b}"]
        return [] if abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300) else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def identical(a: object, b: object) -> bool:
    """Equal to the last bit (NaN equals NaN)."""
    return json.dumps(a, sort_keys=True, default=float) == json.dumps(
        b, sort_keys=True, default=float
    )


def test_pieces_hold_whole_kabupaten_and_every_household_once(region: Dataset) -> None:
    split = pieces(region, PIECE)
    households = region.households(["household_id", "regency_code"])
    assert len(region.part_files()) == 6 and len(split) > 1
    owner = {code: p.number for p in split for code in p.regencies}
    assert set(owner) == set(households["regency_code"])  # each kabupaten in exactly one piece
    assert sum(p.rows for p in split) == len(households)
    for piece in split:
        persons, frame, rows = stream.read_piece(region, piece)
        assert set(frame["regency_code"]) == set(piece.regencies)
        expected = households[households["regency_code"].isin(piece.regencies)]
        assert frame["household_id"].tolist() == expected["household_id"].tolist()
        assert rows.tolist() == expected.index.tolist()  # the row in one reading of all parts
        assert set(persons["household_id"]) == set(expected["household_id"])


def test_without_kabupaten_codes_the_dataset_is_one_piece(region: Dataset, tmp_path: Path) -> None:
    frame = region.households().assign(regency_code=None)
    manifest = copy.deepcopy(region.manifest)  # the writer records its files in it
    written = write_dataset(tmp_path / "nocode", frame, region.persons(), manifest)
    assert [(p.regencies, p.rows) for p in pieces(written, PIECE)] == [(None, len(frame))]


@pytest.mark.parametrize("ties", [False, True])
def test_deciles_from_ranges_are_those_of_one_sort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ties: bool
) -> None:
    """Step 3 finds each decile's first household where a stable sort of all households does,
    also with long runs of equal welfare across pieces and ranges much smaller than the data."""
    rng = np.random.default_rng(4)
    rows = 20_000
    welfare = rng.lognormal(13, 0.6, rows)
    if ties:
        welfare = np.round(welfare, -5)  # a few dozen distinct values
    people = rng.integers(1, 8, rows) * rng.uniform(50, 150, rows)
    (tmp_path / "baseline").mkdir()
    split = []
    for number, chunk in enumerate(np.array_split(rng.permutation(rows), 7)):
        chunk.sort()
        pd.DataFrame(
            {"welfare_before": welfare[chunk], "weight": people[chunk], "size": 1, "row": chunk}
        ).to_parquet(tmp_path / "baseline" / f"part-{number:05d}.parquet")
        split.append(stream.Piece(number, (), (), len(chunk)))
    monkeypatch.setattr(stream, "RANGE_ROWS", 900)
    starts = decile_starts(tmp_path, split, welfare[::7])
    assert len(starts) == 9
    assert np.array_equal(
        deciles_of(welfare, np.arange(rows), starts), household_deciles(welfare, people)
    )


@pytest.mark.parametrize(
    ("reform", "baseline"),
    [(None, "status_quo"), ("pkh-desil-5.yaml", "status_quo"), ("topup-wilayah.yaml", "rules")],
)
def test_streamed_report_equals_the_in_memory_report(
    region: Dataset, reform: str | None, baseline: str
) -> None:
    chosen = REFORMS / reform if reform else None
    whole = scenario_of(region.path, "indonesia", chosen, baseline=baseline).to_dict()  # type: ignore[arg-type]
    pieced = scenario_streamed(
        region.path,
        "indonesia",
        chosen,
        baseline=baseline,  # type: ignore[arg-type]
        runner=Runner.here(),
        piece_rows=PIECE,
    ).to_dict()
    assert differences(whole, pieced) == []


def test_a_dask_cluster_gives_the_one_machine_report_bit_for_bit_and_survives_a_killed_worker(
    region: Dataset, tmp_path: Path
) -> None:
    from distributed import Client, LocalCluster

    reform = REFORMS / "pkh-desil-5.yaml"
    here = scenario_streamed(
        region.path, "indonesia", reform, runner=Runner.here(), piece_rows=PIECE
    ).to_dict()
    cores = scenario_streamed(
        region.path, "indonesia", reform, runner=Runner.cores(2), piece_rows=PIECE
    ).to_dict()
    assert identical(here, cores)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        runner = Runner.dask(address=cluster.scheduler_address)
        # The worker that holds a simulation task is killed while it runs.
        found: dict[str, object] = {}

        def run() -> None:
            found["report"] = scenario_streamed(
                region.path, "indonesia", reform, runner=runner, piece_rows=PIECE
            ).to_dict()

        worker = threading.Thread(target=run)
        worker.start()
        killed = None
        deadline = time.monotonic() + 60
        while killed is None and time.monotonic() < deadline and worker.is_alive():
            busy = {
                address: keys
                for address, keys in client.processing().items()
                if any("simulate_piece" in str(key) for key in keys)
            }
            if busy:
                address = next(iter(busy))
                pids = client.run(os.getpid, workers=[address])
                os.kill(pids[address], signal.SIGKILL)
                killed = address
            time.sleep(0.02)
        worker.join(120)
        assert killed is not None, "no simulation task was seen running"
        assert identical(here, found["report"])


def test_cli_stream_writes_every_household_and_the_same_report(
    region: Dataset, tmp_path: Path
) -> None:
    runner = CliRunner()
    whole = runner.invoke(main, ["simulate", str(region.path), "--rules", "indonesia", "--json"])
    kept = tmp_path / "households"
    pieced = runner.invoke(
        main,
        [
            "simulate",
            str(region.path),
            "--rules",
            "indonesia",
            "--json",
            "--stream",
            "--households-out",
            str(kept),
        ],
    )
    assert pieced.exit_code == 0, pieced.output
    assert differences(json.loads(whole.stdout), json.loads(pieced.stdout)) == []
    written = pq.read_table(kept / "baseline").to_pandas()
    assert sorted(written["household_id"]) == sorted(
        region.households(["household_id"])["household_id"]
    )
    assert sorted(written["row"]) == list(range(region.manifest.households))
    again = runner.invoke(
        main,
        [
            "simulate",
            str(region.path),
            "--rules",
            "indonesia",
            "--stream",
            "--households-out",
            str(kept),
        ],
    )
    assert again.exit_code != 0 and "households" in again.output and "Traceback" not in again.output
    alone = runner.invoke(
        main, ["simulate", str(region.path), "--rules", "indonesia", "--workers", "2"]
    )
    assert alone.exit_code != 0 and "--stream" in alone.output


@pytest.mark.parametrize("lever", ["desil", "pmt", "amount"])
def test_streamed_budget_finds_what_the_search_in_memory_finds(region: Dataset, lever: str) -> None:
    """Cut-offs are the same, with the same figures; the amount that exhausts the budget is
    found by another path (nine at a time), so both amounts bracket the same threshold."""
    persons, households = region.persons(), household_frame(region)
    budget = 5e11
    whole = solve_budget("indonesia", persons, households, "sembako", lever, budget)  # type: ignore[arg-type]
    pieced = solve_budget_streamed(
        region.path,
        "indonesia",
        "sembako",
        lever,
        budget,
        runner=Runner.here(),
        piece_rows=PIECE,  # type: ignore[arg-type]
    )
    assert whole.chosen is not None and pieced.chosen is not None
    if lever == "amount":
        assert pieced.tolerance_rp == whole.tolerance_rp
        assert abs(pieced.chosen.value - whole.chosen.value) <= whole.tolerance_rp
        assert pieced.chosen.cost_rp <= budget
        return
    expected, found = whole.to_dict(), pieced.to_dict()
    assert [c["value"] for c in expected["frontier"]] == [c["value"] for c in found["frontier"]]
    assert differences(expected, found) == []


def test_a_worker_that_dies_on_this_machine_stops_the_run_with_a_message() -> None:
    with pytest.raises(SejahteraError) as stopped, Runner.cores(2).open() as mapped:
        mapped(os._exit, [3, 3])  # the worker process ends at once, as the kernel's OOM kill does
    assert stopped.value.key == "simulate.worker_died"
