"""Is an incident inside a zone?  Inside, outside, or unknown — never a guess.

Zones are admin units, circles, buffered routes or polygons.  A point coded
only to a region (geo_precision 3) cannot be placed inside a circle or a
polygon, so the answer is "unknown" and the engine says so in its reasons
rather than deciding on a centroid.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
from shapely import intersects_xy

from trucewatch.domain import Zone
from trucewatch.domain.incident import Location
from trucewatch.geo.admin_names import canonical_admin1
from trucewatch.geo.boundaries import AdminIndex
from trucewatch.geo.geometry import EARTH_RADIUS_KM, area_km2, zone_geometries


class Membership(StrEnum):
    """Whether a location lies in a zone."""

    INSIDE = "inside"
    OUTSIDE = "outside"
    UNKNOWN = "unknown"


#: Membership as a small integer, for columns (:meth:`ZoneIndex.membership_many`).
MEMBERSHIP_CODES: tuple[Membership, ...] = (
    Membership.OUTSIDE,
    Membership.INSIDE,
    Membership.UNKNOWN,
)
_CODE = {m: i for i, m in enumerate(MEMBERSHIP_CODES)}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class ZoneVersion:
    """An approved change to a zone: its new definition, from when, which version."""

    version: int
    effective: date
    zone: Zone


class ZoneIndex:
    """The zones of one agreement, ready for membership tests one at a time or by the million.

    Border rule: a point exactly on a zone's boundary is **inside** (the
    closed zone; shapely ``intersects_xy``): an agreement that draws a line
    around an area means the line too, and the rule never depends on floating
    point noise deciding which side of an edge a town falls.

    A location coded only to a region (geo_precision 3) is "unknown" for
    geometric zones; for zones given by governorate names it is judged by its
    recorded admin1.
    """

    def __init__(
        self,
        zones: Iterable[Zone],
        admin: AdminIndex | None = None,
        versions: Mapping[str, Iterable[ZoneVersion]] | None = None,
    ) -> None:
        self.zones = {z.id: z for z in zones}
        entries = list(self.zones.values())
        # zone id → [(effective from, version, key)], version 0 being the agreement's text
        self._timeline: dict[str, list[tuple[date | None, int, str]]] = {
            z: [(None, 0, z)] for z in self.zones
        }
        for zone_id, changes in (versions or {}).items():
            for v in sorted(changes, key=lambda v: v.version):
                key = f"{zone_id}@{v.version}"
                entries.append(v.zone.model_copy(update={"id": key}))
                self._timeline.setdefault(zone_id, [(None, 0, zone_id)]).append(
                    (v.effective, v.version, key)
                )
        self.geometries = zone_geometries(entries, admin)
        self._admin1 = {z.id: {canonical_admin1(a) for a in z.admin1} for z in entries if z.admin1}

    def changed(self, zone_id: str) -> bool:
        """Whether ``zone_id`` has approved changes (so its version depends on the date)."""
        return len(self._timeline.get(zone_id, ())) > 1

    def version(self, zone_id: str, on: date | None = None) -> int:
        """The version of ``zone_id`` in force on ``on`` (latest approved on or before it)."""
        return self._entry(zone_id, on)[1]

    def _entry(self, zone_id: str, on: date | None) -> tuple[date | None, int, str]:
        timeline = self._timeline.get(zone_id, [(None, 0, zone_id)])
        current = timeline[0]
        for entry in timeline[1:]:
            effective = entry[0]
            if on is None or (effective is not None and effective <= on):
                current = entry
        return current

    def area_km2(self, zone_id: str, on: date | None = None) -> float | None:
        """The zone's area in km² (None when it is judged by admin names only)."""
        geom = self.geometries.get(self._entry(zone_id, on)[2])
        return None if geom is None else area_km2(geom)

    def membership(self, zone_id: str, location: Location, on: date | None = None) -> Membership:
        """Where ``location`` stands relative to zone ``zone_id`` (its version on ``on``)."""
        zone_id = self._entry(zone_id, on)[2]
        geom = self.geometries.get(zone_id)
        if geom is None:
            return self._by_admin_name(zone_id, location.admin1)
        if location.geo_precision >= 3:
            # A region-coded point: its recorded governorate still answers a governorate zone.
            if zone_id in self._admin1 and location.admin1:
                return self._by_admin_name(zone_id, location.admin1)
            return Membership.UNKNOWN
        hit = bool(intersects_xy(geom, location.longitude, location.latitude))
        return Membership.INSIDE if hit else Membership.OUTSIDE

    def inside_many(
        self, zone_id: str, lons: np.ndarray, lats: np.ndarray, on: date | None = None
    ) -> np.ndarray:
        """Vectorised: True where each point lies in the zone (border inside).

        Raises ValueError for a zone judged by admin names only: points alone
        cannot answer that.
        """
        geom = self.geometries.get(self._entry(zone_id, on)[2])
        if geom is None:
            raise ValueError(f"zone {zone_id} is given by admin names; load boundaries")
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        # A bounding-box mask first: zones are small beside the spread of incidents,
        # so the exact test runs only on the few points that could be inside
        # (bench/zones.py measures it: 7.7x the plain loop on 1M points x 50 zones).
        minx, miny, maxx, maxy = geom.bounds
        near = (lons >= minx) & (lons <= maxx) & (lats >= miny) & (lats <= maxy)
        out = np.zeros(len(lons), dtype=bool)
        if near.any():
            out[near] = intersects_xy(geom, lons[near], lats[near])
        return out

    def membership_many(
        self,
        zone_id: str,
        lons: np.ndarray,
        lats: np.ndarray,
        precision: np.ndarray,
        admin: tuple[list[str], np.ndarray],
        days: np.ndarray,
    ) -> np.ndarray:
        """:meth:`membership` for whole columns: codes into :data:`MEMBERSHIP_CODES`.

        The same rule as one at a time, column by column: the zone version in
        force is looked up once per distinct day, governorate names once per
        distinct name, and only points inside a version's bounding box reach
        the exact geometric test.  ``days`` is ``datetime64[D]``; ``admin`` is
        :meth:`admin_codes` of the rows' recorded governorates.
        """
        n = len(lons)
        out = np.full(n, _CODE[Membership.OUTSIDE], dtype=np.int8)
        if n == 0:
            return out
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        precision = np.asarray(precision)
        if not self.changed(zone_id):
            keys, key_of_row = [zone_id], None  # never changed: one version for every day
        else:
            unique_days, day_of_row = np.unique(
                np.asarray(days, dtype="datetime64[D]"), return_inverse=True
            )
            keys = [self._entry(zone_id, d.item())[2] for d in unique_days]
            key_of_row = np.asarray(keys, dtype=object)[day_of_row]
        admin_codes = admin
        for key in dict.fromkeys(keys):
            rows = np.arange(n) if key_of_row is None else np.flatnonzero(key_of_row == key)
            by_name = self._by_admin_names(key, admin_codes)
            geom = self.geometries.get(key)
            if geom is None:
                out[rows] = by_name[rows]
                continue
            coarse = precision[rows] >= 3
            coarse_rows = rows[coarse]
            if key in self._admin1:
                named = admin_codes[1][coarse_rows] >= 0
                out[coarse_rows] = np.where(named, by_name[coarse_rows], _CODE[Membership.UNKNOWN])
            else:
                out[coarse_rows] = _CODE[Membership.UNKNOWN]
            fine = rows[~coarse]
            minx, miny, maxx, maxy = geom.bounds
            x, y = lons[fine], lats[fine]
            near = fine[(x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)]
            if len(near):
                hit = intersects_xy(geom, lons[near], lats[near])
                out[near[hit]] = _CODE[Membership.INSIDE]
        return out

    @staticmethod
    def admin_codes(
        values: Sequence[str | None], codes: np.ndarray
    ) -> tuple[list[str], np.ndarray]:
        """Governorates as codes: ``values[codes[i]]`` is row i's recorded admin1.

        Returns the distinct canonical names and, per row, the index of its
        name among them (-1 where none is recorded), canonicalised once per
        distinct value.
        """
        names: dict[str, int] = {}
        table = np.array(
            [-1 if not v else names.setdefault(canonical_admin1(v), len(names)) for v in values]
            + [-1],
            dtype=np.int32,
        )
        return list(names), table[np.asarray(codes)]

    def _by_admin_names(self, key: str, admin_codes: tuple[list[str], np.ndarray]) -> np.ndarray:
        """:meth:`_by_admin_name` for every row, through its governorate's index."""
        names, codes = admin_codes
        if key not in self._admin1:
            return np.full(len(codes), _CODE[Membership.UNKNOWN], dtype=np.int8)
        inside = self._admin1[key]
        table = np.array(
            [_CODE[Membership.INSIDE if n in inside else Membership.OUTSIDE] for n in names]
            + [_CODE[Membership.UNKNOWN]],
            dtype=np.int8,
        )
        picked: np.ndarray = table[codes]  # index -1 takes the last entry: unknown
        return picked

    def _by_admin_name(self, zone_id: str, admin1: str | None) -> Membership:
        if zone_id not in self._admin1 or not admin1:
            return Membership.UNKNOWN
        inside = canonical_admin1(admin1) in self._admin1[zone_id]
        return Membership.INSIDE if inside else Membership.OUTSIDE

    def any_inside(
        self, zone_ids: Iterable[str], location: Location, on: date | None = None
    ) -> Membership:
        """Inside if inside any of the zones; unknown if none inside but some unknown."""
        seen = [self.membership(z, location, on) for z in zone_ids]
        if Membership.INSIDE in seen:
            return Membership.INSIDE
        if Membership.UNKNOWN in seen:
            return Membership.UNKNOWN
        return Membership.OUTSIDE
