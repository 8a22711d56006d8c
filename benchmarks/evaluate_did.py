"""Difference-in-differences on 1 million households × 2 waves with clustered standard errors.

Target (issue 5): under 10 s. Households live in 1,000 kecamatan-like areas, half of which get
the programme in wave 2; area-wave shocks make errors correlated within areas. Each case runs in
its own process, three times; the median time is shown. The time covers the whole ``did()``
call (checks, the four group means, the regression and its standard errors, the plot data),
not building the data; "peak MB" is the process's maximum resident memory, data included.

    python benchmarks/evaluate_did.py [--households 1000000] [--repeat 3] [--twfe]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from sejahtera.evaluate.did import did

AREAS = 1_000
EFFECT = 0.2
CASES = {
    "2x2, clustered by area": {"cluster": "area"},
    "2x2, clustered by household": {"cluster": "household"},
    "2x2, HC1 robust": {},
    "two-way fixed effects, clustered by area": {
        "unit": "household",
        "time": "wave",
        "cluster": "area",
    },
}


def panel(households: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    area = rng.integers(0, AREAS, households).astype(np.int32)
    treated = (area < AREAS // 2).astype(np.int8)
    level = rng.normal(size=households) * 2 + 0.3 * treated
    waves = []
    for wave in (0, 1):
        shock = rng.normal(size=AREAS)[area] * 0.5
        noise = rng.normal(size=households)
        waves.append(
            pd.DataFrame(
                {
                    "household": np.arange(households, dtype=np.int32),
                    "area": area,
                    "wave": np.full(households, wave, dtype=np.int8),
                    "treated": treated,
                    "post": np.full(households, wave, dtype=np.int8),
                    "y": level + 0.5 * wave + shock + noise + EFFECT * treated * wave,
                }
            )
        )
    return pd.concat(waves, ignore_index=True)


def run_case(name: str, households: int, repeat: int) -> None:
    frame = panel(households)
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = did(frame, "y", "treated", "post", **CASES[name])
        seconds.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    main = result.main
    low, high = main.interval()
    print(
        f"{name:<42} {len(frame):>11,} {statistics.median(seconds):>8.2f} {peak:>8,.0f} "
        f"{main.estimate:>9.4f} {main.se:>8.5f} {'yes' if low <= EFFECT <= high else 'no':>7}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--twfe", action="store_true", help="also time two-way fixed effects")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(args.case, args.households, args.repeat)
        return
    header = f"{'case':<42} {'rows':>11} {'seconds':>8} {'peak MB':>8} {'estimate':>9} {'se':>8}"
    print(f"{header} {'covers':>7}")
    for name in CASES:
        if name.startswith("two-way") and not args.twfe:
            continue
        command = [sys.executable, __file__, "--case", name]
        command += ["--households", str(args.households), "--repeat", str(args.repeat)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
