"""Rules as code: parameters with dated values, variables with formulas, rulesets and reforms."""
