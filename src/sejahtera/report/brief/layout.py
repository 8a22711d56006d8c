"""A computed brief laid out as document blocks (:mod:`sejahtera.report.documents`), in the
brief's language: every number shown is one of the brief's figures (:class:`~.model.Figure`),
so the appendix can say where each comes from.
"""

from __future__ import annotations

from collections.abc import Sequence

from sejahtera.i18n import format_number, text
from sejahtera.report.brief.compute import option_key
from sejahtera.report.brief.model import STATUS_QUO, Brief, Option
from sejahtera.report.brief.risks import BILLION, monitoring_rows, risks, rupiah
from sejahtera.report.charts import bar_chart
from sejahtera.report.documents import (
    Block,
    Bullets,
    Figure,
    Heading,
    Number,
    Paragraph,
    Table,
)
from sejahtera.report.maps import choropleth
from sejahtera.report.svg import number_format
from sejahtera.rules.programmes import FUNDERS

UNIT_DECIMALS = {"IDR/year": 0, "persons": 1, "households": 1}  # else 6 (shares, the Gini)


def money(value: float | None) -> Number:
    """Rupiah as billions (miliar) with one decimal."""
    return Number(None if value is None else value / BILLION, 1)


def share(value: float | None, decimals: int = 1) -> Number:
    return Number(value, decimals, percent=True)


def points(value: float | None) -> Number:
    """A change of a share in percentage points."""
    return Number(None if value is None else value * 100, 2)


def count(value: float | None) -> Number:
    return Number(value, 0)


def blocks(brief: Brief) -> list[Block]:
    """The whole brief, section by section."""
    out: list[Block] = [Heading(title(brief), 0), Paragraph(subtitle(brief), note=True)]
    out += summary(brief)
    out += problem(brief)
    out += compared(brief)
    out += appraisal(brief)
    out += recommendation(brief)
    out += funders(brief)
    out += risk_section(brief)
    out += consultations(brief)
    out += monitoring(brief)
    out += appendix(brief)
    return out


def title(brief: Brief) -> str:
    return brief.input.title or text("brief.default_title", region=brief.region)


def subtitle(brief: Brief) -> str:
    said = text(
        "brief.subtitle",
        region=brief.region,
        period=brief.input.period,
        dataset=brief.dataset_name,
        date=brief.created.date().isoformat(),
    )
    return said + (" " + text("brief.synthetic") if brief.synthetic else "")


def simulated(brief: Brief) -> list[Option]:
    """Today and the options with figures."""
    return [o for o in brief.options if o.key == STATUS_QUO or o.simulated]


def figure(brief: Brief, option: Option, name: str) -> float | None:
    found = brief.figures.get(f"{option_key(option)}.{name}")
    return None if found is None else found.value


def summary(brief: Brief) -> list[Block]:
    today = brief.options[0]
    out: list[Block] = [Heading(text("brief.section_summary"))]
    out.append(
        Paragraph(
            text(
                "brief.summary_needs",
                region=brief.region,
                period=brief.input.period,
                p0=format_number(brief.value("needs.p0"), None, 1, percent=True),
                poor=format_number(brief.value("needs.poor")),
            )
        )
    )
    out.append(
        Paragraph(
            text(
                "brief.summary_today",
                cost=format_number(figure(brief, today, "cost") / BILLION, None, 1),
                coverage=format_number(figure(brief, today, "coverage"), None, 1, percent=True),
                unreached=format_number(figure(brief, today, "unreached")),
            )
        )
    )
    lines = [option_line(brief, o) for o in brief.options[1:]]
    if lines:
        out.append(Bullets(lines))
    out.append(Paragraph(decision_line(brief)))
    return out


def option_line(brief: Brief, option: Option) -> str:
    if not option.simulated:
        return text("brief.summary_not_simulated", option=option.title)
    return text(
        "brief.summary_option",
        option=option.title,
        net=rupiah(figure(brief, option, "net_cost")),
        newly=format_number(figure(brief, option, "newly_reached")),
        change=format_number((figure(brief, option, "change_p0") or 0) * 100, None, 2),
    )


def decision_line(brief: Brief) -> str:
    inp = brief.input
    chosen = next((o for o in brief.options if o.key == inp.chosen), None)
    if chosen is None:
        return text("brief.no_decision")
    return text(
        "brief.decided",
        option=chosen.title,
        who=inp.decided_by or "–",
        when=inp.decided_at.date().isoformat() if inp.decided_at else "–",
    )


def problem(brief: Brief) -> list[Block]:
    needs = brief.results["needs"]
    level = text(f"brief.level_{brief.area_level}")
    out: list[Block] = [
        Heading(text("brief.section_problem")),
        Paragraph(
            text(
                "brief.problem_text",
                p0=format_number(brief.value("needs.p0"), None, 2, percent=True),
                poor=format_number(brief.value("needs.poor")),
                population=format_number(brief.value("needs.population")),
                p1=format_number(brief.value("needs.p1"), None, 2, percent=True),
                gini=format_number(brief.value("needs.gini"), None, 3),
            )
        ),
    ]
    codes = sorted(needs["areas"], key=lambda c: -(brief.value(f"needs.area.{c}.fgt0") or 0))
    rows = [
        [
            brief.area_names.get(code, code),
            share(brief.value(f"needs.area.{code}.fgt0"), 2),
            count(brief.value(f"needs.area.{code}.poor_count")),
        ]
        for code in codes
    ]
    header = [level, text("brief.column_p0"), text("brief.column_poor")]
    out.append(Table(header, rows, text("brief.table_areas", level=level)))
    svg = area_map(brief, codes)
    if svg:
        out.append(Figure(svg, text("brief.map_caption", level=level), width=0.75))
    out.append(Paragraph(text("brief.problem_source"), note=True))
    return out


def area_map(brief: Brief, codes: Sequence[str]) -> str:
    from sejahtera.data.regions import common_parent
    from sejahtera.errors import SejahteraError

    values = {code: brief.value(f"needs.area.{code}.fgt0") for code in codes}
    try:
        return choropleth(
            values,
            parent=common_parent(list(codes)),
            title=text("brief.map_title"),
            legend_title=text("brief.column_p0"),
            fmt=number_format(1, percent=True),
        )
    except SejahteraError:  # boundaries below kabupaten ship for DI Yogyakarta only
        return ""


def compared(brief: Brief) -> list[Block]:
    out: list[Block] = [Heading(text("brief.section_options"))]
    described = [
        f"{o.title}"
        + (f": {o.description}" if o.description else "")
        + ("" if o.key == STATUS_QUO or o.simulated else f" ({text('brief.not_simulated')})")
        for o in brief.options
    ]
    out.append(Bullets(described))
    cost_rows, poverty_rows = [], []
    for option in simulated(brief):
        today = option.key == STATUS_QUO

        def get(name: str, option: Option = option, today: bool = today) -> float | None:
            return (
                None
                if today and name.startswith(("net_", "newly", "change"))
                else figure(brief, option, name)
            )

        cost_rows.append(
            [
                option.title,
                money(get("cost")),
                money(get("net_cost")),
                count(get("newly_reached")),
                share(get("coverage")),
                share(get("exclusion")),
                share(get("inclusion")),
            ]
        )
        poverty_rows.append(
            [
                option.title,
                share(get("p0"), 2),
                points(get("change_p0")),
                points(get("change_p1")),
                Number(get("gini"), 3),
                Number(get("change_gini"), 4),
            ]
        )
    out.append(Table(cost_header(), cost_rows, text("brief.table_cost")))
    out.append(Table(poverty_header(), poverty_rows, text("brief.table_poverty")))
    out.append(Figure(options_chart(brief), text("brief.chart_caption")))
    out.append(Paragraph(text("brief.options_reading"), note=True))
    out += assumption_notes(brief)
    return out


def cost_header() -> list[str]:
    keys = ("option", "cost", "net_cost", "newly", "coverage", "exclusion", "inclusion")
    return [text(f"brief.column_{key}") for key in keys]


def poverty_header() -> list[str]:
    keys = ("option", "p0", "change_p0", "change_p1", "gini", "change_gini")
    return [text(f"brief.column_{key}") for key in keys]


def options_chart(brief: Brief) -> str:
    shown = simulated(brief)
    return bar_chart(
        [o.title for o in shown],
        [figure(brief, o, "p0") for o in shown],
        title=text("brief.chart_title"),
        fmt=number_format(2, percent=True),
        reference=figure(brief, shown[0], "p0"),
        reference_label=text("brief.chart_reference"),
    )


def assumption_notes(brief: Brief) -> list[Block]:
    """The assumptions each run states (today's, then what an option states besides)."""
    today = brief.results[STATUS_QUO].get("assumptions", [])
    out: list[Block] = [Paragraph(text("brief.assumptions_today"), note=True), Bullets(today)]
    for option in simulated(brief)[1:]:
        own = brief.results[option_key(option)]["reform"].get("assumptions", [])
        extra = [a for a in own if a not in today]
        if extra:
            out.append(Paragraph(text("brief.assumptions_option", option=option.title), note=True))
            out.append(Bullets(extra))
    return out


def appraisal(brief: Brief) -> list[Block]:
    given = brief.input.appraisal
    if given is None:
        return []
    header = [text("brief.column_option")]
    header += [
        text("brief.column_criterion", criterion=c.title, weight=format_number(c.weight, None, 2))
        for c in given.criteria
    ]
    header.append(text("brief.column_weighted"))
    rows = []
    for option in brief.options:
        scores = given.scores.get(option.key, {})
        rows.append(
            [
                option.title,
                *(Number(scores.get(c.key), 2) for c in given.criteria),
                Number(given.weighted(option.key), 2),
            ]
        )
    ranked = sorted(
        (o for o in brief.options if given.weighted(o.key) is not None),
        key=lambda o: -given.weighted(o.key),  # type: ignore[operator]
    )
    out: list[Block] = [Heading(text("brief.section_appraisal")), Table(header, rows)]
    if ranked:
        out.append(Paragraph(text("brief.appraisal_first", option=ranked[0].title)))
    return out


def recommendation(brief: Brief) -> list[Block]:
    inp = brief.input
    out: list[Block] = [Heading(text("brief.section_recommendation"))]
    out.append(Paragraph(decision_line(brief)))
    if inp.rationale:
        out.append(Paragraph(text("brief.rationale")))
        out.append(Paragraph(inp.rationale))
    if inp.chosen is None:
        out.append(Paragraph(text("brief.cli_recommendation")))
    return out


def funders(brief: Brief) -> list[Block]:
    shown = simulated(brief)
    header = [text("brief.column_funder"), *(o.title for o in shown)]
    rows = [
        [
            text(f"simulate.funder_{funder}"),
            *(money(figure(brief, o, f"cost_{funder}")) for o in shown),
        ]
        for funder in FUNDERS
    ]
    rows.append([text("brief.total"), *(money(figure(brief, o, "cost")) for o in shown)])
    return [
        Heading(text("brief.section_funders")),
        Table(header, rows, text("brief.table_funders")),
        Paragraph(text("brief.funders_note"), note=True),
    ]


def risk_section(brief: Brief) -> list[Block]:
    return [Heading(text("brief.section_risks")), Bullets(risks(brief))]


def consultations(brief: Brief) -> list[Block]:
    inp = brief.input
    out: list[Block] = [Heading(text("brief.section_consultations"))]
    if inp.consultations:
        rows = [[c.date.isoformat(), c.with_whom, c.said] for c in inp.consultations]
        header = [text(f"brief.column_{k}") for k in ("date", "with_whom", "said")]
        out.append(Table(header, rows))
    else:
        out.append(Paragraph(text("brief.no_consultations")))
    if inp.stakeholder_positions:
        rows = [[p.organisation, p.position, p.note] for p in inp.stakeholder_positions]
        header = [text(f"brief.column_{k}") for k in ("organisation", "position", "note")]
        out.append(Table(header, rows, text("brief.table_positions")))
    return out


def monitoring(brief: Brief) -> list[Block]:
    header, rows, note = monitoring_rows(brief)
    return [
        Heading(text("brief.section_monitoring")),
        Table(header, rows),
        Paragraph(note, note=True),
    ]


def appendix(brief: Brief) -> list[Block]:
    out: list[Block] = [
        Heading(text("brief.section_provenance")),
        Paragraph(text("brief.provenance_text")),
    ]
    header = [text(f"brief.column_{k}") for k in ("computation", "inputs")]
    rows = []
    for key, source in brief.computations.items():
        inputs = text(
            "brief.computation_inputs",
            folder=source.dataset_folder,
            checksum=source.dataset_checksum,
            rules=source.ruleset,
            version=source.ruleset_version,
            period=source.period,
            software=source.software,
        )
        if source.reform_sha256:
            inputs += " " + text("brief.computation_reform", sha=source.reform_sha256)
        rows.append([key, f"{inputs} {source.method}"])
    out.append(Table(header, rows, text("brief.table_computations")))
    header = [text(f"brief.column_{k}") for k in ("id", "label", "value", "unit", "computation")]
    rows = [
        [
            f.id,
            f.label,
            Number(f.value, UNIT_DECIMALS.get(f.unit, 6)),
            text(f"brief.unit_{f.unit.replace('/', '_').lower()}"),
            f.computation,
        ]
        for f in brief.figures.values()
    ]
    out.append(Table(header, rows, text("brief.table_figures")))
    for option in simulated(brief)[1:]:
        out.append(Paragraph(text("brief.reform_text", option=option.title), note=True))
        out.append(Paragraph(option.reform_text or "", note=True))
    return out
