"""``sejahtera profile``: the needs profile of a region as one HTML page, with its numbers.

The page is self-contained (inline CSS and SVG, no script, no network): it opens from a shared
folder or an e-mail attachment. ``profile.json`` and one CSV per table hold the same numbers, from
the same tables, for people who rework them in a spreadsheet.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sejahtera import __version__
from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import AGE_GROUPS, Table, household_frame
from sejahtera.data.labels import value_label
from sejahtera.data.regions import common_parent, level_of, registry
from sejahtera.data.schema import EDUCATION
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, language, text
from sejahtera.measure.profile import NeedsProfile, needs_profile
from sejahtera.measure.result import indicator_label, records
from sejahtera.report import html
from sejahtera.report.charts import bar_chart
from sejahtera.report.html import Cell, Figure, figure
from sejahtera.report.maps import choropleth
from sejahtera.report.svg import number_format


def today(
    rules: str | Path, persons: pd.DataFrame, households: pd.DataFrame, dataset: Dataset
) -> dict[str, np.ndarray]:
    """Whether each household receives each programme today, in the year of the data."""
    from sejahtera.simulate.scenario import scenario

    year = int(str(dataset.manifest.reference_date)[:4])
    result = scenario(rules, persons, households, year)
    return {name: result.results[name].to_numpy() > 0 for name in result.programmes}


LEVEL_NAMES = {"regency_code": "regency", "district_code": "district", "village_code": "village"}


def write_profile(
    data: Path, out: Path, overwrite: bool = False, rules: str | Path = "indonesia"
) -> Path:
    """Compute and write the profile of the dataset at ``data`` into the folder ``out``.

    Coverage counts who receives each programme today as ``sejahtera simulate`` does with the
    ruleset ``rules`` (recorded receipt, or places allotted by quota), so both give the same
    number of poor people no programme reaches. The folder appears complete or not at all: it is
    written beside ``out`` and renamed.
    """
    if out.exists() and not overwrite:
        raise SejahteraError("profile.exists", path=out)
    if out.exists() and not out.is_dir():
        raise SejahteraError("profile.not_folder", path=out)
    if not (Path(data) / "dataset.json").is_file():
        raise SejahteraError("profile.needs_dataset", path=data)
    dataset = Dataset.open(data)
    persons = dataset.persons()
    table = Table(household_frame(dataset, persons), str(dataset.path), "size", dataset=dataset)
    lacking = [
        column
        for column in ("consumption_pc", "poverty_line")
        if column not in table.frame or table.frame[column].isna().all()
    ]
    if lacking:
        raise SejahteraError("profile.needs_welfare", path=data, columns=", ".join(lacking))
    profile = needs_profile(table, persons, today(rules, persons, table.frame, dataset))
    lang = language()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        tables = _tables(profile)
        for name, frame in tables.items():
            frame.to_csv(staging / f"{name}.csv", index=False)
        meta = _meta(dataset)
        (staging / "profile.json").write_text(
            json.dumps(
                {"meta": meta, **{k: records(v) for k, v in tables.items()}},
                ensure_ascii=False,
                indent=1,
                allow_nan=False,
            ),
            encoding="utf-8",
        )
        (staging / "index.html").write_text(render(profile, meta, lang), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out / "index.html"


def _meta(dataset: Dataset) -> dict[str, object]:
    manifest = dataset.manifest
    names = registry()
    code = manifest.region_code
    return {
        "dataset": manifest.name,
        "region_code": code,
        "region": names.name(code) if code in names else code,
        "reference_date": manifest.reference_date,
        "synthetic": manifest.synthetic,
        "households": manifest.households,
        "persons": manifest.persons,
        "generated": date.today().isoformat(),
        "language": language(),
        "sejahtera": __version__,
    }


def _tables(profile: NeedsProfile) -> dict[str, pd.DataFrame]:
    tables = {"overall": profile.overall, "traits": profile.traits}
    for level, frame in profile.areas.items():
        tables[f"areas_{LEVEL_NAMES[level]}"] = frame
    for column, frame in profile.rates.items():
        tables[f"poverty_by_{column}"] = frame
    if not profile.coverage.empty:
        tables["coverage"] = profile.coverage
    for spec, frame in profile.mpi.items():
        tables[f"mpi_{spec.replace('-', '_')}"] = frame
    return tables


# -- HTML (templates/profile.html) -------------------------------------------------------------

Fmt = Callable[[float], str]


@dataclass(frozen=True)
class Formats:
    """The page's number formats in the reader's convention."""

    pct: Fmt
    num: Fmt
    dec: Fmt

    @classmethod
    def of(cls, lang: Language) -> Formats:
        return cls(
            pct=number_format(1, percent=True, language_code=lang),
            num=number_format(0, language_code=lang),
            dec=number_format(3, language_code=lang),
        )


def render(profile: NeedsProfile, meta: dict[str, object], lang: Language) -> str:
    """The profile page: values are plain text here, escaped by the template."""
    formats = Formats.of(lang)
    counts = {
        **meta,
        "households": formats.num(meta["households"]),  # type: ignore[arg-type]
        "persons": formats.num(meta["persons"]),  # type: ignore[arg-type]
    }
    return html.render(
        "profile.html",
        lang,
        meta=meta,
        counts=counts,
        version=__version__,
        kpis=_summary(profile, formats, lang),
        areas=_areas(profile, formats, lang),
        traits=_traits(profile, formats, lang),
        rates=_rates(profile, formats, lang),
        mpi=_mpi(profile, formats, lang),
        coverage=_coverage(profile, formats, lang),
    )


def _fmt(fmt: Fmt, value: object) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return fmt(float(value))  # type: ignore[arg-type]


def _interval(fmt: Fmt, low: object, high: object) -> str:
    return f"{_fmt(fmt, low)} – {_fmt(fmt, high)}"


def _n(fmt: Fmt, value: object) -> Cell:
    return Cell(_fmt(fmt, value), "n")


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    interval: str


def _summary(profile: NeedsProfile, formats: Formats, lang: Language) -> list[Kpi]:
    overall = profile.overall.set_index("indicator")
    shown = [
        ("fgt0", formats.pct),
        ("poor_count", formats.num),
        ("fgt1", formats.pct),
        ("fgt2", formats.pct),
        ("gini", formats.dec),
        ("poverty_line", formats.num),
        ("mean", formats.num),
    ]
    return [
        Kpi(
            indicator_label(name, lang),
            _fmt(fmt, overall.loc[name, "estimate"]),
            _interval(fmt, overall.loc[name, "ci_low"], overall.loc[name, "ci_high"]),
        )
        for name, fmt in shown
        if name in overall.index
    ]


def _flag(reliability: object, lang: Language) -> Cell:
    if reliability in (None, "ok") or (isinstance(reliability, float) and math.isnan(reliability)):
        return Cell("", "flag")
    return Cell(text(f"measure.flag_{reliability}", lang), "flag")


@dataclass(frozen=True)
class Level:
    """One level of areas: its maps and chart, then its table (or, for desa, a note)."""

    figures: list[Figure]
    heading: str = ""
    table: html.Table | None = None
    note: str = ""


def _areas(profile: NeedsProfile, formats: Formats, lang: Language) -> list[Level]:
    levels = []
    for level, frame in profile.areas.items():
        name = LEVEL_NAMES[level]
        flags = {
            row.code: text(f"measure.flag_{row.reliability}", lang)
            for row in frame.itertuples()
            if row.reliability != "ok"
        }
        title = text("profile.map_fgt0", lang, level=text(f"profile.level_{name}", lang))
        fgt0 = indicator_label("fgt0", lang)
        figures = [_map(frame, "fgt0", title, fgt0, formats.pct, flags, lang)]
        if name == "district":
            gini = indicator_label("gini", lang)
            figures.append(
                _map(frame, "gini", text("profile.map_gini", lang), gini, formats.dec, flags, lang)
            )
        if name == "regency":
            figures.append(
                _bars(frame, profile, text("profile.chart_regency", lang), formats, lang)
            )
        if name == "village":  # 400+ desa: the map and the CSV, not a table on the page
            levels.append(Level(figures, note=text("profile.village_note", lang, count=len(frame))))
            continue
        header = [
            text("profile.col_area", lang),
            *(indicator_label(i, lang) for i in ("fgt0", "poor_count", "fgt1", "gini")),
            text("profile.col_se_fgt0", lang),
            "n",
            "",
        ]
        rows = [
            [
                Cell(f"{row.name} ({row.code})"),
                _n(formats.pct, row.fgt0),
                _n(formats.num, row.poor_count),
                _n(formats.pct, row.fgt1),
                _n(formats.dec, row.gini),
                _n(formats.pct, row.fgt0_se),
                _n(formats.num, row.n),
                _flag(row.reliability, lang),
            ]
            for row in frame.itertuples()
        ]
        levels.append(Level(figures, text(f"profile.table_{name}", lang), html.Table(header, rows)))
    return levels


def _bars(
    frame: pd.DataFrame, profile: NeedsProfile, title: str, formats: Formats, lang: Language
) -> Figure:
    """P0 per area with its 95 % interval, against the whole region's P0."""
    overall = profile.overall.set_index("indicator").loc["fgt0", "estimate"]
    intervals = [(r.fgt0 - 1.96 * r.fgt0_se, r.fgt0 + 1.96 * r.fgt0_se) for r in frame.itertuples()]
    return figure(
        bar_chart(
            [str(name) for name in frame["name"]],
            frame["fgt0"].tolist(),
            title=title,
            fmt=formats.pct,
            intervals=intervals,
            reference=float(overall),
            reference_label=text("profile.whole_region", lang),
            language_code=lang,
        )
    )


def _map(
    frame: pd.DataFrame,
    column: str,
    title: str,
    legend: str,
    fmt: Fmt,
    flags: dict[str, str],
    lang: Language,
) -> Figure:
    """A choropleth of ``column`` by area, or a note when no boundaries ship for those areas."""
    values = {row["code"]: row[column] for row in frame.to_dict("records")}
    level = level_of(next(iter(values), ""))
    if level is None:
        return Figure()
    try:
        svg = choropleth(
            values,
            level,
            common_parent(list(values)),
            title=title,
            legend_title=legend,
            fmt=fmt,  # type: ignore[arg-type]
            flags=flags,
            language_code=lang,
        )
    except SejahteraError:  # kecamatan and desa boundaries ship for DI Yogyakarta only
        return Figure(note=text("profile.no_map", lang, title=title))
    return figure(svg)


def _traits(profile: NeedsProfile, formats: Formats, lang: Language) -> html.Table:
    rows = []
    for row in profile.traits.itertuples():
        fmt = formats.pct if row.kind == "share" else formats.dec
        rows.append(
            [
                Cell(text(f"profile.trait.{_trait_key(row.trait)}", lang)),
                _n(fmt, row.poor),
                _n(fmt, row.non_poor),
                _n(fmt, row.all),
            ]
        )
    header = [
        text(f"profile.col_{column}", lang) for column in ("trait", "poor", "non_poor", "all")
    ]
    return html.Table(header, rows)


@dataclass(frozen=True)
class Rate:
    """P0 by one trait of the household: a chart and its table."""

    heading: str
    chart: Figure
    table: html.Table


def _rates(profile: NeedsProfile, formats: Formats, lang: Language) -> list[Rate]:
    rates = []
    overall = profile.overall.set_index("indicator").loc["fgt0", "estimate"]
    for column, frame in profile.rates.items():
        fgt0 = _in_order(frame[frame["indicator"] == "fgt0"], column)
        heading = text("profile.rate_by", lang, group=text(f"profile.group.{column}", lang))
        chart = bar_chart(
            [value_label(column, value, lang) for value in fgt0[column]],
            fgt0["estimate"].tolist(),
            title=heading,
            fmt=formats.pct,
            intervals=list(zip(fgt0["ci_low"], fgt0["ci_high"], strict=True)),
            reference=float(overall),
            reference_label=text("profile.whole_region", lang),
            language_code=lang,
        )
        header = [
            text(f"profile.group.{column}", lang),
            indicator_label("fgt0", lang),
            text("profile.ci", lang),
            "n",
        ]
        rows = [
            [
                Cell(value_label(column, row[column], lang)),
                _n(formats.pct, row["estimate"]),
                Cell(_interval(formats.pct, row["ci_low"], row["ci_high"]), "n"),
                _n(formats.num, row["n"]),
            ]
            for row in fgt0.to_dict("records")
        ]
        rates.append(Rate(heading, figure(chart), html.Table(header, rows)))
    return rates


# Groups with a natural order are shown in it (education from none up), not alphabetically.
_ORDER = {
    "head_education": (*EDUCATION, "unknown"),
    "head_age_group": tuple(label for _, _, label in AGE_GROUPS),
}


def _in_order(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    order = _ORDER.get(column)
    if order is None:
        return frame
    rank = {value: position for position, value in enumerate(order)}
    return frame.sort_values(column, key=lambda values: values.map(rank), kind="stable")


def _trait_key(trait: str) -> str:
    return trait.replace("=", "_").replace("|", "_").replace("<", "_below_")


@dataclass(frozen=True)
class Spec:
    """One MPI specification: the map of M0 and the ten areas with the highest M0."""

    map: Figure
    table: html.Table


def _mpi(profile: NeedsProfile, formats: Formats, lang: Language) -> list[Spec]:
    specs = []
    for spec, frame in profile.mpi.items():
        label = text(f"profile.spec.{spec.replace('-', '_')}", lang)
        title = text("profile.map_mpi", lang, spec=label)
        rows = [
            [
                Cell(f"{row['name']} ({row['code']})"),
                _n(formats.pct, row["mpi_H"]),
                _n(formats.pct, row["mpi_A"]),
                _n(formats.dec, row["mpi_M0"]),
            ]
            for row in frame.head(10).to_dict("records")
        ]
        header = [text("profile.col_area", lang), "H", "A", "M0"]
        specs.append(
            Spec(
                _map(frame, "mpi_M0", title, "M0", formats.dec, {}, lang), html.Table(header, rows)
            )
        )
    return specs


@dataclass(frozen=True)
class Coverage:
    """Poor people no programme reaches, by area: a map and the ranked table."""

    map: Figure
    table: html.Table


def _coverage(profile: NeedsProfile, formats: Formats, lang: Language) -> Coverage | None:
    frame = profile.coverage
    if frame.empty:
        return None
    flags = {
        row.code: text("measure.flag_few_rows", lang) for row in frame.itertuples() if row.few_rows
    }
    exclusion = text("profile.col_exclusion", lang)
    title = text("profile.map_exclusion", lang)
    programmes = [
        c.removeprefix("exclusion_")
        for c in frame
        if c.startswith("exclusion_") and not c.endswith("_se")
    ]
    header = [
        *(
            text(f"profile.col_{column}", lang)
            for column in ("rank", "area", "poor_people", "unreached", "exclusion", "inclusion")
        ),
        *(text(f"profile.col_exclusion_{p}", lang) for p in programmes),
    ]
    rows = [
        [
            Cell(str(row["rank"]), "n"),
            Cell(f"{row['name']} ({row['code']})"),
            _n(formats.num, row["poor_people"]),
            _n(formats.num, row["unreached_poor"]),
            _n(formats.pct, row["exclusion"]),
            _n(formats.pct, row["inclusion"]),
            *(_n(formats.pct, row[f"exclusion_{p}"]) for p in programmes),
        ]
        for row in frame.to_dict("records")
    ]
    return Coverage(
        _map(frame, "exclusion", title, exclusion, formats.pct, flags, lang),
        html.Table(header, rows),
    )
