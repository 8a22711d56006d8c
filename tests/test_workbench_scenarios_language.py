"""The scenario studio speaks the page's language: on Indonesian pages (the build form with every
template ticked, a scenario's page, a household explained) no parameter description, legal
reference note or variable label of the ruleset appears in English, and no raw unit key
(``IDR/year``) appears; on English pages the same texts are in English.

The texts are read here from the ruleset's YAML files with yaml.safe_load, not through the code
under test: every ``{id: …, en: …}`` whose two languages differ, and every unit."""

from __future__ import annotations

import html
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.datasets import services
from sejahtera.workbench.scenarios.models import Scenario
from workbench_users import signed_in

pytestmark = pytest.mark.django_db

RULESET = Path(__file__).resolve().parent.parent / "src/sejahtera/rulesets/indonesia"
CHANGES = {"pkh.max_desil": 5, "sembako.amount": 250000, "pkh.components.sd": 1000000}


@cache
def data_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="sejahtera-scenarios-language-")) / "diy"
    return synthesise(SynthOptions("34", 300, seed=3), folder).path


@pytest.fixture
def version(settings, tmp_path):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    return services.register(data_folder(), name="Registri DIY").version


def _walk(node: Any, path: tuple[str, ...] = ()):
    if isinstance(node, dict):
        yield path, node
        for key, child in node.items():
            yield from _walk(child, (*path, str(key)))
    elif isinstance(node, list):
        for child in node:
            yield from _walk(child, path)


@cache
def files() -> tuple[Any, ...]:
    paths = [*RULESET.glob("parameters/*.yaml"), *RULESET.glob("variables/*.yaml")]
    paths += [*RULESET.glob("reforms/*.yaml")]
    return tuple(yaml.safe_load(path.read_text("utf-8")) for path in sorted(paths))


@cache
def bilingual() -> tuple[tuple[str, str], ...]:
    """Every (Indonesian, English) text of the ruleset whose languages differ."""
    found = {
        (node["id"].strip(), node["en"].strip())
        for content in files()
        for _, node in _walk(content)
        if set(node) == {"id", "en"} and node["id"].strip() != node["en"].strip()
    }
    # A text's English that is also Indonesian ("Desil") says nothing about the page's language.
    return tuple(sorted((i, e) for i, e in found if e not in {other for other, _ in found}))


@cache
def units() -> frozenset[str]:
    """Every unit key the ruleset writes (``metadata: {unit: IDR/year}``)."""
    return frozenset(
        str(node["unit"])
        for content in files()
        for path, node in _walk(content)
        if path and path[-1] == "metadata" and "unit" in node
    )


@cache
def described() -> dict[str, tuple[str, str]]:
    """Each parameter's description by path (``pkh.max_desil``), Indonesian and English."""
    found = {}
    for path in sorted(RULESET.glob("parameters/*.yaml")):
        for keys, node in _walk(yaml.safe_load(path.read_text("utf-8")), (path.stem,)):
            if "values" in node and "description" in node:
                text = node["description"]
                pair = (text["id"], text["en"]) if isinstance(text, dict) else (text, text)
                found[".".join(keys)] = (pair[0].strip(), pair[1].strip())
    return found


def visible(page: str) -> str:
    """The page's words: no markup, no code, no rule or parameter names, entities decoded."""
    body = page.split("<main", 1)[-1]
    body = re.sub(r"<(script|style|code|pre|textarea)\b.*?</\1>", " ", body, flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"\s+", " ", body)


def paths_on(page: str) -> set[str]:
    return set(re.findall(r"<code>([a-z_0-9]+(?:\.[a-z_0-9]+)+)</code>", page)) & set(described())


def assert_indonesian(page: str) -> None:
    text = html.unescape(re.sub(r"\s+", " ", page))
    for indonesian, english in bilingual():
        assert english not in text, (english, indonesian)
    words = visible(page)
    for unit in units():
        if "/" in unit or "(" in unit:  # IDR/year, PMT score (predicted …)
            assert unit not in text, unit
        elif unit in ("IDR", "years", "components", "share", "flag"):  # keys, English words
            assert not re.search(rf"\b{unit}\b", words), unit
    shown = paths_on(page)
    assert shown
    for path in shown:
        assert described()[path][0] in text, path


def assert_english(page: str) -> None:
    text = html.unescape(re.sub(r"\s+", " ", page))
    shown = paths_on(page)
    assert shown
    for path in shown:
        indonesian, english = described()[path]
        assert english in text, path
        if indonesian != english:
            assert indonesian not in text, path


def build_page(client) -> str:
    """The new-scenario form with every shipped template ticked and its values shown."""
    first = client.get("/scenarios/new/")
    form = first.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value.pk if hasattr(value, "pk") else value
    data |= {"templates": [name for name, _ in form.fields["templates"].choices], "refresh": "1"}
    answer = client.post("/scenarios/new/", data)
    assert answer.status_code in (200, 400)
    return answer.content.decode()


def explained_page(client, scenario: Scenario) -> str:
    import pandas as pd

    households = pd.read_parquet(data_folder() / "households.parquet")
    chosen = households[households["desil"] <= 2]["household_id"].iloc[0]
    answer = client.post(f"/scenarios/{scenario.pk}/explain/", {"household": chosen})
    assert answer.status_code == 302
    return client.get(answer["Location"]).content.decode()


def test_the_ruleset_gives_both_languages_to_check() -> None:
    """The check below has something to find: many bilingual texts and the raw units."""
    assert len(bilingual()) > 40
    assert {"IDR/year", "IDR/month", "IDR/person/month", "desil"} <= units()
    assert all(english for _, english in described().values())


def test_indonesian_pages_say_nothing_of_the_ruleset_in_english(version) -> None:
    client = signed_in(Role.ANALYST)
    page = build_page(client)
    assert_indonesian(page)
    assert "Rp per tahun" in visible(page) and "Rp per bulan" in visible(page)
    # Rule variables by their Indonesian label only (the label from the YAML).
    assert "Layak PKH" in page and "Eligible for PKH" not in page
    scenario = Scenario.objects.create(name="Uji", dataset=version, changes=CHANGES)
    assert client.post(f"/scenarios/{scenario.pk}/run/").status_code == 302
    detail = client.get(f"/scenarios/{scenario.pk}/").content.decode()
    assert_indonesian(detail)
    assert paths_on(detail) >= set(CHANGES)
    assert_indonesian(explained_page(client, scenario))


def test_english_pages_show_the_ruleset_in_english(version) -> None:
    client = signed_in(Role.ANALYST)
    client.post("/i18n/setlang/", {"language": "en"})
    page = build_page(client)
    assert_english(page)
    assert "Rp per year" in visible(page) and "Eligible for PKH" in page
    assert "Layak PKH" not in page
    scenario = Scenario.objects.create(name="Test", dataset=version, changes=CHANGES)
    assert client.post(f"/scenarios/{scenario.pk}/run/").status_code == 302
    assert_english(client.get(f"/scenarios/{scenario.pk}/").content.decode())
    explained = explained_page(client, scenario)
    assert_english(explained)
    english_references = [e for i, e in bilingual() if "Kepdirjen Linjamsos" in e]
    assert english_references and any(e in html.unescape(explained) for e in english_references)


def test_a_plain_string_serves_both_languages_and_half_a_text_is_refused(tmp_path) -> None:
    from sejahtera.rules.parameters import RulesFileError
    from sejahtera.rules.reform import apply_reform
    from sejahtera.rules.ruleset import load_ruleset

    rules = load_ruleset("indonesia")
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        "name: plain\nparameters:\n  pkh.max_desil:\n    description: Desil tertinggi\n"
        "    metadata: {unit: desil, reference: Permensos 1/2018}\n"
        "    values: {2025-01-01: {value: 5}}\n"
    )
    leaf = apply_reform(rules, plain).parameters.get(("pkh", "max_desil"))
    assert (leaf.description.in_("id"), leaf.description.in_("en")) == ("Desil tertinggi",) * 2
    half = tmp_path / "half.yaml"
    half.write_text(plain.read_text().replace("Desil tertinggi", "{id: Desil tertinggi}"))
    with pytest.raises(RulesFileError) as raised:
        apply_reform(rules, half)
    assert "half.yaml" in str(raised.value) and "4" in str(raised.value)
