"""Humanitarian access: add convoys and sieges, record what happened, measure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from trucewatch.cli._common import (
    DbOpt,
    JsonOpt,
    _day,
    _fail,
    _print_json,
    access_app,
    out,
)
from trucewatch.domain.access import AccessStatus, Constraint, StatusChange
from trucewatch.errors import InputError, Problem

_OPTION_OF = {
    "status": "--status",
    "date": "--date",
    "actor": "--actor",
    "reason": "--reason",
    "constraint": "--constraint",
    "people_reached": "--people-reached",
    "over_plan_reason": "--over-plan-reason",
    "incident": "--incident",
    "source": "--source",
    "note": "--note",
}


@access_app.command("add")
def access_add(
    file: Annotated[Path, typer.Argument(help="Access file (YAML): access_events and/or sieges.")],
    user: Annotated[str, typer.Option(help="Who adds them (kept in the audit log).")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store convoys, missions, evacuations and sieges from a YAML file.

    All or nothing: one wrong entry and nothing is stored. Re-adding the same
    file changes nothing; a file may extend a stored convoy's history with new
    steps, but never rewrite a stored step. Format: docs/access.md.

    Example: trucewatch access add convoys.yaml --user monitor1
    """
    from trucewatch.service import store_access
    from trucewatch.store import Database

    try:
        counts = store_access(Database(db), file, user=user)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(counts)
        return
    out.print(
        f"{file}: {counts['events_added']} access event(s) added, "
        f"{counts['events_extended']} extended, {counts['events_unchanged']} unchanged; "
        f"{counts['sieges_added']} siege record(s) added, {counts['sieges_changed']} changed, "
        f"{counts['sieges_unchanged']} unchanged"
    )


@access_app.command("update")
def access_update(
    event_id: Annotated[
        str, typer.Argument(help="Access event id (see `trucewatch access list`).")
    ],
    status: Annotated[AccessStatus, typer.Option(help="The new status.")],
    date: Annotated[str, typer.Option(help="When it happened (YYYY-MM-DD).")],
    user: Annotated[str, typer.Option(help="Who records it (kept in the audit log).")],
    actor: Annotated[
        str | None, typer.Option(help="Who obstructed, as the source names them.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="The reason as stated, and by whom.")] = None,
    constraint: Annotated[
        Constraint | None, typer.Option(help="OCHA/ACAPS access-constraint category.")
    ] = None,
    people_reached: Annotated[
        int | None, typer.Option(help="People reached (on delivered / partially_delivered).")
    ] = None,
    over_plan_reason: Annotated[
        str | None, typer.Option(help="Why more people were reached than planned.")
    ] = None,
    incident: Annotated[
        str | None, typer.Option(help="Incident id of this step (e.g. the attack).")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Where this was reported.")] = None,
    note: Annotated[str | None, typer.Option(help="Anything else the record needs.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the next step of a convoy: approved, delayed, blocked, attacked, delivered…

    Refused, and nothing stored, when the step cannot follow the last one
    (delivered → requested), a count is negative, or more people are reached
    than planned without --over-plan-reason.

    Example: trucewatch access update un-border-convoy-1 --status delivered
    --date 2016-09-21 --people-reached 40000 --source "OCHA" --user analyst1
    """
    from trucewatch.service import record_access_step
    from trucewatch.store import Database

    try:
        step = _step(
            {
                "status": status,
                "date": _day("--date", date),
                "actor": actor,
                "reason": reason,
                "constraint": constraint,
                "people_reached": people_reached,
                "over_plan_reason": over_plan_reason,
                "incident": incident,
                "source": source,
                "note": note,
            }
        )
        event = record_access_step(Database(db), event_id, step, user=user)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(event.model_dump(mode="json"))
        return
    out.print(f"{event.id}: now {event.status.value} (step {len(event.history) - 1}, by {user})")


def _step(values: dict[str, object]) -> StatusChange:
    """A step from command-line values, or InputError naming the option at fault."""
    try:
        return StatusChange.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as e:
        problems = []
        for error in e.errors():
            field = str(error["loc"][0]) if error["loc"] else "status"
            option = _OPTION_OF.get(field, field)
            if error["type"] == "greater_than_equal":
                problems.append(
                    Problem(
                        option,
                        None,
                        f"{error['input']} is negative",
                        "a count cannot be below zero: give 0 or the number the source states",
                    )
                )
            else:
                problems.append(Problem(option, None, str(error["msg"])))
        raise InputError(problems) from None


@access_app.command("list")
def access_list(
    agreement: Annotated[str | None, typer.Option(help="Only this agreement's events.")] = None,
    status: Annotated[
        AccessStatus | None, typer.Option(help="Only events now in this status.")
    ] = None,
    destination: Annotated[
        str | None, typer.Option(help="Only events to this destination (zone id or place).")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored access events with their status and the people reached.

    Example: trucewatch access list --agreement syria-2016-09-us-russia --status delayed
    """
    from trucewatch.report.access import events_table
    from trucewatch.service import list_access
    from trucewatch.store import Database

    try:
        events = list_access(
            Database(db), agreement=agreement, status=status, destination=destination
        )
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json([e.model_dump(mode="json") for e in events])
    else:
        out.print(events_table(events))


@access_app.command("sieges")
def access_sieges(
    on: Annotated[
        str | None, typer.Option(help="Only records holding on this day (YYYY-MM-DD).")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List besieged and hard-to-reach areas: population, who besieges them, and when.

    Example: trucewatch access sieges --on 2016-09-15
    """
    from trucewatch.report.access import sieges_table
    from trucewatch.service import list_sieges
    from trucewatch.store import Database

    try:
        records = list_sieges(Database(db), on=_day("--on", on))
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json([s.model_dump(mode="json") for s in records])
    else:
        out.print(sieges_table(records))


@access_app.command("show")
def access_show(
    event_id: Annotated[str, typer.Argument(help="Access event id.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one access event: each step with who obstructed and why, and its audit trail.

    Example: trucewatch access show un-border-convoy-1
    """
    from trucewatch.report.access import print_event
    from trucewatch.service import show_access
    from trucewatch.store import Database

    try:
        event, history = show_access(Database(db), event_id)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json({**event.model_dump(mode="json"), "audit": history})
    else:
        print_event(out, event, history)


@access_app.command("report")
def access_report_cmd(
    agreement: Annotated[str, typer.Option(help="Agreement id or file.")],
    date_from: Annotated[
        str | None, typer.Option("--from", help="First day (default: the agreement's start).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day (default: its end, if it ended).")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Measure an agreement's access commitments from the stored convoys and sieges.

    People reached against the commitment, convoys approved and arrived,
    requests answered in the agreed time, days without access, and every
    obstruction with who did it (attacks take their incident's attribution).

    Example: trucewatch access report --agreement syria-2016-09-us-russia
    """
    from trucewatch.report.access import access_panel
    from trucewatch.service import access_report
    from trucewatch.store import Database

    try:
        report = access_report(
            Database(db),
            agreement,
            date_from=_day("--from", date_from),
            date_to=_day("--to", date_to),
        )
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(report.as_json())
    else:
        out.print(access_panel(report))
