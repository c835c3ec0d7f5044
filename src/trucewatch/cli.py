"""The ``trucewatch`` command line: parses options, calls the service, prints.

Every command takes ``--help``; commands that produce results take ``--json``
for scripts.  Errors a user can cause are printed as ``FILE:LINE: problem —
fix`` on stderr with exit code 1, never as a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from trucewatch import __version__
from trucewatch.errors import InputError

app = typer.Typer(
    name="trucewatch",
    help="Ceasefire monitoring, verification and compliance. Start with: trucewatch demo",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
agreement_app = typer.Typer(help="Agreement files: check, list, JSON Schema.", no_args_is_help=True)
actors_app = typer.Typer(help="The actor registry: resolve names over time.", no_args_is_help=True)
app.add_typer(agreement_app, name="agreement")
app.add_typer(actors_app, name="actors")

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _fail(e: InputError) -> None:
    for problem in e.problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(1)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@app.callback(invoke_without_command=True)
def _main(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"trucewatch {__version__}")
        raise typer.Exit()


@app.command()
def demo(as_json: JsonOpt = False) -> None:
    """Run the Sept 2016 Syria truce case end to end.

    Loads the shipped US–Russia arrangement of 9 Sept 2016 and the shipped
    case (real, sourced incidents and claims for September 2016), evaluates
    every incident against every obligation, and prints the compliance matrix,
    the contested incidents with their claims, and when the truce broke down.

    Example: trucewatch demo --json > demo.json
    """
    from trucewatch.report.terminal import print_evaluation
    from trucewatch.service import DEMO_CASE, run_demo

    try:
        ev = run_demo()
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(ev.as_json())
        return
    provenance = (
        f"{len(ev.incidents)} incidents and {len(ev.claims)} claims from the shipped case "
        f"'{DEMO_CASE}': real events, each with its sources (UCDP GED 19.1, news reports, "
        "official statements). A curated selection, not a complete record; source grades are "
        "trucewatch's provisional, illustrative grading."
    )
    print_evaluation(out, ev, provenance)


@app.command("evaluate")
def evaluate_cmd(
    agreement: Annotated[str, typer.Option(help="Agreement file (YAML) or shipped agreement id.")],
    incidents: Annotated[
        Path | None, typer.Option(help="Incidents in ACLED CSV format.", dir_okay=False)
    ] = None,
    claims: Annotated[Path | None, typer.Option(help="Claims file (YAML).", dir_okay=False)] = None,
    sources: Annotated[
        Path | None, typer.Option(help="Sources file (YAML) with Admiralty grades.", dir_okay=False)
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON result to this file.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate incidents against an agreement's obligations, without a database.

    Example: trucewatch evaluate --agreement syria-2016-09-us-russia
    --incidents events.csv --claims claims.yaml --sources sources.yaml --json
    """
    from trucewatch.report.terminal import print_evaluation
    from trucewatch.service import run_evaluation

    if incidents is None:
        err.print(
            "evaluate: give --incidents FILE (an ACLED CSV). Evaluating incidents stored in "
            "a database needs the storage layer, which this version does not have yet."
        )
        raise typer.Exit(2)
    try:
        ev = run_evaluation(agreement, incidents, claims, sources)
    except InputError as e:
        _fail(e)
        return
    if out_file is not None:
        out_file.write_text(
            json.dumps(ev.as_json(), indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    if as_json:
        _print_json(ev.as_json())
    elif out_file is None:
        print_evaluation(out, ev, f"{len(ev.incidents)} incidents from {incidents}")
    else:
        out.print(f"wrote {len(ev.findings)} findings to {out_file}")


@agreement_app.command("check")
def agreement_check(
    file: Annotated[Path, typer.Argument(help="The agreement YAML file.", dir_okay=False)],
    as_json: JsonOpt = False,
) -> None:
    """Validate an agreement file; errors read FILE:LINE: problem — fix.

    Exits 0 with a short summary when the file is valid, 1 with every problem
    found when it is not.

    Example: trucewatch agreement check my-truce.yaml
    """
    from trucewatch.actors import ActorRegistry
    from trucewatch.agreements import load_agreement

    try:
        a = load_agreement(file, actors=ActorRegistry.shipped())
    except InputError as e:
        if as_json:
            _print_json(
                {
                    "valid": False,
                    "problems": [
                        {"file": p.file, "line": p.line, "message": p.message, "hint": p.hint}
                        for p in e.problems
                    ],
                }
            )
            raise typer.Exit(1) from None
        _fail(e)
        return
    spans = a.phase_spans()
    summary = {
        "valid": True,
        "id": a.id,
        "title": a.title,
        "signed": a.signed.isoformat(),
        "brokers": a.brokers,
        "sides": {k: {"members": v.members, "allies": v.allies} for k, v in a.sides.items()},
        "excluded": a.excluded,
        "phases": {
            p: [start.isoformat(), end.isoformat() if end else None]
            for p, (start, end) in spans.items()
        },
        "zones": [z.id + (" (approximate)" if z.approximate else "") for z in a.zones],
        "obligations": [f"{o.id} ({o.kind})" for o in a.obligations],
    }
    if as_json:
        _print_json(summary)
        return
    out.print(f"[green]✓[/green] {file}: [bold]{a.id}[/bold] — {a.title}")
    out.print(f"  signed {a.signed}; brokers: {', '.join(a.brokers) or 'none'}")
    for side_id, side in a.sides.items():
        allies = f" (allies: {', '.join(side.allies)})" if side.allies else ""
        out.print(f"  side {side_id}: {', '.join(side.members)}{allies}")
    out.print(f"  excluded: {', '.join(a.excluded) or 'none'}")
    for pid, (start, end) in spans.items():
        until = f"{end:%Y-%m-%d %H:%M %z}" if end else "open"
        out.print(f"  phase {pid}: {start:%Y-%m-%d %H:%M %z} → {until}")
    out.print(f"  zones: {', '.join(summary['zones']) or 'none'}")  # type: ignore[arg-type]
    out.print(f"  obligations: {', '.join(summary['obligations'])}")  # type: ignore[arg-type]


@agreement_app.command("list")
def agreement_list(as_json: JsonOpt = False) -> None:
    """List the agreements shipped with trucewatch (usable by id)."""
    from trucewatch.actors import ActorRegistry
    from trucewatch.agreements import agreement_path, load_agreement, shipped_agreement_ids

    actors = ActorRegistry.shipped()
    rows = []
    for aid in shipped_agreement_ids():
        a = load_agreement(agreement_path(aid), actors=actors)
        rows.append({"id": a.id, "signed": a.signed.isoformat(), "title": a.title})
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        out.print(f"{r['id']:<42} {r['signed']}  {r['title']}")


@agreement_app.command("schema")
def agreement_schema(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Print the JSON Schema agreement files are checked against."""
    from trucewatch.agreements.schema import agreement_schema_json

    text = agreement_schema_json()
    if out_file:
        out_file.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


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


if __name__ == "__main__":
    app()
