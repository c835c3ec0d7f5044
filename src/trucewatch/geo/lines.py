"""Lines of contact over time, and the belts agreements draw along them.

The Minsk package of 12 Feb 2015 set its withdrawal zones by distance from a
line, each side pulling back on its own side; the OSCE monitors then reported
weapons seen inside those belts.  An agreement draws its lines (version 0);
later positions of a line (``trucewatch lines load FILE --date D``) take over
from their date, and every belt drawn along that line follows.

The belt geometry itself is :func:`trucewatch.geo.geometry.belt`; here are the
line's position on a date, a point's side of and distance from a line, and
the zone versions that carry a moved line into the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from shapely.geometry import LineString, Point

from trucewatch.domain import Agreement
from trucewatch.domain.control import LinePosition
from trucewatch.errors import Problem
from trucewatch.geo.geometry import EARTH_RADIUS_KM
from trucewatch.geo.zones import ZoneVersion

_KM_PER_DEGREE = math.pi / 180 * EARTH_RADIUS_KM


def position_on(positions: Iterable[LinePosition], line: str, day: date) -> LinePosition | None:
    """Where line ``line`` ran on ``day``: its latest position on or before the day."""
    best: LinePosition | None = None
    for p in positions:
        if (
            p.line == line
            and p.valid_from <= day
            and (best is None or p.valid_from >= best.valid_from)
        ):
            best = p
    return best


def lines_on(positions: Iterable[LinePosition], day: date) -> dict[str, LinePosition]:
    """Every line's position on ``day`` (lines not yet drawn by then are left out)."""
    positions = list(positions)
    out = {}
    for line in sorted({p.line for p in positions}):
        found = position_on(positions, line, day)
        if found is not None:
            out[line] = found
    return out


def _local(
    points: Sequence[tuple[float, float]], lat: float, lon: float
) -> tuple[LineString, Point]:
    lat0 = sum(p[0] for p in points) / len(points)
    kx = math.cos(math.radians(lat0)) * _KM_PER_DEGREE
    line = LineString([(lo * kx, la * _KM_PER_DEGREE) for la, lo in points])
    return line, Point(lon * kx, lat * _KM_PER_DEGREE)


def distance_km(points: Sequence[tuple[float, float]], lat: float, lon: float) -> float:
    """Distance in km from a point to a line ([lat, lon] points), on the line's local plane."""
    line, point = _local(points, lat, lon)
    return float(line.distance(point))


def side_of(points: Sequence[tuple[float, float]], lat: float, lon: float) -> str:
    """``"left"`` or ``"right"``: the hand of the line (walked in order) the point lies on.

    Judged against the nearest segment, so a winding line is read locally.
    """
    line, point = _local(points, lat, lon)
    coords = list(line.coords)
    best, best_d = 0, math.inf
    for i in range(len(coords) - 1):
        d = LineString(coords[i : i + 2]).distance(point)
        if d < best_d:
            best, best_d = i, d
    (x0, y0), (x1, y1) = coords[best], coords[best + 1]
    cross = (x1 - x0) * (point.y - y0) - (y1 - y0) * (point.x - x0)
    return "left" if cross > 0 else "right"


def belt_versions(
    agreement: Agreement,
    positions: Iterable[LinePosition],
    side_of_actor: Callable[[str, date], str | None],
    first_version: Callable[[str], int],
) -> tuple[dict[str, list[ZoneVersion]], list[Problem]]:
    """Zone versions of every belt whose line has later positions, from each position's date.

    ``side_of_actor(actor, day)`` is the agreement side an actor belongs to;
    a position whose ``left``/``right`` actors do not tell which hand the
    belt's side holds cannot move the belt, and is reported.  Versions are
    numbered from ``first_version(zone_id)`` in date order.
    """
    positions = sorted(positions, key=lambda p: (p.valid_from, p.line))
    out: dict[str, list[ZoneVersion]] = {}
    problems: list[Problem] = []
    for zone in agreement.zones:
        belt = zone.from_line
        if belt is None:
            continue
        number = first_version(zone.id)
        for p in (p for p in positions if p.line == belt.line):
            hands = {
                "left": side_of_actor(p.left, p.valid_from),
                "right": side_of_actor(p.right, p.valid_from),
            }
            on = [hand for hand, side in hands.items() if side == belt.side]
            if len(on) != 1:
                problems.append(
                    Problem(
                        f"line {p.line} of {p.valid_from}",
                        None,
                        f"cannot tell which hand side '{belt.side}' holds for zone {zone.id}: "
                        f"left {p.left} is on {hands['left'] or 'no side'}, right {p.right} "
                        f"on {hands['right'] or 'no side'}",
                        "give left/right actors that are parties on the two sides",
                    )
                )
                continue
            moved = zone.model_copy(
                update={"from_line": belt.model_copy(update={"points": p.points, "on": on[0]})}
            )
            out.setdefault(zone.id, []).append(ZoneVersion(number, p.valid_from, moved))
            number += 1
    return out, problems
