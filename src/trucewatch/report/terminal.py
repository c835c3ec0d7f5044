"""Rich renderings of an evaluation for the terminal.

What an analyst reads first: who broke which obligation (with contested
responsibility kept apart), the incidents whose attribution is disputed with
every claim beside its source grade, and the day the truce broke down.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trucewatch.domain import AttributionStatus, Verdict
from trucewatch.records import IncidentRecord
from trucewatch.report.access import access_panel
from trucewatch.service import Evaluation

VERDICT_STYLE = {
    Verdict.VIOLATION: "bold red",
    Verdict.PERMITTED: "green",
    Verdict.SPOILER_ACTIVITY: "magenta",
    Verdict.BEFORE_EFFECT: "dim",
    Verdict.NOT_APPLICABLE: "dim",
}


def header(ev: Evaluation, provenance: str) -> Panel:
    """Agreement, phases and where the data comes from."""
    a = ev.agreement
    spans = a.phase_spans()
    lines = [
        Text(a.title, style="bold"),
        Text(f"id {a.id} · signed {a.signed} · brokers {', '.join(a.brokers)}"),
    ]
    for p in a.phases:
        if p.id in spans:
            s, e = spans[p.id]
            end = f"{e:%Y-%m-%d %H:%M}" if e else "open"
            lines.append(Text(f"phase {p.id}: {s:%Y-%m-%d %H:%M %z} → {end}"))
    lines.append(Text(provenance, style="italic"))
    return Panel(Group(*lines), title="trucewatch", border_style="blue")


def compliance_table(ev: Evaluation) -> Table:
    """Party × obligation: attributed violations, with contested/shared ones in brackets."""
    t = Table(
        title="Compliance: violations per party and obligation",
        caption="n (+m contested/shared): n attributed to the party alone, "
        "m where responsibility is contested or shared",
    )
    t.add_column("party")
    t.add_column("side")
    for ob in ev.matrix.obligations:
        t.add_column(ob, justify="right")
    for party, row in ev.matrix.rows.items():
        cells = [str(row[ob]) for ob in ev.matrix.obligations]
        t.add_row(
            party,
            ev.matrix.sides.get(party) or "–",
            *[Text(c, style="red" if c != "0" else "") for c in cells],
        )
    counts = ev.counts()
    t.add_section()
    t.add_row(
        "spoiler activity",
        "–",
        *[
            str(
                sum(
                    1
                    for f in ev.findings
                    if f.obligation == ob and f.verdict == Verdict.SPOILER_ACTIVITY
                )
            )
            for ob in ev.matrix.obligations
        ],
    )
    t.caption = (t.caption or "") + f"\nall findings: {counts}"
    return t


def incidents_table(ev: Evaluation) -> Table:
    """One line per incident: what happened and its verdicts."""
    t = Table(title="Incidents and verdicts", show_lines=False)
    t.add_column("date")
    t.add_column("id")
    t.add_column("what, where")
    t.add_column("verdicts")
    t.add_column("responsible")
    for inc in sorted(ev.incidents, key=lambda i: (i.date, i.id)):
        findings = [
            f
            for f in ev.findings_for(inc.id)
            if f.verdict != Verdict.NOT_APPLICABLE or f.broker_involved
        ]
        verdicts = Text()
        for f in findings:
            label = "broker act" if f.broker_involved else f.verdict.value
            style = "yellow" if f.broker_involved else VERDICT_STYLE[f.verdict]
            verdicts.append(f"{label}: {f.obligation}", style=style)
            verdicts.append("\n")
        verdicts.rstrip()
        if not findings:
            verdicts.append("not applicable", style="dim")
        for reply in (r for r in ev.replies if r["incident"] == inc.id):
            verdicts.append(
                f"\nreply from {reply['party']} on {reply['obligation']}: {reply['text']}",
                style="italic",
            )
        resp = sorted({r.actor for f in findings for r in f.responsible})
        status = {f.attribution_status for f in findings if f.responsible}
        who = ", ".join(resp) or "–"
        if AttributionStatus.CONTESTED in status:
            who += " (contested)"
        t.add_row(
            str(inc.date),
            inc.id,
            f"{inc.sub_event_type}, {inc.location.name} ({inc.fatalities.best} killed)",
            verdicts,
            who,
        )
    return t


def contested_panel(ev: Evaluation) -> Group:
    """Every incident with contested responsibility, with all its claims."""
    parts: list[Table | Text] = []
    by_id = {i.id: i for i in ev.incidents}
    contested = [a for a in ev.attributions.values() if a.status == AttributionStatus.CONTESTED]
    if not contested:
        return Group(Text("No contested attributions."))
    grades = {s.id: s for s in ev.sources}
    for attr in sorted(contested, key=lambda a: by_id[a.incident].date):
        inc = by_id[attr.incident]
        shares = ", ".join(f"{a} {attr.shares[a]:.2f}" for a in attr.leading())
        t = Table(
            title=f"{inc.id} · {inc.date} · {inc.location.name}: responsibility CONTESTED",
            caption=f"weights: {shares}",
            title_justify="left",
        )
        t.add_column("date")
        t.add_column("claimant")
        t.add_column("says")
        t.add_column("about")
        t.add_column("source (grade)")
        t.add_column("text")
        for c in ev.claims_for(inc.id):
            s = grades.get(c.source)
            grade = (
                f"{s.reliability.value}{c.credibility.value}" if s else f"?{c.credibility.value}"
            )
            t.add_row(
                str(c.date),
                c.claimant,
                c.kind.value,
                c.subject or "–",
                f"{c.source} ({grade})",
                c.text,
            )
        parts.append(t)
    return Group(*parts)


def broker_table(ev: Evaluation) -> Table | None:
    """Acts of a broker against a party: reported, not counted as a party's violation."""
    rows = [f for f in ev.findings if f.broker_involved]
    if not rows:
        return None
    t = Table(title="Acts by brokers (not counted as a party's violation)")
    t.add_column("incident")
    t.add_column("obligation")
    t.add_column("why")
    seen = set()
    for f in rows:
        if f.incident in seen:
            continue
        seen.add(f.incident)
        t.add_row(f.incident, f.obligation, f.reasons[-1])
    return t


def timeline_panel(ev: Evaluation) -> Panel:
    """Daily violence by the parties, the effective date and the detected breakdown."""
    b = ev.breakdown
    lines = []
    peak = max((d.party_fatalities for d in ev.days), default=0) or 1
    for d in ev.days:
        mark = ""
        if b.effective == d.day:
            mark = "  ◀ agreement takes effect (day counted on neither side)"
        if b.day == d.day:
            mark += "  ◀ BREAKDOWN detected"
        bar = "█" * round(20 * d.party_fatalities / peak)
        extra = f", spoiler acts {d.spoiler}" if d.spoiler else ""
        lines.append(
            Text(
                f"{d.day}  {bar:<20} {d.party_fatalities:>3} killed in {d.party_acts} "
                f"prohibited acts{extra}{mark}",
                style="bold red" if b.day == d.day else "",
            )
        )
    if b.day:
        verdict = (
            f"The truce broke down on {b.day}: from that day, killing in prohibited acts by "
            f"the parties stayed at or above its pre-truce level ({b.baseline:.1f} per day)."
        )
    else:
        verdict = "No breakdown detected in this data."
    lines.append(Text(verdict, style="bold"))
    lines.append(Text(f"rule: {b.rule}", style="dim"))
    return Panel(Group(*lines), title="Timeline: prohibited violence by the parties per day")


def print_evaluation(console: Console, ev: Evaluation, provenance: str) -> None:
    """The whole terminal report."""
    console.print(header(ev, provenance))
    console.print(compliance_table(ev))
    console.print(incidents_table(ev))
    console.print(Panel(contested_panel(ev), title="Contested responsibility: every claim kept"))
    brokers = broker_table(ev)
    if brokers is not None:
        console.print(brokers)
    console.print(timeline_panel(ev))
    if ev.access is not None:
        console.print(access_panel(ev.access))
    if ev.unresolved:
        console.print(
            Text(
                "Actor names not in the registry (kept, not attributed): "
                + ", ".join(sorted(ev.unresolved)),
                style="yellow",
            )
        )


def print_incident_record(console: Console, rec: IncidentRecord) -> None:
    """An incident with its reports' provenance, merges and audit history."""
    inc = rec.incident
    loc = inc.location
    actors = ", ".join(f"{a.name} → {a.id or 'UNRESOLVED'} ({a.role.value})" for a in inc.actors)
    console.print(
        Panel(
            Group(
                Text(f"{inc.id}: {inc.event_type} / {inc.sub_event_type}", style="bold"),
                Text(
                    f"date {inc.date} ({inc.date_precision}); {loc.name}, {loc.admin1 or '?'} "
                    f"({loc.latitude}, {loc.longitude}, geo precision {loc.geo_precision})"
                ),
                Text(
                    f"fatalities low/best/high {inc.fatalities.low}/{inc.fatalities.best}/"
                    f"{inc.fatalities.high}; tags: {', '.join(inc.tags) or '–'}"
                ),
                Text(f"actors: {actors or '–'}"),
                Text(
                    "admin units (loaded boundaries): "
                    + (
                        "; ".join(
                            f"admin{lv} {name} ({pcode})" for lv, pcode, name in rec.admin_units
                        )
                        or "none loaded / outside them"
                    )
                ),
                Text(inc.notes, style="italic"),
            ),
            title="incident",
        )
    )
    for r in rec.reports:
        t = Table(
            title=f"report {r['id']} · source {r['source_id']} ({r['source_name']}, "
            f"reliability {r['reliability']}) · record {r['external_id']}",
            caption=f"file {r['file']} · sha256 {r['file_sha256']} · line {r['row']}",
            title_justify="left",
        )
        t.add_column("column")
        t.add_column("original value")
        for k, v in r["original"].items():
            if v not in ("", None):
                t.add_row(k, str(v))
        console.print(t)
    for m in rec.merges:
        state = f"undone {m['undone_at']} by {m['undone_by']}" if m["undone_at"] else "active"
        console.print(
            Text(
                f"merge: report {m['report_id']} joined this incident "
                f"(score {m['score']:.2f}, {state})",
                style="bold",
            )
        )
        for reason in m["reasons"]:
            console.print(Text(f"  · {reason}"))
    if rec.history:
        console.print(Text("audit history:", style="bold"))
        for h in rec.history:
            console.print(
                Text(
                    f"  {h['at']} {h['user_name']} {h['action']} {h['entity_type']} "
                    f"{h['entity_id']}" + (f" — {h['note']}" if h["note"] else "")
                )
            )
    if rec.replies:
        console.print(Text("replies (right of reply):", style="bold"))
        for r in rec.replies:
            console.print(
                Text(
                    f"  {r['submitted_at']} {r['party']} on {r['agreement_id']} / "
                    f"{r['obligation']} (entered by {r['user_name']}): {r['text']}"
                )
            )
