"""What could go wrong, read from the results and the stated assumptions, and the monitoring
plan: the indicators given (from Monev), or the brief's own with today's value and the value the
option is expected to reach."""

from __future__ import annotations

from sejahtera.i18n import format_number, text
from sejahtera.report.brief.compute import option_key
from sejahtera.report.brief.model import STATUS_QUO, Brief, Option
from sejahtera.report.documents import Cell

HIGH_INCLUSION = 0.25  # above this share of non-poor among those reached, a risk is named
HIGH_EXCLUSION = 0.25  # above this share of the poor not reached
SMALL_CHANGE = 0.0001  # a change of P0 below 0.01 percentage point is "hardly any"
BILLION = 1e9


def rupiah(value: float | None) -> str:
    """Rupiah billions in words' order: ``Rp222,9`` or ``-Rp111,5`` (a saving)."""
    if value is None:
        return "–"
    shown = format_number(abs(value) / BILLION, None, 1)
    return ("-" if value < 0 and shown.strip("0,.") else "") + "Rp" + shown


def _value(brief: Brief, option: Option, name: str) -> float | None:
    found = brief.figures.get(f"{option_key(option)}.{name}")
    return None if found is None else found.value


def _percent(value: float | None) -> str:
    return format_number(value, None, 1, percent=True)


def risks(brief: Brief) -> list[str]:
    """Derived risks first (data, quotas, take-up, unverified parameters, targeting errors,
    losers, small effects, the model's notes), then those the caller gave."""
    out: list[str] = []
    if brief.synthetic:
        out.append(text("brief.risk_synthetic"))
    today = brief.results[STATUS_QUO]
    quota = [name for name, source in today.get("status_quo", {}).items() if source == "quota"]
    if quota:
        out.append(text("brief.risk_quota", programmes=", ".join(quota)))
    if brief.unverified:
        out.append(text("brief.risk_unverified", parameters=", ".join(brief.unverified)))
    for option in brief.options:
        if option.key != STATUS_QUO and not option.simulated:
            out.append(text("brief.risk_not_simulated", option=option.title))
            continue
        out += _targeting(brief, option)
        if option.key == STATUS_QUO:
            continue
        if (_value(brief, option, "winners") or 0) > 0:
            out.append(text("brief.risk_take_up", option=option.title))
        losers = _value(brief, option, "losers") or 0
        if losers > 0:
            out.append(
                text("brief.risk_losers", option=option.title, households=format_number(losers))
            )
        # A region decides its own budget (APBD, Dana Desa through the desa), not the national
        # programmes' (PKH, Sembako, PBI, PIP are Kemensos' and Kemendikbud's, on APBN).
        national = _value(brief, option, "net_cost_apbn") or 0
        if abs(national) >= 1:
            out.append(text("brief.risk_national", option=option.title, amount=rupiah(national)))
        change = _value(brief, option, "change_p0") or 0
        if abs(change) < SMALL_CHANGE and (_value(brief, option, "net_cost") or 0) > 0:
            out.append(text("brief.risk_small_effect", option=option.title))
    out += [str(note) for note in today.get("notes", [])]
    out += list(brief.input.risks)
    return out


def _targeting(brief: Brief, option: Option) -> list[str]:
    out = []
    inclusion = _value(brief, option, "inclusion")
    exclusion = _value(brief, option, "exclusion")
    if inclusion is not None and inclusion > HIGH_INCLUSION:
        out.append(text("brief.risk_inclusion", option=option.title, share=_percent(inclusion)))
    if exclusion is not None and exclusion > HIGH_EXCLUSION:
        out.append(text("brief.risk_exclusion", option=option.title, share=_percent(exclusion)))
    return out


def expected_option(brief: Brief) -> Option | None:
    """The option whose expected values the plan gives: the one chosen (none when it was not
    simulated; today's situation when that was chosen), else the first simulated option."""
    if brief.input.chosen is not None:
        chosen = next(o for o in brief.options if o.key == brief.input.chosen)
        return chosen if chosen.key == STATUS_QUO or chosen.simulated else None
    candidates = [o for o in brief.options[1:] if o.simulated]
    return candidates[0] if candidates else None


def monitoring_rows(brief: Brief) -> tuple[list[str], list[list[Cell]], str]:
    """The monitoring table's header, rows and the note under it."""
    given = brief.input.monitoring
    if given:
        header = [
            text(f"brief.column_{key}")
            for key in ("indicator", "unit", "baseline", "target", "frequency", "source")
        ]
        rows: list[list[Cell]] = [
            [i.name, i.unit, i.baseline, i.target, i.frequency, i.source] for i in given
        ]
        return header, rows, text("brief.monitoring_given")
    option = expected_option(brief)
    target = option.title if option else "–"
    header = [
        text("brief.column_indicator"),
        text("brief.column_today"),
        text("brief.column_expected", option=target),
        text("brief.column_frequency"),
    ]
    today = brief.options[0]
    rows = []
    for name, decimals in (("p0", 2), ("coverage", 1), ("exclusion", 1), ("inclusion", 1)):
        now = _value(brief, today, name)
        then = _value(brief, option, name) if option else None
        rows.append(
            [
                text(f"brief.indicator_{name}"),
                format_number(now, None, decimals, percent=True),
                format_number(then, None, decimals, percent=True),
                text(f"brief.frequency_{'year' if name == 'p0' else 'cycle'}"),
            ]
        )
    return header, rows, text("brief.monitoring_derived", dataset=brief.dataset_name)
