"""Every kind of bad file: a message naming file, line and column — and no change stored.

Each file is a copy of the shipped case (real, sourced) with one defect made
on purpose, imported on top of a database that already holds the case, so
"unchanged" is checked against real rows, not an empty table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from trucewatch.actors import ActorRegistry
from trucewatch.cases import case_files
from trucewatch.errors import InputError
from trucewatch.importing import import_file
from trucewatch.store import Database, audit
from trucewatch.store.incidents import counts

CASE = case_files("syria-2016-09").incidents
TEXT = CASE.read_text(encoding="utf-8")
LINES = TEXT.splitlines(keepends=True)
CONVOY_LINE = next(i for i, s in enumerate(LINES, 1) if s.startswith("TW-SYR-0023,"))


def _semicolons(path: Path) -> str:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(TEXT)))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return f"{path}:1: this looks like a ';'-separated file"


def _missing_column(path: Path) -> str:
    path.write_text(TEXT.replace("event_date", "date_of_event", 1), encoding="utf-8")
    return f"{path}:1: missing column 'event_date'"


def _bad_date(path: Path) -> str:
    path.write_text(
        TEXT.replace("TW-SYR-0023,2016-09-19", "TW-SYR-0023,2016-19-09"), encoding="utf-8"
    )
    return f"{path}:{CONVOY_LINE}: event_date: '2016-19-09' is not a date"


def _latitude_95(path: Path) -> str:
    path.write_text(TEXT.replace("36.1481,36.94775", "95,36.94775"), encoding="utf-8")
    return f"{path}:{CONVOY_LINE}: latitude: '95' is out of range"


def _fatalities_many(path: Path) -> str:
    path.write_text(
        TEXT.replace(",21,humanitarian_aid", ",many,humanitarian_aid"), encoding="utf-8"
    )
    return f"{path}:{CONVOY_LINE}: fatalities: 'many' is not a number"


def _truncated(path: Path) -> str:
    cut = TEXT.rstrip("\n")
    path.write_text(cut[: cut.rfind("\n") + 60], encoding="utf-8")
    return f"{path}:{len(LINES)}: the record is cut short"


def _wrong_encoding(path: Path) -> str:
    text = TEXT.replace("Urum al Kubra", "Urum al Kübra")
    path.write_bytes(text.encode("cp1252"))
    # The first byte that is not UTF-8 is on the first line with a non-ASCII character.
    first = next(i for i, s in enumerate(text.splitlines(), 1) if any(ord(c) > 127 for c in s))
    return f"{path}:{first}: not UTF-8 text"


CASES: dict[str, Callable[[Path], str]] = {
    "wrong delimiter": _semicolons,
    "missing required column": _missing_column,
    "bad date": _bad_date,
    "latitude 95": _latitude_95,
    "fatalities many": _fatalities_many,
    "truncated last line": _truncated,
    "wrong encoding": _wrong_encoding,
}


@pytest.mark.parametrize("defect", list(CASES))
def test_bad_file_is_reported_and_changes_nothing(
    db: Database, actors: ActorRegistry, tmp_path: Path, defect: str
) -> None:
    import_file(db, CASE, format="acled", source="case", actors=actors)
    with db.engine.connect() as conn:
        before = {**counts(conn), "audit": audit.count(conn)}
    bad = tmp_path / "export.csv"
    expected = CASES[defect](bad)
    with pytest.raises(InputError) as info:
        import_file(db, bad, format="acled", source="case", actors=actors)
    assert expected in str(info.value)
    with db.engine.connect() as conn:
        assert {**counts(conn), "audit": audit.count(conn)} == before
