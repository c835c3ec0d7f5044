"""Agreements: the list, one agreement's terms, and its zones as GeoJSON.

An agreement is public text (it was announced, or it would not bind
anyone), so every reader may see its terms.  The shipped agreements are
the ones evaluations run against; agreements stored with ``trucewatch
agreement load`` are listed beside them with their stored version.

Agreement ids in query parameters are checked here (``evaluable``) before
anything loads them: an id is a name from a known list, never a path.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from sqlalchemy import select

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import load_agreement, parse_agreement, shipped_agreement_ids
from trucewatch.agreements.shipped import agreement_path
from trucewatch.api.deps import Reader, StateDep
from trucewatch.browse import server_agreement_id
from trucewatch.domain import Agreement
from trucewatch.errors import InputError
from trucewatch.service import stored_zones
from trucewatch.store import Database
from trucewatch.store.schema import agreement_versions, agreements

router = APIRouter(prefix="/api", tags=["agreements"])

#: What an agreement id looks like (the agreement file's own rule).
AGREEMENT_ID = r"^[a-z0-9][a-z0-9-]*$"
GEOJSON = "application/geo+json"

AgreementId = Annotated[
    str, Path(pattern=AGREEMENT_ID, max_length=100, description="an agreement id")
]


#: The check every route applies to an agreement id before evaluating it.
evaluable = server_agreement_id


def _stored(db: Database) -> dict[str, tuple[int, str, str]]:
    """Stored agreements: id → (current version, title, text)."""
    db.require_current()
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(
                agreements.c.id,
                agreements.c.title,
                agreements.c.current_version,
                agreement_versions.c.text,
            ).join(
                agreement_versions,
                (agreement_versions.c.agreement_id == agreements.c.id)
                & (agreement_versions.c.version == agreements.c.current_version),
            )
        ).all()
    return {str(r.id): (int(r.current_version), str(r.title), str(r.text)) for r in rows}


def agreement_terms(db: Database, agreement_id: str) -> tuple[Agreement, str, int | None]:
    """An agreement by id: (terms, "shipped" or "stored", stored version or None).

    A shipped agreement is read from its file (that is what evaluations use);
    one that is only stored is parsed from its current stored text.  An
    unknown id is a LookupError (404).
    """
    stored = _stored(db)
    version = stored[agreement_id][0] if agreement_id in stored else None
    actors = ActorRegistry.shipped()
    if agreement_id in shipped_agreement_ids():
        return load_agreement(agreement_path(agreement_id), actors=actors), "shipped", version
    if agreement_id in stored:
        text = stored[agreement_id][2]
        terms = parse_agreement(text, name=f"{agreement_id} (stored)", actors=actors)
        return terms, "stored", version
    raise LookupError(agreement_id)


def summary(agreement: Agreement, origin: str, version: int | None) -> dict[str, Any]:
    """What a list shows of an agreement: who, when, which phases."""
    spans = agreement.phase_spans()
    return {
        "id": agreement.id,
        "title": agreement.title,
        "signed": agreement.signed.isoformat(),
        "origin": origin,
        "stored_version": version,
        "brokers": agreement.brokers,
        "sides": {
            name: {"name": side.name, "members": side.members, "allies": side.allies}
            for name, side in agreement.sides.items()
        },
        "excluded": agreement.excluded,
        "phases": [
            {
                "id": p.id,
                "start": spans[p.id][0].isoformat() if p.id in spans else None,
                "end": (
                    end.isoformat()
                    if p.id in spans and (end := spans[p.id][1]) is not None
                    else None
                ),
            }
            for p in agreement.phases
        ],
        "ended": agreement.ended.model_dump(mode="json") if agreement.ended else None,
    }


@router.get("/agreements", summary="List agreements")
def agreements_list(st: StateDep, user: Reader) -> dict[str, Any]:
    """The shipped agreements and those stored in the database, with sides and phases."""
    stored = _stored(st.db)
    items = []
    for agreement_id in sorted(set(shipped_agreement_ids()) | set(stored)):
        try:
            agreement, origin, version = agreement_terms(st.db, agreement_id)
        except InputError as e:
            # A stored text that no longer validates (e.g. the registry changed) is
            # listed with its problem, not hidden.
            version, title, _ = stored[agreement_id]
            items.append(
                {
                    "id": agreement_id,
                    "title": title,
                    "origin": "stored",
                    "stored_version": version,
                    "problems": [str(p) for p in e.problems],
                }
            )
            continue
        items.append(summary(agreement, origin, version))
    return {"items": items}


@router.get("/agreements/{agreement_id}", summary="One agreement's terms")
def agreement_get(st: StateDep, user: Reader, agreement_id: AgreementId) -> dict[str, Any]:
    """The agreement's terms as JSON (the shape of an agreement file), with its origin."""
    agreement, origin, version = agreement_terms(st.db, agreement_id)
    return {
        "origin": origin,
        "stored_version": version,
        "agreement": agreement.model_dump(mode="json", by_alias=True, exclude_none=True),
    }


def zones_geojson(db: Database, agreement: Agreement) -> dict[str, Any]:
    """The agreement's zones as a FeatureCollection, each at its current approved version.

    A zone given only by governorate names has no geometry until boundaries
    are loaded: its feature has ``geometry: null`` and lists ``admin1``.
    """
    index = stored_zones(agreement, db)
    features = []
    for zone in agreement.zones:
        version = index.version(zone.id)
        # ZoneIndex keys an approved change as "<zone>@<version>"; version 0 is the text.
        geometry = index.geometries.get(zone.id if version == 0 else f"{zone.id}@{version}")
        features.append(
            {
                "type": "Feature",
                "id": zone.id,
                "geometry": None if geometry is None else json.loads(_to_geojson(geometry)),
                "properties": {
                    "id": zone.id,
                    "name": zone.name,
                    "kind": zone.kind.value,
                    "approximate": zone.approximate,
                    "population": zone.population,
                    "version": version,
                    "admin1": zone.admin1,
                    "area_km2": index.area_km2(zone.id),
                    "note": zone.note,
                    "source": zone.source,
                },
            }
        )
    return {"type": "FeatureCollection", "agreement": agreement.id, "features": features}


def _to_geojson(geometry: Any) -> str:
    import shapely

    return str(shapely.to_geojson(geometry))


@router.get(
    "/agreements/{agreement_id}/zones.geojson",
    summary="An agreement's zones as GeoJSON",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}},
)
def agreement_zones(st: StateDep, user: Reader, agreement_id: AgreementId) -> JSONResponse:
    """A FeatureCollection: one feature per zone with id, kind, approximate, population, version."""
    agreement, _, _ = agreement_terms(st.db, agreement_id)
    return JSONResponse(zones_geojson(st.db, agreement), media_type=GEOJSON)
