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
incident_app = typer.Typer(help="Correct stored incidents (undo a merge).", no_args_is_help=True)
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

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $TRUCEWATCH_DB or sqlite:///trucewatch.db)."),
]
FORMAT_HELP = "acled | ucdp | hxl | geojson | csv (csv needs --mapping)"


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
    date_from: Annotated[
        str | None, typer.Option("--from", help="Stored incidents from this date (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Stored incidents up to this date (YYYY-MM-DD).")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate incidents against an agreement's obligations.

    With --incidents, the files are evaluated directly (no database). Without
    it, the incidents stored in the database (see `trucewatch ingest`) are.

    Example: trucewatch evaluate --agreement syria-2016-09-us-russia
    --incidents events.csv --claims claims.yaml --sources sources.yaml --json

    Example: trucewatch evaluate --agreement syria-2016-09-us-russia
    --from 2016-09-01 --to 2016-09-30
    """
    from trucewatch.report.terminal import print_evaluation
    from trucewatch.service import run_evaluation, run_stored_evaluation
    from trucewatch.store import Database

    try:
        if incidents is None:
            database = Database(db)
            ev = run_stored_evaluation(
                agreement,
                database,
                date_from=_day("--from", date_from),
                date_to=_day("--to", date_to),
            )
            label = f"incidents stored in {database.safe_url}"
        else:
            ev = run_evaluation(agreement, incidents, claims, sources)
            label = f"incidents from {incidents}"
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
        print_evaluation(out, ev, f"{len(ev.incidents)} {label}")
    else:
        out.print(f"wrote {len(ev.findings)} findings to {out_file}")


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            [Problem(option, None, f"'{value}' is not a date", "write YYYY-MM-DD")]
        ) from None


@app.command()
def init(db: DbOpt = None) -> None:
    """Create the database, or migrate it to this version's schema.

    Safe to run again: an up-to-date database is left as it is.

    Example: trucewatch init --db postgresql+psycopg://monitor@localhost:5432/trucewatch
    """
    from trucewatch.store import Database

    try:
        database = Database(db)
        before, after = database.migrate()
    except InputError as e:
        _fail(e)
        return
    if before == after:
        out.print(f"{database.safe_url}: schema already at revision {after}")
    else:
        out.print(f"{database.safe_url}: schema {before or 'empty'} → revision {after}")


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="The file to import.", dir_okay=False)],
    format: Annotated[str, typer.Option("--format", help=FORMAT_HELP)],
    source: Annotated[str, typer.Option("--source", help="Who the data comes from, e.g. ucdp.")],
    mapping: Annotated[
        Path | None, typer.Option(help="Column-mapping YAML for --format csv.", dir_okay=False)
    ] = None,
    skip_bad_rows: Annotated[
        bool,
        typer.Option(
            "--skip-bad-rows", help="Import the good rows; write the rejected ones beside the file."
        ),
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import incidents from a file, all or nothing, keeping where each came from.

    Importing the same file again adds nothing; an updated export updates the
    changed rows and records each change in the audit log. A bad row stops the
    import with every problem listed (FILE:LINE) and the database unchanged,
    unless --skip-bad-rows.

    Example: trucewatch ingest ucdp_ged.csv --format ucdp --source ucdp
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from trucewatch.actors import ActorRegistry
    from trucewatch.importing import import_file
    from trucewatch.store import Database

    total = _count_lines(file) if format != "geojson" else None
    try:
        database = Database(db)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=as_json,
            transient=True,
        ) as bar:
            task = bar.add_task(f"importing {file.name}", total=total)
            report = import_file(
                database,
                file,
                format=format,
                source=source,
                actors=ActorRegistry.shipped(),
                mapping=mapping,
                skip_bad_rows=skip_bad_rows,
                progress=lambda n: bar.advance(task, n),
            )
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(report.as_dict())
        return
    out.print(
        f"{file}: {report.rows} rows — {report.inserted} new incidents, "
        f"{report.merged} merged into incidents from other sources, {report.updated} "
        f"updated, {report.unchanged} unchanged, {report.rejected} rejected "
        f"(source '{report.source}', batch {report.batch_id})"
    )
    if report.rejected_file:
        out.print(f"rejected rows and reasons: {report.rejected_file}")
    if report.unresolved:
        top = ", ".join(f"{n} ({c})" for n, c in report.unresolved.most_common(5))
        out.print(
            f"[yellow]{len(report.unresolved)} actor names not in the registry[/yellow]: "
            f"{top} — see `trucewatch actors unresolved`"
        )


def _count_lines(path: Path) -> int | None:
    try:
        with path.open("rb") as f:
            return max(
                sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1, 0
            )
    except OSError:
        return None


@show_app.command("incident")
def show_incident(
    incident_id: Annotated[str, typer.Argument(help="Incident id, or a source's record id.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a stored incident: its reports with file, SHA-256, row and original values,
    the merges that joined them (and why), and its audit history.

    Example: trucewatch show incident 301214
    """
    from trucewatch.records import incident_record
    from trucewatch.report.terminal import print_incident_record
    from trucewatch.store import Database

    try:
        record = incident_record(Database(db), incident_id)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(record.as_dict())
        return
    print_incident_record(out, record)


@incident_app.command("unmerge")
def incident_unmerge(
    report_id: Annotated[int, typer.Argument(help="The report to split off (see show incident).")],
    db: DbOpt = None,
) -> None:
    """Undo a corroboration merge: the report becomes its own incident again.

    Example: trucewatch incident unmerge 17
    """
    from trucewatch.records import unmerge
    from trucewatch.store import Database

    try:
        new_id = unmerge(Database(db), report_id, user="cli")
    except InputError as e:
        _fail(e)
        return
    out.print(f"report {report_id} is now incident {new_id}; the merge is kept in the audit log")


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


@incident_app.command("status")
def incident_status_cmd(
    incident_id: Annotated[str, typer.Argument(help="Incident id, or a source's record id.")],
    to: Annotated[
        str, typer.Option("--to", help="under_review | verified | disputed | dismissed.")
    ],
    user: Annotated[str, typer.Option(help="Who makes the change (kept in the audit log).")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")],
    db: DbOpt = None,
) -> None:
    """Change an incident's verification status, with who and why.

    reported → under_review → verified | disputed | dismissed; a verified or
    disputed incident can be re-opened (→ under_review). Anything else is
    refused with the statuses allowed next.

    Example: trucewatch incident status ucdp:301214 --to under_review
    --user analyst1 --reason "second source found"
    """
    from datetime import UTC, datetime

    from trucewatch.store import Database
    from trucewatch.workflow import change_status

    try:
        database = Database(db)
        try:
            change = change_status(
                database, incident_id, to=to, user=user, reason=reason, now=datetime.now(UTC)
            )
        finally:
            database.dispose()
    except InputError as e:
        _fail(e)
        return
    out.print(
        f"{incident_id}: {change.from_status} → {change.to_status} "
        f"(by {change.user}, audit entry {change.audit_id})"
    )


@incident_app.command("reply")
def incident_reply_cmd(
    incident_id: Annotated[str, typer.Argument(help="Incident id, or a source's record id.")],
    agreement: Annotated[str, typer.Option(help="The agreement the finding is under.")],
    obligation: Annotated[str, typer.Option(help="The obligation the finding is about.")],
    party: Annotated[str, typer.Option(help="The party replying (an actor id).")],
    user: Annotated[str, typer.Option(help="Who enters the reply (kept in the audit log).")],
    text: Annotated[str, typer.Option(help="The party's reply, as given.")],
    db: DbOpt = None,
) -> None:
    """Record a party's reply to a finding about an incident (the right of reply).

    The reply is kept beside the incident, shown by `trucewatch show incident`,
    and audited.

    Example: trucewatch incident reply ucdp:301214 --agreement syria-2016-09-us-russia
    --obligation no-attacks --party syrian-arab-army --user analyst1 --text "..."
    """
    from datetime import UTC, datetime

    from trucewatch.store import Database
    from trucewatch.workflow import add_reply

    try:
        database = Database(db)
        try:
            reply_id = add_reply(
                database,
                agreement_id=agreement,
                incident_id=incident_id,
                obligation=obligation,
                party=party,
                user=user,
                text=text,
                now=datetime.now(UTC),
            )
        finally:
            database.dispose()
    except InputError as e:
        _fail(e)
        return
    out.print(f"{incident_id}: reply {reply_id} from {party} stored")


@audit_app.command("verify")
def audit_verify_cmd(db: DbOpt = None) -> None:
    """Check the audit log's hash chain: exit 0 if intact, 1 naming the first bad entry.

    Detects an edited entry, a removed entry (the next entry's link no longer
    matches) and entries whose contents were swapped.

    Example: trucewatch audit verify --db postgresql+psycopg://monitor@localhost/trucewatch
    """
    from trucewatch.store import Database, audit

    try:
        database = Database(db)
        try:
            database.require_current()
            with database.engine.connect() as conn:
                check = audit.verify_chain(conn)
        finally:
            database.dispose()
    except InputError as e:
        _fail(e)
        return
    if check.ok:
        out.print(f"{check.entries} entries, chain intact")
        return
    err.print(f"audit log broken at {check.reason or f'entry {check.first_broken}'}")
    raise typer.Exit(1)


EvidenceStoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Evidence store directory (default: $TRUCEWATCH_EVIDENCE or ./evidence).",
        file_okay=False,
    ),
]


@evidence_app.command("add")
def evidence_add_cmd(
    file: Annotated[Path, typer.Argument(help="The file as collected.", dir_okay=False)],
    incident: Annotated[
        str, typer.Option(help="The incident it concerns (incident id or a source's record id).")
    ],
    collector: Annotated[str, typer.Option(help="Who collected it (first holder).")],
    method: Annotated[str, typer.Option(help="How it was collected (tool, persona, steps).")],
    origin: Annotated[str, typer.Option(help="Where from: URL, device, person, archive.")],
    collected_at: Annotated[
        str | None,
        typer.Option(
            "--collected-at",
            help="When, ISO 8601 with time zone (default: now, if just collected).",
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="Who records it (default: the collector).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the record.")] = None,
    store: EvidenceStoreOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store a file by its SHA-256, read-only, with its collection record.

    The bytes are hashed as they are copied into the store; the same bytes
    are stored once. The first custody entry ("collected", held by the
    collector) and an audit entry are written with the record.

    Example: trucewatch evidence add convoy.jpg --incident ucdp:301214
    --collector analyst1 --method "saved from the post with a browser"
    --origin https://example.org/post/1 --collected-at 2016-09-20T08:30:00Z
    """
    from trucewatch.evidence import add, evidence_record, evidence_store, parse_time
    from trucewatch.store import Database

    directory = evidence_store(store)
    try:
        evidence_id = add(
            Database(db),
            directory,
            file,
            incident_id=incident,
            collector=collector,
            method=method,
            origin=origin,
            collected_at=parse_time("--collected-at", collected_at),
            user=user or collector,
            note=note,
        )
        record = evidence_record(Database(db), directory, evidence_id)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(record.as_dict())
        return
    row = record.evidence
    out.print(
        f"evidence {evidence_id}: {row['filename']} ({row['kind']}, {row['size_bytes']} bytes) "
        f"sha256 {row['sha256']} for incident {row['incident_id']}; stored at {record.path}"
    )


@evidence_app.command("show")
def evidence_show_cmd(
    evidence_id: Annotated[int, typer.Argument(help="The evidence id.")],
    store: EvidenceStoreOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show an evidence item: its collection record, chain of custody, and whether
    the stored bytes still match its SHA-256.

    Example: trucewatch evidence show 3
    """
    from trucewatch.evidence import evidence_record, evidence_store
    from trucewatch.store import Database

    try:
        record = evidence_record(Database(db), evidence_store(store), evidence_id)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(record.as_dict())
        return
    data = record.as_dict()
    row = data["evidence"]
    out.print(f"[bold]evidence {evidence_id}[/bold]: {row['filename']} ({row['kind']})")
    for key in (
        "incident_id",
        "sha256",
        "size_bytes",
        "media_type",
        "collected_at",
        "collector",
        "method",
        "origin",
        "note",
    ):
        if row.get(key) is not None:
            out.print(f"  {key}: {row[key]}", markup=False, highlight=False)
    state = {
        "intact": "[green]intact[/green]: the stored bytes match the SHA-256",
        "altered": "[red]ALTERED[/red]: the stored bytes no longer match; restore from a backup",
        "missing": "[red]MISSING[/red]: the stored file is gone; restore it from a backup",
    }.get(record.state, f"[red]{record.state}[/red]")
    out.print(f"  stored file: {record.path} — {state}")
    out.print("  chain of custody:")
    for c in data["custody"]:
        who = f"{c['from_holder'] or '—'} → {c['to_holder'] or '—'}"
        extra = f"  {c['note']}" if c["note"] else ""
        out.print(
            f"    {c['at']}  {c['action']:<12} {who}  (by {c['user_name']}){extra}",
            markup=False,
            highlight=False,
        )


@evidence_app.command("verify")
def evidence_verify_cmd(
    store: EvidenceStoreOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-hash every stored evidence file: exit 0 if all match, 1 naming each problem.

    Names each missing file and each whose bytes changed since collection.

    Example: trucewatch evidence verify --store /srv/evidence
    """
    from trucewatch.evidence import count, evidence_store, verify
    from trucewatch.store import Database

    try:
        database = Database(db)
        problems = verify(database, evidence_store(store))
        total = count(database)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json({"items": total, "ok": not problems, "problems": problems})
    elif not problems:
        out.print(f"{total} evidence items, every stored file matches its SHA-256")
    else:
        for problem in problems:
            typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)


@evidence_app.command("transfer")
def evidence_transfer_cmd(
    evidence_id: Annotated[int, typer.Argument(help="The evidence id.")],
    to: Annotated[str, typer.Option("--to", help="Who receives it.")],
    user: Annotated[str, typer.Option(help="Who records the hand-over.")],
    note: Annotated[str | None, typer.Option(help="Why, how, under what seal.")] = None,
    db: DbOpt = None,
) -> None:
    """Record a hand-over of evidence from its current holder (chain of custody).

    Example: trucewatch evidence transfer 3 --to legal-unit --user analyst1
    --note "sealed drive, ref 2024-17"
    """
    from trucewatch.evidence import transfer
    from trucewatch.store import Database

    try:
        transfer(Database(db), evidence_id, to_holder=to, user=user, note=note)
    except InputError as e:
        _fail(e)
        return
    out.print(f"evidence {evidence_id}: now held by {to}")


@claims_app.command("load")
def claims_load(
    file: Annotated[Path, typer.Argument(help="Claims file (YAML).", dir_okay=False)],
    user: Annotated[str, typer.Option(help="Who is loading them (kept in the audit log).")],
    sources: Annotated[
        Path | None,
        typer.Option(
            help="Sources file (YAML) with Admiralty grades, loaded first.", dir_okay=False
        ),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store claims about stored incidents, and the graded sources they cite.

    All or nothing: a claim about an incident that is not stored stops the
    load with every such claim listed. Claims already stored (same id) are
    kept as they are; a changed source grade is recorded in the audit log.

    Example: trucewatch claims load claims.yaml --sources sources.yaml --user analyst1
    """
    from trucewatch.service import store_claims
    from trucewatch.store import Database

    try:
        counts = store_claims(Database(db), file, sources, user=user)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(counts)
        return
    out.print(
        f"{file}: {counts['claims_added']} new claims of {counts['claims_in_file']}; "
        f"sources: {counts['sources_added']} new, {counts['sources_changed']} regraded"
    )


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


@agreement_app.command("load")
def agreement_load(
    file: Annotated[Path, typer.Argument(help="The agreement YAML file.", dir_okay=False)],
    user: Annotated[str, typer.Option(help="Who is loading it (kept with the version).")],
    note: Annotated[str | None, typer.Option(help="Why the terms changed.")] = None,
    db: DbOpt = None,
) -> None:
    """Store an agreement in the database as a new version (unchanged text adds nothing).

    Earlier versions stay, with who loaded each and why.

    Example: trucewatch agreement load syria-2016-09.yaml --user analyst1
    --note "add Castello Road withdrawal distances"
    """
    from datetime import UTC, datetime

    from trucewatch.actors import ActorRegistry
    from trucewatch.agreements import load_agreement
    from trucewatch.store import Database
    from trucewatch.store.agreements import save_agreement

    try:
        agreement = load_agreement(file, actors=ActorRegistry.shipped())
        database = Database(db)
        database.require_current()
        with database.transaction() as conn:
            version, created = save_agreement(
                conn,
                agreement,
                file.read_text(encoding="utf-8"),
                user=user,
                now=datetime.now(UTC),
                note=note,
            )
    except InputError as e:
        _fail(e)
        return
    state = "stored as" if created else "unchanged: still"
    out.print(f"{agreement.id}: {state} version {version}")


@agreement_app.command("history")
def agreement_history_cmd(
    agreement_id: Annotated[str, typer.Argument(help="The agreement id.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the stored versions of an agreement: when, by whom, why."""
    from trucewatch.store import Database
    from trucewatch.store.agreements import agreement_history

    try:
        database = Database(db)
        database.require_current()
        with database.engine.connect() as conn:
            versions = agreement_history(conn, agreement_id)
    except InputError as e:
        _fail(e)
        return
    if not versions:
        err.print(
            f"no stored agreement '{agreement_id}' — store it with `trucewatch agreement load FILE`"
        )
        raise typer.Exit(1)
    rows = [
        {
            "version": v.version,
            "sha256": v.sha256,
            "changed_by": v.changed_by,
            "changed_at": v.changed_at.isoformat(),
            "note": v.note,
        }
        for v in versions
    ]
    if as_json:
        _print_json(rows)
        return
    for v in versions:
        out.print(
            f"v{v.version}  {v.changed_at.isoformat()}  {v.changed_by}  {v.sha256[:12]}"
            + (f"  {v.note}" if v.note else "")
        )


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
