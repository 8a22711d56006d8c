"""What every page's template knows: the user's role and the languages."""

from __future__ import annotations

from django.http import HttpRequest

from sejahtera.workbench.core.roles import role_of


def workbench(request: HttpRequest) -> dict[str, object]:
    return {"role": role_of(request)}
