"""Backups: one archive of the database and the evidence store, verified by SHA-256."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from trucewatch.cli._common import DbOpt, JsonOpt, _fail, _print_json, app, err, out
from trucewatch.errors import InputError

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Evidence store directory (default: $TRUCEWATCH_EVIDENCE or ./evidence).",
        file_okay=False,
    ),
]


@app.command("backup")
def backup_cmd(
    out_path: Annotated[
        Path,
        typer.Option(
            "--out", help="Archive to write (.tar.gz or .tar), or a folder to write it in."
        ),
    ],
    store: StoreOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the database and every evidence file to one archive with a SHA-256 manifest.

    Safe while the server or an import is writing: SQLite is copied with its
    online backup API, PostgreSQL with pg_dump (one snapshot). Keep the
    printed SHA-256 apart from the archive: `restore --expect-sha256` checks it.

    Example: trucewatch backup --out /media/usb/
    """
    from trucewatch.backup import backup
    from trucewatch.evidence import evidence_store
    from trucewatch.store import Database

    try:
        result = backup(Database(db), evidence_store(store), out_path)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json({**asdict(result), "archive": str(result.archive)})
        return
    out.print(f"wrote {result.archive}")
    out.print(
        f"  {result.dialect} database, {result.evidence_files} evidence file(s), "
        f"{result.audit_entries} audit entries"
    )
    out.print(f"  sha256 {result.sha256}")


@app.command("restore")
def restore_cmd(
    archive: Annotated[Path, typer.Argument(help="A archive written by `trucewatch backup`.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a database that already holds data."),
    ] = False,
    expect_sha256: Annotated[
        str | None,
        typer.Option("--expect-sha256", help="Refuse the archive unless its SHA-256 is this."),
    ] = None,
    store: StoreOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Restore a backup after checking every file in it against its SHA-256.

    A damaged or altered archive is refused before anything is touched. A
    database that already holds data is replaced only with --force. The
    audit chain is verified afterwards against the length and last hash
    recorded at backup time.

    Example: trucewatch restore trucewatch-backup-20261130T120000Z.tar.gz --db sqlite:///new.db
    """
    from trucewatch.backup import restore
    from trucewatch.evidence import evidence_store
    from trucewatch.store import Database

    try:
        result = restore(
            Database(db), evidence_store(store), archive, force=force, expect_sha256=expect_sha256
        )
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json({**asdict(result), "archive": str(result.archive)})
    else:
        out.print(f"restored {result.archive} ({result.members_verified} files verified)")
        out.print(
            f"  {result.dialect} database, {result.evidence_files} evidence file(s) placed, "
            f"{result.evidence_already_present} already present"
        )
        state = "verifies" if result.audit_ok else "DOES NOT VERIFY"
        out.print(f"  audit chain: {result.audit_entries} entries, {state}")
    for note in result.notes:
        err.print(note)
    if not result.audit_ok:
        raise typer.Exit(1)
