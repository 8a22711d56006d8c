"""Today's situation and one reform, compared: `sejahtera simulate --reform` without the file
reading.

Target (issue 11): the status quo plus one reform on 1 million households — both runs and the
comparison — in under 3 s. The synthetic DI Yogyakarta data are made once in var/bench/ (seed 1,
with family cards); the time covers :func:`sejahtera.simulate.scenario.scenario` with the shipped
`lansia-daerah` reform: today's payments (recorded receipt, PIP and BLT Dana Desa allotted by
quota), the reform's, welfare before and after, the reports by programme, funder, kabupaten,
kecamatan, desa and decile, and the comparison. A second line times the same with
`pkh-desil-5` (a change to an existing programme, with take-up draws).

    python benchmarks/simulate_scenario.py [--households 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import household_frame
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate.scenario import reformed_rules, scenario
from sejahtera.synth import SynthOptions, synthesise

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
REFORMS = ROOT / "src" / "sejahtera" / "rulesets" / "indonesia" / "reforms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best is shown")
    args = parser.parse_args()
    rules = load_ruleset("indonesia")
    print(f"{'households':>12} {'persons':>10} {'reform':>14} {'seconds':>8} {'peak MB':>8}")
    for count in args.households:
        folder = BENCH / f"scenario-diy-{count}"
        dataset = (
            Dataset.open(folder, verify=False)
            if (folder / "dataset.json").is_file()
            else synthesise(SynthOptions("34", count, seed=1), folder)
        )
        persons = dataset.persons()
        households = household_frame(dataset, persons)
        for name in ("lansia-daerah", "pkh-desil-5"):
            reform = reformed_rules(rules, REFORMS / f"{name}.yaml", "status_quo")
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                scenario(rules, persons, households, 2025, reform=reform).to_dict()
                best = min(best, time.perf_counter() - start)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{count:>12,} {len(persons):>10,} {name:>14} {best:>8.2f} {peak:>8,.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
