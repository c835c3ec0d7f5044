"""Verification: incident status, replies, the audit chain."""

from __future__ import annotations

from typing import Annotated

import typer

from trucewatch.cli._common import (
    DbOpt,
    _fail,
    audit_app,
    err,
    incident_app,
    out,
)
from trucewatch.errors import InputError


@incident_app.command("status")
def incident_status_cmd(
    incident_id: Annotated[str, typer.Argument(help="Incident id, or a source's record id.")],
    to: Annotated[
        str, typer.Option("--to", help="under_review | verified | disputed | dismissed.")
    ],
    user: Annotated[str, typer.Option(help="Who makes the change (kept in the audit log).")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")],
    db: DbOpt = None,
) -> None:
    """Change an incident's verification status, with who and why.

    reported → under_review → verified | disputed | dismissed; a verified or
    disputed incident can be re-opened (→ under_review). Anything else is
    refused with the statuses allowed next.

    Example: trucewatch incident status ucdp:301214 --to under_review
    --user analyst1 --reason "second source found"
    """
    from datetime import UTC, datetime

    from trucewatch.cli.alerts import alert_after_status_change
    from trucewatch.store import Database
    from trucewatch.workflow import change_status

    try:
        database = Database(db)
        try:
            change = change_status(
                database, incident_id, to=to, user=user, reason=reason, now=datetime.now(UTC)
            )
            alert_after_status_change(database, incident_id, change, db)
        finally:
            database.dispose()
    except InputError as e:
        _fail(e)
        return
    out.print(
        f"{incident_id}: {change.from_status} → {change.to_status} "
        f"(by {change.user}, audit entry {change.audit_id})"
    )


@incident_app.command("reply")
def incident_reply_cmd(
    incident_id: Annotated[str, typer.Argument(help="Incident id, or a source's record id.")],
    agreement: Annotated[str, typer.Option(help="The agreement the finding is under.")],
    obligation: Annotated[str, typer.Option(help="The obligation the finding is about.")],
    party: Annotated[str, typer.Option(help="The party replying (an actor id).")],
    user: Annotated[str, typer.Option(help="Who enters the reply (kept in the audit log).")],
    text: Annotated[str, typer.Option(help="The party's reply, as given.")],
    db: DbOpt = None,
) -> None:
    """Record a party's reply to a finding about an incident (the right of reply).

    The reply is kept beside the incident, shown by `trucewatch show incident`,
    and audited.

    Example: trucewatch incident reply ucdp:301214 --agreement syria-2016-09-us-russia
    --obligation no-attacks --party syrian-arab-army --user analyst1 --text "..."
    """
    from datetime import UTC, datetime

    from trucewatch.store import Database
    from trucewatch.workflow import add_reply

    try:
        database = Database(db)
        try:
            reply_id = add_reply(
                database,
                agreement_id=agreement,
                incident_id=incident_id,
                obligation=obligation,
                party=party,
                user=user,
                text=text,
                now=datetime.now(UTC),
            )
        finally:
            database.dispose()
    except InputError as e:
        _fail(e)
        return
    out.print(f"{incident_id}: reply {reply_id} from {party} stored")


@audit_app.command("verify")
def audit_verify_cmd(db: DbOpt = None) -> None:
    """Check the audit log's hash chain: exit 0 if intact, 1 naming the first bad entry.

    Detects an edited entry, a removed entry (the next entry's link no longer
    matches) and entries whose contents were swapped.

    Example: trucewatch audit verify --db postgresql+psycopg://monitor@localhost/trucewatch
    """
    from trucewatch.store import Database, audit

    try:
        database = Database(db)
        try:
            database.require_current()
            with database.engine.connect() as conn:
                check = audit.verify_chain(conn)
        finally:
            database.dispose()
    except InputError as e:
        _fail(e)
        return
    if check.ok:
        out.print(f"{check.entries} entries, chain intact")
        return
    err.print(f"audit log broken at {check.reason or f'entry {check.first_broken}'}")
    raise typer.Exit(1)
