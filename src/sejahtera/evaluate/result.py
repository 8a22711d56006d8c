"""What every evaluation returns: estimates with their uncertainty, diagnostics, and a reading of
them in plain Indonesian and English, with the caveats that limit it.

An estimator builds an :class:`Evaluation` from its :class:`Estimate` rows (the main effect
first), its diagnostics (a JSON-ready mapping: balance, pre-trend test, bandwidth, …) and the
:class:`Caveat` s its checks raise. A design that cannot identify an effect raises
:class:`NotIdentified` instead of returning a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, catalogue, local_number, text

TIDY_COLUMNS = ("term", "estimate", "se", "ci_low", "ci_high", "p_value", "n")
LEVEL = 0.95
MAX_DECIMALS = 15  # a float has no more significant digits to show


class NotIdentified(SejahteraError):
    """The design cannot identify an effect on these data (no variation in treatment, perfect
    separation, no common support, too few observations near the cut-off, …). The message says
    which, and what would help."""


@dataclass(frozen=True)
class Estimate:
    """One estimated quantity. ``ci_low``/``ci_high`` default to the normal interval."""

    term: str
    estimate: float
    se: float
    n: int
    p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None

    def interval(self, level: float = LEVEL) -> tuple[float, float]:
        if self.ci_low is not None and self.ci_high is not None:
            return self.ci_low, self.ci_high
        z = NormalDist().inv_cdf(0.5 + level / 2)
        return self.estimate - z * self.se, self.estimate + z * self.se

    def p(self) -> float:
        """Two-sided p-value (normal), unless the estimator gave its own."""
        if self.p_value is not None:
            return self.p_value
        if not self.se or not math.isfinite(self.se):
            return float("nan")
        return 2 * (1 - NormalDist().cdf(abs(self.estimate / self.se)))


@dataclass(frozen=True)
class Caveat:
    """A limit of the estimate, as a message key of ``resources/locale/evaluate.yaml``.

    ``severe`` caveats (parallel trends rejected, poor balance after matching, manipulation of
    the running variable) mean the estimate should not be relied on; the reading says so first.
    """

    key: str
    values: dict[str, object] = field(default_factory=dict)
    severe: bool = False

    def text(self, language: Language | None = None) -> str:
        return text(self.key, language, **self.values)


@dataclass
class Evaluation:
    """The result of an estimator: ``tidy()``, ``summary()``, ``interpretation()``,
    ``to_dict()`` (what ``--json`` prints)."""

    method: str  # did, twfe, event_study, staggered, match, rdd
    outcome: str
    estimates: list[Estimate]  # the main effect first
    diagnostics: dict[str, object] = field(default_factory=dict)
    caveats: list[Caveat] = field(default_factory=list)
    plot: dict[str, object] = field(default_factory=dict)  # the data a report draws

    @property
    def main(self) -> Estimate:
        return self.estimates[0]

    def tidy(self, level: float = LEVEL) -> pd.DataFrame:
        rows = []
        for estimate in self.estimates:
            low, high = estimate.interval(level)
            rows.append(
                {
                    "term": estimate.term,
                    "estimate": estimate.estimate,
                    "se": estimate.se,
                    "ci_low": low,
                    "ci_high": high,
                    "p_value": estimate.p(),
                    "n": estimate.n,
                }
            )
        return pd.DataFrame(rows, columns=list(TIDY_COLUMNS))

    def interpretation(self, language: Language | None = None) -> str:
        """The main estimate in one or two plain sentences, then every caveat."""
        main = self.main
        low, high = main.interval()
        p = main.p()
        key = (
            "evaluate.reading_significant" if p < 1 - LEVEL else "evaluate.reading_not_significant"
        )
        lines = []
        severe = [c for c in self.caveats if c.severe]
        if severe:
            lines.append(text("evaluate.do_not_rely", language))
        finite = [abs(v) for v in (main.estimate, low, high) if math.isfinite(v)]
        scale = max(finite, default=0.0)
        lines.append(
            text(
                key,
                language,
                method=text(f"evaluate.method_{self.method}", language),
                outcome=self.outcome,
                term=main.term,
                estimate=_number(main.estimate, scale, language),
                low=_number(low, scale, language),
                high=_number(high, scale, language),
                p=p,
                n=main.n,
                direction=text("evaluate.up" if main.estimate > 0 else "evaluate.down", language),
            )
        )
        lines.extend("- " + caveat.text(language) for caveat in severe)
        lines.extend("- " + c.text(language) for c in self.caveats if not c.severe)
        return "\n".join(lines)

    def summary(self, language: Language | None = None) -> str:
        """A table of the estimates (:func:`table_number`), then the reading."""
        table = self.tidy()
        key = f"evaluate.method_{self.method}"
        method = text(key, language) if key in catalogue() else self.method
        header = text("evaluate.summary_title", language, method=method, outcome=self.outcome)
        table.columns = [
            text(f"evaluate.col_{column}", language)
            if f"evaluate.col_{column}" in catalogue()
            else column
            for column in table.columns
        ]
        body = table.to_string(
            index=False,
            float_format=lambda x: table_number(x, language),
        )
        return f"{header}\n{body}\n\n{self.interpretation(language)}"

    def to_dict(self) -> dict[str, object]:
        """``estimates`` (the tidy rows, main effect first), ``diagnostics``, ``caveats``."""
        return {
            "method": self.method,
            "outcome": self.outcome,
            "estimates": _plain(self.tidy().to_dict(orient="records")),
            "diagnostics": _plain(self.diagnostics),
            "caveats": [{"key": c.key, "severe": c.severe, "text": c.text()} for c in self.caveats],
        }


def _number(value: float, scale: float, language_code: Language | None = None) -> str:
    """``value`` with as many decimals as numbers of the size ``scale`` need (three significant
    digits of numbers under 0.01), in the reader's convention (``1.234,5`` in Indonesian,
    ``1,234.5`` in English); never in scientific notation."""
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    decimals = 0 if scale >= 1000 else 2 if scale >= 1 else 4
    if 0 < scale < 0.01:
        decimals = min(2 - math.floor(math.log10(scale)), MAX_DECIMALS)
    return local_number(value, f",.{decimals}f", language_code)


def table_number(value: float, language_code: Language | None = None) -> str:
    """A number in a table of estimates (the summary, the report): whole numbers grouped from
    1,000 on, four significant digits below; never in scientific notation; ``–`` for none."""
    if not math.isfinite(value):
        return _number(value, 0.0, language_code)
    if abs(value) >= 1000 or float(value).is_integer():
        return local_number(value, ",.0f", language_code)
    return local_number(value, ".4g", language_code)


def _plain(value: object) -> object:
    """JSON-ready: numpy scalars to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
