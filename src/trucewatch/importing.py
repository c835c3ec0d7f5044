"""One import: a file of any supported format into the database, all or nothing.

The whole import is one transaction, so a bad file — or a process killed
halfway — leaves the database exactly as it was.  Rows are streamed in chunks,
so memory stays flat in the file size.

Identity and idempotence.  A report is identified by (source, the record's own
id); a file without ids is identified by the hash of each row's raw values.
Importing the same file again finds every report unchanged and adds nothing;
an updated export updates the rows whose raw values changed, re-derives their
incidents and writes one audit entry per changed row (before/after).  New
rows are audited once per import (file, SHA-256, counts): each new report
keeps its batch, file, row and raw values, so nothing about it is unrecorded.

Corroboration.  A new report is compared with incidents already reported by
*other* sources in its date window (``verify.corroboration``); when one is the
same event, the report joins that incident instead of creating a new one, and
the decision is stored with its reasons so that ``trucewatch incident
unmerge`` can undo it.  Only day-precise records placed at or near a town
(geo precision 1–2) are merged automatically, and an incident takes at most
one report per source: vaguer records on a busy front match too many events.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, text, update

from trucewatch.actors import ActorRegistry
from trucewatch.domain import ActorKind, Incident
from trucewatch.errors import InputError, Problem
from trucewatch.ingest.base import Row, file_sha256, importer_for
from trucewatch.store import Database, audit
from trucewatch.store.bulk import RawJSON, bulk_insert
from trucewatch.store.geo import assign_admin_units, load_admin_index
from trucewatch.store.incidents import (
    canonical_json,
    content_sha256,
    insert_incidents,
    parsed_json,
    recompute,
)
from trucewatch.store.schema import (
    corroborations,
    import_batches,
    incidents,
    reports,
    sources,
)
from trucewatch.verify.corroboration import best_match, candidate_window

CHUNK_ROWS = 2000
# Actors whose presence says nothing about who acted (for corroboration).
_NOT_IDENTIFYING = frozenset(
    {
        ActorKind.CIVILIANS,
        ActorKind.HUMANITARIAN,
        ActorKind.INTERNATIONAL_ORGANISATION,
        ActorKind.MONITOR,
        ActorKind.MEDIA,
        ActorKind.UNIDENTIFIED,
    }
)
MAX_SHOWN_PROBLEMS = 50


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    format: str
    source: str
    sha256: str
    batch_id: int | None = None
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    rejected: int = 0
    rejected_file: str | None = None
    unresolved: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json."""
        return {
            "file": self.file,
            "format": self.format,
            "source": self.source,
            "sha256": self.sha256,
            "batch": self.batch_id,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "merged": self.merged,
            "rejected": self.rejected,
            "rejected_file": self.rejected_file,
            "unresolved_actor_names": dict(self.unresolved.most_common()),
        }


#: An import adding at least this many rows refreshes PostgreSQL's statistics.
ANALYZE_AFTER_ROWS = 1000


def source_id_for(name: str) -> str:
    """A source id from the name a user gives (`--source "UCDP GED 19.1"` → ucdp-ged-19-1)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise InputError(
            [
                Problem(
                    "--source",
                    None,
                    f"'{name}' is not a usable source name",
                    "give a name with letters or digits, e.g. --source ucdp",
                )
            ]
        )
    return slug[:100]


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_file(
    db: Database,
    path: Path,
    *,
    format: str,
    source: str,
    actors: ActorRegistry,
    mapping: Path | None = None,
    published: date | None = None,
    skip_bad_rows: bool = False,
    user: str = "cli",
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``path`` into ``db``; raise InputError (and change nothing) on bad rows.

    With ``skip_bad_rows`` the good rows are imported and the rejected ones are
    written, with their reasons, to ``<file>.rejected.csv`` beside the input.
    """
    now = now or datetime.now(UTC)
    importer = importer_for(format, mapping=mapping, published=published)
    sha = file_sha256(path)
    source_id = source_id_for(source)
    result = ImportReport(file=str(path), format=format, source=source_id, sha256=sha)
    problems: list[Problem] = []
    rejected_rows: list[Row] = []
    bystanders = frozenset(a.id for a in actors if a.kind in _NOT_IDENTIFYING)
    db.require_current()
    with db.transaction() as conn:
        _ensure_source(conn, source_id, source, now)
        batch_id = conn.execute(
            insert(import_batches)
            .values(
                source_id=source_id,
                format=format,
                file=str(path),
                file_sha256=sha,
                started_at=now,
                user_name=user,
            )
            .returning(import_batches.c.id)
        ).scalar_one()
        result.batch_id = int(batch_id)
        others = _OtherSources(conn, source_id)
        for chunk in _chunks(importer.rows(path, actors=actors), CHUNK_ROWS):
            good: list[Row] = []
            for row in chunk:
                result.rows += 1
                if row.problems or row.incident is None:
                    result.rejected += 1
                    problems.extend(row.problems)
                    rejected_rows.append(row)
                else:
                    good.append(row)
                    for a in row.incident.actors:
                        if a.id is None:
                            result.unresolved[a.name] += 1
            if good and (skip_bad_rows or not problems):
                for dup in _store_chunk(
                    conn, good, source_id, result, user, now, bystanders, others
                ):
                    result.rejected += 1
                    problems.extend(dup.problems)
                    rejected_rows.append(dup)
            if progress is not None:
                progress(len(chunk))
        if problems and not skip_bad_rows:
            shown = problems[:MAX_SHOWN_PROBLEMS]
            if len(problems) > len(shown):
                shown.append(
                    Problem(
                        str(path),
                        None,
                        f"{len(problems) - len(shown)} more problems not shown",
                        "fix these, or import the good rows with --skip-bad-rows",
                    )
                )
            raise InputError(shown)  # leaving the block rolls the whole import back
        conn.execute(
            update(import_batches)
            .where(import_batches.c.id == batch_id)
            .values(
                finished_at=now,
                rows=result.rows,
                inserted=result.inserted,
                updated=result.updated,
                unchanged=result.unchanged,
                merged=result.merged,
                rejected=result.rejected,
            )
        )
        # With boundaries loaded, the incidents this import touched (new, updated
        # or re-merged) get their admin units again, in the same transaction.
        index = load_admin_index(conn)
        if index is not None:
            assign_admin_units(conn, index, batch_id)
        audit.record(
            conn,
            at=now,
            user=user,
            action="import",
            entity_type="import_batch",
            entity_id=str(batch_id),
            after=result.as_dict(),
        )
    if rejected_rows:
        result.rejected_file = str(_write_rejected(path, rejected_rows))
    if db.dialect == "postgresql" and result.inserted >= ANALYZE_AFTER_ROWS:
        # Fresh planner statistics: without them (autovacuum may be off on a
        # mission's server) PostgreSQL scans whole tables for a page of the
        # API, measured by bench/api.py at 1.5-3 s a page over 100,000 rows.
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE incidents, incident_actors, reports"))
            conn.commit()
    return result


def _ensure_source(conn: Connection, source_id: str, name: str, now: datetime) -> None:
    exists = conn.execute(select(sources.c.id).where(sources.c.id == source_id)).first()
    if exists is None:
        conn.execute(
            insert(sources).values(
                id=source_id,
                name=name,
                kind="dataset",
                reliability="F",
                created_at=now,
                note="created by import; reliability F (cannot be judged) until graded",
            )
        )


def _duplicate(row: Row, key: str, first_line: int, file: str) -> Row:
    problem = Problem(
        file,
        row.line,
        f"record id '{key}' appears again (first on line {first_line})",
        "each record needs its own id; remove or renumber one",
        "id",
    )
    return replace(row, problems=(*row.problems, problem), incident=None)


def _store_chunk(
    conn: Connection,
    rows: list[Row],
    source_id: str,
    result: ImportReport,
    user: str,
    now: datetime,
    bystanders: frozenset[str],
    others: _OtherSources,
) -> list[Row]:
    """Store one chunk's good rows; return the rows rejected as duplicate ids."""
    keyed: dict[str, tuple[Row, str]] = {}
    texts: dict[str, RawJSON] = {}
    duplicates: list[Row] = []
    for row in rows:
        text = canonical_json(row.original)
        digest = content_sha256(text)
        key = row.external_id or f"sha256:{digest}"
        if key in keyed:
            duplicates.append(_duplicate(row, key, keyed[key][0].line, result.file))
            continue
        keyed[key] = (row, digest)
        texts[key] = text
    existing = {
        r.external_id: r
        for r in conn.execute(
            select(
                reports.c.id,
                reports.c.external_id,
                reports.c.content_sha256,
                reports.c.incident_id,
                reports.c.original,
                reports.c.batch_id,
                reports.c.row,
            ).where(reports.c.external_id.in_(list(keyed)), reports.c.source_id == source_id)
        )
    }
    for key, prior in list(existing.items()):
        if prior.batch_id == result.batch_id:  # earlier in this same file
            duplicates.append(_duplicate(keyed[key][0], key, prior.row, result.file))
            del keyed[key]
            del existing[key]
    new_incidents: list[tuple[str, Incident]] = []
    new_reports: list[dict[str, Any]] = []
    merges: list[tuple[str, str, float, tuple[str, ...]]] = []
    touched: set[str] = set()
    fresh = [(k, r, d) for k, (r, d) in keyed.items() if k not in existing]
    candidates = _CandidateIndex(others.candidates([r.incident for _, r, _ in fresh if r.incident]))
    for key, (row, digest) in keyed.items():
        assert row.incident is not None
        old = existing.get(key)
        if old is not None:
            if old.content_sha256 == digest:
                result.unchanged += 1
                continue
            conn.execute(
                update(reports)
                .where(reports.c.id == old.id)
                .values(
                    original=row.original,
                    content_sha256=digest,
                    parsed=parsed_json(row.incident),
                    row=row.line,
                    file=str(
                        row.incident.provenance.file if row.incident.provenance else result.file
                    ),
                    file_sha256=result.sha256,
                    batch_id=result.batch_id,
                    updated_at=now,
                )
            )
            changed = {
                k: [old.original.get(k), v]
                for k, v in row.original.items()
                if old.original.get(k) != v
            }
            audit.record(
                conn,
                at=now,
                user=user,
                action="update",
                entity_type="report",
                entity_id=f"{source_id}:{key}",
                before={k: c[0] for k, c in changed.items()},
                after={k: c[1] for k, c in changed.items()},
                note=f"import batch {result.batch_id}, line {row.line}",
            )
            touched.add(old.incident_id)
            result.updated += 1
            continue
        near = (
            [
                c
                for c in candidates.near(row.incident)
                if not others.has_report(c.id) and _precise_enough(c)
            ]
            if _precise_enough(row.incident)
            else []
        )
        match = (
            best_match(row.incident, near, tz="UTC", not_identifying=bystanders) if near else None
        )
        if match is not None:
            target, decision = match
            target_id = target.id
            others.note_report(target_id, source_id)
            merges.append((key, target_id, decision.score, decision.reasons))
            touched.add(target_id)
            result.merged += 1
        else:
            target_id = f"{source_id}:{key}"
            new_incidents.append((target_id, row.incident))
            result.inserted += 1
        new_reports.append(
            {
                "source_id": source_id,
                "external_id": key,
                "batch_id": result.batch_id,
                "file": result.file,
                "file_sha256": result.sha256,
                "row": row.line,
                "original": texts[key],
                "content_sha256": digest,
                "parsed": parsed_json(row.incident),
                "incident_id": target_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    insert_incidents(conn, new_incidents, now)
    bulk_insert(conn, reports, new_reports)
    for key, incident_id, score, reasons in merges:
        report_id = conn.execute(
            select(reports.c.id).where(
                reports.c.source_id == source_id, reports.c.external_id == key
            )
        ).scalar_one()
        conn.execute(
            insert(corroborations).values(
                report_id=report_id,
                incident_id=incident_id,
                score=score,
                reasons=list(reasons),
                created_at=now,
            )
        )
        audit.record(
            conn,
            at=now,
            user=user,
            action="merge",
            entity_type="incident",
            entity_id=incident_id,
            after={"report": report_id, "score": score},
            note="; ".join(reasons),
        )
    recompute(conn, touched, now)
    return duplicates


def _precise_enough(incident: Incident) -> bool:
    """Whether a record is precise enough to be merged without an analyst.

    A record dated to a week or a month, or placed only in a region, matches
    too many other events on a busy front: merging it automatically would hide
    incidents.  Such records stay separate incidents.
    """
    return incident.time_precision == 1 and incident.location.geo_precision <= 2


class _CandidateIndex:
    """Candidates bucketed by every day of their date span.

    A row is compared only with incidents whose span shares a day with its
    own (the first test ``match`` applies), so merging stays linear in the
    import size instead of comparing every row with every candidate.
    """

    def __init__(self, items: list[Incident]) -> None:
        self.by_day: dict[date, list[Incident]] = {}
        for inc in items:
            for day in _days(inc):
                self.by_day.setdefault(day, []).append(inc)

    def near(self, incident: Incident) -> list[Incident]:
        """Candidates sharing a day with ``incident``'s span, within ~1° of it.

        The box (1.0° latitude, 1.3° longitude: more than the 100 km the coarsest
        precision allows, at Syrian latitudes) is a cheap first cut before the
        exact test in ``match``.
        """
        if not self.by_day:
            return []
        lat, lon = incident.location.latitude, incident.location.longitude
        seen: dict[str, Incident] = {}
        for day in _days(incident):
            for c in self.by_day.get(day, ()):
                if abs(c.location.latitude - lat) <= 1.0 and abs(c.location.longitude - lon) <= 1.3:
                    seen.setdefault(c.id, c)
        return list(seen.values())


def _days(incident: Incident) -> list[date]:
    start, end = incident.span("UTC")
    first, last = start.date(), (end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


class _OtherSources:
    """Incidents already stored, loaded day by day as an import needs them.

    Each day is read from the database at most once per import, so looking
    for corroboration costs what is stored in the file's dates, not the file
    size times the table size; when no other source has any report, nothing is
    queried at all.  An incident that already has a report from the importing
    source is never a candidate: a source does not report one event twice, so
    two of its rows are two events.
    """

    def __init__(self, conn: Connection, source_id: str) -> None:
        self.conn, self.source_id = conn, source_id
        self.enabled = (
            conn.execute(
                select(reports.c.id).where(reports.c.source_id != source_id).limit(1)
            ).first()
            is not None
        )
        self.by_day: dict[date, list[Incident]] = {}
        self.sources_of: dict[str, set[str]] = {}

    def has_report(self, incident_id: str) -> bool:
        """Whether ``incident_id`` already has a report from the importing source."""
        return self.source_id in self.sources_of.get(incident_id, ())

    def note_report(self, incident_id: str, source_id: str) -> None:
        """Record that ``incident_id`` now has a report from ``source_id``."""
        self.sources_of.setdefault(incident_id, set()).add(source_id)

    def candidates(self, fresh: list[Incident]) -> list[Incident]:
        """Stored incidents whose date falls in any fresh incident's window."""
        if not self.enabled or not fresh:
            return []
        needed: set[date] = set()
        for incident in fresh:
            first, last, _ = candidate_window(incident)
            needed.update(first + timedelta(days=i) for i in range((last - first).days + 1))
        missing = sorted(needed - self.by_day.keys())
        for day in missing:
            self.by_day[day] = []
        for start in range(0, len(missing), 500):
            days = missing[start : start + 500]
            query = (
                select(
                    reports.c.incident_id, reports.c.source_id, reports.c.parsed, incidents.c.date
                )
                .join(incidents, incidents.c.id == reports.c.incident_id)
                .where(incidents.c.date.in_(days))
                .order_by(reports.c.id)
            )
            for incident_id, source, parsed, day in self.conn.execute(query):
                if incident_id not in self.sources_of:  # the incident's first report leads
                    lead = Incident.model_validate({**parsed, "id": incident_id})
                    self.by_day[day].append(lead)
                self.note_report(incident_id, source)
        return [
            c
            for day in sorted(needed)
            for c in self.by_day.get(day, ())
            if self.source_id not in self.sources_of.get(c.id, ())
        ]


def _write_rejected(path: Path, rows: list[Row]) -> Path:
    target = path.with_name(path.name + ".rejected.csv")
    columns: list[str] = []
    for row in rows:
        for k in row.original:
            if k not in columns:
                columns.append(k)
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["line", "problems", *columns])
        for row in rows:
            reasons = " | ".join(str(p) for p in row.problems) or "could not be read"
            writer.writerow([row.line, reasons, *(row.original.get(c, "") for c in columns)])
    return target
