"""Parameters with dated values, read from OpenFisca-style YAML.

A folder of YAML files is a tree: folders and files are nodes, and a file may hold nested nodes.
A leaf is either a parameter::

    description: PKH component for a pregnant woman
    metadata: {unit: IDR/year, reference: Kepmensos 262/2024}
    values:
      2024-01-01: {value: 3000000}
      2025-01-01: {value: 3000000, reference: Kepmensos …}

or a scale, whose brackets each have a dated ``threshold`` and a dated ``rate`` (``metadata: {type:
marginal_rate}``, the default) or ``amount`` (``single_amount``: the amount of the bracket the base
reaches; ``marginal_amount``, the default for amounts: the sum of the amounts of every threshold
the base exceeds). A value holds from its date until the next one; ``value: null`` ends it, and
OpenFisca's ``expected`` entries (values announced, not in force) are skipped. ``index.yaml`` in a
folder describes the folder. Every mistake names the file and line. Files are read by
:func:`sejahtera.yamlfile.read_yaml` (YAML 1.2; ``2025-01-01`` is a date, as the dated values
need; every mapping a :class:`~sejahtera.yamlfile.Located` that knows its lines).
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sejahtera.yamlfile import FileError, Located, only_keys, read_yaml

Day = datetime.date
PARAMETER_KEYS = {"description", "metadata", "values", "documentation", "reference", "unit"}
SCALE_KEYS = {"description", "metadata", "brackets", "documentation", "reference"}
NODE_KEYS = {"description", "metadata", "documentation", "reference"}
SCALE_TYPES = ("marginal_rate", "single_amount", "marginal_amount")


# A mistake in a ruleset file: where it is (file, line) and what it is. The rules name it so;
# it is the one error of a place in a YAML file, raised by the reader as well.
RulesFileError = FileError


class Text(str):
    """A text of a ruleset for people (a description, a legal reference): the string itself is
    the Indonesian, ``en`` the English. Written ``{id: …, en: …}`` like a variable's label, or as
    one string that serves both languages (a bare citation such as ``Permensos 1/2018``)."""

    en: str

    def __new__(cls, indonesian: str = "", english: str | None = None) -> Text:
        made = super().__new__(cls, indonesian)
        made.en = indonesian if english is None else english
        return made

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return (str(self), self.en)

    def in_(self, language_code: str) -> str:
        """The text in ``language_code`` (``id`` or ``en``)."""
        return self.en if language_code == "en" else str(self)

    def to_dict(self) -> dict[str, str]:
        """``{id, en}``; the empty text is ``{}`` (a label not given)."""
        return {"id": str(self), "en": self.en} if self or self.en else {}

    def plain(self) -> str | dict[str, str]:
        """As written: one string when both languages say the same, else ``{id, en}``."""
        return str(self) if self.en == str(self) else self.to_dict()

    @staticmethod
    def joined(parts: list[Text], separator: str = "; ") -> Text:
        given = [part for part in parts if part]
        return Text(separator.join(map(str, given)), separator.join(p.en for p in given))


def bilingual(raw: object, file: str, line: int) -> Text:
    """A text given as ``{id: …, en: …}`` or as one string serving both languages (a list is
    joined with ``; ``); nothing is the empty text. Variables' and programmes' labels, parameters'
    descriptions and references and reforms' descriptions are all read here."""
    if isinstance(raw, Text):
        return raw
    if raw is None:
        return Text()
    if isinstance(raw, list):
        return Text.joined([bilingual(part, file, line) for part in raw])
    if isinstance(raw, dict):
        if set(raw) != {"id", "en"} or not all(isinstance(v, str) for v in raw.values()):
            line = getattr(raw, "line", line)
            raise RulesFileError("rules.bad_text", file=file, line=line, keys=", ".join(raw))
        return Text(raw["id"].strip(), raw["en"].strip())
    return Text(str(raw).strip())


@dataclass(frozen=True)
class Parameter:
    """One value over time: ``at(day)`` gives the value in force on that day."""

    name: str
    starts: tuple[Day, ...]
    values: tuple[object, ...]  # None: not in force from that date
    description: Text
    unit: str
    reference: Text
    file: str
    line: int
    # A modelling choice a report must state beside its figures ({id: …, en: …}, with {value}).
    statement: dict[str, str] | None = None
    cited: tuple[tuple[Day, Text], ...] = ()  # a reference given with one dated value

    def reference_on(self, day: Day) -> Text:
        """The reference of the value in force on ``day``: its own first, then the parameter's."""
        index = bisect_right(self.starts, day) - 1
        own = dict(self.cited).get(self.starts[index]) if index >= 0 else None
        return Text.joined([own or Text(), self.reference])

    def at(self, day: Day) -> object:
        value = self.get(day)
        if value is None:
            raise RulesFileError(
                "rules.no_value", file=self.file, line=self.line, name=self.name, day=day
            )
        return value

    def get(self, day: Day) -> object:
        """The value in force on ``day``, or None."""
        index = bisect_right(self.starts, day) - 1
        return None if index < 0 else self.values[index]

    @property
    def kind(self) -> str:
        return "bool" if any(isinstance(v, bool) for v in self.values) else "number"


@dataclass(frozen=True)
class ScaleAt:
    """A scale on one day: thresholds ascending, with the rate or amount of each bracket."""

    kind: str
    thresholds: np.ndarray
    amounts: np.ndarray  # rates for marginal_rate

    def calc(self, base: np.ndarray | float) -> np.ndarray:
        """The scale applied to each base, one bracket at a time (a few passes over the bases
        instead of a bases × brackets matrix)."""
        base = np.asarray(base, dtype=np.float64)
        total = np.zeros_like(base)
        uppers = [*self.thresholds[1:], np.inf][: len(self.thresholds)]  # none for no brackets
        for threshold, amount, upper in zip(self.thresholds, self.amounts, uppers, strict=True):
            if self.kind == "marginal_rate":  # the rate on the part of the base in the bracket
                total += amount * np.clip(base - threshold, 0.0, upper - threshold)
            elif self.kind == "marginal_amount":  # each amount once the base exceeds it
                total += amount * (base > threshold)
            else:  # single_amount: the amount of the highest threshold the base reaches
                total = np.where(base >= threshold, amount, total)
        return total


@dataclass(frozen=True)
class Scale:
    name: str
    kind: str
    thresholds: tuple[Parameter, ...]
    amounts: tuple[Parameter, ...]
    description: Text
    file: str
    line: int

    def at(self, day: Day) -> ScaleAt:
        """The brackets in force on ``day`` (a bracket with no value then is left out)."""
        pairs = [
            (t.get(day), a.get(day)) for t, a in zip(self.thresholds, self.amounts, strict=True)
        ]
        pairs = sorted((float(t), float(a)) for t, a in pairs if t is not None and a is not None)  # type: ignore[arg-type]
        # No bracket in force: the scale gives 0, as OpenFisca's does.
        return ScaleAt(self.kind, np.array([t for t, _ in pairs]), np.array([a for _, a in pairs]))


Leaf = Parameter | Scale


class Parameters:
    """Every parameter of a ruleset by its dotted path (``pkh.components.pregnant``)."""

    def __init__(self, leaves: dict[tuple[str, ...], Leaf]) -> None:
        self.leaves = leaves

    def get(self, path: tuple[str, ...]) -> Leaf | None:
        return self.leaves.get(path)

    def kind(self, path: tuple[str, ...]) -> str | None:
        leaf = self.get(path)
        if leaf is None:
            return None
        return "scale" if isinstance(leaf, Scale) else leaf.kind

    def at(self, path: tuple[str, ...], day: Day) -> object:
        leaf = self.leaves[path]
        return leaf.at(day)

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return iter(self.leaves)


def load_parameters(folder: Path, root: Path | None = None) -> Parameters:
    """Read every parameter under ``folder`` (file names relative to ``root`` in messages)."""
    root = root or folder
    leaves: dict[tuple[str, ...], Leaf] = {}
    for path in sorted(folder.rglob("*.yaml")):
        shown = str(path.relative_to(root))
        relative = path.relative_to(folder).with_suffix("").parts
        prefix = relative[:-1] if relative[-1] == "index" else relative
        content = read_yaml(path, shown)
        if content is None:
            continue
        if not isinstance(content, Located):
            raise RulesFileError("rules.not_a_mapping", file=shown, line=1)
        if relative[-1] == "index":
            only_keys(content, NODE_KEYS, shown)
            continue
        parameter_tree(content, prefix, shown, leaves)
    return Parameters(leaves)


def parameter_tree(
    content: Located, path: tuple[str, ...], file: str, leaves: dict[tuple[str, ...], Leaf]
) -> None:
    """Add the parameters and scales of the tree ``content`` (under ``path``) to ``leaves``."""
    name = ".".join(path)
    if "values" in content:
        only_keys(content, PARAMETER_KEYS, file)
        leaves[path] = _parameter(content, name, file)
    elif "brackets" in content:
        only_keys(content, SCALE_KEYS, file)
        leaves[path] = _scale(content, name, file)
    else:
        for key, child in content.items():
            if key in NODE_KEYS:
                continue
            if not isinstance(child, Located):
                raise RulesFileError(
                    "rules.not_a_parameter",
                    file=file,
                    line=content.lines[key],
                    name=f"{name}.{key}",
                )
            parameter_tree(child, (*path, str(key)), file, leaves)


def _metadata(content: Located) -> dict[str, object]:
    metadata = content.get("metadata") or {}
    return dict(metadata) if isinstance(metadata, dict) else {}


def _parameter(content: Located, name: str, file: str) -> Parameter:
    metadata = _metadata(content)
    starts, values = dated(
        content.get("values"), name, file, content.lines.get("values", content.line)
    )
    reference = metadata.get("reference", content.get("reference"))
    return Parameter(
        name,
        starts,
        values,
        bilingual(content.get("description"), file, content.lines.get("description", content.line)),
        str(metadata.get("unit", content.get("unit", ""))),
        bilingual(reference, file, content.line),
        file,
        content.line,
        _statement(metadata, file, content.line),
        _cited(content.get("values"), file),
    )


def _cited(raw: object, file: str) -> tuple[tuple[Day, Text], ...]:
    """The references given with single dated values (``2019-01-01: {value: 70, reference: …}``)."""
    if not isinstance(raw, dict):
        return ()
    return tuple(
        sorted(
            (start, bilingual(entry["reference"], file, getattr(entry, "line", 0)))
            for start, entry in raw.items()
            if isinstance(entry, dict) and entry.get("reference") and isinstance(start, Day)
        )
    )


def _statement(metadata: dict[str, object], file: str, line: int) -> dict[str, str] | None:
    """``metadata: {stated: {id: …, en: …}}``: a choice every report using it states."""
    stated = metadata.get("stated")
    if stated is None:
        return None
    if not isinstance(stated, dict) or not {"id", "en"} <= set(stated):
        raise RulesFileError("rules.bad_statement", file=file, line=line)
    return {key: str(stated[key]) for key in ("id", "en")}


def dated(raw: object, name: str, file: str, line: int) -> tuple[tuple[Day, ...], tuple]:
    if not isinstance(raw, Located) or not raw:
        raise RulesFileError("rules.values_needed", file=file, line=line, name=name)
    pairs = []
    for key, entry in raw.items():
        where = raw.lines[key]
        if not isinstance(key, Day) or isinstance(key, datetime.datetime):
            raise RulesFileError("rules.bad_date", file=file, line=where, value=key)
        if entry == "expected" or (isinstance(entry, dict) and "expected" in entry):
            continue  # OpenFisca's note of a value to come: metadata, not a value in force
        value = entry.get("value") if isinstance(entry, dict) else entry
        if isinstance(entry, dict) and "value" not in entry:
            raise RulesFileError("rules.value_missing", file=file, line=where, name=name, day=key)
        if value is not None and not isinstance(value, bool | int | float):
            raise RulesFileError(
                "rules.not_a_number", file=file, line=where, name=name, value=value
            )
        pairs.append((key, value))
    if not pairs:
        raise RulesFileError("rules.values_needed", file=file, line=line, name=name)
    pairs.sort(key=lambda pair: pair[0])
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def _scale(content: Located, name: str, file: str) -> Scale:
    brackets = content.get("brackets")
    # As in OpenFisca, brackets with amounts and no type add up (marginal_amount).
    amounts = isinstance(brackets, list) and any(
        isinstance(b, dict) and "amount" in b for b in brackets
    )
    kind = str(_metadata(content).get("type", "marginal_amount" if amounts else "marginal_rate"))
    if kind not in SCALE_TYPES:
        raise RulesFileError(
            "rules.scale_type",
            file=file,
            line=content.line,
            value=kind,
            allowed=", ".join(SCALE_TYPES),
        )
    amount_key = "rate" if kind == "marginal_rate" else "amount"
    if not isinstance(brackets, list) or not brackets:
        raise RulesFileError("rules.brackets_needed", file=file, line=content.line, name=name)
    thresholds, amounts = [], []
    for number, bracket in enumerate(brackets, start=1):
        line = getattr(bracket, "line", content.line)
        if not isinstance(bracket, Located) or {"threshold", amount_key} - set(bracket):
            raise RulesFileError(
                "rules.bracket_keys",
                file=file,
                line=line,
                name=name,
                number=number,
                keys=f"threshold, {amount_key}",
            )
        for key, into in (("threshold", thresholds), (amount_key, amounts)):
            part = f"{name}.brackets[{number}].{key}"
            starts, values = dated(bracket[key], part, file, bracket.lines[key])
            into.append(
                Parameter(part, starts, values, Text(), "", Text(), file, bracket.lines[key])
            )
    return Scale(
        name,
        kind,
        tuple(thresholds),
        tuple(amounts),
        bilingual(content.get("description"), file, content.line),
        file,
        content.line,
    )
