"""What production refuses at start (``SEJAHTERA_ENV=production``): a weak secret key, and
static files that were never collected. Plain Python, so that ``settings.py`` can ask before
Django is set up; each answer is a message naming the setting and what to do (in the command
line's language, from the catalogue), or None. ``sejahtera serve`` and ``sejahtera manage`` say
it without a traceback (:func:`refusal`)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Final

from sejahtera.i18n import text

MINIMUM_LENGTH: Final = 50
MINIMUM_DISTINCT: Final = 10
MINIMUM_BITS_PER_CHARACTER: Final = 3.0  # a random hex key has about 3.9, token_urlsafe 5.5
DEFAULT_LOOKING: Final = (
    "insecure",
    "changeme",
    "change-me",
    "change_me",
    "example",
    "default",
    "password",
    "secret",
    "sejahtera",
    "development",
    "0123456789",
    "abcdef",
)


def bits_per_character(value: str) -> float:
    """The Shannon entropy of the characters of ``value``, in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def secret_problem(key: str) -> str | None:
    """Why ``key`` is too weak for production (short, default-looking, low entropy), or None."""
    name = "SEJAHTERA_SECRET_KEY"
    if len(key) < MINIMUM_LENGTH:
        return text("startup.secret_short", name=name, length=len(key), minimum=MINIMUM_LENGTH)
    looks = next((word for word in DEFAULT_LOOKING if word in key.lower()), None)
    if looks is not None:
        return text("startup.secret_default", name=name, word=looks)
    if len(set(key)) < MINIMUM_DISTINCT or bits_per_character(key) < MINIMUM_BITS_PER_CHARACTER:
        return text("startup.secret_random", name=name)
    return None


def static_problem(static_root: Path | None) -> str | None:
    """Why production cannot serve its static files (never collected into ``static_root``,
    ``SEJAHTERA_DATA/static``), or None."""
    manifest = static_root / "staticfiles.json" if static_root is not None else None
    if manifest is None or not manifest.is_file():
        return text("startup.static_missing", path=static_root)
    return None


def refusal(*, serving: bool) -> str | None:
    """Why the workbench may not start (the settings refused, or, when ``serving``, production
    without its static files), or None. Loads the settings."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        production = settings.PRODUCTION
    except ImproperlyConfigured as refused:
        return str(refused)
    return static_problem(settings.STATIC_ROOT) if serving and production else None
