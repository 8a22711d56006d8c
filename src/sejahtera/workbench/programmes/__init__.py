"""Programmes: objectives, legal basis, budgets by year, owner, partners, ruleset, cycles."""
