"""The consultations app of the workbench (issue 6)."""
