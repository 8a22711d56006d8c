"""The datasets pages speak the reader's language: the mapping page's help texts (what each
schema column holds) and the first rows of an upload and of a version show no English word and
no raw code on an Indonesian page (``cement`` reads Semen/bata merah, a flag Ya/Tidak, a missing
value –, numbers as 1.234,56), and English on an English page.

The expected words are read from the catalogue's YAML file and the demo frames the test wrote;
the codes and descriptions to look for come from the schema, never from a copied list."""

from __future__ import annotations

import html
import re
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sejahtera.data.schema import COLUMNS, TABLES, Column
from sejahtera.i18n import speaking
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.datasets.uploads import PREVIEW_ROWS
from workbench_datasets import demo_frames, imported, mapping_form, upload, written
from workbench_users import signed_in

pytestmark = pytest.mark.django_db

SHOWN = 5  # households in the upload (and persons of theirs)


@pytest.fixture
def root(settings, tmp_path: Path) -> Path:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    return settings.DATASETS_ROOT


@cache
def words() -> dict[str, dict[str, str]]:
    """The labels catalogue as written (value.<column>.<code> → {id, en})."""
    folder = resources.files("sejahtera").joinpath("resources/locale")
    return yaml.safe_load(folder.joinpath("labels.yaml").read_text("utf-8"))


def descriptions(language: str) -> set[str]:
    with speaking(language):
        return {c.description for table in TABLES for c in COLUMNS[table]}


def coded(table: str) -> dict[str, Column]:
    """The columns of ``table`` whose values are codes: categories and flags."""
    return {c.name: c for c in COLUMNS[table] if c.kind in ("category", "bool")}


def expected(column: Column, raw: object, language: str) -> str:
    """A cell as a reader should see it, from the frame's value and the catalogue's words."""
    if raw is None or pd.isna(raw):
        return "–"
    if column.kind == "bool":
        flag = "true" if int(raw) == 1 else "false"  # type: ignore[call-overload]
        own = words().get(f"value.{column.name}.{flag}")
        return (own or words()[f"value.flag.{flag}"])[language]
    return words()[f"value.{column.name}.{raw}"][language]


def tables_in(page: str, kind: str) -> dict[str, list[dict[str, str]]]:
    """Each ``<table class=kind data-table=…>`` of the page as rows of {header: cell}."""
    found = {}
    pattern = rf'<table class="{kind}" data-table="(\w+)">(.*?)</table>'
    for table, body in re.findall(pattern, page, re.S):
        heads = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", body)]
        rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
        found[table] = [
            dict(zip(heads, map(html.unescape, re.findall(r"<td>(.*?)</td>", r)), strict=True))
            for r in rows
        ]
    return found


def indonesian_number(value: float) -> str:
    english = f"{value:,.2f}"
    return english.replace(",", " ").replace(".", ",").replace(" ", ".")


@pytest.fixture
def sent(root, tmp_path):
    """An analyst's client and an upload of the demo's first households and their persons."""
    households, persons = demo_frames(limit=SHOWN)
    client = signed_in(Role.ANALYST)
    made = upload(
        client,
        households=written(households, tmp_path, "rt", "csv"),
        persons=written(persons, tmp_path, "art", "csv"),
    )
    return client, made, households.head(PREVIEW_ROWS), persons.head(PREVIEW_ROWS)


def check_cells(shown: dict[str, list[dict[str, str]]], frames: dict, language: str) -> None:
    for table, frame in frames.items():
        rows = shown[table]
        assert len(rows) == len(frame) > 0
        for column in coded(table).values():
            if column.name not in frame.columns:
                continue
            cells = [row[column.name] for row in rows if column.name in row]
            assert cells, column.name
            assert cells == [expected(column, v, language) for v in frame[column.name]]
            assert not set(cells) & {*column.categories, "True", "False", "0", "1", "<NA>"}


def test_the_mapping_page_in_indonesian_has_no_english_word_nor_raw_code(sent) -> None:
    client, made, households, persons = sent
    page = client.get(f"/datasets/uploads/{made.pk}/", HTTP_ACCEPT_LANGUAGE="id")
    text = html.unescape(page.content.decode())
    english, indonesian = descriptions("en"), descriptions("id")
    assert not english & indonesian  # each description has words of its own in each language
    helps = set(re.findall(r'<small class="helptext">([^<]+)</small>', text))
    assert indonesian <= helps
    assert not [d for d in english if d in text]
    frames = {"households": households, "persons": persons}
    shown = tables_in(text, "preview")
    check_cells(shown, frames, "id")
    consumption = [row["consumption_pc"] for row in shown["households"]]
    assert consumption == [indonesian_number(v) for v in households["consumption_pc"]]


def test_the_mapping_page_in_english_speaks_english(sent) -> None:
    client, made, households, persons = sent
    client.post("/i18n/setlang/", {"language": "en"})
    text = html.unescape(client.get(f"/datasets/uploads/{made.pk}/").content.decode())
    assert descriptions("en") <= set(re.findall(r'<small class="helptext">([^<]+)</small>', text))
    assert not [d for d in descriptions("id") if d in text]
    check_cells(tables_in(text, "preview"), {"households": households, "persons": persons}, "en")


def test_a_versions_first_rows_are_named_in_the_pages_language(sent) -> None:
    client, made, _, _ = sent
    done = imported(client, made, mapping_form(client, made))
    households, persons = demo_frames(limit=SHOWN)
    frames = {"households": households, "persons": persons.head(10)}
    address = f"/datasets/versions/{done.version_id}/"
    page = client.get(address, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    shown = tables_in(html.unescape(page), "rows")
    check_cells(shown, frames, "id")
    weights = [row["weight"] for row in shown["households"]]
    assert weights == [indonesian_number(v) for v in households["weight"]]
    client.post("/i18n/setlang/", {"language": "en"})
    english = html.unescape(client.get(address).content.decode())
    check_cells(tables_in(english, "rows"), frames, "en")
