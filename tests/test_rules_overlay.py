"""A reform given as data (the scenario studio, the REST API): the reform file it writes gives
the same scenario as the shipped file it mirrors; values and rules are refused with the place
and the rule they break."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sejahtera.errors import SejahteraError
from sejahtera.rules.overlay import Overlay, check_formula, check_value, templates
from sejahtera.rules.parameters import read_yaml
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate.scenario import reformed_rules, scenario, scenario_of
from sejahtera.synth import SynthOptions, synthesise

REFORMS = Path(__file__).resolve().parent.parent / "src/sejahtera/rulesets/indonesia/reforms"


@pytest.fixture(scope="module")
def rules():
    return load_ruleset("indonesia")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    return synthesise(SynthOptions("34", 2_000, seed=11), tmp_path_factory.mktemp("o") / "d")


def test_the_templates_are_the_shipped_reforms_that_add_a_programme(rules) -> None:
    found = templates(rules)
    assert set(found) == {"beasiswa-daerah", "lansia-daerah", "pbi-apbd", "rtlh", "topup-wilayah"}
    assert found["lansia-daerah"].programmes == ("lansia_daerah",)
    assert found["topup-wilayah"].inputs == ("priority_area",)  # read from the data
    assert "pkh-desil-5" not in found  # changes PKH, adds nothing


def test_a_parameter_change_writes_the_entry_the_shipped_file_has(rules, tmp_path) -> None:
    written = Overlay("pkh-desil-5", "2025", {"pkh.max_desil": 5}).write(rules, tmp_path)
    ours = read_yaml(written, written.name)
    shipped = read_yaml(REFORMS / "pkh-desil-5.yaml", "pkh-desil-5.yaml")
    assert ours["parameters"] == shipped["parameters"]


def test_the_overlay_gives_the_scenario_of_the_shipped_reform(rules, small, tmp_path) -> None:
    """Independent: the CLI's own reform file against the overlay's, on the same data."""
    path = Overlay("x", "2025", {"pkh.max_desil": 5}).write(rules, tmp_path)
    ours = scenario_of(small.path, rules, path).to_dict()
    theirs = scenario_of(small.path, rules, REFORMS / "pkh-desil-5.yaml").to_dict()
    assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)  # NaN = NaN


def test_a_template_with_its_own_parameter_changed(rules, small) -> None:
    overlay = Overlay("lansia", "2025", {"lansia_daerah.amount": 300_000}, ("lansia-daerah",))
    reformed = reformed_rules(rules, _written(overlay, rules), "status_quo")
    leaf = reformed.parameters.get(("lansia_daerah", "amount"))
    assert leaf.unit == "IDR/month" and leaf.values[-1] == 300_000
    persons, households = small.persons(), small.households()
    import sejahtera.data.frame as frame

    households = frame.household_frame(small, persons)
    report = scenario(rules, persons, households, 2025, reform=reformed).to_dict()
    programme = report["reform"]["programs"]["lansia_daerah"]
    # Every person paid gets 12 × Rp300.000 a year: the cost is that times the persons paid.
    assert programme["cost_rp"] == pytest.approx(programme["persons"] * 12 * 300_000)


def _written(overlay: Overlay, rules) -> Path:
    import tempfile

    return overlay.write(rules, Path(tempfile.mkdtemp()))


def test_a_rewritten_rule_replaces_the_formula(rules) -> None:
    reformed = Overlay("s", "2025", formulas={"sembako_eligible": "desil <= 2"}).apply(rules)
    assert reformed.variables["sembako_eligible"].formulas[0].text == "desil <= 2"
    assert [c.kind for c in reformed.changes] == ["replace"]


def test_a_template_the_data_cannot_feed_is_refused_by_name(rules) -> None:
    overlay = Overlay("t", "2025", templates=("topup-wilayah",))
    with pytest.raises(SejahteraError) as caught:
        overlay.check_inputs(rules, {"household_id", "desil"})
    assert "priority_area" in str(caught.value) and "topup-wilayah" in str(caught.value)
    overlay.check_inputs(rules, {"priority_area"})


def test_an_unknown_template_names_the_known_ones(rules) -> None:
    with pytest.raises(SejahteraError, match="lansia-daerah"):
        Overlay("t", "2025", templates=("lansia",)).document(rules)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("pkh.max_desil", 5, 5),
        ("pkh.max_desil", 5.0, 5),
        ("sembako.amount", 250_000, 250_000),
        ("scenario.take_up_newly_eligible", 0.7, 0.7),
        ("pkh.max_pmt_score", None, math.inf),
        ("pkh.max_pmt_score", 13.5, 13.5),
        ("blt_dana_desa.active", False, False),
        ("pkh.components.elderly_min_age", 60, 60),
    ],
)
def test_values_that_fit_their_unit(rules, path, value, expected) -> None:
    assert check_value(rules, path, value) == expected


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("pkh.max_desil", 11, "1 to 10"),
        ("pkh.max_desil", 2.5, "1 to 10"),
        ("scenario.take_up_newly_eligible", 85, "between 0 and 1"),
        ("sembako.amount", -1, "cannot be negative"),
        ("sembako.amount", "banyak", "give a number"),
        ("blt_dana_desa.active", 1, "yes or no"),
        ("pkh.nothing", 1, "no parameter 'pkh.nothing'"),
        ("pkh.components.elderly_min_age", 60.5, "whole number"),
    ],
)
def test_values_that_do_not_fit_say_which_and_why(rules, path, value, words) -> None:
    from sejahtera.i18n import speaking

    with pytest.raises(SejahteraError) as caught, speaking("en"):
        check_value(rules, path, value)
    with speaking("en"):
        message = str(caught.value)
    assert path in message and words in message


def test_a_formula_error_points_at_its_line_and_column(rules) -> None:
    from sejahtera.i18n import speaking

    text = "desil <= 3 and\n  pmt_scor <= 14"
    with speaking("en"):
        problem = check_formula(rules, "sembako_eligible", text)
    assert (problem.line, problem.column) == (2, 3)
    assert problem.text == "  pmt_scor <= 14"
    assert "pmt_scor" in problem.message
    with speaking("id"):
        indonesian = check_formula(rules, "sembako_eligible", text)
    assert indonesian.message != problem.message and "pmt_scor" in indonesian.message


def test_a_syntax_error_and_a_wrong_kind_are_placed(rules) -> None:
    unclosed = check_formula(rules, "sembako_eligible", "desil <= (3")
    assert (unclosed.line, unclosed.column) == (1, 12)  # the end of the text: ')' is missing
    number = check_formula(rules, "sembako_eligible", "desil + 3")
    assert (number.line, number.column) == (1, 1)
    assert check_formula(rules, "sembako_eligible", "desil <= 3") is None
    with pytest.raises(SejahteraError):
        check_formula(rules, "desil", "1")  # an input, not a rule
