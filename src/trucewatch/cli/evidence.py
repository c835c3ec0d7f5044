"""Evidence: add, show, verify, hand over."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trucewatch.cli._common import (
    DbOpt,
    JsonOpt,
    _fail,
    _print_json,
    evidence_app,
    out,
)
from trucewatch.errors import InputError

EvidenceStoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Evidence store directory (default: $TRUCEWATCH_EVIDENCE or ./evidence).",
        file_okay=False,
    ),
]


@evidence_app.command("add")
def evidence_add_cmd(
    file: Annotated[Path, typer.Argument(help="The file as collected.", dir_okay=False)],
    incident: Annotated[
        str, typer.Option(help="The incident it concerns (incident id or a source's record id).")
    ],
    collector: Annotated[str, typer.Option(help="Who collected it (first holder).")],
    method: Annotated[str, typer.Option(help="How it was collected (tool, persona, steps).")],
    origin: Annotated[str, typer.Option(help="Where from: URL, device, person, archive.")],
    collected_at: Annotated[
        str | None,
        typer.Option(
            "--collected-at",
            help="When, ISO 8601 with time zone (default: now, if just collected).",
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="Who records it (default: the collector).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the record.")] = None,
    store: EvidenceStoreOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store a file by its SHA-256, read-only, with its collection record.

    The bytes are hashed as they are copied into the store; the same bytes
    are stored once. The first custody entry ("collected", held by the
    collector) and an audit entry are written with the record.

    Example: trucewatch evidence add convoy.jpg --incident ucdp:301214
    --collector analyst1 --method "saved from the post with a browser"
    --origin https://example.org/post/1 --collected-at 2016-09-20T08:30:00Z
    """
    from trucewatch.evidence import add, evidence_record, evidence_store, parse_time
    from trucewatch.store import Database

    directory = evidence_store(store)
    try:
        evidence_id = add(
            Database(db),
            directory,
            file,
            incident_id=incident,
            collector=collector,
            method=method,
            origin=origin,
            collected_at=parse_time("--collected-at", collected_at),
            user=user or collector,
            note=note,
        )
        record = evidence_record(Database(db), directory, evidence_id)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(record.as_dict())
        return
    row = record.evidence
    out.print(
        f"evidence {evidence_id}: {row['filename']} ({row['kind']}, {row['size_bytes']} bytes) "
        f"sha256 {row['sha256']} for incident {row['incident_id']}; stored at {record.path}"
    )


@evidence_app.command("show")
def evidence_show_cmd(
    evidence_id: Annotated[int, typer.Argument(help="The evidence id.")],
    store: EvidenceStoreOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show an evidence item: its collection record, chain of custody, and whether
    the stored bytes still match its SHA-256.

    Example: trucewatch evidence show 3
    """
    from trucewatch.evidence import evidence_record, evidence_store
    from trucewatch.store import Database

    try:
        record = evidence_record(Database(db), evidence_store(store), evidence_id)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(record.as_dict())
        return
    data = record.as_dict()
    row = data["evidence"]
    out.print(f"[bold]evidence {evidence_id}[/bold]: {row['filename']} ({row['kind']})")
    for key in (
        "incident_id",
        "sha256",
        "size_bytes",
        "media_type",
        "collected_at",
        "collector",
        "method",
        "origin",
        "note",
    ):
        if row.get(key) is not None:
            out.print(f"  {key}: {row[key]}", markup=False, highlight=False)
    state = {
        "intact": "[green]intact[/green]: the stored bytes match the SHA-256",
        "altered": "[red]ALTERED[/red]: the stored bytes no longer match; restore from a backup",
        "missing": "[red]MISSING[/red]: the stored file is gone; restore it from a backup",
    }.get(record.state, f"[red]{record.state}[/red]")
    out.print(f"  stored file: {record.path} — {state}")
    out.print("  chain of custody:")
    for c in data["custody"]:
        who = f"{c['from_holder'] or '—'} → {c['to_holder'] or '—'}"
        extra = f"  {c['note']}" if c["note"] else ""
        out.print(
            f"    {c['at']}  {c['action']:<12} {who}  (by {c['user_name']}){extra}",
            markup=False,
            highlight=False,
        )


@evidence_app.command("verify")
def evidence_verify_cmd(
    store: EvidenceStoreOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-hash every stored evidence file: exit 0 if all match, 1 naming each problem.

    Names each missing file and each whose bytes changed since collection.

    Example: trucewatch evidence verify --store /srv/evidence
    """
    from trucewatch.evidence import count, evidence_store, verify
    from trucewatch.store import Database

    try:
        database = Database(db)
        problems = verify(database, evidence_store(store))
        total = count(database)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json({"items": total, "ok": not problems, "problems": problems})
    elif not problems:
        out.print(f"{total} evidence items, every stored file matches its SHA-256")
    else:
        for problem in problems:
            typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)


@evidence_app.command("transfer")
def evidence_transfer_cmd(
    evidence_id: Annotated[int, typer.Argument(help="The evidence id.")],
    to: Annotated[str, typer.Option("--to", help="Who receives it.")],
    user: Annotated[str, typer.Option(help="Who records the hand-over.")],
    note: Annotated[str | None, typer.Option(help="Why, how, under what seal.")] = None,
    db: DbOpt = None,
) -> None:
    """Record a hand-over of evidence from its current holder (chain of custody).

    Example: trucewatch evidence transfer 3 --to legal-unit --user analyst1
    --note "sealed drive, ref 2024-17"
    """
    from trucewatch.evidence import transfer
    from trucewatch.store import Database

    try:
        transfer(Database(db), evidence_id, to_holder=to, user=user, note=note)
    except InputError as e:
        _fail(e)
        return
    out.print(f"evidence {evidence_id}: now held by {to}")
