"""Measurement of DATA, as ``sejahtera measure`` and ``sejahtera mpi`` do it and the workbench
will: a dataset folder brings its own defaults, any other table names its columns.

From a dataset folder (:func:`~sejahtera.data.frame.load`) welfare is ``consumption_pc``, the
weight ``weight``, persons per row the household's ``size`` and the poverty line the
households' ``poverty_line``, unless given; the survey design is the dataset's own ``stratum``
and ``psu`` when every row has them, and persons of one household are one cluster. A table file
or a DataFrame has no defaults but its decimal mark: ``welfare`` must be given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from sejahtera.data.frame import Table, as_table, design_columns
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language
from sejahtera.measure.decompose import decompose_fgt, decompose_theil
from sejahtera.measure.estimate import Variance, measure
from sejahtera.measure.lines import Line, parse_line
from sejahtera.measure.mpi import mpi
from sejahtera.measure.mpi_spec import MpiSpec, load_spec
from sejahtera.measure.quantiles import QuantileMethod
from sejahtera.measure.result import Estimates

Data = str | Path | Table | pd.DataFrame


@dataclass
class Measurement:
    """The indicators (``parts[0]``) and, when asked for, the FGT and Theil/MLD decompositions
    after them: each an :class:`Estimates` with its own title."""

    parts: list[Estimates]

    @property
    def estimates(self) -> Estimates:
        """The indicators themselves."""
        return self.parts[0]

    def value(self, indicator: str, **group: object) -> float:
        """One estimate of the indicators: ``result.value("fgt0", urban=True)``."""
        return self.estimates.value(indicator, **group)

    def tidy(self) -> pd.DataFrame:
        """Every part's tidy rows, one after the other: the group columns, then
        :data:`~sejahtera.measure.result.TIDY_COLUMNS`."""
        return pd.concat([part.tidy() for part in self.parts], ignore_index=True)

    def summary(self, language: Language | None = None) -> str:
        """Each part's table for people, a blank line between them."""
        return "\n\n".join(part.summary(language) for part in self.parts)

    def to_dict(self) -> dict[str, object]:
        """``parts``: each part's :meth:`~sejahtera.measure.result.Estimates.to_dict`."""
        return {"parts": [part.to_dict() for part in self.parts]}


def measure_of(
    data: Data,
    welfare: str | None = None,
    *,
    weight: str | None = None,
    size: str | None = None,
    line: str | float | Line | None = None,
    extreme_line: str | float | Line | None = None,
    by: Sequence[str] = (),
    strata: str | None = None,
    psu: str | None = None,
    indicators: Sequence[str] | None = None,
    quantile_method: QuantileMethod = "eurostat",
    variance: Variance = "linearisation",
    replicates: int = 200,
    decompose: bool = False,
    table: str | None = None,
) -> Measurement:
    """Poverty and inequality of DATA (a dataset folder, a table file, a :class:`Table` or a
    DataFrame), with a dataset's defaults (see the module); ``decompose`` adds the FGT and
    Theil/MLD decompositions by ``by``; ``table`` names the object of an ``.RData`` file. The
    other arguments mean what they mean for :func:`~sejahtera.measure.estimate.measure`."""
    groups = list(dict.fromkeys(by))
    loaded = as_table(data, groups, table)
    if loaded.is_dataset:
        welfare = welfare or "consumption_pc"
        weight = weight or "weight"
        size = size or loaded.size
        line = line or ("poverty_line" if "poverty_line" in loaded.frame else None)
    if welfare is None:
        raise SejahteraError("measure.welfare_required", file=loaded.source)
    strata, psu = survey_design(loaded, strata, psu)
    frame, source = loaded.frame, loaded.source
    common = {"weight": weight, "size": size, "strata": strata, "psu": psu, "source": source}
    poverty_line = parse_line(line)
    indicators_result = measure(
        frame,
        welfare,
        line=poverty_line,
        extreme_line=parse_line(extreme_line),
        by=groups,
        indicators=list(indicators) if indicators else None,
        quantile_method=quantile_method,
        variance=variance,
        replicates=replicates,
        decimal=loaded.decimal,
        **common,  # type: ignore[arg-type]
    )
    parts = [indicators_result]
    if decompose:
        if poverty_line is not None:
            parts.append(decompose_fgt(frame, welfare, poverty_line, groups, **common))
        parts.append(decompose_theil(frame, welfare, groups, **common))
    return Measurement(parts)


def mpi_of(
    data: Data,
    spec: MpiSpec | str | Path,
    *,
    k: float | None = None,
    weight: str | None = None,
    by: Sequence[str] = (),
    strata: str | None = None,
    psu: str | None = None,
    table: str | None = None,
) -> Estimates:
    """Alkire–Foster multidimensional poverty of DATA: ``spec`` is a specification file or a
    shipped name (``global``, ``housing-id``); ``k`` replaces its poverty cut-off (a sensitivity
    check). A dataset folder brings its persons, its weight and its design (see the module).
    See :func:`~sejahtera.measure.mpi.mpi`."""
    chosen = spec if isinstance(spec, MpiSpec) else load_spec(spec)
    if k is not None:
        chosen = replace(chosen, k=k)
    loaded = as_table(data, (), table)
    persons = None
    if loaded.dataset is not None:
        weight = weight or "weight"
        persons = loaded.dataset.persons()
    strata, psu = survey_design(loaded, strata, psu)
    return mpi(
        loaded.frame,
        chosen,
        persons=persons,
        weight=weight,
        by=list(dict.fromkeys(by)),
        size=loaded.size,
        strata=strata,
        psu=psu,
    )


def survey_design(
    table: Table, strata: str | None, psu: str | None
) -> tuple[str | None, str | None]:
    """Design columns given, else a dataset's own ``stratum``/``psu`` when they are filled; the
    persons of one household are one cluster."""
    if table.is_dataset:
        own = design_columns(table.frame)
        strata = strata or own.get("strata")
        psu = psu or own.get("psu")
        if psu is None and table.size is None:
            psu = "household_id"
    return strata, psu
