"""Microsimulation: a ruleset run over household microdata."""

from sejahtera.simulate.engine import Simulation, simulate

__all__ = ["Simulation", "simulate"]
