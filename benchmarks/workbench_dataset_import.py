"""Uploading a dataset of the demo's size in the workbench: what runs inside a request (storing
the files, the mapping page's preview of their first rows) and what runs as a background job
(the import: read, map, check, write a version), per format.

The demo dataset (``var/demo/diy``, 100,000 households; ``make demo`` when missing) is written
out as an office would send it (CSV, Parquet, or --formats), into a fresh workbench (SQLite in a
temporary folder). Each case runs --repeat times; the script prints the best time and the range,
and the files' sizes.

    python benchmarks/workbench_dataset_import.py [--dataset var/demo/diy] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from workbench_export import timed

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = {"csv": "csv", "parquet": "parquet", "xlsx": "xlsx", "dta": "dta"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / "var/demo/diy")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--formats", default="csv,parquet")
    options = parser.parse_args()
    if not (options.dataset / "dataset.json").is_file():
        sys.exit(f"no dataset at {options.dataset}: run `make demo` first")
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(
            SEJAHTERA_DATA=folder,
            SEJAHTERA_DATASETS=str(Path(folder) / "datasets"),
            SEJAHTERA_TASKS="immediate",
            DJANGO_SETTINGS_MODULE="sejahtera.workbench.settings",
        )
        os.environ.pop("DATABASE_URL", None)
        run(Path(folder), options.dataset, options.repeat, options.formats.split(","))


def run(folder: Path, dataset: Path, repeat: int, formats: list[str]) -> None:
    import django

    django.setup()
    sys.path.insert(0, str(ROOT / "tests"))
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from sejahtera.data.dataset import Dataset as DataFolder
    from workbench_datasets import _plain, written

    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("bench")
    data = DataFolder.open(dataset)
    households, persons = _plain(data.households()), _plain(data.persons())
    print(f"{len(households):,} households, {len(persons):,} persons")
    print("| format | case | best s | range s |\n|---|---|---:|---:|")

    mapping = {"format": "sejahtera-mapping/v1"} | {
        table: {"columns": {c: c for c in frame.columns}}
        for table, frame in (("households", households), ("persons", persons))
    }
    for kind in formats:
        paths = {
            "households": written(households, folder, "rumah_tangga", SUFFIX[kind]),
            "persons": written(persons, folder, "anggota", SUFFIX[kind]),
        }
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in paths.values())
        print(f"| {kind} | files: {sizes} | | |")
        result = measure(kind, paths, owner, mapping, repeat)
        assert result["households"] == len(households), result


def measure(kind: str, paths: dict[str, Path], owner, mapping: dict, repeat: int) -> dict:
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from sejahtera.workbench.core.jobs import Progress
    from sejahtera.workbench.core.models import Job
    from sejahtera.workbench.datasets import importing, uploads

    def show(case: str, seconds: list[float]) -> None:
        print(f"| {kind} | {case} | {min(seconds):.2f} | {min(seconds):.2f}–{max(seconds):.2f} |")

    def store():
        received = {}
        for table, path in paths.items():
            file = TemporaryUploadedFile(path.name, "application/octet-stream", 0, None)
            file.write(path.read_bytes())
            file.size = path.stat().st_size
            file.seek(0)
            received[table] = file
        return uploads.store(received, owner=owner, dataset=None, dataset_name=kind)

    seconds, made = timed(store, repeat)
    show("store the upload (request)", seconds)
    seconds, _ = timed(lambda: uploads.preview(made, None), repeat)
    show("mapping page: first rows (request)", seconds)

    def imported() -> dict:
        upload = store()
        job = Job.objects.create(kind=importing.IMPORT, title="bench", owner=owner, state="running")
        return importing.import_upload(Progress(job), {"upload": upload.pk, "mapping": mapping})

    seconds, result = timed(imported, repeat)
    show("import: read, map, check, write (job)", seconds)
    return result  # type: ignore[return-value]


if __name__ == "__main__":
    main()
