"""What a scenario costs and does: by programme, funder and area, before and after transfers.

Welfare is per person per month (see :mod:`sejahtera.simulate.scenario`): ``welfare_before`` is
recorded consumption less the consumed share of today's transfers, ``welfare_after`` the
scenario's. PBI-JKN is a premium the state pays, not cash: it counts in the cost and the reach,
not in welfare. Weighted figures use the household weight; persons use weight × size.

The poor are those whose welfare *before* transfers is below the poverty line. Targeting figures
count persons in the households a programme reaches: coverage of the poor (poor persons reached /
poor persons), exclusion error (poor persons not reached / poor persons) and inclusion error
(non-poor persons reached / persons reached). The same figures are given overall, per
kabupaten, kecamatan and desa, and per consumption decile, for each programme and for ``total``
(reached by any programme).

"Poor and reached by no programme" counts the persons of households below the line that no
programme reaches. A household no programme reaches has no transfer to take away, so it is the
same whether poverty is judged before transfers or on recorded consumption, and the needs profile
(:func:`sejahtera.measure.profile.unreached_poor`) counts it with the same function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from sejahtera.measure.estimate import measure
from sejahtera.rules.programmes import Programme
from sejahtera.simulate.sums import (
    AREAS,
    Layout,
    finish_gains,
    finish_run,
    gain_sums,
    run_sums,
)

__all__ = ["AREAS", "Layout", "compare", "measured", "summarise"]


def summarise(
    results: pd.DataFrame,
    programmes: Mapping[str, Programme] | Sequence[str],
    baseline: str = "status_quo",
    sources: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    known: Mapping[str, Mapping[str, float]] | None = None,
    layout: Layout | None = None,
) -> dict[str, object]:
    """The scenario report of one run's household results (see the module's docstring).
    ``known``: poverty ``before`` (or ``after``) already measured on the same welfare;
    ``layout``: the households' areas and deciles, when another run's report made them."""
    names = [n for n in programmes if n in results]
    sums = run_sums(results, names, layout or Layout.of(results))
    poverty = {
        when: dict(known[when]) if known and when in known else measured(results, when)
        for when in ("before", "after")
    }
    return finish_run(sums, programmes, baseline, sources, notes, poverty)


def measured(results: pd.DataFrame, when: str) -> dict[str, float]:
    """P0, P1, P2 and the Gini of welfare ``before`` or ``after`` transfers, person-weighted, as
    ``sejahtera measure`` computes them."""
    people = results["weight"].to_numpy() * results["size"].to_numpy()
    tidy = measure(
        results.assign(people=people),
        f"welfare_{when}",
        weight="people",
        line="poverty_line",
        indicators=list(POVERTY),
        variance="none",
    ).tidy()
    return dict(zip(tidy["indicator"], tidy["estimate"], strict=True))


# The poverty and inequality a report gives before and after transfers.
POVERTY = ("fgt0", "fgt1", "fgt2", "gini")


def compare(
    baseline: pd.DataFrame,
    reform: pd.DataFrame,
    programmes: Mapping[str, Programme],
    poverty: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
    layout: Layout | None = None,
) -> dict[str, object]:
    """What the reform changes from the baseline: net cost (by programme and funder), who gains
    and who loses (households and persons, by registry desil and by kabupaten, kecamatan and
    desa), the poor newly reached by any programme, and the change in poverty and inequality."""
    names = [n for n in programmes if n in baseline or n in reform]
    sums = gain_sums(baseline, reform, names, layout or Layout.of(baseline))
    found = poverty or (measured(baseline, "after"), measured(reform, "after"))
    return finish_gains(sums, programmes, found)
