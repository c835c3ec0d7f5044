"""ACLED-format files as typed column batches, for the engine's batch path.

The row-by-row importer (:mod:`trucewatch.ingest.acled`) turns one record into
one Incident; at millions of rows the objects cost more than the evaluation.
This module reads the same files as columns (Polars for CSV, Arrow for
Parquet), batch by batch so a file larger than memory streams, and checks
them column-wise.  It never decides differently from the row importer:

* values the column checks accept are the ones the row parser accepts
  (ISO dates, the codes 1-3, plain numbers); dates in ACLED's other forms
  are parsed by the row importer's own :func:`parse_acled_date`, once per
  distinct value;
* any row the column checks do not accept goes through the row parser,
  which either reads it (its values are used) or says what is wrong, in the
  row importer's words;
* for a CSV with problems, the caller re-reads the file with the row
  importer to name the exact lines (:func:`problems_of_csv`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq  # header of a Parquet file without reading it

from trucewatch.domain.vocabulary import EVENT_TYPE_OF
from trucewatch.engine.batch import INCIDENT_SCHEMA
from trucewatch.errors import InputError, Problem
from trucewatch.ingest.acled import (
    ACLED_COLUMNS,
    MAX_PROBLEMS,
    PRECISION_CODES,
    REQUIRED_COLUMNS,
    AcledImporter,
    AcledRowParser,
    CappedProblems,
    parse_acled_date,
)
from trucewatch.ingest.base import header_problems

#: The ACLED columns the batch path reads (the rest — notes, sources — are not needed
#: for a verdict and are never parsed).
READ_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "tags",
    "actor1",
    "assoc_actor_1",
    "actor2",
    "assoc_actor_2",
    "location",
    "country",
    "admin1",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "civilian_fatalities",
)


class BatchProblems(CappedProblems):
    """The row importer's capped problems, each listed one with its row (Parquet has no lines)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.rows: list[int] = []

    def add_row(self, row: int, problems: list[Problem]) -> None:
        for problem in problems:
            if len(self.listed) < MAX_PROBLEMS:
                self.rows.append(row)
            self.add(problem)


def file_kind(path: Path) -> str:
    """'csv' or 'parquet', by the file's name."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".txt", ""):
        return "csv"
    raise InputError(
        [
            Problem(
                str(path),
                None,
                f"cannot tell the format of '{path.name}'",
                "give an ACLED-format .csv or .parquet file",
            )
        ]
    )


def header_of(path: Path) -> list[str]:
    """The file's column names; a missing required column is an InputError."""
    name = str(path)
    if not path.is_file():
        raise InputError([Problem(name, None, "no such file", "check the path")])
    try:
        if file_kind(path) == "parquet":
            header = pq.ParquetFile(path).schema_arrow.names
        else:
            header = pl.scan_csv(path, infer_schema=False, n_rows=0).collect_schema().names()
    except (pl.exceptions.PolarsError, OSError, ValueError) as e:
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    f"cannot be read ({e.__class__.__name__}: {e})",
                    "give an ACLED-format CSV (UTF-8) or Parquet file",
                )
            ]
        ) from e
    header = [h.strip().lstrip("\ufeff") for h in header]
    problems = header_problems(name, header, REQUIRED_COLUMNS, ", ".join(REQUIRED_COLUMNS))
    if problems:
        raise InputError(problems)
    return header


def checked_batches(path: Path, *, batch_rows: int) -> Iterator[pl.DataFrame]:
    """The file, about ``batch_rows`` records at a time, as checked columns (:func:`typed_batch`).

    Memory stays bounded by the batch, whatever the file's size: a Parquet
    file is read row group by row group (Arrow), a CSV in blocks of bytes cut
    at a record's end and parsed by Polars.  (Polars' own streaming scans read
    ahead of a slow consumer without limit, so a 2M-row CSV cost twice the
    memory of a 1M-row one.)
    """
    header = header_of(path)
    present = [c for c in READ_COLUMNS if c in header]
    try:
        if file_kind(path) == "parquet":
            # Row counts are in the file's metadata: each slice reads only the row
            # groups it overlaps.
            rows = pq.ParquetFile(path).metadata.num_rows
            for offset in range(0, rows, batch_rows):
                frame = pl.scan_parquet(path).select(present).slice(offset, batch_rows).collect()
                yield check_frame(frame)
            return
        for frame in _csv_blocks(path, present, batch_rows):
            yield check_frame(frame)
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as e:
        # Not readable the way Polars reads it (bad UTF-8, a ragged row): the
        # row importer reads a CSV and says exactly where.
        raise CsvUnreadableError(str(e)) from e


def _csv_blocks(path: Path, columns: list[str], batch_rows: int) -> Iterator[pl.DataFrame]:
    """The CSV's ``columns`` as text, in blocks of about ``batch_rows`` records.

    A block is cut after a newline with an even number of quote characters
    before it: in CSV a quote inside a quoted value is doubled, so that
    newline ends a record even when values span lines.  Each block is copied
    once (header, the previous block's unfinished record, this block's whole
    records) and parsed by Polars.
    """
    with path.open("rb") as f:
        header = f.readline()
        sample = f.read(1 << 16)
        f.seek(len(header))
        lines = max(1, sample.count(b"\n"))
        block = max(1024, int(batch_rows * len(sample) / lines)) if sample else 1024
        carry = b""
        while True:
            data = f.read(block)
            if not data:
                cut = 0
                chunk = b"".join((header, carry))
            else:
                cut = _record_end(data, carry.count(b'"') % 2)
                if cut == 0:  # no record ends in this block: it is all one record
                    carry += data
                    continue
                chunk = b"".join((header, carry, memoryview(data)[:cut]))
            if len(chunk) > len(header) and (len(chunk) > 4096 or chunk[len(header) :].strip()):
                yield pl.read_csv(
                    chunk, columns=columns, infer_schema=False, empty_string_is_null=False
                )
            if not data:
                return
            carry = data[cut:]


def _record_end(data: bytes, odd_before: int) -> int:
    """Just past the last newline of ``data`` that ends a record (0: none does).

    ``odd_before`` is 1 when an odd number of quotes precede ``data`` (it
    starts inside a quoted value).
    """
    end = data.rfind(b"\n")
    if end < 0:
        return 0
    odd = (odd_before + data.count(b'"', 0, end)) % 2
    while odd:
        previous = data.rfind(b"\n", 0, end)
        if previous < 0:
            return 0
        odd ^= data.count(b'"', previous, end) % 2
        end = previous
    return end + 1


def check_frame(raw: pl.DataFrame) -> pl.DataFrame:
    """:func:`checked_batches` for a frame already in memory (a Dask partition)."""
    missing = [pl.lit(None, dtype=pl.String).alias(c) for c in READ_COLUMNS if c not in raw.columns]
    lazy = raw.lazy().with_columns(missing)
    return lazy.select(_checks(dict(lazy.collect_schema()))).collect()


class CsvUnreadableError(Exception):
    """Polars could not read the file; for a CSV the row importer must name the problem."""


#: Columns whose text the checks convert: kept as read, for the rows the row parser re-reads.
_CONVERTED = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "civilian_fatalities",
)
_RAW = "_raw_"
_SUSPECT = "_suspect"
_CATEGORICAL = (
    "event_type",
    "sub_event_type",
    "tags",
    *("actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "country", "admin1"),
)


def _checks(schema: dict[str, Any]) -> list[pl.Expr]:
    """The column checks, as expressions over the file's columns (any Parquet types)."""
    text = {c: _as_text_expr(c, schema.get(c, pl.String)) for c in READ_COLUMNS}
    parent = text["sub_event_type"].replace_strict(
        EVENT_TYPE_OF, default=None, return_dtype=pl.String
    )
    civilians = text["civilian_fatalities"].cast(pl.Int64, strict=False)
    fatalities = text["fatalities"].cast(pl.Int64, strict=False)
    date_text = text["event_date"]
    iso = (date_text.str.len_bytes() == 10) & date_text.str.contains(r"^\d{4}-\d{2}-\d{2}$")
    ident = text["event_id_cnty"]
    date = pl.when(iso).then(date_text.str.to_date("%Y-%m-%d", strict=False))
    time_precision = _precision(text["time_precision"])
    geo_precision = _precision(text["geo_precision"])
    latitude = _degrees(text["latitude"], 90)
    longitude = _degrees(text["longitude"], 180)
    suspect = (
        (ident.fill_null("").str.strip_chars() != ident).fill_null(True)
        | (ident.fill_null("") == "")
        | (parent != text["event_type"]).fill_null(True)
        | (text["civilian_fatalities"].is_not_null() & (civilians.is_null() | (civilians < 0)))
        | (text["fatalities"].is_not_null() & (fatalities.is_null() | (fatalities < 0)))
        | time_precision.is_null()
        | geo_precision.is_null()
        | latitude.is_null()
        | longitude.is_null()
    )
    return [
        ident.alias("id"),
        date.alias("date"),
        time_precision.alias("time_precision"),
        *(text[c].cast(pl.Categorical).alias(c) for c in _CATEGORICAL),
        text["location"].alias("location"),
        latitude.alias("latitude"),
        longitude.alias("longitude"),
        geo_precision.alias("geo_precision"),
        civilians.alias("civilian_fatalities"),
        suspect.alias(_SUSPECT),
        *(text[c].alias(_RAW + c) for c in _CONVERTED),
    ]


def _precision(text: pl.Expr) -> pl.Expr:
    """ACLED's precision codes: blank means 1; anything but 1-3 is left for the row parser."""
    return text.fill_null("").replace_strict(PRECISION_CODES, default=None, return_dtype=pl.Int8)


def _degrees(value: pl.Expr, bound: int) -> pl.Expr:
    """Decimal degrees within ±bound; anything else (blank, text, nan) is null."""
    number = value.cast(pl.Float64, strict=False)
    return pl.when(number.is_finite() & (number.abs() <= bound)).then(number)


def _as_text_expr(column: str, dtype: Any) -> pl.Expr:
    """A column as text, whatever type a Parquet file gave it (CSV columns already are).

    Coordinates stay numbers when they are numbers: a float is checked as one.
    """
    expr = pl.col(column)
    if dtype == pl.String:
        return expr
    if dtype == pl.Date:
        return expr.dt.strftime("%Y-%m-%d")
    if dtype.is_float() and column in ("latitude", "longitude"):
        return expr
    return expr.cast(pl.String)


def typed_batch(
    checked: pl.DataFrame,
    *,
    name: str,
    first_row: int,
    parser: AcledRowParser,
    problems: BatchProblems,
) -> pl.DataFrame:
    """A checked batch as :data:`INCIDENT_SCHEMA` columns; rows with problems dropped, reported.

    The column checks accept only the plainest forms (no surrounding spaces,
    ISO dates, codes 1-3, plain numbers); dates in ACLED's other forms are
    parsed by the row importer's own function once per distinct value, and
    every other row the checks did not accept goes to the row parser, which
    reads it as the row importer would or says what is wrong.  Row numbers
    in problems are 1-based record numbers plus one (the header line): the
    line for a CSV without values spanning lines (:func:`problems_of_csv`
    gives exact lines).
    """
    checked = _other_dates(checked)
    # Repeated ids are looked for per batch (a whole-file check would stop the file
    # streaming): the row parser names the line an id was first used on.
    suspect = (
        checked[_SUSPECT] | checked["date"].is_null() | checked["id"].is_duplicated()
    ).to_numpy()
    rows = np.flatnonzero(suspect)
    frame = checked.select(list(INCIDENT_SCHEMA))
    if len(rows) == 0:
        return frame
    return _reread(
        frame, checked, rows, name=name, first_row=first_row, parser=parser, problems=problems
    )


def _other_dates(checked: pl.DataFrame) -> pl.DataFrame:
    """Dates in ACLED's other forms ("12 September 2016"), by the row importer's own parser,
    once per distinct value."""
    text = checked[_RAW + "event_date"]
    missing = checked["date"].is_null() & text.is_not_null()
    if not missing.any():
        return checked
    parsed = {v: parse_acled_date(v) for v in text.filter(missing).unique().to_list()}
    other = text.replace_strict(parsed, default=None, return_dtype=pl.Date)
    return checked.with_columns(
        pl.when(pl.lit(missing)).then(pl.lit(other)).otherwise(pl.col("date")).alias("date")
    )


def _reread(
    frame: pl.DataFrame,
    checked: pl.DataFrame,
    rows: np.ndarray,
    *,
    name: str,
    first_row: int,
    parser: AcledRowParser,
    problems: BatchProblems,
) -> pl.DataFrame:
    """Rows the column checks did not accept, through the row parser: fixed or reported."""
    keep = np.ones(frame.height, dtype=bool)
    fixed: dict[str, list[tuple[int, Any]]] = {c: [] for c in INCIDENT_SCHEMA}
    first_line: dict[str, int] = {}
    for row in rows.tolist():
        values = checked.row(row, named=True)
        fields = {c: "" if values.get(c) is None else str(values[c]) for c in READ_COLUMNS}
        for c in _CONVERTED:
            raw = values[_RAW + c]
            fields[c] = "" if raw is None else str(raw)
        line = first_row + row + 2
        value = fields["event_id_cnty"]
        first = first_line.setdefault(value, line)
        incident, found = parser.parse(line, fields, fields)
        if incident is not None and first != line and value.strip():
            found = [
                Problem(
                    name,
                    line,
                    f"event_id_cnty: {value!r} is also used on line {first}",
                    "give every event a unique id",
                    "event_id_cnty",
                )
            ]
            incident = None
        if incident is None:
            keep[row] = False
            problems.add_row(first_row + row, found)
            continue
        loc = incident.location
        civ = incident.civilian_fatalities
        for column, typed in (
            ("id", incident.id),
            ("date", incident.date),
            ("time_precision", incident.time_precision),
            ("latitude", loc.latitude),
            ("longitude", loc.longitude),
            ("geo_precision", loc.geo_precision),
            ("civilian_fatalities", None if civ is None else civ.best),
        ):
            fixed[column].append((row, typed))
    columns = []
    for column, changes in fixed.items():
        if changes:
            series = frame[column].clone()
            series.scatter([r for r, _ in changes], [v for _, v in changes])
            columns.append(series)
    if columns:
        frame = frame.with_columns(columns)
    return frame.filter(pl.Series(keep))


def problems_of_csv(path: Path) -> list[Problem]:
    """Every problem of a CSV, with exact lines, in the row importer's words (capped)."""
    found = CappedProblems(str(path))
    for row in AcledImporter(check_duplicates=True).rows(path):
        for problem in row.problems:
            found.add(problem)
    return found.finish()


__all__ = [
    "ACLED_COLUMNS",
    "READ_COLUMNS",
    "BatchProblems",
    "check_frame",
    "checked_batches",
    "file_kind",
    "header_of",
    "problems_of_csv",
    "typed_batch",
]
