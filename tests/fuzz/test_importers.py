"""Fuzz every incident importer: a result or a documented InputError, never a crash or hang.

Each format gets structure-aware inputs (a valid file with fields, rows and
bytes broken) and raw bytes.  The shipped actor registry resolves names, so
resolution is fuzzed too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz._harness import attempt, check_rows, fuzz_settings
from tests.fuzz._strategies import (
    csv_text,
    damaged,
    json_text,
    json_values,
    mutated_rows,
    raw_bytes,
    values,
)
from trucewatch.actors import ActorRegistry
from trucewatch.ingest import ACLED_COLUMNS, importer_for, read_acled
from trucewatch.ingest.ucdp import UCDP_REQUIRED_COLUMNS

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
EXAMPLES = 250  # per test in CI; TRUCEWATCH_FUZZ_EXAMPLES raises it

ACLED_ROW = {
    "event_id_cnty": "SYN1",
    "event_date": "2016-09-19",
    "year": "2016",
    "time_precision": "1",
    "disorder_type": "Political violence",
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Air/drone strike",
    "actor1": "Military Forces of Syria (2000-)",
    "assoc_actor_1": "Military Forces of Russia (2000-)",
    "actor2": "Civilians (Syria)",
    "assoc_actor_2": "",
    "country": "Syria",
    "admin1": "Aleppo",
    "location": "Urum al-Kubra",
    "latitude": "36.1481",
    "longitude": "36.94775",
    "geo_precision": "1",
    "source": "synthetic",
    "notes": "synthetic fuzz row",
    "fatalities": "21",
    "tags": "humanitarian_aid",
}

UCDP_ROW = {
    "id": "SYN-U1",
    "date_start": "2016-09-12",
    "date_end": "2016-09-18",
    "date_prec": "3",
    "type_of_violence": "1",
    "side_a": "Ahrar al-Sham, HTS, Southern Front",
    "side_b": "IS",
    "latitude": "32.62",
    "longitude": "36.1",
    "where_prec": "2",
    "best": "5",
    "low": "3",
    "high": "8",
    "deaths_civilians": "0",
    "source_headline": "synthetic fuzz row",
}
UCDP_COLUMNS = (*UCDP_REQUIRED_COLUMNS, "deaths_civilians", "source_headline")

HXL_HEADER = ["Incident", "Date", "Lat", "Lon", "Type", "Subtype", "Attacker", "Killed", "Notes"]
HXL_TAGS = [
    "#event+id",
    "#date+occurred",
    "#geo+lat",
    "#geo+lon",
    "#event+type",
    "#event+type+sub",
    "#group+perpetrator",
    "#affected+killed",
    "#description",
]
HXL_ROW = dict(
    zip(
        HXL_TAGS,
        [
            "HXL1",
            "2016-09-19",
            "36.1481",
            "36.94775",
            "Explosions/Remote violence",
            "Air/drone strike",
            "Government of Syria",
            "21",
            "synthetic fuzz row",
        ],
        strict=True,
    )
)

MAPPED_COLUMNS = [
    "Incident No",
    "Date",
    "Type",
    "Subtype",
    "Perpetrator",
    "Target",
    "Lat",
    "Lon",
    "Place",
    "Province",
    "Killed",
    "Description",
]
MAPPED_ROW = dict(
    zip(
        MAPPED_COLUMNS,
        [
            "M-1",
            "19/09/2016",
            "Violence against civilians",
            "Attack",
            "Government of Syria",
            "Civilians",
            "36.1481",
            "36.94775",
            "Urum al-Kubra",
            "Aleppo",
            "21",
            "synthetic fuzz row",
        ],
        strict=True,
    )
)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the module; each input overwrites its target's file."""
    return tmp_path_factory.mktemp("fuzz-importers")


def run_importer(
    target: str,
    fmt: str,
    path: Path,
    data: bytes,
    actors: ActorRegistry,
    mapping: Path | None = None,
) -> None:
    """Write ``data`` to ``path`` and read it all with the ``fmt`` importer."""
    path.write_bytes(data)
    names = (str(path),) if mapping is None else (str(path), str(mapping))
    rows = attempt(
        target,
        names,
        lambda: list(importer_for(fmt, mapping=mapping).rows(path, actors=actors)),
    )
    if rows is not None:
        check_rows(rows, str(path))


@st.composite
def acled_files(draw: st.DrawFn) -> bytes:
    columns = list(ACLED_COLUMNS)
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    if draw(st.integers(0, 5)) == 0:  # a required column renamed, dropped or duplicated
        i = draw(st.integers(0, len(columns) - 1))
        columns[i] = draw(st.sampled_from(("", columns[0], columns[i].upper(), "x")))
    rows = draw(mutated_rows(columns, ACLED_ROW))
    return draw(damaged(csv_text([columns, *rows])))


@given(data=st.one_of(acled_files(), raw_bytes))
@fuzz_settings(EXAMPLES)
def test_acled_rows(data: bytes, work: Path, actors: ActorRegistry) -> None:
    run_importer("acled", "acled", work / "acled.csv", data, actors)


@given(data=st.one_of(acled_files(), raw_bytes))
@fuzz_settings(EXAMPLES // 2)
def test_read_acled_all_or_nothing(data: bytes, work: Path, actors: ActorRegistry) -> None:
    path = work / "acled-all.csv"
    path.write_bytes(data)
    incidents = attempt("acled (read_acled)", str(path), lambda: read_acled(path, actors=actors))
    if incidents is not None:
        assert all(i.provenance is not None for i in incidents)


@st.composite
def ucdp_files(draw: st.DrawFn) -> bytes:
    columns = list(UCDP_COLUMNS)
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    rows = draw(mutated_rows(columns, UCDP_ROW))
    return draw(damaged(csv_text([columns, *rows])))


@given(data=st.one_of(ucdp_files(), raw_bytes))
@fuzz_settings(EXAMPLES)
def test_ucdp(data: bytes, work: Path, actors: ActorRegistry) -> None:
    run_importer("ucdp", "ucdp", work / "ucdp.csv", data, actors)


@st.composite
def hxl_files(draw: st.DrawFn) -> bytes:
    tags = list(HXL_TAGS)
    if draw(st.integers(0, 3)) == 0:  # a hashtag broken, dropped or odd
        i = draw(st.integers(0, len(tags) - 1))
        tags[i] = draw(st.sampled_from(("", "#", "#geo", "#geo+lat+lat", "date", "#x+y")) | values)
    rows = draw(mutated_rows(tags, HXL_ROW))
    head = [HXL_HEADER, tags] if draw(st.booleans()) else [tags]
    return draw(damaged(csv_text([*head, *rows])))


@given(data=st.one_of(hxl_files(), raw_bytes))
@fuzz_settings(EXAMPLES)
def test_hxl(data: bytes, work: Path, actors: ActorRegistry) -> None:
    run_importer("hxl", "hxl", work / "data.hxl.csv", data, actors)


def _feature(draw: st.DrawFn) -> object:
    props: dict[str, object] = {
        k: v for k, v in ACLED_ROW.items() if k not in ("latitude", "longitude")
    }
    for key in draw(st.lists(st.sampled_from(sorted(props)), max_size=4)):
        props[key] = draw(json_values)
    geometry: object = {"type": "Point", "coordinates": [36.94775, 36.1481]}
    if draw(st.integers(0, 2)) == 0:
        geometry = draw(
            st.sampled_from(
                (
                    None,
                    {"type": "Point"},
                    {"type": "Point", "coordinates": []},
                    {"type": "Point", "coordinates": [1e309, 0]},
                    {"type": "Point", "coordinates": ["36", "36"]},
                    {"type": "Polygon", "coordinates": [[[0, 0]]]},
                )
            )
            | json_values
        )
    feature: dict[str, object] = {"type": "Feature", "geometry": geometry, "properties": props}
    if draw(st.integers(0, 4)) == 0:
        feature[draw(st.sampled_from(("type", "properties", "id")))] = draw(json_values)
    return feature


@st.composite
def geojson_files(draw: st.DrawFn) -> bytes:
    features = [_feature(draw) for _ in range(draw(st.integers(0, 3)))]
    document: object = {"type": "FeatureCollection", "features": features}
    if draw(st.integers(0, 5)) == 0:
        document = draw(json_values)
    return draw(damaged(json_text(document)))


@given(data=st.one_of(geojson_files(), raw_bytes))
@fuzz_settings(EXAMPLES)
def test_geojson(data: bytes, work: Path, actors: ActorRegistry) -> None:
    run_importer("geojson", "geojson", work / "data.geojson", data, actors)


@st.composite
def mapped_files(draw: st.DrawFn) -> bytes:
    rows = draw(mutated_rows(MAPPED_COLUMNS, MAPPED_ROW))
    delimiter = draw(st.sampled_from((";", ";", ",", "\t")))
    return draw(damaged(csv_text([MAPPED_COLUMNS, *rows], delimiter)))


@given(data=st.one_of(mapped_files(), raw_bytes))
@fuzz_settings(EXAMPLES)
def test_mapped_csv(data: bytes, work: Path, actors: ActorRegistry) -> None:
    mapping = FIXTURES / "monitor_log.mapping.yaml"
    run_importer("csv (mapped)", "csv", work / "log.csv", data, actors, mapping)


MAPPING_TEXT = (FIXTURES / "monitor_log.mapping.yaml").read_text(encoding="utf-8")


@st.composite
def mapping_files(draw: st.DrawFn) -> bytes:
    lines = MAPPING_TEXT.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        key, _, _ = lines[i].partition(":")
        how = draw(st.sampled_from(("value", "drop", "key", "indent")))
        if how == "value":
            lines[i] = f"{key}: {json_text(draw(json_values))}"
        elif how == "drop":
            lines[i] = ""
        elif how == "key":
            lines[i] = f"{draw(values)}: x"
        else:
            lines[i] = " " * draw(st.integers(0, 5)) + lines[i].lstrip()
    return draw(damaged("\n".join(lines)))


@given(mapping=st.one_of(mapping_files(), raw_bytes))
@fuzz_settings(EXAMPLES)
def test_mapping_file(mapping: bytes, work: Path, actors: ActorRegistry) -> None:
    path = work / "mapping.yaml"
    path.write_bytes(mapping)
    data = (FIXTURES / "monitor_log.csv").read_bytes()
    run_importer("csv mapping file", "csv", work / "log2.csv", data, actors, path)
