"""What production refuses at start (``SEJAHTERA_ENV=production``): a weak secret key, and
static files that were never collected. Plain Python, so that ``settings.py`` can ask before
Django is set up; each answer is a message naming the setting and what to do, or None."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Final

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
HOW: Final = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def bits_per_character(value: str) -> float:
    """The Shannon entropy of the characters of ``value``, in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def secret_problem(key: str) -> str | None:
    """Why ``key`` is too weak for production (short, default-looking, low entropy), or None."""
    name = "SEJAHTERA_SECRET_KEY"
    if len(key) < MINIMUM_LENGTH:
        return f"{name} is too short ({len(key)} characters, at least {MINIMUM_LENGTH}): {HOW}"
    looks = next((word for word in DEFAULT_LOOKING if word in key.lower()), None)
    if looks is not None:
        return f"{name} looks like a default or an example (it contains {looks!r}): {HOW}"
    if len(set(key)) < MINIMUM_DISTINCT or bits_per_character(key) < MINIMUM_BITS_PER_CHARACTER:
        return f"{name} is not random enough (too few different characters): {HOW}"
    return None


def static_problem(static_root: Path | None) -> str | None:
    """Why production cannot serve its static files (never collected into ``static_root``,
    ``SEJAHTERA_DATA/static``), or None."""
    manifest = static_root / "staticfiles.json" if static_root is not None else None
    if manifest is None or not manifest.is_file():
        return (
            f"The static files were not collected into {static_root} (STATIC_ROOT, under "
            "SEJAHTERA_DATA): run `sejahtera manage collectstatic --noinput` with the same "
            "SEJAHTERA_ENV and SEJAHTERA_DATA before starting"
        )
    return None
