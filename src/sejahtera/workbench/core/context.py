"""What every page's template knows: the user's role, the actions it allows
(``{% if "audit.view" in actions %}``) and the sections of the header it may open."""

from __future__ import annotations

from django.http import HttpRequest

from sejahtera.workbench.core.navigation import entries
from sejahtera.workbench.core.policy import POLICY
from sejahtera.workbench.core.roles import role_of


def workbench(request: HttpRequest) -> dict[str, object]:
    role = role_of(request.user)
    return {
        "role": role,
        "actions": {action for action, roles in POLICY.items() if role in roles},
        "navigation": entries(request.user, request.path),
    }
