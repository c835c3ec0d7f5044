"""Write a synthetic ACLED-format CSV for benchmarking imports.

Every row is in ACLED's 31-column export format
(:data:`trucewatch.ingest.acled.ACLED_COLUMNS`), seeded and reproducible:

* event types and sub-event types from ACLED's vocabulary
  (:data:`trucewatch.domain.vocabulary.EVENT_TYPE_TREE`), weighted roughly
  as in ACLED's Syria data (mostly shelling and air strikes, then battles);
* actor names that the shipped actor registry resolves ("Government of
  Syria", "Syrian insurgents", "Islamic State", "SDF", ...);
* dates spread over 2016-2019, places around real Syrian towns, coordinates
  kept inside Syria's bounding box (lat 32.3-37.3, lon 35.7-42.4);
* fatalities skewed small (most rows 0-2, a long thin tail);
* notes that say "synthetic benchmark row", so no one mistakes a row for data.

Rows are written one at a time (nothing is held in memory), so a 1M-row
file costs no more memory than a 10-row one.  The same seed gives the same
file, and a file of N rows is the first N rows of a longer file with the
same seed.

    python bench/generate_acled.py OUT.csv --rows 1000000 --seed 1
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from trucewatch.domain.vocabulary import DISORDER_TYPE, EVENT_TYPE_TREE
from trucewatch.ingest.acled import ACLED_COLUMNS

LAT_RANGE = (32.3, 37.3)
LON_RANGE = (35.7, 42.4)
FIRST_DAY = date(2016, 1, 1)
DAYS = (date(2019, 12, 31) - FIRST_DAY).days + 1

# (event type, weight) and, within each type, (sub-event type, weight):
# shaped like ACLED's Syria data of 2016-2019, where shelling and air strikes
# dominate.  Every name is checked against EVENT_TYPE_TREE at import time.
EVENT_MIX: dict[str, tuple[float, dict[str, float]]] = {
    "Explosions/Remote violence": (
        55,
        {
            "Shelling/artillery/missile attack": 55,
            "Air/drone strike": 35,
            "Remote explosive/landmine/IED": 7,
            "Suicide bomb": 1,
            "Grenade": 1.5,
            "Chemical weapon": 0.5,
        },
    ),
    "Battles": (
        25,
        {
            "Armed clash": 90,
            "Government regains territory": 6,
            "Non-state actor overtakes territory": 4,
        },
    ),
    "Violence against civilians": (
        8,
        {
            "Attack": 80,
            "Abduction/forced disappearance": 18,
            "Sexual violence": 2,
        },
    ),
    "Strategic developments": (
        8,
        {
            "Looting/property destruction": 25,
            "Arrests": 25,
            "Disrupted weapons use": 15,
            "Change to group/activity": 10,
            "Agreement": 5,
            "Headquarters or base established": 5,
            "Non-violent transfer of territory": 5,
            "Other": 10,
        },
    ),
    "Protests": (
        3,
        {
            "Peaceful protest": 85,
            "Protest with intervention": 10,
            "Excessive force against protestors": 5,
        },
    ),
    "Riots": (1, {"Violent demonstration": 60, "Mob violence": 40}),
}
for _event_type, (_, _subs) in EVENT_MIX.items():
    assert set(_subs) == set(EVENT_TYPE_TREE[_event_type]), _event_type

# Names as ACLED/UCDP write them, each resolved by ActorRegistry.shipped();
# (name, ACLED inter code, weight).
ARMED: list[tuple[str, int, float]] = [
    ("Military Forces of Syria (2000-)", 1, 30),
    ("Government of Syria", 1, 8),
    ("Military Forces of Russia (2000-)", 8, 8),
    ("Syrian insurgents", 2, 12),
    ("Islamic State", 2, 10),
    ("SDF", 2, 6),
    ("YPG", 2, 2),
    ("Hay'at Tahrir al-Sham", 2, 6),
    ("Ahrar al-Sham", 2, 3),
    ("Free Syrian Army", 2, 3),
    ("Jaish al-Islam", 2, 1.5),
    ("Hezbollah", 2, 1.5),
    ("National Defence Forces", 3, 1.5),
    ("Government of Turkey", 8, 2),
    ("Government of United States of America", 8, 1),
    ("Unidentified Military Forces", 1, 4),
    ("Unidentified Armed Group (Syria)", 3, 3),
]
CIVILIANS = ("Civilians", 7)
# ACLED would write "Protesters (Syria)"; the registry has no protesters
# actor, so demonstrations use "Civilians" to keep every name resolvable.
DEMONSTRATORS = ("Civilians", 6)

# (town, admin1, admin2, lat, lon)
PLACES: list[tuple[str, str, str, float, float]] = [
    ("Aleppo", "Aleppo", "Jebel Saman", 36.2021, 37.1343),
    ("Idlib", "Idleb", "Idleb", 35.9306, 36.6339),
    ("Maarat an Nuaman", "Idleb", "Maarrat An-Nu'man", 35.6476, 36.6745),
    ("Khan Shaykhun", "Idleb", "Maarrat An-Nu'man", 35.4419, 36.6510),
    ("Hama", "Hama", "Hama", 35.1318, 36.7578),
    ("Homs", "Homs", "Homs", 34.7324, 36.7137),
    ("Ar Rastan", "Homs", "Ar-Rastan", 34.9237, 36.7323),
    ("Douma", "Rural Damascus", "Duma", 33.5711, 36.4026),
    ("Darayya", "Rural Damascus", "Darayya", 33.4581, 36.2356),
    ("Damascus", "Damascus", "Damascus", 33.5138, 36.2765),
    ("Daraa", "Dara", "Dara", 32.6189, 36.1021),
    ("As Suwayda", "As-Sweida", "As-Sweida", 32.7094, 36.5695),
    ("Quneitra", "Quneitra", "Quneitra", 33.1256, 35.8240),
    ("Latakia", "Lattakia", "Lattakia", 35.5317, 35.7910),
    ("Jisr ash Shughur", "Idleb", "Jisr-Ash-Shugur", 35.8146, 36.3188),
    ("Ar Raqqa", "Ar-Raqqa", "Ar-Raqqa", 35.9528, 39.0079),
    ("Tabqa", "Ar-Raqqa", "Ath-Thawrah", 35.8360, 38.5480),
    ("Deir ez Zor", "Deir-ez-Zor", "Deir-ez-Zor", 35.3359, 40.1408),
    ("Al Mayadin", "Deir-ez-Zor", "Al Mayadin", 35.0197, 40.4511),
    ("Al Bukamal", "Deir-ez-Zor", "Abu Kamal", 34.4534, 40.9187),
    ("Palmyra", "Homs", "Tadmor", 34.5601, 38.2673),
    ("Manbij", "Aleppo", "Menbij", 36.5281, 37.9549),
    ("Al Bab", "Aleppo", "Al Bab", 36.3703, 37.5157),
    ("Afrin", "Aleppo", "Afrin", 36.5119, 36.8695),
    ("Qamishli", "Al-Hasakeh", "Quamishli", 37.0522, 41.2317),
    ("Al Hasakah", "Al-Hasakeh", "Al-Hasakeh", 36.5024, 40.7477),
    ("Kobani", "Aleppo", "Ain Al Arab", 36.8909, 38.3539),
]
SOURCES: list[tuple[str, str, float]] = [
    ("Syrian Observatory for Human Rights", "National", 60),
    ("Local Coordination Committees", "Local partner-National", 10),
    ("SANA", "National", 8),
    ("Smart News Agency", "National", 8),
    ("Step News Agency", "National", 5),
    ("Reuters", "International", 4),
    ("Syrian Observatory for Human Rights; Reuters", "National-International", 5),
]
FATALITIES = [*range(21), 25, 30, 40, 50, 75, 100]
_FATALITY_WEIGHTS = [
    55,
    15,
    8,
    5,
    3.5,
    2.5,
    2,
    1.5,
    1.2,
    1,
    0.9,
    0.5,
    0.45,
    0.4,
    0.35,
    0.3,
    0.25,
    0.2,
    0.2,
    0.15,
    0.15,
    0.3,
    0.2,
    0.1,
    0.08,
    0.03,
    0.02,
]
assert len(FATALITIES) == len(_FATALITY_WEIGHTS)

NOTE = "synthetic benchmark row"


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _pick_armed(rng: random.Random, not_this: str | None = None) -> tuple[str, int]:
    while True:
        name, inter, _ = rng.choices(ARMED, weights=_ARMED_WEIGHTS)[0]
        if name != not_this:
            return name, inter


_ARMED_WEIGHTS = [w for _, _, w in ARMED]


def rows(count: int, seed: int = 1) -> Iterator[list[str]]:
    """The first ``count`` data rows for ``seed``, one list per row, in ACLED_COLUMNS order."""
    rng = random.Random(seed)
    event_types = list(EVENT_MIX)
    event_weights = [EVENT_MIX[e][0] for e in event_types]
    subs = {e: (list(s), list(s.values())) for e, (_, s) in EVENT_MIX.items()}
    base_ts = 1_580_000_000
    for n in range(1, count + 1):
        event_type = rng.choices(event_types, weights=event_weights)[0]
        names, weights = subs[event_type]
        sub_event_type = rng.choices(names, weights=weights)[0]
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))

        assoc1 = assoc2 = ""
        if event_type == "Battles":
            actor1, inter1 = _pick_armed(rng)
            actor2, inter2 = _pick_armed(rng, not_this=actor1)
        elif event_type == "Violence against civilians":
            actor1, inter1 = _pick_armed(rng)
            actor2, inter2 = CIVILIANS
        elif event_type == "Explosions/Remote violence":
            actor1, inter1 = _pick_armed(rng)
            if rng.random() < 0.3:
                actor2, inter2 = CIVILIANS
            else:
                actor2, inter2 = _pick_armed(rng, not_this=actor1)
        elif event_type == "Strategic developments":
            actor1, inter1 = _pick_armed(rng)
            if rng.random() < 0.5:
                actor2, inter2 = "", 0
            else:
                actor2, inter2 = _pick_armed(rng, not_this=actor1)
        else:  # Protests, Riots
            actor1, inter1 = DEMONSTRATORS
            if event_type == "Riots" or sub_event_type != "Peaceful protest":
                actor2, inter2 = _pick_armed(rng)
            else:
                actor2, inter2 = "", 0
        if actor1 == "Military Forces of Syria (2000-)" and rng.random() < 0.1:
            assoc1 = "Military Forces of Russia (2000-)"
        if actor2 == "Syrian insurgents" and rng.random() < 0.1:
            assoc2 = "Hay'at Tahrir al-Sham; Ahrar al-Sham"

        town, admin1, admin2, lat0, lon0 = PLACES[rng.randrange(len(PLACES))]
        lat = round(_clip(lat0 + rng.uniform(-0.15, 0.15), *LAT_RANGE), 4)
        lon = round(_clip(lon0 + rng.uniform(-0.15, 0.15), *LON_RANGE), 4)
        source, scale, _ = rng.choices(SOURCES, weights=_SOURCE_WEIGHTS)[0]
        fatalities = rng.choices(FATALITIES, weights=_FATALITY_WEIGHTS)[0]
        interaction = int(f"{min(inter1, inter2)}{max(inter1, inter2)}") if inter2 else inter1 * 10
        yield [
            f"SYR{n}",  # event_id_cnty
            day.isoformat(),  # event_date
            str(day.year),  # year
            str(rng.choices((1, 2, 3), weights=(85, 12, 3))[0]),  # time_precision
            DISORDER_TYPE[event_type],
            event_type,
            sub_event_type,
            actor1,
            assoc1,
            str(inter1),
            actor2,
            assoc2,
            str(inter2) if inter2 else "",
            str(interaction),
            "Civilian targeting" if actor2 == "Civilians" and inter1 != 6 else "",
            "760",  # iso
            "Middle East",
            "Syria",
            admin1,
            admin2,
            "",  # admin3
            town,
            f"{lat:.4f}",
            f"{lon:.4f}",
            str(rng.choices((1, 2, 3), weights=(70, 25, 5))[0]),  # geo_precision
            source,
            scale,
            f"{NOTE} {n}: {sub_event_type.lower()} near {town}; {fatalities} reported killed.",
            str(fatalities),
            "",  # tags
            str(base_ts + n),  # timestamp
        ]


_SOURCE_WEIGHTS = [w for _, _, w in SOURCES]


def generate(path: Path | str, rows_: int, seed: int = 1) -> Path:
    """Write ``rows_`` seeded ACLED rows (plus the header) to ``path``, streaming."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(ACLED_COLUMNS)
        for row in rows(rows_, seed):
            writer.writerow(row)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the CSV file to write")
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows (default 1000000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    generate(args.out, args.rows, seed=args.seed)
    print(
        f"wrote {args.rows:,} rows to {args.out} in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
