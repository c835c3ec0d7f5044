"""Alerts: tell the people who asked when a verified incident violates an agreement.

The 2016 US–Russia arrangement had no enforcement hook: a violation was
noticed when a party chose to complain.  Here, the moment an analyst
verifies an incident, everyone who subscribed to that agreement, party,
obligation, zone or severity is told — by e-mail or by a signed webhook —
with the verdict, who is held responsible and how sure we are (a contested
attribution is sent as contested), and the reasons.

Three rules shape this module:

- **Sending never undoes a verification.**  Alerts are worked out after the
  status change is committed; a failed send is recorded and kept for
  ``trucewatch alerts retry``, never raised to the person verifying.
- **One alert per subscription × incident × agreement × obligation.**  The
  ``alert_deliveries`` row is claimed (inserted) before anything is sent, and
  its unique key makes re-verifying an incident send nothing new, even when
  two workers race.
- **An alert carries only what its recipient may read.**  It is built from
  the evaluation's finding and the incident's public fields — never from
  field reports, so a witness's identity or where an account was given never
  leaves the server — and the subscriber's role is checked again at send time
  (a liaison hears only of findings about their own party).

Webhooks are signed like Stripe's: ``X-Trucewatch-Signature: t=<unix
time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``; ``verify_signature`` is
the receiver's check.  E-mail goes through plain ``smtplib`` to the
configured server.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import re
import secrets
import smtplib
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from trucewatch.accounts import Permission, Role, User
from trucewatch.actors import ActorRegistry
from trucewatch.agreements.shipped import shipped_agreement_ids
from trucewatch.browse import EvaluationCache, require_agreement
from trucewatch.domain import Agreement, Finding, Incident
from trucewatch.domain.finding import AttributionStatus, Verdict
from trucewatch.errors import InputError, Problem, close_matches
from trucewatch.records import resolve_incident_ref
from trucewatch.store import Database, audit
from trucewatch.store.incidents import load_incident
from trucewatch.store.schema import alert_deliveries, incidents, subscriptions, users
from trucewatch.visibility import can_see_finding, can_see_incident, finding_is_about
from trucewatch.workflow import StatusChange

log = logging.getLogger("trucewatch.alerts")

CHANNELS = ("email", "webhook")
SIGNATURE_HEADER = "X-Trucewatch-Signature"
DELIVERY_HEADER = "X-Trucewatch-Delivery"
#: A receiver that takes longer than this is counted as failed (and retried later).
WEBHOOK_TIMEOUT_S = 5.0
SMTP_TIMEOUT_S = 10.0
#: How old a signature a receiver accepts by default (replay window).
SIGNATURE_TOLERANCE_S = 300
#: The most fatalities a severity filter may ask for (beyond it nothing would match).
MAX_MIN_FATALITIES = 1_000_000

# Delivery statuses: a row is inserted as ``sending`` (claimed) before the
# message goes out, then becomes ``sent`` or ``failed``; ``cancelled`` is a
# failed alert that no longer applies when retried (the incident was re-opened,
# the subscription removed), so it is kept but never sent.
SENDING, SENT, FAILED, CANCELLED = "sending", "sent", "failed", "cancelled"
DELIVERY_STATUSES = (SENDING, SENT, FAILED, CANCELLED)

NO_SMTP = (
    "no SMTP server is configured: set TRUCEWATCH_SMTP_HOST (and TRUCEWATCH_SMTP_PORT, "
    "TRUCEWATCH_SMTP_FROM), then run `trucewatch alerts retry`"
)

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


# --------------------------------------------------------------------------- settings


class MailSettings(Protocol):
    """What alerts need from the server's settings (``api.settings.Settings`` has it)."""

    @property
    def smtp_host(self) -> str | None: ...

    @property
    def smtp_port(self) -> int: ...

    @property
    def smtp_sender(self) -> str: ...

    @property
    def public_url(self) -> str: ...


@dataclass(frozen=True)
class AlertSettings:
    """Where e-mail goes and what the links in alerts point at.

    The server passes its ``Settings`` (same fields); the CLI builds them from
    the same ``TRUCEWATCH_SMTP_*`` variables through ``Settings.from_env``.
    """

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "trucewatch@localhost"
    public_url: str = "http://127.0.0.1:8000"

    @classmethod
    def of(cls, settings: MailSettings) -> AlertSettings:
        """The alert settings of a server's settings."""
        return cls(
            smtp_host=settings.smtp_host,
            smtp_port=settings.smtp_port,
            smtp_sender=settings.smtp_sender,
            public_url=settings.public_url,
        )


# --------------------------------------------------------------------------- subscriptions


@dataclass(frozen=True)
class Subscription:
    """Who wants to hear of which verified violations, and how (the secret is never here)."""

    id: int
    user: str
    channel: str
    target: str
    agreement: str | None
    party: str | None
    obligation: str | None
    zone: str | None
    min_fatalities: int
    active: bool
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        """Plain data for the API and ``--json``."""
        return {
            "id": self.id,
            "user": self.user,
            "channel": self.channel,
            "target": self.target,
            "agreement": self.agreement,
            "party": self.party,
            "obligation": self.obligation,
            "zone": self.zone,
            "min_fatalities": self.min_fatalities,
            "active": self.active,
            "created_at": _aware(self.created_at).isoformat(),
        }


def _subscription_of(row: Any) -> Subscription:
    return Subscription(
        id=int(row["id"]),
        user=row["user_name"],
        channel=row["channel"],
        target=row["target"],
        agreement=row["agreement_id"],
        party=row["party"],
        obligation=row["obligation"],
        zone=row["zone"],
        min_fatalities=int(row["min_fatalities"] or 0),
        active=bool(row["active"]),
        created_at=row["created_at"],
    )


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _check_email(address: str) -> list[Problem]:
    if len(address) > 254 or not _EMAIL.fullmatch(address):
        return [
            Problem(
                "email",
                None,
                f"'{address}' is not an e-mail address",
                "write it as name@example.org (one address, no name or brackets)",
            )
        ]
    return []


def _internal_host(host: str) -> bool:
    """Whether a URL host is this machine or a private network (by name or literal IP)."""
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified


def _printable(value: str) -> bool:
    """No control characters (a NUL cannot even be stored by PostgreSQL)."""
    return not any(ord(c) < 32 or ord(c) == 127 for c in value)


def _check_webhook(url: str, user: User) -> list[Problem]:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts, host = None, None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not host:
        return [
            Problem(
                "webhook",
                None,
                f"'{url}' is not an http(s) URL",
                "give the receiver's full address, e.g. https://example.org/trucewatch-hook",
            )
        ]
    if len(url) > 2000 or any(c.isspace() for c in url) or not _printable(url):
        return [
            Problem(
                "webhook",
                None,
                "the URL is longer than 2000 characters or contains spaces or control characters",
                "give the receiver's address as a plain URL",
            )
        ]
    if user.role == Role.PARTY_LIAISON and _internal_host(host):
        # A liaison is outside the mission: the server must not post on their
        # behalf to itself or to the mission's private network.
        return [
            Problem(
                "webhook",
                None,
                f"'{host}' is this server or a private network",
                "give a public address of your own receiver",
            )
        ]
    return []


def _check_filters(
    user: User,
    *,
    agreement: str | None,
    party: str | None,
    obligation: str | None,
    zone: str | None,
    min_fatalities: int,
) -> tuple[str | None, list[Problem]]:
    """The party to store (a liaison's is forced to their own) and every problem found."""
    problems: list[Problem] = []
    if user.role == Role.PARTY_LIAISON:
        if party is None:
            party = user.party
        elif party != user.party:
            problems.append(
                Problem(
                    "party",
                    None,
                    f"a party liaison may subscribe only to findings about their own party "
                    f"({user.party}), not '{party}'",
                    f"leave party out, or give party={user.party}",
                )
            )
    if party is not None and party != user.party:
        registry = ActorRegistry.shipped()
        if party not in registry:
            close = registry.closest(party)
            problems.append(
                Problem(
                    "party",
                    None,
                    f"'{party}' is not an actor id in the registry",
                    (f"did you mean {', '.join(close)}? " if close else "")
                    + "see `trucewatch actors resolve NAME` for the id",
                )
            )
    if not 0 <= min_fatalities <= MAX_MIN_FATALITIES:
        problems.append(
            Problem(
                "min_fatalities",
                None,
                f"{min_fatalities} is not a usable fatality threshold",
                f"give a whole number from 0 to {MAX_MIN_FATALITIES} (0: every violation)",
            )
        )
    if agreement is None:
        if obligation is not None or zone is not None:
            problems.append(
                Problem(
                    "agreement",
                    None,
                    "an obligation or zone filter needs the agreement it belongs to",
                    "add agreement=ID (e.g. syria-2016-09-us-russia)",
                )
            )
        return party, problems
    known = shipped_agreement_ids()
    if agreement not in known:
        close = close_matches(agreement, known)
        problems.append(
            Problem(
                "agreement",
                None,
                f"'{agreement}' is not a known agreement id",
                (f"did you mean {', '.join(close)}? " if close else "")
                + "see `trucewatch agreement list`",
            )
        )
        return party, problems
    terms = require_agreement(agreement)
    obligations = [o.id for o in terms.obligations]
    if obligation is not None and obligation not in obligations:
        problems.append(
            Problem(
                "obligation",
                None,
                f"{agreement} has no obligation '{obligation}'",
                f"its obligations: {', '.join(obligations)}",
            )
        )
    zones = [z.id for z in terms.zones]
    if zone is not None and zone not in zones:
        problems.append(
            Problem(
                "zone",
                None,
                f"{agreement} has no zone '{zone}'",
                f"its zones: {', '.join(zones) or 'none'}",
            )
        )
    return party, problems


def subscribe(
    db: Database,
    user: User,
    *,
    channel: str,
    target: str,
    agreement: str | None = None,
    party: str | None = None,
    obligation: str | None = None,
    zone: str | None = None,
    min_fatalities: int = 0,
    now: datetime | None = None,
) -> tuple[Subscription, str | None]:
    """Store a subscription of ``user``; returns it and, for a webhook, its signing secret.

    The secret is shown once, here: the receiver needs it to check
    signatures.  (It is stored as is, since signing needs it; whoever reads
    the database could forge alerts, not read evidence.)  Every filter left
    out matches everything; a party liaison's party is their own.
    """
    now = now or datetime.now(UTC)
    if not user.can(Permission.SUBSCRIBE):
        raise InputError(
            [
                Problem(
                    "user",
                    None,
                    f"{user.name} is a {user.role.value} and may not subscribe to alerts",
                    "alerts are for analysts, admins and party liaisons",
                )
            ]
        )
    target = target.strip()
    agreement, party = _clean(agreement), _clean(party)
    obligation, zone = _clean(obligation), _clean(zone)
    problems: list[Problem] = []
    if channel == "email":
        problems += _check_email(target)
    elif channel == "webhook":
        problems += _check_webhook(target, user)
    else:
        problems.append(
            Problem(
                "channel",
                None,
                f"'{channel}' is not an alert channel",
                f"use one of: {', '.join(CHANNELS)}",
            )
        )
    party, more = _check_filters(
        user,
        agreement=agreement,
        party=party,
        obligation=obligation,
        zone=zone,
        min_fatalities=min_fatalities,
    )
    problems += more
    if problems:
        raise InputError(problems)
    secret = "whsec_" + secrets.token_urlsafe(32) if channel == "webhook" else None
    db.require_current()
    with db.transaction() as conn:
        sub_id = conn.execute(
            insert(subscriptions)
            .values(
                user_name=user.name,
                channel=channel,
                target=target,
                secret=secret,
                agreement_id=agreement,
                party=party,
                obligation=obligation,
                zone=zone,
                min_fatalities=min_fatalities,
                active=True,
                created_at=now,
            )
            .returning(subscriptions.c.id)
        ).scalar_one()
        audit.record(
            conn,
            at=now,
            user=user.name,
            action="subscribed",
            entity_type="subscription",
            entity_id=str(sub_id),
            after={
                "channel": channel,
                "target": target,
                "agreement": agreement,
                "party": party,
                "obligation": obligation,
                "zone": zone,
                "min_fatalities": min_fatalities,
            },
        )
        row = conn.execute(select(subscriptions).where(subscriptions.c.id == sub_id)).mappings()
        sub = _subscription_of(row.one())
    return sub, secret


def list_subscriptions(
    db: Database, *, viewer: User | None = None, owner: str | None = None
) -> list[Subscription]:
    """Live subscriptions: a viewer's own (an admin's: everyone's); None is the operator (CLI)."""
    db.require_current()
    query = select(subscriptions).where(subscriptions.c.active.is_(True))
    if viewer is not None and viewer.role != Role.ADMIN:
        owner = viewer.name
    if owner is not None:
        query = query.where(subscriptions.c.user_name == owner)
    with db.engine.connect() as conn:
        return [
            _subscription_of(r) for r in conn.execute(query.order_by(subscriptions.c.id)).mappings()
        ]


def unsubscribe(
    db: Database, user: User, subscription_id: int, *, now: datetime | None = None
) -> Subscription:
    """End a subscription of ``user`` (an admin may end anyone's); LookupError if none.

    The row stays (inactive) because the deliveries made for it refer to it;
    another user's subscription answers like a missing one.
    """
    now = now or datetime.now(UTC)
    db.require_current()
    with db.transaction() as conn:
        row = (
            conn.execute(
                select(subscriptions).where(
                    subscriptions.c.id == subscription_id, subscriptions.c.active.is_(True)
                )
            )
            .mappings()
            .first()
        )
        if row is None or (user.role != Role.ADMIN and row["user_name"] != user.name):
            raise LookupError(f"subscription {subscription_id}")
        conn.execute(
            update(subscriptions).where(subscriptions.c.id == subscription_id).values(active=False)
        )
        audit.record(
            conn,
            at=now,
            user=user.name,
            action="unsubscribed",
            entity_type="subscription",
            entity_id=str(subscription_id),
            before={"active": True, "owner": row["user_name"]},
            after={"active": False},
        )
        return _subscription_of({**row, "active": False})


def user_named(db: Database, name: str, option: str = "--user") -> User:
    """The user called ``name``, or a clear error (the CLI acts as a named user)."""
    db.require_current()
    with db.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
    if row is None:
        raise InputError(
            [Problem(option, None, f"no user '{name}'", "see `trucewatch users list`")]
        )
    return _user_row(row)


def _user_row(row: Any) -> User:
    return User(
        id=int(row["id"]),
        name=row["name"],
        role=Role(row["role"]),
        party=row["party"],
        active=bool(row["active"]),
    )


# --------------------------------------------------------------------------- payload


def alert_payload(
    agreement: Agreement,
    finding: Finding,
    incident: Incident,
    *,
    status: str,
    public_url: str,
    registry: ActorRegistry | None = None,
) -> dict[str, Any]:
    """The alert about one finding, as plain data (the webhook body; the e-mail says the same).

    Only public fields of the incident and the finding go in: never its
    provenance, notes or field reports.
    """
    registry = registry or ActorRegistry.shipped()
    obligation = next((o for o in agreement.obligations if o.id == finding.obligation), None)
    loc = incident.location
    contested = [
        r.actor
        for r in finding.responsible
        if finding.attribution_status == AttributionStatus.CONTESTED
    ]
    return {
        "type": "trucewatch.violation_verified",
        "agreement": {"id": agreement.id, "title": agreement.title},
        "obligation": {
            "id": finding.obligation,
            "title": obligation.title if obligation else None,
            "pillar": obligation.pillar if obligation else None,
        },
        "incident": {
            "id": incident.id,
            "status": status,
            "date": incident.date.isoformat(),
            "place": {
                "name": loc.name,
                "admin1": loc.admin1,
                "admin2": loc.admin2,
                "country": loc.country,
                "latitude": loc.latitude,
                "longitude": loc.longitude,
                "geo_precision": loc.geo_precision,
            },
            "event_type": incident.event_type,
            "sub_event_type": incident.sub_event_type,
            "fatalities": incident.fatalities.model_dump(mode="json"),
        },
        "verdict": finding.verdict.value,
        "attribution_status": finding.attribution_status.value,
        "contested_between": contested,
        "responsible": [
            {
                "actor": r.actor,
                "name": registry.get(r.actor).name if r.actor in registry else r.actor,
                "side": r.side,
                "confidence": round(r.confidence, 2),
            }
            for r in sorted(finding.responsible, key=lambda r: (-r.confidence, r.actor))
        ],
        "reasons": list(finding.reasons),
        "link": f"{public_url.rstrip('/')}/incidents/{quote(incident.id, safe=':')}",
    }


def _attribution_line(payload: dict[str, Any]) -> str:
    status = payload["attribution_status"]
    if status == AttributionStatus.CONTESTED.value:
        between = " and ".join(payload["contested_between"])
        return (
            f"CONTESTED between {between}: responsibility is disputed, "
            "no single party is established"
        )
    if status == AttributionStatus.UNATTRIBUTED.value:
        return "unattributed: the evidence does not say who did it"
    return str(status)


def email_subject(payload: dict[str, Any]) -> str:
    """The e-mail's subject line (one line, whatever the data holds)."""
    inc = payload["incident"]
    text = (
        f"[trucewatch] Verified violation of {payload['obligation']['id']} "
        f"({payload['agreement']['id']}): {inc['id']}, {inc['date']}, {inc['place']['name']}"
    )
    return " ".join(text.split())


def email_text(payload: dict[str, Any]) -> str:
    """The plain-text e-mail of an alert."""
    inc, ob = payload["incident"], payload["obligation"]
    place = inc["place"]
    where = ", ".join(
        dict.fromkeys(
            p for p in (place["name"], place["admin2"], place["admin1"], place["country"]) if p
        )
    )
    f = inc["fatalities"]
    lines = [
        "An incident verified by the mission's analysts violates an agreement you follow.",
        "",
        f"Agreement:   {payload['agreement']['title']} ({payload['agreement']['id']})",
        f"Obligation:  {ob['id']}" + (f" — {ob['title']}" if ob["title"] else ""),
        f"Incident:    {inc['id']} ({inc['status']})",
        f"Date:        {inc['date']}",
        f"Place:       {where} ({place['latitude']}, {place['longitude']})",
        f"Event:       {inc['event_type']} — {inc['sub_event_type']}",
        f"Fatalities:  {f['best']} (low {f['low']}, high {f['high']})",
        f"Verdict:     {payload['verdict']}",
        f"Attribution: {_attribution_line(payload)}",
        "Responsible (with our confidence):",
    ]
    if payload["responsible"]:
        lines += [
            f"  - {r['name']} ({r['actor']}"
            + (f", side {r['side']}" if r["side"] else "")
            + f"): {r['confidence']:.2f}"
            for r in payload["responsible"]
        ]
    else:
        lines.append("  - nobody established")
    lines += ["Reasons:"] + [f"  - {reason}" for reason in payload["reasons"]]
    lines += [
        "",
        f"Details: {payload['link']}",
        "",
        "You receive this because of a trucewatch alert subscription; "
        "remove it with `trucewatch alerts unsubscribe` or through the API.",
    ]
    return "\n".join(lines) + "\n"


def webhook_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes a webhook posts (and signs): compact, key-sorted UTF-8 JSON."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def message_bytes(channel: str, payload: dict[str, Any]) -> bytes:
    """What is sent on ``channel`` (its SHA-256 is recorded with the delivery)."""
    if channel == "webhook":
        return webhook_body(payload)
    return (email_subject(payload) + "\n\n" + email_text(payload)).encode("utf-8")


# --------------------------------------------------------------------------- signatures


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The ``X-Trucewatch-Signature`` header value for ``body``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode() + body, hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes | str,
    tolerance_s: float = SIGNATURE_TOLERANCE_S,
    *,
    now: float | None = None,
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and is at most ``tolerance_s`` old.

    For receivers: pass the raw request body (bytes as received, before any
    JSON parsing).  A timestamp outside the tolerance (either way) is refused
    so a captured request cannot be replayed later.  Several ``v1=`` values
    are accepted (any one matching), for a receiver rotating secrets.
    """
    if not header:
        return False
    raw = body.encode("utf-8") if isinstance(body, str) else body
    stamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                stamp = int(value)
            except ValueError:
                return False
        elif key == "v1" and value:
            candidates.append(value)
    if stamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance_s:
        return False
    expected = hmac.new(secret.encode("utf-8"), f"{stamp}.".encode() + raw, hashlib.sha256)
    digest = expected.hexdigest()
    return any(hmac.compare_digest(digest, c) for c in candidates)


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Target:
    """A subscription with what sending needs (its secret included)."""

    sub: Subscription
    secret: str | None


@dataclass(frozen=True)
class Alert:
    """One message to send: to which subscription, about which finding, saying what."""

    subscription: Subscription
    secret: str | None
    incident_id: str
    agreement_id: str
    obligation: str
    payload: dict[str, Any]

    @property
    def body(self) -> bytes:
        """The bytes sent on the subscription's channel."""
        return message_bytes(self.subscription.channel, self.payload)


def _liaison_for(party: str) -> User:
    """A stand-in liaison of ``party``: a party filter uses the liaison's rule of 'about'."""
    return User(id=0, name=f"party:{party}", role=Role.PARTY_LIAISON, party=party)


def _matches(
    sub: Subscription,
    finding: Finding,
    agreement: Agreement,
    incident: Incident,
    inside: dict[str, bool],
) -> bool:
    if sub.agreement is not None and sub.agreement != agreement.id:
        return False
    if sub.obligation is not None and sub.obligation != finding.obligation:
        return False
    if sub.party is not None and not finding_is_about(_liaison_for(sub.party), finding, agreement):
        return False
    if incident.fatalities.best < sub.min_fatalities:
        return False
    return sub.zone is None or inside.get(sub.zone, False)


def _targets(conn: Connection, ids: Iterable[int] | None = None) -> list[_Target]:
    query = select(subscriptions).where(subscriptions.c.active.is_(True))
    if ids is not None:
        query = query.where(subscriptions.c.id.in_(list(ids)))
    return [
        _Target(_subscription_of(r), r["secret"])
        for r in conn.execute(query.order_by(subscriptions.c.id)).mappings()
    ]


def planned_alerts(
    db: Database,
    incident_id: str,
    *,
    settings: AlertSettings,
    cache: EvaluationCache | None = None,
    subscription_ids: Iterable[int] | None = None,
) -> list[Alert]:
    """Every alert a verified incident calls for now (none unless it is verified).

    Each agreement subscribed to (a subscription without one follows every
    shipped agreement) is evaluated over the stored incidents, through the
    cache; the incident's ``violation`` findings are matched against each
    subscription's filters, then against what its owner may see.
    """
    cache = cache or EvaluationCache()
    db.require_current()
    with db.engine.connect() as conn:
        targets = _targets(conn, subscription_ids)
        if not targets:  # the common case: nobody subscribed, nothing to evaluate
            return []
        row = (
            conn.execute(select(incidents).where(incidents.c.id == incident_id)).mappings().first()
        )
        if row is None or row["status"] != "verified":
            return []
        incident = load_incident(conn, incident_id)
        owners = {
            r["name"]: _user_row(r)
            for r in conn.execute(
                select(users).where(users.c.name.in_({t.sub.user for t in targets}))
            ).mappings()
        }
    if incident is None:
        return []
    wanted: list[str] = []
    for t in targets:
        for agreement_id in [t.sub.agreement] if t.sub.agreement else shipped_agreement_ids():
            if agreement_id not in wanted:
                wanted.append(agreement_id)
    registry = ActorRegistry.shipped()
    alerts: list[Alert] = []
    for agreement_id in wanted:
        try:
            stored = cache.get(db, agreement_id)
        except InputError as e:  # an agreement no longer shipped: the others still alert
            log.warning("alerts: agreement %s cannot be evaluated: %s", agreement_id, e)
            continue
        violations = [
            f for f in stored.by_incident.get(incident_id, []) if f.verdict == Verdict.VIOLATION
        ]
        if not violations:
            continue
        inside = _zones_holding(db, stored.agreement, incident, targets)
        for t in targets:
            owner = owners.get(t.sub.user)
            if owner is None or not owner.can(Permission.SUBSCRIBE):
                continue
            visible = can_see_incident(
                owner, published=bool(row["published"]), submitted_by=row["submitted_by"]
            )
            for f in violations:
                if not _matches(t.sub, f, stored.agreement, incident, inside):
                    continue
                if not can_see_finding(owner, f, stored.agreement, incident_visible=visible):
                    continue
                payload = alert_payload(
                    stored.agreement,
                    f,
                    incident,
                    status=str(row["status"]),
                    public_url=settings.public_url,
                    registry=registry,
                )
                alerts.append(
                    Alert(t.sub, t.secret, incident_id, agreement_id, f.obligation, payload)
                )
    return alerts


def _zones_holding(
    db: Database, agreement: Agreement, incident: Incident, targets: list[_Target]
) -> dict[str, bool]:
    """For each zone a subscription names: is the incident inside it (unknown counts as no)."""
    from trucewatch.geo.zones import Membership
    from trucewatch.service import stored_zones

    named = {t.sub.zone for t in targets if t.sub.zone and t.sub.agreement in (None, agreement.id)}
    known = {z.id for z in agreement.zones}
    named &= known
    if not named:
        return {}
    index = stored_zones(agreement, db)
    return {
        z: index.membership(z, incident.location, on=incident.date) == Membership.INSIDE
        for z in named
    }


# --------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class Delivery:
    """One alert's delivery record: sent, failed (kept for retry), sending or cancelled."""

    id: int
    subscription_id: int
    user: str
    channel: str
    target: str
    incident_id: str
    agreement_id: str
    obligation: str
    status: str
    attempts: int
    error: str | None
    payload_sha256: str
    created_at: datetime
    sent_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        """Plain data for the API and ``--json``."""
        return {
            "id": self.id,
            "subscription": self.subscription_id,
            "user": self.user,
            "channel": self.channel,
            "target": self.target,
            "incident": self.incident_id,
            "agreement": self.agreement_id,
            "obligation": self.obligation,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
            "payload_sha256": self.payload_sha256,
            "created_at": _aware(self.created_at).isoformat(),
            "sent_at": _aware(self.sent_at).isoformat() if self.sent_at else None,
        }


def _delivery_query() -> Any:
    return select(
        alert_deliveries,
        subscriptions.c.user_name,
        subscriptions.c.target,
    ).join(subscriptions, subscriptions.c.id == alert_deliveries.c.subscription_id)


def _delivery_of(row: Any) -> Delivery:
    return Delivery(
        id=int(row["id"]),
        subscription_id=int(row["subscription_id"]),
        user=row["user_name"],
        channel=row["channel"],
        target=row["target"],
        incident_id=row["incident_id"],
        agreement_id=row["agreement_id"],
        obligation=row["obligation"],
        status=row["status"],
        attempts=int(row["attempts"]),
        error=row["error"],
        payload_sha256=row["payload_sha256"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
    )


def _delivery(db: Database, delivery_id: int) -> Delivery:
    with db.engine.connect() as conn:
        row = (
            conn.execute(_delivery_query().where(alert_deliveries.c.id == delivery_id))
            .mappings()
            .one()
        )
    return _delivery_of(row)


def list_deliveries(
    db: Database,
    *,
    status: str | None = None,
    incident: str | None = None,
    limit: int = 500,
) -> list[Delivery]:
    """Delivery records, newest first (for analysts and admins: they name recipients)."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise InputError(
            [
                Problem(
                    "status",
                    None,
                    f"'{status}' is not a delivery status",
                    f"use one of: {', '.join(DELIVERY_STATUSES)}",
                )
            ]
        )
    if not 1 <= limit <= 5000:
        raise InputError(
            [Problem("limit", None, f"limit {limit} is out of range", "use 1 to 5000")]
        )
    if incident is not None and not _printable(incident):
        raise InputError(
            [Problem("incident", None, "the incident id contains control characters", "give an id")]
        )
    db.require_current()
    query = _delivery_query()
    if status is not None:
        query = query.where(alert_deliveries.c.status == status)
    if incident is not None:
        query = query.where(alert_deliveries.c.incident_id == incident)
    with db.engine.connect() as conn:
        rows = conn.execute(query.order_by(alert_deliveries.c.id.desc()).limit(limit)).mappings()
        return [_delivery_of(r) for r in rows]


def _claim_new(db: Database, alert: Alert, now: datetime) -> int | None:
    """Insert the delivery row before sending; None if this alert was made before."""
    try:
        with db.transaction() as conn:
            return int(
                conn.execute(
                    insert(alert_deliveries)
                    .values(
                        subscription_id=alert.subscription.id,
                        incident_id=alert.incident_id,
                        agreement_id=alert.agreement_id,
                        obligation=alert.obligation,
                        channel=alert.subscription.channel,
                        status=SENDING,
                        attempts=1,
                        error=None,
                        payload_sha256=hashlib.sha256(alert.body).hexdigest(),
                        created_at=now,
                    )
                    .returning(alert_deliveries.c.id)
                ).scalar_one()
            )
    except IntegrityError:
        return None


def _existing(conn: Connection, alert: Alert) -> bool:
    return (
        conn.execute(
            select(alert_deliveries.c.id).where(
                alert_deliveries.c.subscription_id == alert.subscription.id,
                alert_deliveries.c.incident_id == alert.incident_id,
                alert_deliveries.c.agreement_id == alert.agreement_id,
                alert_deliveries.c.obligation == alert.obligation,
            )
        ).first()
        is not None
    )


def _send_webhook(alert: Alert, delivery_id: int) -> None:
    body = alert.body
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "trucewatch-alerts",
        SIGNATURE_HEADER: sign(alert.secret or "", body),
        DELIVERY_HEADER: str(delivery_id),
    }
    response = httpx.post(
        alert.subscription.target,
        content=body,
        headers=headers,
        timeout=WEBHOOK_TIMEOUT_S,
        follow_redirects=False,
    )
    if not 200 <= response.status_code < 300:
        raise RuntimeError(
            f"the receiver answered HTTP {response.status_code}; a 2xx answer counts as received"
        )


def _send_email(alert: Alert, delivery_id: int, settings: AlertSettings) -> None:
    if not settings.smtp_host:
        raise RuntimeError(NO_SMTP)
    msg = EmailMessage()
    msg["From"] = settings.smtp_sender
    msg["To"] = alert.subscription.target
    msg["Subject"] = email_subject(alert.payload)
    msg[DELIVERY_HEADER] = str(delivery_id)
    msg.set_content(email_text(alert.payload))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
        smtp.send_message(msg)


def _attempt(db: Database, alert: Alert, delivery_id: int, settings: AlertSettings) -> Delivery:
    """Send a claimed delivery and record the outcome; never raises for a failed send."""
    error: str | None = None
    try:
        if alert.subscription.channel == "webhook":
            _send_webhook(alert, delivery_id)
        else:
            _send_email(alert, delivery_id, settings)
    except (OSError, smtplib.SMTPException, httpx.HTTPError, RuntimeError) as e:
        error = str(e) or type(e).__name__
    except Exception as e:  # an unexpected failure is still a failed delivery, kept for retry
        log.exception("alert delivery %s failed unexpectedly", delivery_id)
        error = f"{type(e).__name__}: {e}"
    with db.transaction() as conn:
        conn.execute(
            update(alert_deliveries)
            .where(alert_deliveries.c.id == delivery_id)
            .values(
                status=SENT if error is None else FAILED,
                error=error[:2000] if error else None,
                sent_at=datetime.now(UTC) if error is None else None,
            )
        )
    if error is not None:
        log.warning("alert delivery %s failed: %s", delivery_id, error)
    return _delivery(db, delivery_id)


def alert_incident(
    db: Database,
    incident_ref: str,
    *,
    settings: AlertSettings,
    cache: EvaluationCache | None = None,
    now: datetime | None = None,
) -> list[Delivery]:
    """Send every alert a verified incident calls for that was not sent before.

    Returns the deliveries made now (sent or failed); an incident that is not
    verified, or was alerted about already, returns none.
    """
    now = now or datetime.now(UTC)
    with db.engine.connect() as conn:
        incident_id = resolve_incident_ref(conn, incident_ref)
    made = []
    for alert in planned_alerts(db, incident_id, settings=settings, cache=cache):
        with db.engine.connect() as conn:
            if _existing(conn, alert):
                continue
        delivery_id = _claim_new(db, alert, now)
        if delivery_id is None:  # another worker claimed it meanwhile
            continue
        made.append(_attempt(db, alert, delivery_id, settings))
    return made


def alert_on_status_change(
    db: Database,
    incident_ref: str,
    change: StatusChange,
    *,
    settings: AlertSettings,
    cache: EvaluationCache | None = None,
) -> list[Delivery]:
    """Alerts after a committed status change: only a change to ``verified`` alerts."""
    if change.to_status != "verified":
        return []
    return alert_incident(db, incident_ref, settings=settings, cache=cache)


def retry_failed(
    db: Database,
    *,
    settings: AlertSettings,
    cache: EvaluationCache | None = None,
    include_stuck: bool = False,
) -> list[Delivery]:
    """Try every failed delivery again; returns their records after the attempt.

    The alert is rebuilt from today's data: if the incident is no longer
    verified, the finding no longer a matching violation or the subscription
    was removed, the delivery is ``cancelled`` with that reason instead.
    ``include_stuck`` also retries deliveries left ``sending`` (a server that
    stopped mid-send) — use it only when no server is sending.
    """
    cache = cache or EvaluationCache()
    statuses = [FAILED, SENDING] if include_stuck else [FAILED]
    db.require_current()
    with db.engine.connect() as conn:
        rows = list(
            conn.execute(
                select(alert_deliveries)
                .where(alert_deliveries.c.status.in_(statuses))
                .order_by(alert_deliveries.c.id)
            ).mappings()
        )
    done: list[Delivery] = []
    for row in rows:
        alerts = planned_alerts(
            db,
            row["incident_id"],
            settings=settings,
            cache=cache,
            subscription_ids=[row["subscription_id"]],
        )
        alert = next(
            (
                a
                for a in alerts
                if a.agreement_id == row["agreement_id"] and a.obligation == row["obligation"]
            ),
            None,
        )
        with db.transaction() as conn:
            values: dict[str, Any]
            if alert is None:
                values = {"status": CANCELLED, "error": _why_not(conn, row)}
            else:
                values = {
                    "status": SENDING,
                    "attempts": alert_deliveries.c.attempts + 1,
                    "payload_sha256": hashlib.sha256(alert.body).hexdigest(),
                }
            claimed = conn.execute(
                update(alert_deliveries)
                .where(
                    alert_deliveries.c.id == row["id"],
                    alert_deliveries.c.status == row["status"],
                    alert_deliveries.c.attempts == row["attempts"],
                )
                .values(**values)
            ).rowcount
        if claimed != 1:  # someone else retried it meanwhile
            continue
        if alert is None:
            done.append(_delivery(db, int(row["id"])))
        else:
            done.append(_attempt(db, alert, int(row["id"]), settings))
    return done


def _why_not(conn: Connection, row: Any) -> str:
    sub = (
        conn.execute(select(subscriptions).where(subscriptions.c.id == row["subscription_id"]))
        .mappings()
        .one()
    )
    if not sub["active"]:
        return "not sent: the subscription was removed"
    status = conn.execute(
        select(incidents.c.status).where(incidents.c.id == row["incident_id"])
    ).scalar_one_or_none()
    if status != "verified":
        return f"not sent: the incident is now '{status}', no longer verified"
    return "not sent: the incident is no longer a violation this subscription follows"


# --------------------------------------------------------------------------- the server's hook


class ServerState(Protocol):
    """What the hook needs from the server's state (``api.deps.AppState`` has it)."""

    @property
    def db(self) -> Database: ...

    @property
    def cache(self) -> EvaluationCache: ...

    @property
    def settings(self) -> MailSettings: ...


class AlertDispatcher:
    """The server's status hook: alerts go out on a small thread pool, off the request.

    Verifying answers at once, however slow a receiver or mail server is;
    the workers evaluate, claim and send.  Everything a worker meets is
    logged and recorded as a failed delivery, never raised into the request.
    ``wait`` lets tests (and a graceful shutdown) wait for pending work.
    """

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tw-alerts")
        self._lock = threading.Lock()
        self._pending: set[Future[list[Delivery]]] = set()

    def __call__(self, state: ServerState, incident_id: str, change: StatusChange) -> None:
        """Queue the alerts of a committed status change (only ``verified`` alerts)."""
        if change.to_status != "verified":
            return
        try:
            future = self._pool.submit(self._run, state, incident_id, change)
        except RuntimeError:  # the pool was shut down: the server is stopping
            log.warning("alerts for %s not queued: the server is stopping", incident_id)
            return
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[list[Delivery]]) -> None:
        with self._lock:
            self._pending.discard(future)

    @staticmethod
    def _run(state: ServerState, incident_id: str, change: StatusChange) -> list[Delivery]:
        try:
            return alert_on_status_change(
                state.db,
                incident_id,
                change,
                settings=AlertSettings.of(state.settings),
                cache=state.cache,
            )
        except Exception:
            log.exception("alerts for %s could not be worked out", incident_id)
            return []

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every queued alert is done; False if ``timeout`` ran out first."""
        with self._lock:
            pending = set(self._pending)
        if not pending:
            return True
        _, not_done = wait_futures(pending, timeout=timeout)
        return not not_done

    def shutdown(self) -> None:
        """Finish queued work and stop the workers."""
        self._pool.shutdown(wait=True)


def dispatcher_of(state: Any) -> AlertDispatcher | None:
    """The alert dispatcher registered on a server's state, if any."""
    for hook in getattr(state, "status_hooks", []):
        if isinstance(hook, AlertDispatcher):
            return hook
    return None


__all__ = [
    "CANCELLED",
    "CHANNELS",
    "DELIVERY_HEADER",
    "DELIVERY_STATUSES",
    "FAILED",
    "SENDING",
    "SENT",
    "SIGNATURE_HEADER",
    "Alert",
    "AlertDispatcher",
    "AlertSettings",
    "Delivery",
    "Subscription",
    "alert_incident",
    "alert_on_status_change",
    "alert_payload",
    "dispatcher_of",
    "email_subject",
    "email_text",
    "list_deliveries",
    "list_subscriptions",
    "planned_alerts",
    "retry_failed",
    "sign",
    "subscribe",
    "unsubscribe",
    "user_named",
    "verify_signature",
    "webhook_body",
]
