"""Where every figure of a brief comes from, carried inside the document, and the reproduction
that computes each one again.

The provenance (``PROVENANCE`` in the DOCX's Custom XML part or the PDF's embedded files) is::

    {"schema": "sejahtera-brief-provenance/v1", "software": "0.x", "created": "…",
     "language": "id", "data": "/…/diy", "rules": "indonesia", "period": "2025",
     "options": [{"key", "title", "reform_text", "description", "simulated"}, …],
     "computations": {"needs" | "status_quo" | "option:<key>":
         {dataset_folder, dataset_checksum, ruleset, ruleset_version, period, baseline,
          software, reform_text, reform_sha256, method}},
     "figures": [{"id", "label", "value", "unit", "computation", "path"}, …]}

:func:`reproduce` reads it, checks the dataset (its ``dataset.json`` checksum, and every file
against the checksum the manifest records), the ruleset's version and each reform's text against
its SHA-256, runs the same computations (:func:`.compute.run`) and compares every figure: money
and counts exactly, shares and the Gini within :data:`~.model.REL_TOLERANCE` (relative).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sejahtera.errors import SejahteraError
from sejahtera.i18n import local_number, text
from sejahtera.report import documents
from sejahtera.report.brief import compute
from sejahtera.report.brief.figures import found, lookup
from sejahtera.report.brief.model import (
    EXACT_UNITS,
    REL_TOLERANCE,
    Brief,
    Difference,
    Option,
    Reproduction,
)
from sejahtera.rules.ruleset import ruleset_version

PROVENANCE = "provenance"
SCHEMA = "sejahtera-brief-provenance/v1"


def provenance_of(brief: Brief) -> dict[str, Any]:
    """The brief's provenance as plain data (see the module)."""
    inp = brief.input
    return {
        "schema": SCHEMA,
        "software": next(iter(brief.computations.values())).software,
        "created": brief.created.isoformat(timespec="seconds"),
        "language": inp.language,
        "title": brief.input.title,
        "data": str(Path(inp.data).resolve()),
        "rules": inp.rules,
        "period": str(inp.period),
        "options": [option.__dict__ for option in brief.options],
        "computations": {key: c.to_dict() for key, c in brief.computations.items()},
        "figures": [figure.to_dict() for figure in brief.figures.values()],
    }


def read_provenance(path: Path) -> dict[str, Any]:
    """The provenance a brief carries, checked for the parts a reproduction reads."""
    found_data = documents.read_attachment(Path(path), PROVENANCE)
    keys = ("data", "rules", "period", "options", "computations", "figures")
    if (
        not isinstance(found_data, dict)
        or found_data.get("schema") != SCHEMA
        or any(key not in found_data for key in keys)
    ):
        raise SejahteraError("brief.not_a_brief", path=path)
    return found_data


def reproduce(path: Path, data: Path | None = None) -> Reproduction:
    """Every figure of the brief at ``path`` computed again on the dataset it names (or
    ``data``), with what differs: the dataset, the ruleset's version, a reform, a figure."""
    recorded = read_provenance(Path(path))
    try:
        options = [Option(**option) for option in recorded["options"]]
        figures = list(recorded["figures"])
        sources = dict(recorded["computations"])
    except TypeError:
        raise SejahteraError("brief.not_a_brief", path=path) from None
    folder = Path(data) if data is not None else Path(recorded["data"])
    if not folder.is_dir():
        raise SejahteraError("brief.dataset_missing", path=folder, recorded=recorded["data"])
    differences = _changed_inputs(sources, folder)
    try:
        table, ruleset = compute.load(folder, recorded["rules"])
    except SejahteraError as error:
        if not error.key.startswith("dataset."):
            raise
        # A data file no longer matches the checksum its manifest records.
        differences.append(
            Difference(text("brief.diff_dataset_files", path=folder), "", str(error))
        )
        return Reproduction(Path(path), len(figures), 0, differences)
    version = ruleset_version(ruleset)
    was = {c.get("ruleset_version") for c in sources.values()}
    if was != {version}:
        what = text("brief.diff_ruleset", rules=recorded["rules"])
        differences.append(Difference(what, ", ".join(sorted(map(str, was))), version))
    results = compute.run(table, ruleset, str(recorded["period"]), options)
    reproduced = 0
    for figure in figures:
        now = lookup(results.get(figure["computation"], {}), figure["path"])
        if found(now) and same(figure["value"], now, figure["unit"]):
            reproduced += 1
            continue
        shown = _number(now) if found(now) else text("brief.not_computed")
        what = text("brief.diff_figure", label=figure["label"], id=figure["id"])
        differences.append(Difference(what, _number(figure["value"]), shown))
    return Reproduction(Path(path), len(figures), reproduced, differences)


def _changed_inputs(sources: dict[str, Any], folder: Path) -> list[Difference]:
    """The dataset's checksum and each reform's text against what the brief recorded."""
    out = []
    checksums = {c.get("dataset_checksum") for c in sources.values()}
    now = compute.dataset_checksum(folder)
    if checksums != {now}:
        what = text("brief.diff_dataset", path=folder)
        out.append(Difference(what, ", ".join(sorted(map(str, checksums))), now))
    for key, source in sources.items():
        reform = source.get("reform_text")
        if reform is not None and compute.text_sha256(reform) != source.get("reform_sha256"):
            what = text("brief.diff_reform", option=key)
            out.append(
                Difference(what, str(source.get("reform_sha256")), compute.text_sha256(reform))
            )
    return out


def same(recorded: Any, now: Any, unit: str) -> bool:
    """Money and counts exactly; other figures within the relative tolerance."""
    if recorded is None or now is None:
        return recorded is None and now is None
    if not isinstance(recorded, int | float) or not isinstance(now, int | float):
        return False
    if unit in EXACT_UNITS:
        return float(recorded) == float(now)
    return math.isclose(recorded, now, rel_tol=REL_TOLERANCE, abs_tol=1e-15)


def _number(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return local_number(float(value), ".15g")
    return "–" if value is None else str(value)
