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
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sejahtera import __version__
from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import Table, household_frame
from sejahtera.data.regions import level_of, registry
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, language, text
from sejahtera.measure.profile import NeedsProfile, needs_profile
from sejahtera.measure.result import indicator_label, records
from sejahtera.report.charts import bar_chart
from sejahtera.report.maps import choropleth
from sejahtera.report.svg import escape, number_format


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


# -- HTML ------------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;
margin:1.5rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #225ea8;
padding-bottom:.2rem}h3{margin-top:1.4rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f3f6fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.flag{color:#a33;font-size:.85em}.note{color:#555;font-size:.9rem}
.synthetic{background:#fff4d6;border:1px solid #e0b84c;padding:.5rem .8rem}
figure{margin:1rem 0}figcaption{font-size:.9rem;color:#444}
.kpis{display:flex;flex-wrap:wrap;gap:.8rem}.kpi{border:1px solid #ccd;padding:.5rem .8rem;
min-width:10rem}.kpi b{display:block;font-size:1.3rem}
@media print{h2{break-before:page}}
"""


def render(profile: NeedsProfile, meta: dict[str, object], lang: Language) -> str:
    def t(key: str, **values: object) -> str:
        return escape(text(key, lang, **values))

    pct = number_format(1, percent=True, language_code=lang)
    num = number_format(0, language_code=lang)
    dec = number_format(3, language_code=lang)
    counts = {**meta, "households": num(meta["households"]), "persons": num(meta["persons"])}
    parts = [
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{t('profile.title', region=meta['region'])}</title><style>{STYLE}</style>",
        "</head><body>",
        f"<h1>{t('profile.title', region=meta['region'])}</h1>",
        f"<p class='note'>{t('profile.meta', **counts)}</p>",
    ]
    if meta["synthetic"]:
        parts.append(f"<p class='synthetic'>{t('profile.synthetic')}</p>")
    parts += _summary(profile, t, pct, num, lang)
    parts += _areas(profile, t, pct, num, dec, lang)
    parts += _who(profile, t, pct, dec, lang)
    parts += _mpi(profile, t, pct, dec, lang)
    parts += _coverage(profile, t, pct, num, lang)
    parts += [
        f"<h2>{t('profile.h_method')}</h2>",
        *(
            f"<p class='note'>{t(key)}</p>"
            for key in (
                "profile.method_fgt",
                "profile.method_se",
                "profile.method_flags",
                "profile.method_coverage",
                "profile.method_mpi",
            )
        ),
        f"<p class='note'>{t('profile.footer', version=__version__, date=meta['generated'])}</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


Text = Callable[..., str]
Fmt = Callable[[float], str]


def _table(header: Iterable[str], rows: Iterable[Iterable[tuple[str, bool]]]) -> str:
    """An HTML table; each cell is (already escaped text, is numeric)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td class='n'>{c}</td>" if n else f"<td>{c}</td>" for c, n in row)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(fmt: Fmt, value: object) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return escape(fmt(float(value)))  # type: ignore[arg-type]


def _summary(profile: NeedsProfile, t: Text, pct: Fmt, num: Fmt, lang: Language) -> list[str]:
    overall = profile.overall.set_index("indicator")
    shown = [
        ("fgt0", pct),
        ("poor_count", num),
        ("fgt1", pct),
        ("fgt2", pct),
        ("gini", number_format(3, language_code=lang)),
        ("poverty_line", num),
        ("mean", num),
    ]
    kpis = []
    for name, fmt in shown:
        if name not in overall.index:
            continue
        row = overall.loc[name]
        interval = f"{_fmt(fmt, row['ci_low'])} – {_fmt(fmt, row['ci_high'])}"
        kpis.append(
            f"<div class='kpi'>{escape(indicator_label(name, lang))}<b>{_fmt(fmt, row['estimate'])}"
            f"</b><span class='note'>{t('profile.ci')}: {interval}</span></div>"
        )
    return [f"<h2>{t('profile.h_summary')}</h2>", f"<div class='kpis'>{''.join(kpis)}</div>"]


def _flag(reliability: object, t: Text) -> str:
    if reliability in (None, "ok") or (isinstance(reliability, float) and math.isnan(reliability)):
        return ""
    return f"<span class='flag'>{t(f'measure.flag_{reliability}')}</span>"


def _areas(
    profile: NeedsProfile, t: Text, pct: Fmt, num: Fmt, dec: Fmt, lang: Language
) -> list[str]:
    parts = [f"<h2>{t('profile.h_areas')}</h2>", f"<p>{t('profile.areas_intro')}</p>"]
    for level, frame in profile.areas.items():
        name = LEVEL_NAMES[level]
        flags = {
            row.code: text(f"measure.flag_{row.reliability}", lang)
            for row in frame.itertuples()
            if row.reliability != "ok"
        }
        if name in ("regency", "district", "village"):
            parts.append(
                _map(
                    frame,
                    "fgt0",
                    t("profile.map_fgt0", level=t(f"profile.level_{name}")),
                    indicator_label("fgt0", lang),
                    pct,
                    flags,
                    lang,
                )
            )
        if name == "district":
            parts.append(
                _map(
                    frame,
                    "gini",
                    t("profile.map_gini"),
                    indicator_label("gini", lang),
                    dec,
                    flags,
                    lang,
                )
            )
        if name == "regency":
            parts.append(_bars(frame, profile, t("profile.chart_regency"), pct, lang))
        if name == "village":
            parts.append(f"<p class='note'>{t('profile.village_note', count=len(frame))}</p>")
            continue  # 400+ desa: the map and the CSV, not a table on the page
        parts.append(f"<h3>{t(f'profile.table_{name}')}</h3>")
        parts.append(
            _table(
                [
                    t("profile.col_area"),
                    *(
                        escape(indicator_label(i, lang))
                        for i in ("fgt0", "poor_count", "fgt1", "gini")
                    ),
                    t("profile.col_se_fgt0"),
                    "n",
                    "",
                ],
                (
                    [
                        (escape(f"{row.name} ({row.code})"), False),
                        (_fmt(pct, row.fgt0), True),
                        (_fmt(num, row.poor_count), True),
                        (_fmt(pct, row.fgt1), True),
                        (_fmt(dec, row.gini), True),
                        (_fmt(pct, row.fgt0_se), True),
                        (_fmt(num, row.n), True),
                        (_flag(row.reliability, t), False),
                    ]
                    for row in frame.itertuples()
                ),
            )
        )
    return parts


def _bars(frame: pd.DataFrame, profile: NeedsProfile, title: str, fmt: Fmt, lang: Language) -> str:
    """P0 per area with its 95 % interval, against the whole region's P0."""
    overall = profile.overall.set_index("indicator").loc["fgt0", "estimate"]
    intervals = [(r.fgt0 - 1.96 * r.fgt0_se, r.fgt0 + 1.96 * r.fgt0_se) for r in frame.itertuples()]
    svg = bar_chart(
        [str(name) for name in frame["name"]],
        frame["fgt0"].tolist(),
        title=title,
        fmt=fmt,
        intervals=intervals,
        reference=float(overall),
        reference_label=text("profile.whole_region", lang),
        language_code=lang,
    )
    return f"<figure>{svg}</figure>"


def _map(
    frame: pd.DataFrame,
    column: str,
    title: str,
    legend: str,
    fmt: Fmt,
    flags: dict[str, str],
    lang: Language,
) -> str:
    """A choropleth of ``column`` by area, or a note when no boundaries ship for those areas."""
    values = {row["code"]: row[column] for row in frame.to_dict("records")}
    level = level_of(next(iter(values), ""))
    if level is None:
        return ""
    try:
        svg = choropleth(
            values,
            level,
            _common_parent(list(values)),
            title=title,
            legend_title=legend,
            fmt=fmt,  # type: ignore[arg-type]
            flags=flags,
            language_code=lang,
        )
    except SejahteraError:  # kecamatan and desa boundaries ship for DI Yogyakarta only
        return f"<p class='note'>{escape(text('profile.no_map', lang, title=title))}</p>"
    return f"<figure>{svg}</figure>"


def _common_parent(codes: list[str]) -> str | None:
    """The deepest region containing every code (the province, or one kabupaten)."""
    if not codes:
        return None
    parts = [code.split(".") for code in codes]
    shared = []
    for pieces in zip(*parts, strict=False):
        if len(set(pieces)) != 1:
            break
        shared.append(pieces[0])
    depth = min(len(shared), min(len(p) for p in parts) - 1)
    return ".".join(shared[:depth]) or None


def _who(profile: NeedsProfile, t: Text, pct: Fmt, dec: Fmt, lang: Language) -> list[str]:
    parts = [f"<h2>{t('profile.h_who')}</h2>", f"<p>{t('profile.who_intro')}</p>"]
    rows = []
    for row in profile.traits.itertuples():
        fmt = pct if row.kind == "share" else dec
        rows.append(
            [
                (t(f"profile.trait.{_trait_key(row.trait)}"), False),
                (_fmt(fmt, row.poor), True),
                (_fmt(fmt, row.non_poor), True),
                (_fmt(fmt, row.all), True),
            ]
        )
    parts.append(
        _table(
            [
                t("profile.col_trait"),
                t("profile.col_poor"),
                t("profile.col_non_poor"),
                t("profile.col_all"),
            ],
            rows,
        )
    )
    for column, frame in profile.rates.items():
        fgt0 = frame[frame["indicator"] == "fgt0"]
        heading = text("profile.rate_by", lang, group=text(f"profile.group.{column}", lang))
        parts.append(f"<h3>{escape(heading)}</h3>")
        overall = profile.overall.set_index("indicator").loc["fgt0", "estimate"]
        svg = bar_chart(
            [_group_value(value, t) for value in fgt0[column]],
            fgt0["estimate"].tolist(),
            title=heading,
            fmt=pct,
            intervals=list(zip(fgt0["ci_low"], fgt0["ci_high"], strict=True)),
            reference=float(overall),
            reference_label=text("profile.whole_region", lang),
            language_code=lang,
        )
        parts.append(f"<figure>{svg}</figure>")
        parts.append(
            _table(
                [
                    t(f"profile.group.{column}"),
                    escape(indicator_label("fgt0", lang)),
                    t("profile.ci"),
                    "n",
                ],
                (
                    [
                        (escape(_group_value(row[column], t)), False),
                        (_fmt(pct, row["estimate"]), True),
                        (f"{_fmt(pct, row['ci_low'])} – {_fmt(pct, row['ci_high'])}", True),
                        (_fmt(number_format(0, language_code=lang), row["n"]), True),
                    ]
                    for row in fgt0.to_dict("records")
                ),
            )
        )
    return parts


def _trait_key(trait: str) -> str:
    return trait.replace("=", "_").replace("|", "_").replace("<", "_below_")


def _group_value(value: object, t: Text) -> str:
    if isinstance(value, bool):
        return text("cli.yes") if value else text("cli.no")
    return str(value)


def _mpi(profile: NeedsProfile, t: Text, pct: Fmt, dec: Fmt, lang: Language) -> list[str]:
    if not profile.mpi:
        return []
    parts = [f"<h2>{t('profile.h_mpi')}</h2>", f"<p>{t('profile.mpi_intro')}</p>"]
    for spec, frame in profile.mpi.items():
        label = t(f"profile.spec.{spec.replace('-', '_')}")
        parts.append(_map(frame, "mpi_M0", t("profile.map_mpi", spec=label), "M0", dec, {}, lang))
        parts.append(
            _table(
                [t("profile.col_area"), "H", "A", "M0"],
                (
                    [
                        (escape(f"{row['name']} ({row['code']})"), False),
                        (_fmt(pct, row["mpi_H"]), True),
                        (_fmt(pct, row["mpi_A"]), True),
                        (_fmt(dec, row["mpi_M0"]), True),
                    ]
                    for row in frame.head(10).to_dict("records")
                ),
            )
        )
    return parts


def _coverage(profile: NeedsProfile, t: Text, pct: Fmt, num: Fmt, lang: Language) -> list[str]:
    frame = profile.coverage
    if frame.empty:
        return [f"<h2>{t('profile.h_coverage')}</h2>", f"<p>{t('profile.no_coverage')}</p>"]
    parts = [f"<h2>{t('profile.h_coverage')}</h2>", f"<p>{t('profile.coverage_intro')}</p>"]
    flags = {
        row.code: text("measure.flag_few_rows", lang) for row in frame.itertuples() if row.few_rows
    }
    parts.append(
        _map(
            frame,
            "exclusion",
            t("profile.map_exclusion"),
            t("profile.col_exclusion"),
            pct,
            flags,
            lang,
        )
    )
    programmes = [
        c.removeprefix("exclusion_")
        for c in frame
        if c.startswith("exclusion_") and not c.endswith("_se")
    ]
    header = [
        t("profile.col_rank"),
        t("profile.col_area"),
        t("profile.col_poor_people"),
        t("profile.col_unreached"),
        t("profile.col_exclusion"),
        t("profile.col_inclusion"),
        *(t(f"profile.col_exclusion_{p}") for p in programmes),
    ]
    rows = (
        [
            (str(row["rank"]), True),
            (escape(f"{row['name']} ({row['code']})"), False),
            (_fmt(num, row["poor_people"]), True),
            (_fmt(num, row["unreached_poor"]), True),
            (_fmt(pct, row["exclusion"]), True),
            (_fmt(pct, row["inclusion"]), True),
            *((_fmt(pct, row[f"exclusion_{p}"]), True) for p in programmes),
        ]
        for row in frame.to_dict("records")
    )
    parts.append(_table(header, rows))
    return parts
