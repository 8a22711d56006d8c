"""The dashboard's poverty headline: P0, the number of poor, P1 and the Gini with their 95%
intervals, for the whole region and for each kabupaten/kota, and P0 by kecamatan for the map.

The figures are the core's measurement (:func:`sejahtera.measurement`, with the dataset's own
weights, poverty lines and survey design), never recomputed here. They take a second or more,
so they are computed once per dataset version, in a background job (:data:`KIND`) whose
result *is* the figures; the dashboard reads the latest such job of the version it shows, and
uses its result only when the checksum it was computed from is the version's. A new version
therefore never shows an old version's figures, and no request ever measures anything.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any, Final

from django.http import HttpRequest
from django.utils.translation import gettext as _

from sejahtera.data.regions import common_parent
from sejahtera.workbench.core import jobs
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import DatasetVersion

KIND: Final = "dashboard.poverty"
INDICATORS: Final = ("fgt0", "poor_count", "fgt1", "gini")
WHOLE: Final = ""  # the key of the whole region among the areas


def shown_dataset() -> DatasetVersion | None:
    """The dataset version the dashboard shows: the datasets app's current version (the newest
    version of the office's default dataset). This is the one place that decides it."""
    return services.current_version()


@jobs.kind(KIND)
def measure_poverty(progress: jobs.Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """The figures of the version ``arguments["version"]``, refused when its folder's checksum
    is no longer ``arguments["checksum"]``."""
    import sejahtera

    try:
        version = services.version(arguments["version"])
    except DatasetVersion.DoesNotExist:
        raise jobs.JobError(_("This dataset version no longer exists.")) from None
    folder = services.folder_of(version)
    if services.checksum_of(folder) != arguments["checksum"]:
        raise jobs.JobError(_("The dataset's files changed after the job was started."))
    progress.step(0.05, _("Reading the dataset"))
    table = sejahtera.load(folder)
    progress.step(0.3, _("Measuring poverty in the whole region"))
    whole = sejahtera.measurement(table, indicators=INDICATORS).tidy()
    progress.step(0.55, _("Measuring poverty by kabupaten/kota"))
    regencies = sejahtera.measurement(table, indicators=INDICATORS, by=["regency_code"]).tidy()
    progress.step(0.8, _("Measuring poverty by kecamatan"))
    districts = sejahtera.measurement(table, indicators=("fgt0",), by=["district_code"]).tidy()
    areas = {WHOLE: _figures(whole)}
    for code, rows in regencies.groupby("regency_code", sort=True):
        areas[str(code)] = _figures(rows)
    return {
        "checksum": arguments["checksum"],
        "areas": areas,
        "districts": {
            str(code): _figures(rows) for code, rows in districts.groupby("district_code")
        },
    }


def _figures(rows: Any) -> dict[str, dict[str, float | int | str | None]]:
    """indicator → estimate, se, ci_low, ci_high, n and the reliability flag of the core."""
    from sejahtera.measure.result import reliability

    flags = reliability(rows)
    return {
        str(row["indicator"]): {
            "estimate": _plain(row["estimate"]),
            "se": _plain(row["se"]),
            "ci_low": _plain(row["ci_low"]),
            "ci_high": _plain(row["ci_high"]),
            "n": int(row["n"]),
            "reliability": str(flags[index]),
        }
        for index, row in rows.iterrows()
    }


def _plain(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Headline:
    """What the dashboard knows of a version's figures: they are ready (``figures``), or a job
    is computing them or failed (``job``)."""

    version: DatasetVersion
    figures: dict[str, Any] | None
    job: Job | None

    @property
    def computing(self) -> bool:
        return self.figures is None and self.job is not None and not self.job.finished

    @property
    def failed(self) -> bool:
        return self.figures is None and self.job is not None and self.job.finished


def _latest(version: DatasetVersion) -> Job | None:
    return jobs.latest(version, KIND)


def headline(version: DatasetVersion) -> Headline:
    """The figures of ``version`` when a finished job computed them from its checksum, else the
    job computing them (or the one that failed)."""
    job = _latest(version)
    if job is not None and job.state == JobState.DONE:
        result = job.result or {}
        if result.get("checksum") == version.checksum:
            return Headline(version, result, job)
        job = None  # computed from other files: as good as none
    return Headline(version, None, job)


def ensure(request: HttpRequest, version: DatasetVersion) -> Headline:
    """:func:`headline`, having started the job when nothing has computed the figures of this
    version yet (a failed job is started again only by :func:`restart`)."""
    found = headline(version)
    if found.figures is None and found.job is None:
        _start(request, version)
        return headline(version)  # a job run at once (tests, SEJAHTERA_TASKS=immediate) is done
    return found


def restart(request: HttpRequest, version: DatasetVersion) -> Job | None:
    """Start the job again after a failure; None when figures or a running job are there."""
    found = headline(version)
    if found.figures is not None or found.computing:
        return None
    return _start(request, version)


def _start(request: HttpRequest, version: DatasetVersion) -> Job:
    title = _("Poverty figures of %(dataset)s, version %(number)s") % {
        "dataset": version.dataset.name,
        "number": version.number,
    }
    arguments = {"version": version.pk, "checksum": version.checksum}
    return jobs.start(request, KIND, title, arguments, subject=version, link="/dashboard/")


# What the tile shows --------------------------------------------------------------------------

# How each indicator is written: a rate as a percentage (``|share``), the number of poor whole,
# the Gini with three decimals.
SHOWN_AS: Final = {"fgt0": "share", "poor_count": "count", "fgt1": "share", "gini": "ratio"}


# The name of each headline indicator in BPS's published series (data/benchmarks.py).
PUBLISHED_AS: Final = {"fgt0": "p0", "poor_count": "poor_count", "fgt1": "p1", "gini": "gini"}


@dataclass(frozen=True)
class Published:
    """BPS's latest published figure of an indicator for the area, to read the estimate by."""

    value: float
    month: datetime.date | None  # a Susenas round (March, September); None: a yearly figure
    year: int
    source: str


@dataclass(frozen=True)
class Figure:
    """One indicator of an area: the estimate and its 95% interval as computed (rates are
    fractions), how the page writes them (``kind``), the reliability flag's text (empty when
    reliable) and BPS's latest published figure (None when the series has none)."""

    name: str
    label: str
    kind: str
    estimate: float | None
    low: float | None
    high: float | None
    flag: str
    published: Published | None = None


def area_figures(figures: dict[str, Any], area: str, region_code: str = "") -> list[Figure]:
    """The headline indicators of ``area`` (a kabupaten's code, or :data:`WHOLE`: then the
    dataset's ``region_code`` names it for BPS's figures)."""
    from sejahtera.i18n import text
    from sejahtera.measure.result import indicator_label

    latest = published(area or region_code)
    shown = []
    for name in INDICATORS:
        one = figures["areas"][area][name]
        reliability = one["reliability"]
        shown.append(
            Figure(
                name=name,
                label=indicator_label(name),
                kind=SHOWN_AS[name],
                estimate=one["estimate"],
                low=one["ci_low"],
                high=one["ci_high"],
                flag="" if reliability == "ok" else text(f"measure.flag_{reliability}"),
                published=latest.get(PUBLISHED_AS[name]),
            )
        )
    return shown


def published(code: str) -> dict[str, Published]:
    """BPS's latest published figure of each indicator for the area ``code`` (the shipped
    series of :mod:`sejahtera.data.benchmarks`, figures derived from others left out)."""
    from sejahtera.data.benchmarks import read_series

    if not code:
        return {}
    series = read_series()
    rows = series[(series["area_code"] == code) & (series["basis"] == "published")]
    latest: dict[str, Published] = {}
    for row in rows.sort_values("period", kind="stable").itertuples():
        year, _, month = str(row.period).partition("-")
        when = datetime.date(int(year), int(month), 1) if month else None
        latest[str(row.indicator)] = Published(float(row.value), when, int(year), str(row.source))
    return latest


def regencies(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """(code, name) of the kabupaten/kota the figures cover, by name."""
    from sejahtera.data.regions import registry

    names = registry()
    return sorted(((code, names.name(code)) for code in figures["areas"] if code), key=_by_name)


def _by_name(pair: tuple[str, str]) -> tuple[str, str]:
    return pair[1].removeprefix("Kabupaten ").removeprefix("Kota "), pair[0]


def kecamatan_map(figures: dict[str, Any], area: str) -> str:
    """The profile's choropleth of P0 by kecamatan inside ``area`` (names and values on hover,
    unreliable estimates marked), or "" where no kecamatan boundaries ship."""
    from sejahtera.errors import SejahteraError
    from sejahtera.i18n import text
    from sejahtera.measure.result import indicator_label
    from sejahtera.report.maps import choropleth
    from sejahtera.report.svg import number_format

    inside = {
        code: one["fgt0"]
        for code, one in figures["districts"].items()
        if area == WHOLE or code.startswith(f"{area}.")
    }
    if not inside:
        return ""
    flags = {
        code: text(f"measure.flag_{one['reliability']}")
        for code, one in inside.items()
        if one["reliability"] != "ok"
    }
    try:
        return choropleth(
            {code: one["estimate"] for code, one in inside.items()},
            "district",
            area or common_parent(list(inside)),
            title=text("profile.map_fgt0", level=text("profile.level_district")),
            legend_title=indicator_label("fgt0"),
            fmt=number_format(1, percent=True),
            flags=flags,
        )
    except SejahteraError:  # kecamatan boundaries ship for DI Yogyakarta only
        return ""
