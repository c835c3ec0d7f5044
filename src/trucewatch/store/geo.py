"""Boundaries, extra places, incidents' admin units and zone versions in the database.

Loading boundaries replaces units with the same P-code (a newer edition of the
same dataset) and is audited once per file with its SHA-256.  Incidents'
admin units are derived by point-in-polygon and can always be recomputed, so
they live in their own table rather than overwriting what a source reported.

Zone versions carry the joint-implementation rule of the Sept 2016 deal: one
broker proposes a change, it takes effect only when a *different* broker of
the same agreement approves it, and both acts are audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
from shapely.geometry import mapping, shape
from sqlalchemy import Connection, delete, func, insert, select, update

from trucewatch.domain import Zone
from trucewatch.errors import InputError, Problem
from trucewatch.geo.boundaries import AdminIndex, AdminUnit
from trucewatch.geo.gazetteer import Place, place_from_dict
from trucewatch.geo.zones import ZoneVersion
from trucewatch.store import audit
from trucewatch.store.schema import (
    admin_units,
    incident_admin,
    incidents,
    places,
    reports,
    zone_versions,
)


def save_units(
    conn: Connection,
    units: Iterable[AdminUnit],
    *,
    source: str,
    sha256: str,
    user: str,
    now: datetime,
) -> int:
    """Insert or replace admin units by P-code; one audit entry for the file."""
    rows = list(units)
    pcodes = [u.pcode for u in rows]
    for i in range(0, len(pcodes), 500):
        conn.execute(delete(admin_units).where(admin_units.c.pcode.in_(pcodes[i : i + 500])))
    if rows:
        conn.execute(
            insert(admin_units),
            [
                {
                    "pcode": u.pcode,
                    "level": u.level,
                    "name": u.name,
                    "name_local": u.name_local,
                    "parents": {str(k): list(v) for k, v in u.parents.items()},
                    "geometry": mapping(u.geometry),
                    "source": source,
                    "sha256": sha256,
                    "loaded_at": now,
                }
                for u in rows
            ],
        )
    audit.record(
        conn,
        at=now,
        user=user,
        action="load",
        entity_type="boundaries",
        entity_id=source,
        after={"units": len(rows), "sha256": sha256, "levels": sorted({u.level for u in rows})},
    )
    return len(rows)


def load_admin_index(conn: Connection) -> AdminIndex | None:
    """The stored boundaries as an index, or None when none are loaded."""
    rows = conn.execute(select(admin_units)).mappings().all()
    if not rows:
        return None
    return AdminIndex(
        [
            AdminUnit(
                pcode=r["pcode"],
                name=r["name"],
                level=r["level"],
                geometry=shape(r["geometry"]),
                parents={int(k): (v[0], v[1]) for k, v in r["parents"].items()},
                name_local=r["name_local"],
            )
            for r in rows
        ]
    )


def save_places(
    conn: Connection, new: Iterable[Place], *, source: str, user: str, now: datetime
) -> int:
    """Insert or replace extra gazetteer places; one audit entry for the file."""
    rows = list(new)
    for p in rows:
        conn.execute(delete(places).where(places.c.id == p.id))
    if rows:
        conn.execute(
            insert(places),
            [
                {
                    "id": p.id,
                    "name": p.name,
                    "data": p.as_json() | {"names": list(p.names), "kind": p.kind},
                    "source": source,
                    "loaded_at": now,
                }
                for p in rows
            ],
        )
    audit.record(
        conn,
        at=now,
        user=user,
        action="load",
        entity_type="places",
        entity_id=source,
        after={"places": len(rows)},
    )
    return len(rows)


def load_places(conn: Connection) -> list[Place]:
    """Extra gazetteer places stored with ``trucewatch geo load``."""
    return [place_from_dict(d) for d in conn.execute(select(places.c.data)).scalars()]


def assign_admin_units(conn: Connection, index: AdminIndex, batch_id: int | None = None) -> int:
    """Stored incidents with a point get their admin unit at each loaded level.

    All incidents, or only those with a report in import batch ``batch_id``
    (an import need not re-locate the whole database).  Vectorised: one
    STRtree query per level.
    """
    query = select(incidents.c.id, incidents.c.latitude, incidents.c.longitude).where(
        incidents.c.latitude.is_not(None)
    )
    stale = delete(incident_admin)
    if batch_id is not None:
        touched = select(reports.c.incident_id).where(reports.c.batch_id == batch_id)
        query = query.where(incidents.c.id.in_(touched))
        stale = stale.where(incident_admin.c.incident_id.in_(touched))
    rows = conn.execute(query).all()
    conn.execute(stale)
    if not rows:
        return 0
    ids = [r[0] for r in rows]
    lats = np.array([float(r[1]) for r in rows])
    lons = np.array([float(r[2]) for r in rows])
    values: list[dict[str, Any]] = []
    for level in index.levels:
        for incident_id, unit in zip(ids, index.locate_many(lats, lons, level), strict=True):
            if unit is not None:
                values.append(
                    {
                        "incident_id": incident_id,
                        "level": level,
                        "pcode": unit.pcode,
                        "name": unit.name,
                    }
                )
    for i in range(0, len(values), 5000):
        conn.execute(insert(incident_admin), values[i : i + 5000])
    return len({v["incident_id"] for v in values})


def admin_units_of(conn: Connection, incident_id: str) -> list[tuple[int, str, str]]:
    """(level, P-code, name) of an incident's derived admin units."""
    rows = conn.execute(
        select(incident_admin.c.level, incident_admin.c.pcode, incident_admin.c.name)
        .where(incident_admin.c.incident_id == incident_id)
        .order_by(incident_admin.c.level)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def propose_zone(
    conn: Connection,
    agreement_id: str,
    zone: Zone,
    *,
    broker: str,
    user: str,
    now: datetime,
    note: str | None = None,
) -> int:
    """Record a broker's proposed change to a zone; returns its version number."""
    latest = conn.execute(
        select(func.max(zone_versions.c.version)).where(
            zone_versions.c.agreement_id == agreement_id, zone_versions.c.zone_id == zone.id
        )
    ).scalar_one()
    version = int(latest or 0) + 1
    conn.execute(
        insert(zone_versions).values(
            agreement_id=agreement_id,
            zone_id=zone.id,
            version=version,
            definition=zone.model_dump(mode="json", exclude_defaults=True),
            proposed_by=broker,
            proposed_user=user,
            proposed_at=now,
            note=note,
        )
    )
    audit.record(
        conn,
        at=now,
        user=user,
        action="propose",
        entity_type="zone",
        entity_id=f"{agreement_id}/{zone.id}/v{version}",
        after={"broker": broker, "definition": zone.model_dump(mode="json", exclude_defaults=True)},
        note=note,
    )
    return version


def approve_zone(
    conn: Connection,
    agreement_id: str,
    zone_id: str,
    version: int,
    *,
    broker: str,
    user: str,
    now: datetime,
    effective: date,
) -> None:
    """A second broker's approval: the version takes effect from ``effective``."""
    row = (
        conn.execute(
            select(zone_versions).where(
                zone_versions.c.agreement_id == agreement_id,
                zone_versions.c.zone_id == zone_id,
                zone_versions.c.version == version,
            )
        )
        .mappings()
        .first()
    )
    where = f"zone {zone_id} version {version}"
    if row is None:
        raise InputError([Problem(where, None, "no such proposal", "see `trucewatch zone list`")])
    if row["approved_by"]:
        raise InputError([Problem(where, None, f"already approved by {row['approved_by']}")])
    if row["proposed_by"] == broker:
        raise InputError(
            [
                Problem(
                    where,
                    None,
                    f"proposed by {broker}; the same broker cannot approve it",
                    "the other broker of the agreement approves a change",
                )
            ]
        )
    conn.execute(
        update(zone_versions)
        .where(
            zone_versions.c.agreement_id == agreement_id,
            zone_versions.c.zone_id == zone_id,
            zone_versions.c.version == version,
        )
        .values(approved_by=broker, approved_user=user, approved_at=now, effective=effective)
    )
    audit.record(
        conn,
        at=now,
        user=user,
        action="approve",
        entity_type="zone",
        entity_id=f"{agreement_id}/{zone_id}/v{version}",
        after={"broker": broker, "effective": effective.isoformat()},
    )


def zone_history(conn: Connection, agreement_id: str) -> list[dict[str, Any]]:
    """Every proposed and approved zone version of an agreement."""
    rows = conn.execute(
        select(zone_versions)
        .where(zone_versions.c.agreement_id == agreement_id)
        .order_by(zone_versions.c.zone_id, zone_versions.c.version)
    ).mappings()
    return [dict(r) for r in rows]


def approved_versions(conn: Connection, agreement_id: str) -> dict[str, list[ZoneVersion]]:
    """Approved zone versions of an agreement, for the engine."""
    out: dict[str, list[ZoneVersion]] = {}
    for r in zone_history(conn, agreement_id):
        if r["approved_by"] and r["effective"] is not None:
            zone = Zone.model_validate(r["definition"])
            out.setdefault(r["zone_id"], []).append(ZoneVersion(r["version"], r["effective"], zone))
    return out
