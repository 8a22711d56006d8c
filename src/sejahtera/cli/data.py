"""``sejahtera data`` (import, validate, describe, load), ``sejahtera synth`` and ``sejahtera
regions``: microdata in, checked, summarised; synthetic regions; the region registry."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sejahtera.cli.support import ON_SCREEN, friendly
from sejahtera.errors import ProblemReport, SejahteraError
from sejahtera.i18n import format_number, text


@click.group(
    help="Dataset mikro: impor, validasi, ringkasan / microdata: import, validate, describe."
)
def data() -> None:
    pass


_out_option = click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder dataset tujuan / dataset folder to create.",
)


def _report_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--report and --limit, shared by the commands that check data."""
    command = click.option(
        "--limit",
        default=1000,
        show_default=True,
        type=click.IntRange(min=1),
        help="Masalah yang dicatat lengkap / problems kept in full.",
    )(command)
    return click.option(
        "--report",
        "report_path",
        type=click.Path(path_type=Path),
        default=None,
        help="Tulis laporan masalah (.json atau .csv) / write the problem report (.json or .csv).",
    )(command)


def _write_report(report: ProblemReport, path: Path | None) -> None:
    if path is None:
        return
    content = report.to_csv() if path.suffix.lower() == ".csv" else report.to_json()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise SejahteraError("cli.report_failed", path=path, detail=exc.strerror or exc) from None
    click.echo(text("cli.report_written", path=path), err=True)


@data.command(
    "import", help="Impor berkas sumber dengan pemetaan / import source files with a mapping."
)
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Berkas pemetaan YAML / mapping YAML file.",
)
@_out_option
@click.option("--name", default=None, help="Nama dataset / dataset name.")
@click.option("--reference-date", default=None, help="Tanggal acuan (YYYY-MM-DD) / reference date.")
@click.option(
    "--overwrite", is_flag=True, help="Ganti dataset yang ada / replace an existing dataset."
)
@_report_options
@friendly
def data_import(
    source: Path,
    mapping_path: Path,
    out: Path,
    name: str | None,
    reference_date: str | None,
    overwrite: bool,
    report_path: Path | None,
    limit: int,
) -> None:
    from sejahtera.data.importer import ImportFailed, import_dataset
    from sejahtera.data.mapping import load_mapping

    mapping = load_mapping(mapping_path)
    try:
        dataset = import_dataset(
            source,
            mapping,
            out,
            name=name,
            reference_date=reference_date,
            limit=limit,
            overwrite=overwrite,
        )
    except ImportFailed as failed:
        _write_report(failed.report, report_path)
        raise
    click.echo(
        text(
            "cli.imported",
            path=dataset.path,
            households=dataset.manifest.households,
            persons=dataset.manifest.persons,
        )
    )


@data.command("validate", help="Periksa dataset / check a dataset.")
@click.argument("folder", type=click.Path(path_type=Path))
@_report_options
@friendly
def data_validate(folder: Path, report_path: Path | None, limit: int) -> None:
    from sejahtera.data.dataset import Dataset
    from sejahtera.data.validate import validate_dataset

    dataset = Dataset.open(folder)
    report = validate_dataset(dataset, limit=limit)
    _write_report(report, report_path)
    if report:
        click.echo(report.to_table(ON_SCREEN))
        click.echo(text("cli.invalid", count=report.total), err=True)
        sys.exit(1)
    click.echo(
        text(
            "cli.valid",
            path=folder,
            households=dataset.manifest.households,
            persons=dataset.manifest.persons,
        )
    )


@data.command("describe", help="Ringkasan dataset / summary of a dataset.")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON / JSON output.")
@friendly
def data_describe(folder: Path, as_json: bool) -> None:
    from sejahtera.data.dataset import Dataset
    from sejahtera.data.describe import describe

    summary = describe(Dataset.open(folder))
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    click.echo(_describe_text(summary))


def _describe_text(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['name']}  ({summary['schema']})",
        text(
            "cli.describe_counts",
            households=summary["households"],
            persons=summary["persons"],
            files=summary["files"],
        ),
        text(
            "cli.describe_meta",
            region=summary["region_code"] or "-",
            date=summary["reference_date"],
            source=summary["source"],
            synthetic=text("cli.yes") if summary["synthetic"] else text("cli.no"),
        ),
        "",
    ]
    for row in summary["regencies"]:
        lines.append(
            f"  {row['code']:<6} {row['name']:<34} {format_number(row['households']):>10} "
            f"{format_number(row['households_weighted']):>14}"
        )
    for table, columns in summary["columns"].items():
        lines += ["", text(f"cli.describe_{table}")]
        for col in columns:
            detail = ""
            if "mean" in col:
                detail = text(
                    "cli.describe_range",
                    low=_plain(col["min"]),
                    mean=_plain(col["mean"]),
                    high=_plain(col["max"]),
                )
            elif "values" in col:
                detail = ", ".join(f"{k} {format_number(v)}" for k, v in col["values"].items())
            lines.append(
                f"  {col['column']:<18} {col['type']:<8} "
                f"{text('cli.missing')} {format_number(col['missing']):>8}  {detail}"
            )
    return "\n".join(lines)


def _plain(value: float) -> str:
    """A column's minimum, mean or maximum with as many decimals as its size calls for."""
    size = abs(float(value))
    return format_number(value, decimals=0 if size >= 100 else 2 if size >= 1 else 4)


@data.command("load", help="Muat dataset ke basis data SQL / load a dataset into a SQL database.")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--database", required=True, help="sqlite:///berkas.db atau/or postgresql://host:port/name"
)
@click.option(
    "--replace", is_flag=True, help="Muat ulang dataset yang sama / load the same dataset again."
)
@friendly
def data_load(folder: Path, database: str, replace: bool) -> None:
    from sejahtera.data.dataset import Dataset
    from sejahtera.data.sql import load

    loaded = load(Dataset.open(folder), database, replace=replace)
    click.echo(
        text(
            "cli.loaded", id=loaded.dataset_id, households=loaded.households, persons=loaded.persons
        )
    )


@click.command(help="Bangun wilayah sintetis / build a synthetic region.")
@click.option(
    "--region",
    required=True,
    help="Kode Kemendagri (34, 34.04, 34.04.13) atau ID / Kemendagri code or ID.",
)
@click.option("--households", required=True, type=int, help="Jumlah rumah tangga / households.")
@click.option("--seed", default=1, show_default=True, type=int, help="Benih acak / random seed.")
@_out_option
@click.option(
    "--batch-size",
    default=250_000,
    show_default=True,
    type=int,
    help="Rumah tangga per bagian Parquet / households per Parquet part.",
)
@click.option(
    "--overwrite", is_flag=True, help="Ganti dataset yang ada / replace an existing dataset."
)
@click.option(
    "--panel",
    "panel_waves",
    default=0,
    type=int,
    help="Tambahkan panel evaluasi dengan sejumlah gelombang (2–6) / add an evaluation panel "
    "with this many waves (2-6).",
)
@click.option("--quiet", is_flag=True, help="Tanpa laporan kemajuan / no progress output.")
@friendly
def synth(
    region: str,
    households: int,
    seed: int,
    out: Path,
    batch_size: int,
    overwrite: bool,
    panel_waves: int,
    quiet: bool,
) -> None:
    from sejahtera.synth import SynthOptions, synthesise

    if batch_size < 1:
        raise click.BadParameter(text("cli.at_least_one"), param_hint="--batch-size")

    def progress(done: int, total: int) -> None:
        if not quiet:
            click.echo(text("cli.progress", done=done, total=total), err=True)

    dataset = synthesise(
        SynthOptions(region, households, seed, batch_size, panel_waves=panel_waves),
        out,
        overwrite=overwrite,
        progress=progress,
    )
    click.echo(
        text(
            "cli.synthesised",
            path=dataset.path,
            households=dataset.manifest.households,
            persons=dataset.manifest.persons,
        )
    )


@click.command(help="Daftar wilayah / list regions.")
@click.argument("code", required=False, default="")
@friendly
def regions(code: str) -> None:
    from sejahtera.data.regions import registry

    names = registry()
    if code and code not in names:
        raise SejahteraError("synth.unknown_region", code=code)
    shown = names.children(code)
    if code:
        click.echo(f"{code}  {names.name(code)}")
    for region in shown:
        click.echo(f"  {region.code:<14} {region.name}")


COMMANDS = (data, synth, regions)
