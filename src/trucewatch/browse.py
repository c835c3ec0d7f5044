"""Reading the stored record as a user of the mission's server may see it.

The API, the dashboard and the exports call these functions; each takes the
signed-in ``User`` and applies ``visibility``'s rules, so a rule is written
once.  Lists are filtered in SQL where the filter is a column (date, area,
actor, type, status) and against the agreement's evaluation where it is a
judgement (zone, verdict), and paged by a keyset cursor (newest first), so a
page costs the same on the first and on the thousandth.

Evaluating an agreement over every stored incident is the expensive step, so
its result is kept per agreement and reused until the data changes.  Every
write is audited, so the audit log's last entry is an exact change stamp.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, or_, select, tuple_

from trucewatch.accounts import Role, User
from trucewatch.actors import ActorRegistry
from trucewatch.agreements import agreement_path, load_agreement
from trucewatch.analytics import ComplianceMatrix, compliance_matrix
from trucewatch.domain import Agreement, Finding, Incident
from trucewatch.errors import InputError, Problem
from trucewatch.store import Database
from trucewatch.store.incidents import incident_of
from trucewatch.store.schema import audit_log, field_reports, incident_actors, incidents
from trucewatch.visibility import can_see_finding, can_see_incident, sees_all

#: Page sizes: the default, and the most a caller may ask for.
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class IncidentFilter:
    """What a list of incidents is narrowed to; every field is optional."""

    date_from: date | None = None
    date_to: date | None = None
    area: str | None = None  # an admin1 name (governorate, oblast, …)
    actor: str | None = None  # a registry actor id
    event_type: str | None = None
    sub_event_type: str | None = None
    status: str | None = None
    agreement: str | None = None  # needed by zone and verdict
    zone: str | None = None
    verdict: str | None = None


@dataclass
class Page:
    """One page of a list and the cursor of the next (None: this was the last)."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None = None


def encode_cursor(*parts: str) -> str:
    """An opaque cursor holding the key of the last item of a page."""
    raw = "\x1f".join(parts).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def cursor_parts(cursor: str, n: int) -> list[str]:
    """The ``n`` parts of a cursor ``encode_cursor`` made; a clear error for any other."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = base64.urlsafe_b64decode(padded.encode("ascii")).decode().split("\x1f", n - 1)
        if len(parts) != n:
            raise ValueError(cursor)
        return parts
    except (ValueError, UnicodeError):
        raise _foreign_cursor() from None


def _foreign_cursor() -> InputError:
    return InputError(
        [
            Problem(
                "cursor",
                None,
                "this cursor was not made by this server",
                "pass back the next_cursor of the previous page unchanged",
            )
        ]
    )


def _encode_cursor(day: date, incident_id: str) -> str:
    return encode_cursor(day.isoformat(), incident_id)


def decode_cursor(cursor: str) -> tuple[date, str]:
    """The (date, id) a cursor points after; a clear error for a cursor we did not make."""
    day, incident_id = cursor_parts(cursor, 2)
    try:
        return date.fromisoformat(day), incident_id
    except ValueError:
        raise _foreign_cursor() from None


# --------------------------------------------------------------------------- evaluations


@dataclass
class StoredEvaluation:
    """An agreement evaluated over every stored incident, indexed for lookups."""

    agreement: Agreement
    stamp: tuple[int, int]
    findings: list[Finding]
    by_incident: dict[str, list[Finding]] = field(default_factory=dict)
    evaluation: Any = None  # the service.Evaluation it came from
    #: Compliance matrices already rolled up, per viewer scope and status filter.
    matrices: dict[tuple[str, str | None], ComplianceMatrix] = field(default_factory=dict)


class EvaluationCache:
    """Evaluations kept per agreement until the audit log moves on.

    One lock per agreement is held while it is evaluated, so simultaneous
    first requests wait for one evaluation instead of each running their own
    (measured by bench/api.py: at 100,000 incidents one evaluation holds
    about 1.2 GB, and sixteen at once would exhaust the machine).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._computing: dict[str, threading.Lock] = {}
        self._entries: dict[str, StoredEvaluation] = {}

    def get(self, db: Database, agreement_id: str) -> StoredEvaluation:
        """The agreement's evaluation over the stored incidents, recomputed only after a write."""
        from trucewatch.service import run_stored_evaluation

        server_agreement_id(agreement_id)
        stamp = data_stamp(db)
        with self._lock:
            hit = self._entries.get(agreement_id)
            if hit is not None and hit.stamp == stamp:
                return hit
            computing = self._computing.setdefault(agreement_id, threading.Lock())
        with computing:
            with self._lock:  # someone may have finished it while we waited
                hit = self._entries.get(agreement_id)
                if hit is not None and hit.stamp == stamp:
                    return hit
            ev = run_stored_evaluation(agreement_id, db)
            by_incident: dict[str, list[Finding]] = {}
            for f in ev.findings:
                by_incident.setdefault(f.incident, []).append(f)
            entry = StoredEvaluation(ev.agreement, stamp, ev.findings, by_incident, ev)
            with self._lock:
                self._entries[agreement_id] = entry
        return entry

    def clear(self) -> None:
        """Forget every evaluation."""
        with self._lock:
            self._entries.clear()


def data_stamp(db: Database) -> tuple[int, int]:
    """A stamp that changes whenever stored data changes: the audit log's last id and size."""
    with db.engine.connect() as conn:
        row = conn.execute(select(func.max(audit_log.c.id), func.count(audit_log.c.id))).one()
    return int(row[0] or 0), int(row[1] or 0)


def server_agreement_id(ref: str, option: str = "agreement") -> str:
    """``ref`` if it names a shipped agreement (the ones the server evaluates); else a clear error.

    Only ids, never paths: the command line may name an agreement by its file,
    but a request to the server must not make it open a file of the caller's
    choosing.  Checked before any loader sees the value.
    """
    from trucewatch.agreements.shipped import shipped_agreement_ids
    from trucewatch.errors import close_matches

    known = shipped_agreement_ids()
    if ref in known:
        return ref
    close = close_matches(ref, known, cutoff=0.6)
    raise InputError(
        [
            Problem(
                option,
                None,
                f"'{ref[:100]}' is not an agreement this server evaluates",
                (f"did you mean {', '.join(close)}? " if close else "")
                + f"use one of: {', '.join(known)} (GET /api/agreements lists them)",
            )
        ]
    )


def require_agreement(agreement_id: str) -> Agreement:
    """An agreement the server knows, by id (never a path), or an error naming the known ones."""
    return load_agreement(
        agreement_path(server_agreement_id(agreement_id)), actors=ActorRegistry.shipped()
    )


# --------------------------------------------------------------------------- incidents


def _scope(query: Any, user: User) -> Any:
    """Narrow an incidents query to what ``user`` may see."""
    if sees_all(user):
        return query
    if user.role == Role.MONITOR:
        return query.where(
            or_(incidents.c.published.is_(True), incidents.c.submitted_by == user.name)
        )
    return query.where(incidents.c.published.is_(True))


def _filtered(query: Any, f: IncidentFilter) -> Any:
    if f.date_from is not None:
        query = query.where(incidents.c.date >= f.date_from)
    if f.date_to is not None:
        query = query.where(incidents.c.date <= f.date_to)
    if f.area:
        query = query.where(func.lower(incidents.c.admin1) == f.area.lower())
    if f.event_type:
        query = query.where(incidents.c.event_type == f.event_type)
    if f.sub_event_type:
        query = query.where(incidents.c.sub_event_type == f.sub_event_type)
    if f.status:
        query = query.where(incidents.c.status == f.status)
    if f.actor:
        query = query.where(
            incidents.c.id.in_(
                select(incident_actors.c.incident_id).where(incident_actors.c.actor_id == f.actor)
            )
        )
    return query


def _judged_ids(
    db: Database, cache: EvaluationCache, f: IncidentFilter, candidates: list[Any]
) -> set[str] | None:
    """Ids passing the zone and verdict filters (None: no such filter)."""
    if not (f.zone or f.verdict):
        return None
    if not f.agreement:
        raise InputError(
            [
                Problem(
                    "zone" if f.zone else "verdict",
                    None,
                    "a zone or verdict filter needs an agreement",
                    "add agreement=ID (e.g. agreement=syria-2016-09-us-russia)",
                )
            ]
        )
    stored = cache.get(db, f.agreement)
    keep = {r["id"] for r in candidates}
    if f.verdict:
        keep = {
            i
            for i in keep
            if any(x.verdict.value == f.verdict for x in stored.by_incident.get(i, []))
        }
    if f.zone:
        from trucewatch.service import stored_zones

        zones = stored_zones(stored.agreement, db)
        if f.zone not in {z.id for z in stored.agreement.zones}:
            raise InputError(
                [
                    Problem(
                        "zone",
                        None,
                        f"{stored.agreement.id} has no zone '{f.zone}'",
                        f"its zones: {', '.join(z.id for z in stored.agreement.zones)}",
                    )
                ]
            )
        rows = [r for r in candidates if r["id"] in keep]
        try:
            inside = zones.inside_many(
                f.zone,
                np.array([r["longitude"] for r in rows], dtype=float),
                np.array([r["latitude"] for r in rows], dtype=float),
            )
            keep = {r["id"] for r, hit in zip(rows, inside, strict=True) if hit}
        except ValueError:
            from trucewatch.geo.zones import Membership

            keep = {
                r["id"]
                for r in rows
                if zones.membership(f.zone, incident_of(r, []).location) == Membership.INSIDE
            }
    return keep


def list_incidents(
    db: Database,
    user: User,
    f: IncidentFilter,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cache: EvaluationCache | None = None,
) -> Page:
    """One page of the incidents ``user`` may see, newest first, filtered by ``f``."""
    _check_limit(limit)
    db.require_current()
    with db.engine.connect() as conn:
        query = _matching(conn, db, user, f, cache, None)
        return _page(conn, query, cursor, limit, newest_first=True)


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(
            [Problem("limit", None, f"limit {limit} is out of range", f"use 1 to {MAX_LIMIT}")]
        )


def _page(
    conn: Connection,
    query: Any,
    cursor: str | None,
    limit: int,
    *,
    newest_first: bool,
    total: int | None = None,
) -> Page:
    """One keyset page of an incidents query, ordered by (date, id), after ``cursor``."""
    key = tuple_(incidents.c.date, incidents.c.id)
    if cursor:
        after = tuple_(*decode_cursor(cursor))
        query = query.where(key < after if newest_first else key > after)
    order = (
        (incidents.c.date.desc(), incidents.c.id.desc())
        if newest_first
        else (incidents.c.date.asc(), incidents.c.id.asc())
    )
    rows = list(conn.execute(query.order_by(*order).limit(limit + 1)).mappings())
    more = len(rows) > limit
    rows = rows[:limit]
    actor_rows = _actors_of(conn, [r["id"] for r in rows])
    items = [summary(r, actor_rows.get(r["id"], [])) for r in rows]
    nxt = _encode_cursor(rows[-1]["date"], rows[-1]["id"]) if more and rows else None
    return Page(items, nxt, total)


def _actors_of(conn: Connection, ids: list[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    if not ids:
        return out
    for a in conn.execute(
        select(incident_actors)
        .where(incident_actors.c.incident_id.in_(ids))
        .order_by(incident_actors.c.incident_id, incident_actors.c.position)
    ).mappings():
        out.setdefault(a["incident_id"], []).append(a)
    return out


def summary(row: Any, actor_rows: list[Any]) -> dict[str, Any]:
    """An incident as lists show it: the event, its place, its toll, its status."""
    incident = incident_of(row, actor_rows)
    return {
        **incident_json(incident),
        "status": row["status"],
        "published": bool(row["published"]),
        "version": row["version"],
    }


def incident_json(incident: Incident) -> dict[str, Any]:
    """The public fields of an incident (never its provenance)."""
    data = incident.model_dump(mode="json", exclude={"provenance", "source_scale"})
    data["date_precision"] = incident.date_precision
    return data


def visible_incident_row(db: Database, user: User, incident_id: str) -> dict[str, Any]:
    """The stored row of an incident ``user`` may see; 'not found' alike when hidden.

    A hidden incident answers exactly like a missing one, so its existence
    does not leak.
    """
    db.require_current()
    with db.engine.connect() as conn:
        row = (
            conn.execute(select(incidents).where(incidents.c.id == incident_id)).mappings().first()
        )
    if row is None or not can_see_incident(
        user, published=bool(row["published"]), submitted_by=row["submitted_by"]
    ):
        raise LookupError(incident_id)
    return dict(row)


def visible_findings(
    db: Database,
    user: User,
    agreement_id: str,
    *,
    cache: EvaluationCache,
    verdict: str | None = None,
    incident: str | None = None,
) -> tuple[Agreement, list[Finding]]:
    """The findings of an agreement over the stored incidents that ``user`` may see."""
    stored = cache.get(db, agreement_id)
    visible = visible_incident_ids(db, user)
    out = [
        f
        for f in stored.findings
        if (verdict is None or f.verdict.value == verdict)
        and (incident is None or f.incident == incident)
        and can_see_finding(
            user, f, stored.agreement, incident_visible=visible is None or f.incident in visible
        )
    ]
    return stored.agreement, out


def visible_incident_ids(db: Database, user: User) -> set[str] | None:
    """The ids of the incidents ``user`` may see (None: all of them)."""
    if sees_all(user):
        return None
    with db.engine.connect() as conn:
        return set(conn.execute(_scope(select(incidents.c.id), user)).scalars())


def visible_compliance(
    db: Database,
    user: User,
    agreement_id: str,
    *,
    cache: EvaluationCache,
    status: str | None = None,
) -> ComplianceMatrix:
    """The compliance matrix over the findings ``user`` may see.

    The public's matrix counts published incidents only: an aggregate over
    unpublished records would leak what is not yet published.  With
    ``status`` (e.g. ``verified``) only findings about incidents in that
    verification status are counted, so a reader can tell what the mission
    has checked from what is merely reported.
    """
    stored = cache.get(db, agreement_id)
    # Everyone who sees everything sees the same matrix; others see what their
    # scope allows (a monitor's own submissions, a liaison's party).  Any write
    # moves the data stamp and replaces ``stored``, so a kept matrix is current.
    key = ("all" if sees_all(user) else f"{user.role.value}:{user.name}:{user.party}", status)
    kept = stored.matrices.get(key)
    if kept is not None:
        return kept
    agreement, findings = visible_findings(db, user, agreement_id, cache=cache)
    if status is not None:
        statuses = incident_statuses(db, {f.incident for f in findings})
        findings = [f for f in findings if statuses.get(f.incident) == status]
    matrix = compliance_matrix(agreement, findings)
    stored.matrices[key] = matrix
    return matrix


def field_reports_of(db: Database, incident_id: str) -> list[dict[str, Any]]:
    """The field reports behind an incident, sensitive fields included (redact before showing)."""
    with db.engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(field_reports)
                .where(field_reports.c.incident_id == incident_id)
                .order_by(field_reports.c.id)
            ).mappings()
        ]


# --------------------------------------------------------------------------- dashboard reads
#
# What the dashboard needs beyond the API's lists: the review queue (oldest
# first), counts, the areas a user's incidents lie in, and truce health
# narrowed to what the user may see.  Each applies ``visibility``'s rules
# through ``_scope`` and ``visible_incident_ids``.

#: The statuses an analyst still has to decide on.
REVIEW_STATUSES = ("reported", "under_review")


def _matching(
    conn: Connection,
    db: Database,
    user: User,
    f: IncidentFilter,
    cache: EvaluationCache | None,
    statuses: tuple[str, ...] | None,
) -> Any:
    """The incidents query narrowed to ``user``'s scope, ``f`` and ``statuses``."""
    query = _filtered(_scope(select(incidents), user), f)
    if statuses is not None and not f.status:
        query = query.where(incidents.c.status.in_(statuses))
    if f.zone or f.verdict:
        candidates = list(conn.execute(query).mappings())
        judged = _judged_ids(db, cache or EvaluationCache(), f, candidates) or set()
        query = query.where(
            incidents.c.id.in_(sorted(judged)) if judged else incidents.c.id.is_(None)
        )
    return query


def review_queue(
    db: Database,
    user: User,
    f: IncidentFilter,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cache: EvaluationCache | None = None,
    statuses: tuple[str, ...] = REVIEW_STATUSES,
) -> Page:
    """Incidents waiting for a decision, oldest first (a queue is worked from its head).

    ``f.status``, when given, replaces ``statuses``.  ``total`` counts the
    whole queue under the filter, so the analyst sees how much is left.
    """
    _check_limit(limit)
    db.require_current()
    with db.engine.connect() as conn:
        query = _matching(conn, db, user, f, cache, statuses)
        total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
        return _page(conn, query, cursor, limit, newest_first=False, total=total)


def matching_incidents(
    db: Database,
    user: User,
    f: IncidentFilter,
    *,
    cache: EvaluationCache | None = None,
    limit: int = 5000,
) -> tuple[list[str], int]:
    """Ids of the incidents ``user`` may see under ``f`` (newest first, at most ``limit``)
    and how many match in all: what a map of the filtered incidents draws."""
    db.require_current()
    with db.engine.connect() as conn:
        query = _matching(conn, db, user, f, cache, None)
        total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
        ids = list(
            conn.execute(
                query.with_only_columns(incidents.c.id)
                .order_by(incidents.c.date.desc(), incidents.c.id.desc())
                .limit(limit)
            ).scalars()
        )
    return ids, total


def visible_areas(db: Database, user: User) -> list[str]:
    """The admin1 names of the incidents ``user`` may see, for an area filter's choices."""
    db.require_current()
    with db.engine.connect() as conn:
        query = _scope(select(incidents.c.admin1).distinct(), user).where(
            incidents.c.admin1.is_not(None)
        )
        return sorted({str(a) for a in conn.execute(query).scalars() if a})


def incident_statuses(db: Database, ids: set[str] | None = None) -> dict[str, str]:
    """The verification status of each incident (of ``ids``, or of all)."""
    with db.engine.connect() as conn:
        query = select(incidents.c.id, incidents.c.status)
        if ids is None:
            return {str(i): str(s) for i, s in conn.execute(query)}
        out: dict[str, str] = {}
        wanted = sorted(ids)
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            out.update(
                {str(i): str(s) for i, s in conn.execute(query.where(incidents.c.id.in_(chunk)))}
            )
        return out


def visible_health(
    db: Database,
    user: User,
    agreement_id: str,
    *,
    cache: EvaluationCache,
    end: date | None = None,
) -> Any:
    """Truce health over the incidents ``user`` may see (``service.HealthReport``).

    The same computation as ``service.stored_health`` — the agreement's
    window, the stored evaluation — but over visible incidents only: a
    daily count over unpublished incidents would leak them to the public.
    """
    from dataclasses import replace

    from trucewatch.analytics.series import window
    from trucewatch.service import health_of

    stored = cache.get(db, agreement_id)
    ev = stored.evaluation
    span = window(stored.agreement, end=end)
    until = end or (stored.agreement.ended.date if stored.agreement.ended else None)
    visible = visible_incident_ids(db, user)
    keep = {
        i.id
        for i in ev.incidents
        if i.date >= span.baseline_start
        and (until is None or i.date <= until)
        and (visible is None or i.id in visible)
    }
    narrowed = replace(
        ev,
        incidents=[i for i in ev.incidents if i.id in keep],
        findings=[f for f in ev.findings if f.incident in keep],
    )
    return health_of(narrowed, end=end)
