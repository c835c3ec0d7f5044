"""Import speed and memory of trucewatch, beside the naive pandas baseline, in one run.

For each input (the real UCDP GED Syria file, and a generated ACLED-format
file) and each database (SQLite in a fresh file, PostgreSQL in a fresh
database) it measures:

* trucewatch: ``Database(url).migrate()`` then ``import_file(...)`` with the
  shipped actor registry (one transaction, every row parsed, validated,
  resolved, checked for corroboration, stored with provenance and audit);
* baseline: what an analyst would write, ``pandas.read_csv(path)`` then
  ``DataFrame.to_sql("events", engine, if_exists="replace", index=False)``
  (pandas' default chunksize and insert method).

Every measurement runs in its own fresh subprocess against its own fresh
database, so its peak RSS is that run's alone (``os.wait4`` rusage of the
child; the child's own VmHWM is printed beside it as a check).  Times are
the wall time of the work inside the child (not interpreter start-up or
module imports).  Each measurement is repeated ``--repeat`` times and the
median is reported; the machine is noisy, so read medians and ratios, never
single numbers.  Nothing here asserts on time.

Memory flatness: trucewatch is also run on ``--flat-rows`` generated rows
(default 100,000) so its peak RSS can be put beside the big file's.

    python bench/ingest.py                       # UCDP x3, 1M ACLED x1, both databases
    python bench/ingest.py --rows 100000 --repeat 3
    python bench/ingest.py --inputs ucdp --databases sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from _machine import cpu_and_memory  # bench/ is the script's folder

HERE = Path(__file__).resolve().parent
UCDP_FILE = Path("/work/shared/data/events/ucdp_ged_syria_2016_2019.csv")
DEFAULT_PG = "postgresql+psycopg://127.0.0.1:5432/test"
BASELINE_TABLE = "events"


# --------------------------------------------------------------------------- child


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(method: str, url: str, path: str, fmt: str, source: str) -> None:
    """One measurement; prints one JSON line on stdout."""
    result: dict[str, object] = {}
    if method == "trucewatch":
        from trucewatch.actors import ActorRegistry
        from trucewatch.importing import import_file
        from trucewatch.store.database import Database

        actors = ActorRegistry.shipped()
        started = time.perf_counter()
        db = Database(url)
        db.migrate()
        migrated = time.perf_counter()
        report = import_file(db, Path(path), format=fmt, source=source, actors=actors)
        db.dispose()
        finished = time.perf_counter()
        result.update(
            rows=report.rows,
            stored=report.inserted + report.merged,
            rejected=report.rejected,
            migrate_seconds=migrated - started,
        )
    elif method == "baseline":
        import pandas as pd
        from sqlalchemy import create_engine

        started = time.perf_counter()
        frame = pd.read_csv(path)
        engine = create_engine(url)
        frame.to_sql(BASELINE_TABLE, engine, if_exists="replace", index=False)
        engine.dispose()
        finished = time.perf_counter()
        result.update(rows=len(frame), stored=len(frame), rejected=0)
    else:
        raise SystemExit(f"unknown method {method}")
    result.update(seconds=finished - started, vm_hwm_mb=_vm_hwm_mb())
    print(json.dumps(result), flush=True)


# --------------------------------------------------------------------------- databases


class Databases:
    """Fresh, throw-away databases: SQLite files in a work directory, PostgreSQL databases."""

    def __init__(self, workdir: Path, pg_url: str | None) -> None:
        self.workdir = workdir
        self.pg_admin = None
        self.pg_url = pg_url
        self.pg_version: str | None = None
        self.pg_skip_reason: str | None = None
        if pg_url is None:
            self.pg_skip_reason = "disabled with --pg ''"
            return
        from sqlalchemy import create_engine, text

        try:
            engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                self.pg_version = conn.execute(text("SHOW server_version")).scalar_one()
            self.pg_admin = engine
        except Exception as e:
            self.pg_skip_reason = f"cannot connect to {pg_url}: {type(e).__name__}: {e}"

    def fresh(self, kind: str) -> tuple[str, object]:
        """A URL to a new empty database, and a handle for drop()."""
        name = f"tw_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        if kind == "sqlite":
            path = self.workdir / f"{name}.db"
            return f"sqlite:///{path}", path
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        assert self.pg_admin is not None
        with self.pg_admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(self.pg_url).set(database=name)
        return url.render_as_string(hide_password=False), name

    def drop(self, kind: str, handle: object) -> None:
        if kind == "sqlite":
            assert isinstance(handle, Path)
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{handle}{suffix}").unlink(missing_ok=True)
            return
        from sqlalchemy import text

        assert self.pg_admin is not None
        with self.pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{handle}" WITH (FORCE)'))

    def close(self) -> None:
        if self.pg_admin is not None:
            self.pg_admin.dispose()


# --------------------------------------------------------------------------- parent


@dataclass
class Input:
    label: str
    path: Path
    format: str
    source: str
    repeat: int


@dataclass
class Measurement:
    input: str
    database: str
    method: str
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    rows: int = 0
    stored: int = 0
    rejected: int = 0
    failure: str | None = None

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def peak_rss_mb(self) -> float:
        return max(self.rss_mb) if self.rss_mb else float("nan")

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.median_seconds if self.seconds else float("nan")


def run_child(
    method: str, url: str, inp: Input, timeout: float | None
) -> tuple[dict[str, object] | None, float, str | None]:
    """Run one measurement in a fresh process: (result, peak RSS MB of the child, failure)."""
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--child",
        method, url, str(inp.path), inp.format, inp.source,
    ]  # fmt: skip
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return None, usage.ru_maxrss / 1024, f"timeout after {timeout:.0f} s"
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
        rss_mb = usage.ru_maxrss / 1024  # Linux: KiB
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace").strip()
        stderr = err.read().decode(errors="replace").strip()
    if proc.returncode != 0 or not stdout:
        tail = stderr.splitlines()[-1] if stderr else "no output"
        return None, rss_mb, f"exit {proc.returncode}: {tail}"
    return json.loads(stdout.splitlines()[-1]), rss_mb, None


def measure(
    dbs: Databases, kind: str, inp: Input, method: str, timeout: float | None, log: bool = True
) -> Measurement:
    m = Measurement(inp.label, kind, method)
    for i in range(inp.repeat):
        url, handle = dbs.fresh(kind)
        try:
            result, rss_mb, failure = run_child(method, url, inp, timeout)
        finally:
            dbs.drop(kind, handle)
        if failure is not None:
            m.failure = failure
            print(f"  {inp.label:>14} {kind:<10} {method:<10} run {i + 1}: FAILED {failure}",
                  flush=True)  # fmt: skip
            break
        assert result is not None
        m.seconds.append(float(result["seconds"]))  # type: ignore[arg-type]
        m.rss_mb.append(rss_mb)
        m.rows = int(result["rows"])  # type: ignore[call-overload]
        m.stored = int(result["stored"])  # type: ignore[call-overload]
        m.rejected = int(result["rejected"])  # type: ignore[call-overload]
        if log:
            extra = ""
            if "migrate_seconds" in result:
                extra = f", migrate {float(result['migrate_seconds']):.2f} s"  # type: ignore[arg-type]
            if m.rejected:
                extra += f", {m.rejected} rows rejected"
            print(
                f"  {inp.label:>14} {kind:<10} {method:<10} run {i + 1}/{inp.repeat}: "
                f"{m.seconds[-1]:8.2f} s  {m.rows / m.seconds[-1]:9.0f} rows/s  "
                f"peak RSS {rss_mb:7.1f} MB (child VmHWM {float(result['vm_hwm_mb']):.1f}){extra}",  # type: ignore[arg-type]
                flush=True,
            )
    return m


def machine(dbs: Databases) -> list[str]:
    cpu, mem = cpu_and_memory()
    versions = []
    for module in ("trucewatch", "pandas", "sqlalchemy", "psycopg"):
        try:
            from importlib.metadata import version

            versions.append(f"{module} {version(module)}")
        except Exception:
            versions.append(f"{module} ?")
    return [
        f"date:       {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"machine:    {platform.node()} — {platform.platform()}",
        f"cpu:        nproc {len(os.sched_getaffinity(0))}, {cpu}; memory {mem}",
        f"python:     {platform.python_version()} ({sys.executable})",
        f"sqlite:     {sqlite3.sqlite_version}",
        f"postgresql: {dbs.pg_version or 'not measured (' + str(dbs.pg_skip_reason) + ')'}",
        f"packages:   {', '.join(versions)}",
    ]


def _fmt(value: float, spec: str) -> str:
    return "—" if value != value else format(value, spec)  # NaN → dash


def table(measurements: list[Measurement]) -> list[str]:
    head = (
        f"| {'input':<22} | {'database':<10} | {'method':<10} | {'runs':>4} | "
        f"{'median s':>9} | {'rows/s':>9} | {'peak RSS MB':>11} | "
        f"{'time tw/base':>12} | {'RSS tw/base':>11} |"
    )
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    by_key = {(m.input, m.database, m.method): m for m in measurements}
    for m in measurements:
        ratio_t = ratio_m = ""
        if m.method == "trucewatch":
            base = by_key.get((m.input, m.database, "baseline"))
            if base is not None and base.seconds and m.seconds:
                ratio_t = f"{m.median_seconds / base.median_seconds:.2f}x"
                ratio_m = f"{m.peak_rss_mb / base.peak_rss_mb:.2f}x"
        seconds = _fmt(m.median_seconds, ".2f") if m.failure is None else "FAILED"
        lines.append(
            f"| {m.input:<22} | {m.database:<10} | {m.method:<10} | {len(m.seconds):>4} | "
            f"{seconds:>9} | {_fmt(m.rows_per_second, ',.0f'):>9} | "
            f"{_fmt(m.peak_rss_mb, '.0f'):>11} | {ratio_t:>12} | {ratio_m:>11} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="trucewatch import speed and memory vs a pandas read_csv+to_sql baseline"
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=1_000_000,
        help="rows of the generated ACLED file (default 1000000)",
    )
    parser.add_argument(
        "--flat-rows",
        type=int,
        default=100_000,
        help="smaller generated file for the memory-flatness check (default 100000; 0 to skip)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs per measurement (default: 3 for UCDP and files under "
        "200k rows, 1 for bigger files)",
    )
    parser.add_argument(
        "--inputs", default="ucdp,acled", help="comma-separated: ucdp, acled (default both)"
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--ucdp", type=Path, default=UCDP_FILE, help="the UCDP GED CSV")
    parser.add_argument(
        "--acled-file", type=Path, default=None, help="use this ACLED CSV instead of generating one"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--pg",
        default=DEFAULT_PG,
        help=f"PostgreSQL URL of a database to connect to for CREATE DATABASE "
        f"(default {DEFAULT_PG}; '' to skip PostgreSQL)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where generated files and SQLite databases go "
        "(default: a temporary directory, removed at the end)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800,
        help="seconds before one measurement is killed (default 1800)",
    )
    args = parser.parse_args(argv)  # fmt: skip

    sys.path.insert(0, str(HERE))
    from generate_acled import generate

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="trucewatch-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    dbs = Databases(workdir, args.pg or None)
    wanted_dbs = [d.strip() for d in args.databases.split(",") if d.strip()]
    kinds = []
    for kind in wanted_dbs:
        if kind == "postgresql" and dbs.pg_skip_reason:
            print(f"skipping PostgreSQL: {dbs.pg_skip_reason}")
            continue
        kinds.append(kind)

    def repeat_for(rows: int) -> int:
        return args.repeat if args.repeat is not None else (3 if rows < 200_000 else 1)

    inputs: list[Input] = []
    wanted_inputs = {i.strip() for i in args.inputs.split(",")}
    if "ucdp" in wanted_inputs:
        if args.ucdp.is_file():
            # A copy: import_file writes <file>.rejected.csv beside its input.
            copy = workdir / args.ucdp.name
            shutil.copyfile(args.ucdp, copy)
            inputs.append(Input("UCDP GED (real)", copy, "ucdp", "UCDP GED 19.1",
                                args.repeat or 3))  # fmt: skip
        else:
            print(f"skipping UCDP: {args.ucdp} not found")

    def acled_input(rows: int) -> Input:
        if args.acled_file is not None and rows == args.rows:
            path = args.acled_file
        else:
            path = workdir / f"acled_synthetic_{rows}_seed{args.seed}.csv"
            if not path.exists():
                started = time.perf_counter()
                generate(path, rows, seed=args.seed)
                print(f"generated {rows:,} ACLED rows in {time.perf_counter() - started:.1f} s "
                      f"({path.stat().st_size / 1e6:.0f} MB): {path}", flush=True)  # fmt: skip
        return Input(f"ACLED synthetic {rows // 1000:,}k", path, "acled", "ACLED synthetic",
                     repeat_for(rows))  # fmt: skip

    if "acled" in wanted_inputs:
        inputs.append(acled_input(args.rows))

    info = machine(dbs)
    print("\n".join(info), flush=True)
    print(f"workdir:    {workdir}\n", flush=True)

    measurements: list[Measurement] = []
    try:
        for inp in inputs:
            for kind in kinds:
                for method in ("trucewatch", "baseline"):
                    measurements.append(measure(dbs, kind, inp, method, args.timeout))
        flat: list[Measurement] = []
        if "acled" in wanted_inputs and args.flat_rows and args.flat_rows != args.rows:
            small = acled_input(args.flat_rows)
            for kind in kinds:
                flat.append(measure(dbs, kind, small, "trucewatch", args.timeout))
    finally:
        dbs.close()

    print()
    print("\n".join(info))
    print(f"command:    python bench/ingest.py {' '.join(argv or sys.argv[1:])}".rstrip())
    print()
    print("\n".join(table(measurements)))
    notes = [m for m in measurements if m.rejected]
    for m in notes:
        print(f"  {m.input} / {m.database} / {m.method}: {m.rows:,} rows read, "
              f"{m.stored:,} stored, {m.rejected:,} rejected as row problems")  # fmt: skip
    for m in measurements:
        if m.failure:
            print(f"  {m.input} / {m.database} / {m.method}: FAILED — {m.failure}")
    if flat:
        print()
        print("Memory flatness (trucewatch peak RSS, MB, by file size):")
        big = {m.database: m for m in measurements
               if m.method == "trucewatch" and m.input.startswith("ACLED")}  # fmt: skip
        for m in flat:
            other = big.get(m.database)
            line = f"  {m.database:<10} {m.input}: {_fmt(m.peak_rss_mb, '.0f')} MB"
            if other is not None and other.rss_mb:
                line += (f"   {other.input}: {_fmt(other.peak_rss_mb, '.0f')} MB "
                         f"({other.peak_rss_mb / m.peak_rss_mb:.2f}x for "
                         f"{other.rows / max(m.rows, 1):.0f}x the rows)")  # fmt: skip
                line += (
                    f"; time {m.median_seconds:.1f} s → {other.median_seconds:.1f} s "
                    f"({m.rows_per_second:,.0f} → {other.rows_per_second:,.0f} rows/s)"
                )
            print(line)
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:7])
    else:
        sys.exit(main())
