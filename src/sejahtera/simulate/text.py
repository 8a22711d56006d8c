"""A scenario in words, for the terminal: Indonesian first, numbers the reader's way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sejahtera.i18n import Language, text
from sejahtera.rules.programmes import FUNDERS

if TYPE_CHECKING:
    from sejahtera.simulate.scenario import Scenario


def scenario_text(scenario: Scenario, language: Language) -> str:
    lines: list[str] = []
    for run, summary in scenario.runs():
        role = "reform" if run == "reform" else "baseline"
        title = "simulate.title_reform" if role == "reform" else f"simulate.title_{run}"
        lines.append(text(title, language))
        for name, figures in summary["programs"].items():
            programme = scenario.programmes[name]
            source = summary["status_quo"].get(name)
            how = f" [{text(f'simulate.source_{source}', language)}]" if source else ""
            families = (
                text("simulate.families", language, families=figures["families"])
                if programme.unit == "family"
                else ""
            )
            lines.append(
                text(
                    "simulate.programme_line",
                    language,
                    name=programme.title(language),
                    cost=figures["cost_rp"],
                    families=families,
                    households=figures["households"],
                    persons=figures["persons"],
                    coverage=figures["coverage_of_poor"],
                )
                + how
            )
        funders = [
            text(
                "simulate.funder_cost",
                language,
                funder=text(f"simulate.funder_{funder}", language),
                cost=summary["cost_by_funder"][funder],
            )
            for funder in FUNDERS
            if summary["cost_by_funder"][funder]
        ]
        if funders:
            lines.append(text("simulate.by_funder", language, costs="; ".join(funders)))
        before, after = summary["poverty"]["before"], summary["poverty"]["after"]
        lines.append(
            text(
                "simulate.poverty_line",
                language,
                before=before["fgt0"],
                after=after["fgt0"],
                gini_before=before["gini"],
                gini_after=after["gini"],
            )
        )
        lines.append(text("simulate.unreached", language, persons=summary["poor_reached_by_none"]))
        if role == "baseline":
            lines.append(text("simulate.assumptions", language))
            lines.extend(f"  - {line}" for line in summary["assumptions"])
            lines.extend(f"  ! {note}" for note in summary["notes"])
    difference = scenario.report.get("difference")
    if isinstance(difference, dict):
        lines.append(text("simulate.difference", language, **_flat(difference)))
    return "\n".join(lines)


def _flat(difference: dict[str, object]) -> dict[str, object]:
    change = difference["poverty_change"]
    assert isinstance(change, dict)
    return {
        **{k: v for k, v in difference.items() if not isinstance(v, dict)},
        "p0_change": change["fgt0"] * 100,
        "gini_change": change["gini"],
    }
