"""The database: init, ingest, show incident, unmerge, claims load."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trucewatch.cli._common import (
    FORMAT_HELP,
    DbOpt,
    JsonOpt,
    _day,
    _fail,
    _print_json,
    app,
    claims_app,
    err,
    incident_app,
    out,
    show_app,
)
from trucewatch.errors import InputError


@app.command()
def init(db: DbOpt = None) -> None:
    """Create the database, or migrate it to this version's schema.

    Safe to run again: an up-to-date database is left as it is.

    Example: trucewatch init --db postgresql+psycopg://monitor@localhost:5432/trucewatch
    """
    from trucewatch.store import Database

    try:
        database = Database(db)
        before, after = database.migrate()
    except InputError as e:
        _fail(e)
        return
    if before == after:
        out.print(f"{database.safe_url}: schema already at revision {after}")
    else:
        out.print(f"{database.safe_url}: schema {before or 'empty'} → revision {after}")


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="The file to import.", dir_okay=False)],
    format: Annotated[str, typer.Option("--format", help=FORMAT_HELP)],
    source: Annotated[str, typer.Option("--source", help="Who the data comes from, e.g. ucdp.")],
    mapping: Annotated[
        Path | None, typer.Option(help="Column-mapping YAML for --format csv.", dir_okay=False)
    ] = None,
    skip_bad_rows: Annotated[
        bool,
        typer.Option(
            "--skip-bad-rows", help="Import the good rows; write the rejected ones beside the file."
        ),
    ] = False,
    published: Annotated[
        str | None,
        typer.Option(help="For --format text: the articles' publication date (YYYY-MM-DD)."),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import incidents from a file, all or nothing, keeping where each came from.

    Importing the same file again adds nothing; an updated export updates the
    changed rows and records each change in the audit log. A bad row stops the
    import with every problem listed (FILE:LINE) and the database unchanged,
    unless --skip-bad-rows.

    With --format text, news articles (a .txt, a folder of them, or a CSV of
    articles) are read by `trucewatch extract` and each draft incident goes to
    the review queue with status reported, never verified.

    Example: trucewatch ingest ucdp_ged.csv --format ucdp --source ucdp

    Example: trucewatch ingest article.txt --format text --source voa --published 2016-09-21
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from trucewatch.actors import ActorRegistry
    from trucewatch.importing import import_file
    from trucewatch.store import Database

    total = _count_lines(file) if format not in ("geojson", "text") else None
    try:
        database = Database(db)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=as_json,
            transient=True,
        ) as bar:
            task = bar.add_task(f"importing {file.name}", total=total)
            report = import_file(
                database,
                file,
                format=format,
                source=source,
                actors=ActorRegistry.shipped(),
                mapping=mapping,
                published=_day("--published", published),
                skip_bad_rows=skip_bad_rows,
                progress=lambda n: bar.advance(task, n),
            )
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(report.as_dict())
        return
    out.print(
        f"{file}: {report.rows} rows — {report.inserted} new incidents, "
        f"{report.merged} merged into incidents from other sources, {report.updated} "
        f"updated, {report.unchanged} unchanged, {report.rejected} rejected "
        f"(source '{report.source}', batch {report.batch_id})"
    )
    if report.rejected_file:
        out.print(f"rejected rows and reasons: {report.rejected_file}")
    if report.unresolved:
        top = ", ".join(f"{n} ({c})" for n, c in report.unresolved.most_common(5))
        out.print(
            f"[yellow]{len(report.unresolved)} actor names not in the registry[/yellow]: "
            f"{top} — see `trucewatch actors unresolved`"
        )


def _count_lines(path: Path) -> int | None:
    try:
        with path.open("rb") as f:
            return max(
                sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1, 0
            )
    except OSError:
        return None


@show_app.command("incident")
def show_incident(
    incident_id: Annotated[str, typer.Argument(help="Incident id, or a source's record id.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a stored incident: its reports with file, SHA-256, row and original values,
    the merges that joined them (and why), and its audit history.

    Example: trucewatch show incident 301214
    """
    from trucewatch.records import incident_record
    from trucewatch.report.terminal import print_incident_record
    from trucewatch.store import Database

    try:
        record = incident_record(Database(db), incident_id)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(record.as_dict())
        return
    print_incident_record(out, record)


@incident_app.command("unmerge")
def incident_unmerge(
    report_id: Annotated[int, typer.Argument(help="The report to split off (see show incident).")],
    db: DbOpt = None,
) -> None:
    """Undo a corroboration merge: the report becomes its own incident again.

    Example: trucewatch incident unmerge 17
    """
    from trucewatch.records import unmerge
    from trucewatch.store import Database

    try:
        new_id = unmerge(Database(db), report_id, user="cli")
    except InputError as e:
        _fail(e)
        return
    out.print(f"report {report_id} is now incident {new_id}; the merge is kept in the audit log")


@claims_app.command("load")
def claims_load(
    file: Annotated[Path, typer.Argument(help="Claims file (YAML).", dir_okay=False)],
    user: Annotated[str, typer.Option(help="Who is loading them (kept in the audit log).")],
    sources: Annotated[
        Path | None,
        typer.Option(
            help="Sources file (YAML) with Admiralty grades, loaded first.", dir_okay=False
        ),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store claims about stored incidents, and the graded sources they cite.

    All or nothing: a claim about an incident that is not stored stops the
    load with every such claim listed. Claims already stored (same id) are
    kept as they are; a changed source grade is recorded in the audit log.

    Example: trucewatch claims load claims.yaml --sources sources.yaml --user analyst1
    """
    from trucewatch.service import store_claims
    from trucewatch.store import Database

    try:
        counts = store_claims(Database(db), file, sources, user=user)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(counts)
        return
    out.print(
        f"{file}: {counts['claims_added']} new claims of {counts['claims_in_file']}; "
        f"sources: {counts['sources_added']} new, {counts['sources_changed']} regraded"
    )
