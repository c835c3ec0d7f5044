"""A seeded SYNTHETIC agreement for bench/engine.py: 50 zones, 10 event obligations.

Not a real agreement: its title, sources and notes say so, and nothing in it
describes real terms.  It exists so that the engine benchmark evaluates a
realistic *shape* of agreement against bench/generate_acled.py's synthetic
rows (2016-2019, around real Syrian towns):

* sides, brokers and excluded groups are real actor ids from the shipped
  registry, as in ``syria-2016-09-us-russia`` (so the registry resolves the
  generated rows' actor names to them);
* 3 phases covering the data's date range, the first starting a few weeks
  into 2016 so some rows fall before it;
* 50 zones: 34 circles (``around``, radius 5-40 km) centred on real Syrian
  places of the shipped gazetteer (GeoNames and curated), 8 star-shaped
  polygons around such places, 4 buffered routes between two places, and
  4 governorate (``admin1``) zones.  Most centres lie within 30 km of one of
  the generator's towns, so zones do catch rows;
* 10 event obligations mixing acts (event types, sub-event types), within /
  outside zones, exemptions (excluded targets, a named excluded group,
  within zones), different ``binds`` and phases.  Every zone is named by at
  least one obligation, so the engine really tests 50 zones.

The same seed gives the same YAML text.

    python bench/engine_agreement.py OUT.yaml --seed 1
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

AGREEMENT_ID = "synthetic-bench-50-zones"
KM_PER_DEGREE = math.pi / 180 * 6371.0088
N_CIRCLES, N_POLYGONS, N_ROUTES = 34, 8, 4
# Governorate zones, as an agreement would spell them (the data spells them ACLED's way).
ADMIN1_ZONES: list[list[str]] = [
    ["Idlib"],
    ["Raqqa", "Deir ez-Zor"],
    ["Aleppo", "Hama"],
    ["Daraa", "Quneitra", "Rural Damascus"],
]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance in km: plenty for choosing places a few dozen km apart."""
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, lat2 - lat1) * KM_PER_DEGREE


def _syrian_places() -> list[tuple[str, str, float, float]]:
    """(id, name, lat, lon) of the shipped gazetteer's Syrian places, in a stable order."""
    from trucewatch.geo.gazetteer import Gazetteer

    places = [
        (p.id, p.name, p.latitude, p.longitude)
        for p in Gazetteer.shipped().places
        if p.country == "SY" and p.kind in ("town", "city", "village", "neighbourhood")
    ]
    return sorted(set(places))


def _star_polygon(
    rng: random.Random, lat0: float, lon0: float, radius_km: float
) -> list[list[float]]:
    """A closed ring (lon, lat) of a simple star-shaped polygon: one vertex per sector."""
    n = rng.randint(12, 24)
    ring = []
    for i in range(n):
        angle = (i + rng.uniform(0.1, 0.9)) * 2 * math.pi / n
        r = radius_km * rng.uniform(0.5, 1.0)
        dlat = r * math.sin(angle) / KM_PER_DEGREE
        dlon = r * math.cos(angle) / (KM_PER_DEGREE * math.cos(math.radians(lat0)))
        ring.append([round(lon0 + dlon, 5), round(lat0 + dlat, 5)])
    ring.append(ring[0])
    return ring


def synthetic_agreement(seed: int = 1) -> dict[str, Any]:
    """The agreement as YAML-ready data (seeded)."""
    from generate_acled import PLACES  # bench/ is the script's folder

    rng = random.Random(seed)
    places = _syrian_places()
    towns = [(lat, lon) for _, _, _, lat, lon in PLACES]
    near = [p for p in places if any(_km(p[2], p[3], la, lo) <= 30 for la, lo in towns)]
    far = [p for p in places if p not in near]
    # Circles: 24 near the data's towns, 10 anywhere else; polygons and routes near.
    chosen = rng.sample(near, 24 + N_POLYGONS) + rng.sample(far, 10)
    circle_places = chosen[:24] + chosen[24 + N_POLYGONS :]
    polygon_places = chosen[24 : 24 + N_POLYGONS]
    kinds = ["designated_area", "besieged_area", "freeze_zone", "hard_to_reach_area"]

    zones: list[dict[str, Any]] = []
    for i, (pid, name, lat, lon) in enumerate(circle_places):
        zone: dict[str, Any] = {
            "id": f"circle-{i:02d}",
            "kind": rng.choice(kinds),
            "name": f"Synthetic circle around {name}",
            "around": {
                "place": name,
                "latitude": lat,
                "longitude": lon,
                "radius_km": round(rng.uniform(5, 40), 1),
            },
            "note": f"synthetic: centred on gazetteer place {pid}",
        }
        if rng.random() < 0.25:
            zone["approximate"] = True
        zones.append(zone)
    for i, (pid, name, lat, lon) in enumerate(polygon_places):
        zones.append(
            {
                "id": f"polygon-{i:02d}",
                "kind": rng.choice(["freeze_zone", "disengagement_area"]),
                "name": f"Synthetic polygon around {name}",
                "polygon": {
                    "type": "Polygon",
                    "coordinates": [_star_polygon(rng, lat, lon, rng.uniform(5, 40))],
                },
                "note": f"synthetic: star-shaped, around gazetteer place {pid}",
            }
        )
    for i in range(N_ROUTES):
        while True:
            a, b = rng.sample(near, 2)
            if 15 <= _km(a[2], a[3], b[2], b[3]) <= 80:
                break
        zones.append(
            {
                "id": f"route-{i:02d}",
                "kind": "route",
                "name": f"Synthetic route {a[1]} – {b[1]}",
                "route": {
                    "points": [[a[2], a[3]], [b[2], b[3]]],
                    "buffer_km": round(rng.uniform(1, 5), 1),
                },
                "note": f"synthetic: straight line between gazetteer places {a[0]} and {b[0]}",
            }
        )
    for i, names in enumerate(ADMIN1_ZONES):
        zones.append(
            {
                "id": f"governorates-{i:02d}",
                "kind": "designated_area",
                "name": "Synthetic governorate zone: " + ", ".join(names),
                "admin1": names,
                "approximate": True,
                "note": "synthetic: judged by the incident's recorded governorate",
            }
        )

    circles = [f"circle-{i:02d}" for i in range(N_CIRCLES)]
    polygons = [f"polygon-{i:02d}" for i in range(N_POLYGONS)]
    routes = [f"route-{i:02d}" for i in range(N_ROUTES)]
    admin = [f"governorates-{i:02d}" for i in range(len(ADMIN1_ZONES))]
    all_sides = ["government", "opposition", "kurdish"]
    ex_rv = "Explosions/Remote violence"
    obligations: list[dict[str, Any]] = [
        {
            "id": "no-air-strikes",
            "binds": ["government"],
            "prohibits": [{"sub_event_type": ["Air/drone strike"]}],
            "except": [{"within": admin[:2], "targets": "excluded"}],
            "phases": ["first", "second", "third"],
        },
        {
            "id": "no-shelling-of-protected-towns",
            "binds": ["government", "opposition"],
            "prohibits": [{"sub_event_type": ["Shelling/artillery/missile attack"]}],
            "within": circles[:10],
            "phases": ["first"],
        },
        {
            "id": "cease-hostilities",
            "binds": all_sides,
            "prohibits": [
                {"event_type": ["Battles", ex_rv, "Violence against civilians"]},
            ],
            "except": [{"targets": "excluded"}],
            "phases": ["second", "third"],
        },
        {
            "id": "no-violence-against-civilians",
            "binds": all_sides,
            "prohibits": [{"event_type": ["Violence against civilians"]}],
        },
        {
            "id": "no-offensives-outside-freeze-zones",
            "binds": ["government", "opposition"],
            "prohibits": [
                {
                    "event_type": ["Battles"],
                    "sub_event_type": [
                        "Government regains territory",
                        "Non-state actor overtakes territory",
                    ],
                }
            ],
            "outside": polygons[:4],
            "phases": ["second"],
        },
        {
            "id": "no-explosives-on-routes",
            "binds": ["opposition", "kurdish"],
            "prohibits": [
                {"sub_event_type": ["Remote explosive/landmine/IED", "Suicide bomb", "Grenade"]}
            ],
            "within": [*routes, *circles[10:15]],
        },
        {
            "id": "no-looting-or-abductions-in-besieged-towns",
            "binds": ["government", "kurdish"],
            "prohibits": [
                {"sub_event_type": ["Looting/property destruction"]},
                {
                    "event_type": ["Violence against civilians"],
                    "sub_event_type": ["Abduction/forced disappearance"],
                },
            ],
            "within": circles[15:25],
            "phases": ["third"],
        },
        {
            "id": "no-arrests-in-governorates",
            "binds": ["government", "kurdish"],
            "prohibits": [
                {"event_type": ["Strategic developments"], "sub_event_type": ["Arrests"]}
            ],
            "within": admin[2:],
            "except": [{"within": circles[25:30], "targets": ["islamic-state"]}],
            "phases": ["first", "third"],
        },
        {
            "id": "no-shelling-in-freeze-zones",
            "binds": all_sides,
            "prohibits": [
                {"event_type": [ex_rv], "sub_event_type": ["Shelling/artillery/missile attack"]}
            ],
            "within": polygons[4:],
            "except": [{"within": circles[30:34], "targets": "excluded"}],
            "phases": ["first", "second"],
        },
        {
            "id": "no-force-against-protesters",
            "binds": ["government", "opposition"],
            "prohibits": [
                {
                    "sub_event_type": [
                        "Excessive force against protestors",
                        "Protest with intervention",
                    ]
                },
                {"event_type": ["Riots"]},
            ],
            "outside": polygons[:2],
        },
    ]
    for ob in obligations:
        ob["title"] = "Synthetic obligation " + ob["id"].replace("-", " ")
        ob["text"] = "Synthetic benchmark obligation; not the words of any real agreement."

    first_day = date(2016, 1, 1) + timedelta(days=rng.randint(30, 90))
    return {
        "id": AGREEMENT_ID,
        "title": "SYNTHETIC benchmark agreement: 50 zones, 10 obligations (not a real agreement)",
        "signed": (first_day - timedelta(days=2)).isoformat(),
        "timezone": "Asia/Damascus",
        "ceasefire_type": "simple_cessation",
        "sources": [
            f"synthetic: generated by bench/engine_agreement.py with seed {seed}; "
            "not a real agreement and not based on one"
        ],
        "notes": [
            "SYNTHETIC. Written by a seeded generator for the engine benchmark (bench/engine.py). "
            "It describes no real agreement: its phases, zones and obligations are invented.",
            "Actor ids are real ids of the shipped actor registry so that the synthetic incident "
            "rows resolve to them; their roles here are invented.",
            "Zone centres are real places of the shipped gazetteer; radii, polygons, routes and "
            "the governorates chosen are random.",
        ],
        "brokers": ["united-states", "russia"],
        "sides": {
            "government": {
                "name": "Synthetic side: Syrian government and allies",
                "members": ["syria-government"],
                "allies": ["russia", "iran", "hezbollah", "iran-backed-militias"],
            },
            "opposition": {
                "name": "Synthetic side: armed opposition",
                "members": ["armed-opposition"],
            },
            "kurdish": {"name": "Synthetic side: SDF", "members": ["sdf"]},
        },
        "excluded": ["islamic-state", "jabhat-fateh-al-sham"],
        "phases": [
            {
                "id": "first",
                "start": f"{first_day.isoformat()}T00:00+03:00",
                "days": rng.randint(300, 420),
            },
            {"id": "second", "after": "first", "days": rng.randint(300, 420)},
            {"id": "third", "after": "second", "end": "2019-12-31T00:00+03:00"},
        ],
        "zones": zones,
        "obligations": obligations,
    }


def write_agreement(path: Path, seed: int = 1) -> Path:
    """Write the agreement YAML to ``path`` (rewritten only when its text changes)."""
    text = (
        "# SYNTHETIC benchmark agreement written by bench/engine_agreement.py "
        f"(seed {seed}).\n# Not a real agreement.\n"
        + yaml.safe_dump(synthetic_agreement(seed), sort_keys=False, allow_unicode=True, width=100)
    )
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the YAML file to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    write_agreement(args.out, args.seed)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
