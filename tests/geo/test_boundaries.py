"""Admin boundaries: OCHA's real files locate the convoy; bad geometry is refused at its feature.

Geometries built here are synthetic (made-up squares) unless read from
../shared/data/boundaries (OCHA Syria, 2016-09-05), which skips when absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trucewatch.errors import InputError
from trucewatch.geo.boundaries import AdminIndex, read_boundaries, read_places_csv, read_polygons


def _square(x0: float, y0: float, size: float) -> list[list[float]]:
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


def _fc(features: list[dict[str, object]], **extra: object) -> str:
    return json.dumps({"type": "FeatureCollection", **extra, "features": features}, indent=1)


def _feature(name: str, pcode: str, ring: list[list[float]]) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"NAME_EN": name, "PCODE": pcode, "ADM0_PCODE": "XX"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as e:
        read_boundaries(path)
    return [str(p) for p in e.value.problems]


@pytest.fixture()
def ocha(shared_data: Path) -> AdminIndex:
    units = []
    for level in (1, 2, 3):
        units += read_boundaries(shared_data / "boundaries" / f"syr_admin{level}.geojson")
    return AdminIndex(units)


def test_the_convoy_attack_falls_in_aleppo_governorate_atarib(ocha: AdminIndex) -> None:
    """Urum al-Kubra, 19 Sept 2016 (UCDP GED 301214: 36.1481 N, 36.94775 E).

    UCDP codes its adm_2 as "Atarib district".  In OCHA's 2016 boundaries
    Atareb (OCHA's spelling) is a sub-district, admin3 SY020001, of the Jebel
    Saman district (SY0200); the point falls in it.
    """
    found = ocha.locate(36.1481, 36.94775)
    assert (found[1].name, found[1].pcode) == ("Aleppo", "SY02")
    assert (found[3].name, found[3].pcode) == ("Atareb", "SY020001")
    assert found[3].parent(1) == ("SY02", "Aleppo")
    assert (
        (found[2].name, found[2].pcode)
        == ("Jebel Saman", "SY0200")
        == (
            found[3].parent(2)[1],  # type: ignore[index]
            found[3].parent(2)[0],  # type: ignore[index]
        )
    )


def test_locating_is_vectorised_and_matches_one_by_one(ocha: AdminIndex) -> None:
    rng = np.random.default_rng(5)  # synthetic points over Syria's extent
    lats, lons = rng.uniform(32.3, 37.3, 500), rng.uniform(35.7, 42.4, 500)
    many = ocha.locate_many(lats, lons, 2)
    for lat, lon, unit in zip(lats[:50], lons[:50], many[:50], strict=True):
        one = ocha.locate(float(lat), float(lon)).get(2)
        assert (one.pcode if one else None) == (unit.pcode if unit else None)


def test_find_by_name_or_pcode(ocha: AdminIndex) -> None:
    assert [u.pcode for u in ocha.find("SY02")] == ["SY02"]
    assert [u.pcode for u in ocha.find("Aleppo Governorate", level=1)] == ["SY02"]


def test_a_self_intersecting_polygon_is_refused_at_its_feature(tmp_path: Path) -> None:
    bowtie = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    path = tmp_path / "b.geojson"
    path.write_text(
        _fc(
            [
                _feature("Square (synthetic)", "XX01", _square(0, 0, 1)),
                _feature("Bowtie (synthetic)", "XX02", bowtie),
            ]
        )
    )
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:")
    assert "feature 2 (Bowtie (synthetic)): invalid polygon: Self-intersection[0.5 0.5]" in problem


def test_an_unclosed_ring_is_refused(tmp_path: Path) -> None:
    ring = _square(0, 0, 1)[:-1]
    path = tmp_path / "u.geojson"
    path.write_text(_fc([_feature("Open (synthetic)", "XX01", ring)]))
    [problem] = _problems(path)
    assert (
        "feature 1 (Open (synthetic)): a ring is not closed (its first point [0, 0] is not "
        "repeated at its end)" in problem
    )
    assert "repeat its first position as its last" in problem


def test_a_projected_crs_is_refused(tmp_path: Path) -> None:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32637"}}
    path = tmp_path / "p.geojson"
    path.write_text(_fc([_feature("Square (synthetic)", "XX01", _square(0, 0, 1))], crs=crs))
    assert _problems(path) == [
        f"{path}:1: the file's CRS is urn:ogc:def:crs:EPSG::32637, not WGS84 — reproject it to "
        "WGS84 longitude/latitude (EPSG:4326), e.g. ogr2ogr -t_srs EPSG:4326"
    ]
    metres = tmp_path / "m.geojson"
    metres.write_text(_fc([_feature("Metres (synthetic)", "XX01", _square(300000, 4000000, 1000))]))
    [problem] = _problems(metres)
    assert "position [300000, 4000000] is not longitude/latitude" in problem


def test_swapped_latitude_and_longitude_are_detected(shared_data: Path, tmp_path: Path) -> None:
    data = json.loads(
        (shared_data / "boundaries" / "syr_admin1.geojson").read_text(encoding="utf-8")
    )

    def swap(coords: object) -> object:
        if isinstance(coords, list) and coords and isinstance(coords[0], (int, float)):
            return [coords[1], coords[0], *coords[2:]]
        return [swap(c) for c in coords] if isinstance(coords, list) else coords

    for f in data["features"]:
        f["geometry"]["coordinates"] = swap(f["geometry"]["coordinates"])
    path = tmp_path / "swapped.geojson"
    path.write_text(json.dumps(data))
    [problem] = _problems(path)
    assert "latitude and longitude appear swapped" in problem
    assert "GeoJSON positions are [longitude, latitude]; exchange the two" in problem


def test_a_csv_gazetteer_reads_and_bad_rows_are_refused(tmp_path: Path) -> None:
    good = tmp_path / "g.csv"
    good.write_text("name,latitude,longitude,admin1\nSynthetic Hamlet,36.1,37.1,Aleppo\n")
    [p] = read_places_csv(good)
    assert (p.name, p.admin1, p.latitude) == ("Synthetic Hamlet", "Aleppo", 36.1)
    bad = tmp_path / "b.csv"
    bad.write_text("name,latitude,longitude\nA,not-a-number,37\nB,136.1,37.1\n")
    with pytest.raises(InputError) as e:
        read_places_csv(bad)
    assert [str(x) for x in e.value.problems] == [
        f"{bad}:2: latitude/longitude: not numbers — write decimal degrees",
        f"{bad}:3: latitude 136.1, longitude 37.1: outside degree ranges — latitude is -90..90 "
        "and longitude -180..180, in WGS84 degrees",
    ]


def test_polygon_files_for_zones(tmp_path: Path) -> None:
    path = tmp_path / "z.geojson"
    path.write_text(_fc([_feature("A (synthetic)", "XX01", _square(36.0, 35.0, 0.1))]))
    [geom] = read_polygons(path)
    assert geom.area == pytest.approx(0.01)


_WGS84_PRJ = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)


def _shapefile(path: Path, prj: str | None) -> Path:
    import shapefile

    with shapefile.Writer(str(path), shapeType=shapefile.POLYGON) as w:
        w.field("NAME_EN", "C")
        w.field("PCODE", "C")
        w.poly([[(37.0, 36.0), (37.0, 36.1), (37.1, 36.1), (37.1, 36.0), (37.0, 36.0)]])
        w.record("Square (synthetic)", "XX01")
    if prj is not None:
        path.with_suffix(".prj").write_text(prj)
    return path.with_suffix(".shp")


def test_a_shapefile_in_wgs84_loads_and_a_projected_one_is_refused(tmp_path: Path) -> None:
    [unit] = read_boundaries(_shapefile(tmp_path / "ok", _WGS84_PRJ))
    assert (unit.name, unit.pcode, unit.level) == ("Square (synthetic)", "XX01", 0)
    assert AdminIndex([unit]).locate(36.05, 37.05)[0].pcode == "XX01"
    utm = 'PROJCS["WGS_1984_UTM_Zone_37N",GEOGCS["GCS_WGS_1984"]]'
    bad = _shapefile(tmp_path / "utm", utm)
    [problem] = _problems(bad)
    assert problem.endswith(
        "the .prj is not WGS84 longitude/latitude — reproject it to WGS84 "
        "longitude/latitude (EPSG:4326), e.g. ogr2ogr -t_srs EPSG:4326"
    )
    none = _shapefile(tmp_path / "noprj", None)
    assert "no .prj beside the .shp: its CRS is unknown" in _problems(none)[0]


def test_a_zone_by_admin_unit_pcode_or_name(ocha: AdminIndex) -> None:
    from trucewatch.domain import Zone
    from trucewatch.domain.incident import Location
    from trucewatch.geo import Membership, ZoneIndex

    zones = [
        Zone.model_validate({"id": "by-code", "kind": "other", "admin_units": ["SY020001"]}),
        Zone.model_validate({"id": "by-name", "kind": "other", "admin_units": ["Jebel Saman"]}),
        Zone.model_validate({"id": "gov", "kind": "other", "admin1": ["Aleppo Governorate"]}),
    ]
    index = ZoneIndex(zones, ocha)
    convoy = Location(name="Urum al Kubra", latitude=36.1481, longitude=36.94775, geo_precision=1)
    for z in ("by-code", "by-name", "gov"):
        assert index.membership(z, convoy) == Membership.INSIDE, z
    damascus = Location(name="Damascus", latitude=33.51, longitude=36.29, geo_precision=1)
    assert index.membership("by-code", damascus) == Membership.OUTSIDE
    assert 300 < (index.area_km2("by-code") or 0) < 3000  # a sub-district, in km²
    from trucewatch.errors import InputError

    with pytest.raises(InputError, match="no loaded admin unit is named or coded 'Atlantis'"):
        ZoneIndex(
            [Zone.model_validate({"id": "x", "kind": "other", "admin_units": ["Atlantis"]})], ocha
        )
