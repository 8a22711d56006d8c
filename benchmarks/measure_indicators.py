"""All indicators on 10 million weighted persons: Sejahtera against plain pandas and the floor.

The floor is what no implementation can avoid: reading the columns from Parquet and sorting
welfare once (``np.argsort``). Sejahtera's ``measure`` runs with linearised standard errors (its
default) and with ``variance="none"``, overall and by 100 groups, against the rows' own (BPS)
lines and against a relative line (60 % of the population's median); a plain pandas
implementation of the same point estimates (sort each group, cumulate, read off) runs beside it,
and its numbers are checked against Sejahtera's. Each case runs in a fresh child process, so its
peak resident memory is its own. Target (the measurement issue): Sejahtera within 3× of the floor.

The data are made once and kept in ``var/bench/`` (seed 1). Record the figures in
docs/benchmarks.md with the machine and date.

    make bench
    python benchmarks/measure_indicators.py --rows 1000000
    python benchmarks/measure_indicators.py --cases floor sejahtera-relative
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

BENCH = Path(__file__).resolve().parent.parent / "var" / "bench"
COLUMNS = ["welfare", "weight", "poverty_line", "group"]
CHUNK_ROWS = 1_000_000
GROUPS = 100
# BPS poverty lines, March 2024, Rp per person per month: urban and rural.
LINES_RP = (601_871.0, 556_874.0)
TARGET = 3.0
CASES = (
    "floor",
    "sejahtera",
    "sejahtera-none",
    "sejahtera-relative",
    "sejahtera-relative-none",
    "pandas",
)
RELATIVE_LINE = "60%median"  # Eurostat's at-risk-of-poverty line, for the relative cases


# -- the data ----------------------------------------------------------------------------------


def population(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each group's share of persons, welfare level (log) and urban share."""
    rng = np.random.default_rng([seed, 0])
    share = rng.lognormal(0.0, 0.8, GROUPS)
    return share / share.sum(), rng.normal(0.0, 0.25, GROUPS), rng.uniform(0.1, 0.9, GROUPS)


def chunk(index: int, rows: int, seed: int) -> pa.Table:
    """Chunk ``index`` of the persons; the same index and seed always give the same rows."""
    share, level, urban_share = population(seed)
    rng = np.random.default_rng([seed, index + 1])
    group = rng.choice(GROUPS, rows, p=share).astype(np.int16)
    urban = rng.random(rows) < urban_share[group]
    log_welfare = np.log(1_150_000.0) + level[group] + 0.1 * urban + rng.normal(0.0, 0.55, rows)
    return pa.table(
        {
            "welfare": np.round(np.exp(log_welfare)),  # Rp per person per month, whole rupiah
            "weight": rng.gamma(2.0, 120.0, rows) + 1.0,  # persons each row stands for
            "poverty_line": np.where(urban, *LINES_RP),
            "group": group,
        }
    )


def write_rows(path: Path, first_chunk: int, rows: int, seed: int) -> None:
    """Write ``rows`` rows, chunk by chunk, so that memory stays small whatever the size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    writer = None
    done, index = 0, first_chunk
    while done < rows:
        table = chunk(index, min(CHUNK_ROWS, rows - done), seed)
        writer = writer or pq.ParquetWriter(partial, table.schema)
        writer.write_table(table, row_group_size=CHUNK_ROWS)
        done, index = done + table.num_rows, index + 1
    if writer is not None:
        writer.close()
    partial.rename(path)


def dataset(rows: int, seed: int) -> Path:
    path = BENCH / f"measure-{rows}-seed{seed}.parquet"
    if not path.exists():
        start = time.perf_counter()
        write_rows(path, 0, rows, seed)
        print(f"wrote {path} in {time.perf_counter() - start:.0f} s", flush=True)
    return path


# -- the plain pandas baseline -----------------------------------------------------------------


def plain_indicators(group: pd.DataFrame) -> pd.Series:
    """Every point estimate for one group, written plainly: sort, cumulate, read off."""
    group = group.sort_values("welfare")
    y, w, z = group["welfare"], group["weight"], group["poverty_line"]
    W, T = w.sum(), (w * y).sum()
    mu = T / W
    cw = w.cumsum().to_numpy()

    def quantile(p: float) -> float:  # Eurostat: the mean of two values when F hits p exactly
        k = int(np.searchsorted(cw, p * W * (1 - 1e-12)))
        if abs(cw[k] - p * W) <= 1e-12 * W and k + 1 < len(cw):
            return (y.iloc[k] + y.iloc[k + 1]) / 2
        return y.iloc[k]

    def below(p: float) -> tuple[float, float]:
        at_or_below = y <= quantile(p)
        return (w * y)[at_or_below].sum(), w[at_or_below].sum()

    poor = y < z
    gap = ((z - y) / z).where(poor, 0.0)
    out = {
        "fgt0": w[poor].sum() / W,
        "fgt1": (w * gap).sum() / W,
        "fgt2": (w * gap**2).sum() / W,
        "poor_count": w[poor].sum(),
        "poverty_line": (w * z).sum() / W,
        "gini": 2 * (w * y * (cw - w / 2)).sum() / (W * T) - 1,
        "theil": (w * y / mu * np.log(y / mu)).sum() / W,
        "mld": (w * np.log(mu / y)).sum() / W,
        "atkinson_0.5": 1 - ((w * np.sqrt(y)).sum() / W) ** 2 / mu,
        "atkinson_1": 1 - np.exp((w * np.log(y)).sum() / W) / mu,
        "atkinson_2": 1 - W / (w / y).sum() / mu,
        "palma": (T - below(0.9)[0]) / below(0.4)[0],
        "s80s20": ((T - below(0.8)[0]) / (W - below(0.8)[1])) / (below(0.2)[0] / below(0.2)[1]),
        "mean": mu,
        "median": quantile(0.5),
    }
    cumulative = [0.0, *(below(d / 10)[0] for d in range(1, 10)), T]
    for d in range(1, 11):
        out[f"share_d{d}"] = (cumulative[d] - cumulative[d - 1]) / T
    return pd.Series(out)


# -- one case in its own process ---------------------------------------------------------------


def run_case(case: str, by: bool, data: Path, out: Path) -> dict[str, float]:
    start = time.perf_counter()
    frame = pd.read_parquet(data, columns=COLUMNS)
    read = time.perf_counter() - start
    start = time.perf_counter()
    if case == "floor":
        np.argsort(frame["welfare"].to_numpy())
        estimates = None
    elif case == "pandas":
        wide = (
            frame.groupby("group")[COLUMNS[:3]].apply(plain_indicators)
            if by
            else plain_indicators(frame).to_frame().T.assign(group=-1).set_index("group")
        )
        estimates = wide.rename_axis(columns="indicator").stack().rename("estimate").reset_index()
    else:
        from sejahtera.measure.estimate import measure

        variance = "none" if case.endswith("-none") else "linearisation"
        line = RELATIVE_LINE if "relative" in case else "poverty_line"
        groups = ["group"] if by else []
        result = measure(frame, "welfare", weight="weight", line=line, by=groups, variance=variance)
        estimates = result.tidy()
        if not by:
            estimates["group"] = -1
    compute = time.perf_counter() - start
    if estimates is not None:
        estimates[["group", "indicator", "estimate"]].to_parquet(out)
    return {"read": read, "compute": compute}


def child(case: str, by: bool, data: Path, out: Path) -> tuple[dict[str, float], float]:
    """Run one case in a fresh process; its timings and its own peak memory in MB."""
    command = [sys.executable, __file__, "--case", case, "--data", str(data), "--out", str(out)]
    process = subprocess.Popen([*command, *(["--by"] if by else [])], stdout=subprocess.PIPE)
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"case {case} failed")
    return json.loads(output), usage.ru_maxrss / 1024


def agreement(ours: Path, theirs: Path) -> tuple[float, float]:
    """Largest absolute and relative difference between two cases' estimates."""
    first, second = pd.read_parquet(ours), pd.read_parquet(theirs)
    both = first.merge(second, on=["group", "indicator"], suffixes=("", "_other"))
    if len(both) != len(second):
        raise SystemExit(f"{ours.name} and {theirs.name} give different rows")
    difference = (both["estimate"] - both["estimate_other"]).abs()
    return float(difference.max()), float((difference / both["estimate"].abs()).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each case; the median run is shown"
    )
    parser.add_argument(
        "--cases", nargs="+", choices=CASES, default=CASES, help="the cases to run (floor first)"
    )
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--by", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.by, args.data, args.out)))
        return
    data = dataset(args.rows, args.seed)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"pyarrow {pa.__version__}"
    )
    print(f"data: {data} ({args.rows:,} rows, {GROUPS} groups); median of {args.repeat} runs")
    print(
        f"{'case':<24} {'groups':>6} {'read s':>7} {'compute s':>10} {'total s':>8} "
        f"{'peak MB':>8} {'× floor':>8}"
    )
    with tempfile.TemporaryDirectory(prefix="sejahtera-bench-") as tmp:
        folder = Path(tmp)
        for by in (False, True):
            floor = 0.0
            for case in args.cases:
                out = folder / f"{case}-{'by' if by else 'all'}.parquet"
                # This machine's timings wander by ±20 %: show each case's median run.
                runs = sorted(
                    (child(case, by, data, out) for _ in range(args.repeat)),
                    key=lambda run: run[0]["read"] + run[0]["compute"],
                )
                seconds, peak_mb = runs[len(runs) // 2]
                total = seconds["read"] + seconds["compute"]
                floor = floor or total
                verdict = "PASS" if total <= TARGET * floor else "FAIL"
                print(
                    f"{case:<24} {GROUPS if by else 1:>6} {seconds['read']:>7.2f} "
                    f"{seconds['compute']:>10.2f} {total:>8.2f} {peak_mb:>8,.0f} "
                    f"{total / floor:>7.1f}× {verdict if case.startswith('sejahtera') else ''}",
                    flush=True,
                )
            suffix = "by" if by else "all"
            if not {"sejahtera-none", "pandas"} <= set(args.cases):
                continue
            largest, relative = agreement(
                folder / f"sejahtera-none-{suffix}.parquet", folder / f"pandas-{suffix}.parquet"
            )
            print(
                f"  pandas vs Sejahtera: max abs difference {largest:.3g}, max rel {relative:.3g}"
            )


if __name__ == "__main__":
    main()
