"""The roles of the workbench. What each may do is in :mod:`.policy`.

- ``kepala``: the head of social policy: sees and approves everything in the office.
- ``analyst``: analyses and prepares; reads personal data only where the work needs it.
- ``officer``: programme officer: runs cycles, records actuals, takes grievances.
- ``partner``: a partner organisation: its own programmes and what is shared with it.
- ``auditor``: reads everything, changes nothing, and reads the audit log.
- the public (no account): the grievance form, tracking, and published results.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    KEPALA = "kepala", _("Head of social policy")
    ANALYST = "analyst", _("Analyst")
    OFFICER = "officer", _("Programme officer")
    PARTNER = "partner", _("Partner organisation")
    AUDITOR = "auditor", _("Auditor")


def role_of(user: User | AnonymousUser) -> Role | None:
    """The role of a signed-in user with a profile; None for anyone else."""
    if not user.is_authenticated:
        return None
    profile = getattr(user, "profile", None)
    return Role(profile.role) if profile is not None and profile.role in Role.values else None


def organisation_of(user: User | AnonymousUser) -> int | None:
    """The key of the organisation a signed-in user's profile names (a partner's), or None."""
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile.organisation_id if profile is not None else None
