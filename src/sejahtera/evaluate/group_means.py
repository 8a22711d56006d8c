"""The outcome's means by group and period: the four cells of the 2×2 design and the data of
the parallel-trends plot (see :mod:`sejahtera.evaluate.did` for its shape)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def means_plot(
    data: pd.DataFrame,
    outcome: str,
    x: str,
    groups: np.ndarray | pd.Categorical,
    labels: dict[int, str] | None,
    weights: np.ndarray | None,
) -> dict[str, object]:
    """Mean (with its standard error and count) of ``outcome`` by group and period."""
    y = data[outcome].to_numpy(float)
    w = np.ones(len(y)) if weights is None else weights
    keys = groups if isinstance(groups, pd.Categorical) else np.asarray(groups)
    if labels is not None:  # 0/1 codes to names
        keys = np.array([labels[0], labels[1]], dtype=object)[keys.astype(int)]
    frame = pd.DataFrame({"g": keys, "x": data[x].to_numpy(), "y": y, "w": w})
    periods = sorted(frame["x"].unique())
    series = []
    for group, part in frame.groupby("g", sort=True, observed=True):
        by_period = {
            key: mean_se(sub["y"].to_numpy(), sub["w"].to_numpy()) for key, sub in part.groupby("x")
        }
        rows = [by_period.get(period, (None, None, 0)) for period in periods]
        series.append(
            {
                "group": str(group),
                "mean": [r[0] for r in rows],
                "se": [r[1] for r in rows],
                "n": [r[2] for r in rows],
            }
        )
    return {
        "kind": "group_means",
        "x": x,
        "periods": [p.item() if isinstance(p, np.generic) else p for p in periods],
        "series": series,
    }


def cell_means(
    y: np.ndarray, t: np.ndarray, p: np.ndarray, w: np.ndarray | None
) -> list[dict[str, object]]:
    """The mean of ``y`` in each of the four cells: control/treated × before/after."""
    cells = []
    for group, treated_value in (("control", 0), ("treated", 1)):
        for period, post_value in (("before", 0), ("after", 1)):
            inside = (t == treated_value) & (p == post_value)
            mean, se, n = mean_se(y[inside], None if w is None else w[inside])
            cells.append({"group": group, "period": period, "mean": mean, "se": se, "n": n})
    return cells


def difference_of_means(cells: list[dict[str, object]]) -> float | None:
    """The difference-in-differences of the four means (None when a cell is empty)."""
    mean = {(c["group"], c["period"]): c["mean"] for c in cells}
    if any(value is None for value in mean.values()):
        return None
    treated = mean["treated", "after"] - mean["treated", "before"]  # type: ignore[operator]
    control = mean["control", "after"] - mean["control", "before"]  # type: ignore[operator]
    return float(treated - control)


def mean_se(y: np.ndarray, w: np.ndarray | None) -> tuple[float | None, float | None, int]:
    """(Weighted) mean and its standard error, s/√n without weights."""
    n = len(y)
    if n == 0:
        return None, None, 0
    w = np.ones(n) if w is None else w
    total = w.sum()
    mean = float((w * y).sum() / total)
    if n < 2:
        return mean, None, n
    se = float(np.sqrt((w * w * (y - mean) ** 2).sum() * n / (n - 1)) / total)
    return mean, se, n
