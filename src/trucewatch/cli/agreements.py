"""Agreements: check, version, list, schema."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from trucewatch.cli._common import (
    DbOpt,
    JsonOpt,
    _fail,
    _print_json,
    agreement_app,
    err,
    out,
)
from trucewatch.errors import InputError


@agreement_app.command("check")
def agreement_check(
    file: Annotated[Path, typer.Argument(help="The agreement YAML file.", dir_okay=False)],
    as_json: JsonOpt = False,
) -> None:
    """Validate an agreement file; errors read FILE:LINE: problem — fix.

    Exits 0 with a short summary when the file is valid, 1 with every problem
    found when it is not.

    Example: trucewatch agreement check my-truce.yaml
    """
    from trucewatch.actors import ActorRegistry
    from trucewatch.agreements import load_agreement

    try:
        a = load_agreement(file, actors=ActorRegistry.shipped())
    except InputError as e:
        if as_json:
            _print_json(
                {
                    "valid": False,
                    "problems": [
                        {"file": p.file, "line": p.line, "message": p.message, "hint": p.hint}
                        for p in e.problems
                    ],
                }
            )
            raise typer.Exit(1) from None
        _fail(e)
        return
    spans = a.phase_spans()
    summary = {
        "valid": True,
        "id": a.id,
        "title": a.title,
        "signed": a.signed.isoformat(),
        "brokers": a.brokers,
        "sides": {k: {"members": v.members, "allies": v.allies} for k, v in a.sides.items()},
        "excluded": a.excluded,
        "phases": {
            p: [start.isoformat(), end.isoformat() if end else None]
            for p, (start, end) in spans.items()
        },
        "zones": [z.id + (" (approximate)" if z.approximate else "") for z in a.zones],
        "obligations": [f"{o.id} ({o.kind})" for o in a.obligations],
    }
    if as_json:
        _print_json(summary)
        return
    out.print(f"[green]✓[/green] {file}: [bold]{a.id}[/bold] — {a.title}")
    out.print(f"  signed {a.signed}; brokers: {', '.join(a.brokers) or 'none'}")
    for side_id, side in a.sides.items():
        allies = f" (allies: {', '.join(side.allies)})" if side.allies else ""
        out.print(f"  side {side_id}: {', '.join(side.members)}{allies}")
    out.print(f"  excluded: {', '.join(a.excluded) or 'none'}")
    for pid, (start, end) in spans.items():
        until = f"{end:%Y-%m-%d %H:%M %z}" if end else "open"
        out.print(f"  phase {pid}: {start:%Y-%m-%d %H:%M %z} → {until}")
    out.print(f"  zones: {', '.join(summary['zones']) or 'none'}")  # type: ignore[arg-type]
    out.print(f"  obligations: {', '.join(summary['obligations'])}")  # type: ignore[arg-type]


@agreement_app.command("load")
def agreement_load(
    file: Annotated[Path, typer.Argument(help="The agreement YAML file.", dir_okay=False)],
    user: Annotated[str, typer.Option(help="Who is loading it (kept with the version).")],
    note: Annotated[str | None, typer.Option(help="Why the terms changed.")] = None,
    db: DbOpt = None,
) -> None:
    """Store an agreement in the database as a new version (unchanged text adds nothing).

    Earlier versions stay, with who loaded each and why.

    Example: trucewatch agreement load syria-2016-09.yaml --user analyst1
    --note "add Castello Road withdrawal distances"
    """
    from datetime import UTC, datetime

    from trucewatch.actors import ActorRegistry
    from trucewatch.agreements import load_agreement
    from trucewatch.store import Database
    from trucewatch.store.agreements import save_agreement

    try:
        agreement = load_agreement(file, actors=ActorRegistry.shipped())
        database = Database(db)
        database.require_current()
        with database.transaction() as conn:
            version, created = save_agreement(
                conn,
                agreement,
                file.read_text(encoding="utf-8"),
                user=user,
                now=datetime.now(UTC),
                note=note,
            )
    except InputError as e:
        _fail(e)
        return
    state = "stored as" if created else "unchanged: still"
    out.print(f"{agreement.id}: {state} version {version}")


@agreement_app.command("history")
def agreement_history_cmd(
    agreement_id: Annotated[str, typer.Argument(help="The agreement id.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the stored versions of an agreement: when, by whom, why."""
    from trucewatch.store import Database
    from trucewatch.store.agreements import agreement_history

    try:
        database = Database(db)
        database.require_current()
        with database.engine.connect() as conn:
            versions = agreement_history(conn, agreement_id)
    except InputError as e:
        _fail(e)
        return
    if not versions:
        err.print(
            f"no stored agreement '{agreement_id}' — store it with `trucewatch agreement load FILE`"
        )
        raise typer.Exit(1)
    rows = [
        {
            "version": v.version,
            "sha256": v.sha256,
            "changed_by": v.changed_by,
            "changed_at": v.changed_at.isoformat(),
            "note": v.note,
        }
        for v in versions
    ]
    if as_json:
        _print_json(rows)
        return
    for v in versions:
        out.print(
            f"v{v.version}  {v.changed_at.isoformat()}  {v.changed_by}  {v.sha256[:12]}"
            + (f"  {v.note}" if v.note else "")
        )


@agreement_app.command("list")
def agreement_list(as_json: JsonOpt = False) -> None:
    """List the agreements shipped with trucewatch (usable by id)."""
    from trucewatch.actors import ActorRegistry
    from trucewatch.agreements import agreement_path, load_agreement, shipped_agreement_ids

    actors = ActorRegistry.shipped()
    rows = []
    for aid in shipped_agreement_ids():
        a = load_agreement(agreement_path(aid), actors=actors)
        rows.append({"id": a.id, "signed": a.signed.isoformat(), "title": a.title})
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        out.print(f"{r['id']:<42} {r['signed']}  {r['title']}")


@agreement_app.command("schema")
def agreement_schema(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Print the JSON Schema agreement files are checked against."""
    from trucewatch.agreements.schema import agreement_schema_json

    text = agreement_schema_json()
    if out_file:
        out_file.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
