"""UCDP GED CSV in, streamed: each event put in ACLED's terms, saying what is lost.

UCDP's Georeferenced Event Dataset codes the same wars as ACLED with other
choices, so each column is mapped by a rule, and each rule has a reason:

Id.  ``external_id`` = ``id`` (UCDP's stable event id); the incident id is
the same text.

Date.  UCDP gives a span ``date_start``..``date_end`` and ``date_prec``:

* ``date_prec`` 1 (exact day) → ``date_start``, time_precision 1;
* 2 or 3 (a span of at most 6 days, or a week) → the middle day of the span,
  time_precision 2 (ACLED's "week": the date is mid-week, as ACLED codes it);
* 4 or 5 (a month, a year) → the middle day, time_precision 3 (ACLED's
  coarsest, "month").  A year-precise event is *less* precise than that:
  the span in the file says so, trucewatch's time_precision cannot, and the
  row's original values keep ``date_start``/``date_end`` for anyone checking.

Event type.  UCDP codes who fought whom, not the means (air strike or
shelling), so:

* ``type_of_violence`` 1 (state-based) and 2 (non-state) → "Battles" /
  "Armed clash", every actor role ``other`` (UCDP does not say who attacked);
* 3 (one-sided) → "Violence against civilians" / "Attack", side_a the
  perpetrator, side_b (civilians) the target;
* tag ``ucdp_type_of_violence_N`` keeps the original code.

An air strike therefore arrives as a battle or an attack: where an agreement
prohibits a means (e.g. air strikes), an analyst re-codes the event.

Actors.  ``side_a`` and ``side_b`` may list several groups joined with ", "
(``"Ahrar al-Sham, HTS, Southern Front"``); each becomes an actor named as
written.  Ids come from the resolver on the event date: the whole text is
tried first (a single name may contain a comma — what
:meth:`~trucewatch.actors.ActorRegistry.resolve_all` does too), then each part;
an unknown name keeps ``id=None``.

Place.  name = ``where_coordinates``, admin1 = ``adm_1``, admin2 = ``adm_2``,
country = ``country``; geo_precision from ``where_prec``: 1 → 1 (the place
itself), 2 → 2 (near it), 3–7 → 3 (an admin area's centroid or vaguer: ACLED
has nothing coarser).

Deaths.  fatalities = low/best/high.  UCDP's own files have rows where best
is outside low..high; those are reported as row problems naming the three
values — never reordered silently, since which one is wrong is UCDP's call.
civilian_fatalities = ``deaths_civilians`` exactly (when the column exists);
tag ``civilians`` when it is above 0.

Text.  notes = ``source_headline``; source = ``source_office`` (';'-joined
as in the file); source_scale is left empty (UCDP has none).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from trucewatch.domain.incident import Incident, Role
from trucewatch.errors import InputError, Problem
from trucewatch.ingest.base import (
    ActorResolver,
    Row,
    csv_records,
    hash_and_check,
    header_problems,
    open_text,
    record_problem,
)

__all__ = ["UCDP_REQUIRED_COLUMNS", "UcdpImporter"]

UCDP_REQUIRED_COLUMNS: tuple[str, ...] = (
    "id",
    "date_start",
    "date_end",
    "date_prec",
    "type_of_violence",
    "side_a",
    "side_b",
    "latitude",
    "longitude",
    "where_prec",
    "best",
    "low",
    "high",
)
"""Without these a GED row cannot be placed in time, space and the vocabulary."""

_OPTIONAL = (
    "where_coordinates",
    "adm_1",
    "adm_2",
    "country",
    "deaths_civilians",
    "source_headline",
    "source_office",
)

_TIME_PRECISION = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 3}
_GEO_PRECISION = {"1": 1, "2": 2, "3": 3, "4": 3, "5": 3, "6": 3, "7": 3}
_TYPES = {
    "1": ("Battles", "Armed clash", Role.OTHER, Role.OTHER),
    "2": ("Battles", "Armed clash", Role.OTHER, Role.OTHER),
    "3": ("Violence against civilians", "Attack", Role.PERPETRATOR, Role.TARGET),
}
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T][0-9:.]*)?")  # GED exports may add 00:00:00.000
UCDP_FATALITIES_HINT = (
    "give a count; for 'dozens' etc. use the low/best/high columns or your best conservative count"
)
_RESOLVED_LIMIT = 100_000


def _expected() -> str:
    return ", ".join(UCDP_REQUIRED_COLUMNS) + " (also read: " + ", ".join(_OPTIONAL) + ")"


class UcdpImporter:
    """UCDP GED CSV files (GED 19.1 onwards), streamed row by row."""

    format = "ucdp"

    def rows(self, path: Path, *, actors: ActorResolver | None = None) -> Iterator[Row]:
        """Every GED row as a Row; file-level problems raise InputError first."""
        path = Path(path)
        name = str(path)
        sha256 = hash_and_check(path)
        with open_text(path) as f:
            records = csv_records(f, name)
            first = next(records, None)
            header = None if first is None else [h.strip() for h in first.values]
            problems = header_problems(
                name,
                header,
                UCDP_REQUIRED_COLUMNS,
                _expected(),
                delimiter_hint="save it comma-separated as UCDP publishes it",
            )
            if problems:
                raise InputError(problems)
            assert header is not None
            parser = _UcdpRow(name, sha256, actors)
            width = len(header)
            for record in records:
                original = dict(zip(header, record.values, strict=False))
                external_id = original.get("id") or None
                shape = record_problem(name, record, width)
                if shape is not None:
                    yield Row(record.line, external_id, original, None, (shape,))
                    continue
                incident, found = parser.parse(record.line, original)
                yield Row(record.line, external_id, original, incident, tuple(found))


class _UcdpRow:
    """One GED row to an Incident, with a problem per column that cannot be read."""

    def __init__(self, name: str, sha256: str, actors: ActorResolver | None) -> None:
        self.name = name
        self.sha256 = sha256
        self.resolver = actors
        self._resolved: dict[tuple[str, date], str | None] = {}
        self._found: list[Problem] = []
        self._line = 0

    def _add(self, column: str, message: str, hint: str) -> None:
        self._found.append(Problem(self.name, self._line, f"{column}: {message}", hint, column))

    def parse(self, line: int, row: dict[str, str]) -> tuple[Incident | None, list[Problem]]:
        found: list[Problem] = []
        self._found = found
        self._line = line
        fields = self._fields(line, row)
        if found:
            return None, found
        try:
            return Incident.model_validate(fields), found
        except ValidationError as e:
            for err in e.errors():
                message = str(err["msg"]).removeprefix("Value error, ")
                where = ".".join(str(p) for p in err["loc"]) or "id"
                self._add(where, message, "correct the value")
            return None, found

    def _fields(self, line: int, row: dict[str, str]) -> dict[str, Any]:
        event_id = row["id"].strip()
        if not event_id:
            self._add("id", "is blank", "give every event UCDP's id")
        when, time_precision = self._date(row)
        kind = row["type_of_violence"].strip()
        event_type, sub_event_type, role_a, role_b = _TYPES.get(
            kind, ("", "", Role.OTHER, Role.OTHER)
        )
        if not event_type:
            self._add(
                "type_of_violence",
                f"{row['type_of_violence']!r} is not 1, 2 or 3",
                "use UCDP's code: 1 = state-based, 2 = non-state, 3 = one-sided violence",
            )
        latitude = self._coordinate("latitude", row["latitude"], 90)
        longitude = self._coordinate("longitude", row["longitude"], 180)
        geo_precision = _GEO_PRECISION.get(row["where_prec"].strip())
        if geo_precision is None:
            self._add(
                "where_prec",
                f"{row['where_prec']!r} is not 1–7",
                "use UCDP's code: 1 = exact place, 2 = near it, 3 = ADM2, 4 = ADM1, "
                "5 = larger area, 6 = country, 7 = water or airspace",
            )
        low = self._count("low", row["low"])
        best = self._count("best", row["best"])
        high = self._count("high", row["high"])
        widened = False
        if None not in (low, best, high) and not (low or 0) <= (best or 0) <= (high or 0):
            # UCDP GED 19.1 itself has such rows (101 of the 16,566 Syria rows): keep the
            # best estimate, widen low/high to enclose it, keep the raw values in the report
            # and tag the incident, rather than reject a reference dataset's records.
            low, high = min(low or 0, best or 0), max(high or 0, best or 0)
            widened = True
        civilians: int | None = None
        if row.get("deaths_civilians", "").strip():
            civilians = self._count("deaths_civilians", row["deaths_civilians"])
        tags = [f"ucdp_type_of_violence_{kind}"]
        if widened:
            tags.append("casualty_range_widened")
        if civilians:
            tags.append("civilians")
        actors = [
            *self._side(row["side_a"], role_a, when),
            *self._side(row["side_b"], role_b, when),
        ]
        return {
            "id": event_id,
            "date": when,
            "time_precision": time_precision,
            "event_type": event_type,
            "sub_event_type": sub_event_type,
            "actors": actors,
            "location": {
                "name": row.get("where_coordinates", ""),
                "country": row.get("country") or None,
                "admin1": row.get("adm_1") or None,
                "admin2": row.get("adm_2") or None,
                "latitude": latitude,
                "longitude": longitude,
                "geo_precision": geo_precision or 1,
            },
            "fatalities": {"low": low, "best": best, "high": high},
            "civilian_fatalities": None
            if civilians is None
            else {"low": civilians, "best": civilians, "high": civilians},
            "tags": tags,
            "notes": row.get("source_headline", ""),
            "source": row.get("source_office", ""),
            "source_scale": "",
            "provenance": {"file": self.name, "sha256": self.sha256, "row": line, "original": row},
        }

    def _day(self, column: str, value: str) -> date | None:
        m = _DATE.fullmatch(value.strip())
        if m is not None:
            try:
                return date.fromisoformat(m.group(1))
            except ValueError:
                pass
        what = "is blank" if not value.strip() else f"{value!r} is not a date"
        self._add(column, what, "write YYYY-MM-DD")
        return None

    def _date(self, row: dict[str, str]) -> tuple[date | None, int]:
        start = self._day("date_start", row["date_start"])
        end = self._day("date_end", row["date_end"])
        prec = row["date_prec"].strip()
        time_precision = _TIME_PRECISION.get(prec)
        if time_precision is None:
            self._add(
                "date_prec",
                f"{row['date_prec']!r} is not 1–5",
                "use UCDP's code: 1 = day, 2 = up to 6 days, 3 = week, 4 = month, 5 = year",
            )
            return start, 1
        if start is None or end is None:
            return None, time_precision
        if end < start:
            self._add(
                "date_end",
                f"{row['date_end']!r} is before date_start {row['date_start']!r}",
                "swap them or correct the later date",
            )
            return None, time_precision
        if prec == "1":
            return start, 1
        return start + timedelta(days=(end - start).days // 2), time_precision

    def _coordinate(self, column: str, value: str, bound: int) -> float | None:
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            what = "is blank" if not text else f"{value!r} is not a number"
            self._add(column, what, "write decimal degrees with a point, e.g. 36.2021")
            return None
        if not -bound <= number <= bound:
            hint = (
                "check the column order (latitude before longitude)"
                if column == "latitude"
                else "longitudes run from -180 to 180 in decimal degrees"
            )
            self._add(column, f"{value!r} is out of range (-{bound}..{bound})", hint)
            return None
        return number

    def _count(self, column: str, value: str) -> int | None:
        text = value.strip()
        if not text:
            self._add(column, "is blank", "give a count, 0 or more")
            return None
        try:
            number = float(text)
        except ValueError:
            self._add(column, f"{value!r} is not a number", UCDP_FATALITIES_HINT)
            return None
        if not number.is_integer() or number < 0:
            self._add(column, f"{value!r} is not a count", "write a whole number, 0 or more")
            return None
        return int(number)

    def _side(self, text: str, role: Role, when: date | None) -> list[dict[str, Any]]:
        text = text.strip()
        if not text:
            return []
        whole = self._resolve(text, when) if ", " in text else None
        names = [text] if whole is not None or ", " not in text else _parts(text)
        return [{"name": n, "id": whole or self._resolve(n, when), "role": role} for n in names]

    def _resolve(self, name: str, when: date | None) -> str | None:
        if self.resolver is None or when is None:
            return None
        key = (name, when)
        if key in self._resolved:
            return self._resolved[key]
        if len(self._resolved) >= _RESOLVED_LIMIT:
            self._resolved.clear()
        found = self.resolver.resolve(name, on=when)
        actor_id = self._resolved[key] = None if found is None else found.actor_id
        return actor_id


def _parts(text: str) -> list[str]:
    return [p for p in (part.strip() for part in text.split(", ")) if p]
