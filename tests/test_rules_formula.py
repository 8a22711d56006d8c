"""The formula language: parsing with positions, checking, and vectorised evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from sejahtera.i18n import set_language
from sejahtera.rules.compile import compile_formula
from sejahtera.rules.expression import Binary, Conditional, FormulaError, Name, parse

VARIABLES = {
    "age": ("person", "number"),
    "pregnant": ("person", "bool"),
    "school_level": ("person", "text"),
    "component": ("person", "number"),
    "desil": ("household", "number"),
    "urban": ("household", "bool"),
    "birth": ("person", "date"),
}
PARAMETERS = {("pkh", "max_desil"): "number", ("pkh", "pregnant"): "number", ("tax",): "scale"}


class Names:
    def variable(self, name: str):
        return VARIABLES.get(name)

    def parameter(self, path: tuple[str, ...]):
        return PARAMETERS.get(path)

    def role(self, name: str) -> bool:
        return name in ("head", "spouse", "child")


@dataclass
class Scale:
    thresholds: tuple[float, ...]
    rates: tuple[float, ...]

    def calc(self, base: np.ndarray) -> np.ndarray:
        total = np.zeros(len(base))
        edges = (*self.thresholds, np.inf)
        for rate, low, high in zip(self.rates, edges[:-1], edges[1:], strict=True):
            total += rate * np.clip(base - low, 0, high - low)
        return total


@dataclass
class Env:
    """Three households: two people, one person, three people (a head each)."""

    household_of: np.ndarray = field(default_factory=lambda: np.array([0, 0, 1, 2, 2, 2]))
    households: int = 3
    roles: np.ndarray = field(
        default_factory=lambda: np.array(["head", "child", "head", "head", "spouse", "child"])
    )
    values: dict = field(
        default_factory=lambda: {
            "age": np.array([34, 4, 70, 40, 38, 12]),
            "pregnant": np.array([False, False, False, False, True, False]),
            "school_level": np.array(["", "", "", "", "", "sd"]),
            "component": np.array([0.0, 3.0, 2.4, 0.0, 3.0, 0.9]),
            "desil": np.array([2, 5, 1]),
            "urban": np.array([True, False, True]),
        }
    )

    memo: dict = field(default_factory=dict)

    def value(self, name: str) -> np.ndarray:
        return self.values[name]

    def role_mask(self, role: str) -> np.ndarray:
        return self.roles == role

    def parameter(self, path: tuple[str, ...]):
        return {
            ("pkh", "max_desil"): 4,
            ("pkh", "pregnant"): 3_000_000,
            ("tax",): Scale((0.0, 10.0), (0.1, 0.5)),
        }[path]


def run(text: str, entity: str = "household"):
    return compile_formula(text, Names(), entity).evaluate(Env())  # type: ignore[arg-type]


def test_precedence_and_positions() -> None:
    tree = parse("a + b * c ** 2 if x and not y else -z")
    assert isinstance(tree, Conditional) and tree.position == 1
    assert isinstance(tree.then, Binary) and tree.then.operator == "+" and tree.then.at == 3
    assert tree.then.right.operator == "*"  # type: ignore[attr-defined]
    assert isinstance(tree.condition, Binary) and tree.condition.position == 19
    assert tree.condition.at == 21
    assert parse("  age").position == 3 and isinstance(parse("age"), Name)
    assert parse("1_000_000").value == 1_000_000  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "position", "key"),
    [
        ("age +", 6, "rules.unexpected"),
        ("(age", 5, "rules.expected"),
        ("age $ 2", 5, "rules.bad_character"),
        ("1 < age < 5", 9, "rules.chained_comparison"),
        ("members.", 9, "rules.expected_name"),
        ("", 1, "rules.empty_formula"),
        ("age 2", 5, "rules.unexpected"),
    ],
)
def test_syntax_errors_say_where(text: str, position: int, key: str) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(text)
    assert caught.value.key == key and caught.value.position == position
    set_language("en")
    try:
        assert f"position {position}" in str(caught.value)
    finally:
        set_language(None)


def test_household_formulas_over_members() -> None:
    assert run("members.sum(age)").tolist() == [38, 70, 90]
    assert run("members.count(age < 18)").tolist() == [1, 0, 1]
    assert run("members.any(pregnant)").tolist() == [False, False, True]
    assert run("members.all(age >= 18)").tolist() == [False, True, False]
    assert run("members.max(age)").tolist() == [34, 70, 40]
    assert run('members.sum(age, "head")').tolist() == [34, 70, 40]
    assert run('members.count(school_level == "sd")').tolist() == [0, 0, 1]
    # PKH: at most two components per household here, largest first.
    assert run("members.sum_largest(component, 2)").tolist() == [3.0, 2.4, 3.9]


def test_conditions_parameters_and_scales() -> None:
    eligible = "desil <= parameters.pkh.max_desil"
    assert run(f"where({eligible}, 100, 0)").tolist() == [100, 0, 100]
    assert run(f"100 if {eligible} and urban else 0").tolist() == [100, 0, 100]
    assert run("select(desil == 1, 3, desil == 2, 2, 0)").tolist() == [2, 0, 3]
    # desil 2, 5, 1: min 2, 2, 1; max 4, 5, 4; clip 2, 3, 2
    assert run("min(desil, 2) + max(desil, 4) - clip(desil, 2, 3)").tolist() == [4, 4, 3]
    assert run("scale(parameters.tax, members.sum(age) / 10)").tolist() == pytest.approx(
        [0.1 * 3.8, 0.1 * 7.0, 0.1 * 9.0]
    )
    assert run("scale(parameters.tax, desil * 10)").tolist() == pytest.approx(
        [1 + 0.5 * 10, 1 + 0.5 * 40, 1.0]
    )


def test_person_formulas_read_their_household() -> None:
    assert run("household.desil * 10 + age", "person").tolist() == [54, 24, 120, 50, 48, 22]
    assert run("pregnant and household.urban", "person").tolist() == [
        False,
        False,
        False,
        False,
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("text", "entity", "key", "position"),
    [
        ("agee + 1", "household", "rules.unknown_variable", 1),
        ("parameters.pkh.nothing", "household", "rules.unknown_parameter", 1),
        ("desil + age", "household", "rules.entities_mixed", 7),
        ("age", "household", "rules.wrong_entity", 1),
        ("desil", "person", "rules.wrong_entity", 1),
        ("school_level + 1", "person", "rules.wrong_kind", 1),
        ('age == "sd"', "person", "rules.type_mismatch", 5),
        ("parameters.tax == parameters.tax", "person", "rules.type_mismatch", 16),
        ("where(age, 1, 0)", "person", "rules.wrong_kind", 7),
        ("where(age > 1, 1, 'x')", "person", "rules.branches_differ", 1),
        ("members.sum(desil)", "household", "rules.wrong_entity", 13),
        ("members.median(age)", "household", "rules.unknown_function", 1),
        ("eval(age)", "person", "rules.unknown_function", 1),
        ("scale(parameters.pkh.pregnant, age)", "person", "rules.not_a_scale", 7),
        ("members.sum_largest(component, age)", "household", "rules.must_be_constant", 32),
        ("min(age)", "person", "rules.arity", 1),
        ("members.sum(age, 1)", "household", "rules.role_text", 18),
        ('members.sum(age, "boss")', "household", "rules.unknown_role", 18),
        ("year(age)", "person", "rules.wrong_kind", 6),
        ("birth + 1", "person", "rules.wrong_kind", 1),
        ("birth < 3", "person", "rules.type_mismatch", 7),
        ('at(age, "someday")', "person", "rules.shift", 9),
        ("at(age, 1)", "person", "rules.shift", 9),
        ("period.week", "person", "rules.period_field", 1),
    ],
)
def test_checks_before_any_data(text: str, entity: str, key: str, position: int) -> None:
    with pytest.raises(FormulaError) as caught:
        compile_formula(text, Names(), entity)  # type: ignore[arg-type]
    assert (caught.value.key, caught.value.position) == (key, position)


def test_variables_used_are_known() -> None:
    compiled = compile_formula("where(members.any(pregnant), desil, 0)", Names(), "household")
    assert compiled.variables == {"pregnant", "desil"}


def test_no_python_escapes() -> None:
    for text in ("__import__('os')", "age.__class__", "(1).real", "open('x')"):
        with pytest.raises(FormulaError):
            compile_formula(text, Names(), "person")
