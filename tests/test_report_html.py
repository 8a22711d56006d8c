"""The HTML reports are templates with autoescaping: a value from the data (a region name, a
category, a column name) cannot add markup to the needs profile or the evaluation report, and
the SVG figures our own code draws are inserted whole."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import Table, household_frame
from sejahtera.evaluate.did import did
from sejahtera.i18n import catalogue
from sejahtera.measure.profile import NeedsProfile, needs_profile
from sejahtera.report.evaluation import evaluation_page
from sejahtera.report.profile import render
from sejahtera.synth import SynthOptions, synthesise

HOSTILE = '<script>alert("x")</script> & Co'
TEMPLATES = Path(__file__).resolve().parent.parent / "src/sejahtera/report/templates"


class Texts(HTMLParser):
    """The text of a page, element by element, with its characters unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def read(page: str) -> Texts:
    parsed = Texts()
    parsed.feed(page)
    return parsed


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> NeedsProfile:
    dataset: Dataset = synthesise(
        SynthOptions("34", 3_000, seed=5), tmp_path_factory.mktemp("p") / "d"
    )
    persons = dataset.persons()
    table = Table(household_frame(dataset, persons), str(dataset.path), "size", dataset=dataset)
    return needs_profile(table, persons)


META = {
    "dataset": "synthetic",
    "region_code": "34",
    "reference_date": "2025-03-01",
    "synthetic": True,
    "households": 3000,
    "persons": 9000,
    "generated": "2025-03-02",
}


def test_a_hostile_region_name_or_category_is_escaped_in_the_needs_profile(
    profile: NeedsProfile,
) -> None:
    hostile = replace(
        profile,
        areas={level: frame.assign(name=HOSTILE) for level, frame in profile.areas.items()},
        rates={
            column: frame.assign(**{column: HOSTILE}) for column, frame in profile.rates.items()
        },
        coverage=profile.coverage.assign(name=HOSTILE),
    )
    for language in ("id", "en"):
        page = render(hostile, {**META, "region": HOSTILE}, language)
        assert "<script" not in page
        parsed = read(page)
        assert "script" not in parsed.tags
        assert HOSTILE in parsed.texts[: parsed.texts.index(HOSTILE) + 1]  # the <title>
        assert f"{HOSTILE} (34.01)" in parsed.texts  # a kabupaten in the table
        assert sum(HOSTILE in text for text in parsed.texts) > 100  # tables and chart labels
        assert page.count("<svg") >= 5  # the maps and charts, inserted as markup


def test_a_hostile_column_name_is_escaped_in_the_evaluation_report() -> None:
    rng = np.random.default_rng(3)
    treated = np.repeat([0, 1], 200)
    post = np.tile([0, 1], 200)
    frame = pd.DataFrame(
        {
            HOSTILE: rng.normal(size=400) + 0.5 * treated * post,
            "treated": treated,
            "post": post,
            "area": np.arange(400) % 40,
        }
    )
    result = did(frame, HOSTILE, "treated", "post", cluster="area")
    for language in ("id", "en"):
        page = evaluation_page(result, [("evaluate.check_main", result)], language)
        assert "<script" not in page
        parsed = read(page)
        assert "script" not in parsed.tags and "svg" in parsed.tags
        assert any(HOSTILE in text for text in parsed.texts[:3])  # the title names the outcome


def test_the_templates_use_only_texts_the_catalogue_has() -> None:
    used = {
        key
        for path in TEMPLATES.glob("*.html")
        for key in re.findall(r"""text\(\s*["']([a-z_]+\.[a-z_.]+)["']""", path.read_text())
    }
    assert len(used) > 20
    assert used <= set(catalogue())
