"""Which areas share a border, measured on the shipped boundaries.

The expected neighbours were checked by hand against the geometry: the shared vertices of the
shipped polygons of id-regencies.geojson, and the length of each boundary lying within 100 m to
2 km of the other (Gunungkidul-Wonogiri about 57-64 km, Kota Yogyakarta-Sleman 4-13 km).
"""

from __future__ import annotations

import pytest

from sejahtera.data.borders import neighbours


def codes(code: str, **options: float) -> set[str]:
    return {border.code for border in neighbours(code, **options)}


def test_gunungkidul_borders_jawa_tengah_and_its_diy_neighbours() -> None:
    assert codes("34.03") == {"33.10", "33.11", "33.12", "34.02", "34.04"}


def test_kota_yogyakarta_borders_only_sleman_and_bantul() -> None:
    assert codes("34.71") == {"34.02", "34.04"}


def test_every_diy_kabupaten_has_its_neighbours_across_the_provincial_border() -> None:
    assert codes("34.01") == {"33.06", "33.08", "34.02", "34.04"}  # Purworejo, Magelang
    assert codes("34.02") == {"34.01", "34.03", "34.04", "34.71"}  # no border with Jawa Tengah
    assert codes("34.04") == {"33.08", "33.10", "34.01", "34.02", "34.03", "34.71"}


def test_a_border_is_shared_both_ways_and_longest_first() -> None:
    found = neighbours("34.03")
    assert found[0].code == "33.12" and found[0].shared_m > 50_000  # Wonogiri, about 59 km
    back = {b.code: b.shared_m for b in neighbours("33.12")}
    assert back["34.03"] == pytest.approx(found[0].shared_m, rel=0.01)
    for code in ("34.01", "34.02", "34.04", "34.71"):
        assert all(code in codes(b.code) for b in neighbours(code))


def test_a_corner_is_not_a_border() -> None:
    # Sleman and Boyolali meet near the summit of Merapi: in the shipped polygons their
    # boundaries run side by side for about 1 km only, which is a corner.
    assert "33.09" not in codes("34.04")
    assert "33.09" in codes("34.04", min_shared_m=0)


def test_provinces_too() -> None:
    assert codes("34") == {"33"}
    assert {"32", "34", "35"} <= codes("33")  # Jawa Barat, DI Yogyakarta, Jawa Timur


def test_unknown_codes_have_no_neighbours() -> None:
    assert neighbours("99.99") == ()
    assert neighbours("not a code") == ()
