"""The terminal view of truce health: effect, break dates, warnings, and the days."""

from __future__ import annotations

from datetime import date

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trucewatch.analytics.health import State
from trucewatch.service import HealthReport

_STYLE = {
    State.NOT_IN_EFFECT: "dim",
    State.HOLDING: "green",
    State.STRAINED: "yellow",
    State.COLLAPSING: "bold red",
    State.COLLAPSED: "bold white on red",
}


def print_health(
    console: Console,
    report: HealthReport,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> None:
    """Effect first (did it work?), then where it broke, the warnings, and each day."""
    h = report.health
    e = h.effect
    console.print(Text(f"Truce health: {report.agreement.title}", style="bold"))
    console.print(
        f"baseline: {e.baseline_per_day:.1f} party events/day over the {e.baseline_days} days "
        f"before {report.span.effect_day}; dispersion φ = {e.dispersion:.2f}"
    )
    verdict = {True: "HAD AN EFFECT", False: "NO CLEAR EFFECT", None: "EFFECT UNKNOWN"}[
        e.had_effect
    ]
    console.print(Text(f"{verdict}: {e.reason}", style="bold"))
    weeks = ", ".join(f"{w.label} {w.ratio:.2f}" for w in e.weeks if w.ratio is not None)
    if weeks:
        console.print(f"ratio to baseline by week: {weeks}")
    breaks = ", ".join(str(b) for b in h.break_dates) or "none found"
    console.print(f"break dates (level of party events changed): {breaks}")
    where = "; ".join(
        f"{area} {', '.join(str(d) for d in ds)}" for area, ds in h.break_dates_by_admin1.items()
    )
    console.print(f"where (break dates by admin1): {where or 'none found'}")
    warned = ", ".join(str(d.day) for d in h.warnings) or "none"
    console.print(Text(f"warnings: {warned}", style="bold red" if h.warnings else ""))
    t = Table(show_lines=False)
    for col in (
        "date",
        "state",
        "party events",
        "killed (best)",
        "spoiler",
        "ratio (7 days)",
        "why",
    ):
        t.add_column(col)
    for d, s in zip(h.days, report.series, strict=True):
        if (date_from and d.day < date_from) or (date_to and d.day > date_to):
            continue
        mark = " ⚠" if d.warning else ""
        t.add_row(
            str(d.day),
            Text(d.state.value + mark, style=_STYLE[d.state]),
            str(s.party_events),
            str(s.party_fatalities[1]),
            str(s.spoiler_events),
            "—" if d.trailing_ratio is None else f"{d.trailing_ratio:.2f}",
            d.reasons[-1] if d.reasons else "",
        )
    console.print(t)
    console.print(
        Text("method: `trucewatch health --json` carries it whole; docs/health.md", style="dim")
    )
