"""The policy brief: today's situation and the options for changing it, on one dataset, as an
editable DOCX or a PDF, Indonesian by default, every figure traceable.

::

    from sejahtera.report.brief import BriefInput, Option, build_brief, write_brief, reproduce

    brief = build_brief(BriefInput(
        data=Path("var/demo/diy"), rules="indonesia", period="2025",
        options=[Option("pkh5", "PKH sampai desil 5", reform_text=Path("pkh.yaml").read_text())],
        chosen="pkh5", rationale="…", decided_by="Kepala Bagian", decided_at=datetime.now(),
        appraisal=Appraisal([Criterion("cost", "Biaya", 2), …], {"pkh5": {"cost": 3, …}}),
        consultations=[ConsultationNote(date(2025, 5, 2), "Dinas Sosial", "…")],
        stakeholder_positions=[Position("Bappeda", "mendukung", "…")],
        monitoring=[Indicator("P0", "%", "12,9", "11,0", "tahunan", "BPS")],
        language="id"))
    write_brief(brief, Path("ringkasan.docx"))      # or .pdf
    reproduce(Path("ringkasan.docx")).ok             # every figure computed again

:func:`build_brief` computes everything (:mod:`.compute`: ``measure_of`` for the needs,
``scenario`` for today's situation once and each option against it; nothing is computed
anywhere else) and names every figure (:mod:`.figures`). Today's situation is always compared
first; an option with ``simulated=False`` is described, not computed. Sections (headings in the
brief's language): summary; the problem (poverty by kabupaten, with the map); the options
compared (cost and reach, poverty and inequality, a chart, the assumptions each run states); the
multi-criteria appraisal (when given); the recommendation (the decision recorded, or — from the
command line — that none is: the brief compares the reform with today and recommends nothing);
costs by funder; risks (derived from the results and assumptions, then those given); what
consultations said and stakeholders' positions; the monitoring plan (the Monev indicators given,
else the brief's own with today's value and the option's expected one); the appendix
"Asal-usul angka / Provenance".

Every figure is a :class:`~.model.Figure` {id, label, value, unit, computation, path}, its
computation a :class:`~.model.Computation` (dataset folder and the SHA-256 of its
``dataset.json``, ruleset name and version, the reform's text and SHA-256, period, baseline,
Sejahtera's version). The document shows them in the appendix and carries the whole provenance as
JSON (DOCX: a Custom XML part; PDF: an embedded file); :func:`reproduce` reads it back and
computes every figure again (:mod:`.provenance`).

A web page calls the same functions from a background job: ``build_brief(inp, progress)`` takes
the job's ``progress(fraction, message)``.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from sejahtera.data.regions import registry
from sejahtera.errors import SejahteraError
from sejahtera.i18n import speaking, text
from sejahtera.report import documents
from sejahtera.report.brief import compute, layout
from sejahtera.report.brief.figures import figures_of
from sejahtera.report.brief.model import (
    STATUS_QUO,
    Appraisal,
    Brief,
    BriefInput,
    ConsultationNote,
    Criterion,
    Difference,
    Figure,
    Indicator,
    Option,
    Position,
    Reproduction,
)
from sejahtera.report.brief.provenance import PROVENANCE, provenance_of, read_provenance, reproduce

__all__ = [
    "STATUS_QUO",
    "Appraisal",
    "Brief",
    "BriefInput",
    "ConsultationNote",
    "Criterion",
    "Difference",
    "Figure",
    "Indicator",
    "Option",
    "Position",
    "Reproduction",
    "build_brief",
    "read_provenance",
    "reform_option",
    "reproduce",
    "write_brief",
]


def build_brief(inp: BriefInput, progress: compute.Progress | None = None) -> Brief:
    """Compute every figure of the brief (see the module). Bad input (a missing dataset, a
    reform that does not apply, an option key used twice) is a :class:`SejahteraError` before
    any simulation runs."""
    with speaking(inp.language):
        options = compute.checked_options(inp.options)
        if inp.chosen is not None and inp.chosen not in {o.key for o in options}:
            raise SejahteraError("brief.unknown_choice", key=inp.chosen)
        table, ruleset = compute.load(Path(inp.data), inp.rules)
        sources = compute.computations(table, inp.rules, ruleset, str(inp.period), options)
        results = compute.run(table, ruleset, str(inp.period), options, progress)
        manifest = table.dataset.manifest  # type: ignore[union-attr]
        names = registry()
        region = manifest.region_code
        level = results[compute.NEEDS]["level"]
        brief = Brief(
            input=inp,
            figures=figures_of(results, options),
            computations=sources,
            results=results,
            options=options,
            region=names.name(region) if region in names else region,
            area_level=level,
            area_names={code: names.name(code) for code in results[compute.NEEDS]["areas"]},
            created=datetime.datetime.now(datetime.UTC),
            dataset_name=manifest.name or Path(table.source).name,
            synthetic=bool(manifest.synthetic),
            unverified=unverified(ruleset, str(inp.period)),
        )
        brief.provenance = provenance_of(brief)
    return brief


def unverified(ruleset: object, period: str) -> list[str]:
    """The parameters whose legal reference says they are not verified against the text."""
    day = datetime.date(int(period[:4]), 1, 1)
    out = []
    for path, leaf in ruleset.parameters.leaves.items():  # type: ignore[attr-defined]
        reference = leaf.reference_on(day) if hasattr(leaf, "reference_on") else leaf.reference
        if "unverified" in getattr(reference, "en", str(reference)).lower():
            out.append(".".join(path))
    return sorted(out)


def reform_option(path: Path, key: str = "reform") -> Option:
    """An option from a reform file (``--reform FILE``): its text, titled by the reform's
    description in the current language (else its name, else the file's name)."""
    from sejahtera.i18n import language
    from sejahtera.yamlfile import read_yaml

    content = read_yaml(Path(path), Path(path).name)
    if not isinstance(content, dict):
        raise SejahteraError("rules.not_a_reform", file=Path(path).name, line=1)
    described = content.get("description")
    if isinstance(described, dict):
        described = described.get(language()) or described.get("id")
    title = str(described or content.get("name") or Path(path).stem)
    return Option(key, title, reform_text=Path(path).read_bytes().decode("utf-8"))


def write_brief(brief: Brief, out: Path) -> None:
    """The brief as ``out``: DOCX or PDF by its suffix, in the brief's language, carrying its
    provenance. Written to a temporary file and renamed: ``out`` is whole or untouched."""
    out = Path(out)
    documents.check_out(out)
    with speaking(brief.input.language):
        meta = documents.Meta(
            title=layout.title(brief),
            language=brief.input.language,
            author=brief.input.decided_by or "Sejahtera",
            subject=text("brief.subject"),
            keywords=(text("brief.keyword"), brief.region, str(brief.input.period)),
        )
        blocks = layout.blocks(brief)
    documents.write_document(blocks, meta, out, {PROVENANCE: brief.provenance})
