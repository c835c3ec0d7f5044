"""One streaming interface for every incident format, and the CSV plumbing they share.

An importer turns a file into :class:`Row` objects, one per record, as the
file is read: the database pipeline stores them as they come, so memory stays
flat however long the file is.

Two kinds of mistakes, two channels:

* **file-level** problems (no such file, not UTF-8, a missing required
  column, the wrong delimiter) make every row meaningless, so they raise an
  :class:`~trucewatch.errors.InputError` before the first row is yielded;
* **row-level** problems (a bad date, latitude 95, fatalities "many", a
  record cut short) are put in :attr:`Row.problems` and reading goes on, so
  one bad line never hides the ten thousand good ones around it.

Every problem names the file, the line and the column, the value, and what
to do about it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Protocol

from trucewatch.domain.incident import Incident
from trucewatch.errors import InputError, Problem

__all__ = [
    "FORMATS",
    "ActorResolution",
    "ActorResolver",
    "Importer",
    "MultiActorResolver",
    "Row",
    "file_sha256",
    "importer_for",
]

FORMATS: tuple[str, ...] = ("acled", "ucdp", "hxl", "geojson", "csv", "text")
"""The formats :func:`importer_for` knows."""

CHUNK = 1 << 20
"""Bytes read at a time when hashing and checking a file (1 MiB)."""


@dataclass(frozen=True)
class Row:
    """One record of an input file, parsed or with the reasons it could not be.

    ``line`` is the 1-based line the record starts on (the CSV header is line
    1); for GeoJSON it is the 1-based index of the feature.  ``incident`` is
    None exactly when ``problems`` is not empty.
    """

    line: int
    external_id: str | None
    original: dict[str, str]
    incident: Incident | None
    problems: tuple[Problem, ...]


class ActorResolution(Protocol):
    """What a resolver returns: at least the canonical registry id."""

    @property
    def actor_id(self) -> str: ...


class ActorResolver(Protocol):
    """Maps an actor name as written, on a date, to a registry id.

    A protocol rather than an import of ``trucewatch.actors`` so that ingest
    stays usable (and testable) without the registry, and the registry can
    change without touching ingest.
    """

    def resolve(self, name: str, on: date | None = None) -> ActorResolution | None: ...


class MultiActorResolver(ActorResolver, Protocol):
    """A resolver that also reads lists such as UCDP's "Ahrar al-Sham, HTS, Southern Front".

    :class:`trucewatch.actors.ActorRegistry` is one.  Importers need only
    ``resolve``; see :mod:`trucewatch.ingest.ucdp` for how side lists are split.
    """

    def resolve_all(self, text: str, on: date | None = None) -> Sequence[ActorResolution]: ...


class Importer(Protocol):
    """Reads one format, streaming: file-level problems raise, row-level ones ride in Rows."""

    format: str

    def rows(self, path: Path, *, actors: ActorResolver | None = None) -> Iterator[Row]: ...


def importer_for(
    format: str, *, mapping: Path | None = None, published: date | None = None
) -> Importer:
    """The importer for ``format`` (one of :data:`FORMATS`); "csv" needs a mapping file."""
    # Imported here: the format modules import this one.
    from trucewatch.ingest.acled import AcledImporter
    from trucewatch.ingest.geojson import GeoJsonImporter
    from trucewatch.ingest.hxl import HxlImporter
    from trucewatch.ingest.mapped_csv import MappedCsvImporter
    from trucewatch.ingest.text import TextImporter
    from trucewatch.ingest.ucdp import UcdpImporter

    if format == "text":
        return TextImporter(published)

    if format == "csv":
        if mapping is None:
            raise InputError(
                [
                    Problem(
                        "--format csv",
                        None,
                        "the csv format needs a mapping file",
                        "give one that says which of your columns holds which field "
                        "(see docs/formats.md)",
                    )
                ]
            )
        return MappedCsvImporter(mapping)
    importers: dict[str, type[Importer]] = {
        "acled": AcledImporter,
        "ucdp": UcdpImporter,
        "hxl": HxlImporter,
        "geojson": GeoJsonImporter,
    }
    if format in importers:
        return importers[format]()
    raise InputError(
        [
            Problem(
                "--format",
                None,
                f"unknown format {format!r}",
                "use one of " + ", ".join(FORMATS),
            )
        ]
    )


# --------------------------------------------------------------------------- files


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hash_and_check(
    path: Path,
    *,
    encoding: str = "utf-8",
    hint: str = "save the file as UTF-8 (CSV UTF-8 in Excel)",
) -> str:
    """Hash the file and check that all of it decodes, in one streaming pass.

    Both must be known before the first row: every row's provenance carries
    the hash, and a byte that is not text in the last line means the whole
    file was saved in another encoding, so no row of it should be trusted.
    Returns the SHA-256; raises InputError naming the line and byte offset
    of the first byte that does not decode.
    """
    name = str(path)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0  # bytes read before the current chunk
    newlines = 0  # b"\n" in those bytes
    with _open_binary(path) as f:
        while True:
            chunk = f.read(CHUNK)
            digest.update(chunk)
            buffered = len(decoder.getstate()[0])  # bytes of a character split by the chunk
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as e:
                at = offset - buffered + e.start
                line = newlines + chunk.count(b"\n", 0, max(0, e.start - buffered)) + 1
                what = "UTF-8" if encoding.startswith("utf") else encoding
                raise InputError(
                    [Problem(name, line, f"not {what} text ({e.reason} at byte {at})", hint)]
                ) from None
            if not chunk:
                return digest.hexdigest()
            offset += len(chunk)
            newlines += chunk.count(b"\n")


def _open_binary(path: Path) -> IO[bytes]:
    name = str(path)
    try:
        return Path(path).open("rb")
    except FileNotFoundError:
        raise InputError([Problem(name, None, "file not found", "check the path")]) from None
    except IsADirectoryError:
        raise InputError([Problem(name, None, "is a directory", "give a file")]) from None


def open_text(path: Path, encoding: str = "utf-8") -> IO[str]:
    """The file as text for the csv module (a UTF-8 BOM, as Excel writes, is dropped)."""
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    return Path(path).open(encoding=encoding, newline="")


# --------------------------------------------------------------------------- CSV records


@dataclass(frozen=True)
class Record:
    """One CSV record: the line it starts on and its values.

    ``cut_short`` marks a quoted value still open at the end of the file;
    ``error`` a record the csv module could not read (reading stops there).
    ``last`` is True for the file's last record.
    """

    line: int
    values: list[str]
    last: bool = False
    cut_short: bool = False
    error: str | None = None


class _Lines:
    """The lines of a text file, remembering those of the record being read.

    When a quote is left open at the end of the file the csv module raises
    without the values it read; the remembered lines (one record's worth, so
    memory stays flat) let us say how many fields the record did have.
    """

    def __init__(self, f: IO[str], name: str) -> None:
        self.f = f
        self.name = name
        self.pending: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self.f)
        except UnicodeDecodeError as e:  # changed since it was checked
            raise InputError(
                [Problem(self.name, None, f"not text ({e.reason})", "save the file as UTF-8")]
            ) from None
        self.pending.append(line)
        return line


def csv_records(f: IO[str], name: str, delimiter: str = ",") -> Iterator[Record]:
    """Yield every non-blank record of an open CSV file, streaming.

    Line numbers come from ``reader.line_num`` (physical lines read so far),
    so a record starts one past its value before the read — right even when
    an earlier quoted value spans lines.  One record of look-ahead marks the
    last record, so a short last record can be called a truncated file.
    """
    lines = _Lines(f, name)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    held: Record | None = None
    while True:
        start = reader.line_num + 1
        lines.pending = []
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            text = "".join(lines.pending)
            if str(e) == "unexpected end of data":
                partial = next(csv.reader(io.StringIO(text + '"'), delimiter=delimiter), [])
                record = Record(start, partial, last=True, cut_short=True)
            else:
                record = Record(start, [], last=True, error=str(e))
            if held is not None:
                yield held
            yield record
            return
        if not values:
            continue
        if held is not None:
            yield held
        held = Record(start, values)
    if held is not None:
        yield Record(held.line, held.values, last=True)


def header_problems(
    name: str,
    header: list[str] | None,
    required: Sequence[str],
    expected: str,
    *,
    delimiter_hint: str = "save it comma-separated "
    "(or use the csv format with `delimiter:` in the mapping file)",
    line: int = 1,
) -> list[Problem]:
    """What is wrong with a header row: empty, one lumped column, duplicates, missing columns."""
    if header is None or not any(h.strip() for h in header):
        return [Problem(name, line, "the file is empty", "start with the header row: " + expected)]
    if len(header) == 1:
        for sep in (";", "\t", "|"):
            if sep in header[0]:
                return [
                    Problem(name, line, f"this looks like a {sep!r}-separated file", delimiter_hint)
                ]
    problems: list[Problem] = []
    seen: set[str] = set()
    for column in header:
        if column in seen and column:
            problems.append(
                Problem(name, line, f"column {column!r} appears twice", "keep one of them", column)
            )
        seen.add(column)
    for column in required:
        if column not in seen:
            problems.append(
                Problem(
                    name, line, f"missing column {column!r}", "the header needs " + expected, column
                )
            )
    return problems


def record_problem(name: str, record: Record, width: int) -> Problem | None:
    """A problem with the shape of a record (cut short, too long, unreadable), or None."""
    if record.error is not None:
        return Problem(
            name,
            record.line,
            f"cannot be read as CSV ({record.error})",
            "check the quoting of this row",
        )
    count = len(record.values)
    if record.cut_short or (record.last and count < width):
        return Problem(
            name,
            record.line,
            f"the record is cut short ({count} of {width} fields)",
            "the file may be truncated; re-export it",
        )
    if count > width:
        return Problem(
            name,
            record.line,
            f"has {count} fields but the header has {width}",
            "quote values that contain commas",
        )
    if count < width:
        return Problem(
            name,
            record.line,
            f"has {count} fields but the header has {width}",
            "give every column a value (leave it empty between the separators)",
        )
    return None
