"""All indicators on 100 million weighted persons, out of core, in bounded memory.

``measure_parquet`` streams a folder of Parquet files (10 parts of 10 million rows, the persons of
``measure_indicators.py`` continued: its 10-million-row file is the first part) overall and by 100
groups. It is checked first on the 10-million-row file against the in-memory ``measure``, which it
must equal. Each run is a fresh child process, so its peak resident memory is its own.

The data are made once and kept in ``var/bench/`` (about 2 GB, seed 1); the sorted welfare ranges
go to ``var/bench/tmp`` and are removed after each run. Record the figures in docs/benchmarks.md.

    make bench
    python benchmarks/measure_outofcore.py --rows 20000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from measure_indicators import BENCH, GROUPS, agreement, child, dataset, write_rows

PART_ROWS = 10_000_000


def parts(rows: int, seed: int) -> Path:
    """The persons as Parquet parts of 10 million rows, written part by part."""
    folder = BENCH / f"measure-{rows}-seed{seed}"
    chunks_per_part = PART_ROWS // 1_000_000
    for part, first in enumerate(range(0, rows, PART_ROWS)):
        path = folder / f"part-{part:03d}.parquet"
        if not path.exists():
            start = time.perf_counter()
            write_rows(path, part * chunks_per_part, min(PART_ROWS, rows - first), seed)
            print(f"wrote {path} in {time.perf_counter() - start:.0f} s", flush=True)
    return folder


def run_case(by: bool, data: Path, out: Path) -> dict[str, float]:
    from sejahtera.measure.outofcore import Streaming, measure_parquet

    scratch = BENCH / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    result = measure_parquet(
        data,
        "welfare",
        weight="weight",
        line="poverty_line",
        by=["group"] if by else [],
        streaming=Streaming(temp_dir=scratch),
    )
    seconds = time.perf_counter() - start
    estimates = result.tidy()
    if not by:
        estimates["group"] = -1
    estimates[["group", "indicator", "estimate"]].to_parquet(out)
    return {"read": 0.0, "compute": seconds}


def outofcore(by: bool, data: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak MB of one out-of-core run in a fresh process."""
    command = [sys.executable, __file__, "--case", "--data", str(data), "--out", str(out)]
    process = subprocess.Popen([*command, *(["--by"] if by else [])], stdout=subprocess.PIPE)
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("the out-of-core run failed")
    return json.loads(output)["compute"], usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--check-rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--case", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--by", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.by, args.data, args.out)))
        return
    check, folder = dataset(args.check_rows, args.seed), parts(args.rows, args.seed)
    size = sum(f.stat().st_size for f in folder.glob("*.parquet"))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    print(f"{'rows':>12} {'groups':>6} {'in memory s':>12} {'out of core s':>14} {'peak MB':>8}")
    with tempfile.TemporaryDirectory(prefix="sejahtera-bench-") as tmp:
        results = Path(tmp)
        for by in (False, True):
            in_memory, _ = child("sejahtera-none", by, check, results / "in-memory.parquet")
            seconds, peak_mb = outofcore(by, check, results / "out-of-core.parquet")
            _, relative = agreement(results / "in-memory.parquet", results / "out-of-core.parquet")
            print(
                f"{args.check_rows:>12,} {GROUPS if by else 1:>6} "
                f"{in_memory['read'] + in_memory['compute']:>12.1f} {seconds:>14.1f} "
                f"{peak_mb:>8,.0f}   vs measure: max rel difference {relative:.2g}",
                flush=True,
            )
        for by in (False, True):
            seconds, peak_mb = outofcore(by, folder, results / "large.parquet")
            print(
                f"{args.rows:>12,} {GROUPS if by else 1:>6} {'':>12} {seconds:>14.1f} "
                f"{peak_mb:>8,.0f}   {size / 1e9:.1f} GB of Parquet, "
                f"{args.rows / seconds:,.0f} rows/s",
                flush=True,
            )


if __name__ == "__main__":
    main()
