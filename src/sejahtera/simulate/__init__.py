"""Microsimulation: a ruleset run over household microdata, scenarios and the budget solver.

:func:`simulate` runs a ruleset (``sejahtera.simulation`` at the top is the same function);
:mod:`.scenario` compares today's situation with a reform (``sejahtera.scenario``). This package
is a plain package, not a function: ``from sejahtera.simulate import simulate``, or
``sejahtera.simulation(...)``.
"""

from sejahtera.simulate.engine import Simulation, simulate

__all__ = ["Simulation", "simulate"]
