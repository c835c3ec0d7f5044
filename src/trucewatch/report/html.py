"""The report as one self-contained HTML file: inline CSS and SVG, no network, prints to PDF.

Nothing is fetched: no fonts, scripts, stylesheets or images from elsewhere,
so the file opens the same on an air-gapped laptop and its content cannot
change after it is written.  The Markdown rendering is converted section by
section from the same :class:`~trucewatch.report.document.Report`, so the two
formats say the same; the HTML adds the charts and the map.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from zoneinfo import ZoneInfo

from trucewatch.geo.gazetteer import Gazetteer
from trucewatch.report import charts, maps
from trucewatch.report.document import Report
from trucewatch.report.markdown import render_markdown

_CSS = """
body { font-family: Helvetica, Arial, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #000; line-height: 1.4; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #000; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #999; }
h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .85rem; }
th, td { border: 1px solid #999; padding: .2rem .4rem; vertical-align: top; text-align: left; }
th { background: #eee; }
figure { margin: 1rem 0; }
figcaption { font-size: .8rem; color: #333; }
code { font-size: .9em; }
@media print {
  body { margin: 0; max-width: none; }
  h2 { page-break-after: avoid; }
  figure, table { page-break-inside: avoid; }
}
"""


def render_html(r: Report) -> str:
    """The whole report as one HTML document."""
    body = _markdown_to_html(render_markdown(r))
    by_heading: dict[str, list[str]] = {}
    for heading, svg in _figures(r):
        by_heading.setdefault(heading, []).append(svg)
    # Charts close the section they illustrate, after its text, in order.
    for heading, svgs in by_heading.items():
        marker = f"<h2>{escape(heading)}</h2>"
        at = body.find(marker)
        if at < 0:
            continue
        end = body.find("<h2>", at + len(marker))
        end = len(body) if end < 0 else end
        body = body[:end] + "".join(svgs) + body[end:]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(r.title)} — monitoring report {r.start} to {r.end}</title>"
        '<meta name="generator" content="trucewatch">'
        f"<style>{_CSS}</style></head><body>{body}</body></html>\n"
    )


_CAPTIONS = {
    "series": "Party events per day against the pre-agreement baseline, with the agreement's "
    "phases (hatched), detected break dates and the daily state.",
    "map": "Incidents of the period by verdict, with the agreement's zones and routes "
    "(boundaries where loaded; otherwise a frame and labelled places).",
    "heatmap": "Violations by party and obligation: attributed alone (+ contested or shared).",
}


def _figures(r: Report) -> list[tuple[str, str]]:
    ev, hr = r.evaluation, r.health
    tz = ZoneInfo(ev.agreement.timezone)
    phases = []
    for phase_id, (start, end) in ev.agreement.phase_spans().items():
        last = None if end is None else (end - timedelta(microseconds=1)).astimezone(tz).date()
        phases.append((phase_id, start.astimezone(tz).date(), last))
    series = charts.series_chart(
        r.days,
        baseline=hr.health.effect.baseline_per_day,
        phases=phases,
        breaks=hr.health.break_dates,
    )
    ids = {i.id for i in r.incidents}
    findings = [f for f in ev.findings if f.incident in ids]
    picture = maps.build_map(
        ev.agreement,
        r.incidents,
        findings,
        admin=r.admin,
        places=Gazetteer.shipped().places,
        width=720,
        height=520,
    )
    located = maps.to_svg(picture)
    out = [
        ("Summary", _figure(series, _CAPTIONS["series"])),
        ("Summary", _figure(located, _CAPTIONS["map"])),
        (
            "Violations by party and obligation",
            _figure(charts.heatmap(r.matrix, r.obligations), _CAPTIONS["heatmap"]),
        ),
    ]
    if ev.access is not None:
        for c in ev.access.commitments:
            caption = f"{c.commitment.id}: from convoys recorded to people reached."
            out.append(("Humanitarian access", _figure(charts.access_funnel(c), caption)))
    return out


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _markdown_to_html(text: str) -> str:
    """The small Markdown subset ``render_markdown`` writes: headings, lists, tables, emphasis."""
    html: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            html.append(_table(rows))
            continue
        if line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            html.append("<ul>" + "".join(items) + "</ul>")
            continue
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            html.append(f"<h{level}>{escape(line[level:].strip())}</h{level}>")
        elif line.strip():
            html.append(f"<p>{_inline(line)}</p>")
        i += 1
    return "\n".join(html)


def _table(rows: list[str]) -> str:
    def cells(row: str) -> list[str]:
        inner = row.strip()[1:-1]
        parts, current, escaped = [], "", False
        for ch in inner:
            if escaped:
                current += ch
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == "|":
                parts.append(current.strip())
                current = ""
            else:
                current += ch
        parts.append(current.strip())
        return parts

    head = "".join(f"<th>{_inline(c)}</th>" for c in cells(rows[0]))
    body = "".join(
        "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in cells(row)) + "</tr>" for row in rows[2:]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _inline(text: str) -> str:
    out = escape(text)
    for mark, tag in (("**", "strong"), ("`", "code")):
        pieces = out.split(mark)
        if len(pieces) % 2 == 1:
            out = "".join(p if n % 2 == 0 else f"<{tag}>{p}</{tag}>" for n, p in enumerate(pieces))
    return out
