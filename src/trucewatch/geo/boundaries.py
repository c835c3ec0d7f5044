"""Admin boundaries and extra gazetteers from files, checked before anything is used.

Formats:

* **GeoJSON** FeatureCollection of Polygon / MultiPolygon features, in WGS84
  longitude/latitude (RFC 7946).  Properties in OCHA's common operational
  dataset style are understood: either ``NAME_EN`` + ``PCODE`` with the
  parents' ``ADMn_EN`` / ``ADMn_PCODE`` (the OCHA Syria 2016 files), or only
  ``ADMn_EN`` / ``ADMn_PCODE`` for each level (HDX COD-AB).  The unit's level
  is one below its deepest parent.
* **Shapefile** (``.shp`` with its ``.dbf`` and ``.prj``), read with pyshp; the
  ``.prj`` must say WGS 84 geographic coordinates.
* **CSV gazetteer**: ``name,latitude,longitude`` and optionally
  ``names`` (``;``-separated), ``admin1``, ``admin2``, ``kind``, ``source``.

Refused, with the feature (and line, where the file has lines) and what to do:
a CRS other than WGS84, coordinates outside longitude/latitude ranges, an
unclosed ring, a self-intersecting or otherwise invalid polygon, a missing
name or P-code, and latitude and longitude swapped.  Swapping is detected by
comparison with the shipped gazetteer: when far more of the file's points lie
near known places once x and y are exchanged than as written, the file has them
the wrong way round.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from trucewatch.errors import InputError, Problem
from trucewatch.geo.gazetteer import Gazetteer, Place

_WGS84 = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
}
_FIX_CRS = "reproject it to WGS84 longitude/latitude (EPSG:4326), e.g. ogr2ogr -t_srs EPSG:4326"
#: A file point counts as "near a known place" within this distance.
NEAR_KM = 30.0


@dataclass(frozen=True)
class AdminUnit:
    """One admin unit: P-code, name, level, parents and its polygon (WGS84)."""

    pcode: str
    name: str
    level: int
    geometry: BaseGeometry
    parents: dict[int, tuple[str, str]] = field(default_factory=dict)
    name_local: str | None = None

    def parent(self, level: int) -> tuple[str, str] | None:
        """(P-code, name) of the parent unit at ``level``."""
        return self.parents.get(level)


def read_boundaries(path: Path | str) -> list[AdminUnit]:
    """Admin units from a GeoJSON or Shapefile, or InputError listing every problem."""
    path = Path(path)
    features, lines, problems = _features(path)
    if problems:
        raise InputError(problems)
    units: list[AdminUnit] = []
    for n, (feature, line) in enumerate(zip(features, lines, strict=True), start=1):
        unit, found = _unit(str(path), n, line, feature)
        problems.extend(found)
        if unit is not None:
            units.append(unit)
    if not units and not problems:
        problems.append(
            Problem(str(path), None, "no polygon features", "give admin boundary polygons")
        )
    if not problems:
        problems.extend(_swapped(str(path), [u.geometry.representative_point() for u in units]))
    if problems:
        raise InputError(problems)
    return units


def read_places_csv(path: Path | str) -> list[Place]:
    """Extra gazetteer entries from a CSV, or InputError with every bad row at its line."""
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), None, "file not found", "check the path")])
    problems: list[Problem] = []
    places: list[Place] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"name", "latitude", "longitude"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(
                [
                    Problem(
                        str(path),
                        1,
                        f"missing column(s): {', '.join(sorted(missing))}",
                        "the header needs name,latitude,longitude (and optionally names, "
                        "admin1, admin2, kind, source)",
                    )
                ]
            )
        for line, row in enumerate(reader, start=2):
            name = (row.get("name") or "").strip()
            try:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except (TypeError, ValueError):
                problems.append(
                    Problem(
                        str(path), line, "latitude/longitude: not numbers", "write decimal degrees"
                    )
                )
                continue
            if not name:
                problems.append(Problem(str(path), line, "name: empty", "give the place's name"))
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                problems.append(
                    Problem(
                        str(path),
                        line,
                        f"latitude {lat}, longitude {lon}: outside degree ranges",
                        "latitude is -90..90 and longitude -180..180, in WGS84 degrees",
                    )
                )
                continue
            key = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            places.append(
                Place(
                    id=f"{path.stem}-{line}-{key}",
                    name=name,
                    latitude=lat,
                    longitude=lon,
                    kind=(row.get("kind") or "town").strip(),
                    names=tuple(
                        n.strip() for n in (row.get("names") or "").split(";") if n.strip()
                    ),
                    admin1=(row.get("admin1") or "").strip() or None,
                    admin2=(row.get("admin2") or "").strip() or None,
                    sources=(
                        f"{path.name} line {line}"
                        + (f": {row['source']}" if row.get("source") else ""),
                    ),
                )
            )
    if not problems:
        problems.extend(
            _swapped(str(path), [shapely.Point(p.longitude, p.latitude) for p in places])
        )
    if problems:
        raise InputError(problems)
    return places


class AdminIndex:
    """Point-in-polygon over admin units, vectorised (STRtree + shapely predicates).

    Border rule: a point exactly on a boundary belongs to every unit whose
    closure contains it (``intersects``); :meth:`locate` then picks the unit
    with the smallest P-code, so the answer is deterministic.
    """

    def __init__(self, units: list[AdminUnit]) -> None:
        self.units = units
        self._by_level: dict[int, list[AdminUnit]] = {}
        for u in units:
            self._by_level.setdefault(u.level, []).append(u)
        self._trees = {
            level: shapely.STRtree([u.geometry for u in group])
            for level, group in self._by_level.items()
        }

    @property
    def levels(self) -> list[int]:
        """The admin levels loaded."""
        return sorted(self._by_level)

    def locate_many(self, lats: np.ndarray, lons: np.ndarray, level: int) -> list[AdminUnit | None]:
        """The unit of ``level`` containing each point (None outside all of them)."""
        group = self._by_level.get(level, [])
        out: list[AdminUnit | None] = [None] * len(lats)
        if not group or len(lats) == 0:
            return out
        points = shapely.points(np.asarray(lons, float), np.asarray(lats, float))
        point_idx, unit_idx = self._trees[level].query(points, predicate="intersects")
        for p, u in zip(point_idx.tolist(), unit_idx.tolist(), strict=True):
            current = out[p]
            if current is None or group[u].pcode < current.pcode:
                out[p] = group[u]
        return out

    def locate(self, lat: float, lon: float) -> dict[int, AdminUnit]:
        """Every loaded level's unit containing the point."""
        found = {}
        for level in self.levels:
            [unit] = self.locate_many(np.array([lat]), np.array([lon]), level)
            if unit is not None:
                found[level] = unit
        return found

    def find(self, ref: str, level: int | None = None) -> list[AdminUnit]:
        """Units whose P-code or name (any case, accents, 'Governorate' suffix) is ``ref``."""
        from trucewatch.geo.admin_names import admin_key

        key = admin_key(ref)
        return [
            u
            for u in self.units
            if (level is None or u.level == level)
            and (u.pcode.lower() == ref.strip().lower() or admin_key(u.name) == key)
        ]


def _features(path: Path) -> tuple[list[dict[str, Any]], list[int | None], list[Problem]]:
    """The features of a GeoJSON or Shapefile, each with its line (None without lines)."""
    if not path.is_file():
        raise InputError([Problem(str(path), None, "file not found", "check the path")])
    if path.suffix.lower() == ".shp":
        features, problems = _shapefile_features(path)
        return features, [None] * len(features), problems
    return _geojson_features(path)


def _geojson_features(path: Path) -> tuple[list[dict[str, Any]], list[int | None], list[Problem]]:
    text = path.read_text(encoding="utf-8-sig")
    name = str(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return (
            [],
            [],
            [Problem(name, e.lineno, f"not valid JSON: {e.msg}", "check the file is GeoJSON")],
        )
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return (
            [],
            [],
            [Problem(name, 1, "not a GeoJSON FeatureCollection", "export boundaries as GeoJSON")],
        )
    crs = data.get("crs")
    if crs is not None:
        crs_name = (
            str((crs.get("properties") or {}).get("name", crs))
            if isinstance(crs, dict)
            else str(crs)
        )
        if crs_name not in _WGS84 and "CRS84" not in crs_name and not crs_name.endswith("4326"):
            return [], [], [Problem(name, 1, f"the file's CRS is {crs_name}, not WGS84", _FIX_CRS)]
    features = data.get("features") or []
    lines: list[int | None] = []
    if text.count("\n") > len(features):
        starts = [m.start() for m in re.finditer(r'"type"\s*:\s*"Feature"', text)]
        lines.extend(text.count("\n", 0, at) + 1 for at in starts[: len(features)])
    lines += [None] * (len(features) - len(lines))
    return features, lines, []


def _shapefile_features(path: Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    import shapefile  # type: ignore[import-untyped]  # pyshp

    name = str(path)
    prj = path.with_suffix(".prj")
    if not prj.exists():
        return [], [Problem(name, None, "no .prj beside the .shp: its CRS is unknown", _FIX_CRS)]
    wkt = prj.read_text(encoding="utf-8", errors="replace")
    if "PROJCS" in wkt or not ("WGS_1984" in wkt or "WGS 84" in wkt or "WGS84" in wkt):
        return [], [Problem(str(prj), 1, "the .prj is not WGS84 longitude/latitude", _FIX_CRS)]
    try:
        reader = shapefile.Reader(str(path))
        features = [sr.__geo_interface__ for sr in reader.iterShapeRecords()]
    except shapefile.ShapefileException as e:
        return [], [Problem(name, None, f"cannot read the shapefile: {e}", "check .shp/.dbf/.shx")]
    return features, []


def _checked_geometry(
    name: str, n: int, line: int | None, feature: dict[str, Any]
) -> tuple[BaseGeometry | None, list[Problem]]:
    """The feature's polygon, or the problem with it: type, closed rings, degrees, validity."""
    props = feature.get("properties") or {}
    where = f"feature {n}"
    label = props.get("NAME_EN") or props.get("name") or ""
    if label:
        where += f" ({label})"
    geometry = feature.get("geometry") or {}
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        return None, [
            Problem(name, line, f"{where}: geometry is {kind}, not a polygon", "give polygons")
        ]
    rings = geometry.get("coordinates") or []
    polygons = [rings] if kind == "Polygon" else rings
    for polygon in polygons:
        for ring in polygon:
            if len(ring) < 4 or list(ring[0]) != list(ring[-1]):
                return None, [
                    Problem(
                        name,
                        line,
                        f"{where}: a ring is not closed (its first point {list(ring[0])} is not "
                        f"repeated at its end)",
                        "close every ring: repeat its first position as its last",
                    )
                ]
            for x, y, *_ in ring:
                if not (-180 <= x <= 180 and -90 <= y <= 90):
                    return None, [
                        Problem(
                            name,
                            line,
                            f"{where}: position [{x}, {y}] is not longitude/latitude",
                            f"the file seems to be in a projected CRS; {_FIX_CRS}",
                        )
                    ]
    geom = shape(geometry)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        return None, [
            Problem(
                name,
                line,
                f"{where}: invalid polygon: {reason}",
                "fix the geometry (e.g. QGIS 'Fix geometries'); an invalid ring is refused, "
                "never repaired silently",
            )
        ]
    return geom, []


def _unit(
    name: str, n: int, line: int | None, feature: dict[str, Any]
) -> tuple[AdminUnit | None, list[Problem]]:
    geom, problems = _checked_geometry(name, n, line, feature)
    if geom is None:
        return None, problems
    props = feature.get("properties") or {}
    pcode, unit_name, level, parents = _identity(props)
    if not pcode or not unit_name:
        return None, [
            Problem(
                name,
                line,
                f"feature {n}: no name or P-code in its properties",
                "give NAME_EN and PCODE, or ADMn_EN and ADMn_PCODE",
            )
        ]
    return AdminUnit(pcode, unit_name, level, geom, parents, props.get("NAME_AR")), []


def read_polygons(path: Path | str) -> list[BaseGeometry]:
    """Every polygon of a GeoJSON or Shapefile (for zones), checked like boundaries."""
    path = Path(path)
    features, lines, problems = _features(path)
    geoms = []
    for n, (feature, line) in enumerate(zip(features, lines, strict=True), start=1):
        geom, found = _checked_geometry(str(path), n, line, feature)
        problems.extend(found)
        if geom is not None:
            geoms.append(geom)
    if not geoms and not problems:
        problems.append(Problem(str(path), None, "no polygon features", "give a polygon"))
    if problems:
        raise InputError(problems)
    return geoms


def _identity(
    props: dict[str, Any],
) -> tuple[str | None, str | None, int, dict[int, tuple[str, str]]]:
    levels = sorted(int(m.group(1)) for k in props if (m := re.fullmatch(r"ADM(\d)_PCODE", k)))
    parents = {n: (str(props[f"ADM{n}_PCODE"]), str(props.get(f"ADM{n}_EN") or "")) for n in levels}
    if props.get("PCODE"):
        level = (max(levels) + 1) if levels else 0
        return str(props["PCODE"]), props.get("NAME_EN") or props.get("name"), level, parents
    if levels:
        own = max(levels)
        pcode, unit_name = parents.pop(own)
        return pcode, unit_name or None, own, parents
    return None, None, 0, parents


def _swapped(name: str, points: list[BaseGeometry]) -> list[Problem]:
    """A problem if the points sit near known places only once x and y are exchanged."""
    known = [p for p in Gazetteer.shipped().places]
    if not points or not known:
        return []
    tree = shapely.STRtree([shapely.Point(p.longitude, p.latitude) for p in known])
    xs = np.array([p.x for p in points])
    ys = np.array([p.y for p in points])
    degrees = NEAR_KM / 111.0

    def near(x: np.ndarray, y: np.ndarray) -> float:
        pts = shapely.points(x, y)
        idx, _ = tree.query(pts, predicate="dwithin", distance=degrees)
        return len(set(idx.tolist())) / len(pts)

    as_written, exchanged = near(xs, ys), near(ys, xs)
    if exchanged > 0.5 and exchanged > as_written + 0.3:
        return [
            Problem(
                name,
                None,
                f"latitude and longitude appear swapped: {exchanged:.0%} of the features lie near "
                f"known places with x and y exchanged, {as_written:.0%} as written",
                "GeoJSON positions are [longitude, latitude]; exchange the two",
            )
        ]
    return []
