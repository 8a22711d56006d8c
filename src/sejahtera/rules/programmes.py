"""Programmes: which variables of a ruleset are benefits, who pays them and how they run today.

``programmes.yaml`` at the root of a ruleset declares each programme a scenario reports::

    pkh:
      label: {id: Program Keluarga Harapan (PKH), en: Family Hope Programme (PKH)}
      variable: pkh              # the benefit (household, family or person; summed over the year)
      eligible: pkh_eligible     # who qualifies under the rules as written (bool, same entity)
      amount: pkh_amount         # what a recipient is paid (same entity)
      cash: true                 # paid to the household (raises welfare) or paid for it (PBI)
      unit: family               # who counts as a beneficiary (KPM): household, family or person
      funder: apbn               # apbn, apbd_provinsi, apbd_kabupaten or dana_desa
      receipt: receives_pkh      # the data column recording who receives it today
      quota: {share: pip.quota_share}   # or, with no receipt recorded, how places are allotted
      take_up: pkh.take_up       # share of newly eligible (or allotted) units that take it up
      consumed: scenario.consumed_share  # share of the cash that is consumed
      switch: blt_dana_desa.active       # a parameter that turns the programme on
      levers: {desil: pkh.max_desil, pmt: pkh.max_pmt_score, amount: [pkh.components.sd]}

A quota allots places where the data records no receipt, in each area (``area``: regency_code by
default, district_code or village_code): ``{units: PATH}`` gives each area that many places (the
kuota per kabupaten, as a parameter with regional values); ``{share: PATH}`` that share of its
eligible units; ``{budget_share: PATH, budget_rp: PATH}`` caps its yearly spending at the share
of a budget (BLT Dana Desa: 15 % of a desa's Dana Desa). Each parameter may hold a value per
kabupaten or desa (``regional/``). Places go to the poorest first (desil, then PMT score).

Every name is checked against the ruleset when it loads, so a misspelt variable or parameter is
reported with the file and line of the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sejahtera.rules.parameters import (
    Located,
    Parameter,
    RulesFileError,
    bilingual,
    only_keys,
    read_yaml,
)

if TYPE_CHECKING:
    from sejahtera.rules.ruleset import Ruleset

DECLARATIONS = "programmes.yaml"
LEVERS = ("desil", "pmt", "amount")
FUNDERS = ("apbn", "apbd_provinsi", "apbd_kabupaten", "dana_desa")
UNITS = ("household", "family", "person")
AREAS = ("regency_code", "district_code", "village_code")
Funder = Literal["apbn", "apbd_provinsi", "apbd_kabupaten", "dana_desa"]
_KEYS = {
    "label",
    "variable",
    "eligible",
    "amount",
    "cash",
    "unit",
    "funder",
    "receipt",
    "quota",
    "take_up",
    "consumed",
    "switch",
    "levers",
}
_QUOTA_KEYS = {"units", "share", "budget_share", "budget_rp", "area"}
# Ruleset-wide defaults, when a programme names none of its own.
DEFAULT_TAKE_UP = "scenario.take_up_newly_eligible"
DEFAULT_CONSUMED = "scenario.consumed_share"


@dataclass(frozen=True)
class Quota:
    """How places are allotted when no receipt is recorded (see the module's docstring)."""

    units: str | None = None  # parameter: the places in each area (families, persons…)
    share: str | None = None  # parameter: the share of eligible units given a place
    budget_share: str | None = None  # parameter: the share of each area's budget it may spend
    budget_rp: str | None = None  # parameter: each area's budget (Rp a year)
    area: str = "regency_code"

    def parameters(self) -> tuple[str, ...]:
        """The parameters the quota reads."""
        return tuple(
            p for p in (self.units, self.share, self.budget_share, self.budget_rp) if p is not None
        )


@dataclass(frozen=True)
class Programme:
    """A programme as ``programmes.yaml`` (or a reform's ``programmes:``) declares it."""

    name: str
    variable: str
    label: dict[str, str] = field(default_factory=dict)
    eligible: str | None = None
    amount: str | None = None
    cash: bool = True
    unit: str | None = None  # None: the variable's entity
    funder: str = "apbn"
    receipt: str | None = None
    quota: Quota | None = None
    take_up: str | None = None
    consumed: str | None = None
    switch: str | None = None
    levers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    file: str = DECLARATIONS
    line: int = 1

    @property
    def separable(self) -> bool:
        """Eligibility and amount are declared apart, so who is paid can differ from the rules."""
        return self.eligible is not None and self.amount is not None

    def title(self, language: str) -> str:
        return self.label.get(language) or self.label.get("id") or self.name

    def parameters(self, levers: bool = True) -> tuple[str, ...]:
        """The parameters the declaration names: how the programme is paid (take-up, consumed
        share, switch, quota) and, with ``levers``, what the budget solver may move."""
        named = [
            self.take_up,
            self.consumed,
            self.switch,
            *(() if self.quota is None else self.quota.parameters()),
            *((path for group in self.levers.values() for path in group) if levers else ()),
        ]
        return tuple(path for path in named if path is not None)


def read_programmes(path: Path, shown: str | None = None) -> dict[str, Programme]:
    """The declarations in the file ``path`` (not yet checked against a ruleset)."""
    shown = shown or f"{path.parent.name}/{path.name}"
    content = read_yaml(path, shown)
    if content is None:
        return {}
    if not isinstance(content, Located):
        raise RulesFileError("rules.not_a_mapping", file=shown, line=1)
    return declarations(content, shown)


def declarations(
    content: Located, file: str, existing: dict[str, Programme] | None = None
) -> dict[str, Programme]:
    """Programmes from a mapping of name → declaration. With ``existing``, a name already there
    changes only the keys given (a reform's ``programmes:``); a new name is declared whole."""
    found: dict[str, Programme] = {}
    for name, entry in content.items():
        line = content.lines[name]
        old = (existing or {}).get(str(name))
        if not isinstance(entry, Located) or ("variable" not in entry and old is None):
            raise RulesFileError("simulate.bad_programme", file=file, line=line, name=name)
        only_keys(entry, _KEYS, file)
        values = {} if old is None else _as_entry(old)
        values.update(entry)
        found[str(name)] = _programme(str(name), values, entry, file, line)
    return found


def _as_entry(programme: Programme) -> dict[str, object]:
    entry: dict[str, object] = {
        key: getattr(programme, key)
        for key in (
            "variable",
            "label",
            "eligible",
            "amount",
            "cash",
            "unit",
            "funder",
            "receipt",
            "take_up",
            "consumed",
            "switch",
        )
    }
    entry["quota"] = programme.quota
    entry["levers"] = {lever: list(paths) for lever, paths in programme.levers.items()}
    return entry


def _programme(
    name: str, values: dict[str, object], entry: Located, file: str, line: int
) -> Programme:
    def where(key: str) -> int:
        return entry.lines.get(key, line)

    for key, allowed in (("funder", FUNDERS), ("unit", UNITS)):
        if values.get(key) is not None and values[key] not in allowed:
            raise RulesFileError(
                "rules.bad_choice",
                file=file,
                line=where(key),
                name=name,
                key=key,
                value=values[key],
                allowed=", ".join(allowed),
            )
    levers = values.get("levers") or {}
    if not isinstance(levers, dict):
        raise RulesFileError("rules.not_a_mapping", file=file, line=where("levers"))
    if isinstance(levers, Located):
        only_keys(levers, set(LEVERS), file)
    label = bilingual(values.get("label"), file, where("label")).to_dict()
    return Programme(
        name=name,
        variable=str(values["variable"]),
        label=label,
        eligible=_text(values.get("eligible")),
        amount=_text(values.get("amount")),
        cash=bool(values.get("cash", True)),
        unit=_text(values.get("unit")),
        funder=str(values.get("funder") or "apbn"),
        receipt=_text(values.get("receipt")),
        quota=_quota(values.get("quota"), name, file, where("quota")),
        take_up=_text(values.get("take_up")),
        consumed=_text(values.get("consumed")),
        switch=_text(values.get("switch")),
        levers={
            str(lever): tuple(map(str, paths if isinstance(paths, list | tuple) else [paths]))
            for lever, paths in levers.items()
        },
        file=file,
        line=line,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _quota(raw: object, name: str, file: str, line: int) -> Quota | None:
    if raw is None or isinstance(raw, Quota):
        return raw
    if not isinstance(raw, Located):
        raise RulesFileError("rules.not_a_mapping", file=file, line=line)
    only_keys(raw, _QUOTA_KEYS, file)
    area = str(raw.get("area", "regency_code"))
    budget = [raw.get("budget_share"), raw.get("budget_rp")]
    # Exactly one kind: a number of places, a share of the eligible, or a share of a budget.
    kinds = [raw.get("units") is not None, raw.get("share") is not None, None not in budget]
    partial = (budget[0] is None) != (budget[1] is None)
    if sum(kinds) != 1 or partial or area not in AREAS:
        raise RulesFileError("rules.bad_quota", file=file, line=line, name=name)
    return Quota(
        units=_text(raw.get("units")),
        share=_text(raw.get("share")),
        budget_share=_text(budget[0]),
        budget_rp=_text(budget[1]),
        area=area,
    )


def check_programmes(ruleset: Ruleset, programmes: dict[str, Programme]) -> None:
    """Refuse a declaration naming a variable or parameter the ruleset lacks, or an eligibility
    or amount of another entity than the benefit's."""
    for programme in programmes.values():
        benefit = _variable(ruleset, programme, programme.variable, "variable")
        for key in ("eligible", "amount"):
            name = getattr(programme, key)
            if name is None:
                continue
            found = _variable(ruleset, programme, name, key)
            wanted_kind = "bool" if key == "eligible" else "number"
            if found.entity != benefit.entity or found.kind != wanted_kind:
                raise RulesFileError(
                    "rules.programme_variable",
                    file=programme.file,
                    line=programme.line,
                    name=programme.name,
                    key=key,
                    variable=name,
                    entity=benefit.entity,
                    kind=wanted_kind,
                )
        for path in programme.parameters():
            if not isinstance(ruleset.parameters.get(tuple(path.split("."))), Parameter):
                raise RulesFileError(
                    "rules.programme_parameter",
                    file=programme.file,
                    line=programme.line,
                    name=programme.name,
                    path=path,
                )


def _variable(ruleset: Ruleset, programme: Programme, name: str, key: str):
    found = ruleset.variables.get(name)
    if found is None:
        raise RulesFileError(
            "rules.programme_unknown_variable",
            file=programme.file,
            line=programme.line,
            name=programme.name,
            key=key,
            variable=name,
        )
    return found
