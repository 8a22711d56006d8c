"""The region registry against the shipped GeoJSON boundaries."""

from __future__ import annotations

import csv
import json
from importlib import resources

import pytest

from sejahtera.data.regions import level_of, normalise_code, parent_code, registry

FOLDER = resources.files("sejahtera").joinpath("resources/regions")


def features(name: str) -> list[dict]:
    return json.loads(FOLDER.joinpath(f"{name}.geojson").read_text("utf-8"))["features"]


@pytest.mark.parametrize(
    ("name", "level", "count"),
    [
        ("id-provinces", "province", 37),
        ("id-regencies", "regency", 514),
        ("diy-districts", "district", 78),
        ("diy-villages", "village", 438),
    ],
)
def test_registry_holds_every_boundary(name: str, level: str, count: int) -> None:
    shipped = {f["properties"]["code"]: f["properties"]["name"] for f in features(name)}
    assert len(shipped) == count
    regions = registry()
    for code, region_name in shipped.items():
        assert regions.get(code).name == region_name
        assert regions.get(code).level == level


def test_registry_table_is_rebuilt_from_the_boundaries() -> None:
    with FOLDER.joinpath("regions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 37 + 1 + 514 + 78 + 438  # Kalimantan Selatan has no polygon
    assert {r["code"] for r in rows if r["level"] == "province"} >= {"63", "34", "11", "96"}


def test_hierarchy_and_detail() -> None:
    regions = registry()
    assert [r.code for r in regions.children("34")] == ["34.01", "34.02", "34.03", "34.04", "34.71"]
    assert len(regions.descendants("34.04", "district")) == 17
    assert len(regions.children("34.04.13")) == 5
    assert regions.has_detail("34.04") and not regions.has_detail("33.01")
    assert len(regions.at_level("province")) == 38
    # Area from the simplified polygons: DI Yogyakarta covers 3,185.80 km² (BPS, DIY Dalam Angka).
    assert regions.get("34").area_km2 == pytest.approx(3185.80, rel=0.03)


def test_licence_notice_ships_beside_the_boundaries() -> None:
    notice = FOLDER.joinpath("LICENSE").read_text("utf-8")
    assert "MIT License" in notice and "Copyright (c) 2024 Cahya DSN" in notice


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("3404132001", "34.04.13.2001"),
        ("34.04.13.2001", "34.04.13.2001"),
        (3404, "34.04"),
        (3404.0, "34.04"),
        ("3404.0", "34.04"),
        (" 34 ", "34"),
        ("340", None),
        ("34a1", None),
        (None, None),
        (float("nan"), None),
        (34.5, None),
    ],
)
def test_normalise_code(raw: object, code: str | None) -> None:
    assert normalise_code(raw) == code


def test_levels_and_parents() -> None:
    assert level_of("34") == "province" and level_of("34.04.13.2001") == "village"
    assert level_of("34.4") is None
    assert parent_code("34.04.13.2001", "regency") == "34.04"


def test_common_parent_is_the_deepest_region_holding_every_code() -> None:
    from sejahtera.data.regions import common_parent

    assert common_parent(["34.03.01", "34.03.12"]) == "34.03"  # kecamatan of one kabupaten
    assert common_parent(["34.03.01", "34.04.02"]) == "34"  # of one province
    assert common_parent(["34.01", "34.04"]) == "34"
    assert common_parent(["34.03.01"]) == "34.03"  # above the code's own level
    assert common_parent(["34.03", "33.01"]) is None and common_parent([]) is None
