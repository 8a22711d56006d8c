"""Numbers on the pages written as everywhere else in Sejahtera (``sejahtera.i18n.format_number``):
``{{ amount|number }}`` (whole), ``{{ share|number:1 }}`` (one decimal), ``{{ rate|percent:1 }}``
(a percentage of 100), ``{{ fraction|share:1 }}`` (a fraction as a percentage, as the code
keeps rates), in the page's language; ``–`` for none."""

from __future__ import annotations

from django import template
from django.utils import translation

from sejahtera.i18n import format_number

register = template.Library()


@register.filter
def number(value: object, decimals: int = 0) -> str:
    if value in (None, ""):
        return "–"
    return format_number(value, _language(), int(decimals))


@register.filter
def percent(value: object, decimals: int = 1) -> str:
    """A percentage of 100 (``12.5`` → ``12,5%``)."""
    if value in (None, ""):
        return "–"
    return format_number(float(value) / 100, _language(), int(decimals), percent=True)  # type: ignore[arg-type]


@register.filter
def share(value: object, decimals: int = 1) -> str:
    """A fraction as a percentage (``0.125`` → ``12,5%``)."""
    if value in (None, ""):
        return "–"
    return format_number(float(value), _language(), int(decimals), percent=True)  # type: ignore[arg-type]


def _language() -> str:
    return "en" if (translation.get_language() or "id").startswith("en") else "id"


@register.filter
def region(code: object) -> str:
    """A region code with its name (``34.03 Kabupaten Gunungkidul``), as the registry has it."""
    from sejahtera.data.regions import registry

    if code in (None, ""):
        return "–"
    names = registry()
    return f"{code} {names.name(str(code))}" if str(code) in names else str(code)
