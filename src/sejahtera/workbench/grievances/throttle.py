"""Basic abuse protection for the public pages: a per-address count in the cache (shared by all
workers when ``REDIS_URL`` is set), like the login limit of ``core.ratelimit``.

The address is ``core.audit.client_address``'s (``REMOTE_ADDR``). Behind a reverse proxy that is
the proxy's own, and the limits then hold for all visitors together: such a deployment needs the
client's address from the proxy's header before these limits mean what they say.
"""

from __future__ import annotations

from typing import Final

from django.core.cache import cache

WINDOW_SECONDS: Final = 60 * 60
SUBMISSIONS_PER_HOUR: Final = 20  # grievances from one address
FAILED_LOOKUPS_PER_HOUR: Final = 30  # unknown tracking codes from one address

LIMITS: Final = {"submit": SUBMISSIONS_PER_HOUR, "lookup": FAILED_LOOKUPS_PER_HOUR}


def _key(kind: str, address: str | None) -> str:
    return f"grievance-{kind}:addr:{address or '-'}"


def exceeded(kind: str, address: str | None) -> bool:
    return (cache.get(_key(kind, address)) or 0) >= LIMITS[kind]


def count(kind: str, address: str | None) -> None:
    key = _key(kind, address)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
