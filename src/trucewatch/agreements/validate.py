"""Cross-reference checks an agreement needs beyond its own structure.

Structural errors (a date that is not a date, an unknown field) are caught by
the domain model; these checks need the whole document and the actor
registry: unknown actor ids (with the closest known ids), unknown zones and
phases, overlapping phases, obligations that bind nobody, exemptions naming a
group the agreement does not exclude.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from trucewatch.actors import ActorRegistry
from trucewatch.domain import Agreement, EventObligation
from trucewatch.errors import Problem, close_matches
from trucewatch.yamlfile import LineMap, PathKey

MAX_DAYS = 3_650_000
"""The longest phase we accept, in days (~10,000 years): longer cannot be put on a calendar."""


class _Collector:
    def __init__(self, name: str, lines: LineMap) -> None:
        self.name, self.lines, self.problems = name, lines, list[Problem]()

    def add(self, path: PathKey, message: str, hint: str | None = None) -> None:
        field = ".".join(str(p) for p in path)
        self.problems.append(Problem(self.name, self.lines.line_of(path), message, hint, field))


def cross_reference_problems(
    agreement: Agreement, actors: ActorRegistry, name: str, lines: LineMap
) -> list[Problem]:
    """Every cross-reference problem in ``agreement``, each at its line."""
    c = _Collector(name, lines)
    _check_actors(agreement, actors, c)
    _check_duplicates(agreement, c)
    _check_phases(agreement, c)
    _check_obligations(agreement, c)
    _check_access(agreement, c)
    _check_zones(agreement, c)
    _check_lines(agreement, c)
    return sorted(c.problems, key=lambda p: (p.line or 0, p.message))


def _check_actor(actor_id: str, path: PathKey, actors: ActorRegistry, c: _Collector) -> None:
    if actor_id in actors:
        return
    close = actors.closest(actor_id)
    hint = f"did you mean {', '.join(close)}?" if close else "add the actor to the registry"
    c.add(path, f"unknown actor id '{actor_id}'", hint)


def _check_actors(a: Agreement, actors: ActorRegistry, c: _Collector) -> None:
    for i, b in enumerate(a.brokers):
        _check_actor(b, ("brokers", i), actors, c)
    for i, x in enumerate(a.excluded):
        _check_actor(x, ("excluded", i), actors, c)
    seen: dict[str, str] = {}
    for side_id, side in a.sides.items():
        if not side.members:
            c.add(
                ("sides", side_id),
                f"side '{side_id}' has no members",
                "list the parties that accepted the agreement under members",
            )
        for role in ("members", "allies"):
            for i, actor_id in enumerate(getattr(side, role)):
                path: PathKey = ("sides", side_id, role, i)
                _check_actor(actor_id, path, actors, c)
                if actor_id in seen and seen[actor_id] != side_id:
                    c.add(
                        path,
                        f"actor '{actor_id}' is on two sides ('{seen[actor_id]}' and '{side_id}')",
                        "an actor belongs to one side; remove it from one",
                    )
                seen[actor_id] = side_id
                if actor_id in a.excluded:
                    c.add(
                        path,
                        f"actor '{actor_id}' is both excluded and on side '{side_id}'",
                        "remove it from the side or from excluded",
                    )


def _check_duplicates(a: Agreement, c: _Collector) -> None:
    for key, ids in (
        ("phases", [p.id for p in a.phases]),
        ("zones", [z.id for z in a.zones]),
        ("obligations", [o.id for o in a.obligations]),
        ("access", [x.id for x in a.access]),
        ("lines", [x.id for x in a.lines]),
    ):
        first: dict[str, int] = {}
        for i, item_id in enumerate(ids):
            if item_id in first:
                line = c.lines.line_of((key, first[item_id]))
                c.add(
                    (key, i, "id"),
                    f"duplicate id '{item_id}' (first used on line {line})",
                    "give each one a distinct id",
                )
            else:
                first[item_id] = i


def _check_phases(a: Agreement, c: _Collector) -> None:
    ids = [p.id for p in a.phases]
    for i, phase in enumerate(a.phases):
        if phase.after is not None and phase.after not in ids:
            _unknown(c, ("phases", i, "after"), "phase", phase.after, ids)
        if phase.after == phase.id:
            c.add(
                ("phases", i, "after"),
                f"phase '{phase.id}' starts after itself",
                "name the phase it follows",
            )
    for i, phase in enumerate(a.phases):
        if phase.days is not None and not (math.isfinite(phase.days) and phase.days <= MAX_DAYS):
            c.add(
                ("phases", i, "days"),
                f"phase '{phase.id}' lasts {phase.days:g} days, past any date we can compute",
                f"give its length in days (at most {MAX_DAYS}), or an end",
            )
            return
    try:
        spans = a.phase_spans()
    except OverflowError:  # each length is fine, but chained they run past the year 9999
        c.add(("phases",), "the phases end after the year 9999", "check their days and ends")
        return
    for i, phase in enumerate(a.phases):
        if phase.id not in spans:
            continue
        start, end = spans[phase.id]
        if end is not None and end <= start:
            c.add(
                ("phases", i),
                f"phase '{phase.id}' ends before it starts",
                "check its start and end",
            )
        for j in range(i):
            other = a.phases[j]
            if other.id not in spans or other.id == phase.id:
                continue
            if _overlap(spans[other.id], (start, end)):
                c.add(
                    ("phases", i),
                    f"phase '{phase.id}' overlaps phase '{other.id}' "
                    f"(line {c.lines.line_of(('phases', j))})",
                    "phases follow one another: make one end before the next starts, "
                    "or start it with 'after'",
                )


def _overlap(x: tuple[datetime, datetime | None], y: tuple[datetime, datetime | None]) -> bool:
    (s1, e1), (s2, e2) = x, y
    return (e2 is None or s1 < e2) and (e1 is None or s2 < e1)


def _unknown(c: _Collector, path: PathKey, what: str, value: str, known: Iterable[str]) -> None:
    known = list(known)
    close = close_matches(value, known, cutoff=0.5)
    if close:
        hint = f"did you mean {', '.join(close)}?"
    elif known:
        hint = f"known {what}s: {', '.join(known)}"
    else:
        hint = f"define the {what} first"
    c.add(path, f"unknown {what} '{value}'", hint)


def _check_obligations(a: Agreement, c: _Collector) -> None:
    zone_ids = [z.id for z in a.zones]
    phase_ids = [p.id for p in a.phases]
    access_ids = [x.id for x in a.access]
    for i, ob in enumerate(a.obligations):
        base: PathKey = ("obligations", i)
        if not ob.binds:
            c.add(
                (*base, "binds"),
                f"obligation '{ob.id}' binds nobody",
                f"list the sides it binds, e.g. binds: [{', '.join(a.sides)}]",
            )
        for k, side_id in enumerate(ob.binds):
            if side_id not in a.sides:
                _unknown(c, (*base, "binds", k), "side", side_id, a.sides)
        for k, phase_id in enumerate(ob.phases):
            if phase_id not in phase_ids:
                _unknown(c, (*base, "phases", k), "phase", phase_id, phase_ids)
        if not isinstance(ob, EventObligation):
            continue
        for key in ("within", "outside"):
            for k, zone_id in enumerate(getattr(ob, key)):
                if zone_id not in zone_ids:
                    _unknown(c, (*base, key, k), "zone", zone_id, zone_ids)
        for k, access_id in enumerate(ob.access):
            if access_id not in access_ids:
                _unknown(c, (*base, "access", k), "access commitment", access_id, access_ids)
        for e, ex in enumerate(ob.exemptions):
            epath = (*base, "except", e)
            for k, zone_id in enumerate(ex.within):
                if zone_id not in zone_ids:
                    _unknown(c, (*epath, "within", k), "zone", zone_id, zone_ids)
            if ex.targets == "excluded" and not a.excluded:
                c.add(
                    (*epath, "targets"),
                    "exemption 'targets: excluded' but the agreement excludes no group",
                    "list the excluded groups under 'excluded'",
                )
            elif isinstance(ex.targets, list):
                for k, target in enumerate(ex.targets):
                    if target not in a.excluded:
                        c.add(
                            (*epath, "targets", k),
                            f"exemption names '{target}', which is "
                            "not an excluded group of this agreement",
                            f"exempt only excluded groups ({', '.join(a.excluded) or 'none'})"
                            " or add it to 'excluded'",
                        )


def _check_access(a: Agreement, c: _Collector) -> None:
    zone_ids = [z.id for z in a.zones]
    for i, acc in enumerate(a.access):
        for key in ("areas", "routes"):
            for k, zone_id in enumerate(getattr(acc, key)):
                if zone_id not in zone_ids:
                    _unknown(c, ("access", i, key, k), "zone", zone_id, zone_ids)


def _check_zones(a: Agreement, c: _Collector) -> None:
    zone_ids = [z.id for z in a.zones]
    refs = {z.id: [*z.union, *z.minus] for z in a.zones}
    for i, z in enumerate(a.zones):
        for key in ("union", "minus"):
            for k, other in enumerate(getattr(z, key)):
                if other not in zone_ids:
                    _unknown(c, ("zones", i, key, k), "zone", other, zone_ids)
                elif other == z.id:
                    c.add(("zones", i, key, k), f"zone '{z.id}' refers to itself", "remove it")
        # a zone reached again through its own references would never finish
        stack, seen = list(refs[z.id]), set()
        while stack:
            other = stack.pop()
            if other == z.id:
                c.add(
                    ("zones", i, "id"),
                    f"zone '{z.id}' is part of a circle of union/minus",
                    "break the circle",
                )
                break
            if other in seen or other not in refs:
                continue
            seen.add(other)
            stack.extend(refs[other])


def _check_lines(a: Agreement, c: _Collector) -> None:
    for i, line in enumerate(a.lines):
        for hand in ("left", "right"):
            side = getattr(line, hand)
            if side not in a.sides:
                _unknown(c, ("lines", i, hand), "side", side, a.sides)
        if line.left == line.right:
            c.add(
                ("lines", i, "right"),
                f"line '{line.id}' has side '{line.left}' on both hands",
                "a line of contact runs between two sides: name the other one",
            )
    for i, z in enumerate(a.zones):
        if z.from_line is not None and z.from_line.side not in a.sides:
            _unknown(c, ("zones", i, "from_line", "side"), "side", z.from_line.side, a.sides)
