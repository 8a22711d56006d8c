"""Rate limits: a count per key in the ``limits`` cache, refused once it reaches the limit, until
the window since the first counted event has passed. The cache is Redis when ``REDIS_URL`` is
set, else a table of the workbench's database (``sejahtera_cache``, made by ``migrate``): either
way every worker sees the same counts, and they survive a restart.

- ``login``: failed sign-ins (password or one-time code) for one account from one address: 5 in
  15 minutes. An account is never locked for everyone: someone failing from another address
  does not keep its owner out;
- ``login_address``: failed sign-ins from one address, whatever the account: 30 in 15 minutes
  (an office behind one address holds many people);
- ``grievance``: grievances sent from one address: 20 an hour;
- ``lookup``: unknown tracking codes tried from one address: 30 an hour;
- ``audit_address`` and ``audit_anonymous``: audit events of one kind caused by people not
  signed in (a failed or refused sign-in, a table of a public page), written 20 an hour from one
  address and 200 an hour in all; the rest are counted (core/audit.py).

The address is :func:`~sejahtera.workbench.core.audit.client_address`'s; behind a reverse proxy
it is right only when the proxy is listed in ``SEJAHTERA_TRUSTED_PROXIES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

Kind = Literal["login", "login_address", "grievance", "lookup", "audit_address", "audit_anonymous"]


@dataclass(frozen=True)
class Limit:
    events: int  # counted events before further ones are refused
    seconds: int  # the window, from the first counted event


LIMITS: Final[dict[str, Limit]] = {
    "login": Limit(5, 15 * 60),
    "login_address": Limit(30, 15 * 60),
    "grievance": Limit(20, 60 * 60),
    "lookup": Limit(30, 60 * 60),
    "audit_address": Limit(20, 60 * 60),
    "audit_anonymous": Limit(200, 60 * 60),
}


def store() -> BaseCache:
    """The cache holding the counts (``CACHES["limits"]`` in settings)."""
    return caches["limits"]


def _key(kind: Kind, key: str | None) -> str:
    return f"limit:{kind}:{key or '-'}"


def exceeded(kind: Kind, *keys: str | None) -> bool:
    """Whether any of ``keys`` has reached the limit of ``kind``."""
    counts = store()
    return any((counts.get(_key(kind, key)) or 0) >= LIMITS[kind].events for key in keys)


def count(kind: Kind, *keys: str | None) -> None:
    """Count one event for each of ``keys``."""
    counts = store()
    for key in keys:
        name = _key(kind, key)
        counts.add(name, 0, LIMITS[kind].seconds)
        try:
            counts.incr(name)
        except ValueError:  # expired between add and incr
            counts.set(name, 1, LIMITS[kind].seconds)


def clear(kind: Kind, key: str | None) -> None:
    """Forget the events counted for ``key`` (a successful sign-in clears its own)."""
    store().delete(_key(kind, key))


def sign_in_keys(username: str, address: str | None) -> tuple[str, str]:
    """The keys of a sign-in: the account from this address (``login``) and the address
    (``login_address``)."""
    return f"{username.lower()}@{address or '-'}", address or "-"


def sign_in_refused(username: str, address: str | None) -> bool:
    """Whether a sign-in to ``username`` from ``address`` waits for its window to pass."""
    pair, place = sign_in_keys(username, address)
    return exceeded("login", pair) or exceeded("login_address", place)


def sign_in_failed(username: str, address: str | None) -> None:
    pair, place = sign_in_keys(username, address)
    count("login", pair)
    count("login_address", place)


def sign_in_succeeded(username: str, address: str | None) -> None:
    """The owner got in from ``address``: that pair's failures are forgotten."""
    clear("login", sign_in_keys(username, address)[0])
