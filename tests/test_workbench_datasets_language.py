"""The datasets pages speak the reader's language: the mapping page's help texts (what each
schema column holds) and the first rows of an upload and of a version show no English word and
no raw code on an Indonesian page (``cement`` reads Semen/bata merah, a flag Ya/Tidak, a missing
value –, numbers as 1.234,56), and English on an English page. The tables' headers and the
mapping form's labels are the schema columns' labels (ID rumah tangga, Memiliki lahan), never
the schema's names (``household_id``), which stay as the headers' tooltips.

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
def catalogue_file(name: str) -> dict[str, dict[str, str]]:
    folder = resources.files("sejahtera").joinpath("resources/locale")
    return yaml.safe_load(folder.joinpath(name).read_text("utf-8"))


def words() -> dict[str, dict[str, str]]:
    """The labels catalogue as written (value.<column>.<code> → {id, en})."""
    return catalogue_file("labels.yaml")


def written_label(name: str, language: str) -> str:
    """A schema column's label as the catalogue files write it: schema.yaml, else labels.yaml."""
    entry = catalogue_file("schema.yaml").get(f"column.{name}") or words()[f"column.{name}"]
    return entry[language]


RAW = {c.name for table in TABLES for c in COLUMNS[table]}  # the schema's names


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


HEADER = re.compile(r'<th scope="col" data-column="([^"]*)"(?: title="([^"]*)")?>(.*?)</th>')


def headers_in(page: str, kind: str) -> dict[str, list[tuple[str, str, str]]]:
    """Each ``<table class=kind data-table=…>``'s headers as (column, tooltip, visible text)."""
    pattern = rf'<table class="{kind}" data-table="(\w+)">(.*?)</table>'
    return {
        table: [tuple(map(html.unescape, h)) for h in HEADER.findall(body)]  # type: ignore[misc]
        for table, body in re.findall(pattern, page, re.S)
    }


def tables_in(page: str, kind: str) -> dict[str, list[dict[str, str]]]:
    """Each ``<table class=kind data-table=…>`` of the page as rows of {column: cell}, the
    column as the header's ``data-column`` names it."""
    found = {}
    pattern = rf'<table class="{kind}" data-table="(\w+)">(.*?)</table>'
    for table, body in re.findall(pattern, page, re.S):
        heads = [html.unescape(name) for name, _, _ in HEADER.findall(body)]
        rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
        found[table] = [
            dict(
                zip(
                    heads,
                    map(html.unescape, re.findall(r'<td(?: class="n")?>(.*?)</td>', r)),
                    strict=True,
                )
            )
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


def test_every_schema_column_has_a_short_label_in_each_language() -> None:
    """Each schema column's label is written once (schema.yaml or labels.yaml, not both), is in
    both languages, reads as words rather than a key, and tells the table's columns apart."""
    schema_file, labels_file = catalogue_file("schema.yaml"), words()
    for table in TABLES:
        for language in ("id", "en"):
            labels = [c.label(language) for c in COLUMNS[table]]
            assert len(set(labels)) == len(labels), (table, language)
            for column, label in zip(COLUMNS[table], labels, strict=True):
                key = f"column.{column.name}"
                assert (key in schema_file) != (key in labels_file), key
                assert label == written_label(column.name, language)
                assert label.strip() and label not in RAW and "_" not in label, (key, label)


def test_a_versions_first_rows_headers_are_the_columns_labels(sent) -> None:
    client, made, _, _ = sent
    done = imported(client, made, mapping_form(client, made))
    address = f"/datasets/versions/{done.version_id}/"
    indonesian = client.get(address, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    client.post("/i18n/setlang/", {"language": "en"})
    english = client.get(address).content.decode()
    for page, language in ((indonesian, "id"), (english, "en")):
        shown = headers_in(page, "rows")
        assert set(shown) == set(TABLES)
        for table, headers in shown.items():
            names = [c.name for c in COLUMNS[table]]
            assert headers and {name for name, _, _ in headers} <= set(names)
            for name, tooltip, visible in headers:
                assert visible == written_label(name, language)
                assert visible not in RAW and tooltip == name
    for page, language in ((indonesian, "id"), (english, "en")):
        visible = {v for headers in headers_in(page, "rows").values() for _, _, v in headers}
        named = {written_label(name, language) for name in ("household_id", "owns_land")}
        assert named <= visible
    assert written_label("owns_land", "id") != written_label("owns_land", "en")


def test_the_mapping_form_and_the_files_rows_use_the_labels(root, tmp_path) -> None:
    """The mapping form labels each schema column by its label, never "weight (weight)"; the
    first rows of the file head a column chosen for a schema column with that column's label, a
    column mapped to none with the file's own name."""
    households, persons = demo_frames(limit=SHOWN)
    households["catatan_petugas"] = "-"
    client = signed_in(Role.ANALYST)
    made = upload(
        client,
        households=written(households, tmp_path, "rt", "csv"),
        persons=written(persons, tmp_path, "art", "csv"),
    )
    for language in ("id", "en"):
        if language == "en":
            client.post("/i18n/setlang/", {"language": "en"})
        page = html.unescape(client.get(f"/datasets/uploads/{made.pk}/").content.decode())
        labels = dict(
            re.findall(r'<label for="id_(\w+)" title="\w+">([^<]+?)(?: \*)?</label>', page)
        )
        expected_labels = {
            f"{table}__{c.name}": written_label(c.name, language)
            for table in TABLES
            for c in COLUMNS[table]
        }
        assert labels == expected_labels
        shown = headers_in(page, "preview")
        for table, frame in (("households", households), ("persons", persons)):
            headers = shown[table]
            assert [name for name, _, _ in headers] == list(map(str, frame.columns))
            for name, tooltip, visible in headers:
                if name in RAW:
                    assert (visible, tooltip) == (written_label(name, language), name)
                else:
                    assert (visible, tooltip) == (name, "")
        assert ("catatan_petugas", "", "catatan_petugas") in shown["households"]
