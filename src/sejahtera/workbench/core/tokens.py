"""Making and checking API tokens (``sejahtera manage api_token USER``)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone

from sejahtera.workbench.core.models import ApiToken


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: object, label: str = "") -> str:
    """A new token for ``user``; the only time the token itself exists."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, prefix=token[:8], digest=_digest(token), label=label)
    return token


def user_for(token: str) -> object | None:
    """The user a valid, unrevoked token stands for (an active user with a role), or None."""
    if len(token) < 16:
        return None
    wanted = _digest(token)
    for row in ApiToken.objects.select_related("user").filter(prefix=token[:8], revoked=False):
        if hmac.compare_digest(row.digest, wanted) and row.user.is_active:
            ApiToken.objects.filter(pk=row.pk).update(last_used=timezone.now())
            return row.user
    return None
