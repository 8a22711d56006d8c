"""The parts formulas share: a node's shape without its positions (two copies of one
expression are equal), and the parts written more than once in a ruleset's formulas, so that the
compiler evaluates each once per period."""

from __future__ import annotations

import dataclasses

from sejahtera.rules.expression import Boolean, Name, Node, Number, Text, parse


def shape_of(node: Node) -> tuple:
    """A node without its positions: equal for two copies of the same expression."""
    if not dataclasses.is_dataclass(node):
        return node  # type: ignore[return-value]
    parts: list[object] = [type(node).__name__]
    for item in dataclasses.fields(node):
        if item.name == "position" or item.name == "at":
            continue
        value = getattr(node, item.name)
        if isinstance(value, tuple):
            parts.append(tuple(shape_of(v) for v in value))
        else:
            parts.append(shape_of(value) if isinstance(value, Node) else value)
    return tuple(parts)


def repeated_parts(texts: list[str]) -> set[tuple]:
    """The parts (other than names and constants) written more than once among ``texts``: a
    ruleset's formulas share them, so each is evaluated once per period."""
    seen: dict[tuple, int] = {}
    for text in texts:
        parts(parse(text), seen)
    return {key for key, count in seen.items() if count > 1}


def parts(tree: Node, seen: dict[tuple, int]) -> set[tuple]:
    """Count each part of ``tree`` in ``seen``; return the parts seen more than once."""

    def visit(node: Node) -> None:
        if not isinstance(node, Number | Text | Boolean | Name):
            key = shape_of(node)
            seen[key] = seen.get(key, 0) + 1
        for item in dataclasses.fields(node):
            value = getattr(node, item.name)
            for child in value if isinstance(value, tuple) else (value,):
                if isinstance(child, Node):
                    visit(child)

    visit(tree)
    return {key for key, count in seen.items() if count > 1}
