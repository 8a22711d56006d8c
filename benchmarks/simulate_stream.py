"""Today's situation and one reform on a dataset larger than memory: `simulate --stream`.

Issue 16's targets: the simulation step at least 5 million persons per second per core, the whole
national run (93 million households) under 3 minutes, peak memory bounded and not growing with
the dataset, and the scaling from 1 to 2 workers. For each dataset (synthesised once into
var/bench/ unless ``--data`` names one), the status quo plus the shipped ``pkh-desil-5`` reform
runs through :func:`sejahtera.simulate.stream.scenario_streamed` with 1 and then 2 worker
processes. Printed per run: each step's seconds (simulating the pieces and writing their
households; the population's deciles; the sums; poverty and the Gini measured out of core), the
total, the simulation step's persons per second per core, and the peak resident memory of the
main process and of the largest worker.

    python benchmarks/simulate_stream.py [--households 1000000 10000000] [--data DIR]
        [--workers 1 2] [--reform pkh-desil-5]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import threading
import time
from pathlib import Path

import psutil

from sejahtera.data.dataset import Dataset
from sejahtera.simulate.parallel import Runner
from sejahtera.simulate.stream import pieces, scenario_streamed
from sejahtera.synth import SynthOptions, synthesise

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
REFORMS = ROOT / "src" / "sejahtera" / "rulesets" / "indonesia" / "reforms"
STEPS = ("simulate", "deciles", "sums", "poverty")


class Peaks(threading.Thread):
    """The largest resident memory of this process and of any process it started (the workers),
    sampled every 0.2 s (psutil comes with Dask)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.main = 0
        self.worker = 0
        self.done = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self.done.wait(0.2):
            self.main = max(self.main, me.memory_info().rss)
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    self.worker = max(self.worker, child.memory_info().rss)


def run(dataset: Dataset, workers: int, reform: Path | None, scratch: Path | None) -> None:
    marks: list[float] = []
    peaks = Peaks()
    peaks.start()
    start = time.perf_counter()
    scenario_streamed(
        dataset.path,
        "indonesia",
        reform,
        runner=Runner.cores(workers),
        scratch=scratch,
        progress=lambda fraction, message: marks.append(time.perf_counter()),
    ).to_dict()
    total = time.perf_counter() - start
    peaks.done.set()
    peaks.join()
    steps = [b - a for a, b in itertools.pairwise(marks)]
    persons = dataset.manifest.persons
    rate = persons / steps[0] / workers / 1e6
    main_mb, worker_mb = peaks.main / 2**20, peaks.worker / 2**20
    print(
        f"{dataset.manifest.households:>12,} {persons:>12,} {workers:>7} "
        + " ".join(f"{s:>8.1f}" for s in steps)
        + f" {total:>8.1f} {rate:>10.2f} {main_mb:>8,.0f} {worker_mb:>9,.0f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--data", type=Path, nargs="*", default=[], help="datasets to use instead")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reform", default="pkh-desil-5", help="a shipped reform, or 'none'")
    parser.add_argument(
        "--scratch", type=Path, default=None, help="scratch folder (default TMPDIR)"
    )
    args = parser.parse_args()
    reform = None if args.reform == "none" else REFORMS / f"{args.reform}.yaml"
    datasets = [Dataset.open(folder, verify=False) for folder in args.data]
    for count in [] if args.data else args.households:
        folder = BENCH / f"stream-diy-{count}"
        datasets.append(
            Dataset.open(folder, verify=False)
            if (folder / "dataset.json").is_file()
            else synthesise(SynthOptions("34", count, seed=1), folder)
        )
    print(
        f"{'households':>12} {'persons':>12} {'workers':>7} "
        + " ".join(f"{s:>8}" for s in STEPS)
        + f" {'total s':>8} {'Mp/s/core':>10} {'main MB':>8} {'worker MB':>9}"
    )
    for dataset in datasets:
        print(f"# {dataset.path}: {len(pieces(dataset))} pieces", flush=True)
        for workers in args.workers:
            run(dataset, workers, reform, args.scratch)


if __name__ == "__main__":
    main()
