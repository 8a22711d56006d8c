"""Models of the grievances app."""
