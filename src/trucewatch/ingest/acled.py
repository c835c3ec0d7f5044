"""ACLED CSV in and out: the standard 31-column export, all or nothing.

ACLED is the format most monitors already hold their events in, and the one
they hand on to others, so we read it without asking anyone to reshape their
file first, and write it so that ACLED-aware tools take our export unchanged.

Reading is all or nothing: every mistake in the file is collected (up to a
cap) and raised together as one :class:`~trucewatch.errors.InputError`, so a
user fixes a file in one pass instead of one error per run, and a half-read
file never reaches the engine.

Direction.  ACLED's actor1/actor2 "do not imply directionality", except that
for one-sided event types (:data:`ONE_SIDED_EVENT_TYPES`) ACLED codes the
acting party as actor1.  We turn that convention into roles: actor1 and its
associated actors are perpetrators, actor2 and its associated actors targets.
For Battles, Protests and Riots every actor has role ``other``.  Writing
reverses this, so an incident whose roles follow the convention comes back
equal after a round trip.  Where they do not (an ``other`` actor in a
one-sided event, or a perpetrator in a battle) ACLED has no column to say
so: the actor is written as an associated actor of actor2 and comes back
in the role that position carries.
"""

from __future__ import annotations

import csv
import gc
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from trucewatch.domain.incident import Incident, IncidentActor, Role
from trucewatch.domain.vocabulary import (
    DISORDER_TYPE,
    EVENT_TYPE_OF,
    EVENT_TYPE_TREE,
    EVENT_TYPES,
    ONE_SIDED_EVENT_TYPES,
    SUB_EVENT_TYPES,
)
from trucewatch.errors import InputError, Problem, did_you_mean
from trucewatch.ingest.base import (
    ActorResolution,
    ActorResolver,
    Row,
    csv_records,
    hash_and_check,
    header_problems,
    open_text,
    record_problem,
)

__all__ = [
    "ACLED_COLUMNS",
    "MAX_PROBLEMS",
    "AcledImporter",
    "AcledRowParser",
    "ActorResolution",
    "ActorResolver",
    "CappedProblems",
    "parse_acled_date",
    "read_acled",
    "write_acled",
]

ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
"""The standard ACLED export columns, in export order (REFERENCE.md §2.1)."""

REQUIRED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "latitude",
    "longitude",
)
"""Without these an incident cannot be placed in time, space or the vocabulary."""

# Columns we do not model but carry through provenance so an export keeps them.
_PASSED_THROUGH: tuple[str, ...] = (
    "inter1",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "timestamp",
)

MAX_PROBLEMS = 50
"""More problems than this are counted, not listed: past 50 the file is likely
in another format altogether, and a wall of errors hides the first one."""

FATALITIES_HINT = (
    "give a count; for 'dozens' etc. give your best conservative count "
    "(ACLED codes the lowest figure reported)"
)
"""What to do with fatalities written as words, in formats with one count column."""


# --------------------------------------------------------------------------- reading


class AcledImporter:
    """ACLED CSV exports, streamed row by row (the :class:`~trucewatch.ingest.base.Importer`)."""

    format = "acled"

    def __init__(self, *, check_duplicates: bool = False) -> None:
        # Off by default: remembering every id would make memory grow with the
        # file; the pipeline keys rows by external_id and sees duplicates itself.
        self.check_duplicates = check_duplicates

    def rows(self, path: Path, *, actors: ActorResolver | None = None) -> Iterator[Row]:
        """Every record of the file as a Row; file-level problems raise InputError first."""
        path = Path(path)
        name = str(path)
        sha256 = hash_and_check(path)
        with open_text(path) as f:
            records = csv_records(f, name)
            first = next(records, None)
            header = None if first is None else [h.strip() for h in first.values]
            problems = header_problems(name, header, REQUIRED_COLUMNS, _expected())
            if problems:
                raise InputError(problems)
            assert header is not None
            parser = AcledRowParser(name, sha256, actors, check_duplicates=self.check_duplicates)
            width = len(header)
            for record in records:
                original = dict(zip(header, record.values, strict=False))
                external_id = original.get("event_id_cnty") or None
                shape = record_problem(name, record, width)
                if shape is not None:
                    yield Row(record.line, external_id, original, None, (shape,))
                    continue
                incident, found = parser.parse(record.line, original, original)
                yield Row(record.line, external_id, original, incident, tuple(found))


def read_acled(path: Path | str, *, actors: ActorResolver | None = None) -> list[Incident]:
    """Read an ACLED CSV export into incidents, or raise InputError listing every problem.

    Each incident keeps its provenance (file, SHA-256 of the file bytes, the
    line its record starts on, and the raw row), so any finding can be traced
    back to the exact line a person can open and check.  Names in actor
    columns are resolved with ``actors`` on the event date; names it does not
    know keep ``id=None`` — reporting them is the caller's business, since an
    unknown actor is a gap in the registry, not a mistake in the file.
    """
    problems = CappedProblems(str(path))
    incidents: list[Incident] = []
    rows = AcledImporter(check_duplicates=True).rows(Path(path), actors=actors)
    with _no_cyclic_gc():
        for row in rows:
            if row.incident is not None:
                incidents.append(row.incident)
            for problem in row.problems:
                problems.add(problem)
    if problems:
        raise InputError(problems.finish())
    return incidents


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects.

    Every incident is a handful of new container objects that live on, so
    the collector's generational passes rescan a growing heap again and
    again: on 100k rows that doubled the reading time.  The objects made
    here hold no reference cycles, so nothing is leaked by pausing; the
    previous state is restored even when reading fails.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _expected() -> str:
    optional = [c for c in ACLED_COLUMNS if c not in REQUIRED_COLUMNS]
    return ", ".join(REQUIRED_COLUMNS) + " (optional: " + ", ".join(optional) + ")"


class CappedProblems:
    """Problems of one file, capped at MAX_PROBLEMS with a count of the rest."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.listed: list[Problem] = []
        self.more = 0

    def __bool__(self) -> bool:
        return bool(self.listed)

    def add(self, problem: Problem) -> None:
        if len(self.listed) < MAX_PROBLEMS:
            self.listed.append(problem)
        else:
            self.more += 1

    def finish(self) -> list[Problem]:
        if not self.more:
            return self.listed
        s = "" if self.more == 1 else "s"
        return [
            *self.listed,
            Problem(
                self.name,
                None,
                f"{self.more} more problem{s} not shown",
                "fix the ones above and read the file again",
            ),
        ]


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LONG_DATE = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})")


def parse_acled_date(text: str) -> date | None:
    """YYYY-MM-DD, or ACLED's long form "19 September 2016"; None if neither.

    The long form is parsed with our own month table, not ``strptime('%B')``,
    whose month names follow the machine's locale.
    """
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    m = _LONG_DATE.fullmatch(text)
    if m is None:
        return None
    month = _MONTHS.get(m.group(2).lower())
    if month is None:
        return None
    try:
        return date(int(m.group(3)), month, int(m.group(1)))
    except ValueError:
        return None


def split_names(text: str) -> list[str]:
    """A ';'-separated list, stripped, empty items dropped, values as written."""
    if ";" not in text:  # the common case, kept cheap for large files
        text = text.strip()
        return [text] if text else []
    return [n for n in (part.strip() for part in text.split(";")) if n]


def whole_number(text: str) -> int | None:
    """An integer written as "3" or "3.0" (as pandas writes an int column with gaps)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


#: ACLED precision codes as written (blank means 1); anything else goes to whole_number.
PRECISION_CODES = {"": 1, "1": 1, "2": 2, "3": 3}

# Where a domain validation error lands in the file, by the first item of its loc.
_COLUMN_OF_FIELD = {
    "id": "event_id_cnty",
    "date": "event_date",
    "location": "location",
    "actors": "actor1",
}
_COLUMN_OF_LOCATION_FIELD = {"name": "location"}
_RESOLVED_LIMIT = 100_000  # (name, date) answers remembered before starting afresh


class AcledRowParser:
    """Turns one record in ACLED's fields into an Incident, or says why it cannot.

    Shared by every format that can be put in ACLED's terms (ACLED CSV,
    GeoJSON, a CSV with a column-mapping file), so a bad date or an unknown
    event type gets the same message whichever file it came in.

    ``fields`` maps ACLED column names to values; a name left out is a column
    the file does not have (no ``event_id_cnty`` → the id ``row-LINE``).
    Besides ACLED's columns it takes ``civilian_fatalities`` (a count, as
    HXL's ``#affected+killed+civilians``).
    ``columns`` maps an ACLED name to the name the user's file gives it, so
    messages name the column the user sees.  ``date_format`` is a strptime
    format to use instead of ACLED's date forms.
    """

    def __init__(
        self,
        name: str,
        sha256: str,
        actors: ActorResolver | None,
        *,
        columns: Mapping[str, str] | None = None,
        date_format: str | None = None,
        coordinate_hint: str = "check the column order (latitude before longitude)",
        fatalities_hint: str = FATALITIES_HINT,
        check_duplicates: bool = False,
    ) -> None:
        self.name = name
        self.sha256 = sha256
        self.resolver = actors
        self.columns = dict(columns or {})
        self.date_format = date_format
        self.coordinate_hint = coordinate_hint
        self.fatalities_hint = fatalities_hint
        self.first_line_of: dict[str, int] | None = {} if check_duplicates else None
        self._resolved: dict[tuple[str, date], str | None] = {}
        self._found: list[Problem] = []
        self._line = 0

    def parse(
        self, line: int, fields: Mapping[str, str], original: dict[str, str]
    ) -> tuple[Incident | None, list[Problem]]:
        """The incident on ``line``, or None and the problems that stop it."""
        found: list[Problem] = []
        self._found = found
        self._line = line
        values = self._fields(line, fields, original)
        if found:
            return None, found
        try:
            return Incident.model_validate(values), found
        except ValidationError as e:
            self._domain_problems(e)
            return None, found

    # -- checks with messages that say which column and how to fix it

    def _col(self, field: str) -> str:
        return self.columns.get(field, field)

    def _add(self, message: str, hint: str | None, field: str) -> None:
        column = self._col(field)
        self._found.append(Problem(self.name, self._line, f"{column}: {message}", hint, column))

    def _fields(
        self, line: int, row: Mapping[str, str], original: dict[str, str]
    ) -> dict[str, Any]:
        get = row.get
        event_id = self._event_id(line, row.get("event_id_cnty"))
        when = self._date(get("event_date", ""))
        event_type = self._event_type(get("event_type", ""))
        sub_event_type = self._sub_event_type(get("sub_event_type", ""), event_type)
        latitude = self._coordinate("latitude", get("latitude", ""), 90)
        longitude = self._coordinate("longitude", get("longitude", ""), 180)
        location = {
            "name": get("location", ""),
            "country": get("country") or None,
            "admin1": get("admin1") or None,
            "admin2": get("admin2") or None,
            "admin3": get("admin3") or None,
            "latitude": latitude,
            "longitude": longitude,
            "geo_precision": self._precision("geo_precision", get("geo_precision", "")),
        }
        fatalities = self._count("fatalities", get("fatalities", ""))
        civilians = get("civilian_fatalities", "")
        civilian_count = (
            self._count("civilian_fatalities", civilians) if civilians.strip() else None
        )
        return {
            "id": event_id,
            "date": when,
            "time_precision": self._precision("time_precision", get("time_precision", "")),
            "event_type": event_type,
            "sub_event_type": sub_event_type,
            "actors": self._actors(row, event_type, when),
            "location": location,
            "fatalities": {"low": fatalities, "best": fatalities, "high": fatalities},
            "civilian_fatalities": None
            if civilian_count is None
            else {"low": civilian_count, "best": civilian_count, "high": civilian_count},
            "tags": split_names(get("tags", "")),
            "notes": get("notes", ""),
            "source": get("source", ""),
            "source_scale": get("source_scale", ""),
            "provenance": {
                "file": self.name,
                "sha256": self.sha256,
                "row": line,
                "original": original,
            },
        }

    def _event_id(self, line: int, value: str | None) -> str:
        if value is None:
            return f"row-{line}"
        if not value.strip():
            self._add("is blank", "give every event a unique id", "event_id_cnty")
            return value
        if self.first_line_of is not None:
            first = self.first_line_of.setdefault(value, line)
            if first != line:
                self._add(
                    f"{value!r} is also used on line {first}",
                    "give every event a unique id",
                    "event_id_cnty",
                )
        return value

    def _date(self, value: str) -> date | None:
        text = value.strip()
        wanted = "write YYYY-MM-DD"
        if self.date_format is not None:
            wanted = f"write dates as {self.date_format} (the mapping file's date_format)"
        if not text:
            self._add("is blank", wanted, "event_date")
            return None
        parsed: date | None
        if self.date_format is None:
            parsed = parse_acled_date(text)
        else:
            try:
                parsed = datetime.strptime(text, self.date_format).date()
            except ValueError:
                parsed = None
        if parsed is None:
            self._add(f"{value!r} is not a date", wanted, "event_date")
        return parsed

    def _event_type(self, value: str) -> str:
        if value in EVENT_TYPES:
            return value
        guess = did_you_mean(value, EVENT_TYPES)
        hint = (
            f"did you mean {guess!r}?"
            if guess
            else "use one of " + ", ".join(repr(t) for t in EVENT_TYPE_TREE)
        )
        what = "is blank" if not value.strip() else f"{value!r} is not an ACLED event type"
        self._add(what, hint, "event_type")
        return value

    def _sub_event_type(self, value: str, event_type: str) -> str:
        parent = EVENT_TYPE_OF.get(value)
        if parent is None:
            guess = did_you_mean(value, SUB_EVENT_TYPES)
            if guess:
                hint = f"did you mean {guess!r}?"
            elif event_type in EVENT_TYPE_TREE:
                hint = f"for {event_type} use one of " + ", ".join(
                    repr(s) for s in EVENT_TYPE_TREE[event_type]
                )
            else:
                hint = "see the ACLED sub-event types in REFERENCE.md §2.2"
            what = "is blank" if not value.strip() else f"{value!r} is not an ACLED sub-event type"
            self._add(what, hint, "sub_event_type")
        elif event_type in EVENT_TYPES and parent != event_type:
            self._add(
                f"{value!r} belongs to {parent!r}, not {event_type!r}",
                "correct event_type or sub_event_type",
                "sub_event_type",
            )
        return value

    def _coordinate(self, column: str, value: str, bound: int) -> float | None:
        text = value.strip()
        if not text:
            self._add("is blank", "give decimal degrees, e.g. 36.2021", column)
            return None
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self._add(
                f"{value!r} is not a number",
                "write decimal degrees with a point, e.g. 36.2021",
                column,
            )
            return None
        if not -bound <= number <= bound:
            hint = (
                self.coordinate_hint
                if column == "latitude"
                else "longitudes run from -180 to 180 in decimal degrees"
            )
            self._add(f"{value!r} is out of range (-{bound}..{bound})", hint, column)
            return None
        return number

    def _precision(self, column: str, value: str) -> int:
        known = PRECISION_CODES.get(value)
        if known is not None:
            return known
        number = whole_number(value.strip())
        if number not in (1, 2, 3):
            meaning = (
                "1 = exact date, 2 = week, 3 = month"
                if column == "time_precision"
                else "1 = town, 2 = near a town or part of a region, 3 = region"
            )
            self._add(f"{value!r} is not 1, 2 or 3", f"use ACLED's code: {meaning}", column)
            return 1
        return number

    def _count(self, column: str, value: str) -> int:
        text = value.strip()
        if not text:
            return 0
        number = whole_number(text)
        if number is None and not _looks_numeric(text):
            self._add(f"{value!r} is not a number", self.fatalities_hint, column)
            return 0
        if number is None or number < 0:
            self._add(
                f"{value!r} is not a count",
                "write a whole number, 0 or more (0 when no deaths are reported)",
                column,
            )
            return 0
        return number

    def _actors(self, row: Mapping[str, str], event_type: str, when: date | None) -> list[Any]:
        one_sided = event_type in ONE_SIDED_EVENT_TYPES
        first, second = (Role.PERPETRATOR, Role.TARGET) if one_sided else (Role.OTHER, Role.OTHER)
        placed = (
            (row.get("actor1", ""), first),
            (row.get("assoc_actor_1", ""), first),
            (row.get("actor2", ""), second),
            (row.get("assoc_actor_2", ""), second),
        )
        found: list[Any] = []
        for i, (text, role) in enumerate(placed):
            # actor1/actor2 hold one name; the assoc columns a ';'-separated list.
            is_assoc = i % 2 == 1
            names = split_names(text) if is_assoc else [text.strip()]
            for actor in names:
                if not actor:
                    continue
                found.append({"name": actor, "id": self.resolve(actor, when), "role": role})
        return found

    def resolve(self, actor: str, when: date | None) -> str | None:
        """The registry id of ``actor`` on ``when``, remembered; None when unknown."""
        if self.resolver is None or when is None:
            return None
        key = (actor, when)
        try:
            return self._resolved[key]
        except KeyError:
            pass
        if len(self._resolved) >= _RESOLVED_LIMIT:
            self._resolved.clear()
        found = self.resolver.resolve(actor, on=when)
        actor_id = None if found is None else found.actor_id
        self._resolved[key] = actor_id
        return actor_id

    def _domain_problems(self, error: ValidationError) -> None:
        """Report what the domain model rejected that the checks above let through."""
        for err in error.errors():
            loc = err["loc"]
            head = str(loc[0]) if loc else ""
            if head == "location" and len(loc) > 1:
                column = _COLUMN_OF_LOCATION_FIELD.get(str(loc[1]), str(loc[1]))
            else:
                column = _COLUMN_OF_FIELD.get(head, head or "event_id_cnty")
            message = str(err["msg"]).removeprefix("Value error, ")
            self._add(message, "correct the value", column)


def _looks_numeric(text: str) -> bool:
    """Is this a number at all (even a negative or fractional one)?"""
    try:
        float(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- writing


def write_acled(incidents: Iterable[Incident], path: Path | str) -> None:
    """Write incidents as an ACLED CSV with the 31 standard columns, in order.

    year and disorder_type are derived; the columns we do not model (inter
    codes, iso, region, timestamp, civilian_targeting) are copied from the
    row the incident was read from, so re-exporting an ACLED file loses
    nothing ACLED put in it.  Lines end in CRLF as RFC 4180 asks — it also
    makes the csv module quote a lone carriage return inside notes.
    """
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(ACLED_COLUMNS)
        for incident in incidents:
            row = _row_of(incident)
            writer.writerow([row[c] for c in ACLED_COLUMNS])


def _row_of(incident: Incident) -> dict[str, str]:
    actor1, assoc1, actor2, assoc2 = _actor_columns(incident)
    where = incident.location
    original = incident.provenance.original if incident.provenance else {}
    row = {c: original.get(c, "") for c in _PASSED_THROUGH}
    row.update(
        event_id_cnty=incident.id,
        event_date=incident.date.isoformat(),
        year=str(incident.date.year),
        time_precision=str(incident.time_precision),
        disorder_type=DISORDER_TYPE[incident.event_type],
        event_type=incident.event_type,
        sub_event_type=incident.sub_event_type,
        actor1=actor1,
        assoc_actor_1=assoc1,
        actor2=actor2,
        assoc_actor_2=assoc2,
        country=where.country or "",
        admin1=where.admin1 or "",
        admin2=where.admin2 or "",
        admin3=where.admin3 or "",
        location=where.name,
        latitude=repr(where.latitude),
        longitude=repr(where.longitude),
        geo_precision=str(where.geo_precision),
        source=incident.source,
        source_scale=incident.source_scale,
        notes=incident.notes,
        fatalities=str(incident.fatalities.best),
        tags="; ".join(incident.tags),
    )
    return row


def _actor_columns(incident: Incident) -> tuple[str, str, str, str]:
    """actor1, assoc_actor_1, actor2, assoc_actor_2 for an incident's actors.

    The inverse of reading: one-sided events put perpetrators on side 1 and
    targets on side 2; other event types take actors in order, the first two
    as actor1 and actor2 and any more as associates of actor2 (read back in
    that same order).  Actors ACLED has no place for go with actor2's side.
    """
    if incident.event_type in ONE_SIDED_EVENT_TYPES:
        side1 = _names(incident.actors, Role.PERPETRATOR)
        side2 = _names(incident.actors, Role.TARGET) + _names(incident.actors, Role.OTHER)
        return _first(side1), "; ".join(side1[1:]), _first(side2), "; ".join(side2[1:])
    names = [a.name for a in incident.actors]
    return _first(names), "", names[1] if len(names) > 1 else "", "; ".join(names[2:])


def _names(actors: list[IncidentActor], role: Role) -> list[str]:
    return [a.name for a in actors if a.role == role]


def _first(names: list[str]) -> str:
    return names[0] if names else ""
