"""What the studio's form offers: each programme's parameters with the value in force, its unit
and legal reference (as ``sejahtera rules show`` gives them), the rules that may be rewritten,
and numbers read the reader's way (``1.250.000`` in Indonesian).

The rulesets are read once per process and per set of templates (:func:`rules_with`): a
ruleset and its shipped templates are package data and do not change while the server runs.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, format_number, language
from sejahtera.rules.overlay import Overlay, Template, check_value, templates
from sejahtera.rules.parameters import Parameter, Text
from sejahtera.rules.ruleset import Ruleset, load_ruleset
from sejahtera.rules.show import (
    ParameterShown,
    number,
    parameter_on,
    programme_parameters,
    unit_words,
)

# The parameters of no single programme that a scenario may change: its assumptions.
ASSUMPTIONS = ("scenario.take_up_newly_eligible", "scenario.consumed_share")


@lru_cache(maxsize=32)
def rules_with(ruleset: str, chosen: tuple[str, ...] = ()) -> Ruleset:
    """The ruleset ``ruleset`` with the templates ``chosen`` added (checked as a reform)."""
    rules = load_ruleset(ruleset)
    if not chosen:
        return rules
    return Overlay("templates", "2025", templates=chosen).apply(rules)


def shipped_templates(ruleset: str) -> dict[str, Template]:
    return templates(rules_with(ruleset))


@dataclass(frozen=True)
class Lever:
    """One parameter the form shows: its status-quo value on the period's first day."""

    path: str
    kind: str  # flag, desil, share, rupiah, count, pmt, number
    unit: str
    value: object
    reference: Text  # in Indonesian and English, as the ruleset writes them
    description: Text
    lever: bool  # declared by its programme as a lever (desil, PMT, amount)

    @property
    def field_name(self) -> str:
        return "p-" + self.path.replace(".", "--")

    def shown(self, language: Language) -> str:
        """The status-quo value with its unit (``Rp200.000 sebulan``, ``desil 4``)."""
        return number(self.value, self.unit, language)

    # For templates, in the page's language (the middleware sets it for each request).

    @property
    def described(self) -> str:
        return self.description.in_(language())

    @property
    def cited(self) -> str:
        return self.reference.in_(language())

    @property
    def unit_shown(self) -> str:
        """The unit in words: ``Rp per tahun``, ``Rp per orang per bulan``."""
        return unit_words(self.unit, language())


@dataclass(frozen=True)
class Group:
    """A programme (or the scenario's assumptions) and its levers."""

    name: str
    label: dict[str, str]
    levers: tuple[Lever, ...]
    added: bool = False  # from a template

    def title(self, language: str) -> str:
        return self.label.get(language) or self.label.get("id") or self.name


def kind_of(unit: str, value: object) -> str:
    if isinstance(value, bool):
        return "flag"
    if unit == "desil":
        return "desil"
    if unit in ("share", "/1"):
        return "share"
    if unit.startswith("IDR"):
        return "rupiah"
    if unit in ("years", "components"):
        return "count"
    if unit.startswith("PMT score"):
        return "pmt"
    return "number"


def groups(ruleset: str, period: str, chosen: tuple[str, ...] = ()) -> list[Group]:
    """Each programme's levers (the templates' programmes after the ruleset's), then the
    scenario's assumptions. Parameters with regional values are left out: a reform gives one
    value for every region, so the form would flatten them unseen."""
    rules = rules_with(ruleset, chosen)
    base = rules_with(ruleset)
    day = datetime.date(int(period), 1, 1)
    seen: set[str] = set(ASSUMPTIONS)
    found = []
    for name, programme in rules.programmes.items():
        declared = {path for paths in programme.levers.values() for path in paths}
        levers = []
        for path in programme_parameters(rules, name):
            lever = _lever(rules, path, day, path in declared)
            if lever is not None and path not in seen:
                seen.add(path)
                levers.append(lever)
        levers.sort(key=lambda lever: not lever.lever)  # the declared levers first
        found.append(Group(name, dict(programme.label), tuple(levers), name not in base.programmes))
    assumptions = tuple(filter(None, (_lever(rules, p, day, False) for p in ASSUMPTIONS)))
    found.append(Group("scenario", {"id": "Asumsi", "en": "Assumptions"}, assumptions))
    return found


def _lever(rules: Ruleset, path: str, day: datetime.date, declared: bool) -> Lever | None:
    leaf = rules.parameters.get(tuple(path.split(".")))
    if not isinstance(leaf, Parameter) or rules.regional.get(path):
        return None
    shown: ParameterShown = parameter_on(rules, path, day)
    if shown.value is None:
        return None
    return Lever(
        path=path,
        kind=kind_of(shown.unit, shown.value),
        unit=shown.unit,
        value=shown.value,
        reference=shown.reference,
        description=shown.description,
        lever=declared,
    )


def rewritable(
    ruleset: str, chosen: tuple[str, ...] = (), language_code: Language | None = None
) -> list[tuple[str, str]]:
    """The rules a scenario may rewrite: each programme's eligibility and amount, then every
    formula they read (name, label in ``language_code``, the page's by default)."""
    rules = rules_with(ruleset, chosen)
    names: list[str] = []
    waiting = [
        name
        for programme in rules.programmes.values()
        for name in (programme.eligible, programme.amount)
        if name is not None
    ]
    benefits = {p.variable for p in rules.programmes.values()}
    while waiting:
        name = waiting.pop(0)
        variable = rules.variables.get(name)
        if name in names or variable is None or not variable.formulas or name in benefits:
            continue
        names.append(name)
        waiting.extend(sorted(rules.uses(name)))
    chosen_language = language_code or language()
    return [(name, _label(rules, name, chosen_language)) for name in names]


def _label(rules: Ruleset, name: str, language_code: Language) -> str:
    label = rules.variables[name].label
    return f"{name} — {label.get(language_code) or label.get('id') or name}"


# Numbers as the reader writes them.

_GROUPED = {
    "id": re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$"),
    "en": re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$"),
}
_PLAIN = {"id": re.compile(r"^-?\d+(,\d+)?$"), "en": re.compile(r"^-?\d+(\.\d+)?$")}
_DOT_DECIMAL = re.compile(r"^-?\d*\.\d+$")


def parse_number(raw: str, language: Language) -> float:
    """A number as written on the page: ``1.250.000`` or ``0,85`` in Indonesian, ``1,250,000``
    or ``0.85`` in English; ``Rp`` and spaces are ignored. ``ValueError`` otherwise."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if text.lower().startswith("rp"):
        text = text[2:].lstrip(".")
    if _GROUPED[language].match(text):
        thousands, decimal = (".", ",") if language == "id" else (",", ".")
        return float(text.replace(thousands, "").replace(decimal, "."))
    if _PLAIN[language].match(text):
        return float(text.replace(",", "."))
    if language == "id" and _DOT_DECIMAL.match(text):  # 0.85 typed the English way
        return float(text)
    raise ValueError(raw)


def parse_lever(rules: Ruleset, lever: Lever, raw: str, language: Language) -> object:
    """The value a form field gives for ``lever`` (a share typed as a percentage), checked
    against its unit by the core (:func:`~sejahtera.rules.overlay.check_value`, which the REST
    API uses too); :class:`ValidationError` with the reason."""
    raw = (raw or "").strip()
    if lever.kind == "flag":
        if raw not in ("true", "false"):
            raise ValidationError(_("Choose yes or no."))
        value: object = raw == "true"
    elif lever.kind == "pmt" and raw == "":
        value = None  # no ceiling
    else:
        try:
            value = parse_number(raw, language)
        except ValueError:
            example = "1.250.000" if language == "id" else "1,250,000"
            raise ValidationError(
                _("“%(value)s” is not a number. Write it like %(example)s.")
                % {"value": raw, "example": example}
            ) from None
        if lever.kind == "share":
            value = float(value) / 100
    try:
        return check_value(rules, lever.path, value)
    except SejahteraError as error:
        raise ValidationError(str(error)) from None


def initial(lever: Lever, value: object, language: Language) -> str:
    """``value`` as the form field shows it."""
    if lever.kind == "flag":
        return "true" if value else "false"
    if lever.kind == "pmt" and (value is None or (isinstance(value, float) and math.isinf(value))):
        return ""
    if lever.kind == "share":
        return format_number(float(value) * 100, language, _decimals(float(value) * 100))  # type: ignore[arg-type]
    return format_number(value, language, _decimals(float(value)))  # type: ignore[arg-type]


def _decimals(value: float) -> int:
    for digits in range(0, 4):
        if abs(value * 10**digits - round(value * 10**digits)) < 1e-9:
            return digits
    return 4
