"""SVG maps and bar charts of the reports, checked on their public output: the SVG text."""

from __future__ import annotations

import math
import re
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace

import pytest

from sejahtera.data.regions import Registry, registry
from sejahtera.errors import SejahteraError
from sejahtera.report import maps
from sejahtera.report.boundaries import layer
from sejahtera.report.charts import bar_chart
from sejahtera.report.maps import choropleth
from sejahtera.report.svg import number_format

SVG = "{http://www.w3.org/2000/svg}"
DISTRICTS = [r.code for r in registry().at_level("district")]
VILLAGES = [r.code for r in registry().at_level("village")]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def areas(root: ET.Element) -> dict[str, ET.Element]:
    found = [e for e in root.iter(f"{SVG}path") if "data-code" in e.attrib]
    by_code = {e.get("data-code"): e for e in found}
    assert len(by_code) == len(found), "an area is drawn twice"
    return by_code  # type: ignore[return-value]


def points(root: ET.Element, code: str) -> list[tuple[float, float]]:
    """The absolute coordinates of an area's outline, in the units of the viewBox."""
    for group in root.iter(f"{SVG}g"):
        for path in group.findall(f"{SVG}path"):
            if path.get("data-code") == code:
                dx, dy = map(float, re.findall(r"[-\d.]+", group.get("transform", ""))[:2])
                return [(x + dx, y + dy) for x, y in outline(path.get("d", ""))]
    raise AssertionError(f"{code} not drawn")


def outline(d: str) -> list[tuple[float, float]]:
    """Read path data made of ``M x y l dx dy … z`` rings."""
    found = []
    for ring in re.findall(r"M([^Mz]*)z", d):
        numbers = [float(n) for n in re.findall(r"-?(?:\d+\.?\d*|\.\d+)", ring.replace("l", " "))]
        x, y = numbers[0], numbers[1]
        found.append((x, y))
        for step_x, step_y in zip(numbers[2::2], numbers[3::2], strict=True):
            x, y = x + step_x, y + step_y
            found.append((x, y))
    return found


def centre(root: ET.Element, code: str) -> tuple[float, float]:
    drawn = points(root, code)
    return sum(x for x, _ in drawn) / len(drawn), sum(y for _, y in drawn) / len(drawn)


def luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def district_map(**options: object) -> str:
    values = {code: float(i) for i, code in enumerate(DISTRICTS)}
    options.setdefault("title", "Kemiskinan")
    options.setdefault("legend_title", "Persen")
    return choropleth(values, "district", "34", **options)  # type: ignore[arg-type]


def test_every_kecamatan_of_diy_is_drawn_once_in_an_accessible_responsive_svg() -> None:
    root = parse(district_map(title="Kemiskinan per kecamatan"))
    assert sorted(areas(root)) == sorted(DISTRICTS)
    assert len(DISTRICTS) == 78
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Kemiskinan per kecamatan"
    assert root.get("width") == "100%"
    assert root.findtext(f"{SVG}title") == "Kemiskinan per kecamatan"
    assert len(root.get("viewBox", "").split()) == 4


def test_each_area_has_a_tooltip_with_its_name_and_value() -> None:
    root = parse(district_map(fmt=number_format(1, language_code="en")))
    temon = areas(root)["34.01.01"]
    assert temon.findtext(f"{SVG}title") == f"{registry().name('34.01.01')}: 0.0"


def test_colours_darken_with_the_value_and_the_highest_value_is_darkest() -> None:
    root = parse(district_map())
    drawn = areas(root)
    by_value = sorted(drawn.values(), key=lambda e: float(e.get("data-value", "nan")))
    classes = [int(e.get("data-class", "")) for e in by_value]
    shades = [luminance(e.get("fill", "")) for e in by_value]
    assert classes == sorted(classes)
    assert shades == sorted(shades, reverse=True)
    assert shades[-1] == min(shades)
    assert len(set(classes)) == 5
    sizes = Counter(classes).values()
    assert max(sizes) - min(sizes) <= 1  # quantile classes: as equal as 78 areas allow


def test_equal_classes_are_closed_above() -> None:
    scheme = maps.classify([0.0, 2.0, 5.0, 10.0], 5, "sequential", "equal")
    assert scheme.edges == (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)
    assert [scheme.of(v) for v in (0.0, 2.0, 2.1, 5.0, 10.0)] == [0, 0, 1, 2, 4]


def test_equal_values_make_one_class() -> None:
    scheme = maps.classify([3.0, 3.0, 3.0], 5, "sequential", "quantile")
    assert len(scheme.colours) == 1
    assert scheme.of(3.0) == 0


def test_diverging_classes_are_symmetric_around_zero() -> None:
    scheme = maps.classify([-1.0, 0.5, 4.0], 5, "diverging", "equal")
    assert scheme.edges[0] == -scheme.edges[-1] == -4.0
    assert scheme.of(0.0) == 2


def test_missing_values_are_hatched_and_named_in_the_legend() -> None:
    values: dict[str, float | None] = {code: 1.0 + i for i, code in enumerate(DISTRICTS)}
    values["34.01.01"] = None
    values["34.01.02"] = float("nan")
    del values["34.01.03"]
    svg = choropleth(values, "district", title="T", legend_title="L", language_code="en")
    drawn = areas(parse(svg))
    for code in ("34.01.01", "34.01.02", "34.01.03"):
        assert drawn[code].get("fill", "").endswith("-nodata)")
        assert drawn[code].get("data-class") == "none"
        assert drawn[code].findtext(f"{SVG}title", "").endswith(": no data")
    assert drawn["34.01.04"].get("fill", "").startswith("#")
    assert ">no data</text>" in svg
    assert "no data" not in district_map(language_code="en")


def test_flagged_areas_get_a_mark_pattern_and_a_legend_entry() -> None:
    flags = {"34.01.01": "few observations", "34.04.01": "RSE > 50%"}
    root = parse(district_map(flags=flags))
    overlays = [e for e in root.iter(f"{SVG}path") if "-flag" in e.get("fill", "")]
    drawn = areas(root)
    assert sorted(e.get("d") for e in overlays) == sorted(drawn[c].get("d") for c in flags)
    assert len({e.get("fill") for e in overlays}) == 2
    legend = [e.text for e in root.iter(f"{SVG}text")]
    assert "few observations" in legend and "RSE > 50%" in legend
    assert "(few observations)" in drawn["34.01.01"].findtext(f"{SVG}title", "")
    pattern_ids = {e.get("id") for e in root.iter(f"{SVG}pattern")}
    assert {e.get("fill", "")[5:-1] for e in overlays} <= pattern_ids


def test_hostile_names_and_titles_are_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = '<script>alert("x")</script> & Co'
    shipped = registry()
    regions = [
        r
        for level in ("province", "regency", "district", "village")
        for r in shipped.at_level(level)
    ]
    renamed = Registry(
        [replace(r, name=hostile) if r.code in ("34.01.01", "34.01") else r for r in regions]
    )
    monkeypatch.setattr(maps, "registry", lambda: renamed)
    svg = district_map(title=hostile, legend_title=hostile, flags={"34.01.02": hostile})
    assert "<script" not in svg
    root = parse(svg)
    assert root.get("aria-label") == hostile
    assert root.findtext(f"{SVG}title") == hostile
    assert areas(root)["34.01.01"].findtext(f"{SVG}title", "").startswith(hostile + ": ")
    small = choropleth({"34.01": 1.0}, "regency", "34", title="T", legend_title="L")
    assert "<script" not in small
    assert hostile in [e.text for e in parse(small).iter(f"{SVG}text")]  # name on the map


def test_projection_is_north_up_and_keeps_yogyakarta_city_inside_the_view_box() -> None:
    root = parse(choropleth({"34.71": 1.0}, "regency", "34", title="T", legend_title="L"))
    _, _, width, height = map(float, root.get("viewBox", "").split())
    city = points(root, "34.71")
    assert all(0 <= x <= width and 0 <= y <= height for x, y in city)

    sleman, bantul, kulon_progo, gunungkidul = (
        centre(root, c) for c in ("34.04", "34.02", "34.01", "34.03")
    )
    assert sleman[1] < bantul[1]  # Sleman lies north of Bantul: smaller y
    assert kulon_progo[0] < gunungkidul[0]  # west to east


def test_projection_shrinks_longitude_by_the_cosine_of_the_latitude() -> None:
    drawn = layer("regency", "34")
    lon0, lat0, x_scale, y_scale = drawn.to_map
    assert x_scale / y_scale == pytest.approx(math.cos(math.radians(7.8)), abs=0.002)
    assert drawn.project(lon0, lat0) == (0.0, 0.0)


def test_the_desa_map_of_diy_stays_small() -> None:
    values = {code: i / 438 for i, code in enumerate(VILLAGES)}
    flags = {code: "few observations" for code in VILLAGES[::5]}
    svg = choropleth(values, title="Desa", legend_title="L", flags=flags)
    assert len(svg.encode("utf-8")) < 400_000
    assert sorted(areas(parse(svg))) == sorted(VILLAGES)
    assert len(VILLAGES) == 438


def test_codes_that_are_not_on_the_map_raise_an_error_naming_them() -> None:
    cases = [
        ({"34.01.01": 1.0, "99.99.99": 2.0}, "34", {}, "99.99.99"),  # no such region
        ({"34.71.01": 1.0}, "34.01", {}, "34.71.01"),  # a kecamatan of another kabupaten
        ({"34.01.01": 1.0}, "34", {"34.01": "x"}, "34.01"),  # a kabupaten among kecamatan
    ]
    for values, parent, flags, culprit in cases:
        with pytest.raises(SejahteraError) as caught:
            choropleth(values, "district", parent, title="T", legend_title="L", flags=flags)
        assert caught.value.key == "maps.codes_outside"
        assert caught.value.values["codes"] == culprit
        assert f": {culprit}." in str(caught.value)


def test_levels_without_boundaries_and_bad_options_are_refused() -> None:
    with pytest.raises(SejahteraError) as caught:
        choropleth({}, "district", "35", title="T", legend_title="L")
    assert caught.value.key == "maps.no_boundaries" and " 35:" in str(caught.value)
    with pytest.raises(SejahteraError):
        choropleth({"34.01": 1.0, "34.01.01": 2.0}, title="T", legend_title="L")
    with pytest.raises(ValueError, match="palette"):
        district_map(palette="rainbow")
    with pytest.raises(ValueError, match="classes"):
        district_map(classes=9)


def test_the_level_comes_from_the_codes_and_every_province_is_drawn() -> None:
    root = parse(choropleth({"63": 1.0, "34": 2.0}, title="T", legend_title="L"))
    assert sorted(areas(root)) == sorted(r.code for r in registry().at_level("province"))
    assert points(root, "63")  # Kalimantan Selatan: no polygon of its own, drawn from kabupaten


def test_boundaries_are_cached_and_a_national_map_is_quick_once_loaded() -> None:
    values = {r.code: float(i) for i, r in enumerate(registry().at_level("regency"))}
    choropleth(values, title="T", legend_title="L")
    assert layer("regency", None) is layer("regency", None)
    started = time.perf_counter()
    svg = choropleth(values, title="T", legend_title="L")
    assert time.perf_counter() - started < 0.5
    assert len(areas(parse(svg))) == 514


def test_two_maps_on_one_page_do_not_share_pattern_ids() -> None:
    ids = [
        {e.get("id") for e in parse(district_map(title=t)).iter(f"{SVG}pattern")}
        for t in ("A", "B")
    ]
    assert ids[0] and not ids[0] & ids[1]


def test_numbers_follow_the_language() -> None:
    assert number_format(1, language_code="id")(12345.67) == "12.345,7"
    assert number_format(1, language_code="en")(12345.67) == "12,345.7"
    assert number_format(1, percent=True, language_code="id")(-0.125) == "−12,5%"
    assert number_format(1, language_code="en")(-0.01) == "0.0"


def test_bar_chart_draws_bars_in_the_order_given() -> None:
    labels = ["Sleman", "Bantul <b>", "Kulon Progo", "Gunungkidul"]
    svg = bar_chart(
        labels,
        [0.08, 0.12, None, 0.16],
        title="Kemiskinan",
        fmt=number_format(1, percent=True, language_code="en"),
        intervals=[(0.06, 0.10), (0.10, 0.14), None, (0.13, 0.19)],
        reference=0.11,
        reference_label="DIY",
        language_code="en",
    )
    root = parse(svg)
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert [g.get("data-label") for g in bars] == labels
    heights = [float(g.find(f"{SVG}text").get("y", "")) for g in bars]  # type: ignore[union-attr]
    assert heights == sorted(heights)
    widths = {g.get("data-label"): g.find(f"{SVG}rect") for g in bars}
    assert widths["Kulon Progo"] is None  # no value, no bar
    assert float(widths["Gunungkidul"].get("width", "")) == pytest.approx(  # type: ignore[union-attr]
        2 * float(widths["Sleman"].get("width", "")),
        rel=0.01,  # type: ignore[union-attr]
    )
    assert bars[0].findtext(f"{SVG}title") == "Sleman: 8.0% (6.0% – 10.0%)"
    assert "no data" in bars[2].findtext(f"{SVG}title", "")
    assert "95% confidence interval" in svg and "stroke-dasharray" in svg
    assert "<b>" not in svg


def test_bar_chart_refuses_labels_and_values_of_different_lengths() -> None:
    with pytest.raises(ValueError):
        bar_chart(["a"], [1.0, 2.0], title="T")
