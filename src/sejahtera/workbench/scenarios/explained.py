"""The household explainer's result (simulate/explain.py, as the job kept it) laid out for the
page, in the reader's language: codes by their names, each value with its unit, each reason in
words, the ruleset's descriptions and references in the reader's language (the job keeps both,
:func:`kept_bilingual`)."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _

from sejahtera.data.labels import value_label
from sejahtera.i18n import Language, format_number, text
from sejahtera.rules.parameters import Text
from sejahtera.rules.show import number


def kept_bilingual(found: Any) -> Any:
    """The explanation as the job keeps it: each text of the ruleset (description, reference)
    as ``{id, en}``, so that the page shows the reader's language whichever started the job."""
    if isinstance(found, Text):
        return found.to_dict()
    if isinstance(found, dict):
        return {key: kept_bilingual(value) for key, value in found.items()}
    if isinstance(found, list | tuple):
        return [kept_bilingual(value) for value in found]
    return found


def _said(kept: object, language: Language) -> str:
    """A text kept as ``{id, en}`` in ``language``; one kept as a string (a result kept before
    both were) as it is."""
    if isinstance(kept, dict):
        return str(kept.get(language) or kept.get("id") or "")
    return "" if kept is None else str(kept)


def _value(value: object, language: Language) -> str:
    """A rule's value for one row: yes/no, a number the reader's way, a category's name."""
    if isinstance(value, bool):
        return text("cli.yes" if value else "cli.no", language)
    if value in ("inf", "-inf"):
        return text("show.no_limit", language)
    if isinstance(value, int | float):
        whole = float(value).is_integer()
        return format_number(value, language, 0 if whole else 2)
    return "–" if value is None else str(value)


def _parameter(value: object, unit: str, language: Language) -> str:
    if value == "inf":
        value = math.inf
    if value is None:
        return "–"
    return number(value, unit, language)


def _row_labels(entity: str, count: int, members: list[dict[str, Any]]) -> list[str]:
    if entity == "household":
        return [_("Household")]
    if entity == "family":
        return [_("Family %(n)s") % {"n": n} for n in range(1, count + 1)]
    return [member["label"] for member in members[:count]]


def shown(result: dict[str, Any], language: Language) -> dict[str, Any]:
    runs = [(run, text(f"explain.run_{run}", language)) for run in result["runs"]]
    masked = (result.get("masked") or {}).get("members") or []
    members = []
    for n, member in enumerate(result["members"], start=1):
        hidden = masked[n - 1] if n - 1 < len(masked) else {}
        described = ", ".join(
            part
            for part in (
                value_label("relationship", member.get("relationship"), language)
                if member.get("relationship")
                else "",
                value_label("sex", member.get("sex"), language) if member.get("sex") else "",
                _("%(age)s years") % {"age": member["age"]}
                if member.get("age") is not None
                else "",
            )
            if part
        )
        members.append(
            {
                "label": _("Member %(n)s") % {"n": n},
                "described": described,
                "name": hidden.get("name", ""),
                "nik": hidden.get("nik", ""),
            }
        )
    programmes = [_programme(p, runs, members, language) for p in result["programmes"]]
    return {
        "household": result["household"],
        "members": members,
        "families": result["families"],
        "runs": runs,
        "programmes": programmes,
        "period": result["period"],
    }


def _programme(
    found: dict[str, Any], runs: list[tuple[str, str]], members: list, language: Language
) -> dict[str, Any]:
    codes = [run for run, _ in runs]
    units = []
    longest = max((len(found["units"].get(run, [])) for run in codes), default=0)
    labels = _row_labels(found["entity"], longest, members)
    for k in range(longest):
        cells = []
        for run in codes:
            rows = found["units"].get(run, [])
            unit = rows[k] if k < len(rows) else None
            cells.append(
                None
                if unit is None
                else {
                    "amount": unit["amount_rp"],
                    "reason": text(f"explain.reason_{unit['reason']}", language),
                    "paid": unit["paid"],
                }
            )
        units.append({"label": labels[k] if k < len(labels) else str(k + 1), "cells": cells})
    rules = [_rule(rule, codes, members, language) for rule in found["rules"]]
    inputs = [_rule(rule, codes, members, language) for rule in found["inputs"]]
    parameters = []
    for value in found["parameters"]:
        shown = [_parameter(value["value"].get(run), value["unit"], language) for run in codes]
        references = [_said(value["reference"].get(run), language) for run in codes]
        parameters.append(
            {
                "path": value["path"],
                "description": _said(value["description"], language),
                "values": shown,
                "changed": len(set(shown)) > 1,
                "reference": references[-1] or references[0],
                "references_differ": len(set(references)) > 1,
                "references": references,
            }
        )
    return {
        "name": found["name"],
        "title": found["label"].get(language) or found["name"],
        "funder": text(f"simulate.funder_{found['funder']}", language),
        "benefits": [found["benefit_rp"].get(run) for run in codes],
        "units": units,
        "rules": rules,
        "inputs": inputs,
        "parameters": parameters,
    }


def _rule(rule: dict[str, Any], codes: list[str], members: list, language: Language) -> dict:
    formulas = [rule["formula"].get(run) for run in codes if run in rule["formula"]]
    values = rule["values"]
    first = next(iter(values.values()), [])
    labels = _row_labels(rule["entity"], len(first), members)
    rows = []
    for k, label in enumerate(labels):
        cells = [
            _value(values[run][k], language) if run in values and k < len(values[run]) else "–"
            for run in codes
        ]
        rows.append({"label": label, "cells": cells, "changed": len(set(cells)) > 1})
    return {
        "variable": rule["variable"],
        "label": rule["label"].get(language) or rule["variable"],
        "reference": _said(rule["reference"], language),
        "formulas": list(dict.fromkeys(f for f in formulas if f)),
        "rows": rows,
    }
