"""Synth throughput and peak memory at 1 million and 10 million households.

Each size runs in a fresh child process, so its peak resident memory is its own. Prints one line
per size; record the figures in docs/benchmarks.md with the machine and date.

    make bench                      # 1M and 10M households of DI Yogyakarta
    python benchmarks/synth_throughput.py --sizes 1000000 --region 34
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import sys
from sejahtera.synth import SynthOptions, synthesise
region, households, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
dataset = synthesise(SynthOptions(region, households, seed=1), out)
print(dataset.manifest.persons)
"""


def run(region: str, households: int, folder: Path) -> tuple[float, float, int, int]:
    out = folder / f"synth-{households}"
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, region, str(households), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    persons = child.stdout.read() if child.stdout else "0"
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"synth failed for {households} households")
    peak_mb = usage.ru_maxrss / 1024
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    shutil.rmtree(out)
    return seconds, peak_mb, int(persons.strip()), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="34")
    parser.add_argument("--sizes", default="1000000,10000000")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}"
    )
    print(
        f"{'households':>12} {'persons':>12} {'seconds':>9} {'households/s':>13} "
        f"{'peak MB':>9} {'on disk MB':>11}"
    )
    with tempfile.TemporaryDirectory(prefix="sejahtera-bench-") as folder:
        for households in (int(s) for s in args.sizes.split(",")):
            seconds, peak_mb, persons, size = run(args.region, households, Path(folder))
            print(
                f"{households:>12,} {persons:>12,} {seconds:>9.1f} "
                f"{households / seconds:>13,.0f} {peak_mb:>9,.0f} {size / 1e6:>11,.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
