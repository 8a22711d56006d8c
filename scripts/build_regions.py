"""Build the region registry table (regions.csv) from the shipped GeoJSON boundaries.

Run from the repository root after replacing the boundary files:

    python scripts/build_regions.py

The registry keeps what the code needs at run time without parsing 8 MB of polygons: the
Kemendagri code, name, level, parent code, centroid and area in km² (from the simplified polygon,
so an approximation good to a few per cent).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "src" / "sejahtera" / "resources" / "regions"
FILES = ["id-provinces", "id-regencies", "diy-districts", "diy-villages"]
EARTH_RADIUS_KM = 6371.0088

# The source has no polygon for this province; its kabupaten are present.
MISSING_PROVINCES = {"63": "Kalimantan Selatan"}


def ring_area_km2(ring: list[list[float]]) -> float:
    """Area of one [lon, lat] ring by the shoelace formula on a local equirectangular projection."""
    lat0 = math.radians(sum(point[1] for point in ring) / len(ring))
    xs = [math.radians(lon) * math.cos(lat0) * EARTH_RADIUS_KM for lon, _ in ring]
    ys = [math.radians(lat) * EARTH_RADIUS_KM for _, lat in ring]
    twice = sum(xs[i] * ys[i + 1] - xs[i + 1] * ys[i] for i in range(len(ring) - 1))
    return abs(twice) / 2


def geometry_area_km2(geometry: dict) -> float:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    total = 0.0
    for polygon in polygons:
        outer, *holes = polygon
        total += ring_area_km2(outer) - sum(ring_area_km2(hole) for hole in holes)
    return total


def parent_code(code: str) -> str:
    return code.rsplit(".", 1)[0] if "." in code else ""


def main() -> None:
    rows = []
    for name in FILES:
        collection = json.loads((FOLDER / f"{name}.geojson").read_text(encoding="utf-8"))
        for feature in collection["features"]:
            props = feature["properties"]
            lon, lat = props["centroid"]
            rows.append(
                {
                    "code": props["code"],
                    "name": props["name"],
                    "level": props["level"],
                    "parent": parent_code(props["code"]),
                    "lon": f"{lon:.5f}",
                    "lat": f"{lat:.5f}",
                    "area_km2": f"{geometry_area_km2(feature['geometry']):.3f}",
                }
            )
    for code, province_name in MISSING_PROVINCES.items():
        rows.append(
            {
                "code": code,
                "name": province_name,
                "level": "province",
                "parent": "",
                "lon": "",
                "lat": "",
                "area_km2": "",
            }
        )
    rows.sort(key=lambda row: row["code"])
    with (FOLDER / "regions.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} regions to {FOLDER / 'regions.csv'}")


if __name__ == "__main__":
    main()
