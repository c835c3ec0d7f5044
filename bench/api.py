"""Latency and throughput of the mission's server, beside a bare FastAPI endpoint, in one run.

What is measured: the real server (``trucewatch serve``: ``create_app`` under
uvicorn, one process, exactly as shipped) over 100,000 **synthetic**
incidents, once on SQLite and once on PostgreSQL, answering an analyst's
Bearer-token calls:

* ``incidents, first page``  ``GET /api/incidents?limit=50``
* ``incidents, deep cursor`` ``GET /api/incidents?limit=50&cursor=C`` where C
  points 90 % of the way down the list (keyset paging should cost the same);
* ``incidents, filtered``    ``GET /api/incidents?limit=50&area=Aleppo&date_from=2016-09-20``
* ``compliance``             ``GET /api/compliance?agreement=syria-2016-09-us-russia``

Baseline, in the same run: a bare FastAPI app defined here (``bare_app``), in
its own uvicorn subprocess started the same way, whose two endpoints return
from memory exactly the JSON bodies the real server gave for the first page
and for the compliance call (fetched from it once, first).  ``bare (dict)``
returns the parsed body and lets FastAPI serialise it, as any endpoint does;
``bare (bytes)`` returns the pre-encoded bytes, the floor of
uvicorn + Starlette + this client.  Ratios are taken against ``bare (dict)``.

Load: one asyncio client in this process (``httpx.AsyncClient``, HTTP/1.1,
keep-alive, one connection per worker), ``--concurrency`` workers each
looping requests until ``--duration`` seconds have passed or
``--max-requests`` have been sent, after ``--warmup`` seconds of the same
load that are not recorded.  Every server is a subprocess, so it does not
share the client's GIL; everything is on 127.0.0.1.  Each (scenario, target)
is run ``--repeat`` times, interleaved (scenario by scenario, target by
target, repeat by repeat), and the table shows the **median over repeats**
of p50, p99 and requests/s; the JSON file holds every run and every latency.
The first compliance call on a freshly started server is timed alone
("cold"): it evaluates the agreement over all stored incidents, which the
server then caches until the data changes.  Beside latency, each row shows
the server's CPU time per request (from ``/proc``, all its threads): on a
shared machine it moves far less than latency, since a starved server is
slower but not busier.

Data: ``bench/generate_acled.py``'s seeded rows (actors, types, places,
fatalities, "synthetic benchmark row" notes) with their dates redrawn, from
a second generator with the same seed, uniformly over 1-30 Sept 2016, so
every incident falls in the agreement's window.  They are imported with
``trucewatch.importing.import_file`` into a SQLite file and a fresh
PostgreSQL database, and an analyst user is created for the token.
PostgreSQL is then ``ANALYZE``d, as autovacuum would do shortly after a big
import (``--no-analyze`` to measure a server whose statistics are missing).
With ``--workdir`` the CSV, the SQLite file and the PostgreSQL database are
kept and reused by the next run (checked: schema migrated to head if behind,
row count, token valid; ``--clean`` drops them); without it everything is
thrown away at the end.

    python bench/api.py --workdir /tmp/twapi            # 100k rows, both databases, 10 s x 3
    python bench/api.py --quick                         # smoke run: 5,000 rows, 3 s x 1
    python bench/api.py --databases sqlite --duration 5 --concurrency 32 --json out.json

Nothing here asserts on time.  The machine is small and shared: read medians
and ratios, and the CPU columns (who was saturated: the server or the client).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from _machine import cpu_and_memory  # bench/ is the script's folder

HERE = Path(__file__).resolve().parent
DEFAULT_PG = "postgresql+psycopg://127.0.0.1:5432/test"
AGREEMENT = "syria-2016-09-us-russia"
FIRST_DAY = date(2016, 9, 1)
DAYS = 30
SOURCE = "ACLED synthetic (benchmark)"
ANALYST = "bench-analyst"
FILTER_QUERY = "area=Aleppo&date_from=2016-09-20"
PAGE = 50
DEEP = 0.9  # where in the list the deep cursor points

SCENARIOS: list[tuple[str, str]] = [
    # (name, which bare body it is compared with)
    ("incidents, first page", "incidents"),
    ("incidents, deep cursor", "incidents"),
    ("incidents, filtered", "incidents"),
    ("compliance", "compliance"),
]
BARE_DICT = "bare (dict)"
BARE_BYTES = "bare (bytes)"


# --------------------------------------------------------------------------- data


def sept2016_rows(count: int, seed: int) -> Iterator[list[str]]:
    """generate_acled's rows with their dates redrawn over Sept 2016 (seeded, streaming)."""
    import random

    from generate_acled import rows

    from trucewatch.ingest.acled import ACLED_COLUMNS

    i_date = ACLED_COLUMNS.index("event_date")
    i_year = ACLED_COLUMNS.index("year")
    days = random.Random(seed)
    for row in rows(count, seed):
        day = FIRST_DAY + timedelta(days=days.randrange(DAYS))
        row[i_date] = day.isoformat()
        row[i_year] = str(day.year)
        yield row


def write_csv(path: Path, count: int, seed: int) -> None:
    import csv

    from trucewatch.ingest.acled import ACLED_COLUMNS

    tmp = path.with_suffix(".partial")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(ACLED_COLUMNS)
        for row in sept2016_rows(count, seed):
            writer.writerow(row)
    tmp.replace(path)


@dataclass
class Prepared:
    """A database ready to serve: its URL, the analyst's token, how it got here."""

    kind: str
    url: str
    token: str
    incidents: int
    cached: bool
    import_seconds: float | None = None
    rows_per_second: float | None = None
    analyzed: bool | None = None  # PostgreSQL: planner statistics present
    autovacuum: str | None = None  # PostgreSQL: the server's autovacuum setting


class Store:
    """The benchmark's databases: built once, kept in the work directory when one is given."""

    def __init__(self, workdir: Path, keep: bool, rows: int, seed: int, pg_url: str) -> None:
        self.dir = workdir / f"api-{rows}-seed{seed}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        self.rows = rows
        self.seed = seed
        self.pg_url = pg_url
        self.state_file = self.dir / "state.json"
        self.state: dict[str, Any] = (
            json.loads(self.state_file.read_text()) if self.state_file.exists() else {}
        )
        tag = hashlib.sha256(str(self.dir.resolve()).encode()).hexdigest()[:6]
        self.pg_name = f"tw_bench_api_{rows}_s{seed}_{tag}"
        self.pg_version: str | None = None
        self.pg_error: str | None = None
        self._pg_admin: Any = None

    # ---- the input file

    def csv(self) -> Path:
        path = self.dir / "incidents.csv"
        if not path.exists():
            started = time.perf_counter()
            write_csv(path, self.rows, self.seed)
            print(
                f"generated {self.rows:,} synthetic Sept 2016 ACLED rows in "
                f"{time.perf_counter() - started:.1f} s: {path}",
                flush=True,
            )
        return path

    # ---- PostgreSQL admin

    def pg_admin(self) -> Any:
        if self._pg_admin is None and self.pg_error is None:
            from sqlalchemy import create_engine, text

            try:
                engine = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
                with engine.connect() as conn:
                    self.pg_version = conn.execute(text("SHOW server_version")).scalar_one()
                self._pg_admin = engine
            except Exception as e:
                self.pg_error = f"cannot connect to {self.pg_url}: {type(e).__name__}: {e}"
        return self._pg_admin

    def _pg_exists(self) -> bool:
        from sqlalchemy import text

        with self.pg_admin().connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self.pg_name}
            ).first()
        return found is not None

    def _pg_drop(self) -> None:
        from sqlalchemy import text

        with self.pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))

    def _pg_create(self) -> None:
        from sqlalchemy import text

        with self.pg_admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.pg_name}"'))

    # ---- databases

    def url(self, kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self.dir / 'incidents.db'}"
        from sqlalchemy.engine import make_url

        return make_url(self.pg_url).set(database=self.pg_name).render_as_string(False)

    def _valid(self, kind: str) -> Prepared | None:
        """The cached database if it is complete and current, else None."""
        saved = self.state.get(kind)
        if not saved:
            return None
        if kind == "sqlite" and not (self.dir / "incidents.db").exists():
            return None
        if kind == "postgresql" and not self._pg_exists():
            return None
        from sqlalchemy import func, select

        from trucewatch.accounts import user_by_token
        from trucewatch.store import Database
        from trucewatch.store.schema import incidents

        db = Database(self.url(kind))
        try:
            if db.revision() != db.head():
                # A newer trucewatch added migrations: upgrade, keep the data.
                before, after = db.migrate()
                print(f"{kind}: cached database migrated {before} → {after}", flush=True)
            with db.engine.connect() as conn:
                count = conn.execute(select(func.count()).select_from(incidents)).scalar_one()
            if count != saved["incidents"] or user_by_token(db, saved["token"]) is None:
                return None
        except Exception:
            return None
        finally:
            db.dispose()
        return Prepared(
            kind,
            self.url(kind),
            saved["token"],
            count,
            cached=True,
            import_seconds=saved.get("import_seconds"),
            rows_per_second=saved.get("rows_per_second"),
        )

    def prepare(self, kind: str, analyze: bool) -> Prepared:
        """The database of ``kind``, from the cache or built now (migrate, import, analyst).

        With ``analyze``, PostgreSQL's tables get fresh planner statistics
        (``ANALYZE``), which autovacuum would gather within a minute of a big
        import; a server with autovacuum off (like the one these figures come
        from) would otherwise plan every query without statistics.
        """
        if kind == "postgresql" and self.pg_admin() is None:
            raise RuntimeError(self.pg_error)
        prepared = self._valid(kind)
        if prepared is not None:
            print(f"{kind}: reusing {prepared.incidents:,} incidents in {prepared.url}", flush=True)
        else:
            prepared = self._build(kind)
        if kind == "postgresql":
            from sqlalchemy import create_engine, text

            engine = create_engine(prepared.url, isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    if analyze:
                        started = time.perf_counter()
                        conn.execute(text("ANALYZE"))
                        print(
                            f"postgresql: ANALYZE in {time.perf_counter() - started:.1f} s",
                            flush=True,
                        )
                    prepared.analyzed = conn.execute(
                        text(
                            "SELECT bool_and(coalesce(last_analyze, last_autoanalyze) "
                            "IS NOT NULL) FROM pg_stat_user_tables "
                            "WHERE relname IN ('incidents', 'incident_actors')"
                        )
                    ).scalar_one()
                    prepared.autovacuum = conn.execute(text("SHOW autovacuum")).scalar_one()
            finally:
                engine.dispose()
        return prepared

    def _build(self, kind: str) -> Prepared:
        """Migrate a fresh database, import the CSV, add the analyst."""
        from trucewatch.accounts import add_user
        from trucewatch.actors import ActorRegistry
        from trucewatch.importing import import_file
        from trucewatch.store import Database

        path = self.csv()
        if kind == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.dir / 'incidents.db'}{suffix}").unlink(missing_ok=True)
        else:
            self._pg_drop()
            self._pg_create()
        db = Database(self.url(kind))
        try:
            db.migrate()
            print(
                f"{kind}: importing {self.rows:,} rows (the importer does ~3k rows/s) …", flush=True
            )
            started = time.perf_counter()
            report = import_file(
                db, path, format="acled", source=SOURCE, actors=ActorRegistry.shipped()
            )
            seconds = time.perf_counter() - started
            _user, token = add_user(db, ANALYST, "analyst", by="bench", token_days=None)
            from sqlalchemy import func, select

            from trucewatch.store.schema import incidents

            with db.engine.connect() as conn:
                count = conn.execute(select(func.count()).select_from(incidents)).scalar_one()
        finally:
            db.dispose()
        print(
            f"{kind}: imported {report.rows:,} rows → {count:,} incidents in {seconds:.1f} s "
            f"({report.rows / seconds:,.0f} rows/s)",
            flush=True,
        )
        self.state[kind] = {
            "token": token,
            "incidents": count,
            "import_seconds": seconds,
            "rows_per_second": report.rows / seconds,
        }
        self.state_file.write_text(json.dumps(self.state, indent=1))
        return Prepared(
            kind,
            self.url(kind),
            token,
            count,
            cached=False,
            import_seconds=seconds,
            rows_per_second=report.rows / seconds,
        )

    def deep_cursor(self, kind: str) -> str:
        """A cursor pointing ``DEEP`` of the way down the newest-first list."""
        from sqlalchemy import func, select

        from trucewatch.browse import _encode_cursor  # the server's own encoding
        from trucewatch.store import Database
        from trucewatch.store.schema import incidents

        db = Database(self.url(kind))
        try:
            with db.engine.connect() as conn:
                total = conn.execute(select(func.count()).select_from(incidents)).scalar_one()
                row = conn.execute(
                    select(incidents.c.date, incidents.c.id)
                    .order_by(incidents.c.date.desc(), incidents.c.id.desc())
                    .offset(int(total * DEEP))
                    .limit(1)
                ).one()
        finally:
            db.dispose()
        return _encode_cursor(row.date, row.id)

    def close(self) -> None:
        if self._pg_admin is not None:
            if not self.keep and self.state.get("postgresql"):
                self._pg_drop()
            self._pg_admin.dispose()


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Server:
    """A uvicorn subprocess on 127.0.0.1 and a free port; its log goes to a file."""

    def __init__(self, label: str, cmd: list[str], log: Path, cwd: Path) -> None:
        self.label = label
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [*cmd, "--port", str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    def wait_ready(self, path: str, headers: dict[str, str], timeout: float = 60) -> float:
        """Poll ``path`` until it answers 200; returns seconds from start."""
        import httpx

        started = time.monotonic()
        last = "no answer"
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.label} exited with {self.proc.returncode}: "
                    f"{self.log.read_text(errors='replace')[-2000:]}"
                )
            try:
                r = httpx.get(self.base + path, headers=headers, timeout=5)
                if r.status_code == 200:
                    return time.monotonic() - started
                last = f"{r.status_code} {r.text[:200]}"
            except httpx.HTTPError as e:
                last = f"{type(e).__name__}"
            time.sleep(0.2)
        raise RuntimeError(f"{self.label} did not answer {path} within {timeout:.0f} s: {last}")

    def cpu(self) -> float:
        return _cpu_seconds(self.proc.pid)

    def rss_mb(self) -> float:
        return _rss_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def real_server(prepared: Prepared, workdir: Path) -> Server:
    """``trucewatch serve`` on this database, as a user would start it."""
    store = workdir / f"evidence-{prepared.kind}"
    cmd = [
        sys.executable,
        "-m",
        "trucewatch.cli",
        "serve",
        "--db",
        prepared.url,
        "--host",
        "127.0.0.1",
        "--store",
        str(store),
    ]
    return Server(
        f"trucewatch serve ({prepared.kind})", cmd, workdir / f"server-{prepared.kind}.log", workdir
    )


def bare_server(bodies: Path, workdir: Path) -> Server:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--bare-server", str(bodies)]
    return Server("bare FastAPI", cmd, workdir / "server-bare.log", workdir)


def bare_app(bodies: dict[str, bytes]) -> Any:
    """The baseline: FastAPI endpoints that return the real server's bodies from memory.

    ``/bare/<name>`` returns the parsed body (FastAPI serialises it, as any
    endpoint returning data does); ``/bare/<name>.bytes`` returns the bytes
    as they are.  Plain ``def`` like the real routes, so both run in
    Starlette's thread pool.
    """
    from fastapi import FastAPI, Response

    app = FastAPI(title="bare baseline", docs_url=None, redoc_url=None, openapi_url=None)
    for name, body in bodies.items():
        parsed = json.loads(body)

        def as_dict(parsed: Any = parsed) -> Any:
            return parsed

        def as_bytes(body: bytes = body) -> Response:
            return Response(content=body, media_type="application/json")

        app.add_api_route(f"/bare/{name}", as_dict, methods=["GET"])
        app.add_api_route(f"/bare/{name}.bytes", as_bytes, methods=["GET"])
    return app


def run_bare_server(bodies_path: str, port: str) -> None:
    """Child: serve ``bare_app`` the way ``trucewatch serve`` serves the real app."""
    import uvicorn

    raw = json.loads(Path(bodies_path).read_text())
    bodies = {name: text.encode() for name, text in raw.items()}
    uvicorn.run(
        bare_app(bodies), host="127.0.0.1", port=int(port), log_level="info", access_log=False
    )


# --------------------------------------------------------------------------- load


@dataclass
class Run:
    """One timed load run of one scenario against one server."""

    scenario: str
    target: str
    path: str
    repeat: int
    concurrency: int
    seconds: float
    requests: int
    errors: int
    statuses: dict[str, int]
    latencies_ms: list[float] = field(repr=False)
    server_cpu_s: float
    client_cpu_s: float
    body_bytes: int

    @property
    def ok(self) -> int:
        return self.requests - self.errors

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else float("nan")

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("latencies_ms")
        data.update(
            p50_ms=self.p50,
            p99_ms=self.p99,
            requests_per_second=self.rps,
            server_cpu_percent=100 * self.server_cpu_s / self.seconds,
            client_cpu_percent=100 * self.client_cpu_s / self.seconds,
        )
        return data


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


async def _load(
    base: str,
    path: str,
    headers: dict[str, str],
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    max_requests: int,
    timeout: float,
    server: Server,
) -> tuple[float, int, int, dict[str, int], list[float], float, float, int]:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, http1=True, http2=False, limits=limits, timeout=timeout, headers=headers
    ) as client:
        latencies: list[float] = []
        statuses: dict[str, int] = {}
        counters = {"sent": 0, "errors": 0, "bytes": 0}
        recording = False
        deadline = 0.0
        cap = 0

        async def worker() -> None:
            while counters["sent"] < cap and time.perf_counter() < deadline:
                counters["sent"] += 1
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    status = str(r.status_code)
                    counters["bytes"] = len(r.content)
                except httpx.HTTPError as e:
                    status = type(e).__name__
                elapsed = (time.perf_counter() - t0) * 1000
                if recording:
                    statuses[status] = statuses.get(status, 0) + 1
                    if status == "200":
                        latencies.append(elapsed)
                    else:
                        counters["errors"] += 1

        async def phase(seconds: float, limit: int) -> None:
            nonlocal deadline, cap
            counters["sent"] = 0
            cap = limit
            deadline = time.perf_counter() + seconds
            await asyncio.wait_for(
                asyncio.gather(*(worker() for _ in range(concurrency))),
                timeout=seconds + timeout + 10,
            )

        if warmup > 0:
            await phase(warmup, max_requests)
        recording = True
        cpu0, client0 = server.cpu(), time.process_time()
        started = time.perf_counter()
        await phase(duration, max_requests)
        seconds = time.perf_counter() - started
        server_cpu, client_cpu = server.cpu() - cpu0, time.process_time() - client0
        return (
            seconds,
            counters["sent"],
            counters["errors"],
            statuses,
            latencies,
            server_cpu,
            client_cpu,
            counters["bytes"],
        )


def load(
    scenario: str,
    target: str,
    server: Server,
    path: str,
    headers: dict[str, str],
    repeat: int,
    args: argparse.Namespace,
) -> Run:
    seconds, sent, errors, statuses, latencies, server_cpu, client_cpu, size = asyncio.run(
        _load(
            server.base,
            path,
            headers,
            concurrency=args.concurrency,
            warmup=args.warmup,
            duration=args.duration,
            max_requests=args.max_requests,
            timeout=args.timeout,
            server=server,
        )
    )
    run = Run(
        scenario,
        target,
        path,
        repeat,
        args.concurrency,
        seconds,
        sent,
        errors,
        statuses,
        latencies,
        server_cpu,
        client_cpu,
        size,
    )
    print(
        f"  {scenario:<24} {target:<12} run {repeat}: p50 {run.p50:8.2f} ms  p99 {run.p99:8.2f} ms"
        f"  {run.rps:8.1f} req/s  {run.requests:6d} req  errors {errors}"
        f"  server CPU {100 * server_cpu / seconds:3.0f} %  client CPU "
        f"{100 * client_cpu / seconds:3.0f} %",
        flush=True,
    )
    if errors:
        print(f"      statuses: {statuses}", flush=True)
    return run


def timed_get(base: str, path: str, headers: dict[str, str], timeout: float) -> tuple[float, Any]:
    import httpx

    started = time.perf_counter()
    r = httpx.get(base + path, headers=headers, timeout=timeout)
    return (time.perf_counter() - started) * 1000, r


# --------------------------------------------------------------------------- report


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in (
        "trucewatch",
        "fastapi",
        "starlette",
        "uvicorn",
        "pydantic",
        "sqlalchemy",
        "psycopg",
        "httpx",
        "h11",
        "uvloop",
        "httptools",
    ):
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            if name not in ("uvloop", "httptools"):
                out.append(f"{name} ?")
            else:
                out.append(f"{name} (not installed)")
    return ", ".join(out)


def machine(store: Store, kinds: list[str]) -> dict[str, str]:
    cpu, mem = cpu_and_memory()
    load1, load5, load15 = os.getloadavg()
    pg = "not measured"
    if "postgresql" in kinds:
        pg = store.pg_version or f"not measured ({store.pg_error})"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()} — {platform.platform()}",
        "cpu": f"nproc {len(os.sched_getaffinity(0))}, {cpu}; memory {mem}",
        "load": f"{load1:.2f} {load5:.2f} {load15:.2f} (1/5/15-min load average at start)",
        "python": f"{platform.python_version()} ({sys.executable})",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
        "packages": _versions(),
    }


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None or value != value else format(value, spec)


def _median(values: list[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


@dataclass
class Row:
    scenario: str
    target: str
    runs: list[Run]
    baseline_of: str | None  # the scenario name of the bare row it is compared with

    @property
    def p50(self) -> float:
        return _median([r.p50 for r in self.runs])

    @property
    def p99(self) -> float:
        return _median([r.p99 for r in self.runs])

    @property
    def rps(self) -> float:
        return _median([r.rps for r in self.runs])

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def server_cpu(self) -> float:
        return _median([100 * r.server_cpu_s / r.seconds for r in self.runs])

    @property
    def client_cpu(self) -> float:
        return _median([100 * r.client_cpu_s / r.seconds for r in self.runs])

    @property
    def server_cpu_ms(self) -> float:
        """Server CPU per completed request: robust to other load (a starved server is slow,
        not busier)."""
        return _median([1000 * r.server_cpu_s / r.requests for r in self.runs if r.requests])


def table(rows: list[Row]) -> list[str]:
    bare = {r.scenario: r for r in rows if r.target == BARE_DICT}
    head = (
        f"| {'scenario':<22} | {'database':<12} | {'runs':>4} | {'requests':>8} | "
        f"{'p50 ms':>8} | {'p99 ms':>8} | {'req/s':>8} | {'errors':>6} | "
        f"{'p50 / bare':>10} | {'req/s / bare':>12} | {'srv CPU ms/req':>14} | "
        f"{'CPU/req / bare':>14} | {'CPU srv/cli':>11} |"
    )
    lines = [head, "|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|"]
    for r in rows:
        p50_ratio = rps_ratio = cpu_ratio = ""
        base = bare.get(r.baseline_of or "")
        if base is not None and r.target not in (BARE_DICT, BARE_BYTES):
            p50_ratio = f"{r.p50 / base.p50:.1f}x"
            rps_ratio = f"{r.rps / base.rps:.3f}x"
            cpu_ratio = f"{r.server_cpu_ms / base.server_cpu_ms:.1f}x"
        cpu = f"{r.server_cpu:.0f}/{r.client_cpu:.0f} %"
        lines.append(
            f"| {r.scenario:<22} | {r.target:<12} | {len(r.runs):>4} | {r.requests:>8,} | "
            f"{_fmt(r.p50, '.2f'):>8} | {_fmt(r.p99, '.2f'):>8} | {_fmt(r.rps, ',.1f'):>8} | "
            f"{r.errors:>6} | {p50_ratio:>10} | {rps_ratio:>12} | "
            f"{_fmt(r.server_cpu_ms, '.2f'):>14} | {cpu_ratio:>14} | {cpu:>11} |"
        )
    return lines


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="API latency and throughput of trucewatch serve vs a bare FastAPI endpoint"
    )
    parser.add_argument(
        "--rows", type=int, default=None, help="synthetic incidents (default 100000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--duration", type=float, default=None, help="timed seconds per scenario run (default 10)"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="untimed seconds of the same load before each run (default 2)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs per scenario and target; the table shows medians (default 3)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="concurrent client workers, one connection each (default 16)",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=100_000,
        help="cap on requests per run, warm-up and timed phase each (default 100000)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120,
        help="seconds before one request counts as failed (default 120)",
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument(
        "--scenarios",
        default="all",
        help="comma-separated subset of: first, deep, filtered, compliance",
    )
    parser.add_argument(
        "--pg",
        default=DEFAULT_PG,
        help=f"PostgreSQL URL for CREATE/DROP DATABASE (default {DEFAULT_PG})",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the CSV, the SQLite file and the PostgreSQL database here "
        "and reuse them next time (default: a temporary directory, "
        "everything dropped at the end)",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="do not ANALYZE the PostgreSQL database before the load (to "
        "measure a server whose autovacuum has not run yet)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write every run here as JSON")
    parser.add_argument(
        "--clean",
        action="store_true",
        help="drop what --workdir keeps for these --rows/--seed (the PostgreSQL database, "
        "the SQLite file, the CSV) and exit",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 5,000 rows, 3 s per run, 1 s warm-up, 1 repeat",
    )
    args = parser.parse_args(argv)
    quick = {"rows": 5_000, "duration": 3.0, "warmup": 1.0, "repeat": 1}
    full = {"rows": 100_000, "duration": 10.0, "warmup": 2.0, "repeat": 3}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    sys.path.insert(0, str(HERE))
    if args.clean:
        if args.workdir is None:
            parser.error("--clean needs the --workdir whose kept databases it drops")
        store = Store(args.workdir, False, args.rows, args.seed, args.pg)
        if store.pg_admin() is not None:
            store._pg_drop()
            print(f"dropped PostgreSQL database {store.pg_name} (if it existed)")
        store.close()
        shutil.rmtree(store.dir, ignore_errors=True)
        print(f"removed {store.dir}")
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="trucewatch-bench-api-"))
    workdir.mkdir(parents=True, exist_ok=True)
    store = Store(workdir, args.workdir is not None, args.rows, args.seed, args.pg)
    wanted = [k.strip() for k in args.databases.split(",") if k.strip()]
    kinds: list[str] = []
    for kind in wanted:
        if kind not in ("sqlite", "postgresql"):
            parser.error(f"unknown database '{kind}': use sqlite and/or postgresql")
        if kind == "postgresql" and store.pg_admin() is None:
            print(f"skipping PostgreSQL: {store.pg_error}", flush=True)
            continue
        kinds.append(kind)
    short = {"first": 0, "deep": 1, "filtered": 2, "compliance": 3}
    if args.scenarios == "all":
        chosen = list(SCENARIOS)
    else:
        try:
            chosen = [SCENARIOS[short[s.strip()]] for s in args.scenarios.split(",")]
        except KeyError as e:
            parser.error(f"unknown scenario {e}: use {', '.join(short)}")

    info = machine(store, kinds)
    command = "python bench/api.py " + " ".join(argv if argv is not None else sys.argv[1:])
    header = [f"{k + ':':<11} {v}" for k, v in info.items()]
    header.append(f"command:    {command.rstrip()}")
    print("\n".join(header), flush=True)
    print(f"workdir:    {workdir}\n", flush=True)

    servers: dict[str, Server] = {}
    result: dict[str, Any] = {
        "machine": info,
        "command": command.rstrip(),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    runs: list[Run] = []
    try:
        prepared = {kind: store.prepare(kind, not args.no_analyze) for kind in kinds}
        result["data"] = {
            "synthetic": True,
            "rows": args.rows,
            "seed": args.seed,
            "dates": f"{FIRST_DAY} .. {FIRST_DAY + timedelta(days=DAYS - 1)}",
            "databases": {k: asdict(p) | {"token": "(not shown)"} for k, p in prepared.items()},
        }
        # Start each real server in turn; time its first compliance call alone (cold).
        cold: dict[str, Any] = {}
        bodies: dict[str, str] = {}
        paths: dict[str, dict[str, str]] = {}
        compliance_path = f"/api/compliance?agreement={AGREEMENT}"
        has_compliance = any(s[0] == "compliance" for s in chosen)
        for kind, prep in prepared.items():
            headers = {"Authorization": f"Bearer {prep.token}"}
            server = real_server(prep, workdir)
            servers[kind] = server
            ready = server.wait_ready("/api/incidents?limit=1", headers)
            print(f"{server.label}: answering after {ready:.1f} s on {server.base}", flush=True)
            entry: dict[str, Any] = {"ready_seconds": ready}
            if has_compliance:
                ms, r = timed_get(server.base, compliance_path, headers, args.timeout)
                if r.status_code == 404 and r.json().get("detail") == "Not Found":
                    print(
                        f"{server.label}: no /api/compliance route yet; "
                        "compliance scenarios skipped",
                        flush=True,
                    )
                    has_compliance = False
                    entry["compliance"] = "no route"
                else:
                    r.raise_for_status()
                    ms2, r2 = timed_get(server.base, compliance_path, headers, args.timeout)
                    entry.update(cold_ms=ms, second_ms=ms2, rss_mb_after=server.rss_mb())
                    print(
                        f"{server.label}: cold compliance {ms / 1000:.2f} s "
                        f"(second call {ms2:.1f} ms), server RSS {server.rss_mb():.0f} MB",
                        flush=True,
                    )
                    bodies.setdefault("compliance", r2.text)
            cold[kind] = entry
            first = timed_get(server.base, f"/api/incidents?limit={PAGE}", headers, args.timeout)
            first[1].raise_for_status()
            bodies.setdefault("incidents", first[1].text)
            cursor = store.deep_cursor(kind)
            deep = timed_get(
                server.base, f"/api/incidents?limit={PAGE}&cursor={cursor}", headers, args.timeout
            )[1]
            deep.raise_for_status()
            filtered = timed_get(
                server.base, f"/api/incidents?limit={PAGE}&{FILTER_QUERY}", headers, args.timeout
            )[1]
            filtered.raise_for_status()
            print(
                f"{server.label}: first page {len(first[1].json()['items'])} items "
                f"({len(first[1].content):,} B), deep page {len(deep.json()['items'])} items, "
                f"filtered page {len(filtered.json()['items'])} items",
                flush=True,
            )
            paths[kind] = {
                "incidents, first page": f"/api/incidents?limit={PAGE}",
                "incidents, deep cursor": f"/api/incidents?limit={PAGE}&cursor={cursor}",
                "incidents, filtered": f"/api/incidents?limit={PAGE}&{FILTER_QUERY}",
                "compliance": compliance_path,
            }
        result["cold"] = cold
        if not has_compliance:
            chosen = [s for s in chosen if s[0] != "compliance"]
            bodies.pop("compliance", None)
        same = {}
        for kind, server in servers.items():
            headers = {"Authorization": f"Bearer {prepared[kind].token}"}
            same[kind] = {
                name: json.loads(bodies[name])
                == timed_get(server.base, paths[kind][s], headers, args.timeout)[1].json()
                for name, s in (
                    ("incidents", "incidents, first page"),
                    ("compliance", "compliance"),
                )
                if name in bodies
            }
        result["same_body_as_bare"] = same
        print(f"bodies equal to the baseline's, per database: {same}", flush=True)

        bodies_file = workdir / "bare-bodies.json"
        bodies_file.write_text(json.dumps(bodies))
        bare = bare_server(bodies_file, workdir)
        servers["bare"] = bare
        bare.wait_ready("/bare/incidents", {})
        bare_paths = {"incidents": "/bare/incidents", "compliance": "/bare/compliance"}

        print(
            f"\nload: {args.concurrency} workers, {args.warmup:g} s warm-up + "
            f"{args.duration:g} s timed per run, ≤ {args.max_requests:,} requests, "
            f"{args.repeat} repeat(s)",
            flush=True,
        )
        for repeat in range(1, args.repeat + 1):
            for scenario, body in chosen:
                for kind in kinds:
                    headers = {"Authorization": f"Bearer {prepared[kind].token}"}
                    runs.append(
                        load(
                            scenario,
                            kind,
                            servers[kind],
                            paths[kind][scenario],
                            headers,
                            repeat,
                            args,
                        )
                    )
                if scenario in ("incidents, first page", "compliance"):
                    headers = {"Authorization": f"Bearer {prepared[kinds[0]].token}"}
                    runs.append(
                        load(scenario, BARE_DICT, bare, bare_paths[body], headers, repeat, args)
                    )
                    runs.append(
                        load(
                            scenario,
                            BARE_BYTES,
                            bare,
                            bare_paths[body] + ".bytes",
                            headers,
                            repeat,
                            args,
                        )
                    )
        result["server_rss_mb_end"] = {k: s.rss_mb() for k, s in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
        store.close()

    rows: list[Row] = []
    for scenario, body in chosen:
        bare_of = "incidents, first page" if body == "incidents" else "compliance"
        for target in [*kinds, BARE_DICT, BARE_BYTES]:
            picked = [r for r in runs if r.scenario == scenario and r.target == target]
            if picked:
                rows.append(Row(scenario, target, picked, bare_of))

    print()
    print("\n".join(header))
    print(
        f"data:       {args.rows:,} synthetic incidents (seed {args.seed}), "
        f"{FIRST_DAY}–{FIRST_DAY + timedelta(days=DAYS - 1)}, agreement {AGREEMENT}"
    )
    for kind, prep in prepared.items():
        how = "reused from the work directory" if prep.cached else "imported in this run"
        stats = ""
        if kind == "postgresql":
            stats = (
                f"; planner statistics {'present' if prep.analyzed else 'ABSENT'} "
                f"(autovacuum {prep.autovacuum}{'' if args.no_analyze else ', ANALYZE run'})"
            )
        print(
            f"  {kind:<10} {prep.incidents:,} incidents, {how}; import "
            f"{_fmt(prep.import_seconds, '.1f')} s ({_fmt(prep.rows_per_second, ',.0f')} rows/s)"
            f"{stats}"
        )
    print(
        f"load:       {args.concurrency} concurrent workers (httpx.AsyncClient, HTTP/1.1 "
        f"keep-alive), {args.warmup:g} s warm-up + {args.duration:g} s per run, "
        f"median of {args.repeat} run(s)"
    )
    print()
    print("\n".join(table(rows)))
    print()
    for kind, entry in cold.items():
        if "cold_ms" in entry:
            print(
                f"cold compliance ({kind}): first call {entry['cold_ms'] / 1000:.2f} s, "
                f"second {entry['second_ms']:.1f} ms; server RSS after "
                f"{entry['rss_mb_after']:.0f} MB"
            )
    print(
        "ratios: the row's median p50 ÷ bare (dict)'s, and its req/s ÷ bare (dict)'s, "
        "for the same body (incidents pages against the first page's body)"
    )
    print(
        "srv CPU ms/req: the server process's CPU time (all threads) over the timed phase ÷ "
        "requests completed (median run); less sensitive to other load than latency"
    )
    print(
        "CPU srv/cli: CPU time of the server process and of this client over the timed "
        "phase, % of one core (median run)"
    )

    if args.json is not None:
        result["rows"] = [
            {
                "scenario": r.scenario,
                "target": r.target,
                "p50_ms": r.p50,
                "p99_ms": r.p99,
                "requests_per_second": r.rps,
                "errors": r.errors,
                "requests": r.requests,
                "server_cpu_ms_per_request": r.server_cpu_ms,
            }
            for r in rows
        ]
        result["runs"] = [
            r.summary() | {"latencies_ms": [round(x, 3) for x in r.latencies_ms]} for r in runs
        ]
        args.json.write_text(json.dumps(result, indent=1))
        print(f"\nwrote {args.json}")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--bare-server":
        run_bare_server(sys.argv[2], sys.argv[4] if sys.argv[3] == "--port" else sys.argv[3])
    else:
        sys.exit(main())
