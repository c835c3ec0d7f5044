"""Importing into a real database: provenance, idempotence, audit, bad input, merges.

Runs on SQLite and on PostgreSQL (see the ``db`` fixture).  Files are the
shipped Sept 2016 case (real, sourced) and rows of the UCDP GED file in
../shared/data (skipped when absent); edited copies say what was edited.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from trucewatch.actors import ActorRegistry
from trucewatch.cases import case_files
from trucewatch.errors import InputError
from trucewatch.importing import import_file
from trucewatch.records import incident_record, unmerge
from trucewatch.store import Database, audit
from trucewatch.store.incidents import counts, load_incident

CASE = case_files("syria-2016-09").incidents


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {**counts(conn), "audit": audit.count(conn)}


def _edited(tmp_path: Path, old: str, new: str, name: str = "events.csv") -> Path:
    text = CASE.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / name
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def test_import_keeps_provenance(db: Database, actors: ActorRegistry) -> None:
    report = import_file(db, CASE, format="acled", source="trucewatch case", actors=actors)
    assert (report.rows, report.inserted, report.rejected) == (39, 39, 0)
    rec = incident_record(db, "TW-SYR-0023")
    assert rec.incident.location.name == "Urum al Kubra"
    (r,) = rec.reports
    assert r["source_id"] == "trucewatch-case"
    assert r["file_sha256"] == hashlib.sha256(CASE.read_bytes()).hexdigest()
    line = next(i for i, s in enumerate(CASE.read_text().splitlines(), 1) if "TW-SYR-0023" in s)
    assert r["row"] == line
    assert r["original"]["location"] == "Urum al Kubra"


def test_same_file_twice_adds_nothing(db: Database, actors: ActorRegistry) -> None:
    import_file(db, CASE, format="acled", source="case", actors=actors)
    before = _counts(db)
    again = import_file(db, CASE, format="acled", source="case", actors=actors)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 39)
    after = _counts(db)
    assert (after["incidents"], after["reports"]) == (before["incidents"], before["reports"])
    assert after["audit"] == before["audit"] + 1  # the import itself, nothing else


def test_updated_export_updates_changed_rows_with_audit(
    db: Database, actors: ActorRegistry, tmp_path: Path
) -> None:
    import_file(db, CASE, format="acled", source="case", actors=actors)
    # Edited copy: the convoy row's fatalities changed from 21 to 20.
    edited = _edited(tmp_path, ",21,humanitarian_aid; civilians", ",20,humanitarian_aid; civilians")
    report = import_file(db, edited, format="acled", source="case", actors=actors)
    assert (report.updated, report.unchanged, report.inserted) == (1, 38, 0)
    rec = incident_record(db, "TW-SYR-0023")
    assert rec.incident.fatalities.best == 20
    (change,) = [h for h in rec.history if h["action"] == "update"]
    assert change["before"] == {"fatalities": "21"} and change["after"] == {"fatalities": "20"}
    with db.engine.connect() as conn:
        assert audit.verify_chain(conn).ok


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("36.1481,36.94775", "96.1481,36.94775", "latitude: '96.1481' is out of range"),
        (
            ",21,humanitarian_aid; civilians",
            ",many,humanitarian_aid; civilians",
            "fatalities: 'many' is not a number",
        ),
        (
            "TW-SYR-0023,2016-09-19",
            "TW-SYR-0023,2016-09-31",
            "event_date: '2016-09-31' is not a date",
        ),
    ],
)
def test_bad_row_changes_nothing(
    db: Database, actors: ActorRegistry, tmp_path: Path, old: str, new: str, message: str
) -> None:
    before = _counts(db)
    bad = _edited(tmp_path, old, new)
    with pytest.raises(InputError) as info:
        import_file(db, bad, format="acled", source="case", actors=actors)
    line = next(i for i, s in enumerate(bad.read_text().splitlines(), 1) if "TW-SYR-0023" in s)
    assert f"{bad}:{line}: {message}" in str(info.value)
    assert _counts(db) == before


def test_skip_bad_rows_imports_the_rest_and_writes_rejects(
    db: Database, actors: ActorRegistry, tmp_path: Path
) -> None:
    bad = _edited(tmp_path, "36.1481,36.94775", "96.1481,36.94775")
    report = import_file(db, bad, format="acled", source="case", actors=actors, skip_bad_rows=True)
    assert (report.inserted, report.rejected) == (38, 1)
    assert report.rejected_file is not None
    with open(report.rejected_file, encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert row["event_id_cnty"] == "TW-SYR-0023"
    assert "latitude: '96.1481' is out of range" in row["problems"]


def _ucdp_rows(shared_data: Path, tmp_path: Path, ids: set[str]) -> Path:
    source = shared_data / "events" / "ucdp_ged_syria_2016_2019.csv"
    target = tmp_path / "ucdp_subset.csv"
    with (
        source.open(encoding="utf-8", newline="") as f,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        reader = csv.DictReader(f)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            if row["id"] in ids:
                writer.writerow(row)
    return target


def test_corroboration_merges_and_unmerges(
    db: Database, actors: ActorRegistry, tmp_path: Path, shared_data: Path
) -> None:
    # UCDP's record of the convoy attack (id 301214) and the case's own record of it.
    ucdp = _ucdp_rows(shared_data, tmp_path, {"301214"})
    import_file(db, ucdp, format="ucdp", source="ucdp", actors=actors)
    report = import_file(db, CASE, format="acled", source="case", actors=actors)
    assert report.merged >= 1
    rec = incident_record(db, "ucdp:301214")
    assert {r["source_id"] for r in rec.reports} == {"ucdp", "case"}
    (merge,) = rec.merges
    assert any("km apart" in reason for reason in merge["reasons"])
    case_report = next(r for r in rec.reports if r["source_id"] == "case")
    new_id = unmerge(db, case_report["id"], user="analyst")
    assert new_id == "case:TW-SYR-0023"
    with db.engine.connect() as conn:
        assert load_incident(conn, new_id) is not None
    after = incident_record(db, "ucdp:301214")
    assert [r["source_id"] for r in after.reports] == ["ucdp"]
    assert after.merges[0]["undone_by"] == "analyst"
    assert [h["action"] for h in after.history][-2:] == ["merge", "unmerge"]


def test_full_ucdp_file(db: Database, actors: ActorRegistry, shared_data: Path) -> None:
    path = shared_data / "events" / "ucdp_ged_syria_2016_2019.csv"
    report = import_file(db, path, format="ucdp", source="ucdp", actors=actors)
    assert report.rows == report.inserted == 16566
    with db.engine.connect() as conn:
        import sqlalchemy as sa

        from trucewatch.store.schema import incident_actors

        total = conn.execute(sa.select(sa.func.count()).select_from(incident_actors)).scalar_one()
        unresolved = conn.execute(
            sa.select(sa.func.count())
            .select_from(incident_actors)
            .where(incident_actors.c.actor_id.is_(None))
        ).scalar_one()
    assert unresolved / total <= 0.01
    rec = incident_record(db, "301214")
    assert rec.incident.date.isoformat() == "2016-09-19"
    assert rec.incident.location.name.startswith("Urum al Kubra")
    assert (
        rec.reports[0]["original"]["source_headline"]
        == "Syria: Investigate Attack on UN Aid Convoy"
    )


@pytest.mark.parametrize("chunk_rows", [2000, 10])
def test_duplicate_record_id_names_both_lines(
    db: Database,
    actors: ActorRegistry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunk_rows: int,
) -> None:
    import trucewatch.importing

    monkeypatch.setattr(trucewatch.importing, "CHUNK_ROWS", chunk_rows)  # within / across chunks
    # Edited copy: the last row's id changed to the convoy's id.
    lines = CASE.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[-1] = lines[-1].replace("TW-SYR-0039", "TW-SYR-0023", 1)
    bad = tmp_path / "dup.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    first = next(i for i, s in enumerate(lines, 1) if s.startswith("TW-SYR-0023,"))
    with pytest.raises(InputError) as info:
        import_file(db, bad, format="acled", source="case", actors=actors)
    assert str(info.value).startswith(
        f"{bad}:{len(lines)}: record id 'TW-SYR-0023' appears again (first on line {first})"
    )
    assert _counts(db)["reports"] == 0


def test_a_source_never_reports_one_event_twice(
    db: Database, actors: ActorRegistry, tmp_path: Path, shared_data: Path
) -> None:
    import_file(
        db,
        _ucdp_rows(shared_data, tmp_path, {"301214"}),
        format="ucdp",
        source="ucdp",
        actors=actors,
    )
    # Edited copy of the case: the convoy row twice, under two ids.
    lines = CASE.read_text(encoding="utf-8").splitlines(keepends=True)
    convoy = next(s for s in lines if s.startswith("TW-SYR-0023,"))
    twice = tmp_path / "twice.csv"
    twice.write_text(
        lines[0] + convoy + convoy.replace("TW-SYR-0023", "TW-SYR-9023", 1), encoding="utf-8"
    )
    report = import_file(db, twice, format="acled", source="case", actors=actors)
    assert (report.merged, report.inserted) == (1, 1)
    assert [r["source_id"] for r in incident_record(db, "ucdp:301214").reports] == ["ucdp", "case"]


def test_stored_claims_make_the_convoy_contested(db: Database, actors: ActorRegistry) -> None:
    from trucewatch.cases import case_files
    from trucewatch.domain import AttributionStatus, Verdict
    from trucewatch.service import run_stored_evaluation, store_claims

    files = case_files("syria-2016-09")
    import_file(db, files.incidents, format="acled", source="case", actors=actors)
    counts_ = store_claims(db, files.claims, files.sources, user="analyst")
    assert counts_["claims_added"] == counts_["claims_in_file"] == 28
    again = store_claims(db, files.claims, files.sources, user="analyst")
    assert again["claims_added"] == 0
    ev = run_stored_evaluation("syria-2016-09-us-russia", db)
    convoy = "case:TW-SYR-0023"
    assert ev.attributions[convoy].status == AttributionStatus.CONTESTED
    assert set(ev.attributions[convoy].contested_between[:2]) == {"russia", "syria-government"}
    (f,) = [f for f in ev.findings_for(convoy) if f.obligation == "humanitarian-access"]
    assert f.verdict == Verdict.VIOLATION
    graded = {(c.claimant, c.kind.value, c.source) for c in ev.claims_for(convoy)}
    assert ("russia", "denies", "alaraby") in graded
