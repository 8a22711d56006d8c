"""Login attempts are limited: after :data:`settings.LOGIN_ATTEMPTS` failures for one account
or from one address, further attempts are refused for :data:`settings.LOGIN_PAUSE_SECONDS`."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str | None) -> list[str]:
    return [f"login-fail:user:{username.lower()}", f"login-fail:addr:{address or '-'}"]


def blocked(username: str, address: str | None) -> bool:
    return any((cache.get(key) or 0) >= settings.LOGIN_ATTEMPTS for key in _keys(username, address))


def failed(username: str, address: str | None) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, settings.LOGIN_PAUSE_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.LOGIN_PAUSE_SECONDS)


def succeeded(username: str, address: str | None) -> None:
    cache.delete(_keys(username, address)[0])
