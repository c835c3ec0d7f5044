"""The report as Markdown: plain tables, no charts, same sections as the HTML."""

from __future__ import annotations

from trucewatch.access.compliance import CommitmentAccess
from trucewatch.analytics import health as rules
from trucewatch.report.document import Report


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def render_markdown(r: Report) -> str:
    """The whole report as Markdown text."""
    ev, h = r.evaluation, r.health.health
    e = h.effect
    out: list[str] = [
        f"# Monitoring report: {r.title}",
        "",
        f"Agreement `{r.agreement_id}` · period {r.start} to {r.end} ({r.period}) · "
        f"{len(r.incidents)} incidents in the period",
        "",
        "## Summary",
        "",
    ]
    state = r.state_on_end
    out.append(
        f"- **{r.violations} violation finding(s)** in the period; "
        f"{r.spoiler} incident(s) of spoiler activity and {r.permitted} permitted, counted apart."
    )
    if state is not None:
        out.append(f"- State on {state.day}: **{state.state.value}**. {state.reasons[-1]}")
    out.append(f"- Effect: {e.reason}.")
    breaks = ", ".join(str(b) for b in h.break_dates) or "none found"
    out.append(f"- Break dates (level of violence between the parties changed): {breaks}.")
    warned = [str(d.day) for d in h.warnings if r.start <= d.day <= r.end]
    out.append(f"- Warnings in the period: {', '.join(warned) or 'none'}.")
    if r.contests:
        out.append(
            f"- {len(r.contests)} incident(s) with contested responsibility; every claim is "
            "listed below."
        )
    out += ["", "## Change since the last report", ""]
    if r.previous is None:
        out.append("This report covers the whole period; there is no previous report to compare.")
    else:
        p0, p1 = r.previous
        parties = sorted({row.party for row in r.by_party} | set(r.by_party_before))
        now = {row.party: row.violations for row in r.by_party}
        out += _table(
            ["party", f"{p0} to {p1}", f"{r.start} to {r.end}", "change"],
            [
                [
                    p,
                    r.by_party_before.get(p, 0),
                    now.get(p, 0),
                    now.get(p, 0) - r.by_party_before.get(p, 0),
                ]
                for p in parties
            ]
            or [["—", 0, 0, 0]],
        )
    out += ["", "## Violations by party and obligation", ""]
    if r.by_party:
        out += _table(
            ["party", "violations", "of which contested or shared", "killed (best, incidents)"],
            [[row.party, row.violations, row.contested, row.fatalities] for row in r.by_party],
        )
        out.append("")
        out += _table(
            ["party", *r.obligations],
            [
                [p, *(_pair(r.matrix[p].get(ob, (0, 0))) for ob in r.obligations)]
                for p in sorted(r.matrix)
            ],
        )
        out.append("")
        out.append("Cells: violations attributed to the party alone (+ contested or shared).")
    else:
        out.append("No violations in the period.")
    out += ["", "## Contested incidents: every claim, and the replies", ""]
    if not r.contests:
        out.append("No contested incidents in the period.")
    for c in r.contests:
        i = c.incident
        shares = ", ".join(f"{a} {s:.2f}" for a, s in c.shares)
        out += [
            f"### {i.id} · {i.date} · {i.location.name or 'unknown place'}",
            "",
            f"{i.event_type} / {i.sub_event_type}; {i.fatalities.best} killed (best). "
            f"Attribution weights: {shares}.",
            "",
        ]
        out += _table(
            ["date", "claimant", "says", "about", "source (grade)", "text"],
            [
                [
                    cl.date,
                    cl.claimant,
                    cl.kind.value,
                    cl.subject or "–",
                    f"{cl.source} ({c.grades[cl.id]})",
                    cl.text,
                ]
                for cl in c.claims
            ],
        )
        for f in c.findings:
            if f.verdict.value in ("violation", "spoiler_activity"):
                who = (
                    ", ".join(f"{x.actor} {x.confidence:.2f}" for x in f.responsible)
                    or "no one identified"
                )
                out.append(f"\nFinding: `{f.obligation}` → **{f.verdict.value}** ({who}).")
        for reply in c.replies:
            out.append(
                f"\nReply by {reply.get('party')} on `{reply.get('obligation')}` "
                f"({reply.get('submitted_at')}): {reply.get('text')}"
            )
        out.append("")
    out += ["", "## Humanitarian access", ""]
    access = ev.access
    if access is None:
        out.append("No access events were given for this report.")
    else:
        for ca in access.commitments:
            out += _access(ca)
        if not access.commitments:
            out.append("The agreement has no access commitments.")
        others = [o for o in access.obstructions if o.event in access.other_events]
        if others:
            out += ["", "Other access events under this agreement:", ""]
            out += _table(
                ["convoy", "when", "what", "who (standing)"],
                [[o.event, o.since, o.status.value, o.standing] for o in others],
            )
    out += ["", "## Truce health and warnings", ""]
    out += _table(
        ["date", "state", "party events", "killed (best)", "spoiler events", "warning"],
        [
            [
                s.day,
                d.state.value,
                s.party_events,
                s.party_fatalities[1],
                s.spoiler_events,
                "⚠" if d.warning else "",
            ]
            for s, d in r.days
        ],
    )
    weeks = ", ".join(f"{w.label} {w.ratio:.2f}" for w in e.weeks if w.ratio is not None)
    out += ["", f"Ratio of party events to the baseline by in-effect week: {weeks or 'none'}."]
    where = "; ".join(
        f"{area}: {', '.join(str(d) for d in ds)}" for area, ds in h.break_dates_by_admin1.items()
    )
    out += ["", f"Break dates by admin1 (areas with enough events): {where or 'none found'}."]
    out += [
        "",
        "## Method and sources",
        "",
        f"Incidents are evaluated against each obligation of `{r.agreement_id}` (act, phase, "
        "zone, who, exemptions; docs/engine.md). Responsibility comes from the claims, weighed "
        "by source grade and independence; a denial never clears (docs/attribution.md). Health "
        f"compares party events with the {e.baseline_days} days before effect "
        f"({e.baseline_per_day:.2f}/day), quasi-Poisson intervals (φ = {e.dispersion:.2f}), "
        f"change points by PELT with a BIC penalty, a trailing {rules.TRAILING_DAYS}-day state "
        "judged on data up to each day (docs/health.md).",
        "",
    ]
    out += r.notes
    out += ["", "Sources (reliability A–F, provisional where marked):", ""]
    out += [
        f"- `{s.id}` {s.name} — {s.reliability.value}"
        for s in sorted(ev.sources, key=lambda s: s.id)
    ]
    if not ev.sources:
        out.append("- none given")
    out += ["", "Incidents in the period:", ""]
    out += [
        f"- `{i.id}` {i.date} {i.location.name or ''}: {i.source or 'no source recorded'}"
        for i in r.incidents
    ]
    return "\n".join(out).rstrip() + "\n"


def _pair(cell: tuple[int, int]) -> str:
    a, c = cell
    return f"{a}" + (f" (+{c})" if c else "") if a + c else "·"


def _access(c: CommitmentAccess) -> list[str]:
    target = f" of {c.target_people:,}" if c.target_people is not None else ""
    lines = [
        f"**{c.commitment.id}** ({c.commitment.standard}): **{c.status.replace('_', ' ')}** — "
        f"{c.people_reached:,}{target} people reached; {c.approved} convoy(s) approved, "
        f"{c.arrived} arrived.",
        "",
    ]
    lines += [f"- {reason}" for reason in c.reasons]
    if c.obstructions:
        lines += [""]
        lines += _table(
            ["convoy", "from", "to", "what", "who (standing)", "reason as stated"],
            [
                [
                    o.event,
                    o.since,
                    o.until,
                    o.status.value,
                    o.standing,
                    " / ".join(o.reasons) or "—",
                ]
                for o in c.obstructions
            ],
        )
    lines.append("")
    return lines
