"""``sejahtera measure``, ``mpi`` and ``profile``: who is poor or deprived, where, how badly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pandas as pd

from sejahtera.cli.support import friendly
from sejahtera.errors import SejahteraError
from sejahtera.i18n import text

_data_argument = click.argument("data", type=click.Path(path_type=Path))
_by_option = click.option(
    "--by",
    default="",
    help="Kolom pengelompokan, dipisah koma / grouping columns, comma-separated "
    "(mis./e.g. district_code,urban).",
)
_json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Cetak baris tidy sebagai JSON / print tidy rows as JSON.",
)
_weight_option = click.option(
    "--weight", default=None, help="Kolom bobot / weight column (dataset: weight)."
)
_design_options = (
    click.option("--strata", default=None, help="Kolom strata survei / survey strata column."),
    click.option("--psu", default=None, help="Kolom PSU survei / survey PSU column."),
)
_table_option = click.option(
    "--table", "r_table", default=None, help="Objek dalam berkas .RData / object in an .RData file."
)


def _columns(value: str) -> list[str]:
    """``a, b,a`` → ``[a, b]``: each name once, in order."""
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def _show(result: Any, as_json: bool) -> None:
    """A result as JSON tidy rows, or as its summary for people."""
    if as_json:
        _echo_tidy(result.tidy())
    else:
        click.echo(result.summary())


def _echo_tidy(frame: pd.DataFrame) -> None:
    from sejahtera.measure.result import records

    click.echo(json.dumps(records(frame), ensure_ascii=False, indent=2))


@click.command(
    "measure",
    help="Kemiskinan dan ketimpangan (FGT, Gini, Theil, Atkinson, Palma, …) / "
    "poverty and inequality indicators.",
)
@_data_argument
@click.option(
    "--welfare",
    default=None,
    help="Kolom kesejahteraan per kapita / welfare column (dataset: consumption_pc).",
)
@_weight_option
@click.option(
    "--size",
    default=None,
    help="Kolom jumlah anggota rumah tangga / household size column "
    "(bobot × ukuran / weight × size).",
)
@click.option(
    "--line",
    default=None,
    help="Garis kemiskinan: angka, kolom, atau 60%median / poverty "
    "line: number, column or 60%median (dataset: poverty_line).",
)
@click.option(
    "--extreme-line", default=None, help="Garis kemiskinan ekstrem / extreme poverty line."
)
@_by_option
@_design_options[0]
@_design_options[1]
@click.option(
    "--indicators",
    default="",
    help="Indikator yang dihitung, dipisah koma / indicators, "
    "comma-separated (default: semua / all).",
)
@click.option(
    "--quantiles",
    "quantile_method",
    type=click.Choice(["eurostat", "inverse_cdf", "interpolate"]),
    default="eurostat",
    show_default=True,
    help="Definisi kuantil / quantile definition.",
)
@click.option(
    "--variance",
    type=click.Choice(["linearisation", "bootstrap", "none"]),
    default="linearisation",
    show_default=True,
    help="Cara menghitung galat baku / how standard errors are computed.",
)
@click.option(
    "--replicates",
    default=200,
    show_default=True,
    type=click.IntRange(2),
    help="Ulangan bootstrap / bootstrap replicates.",
)
@click.option(
    "--decompose",
    is_flag=True,
    help="Dekomposisi menurut --by / decompose by --by (FGT, Theil, MLD).",
)
@click.option(
    "--stream",
    is_flag=True,
    help="Baca Parquet bertahap: data lebih besar dari memori, tanpa galat baku / stream "
    "Parquet: data larger than memory, no standard errors.",
)
@_table_option
@_json_option
@friendly
def measure_command(
    data: Path,
    welfare: str | None,
    weight: str | None,
    size: str | None,
    line: str | None,
    extreme_line: str | None,
    by: str,
    strata: str | None,
    psu: str | None,
    indicators: str,
    quantile_method: str,
    variance: str,
    replicates: int,
    decompose: bool,
    stream: bool,
    r_table: str | None,
    as_json: bool,
) -> None:
    from sejahtera.measure.measurement import measure_of

    groups = _columns(by)
    if stream:
        refused = {
            "--strata": strata is not None,
            "--psu": psu is not None,
            "--decompose": decompose,
            "--variance": variance != "linearisation",
            "--quantiles": quantile_method != "eurostat",
            "--table": r_table is not None,
        }
        for option, given in refused.items():
            if given:
                raise SejahteraError("measure.stream_option", option=option)
        _measure_stream(
            data, welfare, weight, size, line, extreme_line, groups, _columns(indicators), as_json
        )
        return
    result = measure_of(
        data,
        welfare,
        weight=weight,
        size=size,
        line=line,
        extreme_line=extreme_line,
        by=groups,
        strata=strata,
        psu=psu,
        indicators=_columns(indicators) or None,
        quantile_method=quantile_method,  # type: ignore[arg-type]
        variance=variance,  # type: ignore[arg-type]
        replicates=replicates,
        decompose=decompose,
        table=r_table,
    )
    _show(result, as_json)


def _measure_stream(
    data: Path,
    welfare: str | None,
    weight: str | None,
    size: str | None,
    line: str | None,
    extreme_line: str | None,
    groups: list[str],
    indicators: list[str],
    as_json: bool,
) -> None:
    """``measure --stream``: point estimates over Parquet too large for memory."""
    from sejahtera.data.dataset import MANIFEST
    from sejahtera.measure.lines import parse_line
    from sejahtera.measure.outofcore import measure_parquet

    if (data / MANIFEST).is_file() or not (data.is_dir() or data.suffix == ".parquet"):
        raise SejahteraError("measure.stream_parquet", path=data)
    if welfare is None:
        raise SejahteraError("measure.welfare_required", file=data)
    result = measure_parquet(
        data,
        welfare,
        weight=weight,
        line=parse_line(line),
        extreme_line=parse_line(extreme_line),
        by=groups,
        size=size,
        indicators=indicators or None,
    )
    _show(result, as_json)


@click.command(
    "mpi",
    help="Kemiskinan multidimensi Alkire–Foster / Alkire–Foster multidimensional poverty.",
)
@_data_argument
@click.option(
    "--spec",
    required=True,
    help="Spesifikasi YAML atau nama bawaan (global, housing-id) / YAML spec or shipped name.",
)
@click.option(
    "--k",
    "cutoff",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Ganti ambang kemiskinan k dari spesifikasi, untuk uji kepekaan / replace the spec's "
    "poverty cut-off k, for a sensitivity check.",
)
@_weight_option
@_by_option
@_design_options[0]
@_design_options[1]
@_table_option
@_json_option
@friendly
def mpi_command(
    data: Path,
    spec: str,
    cutoff: float | None,
    weight: str | None,
    by: str,
    strata: str | None,
    psu: str | None,
    r_table: str | None,
    as_json: bool,
) -> None:
    from sejahtera.measure.measurement import mpi_of

    result = mpi_of(
        data, spec, k=cutoff, weight=weight, by=_columns(by), strata=strata, psu=psu, table=r_table
    )
    _show(result, as_json)


@click.command(
    "profile",
    help="Profil kebutuhan wilayah (HTML, JSON, CSV) / needs profile of a region.",
)
@_data_argument
@click.option(
    "--out", required=True, type=click.Path(path_type=Path), help="Folder keluaran / output folder."
)
@click.option(
    "--overwrite", is_flag=True, help="Timpa folder keluaran / replace the output folder."
)
@click.option(
    "--rules",
    default="indonesia",
    show_default=True,
    help="Ruleset untuk penerima hari ini / ruleset that says who receives what today.",
)
@friendly
def profile_command(data: Path, out: Path, overwrite: bool, rules: str) -> None:
    from sejahtera.report.profile import write_profile

    written = write_profile(data, out, overwrite=overwrite, rules=rules)
    click.echo(text("profile.written", path=written))


@click.command(
    "sae",
    help="Estimasi area kecil Fay–Herriot (P0 per kecamatan dari survei) / Fay–Herriot "
    "small-area estimates of P0 from a survey.",
)
@_data_argument
@click.option(
    "--auxiliary",
    required=True,
    type=click.Path(path_type=Path),
    help="Tabel satu baris per area dengan kovariat / one row per area with the covariates.",
)
@click.option(
    "--covariates", required=True, help="Kolom kovariat, dipisah koma / covariate columns."
)
@click.option(
    "--area", default="district_code", show_default=True, help="Kolom area / area column."
)
@click.option("--welfare", default=None, help="Kolom kesejahteraan / welfare column.")
@click.option("--line", default=None, help="Kolom garis kemiskinan / poverty-line column.")
@_weight_option
@click.option("--size", default=None, help="Kolom jumlah anggota / household size column.")
@_design_options[0]
@_design_options[1]
@click.option(
    "--method",
    type=click.Choice(["reml", "ml", "fh"]),
    default="reml",
    show_default=True,
    help="Penduga ragam area / estimator of the area variance.",
)
@click.option(
    "--unstable",
    type=click.Choice(["gvf", "synthetic"]),
    default="gvf",
    show_default=True,
    help="Area dengan ragam langsung tak terpakai / areas whose direct variance is unusable.",
)
@_table_option
@_json_option
@friendly
def sae_command(
    data: Path,
    auxiliary: Path,
    covariates: str,
    area: str,
    welfare: str | None,
    line: str | None,
    weight: str | None,
    size: str | None,
    strata: str | None,
    psu: str | None,
    method: str,
    unstable: str,
    r_table: str | None,
    as_json: bool,
) -> None:
    from sejahtera.data.frame import load
    from sejahtera.data.readers import read_table
    from sejahtera.measure.inputs import numeric
    from sejahtera.measure.measurement import survey_design
    from sejahtera.measure.sae import FayHerriotOptions, SurveyColumns, fay_herriot_poverty

    table = load(data, (), r_table)
    strata, psu = survey_design(table, strata, psu)
    survey = SurveyColumns(
        area=area,
        welfare=welfare or "consumption_pc",
        poverty_line=line or "poverty_line",
        weight=weight or "weight",
        strata=strata,
        psu=psu,
        household_size=size or table.size,
    )
    frame = table.frame.copy()
    for column in (survey.welfare, survey.poverty_line, survey.weight):
        if column in frame:
            frame[column] = numeric(frame, column, table.source, decimal=table.decimal)
    source = read_table(auxiliary)
    columns = _columns(covariates)
    aux = source.frame.copy()
    for column in columns:
        if column not in aux:
            raise SejahteraError(
                "measure.unknown_column",
                column=column,
                file=source.file,
                known=", ".join(map(str, aux.columns)),
            )
        aux[column] = numeric(aux, column, source.file, decimal=source.decimal)
    if area in aux and area in frame:
        aux[area] = aux[area].astype(str)
        frame[area] = frame[area].astype(str)
    result = fay_herriot_poverty(
        frame,
        aux,
        covariates=columns,
        survey=survey,
        unstable=unstable,  # type: ignore[arg-type]
        options=FayHerriotOptions(method=method),  # type: ignore[arg-type]
    )
    _show(result, as_json)


COMMANDS = (measure_command, mpi_command, profile_command, sae_command)
