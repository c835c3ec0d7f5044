"""What every command shares: the app, its groups, consoles, options, error output.

Every command takes ``--help``; commands that produce results take ``--json``
for scripts.  Errors a user can cause are printed as ``FILE:LINE: problem —
fix`` on stderr with exit code 1, never as a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console

from trucewatch import __version__
from trucewatch.errors import InputError, Problem

app = typer.Typer(
    name="trucewatch",
    help="Ceasefire monitoring, verification and compliance. Start with: trucewatch demo",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
agreement_app = typer.Typer(
    help="Agreements: check, list, JSON Schema, store versions.", no_args_is_help=True
)
actors_app = typer.Typer(help="The actor registry: resolve names over time.", no_args_is_help=True)
show_app = typer.Typer(help="Show a stored record with its provenance.", no_args_is_help=True)
incident_app = typer.Typer(
    help="Stored incidents: verification status, replies, undo a merge.", no_args_is_help=True
)
app.add_typer(agreement_app, name="agreement")
app.add_typer(actors_app, name="actors")
claims_app = typer.Typer(help="Claims and graded sources.", no_args_is_help=True)
app.add_typer(claims_app, name="claims")
app.add_typer(show_app, name="show")
app.add_typer(incident_app, name="incident")
audit_app = typer.Typer(help="The audit log: check its hash chain.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
evidence_app = typer.Typer(
    help="Evidence files by SHA-256: collection record, chain of custody, integrity.",
    no_args_is_help=True,
)
app.add_typer(evidence_app, name="evidence")
access_app = typer.Typer(
    help="Humanitarian access: convoys, sieges, and the people reached.", no_args_is_help=True
)
app.add_typer(access_app, name="access")
geo_app = typer.Typer(
    help="Places: load boundaries or a gazetteer, locate a point, geocode a name.",
    no_args_is_help=True,
)
app.add_typer(geo_app, name="geo")
zone_app = typer.Typer(
    help="Zones: areas, and changes proposed by one broker and approved by another.",
    no_args_is_help=True,
)
app.add_typer(zone_app, name="zone")

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $TRUCEWATCH_DB or sqlite:///trucewatch.db)."),
]
FORMAT_HELP = (
    "acled | ucdp | hxl | geojson | csv (csv needs --mapping) | text (news articles, "
    "with --published)"
)


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


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            [Problem(option, None, f"'{value}' is not a date", "write YYYY-MM-DD")]
        ) from None
