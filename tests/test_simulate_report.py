"""The scenario report: cost, reach, targeting and breakdowns, against figures worked out by hand on
six households; and how programmes are declared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sejahtera.errors import SejahteraError
from sejahtera.rules.programmes import read_programmes
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate.report import summarise

# Six households by hand. Persons = weight × size; the poor are below the line before transfers.
#   id  w size before line  pkh   sembako pip (pupils) region  poor  persons
#   A   2  4    400    500  1200  240     0            r1      yes   8
#   B   1  2    450    500  0     240     100 (1)      r1      yes   2
#   C   3  3    800    500  0     0       0            r2      no    9
#   D   1  5    300    500  0     0       0            r2      yes   5   (reached by none)
#   E   2  1    900    500  0     240     0            r2      no    2
#   F   1  2    700    500  600   0       0            r1      no    2
HAND = pd.DataFrame(
    {
        "household_id": list("ABCDEF"),
        "weight": [2.0, 1, 3, 1, 2, 1],
        "size": [4.0, 2, 3, 5, 1, 2],
        "welfare_before": [400.0, 450, 800, 300, 900, 700],
        "poverty_line": [500.0] * 6,
        "pkh": [1200.0, 0, 0, 0, 0, 600],
        "sembako": [240.0, 240, 0, 0, 240, 0],
        "pip": [0.0, 100, 0, 0, 0, 0],
        "pip_persons": [0, 1, 0, 0, 0, 0],
        "regency_code": ["r1", "r1", "r2", "r2", "r2", "r1"],
    }
)


@pytest.fixture
def hand() -> dict:
    cash = HAND["pkh"] + HAND["sembako"] + HAND["pip"]
    frame = HAND.assign(
        cash_total=cash, welfare_after=HAND["welfare_before"] + cash / 12 / HAND["size"]
    )
    return summarise(frame, ["pkh", "sembako", "pip"])


def test_targeting_by_hand(hand: dict) -> None:
    poor = 8 + 2 + 5
    sembako = hand["programs"]["sembako"]  # A, B, E
    assert sembako["cost_rp"] == pytest.approx(2 * 240 + 240 + 2 * 240)
    assert sembako["households"] == pytest.approx(2 + 1 + 2)
    assert sembako["persons"] == pytest.approx(8 + 2 + 2)
    assert sembako["coverage_of_poor"] == pytest.approx((8 + 2) / poor)
    assert sembako["exclusion_error"] == pytest.approx(5 / poor)
    assert sembako["inclusion_error"] == pytest.approx(2 / (8 + 2 + 2))
    pkh = hand["programs"]["pkh"]  # A, F
    assert pkh["coverage_of_poor"] == pytest.approx(8 / poor)
    assert pkh["inclusion_error"] == pytest.approx(2 / (8 + 2))
    pip = hand["programs"]["pip"]  # one pupil in B
    assert pip["persons"] == pytest.approx(1) and pip["cost_rp"] == pytest.approx(100)
    assert pip["coverage_of_poor"] == pytest.approx(2 / poor) and pip["inclusion_error"] == 0
    total = hand["total"]  # A, B, E, F reached by something
    assert total["cost_rp"] == pytest.approx(2 * 1200 + 600 + 1200 + 100)
    assert total["households"] == pytest.approx(6) and total["persons"] == pytest.approx(14)
    assert total["coverage_of_poor"] == pytest.approx(10 / poor)
    assert total["inclusion_error"] == pytest.approx((2 + 2) / 14)
    assert hand["overlap"] == {"pkh+sembako": 2.0, "pkh+pip": 0.0, "sembako+pip": 1.0}
    assert hand["poor_households_reached_by_none"] == pytest.approx(1)
    assert hand["poor_reached_by_none"] == pytest.approx(5)  # D: 1 household of 5


def test_breakdowns_by_hand(hand: dict) -> None:
    r1, r2 = hand["by_region"]["r1"], hand["by_region"]["r2"]  # r1: A, B, F; r2: C, D, E
    assert r1["sembako"]["cost_rp"] == pytest.approx(2 * 240 + 240)
    assert r1["sembako"]["coverage_of_poor"] == 1 and r1["sembako"]["inclusion_error"] == 0
    assert r1["total"]["persons"] == pytest.approx(12)
    assert r1["total"]["inclusion_error"] == pytest.approx(2 / 12)
    assert r2["sembako"]["households"] == pytest.approx(2)
    assert r2["sembako"]["coverage_of_poor"] == 0 and r2["sembako"]["exclusion_error"] == 1
    assert r2["sembako"]["inclusion_error"] == 1
    assert r2["pkh"]["cost_rp"] == 0 and np.isnan(r2["pkh"]["inclusion_error"])
    assert r2["fgt0_before"] == pytest.approx(5 / (9 + 5 + 2))
    # Persons by welfare: D 5, A 8, B 2, F 2, C 9, E 2 (28). Cumulative shares put D in decile
    # 2 (5/28), A in 5 (13/28), B in 6 (15/28), F in 7 (17/28), C and E in 10.
    deciles = hand["by_decile"]
    assert list(deciles) == ["2", "5", "6", "7", "10"]
    assert deciles["10"]["sembako"]["cost_rp"] == pytest.approx(2 * 240)
    assert deciles["5"]["total"]["coverage_of_poor"] == 1
    incidence = hand["incidence_by_programme"]
    assert incidence["sembako"] == pytest.approx(
        {
            str(d): share
            for d, share in zip(range(1, 11), [0, 0, 0, 0, 0.4, 0.2, 0, 0, 0, 0.4], strict=True)
        }
    )
    assert incidence["pkh"]["5"] == pytest.approx(2400 / 3000)
    assert incidence["pkh"]["7"] == pytest.approx(600 / 3000)
    assert hand["incidence_by_decile"]["5"] == pytest.approx((2400 + 480) / 4300)


def test_programmes_are_declared_as_data(tmp_path: Path) -> None:
    shipped = load_ruleset("indonesia").programmes
    assert list(shipped) == ["pkh", "sembako", "pbi_jkn", "pip", "blt_dana_desa"]
    assert shipped["pbi_jkn"].variable == "pbi_jkn_premium" and not shipped["pbi_jkn"].cash
    assert shipped["blt_dana_desa"].switch == "blt_dana_desa.active"
    assert shipped["blt_dana_desa"].funder == "dana_desa" and shipped["pkh"].funder == "apbn"
    assert shipped["pkh"].receipt == "receives_pkh" and shipped["pip"].quota is not None
    assert shipped["pip"].levers["amount"] == ("pip.sd", "pip.smp", "pip.sma")
    path = tmp_path / "programmes.yaml"
    path.write_text("bansos: {variable: bansos, cash: true, levers: {desil: bansos.max_desil}}\n")
    mine = read_programmes(path)
    assert list(mine) == ["bansos"] and mine["bansos"].levers == {"desil": ("bansos.max_desil",)}
    path.write_text("bansos: {variable: b, levers: {quota: x}}\n")
    with pytest.raises(SejahteraError, match="quota"):
        read_programmes(path)
    path.write_text("bansos: {variable: b, funder: apbd}\n")
    with pytest.raises(SejahteraError, match="apbd_kabupaten"):
        read_programmes(path)


def test_a_declaration_naming_a_missing_variable_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    shipped = Path(load_ruleset("indonesia").folder)
    import shutil

    shutil.copytree(shipped, folder)
    text = (folder / "programmes.yaml").read_text()
    (folder / "programmes.yaml").write_text(
        text.replace("eligible: pkh_eligible", "eligible: pkh_elig")
    )
    with pytest.raises(SejahteraError, match="pkh_elig") as error:
        load_ruleset(folder)
    assert "programmes.yaml, " in str(error.value)
