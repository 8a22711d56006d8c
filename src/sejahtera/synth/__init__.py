"""Synthetic regions: households and persons calibrated to published figures."""

from sejahtera.synth.generator import SynthOptions, synthesise

__all__ = ["SynthOptions", "synthesise"]
