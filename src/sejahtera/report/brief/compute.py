"""The brief's computations, run through the service layer and nothing else:

* ``needs``: poverty today by :func:`sejahtera.measure.measurement.measure_of` (what
  ``sejahtera measure`` gives), for the whole region and by kabupaten (kecamatan when the data
  covers one kabupaten);
* ``status_quo``: today's programmes, :func:`sejahtera.simulate.scenario.scenario` with no reform
  (``sejahtera simulate --json``), its :class:`~sejahtera.simulate.scenario.Start` made once;
* ``option:<key>``: each simulated option's reform against that same start (``sejahtera simulate
  --reform FILE --json``).

Each result is the core's plain data (``to_dict()``); a figure of the brief is a path into one
of them (:mod:`.figures`). :func:`run` is what :func:`~sejahtera.report.brief.build_brief` and
:func:`~sejahtera.report.brief.reproduce` both call, so a reproduction computes exactly what the
brief did.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sejahtera
from sejahtera.data.dataset import MANIFEST
from sejahtera.data.frame import Table, as_table
from sejahtera.errors import SejahteraError
from sejahtera.i18n import text
from sejahtera.measure.measurement import measure_of
from sejahtera.report.brief.model import STATUS_QUO, Computation, Option
from sejahtera.rules.ruleset import Ruleset, load_ruleset, ruleset_version
from sejahtera.simulate.scenario import Start, dataset_tables, reformed_rules, scenario

Progress = Callable[[float, str], None]
NEEDS = "needs"
NEEDS_INDICATORS = ("fgt0", "fgt1", "gini", "poor_count")
AREA_INDICATORS = ("fgt0", "poor_count")


def option_key(option: Option) -> str:
    return STATUS_QUO if option.key == STATUS_QUO else f"option:{option.key}"


def dataset_checksum(folder: Path) -> str:
    """SHA-256 of the dataset's ``dataset.json`` (which holds the SHA-256 of every data file):
    the checksum the workbench gives a dataset version."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise SejahteraError("dataset.not_found", path=folder)
    return hashlib.sha256(manifest.read_bytes()).hexdigest()


def text_sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def checked_options(options: Sequence[Option]) -> list[Option]:
    """Today first, then each option once, keys checked: a clear refusal before any work."""
    keys = [option.key for option in options]
    for key in keys:
        if not key or not all(c.isalnum() or c in "_-" for c in key):
            raise SejahteraError("brief.bad_option_key", key=key)
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise SejahteraError("brief.repeated_option", key=", ".join(repeated))
    today = next((o for o in options if o.key == STATUS_QUO), None)
    if today is not None and today.reform_text is not None:
        raise SejahteraError("brief.status_quo_reform")
    for option in options:
        if option.key != STATUS_QUO and option.simulated and not option.reform_text:
            raise SejahteraError("brief.no_reform", key=option.key)
    first = today or Option(STATUS_QUO, text("brief.today"))
    return [first, *(o for o in options if o.key != STATUS_QUO)]


def reformed(ruleset: Ruleset, option: Option) -> Ruleset:
    """The option's reform applied to ``ruleset`` (from its text, as ``--reform FILE`` would)."""
    with tempfile.TemporaryDirectory(prefix="sejahtera-brief-") as folder:
        path = Path(folder, f"{option.key}.yaml")
        path.write_text(option.reform_text or "", "utf-8")
        return reformed_rules(ruleset, path, "status_quo")


def computations(
    table: Table, rules: str, ruleset: Ruleset, period: str, options: Sequence[Option]
) -> dict[str, Computation]:
    """How each result is computed: the dataset, ruleset, period and reform it depends on."""
    folder = Path(table.source).resolve()
    common = {
        "dataset_folder": str(folder),
        "dataset_checksum": dataset_checksum(folder),
        "ruleset": rules,
        "ruleset_version": ruleset_version(ruleset),
        "period": str(period),
        "baseline": STATUS_QUO,
        "software": sejahtera.__version__,
    }
    simulate = f"--rules {rules} --period {period}"  # the equivalent commands
    out = {
        NEEDS: Computation(
            NEEDS,
            **common,
            method=f"sejahtera measure DATA --indicators {','.join(NEEDS_INDICATORS)}; "
            f"sejahtera measure DATA --by {area_level(table)} "
            f"--indicators {','.join(AREA_INDICATORS)}",
        ),
        STATUS_QUO: Computation(
            STATUS_QUO, **common, method=f"sejahtera simulate DATA {simulate} --json"
        ),
    }
    for option in options:
        if option.key != STATUS_QUO and option.simulated:
            key = option_key(option)
            out[key] = Computation(
                key,
                **common,
                reform_text=option.reform_text,
                reform_sha256=text_sha256(option.reform_text or ""),
                method=f"sejahtera simulate DATA {simulate} --reform REFORM --json",
            )
    return out


def area_level(table: Table) -> str:
    """Kabupaten, or kecamatan when the data covers one kabupaten."""
    frame = table.frame
    one = "regency_code" in frame and frame["regency_code"].nunique() == 1
    if one and "district_code" in frame and frame["district_code"].notna().all():
        return "district_code"
    return "regency_code"


def needs(table: Table, level: str) -> dict[str, Any]:
    """Poverty today: the whole region, and by area (``sejahtera measure DATA --by LEVEL``)."""
    overall = measure_of(table, indicators=list(NEEDS_INDICATORS)).estimates.tidy()
    by_area = measure_of(table, by=[level], indicators=list(AREA_INDICATORS)).estimates.tidy()
    result: dict[str, Any] = {
        "overall": {row["indicator"]: row["estimate"] for row in overall.to_dict("records")},
        "population": float(overall["population"].iloc[0]),
        "level": level,
        "areas": {},
    }
    for row in by_area.to_dict("records"):
        area = result["areas"].setdefault(str(row[level]), {"population": row["population"]})
        area[row["indicator"]] = row["estimate"]
        if row["indicator"] == "fgt0":
            area["fgt0_se"] = row["se"]
            area["n"] = row["n"]
    return plain(result)


def run(
    table: Table,
    ruleset: Ruleset,
    period: str,
    options: Sequence[Option],
    progress: Progress | None = None,
) -> dict[str, dict[str, Any]]:
    """Every result of the brief, by computation key. Every reform is applied (and checked)
    before the data is simulated; today's situation is computed once."""
    told = progress or (lambda fraction, message: None)
    simulated = [o for o in options if o.key != STATUS_QUO and o.simulated]
    reforms = {option_key(o): reformed(ruleset, o) for o in simulated}
    told(0.05, text("brief.progress_needs"))
    results = {NEEDS: needs(table, area_level(table))}
    told(0.2, text("brief.progress_status_quo"))
    persons, households = dataset_tables(table)
    start = Start(ruleset, persons, households, period)
    results[STATUS_QUO] = plain(scenario(ruleset, persons, households, period, start=start).report)
    for number, (key, rules) in enumerate(reforms.items()):
        told(0.4 + 0.55 * number / len(reforms), text("brief.progress_option", option=key[7:]))
        found = scenario(ruleset, persons, households, period, reform=rules, start=start)
        results[key] = plain(found.report)
    told(0.95, text("brief.progress_writing"))
    return results


def load(data: Path, rules: str) -> tuple[Table, Ruleset]:
    """The dataset (its files checked against their checksums) and the ruleset."""
    ruleset = load_ruleset(rules)
    table = as_table(Path(data))
    if table.dataset is None:
        raise SejahteraError("simulate.needs_dataset", path=data)
    return table, ruleset


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: numpy numbers as Python's, NaN and infinities as ``None``."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool | str) or value is None:
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value
