"""Rate limits: a count per key in the cache (shared by all workers when ``REDIS_URL`` is set),
refused once it reaches the limit, until the window since the first counted event has passed.

- ``login``: failed sign-ins, per account and per address: 5 in 15 minutes;
- ``grievance``: grievances sent from one address: 20 an hour;
- ``lookup``: unknown tracking codes tried from one address: 30 an hour.

The address is :func:`~sejahtera.workbench.core.audit.client_address`'s; behind a reverse proxy
it is right only when the proxy is listed in ``SEJAHTERA_TRUSTED_PROXIES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from django.core.cache import cache

Kind = Literal["login", "grievance", "lookup"]


@dataclass(frozen=True)
class Limit:
    events: int  # counted events before further ones are refused
    seconds: int  # the window, from the first counted event


LIMITS: Final[dict[str, Limit]] = {
    "login": Limit(5, 15 * 60),
    "grievance": Limit(20, 60 * 60),
    "lookup": Limit(30, 60 * 60),
}


def _key(kind: Kind, key: str | None) -> str:
    return f"limit:{kind}:{key or '-'}"


def exceeded(kind: Kind, *keys: str | None) -> bool:
    """Whether any of ``keys`` has reached the limit of ``kind``."""
    return any((cache.get(_key(kind, key)) or 0) >= LIMITS[kind].events for key in keys)


def count(kind: Kind, *keys: str | None) -> None:
    """Count one event for each of ``keys``."""
    for key in keys:
        name = _key(kind, key)
        cache.add(name, 0, LIMITS[kind].seconds)
        try:
            cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, LIMITS[kind].seconds)


def clear(kind: Kind, key: str | None) -> None:
    """Forget the events counted for ``key`` (a successful sign-in clears its account's)."""
    cache.delete(_key(kind, key))
