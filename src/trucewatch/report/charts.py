"""Static SVG charts for reports: drawn here, no library, no network, fine in greyscale.

Each function returns one self-contained ``<svg>`` element.  Meaning never
rests on colour alone: phases are hatched, verdicts have shapes as well as
colours, heatmap cells carry their numbers, so a report printed in black and
white says the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from trucewatch.access.compliance import CommitmentAccess
from trucewatch.analytics.health import DayHealth, State
from trucewatch.analytics.series import DaySeries

_FONT = 'font-family="Helvetica, Arial, sans-serif" font-size="11"'
_STATE_FILL = {
    State.NOT_IN_EFFECT: "#ffffff",
    State.HOLDING: "#d9d9d9",
    State.STRAINED: "#969696",
    State.COLLAPSING: "#525252",
    State.COLLAPSED: "#000000",
}


def series_chart(
    days: Sequence[tuple[DaySeries, DayHealth]],
    *,
    baseline: float,
    phases: Sequence[tuple[str, date, date | None]],
    breaks: Sequence[date],
    width: int = 720,
    height: int = 240,
) -> str:
    """Party events per day (bars), spoiler events (dots), baseline, phases, breaks, states."""
    if not days:
        return _empty(width, "no days in this period")
    left, right, top, bottom = 40, 10, 20, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([baseline, *(max(s.party_events, s.spoiler_events) for s, _ in days), 1.0])
    n = len(days)
    step = plot_w / n

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    index = {s.day: i for i, (s, _) in enumerate(days)}
    parts = [_svg_open(width, height), _hatch()]
    for name, start, end in phases:
        i0 = index.get(start, 0 if start < days[0][0].day else None)
        last = end if end is not None else days[-1][0].day
        i1 = index.get(last, n - 1 if last > days[-1][0].day else None)
        if i0 is None or i1 is None or i1 < i0:
            continue
        parts.append(
            f'<rect x="{x(i0):.1f}" y="{top}" width="{(i1 - i0 + 1) * step:.1f}" '
            f'height="{plot_h}" fill="url(#hatch)" stroke="#999"/>'
            f'<text x="{x(i0) + 2:.1f}" y="{top - 6}" {_FONT}>{escape(name)}</text>'
        )
    for i, (s, h) in enumerate(days):
        bar = s.party_events
        parts.append(
            f'<rect x="{x(i) + 1:.1f}" y="{y(bar):.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{plot_h - (y(bar) - top):.1f}" fill="#333"><title>{s.day}: {bar} party '
            f"events, {s.party_fatalities[1]} killed (best)</title></rect>"
        )
        if s.spoiler_events:
            parts.append(
                f'<circle cx="{x(i) + step / 2:.1f}" cy="{y(s.spoiler_events):.1f}" r="3" '
                f'fill="#fff" stroke="#000"><title>{s.day}: {s.spoiler_events} spoiler '
                "events</title></circle>"
            )
        parts.append(
            f'<rect x="{x(i):.1f}" y="{height - bottom + 22}" width="{step:.1f}" height="10" '
            f'fill="{_STATE_FILL[h.state]}" stroke="#000" stroke-width="0.3">'
            f"<title>{s.day}: {h.state.value}</title></rect>"
        )
        if h.warning:
            cx = x(i) + step / 2
            parts.append(
                f'<path d="M{cx - 4:.1f},{height - bottom + 44} L{cx + 4:.1f},'
                f'{height - bottom + 44} L{cx:.1f},{height - bottom + 36} Z" fill="#000">'
                f"<title>warning on {s.day}</title></path>"
            )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{y(baseline):.1f}" y2="{y(baseline):.1f}" '
        'stroke="#000" stroke-dasharray="6 3"/>'
        f'<text x="{width - right - 4}" y="{y(baseline) - 3:.1f}" text-anchor="end" {_FONT}>'
        f"baseline {baseline:.1f}/day</text>"
    )
    for b in breaks:
        if b in index:
            bx = x(index[b])
            near_right = bx > width - 120
            anchor = 'text-anchor="end" ' if near_right else ""
            tx = bx - 3 if near_right else bx + 3
            parts.append(
                f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{top}" y2="{top + plot_h}" '
                f'stroke="#000" stroke-width="2"/><text x="{tx:.1f}" y="{top + 12}" '
                f"{anchor}{_FONT}>break {b}</text>"
            )
    parts.append(_axis(left, top, plot_h, peak))
    for i, (s, _) in enumerate(days):
        if n <= 16 or i % max(n // 8, 1) == 0:
            parts.append(
                f'<text x="{x(i) + step / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
                f"{_FONT}>{s.day.strftime('%d %b')}</text>"
            )
    parts.append(
        f'<text x="{left}" y="{height - 4}" {_FONT}>bars: party events · circles: spoiler '
        "events · strip: state (white not in effect → black collapsed) · ▲ warning</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def heatmap(matrix: dict[str, dict[str, tuple[int, int]]], obligations: Sequence[str]) -> str:
    """Party × obligation violations; darker = more; each cell shows 'sole (+contested)'."""
    parties = sorted(matrix)
    if not parties:
        return _empty(400, "no violations in this period")
    cell_w, cell_h, left, top = 110, 26, 150, 50
    width = left + cell_w * len(obligations) + 10
    height = top + cell_h * len(parties) + 10
    peak = max((a + c for row in matrix.values() for a, c in row.values()), default=1) or 1
    parts = [_svg_open(width, height)]
    for j, ob in enumerate(obligations):
        tx = left + j * cell_w + cell_w / 2
        words = ob.split("-")
        lines, current = [], ""
        for w in words:  # wrap at hyphens so labels stay horizontal and inside the cell
            candidate = f"{current}-{w}" if current else w
            if len(candidate) > 15 and current:
                lines.append(current + "-")
                current = w
            else:
                current = candidate
        lines.append(current)
        spans = "".join(
            f'<tspan x="{tx:.1f}" dy="{0 if n == 0 else 13}">{escape(t)}</tspan>'
            for n, t in enumerate(lines)
        )
        first_y = top - 8 - 13 * (len(lines) - 1)
        parts.append(f'<text y="{first_y}" text-anchor="middle" {_FONT}>{spans}</text>')
    for i, party in enumerate(parties):
        ty = top + i * cell_h
        parts.append(
            f'<text x="{left - 6}" y="{ty + cell_h / 2 + 4:.1f}" text-anchor="end" {_FONT}>'
            f"{escape(party)}</text>"
        )
        for j, ob in enumerate(obligations):
            a, c = matrix[party].get(ob, (0, 0))
            level = (a + c) / peak
            grey = int(255 - 200 * level)
            ink = "#fff" if grey < 120 else "#000"
            label = f"{a}" + (f" (+{c})" if c else "") if a + c else "·"
            parts.append(
                f'<rect x="{left + j * cell_w}" y="{ty}" width="{cell_w}" height="{cell_h}" '
                f'fill="rgb({grey},{grey},{grey})" stroke="#fff"/>'
                f'<text x="{left + j * cell_w + cell_w / 2}" y="{ty + cell_h / 2 + 4:.1f}" '
                f'text-anchor="middle" fill="{ink}" {_FONT}>{label}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def access_funnel(c: CommitmentAccess, width: int = 520) -> str:
    """Convoys recorded → approved → arrived, and people reached against the target."""
    stages = [
        ("convoys recorded", len(c.events)),
        ("approved / set out", c.approved),
        ("arrived", c.arrived),
    ]
    top, bar_h, left = 10, 22, 150
    height = top + (len(stages) + 2) * (bar_h + 8) + 10
    peak = max(len(c.events), 1)
    parts = [_svg_open(width, height)]
    for i, (label, value) in enumerate(stages):
        w = (width - left - 60) * value / peak
        yy = top + i * (bar_h + 8)
        parts.append(
            f'<text x="{left - 6}" y="{yy + 15}" text-anchor="end" {_FONT}>{label}</text>'
            f'<rect x="{left}" y="{yy}" width="{max(w, 1):.1f}" height="{bar_h}" fill="#555"/>'
            f'<text x="{left + max(w, 1) + 4:.1f}" y="{yy + 15}" {_FONT}>{value}</text>'
        )
    target = c.target_people or 0
    yy = top + len(stages) * (bar_h + 8) + 8
    share = (c.people_reached / target) if target else 0.0
    full = width - left - 60
    parts.append(
        f'<text x="{left - 6}" y="{yy + 15}" text-anchor="end" {_FONT}>people reached</text>'
        f'<rect x="{left}" y="{yy}" width="{full}" height="{bar_h}" fill="#fff" stroke="#000"/>'
        f'<rect x="{left}" y="{yy}" width="{full * min(share, 1):.1f}" height="{bar_h}" '
        'fill="#000"/>'
        f'<text x="{left + 4}" y="{yy + bar_h + 14}" {_FONT}>{c.people_reached:,} of '
        f"{target:,} ({share:.0%})</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    )


def _hatch() -> str:
    return (
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#ccc" '
        'stroke-width="2"/></pattern></defs>'
    )


def _axis(left: int, top: int, plot_h: int, peak: float) -> str:
    ticks = []
    for k in range(5):
        v = peak * k / 4
        yy = top + plot_h - v / peak * plot_h
        ticks.append(
            f'<line x1="{left - 3}" x2="{left}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#000"/>'
            f'<text x="{left - 5}" y="{yy + 4:.1f}" text-anchor="end" {_FONT}>{v:.0f}</text>'
        )
    return (
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#000"/>'
        + "".join(ticks)
    )


def _empty(width: int, text: str) -> str:
    return f'{_svg_open(width, 30)}<text x="4" y="18" {_FONT}>{escape(text)}</text></svg>'
