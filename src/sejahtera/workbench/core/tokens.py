"""Making and checking API tokens (``sejahtera manage api_token USER``).

A token stands in for a whole sign-in, password and second factor, so it is bounded twice:

- it expires, :data:`DAYS` days after it was made by default (``--days N``, at most
  :data:`MOST_DAYS`); a new one is made with the command again;
- for an account that must sign in with a second factor (the head, administrators:
  :func:`twofactor.needed`), a token is made only once the account has a confirmed
  authenticator, and works only while it has one: the person has shown the second factor at
  least once, and an administrator who deletes a lost phone's device stops the tokens too.

Only a hash of a token is stored; the token itself exists once, in :func:`make`'s answer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from django.utils import timezone

from sejahtera.errors import SejahteraError
from sejahtera.workbench.core import twofactor
from sejahtera.workbench.core.models import ApiToken

DAYS: Final = 90
MOST_DAYS: Final = 365


@dataclass(frozen=True)
class Issued:
    """A token just made, and when it stops working."""

    token: str
    expires: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _second_factor_missing(user: object) -> bool:
    return twofactor.needed(user) and twofactor.enrolled(user) is None  # type: ignore[arg-type]


def make(user: object, *, label: str = "", days: int = DAYS) -> Issued:
    """A new token for ``user``, good for ``days`` days (see the module for who may have one)."""
    if not 1 <= days <= MOST_DAYS:
        raise SejahteraError("api_token.days", days=days, most=MOST_DAYS)
    if _second_factor_missing(user):
        raise SejahteraError("api_token.second_factor_first", username=user.get_username())  # type: ignore[attr-defined]
    token = secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=days)
    ApiToken.objects.create(
        user=user, prefix=token[:8], digest=_digest(token), label=label, expires=expires
    )
    return Issued(token, expires)


def issue(user: object, label: str = "", days: int = DAYS) -> str:
    """A new token for ``user`` (:func:`make`), the token alone."""
    return make(user, label=label, days=days).token


def user_for(token: str) -> object | None:
    """The user a valid token stands for (unrevoked, not expired, an active user, with a
    confirmed second factor when the account needs one), or None."""
    if len(token) < 16:
        return None
    wanted, now = _digest(token), timezone.now()
    candidates = ApiToken.objects.select_related("user").filter(
        prefix=token[:8], revoked=False, expires__gt=now
    )
    for row in candidates:
        if not hmac.compare_digest(row.digest, wanted) or not row.user.is_active:
            continue
        if _second_factor_missing(row.user):
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used=now)
        return row.user
    return None
