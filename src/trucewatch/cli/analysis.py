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
        list[Path] | None,
        typer.Option(
            help="Incidents in ACLED format: CSV (or, with --out FILE.parquet, Parquet). "
            "Repeat it for several files.",
            dir_okay=False,
        ),
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
        Path | None,
        typer.Option(
            "--out",
            help="Write the result to this file: JSON, or a findings table if it ends in "
            ".parquet (the batch engine, for files of any size).",
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            help="Batch engine for --out FILE.parquet: local (default) or dask (partitioned "
            "Parquet in the --out folder)."
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="With --engine dask: a running scheduler, e.g. tcp://10.0.0.5:8786."),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="With --engine dask and no --scheduler: local worker processes.")
    ] = 2,
    everything: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Batch engine: keep not_applicable findings too (by default only findings "
            "that concern the incident, and brokers' acts, are written).",
        ),
    ] = False,
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

    With --out FILE.parquet the batch engine streams files of any size (CSV or
    Parquet, several at once) into a findings table, one row per incident and
    obligation; --engine dask runs it on a Dask cluster. See docs/engine.md.

    Example: trucewatch evaluate --agreement syria-2016-09-us-russia
    --incidents events.csv --claims claims.yaml --sources sources.yaml --json

    Example: trucewatch evaluate --agreement syria-2016-09-us-russia
    --from 2016-09-01 --to 2016-09-30

    Example: trucewatch evaluate --agreement syria-2016-09-us-russia
    --incidents acled-2016.csv --incidents acled-2017.parquet --out findings.parquet
    """
    from trucewatch.report.terminal import print_evaluation
    from trucewatch.service import run_evaluation, run_stored_evaluation
    from trucewatch.store import Database

    files = list(incidents or [])
    batch = engine is not None or (
        out_file is not None and (out_file.suffix.lower() == ".parquet" or engine == "dask")
    )
    try:
        if batch:
            _evaluate_batch(
                agreement,
                files,
                out_file,
                claims,
                sources,
                access,
                engine or "local",
                scheduler,
                workers,
                everything,
                as_json,
            )
            return
        if len(files) > 1:
            raise InputError(
                [
                    Problem(
                        "--incidents",
                        None,
                        f"{len(files)} files given; several files are evaluated by the batch "
                        "engine",
                        "add --out findings.parquet",
                    )
                ]
            )
        if not files and access is not None:
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
        if not files:
            database = Database(db)
            ev = run_stored_evaluation(
                agreement,
                database,
                date_from=_day("--from", date_from),
                date_to=_day("--to", date_to),
            )
            label = f"incidents stored in {database.safe_url}"
        else:
            ev = run_evaluation(agreement, files[0], claims, sources, access_path=access)
            label = f"incidents from {files[0]}"
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


def _evaluate_batch(
    agreement: str,
    files: list[Path],
    out_file: Path | None,
    claims: Path | None,
    sources: Path | None,
    access: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int,
    everything: bool,
    as_json: bool,
) -> None:
    """`evaluate --out FILE.parquet`: the batch engine, with a progress bar on a terminal."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from trucewatch.batch import evaluate_files, evaluate_files_dask

    problems: list[Problem] = []
    if engine not in ("local", "dask"):
        problems.append(
            Problem("--engine", None, f"'{engine}' is not an engine", "use local or dask")
        )
    if out_file is None:
        problems.append(
            Problem(
                "--out",
                None,
                "the batch engine writes a findings table",
                "add --out findings.parquet (--engine dask: --out a new folder)",
            )
        )
    if not files:
        problems.append(
            Problem(
                "--incidents",
                None,
                "the batch engine reads files, not the database",
                "give --incidents FILE (CSV or Parquet), repeated for several files",
            )
        )
    if access is not None:
        problems.append(
            Problem(
                "--access",
                None,
                "access is measured by the per-incident evaluation",
                "drop --out FILE.parquet to measure access, or drop --access",
            )
        )
    if scheduler is not None and engine != "dask":
        problems.append(Problem("--scheduler", None, "is for --engine dask", "add --engine dask"))
    if workers < 1:
        problems.append(
            Problem("--workers", None, f"{workers} is not a number of workers", "give 1 or more")
        )
    if problems:
        raise InputError(problems)
    assert out_file is not None
    if engine == "dask":
        run = evaluate_files_dask(
            agreement,
            files,
            out_file,
            claims_path=claims,
            sources_path=sources,
            scheduler=scheduler,
            workers=workers,
            everything=everything,
        )
    else:
        with Progress(
            SpinnerColumn(),
            TextColumn("evaluating"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("incidents"),
            TimeElapsedColumn(),
            console=out,
            transient=True,
            disable=as_json or not out.is_terminal,
        ) as bar:
            task = bar.add_task("evaluate", total=None)
            run = evaluate_files(
                agreement,
                files,
                out_file,
                claims_path=claims,
                sources_path=sources,
                progress=lambda n: bar.advance(task, n),
                everything=everything,
            )
    if as_json:
        _print_json(run.as_json())
        return
    verdicts = ", ".join(f"{v} {n:,}" for v, n in sorted(run.verdicts.items()))
    out.print(
        f"evaluated {run.incidents:,} incidents from {len(run.files)} file(s) in "
        f"{run.seconds:.1f} s ({run.engine}): {run.findings:,} findings ({verdicts or 'none'}) "
        f"written to {run.out}",
        markup=False,
    )


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
