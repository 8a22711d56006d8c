"""Masking personal data (NIK, names, phones, emails, addresses) across the workbench.

Pages show the masked form; the roles allowed ``personal_data.reveal`` (:mod:`.policy`) may
reveal one record at a time, and each reveal, like each edit form that shows the data, is written
to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from sejahtera.workbench.core import audit


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
