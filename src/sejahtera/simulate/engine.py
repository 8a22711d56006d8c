"""Run a ruleset over persons and households: every variable computed once, on whole columns.

Periods are a year (``"2025"``) or a month (``"2025-03"``). Parameters are read on the period's
first day. A monthly amount (a float variable) asked for a year is the sum of its twelve months
(each month with the parameters in force then); any other monthly variable asked for a year is its
January value; a yearly variable read in a month is that year's value; an ``eternity`` variable
(a birth date) is the same in every period.

A household holds one family (a family card, KK) or several: the persons' ``family_id`` says
which, and without it each household is one family. A family's inputs are read from its first
member's row of the persons table when that table has the column, else from its household's row.

Input columns of the tables hold in every period. Values for one period (``inputs={"salary":
{"2017-01": [...]}}``, as test cases give them) take precedence in that period, over the columns
and over formulas; other periods fall back to the column, the formula or the default.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError
from sejahtera.rules.expression import FormulaError
from sejahtera.rules.parameters import RulesFileError, Scale
from sejahtera.rules.ruleset import Ruleset, Variable

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None  # None: the whole year

    @classmethod
    def parse(cls, text: str | int) -> Period:
        match = _PERIOD.match(str(text).strip())
        if not match or (match.group(2) and not 1 <= int(match.group(2)) <= 12):
            raise SejahteraError("simulate.bad_period", value=text)
        return cls(int(match.group(1)), int(match.group(2)) if match.group(2) else None)

    @property
    def unit(self) -> str:
        return "year" if self.month is None else "month"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, self.month or 1, 1)

    def months(self) -> list[Period]:
        return [Period(self.year, m) for m in range(1, 13)]

    def shift(self, how: str) -> Period:
        """The period ``how`` (``first_month``, ``last_year``…) relative to this one."""
        if how == "this_year":
            return Period(self.year)
        if how.endswith("_year"):
            return Period(self.year + (1 if how == "next_year" else -1))
        month = self.month or 1
        if how == "first_month":
            return Period(self.year, month)
        if how == "last_month":
            return Period(self.year - (month == 1), 12 if month == 1 else month - 1)
        month = self.month or 12  # next_month: after the period's last month
        return Period(self.year + (month == 12), 1 if month == 12 else month + 1)

    def __str__(self) -> str:
        return str(self.year) if self.month is None else f"{self.year}-{self.month:02d}"


def as_pandas(table: object) -> pd.DataFrame:
    """pandas, Polars or Arrow in; pandas out."""
    if isinstance(table, pd.DataFrame):
        return table
    if hasattr(table, "to_pandas"):
        return table.to_pandas()  # type: ignore[no-any-return]
    raise TypeError(f"expected a pandas, Polars or Arrow table, got {type(table).__name__}")


ETERNITY = Period(0)  # the key of a value that holds in every period


class Simulation:
    """Variables of a ruleset on given persons and households, computed on demand."""

    def __init__(
        self,
        ruleset: Ruleset,
        persons: object,
        households: object,
        period: str | int,
        inputs: dict[str, dict[str, object]] | None = None,
    ) -> None:
        self.ruleset = ruleset
        self.persons = as_pandas(persons)
        self.households = as_pandas(households)
        self.period = Period.parse(period)
        for table, column in (
            (self.persons, "person_id"),
            (self.persons, "household_id"),
            (self.households, "household_id"),
        ):
            if column not in table.columns:
                raise SejahteraError("simulate.missing_id", column=column)
        self.household_of = household_numbers(self.persons, self.households)
        self.family_of, self.family_household, self.family_first = _families(
            self.persons, self.household_of, len(self.households)
        )
        role = "role" if "role" in self.persons else "relationship"
        self._roles = self.persons.get(role)
        self._role_masks: dict[str, np.ndarray] = {}
        self._cache: dict[tuple[str, Period], np.ndarray] = {}
        self._changes: dict[int, list[int]] = {}
        self._given_years: set[int] = set()
        self._given: set[tuple[str, Period]] = set()  # values given for a period
        self._checked: set[tuple[str, Period]] = set()
        self._memo: dict[Period, dict[object, object]] = {}  # parts formulas share, by period
        # What callers derive from the tables once (area numbering), shared with .sharing().
        self.derived: dict[str, object] = {}
        for name, by_period in (inputs or {}).items():
            for when, values in by_period.items():
                self.give(name, str(when), values)

    def sharing(
        self, ruleset: Ruleset, keep: set[str], households: pd.DataFrame | None = None
    ) -> Simulation:
        """A simulation of ``ruleset`` on the same data, reusing this one's households, families
        and roles, and its values of the variables in ``keep`` (those a reform leaves alone).
        ``households``: the same rows, with columns added (an input the reform reads)."""
        other = object.__new__(Simulation)
        other.__dict__.update(self.__dict__)
        other.ruleset = ruleset
        if households is not None:
            other.households = households
        other._cache = {key: value for key, value in self._cache.items() if key[0] in keep}
        other._given = {key for key in self._given if key[0] in keep}
        other._given_years = set(self._given_years)
        other._checked, other._memo, other._changes = set(), {}, {}
        return other

    def has_input(self, name: str) -> bool:
        """Whether the data give ``name``: a column of its entity's table or values given for a
        period (not only its default)."""
        variable = self.ruleset.variables.get(name)
        if variable is None:
            return False
        tables = {
            "person": [self.persons],
            "household": [self.households],
            "family": [self.persons, self.households],
        }[variable.entity]
        return any(name in t.columns for t in tables) or any(k[0] == name for k in self._given)

    def role_mask(self, role: str) -> np.ndarray:
        """The persons who hold ``role`` (from the ``role`` or ``relationship`` column)."""
        if role not in self._role_masks:
            if self._roles is None:
                self._role_masks[role] = np.zeros(len(self.persons), dtype=bool)
            else:  # one comparison of the column (text columns compare fast in Arrow)
                same = self._roles.astype(str) == role if self._roles.dtype == object else None
                same = self._roles == role if same is None else same
                self._role_masks[role] = np.asarray(same.fillna(False), dtype=bool)
        return self._role_masks[role]

    def calculate(self, name: str, period: str | int | None = None) -> np.ndarray:
        """The values of ``name`` for ``period`` (the simulation's by default), in input order."""
        variable = self.ruleset.variables.get(name)
        if variable is None:
            raise SejahteraError("simulate.unknown_variable", name=name)
        when = Period.parse(period) if period is not None else self.period
        if (name, when) not in self._checked:  # a missing parameter value, before any work
            days = [m.start for m in when.months()] if when.unit == "year" else [when.start]
            self.ruleset.check_days(name, days)
            self._checked.add((name, when))
        return self._value(variable, when)

    @property
    def families(self) -> int:
        return len(self.family_household)

    def _rows(self, variable: Variable) -> int:
        if variable.entity == "person":
            return len(self.persons)
        return len(self.households) if variable.entity == "household" else self.families

    def give(self, name: str, when: str, values: object) -> None:
        """An input for one period, before anything reads it; a year's value of a monthly
        variable is spread by set_input."""
        variable = self.ruleset.variables.get(name)
        if variable is None:
            raise SejahteraError("simulate.unknown_variable", name=name)
        rows = self._rows(variable)
        array = _convert(variable, pd.Series(np.broadcast_to(np.asarray(values), (rows,))))
        if variable.period == "eternity":
            self._cache[(name, ETERNITY)] = array
            self._given.add((name, ETERNITY))
            return
        period = Period.parse(when)
        self._given.add((name, period))
        if variable.period == "month":  # months may now differ: a year sums all twelve
            self._given_years.add(period.year)
        if variable.period == period.unit:
            self._cache[(name, period)] = array
        elif variable.period == "month" and variable.set_input is not None:
            share = array / 12 if variable.set_input == "divide" else array
            for month in period.months():
                self._cache[(name, month)] = share
        else:
            raise SejahteraError(
                "rules.input_period", name=name, period=when, wanted=variable.period
            )

    def _value(self, variable: Variable, period: Period) -> np.ndarray:
        if variable.period == "eternity":
            key = (variable.name, ETERNITY)
        elif variable.period == "month" and period.unit == "year":
            return self._year_of_months(variable, period)
        else:
            if variable.period == "year" and period.unit == "month":
                period = Period(period.year)
            key = (variable.name, period)
        if key not in self._cache:
            self._cache[key] = self._compute(variable, period)
        return self._cache[key]

    def _year_of_months(self, variable: Variable, period: Period) -> np.ndarray:
        """A monthly variable over a year: the sum of its months (January's, unless an amount).

        Column inputs do not change from month to month, so months between two parameter changes
        give the same values: each run of such months is computed once and counted as many times.
        """
        if variable.type != "float":
            return self._value(variable, Period(period.year, 1))
        changes = self._changes.get(period.year)
        if changes is None:
            days = [
                day
                for path in self.ruleset.parameters
                for day in _starts(self.ruleset.parameters.get(path))
            ]
            days += [
                f.start for v in self.ruleset.variables.values() for f in v.formulas if f.start
            ]
            days += [
                v.end + datetime.timedelta(days=1) for v in self.ruleset.variables.values() if v.end
            ]
            # A change not on the 1st takes effect in the next month's period, and inputs given
            # for single months may differ: then every month is evaluated.
            exact = period.year in self._given_years or any(
                day.year == period.year and day.day != 1 for day in days
            )
            starts = {day.month for day in days if day.year == period.year} | {1}
            changes = list(range(1, 13)) if exact else sorted(starts)
            self._changes[period.year] = changes
        total = np.zeros(self._rows(variable))
        for first, following in zip(changes, [*changes[1:], 13], strict=True):
            total += (following - first) * self._value(variable, Period(period.year, first))
        return total

    def _compute(self, variable: Variable, period: Period) -> np.ndarray:
        rows = self._rows(variable)
        if not variable.formulas and not variable.neutralised:
            return self._input(variable, rows)
        chosen = variable.formula_at(period.start)
        if chosen is None:  # before its first formula, or after its end
            return _default(variable, rows)
        compiled = self.ruleset.compiled[variable.name][chosen]
        try:
            result = compiled.evaluate(_Environment(self, period))
        except FormulaError as error:  # an overflow, found only on the data: say whose formula
            raise RulesFileError(
                "rules.in_formula",
                file=variable.file,
                line=variable.formulas[chosen].line,
                name=variable.name,
                detail=str(error),
            ) from None
        array = np.asarray(result, dtype=np.float64 if variable.kind == "number" else None)
        return array if array.shape == (rows,) else np.broadcast_to(array, (rows,)).copy()

    def _input(self, variable: Variable, rows: int) -> np.ndarray:
        name = variable.name
        if variable.entity == "family":  # the first member's row, else the household's
            column = pd.Series([None] * rows, dtype=object)
            if name in self.households.columns:
                column = self.households[name].iloc[self.family_household].reset_index(drop=True)
            if name in self.persons.columns:
                own = self.persons[name].iloc[self.family_first].reset_index(drop=True)
                column = own.where(own.notna(), column) if column.notna().any() else own
            if column.isna().all():
                return _default(variable, rows)
            return _convert(variable, column)
        table = self.persons if variable.entity == "person" else self.households
        if name not in table.columns:
            return _default(variable, rows)
        return _convert(variable, table[name])


def _default(variable: Variable, rows: int) -> np.ndarray:
    """The variable's default value on every row, as :func:`_convert` would give it."""
    if variable.kind == "number":
        return np.full(rows, float(variable.default))  # type: ignore[arg-type]
    if variable.kind == "bool":
        return np.full(rows, bool(variable.default))
    if variable.kind == "date":
        return np.full(rows, np.datetime64(variable.default, "D"))
    return np.full(rows, str(variable.default))


def _convert(variable: Variable, column: pd.Series) -> np.ndarray:
    """An input column as the variable's kind of array, missing values as its default."""
    if variable.kind == "number":
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(values)
        return np.where(missing, float(variable.default), values) if missing.any() else values  # type: ignore[arg-type]
    if variable.kind == "bool":
        if column.dtype == bool:
            return column.to_numpy()
        if column.dtype == "bool[pyarrow]" or column.dtype == "boolean":
            return column.to_numpy(dtype=bool, na_value=bool(variable.default))
        return column.astype("boolean").fillna(bool(variable.default)).to_numpy(dtype=bool)
    if variable.kind == "date":
        days = pd.to_datetime(column, errors="coerce").to_numpy(dtype="datetime64[D]")
        return np.where(np.isnat(days), np.datetime64(variable.default, "D"), days)
    # Fixed-width text compares as fast as numbers (school_level == "sd"); the few distinct
    # values are converted once and spread by their codes.
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    words = [str(u) for u in uniques]
    if variable.values:
        allowed = {*variable.values, str(variable.default)}
        unknown = [word for word in words if word not in allowed]
        if unknown:
            row = int(np.flatnonzero(codes == words.index(unknown[0]))[0]) + 1
            raise SejahteraError(
                "rules.unknown_code",
                name=variable.name,
                value=unknown[0],
                row=row,
                allowed=", ".join(variable.values),
            )
    array = np.asarray([*words, str(variable.default)], dtype=str)
    return array[np.where(codes < 0, len(uniques), codes)]


def household_numbers(persons: pd.DataFrame, households: pd.DataFrame) -> np.ndarray:
    """Each person's household number (its row among the households); households' ids must be
    unique and every person's household known."""
    ours, theirs = households["household_id"], persons["household_id"]
    if not (
        pd.api.types.is_integer_dtype(ours.dtype) and pd.api.types.is_integer_dtype(theirs.dtype)
    ):  # identifiers compare as text unless both are whole numbers
        ours, theirs = ours.astype(str), theirs.astype(str)
    index = pd.Index(ours)
    if not index.is_unique:
        raise SejahteraError("simulate.duplicate_household")
    numbers = _household_of(index, theirs)
    if (numbers < 0).any():
        row = int(np.flatnonzero(numbers < 0)[0]) + 1
        raise SejahteraError(
            "simulate.unknown_household", row=row, value=persons["household_id"].iloc[row - 1]
        )
    return numbers


def _household_of(households: pd.Index, members: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """Each person's household number, and where each household's run of persons starts when
    they come in household order (as a dataset's do), every household with members."""
    if len(members):
        members = members.reset_index(drop=True)
        first = members.ne(members.shift()).to_numpy(dtype=bool)
        runs = members[first].reset_index(drop=True)
        if len(runs) == len(households) and runs.equals(pd.Series(households, dtype=runs.dtype)):
            starts = np.flatnonzero(first)
            sizes = np.diff(np.r_[starts, len(members)])
            return np.repeat(np.arange(len(households)), sizes)
    return households.get_indexer(members)


def _families(
    persons: pd.DataFrame, household_of: np.ndarray, households: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each person's family number, each family's household and its first member's row.

    Without ``family_id``, or where it is missing, a person belongs to their household's own
    family. A family id is unique in the data: one found in two households is refused.
    """
    if "family_id" not in persons.columns or not len(persons):
        first = np.full(households, 0, dtype=np.int64)
        if len(persons):
            order = np.arange(len(persons))[::-1]
            first[household_of[order]] = order  # the lowest row of each household wins
        return household_of, np.arange(households), first
    given = persons["family_id"]
    family_of, uniques = pd.factorize(given, sort=False)  # a missing card: -1
    missing = family_of < 0
    if missing.any():  # the household's own family, numbered after the cards given
        own, _ = pd.factorize(household_of[missing], sort=False)
        family_of[missing] = len(uniques) + own
    count = int(family_of.max()) + 1
    first = np.full(count, len(persons), dtype=np.int64)
    np.minimum.at(first, family_of, np.arange(len(persons)))
    family_household = household_of[first]
    spread = family_household[family_of] != household_of
    if spread.any():
        row = int(np.flatnonzero(spread)[0])
        raise SejahteraError("simulate.family_households", value=given.iloc[row], row=row + 1)
    return family_of.astype(np.int64), family_household, first


def _starts(leaf: object) -> list[datetime.date]:
    """Every date a parameter or scale changes value."""
    if isinstance(leaf, Scale):
        return [day for part in (*leaf.thresholds, *leaf.amounts) for day in part.starts]
    return list(getattr(leaf, "starts", ()))


class _Environment:
    """What a formula reads, for one period."""

    def __init__(self, simulation: Simulation, period: Period) -> None:
        self.simulation = simulation
        self.period = period
        self.household_of = simulation.household_of
        self.households = len(simulation.households)
        self.family_of = simulation.family_of
        self.families = simulation.families
        self.family_household = simulation.family_household
        self.role_mask = simulation.role_mask
        self.memo = simulation._memo.setdefault(period, {})

    @property
    def period_start(self) -> datetime.date:
        return self.period.start

    def at(self, shift: str) -> _Environment:
        return _Environment(self.simulation, self.period.shift(shift))

    def value(self, name: str) -> np.ndarray:
        return self.simulation._value(self.simulation.ruleset.variables[name], self.period)

    def parameter(self, path: tuple[str, ...]) -> object:
        return self.simulation.ruleset.parameters.at(path, self.period.start)


def simulate(
    ruleset: Ruleset | str,
    persons: object,
    households: object,
    period: str | int,
    reform: str | Path | None = None,
    inputs: dict[str, dict[str, object]] | None = None,
    workers: int = 1,
) -> Simulation:
    """A :class:`Simulation` of ``ruleset`` (a :class:`Ruleset`, a folder or a shipped name) on
    the data, with the reform in the YAML file ``reform`` applied when given. ``inputs`` gives
    values for single periods (``{"salary": {"2017-01": [...]}}``), one per row. ``workers``
    above 1: the households in that many pieces, each on its own thread
    (:class:`~sejahtera.simulate.split.SplitSimulation`), with the same values."""
    if not isinstance(ruleset, Ruleset):
        from sejahtera.rules.ruleset import load_ruleset

        ruleset = load_ruleset(ruleset)
    if reform is not None:
        from sejahtera.rules.reform import apply_reform

        ruleset = apply_reform(ruleset, reform)
    if workers > 1:
        from sejahtera.simulate.split import SplitSimulation

        return SplitSimulation(ruleset, persons, households, period, inputs, workers)  # type: ignore[return-value]
    return Simulation(ruleset, persons, households, period, inputs)
