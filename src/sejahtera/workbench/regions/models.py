"""Kemendagri regions, loaded from the registry that ships with Sejahtera."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

LEVELS = (
    ("province", _("Province")),
    ("regency", _("Regency/city")),
    ("district", _("District (kecamatan)")),
    ("village", _("Village (desa/kelurahan)")),
)


class Region(models.Model):
    code = models.CharField(_("code"), max_length=13, primary_key=True)  # 34.04.13.2001
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=8, choices=LEVELS, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def load_registry(within: str = "") -> int:
    """Add or update every registry region (inside ``within`` and its ancestors): parents
    first, in one transaction. Returns how many regions the table holds."""
    from django.db import transaction

    from sejahtera.data.regions import registry

    names = registry()
    wanted = [
        r
        for level in ("province", "regency", "district", "village")
        for r in names.at_level(level)  # type: ignore[arg-type]
        if not within or r.code.startswith(within) or within.startswith(r.code)
    ]
    with transaction.atomic():
        existing = set(Region.objects.values_list("code", flat=True))
        Region.objects.bulk_create(
            [
                Region(code=r.code, name=r.name, level=r.level, parent_id=r.parent or None)
                for r in wanted
                if r.code not in existing
            ],
            batch_size=2000,
        )
    return Region.objects.count()
