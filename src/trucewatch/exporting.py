"""Exports of stored incidents in the formats they arrive in: what goes out comes back in.

An export holds only the incidents the user may see (``browse.list_incidents``
with the user's scope and the list's filters), read page by page by the
keyset cursor and written as it is read, so an export of the whole store
streams in constant memory.

Formats, each re-importable with its importer (``trucewatch ingest``):

- ``acled``: ACLED's 31 standard columns, written by the ACLED writer's own
  row function (``ingest.acled``), so our ACLED export and ``write_acled``
  cannot drift apart;
- ``csv``: the same 31 columns followed by what ACLED has no column for —
  casualty ranges, civilian deaths, verification status, publication and
  version; the ACLED importer reads it (extra columns are kept as the
  record's original values, ``civilian_fatalities`` is read back);
- ``hxl``: a text header and a row of HXL hashtags (REFERENCE §8.3:
  ``#event+id``, ``#date+occurred``, ``#adm1+name``, ``#loc+name``,
  ``#geo+lat``/``#geo+lon``, ``#group+…``, ``#affected+killed``,
  ``#meta+source`` …), read back by ``ingest.hxl``;
- ``geojson``: a FeatureCollection of Points with ACLED's column names as
  properties, read back by ``ingest.geojson``.

What each format cannot carry is lost on the way back, as documented in
docs/api.md (HXL has no precision codes; ACLED and HXL one fatality count).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trucewatch.accounts import User
from trucewatch.browse import MAX_LIMIT, EvaluationCache, IncidentFilter, list_incidents
from trucewatch.domain import Incident
from trucewatch.domain.vocabulary import ONE_SIDED_EVENT_TYPES
from trucewatch.errors import InputError, Problem
from trucewatch.ingest.acled import ACLED_COLUMNS
from trucewatch.ingest.acled import _row_of as acled_row
from trucewatch.store import Database


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name, media type and file extension."""

    name: str
    media_type: str
    extension: str


FORMATS: dict[str, ExportFormat] = {
    "csv": ExportFormat("csv", "text/csv; charset=utf-8", "csv"),
    "acled": ExportFormat("acled", "text/csv; charset=utf-8", "csv"),
    "hxl": ExportFormat("hxl", "text/csv; charset=utf-8", "csv"),
    "geojson": ExportFormat("geojson", "application/geo+json", "geojson"),
}

#: Columns the csv format adds after ACLED's: what ACLED has no column for.
EXTRA_COLUMNS: tuple[str, ...] = (
    "fatalities_low",
    "fatalities_high",
    "civilian_fatalities",
    "civilian_fatalities_low",
    "civilian_fatalities_high",
    "status",
    "published",
    "version",
)

Item = dict[str, Any]


def incident_of_item(item: Item) -> Incident:
    """The Incident behind one item of ``list_incidents`` (its public fields)."""
    return Incident.model_validate({k: item[k] for k in Incident.model_fields if k in item})


def _names(incident: Incident, role: str) -> str:
    return "; ".join(a.name for a in incident.actors if a.role.value == role)


# --------------------------------------------------------------------------- rows


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    # CRLF as RFC 4180 asks (and as write_acled writes).
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _acled_values(item: Item) -> list[str]:
    row = acled_row(incident_of_item(item))
    return [row[c] for c in ACLED_COLUMNS]


def _csv_values(item: Item) -> list[str]:
    incident = incident_of_item(item)
    row = acled_row(incident)
    civ = incident.civilian_fatalities
    extra = [
        str(incident.fatalities.low),
        str(incident.fatalities.high),
        "" if civ is None else str(civ.best),
        "" if civ is None else str(civ.low),
        "" if civ is None else str(civ.high),
        str(item["status"]),
        "true" if item["published"] else "false",
        str(item["version"]),
    ]
    return [row[c] for c in ACLED_COLUMNS] + extra


#: HXL columns: (text header, hashtag, value).  Perpetrators and targets of
#: one-sided events go in +perpetrator / +target columns; the actors of a
#: battle, protest or riot (who have no such roles) in #group+name.
HXL_COLUMNS: tuple[tuple[str, str, Callable[[Incident, Item], str]], ...] = (
    ("event id", "#event+id", lambda i, _: i.id),
    ("date", "#date+occurred", lambda i, _: i.date.isoformat()),
    ("country", "#country+name", lambda i, _: i.location.country or ""),
    ("admin1", "#adm1+name", lambda i, _: i.location.admin1 or ""),
    ("admin2", "#adm2+name", lambda i, _: i.location.admin2 or ""),
    ("location", "#loc+name", lambda i, _: i.location.name),
    ("latitude", "#geo+lat", lambda i, _: repr(i.location.latitude)),
    ("longitude", "#geo+lon", lambda i, _: repr(i.location.longitude)),
    ("event type", "#event+type", lambda i, _: i.event_type),
    ("sub-event type", "#event+type+sub", lambda i, _: i.sub_event_type),
    (
        "perpetrators",
        "#group+perpetrator",
        lambda i, _: _names(i, "perpetrator") if i.event_type in ONE_SIDED_EVENT_TYPES else "",
    ),
    (
        "targets",
        "#group+target",
        lambda i, _: (
            "; ".join(n for n in (_names(i, "target"), _names(i, "other")) if n)
            if i.event_type in ONE_SIDED_EVENT_TYPES
            else ""
        ),
    ),
    (
        "actors",
        "#group+name",
        lambda i, _: (
            "" if i.event_type in ONE_SIDED_EVENT_TYPES else "; ".join(a.name for a in i.actors)
        ),
    ),
    ("fatalities", "#affected+killed", lambda i, _: str(i.fatalities.best)),
    (
        "civilian fatalities",
        "#affected+killed+civilians",
        lambda i, _: "" if i.civilian_fatalities is None else str(i.civilian_fatalities.best),
    ),
    ("source", "#meta+source", lambda i, _: i.source),
    ("notes", "#description", lambda i, _: i.notes),
    ("tags", "#event+tags", lambda i, _: "; ".join(i.tags)),
    ("verification status", "#status+verification", lambda _, item: str(item["status"])),
)


def _hxl_values(item: Item) -> list[str]:
    incident = incident_of_item(item)
    return [value(incident, item) for _, _, value in HXL_COLUMNS]


_NUMBERS = ("year", "time_precision", "geo_precision", "fatalities")


def geojson_feature(item: Item) -> dict[str, Any]:
    """One incident as a GeoJSON Point feature with ACLED's column names as properties."""
    incident = incident_of_item(item)
    row = acled_row(incident)
    properties: dict[str, Any] = {
        c: (int(row[c]) if c in _NUMBERS and row[c] else row[c])
        for c in ACLED_COLUMNS
        if c not in ("latitude", "longitude")
    }
    civ = incident.civilian_fatalities
    properties.update(
        fatalities_low=incident.fatalities.low,
        fatalities_high=incident.fatalities.high,
        civilian_fatalities=None if civ is None else civ.best,
        status=item["status"],
        published=item["published"],
        version=item["version"],
    )
    return {
        "type": "Feature",
        "id": incident.id,
        # GeoJSON order: [longitude, latitude].
        "geometry": {
            "type": "Point",
            "coordinates": [incident.location.longitude, incident.location.latitude],
        },
        "properties": properties,
    }


# --------------------------------------------------------------------------- streams


def visible_pages(
    db: Database, user: User, f: IncidentFilter, *, cache: EvaluationCache | None = None
) -> Iterator[list[Item]]:
    """Every page of the incidents ``user`` may see, newest first.

    The first page is read now, so a bad filter raises here, before anything
    is sent; the following pages are read as the caller iterates.
    """
    first = list_incidents(db, user, f, limit=MAX_LIMIT, cache=cache)

    def pages() -> Iterator[list[Item]]:
        page = first
        yield page.items
        while page.next_cursor:
            page = list_incidents(
                db, user, f, cursor=page.next_cursor, limit=MAX_LIMIT, cache=cache
            )
            yield page.items

    return pages()


def export_format(name: str) -> ExportFormat:
    """The export format called ``name``, or a clear error."""
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(
            [
                Problem(
                    "format",
                    None,
                    f"'{name}' is not an export format",
                    f"use one of: {', '.join(FORMATS)}",
                )
            ]
        ) from None


def export_chunks(
    db: Database,
    user: User,
    f: IncidentFilter,
    fmt: str,
    *,
    cache: EvaluationCache | None = None,
) -> Iterator[str]:
    """The export as text chunks (one per page); errors in the filter are raised now."""
    export_format(fmt)
    pages = visible_pages(db, user, f, cache=cache)
    if fmt == "geojson":
        return _geojson_chunks(pages)
    if fmt == "hxl":
        header = [[t for t, _, _ in HXL_COLUMNS], [h for _, h, _ in HXL_COLUMNS]]
        return _csv_chunks(pages, header, _hxl_values)
    if fmt == "csv":
        return _csv_chunks(pages, [[*ACLED_COLUMNS, *EXTRA_COLUMNS]], _csv_values)
    return _csv_chunks(pages, [list(ACLED_COLUMNS)], _acled_values)


def _csv_chunks(
    pages: Iterator[list[Item]], header: list[list[str]], values: Callable[[Item], list[str]]
) -> Iterator[str]:
    yield _csv_text(header)
    for items in pages:
        if items:
            yield _csv_text([values(i) for i in items])


def _geojson_chunks(pages: Iterator[list[Item]]) -> Iterator[str]:
    yield '{"type": "FeatureCollection", "features": ['
    first = True
    for items in pages:
        for item in items:
            text = json.dumps(geojson_feature(item), ensure_ascii=False)
            yield text if first else ",\n" + text
            first = False
    yield "]}\n"


def export_to_file(
    db: Database,
    user: User,
    f: IncidentFilter,
    fmt: str,
    path: Path | str,
    *,
    cache: EvaluationCache | None = None,
) -> Path:
    """Write an export to ``path`` (for a command line); returns the path."""
    chunks = export_chunks(db, user, f, fmt, cache=cache)
    target = Path(path)
    with target.open("w", encoding="utf-8", newline="") as out:
        for chunk in chunks:
            out.write(chunk)
    return target
