"""GeoJSON in: a FeatureCollection of Point features with ACLED column names as properties.

Each Point feature is one incident.  Its properties use ACLED's column names
(``event_id_cnty`` or ``id``, ``event_date``, ``event_type``,
``sub_event_type``, ``actor1``, ``assoc_actor_1``, ``actor2``,
``assoc_actor_2``, ``fatalities``, ``location``, ``admin1``..``admin3``,
``country``, ``geo_precision``, ``time_precision``, ``notes``, ``source``,
``tags``) and are read by the same code as an ACLED CSV row.  The place
comes from the geometry — GeoJSON writes ``[longitude, latitude]`` — never
from latitude/longitude properties.  A feature that is not a Point (an area,
a line) is a row problem: areas belong in zones, not incidents.

Unlike the CSV formats, the file is parsed whole with ``json.load``: a
GeoJSON document is one JSON value, so memory grows with the file (the rows
are still handed on one at a time).  Very large collections are better
exported as ACLED CSV.

``Row.line`` is the 1-based index of the feature in ``features``, since a
JSON file's features need not be one per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trucewatch.errors import InputError, Problem
from trucewatch.ingest.acled import AcledRowParser
from trucewatch.ingest.base import ActorResolver, Row, hash_and_check

__all__ = ["GeoJsonImporter"]

_COORDINATE_HINT = "GeoJSON coordinates are [longitude, latitude] — check the order"


class GeoJsonImporter:
    """GeoJSON FeatureCollections of Point features, row by row."""

    format = "geojson"

    def rows(self, path: Path, *, actors: ActorResolver | None = None) -> Iterator[Row]:
        """Every feature as a Row; a file that is not a FeatureCollection raises InputError."""
        path = Path(path)
        name = str(path)
        sha256 = hash_and_check(path, hint="save the file as UTF-8, as GeoJSON requires")
        features = _features(path, name)
        parser = AcledRowParser(
            name,
            sha256,
            actors,
            columns={"latitude": "geometry", "longitude": "geometry"},
            coordinate_hint=_COORDINATE_HINT,
        )
        return self._rows(name, features, parser)

    def _rows(self, name: str, features: list[Any], parser: AcledRowParser) -> Iterator[Row]:
        for index, feature in enumerate(features, start=1):
            yield _row(name, index, feature, parser)


def _features(path: Path, name: str) -> list[Any]:
    with path.open(encoding="utf-8-sig") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise InputError(
                [
                    Problem(
                        name,
                        e.lineno,
                        f"not valid JSON ({e.msg}, column {e.colno})",
                        "check the file is complete GeoJSON (a truncated file ends early)",
                    )
                ]
            ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    f"the file is a {kind}, not a FeatureCollection",
                    'give {"type": "FeatureCollection", "features": [...]} '
                    "with one Point feature per incident",
                )
            ]
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise InputError(
            [Problem(name, None, "the FeatureCollection has no features list", "add one")]
        )
    return features


def _text(value: Any) -> str:
    """A property value as it would appear in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value) if isinstance(value, int) else repr(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _row(name: str, index: int, feature: Any, parser: AcledRowParser) -> Row:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return Row(
            index,
            None,
            {"feature": _text(feature)},
            None,
            (
                Problem(
                    name,
                    index,
                    f"feature {index} is not a GeoJSON Feature",
                    'write {"type": "Feature", "geometry": ..., "properties": ...}',
                    "type",
                ),
            ),
        )
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        props = {}
    original = {str(k): _text(v) for k, v in props.items()}
    geometry = feature.get("geometry")
    original["geometry"] = _text(geometry)
    fid = feature.get("id")
    external_id = (
        _text(fid) if fid not in (None, "") else original.get("event_id_cnty") or original.get("id")
    ) or None
    fields = {k: v for k, v in original.items() if k not in ("latitude", "longitude", "geometry")}
    fields.pop("id", None)
    if external_id is not None:
        fields["event_id_cnty"] = external_id
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind != "Point":
        what = f"is a {kind}" if kind else "has no geometry"
        problem = Problem(
            name,
            index,
            f"feature {index} {what}",
            "only Point features are incidents; load areas as zones",
            "geometry",
        )
        return Row(index, external_id, original, None, (problem,))
    assert isinstance(geometry, dict)
    coordinates = geometry.get("coordinates")
    if (
        not isinstance(coordinates, list)
        or len(coordinates) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
    ):
        problem = Problem(
            name,
            index,
            f"geometry: feature {index} has coordinates {_text(coordinates)}",
            "give [longitude, latitude] in decimal degrees",
            "geometry",
        )
        return Row(index, external_id, original, None, (problem,))
    fields["longitude"] = _text(coordinates[0])
    fields["latitude"] = _text(coordinates[1])
    incident, found = parser.parse(index, fields, original)
    return Row(index, external_id, original, incident, tuple(found))
