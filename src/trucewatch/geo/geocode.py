"""Geocoding: a place name and its admin context to coordinates — or an honest "ambiguous".

Rules, in order:

1. Candidates are the gazetteer's places whose spelling matches (case,
   accents, the Arabic article ignored), else whose consonant skeleton does.
2. Admin context narrows them: a given admin1 (any spelling of the
   governorate) and admin2 keep only places inside those units.
3. Candidates within ``SAME_PLACE_KM`` of each other are one place recorded
   twice (a curated entry and a GeoNames one, a town and its centre).
4. One place left: **found**, with its geo_precision (1 the town or
   neighbourhood itself, 2 near it / a small area, 3 a region).  Several:
   **ambiguous**, every candidate listed with its admin units — never a guess.
   None: **not found**, saying whether the context ruled candidates out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from trucewatch.geo.admin_names import admin_key, canonical_admin1
from trucewatch.geo.gazetteer import Gazetteer, Place
from trucewatch.geo.zones import haversine_km

#: Candidates closer than this are the same place under two records.
SAME_PLACE_KM = 2.0


@dataclass(frozen=True)
class Geocode:
    """The outcome of geocoding one name."""

    query: str
    status: Literal["found", "ambiguous", "not_found"]
    place: Place | None
    reason: str
    candidates: list[Place] = field(default_factory=list)

    @property
    def geo_precision(self) -> int | None:
        """ACLED-style precision of the answer (None unless found)."""
        return self.place.geo_precision if self.place else None

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "query": self.query,
            "status": self.status,
            "place": self.place.as_json() if self.place else None,
            "geo_precision": self.geo_precision,
            "reason": self.reason,
            "candidates": [c.as_json() for c in self.candidates],
        }


def geocode(
    gazetteer: Gazetteer, name: str, *, admin1: str | None = None, admin2: str | None = None
) -> Geocode:
    """Geocode ``name`` with optional admin context (see the module docstring)."""
    found, how = gazetteer.candidates(name)
    if not found:
        return Geocode(name, "not_found", None, f"no place called {name!r} in the gazetteer")
    narrowed = found
    context = []
    if admin1:
        want = canonical_admin1(admin1)
        narrowed = [p for p in narrowed if p.admin1 and canonical_admin1(p.admin1) == want]
        context.append(f"admin1 {admin1}")
    if admin2:
        want2 = admin_key(admin2)
        narrowed = [p for p in narrowed if p.admin2 and admin_key(p.admin2) == want2]
        context.append(f"admin2 {admin2}")
    if not narrowed:
        elsewhere = "; ".join(_where(p) for p in found)
        return Geocode(
            name,
            "not_found",
            None,
            f"{name!r} is known, but not in {' and '.join(context)} (known in: {elsewhere})",
            found,
        )
    places = _distinct(narrowed)
    matched = "by spelling" if how == "name" else "by its consonant skeleton (a loose match)"
    if len(places) == 1:
        place = places[0]
        return Geocode(name, "found", place, f"matched {place.name} {matched}", places)
    listing = "; ".join(_where(p) for p in places)
    hint = " — give admin1 or admin2 to choose" if not context else ""
    return Geocode(
        name,
        "ambiguous",
        None,
        f"{len(places)} places match {name!r} {matched}: {listing}{hint}",
        places,
    )


def _where(p: Place) -> str:
    units = ", ".join(x for x in (p.admin2, p.admin1) if x) or "admin units unknown"
    return f"{p.name} ({units}; {p.latitude:.4f}, {p.longitude:.4f})"


def _distinct(places: list[Place]) -> list[Place]:
    """Merge records of one place: the curated record (listed first) stands for both."""
    out: list[Place] = []
    for p in places:
        if not any(
            haversine_km(p.latitude, p.longitude, q.latitude, q.longitude) < SAME_PLACE_KM
            for q in out
        ):
            out.append(p)
    return out
