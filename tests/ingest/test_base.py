"""The streaming interface shared by every incident format."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from trucewatch.errors import InputError
from trucewatch.ingest import FORMATS, AcledImporter, Row, file_sha256, importer_for
from trucewatch.ingest.mapped_csv import MappedCsvImporter

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "event_id_cnty,event_date,event_type,sub_event_type,actor1,latitude,longitude"


def test_file_sha256_streams_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    data = b"x" * (3 * (1 << 20) + 17)
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("fmt", ["acled", "ucdp", "hxl", "geojson"])
def test_importer_for_each_format(fmt: str) -> None:
    assert importer_for(fmt).format == fmt


def test_csv_needs_a_mapping_file() -> None:
    with pytest.raises(InputError, match="the csv format needs a mapping file"):
        importer_for("csv")
    importer = importer_for("csv", mapping=FIXTURES / "monitor_log.mapping.yaml")
    assert isinstance(importer, MappedCsvImporter)
    assert importer.format == "csv"


def test_an_unknown_format_lists_the_formats() -> None:
    with pytest.raises(InputError) as e:
        importer_for("shapefile")
    assert str(e.value) == (
        "--format: unknown format 'shapefile' — use one of acled, ucdp, hxl, geojson, csv, text"
    )
    assert FORMATS == ("acled", "ucdp", "hxl", "geojson", "csv", "text")


def test_rows_are_streamed_with_problems_beside_good_rows(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        f"{HEADER}\n"
        "SYN1,2016-09-19,Battles,Armed clash,A,36.2,37.1\n"
        "SYN2,2016-13-01,Battles,Armed clash,A,36.2,37.1\n"
        "SYN3,2016-09-20,Battles,Armed clash,A,36.2,37.1\n",
        encoding="utf-8",
    )
    rows = AcledImporter().rows(path)
    first = next(rows)  # a generator: nothing past the first row is needed yet
    assert isinstance(first, Row)
    assert (first.line, first.external_id, first.problems) == (2, "SYN1", ())
    assert first.incident is not None and first.incident.provenance is not None
    assert first.incident.provenance.sha256 == file_sha256(path)
    assert first.incident.provenance.row == 2
    second, third = list(rows)
    assert second.incident is None
    assert [p.field for p in second.problems] == ["event_date"]
    assert second.original["event_date"] == "2016-13-01"
    assert third.incident is not None and third.incident.id == "SYN3"


def test_a_decoding_error_late_in_a_big_file_raises_before_the_first_row(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    good = "SYN{n},2016-09-19,Battles,Armed clash,A,36.2,37.1\n"
    body = "".join(good.format(n=n) for n in range(30_000)).encode()
    assert len(body) > (1 << 20)  # the bad byte lies beyond the first chunk
    path.write_bytes(f"{HEADER}\n".encode() + body + "X,Sant\xe9\n".encode("cp1252"))
    rows = AcledImporter().rows(path)
    with pytest.raises(InputError) as e:
        next(rows)
    (problem,) = e.value.problems
    assert problem.line == 30_002
    assert "not UTF-8 text (invalid continuation byte at byte" in problem.message
