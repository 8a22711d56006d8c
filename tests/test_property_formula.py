"""Property-based tests of the formula language (hypothesis, derandomised, few examples).

- Any text: :func:`parse` gives a tree or a :class:`FormulaError`, never another exception;
  so does compiling what parses.
- A generated tree, printed with every bracket and parsed again, is the same tree; evaluated on
  arrays it equals a plain Python evaluation, row by row, of the same tree (written here, not
  taken from the compiler), or refuses an overflow exactly where Python's floats overflow.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import operator
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sejahtera.rules.compile import compile_formula
from sejahtera.rules.expression import (
    Binary,
    Boolean,
    Conditional,
    FormulaError,
    Name,
    Node,
    Number,
    Unary,
    parse,
)

FAST = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ROWS = 4
ALPHABET = "xyb0123456789.eE_+-*/%<>=!(),'\" \t\nifelsnotruadwhm"
WORDS = ["x", "y", "b", "if", "else", "and", "or", "not", "true", "false", "where(", "members."]


class Names:
    def variable(self, name: str) -> tuple[str, str] | None:
        return {"x": ("household", "number"), "y": ("household", "number")}.get(name) or (
            ("household", "bool") if name == "b" else None
        )

    def parameter(self, path: tuple[str, ...]) -> str | None:
        return None

    def role(self, name: str) -> bool:
        return name == "head"


class Env:
    def __init__(self, values: dict[str, np.ndarray]) -> None:
        self.values, self.memo = values, {}

    def value(self, name: str) -> np.ndarray:
        return self.values[name]


# --- any text ---------------------------------------------------------------------------------


@FAST
@given(st.text(alphabet=ALPHABET, max_size=60) | st.lists(st.sampled_from(WORDS)).map(" ".join))
def test_any_text_parses_or_is_refused_with_a_position(text: str) -> None:
    try:
        tree = parse(text)
    except FormulaError as error:
        assert_located(error, text)
        return
    try:
        compile_formula(text, Names(), "household")
    except FormulaError as error:
        assert_located(error, text)
    assert isinstance(tree, Node)


def assert_located(error: FormulaError, text: str) -> None:
    """The position is in the text (or just after it), and its line and column point at the
    same character."""
    assert 1 <= error.position <= len(text) + 1
    line = (text + " ").split("\n")[error.line - 1]
    assert line[error.column - 1] == (text + " ")[error.position - 1]


@FAST
@given(st.text(max_size=80))
def test_any_unicode_parses_or_is_refused(text: str) -> None:
    with contextlib.suppress(FormulaError):
        parse(text)


# --- generated trees ----------------------------------------------------------------------------

ARITHMETIC = ("+", "-", "*", "/", "//", "%", "**")
COMPARE = ("<", "<=", ">", ">=", "==", "!=")
numbers = st.one_of(
    st.integers(0, 10_000).map(lambda v: Number(0, v)),
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(lambda v: Number(0, v)),
    st.sampled_from(["x", "y"]).map(lambda v: Name(0, v)),
)
booleans = st.one_of(st.booleans().map(lambda v: Boolean(0, v)), st.just(Name(0, "b")))


def _number_tree(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.tuples(st.sampled_from(ARITHMETIC), children, children).map(
            lambda t: Binary(0, t[0], t[1], t[2], 0)
        ),
        children.map(lambda c: Unary(0, "-", c)),
    )


number_trees = st.recursive(numbers, _number_tree, max_leaves=8)


def _bool_tree(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.tuples(st.sampled_from(COMPARE), number_trees, number_trees).map(
            lambda t: Binary(0, t[0], t[1], t[2], 0)
        ),
        st.tuples(st.sampled_from(("and", "or")), children, children).map(
            lambda t: Binary(0, t[0], t[1], t[2], 0)
        ),
        children.map(lambda c: Unary(0, "not", c)),
    )


bool_trees = st.recursive(booleans, _bool_tree, max_leaves=4)
trees = st.one_of(
    number_trees,
    bool_trees,
    st.tuples(bool_trees, number_trees, number_trees).map(lambda t: Conditional(0, *t)),
)


def show(node: Node) -> str:
    """The formula's text, every part in brackets."""
    if isinstance(node, Number):
        return repr(node.value)
    if isinstance(node, Boolean):
        return "true" if node.value else "false"
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Unary):
        return f"{node.operator} ({show(node.operand)})"
    if isinstance(node, Binary):
        return f"({show(node.left)}) {node.operator} ({show(node.right)})"
    assert isinstance(node, Conditional)
    return f"({show(node.then)}) if ({show(node.condition)}) else ({show(node.otherwise)})"


def bare(node: object) -> object:
    """A tree without its positions."""
    if not dataclasses.is_dataclass(node):
        return node
    kept = [f.name for f in dataclasses.fields(node) if f.name not in ("position", "at")]
    return (type(node).__name__, *(bare(getattr(node, name)) for name in kept))


@FAST
@given(trees)
def test_printed_tree_parses_to_itself(tree: Node) -> None:
    assert bare(parse(show(tree))) == bare(tree)


class Undefined(Exception):
    """Python's floats give no number (x / 0, a negative to a fractional power)."""


class Overflow(Exception):
    """A finite computation whose result is beyond float64."""


PYTHON: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}
PYTHON_COMPARE = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def python_value(node: Node, row: dict[str, object]) -> float | bool:
    """One row's value, with Python's own floats and booleans. Both branches of a choice and
    both sides of and/or are evaluated, as the vectorised language does."""
    if isinstance(node, Number | Boolean):
        return float(node.value) if isinstance(node, Number) else node.value
    if isinstance(node, Name):
        return row[node.name]  # type: ignore[return-value]
    if isinstance(node, Unary):
        value = python_value(node.operand, row)
        return (not value) if node.operator == "not" else -float(value)
    if isinstance(node, Conditional):
        test = python_value(node.condition, row)
        then, otherwise = python_value(node.then, row), python_value(node.otherwise, row)
        return then if test else otherwise
    assert isinstance(node, Binary)
    left, right = python_value(node.left, row), python_value(node.right, row)
    if node.operator in ("and", "or"):
        return (left and right) if node.operator == "and" else (left or right)
    if node.operator in PYTHON_COMPARE:
        return PYTHON_COMPARE[node.operator](left, right)
    try:
        value = PYTHON[node.operator](float(left), float(right))
    except ZeroDivisionError:
        raise Undefined from None
    except OverflowError:
        raise Overflow from None
    if isinstance(value, complex) or math.isnan(value):
        raise Undefined
    if math.isinf(value):  # from finite operands: Python's * and + give inf silently
        raise Overflow
    return value


@FAST
@given(
    trees,
    st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=ROWS, max_size=ROWS),
    st.lists(st.integers(-1_000, 1_000), min_size=ROWS, max_size=ROWS),
    st.lists(st.booleans(), min_size=ROWS, max_size=ROWS),
)
def test_evaluation_equals_python(
    tree: Node, xs: list[float], ys: list[int], bs: list[bool]
) -> None:
    text = show(tree)
    rows = [{"x": x, "y": float(y), "b": b} for x, y, b in zip(xs, ys, bs, strict=True)]
    expected: list[float | bool] = []
    overflow = False
    for row in rows:
        try:
            expected.append(python_value(tree, row))
        except Undefined:
            assume(False)
        except Overflow:
            overflow = True
    compiled = compile_formula(text, Names(), "household")
    env = Env({"x": np.array(xs), "y": np.array(ys, dtype=np.int64), "b": np.array(bs)})
    if overflow:
        with pytest.raises(FormulaError) as refused:
            compiled.evaluate(env)
        assert refused.value.key == "rules.overflow"
        return
    got = np.broadcast_to(np.asarray(compiled.evaluate(env)), (ROWS,))
    if compiled.kind == "bool":
        assert got.tolist() == expected
    else:
        np.testing.assert_allclose(got.astype(float), np.array(expected, float), rtol=1e-12)


@FAST
@given(
    st.sampled_from(ARITHMETIC),
    st.lists(st.integers(-(2**62), 2**62), min_size=ROWS, max_size=ROWS),
    st.lists(st.integers(-3, 80), min_size=ROWS, max_size=ROWS),
)
def test_integer_columns_compute_as_python_floats(
    operator_: str, xs: list[int], ys: list[int]
) -> None:
    """Whole-number columns (int64, as a count or an imported code is) near int64's edge: the
    result is Python's float result, or the overflow error, never int64's wrapped value."""
    expected: list[float] = []
    overflow = False
    for x, y in zip(xs, ys, strict=True):
        try:
            expected.append(
                python_value(
                    Binary(0, operator_, Name(0, "x"), Name(0, "y"), 0),
                    {"x": float(x), "y": float(y)},
                )
            )
        except Undefined:
            assume(False)
        except Overflow:
            overflow = True
    compiled = compile_formula(f"x {operator_} y", Names(), "household")
    env = Env({"x": np.array(xs, dtype=np.int64), "y": np.array(ys, dtype=np.int64)})
    if overflow:
        with pytest.raises(FormulaError):
            compiled.evaluate(env)
        return
    np.testing.assert_allclose(compiled.evaluate(env), expected, rtol=1e-12)
