"""The formula language: tokenised and parsed here, never handed to ``eval``.

A formula is one expression over variables and parameters, for example::

    where(desil <= parameters.pkh.max_desil, members.sum_largest(pkh_component, 4), 0)

Grammar, loosest binding first::

    expression  := conditional
    conditional := or ("if" or "else" conditional)?
    or          := and ("or" and)*
    and         := not ("and" not)*
    not         := "not" not | comparison
    comparison  := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum         := product (("+" | "-") product)*
    product     := unary (("*" | "/" | "//" | "%") unary)*
    unary       := "-" unary | power
    power       := call ("**" unary)?
    call        := atom ("." NAME | "(" arguments ")")*
    atom        := NUMBER | STRING | "true" | "false" | NAME | "(" expression ")"

Names are variables; ``parameters.a.b`` reads a parameter; ``members.f(x)`` aggregates a person
expression over each household's members; ``household.x`` reads a household variable from a
person formula. Every node keeps the position of its first character (1-based), and an operator
its own, so an error can say where in the formula it is.

Limits, so that a hostile or mistaken formula is refused with its position instead of taking the
stack or the memory: a formula holds at most :data:`MAX_LENGTH` characters; brackets, calls,
``-``, ``not`` and ``if … else`` nest at most :data:`MAX_NESTING` deep, and the whole tree
(``a + b + c`` is two levels) at most :data:`MAX_DEPTH`; a number is finite and at most
:data:`MAX_NUMBER` (2**53) in size, the largest whole number float64 holds exactly, since
formulas compute in float64 (:mod:`sejahtera.rules.compile`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sejahtera.errors import SejahteraError


@dataclass(frozen=True)
class Node:
    position: int


@dataclass(frozen=True)
class Number(Node):
    value: float | int


@dataclass(frozen=True)
class Text(Node):
    value: str


@dataclass(frozen=True)
class Boolean(Node):
    value: bool


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Attribute(Node):
    target: Node
    name: str


@dataclass(frozen=True)
class Call(Node):
    function: Node
    arguments: tuple[Node, ...]


@dataclass(frozen=True)
class Unary(Node):
    operator: str
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    operator: str
    left: Node
    right: Node
    at: int  # the operator's own position


@dataclass(frozen=True)
class Conditional(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, operator, end
    text: str
    position: int


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?)
  | (?P<string>"[^"\\\n]*"|'[^'\\\n]*')
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<operator>\*\*|//|<=|>=|==|!=|[-+*/%<>(),.])
    """,
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "if", "else", "true", "false"}
MAX_LENGTH = 10_000  # characters in one formula
MAX_NESTING = 40  # brackets, calls, -, not and if-else inside one another
MAX_DEPTH = 100  # levels of the syntax tree (a + b + c is two)
MAX_NUMBER = 2**53  # the largest whole number float64 holds exactly
COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")


class FormulaError(SejahteraError):
    """A formula that cannot be read: the message key, the 1-based position, and its values."""

    def __init__(self, key: str, /, position: int, **values: object) -> None:
        super().__init__(key, position=position, **values)
        self.position = position
        self.line, self.column = 1, position  # in the formula's text: see :func:`locate`


def locate(error: FormulaError, text: str) -> FormulaError:
    """``error`` given the line and column of its position in ``text``; a formula written on
    several lines shows them in its message as ``line:column``."""
    before = text[: error.position - 1]
    error.line = before.count("\n") + 1
    error.column = error.position - (before.rfind("\n") + 1)
    if "\n" in text.rstrip("\n"):
        error.values["position"] = f"{error.line}:{error.column}"
    return error


def tokenise(text: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        match = _TOKEN.match(text, index)
        if match is None:
            raise FormulaError("rules.bad_character", position=index + 1, text=text[index])
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), index + 1))
        index = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def parse(text: str) -> Node:
    """The syntax tree of one formula, or a :class:`FormulaError` saying where it breaks."""
    try:
        return _parse(text)
    except FormulaError as error:
        raise locate(error, text) from None


def _parse(text: str) -> Node:
    if not text.strip():
        raise FormulaError("rules.empty_formula", position=1)
    if len(text) > MAX_LENGTH:
        raise FormulaError("rules.formula_too_long", position=MAX_LENGTH + 1, limit=MAX_LENGTH)
    parser = _Parser(tokenise(text))
    tree = parser.expression()
    if parser.peek.kind != "end":
        raise FormulaError(
            "rules.unexpected", position=parser.peek.position, found=parser.peek.text
        )
    _check_depth(tree)
    return tree


def children(node: Node) -> tuple[Node, ...]:
    """The nodes directly under ``node``."""
    if isinstance(node, Attribute):
        return (node.target,)
    if isinstance(node, Call):
        return (node.function, *node.arguments)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Conditional):
        return (node.condition, node.then, node.otherwise)
    return ()


def _check_depth(tree: Node) -> None:
    """Refuse a tree deeper than :data:`MAX_DEPTH`, at the first node below the limit; walked
    without recursion, since the compiler and the evaluation recurse once per level."""
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise FormulaError("rules.too_deep", position=node.position, limit=MAX_DEPTH)
        pending.extend((child, depth + 1) for child in children(node))


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.nesting = 0

    def deeper(self) -> None:
        """One level more of brackets, calls, ``-``, ``not`` or ``if … else``; refused beyond
        :data:`MAX_NESTING` before Python's own stack is reached."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise FormulaError("rules.too_deep", position=self.peek.position, limit=MAX_NESTING)

    @property
    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, *texts: str) -> Token | None:
        token = self.peek
        if token.kind in ("operator", "name") and token.text in texts:
            return self.take()
        return None

    def expect(self, text: str) -> Token:
        token = self.accept(text)
        if token is None:
            found = self.peek.text or "end"
            raise FormulaError(
                "rules.expected", position=self.peek.position, wanted=text, found=found
            )
        return token

    def expression(self) -> Node:
        self.deeper()
        then = self.disjunction()
        if self.accept("if"):
            condition = self.disjunction()
            self.expect("else")
            then = Conditional(then.position, condition, then, self.expression())
        self.nesting -= 1
        return then

    def disjunction(self) -> Node:
        left = self.conjunction()
        while token := self.accept("or"):
            left = Binary(left.position, "or", left, self.conjunction(), token.position)
        return left

    def conjunction(self) -> Node:
        left = self.negation()
        while token := self.accept("and"):
            left = Binary(left.position, "and", left, self.negation(), token.position)
        return left

    def negation(self) -> Node:
        if token := self.accept("not"):
            self.deeper()
            node = Unary(token.position, "not", self.negation())
            self.nesting -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        if token := self.accept(*COMPARISONS):
            left = Binary(left.position, token.text, left, self.sum(), token.position)
            if self.peek.text in COMPARISONS:  # a < b < c reads wrongly in most languages
                raise FormulaError("rules.chained_comparison", position=self.peek.position)
        return left

    def sum(self) -> Node:
        left = self.product()
        while token := self.accept("+", "-"):
            left = Binary(left.position, token.text, left, self.product(), token.position)
        return left

    def product(self) -> Node:
        left = self.unary()
        while token := self.accept("*", "/", "//", "%"):
            left = Binary(left.position, token.text, left, self.unary(), token.position)
        return left

    def unary(self) -> Node:
        if token := self.accept("-"):
            self.deeper()
            node = Unary(token.position, "-", self.unary())
            self.nesting -= 1
            return node
        return self.power()

    def power(self) -> Node:
        base = self.call()
        if token := self.accept("**"):
            self.deeper()
            node = Binary(base.position, "**", base, self.unary(), token.position)
            self.nesting -= 1
            return node
        return base

    def call(self) -> Node:
        node = self.atom()
        while True:
            if self.accept("."):
                name = self.take()
                if name.kind != "name" or name.text in KEYWORDS:
                    raise FormulaError(
                        "rules.expected_name", position=name.position, found=name.text or "end"
                    )
                node = Attribute(node.position, node, name.text)
            elif self.accept("("):
                arguments: list[Node] = []
                if not self.accept(")"):
                    arguments.append(self.expression())
                    while self.accept(","):
                        arguments.append(self.expression())
                    self.expect(")")
                node = Call(node.position, node, tuple(arguments))
            else:
                return node

    def atom(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return Number(token.position, _number(token))
        if token.kind == "string":
            return Text(token.position, token.text[1:-1])
        if token.kind == "name":
            if token.text in ("true", "false"):
                return Boolean(token.position, token.text == "true")
            if token.text in KEYWORDS:
                raise FormulaError("rules.unexpected", position=token.position, found=token.text)
            return Name(token.position, token.text)
        if token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        raise FormulaError("rules.unexpected", position=token.position, found=token.text or "end")


def _number(token: Token) -> float | int:
    """A literal's value: at most 60 characters (refused before Python converts it), finite and
    at most :data:`MAX_NUMBER` in size."""
    text = token.text.replace("_", "")
    value: float | int = math.inf
    if len(text) <= 60:
        value = float(text) if any(c in text for c in ".eE") else int(text)
    if not abs(value) <= MAX_NUMBER:  # also infinity (1e999)
        raise FormulaError(
            "rules.number_too_large",
            position=token.position,
            text=token.text[:30],
            limit=MAX_NUMBER,
        )
    return value
