"""Formulas turned into vectorised functions, checked for names, types and entities first.

:func:`compile_formula` walks the syntax tree once. It asks a :class:`Names` for what each name
means (a variable of an entity and kind, or a parameter), refuses what cannot work (an unknown
name, text added to a number, a person value in a household formula without aggregation) with the
position in the formula, and returns a :class:`Compiled` whose ``evaluate`` runs on whole arrays.

Entities: ``person``, and the groups ``household`` and ``family`` (a family card, KK: a household
holds one family or several). In a group's formula ``members.f(x)`` takes a person expression to
the group: ``sum``, ``count``, ``any``, ``all``, ``max``, ``min``, each with an optional role
(``members.sum(income, "head")``), and ``sum_largest(x, k)`` (the k largest values of each
group). ``household.x`` gives a person or a family its household's value, ``family.x`` a person
its family's; in a household's formula ``families.f(x)`` takes a family expression to the
household.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from sejahtera.rules.expression import (
    Attribute,
    Binary,
    Boolean,
    Call,
    Conditional,
    FormulaError,
    Name,
    Node,
    Number,
    Text,
    Unary,
    locate,
    parse,
)
from sejahtera.rules.operations import DATE_PARTS, to_groups
from sejahtera.rules.shared import parts, shape_of

Kind = Literal["number", "bool", "text", "date"]
Entity = Literal["person", "household", "family"]
GROUPS = ("household", "family")


class Names(Protocol):
    """What the names in a formula refer to (the ruleset answers)."""

    def variable(self, name: str) -> tuple[Entity, Kind] | None: ...

    def parameter(self, path: tuple[str, ...]) -> Literal["number", "bool", "scale"] | None: ...

    def role(self, name: str) -> bool: ...


class Environment(Protocol):
    """What a formula reads when it runs (the simulation provides it)."""

    household_of: np.ndarray  # each person's household, 0..households-1
    households: int
    family_of: np.ndarray  # each person's family, 0..families-1
    families: int
    family_household: np.ndarray  # each family's household
    memo: dict[object, object]  # repeated parts of formulas, evaluated once per period

    def role_mask(self, role: str) -> np.ndarray: ...  # the persons who hold ``role``

    def value(self, name: str) -> np.ndarray: ...

    def parameter(self, path: tuple[str, ...]) -> object: ...

    @property
    def period_start(self) -> datetime.date: ...

    def at(self, shift: str) -> Environment: ...


Value = np.ndarray | float | int | bool | str
Evaluate = Callable[[Environment], Value]


@dataclass(frozen=True)
class Compiled:
    kind: Kind | Literal["scale"]
    entity: Entity | None  # None: the same for everyone (a constant or a parameter)
    evaluate: Evaluate
    variables: frozenset[str] = frozenset()  # the variables it reads
    parameters: frozenset[tuple[str, ...]] = frozenset()  # the parameters it reads (whole formula)


AGGREGATES = ("sum", "count", "any", "all", "max", "min", "sum_largest")
FUNCTIONS = (
    "where",
    "select",
    "min",
    "max",
    "abs",
    "round",
    "floor",
    "ceil",
    "clip",
    "scale",
    "year",
    "month",
    "day",
    "at",
)
# at(x, shift): x in another period than the formula's own.
SHIFTS = ("first_month", "this_year", "last_month", "last_year", "next_month", "next_year")
_PERIOD_FIELDS = ("year", "month", "day", "start")
_ARITHMETIC = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.true_divide,
    "//": np.floor_divide,
    "%": np.mod,
    "**": np.power,
}
_COMPARE = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def compile_formula(
    text: str, names: Names, entity: Entity, repeated: set[tuple] | None = None
) -> Compiled:
    """Compile ``text`` as a formula of a variable of ``entity``. Parts in ``repeated`` (by
    default, those written twice in this formula) are evaluated once per period and reused."""
    tree = parse(text)
    compiler = _Compiler(names, parts(tree, {}) if repeated is None else repeated, entity)
    try:
        compiled = compiler.node(tree)
        if compiled.entity not in (None, entity):
            raise FormulaError(
                "rules.wrong_entity", position=1, found=compiled.entity, wanted=entity
            )
    except FormulaError as error:
        raise locate(error, text) from None
    return dataclasses.replace(compiled, parameters=frozenset(compiler.parameters_read))


class _Compiler:
    def __init__(
        self, names: Names, repeated: set[tuple] | None = None, entity: Entity = "household"
    ) -> None:
        self.names = names
        self.repeated = repeated or set()
        self.parameters_read: set[tuple[str, ...]] = set()
        self.context: list[Entity] = [entity]  # whose rows the expression being compiled has

    def node(self, node: Node) -> Compiled:
        """``node`` compiled; a part written more than once is evaluated once per run."""
        compiled = self.compile(node)
        shape = shape_of(node)
        if shape not in self.repeated:
            return compiled
        # household.x has a value per person in one formula and per family in another.
        key = (self.context[-1], shape)
        read = compiled.evaluate

        def once(env: Environment) -> Value:
            memo = getattr(env, "memo", None)
            if memo is None:
                return read(env)
            if key not in memo:
                memo[key] = read(env)
            return memo[key]  # type: ignore[return-value]

        return dataclasses.replace(compiled, evaluate=once)

    def compile(self, node: Node) -> Compiled:
        if isinstance(node, Number):
            value = node.value
            return Compiled("number", None, lambda env: value)
        if isinstance(node, Boolean):
            flag = node.value
            return Compiled("bool", None, lambda env: flag)
        if isinstance(node, Text):
            word = node.value
            return Compiled("text", None, lambda env: word)
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Attribute):
            return self.attribute(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Conditional):
            return self.choose(node.position, node.condition, node.then, node.otherwise)
        raise FormulaError("rules.unexpected", position=node.position, found=type(node).__name__)

    # -- names -------------------------------------------------------------------------------
    def name(self, node: Name) -> Compiled:
        found = self.names.variable(node.name)
        if found is None:
            raise FormulaError("rules.unknown_variable", position=node.position, name=node.name)
        entity, kind = found
        name = node.name
        return Compiled(kind, entity, lambda env: env.value(name), frozenset({name}))

    def attribute(self, node: Attribute) -> Compiled:
        path = _dotted(node)
        if path and path[0] == "parameters":
            return self.parameter(node.position, path[1:])
        if len(path) == 2 and path[0] == "period" and self.names.variable("period") is None:
            return self.period(node.position, path[1])
        if path and path[0] in GROUPS and len(path) == 2:
            return self.of_group(node.position, path[0], path[1])  # type: ignore[arg-type]
        raise FormulaError("rules.unknown_name", position=node.position, name=".".join(path))

    def of_group(self, position: int, group: Entity, name: str) -> Compiled:
        """``household.x`` or ``family.x``: the group's value on each row of the context."""
        inner = self.name(Name(position, name))
        if inner.entity != group:
            raise FormulaError(
                "rules.wrong_entity", position=position, found=inner.entity, wanted=group
            )
        context = self.context[-1]
        if context == group:
            return inner
        if context == "household":  # a household holds several families: families.f(x)
            raise FormulaError("rules.family_in_household", position=position, name=name)
        read = inner.evaluate

        def run(env: Environment) -> np.ndarray:
            if context == "family":
                index = env.family_household
            else:
                index = env.household_of if group == "household" else env.family_of
            return np.asarray(read(env))[index]

        return Compiled(inner.kind, context, run, inner.variables)

    @staticmethod
    def period(position: int, field: str) -> Compiled:
        """``period.start`` (a date), ``period.year``, ``period.month``, ``period.day``."""
        if field not in _PERIOD_FIELDS:
            raise FormulaError(
                "rules.period_field",
                position=position,
                name=field,
                allowed=", ".join(_PERIOD_FIELDS),
            )
        if field == "start":
            return Compiled("date", None, lambda env: np.datetime64(env.period_start, "D"))
        return Compiled("number", None, lambda env: getattr(env.period_start, field))

    def parameter(self, position: int, path: tuple[str, ...]) -> Compiled:
        kind = self.names.parameter(path)
        if kind is None:
            raise FormulaError("rules.unknown_parameter", position=position, name=".".join(path))
        self.parameters_read.add(path)
        return Compiled(kind, None, lambda env: env.parameter(path))  # type: ignore[arg-type]

    # -- operators ---------------------------------------------------------------------------
    def unary(self, node: Unary) -> Compiled:
        operand = self.node(node.operand)
        if node.operator == "not":
            self.want(operand, "bool", node.operand.position)
            read = operand.evaluate
            return Compiled(
                "bool", operand.entity, lambda env: np.logical_not(read(env)), operand.variables
            )
        self.want(operand, "number", node.operand.position)
        read = operand.evaluate
        return Compiled(
            "number", operand.entity, lambda env: np.negative(_float(read(env))), operand.variables
        )

    def binary(self, node: Binary) -> Compiled:
        left, right = self.node(node.left), self.node(node.right)
        entity = self.together(node.at, left, right)
        used = left.variables | right.variables
        first, second = left.evaluate, right.evaluate
        if node.operator in ("and", "or"):
            self.want(left, "bool", node.left.position)
            self.want(right, "bool", node.right.position)
            function = np.logical_and if node.operator == "and" else np.logical_or
            return Compiled("bool", entity, lambda env: function(first(env), second(env)), used)
        if node.operator in _COMPARE:
            kinds = {left.kind, right.kind}
            if "text" in kinds:  # text compares only with text, and only for (in)equality
                comparable = kinds == {"text"} and node.operator in ("==", "!=")
            elif "date" in kinds:
                comparable = kinds == {"date"}
            else:  # numbers and booleans with each other; a scale is read through scale()
                comparable = kinds <= {"number", "bool"}
            if not comparable:
                raise FormulaError(
                    "rules.type_mismatch",
                    position=node.at,
                    operator=node.operator,
                    left=left.kind,
                    right=right.kind,
                )
            function = _COMPARE[node.operator]
            return Compiled("bool", entity, lambda env: function(first(env), second(env)), used)
        self.want(left, "number", node.left.position)
        self.want(right, "number", node.right.position)
        arithmetic, operator, at = _ARITHMETIC[node.operator], node.operator, node.at

        def run(env: Environment) -> Value:
            a, b = _float(first(env)), _float(second(env))
            try:  # x / 0 is inf and 0 / 0 nan, as before; a result beyond float64 is an error
                with np.errstate(divide="ignore", invalid="ignore", over="raise"):
                    return arithmetic(a, b)
            except FloatingPointError:
                raise FormulaError("rules.overflow", position=at, operator=operator) from None

        return Compiled("number", entity, run, used)

    def choose(self, position: int, condition: Node, then: Node, otherwise: Node) -> Compiled:
        test, yes, no = self.node(condition), self.node(then), self.node(otherwise)
        self.want(test, "bool", condition.position)
        if yes.kind != no.kind:
            raise FormulaError(
                "rules.branches_differ", position=position, left=yes.kind, right=no.kind
            )
        entity = self.together(position, test, yes, no)
        read_test, read_yes, read_no = test.evaluate, yes.evaluate, no.evaluate
        return Compiled(
            yes.kind,
            entity,
            lambda env: np.where(read_test(env), read_yes(env), read_no(env)),
            test.variables | yes.variables | no.variables,
        )

    # -- calls -------------------------------------------------------------------------------
    def call(self, node: Call) -> Compiled:
        function = node.function
        if (
            isinstance(function, Attribute)
            and isinstance(function.target, Name)
            and (function.target.name in ("members", "families"))
        ):
            return self.aggregate(node, function.name, function.target.name)
        if not isinstance(function, Name) or function.name not in FUNCTIONS:
            shown = ".".join(_dotted(function)) if isinstance(function, Attribute | Name) else "?"
            raise FormulaError("rules.unknown_function", position=node.position, name=shown)
        arguments = node.arguments
        name = function.name
        if name == "where":
            self.arity(node, 3, 3)
            return self.choose(node.position, *arguments)
        if name == "select":
            return self.select(node)
        if name == "at":
            return self.shifted(node)
        compiled = [self.node(argument) for argument in arguments]
        if name in ("year", "month", "day"):
            self.arity(node, 1, 1)
            self.want(compiled[0], "date", arguments[0].position)
            read_date, part = compiled[0].evaluate, DATE_PARTS[name]
            return Compiled(
                "number",
                compiled[0].entity,
                lambda env: part(
                    np.asarray(read_date(env), dtype="datetime64[D]"), getattr(env, "memo", None)
                ),
                compiled[0].variables,
            )
        if name == "scale":
            self.arity(node, 2, 2)
            scale, base = compiled
            if scale.kind != "scale":
                raise FormulaError("rules.not_a_scale", position=arguments[0].position)
            self.want(base, "number", arguments[1].position)
            read_scale, read_base = scale.evaluate, base.evaluate
            return Compiled(
                "number",
                base.entity,
                lambda env: read_scale(env).calc(np.asarray(read_base(env))),  # type: ignore[attr-defined]
                base.variables,
            )
        for argument, original in zip(compiled, arguments, strict=True):
            self.want(argument, "number", original.position)
        entity = self.together(node.position, *compiled)
        used = frozenset().union(*(c.variables for c in compiled))
        reads = [c.evaluate for c in compiled]
        if name in ("min", "max"):
            self.arity(node, 2, None)
            fold = np.minimum if name == "min" else np.maximum

            def extreme(env: Environment) -> Value:
                result = reads[0](env)
                for read in reads[1:]:
                    result = fold(result, read(env))
                return result

            return Compiled("number", entity, extreme, used)
        if name == "clip":
            self.arity(node, 3, 3)
            return Compiled(
                "number",
                entity,
                lambda env: np.clip(reads[0](env), reads[1](env), reads[2](env)),
                used,
            )
        self.arity(node, 1, 1)
        single = {"abs": np.abs, "round": np.round, "floor": np.floor, "ceil": np.ceil}[name]
        return Compiled("number", entity, lambda env: single(reads[0](env)), used)

    def shifted(self, node: Call) -> Compiled:
        """``at(x, "last_year")``: x in another period (a monthly x over a year is its sum)."""
        self.arity(node, 2, 2)
        inner, shift = self.node(node.arguments[0]), node.arguments[1]
        if not isinstance(shift, Text) or shift.value not in SHIFTS:
            raise FormulaError("rules.shift", position=shift.position, allowed=", ".join(SHIFTS))
        read, how = inner.evaluate, shift.value
        return Compiled(inner.kind, inner.entity, lambda env: read(env.at(how)), inner.variables)

    def select(self, node: Call) -> Compiled:
        arguments = node.arguments
        if len(arguments) < 3 or len(arguments) % 2 == 0:
            raise FormulaError("rules.select_arguments", position=node.position)
        compiled = [self.node(argument) for argument in arguments]
        conditions, choices = compiled[:-1:2], [*compiled[1:-1:2], compiled[-1]]
        for condition, original in zip(conditions, arguments[:-1:2], strict=True):
            self.want(condition, "bool", original.position)
        kinds = {choice.kind for choice in choices}
        if len(kinds) > 1:
            raise FormulaError(
                "rules.branches_differ",
                position=node.position,
                left=choices[0].kind,
                right=choices[-1].kind,
            )
        entity = self.together(node.position, *compiled)
        used = frozenset().union(*(c.variables for c in compiled))

        def run(env: Environment) -> Value:
            tests = [np.asarray(c.evaluate(env), dtype=bool) for c in conditions]
            values = [c.evaluate(env) for c in choices]
            shape = np.broadcast_shapes(*(np.shape(x) for x in (*tests, *values)))
            return np.select(
                [np.broadcast_to(t, shape) for t in tests],
                [np.broadcast_to(v, shape) for v in values[:-1]],
                default=values[-1],
            )

        return Compiled(choices[0].kind, entity, run, used)

    def aggregate(self, node: Call, how: str, over: str = "members") -> Compiled:
        """``members.f(x)`` (persons to their household or family) or ``families.f(x)``
        (families to their household)."""
        if how not in AGGREGATES:
            raise FormulaError(
                "rules.unknown_function", position=node.position, name=f"{over}.{how}"
            )
        group = self.context[-1]
        part: Entity = "person" if over == "members" else "family"
        if group not in GROUPS or (over == "families" and group != "household"):
            raise FormulaError(
                "rules.aggregate_context", position=node.position, name=over, entity=group
            )
        arguments = node.arguments
        self.arity(node, 1, 2)
        self.context.append(part)
        try:
            inner = self.node(arguments[0])
        finally:
            self.context.pop()
        if inner.entity not in (None, part):
            raise FormulaError(
                "rules.wrong_entity",
                position=arguments[0].position,
                found=inner.entity,
                wanted=part,
            )
        wanted: Kind = "bool" if how in ("count", "any", "all") else "number"
        self.want(inner, wanted, arguments[0].position)
        role: str | None = None
        largest: Compiled | None = None
        if len(arguments) == 2:
            extra = self.node(arguments[1])
            if how == "sum_largest":
                self.want(extra, "number", arguments[1].position)
                if extra.entity is not None:
                    raise FormulaError("rules.must_be_constant", position=arguments[1].position)
                largest = extra
            elif isinstance(arguments[1], Text) and over == "members":
                role = arguments[1].value
                if not self.names.role(role):
                    raise FormulaError(
                        "rules.unknown_role", position=arguments[1].position, name=role
                    )
            else:
                raise FormulaError("rules.role_text", position=arguments[1].position)
        elif how == "sum_largest":
            raise FormulaError(
                "rules.arity", position=node.position, name="members.sum_largest", low=2, high=2
            )
        read = inner.evaluate
        kind: Kind = "bool" if how in ("any", "all") else "number"

        def run(env: Environment) -> np.ndarray:
            if over == "families":
                index, count = env.family_household, env.households
            elif group == "household":
                index, count = env.household_of, env.households
            else:
                index, count = env.family_of, env.families
            values = np.broadcast_to(np.asarray(read(env)), index.shape)
            keep = None if role is None else env.role_mask(role)
            return to_groups(how, values, keep, index, count, env, largest)

        return Compiled(kind, group, run, inner.variables)

    # -- checks ------------------------------------------------------------------------------
    @staticmethod
    def want(compiled: Compiled, kind: Kind, position: int) -> None:
        if compiled.kind != kind and not (kind == "number" and compiled.kind == "bool"):
            raise FormulaError(
                "rules.wrong_kind", position=position, found=compiled.kind, wanted=kind
            )

    @staticmethod
    def together(position: int, *parts: Compiled) -> Entity | None:
        entities = {part.entity for part in parts} - {None}
        if len(entities) > 1:
            raise FormulaError("rules.entities_mixed", position=position)
        return next(iter(entities), None)

    @staticmethod
    def arity(node: Call, low: int, high: int | None) -> None:
        count = len(node.arguments)
        if count < low or (high is not None and count > high):
            name = (
                ".".join(_dotted(node.function))
                if isinstance(node.function, Attribute | Name)
                else "?"
            )
            raise FormulaError(
                "rules.arity",
                position=node.position,
                name=name,
                low=low,
                high=high if high is not None else "…",
            )


def _float(value: Value) -> Value:
    """Numbers and booleans as float64 before arithmetic: integers in numpy wrap around silently
    (``2 ** 64`` is 0 in int64), floats overflow to infinity, which :meth:`_Compiler.binary`
    refuses. Whole numbers up to 2**53 stay exact (the parser refuses larger literals)."""
    return np.asarray(value, dtype=np.float64)


def _dotted(node: Node) -> tuple[str, ...]:
    if isinstance(node, Name):
        return (node.name,)
    if isinstance(node, Attribute):
        inner = _dotted(node.target)
        return (*inner, node.name) if inner else ()
    return ()
