"""A scenario run through the workbench's job path, as the studio and the REST API run it.

Target (issue 13): one million households return within 5 s, with progress. A fresh workbench
(SQLite in a temporary folder) registers the synthetic DI Yogyakarta of ``--households``
households (seed 1, made once in ``var/bench/`` as ``benchmarks/simulate_scenario.py`` makes it);
a worker (``sejahtera manage worker``, its own process, polling every 0.1 s) waits. Each run
sends ``POST /api/scenarios`` with ``{"changes": {"pkh.max_desil": 5}}`` and follows
``GET /api/jobs/ID`` every 0.1 s until the job ends, printing each progress message as it is
seen. The time is from the POST to the answer that shows the result; the job's own time (started
to finished) and where it went (from its steps) follow.

A starting worker prepares the current dataset version (reads it and computes its status quo)
in a thread. ``--settle S`` waits S seconds after starting the worker before the first POST, as an
office's worker has long been running when someone first runs a scenario; with 0 (the default)
the first run waits for that preparation.

    python benchmarks/scenario_web.py [--households 1000000] [--repeat 3] [--settle 0]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"


def dataset(count: int) -> Path:
    from sejahtera.synth import SynthOptions, synthesise

    folder = BENCH / f"scenario-diy-{count}"
    if not (folder / "dataset.json").is_file():
        synthesise(SynthOptions("34", count, seed=1), folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--settle", type=float, default=0.0)
    options = parser.parse_args()
    folder = dataset(options.households)
    with tempfile.TemporaryDirectory() as data:
        os.environ.update(
            SEJAHTERA_DATA=data,
            SEJAHTERA_TASKS="database",
            DJANGO_SETTINGS_MODULE="sejahtera.workbench.settings",
        )
        os.environ.pop("DATABASE_URL", None)
        run(folder, options.repeat, options.settle)


def run(folder: Path, repeat: int, settle: float) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from sejahtera.workbench.core.roles import Role
    from sejahtera.workbench.core.tokens import issue
    from sejahtera.workbench.datasets import services

    call_command("migrate", verbosity=0)
    version = services.register(folder, name="DIY benchmark").version
    os.environ["BENCHMARK_PASSWORD"] = "a long benchmark password 1"
    call_command(
        "add_user", "analis", role=Role.ANALYST, password_from_env="BENCHMARK_PASSWORD", verbosity=0
    )
    token = issue(get_user_model().objects.get(username="analis"))
    worker = subprocess.Popen(
        [sys.executable, "-m", "sejahtera", "manage", "worker", "--interval", "0.1"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )
    try:
        client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
        print(f"{version.households:,} households, {version.persons:,} persons")
        if settle:
            print(f"waiting {settle:.0f} s for the worker to prepare the version")
            time.sleep(settle)
        totals = [one(client, version.pk, n) for n in range(1, repeat + 1)]
        print(f"best {min(totals):.2f} s, worst {max(totals):.2f} s of {repeat} runs")
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def one(client: Any, version: int, number: int) -> float:
    from sejahtera.workbench.core.models import Job

    body = {"dataset": version, "ruleset": "indonesia", "period": "2025"}
    body |= {"changes": {"pkh.max_desil": 5}, "name": f"benchmark {number}"}
    start = time.perf_counter()
    answer = client.post("/api/scenarios", json.dumps(body), content_type="application/json")
    assert answer.status_code == 202, answer.content
    job = answer.json()["job"]
    posted = time.perf_counter() - start
    print(f"run {number}: POST answered in {posted:.2f} s (job {job})")
    seen = None
    while True:
        state = client.get(f"/api/jobs/{job}").json()
        shown = (state["state"], round(state["progress"], 2), state["message"])
        if shown != seen:
            print(
                f"  {time.perf_counter() - start:6.2f} s  {shown[0]:<8} {shown[1]:4.0%} {shown[2]}"
            )
            seen = shown
        if state["state"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.1)
    total = time.perf_counter() - start
    assert state["state"] == "done", state["error"]
    ran = Job.objects.get(pk=job)
    waited = (ran.started_at - ran.created_at).total_seconds()
    worked = (ran.finished_at - ran.started_at).total_seconds()
    size = len(json.dumps(state["result"])) / 1e6
    print(
        f"  total {total:.2f} s: queued {waited:.2f} s, job {worked:.2f} s; "
        f"result {size:.1f} MB of JSON"
    )
    return total


if __name__ == "__main__":
    main()
