"""The head's dashboard at the demo's size: its server time, to hold it under 300 ms.

A fresh workbench (SQLite in a temporary folder, or ``--database-url``) is set up as ``make run``
sets it up: DI Yogyakarta's regions, the demo dataset registered as the office's current
version (``var/demo/diy``, 100,000 households; made as ``make demo`` makes it when missing),
demo users, stakeholders, consultations, grievances, programmes (a generated and frozen cycle
with payments) and Monev. The first visit only queues the poverty figures' job (timed: it must
not measure anything); a worker (``manage worker --batch``) then computes them (timed). With
the figures there and every cache warm, the Django test client, signed in as the demo's head,
asks each page ``--requests`` times; the script prints the median and the 95th percentile of
the server time (the whole request through the middleware, templates included; no network).

With ``--postgres`` the workbench runs on PostgreSQL instead, in a fresh database made for the
run on the server of ``SEJAHTERA_BENCH_POSTGRES`` (default ``postgres://127.0.0.1:5432/test``)
and dropped after (when no server answers, the script says so and measures nothing).

    python benchmarks/dashboard.py [--dataset var/demo/diy] [--requests 50] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOUSEHOLDS = 100_000  # the Makefile's DEMO_HOUSEHOLDS
POSTGRES = os.environ.get("SEJAHTERA_BENCH_POSTGRES", "postgres://127.0.0.1:5432/test")


def demo_dataset(folder: Path) -> Path:
    """The demo dataset, made as ``make demo`` makes it when it is not there yet."""
    if not (folder / "dataset.json").is_file():
        print(f"making the demo dataset in {folder} ({HOUSEHOLDS:,} households)")
        subprocess.run(
            [str(BIN / "sejahtera"), "synth", "--region", "34", "--households", str(HOUSEHOLDS),
             "--seed", "1", "--out", str(folder), "--quiet"],
            check=True,
        )  # fmt: skip
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / "var/demo/diy")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL, not SQLite")
    options = parser.parse_args()
    dataset = demo_dataset(options.dataset.resolve())
    with tempfile.TemporaryDirectory() as folder, scratch_database(options.postgres) as url:
        os.environ.update(
            SEJAHTERA_DATA=folder,
            SEJAHTERA_DATASET=str(dataset),
            SEJAHTERA_TASKS="database",
            SEJAHTERA_SECRET_KEY="b" * 50,
            DJANGO_SETTINGS_MODULE="sejahtera.workbench.settings",
        )
        os.environ.pop("SEJAHTERA_PROFILES", None)
        os.environ.pop("DATABASE_URL", None)
        if url:
            os.environ["DATABASE_URL"] = url
        print(f"database: {'PostgreSQL' if url else 'SQLite'}")
        run(dataset, options.requests)


@contextmanager
def scratch_database(wanted: bool) -> Iterator[str]:
    """A fresh PostgreSQL database's URL, dropped afterwards ("" when not ``wanted``)."""
    if not wanted:
        yield ""
        return
    import psycopg

    try:
        psycopg.connect(POSTGRES, connect_timeout=3).close()
    except psycopg.Error as exc:  # make bench goes on with the next benchmark
        print(f"PostgreSQL not reachable at {POSTGRES}: {exc}; nothing measured")
        raise SystemExit(0) from None
    name = f"sejahtera_bench_{os.getpid()}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def set_up(dataset: Path) -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_regions", "34", verbosity=0)
    call_command("register_dataset", str(dataset), verbosity=0)
    for command in ("demo", "demo_stakeholders", "demo_consultations", "demo_grievances",
                    "demo_programmes", "demo_monev"):  # fmt: skip
        call_command(command, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"workbench set up as `make run` does in {time.perf_counter() - started:.1f} s")


def timed(client: object, path: str, count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(path)  # type: ignore[attr-defined]
        seconds.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}")
    return seconds


def run(dataset: Path, count: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from sejahtera.workbench.core import poverty
    from sejahtera.workbench.core.models import Job, JobState
    from sejahtera.workbench.monev.models import Indicator
    from sejahtera.workbench.stakeholders.demo import FOOD

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    set_up(dataset)
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo-kepala"))

    first = timed(client, "/dashboard/", 1)[0]
    job = Job.objects.get(kind=poverty.KIND)
    waiting = statistics.median(timed(client, "/dashboard/", 5))
    print(
        f"first visit (the process cold): {first * 1000:.0f} ms; the poverty figures' job is "
        f"{job.state}; the next visits while it waits: {waiting * 1000:.0f} ms"
    )
    started = time.perf_counter()
    call_command("worker", "--batch", verbosity=0)
    job.refresh_from_db()
    if job.state != JobState.DONE:
        raise SystemExit(f"the poverty job ended {job.state}: {job.error}")
    print(f"the job computed the figures in {time.perf_counter() - started:.1f} s (a worker)")

    indicator = Indicator.objects.filter(budget_programme__code=FOOD).order_by("code").first()
    pages = [
        ("dashboard, whole region", "/dashboard/"),
        ("dashboard, Kabupaten Gunungkidul", "/dashboard/?kabupaten=34.03"),
        ("dashboard, budget year 2025", "/dashboard/?year=2025"),
        ("Monev programme dashboard", f"/monev/programmes/{FOOD}/dashboard/?year=2025"),
    ]
    if indicator is not None:
        pages.append((f"indicator {indicator.code}", f"/monev/indicators/{indicator.pk}/"))
    for _, path in pages:
        timed(client, path, 2)  # warm: templates, boundaries, the regions' names
    shown = client.get("/dashboard/").text
    if 'data-indicator="fgt0"' not in shown or "<svg" not in shown:
        raise SystemExit("the dashboard shows no poverty figures or no map")
    print(f"\n{count} requests each, warm; server time in ms (Django test client, no network)")
    print("| page | median ms | p95 ms |\n|---|---:|---:|")
    for name, path in pages:
        seconds = sorted(timed(client, path, count))
        p95 = seconds[int(0.95 * (len(seconds) - 1))]
        print(f"| {name} | {statistics.median(seconds) * 1000:.0f} | {p95 * 1000:.0f} |")


if __name__ == "__main__":
    main()
