"""The stakeholders app of the workbench (issue 6)."""
