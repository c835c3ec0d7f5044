"""HXL-tagged CSV in, streamed, with our own small parser (no libhxl dependency).

HXL (the Humanitarian Exchange Language) puts a row of hashtags such as
``#geo+lat`` under — or instead of — a spreadsheet's text header, so a file
can be read whatever its column titles are.  The hashtag row is the first
row, or the row after a text header.  Tags are read case-insensitively and
their attributes in any order (``#event+sub+type`` is ``#event+type+sub``).

Tags read (everything else is ignored):

=============================  =========================================
tag                            field
=============================  =========================================
#event+id                      the incident id (the external id)
#date, #date+occurred          date, YYYY-MM-DD (#date+reported is ignored)
#loc, #loc+name                location name
#adm1(+name), #adm2(+name)     admin1, admin2
#country(+name)                country
#geo+lat, #geo+lon             latitude, longitude (decimal degrees)
#event+type                    ACLED event_type
#event+type+sub                ACLED sub_event_type (our extension)
#group, #group+name            actors ( ';'-separated names allowed)
#group+perpetrator             perpetrators (our attribute)
#group+target                  targets (our attribute)
#affected+killed               fatalities
#affected+killed+civilians     civilian fatalities
#affected+injured              kept in the original values only
#meta+source                   source
#meta+url                      kept in the original values only
#description                   notes
#event+tags                    tags, ';'-separated
=============================  =========================================

Roles follow ACLED.  For one-sided event types (violence against civilians,
explosions, strategic developments) ``+perpetrator`` and ``+target`` columns
say who is who; where there are none, the first plain ``#group`` name is the
perpetrator and any others targets (plain groups next to explicit
perpetrators count as targets).  For battles, protests and riots every actor
is ``other``.  Precision codes are not HXL's: every row is time_precision 1
and geo_precision 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from trucewatch.errors import InputError, Problem
from trucewatch.ingest.acled import AcledRowParser, split_names
from trucewatch.ingest.base import (
    ActorResolver,
    Record,
    Row,
    csv_records,
    hash_and_check,
    open_text,
    record_problem,
)

__all__ = ["HXL_REQUIRED_TAGS", "HxlImporter", "hxl_field"]

HXL_REQUIRED_TAGS: tuple[str, ...] = (
    "#date",
    "#geo+lat",
    "#geo+lon",
    "#event+type",
    "#event+type+sub",
)
"""Without these a row cannot be placed in time, space or the vocabulary."""

_REQUIRED_FIELDS = {
    "event_date": "#date",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "event_type": "#event+type",
    "sub_event_type": "#event+type+sub",
}

# (tag, attributes) → our field; attributes as a frozenset, so order is free.
_FIELDS: dict[tuple[str, frozenset[str]], str] = {}
for _tag, _attrs, _field in (
    ("#event", {"id"}, "event_id_cnty"),
    ("#date", set(), "event_date"),
    ("#date", {"occurred"}, "event_date"),
    ("#loc", set(), "location"),
    ("#loc", {"name"}, "location"),
    ("#adm1", set(), "admin1"),
    ("#adm1", {"name"}, "admin1"),
    ("#adm2", set(), "admin2"),
    ("#adm2", {"name"}, "admin2"),
    ("#country", set(), "country"),
    ("#country", {"name"}, "country"),
    ("#geo", {"lat"}, "latitude"),
    ("#geo", {"lon"}, "longitude"),
    ("#event", {"type"}, "event_type"),
    ("#event", {"type", "sub"}, "sub_event_type"),
    ("#group", set(), "group"),
    ("#group", {"name"}, "group"),
    ("#group", {"perpetrator"}, "perpetrator"),
    ("#group", {"name", "perpetrator"}, "perpetrator"),
    ("#group", {"target"}, "target"),
    ("#group", {"name", "target"}, "target"),
    ("#affected", {"killed"}, "fatalities"),
    ("#affected", {"killed", "civilians"}, "civilian_fatalities"),
    ("#meta", {"source"}, "source"),
    ("#description", set(), "notes"),
    ("#event", {"tags"}, "tags"),
):
    _FIELDS[(_tag, frozenset(_attrs))] = _field

_GROUP_FIELDS = ("group", "perpetrator", "target")


def hxl_field(hashtag: str) -> str | None:
    """Our field for a hashtag as written (``" #Geo +Lat "`` → ``latitude``), or None."""
    parts = [p.strip() for p in hashtag.strip().lower().split("+")]
    if not parts[0].startswith("#"):
        return None
    return _FIELDS.get((parts[0], frozenset(p for p in parts[1:] if p)))


def _is_hashtag_row(values: list[str]) -> bool:
    cells = [v.strip() for v in values if v.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


class HxlImporter:
    """HXL-tagged CSV files, streamed row by row."""

    format = "hxl"

    def rows(self, path: Path, *, actors: ActorResolver | None = None) -> Iterator[Row]:
        """Every data row as a Row; file-level problems raise InputError first."""
        path = Path(path)
        name = str(path)
        sha256 = hash_and_check(path)
        with open_text(path) as f:
            records = csv_records(f, name)
            tags_row = self._hashtag_row(name, records)
            columns = [c.strip() for c in tags_row.values]
            fields = [hxl_field(c) for c in columns]
            self._check_required(name, tags_row.line, fields)
            keys = _unique_keys(columns)
            shown = {f: c for f, c in zip(fields, columns, strict=True) if f is not None}
            parser = AcledRowParser(
                name,
                sha256,
                actors,
                columns=shown,
                fatalities_hint="give a count; for 'dozens' etc. give your best conservative count",
            )
            width = len(columns)
            id_column = next(
                (k for k, f in zip(keys, fields, strict=True) if f == "event_id_cnty"), None
            )
            for record in records:
                original = dict(zip(keys, record.values, strict=False))
                external_id = (original.get(id_column, "") if id_column else "") or None
                shape = record_problem(name, record, width)
                if shape is not None:
                    yield Row(record.line, external_id, original, None, (shape,))
                    continue
                acled = _acled_fields(record.values, fields)
                incident, found = parser.parse(record.line, acled, original)
                yield Row(record.line, external_id, original, incident, tuple(found))

    def _hashtag_row(self, name: str, records: Iterator[Record]) -> Record:
        first = next(records, None)
        if first is None:
            raise InputError(
                [Problem(name, 1, "the file is empty", "start with a row of HXL hashtags")]
            )
        if _is_hashtag_row(first.values):
            return first
        second = next(records, None)
        if second is not None and _is_hashtag_row(second.values):
            return second
        if len(first.values) == 1:
            for sep in (";", "\t", "|"):
                if sep in first.values[0]:
                    raise InputError(
                        [
                            Problem(
                                name,
                                1,
                                f"this looks like a {sep!r}-separated file",
                                "save it comma-separated",
                            )
                        ]
                    )
        raise InputError(
            [
                Problem(
                    name,
                    1,
                    "no row of HXL hashtags in the first two rows",
                    "add a row such as #date,#geo+lat,#geo+lon,#event+type,#event+type+sub "
                    "as the first row or right under the column titles",
                )
            ]
        )

    def _check_required(self, name: str, line: int, fields: list[str | None]) -> None:
        have = set(fields)
        missing = [tag for field, tag in _REQUIRED_FIELDS.items() if field not in have]
        if not missing:
            return
        problems = []
        for tag in missing:
            if tag == "#event+type":
                hint = "add a column tagged #event+type with the ACLED event type (e.g. Battles)"
            elif tag == "#event+type+sub":
                hint = (
                    "add a column tagged #event+type+sub with the ACLED sub-event type "
                    "(e.g. Armed clash)"
                )
            else:
                hint = "the hashtag row needs " + ", ".join(HXL_REQUIRED_TAGS)
            problems.append(Problem(name, line, f"missing hashtag {tag}", hint, tag))
        raise InputError(problems)


def _unique_keys(columns: list[str]) -> list[str]:
    """Hashtags as written, numbered when repeated (two #group+name columns)."""
    seen: dict[str, int] = {}
    keys = []
    for column in columns:
        n = seen[column] = seen.get(column, 0) + 1
        keys.append(column if n == 1 else f"{column} ({n})")
    return keys


def _acled_fields(values: list[str], fields: list[str | None]) -> dict[str, str]:
    """One HXL row in ACLED's columns, groups placed by role."""
    acled: dict[str, str] = {}
    groups: dict[str, list[str]] = {"group": [], "perpetrator": [], "target": []}
    for value, field in zip(values, fields, strict=False):
        if field is None:
            continue
        if field in _GROUP_FIELDS:
            groups[field].extend(split_names(value))
        elif field not in acled or not acled[field].strip():
            acled[field] = value
    perpetrators, targets = groups["perpetrator"], groups["target"]
    plain = groups["group"]
    if not perpetrators and plain:
        perpetrators, plain = plain[:1], plain[1:]
    targets = targets + plain
    acled["actor1"] = perpetrators[0] if perpetrators else ""
    acled["assoc_actor_1"] = "; ".join(perpetrators[1:])
    acled["actor2"] = targets[0] if targets else ""
    acled["assoc_actor_2"] = "; ".join(targets[1:])
    return acled
