"""Models of the consultations app."""
