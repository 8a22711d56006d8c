"""A programme's realisation by quarter as a small chart: the report's x–y chart
(:mod:`sejahtera.report.xy`), quarters across, shares of the way up: financial realisation
(paid against pagu), physical realisation (households paid against households listed) and,
when given, other shares beside them (an indicator's progress towards its target)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from sejahtera.report.svg import number_format
from sejahtera.report.xy import Series, xy_chart

Shares = Sequence[tuple[int, float | None]]  # (quarter 1–4, a share or None)


def quarter_label(quarter: float) -> str:
    return _("Q%(quarter)s") % {"quarter": round(quarter)}


def realisation_chart(
    rows: Sequence[dict[str, object]], title: str, beside: dict[str, Shares] | None = None
) -> SafeString | None:
    """``rows``: one programme's four quarters from :func:`.realisation.realisation`;
    ``beside``: more lines by label, left out when they have no value (no legend for them).
    None when there is nothing to draw (no pagu, no list)."""
    financial = [(r["quarter"], r["financial_share"]) for r in rows]
    physical = [(r["quarter"], r["physical_share"]) for r in rows]
    series = [
        Series(_("Financial realisation"), _points(financial)),  # type: ignore[arg-type]
        Series(_("Physical realisation"), _points(physical), dashed=True),  # type: ignore[arg-type]
        *(
            Series(label, _points(shares))
            for label, shares in (beside or {}).items()
            if any(share is not None for _, share in shares)
        ),
    ]
    if not any(math.isfinite(y) for s in series for _, y in s.points):
        return None
    svg = xy_chart(
        series,
        title=title,
        x_label=_("Quarter (cumulative to its end)"),
        y_label=_("Share"),
        x_format=quarter_label,
        y_format=number_format(0, percent=True),
        horizontal=1.0,  # the whole pagu, every listed household, the target
    )
    return mark_safe(svg)  # report.xy escapes every text it draws


def _points(shares: Shares) -> list[tuple[float, float]]:
    return [(float(q), math.nan if s is None else float(s)) for q, s in shares]
