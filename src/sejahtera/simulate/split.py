"""A simulation on every core: the households cut into pieces, each computed on its own thread.

Every formula reads its own household (the operations aggregate members, never households), so
the households can be cut into ``workers`` runs of whole households and each run simulated alone:
the values are those of one :class:`~sejahtera.simulate.engine.Simulation` of all of them, bit
for bit. NumPy releases the interpreter's lock while it works on whole columns, so threads use
the cores without copying the data to other processes. BLAS is kept to one thread meanwhile:
its own threads on top of the pieces' slow the products down.

``simulate(..., workers=2)`` gives a :class:`SplitSimulation`. Household and person values come
back in the data's order. Family values are numbered inside each piece, so they are refused here
(use one worker). Inputs given for single periods must be of persons or households.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from sejahtera.rules.ruleset import Ruleset
from sejahtera.simulate.engine import Period, Simulation, as_pandas, household_numbers


class SplitSimulation:
    """:class:`~sejahtera.simulate.engine.Simulation`'s ``calculate`` over pieces of households
    computed on ``workers`` threads (see the module's docstring)."""

    def __init__(
        self,
        ruleset: Ruleset,
        persons: object,
        households: object,
        period: str | int,
        inputs: dict[str, dict[str, object]] | None = None,
        workers: int = 2,
    ) -> None:
        self.ruleset = ruleset
        self.period = Period.parse(period)
        persons, households = as_pandas(persons), as_pandas(households)
        self.households, self.persons = len(households), len(persons)
        member = household_numbers(persons, households)
        cuts = np.linspace(0, len(households), workers + 1).round().astype(np.int64)
        self.rows: list[np.ndarray | slice] = []  # each piece's persons, in the data
        pieces = []
        for start, end in itertools.pairwise(cuts):
            mine = (member >= start) & (member < end)
            at = np.flatnonzero(mine)
            contiguous = len(at) == 0 or at[-1] - at[0] + 1 == len(at)
            rows = slice(int(at[0]), int(at[-1]) + 1) if contiguous and len(at) else at
            self.rows.append(rows)
            own = persons.iloc[rows] if isinstance(rows, slice) else persons.iloc[at]
            given = _inputs_of(ruleset, inputs, slice(int(start), int(end)), rows)
            pieces.append((own, households.iloc[start:end], given))
        self._pool = ThreadPoolExecutor(workers)
        self.pieces: list[Simulation] = list(
            self._pool.map(
                lambda piece: Simulation(ruleset, piece[0], piece[1], period, piece[2]), pieces
            )
        )

    def calculate(self, name: str, period: str | int | None = None) -> np.ndarray:
        """The variable in every household or person, as one simulation of all gives it."""
        return self.calculate_many([name], period)[name]

    def calculate_many(
        self, names: list[str], period: str | int | None = None
    ) -> dict[str, np.ndarray]:
        """Several variables at once: each piece computes all of them on its own thread (the
        threads then meet once, not once per variable)."""
        entities = {name: self.ruleset.variables[name].entity for name in names}
        if "family" in entities.values():
            raise ValueError("family values of a split simulation are numbered per piece")
        with threadpool_limits(limits=1, user_api="blas"):  # the pieces' threads are enough
            found = list(
                self._pool.map(
                    lambda piece: [piece.calculate(name, period) for name in names], self.pieces
                )
            )
        out = {}
        for i, name in enumerate(names):
            values = [piece[i] for piece in found]
            if entities[name] != "person":
                out[name] = np.concatenate(values)
                continue
            out[name] = np.empty(self.persons, dtype=values[0].dtype)
            for rows, piece_values in zip(self.rows, values, strict=True):
                out[name][rows] = piece_values
        return out

    def close(self) -> None:
        self._pool.shutdown()

    def __del__(self) -> None:
        pool = getattr(self, "_pool", None)  # absent when the data were refused
        if pool is not None:
            pool.shutdown(wait=False)


def _inputs_of(
    ruleset: Ruleset,
    inputs: dict[str, dict[str, object]] | None,
    households: slice,
    persons: np.ndarray | slice,
) -> dict[str, dict[str, object]] | None:
    """The values given for single periods, for one piece's households and persons."""
    if not inputs:
        return None
    out: dict[str, dict[str, object]] = {}
    for name, by_period in inputs.items():
        entity = ruleset.variables[name].entity
        if entity == "family":
            raise ValueError("family inputs of a split simulation: use one worker")
        rows = households if entity == "household" else persons
        out[name] = {when: np.asarray(values)[rows] for when, values in by_period.items()}
    return out
