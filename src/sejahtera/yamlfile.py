"""The one way Sejahtera reads YAML: mapping files, MPI specifications, rulesets, calibration facts.

:func:`read_yaml` reads a file and :func:`parse_yaml` a text, both with the same rules:

- **YAML 1.2 scalars.** Only ``true``/``false`` (any case of the first letter, or all capitals)
  are booleans: ``yes``, ``no``, ``on``, ``off``, ``y``, ``n`` stay text, as a code ``Ya`` or a
  column called ``No`` should. ``~``, ``null`` and nothing are null. Integers are written in
  decimal without a leading zero (``0``, ``-12``, ``3000000``); ``01`` or ``007`` stay text, a
  code rather than a number (YAML 1.2 would read 1 and 7), and so do ``0x1F``, ``0o17``,
  ``1_000`` and ``1:30`` (YAML 1.1's hexadecimal, octal, grouped and base-60 numbers). Floats are
  YAML 1.2's: ``0.25``, ``-1.5e3``, ``1e6``, ``.inf``, ``.nan``.
- **Dates, our one addition to YAML 1.2's core schema:** ``2025-01-01`` is a
  :class:`datetime.date`, as OpenFisca-style rulesets need for their dated values. Only that form
  is a date: a time of day (``2025-01-01 10:00``) stays text, and so does a date that does not
  exist (``2025-13-01``), so that the reader of the file names it with its line.
- **Every mapping is a** :class:`Located` dict remembering the line of each key; a key given
  twice is refused with its line (YAML 1.1 readers keep the last one silently). There are no
  merge keys (``<<``) and no tags beyond YAML 1.2's core ones (``!!str``, ``!!int``, …).
- **Limits** (:class:`Limits`): the file's size (10 MB), the nesting depth (100) and the nodes
  reached through aliases (100,000): a "billion laughs" file, whose aliases of aliases expand to
  millions of values, is refused before anything is built, as is an alias of its own ancestor.

Every problem raises :class:`FileError` with the file and the line.

:func:`only_keys` is the one check for unknown keys, used by the rulesets' hand-written readers
and by :class:`Declared`, the base of the pydantic models of mapping files and MPI
specifications: :func:`validate` checks a read file against such a model and turns the first
problem pydantic finds into a :class:`FileError` naming the file and the line of the key.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from sejahtera.errors import SejahteraError

__all__ = [
    "LIMITS",
    "Declared",
    "FileError",
    "Limits",
    "Located",
    "line_of",
    "only_keys",
    "parse_yaml",
    "read_yaml",
    "validate",
]


@dataclass(frozen=True)
class Limits:
    """How much a YAML file may hold; a file beyond one of them is refused, not read."""

    max_bytes: int = 10_000_000  # the file's size
    max_depth: int = 100  # mappings and lists inside one another
    max_alias_nodes: int = 100_000  # values reached through aliases, each alias fully expanded


LIMITS = Limits()


class FileError(SejahteraError):
    """A mistake in a file the user wrote: where it is (file, line) and what it is."""

    def __init__(self, key: str, /, file: str, line: int | None, **values: object) -> None:
        super().__init__(key, file=file, line="?" if line is None else line, **values)
        self.file, self.line = file, line


class Located(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    lines: dict[object, int]
    line: int


def read_yaml(source: Path | Traversable, shown: str | None = None, limits: Limits = LIMITS) -> Any:
    """The content of a YAML file (``None`` when it is empty); ``shown`` names it in messages."""
    shown = str(source) if shown is None else shown
    try:
        if isinstance(source, Path) and source.stat().st_size > limits.max_bytes:  # before reading
            raise FileError("yamlfile.too_large", file=shown, line=None, limit=limits.max_bytes)
        data = source.read_bytes()
    except FileNotFoundError:
        raise FileError("yamlfile.not_found", file=shown, line=None) from None
    except OSError as exc:
        raise FileError("yamlfile.unreadable", file=shown, line=None, detail=exc) from None
    if len(data) > limits.max_bytes:
        raise FileError("yamlfile.too_large", file=shown, line=None, limit=limits.max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError("yamlfile.unreadable", file=shown, line=None, detail=exc) from None
    return parse_yaml(text, shown, limits)


def parse_yaml(text: str, shown: str, limits: Limits = LIMITS) -> Any:
    """The content of a YAML text, read as :func:`read_yaml` reads a file."""
    if len(text.encode("utf-8")) > limits.max_bytes:
        raise FileError("yamlfile.too_large", file=shown, line=None, limit=limits.max_bytes)
    loader = None
    try:
        loader = _Loader(text, limits)
        return loader.get_single_data()
    except _Refused as exc:
        raise FileError(exc.message, file=shown, line=exc.line, **exc.values) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = ", ".join(part for part in (exc.context, exc.problem) if part)
        line = mark.line + 1 if mark else None
        raise FileError("yamlfile.syntax", file=shown, line=line, detail=detail) from None
    except ReaderError as exc:  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        raise FileError("yamlfile.syntax", file=shown, line=line, detail=exc.reason) from None
    finally:
        if loader is not None:
            loader.dispose()


def only_keys(content: Located | dict, allowed: Iterable[str], file: str) -> None:  # type: ignore[type-arg]
    """Refuse a key outside ``allowed``, naming its file and line: the one unknown-key check."""
    allowed = set(allowed)
    for key in content:
        if key not in allowed:
            raise FileError(
                "yamlfile.unknown_key",
                file=file,
                line=line_of(content, key),
                key=key,
                allowed=", ".join(sorted(allowed)),
            )


def line_of(content: object, key: object = None) -> int | None:
    """The line of ``key`` in a mapping read by :func:`read_yaml`, else of the mapping itself
    (``None`` for a mapping built in memory)."""
    lines = getattr(content, "lines", {})
    return lines.get(key, getattr(content, "line", None))


# --- declared models -----------------------------------------------------------------------------


class Declared(BaseModel):
    """The declared shape of a file or of one of its mappings: unknown keys refused by
    :func:`only_keys`, types checked strictly (``"1"`` is no number, ``"no"`` no boolean), and
    the line of each key remembered (:meth:`line_of`) for the checks that follow."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    _line: int | None = PrivateAttr(default=None)
    _lines: dict[object, int] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _read(cls, data: Any, handler: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict):
            only_keys(data, cls.model_fields, (info.context or {}).get("file", "<memory>"))
        model = handler(data)
        if isinstance(model, Declared):
            model._line, model._lines = line_of(data), dict(getattr(data, "lines", {}))
        return model

    def line_of(self, key: str | None = None) -> int | None:
        """The line of ``key`` in the file, else of this mapping (``None`` when built in memory)."""
        return self._lines.get(key, self._line)


D = TypeVar("D", bound=Declared)

_PROBLEMS = {  # pydantic's error types → our messages
    "string_type": "yamlfile.not_text",
    "int_type": "yamlfile.not_whole_number",
    "float_type": "yamlfile.not_number",
    "float_parsing": "yamlfile.not_number",
    "bool_type": "yamlfile.not_bool",
    "dict_type": "yamlfile.not_mapping",
    "model_type": "yamlfile.not_mapping",
    "list_type": "yamlfile.not_list",
    "literal_error": "yamlfile.not_choice",
    "too_short": "yamlfile.empty",
    "string_too_short": "yamlfile.empty",
    "missing": "yamlfile.missing_key",
}


def validate(model: type[D], content: object, file: str) -> D:
    """``content`` (from :func:`read_yaml`) checked against ``model``; the first problem raises
    a :class:`FileError` naming ``file``, the line of the offending key and its entry."""
    try:
        return model.model_validate(content, context={"file": file})
    except ValidationError as exc:
        raise _problem(exc.errors()[0], content, file) from None


def _problem(error: Any, content: object, file: str) -> FileError:
    """Follow pydantic's location of a problem through the content read, to the line."""
    entry, line, current = "", line_of(content), content
    for step in error["loc"]:
        if isinstance(current, dict) and step in current:
            entry, line = f"{entry}.{step}" if entry else str(step), line_of(current, step)
            current = current[step]
        elif isinstance(current, list) and isinstance(step, int) and step < len(current):
            entry, current = f"{entry}[{step + 1}]", current[step]
            line = getattr(current, "line", line)
        # else a step of pydantic's own: a union's member ("str"), a key checked ("[key]")
    kind = error["type"]
    values: dict[str, object] = {"entry": entry or "(top)", "value": _shown(error["input"])}
    if kind == "literal_error":
        values["allowed"] = str(error["ctx"]["expected"]).replace(" or ", ", ")
    elif kind == "missing":
        values["key"] = error["loc"][-1]
    message = _PROBLEMS.get(kind, "yamlfile.invalid")
    return FileError(message, file=file, line=line, detail=error["msg"], **values)


def _shown(value: object, width: int = 60) -> str:
    shown = str(value)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


# --- the loader ---------------------------------------------------------------------------------


class _Refused(Exception):
    """A limit or rule of ours, raised inside the loader and given the file name outside it."""

    def __init__(self, message: str, line: int, /, **values: object) -> None:
        super().__init__(message)
        self.message, self.line, self.values = message, line, values


_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(  # YAML 1.2's floats, less those without a point or exponent (integers)
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9]+[eE][-+]?[0-9]+
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    re.X,
)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TAG = "tag:yaml.org,2002:"


class _Resolver(BaseResolver):
    """YAML 1.2's core schema (bool, null, int, float), with dates and without leading zeros."""

    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern[str]]]]] = {}


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", _INT.pattern, "-+0123456789"),
    ("float", _FLOAT.pattern, "-+0123456789."),
    ("timestamp", _DATE.pattern, "0123456789"),
):
    _Resolver.add_implicit_resolver(_TAG + _tag, re.compile(_pattern, re.X), list(_first))


class _Constructor(SafeConstructor):
    """Only YAML 1.2's core types (and dates); mappings become :class:`Located`."""

    yaml_constructors: ClassVar[dict[str | None, Callable[..., Any]]] = {}

    def construct_located(self, node: MappingNode) -> Located:
        located = Located()
        located.line, located.lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                seen = key in located
            except TypeError:  # a list or mapping as a key
                raise _Refused("yamlfile.bad_key", line) from None
            if seen:
                raise _Refused("yamlfile.duplicate_key", line, key=key, first=located.lines[key])
            located[key] = self.construct_object(value_node, deep=True)
            located.lines[key] = line
        return located

    def construct_list(self, node: SequenceNode) -> list[Any]:
        return [self.construct_object(child, deep=True) for child in node.value]

    def construct_bool(self, node: ScalarNode) -> bool:
        value = self.construct_scalar(node).lower()
        if value not in ("true", "false"):
            raise _bad_scalar(node)
        return value == "true"

    def construct_int(self, node: ScalarNode) -> int:
        try:
            return int(self.construct_scalar(node), 10)
        except ValueError:
            raise _bad_scalar(node) from None

    def construct_float(self, node: ScalarNode) -> float:
        value = self.construct_scalar(node).lower().lstrip("+")
        special = {".inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
        try:
            return special[value] if value in special else float(value)
        except ValueError:
            raise _bad_scalar(node) from None

    def construct_date(self, node: ScalarNode) -> datetime.date | str:
        value = self.construct_scalar(node)
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:  # 2025-13-01: text, refused by the file's reader where it wants a date
            return value


for _tag, _build in (
    ("map", _Constructor.construct_located),
    ("seq", _Constructor.construct_list),
    ("str", SafeConstructor.construct_yaml_str),
    ("null", SafeConstructor.construct_yaml_null),
    ("bool", _Constructor.construct_bool),
    ("int", _Constructor.construct_int),
    ("float", _Constructor.construct_float),
    ("timestamp", _Constructor.construct_date),
):
    _Constructor.add_constructor(_TAG + _tag, _build)
_Constructor.add_constructor(None, SafeConstructor.construct_undefined)


class _Loader(Reader, Scanner, Parser, Composer, _Constructor, _Resolver):
    """PyYAML's pure-Python reader with our resolver and constructor, and the limits counted
    while the document's nodes are put together, before any value is built."""

    def __init__(self, text: str, limits: Limits) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)
        self.limits = limits
        self.depth = 0
        self.open_anchors: set[str] = set()  # anchors of the nodes being put together
        self.expanded = 0  # nodes reached through aliases so far
        self.sizes: dict[int, int] = {}  # id(node) → its node count, aliases expanded

    def compose_node(self, parent: Node | None, index: object) -> Node:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(event.anchor)
            if event.anchor in self.open_anchors:
                raise _Refused("yamlfile.recursive_alias", line, anchor=event.anchor)
            if target is not None:
                self.expanded += self.size(target)
                if self.expanded > self.limits.max_alias_nodes:
                    raise _Refused("yamlfile.aliases", line, limit=self.limits.max_alias_nodes)
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise _Refused("yamlfile.too_deep", line, limit=self.limits.max_depth)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1
            self.open_anchors.discard(anchor)  # type: ignore[arg-type]

    def size(self, node: Node) -> int:
        """The number of nodes under ``node`` with every alias expanded (each node counted once
        per place it appears), without recursion and remembering each node's count."""
        pending = [node]
        while pending:
            current = pending[-1]
            children = _children(current)
            waiting = [c for c in children if id(c) not in self.sizes]
            if waiting:
                pending.extend(waiting)
                continue
            pending.pop()
            self.sizes[id(current)] = 1 + sum(self.sizes[id(c)] for c in children)
        return self.sizes[id(node)]


def _bad_scalar(node: ScalarNode) -> _Refused:
    """A value that does not fit the tag written before it (``!!int ten``)."""
    return _Refused("yamlfile.bad_scalar", node.start_mark.line + 1, value=node.value)


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []
