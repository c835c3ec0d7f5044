"""``trucewatch serve`` and ``trucewatch users …``: the mission's server and who may use it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trucewatch.cli._common import DbOpt, JsonOpt, _fail, _print_json, app, err, out
from trucewatch.errors import InputError

users_app = typer.Typer(
    help="Users of the server: add (prints a one-time token), list, tokens, revoke.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")

ByOpt = Annotated[str, typer.Option("--by", help="Who makes this change (kept in the audit log).")]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: DbOpt = None,
    evidence_store: Annotated[
        str | None,
        typer.Option(
            "--store", help="Evidence store folder (default: $TRUCEWATCH_EVIDENCE or ./evidence)."
        ),
    ] = None,
) -> None:
    """Run the API and dashboard (OpenAPI at /docs); settings in docs/server.md."""
    import uvicorn

    from trucewatch.api import Settings, create_app

    try:
        settings = Settings.from_env(
            db_url=db, evidence_store=Path(evidence_store) if evidence_store else None
        )
        application = create_app(settings)
    except InputError as e:
        _fail(e)
        return
    where = application.state.tw.db.safe_url
    err.print(f"trucewatch serving {where} on http://{host}:{port} (API docs at /docs)")
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=False)


def _db(url: str | None):  # type: ignore[no-untyped-def]
    from trucewatch.store import Database

    return Database(url)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's name (letters, digits, . _ @ -).")],
    role: Annotated[
        str, typer.Option("--role", help="admin | analyst | monitor | party_liaison | public")
    ],
    party: Annotated[
        str | None, typer.Option("--party", help="For a party_liaison: the party's actor id.")
    ] = None,
    password: Annotated[
        bool,
        typer.Option(
            "--password", help="Also set a password for the dashboard (asked for, not echoed)."
        ),
    ] = False,
    by: ByOpt = "admin",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user and print their API token once (only its hash is kept)."""
    from trucewatch.accounts import add_user

    secret = (
        typer.prompt("Password", hide_input=True, confirmation_prompt=True) if password else None
    )
    try:
        user, token = add_user(_db(db), name, role, by=by, party=party, password=secret)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(
            {"name": user.name, "role": user.role.value, "party": user.party, "token": token}
        )
        return
    out.print(
        f"added {user.name} ({user.role.value}{', party ' + user.party if user.party else ''})"
    )
    out.print("API token (shown once; keep it safe):")
    typer.echo(token)


@users_app.command("list")
def users_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every user with role, party and whether active."""
    from trucewatch.accounts import list_users

    try:
        found = list_users(_db(db))
    except InputError as e:
        _fail(e)
        return
    rows = [
        {"name": u.name, "role": u.role.value, "party": u.party, "active": u.active} for u in found
    ]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        out.print("no users yet: trucewatch users add NAME --role admin")
    for r in rows:
        out.print(
            f"{r['name']}  {r['role']}"
            + (f"  party={r['party']}" if r["party"] else "")
            + ("" if r["active"] else "  (deactivated)")
        )


@users_app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="The user.")],
    label: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
    days: Annotated[int, typer.Option(help="Days until it expires.")] = 90,
    by: ByOpt = "admin",
    db: DbOpt = None,
) -> None:
    """Issue another API token for a user (shown once)."""
    from trucewatch.accounts import issue_token

    try:
        token = issue_token(_db(db), name, by=by, label=label, days=days)
    except InputError as e:
        _fail(e)
        return
    typer.echo(token)


@users_app.command("revoke")
def users_revoke(
    name: Annotated[str, typer.Argument(help="The user.")],
    by: ByOpt = "admin",
    db: DbOpt = None,
) -> None:
    """Revoke every token and session of a user at once."""
    from trucewatch.accounts import revoke_tokens

    try:
        n = revoke_tokens(_db(db), name, by=by)
    except InputError as e:
        _fail(e)
        return
    out.print(f"revoked {n} token(s) and session(s) of {name}")


@users_app.command("deactivate")
def users_deactivate(
    name: Annotated[str, typer.Argument(help="The user.")],
    by: ByOpt = "admin",
    db: DbOpt = None,
) -> None:
    """Deactivate a user: their tokens and sessions stop working (history is kept)."""
    from trucewatch.accounts import set_active

    try:
        set_active(_db(db), name, False, by=by)
    except InputError as e:
        _fail(e)
        return
    out.print(f"deactivated {name}")


@users_app.command("password")
def users_password(
    name: Annotated[str, typer.Argument(help="The user.")],
    by: ByOpt = "admin",
    db: DbOpt = None,
) -> None:
    """Set a user's dashboard password (asked for, not echoed; 12 characters or more)."""
    from trucewatch.accounts import set_password

    secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(_db(db), name, secret, by=by)
    except InputError as e:
        _fail(e)
        return
    out.print(f"password set for {name}")
