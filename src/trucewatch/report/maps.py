"""Static maps of zones and incidents by verdict, and of control, drawn offline as SVG or PNG.

One drawing, two renderers: :func:`build_map` turns the agreement's zones, the
loaded boundaries (if any) and the incidents into primitives in pixel
coordinates; :func:`to_svg` and :func:`to_png` (Pillow) only paint them, so
both files show the same thing.  No tiles, no network.  Without boundaries the
map draws a frame and labels known places (from the gazetteer) instead.

Verdicts have shapes as well as colours (● violation, ■ spoiler activity,
▲ other), so a greyscale print reads the same.  The projection is
equirectangular with longitude scaled by cos(latitude) at the map's centre —
true to within a few percent across a country the size of Syria.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from typing import Any

from shapely.geometry import LineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from trucewatch.domain import Agreement, Finding, Incident, Verdict
from trucewatch.geo.boundaries import AdminIndex
from trucewatch.geo.gazetteer import Place
from trucewatch.geo.zones import ZoneIndex

VERDICT_STYLE = {
    Verdict.VIOLATION: ("circle", "#b2182b"),
    Verdict.SPOILER_ACTIVITY: ("square", "#2166ac"),
}
OTHER_STYLE = ("triangle", "#999999")


@dataclass(frozen=True)
class Mark:
    """One thing to paint, in pixels."""

    kind: str  # "polygon", "line", "marker", "text"
    points: tuple[tuple[float, float], ...]
    stroke: str = "#000000"
    fill: str | None = None
    width: float = 1.0
    dashed: bool = False
    shape: str = "circle"
    text: str = ""
    title: str = ""


@dataclass
class MapPicture:
    """A map ready to paint."""

    width: int
    height: int
    marks: list[Mark] = field(default_factory=list)
    legend: str = ""
    swatches: list[tuple[str, str]] = field(default_factory=list)  # (colour, label): a key


def build_map(
    agreement: Agreement,
    incidents: Sequence[Incident],
    findings: Iterable[Finding],
    *,
    zones: ZoneIndex | None = None,
    admin: AdminIndex | None = None,
    places: Sequence[Place] = (),
    width: int = 800,
    height: int = 600,
) -> MapPicture:
    """Zones, boundaries (or a frame and place labels) and incidents by their worst verdict."""
    zones = zones or ZoneIndex(agreement.zones)
    worst = _worst_verdicts(findings)
    located = [i for i in incidents if i.location.latitude is not None]
    geoms = [(zid, g) for zid, g in zones.geometries.items() if g is not None and "@" not in zid]
    lons = [i.location.longitude for i in located] + [
        c for _, g in geoms for c in (g.bounds[0], g.bounds[2])
    ]
    lats = [i.location.latitude for i in located] + [
        c for _, g in geoms for c in (g.bounds[1], g.bounds[3])
    ]
    pic = MapPicture(width, height)
    if not lons:
        pic.marks.append(Mark("text", ((10.0, 20.0),), text="nothing located to map"))
        return pic
    pad = 0.15
    lon0, lon1, lat0, lat1 = min(lons) - pad, max(lons) + pad, min(lats) - pad, max(lats) + pad
    k = math.cos(math.radians((lat0 + lat1) / 2))
    margin, bottom = 12.0, 40.0
    scale = min(
        (width - 2 * margin) / ((lon1 - lon0) * k), (height - margin - bottom) / (lat1 - lat0)
    )

    def px(lon: float, lat: float) -> tuple[float, float]:
        return margin + (lon - lon0) * k * scale, margin + (lat1 - lat) * scale

    view = box(lon0, lat0, lon1, lat1)
    if admin is not None and admin.levels:
        level = min(admin.levels)
        for unit in admin.units:
            if unit.level == level and unit.geometry.intersects(view):
                clipped = unit.geometry.intersection(view)
                pic.marks += _polygons(clipped, px, stroke="#bbbbbb", width=0.8)
                c = clipped.representative_point()
                pic.marks.append(Mark("text", (px(c.x, c.y),), stroke="#888888", text=unit.name))
    else:
        pic.marks.append(
            Mark(
                "polygon",
                (px(lon0, lat0), px(lon1, lat0), px(lon1, lat1), px(lon0, lat1)),
                stroke="#999999",
            )
        )
        for p in places:
            if p.kind == "city" and lon0 <= p.longitude <= lon1 and lat0 <= p.latitude <= lat1:
                x, y = px(p.longitude, p.latitude)
                pic.marks.append(Mark("marker", ((x, y),), shape="dot", fill="#666666"))
                pic.marks.append(Mark("text", ((x + 4, y + 12),), stroke="#555555", text=p.name))
    for zid, g in geoms:
        pic.marks += _polygons(g.intersection(view), px, stroke="#000000", width=1.5, dashed=True)
        c = g.representative_point()
        name = agreement.zones[[z.id for z in agreement.zones].index(zid)].name or zid
        pic.marks.append(Mark("text", (px(c.x, c.y),), text=name))
    labelled: set[str] = set()
    for incident in located:
        verdict = worst.get(incident.id)
        shape, colour = VERDICT_STYLE.get(verdict, OTHER_STYLE) if verdict else OTHER_STYLE
        x, y = px(incident.location.longitude, incident.location.latitude)
        what = verdict.value if verdict else "no verdict"
        pic.marks.append(
            Mark(
                "marker",
                ((x, y),),
                fill=colour,
                shape=shape,
                title=f"{incident.id} {incident.date} {incident.location.name or ''}: {what}",
            )
        )
        name = incident.location.name or ""
        if name and name not in labelled and len(labelled) < 12:
            labelled.add(name)
            pic.marks.append(Mark("text", ((x + 6, y - 6),), text=name))
    pic.legend = (
        "● violation · ■ spoiler activity · ▲ other (before effect, permitted, not applicable) · "
        "dashed: zones" + (" · grey: admin boundaries" if admin is not None else "")
    )
    return pic


def to_svg(pic: MapPicture) -> str:
    """The map as one SVG element."""
    font = 'font-family="Helvetica, Arial, sans-serif" font-size="11"'
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{pic.width}" height="{pic.height}" '
        f'viewBox="0 0 {pic.width} {pic.height}" role="img">'
        '<rect width="100%" height="100%" fill="#fff"/>'
    ]
    for m in pic.marks:
        title = f"<title>{escape(m.title)}</title>" if m.title else ""
        if m.kind in ("polygon", "line"):
            d = " ".join(
                f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(m.points)
            )
            close = " Z" if m.kind == "polygon" else ""
            dash = ' stroke-dasharray="5 3"' if m.dashed else ""
            out.append(
                f'<path d="{d}{close}" fill="{m.fill or "none"}" stroke="{m.stroke}" '
                f'stroke-width="{m.width}"{dash}/>'
            )
        elif m.kind == "marker":
            (x, y) = m.points[0]
            if m.shape == "square":
                out.append(
                    f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
                    f'fill="{m.fill}" stroke="#000">{title}</rect>'
                )
            elif m.shape == "triangle":
                out.append(
                    f'<path d="M{x:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 4:.1f} '
                    f'L{x - 5:.1f},{y + 4:.1f} Z" fill="{m.fill}" stroke="#000">{title}</path>'
                )
            else:
                r = 2.5 if m.shape == "dot" else 4.5
                out.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{m.fill}" '
                    f'stroke="#000">{title}</circle>'
                )
        elif m.kind == "text":
            (x, y) = m.points[0]
            out.append(
                f'<text x="{x:.1f}" y="{y:.1f}" fill="{m.stroke}" {font}>{escape(m.text)}</text>'
            )
    x = 10.0
    for colour, label in pic.swatches:
        out.append(
            f'<rect x="{x:.1f}" y="{pic.height - 32}" width="12" height="10" fill="{colour}" '
            f'stroke="#333"/><text x="{x + 16:.1f}" y="{pic.height - 23}" {font}>'
            f"{escape(label)}</text>"
        )
        x += 24 + 6.5 * len(label)
    legend_y = pic.height - (8 if pic.swatches else 12)
    out.append(f'<text x="10" y="{legend_y}" {font}>{escape(pic.legend)}</text></svg>')
    return "".join(out)


def to_png(pic: MapPicture) -> bytes:
    """The map as PNG bytes (Pillow), the same marks as :func:`to_svg`."""
    from PIL import Image, ImageDraw, ImageFont

    scale = 2  # draw at twice the size: crisp when printed
    image = Image.new("RGB", (pic.width * scale, pic.height * scale), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=11 * scale)

    def s(p: tuple[float, float]) -> tuple[float, float]:
        return p[0] * scale, p[1] * scale

    for m in pic.marks:
        pts = [s(p) for p in m.points]
        if m.kind in ("polygon", "line"):
            if m.dashed:
                _dashed(
                    draw,
                    pts + ([pts[0]] if m.kind == "polygon" else []),
                    m.stroke,
                    int(m.width * scale),
                )
            elif m.kind == "polygon":
                draw.polygon(pts, outline=m.stroke, fill=m.fill, width=max(int(m.width * scale), 1))
            else:
                draw.line(pts, fill=m.stroke, width=int(m.width * scale))
        elif m.kind == "marker":
            _marker(draw, pts[0][0], pts[0][1], m.shape, m.fill or "#000000")
        elif m.kind == "text":
            draw.text(pts[0], m.text, fill=m.stroke, font=font, anchor="ls")
    if pic.swatches:
        _swatch_legend(draw, pic, scale, font)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    # The default bitmap font has no ● ■ ▲: draw the legend's markers instead.
    x, y = 14.0 * scale, (pic.height - 16) * scale
    for shape, colour, label in (
        ("circle", VERDICT_STYLE[Verdict.VIOLATION][1], "violation"),
        ("square", VERDICT_STYLE[Verdict.SPOILER_ACTIVITY][1], "spoiler activity"),
        ("triangle", OTHER_STYLE[1], "other (before effect, permitted, not applicable)"),
    ):
        _marker(draw, x, y, shape, colour)
        draw.text((x + 14, y + 8), label, fill="#000000", font=font, anchor="ls")
        x += 14 + draw.textlength(label, font=font) + 24
    rest = pic.legend.split("dashed:", 1)[-1]
    draw.text((x, y + 8), "dashed:" + rest, fill="#000000", font=font, anchor="ls")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _swatch_legend(draw: Any, pic: MapPicture, scale: int, font: Any) -> None:
    x, y = 10.0 * scale, (pic.height - 32) * scale
    for colour, label in pic.swatches:
        draw.rectangle((x, y, x + 12 * scale, y + 10 * scale), fill=colour, outline="#333333")
        draw.text((x + 16 * scale, y + 9 * scale), label, fill="#000000", font=font, anchor="ls")
        x += 16 * scale + draw.textlength(label, font=font) + 12 * scale
    draw.text(
        (10.0 * scale, (pic.height - 8) * scale), pic.legend, fill="#000000", font=font, anchor="ls"
    )


def _marker(draw: Any, x: float, y: float, shape: str, fill: str) -> None:
    if shape == "square":
        draw.rectangle((x - 8, y - 8, x + 8, y + 8), fill=fill, outline="#000000")
    elif shape == "triangle":
        draw.polygon([(x, y - 10), (x + 10, y + 8), (x - 10, y + 8)], fill=fill, outline="#000000")
    else:
        r = 5 if shape == "dot" else 9
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline="#000000")


def _polygons(geom: BaseGeometry, px: object, **style: object) -> list[Mark]:
    parts = (
        list(geom.geoms)
        if isinstance(geom, MultiPolygon)
        else [geom]
        if isinstance(geom, Polygon)
        else []
    )
    return [
        Mark("polygon", tuple(px(x, y) for x, y in p.exterior.coords), **style)  # type: ignore[operator, arg-type]
        for p in parts
        if not p.is_empty
    ]


def _dashed(draw: object, pts: list[tuple[float, float]], colour: str, width: int) -> None:
    dash, gap = 10.0, 6.0
    for (x0, y0), (x1, y1) in pairwise(pts):
        length = math.hypot(x1 - x0, y1 - y0)
        t = 0.0
        while t < length:
            a, b = t / length, min(t + dash, length) / length
            draw.line(  # type: ignore[attr-defined]
                [
                    (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a),
                    (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b),
                ],
                fill=colour,
                width=width,
            )
            t += dash + gap


def _worst_verdicts(findings: Iterable[Finding]) -> dict[str, Verdict]:
    rank = [
        Verdict.VIOLATION,
        Verdict.SPOILER_ACTIVITY,
        Verdict.BEFORE_EFFECT,
        Verdict.PERMITTED,
        Verdict.NOT_APPLICABLE,
    ]
    worst: dict[str, Verdict] = {}
    for f in findings:
        current = worst.get(f.incident)
        if current is None or rank.index(f.verdict) < rank.index(current):
            worst[f.incident] = f.verdict
    return worst


#: Light fills for control maps, one per actor in id order (ColorBrewer Pastel1).
CONTROL_FILLS = ("#fbb4ae", "#b3cde3", "#ccebc5", "#decbe4", "#fed9a6", "#ffffcc", "#e5d8bd")


def build_control_map(
    cmap: Any,
    lines: Mapping[str, Any],
    *,
    zones: tuple[Agreement, ZoneIndex] | None = None,
    places: Sequence[Place] = (),
    names: Mapping[str, str] | None = None,
    width: int = 800,
    height: int = 600,
) -> MapPicture:
    """Who held what on a day (filled by actor), the lines of contact, and belts along them.

    ``cmap`` is a :class:`trucewatch.geo.control.ControlMap`; ``lines`` maps a
    line id to its :class:`~trucewatch.domain.control.LinePosition` on the
    day; ``zones`` (an agreement and its zone index) adds the agreement's
    belts, as in force on the day, dashed.  The largest places in view are
    labelled.
    """
    from shapely.ops import unary_union

    names = names or {}
    geoms = [g for g in cmap.holdings.values()]
    belts: list[tuple[str, BaseGeometry]] = []
    if zones is not None:
        agreement, index = zones
        for z in agreement.zones:
            if z.from_line is None:
                continue
            key = index._entry(z.id, cmap.day)[2]
            g = index.geometries.get(key)
            if g is not None:
                belts.append((f"{z.from_line.side} {z.from_line.km:g} km", g))
    line_geoms = [LineString([(lon, lat) for lat, lon in p.points]) for p in lines.values()]
    everything = unary_union([*geoms, *line_geoms, *(g for _, g in belts)])
    pic = MapPicture(width, height)
    if everything.is_empty:
        pic.marks.append(Mark("text", ((10.0, 20.0),), text="nothing to map on this day"))
        return pic
    lon0, lat0, lon1, lat1 = everything.bounds
    pad = 0.05 * max(lon1 - lon0, lat1 - lat0, 0.1)
    lon0, lat0, lon1, lat1 = lon0 - pad, lat0 - pad, lon1 + pad, lat1 + pad
    k = math.cos(math.radians((lat0 + lat1) / 2))
    margin, bottom = 12.0, 48.0
    scale = min(
        (width - 2 * margin) / ((lon1 - lon0) * k), (height - margin - bottom) / (lat1 - lat0)
    )

    def px(lon: float, lat: float) -> tuple[float, float]:
        return margin + (lon - lon0) * k * scale, margin + (lat1 - lat) * scale

    pic.marks.append(
        Mark(
            "polygon",
            (px(lon0, lat0), px(lon1, lat0), px(lon1, lat1), px(lon0, lat1)),
            stroke="#999999",
        )
    )
    for n, actor in enumerate(sorted(cmap.holdings)):
        colour = CONTROL_FILLS[n % len(CONTROL_FILLS)]
        pic.marks += _polygons(cmap.holdings[actor], px, stroke="#777777", fill=colour, width=0.6)
        pic.swatches.append((colour, names.get(actor, actor)))
    for label, g in belts:
        pic.marks += _polygons(g, px, stroke="#444444", width=1.0, dashed=True)
        c = g.representative_point()
        pic.marks.append(Mark("text", (px(c.x, c.y),), stroke="#444444", text=label))
    for line_id, position in sorted(lines.items()):
        pts = tuple(px(lon, lat) for lat, lon in position.points)
        pic.marks.append(Mark("line", pts, stroke="#000000", width=2.5))
        pic.marks.append(
            Mark(
                "text",
                ((pts[0][0] + 4, pts[0][1] - 6),),
                text=line_id + (" (approximate)" if position.approximate else ""),
            )
        )
    shown = [p for p in places if lon0 <= p.longitude <= lon1 and lat0 <= p.latitude <= lat1]
    shown.sort(key=lambda p: (p.kind != "city", -(p.population or 0), p.name))
    labelled: list[tuple[float, float]] = []
    for p in shown:
        x, y = px(p.longitude, p.latitude)
        if len(labelled) >= 12 or any(math.hypot(x - a, y - b) < 45 for a, b in labelled):
            continue  # the larger place nearby already stands for it
        labelled.append((x, y))
        pic.marks.append(Mark("marker", ((x, y),), shape="dot", fill="#333333"))
        pic.marks.append(Mark("text", ((x + 4, y + 12),), stroke="#333333", text=p.name))
    if not pic.swatches:
        pic.swatches.append(("#ffffff", "no control layer for this day"))
    source = f"control layer {cmap.layer}" if cmap.layer else "no snapshot"
    derived = f", {len(cmap.gains)} gains from incidents" if cmap.gains else ""
    pic.legend = f"Control on {cmap.day} ({source}{derived}) · black: lines of contact" + (
        " · dashed: belts along them" if belts else ""
    )
    return pic
