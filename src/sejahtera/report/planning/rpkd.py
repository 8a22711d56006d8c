"""The poverty-profile chapter of the RPKD (Rencana Penanggulangan Kemiskinan Daerah) from a
dataset: ``sejahtera rpkd DATA --period YEAR --out FILE.docx|FILE.xlsx``.

Legal basis: Permendagri No. 53 Tahun 2020. The regulation's annex, with the RPKD's systematics
and table layouts, could not be read when this was written; the chapter follows the drafting
steps the Kementerian Dalam Negeri presented for the RPKD (problem identification, intervention
priorities, priority locations, budget) and says so in the document itself (see
``docs/data-sources.md``).

Every figure comes from the needs profile's computations (:func:`sejahtera.measure.profile.
needs_profile`: weighted person-level FGT and Gini with standard errors by kabupaten/kota and
kecamatan, who the poor are, multidimensional deprivation) and its shared definition of the poor
no programme reaches (:func:`~sejahtera.measure.profile.coverage`); who receives what today is the
status quo of the ruleset in the chosen year, as ``sejahtera profile`` and ``simulate`` count it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sejahtera import __version__
from sejahtera.data.dataset import Dataset, sha256
from sejahtera.data.frame import Table as DataTable
from sejahtera.data.frame import household_frame
from sejahtera.data.labels import value_label
from sejahtera.data.regions import registry
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, format_number, language, text
from sejahtera.measure.estimate import measure
from sejahtera.measure.profile import NeedsProfile, coverage, needs_profile
from sejahtera.measure.result import indicator_label
from sejahtera.report.planning.document import (
    Figure,
    PlanningDocument,
    Section,
    Table,
    check_suffix,
    structure_note,
)
from sejahtera.report.planning.figures import area_map, rate_bars

YEARS = (1990, 2100)


@dataclass(frozen=True)
class Inputs:
    """What the chapter is computed from: the dataset, its households, who receives what."""

    dataset: Dataset
    table: DataTable
    persons: pd.DataFrame
    receipt: dict[str, np.ndarray]
    titles: dict[str, str]  # programme → its name in the document's language
    rules: str
    period: int


def write_rpkd(
    data: Path,
    out: Path,
    *,
    rules: str | Path = "indonesia",
    period: int | None = None,
    language_code: Language | None = None,
) -> Path:
    """Compute the chapter from the dataset at ``data`` and write it to ``out`` (.docx, .xlsx)."""
    check_suffix(out)
    return rpkd_chapter(data, rules=rules, period=period, language_code=language_code).write(out)


def rpkd_chapter(
    data: Path,
    *,
    rules: str | Path = "indonesia",
    period: int | None = None,
    language_code: Language | None = None,
) -> PlanningDocument:
    """The chapter as a :class:`PlanningDocument` in ``language_code`` (default: the caller's)."""
    lang = language_code or language()
    inputs = read_inputs(Path(data), rules, period, lang)
    profile = needs_profile(inputs.table, inputs.persons, inputs.receipt)
    return chapter(inputs, profile, lang)


def read_inputs(data: Path, rules: str | Path, period: int | None, lang: Language) -> Inputs:
    from sejahtera.simulate.scenario import scenario

    if not (data / "dataset.json").is_file():
        raise SejahteraError("planning.needs_dataset", path=data)
    dataset = Dataset.open(data)
    year = int(str(dataset.manifest.reference_date)[:4])
    chosen = year if period is None else int(period)
    if not YEARS[0] <= chosen <= YEARS[1]:
        raise SejahteraError("planning.bad_period", period=chosen, low=YEARS[0], high=YEARS[1])
    persons = dataset.persons()
    table = DataTable(household_frame(dataset, persons), str(dataset.path), "size", dataset=dataset)
    lacking = [
        column
        for column in ("consumption_pc", "poverty_line")
        if column not in table.frame or table.frame[column].isna().all()
    ]
    if lacking:
        raise SejahteraError("planning.needs_welfare", path=data, columns=", ".join(lacking))
    result = scenario(rules, persons, table.frame, chosen)
    receipt = {name: result.results[name].to_numpy() > 0 for name in result.programmes}
    titles = {name: p.title(lang) for name, p in result.programmes.items()}
    return Inputs(dataset, table, persons, receipt, titles, str(rules), chosen)


def chapter(inputs: Inputs, profile: NeedsProfile, lang: Language) -> PlanningDocument:
    manifest = inputs.dataset.manifest
    names = registry()
    region = (
        names.name(manifest.region_code) if manifest.region_code in names else manifest.region_code
    )
    intro = [text("planning.rpkd_intro", lang, region=region, period=inputs.period)]
    if manifest.synthetic:
        intro.append(text("planning.synthetic", lang))
    sections = [
        Section(text("planning.rpkd_h_problem", lang), intro),
        *_problem(inputs, profile, lang),
        *_priorities(inputs, profile, lang),
        _locations(profile, lang),
        Section(text("planning.rpkd_h_budget", lang), [text("planning.rpkd_budget", lang)]),
    ]
    return PlanningDocument(
        kind="rpkd",
        language=lang,
        title=text("planning.rpkd_title", lang, region=region, period=inputs.period),
        subtitle=text("planning.rpkd_subtitle", lang),
        basis=[text("planning.basis_53_2020", lang), structure_note(lang)],
        sections=sections,
        provenance=provenance(inputs, lang),
    )


def provenance(inputs: Inputs, lang: Language) -> list[tuple[str, str]]:
    manifest = inputs.dataset.manifest
    yes_no = text("planning.yes" if manifest.synthetic else "planning.no", lang)
    return [
        (text("planning.src_dataset", lang), manifest.name),
        (text("planning.src_checksum", lang), sha256(inputs.dataset.path / "dataset.json")),
        (text("planning.src_reference_date", lang), str(manifest.reference_date)),
        (text("planning.src_synthetic", lang), yes_no),
        (text("planning.src_households", lang), format_number(manifest.households, lang)),
        (text("planning.src_rules", lang), inputs.rules),
        (text("planning.src_period", lang), str(inputs.period)),
        (text("planning.src_software", lang), f"Sejahtera {__version__}"),
        (text("planning.src_date", lang), date.today().isoformat()),
        (text("planning.src_method", lang), text("planning.rpkd_method", lang)),
    ]


# -- 1. Problem identification: the poverty condition ------------------------------------------

SUMMARY = ("fgt0", "poor_count", "fgt1", "fgt2", "gini", "poverty_line", "mean")
SUMMARY_KINDS = {
    "fgt0": "rate",
    "fgt1": "rate",
    "fgt2": "rate",
    "gini": "decimal",
    "poor_count": "count",
    "poverty_line": "rupiah",
    "mean": "rupiah",
}


def _problem(inputs: Inputs, profile: NeedsProfile, lang: Language) -> list[Section]:
    overall = profile.overall.set_index("indicator")
    shown = [name for name in SUMMARY if name in overall.index]
    rows = [
        (text(f"planning.row_{column}", lang), *(overall.loc[name, column] for name in shown))
        for column in ("estimate", "ci_low", "ci_high")
    ]
    summary = Table(
        "summary",
        text("planning.rpkd_t_summary", lang),
        text("planning.sheet_summary", lang),
        ("", *(indicator_label(name, lang) for name in shown)),
        ("text", *(SUMMARY_KINDS[name] for name in shown)),  # type: ignore[arg-type]
        rows,
        note=text("planning.rpkd_summary_note", lang),
    )
    sections = [Section(text("planning.rpkd_h_condition", lang), [], [summary], level=2)]
    for level, key in (("regency_code", "regency"), ("district_code", "district")):
        if level in profile.areas:
            sections.append(_areas(profile.areas[level], key, lang))
    sections.append(_trend(inputs, lang))
    sections.append(_who(profile, lang))
    return sections


def _reliability(value: object, lang: Language) -> str:
    if value in (None, "ok") or (isinstance(value, float) and np.isnan(value)):
        return ""
    return text(f"measure.flag_{value}", lang)


def _areas(frame: pd.DataFrame, key: str, lang: Language) -> Section:
    headers = (
        text("planning.col_code", lang),
        text(f"planning.col_{key}", lang),
        *(indicator_label(i, lang) for i in ("fgt0", "poor_count", "fgt1", "fgt2", "gini")),
        text("planning.col_population", lang),
        text("planning.col_n", lang),
        text("planning.col_reliability", lang),
    )
    kinds = ("text", "text", "rate", "count", "rate", "rate", "decimal", "count", "count", "text")
    ordered = frame.sort_values("code", ignore_index=True)
    rows = [
        (
            r["code"],
            r["name"],
            r["fgt0"],
            r["poor_count"],
            r["fgt1"],
            r["fgt2"],
            r["gini"],
            r["population"],
            r["n"],
            _reliability(r["reliability"], lang),
        )
        for r in ordered.to_dict("records")
    ]
    table = Table(
        f"areas_{key}",
        text(f"planning.rpkd_t_{key}", lang),
        text(f"planning.sheet_{key}", lang),
        headers,
        kinds,  # type: ignore[arg-type]
        rows,
        note=text("planning.rpkd_reliability_note", lang),
    )
    blocks: list[Table | Figure] = [table]
    drawn = area_map(
        frame,
        "fgt0",
        text(f"planning.rpkd_map_{key}", lang),
        indicator_label("fgt0", lang),
        "rate",
        lang,
    )
    if drawn is not None:
        blocks.insert(0, drawn)
    return Section(text(f"planning.rpkd_h_{key}", lang), [], blocks, level=2)


def trend_rows(dataset: Dataset) -> list[tuple[object, ...]]:
    """P0 and the number of poor people by year, for the region and each kabupaten/kota, from
    the dataset's panel (``synth --panel`` or an imported series); empty without one."""
    if "panel" not in dataset.extras():
        return []
    panel = dataset.extra("panel")
    needed = {"year", "consumption_pc", "poverty_line", "weight", "regency_code"}
    if not needed <= set(panel.columns) or panel["year"].nunique() < 2:
        return []
    size = "size" if "size" in panel else None
    common = {"weight": "weight", "size": size, "line": "poverty_line", "variance": "none"}
    names = registry()
    rows: list[tuple[object, ...]] = []
    for year, part in panel.groupby("year", sort=True):
        whole = measure(part, "consumption_pc", indicators=["fgt0", "poor_count"], **common).tidy()
        value = whole.set_index("indicator")["estimate"]
        rows.append(
            (
                int(year),
                dataset.manifest.region_code,
                names.name(dataset.manifest.region_code)
                if dataset.manifest.region_code in names
                else "",
                value["fgt0"],
                value["poor_count"],
            )
        )
        areas = measure(
            part, "consumption_pc", by=["regency_code"], indicators=["fgt0", "poor_count"], **common
        ).tidy()
        wide = areas.pivot(index="regency_code", columns="indicator", values="estimate")
        for code, r in wide.sort_index().iterrows():
            rows.append(
                (
                    int(year),
                    code,
                    names.name(code) if code in names else code,
                    r["fgt0"],
                    r["poor_count"],
                )
            )
    return rows


def _trend(inputs: Inputs, lang: Language) -> Section:
    heading = text("planning.rpkd_h_trend", lang)
    rows = trend_rows(inputs.dataset)
    if not rows:
        date_ = str(inputs.dataset.manifest.reference_date)
        return Section(heading, [text("planning.rpkd_no_trend", lang, date=date_)], level=2)
    table = Table(
        "trend",
        text("planning.rpkd_t_trend", lang),
        text("planning.sheet_trend", lang),
        (
            text("planning.col_year", lang),
            text("planning.col_code", lang),
            text("planning.col_area", lang),
            indicator_label("fgt0", lang),
            indicator_label("poor_count", lang),
        ),
        ("year", "text", "text", "rate", "count"),
        rows,
    )
    return Section(heading, [text("planning.rpkd_trend_intro", lang)], [table], level=2)


def columns(lang: Language, *names: str) -> tuple[str, ...]:
    """Column headers from the catalogue (``planning.col_<name>``), in ``lang``."""
    return tuple(text(f"planning.col_{name}", lang) for name in names)


def _who(profile: NeedsProfile, lang: Language) -> Section:
    blocks: list[Table | Figure] = [*_traits(profile, lang), *_groups(profile, lang)]
    blocks += _mpi(profile, lang)
    intro = [text("planning.rpkd_who_intro", lang)]
    return Section(text("planning.rpkd_h_who", lang), intro, blocks, level=2)


def _traits(profile: NeedsProfile, lang: Language) -> list[Table]:
    """The household traits of poor and non-poor people: means, then shares."""
    from sejahtera.report.profile import _trait_key  # the one trait → catalogue key mapping

    tables = []
    for kind, key, shown in (("mean", "means", "decimal"), ("share", "shares", "rate")):
        part = profile.traits[profile.traits["kind"] == kind]
        rows = [
            (
                text(f"profile.trait.{_trait_key(r['trait'])}", lang),
                r["poor"],
                r["non_poor"],
                r["all"],
            )
            for r in part.to_dict("records")
        ]
        tables.append(
            Table(
                f"traits_{key}",
                text(f"planning.rpkd_t_traits_{key}", lang),
                text(f"planning.sheet_traits_{key}", lang),
                columns(lang, "trait", "poor", "non_poor", "all"),
                ("text", shown, shown, shown),
                rows,
            )  # type: ignore[arg-type]
        )
    return tables


def _groups(profile: NeedsProfile, lang: Language) -> list[Table]:
    """P0 and the number of poor people by each group of the needs profile."""
    rows = []
    for column, frame in profile.rates.items():
        wide = frame.pivot(index=column, columns="indicator", values="estimate")
        counts = frame[frame["indicator"] == "fgt0"].set_index(column)["n"]
        group = text(f"profile.group.{column}", lang)
        group = group[:1].upper() + group[1:]  # a table's first column, not inside a sentence
        for value, r in wide.iterrows():
            label = value_label(column, value, lang)
            rows.append((group, label, r["fgt0"], r["poor_count"], counts[value]))
    if not rows:
        return []
    headers = (
        *columns(lang, "group", "category"),
        indicator_label("fgt0", lang),
        indicator_label("poor_count", lang),
        *columns(lang, "n"),
    )
    return [
        Table(
            "groups",
            text("planning.rpkd_t_groups", lang),
            text("planning.sheet_groups", lang),
            headers,
            ("text", "text", "rate", "count", "count"),
            rows,
        )
    ]


def _mpi(profile: NeedsProfile, lang: Language) -> list[Table]:
    """Multidimensional poverty (H, A, M0) by kecamatan, one table per shipped spec."""
    tables = []
    for number, (spec, frame) in enumerate(profile.mpi.items(), 8):
        key = spec.replace("-", "_")
        label = text(f"profile.spec.{key}", lang)
        rows = [
            (r["code"], r["name"], r["mpi_H"], r["mpi_A"], r["mpi_M0"])
            for r in frame.sort_values("code", ignore_index=True).to_dict("records")
        ]
        tables.append(
            Table(
                f"mpi_{key}",
                text("planning.rpkd_t_mpi", lang, number=number, spec=label),
                text(f"planning.sheet_mpi_{key}", lang),
                (*columns(lang, "code", "district"), "H", "A", "M0"),
                ("text", "text", "rate", "rate", "decimal"),
                rows,
            )
        )
    return tables


# -- 2. Intervention priorities: whom the programmes reach -------------------------------------


def _priorities(inputs: Inputs, profile: NeedsProfile, lang: Language) -> list[Section]:
    heading = text("planning.rpkd_h_priorities", lang)
    frame, size = inputs.table.frame, inputs.table.size
    whole = coverage(frame, size, "province_code", inputs.receipt)
    if whole.empty:
        return [Section(heading, [text("planning.rpkd_no_coverage", lang)])]
    row = whole.iloc[0]
    paragraph = text(
        "planning.rpkd_unreached",
        lang,
        unreached=format_number(row["unreached_poor"], lang),
        poor=format_number(row["poor_people"], lang),
        share=format_number(row["exclusion"], lang, 1, percent=True),
    )
    by_programme = _by_programme(row, inputs, lang)
    chart = rate_bars(
        [str(r[0]) for r in by_programme.rows[:-1]],
        [float(r[1]) for r in by_programme.rows[:-1]],
        text("planning.rpkd_chart_coverage", lang),
        lang,
        reference=1 - float(row["exclusion"]),
        reference_label=text("planning.any_programme", lang),
    )
    tables = [
        chart,
        by_programme,
        _by_regency(coverage(frame, size, "regency_code", inputs.receipt), lang),
    ]
    return [
        Section(heading, [paragraph, text("planning.rpkd_priorities_intro", lang)]),
        Section(text("planning.rpkd_h_coverage", lang), [], tables, level=2),  # type: ignore[arg-type]
    ]


def _by_programme(row: pd.Series, inputs: Inputs, lang: Language) -> Table:
    """Each programme's reach among the poor, region-wide, then any programme's."""
    rows = [
        (
            inputs.titles.get(name, name),
            1 - row[f"exclusion_{name}"],
            row[f"exclusion_{name}"],
            row[f"inclusion_{name}"],
        )
        for name in inputs.receipt
    ]
    any_one = text("planning.any_programme", lang)
    rows.append((any_one, 1 - row["exclusion"], row["exclusion"], row["inclusion"]))
    return Table(
        "coverage",
        text("planning.rpkd_t_coverage", lang),
        text("planning.sheet_coverage", lang),
        columns(lang, "programme", "reached", "exclusion", "inclusion"),
        ("text", "rate", "rate", "rate"),
        rows,
        note=text("planning.rpkd_coverage_note", lang),
    )


def _by_regency(regencies: pd.DataFrame, lang: Language) -> Table:
    """The poor no programme reaches by kabupaten/kota."""
    rows = [
        (
            r["code"],
            r["name"],
            r["poor_people"],
            r["unreached_poor"],
            r["exclusion"],
            r["inclusion"],
        )
        for r in regencies.sort_values("code", ignore_index=True).to_dict("records")
    ]
    return Table(
        "coverage_regency",
        text("planning.rpkd_t_coverage_regency", lang),
        text("planning.sheet_coverage_regency", lang),
        columns(lang, "code", "regency", "poor_people", "unreached", "exclusion", "inclusion"),
        ("text", "text", "count", "count", "rate", "rate"),
        rows,
    )


# -- 3. Priority locations ----------------------------------------------------------------------


def _locations(profile: NeedsProfile, lang: Language) -> Section:
    heading = text("planning.rpkd_h_locations", lang)
    ranked = profile.coverage
    if ranked.empty:
        return Section(heading, [text("planning.rpkd_no_coverage", lang)])
    rates = {}
    for frame in profile.areas.values():
        rates.update(dict(zip(frame["code"], frame["fgt0"], strict=True)))
    rows = [
        (
            r["rank"],
            r["code"],
            r["name"],
            rates.get(r["code"]),
            r["poor_people"],
            r["unreached_poor"],
            r["exclusion"],
            text("measure.flag_few_rows", lang) if r["few_rows"] else "",
        )
        for r in ranked.to_dict("records")
    ]
    table = Table(
        "locations",
        text("planning.rpkd_t_locations", lang),
        text("planning.sheet_locations", lang),
        (
            text("planning.col_rank", lang),
            text("planning.col_code", lang),
            text("planning.col_area", lang),
            indicator_label("fgt0", lang),
            text("planning.col_poor_people", lang),
            text("planning.col_unreached", lang),
            text("planning.col_exclusion", lang),
            text("planning.col_reliability", lang),
        ),
        ("rank", "text", "text", "rate", "count", "count", "rate", "text"),
        rows,
    )
    blocks: list[Table | Figure] = []
    drawn = area_map(
        ranked,
        "unreached_poor",
        text("planning.rpkd_map_unreached", lang),
        text("planning.col_unreached", lang),
        "count",
        lang,
    )
    if drawn is not None:
        blocks.append(drawn)
    blocks.append(table)
    return Section(heading, [text("planning.rpkd_locations_intro", lang)], blocks)
