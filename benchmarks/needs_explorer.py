"""The needs explorer at the demo's size (100,000 households of DI Yogyakarta): how long the
background job takes to measure each indicator by kabupaten, kecamatan and desa, and the page's
server time once the figures are kept (map, ranked table, trend).

A fresh workbench (SQLite in a temporary folder) registers the dataset; jobs run in the process
(the immediate backend), each timed from the request that starts it. Then the Django test
client, signed in as an analyst, asks the page ``--requests`` times for each level; the script
prints the median and the 95th percentile.

    python benchmarks/needs_explorer.py [--dataset var/demo/diy] [--requests 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard import ROOT, demo_dataset

INDICATORS = ("fgt0", "fgt1", "gini", "mpi_M0", "unreached_poor")
LEVELS = ("regency_code", "district_code", "village_code")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / "var/demo/diy")
    parser.add_argument("--requests", type=int, default=20)
    options = parser.parse_args()
    dataset = demo_dataset(options.dataset.resolve())
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(
            SEJAHTERA_DATA=folder,
            SEJAHTERA_TASKS="immediate",
            SEJAHTERA_SECRET_KEY="b" * 50,
            DJANGO_SETTINGS_MODULE="sejahtera.workbench.settings",
        )
        os.environ.pop("DATABASE_URL", None)
        run(dataset, options.requests)


def run(dataset: Path, requests: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from sejahtera.workbench.core.models import Profile
    from sejahtera.workbench.core.roles import Role
    from sejahtera.workbench.datasets import services

    setup_test_environment()
    call_command("migrate", verbosity=0)
    version = services.register(dataset).version
    from django.contrib.auth.models import User

    user = User.objects.create_user("analyst")
    Profile.objects.create(user=user, role=Role.ANALYST)
    client = Client()
    client.force_login(user)
    print(f"{version}: {version.households:,} households")
    print("measuring (the background job, started by the first request):")
    for indicator in INDICATORS:
        for level in LEVELS:
            started = time.perf_counter()
            answer = client.get(f"/needs/?version={version.pk}&indicator={indicator}&level={level}")
            assert answer.status_code == 200 and b"needs-waiting" not in answer.content
            print(f"  {indicator:15} {level:14} {time.perf_counter() - started:6.2f} s")
    print(f"page with its figures kept ({requests} requests each):")
    for level in LEVELS:
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            answer = client.get(f"/needs/?version={version.pk}&indicator=fgt0&level={level}")
            times.append(time.perf_counter() - started)
            assert answer.status_code == 200
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"  {level:14} median {statistics.median(times) * 1000:6.0f} ms"
            f"  p95 {p95 * 1000:6.0f} ms"
        )


if __name__ == "__main__":
    main()
