"""The audit log: who did what, and when, for every change and every view of personal data."""
