"""Measurement: poverty, inequality, multidimensional poverty and small-area estimates."""
