"""A monitor's field report: one new incident, its account, its witness and its files.

A monitor on the ground reports what happened from a phone (the dashboard's
form) or a script (``POST /api/field-reports``); both call
:func:`submit_field_report`, so a field report is checked and stored the same
way whatever the face.

What is stored, and why:

- an **incident** in status ``reported``, derived from its one report exactly
  as an imported incident is (``store.incidents.insert_incidents``), with
  ``submitted_by`` naming the monitor.  A monitor cannot verify their own
  report: an analyst moves it through verification like any other.
- a **report** row — the provenance every incident has: source ``field``
  (the mission's monitors), the submitted values as the raw record and their
  SHA-256, so "where did this come from?" has the same answer as for a file.
- the **field report** row: the description, and the two sensitive facts —
  who the witness is and where the account was given — kept there *only*.
  They never enter the report's raw values, the incident, the audit log or
  any export; ``visibility`` shows them to analysts and the monitor alone.
- each uploaded **file** as evidence (``evidence.add``): hashed on arrival,
  with its collection record and the first entry of its chain of custody.

The monitor's name is not part of the incident's id or its public ``source``
text: a published incident must not point at the person who reported it.

All or nothing: every field and every file is checked before anything is
written, and a refused report stores nothing — one message per mistake,
naming the field and what to do.  A phone on a bad connection resends; the
same ``client_ref`` returns the stored report instead of storing it twice.
"""

from __future__ import annotations

import codecs
import math
import re
import secrets
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from trucewatch import evidence
from trucewatch.accounts import Permission, User
from trucewatch.actors import ActorRegistry
from trucewatch.domain import CasualtyRange, Incident, IncidentActor, Location
from trucewatch.domain.incident import Role
from trucewatch.domain.vocabulary import EVENT_TYPE_OF, EVENT_TYPE_TREE, KNOWN_TAGS
from trucewatch.errors import InputError, Problem, did_you_mean
from trucewatch.store import Database, audit
from trucewatch.store.geo import assign_admin_units, load_admin_index
from trucewatch.store.incidents import canonical_json, content_sha256, insert_incidents, parsed_json
from trucewatch.store.schema import (
    custody,
    field_reports,
    import_batches,
    incident_actors,
    incident_admin,
    incidents,
    reports,
    sources,
)
from trucewatch.store.schema import evidence as evidence_table

#: The source every field report is recorded under: the mission's monitors.
FIELD_SOURCE = "field"
FIELD_SOURCE_NAME = "Mission monitors' field reports"
#: The incident's public ``source`` text (never the monitor's name).
PUBLIC_SOURCE = "mission field report"

#: Files a monitor may attach, by the media type their content shows, with the
#: extension the stored copy gets.
ALLOWED_MEDIA: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}
MAX_FILES = 10
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

#: Fields a report may carry (JSON keys and form field names alike).
FIELDS = (
    "date",
    "date_precision",
    "event_type",
    "sub_event_type",
    "place",
    "admin1",
    "latitude",
    "longitude",
    "actors",
    "perpetrator",
    "target",
    "fatalities",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "tags",
    "description",
    "witness",
    "source_latitude",
    "source_longitude",
    "client_ref",
)
PRECISIONS = {"day": 1, "week": 2, "month": 3}
_CLIENT_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
#: A place named by the monitor and a gazetteer entry of that name this close
#: to the given coordinates are the same place (its admin units are taken).
SAME_PLACE_KM = 25.0
MAX_DESCRIPTION = 20_000
MAX_WITNESS = 2_000
MAX_NAME = 200


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class FieldReport:
    """A checked field report, ready to store: the incident's account and the sensitive part."""

    incident: Incident  # its id is assigned when stored
    description: str
    witness: str | None
    source_latitude: float | None
    source_longitude: float | None
    client_ref: str | None
    placed_by: str  # how the place was found: "coordinates" or the gazetteer's answer
    original: dict[str, str]  # the submitted values, sensitive ones left out


def _problem(where: str, message: str, hint: str | None = None) -> Problem:
    return Problem(where, None, message, hint, where)


def _shown(value: object, limit: int = 60) -> str:
    """A submitted value as a message may quote it: short, and always valid UTF-8."""
    text = str(value)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _as_text(value: Any) -> str | None:
    """A submitted scalar as stripped text (None when absent or blank)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        text = str(value).strip()
        return text or None
    return None


def _text(
    data: Mapping[str, Any],
    key: str,
    problems: list[Problem],
    *,
    label: str,
    required: bool = False,
    max_len: int = MAX_NAME,
) -> str | None:
    raw = data.get(key)
    if raw is not None and not isinstance(raw, int | float | str | bool):
        problems.append(_problem(key, f"{label} must be text", f"give {key} as a string"))
        return None
    text = _as_text(raw)
    if text is None:
        if required:
            problems.append(_problem(key, f"{label} is missing", f"fill in {key}"))
        return None
    text = unicodedata.normalize("NFC", text)
    if len(text) > max_len:
        problems.append(
            _problem(key, f"{label} is {len(text):,} characters long", f"shorten it to {max_len:,}")
        )
        return None
    if any(
        (unicodedata.category(c) == "Cc" and c not in "\n\r\t") or unicodedata.category(c) == "Cs"
        for c in text
    ):
        problems.append(
            _problem(
                key, f"{label} contains control or invalid characters", "remove them and resend"
            )
        )
        return None
    return text


def _float(
    data: Mapping[str, Any], key: str, problems: list[Problem], *, label: str, bound: float
) -> float | None:
    raw = data.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise ValueError
        value = float(raw)
    except ValueError:
        problems.append(
            _problem(
                key, f"{label} '{_shown(raw)}' is not a number", "give decimal degrees, e.g. 36.148"
            )
        )
        return None
    if not math.isfinite(value) or not -bound <= value <= bound:
        problems.append(
            _problem(
                key,
                f"{label} {_shown(raw)} is outside -{bound:g} to {bound:g}",
                "give decimal degrees (latitude first, then longitude; not swapped)",
            )
        )
        return None
    return value


def _count(data: Mapping[str, Any], key: str, problems: list[Problem], label: str) -> int | None:
    raw = data.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, str):
        with suppress(ValueError):
            value = int(raw.strip())
    if value is None:
        problems.append(
            _problem(key, f"{label} '{_shown(raw)}' is not a whole number", "give 0 or more")
        )
        return None
    if not 0 <= value <= 1_000_000:
        problems.append(
            _problem(key, f"{label} {value} is out of range", "give a count from 0 to 1,000,000")
        )
        return None
    return value


def _pair(
    data: Mapping[str, Any], lat_key: str, lon_key: str, problems: list[Problem], what: str
) -> tuple[float | None, float | None]:
    before = len(problems)
    lat = _float(data, lat_key, problems, label=f"{what} latitude", bound=90)
    lon = _float(data, lon_key, problems, label=f"{what} longitude", bound=180)
    if len(problems) > before:
        return None, None
    if (lat is None) != (lon is None):
        missing = lon_key if lon is None else lat_key
        problems.append(
            _problem(missing, f"{what} needs both latitude and longitude", f"fill in {missing}")
        )
        return None, None
    return lat, lon


def _date(data: Mapping[str, Any], problems: list[Problem], today: date) -> date | None:
    raw = _text(data, "date", problems, label="the date", required=True, max_len=40)
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        problems.append(
            _problem(
                "date", f"'{_shown(raw)}' is not a date", "give it as YYYY-MM-DD, e.g. 2016-09-19"
            )
        )
        return None
    if day > today + timedelta(days=1):
        problems.append(
            _problem("date", f"{day} is in the future", "give the day it happened (local date)")
        )
        return None
    if day.year < 1900:
        problems.append(_problem("date", f"{day} is too early", "check the year"))
        return None
    return day


def _event(data: Mapping[str, Any], problems: list[Problem]) -> tuple[str | None, str | None]:
    event = _text(data, "event_type", problems, label="the event type", required=True)
    sub = _text(data, "sub_event_type", problems, label="the sub-event type", required=True)
    if event is not None and event not in EVENT_TYPE_TREE:
        close = did_you_mean(event, EVENT_TYPE_TREE)
        problems.append(
            _problem(
                "event_type",
                f"'{_shown(event)}' is not an ACLED event type",
                (f"did you mean '{close}'? " if close else "")
                + f"use one of: {', '.join(EVENT_TYPE_TREE)}",
            )
        )
        event = None
    if sub is not None and sub not in EVENT_TYPE_OF:
        close = did_you_mean(sub, EVENT_TYPE_OF)
        options = EVENT_TYPE_TREE.get(event or "", tuple(EVENT_TYPE_OF))
        problems.append(
            _problem(
                "sub_event_type",
                f"'{_shown(sub)}' is not an ACLED sub-event type",
                (f"did you mean '{close}'? " if close else "")
                + f"use one of: {', '.join(options)}",
            )
        )
        sub = None
    if event is not None and sub is not None and EVENT_TYPE_OF[sub] != event:
        problems.append(
            _problem(
                "sub_event_type",
                f"'{sub}' is a kind of '{EVENT_TYPE_OF[sub]}', not of '{event}'",
                f"for {event} use one of: {', '.join(EVENT_TYPE_TREE[event])}",
            )
        )
        sub = None
    return event, sub


def _actors(
    data: Mapping[str, Any], problems: list[Problem], registry: ActorRegistry, day: date | None
) -> list[IncidentActor]:
    named: list[tuple[str, str]] = []
    raw = data.get("actors")
    if raw is not None and raw != "":
        if not isinstance(raw, list):
            problems.append(
                _problem(
                    "actors",
                    "actors must be a list",
                    'give [{"name": "...", "role": "perpetrator|target|other"}, ...]',
                )
            )
        else:
            for i, item in enumerate(raw):
                where = f"actors.{i}"
                if not isinstance(item, Mapping):
                    problems.append(
                        _problem(where, "an actor must be an object", 'give {"name", "role"}')
                    )
                    continue
                name = _text(item, "name", problems, label=f"{where}.name", required=True)
                role = _as_text(item.get("role")) or Role.OTHER.value
                if role not in {r.value for r in Role}:
                    problems.append(
                        _problem(
                            f"{where}.role",
                            f"'{_shown(role)}' is not an actor role",
                            "use perpetrator, target or other",
                        )
                    )
                    continue
                if name:
                    named.append((name, role))
    for key, role in (("perpetrator", Role.PERPETRATOR), ("target", Role.TARGET)):
        text = _text(data, key, problems, label=f"the {key}", max_len=1000)
        for line in (text or "").splitlines():
            name = line.strip()
            if len(name) > MAX_NAME:
                problems.append(
                    _problem(key, f"'{_shown(name, 40)}' is too long", "one name per line")
                )
            elif name:
                named.append((name, role.value))
    out: list[IncidentActor] = []
    for name, role in named[:20]:
        found = registry.resolve(name, on=day)
        out.append(IncidentActor(name=name, id=found.actor_id if found else None, role=Role(role)))
    if len(named) > 20:
        problems.append(_problem("actors", "more than 20 actors", "name the 20 that matter most"))
    return out


def _fatalities(data: Mapping[str, Any], problems: list[Problem]) -> CasualtyRange | None:
    source: Mapping[str, Any] = data
    keys = ("fatalities_low", "fatalities_best", "fatalities_high")
    nested = data.get("fatalities")
    if nested is not None and nested != "":
        if not isinstance(nested, Mapping):
            problems.append(
                _problem(
                    "fatalities",
                    "fatalities must be an object",
                    'give {"low": 0, "best": 0, "high": 0}',
                )
            )
            return None
        source = {f"fatalities_{k}": v for k, v in nested.items()}
    before = len(problems)
    low, best, high = (_count(source, k, problems, k.replace("_", " ")) for k in keys)
    if len(problems) > before:
        return None
    if best is None:
        best = low if low is not None else (high if high is not None else 0)
    low = best if low is None else low
    high = best if high is None else high
    if not low <= best <= high:
        problems.append(
            _problem(
                "fatalities_best",
                f"fatalities must be low ≤ best ≤ high, got {low} / {best} / {high}",
                "give the lowest credible count, your best estimate and the highest",
            )
        )
        return None
    return CasualtyRange(low=low, best=best, high=high)


def _tags(data: Mapping[str, Any], problems: list[Problem]) -> list[str]:
    raw = data.get("tags")
    if raw is None or raw == "":
        return []
    items = raw.replace(";", ",").split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
        problems.append(_problem("tags", "tags must be a list of words", "e.g. ['civilians']"))
        return []
    tags = list(dict.fromkeys(t.strip() for t in items if t.strip()))
    unknown = [t for t in tags if t not in KNOWN_TAGS]
    if unknown:
        problems.append(
            _problem(
                "tags",
                f"unknown tag(s): {_shown(', '.join(unknown), 200)}",
                f"use any of: {', '.join(sorted(KNOWN_TAGS))}",
            )
        )
        return []
    return tags


def parse_field_report(
    data: Mapping[str, Any],
    *,
    db: Database | None = None,
    registry: ActorRegistry | None = None,
    today: date | None = None,
) -> FieldReport:
    """Check a submitted report; every mistake found is reported at once (InputError).

    ``db`` lends its loaded places and boundaries to place a report that
    names a place without coordinates.
    """
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise InputError([_problem("body", "the report must be an object", "send a JSON object")])
    unknown = [k for k in data if k not in FIELDS]
    for key in unknown:
        close = did_you_mean(str(key), FIELDS)
        problems.append(
            _problem(
                _shown(key),
                f"'{_shown(key)}' is not a field of a field report",
                f"did you mean '{close}'?" if close else f"use: {', '.join(FIELDS)}",
            )
        )
    today = today or datetime.now(UTC).date()
    day = _date(data, problems, today)
    precision = _text(data, "date_precision", problems, label="the date precision") or "day"
    if precision not in PRECISIONS:
        problems.append(
            _problem(
                "date_precision",
                f"'{_shown(precision)}' is not a date precision",
                "use day, week or month",
            )
        )
    event, sub = _event(data, problems)
    place = _text(data, "place", problems, label="the place", required=True)
    admin1 = _text(data, "admin1", problems, label="the governorate / province (admin1)")
    lat, lon = _pair(data, "latitude", "longitude", problems, "the place")
    registry = registry or ActorRegistry.shipped()
    actors = _actors(data, problems, registry, day)
    fatalities = _fatalities(data, problems)
    tags = _tags(data, problems)
    description = _text(
        data,
        "description",
        problems,
        label="the description",
        required=True,
        max_len=MAX_DESCRIPTION,
    )
    if description is not None and len(description) < 10:
        problems.append(
            _problem(
                "description",
                "the description is too short to be an account",
                "say what happened, as you saw or were told it (at least 10 characters)",
            )
        )
    witness = _text(data, "witness", problems, label="the witness", max_len=MAX_WITNESS)
    src_lat, src_lon = _pair(
        data, "source_latitude", "source_longitude", problems, "where the account was given"
    )
    client_ref = _text(data, "client_ref", problems, label="client_ref", max_len=100)
    if client_ref is not None and not _CLIENT_REF.match(client_ref):
        problems.append(
            _problem(
                "client_ref",
                f"'{_shown(client_ref)}' is not a usable client_ref",
                "use letters, digits and . _ : - (up to 100), e.g. a UUID",
            )
        )
    location: Location | None = None
    placed_by = "coordinates"
    if place is not None and not any(p.file in ("latitude", "longitude") for p in problems):
        location, placed_by = _locate(place, admin1, lat, lon, db, problems)
    if problems:
        raise InputError(problems)
    assert day is not None and event and sub and location and fatalities and description
    try:
        incident = Incident(
            id="field:pending",
            date=day,
            time_precision=PRECISIONS[precision],
            event_type=event,
            sub_event_type=sub,
            actors=actors,
            location=location,
            fatalities=fatalities,
            tags=tags,
            notes=description,
            source=PUBLIC_SOURCE,
        )
    except ValidationError as e:  # pragma: no cover - every field is checked above
        raise InputError(
            [_problem(".".join(map(str, err["loc"])) or "report", err["msg"]) for err in e.errors()]
        ) from None
    original = {
        "date": day.isoformat(),
        "date_precision": precision,
        "event_type": event,
        "sub_event_type": sub,
        "place": place or "",
        "admin1": admin1 or "",
        "latitude": "" if lat is None else repr(lat),
        "longitude": "" if lon is None else repr(lon),
        "actors": "; ".join(f"{a.name} ({a.role.value})" for a in actors),
        "fatalities": f"{fatalities.low}/{fatalities.best}/{fatalities.high}",
        "tags": ";".join(tags),
        "description": description,
        "client_ref": client_ref or "",
    }
    return FieldReport(
        incident, description, witness, src_lat, src_lon, client_ref, placed_by, original
    )


def _locate(
    place: str,
    admin1: str | None,
    lat: float | None,
    lon: float | None,
    db: Database | None,
    problems: list[Problem],
) -> tuple[Location | None, str]:
    """The incident's location: the given coordinates, or the gazetteer's answer for the name."""
    from trucewatch.geo.gazetteer import Gazetteer
    from trucewatch.geo.geocode import geocode
    from trucewatch.geo.zones import haversine_km

    gazetteer = Gazetteer.shipped()
    if db is not None:
        from trucewatch.service import stored_gazetteer

        gazetteer = stored_gazetteer(db)
    if lat is not None and lon is not None:
        found = geocode(gazetteer, place, admin1=admin1)
        admin2 = None
        if found.place is not None and (
            haversine_km(lat, lon, found.place.latitude, found.place.longitude) <= SAME_PLACE_KM
        ):
            admin1 = admin1 or found.place.admin1
            admin2 = found.place.admin2
        elif admin1 is None and db is not None:
            admin1 = _admin1_at(db, lat, lon)
        return (
            Location(
                name=place,
                admin1=admin1,
                admin2=admin2,
                latitude=lat,
                longitude=lon,
                geo_precision=1,
            ),
            "coordinates",
        )
    found = geocode(gazetteer, place, admin1=admin1)
    if found.status == "found" and found.place is not None:
        p = found.place
        return (
            Location(
                name=place,
                admin1=admin1 or p.admin1,
                admin2=p.admin2,
                latitude=p.latitude,
                longitude=p.longitude,
                geo_precision=p.geo_precision if p.geo_precision in (1, 2, 3) else 2,
            ),
            f"gazetteer: {found.reason}",
        )
    if found.status == "ambiguous":
        problems.append(
            _problem(
                "place",
                found.reason,
                "give the governorate / province (admin1), or the coordinates "
                "(latitude and longitude, or 'use my location')",
            )
        )
    else:
        problems.append(
            _problem(
                "place",
                f"{found.reason}, and no coordinates were given",
                "give latitude and longitude (or 'use my location' if you are there)",
            )
        )
    return None, ""


def _admin1_at(db: Database, lat: float, lon: float) -> str | None:
    """The loaded level-1 boundary containing the point, if boundaries are loaded."""
    with db.engine.connect() as conn:
        index = load_admin_index(conn)
    if index is None or 1 not in index.levels:
        return None
    unit = index.locate(lat, lon).get(1)
    return unit.name if unit is not None else None


# --------------------------------------------------------------------------- uploads


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name and type the client gave, and where its bytes are."""

    filename: str
    path: Path
    content_type: str | None = None


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose content was sniffed and hashed; ``stored_name`` carries the right suffix."""

    upload: Upload
    media_type: str
    sha256: str
    size: int
    stored_name: str


def sniff(head: bytes) -> str | None:
    """The media type the first bytes of a file show (None: not one we accept, or text)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _is_text(path: Path) -> bool:
    """Whether a file is plain UTF-8 text (no NUL or other binary control bytes)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
            if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
                return False
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


#: What a text file starting with these is (after spaces and a BOM), lower-cased.
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe")


def _disguised_text(up: Upload, declared: str) -> str | None:
    """Why a text upload is refused, or None: markup, or text posing as a photo or PDF.

    Text is accepted as a witness's written account.  A web page or SVG is
    not: opened from the evidence store in a browser it would run as a page;
    and a "photo" that is really text is a mislabelled file at best.
    """
    with up.path.open("rb") as f:
        head = f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_MARKUP) or b"<script" in head:
        return "the file is a web page or markup (HTML, SVG, XML), not a photo or document"
    suffix = Path(safe_filename(up.filename)).suffix.lower()
    claims = declared if declared.startswith(("image/", "application/pdf")) else None
    if claims is None and suffix in {".jpg", ".jpeg", ".png", ".webp", ".heic", ".pdf"}:
        claims = suffix
    if claims is not None:
        return f"the file says it is {_shown(claims)} but its content is text"
    return None


def safe_filename(name: str) -> str:
    """A file name as received, reduced to its last part and harmless characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(c if (c.isalnum() or c in "._-() ") else "_" for c in base).strip(" .")
    return base[:120] or "upload"


def check_uploads(uploads: Sequence[Upload], *, max_bytes: int) -> list[CheckedUpload]:
    """Sniff, size and hash every upload; InputError naming each refused file."""
    problems: list[Problem] = []
    if len(uploads) > MAX_FILES:
        problems.append(
            _problem(
                "files",
                f"{len(uploads)} files attached",
                f"attach at most {MAX_FILES}; send the rest with a second report",
            )
        )
    checked: list[CheckedUpload] = []
    allowed = "photos (JPEG, PNG, WebP, HEIC), PDF documents or plain text"
    for up in uploads[:MAX_FILES]:
        where = f"files: {safe_filename(up.filename)}"
        size = up.path.stat().st_size
        if size == 0:
            problems.append(_problem(where, "the file is empty", "attach the file again"))
            continue
        if size > max_bytes:
            problems.append(
                _problem(
                    where,
                    f"the file is larger than the limit of {max_bytes:,} bytes",
                    "send a smaller copy (e.g. a photo at lower resolution) "
                    "or hand the original to an analyst",
                )
            )
            continue
        with up.path.open("rb") as f:
            head = f.read(32)
        media = sniff(head) or ("text/plain" if _is_text(up.path) else None)
        if media is None:
            problems.append(
                _problem(
                    where,
                    "the file's content is not an accepted type"
                    + (f" (it says {_shown(up.content_type)})" if up.content_type else ""),
                    f"attach {allowed}; other files are refused whatever their name",
                )
            )
            continue
        declared = (up.content_type or "").split(";")[0].strip().lower()
        if media == "text/plain":
            disguise = _disguised_text(up, declared)
            if disguise is not None:
                problems.append(
                    _problem(
                        where,
                        disguise,
                        f"attach {allowed}; a web page or script is refused whatever its name",
                    )
                )
                continue
        if declared and declared not in ALLOWED_MEDIA and declared != "application/octet-stream":
            problems.append(
                _problem(
                    where,
                    f"the file is sent as {_shown(declared)}, which is not accepted",
                    f"attach {allowed}",
                )
            )
            continue
        stem = Path(safe_filename(up.filename)).stem or "upload"
        checked.append(
            CheckedUpload(
                up, media, evidence.file_sha256(up.path), size, stem + ALLOWED_MEDIA[media]
            )
        )
    if problems:
        raise InputError(problems)
    return checked


def stage_upload(
    stream: BinaryIO,
    filename: str,
    content_type: str | None,
    directory: Path,
    *,
    max_bytes: int,
) -> Upload:
    """Copy an incoming file to ``directory``, stopping one byte past ``max_bytes``.

    An oversize file is never written in full: enough is kept to know it is
    too large, and :func:`check_uploads` refuses it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix="upload-")
    left = max_bytes + 1
    with open(fd, "wb") as out:
        while left > 0:
            chunk = stream.read(min(1 << 20, left))
            if not chunk:
                break
            out.write(chunk)
            left -= len(chunk)
    return Upload(filename, Path(name), content_type)


@contextmanager
def staging(store: Path) -> Iterator[Path]:
    """A private folder in the evidence store's volume for incoming files, removed after."""
    base = store / "tmp"
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=base, prefix="field-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- storing


@dataclass
class FieldSubmission:
    """What a submission stored (or found already stored, for a resend)."""

    incident_id: str
    field_report_id: int
    content_sha256: str
    placed_by: str
    duplicate: bool = False
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The API's answer."""
        return {
            "incident": self.incident_id,
            "field_report": self.field_report_id,
            "status": "reported",
            "content_sha256": self.content_sha256,
            "placed_by": self.placed_by,
            "duplicate": self.duplicate,
            "evidence": self.evidence,
        }


def _existing(db: Database, user: User, client_ref: str) -> FieldSubmission | None:
    with db.engine.connect() as conn:
        row = (
            conn.execute(select(field_reports).where(field_reports.c.client_ref == client_ref))
            .mappings()
            .first()
        )
        if row is None:
            return None
        if row["user_name"] != user.name:
            raise InputError(
                [
                    _problem(
                        "client_ref",
                        "this client_ref is already used by another submission",
                        "generate a fresh one for each report (e.g. a UUID)",
                    )
                ]
            )
        report = conn.execute(
            select(reports.c.content_sha256).where(
                reports.c.incident_id == row["incident_id"], reports.c.source_id == FIELD_SOURCE
            )
        ).first()
        items = [
            {
                "id": e.id,
                "filename": e.filename,
                "sha256": e.sha256,
                "size": e.size_bytes,
                "media_type": e.media_type,
            }
            for e in conn.execute(
                select(evidence_table)
                .where(evidence_table.c.incident_id == row["incident_id"])
                .order_by(evidence_table.c.id)
            )
        ]
    return FieldSubmission(
        str(row["incident_id"]),
        int(row["id"]),
        str(report.content_sha256) if report else "",
        "already stored",
        duplicate=True,
        evidence=items,
    )


def submit_field_report(
    db: Database,
    store: Path,
    user: User,
    report: Mapping[str, Any] | FieldReport,
    files: Sequence[Upload] = (),
    *,
    max_upload_bytes: int = 25 * 1024 * 1024,
    channel: str = "api",
    now: datetime | None = None,
) -> FieldSubmission:
    """Store a monitor's report as a new ``reported`` incident with its evidence, all or nothing.

    ``report`` is the submitted mapping (checked here) or an already checked
    :class:`FieldReport`; ``files`` are the uploads, already on disk.  A
    resend with the same ``client_ref`` by the same user returns the stored
    report (``duplicate``) and stores nothing.
    """
    if not user.can(Permission.SUBMIT):
        raise PermissionError(f"a {user.role.value} may not submit field reports")
    now = now or datetime.now(UTC)
    db.require_current()
    problems: list[Problem] = []
    checked_report: FieldReport | None = None
    try:
        checked_report = (
            report if isinstance(report, FieldReport) else parse_field_report(report, db=db)
        )
    except InputError as e:
        problems.extend(e.problems)
    if checked_report is not None and checked_report.client_ref:
        again = _existing(db, user, checked_report.client_ref)
        if again is not None:
            return again
    try:
        checked_files = check_uploads(files, max_bytes=max_upload_bytes)
    except InputError as e:
        problems.extend(e.problems)
    if problems:
        raise InputError(problems)
    assert checked_report is not None
    _writable(store)
    try:
        submission = _store(db, user, checked_report, checked_files, channel, now)
    except IntegrityError:
        # A resend raced the first copy to the unique client_ref: answer as a resend.
        again = (
            _existing(db, user, checked_report.client_ref) if checked_report.client_ref else None
        )
        if again is None:
            raise
        return again
    try:
        for item in checked_files:
            submission.evidence.append(
                _add_evidence(db, store, user, submission, item, channel, now)
            )
    except BaseException:
        _withdraw(db, user, submission, now)
        raise
    return submission


def _writable(store: Path) -> None:
    """Refuse before storing anything if the evidence store cannot take files."""
    try:
        (store / "tmp").mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=store / "tmp"):
            pass
    except OSError as e:
        raise InputError(
            [
                Problem(
                    "evidence store",
                    None,
                    f"the server cannot write to {store}: {e.strerror or e}",
                    "an administrator must fix TRUCEWATCH_EVIDENCE; nothing was stored",
                )
            ]
        ) from None


def _ensure_field_source(conn: Any, now: datetime) -> None:
    """The source every field report is filed under, created by the first report.

    Two monitors' first reports may arrive together: the row is inserted with
    ON CONFLICT DO NOTHING, so the second waits for the first and moves on
    instead of failing on the duplicate key (found by the 20-writer test).
    """
    if conn.execute(select(sources.c.id).where(sources.c.id == FIELD_SOURCE)).first() is not None:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    values = {
        "id": FIELD_SOURCE,
        "name": FIELD_SOURCE_NAME,
        "kind": "monitor",
        "reliability": "F",
        "created_at": now,
        "note": "reports submitted by the mission's monitors from the field; "
        "reliability F (cannot be judged) until an analyst grades it",
    }
    if conn.dialect.name == "postgresql":
        conn.execute(
            postgresql.insert(sources)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["id"])
        )
    else:
        conn.execute(
            sqlite.insert(sources).values(**values).on_conflict_do_nothing(index_elements=["id"])
        )


def _store(
    db: Database,
    user: User,
    report: FieldReport,
    files: list[CheckedUpload],
    channel: str,
    now: datetime,
) -> FieldSubmission:
    external_id = f"fr-{now:%Y%m%d}-{secrets.token_hex(5)}"
    incident_id = f"{FIELD_SOURCE}:{external_id}"
    original = {
        **report.original,
        "submitted_by": user.name,
        "channel": channel,
        "attachments": ";".join(f.sha256 for f in files),
    }
    text = canonical_json(original)
    digest = content_sha256(text)
    label = f"field report {external_id} by {user.name} ({channel})"
    incident = report.incident.model_copy(update={"id": incident_id})
    with db.transaction() as conn:
        _ensure_field_source(conn, now)
        batch_id = conn.execute(
            insert(import_batches)
            .values(
                source_id=FIELD_SOURCE,
                format="field",
                file=label,
                file_sha256=digest,
                started_at=now,
                finished_at=now,
                user_name=user.name,
                rows=1,
                inserted=1,
            )
            .returning(import_batches.c.id)
        ).scalar_one()
        insert_incidents(conn, [(incident_id, incident)], now)
        conn.execute(
            update(incidents).where(incidents.c.id == incident_id).values(submitted_by=user.name)
        )
        conn.execute(
            insert(reports).values(
                source_id=FIELD_SOURCE,
                external_id=external_id,
                batch_id=batch_id,
                file=label,
                file_sha256=digest,
                row=1,
                original=original,
                content_sha256=digest,
                parsed=parsed_json(incident),
                incident_id=incident_id,
                created_at=now,
                updated_at=now,
            )
        )
        report_id = conn.execute(
            insert(field_reports)
            .values(
                incident_id=incident_id,
                user_name=user.name,
                submitted_at=now,
                description=report.description,
                witness=report.witness,
                source_latitude=report.source_latitude,
                source_longitude=report.source_longitude,
                client_ref=report.client_ref,
            )
            .returning(field_reports.c.id)
        ).scalar_one()
        index = load_admin_index(conn)
        if index is not None:
            assign_admin_units(conn, index, batch_id)
        audit.record(
            conn,
            at=now,
            user=user.name,
            action="field_report",
            entity_type="incident",
            entity_id=incident_id,
            after={
                "field_report": int(report_id),
                "report": f"{FIELD_SOURCE}:{external_id}",
                "content_sha256": digest,
                "channel": channel,
                "client_ref": report.client_ref,
                "placed_by": report.placed_by,
                "witness_recorded": report.witness is not None,
                "attachments": [
                    {"filename": f.stored_name, "sha256": f.sha256, "size": f.size} for f in files
                ],
            },
        )
    return FieldSubmission(incident_id, int(report_id), digest, report.placed_by)


def _add_evidence(
    db: Database,
    store: Path,
    user: User,
    submission: FieldSubmission,
    item: CheckedUpload,
    channel: str,
    now: datetime,
) -> dict[str, Any]:
    # evidence.add records the file's name; give it the suffix of what the
    # bytes are (sniffed), in a folder of its own beside the staged upload.
    folder = Path(tempfile.mkdtemp(dir=item.upload.path.parent, prefix="ev-"))
    named = folder / item.stored_name
    try:
        shutil.copyfile(item.upload.path, named)
        evidence_id = evidence.add(
            db,
            store,
            named,
            incident_id=submission.incident_id,
            collector=user.name,
            method=f"uploaded with field report {submission.field_report_id} ({channel})",
            origin=f"the monitor's device; received as '{safe_filename(item.upload.filename)}'"
            + (f" ({item.upload.content_type})" if item.upload.content_type else ""),
            collected_at=now,
            user=user.name,
            now=now,
            note=f"content sniffed as {item.media_type}",
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "id": evidence_id,
        "filename": item.stored_name,
        "sha256": item.sha256,
        "size": item.size,
        "media_type": item.media_type,
    }


def _withdraw(db: Database, user: User, submission: FieldSubmission, now: datetime) -> None:
    """Undo a submission whose files could not all be stored (all or nothing).

    The audit log keeps what happened (it is append-only); the rows go.
    Stored files are content-addressed and may be shared, so they stay.
    """
    incident_id = submission.incident_id
    with db.transaction() as conn:
        ids = list(
            conn.execute(
                select(evidence_table.c.id).where(evidence_table.c.incident_id == incident_id)
            ).scalars()
        )
        if ids:
            conn.execute(delete(custody).where(custody.c.evidence_id.in_(ids)))
            conn.execute(delete(evidence_table).where(evidence_table.c.id.in_(ids)))
        batch = conn.execute(
            select(reports.c.batch_id).where(reports.c.incident_id == incident_id)
        ).scalar_one_or_none()
        conn.execute(delete(field_reports).where(field_reports.c.incident_id == incident_id))
        conn.execute(delete(reports).where(reports.c.incident_id == incident_id))
        conn.execute(delete(incident_admin).where(incident_admin.c.incident_id == incident_id))
        conn.execute(delete(incident_actors).where(incident_actors.c.incident_id == incident_id))
        conn.execute(delete(incidents).where(incidents.c.id == incident_id))
        if batch is not None:
            conn.execute(delete(import_batches).where(import_batches.c.id == batch))
        audit.record(
            conn,
            at=now,
            user=user.name,
            action="field_report_withdrawn",
            entity_type="incident",
            entity_id=incident_id,
            before={"field_report": submission.field_report_id, "evidence": ids},
            note="an attached file could not be stored; the whole report was withdrawn",
        )


__all__ = [
    "ALLOWED_MEDIA",
    "FieldReport",
    "FieldSubmission",
    "Upload",
    "check_uploads",
    "parse_field_report",
    "safe_filename",
    "sniff",
    "stage_upload",
    "staging",
    "submit_field_report",
]
