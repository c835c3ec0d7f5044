"""Running the engine: the demo and evaluate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from trucewatch.cli._common import (
    DbOpt,
    JsonOpt,
    _day,
    _fail,
    _print_json,
    app,
    out,
)
from trucewatch.errors import InputError, Problem


@app.command()
def demo(
    as_json: JsonOpt = False,
    case: Annotated[
        str | None,
        typer.Option(
            help="Another shipped case, e.g. minsk-2015 (its case.yaml names its agreement)."
        ),
    ] = None,
) -> None:
    """Run the Sept 2016 Syria truce case end to end (or another shipped case).

    Loads the shipped US–Russia arrangement of 9 Sept 2016 and the shipped
    case (real, sourced incidents and claims for September 2016), evaluates
    every incident against every obligation, and prints the compliance matrix,
    the contested incidents with their claims, and when the truce broke down.

    Example: trucewatch demo --json > demo.json

    Example: trucewatch demo --case minsk-2015
    """
    from trucewatch.report.terminal import print_evaluation
    from trucewatch.service import DEMO_CASE, run_demo

    if case is not None and case != DEMO_CASE:
        _demo_case(case, as_json)
        return
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


def _demo_case(case: str, as_json: bool) -> None:
    """A shipped case other than the default, against the agreement its case.yaml names."""
    import yaml

    from trucewatch.cases import case_files
    from trucewatch.report.terminal import print_evaluation
    from trucewatch.service import run_evaluation

    try:
        files = case_files(case)
        manifest = files.readme.parent / "case.yaml"
        if not manifest.is_file():
            raise InputError(
                [
                    Problem(
                        case,
                        None,
                        "this case names no agreement (no case.yaml)",
                        "run it with trucewatch evaluate --agreement ID --incidents FILE …",
                    )
                ]
            )
        agreement = str(yaml.safe_load(manifest.read_text(encoding="utf-8"))["agreement"])
        ev = run_evaluation(
            agreement, files.incidents, files.claims, files.sources, access_path=files.access
        )
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(ev.as_json())
        return
    print_evaluation(
        out,
        ev,
        f"{len(ev.incidents)} incidents and {len(ev.claims)} claims from the shipped case "
        f"'{case}': each record cites its sources (the case's README.md). A small selection, not a "
        "complete record; source grades are trucewatch's provisional, illustrative grading.",
    )


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
    access: Annotated[
        Path | None,
        typer.Option(help="Access file (YAML): convoys and sieges, measured too.", dir_okay=False),
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
        if incidents is None and access is not None:
            raise InputError(
                [
                    Problem(
                        "--access",
                        None,
                        "an access file is read together with --incidents",
                        "for stored incidents, store it first: "
                        "trucewatch access add FILE --user NAME",
                    )
                ]
            )
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
            ev = run_evaluation(agreement, incidents, claims, sources, access_path=access)
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


@app.command()
def health(
    agreement: Annotated[str, typer.Option(help="Agreement id or file.")],
    incidents: Annotated[
        Path | None,
        typer.Option(help="Incidents in ACLED CSV format (else the stored ones).", dir_okay=False),
    ] = None,
    claims: Annotated[Path | None, typer.Option(help="Claims file (YAML).", dir_okay=False)] = None,
    sources: Annotated[
        Path | None, typer.Option(help="Sources file (YAML) with Admiralty grades.", dir_okay=False)
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Show days from this date (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option(
            "--to", help="Last day of the period (default: the agreement's end, or the data's)."
        ),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Truce health: did it have an effect, when violence came back, the daily state, warnings.

    Each day is holding, strained, collapsing or collapsed, judged only on data
    up to that day; a warning fires when it turns worse. Break dates are where
    the level of violence between the parties changed. Every rule and
    threshold: docs/health.md.

    Example: trucewatch health --agreement syria-2016-09-us-russia

    Example: trucewatch health --agreement syria-2016-09-us-russia --json
    """
    from trucewatch.report.health import print_health
    from trucewatch.service import health_of, run_evaluation, stored_health
    from trucewatch.store import Database

    try:
        start = _day("--from", date_from)
        end = _day("--to", date_to)
        if incidents is None:
            report = stored_health(agreement, Database(db), end=end)
        else:
            report = health_of(run_evaluation(agreement, incidents, claims, sources), end=end)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json(report.as_json(date_from=start, date_to=end))
    else:
        print_health(out, report, date_from=start, date_to=end)


@app.command()
def report(
    agreement: Annotated[str, typer.Option(help="Agreement id or file.")],
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the report.")],
    fmt: Annotated[str, typer.Option("--format", help="html (charts and map) or md.")] = "html",
    period: Annotated[
        str, typer.Option(help="all (the whole agreement), daily or weekly (ending on --date).")
    ] = "all",
    on: Annotated[
        str | None, typer.Option("--date", help="Report date (YYYY-MM-DD); default: the end.")
    ] = None,
    case: Annotated[
        str | None, typer.Option(help="A shipped case instead of the database, e.g. syria-2016-09.")
    ] = None,
    incidents: Annotated[
        Path | None, typer.Option(help="Incidents in ACLED CSV format.", dir_okay=False)
    ] = None,
    claims: Annotated[Path | None, typer.Option(help="Claims file (YAML).", dir_okay=False)] = None,
    sources: Annotated[
        Path | None, typer.Option(help="Sources file (YAML).", dir_okay=False)
    ] = None,
    access: Annotated[Path | None, typer.Option(help="Access file (YAML).", dir_okay=False)] = None,
    db: DbOpt = None,
) -> None:
    """Write a monitoring report: summary, change since the last report, violations by
    party and obligation, contested incidents with every claim and reply, access,
    health and warnings, method and sources.

    HTML is one self-contained file (charts and map inline, no network) that
    prints to PDF; Markdown has the same text and tables.

    Example: trucewatch report --agreement syria-2016-09-us-russia --out report.html

    Example: trucewatch report --agreement syria-2016-09-us-russia --case syria-2016-09
    --out weekly.md --format md --period weekly --date 2016-09-19
    """
    from trucewatch.service import write_report
    from trucewatch.store import Database

    try:
        if fmt not in ("html", "md"):
            raise InputError(
                [Problem("--format", None, f"'{fmt}' is not a report format", "use html or md")]
            )
        if period not in ("all", "daily", "weekly"):
            raise InputError(
                [
                    Problem(
                        "--period", None, f"'{period}' is not a period", "use all, daily or weekly"
                    )
                ]
            )
        text = write_report(
            agreement,
            fmt=fmt,
            period=period,
            on=_day("--date", on),
            case=case,
            files=(incidents, claims, sources, access),
            db=None if case or incidents else Database(db),
        )
    except InputError as e:
        _fail(e)
        return
    out_path.write_text(text, encoding="utf-8")
    out.print(f"wrote {fmt} report to {out_path} ({len(text):,} characters)")


@app.command()
def compare(
    agreement: Annotated[
        list[str] | None,
        typer.Option(help="Agreement id or file; repeat it (default: every shipped agreement)."),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Agreements side by side: days in force, effect, when violence came back,
    violations by side, access achieved, how each ended.

    Measured on the incidents and access events stored in the database (for
    example UCDP GED loaded with `trucewatch ingest`).

    Example: trucewatch compare

    Example: trucewatch compare --agreement syria-2016-02-cessation-of-hostilities
    --agreement syria-2016-09-us-russia --json
    """
    from rich.table import Table

    from trucewatch.service import compare_agreements
    from trucewatch.store import Database

    try:
        rows = compare_agreements(Database(db), agreement or None)
    except InputError as e:
        _fail(e)
        return
    if as_json:
        _print_json([r.as_json() for r in rows])
        return
    t = Table(title="Agreements side by side (stored incidents)", show_lines=True)
    for col in (
        "agreement",
        "in force",
        "effect",
        "came back",
        "violations by side",
        "access",
        "ended",
    ):
        t.add_column(col)
    for r in rows:
        back = ", ".join(
            f"{label} {d}"
            for label, d in (
                ("break", r.first_break),
                ("warning", r.first_warning),
                ("collapsed", r.collapsed_on),
            )
            if d is not None
        )
        sides = ", ".join(f"{s} {n}" for s, n in sorted(r.violations_by_side.items()))
        t.add_row(
            f"{r.agreement.id}\n(signed {r.agreement.signed})",
            "—" if r.days_in_force is None else f"{r.days_in_force} days",
            r.effect,
            back or "—",
            sides or "none",
            r.access,
            r.ended,
        )
    out.print(t)
