"""The evaluation report: one self-contained HTML page for a programme's evaluation.

It reads like the decision needs it: the conclusion in plain words first (with any warning that
the method's assumptions fail), then the design, the estimates, the pictures that let a reader
judge the design (parallel trends, the event study, propensity-score overlap and balance, the
discontinuity), the robustness checks, and every caveat. No script and no external asset: the
charts are inline SVG (:mod:`sejahtera.report.xy`), so the page opens offline and can be mailed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from sejahtera.evaluate.result import Evaluation, table_number
from sejahtera.i18n import Language, language, p_value, text
from sejahtera.report import html, svg
from sejahtera.report.html import Cell, Figure, figure
from sejahtera.report.svg import number_format
from sejahtera.report.words import group_label, key_label, value_label
from sejahtera.report.xy import Series, xy_chart


def write_report(
    result: Evaluation,
    checks: Sequence[tuple[str, Evaluation]],
    path: Path,
    language_code: Language | None = None,
) -> Path:
    """Write the report of ``result`` (with its robustness ``checks``: (label key, result)) to
    ``path``; the folder is created when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(evaluation_page(result, checks, language_code), encoding="utf-8")
    return path


def evaluation_page(
    result: Evaluation,
    checks: Sequence[tuple[str, Evaluation]],
    language_code: Language | None = None,
) -> str:
    """The page (templates/evaluation.html): values are plain text here, escaped by the
    template."""
    chosen = language_code or language()
    scalars, blocks = _diagnostics(result.diagnostics, chosen)
    return html.render(
        "evaluation.html",
        chosen,
        title=text("evaluate.report_title", chosen, outcome=result.outcome),
        method=text(f"evaluate.method_{result.method}", chosen),
        severe=any(c.severe for c in result.caveats),
        reading=[
            line for line in result.interpretation(chosen).split("\n") if not line.startswith("- ")
        ],
        estimates=_table(result.tidy().to_dict(orient="records"), chosen),
        figures=_pictures(result, chosen),
        diagnostics=scalars,
        blocks=blocks,
        checks=_checks(result, checks, chosen) if checks else None,
        caveats=[c.text(chosen) for c in result.caveats],
    )


def _number(
    value: object, language_code: Language, *, is_p: bool = False, key: object = None
) -> str:
    """Numbers in the reader's convention, never in scientific notation, p-values as
    ``0,0123`` or ``< 0,001``; anything else in the reader's words (:mod:`.words`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value_label(value, language_code, key)
    if not math.isfinite(value):
        return "–"
    if is_p:
        return p_value(value, language_code)
    return table_number(value, language_code)


def _names_p(name: object) -> bool:
    return isinstance(name, str) and (name in ("p", "p_value") or name.endswith("_p_value"))


def _table(rows: Sequence[dict], language_code: Language) -> html.Table | None:
    if not rows:
        return None
    columns = list(dict.fromkeys(key for row in rows for key in row))
    shown = []
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column, "")
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            is_p = _names_p(column) or _names_p(row.get(""))  # a diagnostics row names it
            if column == "":  # a diagnostics row: its first cell names it
                shown_value = key_label(value, language_code)
            else:
                key = row.get("") if column == " " else column
                shown_value = _number(value, language_code, is_p=is_p, key=key)
            cells.append(Cell(shown_value, "n" if numeric else "text"))
        shown.append(cells)
    return html.Table([key_label(c, language_code) for c in columns], shown)


def _diagnostics(
    diagnostics: dict[str, object], language_code: Language
) -> tuple[html.Table | None, list[tuple[str, html.Table | None]]]:
    """Scalars as a two-column table; lists of records (balance, ATT(g,t)…) as tables of their
    own; nested mappings as sub-tables: (the scalars' table, [(heading, table)])."""
    scalars, blocks = [], []
    for key, value in diagnostics.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            blocks.append((key_label(key, language_code), _table(value, language_code)))
        elif isinstance(value, dict):
            rows = [{"": k, " ": v} for k, v in value.items() if not isinstance(v, list | dict)]
            if rows:
                blocks.append((key_label(key, language_code), _table(rows, language_code)))
        elif not isinstance(value, list):
            scalars.append({"": key, " ": value})
    return _table(scalars, language_code), blocks


def _checks(
    result: Evaluation, checks: Sequence[tuple[str, Evaluation]], language_code: Language
) -> html.Table | None:
    rows = []
    for label, evaluation in [("evaluate.check_main", result), *checks]:
        main = evaluation.main
        low, high = main.interval()
        rows.append(
            {
                "check": text(label, language_code),
                "estimate": main.estimate,
                "ci_low": low,
                "ci_high": high,
                "p_value": main.p(),
                "n": main.n,
            }
        )
    return _table(rows, language_code)


def _pictures(result: Evaluation, language_code: Language) -> list[Figure]:
    """The charts a method's plot data allows (nothing when it carries none)."""
    draw = {
        "rdd": _rd_plot,
        "match": _overlap,
        "ipw": _overlap,
        "aipw": _overlap,
        "did": _trends,
        "twfe": _trends,
        "event_study": _trends,
        "staggered": _trends,
    }.get(result.method)
    if draw is None or not result.plot:
        return []
    try:
        return draw(result, language_code)
    except (KeyError, TypeError, ValueError):  # a picture never stops the report
        return []


def _whole(values: Sequence[float], language_code: Language) -> svg.Format | None:
    """Ticks without decimals when the values (periods, waves) are whole numbers."""
    return (
        number_format(0, language_code=language_code)
        if all(float(v).is_integer() for v in values)
        else None
    )


def _rd_plot(result: Evaluation, language_code: Language) -> list[Figure]:
    plot = result.plot
    series = []
    for side in ("below", "above"):
        bins = [b for b in plot.get("bins", []) if b["side"] == side]  # type: ignore[union-attr]
        if bins:
            series.append(
                Series(
                    text(f"evaluate.report_side_{side}", language_code),
                    [(b["x"], b["y"]) for b in bins],
                    style="points",
                    colour="#2c7fb8" if side == "below" else "#d95f02",
                )
            )
    for curve in plot.get("fit", []):  # type: ignore[union-attr]
        colour = "#2c7fb8" if curve["side"] == "below" else "#d95f02"
        series.append(
            Series(
                text("evaluate.report_fit", language_code),
                list(zip(curve["x"], curve["y"], strict=True)),
                colour=colour,
            )
        )
    return [
        figure(
            xy_chart(
                series,
                title=text("evaluate.report_rd_plot", language_code),
                x_label=str(plot["x"]),
                y_label=result.outcome,
                vertical=float(plot["cutoff"]),  # type: ignore[arg-type]
                language_code=language_code,
            )
        )
    ]


def _overlap(result: Evaluation, language_code: Language) -> list[Figure]:
    """Propensity scores of the treated and the comparison group, before and after adjustment:
    where the two outlines do not overlap, there is nobody to compare with."""
    plot = result.plot
    edges = [float(e) for e in plot["bin_edges"]]  # type: ignore[union-attr]
    figures = []
    for stage in ("before", "after"):
        counts = plot.get(stage)
        if not isinstance(counts, dict):
            continue
        series = []
        for group, colour in (("treated", "#d95f02"), ("controls", "#2c7fb8")):
            values = [float(v) for v in counts[group]]
            points = [*zip(edges[:-1], values, strict=True), (edges[-1], values[-1])]
            series.append(
                Series(
                    text(f"evaluate.report_{group}", language_code),
                    points,
                    style="steps",
                    colour=colour,
                )
            )
        figures.append(
            figure(
                xy_chart(
                    series,
                    title=text(f"evaluate.report_overlap_{stage}", language_code),
                    x_label=text("evaluate.report_score", language_code),
                    y_label=text("evaluate.report_count", language_code),
                    language_code=language_code,
                )
            )
        )
    return figures


def _trends(result: Evaluation, language_code: Language) -> list[Figure]:
    """The outcome of each group over time (before the programme the lines should run parallel)
    and, for an event study, the effect by time relative to the start with its interval."""
    plot = result.plot
    periods = [float(p) for p in plot["periods"]]  # type: ignore[union-attr]
    series = []
    for line in plot["series"]:  # type: ignore[union-attr]
        points = [
            (x, float(m)) for x, m in zip(periods, line["mean"], strict=True) if m is not None
        ]
        series.append(Series(group_label(line["group"], language_code), points))
    trends = xy_chart(
        series,
        title=text("evaluate.report_trends", language_code),
        x_label=str(plot.get("x", "")),
        y_label=result.outcome,
        x_format=_whole(periods, language_code),
        language_code=language_code,
    )
    figures = [figure(trends, text("evaluate.report_trends_note", language_code))]
    effects = plot.get("coefficients")
    if isinstance(effects, dict) and effects.get("relative_time"):
        times = [float(t) for t in effects["relative_time"]]
        figures.append(
            figure(
                xy_chart(
                    [
                        Series(
                            text("evaluate.report_effect", language_code),
                            list(zip(times, effects["estimate"], strict=True)),
                            style="points",
                            intervals=list(zip(effects["ci_low"], effects["ci_high"], strict=True)),
                        )
                    ],
                    title=text("evaluate.report_event_study", language_code),
                    x_label=text("evaluate.report_relative_time", language_code),
                    y_label=result.outcome,
                    x_format=_whole(times, language_code),
                    vertical=-0.5,
                    horizontal=0.0,
                    language_code=language_code,
                )
            )
        )
    return figures
