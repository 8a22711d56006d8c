"""Measurement: poverty, inequality, multidimensional poverty and small-area estimates.

from sejahtera.measure import measure, parse_line
result = measure(frame, "consumption_pc", weight="weight", size="size",
                 line=parse_line("poverty_line"), by=["district_code"])
result.tidy()      # by columns, indicator, estimate, se, ci_low, ci_high, n, population
print(result.summary())
"""

from sejahtera.measure.decompose import decompose_fgt, decompose_theil
from sejahtera.measure.estimate import INDICATORS, measure
from sejahtera.measure.functions import (
    atkinson,
    decile_shares,
    fgt,
    gini,
    mld,
    palma,
    quantile,
    s80s20,
    theil,
)
from sejahtera.measure.lines import RelativeLine, parse_line
from sejahtera.measure.mpi import MpiSpec, load_spec, mpi
from sejahtera.measure.outofcore import Streaming, measure_parquet
from sejahtera.measure.quantiles import weighted_quantile
from sejahtera.measure.result import TIDY_COLUMNS, Estimates
from sejahtera.measure.sae import fay_herriot, fay_herriot_poverty

__all__ = [
    "INDICATORS",
    "TIDY_COLUMNS",
    "Estimates",
    "MpiSpec",
    "RelativeLine",
    "Streaming",
    "atkinson",
    "decile_shares",
    "decompose_fgt",
    "decompose_theil",
    "fay_herriot",
    "fay_herriot_poverty",
    "fgt",
    "gini",
    "load_spec",
    "measure",
    "measure_parquet",
    "mld",
    "mpi",
    "palma",
    "parse_line",
    "quantile",
    "s80s20",
    "theil",
    "weighted_quantile",
]
