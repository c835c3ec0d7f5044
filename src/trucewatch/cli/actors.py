"""The actor registry: resolve names, list unresolved ones."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from trucewatch.cli._common import (
    DbOpt,
    JsonOpt,
    _fail,
    _print_json,
    actors_app,
    err,
    out,
)
from trucewatch.errors import InputError


@actors_app.command("unresolved")
def actors_unresolved(
    limit: Annotated[int, typer.Option(help="How many names to list.")] = 50,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List actor names in stored incidents that the registry did not resolve.

    With how often each occurs and the closest registry ids, so an analyst can
    add an alias where one is missing.
    """
    from trucewatch.actors import ActorRegistry
    from trucewatch.records import unresolved_actor_names
    from trucewatch.store import Database

    try:
        rows = unresolved_actor_names(Database(db), ActorRegistry.shipped(), limit)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json([{"name": n, "count": c, "closest": close} for n, c, close in rows])
        return
    if not rows:
        out.print("every actor name in the database resolves")
    for name, count, close in rows:
        out.print(f"{count:>7}  {name}" + (f"  (closest: {', '.join(close)})" if close else ""))


@actors_app.command("resolve")
def actors_resolve(
    name: Annotated[str, typer.Argument(help="A name as a source writes it.")],
    on: Annotated[str | None, typer.Option(help="The date the name was used (YYYY-MM-DD).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Resolve a name to a registry actor, as of a date.

    Example: trucewatch actors resolve "Jabhat al-Nusra" --on 2016-09-19
    """
    from trucewatch.actors import ActorRegistry

    day: date | None = None
    if on is not None:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            err.print(f"--on: '{on}' is not a date — write YYYY-MM-DD")
            raise typer.Exit(1) from None
    registry = ActorRegistry.shipped()
    res = registry.resolve(name, on=day)
    if res is None:
        close = registry.closest(name)
        if as_json:
            _print_json({"name": name, "resolved": None, "closest": close})
        else:
            err.print(
                f"'{name}' is not in the actor registry"
                + (f" — did you mean {', '.join(close)}?" if close else "")
            )
        raise typer.Exit(1)
    actor = registry.get(res.actor_id)
    data = {
        "name": name,
        "resolved": res.actor_id,
        "matched": res.matched,
        "name_on_date": res.name_on_date,
        "in_use": res.in_use,
        "note": res.note,
        "kind": actor.kind.value,
        "principals": registry.principals(res.actor_id, day),
    }
    if as_json:
        _print_json(data)
        return
    out.print(
        f"{name!r} → [bold]{res.actor_id}[/bold] ({actor.kind.value}); "
        f"called {res.name_on_date!r}{' on ' + on if on else ''}"
    )
    if res.note:
        out.print(f"  note: {res.note}")
    chain = registry.principals(res.actor_id, day)
    if len(chain) > 1:
        out.print(f"  answers through: {' → '.join(chain)}")
