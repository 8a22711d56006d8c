"""The one-number functions of `sejahtera.measure`, against published and hand-worked values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyreadr
import pytest

import sejahtera.measure as m

EUSILC = Path(__file__).resolve().parent / "fixtures" / "eusilc" / "eusilc.RData"


def test_haughton_khandker_fgt() -> None:
    incomes = [100, 110, 150, 160]  # z = 125: gaps 25 and 15
    assert m.fgt(incomes, 125) == 0.5
    assert m.fgt(incomes, 125, alpha=1) == pytest.approx((0.2 + 0.12) / 4)
    assert m.fgt(incomes, 125, alpha=2) == pytest.approx((0.04 + 0.0144) / 4)


def test_laeken_values_on_eusilc() -> None:
    data = pyreadr.read_r(EUSILC)["eusilc"]
    y, w = data["eqIncome"].to_numpy(), data["rb050"].to_numpy()
    assert m.gini(y, w) == pytest.approx(0.2648962, abs=5e-8)
    assert m.s80s20(y, w) == pytest.approx(3.971415, abs=5e-7)
    threshold = 0.6 * m.quantile(y, 0.5, w)
    assert threshold == pytest.approx(10859.24, abs=0.005)
    assert m.fgt(y, threshold, weights=w) == pytest.approx(0.1444422, abs=5e-8)


def test_hand_worked_inequality() -> None:
    assert m.gini([5, 5, 5, 5]) == 0.0
    assert m.gini([0, 0, 0, 1]) == pytest.approx(3 / 4)  # (n − 1) / n for one holder of all
    assert m.theil([1, 1, 1, 1]) == pytest.approx(0.0)
    assert m.theil([0, 0, 0, 1]) == pytest.approx(np.log(4))  # log n: maximal inequality
    assert m.mld([1, 4]) == pytest.approx(np.log(2.5) - np.log(2))  # log μ − mean log y
    assert m.atkinson([1, 4], 1) == pytest.approx(1 - 2 / 2.5)  # geometric mean 2
    assert m.atkinson([1, 4], 2) == pytest.approx(1 - 1.6 / 2.5)  # harmonic mean 1.6
    shares = m.decile_shares(np.arange(1, 101))
    assert sum(shares) == pytest.approx(1.0)
    assert shares[0] == pytest.approx(sum(range(1, 11)) / 5050)
    assert m.palma(np.arange(1, 101)) == pytest.approx(sum(range(91, 101)) / sum(range(1, 41)))


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        m.gini([])
    with pytest.raises(ValueError):
        m.gini([1, 2], [1, 0])
    with pytest.raises(ValueError):
        m.fgt([1, 2], 0)
