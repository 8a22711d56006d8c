"""What every measurement returns: a tidy table with fixed columns, and a readable summary."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from sejahtera.data.labels import column_label, value_label
from sejahtera.i18n import Language, format_number, text

TIDY_COLUMNS = ("indicator", "estimate", "se", "ci_low", "ci_high", "n", "population")
# An estimate is flagged, not hidden, when it rests on fewer rows than this or when its relative
# standard error passes the BPS thresholds (above 25 %: use with care; above 50 %: unreliable).
MIN_ROWS = 30
RSE_CAUTION = 0.25
RSE_UNRELIABLE = 0.50


def with_intervals(table: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Add normal-approximation confidence limits from ``estimate`` and ``se``.

    Limits of rates, shares and the Gini are clipped to [0, 1] (:data:`UNIT_INTERVAL`).
    """
    z = NormalDist().inv_cdf(0.5 + level / 2)
    table = table.copy()
    table["ci_low"] = table["estimate"] - z * table["se"]
    table["ci_high"] = table["estimate"] + z * table["se"]
    return bounded(table) if "indicator" in table else table


# Indicators that cannot leave [0, 1]: their normal-approximation intervals are clipped to it.
UNIT_INTERVAL = re.compile(
    r"^(?:extreme_)?fgt[012]$|^gini$|^atkinson_|^share_d|^contribution_|^population_share$"
    r"|^income_share$|^mpi_[HAM]|^(?:censored|uncensored|contribution):"
)


def bounded(table: pd.DataFrame) -> pd.DataFrame:
    """Clip the confidence limits of rates, shares and the Gini to [0, 1]."""
    rates = table["indicator"].astype(str).str.contains(UNIT_INTERVAL)
    table.loc[rates, "ci_low"] = table.loc[rates, "ci_low"].clip(lower=0.0)
    table.loc[rates, "ci_high"] = table.loc[rates, "ci_high"].clip(upper=1.0)
    return table


def reliability(table: pd.DataFrame, min_rows: int = MIN_ROWS) -> pd.Series:
    """``ok``, ``few_rows``, ``caution`` or ``unreliable`` for each row of a tidy table."""
    estimate = table["estimate"].to_numpy(dtype=np.float64)
    se = table["se"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rse = np.abs(se / estimate)
    flag = np.where(
        rse > RSE_UNRELIABLE, "unreliable", np.where(rse > RSE_CAUTION, "caution", "ok")
    )
    flag = np.where(table["n"].to_numpy() < min_rows, "few_rows", flag)
    return pd.Series(flag, index=table.index, name="reliability")


@dataclass
class Estimates:
    """A tidy table of estimates: the group columns, then :data:`TIDY_COLUMNS`.

    ``by`` names the group columns (empty for the whole population). ``notes`` are message keys
    with their values, shown under the summary (for example an indicator left out because incomes
    were not positive).
    """

    table: pd.DataFrame
    by: tuple[str, ...] = ()
    notes: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    title: str = "measure.title"
    # Direct estimates from fewer rows are flagged; a model-based estimate (small-area) sets 0.
    min_rows: int = MIN_ROWS
    unit: str = ""  # the welfare's unit (IDR/person/month): shown with lines, means and quantiles

    def __post_init__(self) -> None:
        columns = [*self.by, *TIDY_COLUMNS]
        missing = [c for c in columns if c not in self.table.columns]
        if missing:
            raise ValueError(f"tidy table lacks columns {missing}")
        self.table = self.table[columns].reset_index(drop=True)

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, object]:
        """``by``, ``estimates`` (the tidy rows as plain values: NaN as ``None``) and ``notes``
        (their texts), ready for JSON."""
        return {
            "by": list(self.by),
            "estimates": records(self.tidy()),
            "notes": [text(key, **values) for key, values in self.notes],
        }

    def value(self, indicator: str, **group: object) -> float:
        """One estimate: ``result.value("fgt0", urban=True)``."""
        rows = self.table["indicator"] == indicator
        for column, wanted in group.items():
            rows &= self.table[column] == wanted
        found = self.table.loc[rows, "estimate"]
        if len(found) != 1:
            raise KeyError(f"{indicator} {group}: {len(found)} rows")
        return float(found.iloc[0])

    def summary(self, language: Language | None = None) -> str:
        """A plain-text table for people: labels in their language, reliability flagged."""
        table = self.table
        flags = reliability(table, self.min_rows)
        header = [
            *(column_label(c, language) for c in self.by),
            text("measure.col_indicator", language),
            text("measure.col_estimate", language),
            text("measure.col_se", language),
            text("measure.col_ci", language),
            "n",
            text("measure.col_population", language),
            "",
        ]
        rows = [header]
        for index, row in table.iterrows():
            rows.append(
                [
                    *(_label(c, row[c], language) for c in self.by),
                    self._indicator(str(row["indicator"]), language),
                    _number(row["estimate"], language),
                    _number(row["se"], language),
                    _interval(row["ci_low"], row["ci_high"], language),
                    format_number(int(row["n"]), language),
                    _number(row["population"], language, always_whole=True),
                    "" if flags[index] == "ok" else text(f"measure.flag_{flags[index]}", language),
                ]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = [text(self.title, language)]
        for position, row in enumerate(rows):
            lines.append(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            )
            if position == 0:
                lines.append("  ".join("-" * width for width in widths))
        lines += [text(key, language, **values) for key, values in self.notes]
        return "\n".join(line.rstrip() for line in lines)

    def _indicator(self, name: str, language: Language | None) -> str:
        """The indicator's name, with the welfare's unit where it is an amount of welfare."""
        label = indicator_label(name, language)
        amount = name in AMOUNTS or name.startswith("quantile")
        return (
            f"{label} ({value_label('unit', self.unit, language)})"
            if amount and self.unit
            else label
        )


# Indicators in the welfare's own unit (a rupiah amount per person per month for consumption).
AMOUNTS = ("poverty_line", "extreme_line", "mean", "median")


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as plain Python values for JSON: numpy scalars unwrapped, NaN and NA as ``None``."""

    def plain(value: object) -> object:
        if hasattr(value, "item"):
            value = value.item()  # type: ignore[union-attr]
        if isinstance(value, float) and not np.isfinite(value):
            return None
        if value is pd.NA or value is pd.NaT:
            return None
        return value

    return [{key: plain(value) for key, value in row.items()} for row in frame.to_dict("records")]


def indicator_label(name: str, language: Language | None = None) -> str:
    """The readable name of an indicator; names with a parameter keep it (``share_d3``)."""
    key = f"indicator.{name.replace('.', '_')}"
    try:
        return text(key, language)
    except KeyError:
        return name


def _label(column: str, value: object, language: Language | None) -> str:
    """A group's label as a reader names it; an empty one marks a row for the whole population."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return text("measure.all", language)
    return value_label(column, value, language)


def _interval(low: object, high: object, language: Language | None) -> str:
    shown = [_number(low, language), _number(high, language)]
    return "–" if shown == ["–", "–"] else " – ".join(shown)


def _number(value: object, language: Language | None, always_whole: bool = False) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    return format_number(number, language, 0 if always_whole or abs(number) >= 1000 else 4)
