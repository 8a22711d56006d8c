"""Impact evaluation: did a programme change lives, for whom, and how sure are we?

Difference-in-differences (:func:`did`, :func:`event_study`, :func:`staggered_did`), matching and
weighting (:func:`match`) and regression discontinuity (:func:`rdd`); each returns an
:class:`~sejahtera.evaluate.result.Evaluation`. They are imported when first used: statsmodels,
linearmodels and rdrobust take seconds to load.
"""

from __future__ import annotations

from typing import Any

from sejahtera.evaluate.result import Caveat, Estimate, Evaluation, NotIdentified

_WHERE = {
    "did": "sejahtera.evaluate.did",
    "event_study": "sejahtera.evaluate.did",
    "staggered_did": "sejahtera.evaluate.staggered",
    "match": "sejahtera.evaluate.matching",
    "rdd": "sejahtera.evaluate.rdd",
}

__all__ = ["Caveat", "Estimate", "Evaluation", "NotIdentified", *_WHERE]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(name)
