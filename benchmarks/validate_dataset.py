"""`sejahtera data validate`: time and peak memory at two dataset sizes (flat memory, issue 16).

Each size is made once by `sejahtera synth` into var/bench/validate-N (DI Yogyakarta, seed 1,
250,000 households per part) and validated in a fresh child process, so its peak resident memory
is its own. ``--source`` runs the same with another source tree first on PYTHONPATH (e.g. an
older commit's ``src`` from ``git archive``), to compare with a previous implementation.

    python benchmarks/validate_dataset.py                       # 2M and 8M households
    python benchmarks/validate_dataset.py --sizes 93000000 --region ID
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "sejahtera"]


def dataset(region: str, households: int) -> Path:
    out = ROOT / "var" / "bench" / f"validate-{region}-{households}"
    if not (out / "dataset.json").is_file():
        options = ["--region", region, "--households", str(households), "--seed", "1"]
        subprocess.run([*CLI, "synth", *options, "--out", str(out), "--quiet"], check=True)
    return out


def validate(folder: Path, source: str | None) -> tuple[float, float]:
    env = dict(os.environ)
    if source:
        env["PYTHONPATH"] = source
    start = time.perf_counter()
    child = subprocess.Popen(
        [*CLI, "data", "validate", str(folder)], env=env, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: problems found, still a run
        raise SystemExit(f"validate failed on {folder}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="34")
    parser.add_argument("--sizes", default="2000000,8000000")
    parser.add_argument("--source", help="another src folder to measure as well")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}"
    )
    print(f"{'code':>9} {'households':>12} {'persons':>12} {'seconds':>9} {'peak MB':>9}")
    for households in (int(s) for s in args.sizes.split(",")):
        folder = dataset(args.region, households)
        persons = int(_manifest(folder)["persons"])
        for code, source in (("previous", args.source), ("current", None)):
            if code == "previous" and not source:
                continue
            seconds, peak_mb = validate(folder, source)
            print(
                f"{code:>9} {households:>12,} {persons:>12,} {seconds:>9.1f} {peak_mb:>9,.0f}",
                flush=True,
            )


def _manifest(folder: Path) -> dict[str, object]:
    return json.loads((folder / "dataset.json").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
