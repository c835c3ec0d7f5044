"""Territory: control layers, changes of control, sieges from control, lines of contact, maps."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trucewatch.cli._common import DbOpt, JsonOpt, _day, _fail, _print_json, app, out
from trucewatch.errors import InputError, Problem

control_app = typer.Typer(
    help="Territorial control: load snapshots, who held what, what changed hands, sieges, maps.",
    no_args_is_help=True,
)
lines_app = typer.Typer(
    help="Lines of contact: load where a line ran from a date, show the lines on a date.",
    no_args_is_help=True,
)
app.add_typer(control_app, name="control")
app.add_typer(lines_app, name="lines")

UserOpt = Annotated[str, typer.Option(help="Who loads it (kept in the audit log).")]
DateOpt = Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD).")]
AgreementOpt = Annotated[
    str | None, typer.Option("--agreement", help="Agreement id or file (its sides and belts).")
]


def _required_day(option: str, value: str) -> date:
    day = _day(option, value)
    assert day is not None
    return day


@control_app.command("load")
def control_load_cmd(
    file: Annotated[Path, typer.Argument(help="A GeoJSON snapshot: polygons with an 'actor'.")],
    on: DateOpt,
    user: UserOpt,
    until: Annotated[
        str | None, typer.Option("--until", help="Last day it holds (default: the next snapshot).")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store who held what on a date, from a GeoJSON snapshot, checked, all or nothing.

    Each feature is a WGS84 polygon (or an admin unit by 'pcode' once
    boundaries are loaded) with the 'actor' holding it (a registry id or a
    name), and optionally 'name' and 'population'. Bad geometry, a missing or
    unknown actor, or two actors on the same ground is refused with the
    feature at fault; nothing is stored.

    Example: trucewatch control load control.geojson --date 2015-02-20 --user analyst1
    """
    from trucewatch.store import Database
    from trucewatch.territory import load_control

    try:
        result = load_control(
            Database(db),
            file,
            day=_required_day("--date", on),
            valid_to=_day("--until", until),
            user=user,
        )
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(result)
        return
    held = ", ".join(f"{a} {n}" for a, n in sorted(result["by_actor"].items()))
    out.print(f"{file}: control layer {result['layer']} {result['outcome']} ({held})")


@control_app.command("at")
def control_at_cmd(
    on: DateOpt,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Who held what on a date: the snapshot in force, then territorial incidents since.

    Example: trucewatch control at --date 2015-02-20
    """
    from trucewatch.store import Database
    from trucewatch.territory import control_on

    try:
        cmap = control_on(Database(db), _required_day("--date", on))
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(cmap.as_json())
        return
    t = Table(title=f"Control on {cmap.day} (snapshot {cmap.layer or 'none'})")
    t.add_column("actor")
    t.add_column("km²", justify="right")
    for actor, km2 in cmap.areas_km2().items():
        t.add_row(actor, f"{km2:,.1f}")
    out.print(t)
    for g in cmap.gains:
        out.print(f"  then {g.day}: {g.actor} took {g.how} (incident {g.incident})")


@control_app.command("changes")
def control_changes_cmd(
    date_from: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    date_to: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    agreement: AgreementOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed hands between two dates: km² and places, by actor.

    With --agreement, each change becomes a derived advance incident judged
    against the agreement (an advance by a bound party during its phases
    violates "no offensive operations to gain territory").

    Example: trucewatch control changes --from 2015-02-15 --to 2015-02-20
    --agreement ukraine-2015-02-minsk-ii
    """
    from trucewatch.store import Database
    from trucewatch.territory import changes_between

    try:
        report = changes_between(
            Database(db),
            _required_day("--from", date_from),
            _required_day("--to", date_to),
            agreement_ref=agreement,
        )
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(report.as_json())
        return
    t = Table(title=f"Changes of control {report.date_from} → {report.date_to}")
    for col in ("gainer", "from", "km²", "places"):
        t.add_column(col)
    for c in report.changes:
        t.add_row(
            c.gainer,
            c.loser or "(no holder)",
            f"{c.area_km2:,.1f}",
            ", ".join(p.name for p in c.places[:6]) or "—",
        )
    out.print(t)
    if not report.changes:
        out.print("no ground changed hands")
    for f in report.findings:
        if f.verdict.value != "not_applicable":
            who = ", ".join(r.actor for r in f.responsible) or "unattributed"
            out.print(f"{f.incident} × {f.obligation}: {f.verdict.value} ({who})")


@control_app.command("sieges")
def control_sieges_cmd(
    on: Annotated[str, typer.Option("--on", help="The day (YYYY-MM-DD).")],
    tolerance_km: Annotated[
        float,
        typer.Option(help="Gaps narrower than this (km) do not count as an open route."),
    ] = 1.0,
    agreement: AgreementOpt = None,
    record: Annotated[
        bool,
        typer.Option("--record", help="Store them as siege records for `trucewatch access`."),
    ] = False,
    user: Annotated[str, typer.Option(help="Who records them (with --record).")] = "cli",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Areas encircled on a date: held by one side, cut off by another's control.

    Friends are the agreement's sides with --agreement, else the registry's
    affiliations. A route narrower than --tolerance-km does not count. With
    --record they are stored as besieged areas, which the access measures use.

    Example: trucewatch control sieges --on 2016-08-01 --tolerance-km 1
    """
    from trucewatch.store import Database
    from trucewatch.territory import record_sieges, sieges_on

    try:
        database = Database(db)
        day = _required_day("--on", on)
        found = sieges_on(database, day, tolerance_km=tolerance_km, agreement_ref=agreement)
        stored = record_sieges(database, found, day, user=user) if record and found else None
    except InputError as e:
        _fail(e)
        return
    if stored is not None and not as_json:
        out.print(
            f"recorded as sieges: {stored['added']} added, {stored['changed']} changed, "
            f"{stored['unchanged']} unchanged"
        )
    if as_json:
        _print_json([area.as_json() for area in found])
        return
    if not found:
        out.print(f"no encircled area on {on} (tolerance {tolerance_km:g} km)")
        return
    t = Table(title=f"Encircled on {on} (tolerance {tolerance_km:g} km)")
    for col in ("area", "held by", "encircled by", "km²", "population"):
        t.add_column(col)
    for area in found:
        pop = (
            f"{area.population:,} ({area.population_source})"
            if area.population
            else area.population_source
        )
        t.add_row(area.name, area.actor, ", ".join(area.besieged_by), f"{area.area_km2:,.1f}", pop)
    out.print(t)


@control_app.command("map")
def control_map_cmd(
    on: DateOpt,
    out_path: Annotated[Path, typer.Option("--out", help="map.svg or map.png")],
    agreement: AgreementOpt = None,
    db: DbOpt = None,
) -> None:
    """A map of control and lines of contact on a date (with an agreement: its belts), offline.

    Example: trucewatch control map --date 2015-03-01 --out control.png
    --agreement ukraine-2015-02-minsk-ii
    """
    from trucewatch.store import Database
    from trucewatch.territory import control_map

    try:
        suffix = out_path.suffix.lower()
        if suffix not in (".svg", ".png"):
            raise InputError(
                [Problem("--out", None, f"'{out_path}' is not .svg or .png", "name a .svg or .png")]
            )
        data = control_map(
            Database(db), _required_day("--date", on), fmt=suffix[1:], agreement_ref=agreement
        )
    except InputError as e:
        _fail(e)
        return
    out_path.write_bytes(data)
    out.print(f"wrote {out_path} ({len(data):,} bytes)")


@lines_app.command("load")
def lines_load_cmd(
    file: Annotated[
        Path, typer.Argument(help="A GeoJSON file of LineStrings with 'left' and 'right' actors.")
    ],
    on: DateOpt,
    user: UserOpt,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store where lines of contact ran from a date on (belts along them follow), checked.

    Each feature is a LineString with 'left' and 'right' (the actors holding
    each hand, walking the points in order) and 'id' (the line; default
    line-of-contact), optionally 'approximate' and 'note'.

    Example: trucewatch lines load line-2015-02-20.geojson --date 2015-02-20 --user analyst1
    """
    from trucewatch.store import Database
    from trucewatch.territory import load_lines

    try:
        counts = load_lines(Database(db), file, day=_required_day("--date", on), user=user)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(counts)
    else:
        out.print(
            f"{file}: {counts['added']} line positions added, {counts['replaced']} replaced, "
            f"{counts['unchanged']} unchanged"
        )


@lines_app.command("show")
def lines_show_cmd(
    on: DateOpt,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The stored lines of contact as they ran on a date.

    Example: trucewatch lines show --date 2015-03-01 --json
    """
    from trucewatch.store import Database
    from trucewatch.territory import stored_lines

    try:
        found = stored_lines(Database(db), _required_day("--date", on))
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json({k: v.model_dump(mode="json") for k, v in found.items()})
        return
    if not found:
        out.print(f"no line stored for {on}")
    for line_id, p in found.items():
        out.print(
            f"{line_id}: from {p.valid_from}, {len(p.points)} points, left {p.left}, "
            f"right {p.right}{' (approximate)' if p.approximate else ''} — {p.source}"
        )
