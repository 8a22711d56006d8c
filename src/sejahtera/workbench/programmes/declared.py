"""The programmes a ruleset declares (its ``programmes.yaml``), as the cycle pages offer them:
a cycle pays one of them, picked by name, and its list is the households that programme's
benefit variable pays. The workbench programme names its ruleset, one of the installed rulesets
(the shipped ``indonesia`` when it names none); any other value (a server path) is refused."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _

from sejahtera.errors import SejahteraError
from sejahtera.i18n import language, text
from sejahtera.rules.programmes import Programme as Declared
from sejahtera.rules.ruleset import load_ruleset, shipped_rulesets
from sejahtera.workbench.core.jobs import JobError
from sejahtera.workbench.programmes.models import Cycle, Programme

DEFAULT_RULESET = "indonesia"


class RulesetError(JobError):
    """The programme's ruleset cannot be read; the message (translated) says why."""


@dataclass(frozen=True)
class Offered:
    """A declared programme as a page shows it: its key, its name in the page's language, and
    what it pays (variable, unit, funder, amount variable, cash or in kind)."""

    key: str
    title: str
    variable: str
    unit: str
    funder: str
    amount: str
    cash: bool

    @property
    def summary(self) -> str:
        """``Program Sembako (BPNT) · keluarga · APBN``."""
        return f"{self.title} · {self.unit} · {self.funder}"


def ruleset_of(programme: Programme) -> str:
    """The name of the installed ruleset ``programme`` runs; :class:`RulesetError` for a value
    that names none (never read as a path on the server)."""
    name = programme.ruleset or DEFAULT_RULESET
    installed = shipped_rulesets()
    if name not in installed:
        raise RulesetError(
            _("The ruleset %(name)s is not an installed ruleset. Choose one of: %(installed)s.")
            % {"name": name, "installed": ", ".join(installed)}
        )
    return name


def offered(programme: Programme) -> dict[str, Offered]:
    """The programmes ``programme``'s ruleset declares, by key, in the declaration's order."""
    return dict(_declared_by(ruleset_of(programme), language()))


@cache
def _declared_by(name: str, chosen: str) -> dict[str, Offered]:
    """The installed ruleset ``name``'s programmes in the language ``chosen``, read once per
    process: its files change only with the package, and reading its YAML took two thirds of
    a beneficiary list page (docs/benchmarks.md, the soak run)."""
    try:
        ruleset = load_ruleset(name)
    except SejahteraError as exc:
        raise RulesetError(str(exc)) from exc
    return {
        key: _offered(ruleset, key, declared, chosen)
        for key, declared in ruleset.programmes.items()
    }


def _offered(ruleset: object, key: str, declared: Declared, chosen: str) -> Offered:
    entity = ruleset.variables[declared.variable].entity  # type: ignore[attr-defined]
    return Offered(
        key=key,
        title=declared.title(chosen),
        variable=declared.variable,
        unit=text(f"show.unit_{declared.unit or entity}", chosen),  # type: ignore[arg-type]
        funder=text(f"simulate.funder_{declared.funder}", chosen),  # type: ignore[arg-type]
        amount=declared.amount or declared.variable,
        cash=declared.cash,
    )


def paid_by(cycle: Cycle) -> Offered | None:
    """The declared programme whose benefit the cycle pays; None when its ruleset declares
    none for that variable (a cycle made before cycles were made by programme) or cannot be
    read."""
    try:
        declared = offered(cycle.programme)
    except RulesetError:
        return None
    return next((each for each in declared.values() if each.variable == cycle.benefit), None)
