"""The grievances app of the workbench (issue 6)."""
