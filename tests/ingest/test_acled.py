"""ACLED CSV reading and writing, as examples of what a user's file does.

Every CSV here is synthetic, written by the tests; notes say so.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trucewatch.domain import CasualtyRange, Incident, IncidentActor, Location, Role
from trucewatch.domain.vocabulary import EVENT_TYPE_TREE, KNOWN_TAGS, ONE_SIDED_EVENT_TYPES
from trucewatch.errors import InputError
from trucewatch.ingest import ACLED_COLUMNS, read_acled, write_acled

# A synthetic export in the shape of ACLED's (31 columns), one row per event type we care about.
FIXTURE = """\
event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,\
assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,\
country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,\
fatalities,tags,timestamp
SYN1,2016-09-19,2016,1,Political violence,Explosions/Remote violence,Air/drone strike,\
Military Forces of Russia (1991-),Military Forces of Syria (2000-),8,Civilians (Syria),\
SARC; UN,7,78,Civilians targeted,760,Middle East,Syria,Aleppo,Jebel Saman,Urum al-Kubra,\
Urum al-Kubra,36.1570,36.9460,1,SOHR; Reuters,National-International,\
"synthetic test row: aid convoy struck, ""many"" dead",21,humanitarian_aid; civilians,1700000000
SYN2,2016-09-14,2016,2,Political violence,Battles,Armed clash,Military Forces of Syria (2000-),\
,1,Jaish al-Fatah,Ahrar al-Sham,2,12,,760,Middle East,Syria,Hama,,,Latamneh,35.3170,36.6200,2,\
SOHR,National,"synthetic test row
spanning two lines",4,,1700000001
SYN3,19 September 2016,2016,3,Strategic developments,Strategic developments,Other,\
Hezbollah,,8,,,0,80,,760,Middle East,Syria,Aleppo,,,Ramouseh,36.1700,37.1300,3,\
SARC,Local,synthetic test row: convoy stopped at checkpoint,,obstruction;evacuation ; ,1700000002
"""


@dataclass(frozen=True)
class Found:
    """What a resolver returns: just the registry id."""

    actor_id: str


class FakeRegistry:
    """A resolver that knows a few names, and al-Nusra only until its 2016 rename."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, date | None]] = []

    def resolve(self, name: str, on: date | None = None) -> Found | None:
        self.calls.append((name, on))
        if name == "Jabhat al-Nusra" and on is not None and on >= date(2016, 7, 28):
            return None
        known = {
            "Military Forces of Russia (1991-)": "russia",
            "Military Forces of Syria (2000-)": "syria-government",
            "Civilians (Syria)": "civilians",
            "Jabhat al-Nusra": "jabhat-al-nusra",
        }
        return Found(known[name]) if name in known else None


def write(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def fixture(tmp_path: Path) -> Path:
    return write(tmp_path, FIXTURE)


def messages(path: Path, error: pytest.ExceptionInfo[InputError]) -> list[str]:
    """The problems as the user reads them, with the tmp directory cut off."""
    return [str(p).replace(str(path.parent) + "/", "") for p in error.value.problems]


def without_provenance(incidents: list[Incident]) -> list[Incident]:
    return [i.model_copy(update={"provenance": None}) for i in incidents]


HEADER = "event_id_cnty,event_date,event_type,sub_event_type,actor1,latitude,longitude"
GOOD = "SYN{n},2016-09-19,Battles,Armed clash,A,36.2,37.1"


# --------------------------------------------------------------------------- reading


def test_a_synthetic_export_reads_into_incidents(tmp_path: Path) -> None:
    strike, clash, obstruction = read_acled(fixture(tmp_path))

    assert strike.id == "SYN1"
    assert strike.date == date(2016, 9, 19)
    assert strike.event_type == "Explosions/Remote violence"
    assert strike.sub_event_type == "Air/drone strike"
    assert strike.location == Location(
        name="Urum al-Kubra",
        country="Syria",
        admin1="Aleppo",
        admin2="Jebel Saman",
        admin3="Urum al-Kubra",
        latitude=36.157,
        longitude=36.946,
        geo_precision=1,
    )
    assert strike.fatalities == CasualtyRange.exactly(21)
    assert strike.tags == ["humanitarian_aid", "civilians"]
    assert strike.notes == 'synthetic test row: aid convoy struck, "many" dead'
    assert strike.source == "SOHR; Reuters"
    assert strike.source_scale == "National-International"

    assert clash.time_precision == 2
    assert clash.location.admin2 is None  # blank → None
    assert clash.location.geo_precision == 2
    assert clash.notes == "synthetic test row\nspanning two lines"

    assert obstruction.date == date(2016, 9, 19)  # from "19 September 2016"
    assert obstruction.time_precision == 3
    assert obstruction.fatalities == CasualtyRange.exactly(0)  # blank → 0
    assert obstruction.tags == ["obstruction", "evacuation"]  # stripped, empties dropped


def test_one_sided_events_make_actor1_side_perpetrators_and_actor2_side_targets(
    tmp_path: Path,
) -> None:
    strike, _, obstruction = read_acled(fixture(tmp_path))

    assert strike.actors == [
        IncidentActor(name="Military Forces of Russia (1991-)", role=Role.PERPETRATOR),
        IncidentActor(name="Military Forces of Syria (2000-)", role=Role.PERPETRATOR),
        IncidentActor(name="Civilians (Syria)", role=Role.TARGET),
        IncidentActor(name="SARC", role=Role.TARGET),
        IncidentActor(name="UN", role=Role.TARGET),
    ]
    # Strategic developments are one-sided too; the blank actor2 is skipped.
    assert obstruction.actors == [IncidentActor(name="Hezbollah", role=Role.PERPETRATOR)]


def test_battles_have_no_direction_so_every_actor_is_other(tmp_path: Path) -> None:
    _, clash, _ = read_acled(fixture(tmp_path))

    assert [(a.name, a.role) for a in clash.actors] == [
        ("Military Forces of Syria (2000-)", Role.OTHER),
        ("Jaish al-Fatah", Role.OTHER),
        ("Ahrar al-Sham", Role.OTHER),
    ]


def test_protests_and_riots_are_undirected_too(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "event_id_cnty,event_date,event_type,sub_event_type,actor1,actor2,latitude,longitude\n"
        "SYN1,2016-09-19,Protests,Peaceful protest,Protesters (Syria),,36.2,37.1\n"
        "SYN2,2016-09-19,Riots,Mob violence,Rioters (Syria),Civilians (Syria),36.2,37.1\n",
    )

    protest, riot = read_acled(path)

    assert protest.actors == [IncidentActor(name="Protesters (Syria)", role=Role.OTHER)]
    assert {a.role for a in riot.actors} == {Role.OTHER}


def test_names_are_resolved_on_the_event_date(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + ",actor2\n"
        "SYN1,2016-05-01,Battles,Armed clash,Jabhat al-Nusra,36.2,37.1,Unknown Militia\n"
        "SYN2,2016-09-19,Battles,Armed clash,Jabhat al-Nusra,36.2,37.1,\n",
    )
    registry = FakeRegistry()

    before_rename, after_rename = read_acled(path, actors=registry)

    assert [(a.name, a.id) for a in before_rename.actors] == [
        ("Jabhat al-Nusra", "jabhat-al-nusra"),
        ("Unknown Militia", None),  # unresolved is not an error: the caller reports it
    ]
    assert after_rename.actors[0].id is None
    assert ("Jabhat al-Nusra", date(2016, 9, 19)) in registry.calls


def test_without_a_resolver_ids_stay_empty(tmp_path: Path) -> None:
    strike, _, _ = read_acled(fixture(tmp_path))
    assert {a.id for a in strike.actors} == {None}


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + FIXTURE.encode("utf-8"))

    assert without_provenance(read_acled(path)) == without_provenance(read_acled(fixture(tmp_path)))


def test_dates_may_be_iso_or_acled_long_form(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER.replace("event_date", "event_date") + "\n"
        "SYN1,2016-09-19,Battles,Armed clash,A,36.2,37.1\n"
        "SYN2,19 September 2016,Battles,Armed clash,A,36.2,37.1\n"
        "SYN3,3 Sept 2016,Battles,Armed clash,A,36.2,37.1\n",
    )

    assert [i.date for i in read_acled(path)] == [
        date(2016, 9, 19),
        date(2016, 9, 19),
        date(2016, 9, 3),
    ]


def test_older_exports_extra_columns_are_ignored(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "data_id,iso,event_id_cnty,event_id_no_cnty,event_date,event_type,sub_event_type,"
        "actor1,latitude,longitude,iso3\n"
        "1,760,SYN1,1,2016-09-19,Battles,Armed clash,A,36.2,37.1,SYR\n",
    )

    (incident,) = read_acled(path)

    assert incident.id == "SYN1"
    assert incident.provenance is not None
    assert incident.provenance.original["iso3"] == "SYR"  # kept as read, not modelled


def test_provenance_points_at_the_file_its_hash_and_the_starting_line(tmp_path: Path) -> None:
    path = fixture(tmp_path)

    strike, clash, obstruction = read_acled(path)

    assert strike.provenance is not None
    assert strike.provenance.file == str(path)
    assert strike.provenance.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert strike.provenance.original["inter1"] == "8"
    assert strike.provenance.original["event_date"] == "2016-09-19"
    # SYN2's notes hold a quoted newline, so SYN3 starts on line 5, not 4.
    assert [i.provenance.row for i in (strike, clash, obstruction) if i.provenance] == [2, 3, 5]


def test_blank_lines_do_not_shift_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n\n{GOOD.format(n=1)}\n\n{GOOD.format(n=2)}\n")

    rows = [i.provenance.row for i in read_acled(path) if i.provenance]

    assert rows == [3, 5]


def test_blank_precisions_default_to_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + ",time_precision,geo_precision\nSYN1,2016-09-19,Battles,Armed clash,A,1,2,,\n",
    )

    (incident,) = read_acled(path)

    assert (incident.time_precision, incident.location.geo_precision) == (1, 1)


# --------------------------------------------------------------------------- problems


def test_a_missing_required_column_names_it_on_line_1(tmp_path: Path) -> None:
    path = write(tmp_path, "event_id_cnty,event_date,event_type,sub_event_type,actor1,lat,lon\n")

    with pytest.raises(InputError) as e:
        read_acled(path)

    expected = (
        "the header needs event_id_cnty, event_date, event_type, sub_event_type, actor1, "
        "latitude, longitude (optional: year, time_precision, disorder_type, assoc_actor_1, "
        "inter1, actor2, assoc_actor_2, inter2, interaction, civilian_targeting, iso, region, "
        "country, admin1, admin2, admin3, location, geo_precision, source, source_scale, notes, "
        "fatalities, tags, timestamp)"
    )
    assert messages(path, e) == [
        f"events.csv:1: missing column 'latitude' — {expected}",
        f"events.csv:1: missing column 'longitude' — {expected}",
    ]
    assert e.value.problems[0].field == "latitude"


def test_a_bad_date_names_line_field_and_format(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nSYN1,2016-13-01,Battles,Armed clash,A,36.2,37.1\n")

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == [
        "events.csv:2: event_date: '2016-13-01' is not a date — write YYYY-MM-DD"
    ]
    assert e.value.problems[0].field == "event_date"


def test_a_latitude_out_of_range_suggests_swapped_columns(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nSYN1,2016-09-19,Battles,Armed clash,A,95.2,36.2\n")

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == [
        "events.csv:2: latitude: '95.2' is out of range (-90..90)"
        " — check the column order (latitude before longitude)"
    ]


def test_coordinates_must_be_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, f'{HEADER}\nSYN1,2016-09-19,Battles,Armed clash,A,"36,2",\n')

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == [
        "events.csv:2: latitude: '36,2' is not a number"
        " — write decimal degrees with a point, e.g. 36.2021",
        "events.csv:2: longitude: is blank — give decimal degrees, e.g. 36.2021",
    ]


def test_an_unknown_sub_event_type_gets_a_did_you_mean(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\nSYN1,2016-09-19,Explosions/Remote violence,Airstrike,A,36.2,37.1\n",
    )

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == [
        "events.csv:2: sub_event_type: 'Airstrike' is not an ACLED sub-event type"
        " — did you mean 'Air/drone strike'?"
    ]


def test_an_unknown_event_type_gets_a_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nSYN1,2016-09-19,Battle,Armed clash,A,36.2,37.1\n")

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == [
        "events.csv:2: event_type: 'Battle' is not an ACLED event type — did you mean 'Battles'?"
    ]


def test_a_sub_event_type_under_the_wrong_event_type(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nSYN1,2016-09-19,Battles,Attack,A,36.2,37.1\n")

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == [
        "events.csv:2: sub_event_type: 'Attack' belongs to 'Violence against civilians',"
        " not 'Battles' — correct event_type or sub_event_type"
    ]


def test_precision_codes_and_fatalities_are_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + ",time_precision,geo_precision,fatalities\n"
        "SYN1,2016-09-19,Battles,Armed clash,A,36.2,37.1,4,0,-2\n",
    )

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == [
        "events.csv:2: geo_precision: '0' is not 1, 2 or 3"
        " — use ACLED's code: 1 = town, 2 = near a town or part of a region, 3 = region",
        "events.csv:2: fatalities: '-2' is not a count"
        " — write a whole number, 0 or more (0 when no deaths are reported)",
        "events.csv:2: time_precision: '4' is not 1, 2 or 3"
        " — use ACLED's code: 1 = exact date, 2 = week, 3 = month",
    ]


def test_a_duplicate_event_id_names_both_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path, f"{HEADER}\n{GOOD.format(n=1)}\n{GOOD.format(n=2)}\n{GOOD.format(n=1)}\n"
    )

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == [
        "events.csv:4: event_id_cnty: 'SYN1' is also used on line 2 — give every event a unique id"
    ]


def test_a_row_with_too_many_fields(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nSYN1,2016-09-19,Battles,Armed clash,A,36,2,37.1\n")

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == [
        "events.csv:2: has 8 fields but the header has 7 — quote values that contain commas"
    ]


def test_every_problem_in_the_file_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\n"
        f"{GOOD.format(n=1)}\n"
        "SYN2,2016-13-01,Battles,Armed clash,A,36.2,37.1\n"
        f"{GOOD.format(n=3)}\n"
        "SYN4,2016-09-19,Battles,Armed clash,A,95.2,37.1\n",
    )

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert [(p.line, p.field) for p in e.value.problems] == [(3, "event_date"), (5, "latitude")]


def test_problems_are_capped_at_50_with_a_count_of_the_rest(tmp_path: Path) -> None:
    bad = "".join(f"SYN{n},someday,Battles,Armed clash,A,36.2,37.1\n" for n in range(60))
    path = write(tmp_path, f"{HEADER}\n{bad}")

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert len(e.value.problems) == 51
    assert messages(path, e)[-1] == (
        "events.csv: 10 more problems not shown — fix the ones above and read the file again"
    )


def test_a_missing_file_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == ["events.csv: file not found — check the path"]


def test_a_file_that_is_not_utf8_is_one_problem_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    good = f"{HEADER}\n{GOOD.format(n=1)}\n".encode()
    path.write_bytes(good + "SYN2,حلب\n".encode("cp1256"))  # Aleppo, saved as Windows Arabic

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e) == [
        f"events.csv:3: not UTF-8 text (invalid continuation byte at byte {len(good) + 5})"
        " — save the file as UTF-8 (CSV UTF-8 in Excel)"
    ]


def test_an_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "")

    with pytest.raises(InputError) as e:
        read_acled(path)

    assert messages(path, e)[0].startswith("events.csv:1: the file is empty — start with")


# --------------------------------------------------------------------------- writing


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_writing_gives_the_31_columns_in_order_with_derived_values(tmp_path: Path) -> None:
    incident = Incident(
        id="SYN9",
        date=date(2016, 12, 15),
        event_type="Violence against civilians",
        sub_event_type="Attack",
        actors=[
            IncidentActor(name="Iran-backed militia", id="x", role=Role.PERPETRATOR),
            IncidentActor(name="Civilians (Syria)", role=Role.TARGET),
            IncidentActor(name="ICRC", role=Role.TARGET),
            IncidentActor(name="SARC", role=Role.TARGET),
        ],
        location=Location(name="Ramouseh", latitude=36.17, longitude=37.13),
        fatalities=CasualtyRange(low=1, best=2, high=4),
        tags=["evacuation", "civilians"],
        notes="synthetic test row",
    )
    out = tmp_path / "out.csv"

    write_acled([incident], out)

    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(ACLED_COLUMNS)
    (row,) = read_rows(out)
    assert row["year"] == "2016"
    assert row["disorder_type"] == "Political violence"
    assert (row["actor1"], row["assoc_actor_1"]) == ("Iran-backed militia", "")
    assert (row["actor2"], row["assoc_actor_2"]) == ("Civilians (Syria)", "ICRC; SARC")
    assert row["fatalities"] == "2"  # the best estimate
    assert row["tags"] == "evacuation; civilians"
    assert (row["inter1"], row["iso"], row["timestamp"]) == ("", "", "")  # nothing to copy


def test_battles_write_the_first_two_actors_as_actor1_and_actor2(tmp_path: Path) -> None:
    incident = Incident(
        id="SYN9",
        date=date(2016, 9, 14),
        event_type="Battles",
        sub_event_type="Armed clash",
        actors=[IncidentActor(name=n) for n in ("SAA", "JFS", "Ahrar al-Sham")],
        location=Location(name="Latamneh", latitude=35.317, longitude=36.62),
    )
    out = tmp_path / "out.csv"

    write_acled([incident], out)

    (row,) = read_rows(out)
    assert [row[c] for c in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")] == [
        "SAA",
        "",
        "JFS",
        "Ahrar al-Sham",
    ]


def test_the_fixture_survives_a_round_trip(tmp_path: Path) -> None:
    first = read_acled(fixture(tmp_path))
    out = tmp_path / "out.csv"

    write_acled(first, out)
    again = read_acled(out)

    assert without_provenance(again) == without_provenance(first)
    # Columns we do not model come back from provenance.
    assert read_rows(out)[0]["inter1"] == "8"
    assert read_rows(out)[0]["interaction"] == "78"
    assert read_rows(out)[0]["civilian_targeting"] == "Civilians targeted"


# --------------------------------------------------------------------------- round trip


names = st.text(alphabet="abcAB ()-,'\"é", min_size=1, max_size=8).filter(
    lambda n: n == n.strip() and n != ""
)
free_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('\n\r\t,;"'), max_size=20
)
maybe_text = st.none() | free_text.filter(bool)


@st.composite
def incidents(draw: st.DrawFn, event_id: str) -> Incident:
    event_type = draw(st.sampled_from(sorted(EVENT_TYPE_TREE)))
    if event_type in ONE_SIDED_EVENT_TYPES:
        actors = [
            IncidentActor(name=n, role=Role.PERPETRATOR) for n in draw(st.lists(names, max_size=3))
        ] + [IncidentActor(name=n, role=Role.TARGET) for n in draw(st.lists(names, max_size=3))]
    else:
        actors = [IncidentActor(name=n) for n in draw(st.lists(names, max_size=4))]
    return Incident(
        id=event_id,
        date=draw(st.dates(date(1990, 1, 1), date(2030, 12, 31))),
        time_precision=draw(st.sampled_from([1, 2, 3])),
        event_type=event_type,
        sub_event_type=draw(st.sampled_from(EVENT_TYPE_TREE[event_type])),
        actors=actors,
        location=Location(
            name=draw(free_text),
            country=draw(maybe_text),
            admin1=draw(maybe_text),
            admin2=draw(maybe_text),
            admin3=draw(maybe_text),
            latitude=draw(st.floats(-90, 90)),
            longitude=draw(st.floats(-180, 180)),
            geo_precision=draw(st.sampled_from([1, 2, 3])),
        ),
        fatalities=CasualtyRange.exactly(draw(st.integers(0, 100_000))),
        tags=draw(st.lists(st.sampled_from(sorted(KNOWN_TAGS)) | names, max_size=3)),
        notes=draw(free_text),
        source=draw(free_text),
        source_scale=draw(free_text),
    )


@st.composite
def incident_lists(draw: st.DrawFn) -> list[Incident]:
    ids = draw(st.lists(st.from_regex(r"[A-Z]{3}[0-9]{1,5}", fullmatch=True), unique=True))
    return [draw(incidents(i)) for i in ids[:5]]


@settings(max_examples=50, deadline=None)
@given(incident_lists())
def test_what_is_written_reads_back_unchanged(
    tmp_path_factory: pytest.TempPathFactory, written: list[Incident]
) -> None:
    path = tmp_path_factory.mktemp("roundtrip") / "events.csv"

    write_acled(written, path)

    assert without_provenance(read_acled(path)) == written
