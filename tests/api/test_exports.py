"""Exports: what goes out comes back in, only what the caller may see, every page of it.

Each export of the Sept 2016 case is read back with trucewatch's own
importers (``ingest``'s readers, and ``importing.import_file`` into a fresh
database) and compared field by field with the stored incidents.  The
paging test adds synthetic rows (seeded, labelled SYNTHETIC in their notes
and actor names); they are not real events.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import CONVOY, Mission
from tests.api.test_endpoints import detail, get, publish
from trucewatch.actors import ActorRegistry
from trucewatch.browse import MAX_LIMIT
from trucewatch.domain import Incident
from trucewatch.importing import import_file
from trucewatch.ingest import importer_for
from trucewatch.store import Database
from trucewatch.store.incidents import load_incidents

FORMATS = ("acled", "csv", "hxl", "geojson")


def export(mission: Mission, who: str | None, fmt: str, **params: Any) -> Any:
    """The export response for ``who`` (None: anonymous)."""
    return get(mission, who, "/api/export", format=fmt, **params)


def stored(mission: Mission) -> dict[str, Incident]:
    """Every stored incident by id."""
    with mission.db.engine.connect() as conn:
        return {i.id: i for i in load_incidents(conn)}


def carried(incident: Incident, fmt: str) -> dict[str, Any]:
    """The fields ``fmt`` carries, as they must come back.

    ACLED and HXL have one fatality count (the best estimate); HXL has no
    precision codes (read back as 1) and no admin3; only csv carries civilian
    deaths among the CSV formats.
    """
    where = incident.location
    out: dict[str, Any] = {
        "date": incident.date,
        "event_type": incident.event_type,
        "sub_event_type": incident.sub_event_type,
        "actors": [(a.name, a.role.value) for a in incident.actors],
        "place": (where.name, where.country, where.admin1, where.admin2),
        "coordinates": (where.latitude, where.longitude),
        "fatalities": incident.fatalities.best,
        "tags": incident.tags,
        "notes": incident.notes,
        "source": incident.source,
    }
    if fmt != "hxl":
        out["precision"] = (incident.time_precision, where.geo_precision, where.admin3)
    if fmt in ("csv", "hxl"):
        civ = incident.civilian_fatalities
        out["civilians"] = None if civ is None else civ.best
    return out


def test_every_format_reimports_unchanged(
    mission: Mission, tmp_path: Path, actors: ActorRegistry
) -> None:
    originals = stored(mission)
    assert len(originals) == 39
    for fmt in FORMATS:
        r = export(mission, "analyst1", fmt)
        assert r.status_code == 200, (fmt, r.text)
        assert r.headers["content-disposition"].startswith("attachment; filename=")
        path = tmp_path / f"export.{'geojson' if fmt == 'geojson' else 'csv'}"
        path.write_bytes(r.content)
        # csv is ACLED's columns and more: the ACLED importer reads it.
        importer = importer_for("acled" if fmt == "csv" else fmt)
        rows = list(importer.rows(path, actors=actors))
        assert [p for row in rows for p in row.problems] == [], fmt
        back = {row.external_id: row.incident for row in rows}
        assert set(back) == set(originals), fmt
        for incident_id, original in originals.items():
            again = back[incident_id]
            assert again is not None
            assert carried(again, fmt) == carried(original, fmt), (fmt, incident_id)
        if fmt == "csv":
            # csv keeps what ACLED has no column for, in columns of its own.
            with path.open(encoding="utf-8", newline="") as f:
                table = list(csv.DictReader(f))
            convoy = next(t for t in table if t["event_id_cnty"] == CONVOY)
            assert (convoy["fatalities_low"], convoy["fatalities_high"]) == ("21", "21")
            assert convoy["status"] == "reported" and convoy["published"] == "false"
        if fmt == "hxl":
            lines = path.read_text(encoding="utf-8").splitlines()
            assert lines[1].startswith("#event+id,#date+occurred,#country+name,#adm1+name")


def test_an_acled_export_imports_into_another_database(
    mission: Mission, tmp_path: Path, actors: ActorRegistry
) -> None:
    path = tmp_path / "mission.csv"
    path.write_bytes(export(mission, "admin1", "acled").content)
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    other.migrate()
    try:
        report = import_file(other, path, format="acled", source="mission export", actors=actors)
        assert report.inserted == 39 and report.rejected == 0
        with other.engine.connect() as conn:
            again = {i.id.split(":", 1)[1]: i for i in load_incidents(conn)}
    finally:
        other.dispose()
    originals = stored(mission)
    assert set(again) == set(originals)
    for incident_id, original in originals.items():
        assert carried(again[incident_id], "acled") == carried(original, "acled")


def test_an_export_holds_only_what_the_caller_may_see(mission: Mission) -> None:
    publish(mission, CONVOY)
    for who in ("public1", None):
        r = export(mission, who, "acled")
        assert r.status_code == 200
        ids = [row["event_id_cnty"] for row in csv.DictReader(r.text.splitlines())]
        assert ids == [CONVOY]
    geo = export(mission, "liaison1", "geojson").json()
    assert [f["id"] for f in geo["features"]] == [CONVOY]
    assert geo["features"][0]["properties"]["published"] is True
    refused = export(mission, "monitor1", "csv")
    assert refused.status_code == 403
    assert detail(refused) == "a monitor may not do this (needs 'export')"


def test_an_export_is_filtered_like_the_list(mission: Mission) -> None:
    day = export(mission, "analyst1", "acled", date_from="2016-09-19", date_to="2016-09-19")
    dates = {row["event_date"] for row in csv.DictReader(day.text.splitlines())}
    assert dates == {"2016-09-19"}
    listed = get(
        mission, "analyst1", "/api/incidents", date_from="2016-09-19", date_to="2016-09-19"
    ).json()["items"]
    ids = [row["event_id_cnty"] for row in csv.DictReader(day.text.splitlines())]
    assert ids == [i["id"] for i in listed]  # newest first, as the list

    violations = export(
        mission, "analyst1", "acled", agreement="syria-2016-09-us-russia", verdict="violation"
    )
    assert CONVOY in violations.text
    # A bad filter is refused before anything is sent.
    needs = export(mission, "analyst1", "hxl", verdict="violation")
    assert needs.status_code == 400
    assert "a zone or verdict filter needs an agreement" in detail(needs)
    assert export(mission, "analyst1", "xlsx").status_code == 422
    # An agreement is an id from a known list, never a file the server would open.
    path = export(mission, "public1", "csv", agreement="/etc/hostname", verdict="violation")
    assert path.status_code == 422  # not even the shape of an id
    assert "pattern" in path.text and "agreement" in path.text
    unknown = export(mission, "public1", "csv", agreement="etc-hostname", verdict="violation")
    assert unknown.status_code == 400
    assert "'etc-hostname' is not an agreement this server evaluates" in detail(unknown)


@pytest.fixture
def synthetic_rows(mission: Mission, tmp_path: Path, actors: ActorRegistry) -> int:
    """More synthetic incidents than one page holds, imported (seeded; labelled SYNTHETIC)."""
    rng = random.Random(20160919)
    n = MAX_LIMIT + 21
    path = tmp_path / "synthetic.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(
            [
                "event_id_cnty",
                "event_date",
                "event_type",
                "sub_event_type",
                "actor1",
                "latitude",
                "longitude",
                "location",
                "fatalities",
                "notes",
            ]
        )
        for k in range(n):
            out.writerow(
                [
                    f"SYN-{k:04d}",
                    f"2017-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "Battles",
                    "Armed clash",
                    "SYNTHETIC test actor",
                    f"{rng.uniform(33.0, 36.5):.4f}",
                    f"{rng.uniform(36.0, 41.0):.4f}",
                    f"SYNTHETIC place {k}",
                    rng.randint(0, 5),
                    "SYNTHETIC test row, not a real event",
                ]
            )
    import_file(mission.db, path, format="acled", source="synthetic", actors=actors)
    return n


def test_an_export_streams_every_page(mission: Mission, synthetic_rows: int) -> None:
    for fmt in ("acled", "geojson"):
        r = export(mission, "analyst1", fmt)
        assert r.status_code == 200
        if fmt == "geojson":
            ids = [f["id"] for f in r.json()["features"]]
        else:
            ids = [row["event_id_cnty"] for row in csv.DictReader(r.text.splitlines())]
        assert len(ids) == len(set(ids)) == 39 + synthetic_rows
    # The list itself stops at one page.
    page = get(mission, "analyst1", "/api/incidents", limit=MAX_LIMIT).json()
    assert len(page["items"]) == MAX_LIMIT and page["next_cursor"]
