"""Linking the organisation names that earlier versions kept as free text (a programme's partners,
a partner account's organisation) to :class:`~.models.Organisation` records, for the migrations
that replaced the names with keys.

A name is matched exactly, else ignoring case and repeated spaces; a name that matches no
organisation becomes a new one (kind: NGO, to be checked). What was matched is reported.
"""

from __future__ import annotations

from typing import Any

CREATED_NOTE = "Dibuat saat migrasi dari nama mitra “{name}”; periksa jenis dan wilayahnya."


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class Linker:
    """Finds or makes the organisation of each name, noting what it did in :attr:`report`.

    ``organisations`` is the Organisation model, historical (``apps.get_model``) or not."""

    def __init__(self, organisations: Any) -> None:
        self.organisations = organisations
        self.report: list[str] = []

    def organisation(self, name: str, used_by: str) -> Any:
        wanted = " ".join(name.split())
        found = self.organisations.objects.filter(name=wanted).first()
        how = "matched"
        if found is None:
            alike = [o for o in self.organisations.objects.all() if _key(o.name) == _key(wanted)]
            found = alike[0] if len(alike) == 1 else None
            how = "matched ignoring case and spaces"
        if found is None:
            found = self.organisations.objects.create(
                name=wanted, kind="ngo", notes=CREATED_NOTE.format(name=wanted)
            )
            how = "created"
        self.report.append(f'{used_by}: "{name}" → organisation {found.pk} "{found.name}" ({how})')
        return found

    def record(self, audit_events: Any, action: str) -> None:
        """Print the report and keep it in the audit log (when there is anything to report)."""
        if not self.report:
            return
        print(f"\n  {action}:")  # shown by `manage migrate`
        for line in self.report:
            print(f"    {line}")
        audit_events.objects.create(action=action, detail={"linked": self.report})
