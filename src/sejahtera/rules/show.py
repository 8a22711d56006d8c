"""What a ruleset says on a day: its programmes and their parameters (``sejahtera rules show``).

:func:`describe` gives, without a programme, every programme declared in ``programmes.yaml``
(title, funder, beneficiary unit, how today's receipt is known, its parameter count) and the
parameters of no single programme (``scenario.*``); with a programme, its declaration and each of
its parameters: those under its name (``pkh.*``) and those its declaration names (levers, quota,
take-up, consumed share, switch). Each parameter comes with the value in force on the day, since
when and until when it holds, its reference, description, stated modelling choice and, when the
ruleset has any, its regional values. A parameter with no value on the day is "not in force".
"""

from __future__ import annotations

import datetime
import math
from bisect import bisect_right
from dataclasses import dataclass

from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, fill, language, text
from sejahtera.rules.parameters import Parameter, Scale, Text
from sejahtera.rules.programmes import DEFAULT_CONSUMED, DEFAULT_TAKE_UP, Programme
from sejahtera.rules.ruleset import Ruleset

_PER = {"person": "per_person", "family": "per_family", "household": "per_household"}
_PER |= {"month": "per_month", "year": "per_year"}
_WORDED = {"desil": "desil", "years": "years", "year": "years", "components": "components"}


@dataclass(frozen=True)
class RegionalShown:
    """A region's own value of a parameter, in force on the day."""

    region: str
    name: str
    value: float
    since: datetime.date
    reference: Text


@dataclass(frozen=True)
class ParameterShown:
    """A parameter (or scale) on the day. ``value`` is None when not in force (a scale has
    ``brackets`` instead); ``since`` is the date of the entry in force on the day (a value, or the
    end of the values); ``until`` is the next change (the value holds until the day before) and
    ``next_value`` what it changes to (None: it ends then)."""

    path: str
    unit: str
    value: object
    since: datetime.date | None
    until: datetime.date | None
    next_value: object
    reference: Text
    description: Text
    statement: dict[str, str] | None = None  # {id, en} templates, filled with the value
    regional: tuple[RegionalShown, ...] = ()
    brackets: tuple[tuple[float, float], ...] | None = None  # a scale's (threshold, rate/amount)
    scale_kind: str | None = None

    def statement_text(self, language_code: Language) -> str | None:
        if self.statement is None or self.value is None:
            return None
        return fill(self.statement[language_code], language_code, value=self.value)

    def to_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "path": self.path,
            "unit": self.unit,
            "value": _plain(self.value),
            "in_force": self.value is not None or bool(self.brackets),
            "since": _iso(self.since),
            "until": _iso(self.until),
            "next_value": _plain(self.next_value),
            "reference": self.reference.plain(),
            "description": self.description.plain(),
            "statement": None
            if self.statement_text("id") is None
            else {code: self.statement_text(code) for code in ("id", "en")},
            "regional": [
                {
                    "region": row.region,
                    "name": row.name,
                    "value": row.value,
                    "since": row.since.isoformat(),
                    "reference": row.reference.plain(),
                }
                for row in self.regional
            ],
        }
        if self.brackets is not None:
            found["type"] = self.scale_kind
            found["brackets"] = [{"threshold": t, "amount": a} for t, a in self.brackets]
        return found


@dataclass(frozen=True)
class ProgrammeShown:
    """A programme's declaration, its beneficiary unit and the paths of its parameters."""

    programme: Programme
    unit: str
    parameters: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        p, quota = self.programme, self.programme.quota
        return {
            "name": p.name,
            "label": dict(p.label),
            "variable": p.variable,
            "eligible": p.eligible,
            "amount": p.amount,
            "cash": p.cash,
            "unit": self.unit,
            "funder": p.funder,
            "receipt": p.receipt,
            "quota": None if quota is None else dict(vars(quota)),
            "take_up": p.take_up or DEFAULT_TAKE_UP,
            "consumed": p.consumed or DEFAULT_CONSUMED,
            "switch": p.switch,
            "levers": {lever: list(paths) for lever, paths in p.levers.items()},
            "parameters": list(self.parameters),
        }


@dataclass(frozen=True)
class RulesDescription:
    """What :func:`describe` found: ``programme`` is None for the overview of the ruleset."""

    ruleset: str
    day: datetime.date
    programme: str | None
    programmes: tuple[ProgrammeShown, ...]
    parameters: tuple[ParameterShown, ...]  # the programme's, or those of no single programme

    def to_dict(self) -> dict[str, object]:
        """Plain data (``--json``): an infinite value (no limit) is the string ``"inf"``."""
        return {
            "ruleset": self.ruleset,
            "date": self.day.isoformat(),
            "programme": self.programme,
            "programmes": [shown.to_dict() for shown in self.programmes],
            "parameters": [shown.to_dict() for shown in self.parameters],
        }

    def summary(self, language_code: Language | None = None) -> str:
        chosen = language_code or language()
        lines = [text("show.header", chosen, ruleset=self.ruleset, day=self.day.isoformat())]
        if self.programme is None:
            lines += _overview(self, chosen)
            heading = "show.shared_parameters"
        else:
            lines += _declaration(self.programmes[0], chosen)
            heading = "show.parameters"
        lines += ["", text(heading, chosen, count=len(self.parameters))]
        for shown in self.parameters:
            lines += _parameter_lines(shown, chosen)
        return "\n".join(lines)


def describe(ruleset: Ruleset, programme: str | None, day: datetime.date) -> RulesDescription:
    """The programmes of ``ruleset`` and the parameters of none of them, or one ``programme``
    and its parameters, with the values in force on ``day`` (see the module's docstring)."""
    if programme is not None and programme not in ruleset.programmes:
        raise SejahteraError(
            "show.unknown_programme",
            name=programme,
            ruleset=ruleset.name,
            known=", ".join(ruleset.programmes) or "-",
        )
    shown = {
        name: ProgrammeShown(
            declared, _unit(ruleset, declared), programme_parameters(ruleset, name)
        )
        for name, declared in ruleset.programmes.items()
    }
    if programme is not None:
        paths: tuple[str, ...] = shown[programme].parameters
        chosen = (shown[programme],)
    else:
        owned = {path for each in shown.values() for path in each.parameters}
        paths = tuple(path for path in _paths(ruleset) if path not in owned)
        chosen = tuple(shown.values())
    found = tuple(parameter_on(ruleset, path, day) for path in paths)
    return RulesDescription(ruleset.name, day, programme, chosen, found)


def programme_parameters(ruleset: Ruleset, name: str) -> tuple[str, ...]:
    """The parameters under the programme's name, then those its declaration names."""
    named = ruleset.programmes[name].parameters()
    under = [path for path in _paths(ruleset) if path.split(".")[0] == name]
    return tuple(dict.fromkeys([*under, *named]))


def parameter_on(ruleset: Ruleset, path: str, day: datetime.date) -> ParameterShown:
    """The parameter (or scale) ``path`` on ``day``, with its regional values then."""
    leaf = ruleset.parameters.get(tuple(path.split(".")))
    if leaf is None:
        raise KeyError(path)
    if isinstance(leaf, Scale):
        return _scale_on(leaf, path, day)
    index = bisect_right(leaf.starts, day) - 1
    value = leaf.values[index] if index >= 0 else None
    following = index + 1 if value is not None else _next_start(leaf, day)
    has_next = following is not None and following < len(leaf.starts)
    return ParameterShown(
        path=path,
        unit=leaf.unit,
        value=value,
        since=leaf.starts[index] if index >= 0 else None,
        until=leaf.starts[following] if has_next else None,  # type: ignore[index]
        next_value=leaf.values[following] if has_next else None,  # type: ignore[index]
        reference=leaf.reference_on(day),
        description=leaf.description,
        statement=leaf.statement,
        regional=_regional(ruleset, path, day),
    )


def _next_start(leaf: Parameter, day: datetime.date) -> int | None:
    """Not in force on ``day``: the index of the next value that puts it in force, if any."""
    for index, (start, value) in enumerate(zip(leaf.starts, leaf.values, strict=True)):
        if start > day and value is not None:
            return index
    return None


def _scale_on(leaf: Scale, path: str, day: datetime.date) -> ParameterShown:
    parts = [*leaf.thresholds, *leaf.amounts]
    starts = sorted({start for part in parts for start in part.starts})
    earlier = [start for start in starts if start <= day]
    later = [start for start in starts if start > day]
    at = leaf.at(day)
    brackets = tuple(zip(map(float, at.thresholds), map(float, at.amounts), strict=True))
    return ParameterShown(
        path=path,
        unit="",
        value=None,
        since=earlier[-1] if earlier and brackets else None,
        until=later[0] if later else None,
        next_value=None,
        reference=Text(),
        description=leaf.description,
        brackets=brackets,
        scale_kind=leaf.kind,
    )


def _regional(ruleset: Ruleset, path: str, day: datetime.date) -> tuple[RegionalShown, ...]:
    rows = ruleset.regional.get(path, ())
    if not rows:
        return ()
    from sejahtera.data.regions import registry

    in_force = {}
    for row in rows:  # sorted by region, then start: the last one on or before day wins
        if row.start <= day:
            in_force[row.region] = row
    names = registry()
    return tuple(
        RegionalShown(row.region, names.name(row.region), row.value, row.start, row.reference)
        for row in in_force.values()
    )


def _paths(ruleset: Ruleset) -> list[str]:
    return [".".join(path) for path in ruleset.parameters.leaves]


def _unit(ruleset: Ruleset, programme: Programme) -> str:
    if programme.unit is not None:
        return programme.unit
    variable = ruleset.variables.get(programme.variable)
    return variable.entity if variable is not None else "household"


def _iso(day: datetime.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _plain(value: object) -> object:
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


# Text for people.


def _overview(found: RulesDescription, language_code: Language) -> list[str]:
    if not found.programmes:
        return ["", text("show.no_programmes", language_code)]
    lines = ["", text("show.programmes", language_code, count=len(found.programmes))]
    for shown in found.programmes:
        declared = shown.programme
        lines.append(f"  {declared.name}: {declared.title(language_code)}")
        line = text(
            "show.programme_line",
            language_code,
            funder=text(f"simulate.funder_{declared.funder}", language_code),
            unit=text(f"show.unit_{shown.unit}", language_code),
            receipt=_receipt(declared, language_code),
            count=len(shown.parameters),
        )
        lines.append("    " + line)
    return lines


def _declaration(shown: ProgrammeShown, language_code: Language) -> list[str]:
    declared, none = shown.programme, "-"
    lines = [
        text(
            "show.declared_variables",
            language_code,
            variable=declared.variable,
            eligible=declared.eligible or none,
            amount=declared.amount or none,
        ),
        text(
            "show.declared_payment",
            language_code,
            cash=text("cli.yes" if declared.cash else "cli.no", language_code),
            unit=text(f"show.unit_{shown.unit}", language_code),
            funder=text(f"simulate.funder_{declared.funder}", language_code),
        ),
        text("show.declared_receipt", language_code, receipt=_receipt(declared, language_code)),
        text(
            "show.declared_take_up",
            language_code,
            take_up=declared.take_up or text("show.default", language_code, path=DEFAULT_TAKE_UP),
            consumed=declared.consumed
            or text("show.default", language_code, path=DEFAULT_CONSUMED),
        ),
    ]
    if declared.switch is not None:
        lines.append(text("show.declared_switch", language_code, switch=declared.switch))
    if declared.levers:
        levers = "; ".join(
            f"{text(f'show.lever_{lever}', language_code)}: {', '.join(paths)}"
            for lever, paths in declared.levers.items()
        )
        lines.append(text("show.declared_levers", language_code, levers=levers))
    return ["", f"{declared.title(language_code)} ({declared.name})", *("  " + x for x in lines)]


def _receipt(declared: Programme, language_code: Language) -> str:
    quota = declared.quota
    if declared.receipt is not None:
        return text("show.receipt_recorded", language_code, column=declared.receipt)
    if quota is None:
        return text("show.receipt_rules", language_code)
    area = text(f"show.area_{quota.area}", language_code)
    if quota.share is not None:
        return text("show.receipt_quota_share", language_code, share=quota.share, area=area)
    return text(
        "show.receipt_quota_budget",
        language_code,
        budget_share=quota.budget_share,
        budget=quota.budget_rp,
        area=area,
    )


def _parameter_lines(shown: ParameterShown, language_code: Language) -> list[str]:
    lines = [f"  {shown.path}: {_shown_value(shown, language_code)}"]
    lines += ["    " + _period(shown, language_code)]
    if shown.brackets:
        for threshold, amount in shown.brackets:
            lines.append(
                "    "
                + text(
                    "show.bracket",
                    language_code,
                    threshold=number(threshold, "", language_code),
                    amount=number(amount, _bracket_unit(shown), language_code),
                )
            )
    reference = shown.reference.in_(language_code) or text("show.no_reference", language_code)
    lines.append("    " + text("show.reference", language_code, reference=reference))
    if shown.description:
        described = shown.description.in_(language_code)
        lines.append("    " + text("show.description", language_code, text=described))
    statement = shown.statement_text(language_code)
    if statement:
        lines.append("    " + text("show.statement", language_code, statement=statement))
    if shown.regional:
        lines.append("    " + text("show.regional", language_code))
    for row in shown.regional:
        value = number(row.value, shown.unit, language_code)
        lines.append(
            "      "
            + text(
                "show.regional_row",
                language_code,
                code=row.region,
                name=row.name,
                value=value,
                since=row.since.isoformat(),
                reference=row.reference.in_(language_code),
            )
        )
    return lines


def _shown_value(shown: ParameterShown, language_code: Language) -> str:
    if shown.brackets:
        return text("show.scale", language_code, count=len(shown.brackets))
    if shown.value is None:
        return text("show.not_in_force", language_code)
    return number(shown.value, shown.unit, language_code)


def _bracket_unit(shown: ParameterShown) -> str:
    return "share" if shown.scale_kind == "marginal_rate" else ""


def _period(shown: ParameterShown, language_code: Language) -> str:
    since, until = _iso(shown.since), _iso(shown.until)
    if shown.value is None and not shown.brackets:
        parts = [] if since is None else [text("show.ended", language_code, since=since)]
        if until is not None:
            parts.append(text("show.in_force_from", language_code, start=until))
        return "; ".join(parts) or text("show.never_in_force", language_code)
    if until is None:
        return text("show.in_force", language_code, since=since)
    key = "show.ends" if shown.next_value is None and shown.brackets is None else "show.replaced"
    return text(key, language_code, since=since, until=until)


def number(value: object, unit: str, language_code: Language) -> str:
    """A parameter's value as a reader expects it from its unit: ``Rp200.000 sebulan`` (IDR),
    ``15%`` (share, /1), ``desil 4``, ``70 tahun``, ``ya``/``tidak``, ``tanpa batas`` (.inf)."""
    if isinstance(value, bool):
        return text("cli.yes" if value else "cli.no", language_code)
    amount = float(value)  # type: ignore[arg-type]
    if math.isinf(amount):
        return text("show.no_limit", language_code)
    if unit.startswith("IDR"):
        periods = [part for part in unit.split("/")[1:] if part]
        per = "".join(
            text(f"show.{_PER[part]}", language_code) if part in _PER else f"/{part}"
            for part in periods
        )
        return text("show.value_rp", language_code, value=amount) + per
    if unit in ("share", "/1"):
        digits = next((d for d in (0, 1, 2) if _whole(amount * 10 ** (d + 2))), 3)
        return text("show.value_share", language_code, value=amount, digits=digits)
    if unit in _WORDED:
        return text(f"show.value_{_WORDED[unit]}", language_code, value=amount)
    if unit.startswith("PMT score"):
        return text("show.value_pmt", language_code, value=amount)
    spec = ",.0f" if amount.is_integer() else ",.6g"
    shown = text("show.value_number", language_code, value=amount, spec=spec)
    return f"{shown} {unit}".rstrip()


def unit_words(unit: str, language_code: Language) -> str:
    """A parameter's unit in words, the reader's way: ``Rp per orang per bulan`` for
    ``IDR/person/month``, ``desil``, ``tahun``, ``%``; a unit the rules do not know as written."""
    if unit.startswith("IDR"):
        periods = [part for part in unit.split("/")[1:] if part]
        words = {"month": "show.unit_per_month", "year": "show.unit_per_year"}
        per = "".join(
            text(words.get(part) or f"show.{_PER[part]}", language_code)
            if part in _PER
            else f"/{part}"
            for part in periods
        )
        return text("show.unit_rp", language_code) + per
    if unit in ("share", "/1"):
        return text("show.unit_share", language_code)
    if unit in _WORDED or unit == "flag":
        return text(f"show.unit_{_WORDED.get(unit, unit)}", language_code)
    if unit.startswith("PMT score"):
        return text("show.unit_pmt", language_code)
    return unit


def _whole(value: float) -> bool:
    return abs(value - round(value)) < 1e-6
