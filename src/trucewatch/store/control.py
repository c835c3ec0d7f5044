"""Control snapshots and line positions in the database, every load audited.

A snapshot is stored whole: loading the same file for the same date again
adds nothing; a changed file for the same date replaces the snapshot's areas,
and the audit entry keeps the SHA-256 of what was there before.  Line
positions work the same way, keyed by line id and date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from trucewatch.domain.control import ControlArea, ControlLayer, LinePosition
from trucewatch.store import audit
from trucewatch.store.schema import contact_lines, control_areas, control_layers

__all__ = ["load_layers", "load_lines", "save_layer", "save_lines"]


def save_layer(conn: Connection, layer: ControlLayer, *, user: str, now: datetime) -> str:
    """Store a snapshot; 'added', 'replaced' or 'unchanged'."""
    row = conn.execute(
        select(control_layers.c.sha256).where(control_layers.c.id == layer.id)
    ).first()
    if row is not None and row[0] == layer.sha256:
        return "unchanged"
    if row is not None:
        conn.execute(delete(control_areas).where(control_areas.c.layer_id == layer.id))
        conn.execute(delete(control_layers).where(control_layers.c.id == layer.id))
    conn.execute(
        insert(control_layers).values(
            id=layer.id,
            valid_from=layer.valid_from,
            valid_to=layer.valid_to,
            source=layer.source,
            sha256=layer.sha256,
            note=layer.note,
            loaded_by=user,
            loaded_at=now,
        )
    )
    if layer.areas:
        conn.execute(
            insert(control_areas),
            [
                {
                    "layer_id": layer.id,
                    "actor": a.actor,
                    "name": a.name,
                    "population": a.population,
                    "pcode": a.pcode,
                    "feature": a.feature,
                    "geometry": a.geometry,
                }
                for a in layer.areas
            ],
        )
    by_actor: dict[str, int] = {}
    for a in layer.areas:
        by_actor[a.actor] = by_actor.get(a.actor, 0) + 1
    audit.record(
        conn,
        at=now,
        user=user,
        action="load" if row is None else "replace",
        entity_type="control_layer",
        entity_id=layer.id,
        before=None if row is None else {"sha256": row[0]},
        after={
            "valid_from": layer.valid_from.isoformat(),
            "valid_to": layer.valid_to.isoformat() if layer.valid_to else None,
            "sha256": layer.sha256,
            "areas_by_actor": by_actor,
        },
    )
    return "added" if row is None else "replaced"


def load_layers(conn: Connection, *, until: date | None = None) -> list[ControlLayer]:
    """Stored snapshots (those from ``until`` or before, when given), oldest first."""
    query = select(control_layers).order_by(control_layers.c.valid_from, control_layers.c.id)
    if until is not None:
        query = query.where(control_layers.c.valid_from <= until)
    layers = [dict(r) for r in conn.execute(query).mappings()]
    if not layers:
        return []
    areas: dict[str, list[ControlArea]] = {}
    ids = [r["id"] for r in layers]
    rows = conn.execute(
        select(control_areas)
        .where(control_areas.c.layer_id.in_(ids))
        .order_by(control_areas.c.layer_id, control_areas.c.id)
    ).mappings()
    for r in rows:
        areas.setdefault(r["layer_id"], []).append(
            ControlArea(
                actor=r["actor"],
                geometry=r["geometry"],
                name=r["name"],
                population=r["population"],
                pcode=r["pcode"],
                feature=r["feature"],
            )
        )
    return [
        ControlLayer(
            id=r["id"],
            valid_from=r["valid_from"],
            valid_to=r["valid_to"],
            source=r["source"],
            sha256=r["sha256"],
            note=r["note"],
            areas=areas.get(r["id"], []),
        )
        for r in layers
    ]


def save_lines(
    conn: Connection, positions: Iterable[LinePosition], *, user: str, now: datetime
) -> dict[str, int]:
    """Store line positions (replacing one of the same line and date); counts."""
    counts = {"added": 0, "replaced": 0, "unchanged": 0}
    for p in positions:
        key = (contact_lines.c.line_id == p.line) & (contact_lines.c.valid_from == p.valid_from)
        row = conn.execute(
            select(contact_lines.c.sha256, contact_lines.c.points).where(key)
        ).first()
        points = [list(x) for x in p.points]
        if row is not None and row[0] == p.sha256 and row[1] == points:
            counts["unchanged"] += 1
            continue
        if row is not None:
            conn.execute(delete(contact_lines).where(key))
        values: dict[str, Any] = {
            "line_id": p.line,
            "valid_from": p.valid_from,
            "points": points,
            "left_actor": p.left,
            "right_actor": p.right,
            "source": p.source,
            "sha256": p.sha256,
            "approximate": p.approximate,
            "note": p.note,
            "loaded_by": user,
            "loaded_at": now,
        }
        conn.execute(insert(contact_lines).values(**values))
        audit.record(
            conn,
            at=now,
            user=user,
            action="load" if row is None else "replace",
            entity_type="contact_line",
            entity_id=f"{p.line}@{p.valid_from.isoformat()}",
            before=None if row is None else {"sha256": row[0], "points": row[1]},
            after={"points": points, "left": p.left, "right": p.right, "sha256": p.sha256},
        )
        counts["added" if row is None else "replaced"] += 1
    return counts


def load_lines(conn: Connection, *, until: date | None = None) -> list[LinePosition]:
    """Stored line positions (from ``until`` or before, when given), oldest first."""
    query = select(contact_lines).order_by(contact_lines.c.valid_from, contact_lines.c.line_id)
    if until is not None:
        query = query.where(contact_lines.c.valid_from <= until)
    return [
        LinePosition(
            line=r["line_id"],
            valid_from=r["valid_from"],
            points=[(float(a), float(b)) for a, b in r["points"]],
            left=r["left_actor"],
            right=r["right_actor"],
            source=r["source"],
            sha256=r["sha256"],
            approximate=bool(r["approximate"]),
            note=r["note"],
        )
        for r in conn.execute(query).mappings()
    ]
