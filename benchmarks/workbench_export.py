"""A beneficiary list of the demo's size: how long the list page's query takes (a page, a search)
and how long an export takes (XLSX, CSV), to decide what may run inside a request.

A fresh workbench (SQLite in a temporary folder) generates the demo's cycle (Program Sembako,
January 2025) from the demo dataset (``var/demo/diy``, 100,000 households; made with ``make demo``
when missing), exactly as ``manage demo_programmes`` does. Each case runs three times; the
script prints the best time and the range.

    python benchmarks/workbench_export.py [--dataset var/demo/diy] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(work: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / "var/demo/diy")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    if not (options.dataset / "dataset.json").is_file():
        sys.exit(f"no dataset at {options.dataset}: run `make demo` first")
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(
            SEJAHTERA_DATA=folder, DJANGO_SETTINGS_MODULE="sejahtera.workbench.settings"
        )
        os.environ.pop("DATABASE_URL", None)
        run(Path(folder), options.dataset, options.repeat)


def run(folder: Path, dataset: Path, repeat: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.paginator import Paginator

    from sejahtera.workbench.programmes.exports import write_csv, write_xlsx
    from sejahtera.workbench.programmes.generation import generate
    from sejahtera.workbench.programmes.lists import ListFilter, listed, rows
    from sejahtera.workbench.programmes.models import Cycle, Programme

    call_command("migrate", verbosity=0)
    programme = Programme.objects.create(code="pangan", name="Bantuan Pangan")
    cycle = Cycle.objects.create(
        programme=programme, name="2025 tahap 1", period="2025-01", benefit="sembako"
    )
    started = time.perf_counter()
    households = generate(cycle, dataset)
    print(f"list generated: {households:,} households in {time.perf_counter() - started:.1f} s")

    def page(chosen: ListFilter, number: int) -> int:
        shown = Paginator(listed(cycle, chosen), 50).get_page(number)
        return len(list(rows(shown.object_list)))

    def export(write: Callable[..., int], suffix: str) -> Callable[[], int]:
        def work() -> int:
            shown = rows(listed(cycle, ListFilter()).iterator(chunk_size=2000))
            target = folder / f"list.{suffix}"
            if suffix == "xlsx":
                return write(target, shown, [("note", "benchmark")])
            return write(target, shown)

        return work

    pages = Paginator(listed(cycle, ListFilter()), 50).num_pages
    cases = [
        ("list page 1 (whole list)", lambda: page(ListFilter(), 1)),
        (f"list page {pages} (the last)", lambda: page(ListFilter(), pages)),
        ("search a kecamatan name, page 1", lambda: page(ListFilter(search="Depok"), 1)),
        ("filter desil 1 and sort by amount, page 1",
         lambda: page(ListFilter(desil=1, sort="-amount"), 1)),
        ("export XLSX (whole list)", export(write_xlsx, "xlsx")),
        ("export CSV (whole list)", export(write_csv, "csv")),
    ]  # fmt: skip
    print("| case | rows | best s | range s |\n|---|---:|---:|---:|")
    for name, work in cases:
        seconds, result = timed(work, repeat)
        print(
            f"| {name} | {result:,} | {min(seconds):.3f} | {min(seconds):.3f}–{max(seconds):.3f} |"
        )


if __name__ == "__main__":
    main()
