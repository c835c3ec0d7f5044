"""Synthetic, seeded test geometry for territory tests — not real places or events.

A square theatre of about 140 × 110 km is split between two real registry
actors (ids are real because standing in an agreement is looked up through
the registry); every layer, line and incident here is made up, and its
``source``/``notes`` say "synthetic".  Random jitter comes from a seeded
generator, so every run draws the same shapes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry

SEED = 20150212
GOV, OPP = "syria-government", "armed-opposition"

WEST = box(35.0, 35.0, 35.5, 36.0)  # held by OPP
EAST = box(35.5, 35.0, 36.5, 36.0)  # held by GOV, around the pocket
POCKET = box(35.8, 35.4, 35.9, 35.5)  # an OPP town inside GOV ground
BELT = box(35.75, 35.35, 35.95, 35.55).difference(POCKET)  # OPP ground around the town
CORRIDOR = box(35.5, 35.44, 35.75, 35.46)  # about 2.2 km wide, joining WEST to BELT
STRIP = box(35.4, 35.0, 35.5, 36.0)  # the strip GOV takes from OPP in the advance test


def jitter(geom: BaseGeometry, rng: random.Random, degrees: float = 0.0004) -> BaseGeometry:
    """Move a shape by a seeded random offset (a few tens of metres)."""
    from shapely import affinity

    return affinity.translate(geom, rng.uniform(-degrees, degrees), rng.uniform(-degrees, degrees))


def feature(geom: BaseGeometry | None, **props: Any) -> dict[str, Any]:
    """A GeoJSON feature."""
    return {
        "type": "Feature",
        "properties": props,
        "geometry": None if geom is None else mapping(geom),
    }


def write(path: Path, features: list[dict[str, Any]]) -> Path:
    """Write a FeatureCollection, one feature per line (so problems have lines)."""
    body = ",\n".join(json.dumps(f) for f in features)
    path.write_text(
        '{"type": "FeatureCollection", "name": "synthetic", "features": [\n' + body + "\n]}\n",
        encoding="utf-8",
    )
    return path


def snapshot(corridor_open: bool, *, advanced: bool = False) -> list[dict[str, Any]]:
    """Features of a synthetic control snapshot.

    GOV holds the east and encircles an OPP town (POCKET, population 12 000,
    synthetic) and its surroundings; while ``corridor_open``, OPP also holds
    a corridor back to the west.  ``advanced``: GOV has taken STRIP from OPP.
    """
    rng = random.Random(SEED)
    pocket_ring = BELT if not corridor_open else BELT.union(CORRIDOR)
    gov = EAST.difference(box(35.75, 35.35, 35.95, 35.55))
    if corridor_open:
        gov = gov.difference(CORRIDOR)
    west = WEST
    if advanced:
        gov = gov.union(STRIP)
        west = WEST.difference(STRIP)
    del rng  # the shapes are exact; jitter() is for tests that want noise
    return [
        feature(gov, actor=GOV, name="synthetic government ground"),
        feature(west, actor=OPP, name="synthetic opposition ground"),
        feature(POCKET, actor=OPP, name="Synthetic Town", population=12000),
        feature(pocket_ring, actor=OPP, name="synthetic town outskirts"),
    ]
