"""Places and zones: load boundaries or a gazetteer, locate, geocode, change zones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trucewatch.cli._common import (
    DbOpt,
    JsonOpt,
    _day,
    _fail,
    _print_json,
    geo_app,
    out,
    zone_app,
)
from trucewatch.errors import InputError, Problem


@geo_app.command("load")
def geo_load_cmd(
    file: Annotated[
        Path, typer.Argument(help="Boundaries (.geojson, .shp) or a gazetteer (.csv).")
    ],
    user: Annotated[str, typer.Option(help="Who loads it (kept in the audit log).")] = "cli",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load admin boundaries or an extra gazetteer, checked; then locate stored incidents.

    Boundaries must be WGS84 longitude/latitude polygons with names and
    P-codes (OCHA style); a projected CRS, an unclosed ring, a self-intersecting
    polygon or swapped latitude/longitude is refused with the feature at fault.

    Example: trucewatch geo load syr_admin2.geojson --user analyst1
    """
    from trucewatch.service import geo_load
    from trucewatch.store import Database

    try:
        counts = geo_load(Database(db), file, user=user)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(counts)
    elif "units" in counts:
        out.print(
            f"{file}: {counts['units']} admin units loaded; "
            f"{counts['incidents_located']} stored incidents located in them"
        )
    else:
        out.print(f"{file}: {counts['places']} places added to the gazetteer")


@geo_app.command("locate")
def geo_locate_cmd(
    latitude: Annotated[float, typer.Argument(help="Latitude (WGS84).")],
    longitude: Annotated[float, typer.Argument(help="Longitude (WGS84).")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The admin units containing a point, from the loaded boundaries.

    Example: trucewatch geo locate 36.1481 36.94775
    """
    from trucewatch.service import stored_admin_index
    from trucewatch.store import Database

    try:
        index = stored_admin_index(Database(db))
        if index is None:
            raise InputError(
                [Problem("--db", None, "no boundaries are loaded", "trucewatch geo load FILE")]
            )
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise InputError(
                [
                    Problem(
                        "LATITUDE LONGITUDE",
                        None,
                        "outside degree ranges",
                        "give latitude first, then longitude",
                    )
                ]
            )
    except InputError as e:
        _fail(e)
        return
    found = index.locate(latitude, longitude)
    rows = [{"level": lv, "pcode": u.pcode, "name": u.name} for lv, u in sorted(found.items())]
    if as_json:
        _print_json(rows)
    elif not rows:
        out.print("outside every loaded admin unit")
    else:
        for r in rows:
            out.print(f"admin{r['level']}: {r['name']} ({r['pcode']})")


@geo_app.command("find")
def geo_find_cmd(
    name: Annotated[str, typer.Argument(help="A place name, in any common spelling.")],
    admin1: Annotated[str | None, typer.Option(help="Governorate, to choose among places.")] = None,
    admin2: Annotated[str | None, typer.Option(help="District, to choose among places.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Geocode a place name: coordinates and precision, or 'ambiguous' with the candidates.

    Example: trucewatch geo find "Deir al-Zour"

    Example: trucewatch geo find Zahraa --admin1 Aleppo
    """
    from trucewatch.geo.gazetteer import Gazetteer
    from trucewatch.geo.geocode import geocode
    from trucewatch.service import stored_gazetteer
    from trucewatch.store import Database

    try:
        gazetteer = stored_gazetteer(Database(db)) if db else Gazetteer.shipped()
    except InputError:
        gazetteer = Gazetteer.shipped()
    result = geocode(gazetteer, name, admin1=admin1, admin2=admin2)
    if as_json:
        _print_json(result.as_json())
        return
    out.print(f"{result.status.upper()}: {result.reason}")
    if result.place:
        p = result.place
        out.print(
            f"{p.name}: {p.latitude}, {p.longitude} (geo_precision {p.geo_precision}); "
            f"{p.admin2 or '?'} district, {p.admin1 or '?'} governorate"
        )
        for s in p.sources:
            out.print(f"  source: {s}")
    if result.status != "found":
        raise typer.Exit(1)


@zone_app.command("propose")
def zone_propose_cmd(
    agreement: Annotated[str, typer.Option(help="Agreement id or file.")],
    file: Annotated[Path, typer.Option("--file", help="The zone's new definition (YAML).")],
    broker: Annotated[str, typer.Option(help="The broker proposing it (registry id).")],
    user: Annotated[str, typer.Option(help="Who records it (kept in the audit log).")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    db: DbOpt = None,
) -> None:
    """A broker proposes a new definition of a zone; it waits for the other broker.

    Example: trucewatch zone propose --agreement syria-2016-09-us-russia
    --file designated-areas-v1.yaml --broker united-states --user analyst1
    """
    from trucewatch.service import propose_zone_change
    from trucewatch.store import Database

    try:
        version = propose_zone_change(
            Database(db), agreement, file, broker=broker, user=user, note=note
        )
    except InputError as e:
        _fail(e)
        return
    out.print(f"proposed as version {version}; it takes effect when another broker approves it")


@zone_app.command("approve")
def zone_approve_cmd(
    agreement: Annotated[str, typer.Option(help="Agreement id or file.")],
    zone: Annotated[str, typer.Option(help="Zone id.")],
    version: Annotated[int, typer.Option(help="The proposed version.")],
    broker: Annotated[str, typer.Option(help="The approving broker (not the proposer).")],
    user: Annotated[str, typer.Option(help="Who records it (kept in the audit log).")],
    effective: Annotated[
        str | None, typer.Option(help="In force from (YYYY-MM-DD); default today.")
    ] = None,
    db: DbOpt = None,
) -> None:
    """The other broker approves a proposed zone version: findings from then use it.

    Example: trucewatch zone approve --agreement syria-2016-09-us-russia
    --zone designated-areas --version 1 --broker russia --user analyst1 --effective 2016-09-19
    """
    from trucewatch.service import approve_zone_change
    from trucewatch.store import Database

    try:
        approve_zone_change(
            Database(db),
            agreement,
            zone,
            version,
            broker=broker,
            user=user,
            effective=_day("--effective", effective),
        )
    except InputError as e:
        _fail(e)
        return
    out.print(f"zone {zone} version {version} approved by {broker}")


@zone_app.command("list")
def zone_list_cmd(
    agreement: Annotated[str, typer.Option(help="Agreement id or file.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The agreement's zones with their area, and every proposed or approved version.

    Example: trucewatch zone list --agreement syria-2016-09-us-russia
    """
    from trucewatch.actors import ActorRegistry
    from trucewatch.agreements import agreement_path, load_agreement
    from trucewatch.service import stored_zones
    from trucewatch.store import Database
    from trucewatch.store.geo import zone_history

    try:
        a = load_agreement(agreement_path(agreement), actors=ActorRegistry.shipped())
        database = Database(db)
        index = stored_zones(a, database)
        with database.engine.connect() as conn:
            history = zone_history(conn, a.id)
    except InputError as e:
        _fail(e)
        return
    zones: list[dict[str, object]] = []
    for z in a.zones:
        area = index.area_km2(z.id)
        zones.append(
            {
                "id": z.id,
                "kind": z.kind.value,
                "area_km2": None if area is None else round(area, 1),
                "population": z.population,
                "approximate": z.approximate,
                "version_now": index.version(z.id),
            }
        )
    if as_json:
        _print_json({"zones": zones, "versions": history})
        return
    t = Table(title=f"zones of {a.id}")
    for col in ("zone", "kind", "area km²", "population", "approximate", "version in force"):
        t.add_column(col)
    for row in zones:
        km2, population = row["area_km2"], row["population"]
        t.add_row(
            str(row["id"]),
            str(row["kind"]),
            "—" if km2 is None else f"{km2:,}",
            "—" if population is None else f"{population:,}",
            "yes" if row["approximate"] else "no",
            str(row["version_now"]),
        )
    out.print(t)
    for h in history:
        state = (
            f"approved by {h['approved_by']} from {h['effective']}"
            if h["approved_by"]
            else "awaiting approval"
        )
        who = f"proposed by {h['proposed_by']} ({h['proposed_at']})"
        out.print(f"{h['zone_id']} v{h['version']}: {who}; {state}")


@geo_app.command("map")
def geo_map_cmd(
    agreement: Annotated[str, typer.Option(help="Agreement id or file.")],
    out_path: Annotated[Path, typer.Option("--out", help="map.png or map.svg")],
    case: Annotated[
        str | None, typer.Option(help="A shipped case instead of the database.")
    ] = None,
    incidents: Annotated[
        Path | None, typer.Option(help="Incidents in ACLED CSV format.", dir_okay=False)
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    db: DbOpt = None,
) -> None:
    """A static map of the agreement's zones and incidents coloured by verdict (PNG or SVG).

    Drawn offline: loaded boundaries where there are any, otherwise a frame and
    labelled places. Verdicts have shapes too, for greyscale printing.

    Example: trucewatch geo map --agreement syria-2016-09-us-russia --case syria-2016-09
    --out map.png
    """
    from trucewatch.service import write_map
    from trucewatch.store import Database

    try:
        if out_path.suffix.lower() not in (".png", ".svg"):
            raise InputError(
                [
                    Problem(
                        "--out",
                        None,
                        f"'{out_path.name}' is neither .png nor .svg",
                        "name the file map.png or map.svg",
                    )
                ]
            )
        data = write_map(
            agreement,
            fmt=out_path.suffix.lower()[1:],
            case=case,
            incidents=incidents,
            date_from=_day("--from", date_from),
            date_to=_day("--to", date_to),
            db=None if case or incidents else Database(db),
        )
    except InputError as e:
        _fail(e)
        return
    out_path.write_bytes(data)
    out.print(f"wrote {out_path} ({len(data):,} bytes)")
