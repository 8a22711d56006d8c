"""The roles of the workbench and what each may do.

- ``kepala``: the head of social policy: sees and approves everything in the office.
- ``analyst``: analyses and prepares; reads personal data only where the work needs it.
- ``officer``: programme officer: runs cycles, records actuals, takes grievances.
- ``partner``: a partner organisation: its own programmes and what is shared with it.
- ``auditor``: reads everything, changes nothing, and reads the audit log.
- the public (no account): the grievance form, tracking, and published results.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

KEPALA, ANALYST, OFFICER, PARTNER, AUDITOR = "kepala", "analyst", "officer", "partner", "auditor"
ROLES = (
    (KEPALA, _("Head of social policy")),
    (ANALYST, _("Analyst")),
    (OFFICER, _("Programme officer")),
    (PARTNER, _("Partner organisation")),
    (AUDITOR, _("Auditor")),
)
# Who may see unmasked personal data (NIK, names, addresses); every such view is audited.
SEES_PERSONAL_DATA = frozenset({KEPALA, OFFICER, AUDITOR})


def role_of(request: HttpRequest) -> str | None:
    user = request.user
    if not user.is_authenticated:
        return None
    profile = getattr(user, "profile", None)
    return profile.role if profile is not None else None


def require_role(*allowed: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view for signed-in users holding one of ``allowed`` (any role when none given):
    anonymous users go to the login page, other roles get 403."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect(f"/login/?next={request.path}")
            role = role_of(request)
            if role is None or (allowed and role not in allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorate
