"""A policy brief from start to file: the needs, today's situation and two options computed
(``build_brief``), written as DOCX and as PDF, and reproduced from the DOCX (every figure
computed again and compared).

The synthetic DI Yogyakarta data are made once in var/bench/ (seed 1), as for
simulate_scenario.py. The options are the shipped reforms `pkh-desil-5` and `lansia-daerah`.
Each step is timed once per size, in one process; the peak is the process's resident memory at
the end (it only grows).

    python benchmarks/policy_brief.py [--households 100000 1000000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from sejahtera.report.brief import BriefInput, Option, build_brief, reproduce, write_brief
from sejahtera.synth import SynthOptions, synthesise

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
REFORMS = ROOT / "src" / "sejahtera" / "rulesets" / "indonesia" / "reforms"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    print(f"{'households':>12} {'step':>22} {'seconds':>8} {'peak MB':>8}")
    for count in args.households:
        folder = BENCH / f"scenario-diy-{count}"
        if not (folder / "dataset.json").is_file():
            synthesise(SynthOptions("34", count, seed=1), folder)
        options = [
            Option(name, name, reform_text=(REFORMS / f"{name}.yaml").read_text())
            for name in ("pkh-desil-5", "lansia-daerah")
        ]
        given = BriefInput(data=folder, rules="indonesia", period="2025", options=options)
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            brief = build_brief(given)
            report(count, "build (3 options)", started)
            for suffix in ("docx", "pdf"):
                started = time.perf_counter()
                write_brief(brief, Path(out) / f"brief.{suffix}")
                report(count, f"write {suffix.upper()}", started)
            started = time.perf_counter()
            reproduced = reproduce(Path(out) / "brief.docx")
            report(count, f"reproduce ({reproduced.reproduced} figures)", started)
            assert reproduced.ok, reproduced.differences


def report(count: int, step: str, started: float) -> None:
    print(f"{count:>12,} {step:>22} {time.perf_counter() - started:>8.2f} {peak_mb():>8.0f}")


if __name__ == "__main__":
    main()
