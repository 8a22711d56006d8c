"""Masking personal data (NIK, names, phones, emails, addresses) across the workbench.

Pages show the masked form; the roles allowed ``personal_data.reveal`` (:mod:`.policy`) may
reveal one record at a time, and each reveal, like each edit form that shows the data, is written
to the audit log.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.policy import allowed


def initials(name: str) -> str:
    """``Siti Nurhaliza`` → ``S. N.``"""
    return " ".join(f"{word[0].upper()}." for word in name.split() if word[0].isalnum())


def mask_nik(nik: str) -> str:
    """``3404134506900001`` → ``************0001``."""
    return "*" * (len(nik) - 4) + nik[-4:] if len(nik) > 4 else "*" * len(nik)


def mask_phone(phone: str) -> str:
    """``0812-3456-7890`` → ``*********90``"""
    digits = [c for c in phone if c.isdigit()]
    return "*" * max(len(digits) - 2, 0) + "".join(digits[-2:])


def mask_email(email: str) -> str:
    """``budi.santoso@contoh.example`` → ``b***@contoh.example``"""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


@dataclass(frozen=True)
class Person:
    """What a page shows of a person: everything when revealed, else a masked form."""

    name: str
    phone: str = ""
    email: str = ""
    revealed: bool = False


def person(name: str, phone: str = "", email: str = "", *, revealed: bool = False) -> Person:
    if revealed:
        return Person(name, phone, email, revealed=True)
    return Person(
        initials(name),
        mask_phone(phone) if phone else "",
        mask_email(email) if email else "",
    )


def record_view(request: HttpRequest, obj: object, purpose: str, **detail: object) -> None:
    """Audit that the user saw unmasked personal data of ``obj`` (``purpose``: reveal, edit)."""
    audit.record(request, "personal_data_viewed", obj, purpose=purpose, **detail)


def min_cell() -> int:
    """``SEJAHTERA_MIN_CELL`` (default 10): the smallest count shown to a role that sees only
    aggregates (without ``statistics.small_cells``); a smaller one is suppressed."""
    value = os.environ.get("SEJAHTERA_MIN_CELL", "").strip() or "10"
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"SEJAHTERA_MIN_CELL must be a whole number, not {value!r}")
    return int(value)


def small_cells_hidden(user: User | AnonymousUser) -> int:
    """The minimum cell for ``user``: :func:`min_cell`, or 0 for the roles that see them all."""
    return 0 if allowed(user, "statistics.small_cells") else min_cell()


def suppress(counts: Sequence[int], minimum: int) -> list[int | None]:
    """``counts`` with each count from 1 to ``minimum - 1`` as ``None``. When that hides only
    one count, the smallest other one is hidden too, so that no hidden count is found by
    subtracting the shown ones from a total (secondary suppression)."""
    shown: list[int | None] = [None if 0 < n < minimum else n for n in counts]
    if minimum and sum(n is None for n in shown) == 1:
        others = [(n, i) for i, n in enumerate(shown) if n is not None and n > 0]
        if others:
            shown[min(others)[1]] = None
    return shown
