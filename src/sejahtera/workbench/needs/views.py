"""The needs explorer's pages: the explorer (map, ranked table, trend), its exports, and
measuring again after a failure. Everything is read with GET parameters, so any view of the
explorer is an address one can keep or send."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sejahtera.data.regions import common_parent
from sejahtera.errors import SejahteraError
from sejahtera.report.maps import choropleth
from sejahtera.report.svg import number_format
from sejahtera.workbench.core import audit
from sejahtera.workbench.core.policy import requires
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.needs import exports, trends
from sejahtera.workbench.needs.figures import (
    GROUPS,
    INDICATORS,
    LEVELS,
    MAP_LEVELS,
    BadQuery,
    Query,
    parse,
)
from sejahtera.workbench.needs.labels import (
    SHARES,
    core_language,
    flag_label,
    group_label,
    label,
    level_label,
    value_of,
)
from sejahtera.workbench.needs.measuring import address, figures, restart

WHAT = ("figures", "map", "series", "trend", "neighbours")
FORMATS = {
    "figures": ("csv", "xlsx"),
    "series": ("csv", "xlsx"),
    "map": ("svg",),
    "trend": ("svg",),
    "neighbours": ("svg",),
}


@require_GET
@requires("needs.view")
def explorer(request: HttpRequest) -> HttpResponse:
    versions = list(
        DatasetVersion.objects.select_related("dataset").order_by("dataset__name", "-number")
    )
    context: dict[str, Any] = {"versions": versions, "choices": _choices()}
    if not versions:
        return render(request, "needs/explorer.html", context)
    try:
        version = _version(request)
        query = parse(version.pk, request.GET)
    except BadQuery as bad:
        chosen = _chosen(request.GET)
        context.update(error=str(bad), chosen=chosen, choices=_choices(chosen))
        return render(request, "needs/explorer.html", context, status=400)
    found = figures(request, version, query)
    chosen = _chosen(request.GET, query)
    context.update(
        version=version,
        query=query,
        chosen=chosen,
        choices=_choices(chosen),
        job=found.job if found.rows is None else None,
        title=_title(query),
    )
    if found.rows is not None:
        context.update(_shown(request, query, found.rows))
    return render(request, "needs/explorer.html", context)


@require_POST
@requires("needs.view")
def measure_again(request: HttpRequest) -> HttpResponse:
    try:
        version = _version(request, request.POST)
        query = parse(version.pk, request.POST)
    except BadQuery as bad:
        return HttpResponse(str(bad), status=400, content_type="text/plain; charset=utf-8")
    restart(request, version, query)
    return redirect(f"{reverse('needs:explorer')}?{address(query)}")


@require_GET
@requires("needs.view")
def export(request: HttpRequest) -> HttpResponse:
    """``what`` (figures, map, series, trend) in ``format`` (csv or xlsx for tables, svg for
    pictures; PNG is drawn from the SVG in the browser)."""
    what = request.GET.get("what") or "figures"
    form = request.GET.get("format") or FORMATS.get(what, ("csv",))[0]
    try:
        if what not in FORMATS:
            raise BadQuery(
                _("Unknown export “%(given)s” (parameter what). Choose one of: %(allowed)s.")
                % {"given": what, "allowed": ", ".join(WHAT)}
            )
        if form not in FORMATS[what]:
            raise BadQuery(
                _("No export as “%(given)s” (parameter format). Choose one of: %(allowed)s.")
                % {"given": form, "allowed": ", ".join(FORMATS[what])}
            )
        version = _version(request)
        query = parse(version.pk, request.GET)
    except BadQuery as bad:
        return HttpResponse(str(bad), status=400, content_type="text/plain; charset=utf-8")
    found = figures(request, version, query)
    if found.rows is None:  # still being measured: its page shows the progress
        return redirect(f"{reverse('needs:explorer')}?{address(query)}")
    shown = _shown(request, query, found.rows)
    if what == "figures":
        header, body = exports.figures_table(query, found.rows)
        content = _table_file(form, header, body, _("Figures"), _notes(version, query))
    elif what == "series":
        trend = shown["trend"]
        if trend is None:
            return HttpResponse(_("No published series for these areas."), status=404)
        header, body = exports.series_table(trend.table)
        content = _table_file(form, header, body, _("BPS series"), _notes(version, query))
    else:
        content = shown[f"{what}_svg"] or ""
        if not content:
            return HttpResponse(_("There is no picture to export for this choice."), status=404)
        content = content.encode("utf-8")
    audit.record(request, "needs_exported", version, what=what, format=form, query=query.key)
    name = f"kebutuhan-v{version.pk}-{query.indicator}-{LEVELS[query.level][0]}-{what}.{form}"
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[form])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _table_file(form: str, header: list[str], body: list[list], sheet: str, notes) -> bytes:
    if form == "csv":
        return exports.as_csv(header, body)
    return exports.as_xlsx(header, body, sheet, notes)


def _notes(version: DatasetVersion, query: Query) -> list[tuple[str, str]]:
    groups = "; ".join(f"{group_label(c)}: {value_of(c, v)}" for c, v in query.filters if v)
    return [
        (_("Dataset version"), str(version)),
        (_("Indicator"), label(query.indicator)),
        (_("Area level"), level_label(query.level)),
        (_("Households"), groups or _("all households")),
        (_("Rates"), _("fractions (0.125 is 12.5%)")),
    ]


def _version(request: HttpRequest, params=None) -> DatasetVersion:
    given = ((params if params is not None else request.GET).get("version") or "").strip()
    if not given:
        current = services.current_version()
        if current is None:
            raise BadQuery(_("No dataset has been registered yet."))
        return current
    try:
        return services.version(int(given))
    except (ValueError, DatasetVersion.DoesNotExist):
        raise BadQuery(
            _("There is no dataset version “%(given)s” (parameter version).") % {"given": given}
        ) from None


def _choices(chosen: dict[str, str] | None = None) -> dict[str, Any]:
    chosen = chosen or {}
    return {
        "indicators": [(name, label(name)) for name in INDICATORS],
        "levels": [(column, level_label(column)) for column in LEVELS],
        "groups": [
            (
                column,
                group_label(column),
                [(v, value_of(column, v), chosen.get(column) == v) for v in values],
            )
            for column, values in GROUPS.items()
        ],
    }


def _chosen(params, query: Query | None = None) -> dict[str, str]:
    chosen = {key: str(params.get(key, "")) for key in ("version", "indicator", "level", "area")}
    chosen.update({column: str(params.get(column, "")).lower() for column in GROUPS})
    if query is not None:
        chosen.update(version=str(query.version), indicator=query.indicator, level=query.level)
    return chosen


def _title(query: Query) -> str:
    return _("%(indicator)s by %(level)s") % {
        "indicator": label(query.indicator),
        "level": level_label(query.level).lower(),
    }


def fmt_of(indicator: str):
    lang = core_language()
    if indicator in SHARES:
        return number_format(2 if indicator in ("fgt1", "fgt2", "mpi_M0") else 1, percent=True,
                             language_code=lang)  # fmt: skip
    if indicator == "gini":
        return number_format(3, language_code=lang)
    return number_format(0, language_code=lang)


def _text(fmt, value: object) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return fmt(float(value))  # type: ignore[arg-type]


def _shown(request: HttpRequest, query: Query, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The map, the ranked table, the tooltips' texts and the trend of measured rows."""
    fmt, count = fmt_of(query.indicator), number_format(0, language_code=core_language())
    table = []
    for rank, row in enumerate(exports.ranked(rows), 1):
        table.append(
            {
                "rank": rank,
                "code": row[query.level],
                "name": row["name"],
                "value": _text(fmt, row["estimate"]),
                "interval": f"{_text(fmt, row['ci_low'])} – {_text(fmt, row['ci_high'])}",
                "n": _text(count, row["n"]),
                "flag": row["reliability"],
                "flag_label": flag_label(str(row["reliability"])),
            }
        )
    tips = {row["code"]: {k: row[k] for k in ("name", "value", "interval", "n", "flag_label")}
            for row in table}  # fmt: skip
    map_svg, map_note = _map(query, rows, fmt)
    areas = trends.areas_of(str(row[query.level]) for row in rows)
    area = request.GET.get("area") if request.GET.get("area") in areas else None
    trend = None
    chosen_area = area or (areas[0] if areas else None)
    if chosen_area:
        try:
            trend = trends.trend(chosen_area, query.indicator)
        except SejahteraError:
            trend = None
    has_series = trend is not None and len(trend.table) > 0
    trend_svg = trends.chart(trend) if has_series else ""  # type: ignore[arg-type]
    neighbours_svg = trends.chart(trend, trends.BESIDE) if has_series else ""  # type: ignore[arg-type]
    return {
        "measured": True,
        "table": table,
        "tips": tips,
        "map_svg": map_svg,
        "map_note": map_note,
        "areas": [(code, trends.name_of(code)) for code in areas],
        "area": chosen_area,
        "trend": trend if has_series else None,
        "trend_svg": trend_svg,
        "neighbours_svg": neighbours_svg,
        "sources": _sources(trend),
        "export_query": address(query) + (f"&area={chosen_area}" if chosen_area else ""),
        "groups_shown": [(group_label(c), value_of(c, v)) for c, v in query.filters if v],
    }


def _map(query: Query, rows: list[dict[str, Any]], fmt) -> tuple[str, str]:
    values = {str(row[query.level]): row["estimate"] for row in rows}
    flags = {
        str(row[query.level]): flag_label(str(row["reliability"]))
        for row in rows
        if row["reliability"] != "ok"
    }
    try:
        svg = choropleth(
            values,
            MAP_LEVELS[query.level],  # type: ignore[arg-type]
            common_parent(list(values)),
            title=_title(query),
            legend_title=label(query.indicator),
            fmt=fmt,
            flags=flags,
            language_code=core_language(),
        )
    except SejahteraError:
        return "", _("No boundaries ship for these areas, so there is no map; the table has them.")
    return svg, ""


def _sources(trend: trends.Trend | None) -> list[dict[str, str]]:
    """Each distinct source of the series shown, with its address, once."""
    if trend is None:
        return []
    seen: dict[str, str] = {}
    for row in trend.table.itertuples():
        seen.setdefault(row.source, row.url)
    return [{"source": source, "url": url} for source, url in seen.items()]
