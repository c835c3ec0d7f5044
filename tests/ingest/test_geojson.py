"""GeoJSON in (fixtures are synthetic)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trucewatch.errors import InputError
from trucewatch.ingest import GeoJsonImporter

FIXTURES = Path(__file__).parent / "fixtures"


def test_points_become_incidents_with_coordinates_from_the_geometry() -> None:
    strike, clash, area = GeoJsonImporter().rows(FIXTURES / "incidents.geojson")
    assert strike.problems == () and strike.incident is not None
    assert (strike.line, strike.external_id) == (1, "GJ1")
    loc = strike.incident.location
    assert (loc.latitude, loc.longitude) == (36.1481, 36.94775)  # not the 0 in properties
    assert strike.incident.fatalities.best == 21
    assert json.loads(strike.original["geometry"])["type"] == "Point"
    assert strike.original["fatalities"] == "21"
    assert clash.external_id == "GJ2" and clash.incident is not None
    assert clash.incident.id == "GJ2"
    assert area.incident is None
    assert [str(p) for p in area.problems] == [
        f"{FIXTURES / 'incidents.geojson'}:3: feature 3 is a Polygon"
        " — only Point features are incidents; load areas as zones"
    ]


def test_swapped_coordinates_are_a_row_problem(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [36.2, 95.0]},
        "properties": {
            "event_date": "2016-09-19",
            "event_type": "Battles",
            "sub_event_type": "Armed clash",
        },
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    (row,) = GeoJsonImporter().rows(path)
    assert [str(p) for p in row.problems] == [
        f"{path}:1: geometry: '95.0' is out of range (-90..90)"
        " — GeoJSON coordinates are [longitude, latitude] — check the order"
    ]


def test_not_a_feature_collection(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "Feature"}')
    with pytest.raises(InputError, match="the file is a Feature, not a FeatureCollection"):
        GeoJsonImporter().rows(path)
