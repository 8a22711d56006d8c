"""Impact evaluation: did a programme change lives, for whom, and how sure are we?

Difference-in-differences (:mod:`.did`, :mod:`.staggered`), matching and weighting
(:mod:`.matching`) and regression discontinuity (:mod:`.rdd`); each returns an
:class:`~sejahtera.evaluate.result.Evaluation`.
"""

from sejahtera.evaluate.result import Caveat, Estimate, Evaluation, NotIdentified

__all__ = ["Caveat", "Estimate", "Evaluation", "NotIdentified"]
