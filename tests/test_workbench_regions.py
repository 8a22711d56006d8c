"""The region hierarchy in the workbench comes from the shipped registry."""

from __future__ import annotations

import pytest

from sejahtera.data.regions import registry
from sejahtera.workbench.regions.models import Region, load_registry

pytestmark = pytest.mark.django_db


def test_a_province_loads_with_its_ancestors_and_every_level_below() -> None:
    load_registry("34")
    names = registry()
    assert Region.objects.get(code="34").name == names.name("34")
    desa = Region.objects.filter(level="village", code__startswith="34.")
    assert desa.count() == len(names.descendants("34", "village")) > 400
    one = desa.first()
    assert one.parent.level == "district" and one.parent.parent.level == "regency"
    assert one.parent.parent.parent.code == "34"
    # Loading again adds nothing and changes nothing.
    before = Region.objects.count()
    assert load_registry("34") == before
