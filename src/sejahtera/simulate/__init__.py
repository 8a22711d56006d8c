"""Microsimulation: a ruleset run over household microdata.

``sejahtera.simulate(ruleset, persons, households, period, reform=None)`` works as written: the
module itself can be called, and does what :func:`~sejahtera.simulate.engine.simulate` does.
"""

import sys
import types

from sejahtera.simulate.engine import Simulation, simulate

__all__ = ["Simulation", "simulate"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args: object, **kwargs: object) -> Simulation:
        return simulate(*args, **kwargs)  # type: ignore[arg-type]


sys.modules[__name__].__class__ = _CallableModule
