"""The one exception type a user meets, and the problem report that data checks fill."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from sejahtera.i18n import text


class SejahteraError(Exception):
    """An error the user can fix: the message says what, where, and what to do.

    ``key`` names a message in the catalogue; ``values`` fill its placeholders. The CLI prints
    the message without a traceback and exits with status 2.
    """

    def __init__(self, key: str, /, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(key)

    def __str__(self) -> str:
        return text(self.key, **self.values)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value: where it is and which rule it breaks.

    ``row`` counts data rows from 1 (the first row after a header), or is ``None`` when the
    problem concerns a whole file or column.
    """

    file: str
    row: int | None
    column: str
    value: str
    rule: str
    detail: str = ""  # what would be allowed: "0–120", "earth, bamboo, …"

    @property
    def message(self) -> str:
        message = text(f"rule.{self.rule}")
        return f"{message}: {self.detail}" if self.detail else message


@dataclass
class ProblemReport:
    """Problems found by a check: every one counted, the first ``limit`` kept in full."""

    limit: int = 1000
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def omitted(self) -> int:
        return self.total - len(self.problems)

    def add(self, problem: Problem) -> None:
        self.counts[problem.rule] += 1
        if len(self.problems) < self.limit:
            self.problems.append(problem)

    def add_rows(
        self,
        file: str,
        column: str,
        rule: str,
        rows: Sequence[int | None],
        values: Iterable[object],
        detail: str = "",
    ) -> None:
        """Record one problem per row; only as many as fit under the limit are built."""
        self.counts[rule] += len(rows)
        room = self.limit - len(self.problems)
        for row, value in zip(rows[: max(room, 0)], values, strict=False):
            self.problems.append(Problem(file, row, column, _show(value), rule, detail))

    def add_where(
        self,
        file: str,
        column: str,
        rule: str,
        rows: np.ndarray,
        bad: np.ndarray,
        values: pd.Series | None = None,
        detail: str = "",
        masked: bool = False,
    ) -> None:
        """One problem per true entry of ``bad``; ``rows`` and ``values`` align with it.

        ``masked`` hides the values (personal data such as NIK): the report names the row only.
        """
        if not bad.any():
            return
        where = np.flatnonzero(bad)
        shown = where[: max(self.limit - len(self.problems), 0)]
        if masked or values is None:
            seen = ["••••" if masked else ""] * len(shown)
        else:
            seen = values.iloc[shown].tolist()
        self.add_rows(file, column, rule, rows[where].tolist(), seen, detail)

    def extend(self, other: ProblemReport) -> None:
        self.counts.update(other.counts)
        room = self.limit - len(self.problems)
        self.problems.extend(other.problems[: max(room, 0)])

    def to_json(self) -> str:
        return json.dumps(
            {
                "total": self.total,
                "shown": len(self.problems),
                "counts": dict(sorted(self.counts.items())),
                "problems": [asdict(p) | {"message": p.message} for p in self.problems],
            },
            ensure_ascii=False,
            indent=2,
        )

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["file", "row", "column", "value", "rule", "message"])
        for p in self.problems:
            writer.writerow(
                [p.file, "" if p.row is None else p.row, p.column, p.value, p.rule, p.message]
            )
        return out.getvalue()

    def to_table(self, shown: int | None = None) -> str:
        """A plain-text table for the terminal, then the count per rule."""
        rows = self.problems if shown is None else self.problems[:shown]
        header = [
            text("report.file"),
            text("report.row"),
            text("report.column"),
            text("report.value"),
            text("report.rule"),
        ]
        body = [
            [p.file, "" if p.row is None else str(p.row), p.column, _clip(p.value), p.message]
            for p in rows
        ]
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in [header, *body]
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        hidden = self.total - len(rows)
        if hidden:
            lines.append(text("report.more", count=hidden))
        lines.append("")
        lines.append(text("report.counts"))
        for rule, count in sorted(self.counts.items()):
            lines.append(f"  {text(f'rule.{rule}')} ({rule}): {count}")
        return "\n".join(lines)


def _show(value: object) -> str:
    if value is None or value is pd.NA:
        return ""
    try:
        if value != value:  # NaN
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _clip(value: str, width: int = 40) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"
