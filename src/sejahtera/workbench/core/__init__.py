"""Users and roles, the audit log, and the pages every role shares."""
