"""Any CSV, with a small YAML mapping file that says which column holds which field.

A monitoring team's own spreadsheet rarely has ACLED's column names.  Rather
than asking anyone to rename columns, a mapping file names them::

    delimiter: ","          # optional: "," (default), ";", "\\t" or "|"
    encoding: utf-8         # optional: utf-8 (default), utf-8-sig, cp1252, latin-1
    date_format: "%d/%m/%Y" # optional strptime format; default YYYY-MM-DD
    columns:                # our field: their column
      event_date: "Date"
      latitude: "Lat"
      ...
    defaults:               # constant values for fields the file lacks
      time_precision: 1

Our fields are ACLED's column names (plus ``civilian_fatalities``), so the
row is then read by the ACLED reader's own code and gets the same checks;
messages name the user's column.  A mapping file's mistakes are reported at
their line in the mapping file; a mapped column missing from the data file's
header names the closest header names.  A value is taken from ``defaults``
when the field is not mapped, or its cell is empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trucewatch.errors import InputError, Problem, close_matches, did_you_mean
from trucewatch.ingest.acled import ACLED_COLUMNS, AcledRowParser
from trucewatch.ingest.base import (
    ActorResolver,
    Row,
    csv_records,
    hash_and_check,
    header_problems,
    open_text,
    record_problem,
)
from trucewatch.yamlfile import LineMap, load_yaml

__all__ = ["TARGET_FIELDS", "MappedCsvImporter", "Mapping", "load_mapping"]

TARGET_FIELDS: tuple[str, ...] = (*ACLED_COLUMNS, "civilian_fatalities")
"""The fields a mapping may fill: ACLED's columns, and civilian fatalities."""

REQUIRED_FIELDS: tuple[str, ...] = (
    "event_date",
    "event_type",
    "sub_event_type",
    "latitude",
    "longitude",
)
"""Fields that must come from a column or a default."""

DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")
_KEYS = ("delimiter", "encoding", "date_format", "columns", "defaults")


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file."""

    file: str
    delimiter: str = ","
    encoding: str = "utf-8"
    date_format: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # our field → their column
    defaults: dict[str, str] = field(default_factory=dict)
    lines: LineMap = field(default_factory=lambda: LineMap({}))


def load_mapping(path: Path | str) -> Mapping:
    """Read and check a mapping file; every mistake is reported as FILE:LINE."""
    name = str(path)
    data, lines = load_yaml(path)
    problems: list[Problem] = []

    def add(key: tuple[str | int, ...], message: str, hint: str | None) -> None:
        problems.append(Problem(name, lines.line_of(key), message, hint, ".".join(map(str, key))))

    if not isinstance(data, dict):
        raise InputError(
            [Problem(name, 1, "a mapping file is a set of keys", "start with `columns:`")]
        )
    for key in data:
        if key not in _KEYS:
            guess = did_you_mean(str(key), _KEYS)
            add(
                (str(key),),
                f"unknown key {key!r}",
                f"did you mean {guess!r}?" if guess else "use " + ", ".join(_KEYS),
            )
    delimiter = data.get("delimiter", ",")
    if delimiter not in DELIMITERS:
        add(
            ("delimiter",),
            f"delimiter: {delimiter!r} is not one we read",
            "use one of " + ", ".join(repr(d) for d in DELIMITERS),
        )
    encoding = str(data.get("encoding", "utf-8")).lower().replace("_", "-")
    if encoding not in ENCODINGS:
        add(
            ("encoding",),
            f"encoding: {data.get('encoding')!r} is not one we read",
            "use one of " + ", ".join(ENCODINGS),
        )
    date_format = data.get("date_format")
    if date_format is not None and (not isinstance(date_format, str) or "%" not in date_format):
        add(
            ("date_format",),
            f"date_format: {date_format!r} is not a strptime format",
            'write e.g. "%d/%m/%Y" for 19/09/2016',
        )
    columns = _fields(data, "columns", add)
    defaults = _fields(data, "defaults", add)
    if "columns" not in data:
        add((), "the mapping has no `columns:`", "list which of your columns holds which field")
    for needed in REQUIRED_FIELDS:
        if needed not in columns and needed not in defaults and "columns" in data:
            add(
                ("columns",),
                f"columns: nothing gives {needed}",
                f'map the column that holds it (`{needed}: "Your column"`) or give a default',
            )
    if problems:
        raise InputError(problems)
    return Mapping(
        name,
        str(delimiter),
        encoding,
        date_format,
        columns,
        defaults,
        lines,
    )


def _fields(data: dict[str, Any], key: str, add: Any) -> dict[str, str]:
    section = data.get(key)
    if section is None:
        return {}
    if not isinstance(section, dict):
        add((key,), f"{key}: should be a list of `field: value` lines", "see docs/formats.md")
        return {}
    found: dict[str, str] = {}
    for target, value in section.items():
        target = str(target)
        if target not in TARGET_FIELDS:
            guess = did_you_mean(target, TARGET_FIELDS)
            add(
                (key, target),
                f"{key}.{target}: not a field we know",
                f"did you mean {guess!r}?"
                if guess
                else "use ACLED's column names (see docs/formats.md)",
            )
            continue
        if value is None or isinstance(value, dict | list):
            add(
                (key, target),
                f"{key}.{target}: needs a single value",
                f'e.g. {target}: "Column name"' if key == "columns" else None,
            )
            continue
        found[target] = str(value)
    return found


class MappedCsvImporter:
    """A CSV read through a mapping file, streamed row by row."""

    format = "csv"

    def __init__(self, mapping: Path | str | Mapping) -> None:
        self.mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)

    def rows(self, path: Path, *, actors: ActorResolver | None = None) -> Iterator[Row]:
        """Every record as a Row; file and mapping problems raise InputError first."""
        m = self.mapping
        path = Path(path)
        name = str(path)
        sha256 = hash_and_check(
            path,
            encoding=m.encoding,
            hint="save the file as UTF-8, or name its encoding in the mapping file "
            "(e.g. `encoding: cp1252` for Windows-1252)",
        )
        with open_text(path, m.encoding) as f:
            records = csv_records(f, name, m.delimiter)
            first = next(records, None)
            header = None if first is None else [h.strip() for h in first.values]
            problems = header_problems(
                name,
                header,
                (),
                ", ".join(m.columns.values()),
                delimiter_hint="set `delimiter:` in the mapping file "
                f"({m.file}) to the file's separator",
            )
            if problems:
                raise InputError(problems)
            assert header is not None
            self._check_columns(name, header)
            parser = AcledRowParser(
                name, sha256, actors, columns=m.columns, date_format=m.date_format
            )
            width = len(header)
            id_column = m.columns.get("event_id_cnty")
            for record in records:
                original = dict(zip(header, record.values, strict=False))
                external_id = (original.get(id_column, "") if id_column else "") or None
                shape = record_problem(name, record, width)
                if shape is not None:
                    yield Row(record.line, external_id, original, None, (shape,))
                    continue
                fields = dict(m.defaults)
                for target, column in m.columns.items():
                    value = original[column]
                    if value.strip() or target not in m.defaults:
                        fields[target] = value
                incident, found = parser.parse(record.line, fields, original)
                yield Row(record.line, external_id, original, incident, tuple(found))

    def _check_columns(self, name: str, header: list[str]) -> None:
        m = self.mapping
        problems = []
        for target, column in m.columns.items():
            if column in header:
                continue
            close = close_matches(column, header, cutoff=0.5)
            hint = (
                "closest in the header: " + ", ".join(repr(c) for c in close)
                if close
                else "the header has: " + ", ".join(repr(c) for c in header)
            )
            problems.append(
                Problem(
                    m.file,
                    m.lines.line_of(("columns", target)),
                    f"columns.{target}: {column!r} is not a column of {name}",
                    hint,
                    f"columns.{target}",
                )
            )
        if problems:
            raise InputError(problems)
