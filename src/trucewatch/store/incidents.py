"""Incidents and the reports behind them: rows in, domain objects out.

An incident's stored fields are derived from its reports (``derive``): the
first report gives the account; later corroborating reports widen the
casualty range and add actors and tags.  Recomputing after a merge or an
un-merge is therefore exact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from trucewatch.domain import CasualtyRange, Incident, IncidentActor, Location, Role
from trucewatch.store.bulk import RawJSON, bulk_insert
from trucewatch.store.schema import incident_actors, incidents, reports


def canonical_json(original: dict[str, str]) -> RawJSON:
    """A record's raw values as canonical JSON text (stored as is, and hashed)."""
    return RawJSON(json.dumps(original, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def content_sha256(original: dict[str, str] | str) -> str:
    """A stable hash of a record's raw values: equal hashes mean an unchanged row."""
    text = original if isinstance(original, str) else canonical_json(original)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parsed_json(incident: Incident) -> dict[str, Any]:
    """The incident as one report parsed it, without provenance (stored beside it)."""
    return incident.model_dump(mode="json", exclude={"provenance"})


def derive(incident_id: str, accounts: Sequence[Incident]) -> Incident:
    """The incident as its reports describe it together (first report leads)."""
    lead = accounts[0]
    if len(accounts) == 1:
        return lead.model_copy(update={"id": incident_id, "provenance": None})
    lows = [a.fatalities.low for a in accounts]
    highs = [a.fatalities.high for a in accounts]
    best = lead.fatalities.best
    fatalities = CasualtyRange(low=min(min(lows), best), best=best, high=max(max(highs), best))
    actors = list(lead.actors)
    known = {a.id or a.name for a in actors}
    for other in accounts[1:]:
        for a in other.actors:
            if (a.id or a.name) not in known:
                actors.append(a)
                known.add(a.id or a.name)
    tags = list(dict.fromkeys(t for a in accounts for t in a.tags))
    sources = list(dict.fromkeys(a.source for a in accounts if a.source))
    return lead.model_copy(
        update={
            "id": incident_id,
            "actors": actors,
            "fatalities": fatalities,
            "tags": tags,
            "source": "; ".join(sources),
            "provenance": None,
        }
    )


def incident_values(
    incident: Incident, now: datetime, incident_id: str | None = None
) -> dict[str, Any]:
    """Column values of the incidents table for ``incident`` (stored as ``incident_id``)."""
    loc, civ = incident.location, incident.civilian_fatalities
    return {
        "id": incident_id or incident.id,
        "date": incident.date,
        "time_precision": incident.time_precision,
        "event_type": incident.event_type,
        "sub_event_type": incident.sub_event_type,
        "location_name": loc.name,
        "country": loc.country,
        "admin1": loc.admin1,
        "admin2": loc.admin2,
        "admin3": loc.admin3,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "geo_precision": loc.geo_precision,
        "fatalities_low": incident.fatalities.low,
        "fatalities_best": incident.fatalities.best,
        "fatalities_high": incident.fatalities.high,
        "civilian_low": civ.low if civ else None,
        "civilian_best": civ.best if civ else None,
        "civilian_high": civ.high if civ else None,
        "tags": list(incident.tags),
        "notes": incident.notes,
        "source": incident.source,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def actor_values(incident: Incident, incident_id: str | None = None) -> list[dict[str, Any]]:
    """Rows of incident_actors for ``incident`` (stored as ``incident_id``)."""
    key = incident_id or incident.id
    return [
        {
            "incident_id": key,
            "position": i,
            "name": a.name,
            "actor_id": a.id,
            "role": a.role.value,
        }
        for i, a in enumerate(incident.actors)
    ]


def insert_incidents(
    conn: Connection, items: Sequence[Incident | tuple[str, Incident]], now: datetime
) -> None:
    """Insert new incidents and their actors (bulk).

    An item may be ``(incident_id, account)``: a new incident with one report is
    that report's account under the incident's id, stored without copying it.
    """
    if not items:
        return
    pairs = [item if isinstance(item, tuple) else (item.id, item) for item in items]
    bulk_insert(conn, incidents, [incident_values(inc, now, key) for key, inc in pairs])
    bulk_insert(
        conn, incident_actors, [row for key, inc in pairs for row in actor_values(inc, key)]
    )


def replace_incident(conn: Connection, incident: Incident, now: datetime) -> None:
    """Rewrite a stored incident from its derived form and bump its version."""
    values = incident_values(incident, now)
    del values["created_at"], values["version"], values["id"]
    conn.execute(
        update(incidents)
        .where(incidents.c.id == incident.id)
        .values(**values, version=incidents.c.version + 1)
    )
    conn.execute(delete(incident_actors).where(incident_actors.c.incident_id == incident.id))
    rows = actor_values(incident)
    if rows:
        conn.execute(insert(incident_actors), rows)


def accounts_of(conn: Connection, incident_id: str) -> list[Incident]:
    """The parsed accounts of an incident's reports, first report first."""
    rows = conn.execute(
        select(reports.c.parsed).where(reports.c.incident_id == incident_id).order_by(reports.c.id)
    ).scalars()
    return [Incident.model_validate(p) for p in rows]


def recompute(conn: Connection, incident_ids: Iterable[str], now: datetime) -> None:
    """Re-derive incidents from their reports (after a merge, update or un-merge)."""
    for incident_id in sorted(set(incident_ids)):
        accounts = accounts_of(conn, incident_id)
        if accounts:
            replace_incident(conn, derive(incident_id, accounts), now)


def load_incident(conn: Connection, incident_id: str) -> Incident | None:
    """The stored incident, or None."""
    row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).mappings().first()
    if row is None:
        return None
    actor_rows = conn.execute(
        select(incident_actors)
        .where(incident_actors.c.incident_id == incident_id)
        .order_by(incident_actors.c.position)
    ).mappings()
    return _incident_of(row, list(actor_rows))


def incident_of(row: Any, actor_rows: list[Any]) -> Incident:
    """An incident from its stored row and its actor rows."""
    return _incident_of(row, actor_rows)


def _incident_of(row: Any, actor_rows: list[Any]) -> Incident:
    civ = None
    if row["civilian_best"] is not None:
        civ = CasualtyRange(
            low=row["civilian_low"], best=row["civilian_best"], high=row["civilian_high"]
        )
    return Incident(
        id=row["id"],
        date=row["date"],
        time_precision=row["time_precision"],
        event_type=row["event_type"],
        sub_event_type=row["sub_event_type"],
        actors=[
            IncidentActor(name=a["name"], id=a["actor_id"], role=Role(a["role"]))
            for a in actor_rows
        ],
        location=Location(
            name=row["location_name"],
            country=row["country"],
            admin1=row["admin1"],
            admin2=row["admin2"],
            admin3=row["admin3"],
            latitude=row["latitude"],
            longitude=row["longitude"],
            geo_precision=row["geo_precision"],
        ),
        fatalities=CasualtyRange(
            low=row["fatalities_low"], best=row["fatalities_best"], high=row["fatalities_high"]
        ),
        civilian_fatalities=civ,
        tags=list(row["tags"]),
        notes=row["notes"],
        source=row["source"],
    )


def load_incidents(
    conn: Connection, *, date_from: Any = None, date_to: Any = None
) -> list[Incident]:
    """All stored incidents in a date range (inclusive), ordered by date and id."""
    query = select(incidents).order_by(incidents.c.date, incidents.c.id)
    if date_from is not None:
        query = query.where(incidents.c.date >= date_from)
    if date_to is not None:
        query = query.where(incidents.c.date <= date_to)
    rows = list(conn.execute(query).mappings())
    by_incident: dict[str, list[Any]] = {}
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for a in conn.execute(
            select(incident_actors)
            .where(incident_actors.c.incident_id.in_(chunk))
            .order_by(incident_actors.c.incident_id, incident_actors.c.position)
        ).mappings():
            by_incident.setdefault(a["incident_id"], []).append(a)
    return [_incident_of(r, by_incident.get(r["id"], [])) for r in rows]


def counts(conn: Connection) -> dict[str, int]:
    """Row counts of incidents and reports (for checks and tests)."""
    return {
        "incidents": int(conn.execute(select(func.count()).select_from(incidents)).scalar_one()),
        "reports": int(conn.execute(select(func.count()).select_from(reports)).scalar_one()),
    }


def incidents_for_ref(conn: Connection, ref: str) -> list[tuple[str, str | None]]:
    """Stored incidents a reference may mean: (incident id, source) pairs.

    A reference is an incident id, or a source's own record id (``301214``),
    which several sources may use; the caller decides what to do with none or
    several.
    """
    if conn.execute(select(incidents.c.id).where(incidents.c.id == ref)).first():
        return [(ref, None)]
    hits = conn.execute(
        select(reports.c.incident_id, reports.c.source_id).where(reports.c.external_id == ref)
    )
    return sorted({(str(h.incident_id), str(h.source_id)) for h in hits})
