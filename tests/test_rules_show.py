"""`sejahtera rules show`: the shipped ruleset's programmes and parameters, checked against its
YAML and CSV files read here with yaml.safe_load and csv, not through the code under test."""

from __future__ import annotations

import csv
import datetime
import json
import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from sejahtera.cli import main

RULESET = Path(__file__).resolve().parent.parent / "src/sejahtera/rulesets/indonesia"


def run(*args: str, language: str = "id"):
    return CliRunner().invoke(main, ["--lang", language, "rules", "show", *args])


def shown(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def leaves(tree: dict, prefix: tuple[str, ...] = ()) -> dict[str, dict]:
    """Every parameter of a parameter file, by dotted path (a leaf has ``values``)."""
    found = {}
    for key, child in tree.items():
        if isinstance(child, dict) and "values" in child:
            found[".".join((*prefix, key))] = child
        elif isinstance(child, dict) and key != "metadata":
            found |= leaves(child, (*prefix, key))
    return found


def parameters() -> dict[str, dict]:
    found = {}
    for path in sorted((RULESET / "parameters").glob("*.yaml")):
        found |= leaves(yaml.safe_load(path.read_text("utf-8")), (path.stem,))
    return found


def programmes() -> dict[str, dict]:
    return yaml.safe_load((RULESET / "programmes.yaml").read_text("utf-8"))


def in_force(entry: dict, day: datetime.date) -> object:
    started = [start for start in entry["values"] if start <= day]
    return entry["values"][max(started)]["value"] if started else None


def block(output: str, path: str) -> list[str]:
    """The lines of one parameter in the text output: its own line and the indented ones below."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {path}: "))
    rest = lines[start + 1 :]
    end = next((i for i, line in enumerate(rest) if not line.startswith("    ")), len(rest))
    return [lines[start], *rest[:end]]


def test_a_value_that_changed_is_shown_as_it_was_on_the_date() -> None:
    entry = parameters()["pkh.components.elderly_min_age"]
    path = "pkh.components.elderly_min_age"
    for day, years in (("2025-01-01", 70), ("2018-06-01", 60)):
        assert in_force(entry, datetime.date.fromisoformat(day)) == years
        result = run("pkh", "--rules", "indonesia", "--date", day)
        assert result.exit_code == 0, result.output
        lines = block(result.stdout, path)
        assert lines[0] == f"  {path}: {years} tahun"
        reference = in_language(cited(entry, datetime.date.fromisoformat(day)), "id")
        assert f"    Rujukan: {reference}" in lines
        assert "Permensos 1/2018" in in_language(entry["metadata"]["reference"], "id")
    assert "    sejak 2018-01-01, diganti mulai 2019-01-01" in block(result.stdout, path)


def test_amounts_follow_the_language() -> None:
    value = in_force(parameters()["sembako.amount"], datetime.date(2025, 1, 1))
    english = f"Rp{value:,}"
    indonesian = english.replace(",", ".")
    assert (indonesian, english) == ("Rp200.000", "Rp200,000")
    for language, amount, month in (("id", indonesian, "sebulan"), ("en", english, "a month")):
        result = run("sembako", "--rules", "indonesia", "--date", "2025-01-01", language=language)
        assert result.exit_code == 0, result.output
        assert f"  sembako.amount: {amount} {month}" in result.stdout.splitlines()


def test_regional_values_are_listed_with_the_region_name() -> None:
    path = "blt_dana_desa.dana_desa_per_village"
    with (RULESET / "regional" / f"{path}.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["region_code"]: row for row in csv.DictReader(handle)}
    gunungkidul = rows["34.03"]
    found = shown("blt_dana_desa", "--rules", "indonesia", "--date", "2025-01-01")
    parameter = next(p for p in found["parameters"] if p["path"] == path)
    regional = {row["region"]: row for row in parameter["regional"]}
    assert set(regional) == set(rows)
    assert regional["34.03"]["value"] == float(gunungkidul["value"])
    english = gunungkidul.get("reference_en") or gunungkidul["reference"]
    written = {"id": gunungkidul["reference"], "en": english}
    assert regional["34.03"]["reference"] in (written, gunungkidul["reference"])
    assert regional["34.03"]["reference"] == (
        gunungkidul["reference"] if english == gunungkidul["reference"] else written
    )
    assert "Gunungkidul" in regional["34.03"]["name"]
    text = run("blt_dana_desa", "--rules", "indonesia", "--date", "2025-01-01").stdout
    amount = f"Rp{int(gunungkidul['value']):,}".replace(",", ".")
    line = next(line for line in block(text, path) if line.strip().startswith("34.03 "))
    assert "Gunungkidul" in line and f"{amount} setahun" in line
    assert "(sejak 2025-01-01)" in line


def test_an_unknown_programme_lists_the_known_ones() -> None:
    result = run("pkx", "--rules", "indonesia", language="en")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "pkx" in result.output
    for name in programmes():
        assert name in result.output


def test_a_date_with_no_value_in_force_does_not_fail() -> None:
    result = run("pkh", "--rules", "indonesia", "--date", "2017-06-01")
    assert result.exit_code == 0, result.output
    lines = block(result.stdout, "pkh.components.elderly_min_age")
    assert lines[0].endswith(": tidak berlaku")
    assert "    berlaku mulai 2018-01-01" in lines
    english = run("pkh", "--rules", "indonesia", "--date", "2017-06-01", language="en").stdout
    assert "pkh.max_desil: not in force" in english


def test_json_lists_every_programme_then_the_parameters_of_none() -> None:
    declared, known = programmes(), parameters()
    found = shown("--rules", "indonesia", "--date", "2025-01-01")
    assert found["date"] == "2025-01-01" and found["programme"] is None
    assert [p["name"] for p in found["programmes"]] == list(declared)
    owned: set[str] = set()
    for programme in found["programmes"]:
        entry = declared[programme["name"]]
        assert programme["funder"] == entry["funder"]
        assert programme["unit"] == entry["unit"]
        assert programme["label"] == entry["label"]
        named = [p for paths in entry.get("levers", {}).values() for p in _listed(paths)]
        named += [v for k, v in entry.get("quota", {}).items() if k != "area"]
        named += [entry[k] for k in ("take_up", "consumed", "switch") if k in entry]
        under = [path for path in known if path.split(".")[0] == programme["name"]]
        assert set(programme["parameters"]) == set(under) | set(named)
        owned |= set(programme["parameters"])
    shared = [p["path"] for p in found["parameters"]]
    assert shared == [path for path in known if path not in owned]
    assert shared and all(path.startswith("scenario.") for path in shared)


def cited(entry: dict, day: datetime.date) -> str | dict[str, str]:
    """The reference shown on ``day``: the value's own (if given), then the parameter's; as the
    YAML writes texts, one string for both languages or ``{id, en}``."""
    values = entry["values"]
    start = max(d for d in values if d <= day)
    own = values[start].get("reference") if isinstance(values[start], dict) else None
    parts = [part for part in (own, entry["metadata"]["reference"]) if part]
    joined = {code: "; ".join(in_language(part, code) for part in parts) for code in ("id", "en")}
    return joined["id"] if joined["id"] == joined["en"] else joined


def in_language(written: str | dict[str, str], language: str) -> str:
    """A text of the YAML in ``language``: ``{id, en}`` or one string for both."""
    return written[language] if isinstance(written, dict) else written


def _listed(paths: str | list[str]) -> list[str]:
    return [paths] if isinstance(paths, str) else paths


def test_json_of_a_programme_has_values_dates_and_references() -> None:
    known = parameters()
    found = shown("pkh", "--rules", "indonesia", "--date", "2025-01-01")
    assert found["programme"] == "pkh" and len(found["programmes"]) == 1
    by_path = {p["path"]: p for p in found["parameters"]}
    assert set(by_path) == set(found["programmes"][0]["parameters"])
    for path, parameter in by_path.items():
        entry = known[path]
        value = in_force(entry, datetime.date(2025, 1, 1))
        assert parameter["value"] == ("inf" if value == float("inf") else value), path
        assert parameter["unit"] == entry["metadata"]["unit"]
        assert parameter["reference"] == cited(entry, datetime.date(2025, 1, 1))
        assert parameter["description"] == entry.get("description", "")
    elderly = by_path["pkh.components.elderly_min_age"]
    assert (elderly["since"], elderly["until"], elderly["in_force"]) == ("2019-01-01", None, True)
    assert "70" in elderly["statement"]["id"] and "70" in elderly["statement"]["en"]


def test_the_date_is_today_by_default() -> None:
    result = run("sembako", "--rules", "indonesia")
    assert result.exit_code == 0, result.output
    assert datetime.date.today().isoformat() in result.stdout.splitlines()[0]


ENGLISH = (
    "in force", "since", "until", "no limit", "yes", "reference", "description", "a year",
    "a month", "per person", "replaced", "ends on", "family", "household", "column", "funder",
    "regional", "programmes", "parameters", "variables", "benefit", "eligibility", "cash",
    "levers", "default", "take-up", "consumed", "recipients", "quota", "share", "modelling",
)  # fmt: skip


def test_indonesian_output_has_no_english_words_of_its_own() -> None:
    """Descriptions, references and region names are the ruleset's own words, shown as written;
    everything else in Indonesian output is Indonesian."""
    data = [
        in_language(entry.get(key) or entry.get("metadata", {}).get(key) or "", "id")
        for entry in parameters().values()
        for key in ("description", "reference")
    ]
    with (RULESET / "regional" / "blt_dana_desa.dana_desa_per_village.csv").open() as handle:
        data += [row["reference"] for row in csv.DictReader(handle)]
    outputs = [run("--rules", "indonesia", "--date", "2025-01-01").stdout]
    for name in programmes():
        result = run(name, "--rules", "indonesia", "--date", "2025-01-01")
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
    outputs.append(run("pkh", "--rules", "indonesia", "--date", "2017-06-01").stdout)
    for output in outputs:
        for said in sorted(filter(None, data), key=len, reverse=True):
            output = output.replace(said, "")
        output = re.sub(r"\b\w+(?:[._]\w+)+\b", "", output)  # names: pkh.max_desil, receives_pkh
        for word in ENGLISH:
            assert not re.search(rf"\b{word}\b", output, re.IGNORECASE), (word, output)


def test_a_value_given_with_its_own_reference_shows_it() -> None:
    """pkh.components.elderly_min_age cites Permensos 1/2018 with its 2018 value and the 2019
    guideline with its 2019 value (read here from the YAML file itself)."""
    import datetime

    import yaml

    from sejahtera.rules.ruleset import load_ruleset
    from sejahtera.rules.show import parameter_on

    rules = load_ruleset("indonesia")
    raw = yaml.safe_load((rules.folder / "parameters" / "pkh.yaml").read_text("utf-8"))
    values = raw["components"]["elderly_min_age"]["values"]
    for day in (datetime.date(2018, 6, 1), datetime.date(2025, 6, 1)):
        start = max(d for d in values if d <= day)
        shown = parameter_on(rules, "pkh.components.elderly_min_age", day)
        assert shown.reference.startswith(values[start]["reference"] + "; ")
        assert shown.value == values[start]["value"]
