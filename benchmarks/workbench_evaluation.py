"""The evaluation page on a dataset version with an evaluation panel: how long the page that
lists the variables takes (it reads the panel's Parquet schema, never its rows, so it may run in
a request), and how long a run takes as a job (difference-in-differences clustered by kecamatan
with its robustness checks, the report in two languages, the result saved), against the core
function alone on the same folder (what ``sejahtera evaluate did`` computes), so the web's own
cost is seen.

A fresh workbench (SQLite in a temporary folder) registers a synthetic DI Yogyakarta panel
(``synth --panel``, two waves) of ``--households`` households. Each case runs ``--repeat``
times; the script prints the best time and the range.

    python benchmarks/workbench_evaluation.py [--households 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from workbench_export import timed

VARIABLES = {"outcome": "consumption_pc", "treatment": "ever_receives", "post": "follow_up",
             "cluster": "district_code"}  # fmt: skip


def show(name: str, seconds: list[float]) -> None:
    print(f"{name:<58} {min(seconds):8.3f} s  ({min(seconds):.3f}–{max(seconds):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(
            SEJAHTERA_DATA=folder,
            SEJAHTERA_TASKS="immediate",
            DJANGO_SETTINGS_MODULE="sejahtera.workbench.settings",
        )
        os.environ.pop("DATABASE_URL", None)
        run(Path(folder), options.households, options.repeat)


def run(folder: Path, households: int, repeat: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    import sejahtera as sj
    from sejahtera.synth import SynthOptions, synthesise
    from sejahtera.workbench.core.models import Profile
    from sejahtera.workbench.datasets import services
    from sejahtera.workbench.evaluations.models import Evaluation

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    made = synthesise(SynthOptions("34", households, 11, panel_waves=2), folder / "panel")
    print(f"synthetic panel: {households:,} households × 2 waves "
          f"({time.perf_counter() - start:.1f} s to make)")  # fmt: skip
    version = services.register(made.path, name="Panel").version
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("analis")
    Profile.objects.create(user=user, role="analyst")
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    source = {"source": f"dataset:{version.pk}", "design": "did"}

    def page() -> None:
        assert client.get("/evaluations/new/", source).status_code == 200

    def web() -> None:
        answer = client.post("/evaluations/new/", source | VARIABLES)
        assert answer.status_code == 302
        assert Evaluation.objects.order_by("-pk").first().state == "done"

    folder_path = services.folder_of(version)
    arguments = {k: v for k, v in VARIABLES.items() if k != "outcome"}

    def core() -> None:
        sj.evaluate_did(folder_path, VARIABLES["outcome"], **arguments)

    show("variables page (the panel's columns)", timed(page, repeat)[0])
    show("core: sj.evaluate_did with its checks", timed(core, repeat)[0])
    show("page: run as a job, report in id and en, saved", timed(web, repeat)[0])


if __name__ == "__main__":
    main()
