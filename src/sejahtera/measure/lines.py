"""Poverty lines: a number, a column, or a share of the median or mean (``60%median``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sejahtera.errors import SejahteraError


@dataclass(frozen=True)
class RelativeLine:
    """``share`` × the population's ``statistic`` (``median`` or ``mean``) of welfare."""

    share: float
    statistic: str

    def __post_init__(self) -> None:
        if self.statistic not in ("median", "mean") or not 0 < self.share <= 10:
            raise SejahteraError("measure.bad_line", value=str(self))

    def __str__(self) -> str:
        return f"{self.share * 100:g}%{self.statistic}"


Line = float | str | RelativeLine  # a number, a column name, or a relative line

_RELATIVE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*%\s*(median|mean|rata-rata)\s*$", re.I)


def parse_line(spec: str | float | RelativeLine | None) -> Line | None:
    """Read ``--line``: ``500000``, ``poverty_line``, ``60%median`` or ``50%mean``."""
    if spec is None or isinstance(spec, RelativeLine):
        return spec
    if isinstance(spec, int | float):
        return _positive(float(spec), str(spec))
    text = spec.strip()
    relative = _RELATIVE.match(text)
    if relative:
        share = float(relative.group(1).replace(",", ".")) / 100
        statistic = relative.group(2).lower()
        if not 0 < share <= 10:
            raise SejahteraError("measure.bad_line", value=spec)
        return RelativeLine(share, "mean" if statistic == "rata-rata" else statistic)
    try:
        return _positive(float(text.replace("_", "")), text)
    except ValueError:
        pass
    if "%" in text:
        raise SejahteraError("measure.bad_line", value=spec)
    return text  # a column name, checked against the data later


def _positive(value: float, spec: str) -> float:
    if not value > 0:
        raise SejahteraError("measure.bad_line", value=spec)
    return value
