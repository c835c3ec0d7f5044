"""Batch evaluation speed and memory: trucewatch beside a Polars read floor and a naive baseline.

Issue 10's benchmark.  Synthetic, seeded data: ``--rows`` ACLED-format rows
from ``bench/generate_acled.py`` (seed ``--seed``) as CSV, and as Parquet
(streamed from the CSV with Polars ``scan_csv(...).sink_parquet``) for
``--format parquet``; the agreement is the SYNTHETIC one that
``bench/engine_agreement.py`` writes (``synthetic-bench-50-zones``: 50 zones —
34 circles, 8 polygons, 4 routes, 4 governorate zones — and 10 event
obligations; not a real agreement).  Everything generated is kept in
``--workdir`` and reused by the next run.

Methods, each run in its own fresh subprocess (so its peak memory is its
own), ``--repeat`` times round-robin, medians reported:

(a) floor — ``pl.read_csv(path)`` (or ``pl.read_parquet``), all columns:
    what it costs only to read the file;
(b) trucewatch — ``trucewatch.batch.evaluate_files`` end to end: loading the
    agreement and registry, reading, checking, evaluating, writing
    ``findings.parquet``;
(b') trucewatch on the baseline's rows — (b) on the first
    ``--baseline-rows`` rows, so (c) has a same-size comparison;
(c) naive baseline — what an analyst would write: ``pandas.read_csv``, a
    GeoDataFrame of the points, ``geopandas.sjoin`` against the 46 zones with
    a geometry (built by ``trucewatch.geo.geometry.zone_geometries``), the
    governorate zones by name, then ``df.apply(rule, axis=1)`` of the 10
    obligations (act match, phase window, within/outside, the side of
    actor1 through a name → side dict, exemptions for excluded targets and
    zones), writing a verdict per obligation to Parquet.  It is slow, so it
    runs on ``--baseline-rows`` rows (default 200,000) and the comparison is
    of rows/s;
(d) Dask — ``trucewatch.batch.evaluate_files_dask`` on a ``LocalCluster`` of
    each ``--workers`` count, started (and closed) inside the timed
    subprocess.  The time includes cluster start-up and shutdown; the time
    without them is printed beside it.

(b) and (d) write what the API writes by default (findings that only say
"does not concern this incident" are left out); ``--everything`` passes
``everything=True`` so every incident × obligation pair is written.

Times are the wall time of the work inside the child (after imports); the
whole subprocess's wall time is shown too.  Peak RSS: the child's own
``VmHWM`` (``/proc/self/status`` at its end; not ``wait4``'s ``ru_maxrss``,
which on Linux keeps the parent's high-water mark across the child's exec),
each Dask worker's ``VmHWM``, and the sum of RSS over the child's process
tree polled every 0.1 s (what a Dask cluster uses in all).  After the runs,
(b)'s and (d)'s findings are compared row for row (joined on incident and
obligation, every other column compared through a 64-bit hash of the row),
and (c)'s verdicts beside (b')'s.  Nothing here asserts on time.

    python bench/engine.py                                  # 1M rows, CSV, a,b,c,d, 3 runs
    python bench/engine.py --rows 20000 --baseline-rows 5000 --repeat 1   # quick
    python bench/engine.py --rows 1000000 --workers 1,2,4
    python bench/engine.py --rows 10000000 --format parquet --methods a,b --repeat 1
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _machine import cpu_and_memory  # bench/ is the script's folder

HERE = Path(__file__).resolve().parent
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "trucewatch-bench-engine"
POLL_SECONDS = 0.1


# --------------------------------------------------------------------------- data


def csv_file(workdir: Path, rows: int, seed: int) -> Path:
    """The generated CSV of ``rows`` rows, made once and reused."""
    from generate_acled import generate

    path = workdir / f"acled_{rows}_s{seed}.csv"
    if not path.exists():
        print(f"generating {rows:,} synthetic ACLED rows (seed {seed}) → {path} ...", flush=True)
        started = time.perf_counter()
        partial = path.with_suffix(".csv.partial")
        generate(partial, rows, seed=seed)
        partial.replace(path)
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def parquet_file(csv: Path) -> Path:
    """The CSV as Parquet, streamed by Polars (never all in memory), made once."""
    import polars as pl

    path = csv.with_suffix(".parquet")
    if not path.exists():
        print(f"converting {csv.name} → {path.name} (scan_csv → sink_parquet) ...", flush=True)
        started = time.perf_counter()
        partial = path.with_suffix(".parquet.partial")
        # Types inferred from the first 10,000 rows: numbers as numbers, like a real export.
        pl.scan_csv(csv, infer_schema_length=10_000).sink_parquet(partial)
        partial.replace(path)
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def data_file(workdir: Path, rows: int, seed: int, fmt: str) -> Path:
    csv = csv_file(workdir, rows, seed)
    return parquet_file(csv) if fmt == "parquet" else csv


# --------------------------------------------------------------------------- children


def child_floor(path: Path) -> dict[str, Any]:
    import polars as pl

    started = time.perf_counter()
    frame = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": frame.height, "columns": frame.width}


def child_trucewatch(path: Path, agreement: Path, out: Path, everything: bool) -> dict[str, Any]:
    from trucewatch.batch import evaluate_files

    extra = {"everything": True} if everything else {}
    started = time.perf_counter()
    run = evaluate_files(str(agreement), [path], out, **extra)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": run.incidents,
        "findings": run.findings,
        "verdicts": dict(run.verdicts),
    }


def child_dask(
    path: Path, agreement: Path, out: Path, workers: int, everything: bool
) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    from trucewatch.batch import evaluate_files_dask

    started = time.perf_counter()
    # As evaluate_files_dask starts one when given no scheduler; started here to time it apart.
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    up = time.perf_counter()
    try:
        run = evaluate_files_dask(
            str(agreement),
            [path],
            out,
            scheduler=cluster.scheduler_address,
            **({"everything": True} if everything else {}),
        )
        done = time.perf_counter()
        with Client(cluster) as client:  # untimed: each worker's own peak RSS
            worker_peaks = sorted(client.run(_vm_hwm_mb).values())
    finally:
        closing = time.perf_counter()
        cluster.close()
    close = time.perf_counter() - closing
    return {
        "seconds": (done - started) + close,
        "work_seconds": done - up,
        "startup_seconds": up - started,
        "close_seconds": close,
        "worker_peak_mb": worker_peaks,
        "rows": run.incidents,
        "findings": run.findings,
        "partitions": run.partitions,
        "verdicts": dict(run.verdicts),
    }


def child_baseline(path: Path, agreement_path: Path, out: Path) -> dict[str, Any]:
    """The naive baseline (c): pandas + geopandas.sjoin + a row-wise apply of the rules."""
    import geopandas as gpd
    import pandas as pd

    from trucewatch.actors import ActorRegistry
    from trucewatch.agreements import load_agreement
    from trucewatch.domain import EventObligation
    from trucewatch.engine.roles import AgreementRoles, StandingKind
    from trucewatch.geo.admin_names import canonical_admin1
    from trucewatch.geo.geometry import zone_geometries

    started = time.perf_counter()
    actors = ActorRegistry.shipped()
    agreement = load_agreement(agreement_path, actors=actors)
    df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    df["event_date"] = pd.to_datetime(df["event_date"])

    # Zones with a geometry → one sjoin; governorate zones → by the recorded admin1.
    geometries = zone_geometries(agreement.zones)
    shaped = {z: g for z, g in geometries.items() if g is not None}
    zones_gdf = gpd.GeoDataFrame(
        {"zone": list(shaped)}, geometry=list(shaped.values()), crs="EPSG:4326"
    )
    points = gpd.GeoDataFrame(
        df[["event_id_cnty"]],
        geometry=gpd.points_from_xy(df["longitude"], df["latitude"]),
        crs="EPSG:4326",
    )
    joined = gpd.sjoin(points, zones_gdf, how="inner", predicate="within")
    in_zones = joined.groupby(level=0)["zone"].agg(set)
    df["zones"] = in_zones.reindex(df.index)
    df["zones"] = df["zones"].apply(lambda s: s if isinstance(s, set) else set())
    by_name = {z.id: {canonical_admin1(a) for a in z.admin1} for z in agreement.zones if z.admin1}
    df["admin1_c"] = df["admin1"].map(lambda a: canonical_admin1(a) if isinstance(a, str) else None)

    # The analyst's dict from actor name to side ("excluded" for excluded groups).
    roles = AgreementRoles(agreement, actors)
    side_of: dict[str, str | None] = {}
    for name in pd.unique(df[["actor1", "actor2"]].to_numpy().ravel()):
        if not isinstance(name, str):
            continue
        found = actors.resolve(name)
        standing = roles.standing(found.actor_id if found else None)
        if standing.kind == StandingKind.EXCLUDED:
            side_of[name] = "excluded"
        else:
            side_of[name] = standing.side
    ids_of = {n: (r.actor_id if (r := actors.resolve(n)) else None) for n in side_of}

    tz = agreement.timezone
    spans = agreement.phase_spans()

    def local_day(moment: datetime) -> pd.Timestamp:
        return pd.Timestamp(moment.astimezone(_zone(tz)).date())

    rules = []
    for ob in agreement.obligations:
        if not isinstance(ob, EventObligation):
            continue
        windows = [
            (local_day(s), local_day(e) if e is not None else pd.Timestamp.max)
            for p, (s, e) in spans.items()
            if not ob.phases or p in ob.phases
        ]
        rules.append(
            {
                "id": ob.id,
                "patterns": [(set(p.event_type), set(p.sub_event_type)) for p in ob.prohibits],
                "windows": windows,
                "first": min(s for s, _ in windows),
                "within": ob.within,
                "outside": ob.outside,
                "binds": set(ob.binds),
                "exemptions": [(ex.targets, ex.within) for ex in ob.exemptions],
            }
        )

    def in_zone(row: pd.Series, zone: str) -> bool:
        if zone in by_name:
            return row["admin1_c"] in by_name[zone]
        return zone in row["zones"]

    def rule(row: pd.Series) -> list[str]:
        verdicts = []
        side1 = side_of.get(row["actor1"])
        side2 = side_of.get(row["actor2"])
        for r in rules:
            if not any(
                (not et or row["event_type"] in et) and (not st or row["sub_event_type"] in st)
                for et, st in r["patterns"]
            ):
                verdicts.append("not_applicable")
                continue
            day = row["event_date"]
            if day < r["first"]:
                verdicts.append("before_effect")
                continue
            if not any(s <= day < e for s, e in r["windows"]):
                verdicts.append("not_applicable")
                continue
            if r["within"] and not any(in_zone(row, z) for z in r["within"]):
                verdicts.append("not_applicable")
                continue
            if r["outside"] and any(in_zone(row, z) for z in r["outside"]):
                verdicts.append("not_applicable")
                continue
            if side1 == "excluded":
                verdicts.append("spoiler_activity")
                continue
            if side1 not in r["binds"]:
                verdicts.append("not_applicable")
                continue
            exempt = False
            for targets, within in r["exemptions"]:
                ok = True
                if targets == "excluded":
                    ok = side2 == "excluded"
                elif targets:
                    ok = ids_of.get(row["actor2"]) in targets
                if ok and within:
                    ok = any(in_zone(row, z) for z in within)
                exempt = exempt or ok
            verdicts.append("permitted" if exempt else "violation")
        return verdicts

    result = df.apply(rule, axis=1, result_type="expand")
    result.columns = [r["id"] for r in rules]
    result.insert(0, "incident", df["event_id_cnty"].astype(str))
    result.to_parquet(out, index=False)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": len(df),
        "in_some_zone": int((df["zones"].map(len) > 0).sum()),
    }


def _vm_hwm_mb() -> float:
    """This process's peak RSS (VmHWM: its own, reset at exec, unlike ru_maxrss)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def child_main(spec: dict[str, Any]) -> int:
    method = spec["method"]
    path = Path(spec["path"])
    if method == "floor":
        result = child_floor(path)
    elif method == "trucewatch":
        result = child_trucewatch(
            path, Path(spec["agreement"]), Path(spec["out"]), bool(spec.get("everything"))
        )
    elif method == "baseline":
        result = child_baseline(path, Path(spec["agreement"]), Path(spec["out"]))
    elif method == "dask":
        result = child_dask(
            path,
            Path(spec["agreement"]),
            Path(spec["out"]),
            int(spec["workers"]),
            bool(spec.get("everything")),
        )
    else:
        raise SystemExit(f"unknown child method {method!r}")
    result["vm_hwm_mb"] = _vm_hwm_mb()
    print("RESULT " + json.dumps(result), flush=True)
    return 0


# --------------------------------------------------------------------------- parent


@dataclass
class Task:
    """One method on one file: its runs and what they measured."""

    key: str  # a, b, b', c, d1, d2, ...
    label: str
    spec: dict[str, Any]
    rows: int
    seconds: list[float] = field(default_factory=list)
    process_seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    tree_mb: list[float] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None
    note: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.median if self.seconds else float("nan")

    def median_of(self, key: str) -> float:
        values = [float(r[key]) for r in self.results if key in r]
        return statistics.median(values) if values else float("nan")


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_child(spec: dict[str, Any], log: Path) -> tuple[dict[str, Any] | None, float, float]:
    """One measurement in a fresh process: (result, process seconds, tree peak MB).

    The child's own peak RSS comes back in its result (VmHWM).  ``ru_maxrss``
    from ``wait4`` is not used: Linux carries the parent's high-water mark
    over the child's exec, so every child would show at least this process's
    size.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    peak = [0]
    done = threading.Event()
    with log.open("w") as err, tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)

        def poll() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                done.wait(POLL_SECONDS)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        poller.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = [
            ln
            for ln in out.read().decode(errors="replace").splitlines()
            if ln.startswith("RESULT ")
        ]
    if proc.returncode != 0 or not lines:
        return None, wall, peak[0] / 2**20
    return json.loads(lines[-1].removeprefix("RESULT ")), wall, peak[0] / 2**20


def _clear(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def machine() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    cpu, mem = cpu_and_memory()
    versions = []
    for module in (
        "trucewatch",
        "polars",
        "pyarrow",
        "pandas",
        "geopandas",
        "shapely",
        "dask",
        "distributed",
    ):
        try:
            versions.append(f"{module} {version(module)}")
        except PackageNotFoundError:
            versions.append(f"{module} (not installed)")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"date:       {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"machine:    {platform.node()} — {platform.platform()}",
        f"cpu:        nproc {len(os.sched_getaffinity(0))}, {cpu}; memory {mem}",
        f"load:       {load} (1/5/15-min load average at start)",
        f"python:     {platform.python_version()} ({sys.executable})",
        f"packages:   {', '.join(versions)}",
    ]


def _fmt(value: float, spec: str, suffix: str = "") -> str:
    return "—" if value != value else format(value, spec) + suffix  # NaN → dash


def compare_findings(b_file: Path, d_dir: Path) -> str:
    """(b)'s and (d)'s findings row for row: joined on (incident, obligation), the rest hashed."""
    import polars as pl

    from trucewatch.engine.batch import FINDING_COLUMNS

    keys = ["incident", "obligation"]
    rest = [c for c in FINDING_COLUMNS if c not in keys]

    def hashed(lazy: pl.LazyFrame) -> pl.DataFrame:
        schema = lazy.collect_schema()
        cols = [
            pl.col(c) if schema[c] == pl.Boolean else pl.col(c).cast(pl.String)
            for c in FINDING_COLUMNS
        ]
        return lazy.select(cols).select(*keys, pl.struct(rest).hash(seed=7).alias("h")).collect()

    b = hashed(pl.scan_parquet(b_file))
    d = hashed(pl.scan_parquet(str(d_dir / "*.parquet")))
    joined = b.join(d, on=keys, how="full", suffix="_d", coalesce=True)
    missing_d = joined["h_d"].null_count()
    missing_b = joined["h"].null_count()
    differ = int((joined["h"] != joined["h_d"]).fill_null(False).sum())
    dup_b = b.height - b.select(keys).n_unique()
    dup_d = d.height - d.select(keys).n_unique()
    if b.height == d.height and not (missing_b or missing_d or differ or dup_b or dup_d):
        return f"identical ({b.height:,} findings, all {len(FINDING_COLUMNS)} columns)"
    return (
        f"DIFFERENT: (b) {b.height:,} rows, (d) {d.height:,}; only in (b) {missing_d:,}, only in "
        f"(d) {missing_b:,}, same key but other values {differ:,}; duplicate keys {dup_b}/{dup_d}"
    )


def compare_baseline(b_file: Path, c_file: Path) -> list[str]:
    """How often the naive baseline's verdict is trucewatch's, per obligation (information).

    A pair missing from trucewatch's findings is not_applicable (left out by
    default; see --everything).
    """
    import polars as pl

    ours = pl.read_parquet(b_file, columns=["incident", "obligation", "verdict"]).with_columns(
        pl.all().cast(pl.String)
    )
    wide = pl.read_parquet(c_file)
    theirs = wide.unpivot(index="incident", variable_name="obligation", value_name="verdict_c")
    joined = theirs.join(ours, on=["incident", "obligation"], how="left").with_columns(
        pl.col("verdict").fill_null("not_applicable")
    )
    lines = [
        f"  {theirs.height:,} (incident, obligation) pairs; "
        f"{ours.height:,} findings written by trucewatch"
    ]
    per = (
        joined.group_by("obligation")
        .agg((pl.col("verdict") == pl.col("verdict_c")).mean().alias("same"))
        .sort("obligation")
    )
    for ob, same in per.iter_rows():
        lines.append(f"  {ob:<44} same verdict {same * 100:6.2f} %")
    total = float((joined["verdict"] == joined["verdict_c"]).mean() or 0.0)  # type: ignore[arg-type]
    lines.append(f"  {'all obligations':<44} same verdict {total * 100:6.2f} %")
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return child_main(json.loads(argv[1]))
    parser = argparse.ArgumentParser(
        description="trucewatch batch evaluation vs a Polars read floor, a naive pandas + "
        "geopandas baseline and Dask (issue 10)"
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1000000)")
    parser.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default="csv",
        help="input file format (default csv)",
    )
    parser.add_argument("--methods", default="a,b,c,d", help="any of a,b,c,d (default a,b,c,d)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per method (default 3)")
    parser.add_argument("--workers", default="2", help="Dask worker counts, e.g. 1,2,4 (default 2)")
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=200_000,
        help="rows for the naive baseline (c) (default 200000)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"generated files, kept and reused (default {DEFAULT_WORKDIR})",
    )
    parser.add_argument("--seed", type=int, default=1, help="data and agreement seed (default 1)")
    parser.add_argument(
        "--everything",
        action="store_true",
        help="(b) and (d) keep not_applicable findings too (evaluate_files(..., "
        "everything=True)); by default they are left out, as the API does",
    )
    parser.add_argument("--json", type=Path, help="also write every run to this JSON file")
    args = parser.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if not methods or set(methods) - set("abcd"):
        parser.error("--methods takes a comma-separated list of a, b, c, d")
    workers = [int(w) for w in args.workers.split(",")]
    baseline_rows = min(args.baseline_rows, args.rows)

    from engine_agreement import write_agreement

    from trucewatch.actors import ActorRegistry
    from trucewatch.agreements import load_agreement

    info = machine()
    print("\n".join(info), flush=True)
    args.workdir.mkdir(parents=True, exist_ok=True)
    outs = args.workdir / "out"
    outs.mkdir(exist_ok=True)
    logs = args.workdir / "logs"
    logs.mkdir(exist_ok=True)

    agreement_path = write_agreement(
        args.workdir / f"synthetic-bench-50-zones-s{args.seed}.yaml", args.seed
    )
    agreement = load_agreement(agreement_path, actors=ActorRegistry.shipped())  # refuses a bad one
    shapes = {
        "circles": sum(z.around is not None for z in agreement.zones),
        "polygons": sum(z.polygon is not None for z in agreement.zones),
        "routes": sum(z.route is not None for z in agreement.zones),
        "governorate zones": sum(bool(z.admin1) for z in agreement.zones),
    }
    agreement_line = (
        f"agreement:  {agreement.id} (SYNTHETIC, seed {args.seed}; {agreement_path}): "
        f"{len(agreement.zones)} zones ({', '.join(f'{n} {k}' for k, n in shapes.items())}), "
        f"{len(agreement.obligations)} obligations, {len(agreement.phases)} phases"
    )
    print(agreement_line, flush=True)

    path = data_file(args.workdir, args.rows, args.seed, args.format)
    size_mb = path.stat().st_size / 2**20
    data_line = (
        f"data:       {args.rows:,} synthetic ACLED rows (bench/generate_acled.py, "
        f"seed {args.seed}), {args.format}, {size_mb:,.1f} MB: {path}"
    )
    tasks: list[Task] = []
    ag = str(agreement_path)
    if "a" in methods:
        tasks.append(
            Task(
                "a",
                f"(a) floor: pl.read_{args.format}",
                {"method": "floor", "path": str(path)},
                args.rows,
            )
        )
    b_out = outs / f"b_{args.rows}_{args.format}.parquet"
    if "b" in methods:
        tasks.append(
            Task(
                "b",
                "(b) trucewatch evaluate_files",
                {
                    "method": "trucewatch",
                    "path": str(path),
                    "agreement": ag,
                    "out": str(b_out),
                    "everything": args.everything,
                },
                args.rows,
            )
        )
    small_b_out = outs / f"b_{baseline_rows}_{args.format}.parquet"
    c_out = outs / f"c_{baseline_rows}_{args.format}.parquet"
    if "c" in methods:
        small = data_file(args.workdir, baseline_rows, args.seed, args.format)
        data_line += (
            f"\n            baseline (c) and (b') on the first {baseline_rows:,} rows: {small}"
        )
        if baseline_rows < args.rows:
            tasks.append(
                Task(
                    "b'",
                    f"(b') trucewatch, {baseline_rows:,} rows",
                    {
                        "method": "trucewatch",
                        "path": str(small),
                        "agreement": ag,
                        "out": str(small_b_out),
                        "everything": args.everything,
                    },
                    baseline_rows,
                )
            )
        tasks.append(
            Task(
                "c",
                f"(c) naive pandas+sjoin+apply, {baseline_rows:,} rows",
                {"method": "baseline", "path": str(small), "agreement": ag, "out": str(c_out)},
                baseline_rows,
            )
        )
    if "d" in methods:
        for w in workers:
            tasks.append(
                Task(
                    f"d{w}",
                    f"(d) Dask, {w} worker{'s' if w != 1 else ''}",
                    {
                        "method": "dask",
                        "path": str(path),
                        "agreement": ag,
                        "out": str(outs / f"d{w}_{args.rows}_{args.format}"),
                        "workers": w,
                        "everything": args.everything,
                    },
                    args.rows,
                )
            )
    print(data_line, flush=True)

    print(f"timing {len(tasks)} methods x {args.repeat} runs, round-robin ...", flush=True)
    started = time.perf_counter()
    for rep in range(args.repeat):
        for t in tasks:
            if t.failure:
                continue
            if "out" in t.spec:
                _clear(Path(t.spec["out"]))
            log = logs / f"{t.key.replace(chr(39), 'p')}_run{rep + 1}.log"
            result, wall, tree = run_child(t.spec, log)
            if result is None:
                tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
                t.failure = f"run {rep + 1} failed: {tail[0]} (log: {log})"
                print(f"  run {rep + 1} {t.label:<44} FAILED: {tail[0]} (log: {log})", flush=True)
                continue
            t.results.append(result)
            t.seconds.append(float(result["seconds"]))
            t.process_seconds.append(wall)
            t.peak_mb.append(float(result["vm_hwm_mb"]))
            t.tree_mb.append(tree)
            if int(result["rows"]) != t.rows and t.note is None:
                t.note = (
                    f"its BatchRun says {int(result['rows']):,} incidents; the file has {t.rows:,}"
                )
            extra = ""
            if "startup_seconds" in result:
                extra = (
                    f", cluster start {result['startup_seconds']:.1f} s, close "
                    f"{result['close_seconds']:.1f} s, {result['partitions']} partitions"
                )
            print(
                f"  run {rep + 1} {t.label:<44} {result['seconds']:8.2f} s  "
                f"(process {wall:6.1f} s, peak RSS {result['vm_hwm_mb']:6.0f} MB, "
                f"tree {tree:6.0f} MB{extra})",
                flush=True,
            )
    print(f"(timing took {time.perf_counter() - started:.0f} s)")

    # ---- report
    by_key = {t.key: t for t in tasks}
    floor = by_key.get("a")
    naive = by_key.get("c")
    command = "python bench/engine.py " + " ".join(argv)
    print()
    print("\n".join(info))
    print(agreement_line)
    print(data_line)
    print(f"command:    {command.rstrip()}")
    print(f"runs:       {args.repeat} per method, round-robin, each in a fresh subprocess; medians")
    print()
    head = (
        f"| {'method':<44} | {'rows':>10} | {'runs':>4} | {'median s':>8} | {'process s':>9} | "
        f"{'rows/s':>11} | {'÷ (a)':>7} | {'(c) ÷ it':>8} | {'peak RSS MB':>11} | {'tree MB':>7} |"
    )
    lines = [head, "|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|"]
    for t in tasks:
        to_floor = (
            floor.rows_per_second / t.rows_per_second if floor and floor.seconds else float("nan")
        )
        vs_naive = (
            t.rows_per_second / naive.rows_per_second if naive and naive.seconds else float("nan")
        )
        proc_s = statistics.median(t.process_seconds) if t.process_seconds else float("nan")
        lines.append(
            f"| {t.label:<44} | {t.rows:>10,} | {len(t.seconds):>4} | {_fmt(t.median, '.2f'):>8} | "
            f"{_fmt(proc_s, '.1f'):>9} | {_fmt(t.rows_per_second, ',.0f'):>11} | "
            f"{_fmt(to_floor, '.2f', 'x'):>7} | {_fmt(vs_naive, '.1f', 'x'):>8} | "
            f"{_fmt(max(t.peak_mb, default=float('nan')), ',.0f'):>11} | "
            f"{_fmt(max(t.tree_mb, default=float('nan')), ',.0f'):>7} |"
        )
    print("\n".join(lines))
    print(
        "  median s: the work inside the child (after imports); process s: the whole subprocess, "
        "interpreter start and imports included\n"
        "  ÷ (a): the floor's rows/s ÷ the method's (its time per row relative to reading the file "
        "with Polars; for same-size runs, the ratio of times)\n"
        "  (c) ÷ it: the method's rows/s ÷ the naive baseline's rows/s "
        f"(the baseline ran on {baseline_rows:,} rows)\n"
        "  peak RSS: the child process's own VmHWM (largest of the runs; for Dask the client "
        "process only, workers below); tree: peak of the summed RSS of the child's whole process "
        f"tree (Dask scheduler, nannies and workers included), polled every {POLL_SECONDS} s (a "
        "lower bound)"
    )
    for t in tasks:
        if t.failure:
            print(f"  {t.label}: FAILED {t.failure}")
        if t.note:
            print(f"  {t.label}: NOTE {t.note}")
    dask_tasks = [t for t in tasks if t.key.startswith("d") and t.seconds]
    if dask_tasks:
        print()
        print("Dask (median of runs):")
        for t in dask_tasks:
            print(
                f"  {t.label:<24} total {t.median:7.2f} s = cluster start "
                f"{t.median_of('startup_seconds'):.2f} s + evaluation "
                f"{t.median_of('work_seconds'):.2f} s + close "
                f"{t.median_of('close_seconds'):.2f} s; "
                f"without start and close {t.rows / t.median_of('work_seconds'):,.0f} rows/s; "
                f"{int(t.median_of('partitions'))} partitions; worker peak RSS "
                + ", ".join(f"{mb:,.0f}" for mb in t.results[-1].get("worker_peak_mb", []))
                + " MB (last run)"
            )

    print()
    print("Same findings:")
    b = by_key.get("b")
    if b and b.seconds:
        verdicts = b.results[-1].get("verdicts", {})
        print(
            f"  (b) {b.results[-1]['findings']:,} findings: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(verdicts.items()))
        )
        for t in dask_tasks:
            print(f"  (b) vs {t.label}: {compare_findings(b_out, Path(t.spec['out']))}")
    if not (b and b.seconds and dask_tasks):
        print("  (b) and (d) not both run: nothing to compare")
    small_b = by_key.get("b'") or (b if baseline_rows == args.rows else None)
    if naive and naive.seconds and small_b and small_b.seconds:
        print(
            f"  naive baseline (c) beside trucewatch ({small_b.key}) on {baseline_rows:,} rows "
            "(information: the baseline's rules are simpler, see README):"
        )
        for line in compare_baseline(Path(small_b.spec["out"]), c_out):
            print(line)

    print()
    print("Goals (issue 10; on this machine):")
    if b and b.seconds and floor and floor.seconds:
        ratio = b.median / floor.median
        print(
            f"  (b) ÷ (a) = {ratio:.2f}x   (goal ≤ 1.5x at 1,000,000 rows): "
            f"{'met' if ratio <= 1.5 else 'NOT met'} at {args.rows:,} rows"
        )
    if b and b.seconds and naive and naive.seconds:
        speed = b.rows_per_second / naive.rows_per_second
        print(
            f"  (b) rows/s ÷ (c) rows/s = {speed:.1f}x   (goal ≥ 30x): "
            f"{'met' if speed >= 30 else 'NOT met'} ((b) on {b.rows:,} rows, (c) on "
            f"{baseline_rows:,})"
        )
        small = by_key.get("b'")
        if small and small.seconds:
            same = small.rows_per_second / naive.rows_per_second
            print(f"  (b') rows/s ÷ (c) rows/s = {same:.1f}x   (both on {baseline_rows:,} rows)")
    if b and b.peak_mb:
        peak = max(b.peak_mb)
        print(
            f"  (b) peak RSS {peak:,.0f} MB   (goal ≤ 1,536 MB for 10,000,000 rows from Parquet): "
            + ("met" if peak <= 1536 else "NOT met")
            + f" at {args.rows:,} rows from {args.format}"
        )

    if args.json:
        payload = {
            "info": info,
            "command": command,
            "agreement": str(agreement_path),
            "data": str(path),
            "tasks": [
                {
                    "key": t.key,
                    "label": t.label,
                    "rows": t.rows,
                    "seconds": t.seconds,
                    "process_seconds": t.process_seconds,
                    "peak_mb": t.peak_mb,
                    "tree_mb": t.tree_mb,
                    "results": t.results,
                    "failure": t.failure,
                    "note": t.note,
                }
                for t in tasks
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2))
        print(f"\nwrote {args.json}")
    return 0 if not any(t.failure for t in tasks) else 1


if __name__ == "__main__":
    sys.exit(main())
