"""The evaluation report speaks its reader's language: in Indonesian no raw key of the results
(``se_type``, ``dropped_missing``), no English legend (``control``, ``treated``) and no English
value (``CR1 cluster-robust by store``); a 0/1 period axis shows 0 and 1 once each; the English
report stays English."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from sejahtera.evaluate.did import did, event_study
from sejahtera.evaluate.matching import match
from sejahtera.evaluate.rdd import rdd
from sejahtera.evaluate.result import Evaluation
from sejahtera.report.evaluation import evaluation_page
from test_evaluate_did import card_krueger, event_panel
from test_evaluate_matching import programme
from test_evaluate_rdd import _fuzzy, _sharp

COVARIATES = ["income_before", "female_head", "district"]
# Names from the data the reports are made of: shown as they are, in any language.
DATA_NAMES = {"fte", "wave2", "store", "y", "wave", "score", "pmt", "consumption", *COVARIATES}
ENGLISH = {"control", "treated", "before", "after", "below", "above", "None", "True", "False"}


class Page(HTMLParser):
    """Each text of a page, and the texts of its SVG charts' x axes and legends apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.tick_texts: list[list[str]] = []  # per chart: the texts drawn under the plot
        self._tick = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "svg":
            self.tick_texts.append([])
        # x-axis ticks are the middle-anchored texts in the tick row (report/xy.py)
        self._tick = tag == "text" and found.get("text-anchor") == "middle" and "y" in found

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(data.strip())
            if self._tick and self.tick_texts:
                self.tick_texts[-1].append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        self._tick = False


def read(page: str) -> Page:
    parsed = Page()
    parsed.feed(page)
    return parsed


def keys(value: object) -> set[str]:
    """Every key of the results' diagnostics, at any depth."""
    if isinstance(value, dict):
        return {str(k) for k in value} | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def strings(value: object) -> set[str]:
    """Every text value of the results' diagnostics, at any depth."""
    if isinstance(value, dict):
        return {s for v in value.values() for s in strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in strings(v)}
    return {value} if isinstance(value, str) else set()


def designs() -> dict[str, Evaluation]:
    households = programme(1)
    return {
        "did": did(card_krueger(), "fte", "nj", "wave2", cluster="store"),
        "did_robust": did(card_krueger(), "fte", "nj", "wave2"),
        "twfe": did(card_krueger(), "fte", "nj", "wave2", unit="store", time="wave2"),
        "event_study": event_study(event_panel(1), "y", "unit", "wave", "first"),
        "rdd": rdd(_sharp(1, "below", 0.5), "y", "score", 0.3, side="below"),
        "rdd_fuzzy": rdd(_fuzzy(1, 20), "y", "pmt", 40, side="below", treatment="received"),
        "match": match(households, "consumption", "pkh", COVARIATES),
        "ipw": match(households, "consumption", "pkh", COVARIATES, method="ipw"),
        "aipw": match(households, "consumption", "pkh", COVARIATES, method="aipw"),
    }


@pytest.fixture(scope="module")
def results() -> dict[str, Evaluation]:
    return designs()


NAMES = ["did", "did_robust", "twfe", "event_study", "rdd", "rdd_fuzzy", "match", "ipw", "aipw"]


@pytest.mark.parametrize("name", NAMES)
def test_the_indonesian_report_shows_no_raw_key_and_no_english_word(
    results: dict[str, Evaluation], name: str
) -> None:
    result = results[name]
    page = read(evaluation_page(result, [], "id"))
    shown = set(page.texts)
    raw = (keys(result.diagnostics) | set(result.tidy().columns)) - DATA_NAMES - {"n"}
    raw = {k for k in raw if not k.isdigit()}
    assert raw and not (raw & shown), sorted(raw & shown)
    english = {s for s in strings(result.diagnostics) if re.search(r"[a-z]{2}", s)} - DATA_NAMES
    english -= {s for s in english if "=" in s or re.fullmatch(r"t[+-]\d+", s)}  # dummies, t-1
    assert not (english & shown), sorted(english & shown)
    assert not (ENGLISH & shown), sorted(ENGLISH & shown)
    terms = {e.term for e in result.estimates} - {t for t in shown if re.fullmatch(r"t[+-]\d+", t)}
    assert not (terms & shown), sorted(terms & shown)


def test_the_did_legend_and_standard_error_are_in_indonesian(
    results: dict[str, Evaluation],
) -> None:
    page = read(evaluation_page(results["did"], [], "id"))
    assert {"pembanding", "penerima"} <= set(page.texts)
    assert "klaster (CR1) menurut store" in page.texts
    robust = read(evaluation_page(results["did_robust"], [], "id"))
    assert "robust terhadap heteroskedastisitas (HC1)" in robust.texts


@pytest.mark.parametrize("name", ["did", "twfe"])
def test_a_zero_one_period_axis_shows_each_period_once(
    results: dict[str, Evaluation], name: str
) -> None:
    periods = pd.Series([0, 1])  # Card-Krueger's waves: before (0) and after (1) the rise
    for language in ("id", "en"):
        trends = read(evaluation_page(results[name], [], language)).tick_texts[0]
        ticks = [t for t in trends if re.fullmatch(r"[−\-]?\d+", t)]
        assert ticks == [str(p) for p in periods]


def test_an_event_study_axis_shows_every_wave_once(results: dict[str, Evaluation]) -> None:
    waves = sorted(event_panel(1)["wave"].unique())
    trends, effects = read(evaluation_page(results["event_study"], [], "id")).tick_texts[:2]
    assert [t for t in trends if t.isdigit()] == [str(w) for w in waves]
    times = [int(t[1:]) for t in (e.term for e in results["event_study"].estimates[1:])]
    shown = [int(t.replace("−", "-")) for t in effects if re.fullmatch(r"[−]?\d+", t)]
    assert shown == list(range(min(times), max(times) + 1))
    assert len(set(shown)) == len(shown)


def test_the_english_report_stays_english(results: dict[str, Evaluation]) -> None:
    page = read(evaluation_page(results["did"], [], "en"))
    shown = set(page.texts)
    assert {"comparison group", "treated", "clustered (CR1) by store"} <= shown
    assert {"standard error", "rows with missing values left out", "Std. error"} <= shown
    assert not {"se_type", "dropped_missing", "CR1 cluster-robust by store"} & shown
    assert not {"pembanding", "penerima", "jenis galat baku"} & shown
    matched = read(evaluation_page(results["match"], [], "en"))
    assert {"effect on the treated (ATT)", "yes", "no"} <= set(matched.texts)


def test_a_value_from_the_data_is_shown_as_it_is() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "y": rng.normal(size=400),
            "treated": np.repeat([0, 1], 200),
            "post": np.tile([0, 1], 200),
            "kecamatan": np.arange(400) % 40,
        }
    )
    page = read(evaluation_page(did(frame, "y", "treated", "post", cluster="kecamatan"), [], "id"))
    assert "klaster (CR1) menurut kecamatan" in page.texts
