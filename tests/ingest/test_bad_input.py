"""Each kind of bad input a monitoring team sends, and the exact message it gets.

All files here are synthetic, written by the tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trucewatch.errors import InputError
from trucewatch.ingest import AcledImporter, MappedCsvImporter, Row, UcdpImporter

HEADER = "event_id_cnty,event_date,event_type,sub_event_type,actor1,latitude,longitude,fatalities"
GOOD = "SYN1,2016-09-19,Battles,Armed clash,A,36.2,37.1,2"
UCDP_HEADER = "id,date_start,date_end,date_prec,type_of_violence,side_a,side_b,latitude,\
longitude,where_prec,best,low,high"
UCDP_GOOD = "U1,2016-09-19,2016-09-19,1,1,Government of Syria,IS,36.2,37.1,1,4,3,5"


def write(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(rows: list[Row]) -> list[str]:
    return [str(p) for r in rows for p in r.problems]


def test_wrong_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER.replace(",", ";") + "\n" + GOOD.replace(",", ";") + "\n")
    with pytest.raises(InputError) as e:
        list(AcledImporter().rows(path))
    assert str(e.value) == (
        f"{path}:1: this looks like a ';'-separated file — save it comma-separated "
        "(or use the csv format with `delimiter:` in the mapping file)"
    )


def test_wrong_delimiter_in_a_mapped_csv(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        "columns:\n  event_date: D\n  event_type: T\n  sub_event_type: S\n"
        "  latitude: Y\n  longitude: X\n",
        "m.yaml",
    )
    path = write(tmp_path, "D\tT\tS\tY\tX\n2016-09-19\tBattles\tArmed clash\t36\t37\n")
    with pytest.raises(InputError) as e:
        list(MappedCsvImporter(mapping).rows(path))
    assert str(e.value) == (
        f"{path}:1: this looks like a '\\t'-separated file — set `delimiter:` in the "
        f"mapping file ({mapping}) to the file's separator"
    )


def test_missing_required_column_in_ucdp(tmp_path: Path) -> None:
    header = UCDP_HEADER.replace(",where_prec", "")
    path = write(tmp_path, header + "\n")
    with pytest.raises(InputError) as e:
        list(UcdpImporter().rows(path))
    (problem,) = e.value.problems
    assert problem.field == "where_prec"
    assert str(problem).startswith(
        f"{path}:1: missing column 'where_prec' — the header needs id, date_start, date_end, "
        "date_prec, type_of_violence, side_a, side_b, latitude, longitude, where_prec, best, "
        "low, high (also read: "
    )


def test_bad_date(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{GOOD.replace('2016-09-19', '2016-13-01')}\n")
    assert problems_of(list(AcledImporter().rows(path))) == [
        f"{path}:2: event_date: '2016-13-01' is not a date — write YYYY-MM-DD"
    ]


def test_bad_date_in_a_mapped_csv_names_their_column_and_format(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        'date_format: "%d/%m/%Y"\ncolumns:\n  event_date: Date\n  event_type: T\n'
        "  sub_event_type: S\n  latitude: Y\n  longitude: X\n",
        "m.yaml",
    )
    path = write(tmp_path, "Date,T,S,Y,X\n2016-09-19,Battles,Armed clash,36,37\n")
    (row,) = MappedCsvImporter(mapping).rows(path)
    assert [str(p) for p in row.problems] == [
        f"{path}:2: Date: '2016-09-19' is not a date"
        " — write dates as %d/%m/%Y (the mapping file's date_format)"
    ]
    assert row.problems[0].field == "Date"


def test_latitude_95(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{GOOD.replace('36.2', '95')}\n")
    (row,) = AcledImporter().rows(path)
    assert row.incident is None
    assert row.problems[0].field == "latitude"
    assert problems_of([row]) == [
        f"{path}:2: latitude: '95' is out of range (-90..90)"
        " — check the column order (latitude before longitude)"
    ]


def test_fatalities_many(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{GOOD[:-1]}many\n")
    assert problems_of(list(AcledImporter().rows(path))) == [
        f"{path}:2: fatalities: 'many' is not a number — give a count; for 'dozens' etc. "
        "give your best conservative count (ACLED codes the lowest figure reported)"
    ]


def test_fatalities_many_in_ucdp(tmp_path: Path) -> None:
    path = write(tmp_path, f"{UCDP_HEADER}\n{UCDP_GOOD.replace(',4,3,5', ',many,3,5')}\n")
    assert problems_of(list(UcdpImporter().rows(path))) == [
        f"{path}:2: best: 'many' is not a number — give a count; for 'dozens' etc. use the "
        "low/best/high columns or your best conservative count"
    ]


def test_unknown_event_type(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{GOOD.replace('Battles', 'Battle')}\n")
    assert problems_of(list(AcledImporter().rows(path))) == [
        f"{path}:2: event_type: 'Battle' is not an ACLED event type — did you mean 'Battles'?"
    ]


def test_truncated_last_line(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{GOOD}\nSYN2,2016-09-19,Battles,Arm")
    rows = list(AcledImporter().rows(path))
    assert rows[0].incident is not None
    assert problems_of(rows) == [
        f"{path}:3: the record is cut short (4 of 8 fields)"
        " — the file may be truncated; re-export it"
    ]


def test_truncated_inside_a_quoted_value(tmp_path: Path) -> None:
    path = write(tmp_path, f'{HEADER}\n{GOOD}\nSYN2,2016-09-19,"Battles')
    rows = list(AcledImporter().rows(path))
    assert problems_of(rows) == [
        f"{path}:3: the record is cut short (3 of 8 fields)"
        " — the file may be truncated; re-export it"
    ]


def test_truncated_ucdp_file(tmp_path: Path) -> None:
    path = write(tmp_path, f"{UCDP_HEADER}\n{UCDP_GOOD}\n{UCDP_GOOD[:30]}")
    assert problems_of(list(UcdpImporter().rows(path))) == [
        f"{path}:3: the record is cut short (6 of 13 fields)"
        " — the file may be truncated; re-export it"
    ]


def test_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    good = f"{HEADER}\n{GOOD}\n".encode()
    path.write_bytes(good + "SYN2,Saraqib–Sarāqib\n".encode("cp1252", errors="replace"))
    with pytest.raises(InputError) as e:
        list(AcledImporter().rows(path))
    assert str(e.value) == (
        f"{path}:3: not UTF-8 text (invalid start byte at byte {len(good) + 12})"
        " — save the file as UTF-8 (CSV UTF-8 in Excel)"
    )


def test_wrong_encoding_in_a_mapped_csv_suggests_the_encoding_key(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        "columns:\n  event_date: D\n  event_type: T\n  sub_event_type: S\n"
        "  latitude: Y\n  longitude: X\n  location: P\n",
        "m.yaml",
    )
    path = tmp_path / "d.csv"
    path.write_bytes("D,T,S,Y,X,P\n2016-09-19,Battles,Armed clash,36,37,Alépo\n".encode("cp1252"))
    with pytest.raises(InputError) as e:
        list(MappedCsvImporter(mapping).rows(path))
    assert str(e.value) == (
        f"{path}:2: not UTF-8 text (invalid continuation byte at byte 51)"
        " — save the file as UTF-8, or name its encoding in the mapping file"
        " (e.g. `encoding: cp1252` for Windows-1252)"
    )
    cp1252 = write(tmp_path, mapping.read_text() + "encoding: cp1252\n", "m2.yaml")
    (row,) = MappedCsvImporter(cp1252).rows(path)
    assert row.incident is not None and row.incident.location.name == "Alépo"
