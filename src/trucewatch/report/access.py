"""The access section of the terminal report, and the access commands' tables.

Leads with the measure a broker would ask for first — how many of the people
the commitment was for were reached — then who stood in the way, each with
their standing under the agreement and the reason as they stated it.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trucewatch.access.compliance import AccessReport, CommitmentAccess, Obstruction
from trucewatch.domain.access import AccessEvent, Siege

_STATUS_STYLE = {"met": "green", "not_met": "bold red", "no_data": "yellow"}


def access_panel(report: AccessReport) -> Panel:
    """Every access commitment of the agreement, measured, with its obstructions."""
    parts: list[Text | Group] = [
        Text(f"Period: {report.start} to {report.end} (local days the agreement was in force)")
    ]
    for c in report.commitments:
        parts.extend(_commitment(c))
    if not report.commitments:
        parts.append(Text("The agreement has no access commitments.", style="yellow"))
    if report.obstructions:
        counts = ", ".join(f"{party} {n}" for party, n in sorted(report.by_party.items()))
        parts.append(Text(f"All obstructions in the period, by party: {counts}", style="bold"))
    others = [o for o in report.obstructions if o.event in report.other_events]
    if others:
        parts.append(Text("Other access events under this agreement:", style="bold"))
        parts.append(obstruction_table(others))
    return Panel(Group(*parts), title="Humanitarian access: measured from convoy histories")


def _commitment(c: CommitmentAccess) -> list[Text | Group]:
    style = _STATUS_STYLE.get(c.status, "")
    target = f" of {c.target_people:,}" if c.target_people is not None else ""
    head = Text.assemble(
        (f"{c.commitment.id}", "bold"),
        f" ({c.commitment.standard}; obligation {', '.join(c.obligations) or '—'}): ",
        (c.status.replace("_", " ").upper(), style),
        f" — {c.people_reached:,}{target} people reached" if c.status != "no_data" else "",
    )
    lines: list[Text | Group] = [head]
    for a in c.areas if c.status != "no_data" else []:
        besieged = f"; besieged by {', '.join(a.besieged_by)}" if a.besieged_by else ""
        lines.append(
            Text(
                f"  {a.name}: {a.people_reached:,} reached, {a.arrived} of {len(a.events)} "
                f"convoy(s) arrived, {a.days_without_access} of {a.days} days without access"
                f"{besieged}" + (f" ({a.population_note})" if a.population_note else "")
            )
        )
    for reason in c.reasons:
        lines.append(Text(f"  · {reason}", style="dim"))
    if c.obstructions:
        lines.append(obstruction_table(c.obstructions))
    return lines


def obstruction_table(obstructions: list[Obstruction]) -> Group:
    """Who obstructed which convoy, when, and the reason as stated; readable at 80 columns."""
    lines: list[Text] = []
    for o in obstructions:
        when = str(o.since) if o.since == o.until else f"{o.since} to {o.until}"
        reports = f", {o.steps} reports" if o.steps > 1 else ""
        details = [x for x in (o.constraint, o.incident and f"incident {o.incident}") if x]
        lines.append(
            Text.assemble(
                ("  ▸ ", "bold"),
                (o.event, "bold"),
                f": {o.status.value} {when}{reports} — ",
                (o.standing, "bold red" if o.party.startswith("side ") else "bold"),
                f" [{'; '.join(details)}]" if details else "",
            )
        )
        if o.attribution:
            lines.append(Text(f"      attribution of the incident: {o.attribution}", style="dim"))
        for r in o.reasons:
            lines.append(Text(f"      as stated: {r}"))
    return Group(*lines)


def events_table(events: list[AccessEvent]) -> Table:
    """Access events, one row each, for ``trucewatch access list``."""
    t = Table(title=f"{len(events)} access event(s)")
    t.add_column("id", no_wrap=True)
    t.add_column("status")
    t.add_column("to")
    t.add_column("planned", justify="right")
    t.add_column("reached", justify="right")
    t.add_column("last step", no_wrap=True)
    for e in events:
        reached = e.people_reached
        t.add_row(
            e.id,
            f"{e.kind.value}: {e.status.value}",
            e.destination,
            f"{e.planned_beneficiaries:,}" if e.planned_beneficiaries is not None else "—",
            "unknown" if reached is None else f"{reached:,}",
            str(e.history[-1].date),
        )
    return t


def sieges_table(records: list[Siege]) -> Table:
    """Siege records, one row each, for ``trucewatch access sieges``."""
    t = Table(title=f"{len(records)} siege record(s)")
    t.add_column("area (id)")
    t.add_column("kind")
    for col in ("from", "to", "population"):
        t.add_column(col, no_wrap=True)
    t.add_column("besieged by")
    for s in records:
        if s.population is None:
            pop = "unknown"
        else:
            high = f"–{s.population_high:,}" if s.population_high else ""
            pop = f"{s.population:,}{high}"
        t.add_row(
            f"{s.name or s.area}\n({s.id})",
            s.kind.value.replace("_", " "),
            str(s.start or "unknown"),
            str(s.end or "ongoing"),
            pop,
            ", ".join(s.besieged_by) or "not named",
        )
    return t


def print_event(console: Console, event: AccessEvent, history: list[dict[str, object]]) -> None:
    """One access event: what it was, each step, and its audit trail."""
    planned = (
        f"{event.planned_beneficiaries:,}" if event.planned_beneficiaries is not None else "unknown"
    )
    console.print(
        Panel(
            Group(
                Text(f"{event.kind.value} by {event.organisation}", style="bold"),
                Text(
                    f"from {event.origin or 'origin not recorded'} to {event.destination}"
                    + (f" via {event.route}" if event.route else "")
                ),
                Text(
                    f"planned beneficiaries: {planned}; trucks: {event.trucks or '—'}; "
                    f"cargo: {event.cargo or '—'}; agreement: {event.agreement or '—'}"
                ),
                Text(f"status: {event.status.value}", style="bold"),
            ),
            title=f"access event {event.id}",
        )
    )
    t = Table(title="history", show_lines=True, expand=True)
    for col in ("#", "date", "status", "actor", "reason as stated", "source / note"):
        t.add_column(col)
    for i, c in enumerate(event.history):
        status = c.status.value + (f"\n{c.constraint.value}" if c.constraint else "")
        if c.people_reached is not None:
            status += f"\n{c.people_reached:,} reached"
        if c.incident:
            status += f"\nincident {c.incident}"
        extra = "\n".join(x for x in (c.source, c.note, c.over_plan_reason) if x)
        t.add_row(str(i), str(c.date), status, c.actor or "—", c.reason or "—", extra or "—")
    console.print(t)
    for s in event.sources:
        console.print(Text(f"source: {s}", style="dim"))
    for n in event.notes:
        console.print(Text(f"note: {n}", style="dim"))
    if history:
        console.print(Text("audit:", style="bold"))
        for h in history:
            console.print(
                Text(f"  {h['at']}  {h['user_name']}  {h['action']}  {h.get('note') or ''}")
            )
