"""Territory service: control layers, lines of contact, changes of control, sieges, maps.

Orchestration only, for every face (the CLI's ``control`` and ``lines``
commands today): files are read and checked in ``geo.control_files``, the
geometry is ``geo.control`` and ``geo.lines``, storage is ``store.control``,
the judging is the engine's.  Loads are all or nothing and audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import agreement_path, load_agreement
from trucewatch.domain import ActorKind, Agreement, Finding, Incident
from trucewatch.domain.access import Siege
from trucewatch.domain.control import ControlLayer, LinePosition, is_territorial_gain
from trucewatch.engine import evaluate
from trucewatch.engine.roles import AgreementRoles, StandingKind
from trucewatch.errors import InputError, Problem
from trucewatch.geo.boundaries import AdminIndex
from trucewatch.geo.control import (
    ControlChange,
    ControlMap,
    Encirclement,
    advance_incidents,
    control_at,
    control_changes,
    encirclements,
    gains_from_incidents,
)
from trucewatch.geo.control_files import read_control_file, read_line_file
from trucewatch.geo.gazetteer import Gazetteer, Place
from trucewatch.geo.lines import belt_versions, lines_on
from trucewatch.geo.zones import ZoneIndex, ZoneVersion
from trucewatch.store import Database

# --------------------------------------------------------------------------- loading


def load_control(
    db: Database,
    path: str | Path,
    *,
    day: date,
    user: str,
    valid_to: date | None = None,
    actors: ActorRegistry | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Store a control snapshot for ``day`` from a GeoJSON file, all or nothing."""
    from trucewatch.ingest.base import file_sha256
    from trucewatch.store.control import save_layer
    from trucewatch.store.geo import load_admin_index

    actors = actors or ActorRegistry.shipped()
    now = now or datetime.now(UTC)
    db.require_current()
    path = Path(path)
    with db.engine.connect() as conn:
        admin = load_admin_index(conn)
    sha = file_sha256(path) if path.is_file() else None
    layer = read_control_file(
        path, day=day, actors=actors, admin=admin, valid_to=valid_to, sha256=sha
    )
    with db.transaction() as conn:
        outcome = save_layer(conn, layer, user=user, now=now)
    by_actor: dict[str, int] = {}
    for a in layer.areas:
        by_actor[a.actor] = by_actor.get(a.actor, 0) + 1
    return {"layer": layer.id, "outcome": outcome, "areas": len(layer.areas), "by_actor": by_actor}


def load_lines(
    db: Database,
    path: str | Path,
    *,
    day: date,
    user: str,
    actors: ActorRegistry | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Store line positions from ``day`` on from a GeoJSON file, all or nothing."""
    from trucewatch.ingest.base import file_sha256
    from trucewatch.store.control import save_lines

    actors = actors or ActorRegistry.shipped()
    now = now or datetime.now(UTC)
    db.require_current()
    path = Path(path)
    sha = file_sha256(path) if path.is_file() else None
    positions = read_line_file(path, day=day, actors=actors, sha256=sha)
    with db.transaction() as conn:
        return save_lines(conn, positions, user=user, now=now)


# --------------------------------------------------------------------------- reading back


def _kind_of(actors: ActorRegistry) -> Callable[[str], ActorKind | None]:
    def kind(actor_id: str) -> ActorKind | None:
        return actors.get(actor_id).kind if actor_id in actors else None

    return kind


def _stored(
    db: Database, until: date
) -> tuple[list[ControlLayer], list[Incident], AdminIndex | None]:
    from trucewatch.store.control import load_layers
    from trucewatch.store.geo import load_admin_index
    from trucewatch.store.incidents import load_incidents

    db.require_current()
    with db.engine.connect() as conn:
        layers = load_layers(conn, until=until)
        incidents = [i for i in load_incidents(conn, date_to=until) if is_territorial_gain(i)]
        admin = load_admin_index(conn)
    return layers, incidents, admin


def control_on(db: Database, day: date, *, actors: ActorRegistry | None = None) -> ControlMap:
    """Who held what on ``day``: the snapshot in force, then stored territorial incidents since."""
    actors = actors or ActorRegistry.shipped()
    layers, incidents, admin = _stored(db, day)
    gains = gains_from_incidents(incidents, _kind_of(actors), admin)
    cmap = control_at(layers, day, gains)
    if cmap.layer is None and not cmap.gains:
        raise InputError(
            [
                Problem(
                    "--date",
                    None,
                    f"no control layer is in force on {day} and no territorial incident "
                    "before it says who holds what",
                    "load a snapshot: trucewatch control load FILE --date D --user NAME",
                )
            ]
        )
    return cmap


def stored_lines(db: Database, day: date) -> dict[str, LinePosition]:
    """Every stored line's position on ``day``."""
    from trucewatch.store.control import load_lines as load_positions

    db.require_current()
    with db.engine.connect() as conn:
        return lines_on(load_positions(conn, until=day), day)


@dataclass
class ChangesReport:
    """What changed hands between two days, and (with an agreement) how it is judged."""

    date_from: date
    date_to: date
    before: ControlMap
    after: ControlMap
    changes: list[ControlChange]
    advances: list[Incident] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    agreement: str | None = None

    def by_actor(self) -> dict[str, dict[str, float]]:
        """km² gained and lost per actor."""
        out: dict[str, dict[str, float]] = {}
        for c in self.changes:
            out.setdefault(c.gainer, {"gained_km2": 0.0, "lost_km2": 0.0})["gained_km2"] += (
                c.area_km2
            )
            if c.loser:
                out.setdefault(c.loser, {"gained_km2": 0.0, "lost_km2": 0.0})["lost_km2"] += (
                    c.area_km2
                )
        return {a: {k: round(v, 3) for k, v in d.items()} for a, d in sorted(out.items())}

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "layers": [self.before.layer, self.after.layer],
            "by_actor": self.by_actor(),
            "changes": [c.as_json() for c in self.changes],
            "agreement": self.agreement,
            "advances": [i.model_dump(mode="json") for i in self.advances],
            "findings": [f.model_dump(mode="json") for f in self.findings],
        }


def changes_between(
    db: Database,
    date_from: date,
    date_to: date,
    *,
    agreement_ref: str | None = None,
    actors: ActorRegistry | None = None,
    places: list[Place] | None = None,
) -> ChangesReport:
    """Ground that changed hands from ``date_from`` to ``date_to``, by actor, in km².

    With an agreement, each change becomes a derived advance incident judged
    against its obligations (its "no offensive operations to gain territory"
    obligations first of all).
    """
    if date_to < date_from:
        raise InputError(
            [Problem("--to", None, f"{date_to} is before {date_from}", "give --from before --to")]
        )
    actors = actors or ActorRegistry.shipped()
    before = control_on(db, date_from, actors=actors)
    after = control_on(db, date_to, actors=actors)
    places = places if places is not None else Gazetteer.shipped().places
    report = ChangesReport(
        date_from, date_to, before, after, control_changes(before, after, places)
    )
    if agreement_ref is not None:
        agreement = load_agreement(agreement_path(agreement_ref), actors=actors)
        report.agreement = agreement.id
        source = f"control layers {before.layer} and {after.layer}"
        report.advances = advance_incidents(
            [c for c in report.changes if c.area_km2 >= _min_km2(agreement)],
            date_from,
            date_to,
            _kind_of(actors),
            source=source,
        )
        report.findings = evaluate(
            agreement, report.advances, actors=actors, zones=stored_zones_with_lines(agreement, db)
        )
    return report


def _min_km2(agreement: Agreement) -> float:
    from trucewatch.domain import TerritoryObligation

    floors = [o.min_km2 for o in agreement.obligations if isinstance(o, TerritoryObligation)]
    return min(floors) if floors else 0.0


# --------------------------------------------------------------------------- sieges


def friends_in_agreement(
    agreement: Agreement, actors: ActorRegistry, on: date
) -> Callable[[str], set[str]]:
    """Friends are actors on the same side of ``agreement`` (members and allies)."""
    roles = AgreementRoles(agreement, actors)

    def friends(actor: str) -> set[str]:
        mine = roles.standing(actor, on)
        if mine.kind not in (StandingKind.MEMBER, StandingKind.ALLY):
            return {actor}
        return {
            a.id
            for a in actors
            if (s := roles.standing(a.id, on)).side == mine.side
            and s.kind in (StandingKind.MEMBER, StandingKind.ALLY)
        } | {actor}

    return friends


def friends_in_registry(actors: ActorRegistry, on: date) -> Callable[[str], set[str]]:
    """Friends by the registry: actors answering through one another, or allied or backing."""

    def friends(actor: str) -> set[str]:
        if actor not in actors:
            return {actor}
        mine = set(actors.principals(actor, on))
        out = {actor}
        for other in actors:
            theirs = set(actors.principals(other.id, on))
            linked = any(
                aff.actor in mine and aff.in_force_on(on) for aff in other.affiliations
            ) or any(
                aff.actor in theirs and aff.in_force_on(on)
                for a in mine
                for aff in actors.get(a).affiliations
            )
            if mine & theirs or linked:
                out.add(other.id)
        return out

    return friends


def sieges_on(
    db: Database,
    day: date,
    *,
    tolerance_km: float = 1.0,
    agreement_ref: str | None = None,
    actors: ActorRegistry | None = None,
) -> list[Encirclement]:
    """Areas encircled on ``day`` (held by one side, cut off by another's control)."""
    if tolerance_km < 0:
        raise InputError(
            [Problem("--tolerance-km", None, f"{tolerance_km} is negative", "give 0 or more")]
        )
    actors = actors or ActorRegistry.shipped()
    cmap = control_on(db, day, actors=actors)
    if agreement_ref is not None:
        agreement = load_agreement(agreement_path(agreement_ref), actors=actors)
        friends = friends_in_agreement(agreement, actors, day)
    else:
        friends = friends_in_registry(actors, day)
    return encirclements(
        cmap, friends, tolerance_km=tolerance_km, places=Gazetteer.shipped().places
    )


def as_sieges(found: list[Encirclement], day: date, *, source: str) -> list[Siege]:
    """Encirclements as the access issue's siege records (derived, for ``day``)."""
    import re

    out = []
    for n, e in enumerate(found, start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", e.name.lower()).strip("-") or "area"
        out.append(
            Siege(
                id=f"derived-{day.isoformat()}-{n}-{slug}"[:120].rstrip("-"),
                area=e.name,
                name=e.name,
                start=day,
                end=day,
                population=e.population,
                besieged_by=list(e.besieged_by),
                sources=[source],
                note=(
                    f"derived from control: held by {e.actor}, encircled by "
                    f"{', '.join(e.besieged_by)}, {e.area_km2:.1f} km²; population "
                    f"{e.population_source}"
                ),
            )
        )
    return out


def record_sieges(
    db: Database,
    found: list[Encirclement],
    day: date,
    *,
    user: str,
    now: datetime | None = None,
) -> dict[str, int]:
    """Store encirclements as siege records for ``trucewatch access`` (audited)."""
    from trucewatch.store.access import save_sieges

    now = now or datetime.now(UTC)
    records = as_sieges(found, day, source=f"derived from the control layers in force on {day}")
    db.require_current()
    with db.transaction() as conn:
        return save_sieges(conn, records, name=f"control sieges --on {day}", user=user, now=now)


# --------------------------------------------------------------------------- lines in the engine


def stored_zones_with_lines(agreement: Agreement, db: Database) -> ZoneIndex:
    """The agreement's zones with loaded boundaries, approved versions and moved lines.

    Belts drawn along a line follow each stored position of that line from
    its date (zone versions numbered after the approved ones).  The lead's
    ``service.stored_zones`` can call this to make stored evaluations follow
    moved lines.
    """
    from trucewatch.store.control import load_lines as load_positions
    from trucewatch.store.geo import approved_versions, load_admin_index

    actors = ActorRegistry.shipped()
    db.require_current()
    with db.engine.connect() as conn:
        admin = load_admin_index(conn)
        versions = approved_versions(conn, agreement.id)
        positions = load_positions(conn)
    merged = merge_line_versions(agreement, versions, positions, actors)
    return ZoneIndex(agreement.zones, admin, merged)


def merge_line_versions(
    agreement: Agreement,
    versions: dict[str, list[ZoneVersion]],
    positions: list[LinePosition],
    actors: ActorRegistry,
) -> dict[str, list[ZoneVersion]]:
    """Approved zone versions plus the belt versions that stored line positions make."""
    roles = AgreementRoles(agreement, actors)

    def side(actor: str, on: date) -> str | None:
        return roles.standing(actor, on).side

    def first(zone_id: str) -> int:
        return max((v.version for v in versions.get(zone_id, [])), default=0) + 1

    belts, _problems = belt_versions(agreement, positions, side, first)
    merged = {z: list(v) for z, v in versions.items()}
    for zone_id, extra in belts.items():
        merged.setdefault(zone_id, []).extend(extra)
    return merged


# --------------------------------------------------------------------------- maps


def control_map(
    db: Database,
    day: date,
    *,
    fmt: str,
    agreement_ref: str | None = None,
    actors: ActorRegistry | None = None,
) -> bytes:
    """A PNG or SVG map of control, lines and (with an agreement) its belts on ``day``."""
    from trucewatch.report.maps import build_control_map, to_png, to_svg

    actors = actors or ActorRegistry.shipped()
    lines = stored_lines(db, day)
    zones = None
    agreement = None
    if agreement_ref is not None:
        agreement = load_agreement(agreement_path(agreement_ref), actors=actors)
        zones = (agreement, stored_zones_with_lines(agreement, db))
        for line in agreement.lines:  # the agreement's own line where none is stored
            lines.setdefault(line.id, _as_position(agreement, line, actors))
    try:
        cmap = control_on(db, day, actors=actors)
    except InputError:
        if agreement is None or not agreement.lines:
            raise
        cmap = ControlMap(day, None, None)  # lines and belts only: no control layer yet
    picture = build_control_map(
        cmap,
        lines,
        zones=zones,
        places=Gazetteer.shipped().places,
        names={a: actors.get(a).name_on(day) for a in cmap.holdings if a in actors},
    )
    return to_png(picture) if fmt == "png" else to_svg(picture).encode("utf-8")


def _as_position(agreement: Agreement, line: Any, actors: ActorRegistry) -> LinePosition:
    """An agreement's line as a position (its sides' first members on each hand)."""
    return LinePosition(
        line=line.id,
        valid_from=agreement.signed,
        points=line.points,
        left=agreement.sides[line.left].members[0],
        right=agreement.sides[line.right].members[0],
        source=f"agreement {agreement.id}",
        approximate=line.approximate,
        note=line.note,
    )
