"""The `indonesia` ruleset on synthetic households: every programme, end to end.

Target (issue 4): 1 million households in under 2 s. The synthetic DI Yogyakarta data are made
once in var/bench/ (seed 1, with family cards); the time covers building the simulation and
computing PKH, Sembako, PBI-JKN, PIP and BLT Dana Desa for the year, not reading the files. The
best of ``--repeat`` runs is shown (the first run of a process is the slowest).

    python benchmarks/simulate_indonesia.py [--households 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import household_frame
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate import simulate
from sejahtera.synth import SynthOptions, synthesise

BENCH = Path(__file__).resolve().parent.parent / "var" / "bench"
VARIABLES = ("pkh", "sembako", "pbi_jkn_premium", "pip", "blt_dana_desa")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best is shown")
    args = parser.parse_args()
    ruleset = load_ruleset("indonesia")
    print(f"{'households':>12} {'persons':>10} {'seconds':>8} {'peak MB':>8}")
    for count in args.households:
        folder = BENCH / f"simulate-diy-{count}"
        dataset = (
            Dataset.open(folder, verify=False)
            if (folder / "dataset.json").is_file()
            else synthesise(SynthOptions("34", count, seed=1), folder)
        )
        households, persons = household_frame(dataset), dataset.persons()
        seconds = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            run = simulate(ruleset, persons, households, 2025)
            for variable in VARIABLES:
                run.calculate(variable)
            seconds = min(seconds, time.perf_counter() - start)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{count:>12,} {len(persons):>10,} {seconds:>8.2f} {peak:>8,.0f}", flush=True)


if __name__ == "__main__":
    main()
