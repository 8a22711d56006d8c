"""The workbench: the Django application the social policy office uses every day."""
