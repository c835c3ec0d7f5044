"""``trucewatch alerts …``: subscriptions to verified violations, deliveries, retries.

The commands act for a named user (``--user``), with that user's role and
party, so the CLI and the API apply the same rules.  E-mail goes to the
server in ``TRUCEWATCH_SMTP_HOST`` / ``TRUCEWATCH_SMTP_PORT`` from
``TRUCEWATCH_SMTP_FROM``, links point at ``TRUCEWATCH_PUBLIC_URL`` — the
variables the server reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from trucewatch.cli._common import DbOpt, JsonOpt, _fail, _print_json, app, err, out
from trucewatch.errors import InputError, Problem

if TYPE_CHECKING:
    from trucewatch.alerts import AlertSettings, Delivery
    from trucewatch.store import Database
    from trucewatch.workflow import StatusChange

alerts_app = typer.Typer(
    help="Alerts on verified violations: subscribe by e-mail or webhook, deliveries, retry.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")

UserOpt = Annotated[str, typer.Option("--user", help="Who acts (their role and party apply).")]


def _database(url: str | None) -> Database:
    from trucewatch.store import Database

    return Database(url)


def alert_settings(db_url: str | None = None) -> AlertSettings:
    """SMTP and link settings from the server's ``TRUCEWATCH_*`` variables."""
    from trucewatch.alerts import AlertSettings
    from trucewatch.api.settings import Settings

    return AlertSettings.of(Settings.from_env(db_url=db_url))


@alerts_app.command("subscribe")
def alerts_subscribe(
    user: UserOpt,
    email: Annotated[
        str | None, typer.Option("--email", help="Send alerts to this e-mail address.")
    ] = None,
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="POST signed alerts to this http(s) URL."),
    ] = None,
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="Only this agreement (an id).")
    ] = None,
    party: Annotated[
        str | None,
        typer.Option("--party", help="Only findings holding this actor (or its side) responsible."),
    ] = None,
    obligation: Annotated[
        str | None, typer.Option("--obligation", help="Only this obligation (needs --agreement).")
    ] = None,
    zone: Annotated[
        str | None,
        typer.Option("--zone", help="Only incidents inside this zone (needs --agreement)."),
    ] = None,
    min_fatalities: Annotated[
        int,
        typer.Option("--min-fatalities", help="Only incidents with at least this many deaths."),
    ] = 0,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Subscribe a user to alerts on verified violations; a webhook's secret is printed once.

    Example: trucewatch alerts subscribe --user analyst1 --email desk@example.org
    --agreement syria-2016-09-us-russia --obligation humanitarian-access
    """
    from trucewatch.alerts import subscribe, user_named

    try:
        if (email is None) == (webhook is None):
            raise InputError(
                [
                    Problem(
                        "--email/--webhook",
                        None,
                        "give exactly one of --email ADDRESS or --webhook URL",
                        "one subscription sends to one place; subscribe twice for both",
                    )
                ]
            )
        database = _database(db)
        who = user_named(database, user)
        sub, secret = subscribe(
            database,
            who,
            channel="email" if email is not None else "webhook",
            target=email if email is not None else str(webhook),
            agreement=agreement,
            party=party,
            obligation=obligation,
            zone=zone,
            min_fatalities=min_fatalities,
        )
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json({**sub.as_json(), "secret": secret})
        return
    out.print(f"subscription {sub.id}: {_describe(sub.as_json())}", markup=False)
    if secret:
        out.print("webhook signing secret (shown once; give it to your receiver):")
        typer.echo(secret)


def _describe(s: dict[str, object]) -> str:
    filters = [
        f"{k}={s[k]}" for k in ("agreement", "party", "obligation", "zone") if s[k] is not None
    ]
    if s["min_fatalities"]:
        filters.append(f"min_fatalities={s['min_fatalities']}")
    return f"{s['user']} ← {s['channel']} {s['target']}" + (
        f" — {', '.join(filters)}" if filters else " — every verified violation"
    )


@alerts_app.command("list")
def alerts_list(
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's subscriptions.")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Live subscriptions (everyone's, or one user's)."""
    from trucewatch.alerts import list_subscriptions, user_named

    try:
        database = _database(db)
        if user is not None:
            user_named(database, user)
        found = list_subscriptions(database, owner=user)
    except InputError as e:
        _fail(e)
        return
    rows = [s.as_json() for s in found]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        out.print("no subscriptions: trucewatch alerts subscribe --user NAME --email ADDRESS")
    for r in rows:
        out.print(f"{r['id']}  {_describe(r)}", markup=False)


@alerts_app.command("unsubscribe")
def alerts_unsubscribe(
    subscription_id: Annotated[int, typer.Argument(help="The subscription's id.")],
    user: UserOpt,
    db: DbOpt = None,
) -> None:
    """End a subscription of the user (an admin may end anyone's); audited."""
    from trucewatch.alerts import unsubscribe, user_named

    try:
        database = _database(db)
        who = user_named(database, user)
        try:
            unsubscribe(database, who, subscription_id)
        except LookupError:
            raise InputError(
                [
                    Problem(
                        "ID",
                        None,
                        f"{user} has no live subscription {subscription_id}",
                        f"see `trucewatch alerts list --user {user}`",
                    )
                ]
            ) from None
    except InputError as e:
        _fail(e)
        return
    out.print(f"subscription {subscription_id} ended")


def _print_deliveries(found: list[Delivery], as_json: bool) -> None:
    rows = [d.as_json() for d in found]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        out.print("no deliveries")
    for r in rows:
        out.print(
            f"{r['id']}  {r['status']:<9} {r['incident']}  {r['agreement']}/{r['obligation']}  "
            f"→ {r['channel']} {r['target']} (sub {r['subscription']}, "
            f"{r['attempts']} attempt(s))" + (f"  {r['error']}" if r["error"] else ""),
            markup=False,
        )


@alerts_app.command("deliveries")
def alerts_deliveries(
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only sent | failed | sending | cancelled deliveries."),
    ] = None,
    incident: Annotated[str | None, typer.Option("--incident", help="Only this incident.")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every alert sent or tried, newest first, with attempts and the last error."""
    from trucewatch.alerts import list_deliveries

    try:
        found = list_deliveries(_database(db), status=status, incident=incident)
    except InputError as e:
        _fail(e)
        return
    _print_deliveries(found, as_json)


@alerts_app.command("retry")
def alerts_retry(
    stuck: Annotated[
        bool,
        typer.Option(
            "--stuck",
            help="Also retry deliveries left 'sending' by a server that stopped mid-send "
            "(only while no server is sending).",
        ),
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send failed alerts again; an alert that no longer applies is cancelled, with why.

    Exit code 1 if any delivery still failed.
    """
    from trucewatch.alerts import FAILED, retry_failed

    try:
        database = _database(db)
        done = retry_failed(database, settings=alert_settings(db), include_stuck=stuck)
    except InputError as e:
        _fail(e)
        return
    _print_deliveries(done, as_json)
    if any(d.status == FAILED for d in done):
        err.print("some alerts still failed; see the errors above")
        raise typer.Exit(1)


def alert_after_status_change(
    database: Database, incident_ref: str, change: StatusChange, db_url: str | None
) -> None:
    """Send the alerts of a status change made from the CLI; never fails the change.

    The change is committed before this runs: whatever goes wrong here is
    reported on stderr (failed deliveries are kept for `alerts retry`) and
    the command still succeeds.
    """
    if change.to_status != "verified":
        return
    from trucewatch.alerts import FAILED, alert_on_status_change

    try:
        done = alert_on_status_change(
            database, incident_ref, change, settings=alert_settings(db_url)
        )
    except Exception as e:  # the verification stands whatever happens here
        err.print(f"alerts: could not be worked out ({e}); the status change stands", markup=False)
        return
    if not done:
        return
    failed = [d for d in done if d.status == FAILED]
    err.print(
        f"alerts: {len(done) - len(failed)} sent, {len(failed)} failed"
        + (
            f" ({failed[0].error}) — see `trucewatch alerts deliveries`, "
            "then `trucewatch alerts retry`"
            if failed
            else ""
        ),
        markup=False,
    )
