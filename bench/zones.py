"""Point-in-zone speed of trucewatch, beside raw shapely and geopandas, in one run.

Synthetic, seeded data (default seed 42): ``--points`` random points uniform
over Syria's bounding box (lon 35.7-42.4, lat 32.3-37.3) and ``--zones``
random star-shaped simple polygons of about 50 vertices (40-60), each around
a centre inside the box with a radius of 5-40 km (vertex radii 50-100 % of
it, angles jittered around an even spread so the polygon is simple; every
polygon is checked with ``.is_valid``).

Every point is tested against every zone.  In the same run, round-robin (one
repetition of each method, then the next), ``--repeat`` times, median
reported:

* **shapely contains_xy** — the reference (the issue's "floor"): ``shapely.prepare(g)`` once, then
  ``shapely.contains_xy(g, lons, lats)`` for each zone;
* **trucewatch inside_many** — ``ZoneIndex(zones)`` (its build timed
  separately), then ``index.inside_many(zone_id, lons, lats)`` for each zone
  (border counts inside: ``intersects_xy``);
* **geopandas sjoin** — ``geopandas.sjoin(points_gdf, zones_gdf,
  predicate="within")`` on freshly built GeoDataFrames (their build is timed
  separately and not counted; the spatial index that sjoin builds on the
  points *is* counted, as in a one-off call).  A second line gives sjoin
  again on the same frames, its index already built ("warm");
* **STRtree bulk query** (bench-only, not in trucewatch) —
  ``shapely.STRtree(geoms).query(shapely.points(lons, lats),
  predicate="intersects")``, making the points and the tree counted;
* **bbox prefilter + intersects_xy** (bench-only, not in trucewatch) — per
  zone, a numpy mask of the points inside the zone's bounding box, then
  ``intersects_xy`` on those points only.

Points/s is points tested against all zones per second.  All methods must
find the same (point, zone) pairs, counted per zone; contains and intersects
differ only for points exactly on a border (measure-zero for random floats),
and any difference is printed.  Nothing here asserts on time.

    python bench/zones.py                         # 1,000,000 points x 50 zones, 5 runs
    python bench/zones.py --points 100000         # quick
    python bench/zones.py --points 1000000 --zones 50 --repeat 5 --seed 42
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import shapely
from _machine import cpu_and_memory  # bench/ is the script's folder
from shapely.geometry import Polygon, mapping

LON_MIN, LON_MAX = 35.7, 42.4
LAT_MIN, LAT_MAX = 32.3, 37.3
KM_PER_DEGREE = math.pi / 180 * 6371.0088


# --------------------------------------------------------------------------- data


def make_points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniform over the box: (lons, lats)."""
    return rng.uniform(LON_MIN, LON_MAX, n), rng.uniform(LAT_MIN, LAT_MAX, n)


def make_zone(rng: np.random.Generator) -> Polygon:
    """A random star-shaped simple polygon of 40-60 vertices, radius 5-40 km."""
    for _ in range(100):
        lon0 = rng.uniform(LON_MIN, LON_MAX)
        lat0 = rng.uniform(LAT_MIN, LAT_MAX)
        radius_km = rng.uniform(5, 40)
        n = int(rng.integers(40, 61))
        # one angle per sector of 2π/n, so angles strictly increase and no gap reaches π
        angles = (np.arange(n) + rng.uniform(0.05, 0.95, n)) * (2 * math.pi / n)
        radii = radius_km * rng.uniform(0.5, 1.0, n)
        dlat = radii * np.sin(angles) / KM_PER_DEGREE
        dlon = radii * np.cos(angles) / (KM_PER_DEGREE * math.cos(math.radians(lat0)))
        polygon = Polygon(np.column_stack([lon0 + dlon, lat0 + dlat]))
        if polygon.is_valid:
            return polygon
    raise RuntimeError("could not draw a valid star-shaped polygon in 100 tries")


# --------------------------------------------------------------------------- timing


@dataclass
class Method:
    name: str
    run: Callable[[], np.ndarray]  # → hits per zone
    note: str = ""
    seconds: list[float] = field(default_factory=list)
    hits: np.ndarray | None = None
    setup: Callable[[], None] | None = None  # untimed, before each run

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def machine() -> list[str]:
    cpu, mem = cpu_and_memory()
    versions = []
    for module in ("trucewatch", "numpy", "shapely", "geopandas", "pandas", "pyproj"):
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
        f"packages:   {', '.join(versions)}; GEOS {shapely.geos_version_string}",
    ]


def _fmt(value: float, spec: str) -> str:
    return "—" if value != value else format(value, spec)  # NaN → dash


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="trucewatch point-in-zone speed vs raw shapely and geopandas.sjoin"
    )
    parser.add_argument("--points", type=int, default=1_000_000, help="default 1000000")
    parser.add_argument("--zones", type=int, default=50, help="default 50")
    parser.add_argument("--repeat", type=int, default=5, help="runs per method (default 5)")
    parser.add_argument("--seed", type=int, default=42, help="data seed (default 42)")
    parser.add_argument(
        "--no-geopandas", action="store_true", help="skip geopandas (e.g. not installed)"
    )
    args = parser.parse_args(argv)

    from trucewatch.domain.agreement import Zone
    from trucewatch.geo.zones import ZoneIndex

    info = machine()
    print("\n".join(info), flush=True)

    rng = np.random.default_rng(args.seed)
    lons, lats = make_points(args.points, rng)
    polygons = [make_zone(rng) for _ in range(args.zones)]
    assert all(p.is_valid for p in polygons)
    ids = [f"z{i:03d}" for i in range(args.zones)]
    vertices = [len(p.exterior.coords) - 1 for p in polygons]
    data = (
        f"data:       synthetic, seed {args.seed}: {args.points:,} points uniform over "
        f"lon {LON_MIN}-{LON_MAX}, lat {LAT_MIN}-{LAT_MAX}; {args.zones} star-shaped zones, "
        f"{min(vertices)}-{max(vertices)} vertices (mean {statistics.mean(vertices):.1f}), "
        f"radius 5-40 km, all valid"
    )
    print(data, flush=True)
    zones = [
        Zone(id=i, kind="designated_area", polygon=mapping(p))
        for i, p in zip(ids, polygons, strict=True)
    ]

    # ---- setup costs (untimed in the methods below, reported here)
    setups: list[tuple[str, list[float]]] = []

    def setup_cost(name: str, fn: Callable[[], object]) -> object:
        seconds, out = [], None
        for _ in range(args.repeat):
            s, out = timed(fn)
            seconds.append(s)
        setups.append((name, seconds))
        return out

    def prepared() -> list[Polygon]:
        geoms = [shapely.from_wkb(shapely.to_wkb(p)) for p in polygons]  # fresh, unprepared
        shapely.prepare(geoms)
        return geoms

    raw_geoms: list[Polygon] = setup_cost(f"shapely.prepare ({args.zones} zones)", prepared)  # type: ignore[assignment]
    index: ZoneIndex = setup_cost("trucewatch ZoneIndex(zones)", lambda: ZoneIndex(zones))  # type: ignore[assignment]

    # ---- methods
    def raw() -> np.ndarray:
        return np.array([int(shapely.contains_xy(g, lons, lats).sum()) for g in raw_geoms])

    def trucewatch() -> np.ndarray:
        return np.array([int(index.inside_many(z, lons, lats).sum()) for z in ids])

    def strtree() -> np.ndarray:
        points = shapely.points(lons, lats)
        tree = shapely.STRtree(raw_geoms)
        _, zone_idx = tree.query(points, predicate="intersects")
        return np.bincount(zone_idx, minlength=args.zones)

    bounds = [g.bounds for g in raw_geoms]

    def bbox_prefilter() -> np.ndarray:
        # a drop-in for inside_many: a full-length mask per zone, like it returns
        hits = []
        for g, (x0, y0, x1, y1) in zip(raw_geoms, bounds, strict=True):
            idx = np.flatnonzero((lons >= x0) & (lons <= x1) & (lats >= y0) & (lats <= y1))
            mask = np.zeros(len(lons), dtype=bool)
            mask[idx] = shapely.intersects_xy(g, lons[idx], lats[idx])
            hits.append(int(mask.sum()))
        return np.array(hits)

    methods = [
        Method("shapely contains_xy", raw, "reference: prepare once, contains_xy per zone"),
        Method("trucewatch inside_many", trucewatch, "ZoneIndex.inside_many per zone"),
    ]

    gpd_build: list[float] = []
    if not args.no_geopandas:
        import geopandas

        frames: dict[str, object] = {}

        def build_frames() -> None:
            s, (pts, zs) = timed(
                lambda: (
                    geopandas.GeoDataFrame(
                        geometry=geopandas.points_from_xy(lons, lats), crs="EPSG:4326"
                    ),
                    geopandas.GeoDataFrame({"zone": ids}, geometry=list(polygons), crs="EPSG:4326"),
                )
            )
            gpd_build.append(s)
            frames["points"], frames["zones"] = pts, zs

        def sjoin() -> np.ndarray:
            joined = geopandas.sjoin(frames["points"], frames["zones"], predicate="within")
            counts = joined["zone"].value_counts()
            return np.array([int(counts.get(z, 0)) for z in ids])

        methods.append(
            Method(
                "geopandas sjoin", sjoin, "fresh frames; sindex built inside", setup=build_frames
            )
        )
        methods.append(Method("geopandas sjoin (warm)", sjoin, "same frames, sindex already built"))
    methods.append(Method("STRtree bulk query", strtree, "bench-only: points + tree + query"))
    methods.append(
        Method(
            "bbox + intersects_xy",
            bbox_prefilter,
            "bench-only: numpy bbox mask, then intersects_xy on those points",
        )
    )

    print(f"timing {len(methods)} methods x {args.repeat} runs, round-robin ...", flush=True)
    started = time.perf_counter()
    for rep in range(args.repeat):
        for m in methods:
            if m.setup is not None:
                m.setup()
            seconds, hits = timed(m.run)
            m.seconds.append(seconds)
            if m.hits is None:
                m.hits = np.asarray(hits)
            elif not np.array_equal(m.hits, hits):
                print(f"  {m.name}: run {rep + 1} found different hits!", flush=True)
            print(f"  run {rep + 1} {m.name:<24} {seconds:7.3f} s", flush=True)
    print(f"(timing took {time.perf_counter() - started:.0f} s)")

    # ---- report
    by_name = {m.name: m for m in methods}
    floor = by_name["shapely contains_xy"]
    ours = by_name["trucewatch inside_many"]
    tests = args.points * args.zones

    print()
    print("\n".join(info))
    print(data)
    print(f"command:    python bench/zones.py {' '.join(argv or sys.argv[1:])}".rstrip())
    print()
    head = (
        f"| {'method':<24} | {'runs':>4} | {'median s':>8} | {'min s':>7} | {'max s':>7} | "
        f"{'points/s':>11} | {'point-zone tests/s':>18} | {'hits':>8} | {'÷ contains_xy':>13} |"
    )
    lines = [head, "|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|"]
    for m in methods:
        hits = int(m.hits.sum()) if m.hits is not None else 0
        lines.append(
            f"| {m.name:<24} | {len(m.seconds):>4} | {_fmt(m.median, '.3f'):>8} | "
            f"{min(m.seconds):>7.3f} | {max(m.seconds):>7.3f} | "
            f"{_fmt(args.points / m.median, ',.0f'):>11} | {_fmt(tests / m.median, ',.0f'):>18} | "
            f"{hits:>8,} | {m.median / floor.median:>12.2f}x |"
        )
    print("\n".join(lines))
    for m in methods:
        print(f"  {m.name}: {m.note}")

    print()
    print("Setup (not in the times above; median of runs):")
    for name, seconds in setups:
        print(f"  {name:<32} {statistics.median(seconds):8.4f} s")
    if gpd_build:
        print(f"  {'geopandas GeoDataFrames (both)':<32} {statistics.median(gpd_build):8.4f} s")

    print()
    print("Agreement (hits per zone):")
    for m in methods:
        if m is floor or m.hits is None or floor.hits is None:
            continue
        diff = m.hits - floor.hits
        if not diff.any():
            print(f"  {m.name:<24} same as shapely contains_xy ({int(m.hits.sum()):,} pairs)")
        else:
            print(
                f"  {m.name:<24} DIFFERS from shapely contains_xy: {int(diff.sum()):+,} pairs, "
                f"zones {[ids[i] for i in np.flatnonzero(diff)]}"
            )

    print()
    print("Ratios (time; below 1x is faster):")
    print(f"  trucewatch / shapely contains_xy:  {ours.median / floor.median:.2f}x   (goal: ≤ 2x)")
    gp = by_name.get("geopandas sjoin")
    if gp is not None:
        print(f"  geopandas sjoin / trucewatch:      {gp.median / ours.median:.2f}x   (goal: > 1x)")
        warm = by_name["geopandas sjoin (warm)"]
        print(f"  geopandas sjoin (warm) / trucewatch: {warm.median / ours.median:.2f}x")
        met = ours.median <= 2 * floor.median and ours.median < gp.median
        verdict = "met" if met else "NOT met"
        print(f"  goal (faster than geopandas sjoin, within 2x of contains_xy): {verdict}")
    fastest = min(methods, key=lambda m: m.median)
    print(f"  fastest: {fastest.name} ({fastest.median:.3f} s, "
          f"{ours.median / fastest.median:.2f}x faster than trucewatch inside_many)")  # fmt: skip
    strt = by_name["STRtree bulk query"]
    print(f"  STRtree bulk query / trucewatch:   {strt.median / ours.median:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
