"""The database schema, in SQLAlchemy Core.

One report is one source's account of an event (a row of a file), kept with
its raw values, the file's SHA-256 and its row; an incident is the event,
which one or more reports describe.  The incident's fields are derived from
its reports, so merging two reports (corroboration) and undoing the merge are
both recomputations, never a loss of what a source said.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = DateTime(timezone=True)

agreements = Table(
    "agreements",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("title", Text, nullable=False),
    Column("current_version", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
)

agreement_versions = Table(
    "agreement_versions",
    metadata,
    Column("agreement_id", String(100), ForeignKey("agreements.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("changed_by", String(100), nullable=False),
    Column("changed_at", TS, nullable=False),
    Column("note", Text),
    PrimaryKeyConstraint("agreement_id", "version"),
)

actors = Table(
    "actors",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("data", JSON, nullable=False),
)

sources = Table(
    "sources",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("reliability", String(1), nullable=False),
    Column("independence_group", String(100)),
    Column("actor", String(100)),
    Column("url", Text),
    Column("note", Text),
    Column("created_at", TS, nullable=False),
)

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(100), ForeignKey("sources.id"), nullable=False),
    Column("format", String(20), nullable=False),
    Column("file", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("started_at", TS, nullable=False),
    Column("finished_at", TS),
    Column("user_name", String(100), nullable=False),
    Column("rows", Integer, nullable=False, default=0),
    Column("inserted", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("merged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("date", Date, nullable=False),
    Column("time_precision", Integer, nullable=False),
    Column("event_type", String(60), nullable=False),
    Column("sub_event_type", String(60), nullable=False),
    Column("location_name", Text, nullable=False),
    Column("country", Text),
    Column("admin1", Text),
    Column("admin2", Text),
    Column("admin3", Text),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("geo_precision", Integer, nullable=False),
    Column("fatalities_low", Integer, nullable=False),
    Column("fatalities_best", Integer, nullable=False),
    Column("fatalities_high", Integer, nullable=False),
    Column("civilian_low", Integer),
    Column("civilian_best", Integer),
    Column("civilian_high", Integer),
    Column("tags", JSON, nullable=False),
    Column("notes", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    # Verification status: reported → under_review → verified / disputed / dismissed.
    Column("status", String(20), nullable=False, server_default="reported"),
    # Published by an analyst: only published incidents reach the public.
    Column("published", Boolean, nullable=False, server_default=sa_false()),
    # The monitor who submitted it from the field (None: imported from a file).
    Column("submitted_by", String(100)),
    Index(None, "date"),
    # Keyset pages of the API walk (date, id); bench/api.py measured a deep
    # page at 35 ms on SQLite and 74 ms on PostgreSQL without it.
    Index(None, "date", "id"),
    Index(None, "status"),
    Index(None, "submitted_by"),
)

incident_actors = Table(
    "incident_actors",
    metadata,
    Column(
        "incident_id", String(200), ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    ),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("actor_id", String(100)),
    Column("role", String(20), nullable=False),
    PrimaryKeyConstraint("incident_id", "position"),
    Index(None, "actor_id"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(100), ForeignKey("sources.id"), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("batch_id", Integer, ForeignKey("import_batches.id"), nullable=False),
    Column("file", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("row", Integer, nullable=False),
    Column("original", JSON, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("parsed", JSON, nullable=False),
    Column("incident_id", String(200), ForeignKey("incidents.id"), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    # external_id leads: imports look up a chunk's ids in one index probe each,
    # and `show incident 301214` finds a record by its id across sources.
    UniqueConstraint("external_id", "source_id"),
    Index(None, "incident_id"),
)

corroborations = Table(
    "corroborations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False),
    Column("incident_id", String(200), ForeignKey("incidents.id"), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("undone_at", TS),
    Column("undone_by", String(100)),
    Index(None, "incident_id"),
)

claims = Table(
    "claims",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("incident_id", String(200), ForeignKey("incidents.id"), nullable=False),
    Column("claimant", String(100), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("subject", String(100)),
    Column("text", Text, nullable=False),
    Column("date", Date, nullable=False),
    Column("source_id", String(100), ForeignKey("sources.id")),
    Column("credibility", String(1), nullable=False),
    Column("language", String(10), nullable=False),
    Column("url", Text),
    Column("created_at", TS, nullable=False),
    Index(None, "incident_id"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(200), ForeignKey("incidents.id")),
    Column("report_id", Integer, ForeignKey("reports.id")),
    Column("kind", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_uri", Text, nullable=False),
    Column("collected_at", TS, nullable=False),
    Column("collector", String(100), nullable=False),
    Column("note", Text),
    # Berkeley Protocol collection record: how and from where, and the file as received.
    Column("method", Text),
    Column("origin", Text),
    Column("filename", Text),
    Column("size_bytes", BigInteger),  # videos exceed 2 GiB
    Column("media_type", String(100)),
    Index(None, "sha256"),
)

custody = Table(
    "custody",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("evidence_id", Integer, ForeignKey("evidence.id"), nullable=False),
    Column("at", TS, nullable=False),
    Column("action", String(30), nullable=False),
    Column("from_holder", String(100)),
    Column("to_holder", String(100)),
    Column("user_name", String(100), nullable=False),
    Column("note", Text),
    Index(None, "evidence_id"),
)

replies = Table(
    "replies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agreement_id", String(100), nullable=False),
    Column("incident_id", String(200), ForeignKey("incidents.id"), nullable=False),
    Column("obligation", String(100), nullable=False),
    Column("party", String(100), nullable=False),
    Column("user_name", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("submitted_at", TS, nullable=False),
    Index(None, "incident_id"),
)

access_events = Table(
    "access_events",
    metadata,
    Column("id", String(200), primary_key=True),
    # Not a foreign key: access events are recorded under shipped agreements
    # that need not be loaded into the database.
    Column("agreement_id", String(100)),
    Column("kind", String(20), nullable=False),
    Column("organisation", Text, nullable=False),
    Column("origin", Text),
    Column("destination", Text, nullable=False),
    Column("route", String(100)),
    Column("planned_beneficiaries", Integer),
    Column("status", String(30), nullable=False),
    Column("people_reached", Integer),
    Column("data", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index(None, "agreement_id"),
    Index(None, "destination"),
)

sieges = Table(
    "sieges",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("area", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("population", Integer),
    Column("data", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index(None, "area"),
)

admin_units = Table(
    "admin_units",
    metadata,
    Column("pcode", String(40), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("name_local", Text),
    Column("parents", JSON, nullable=False),
    Column("geometry", JSON, nullable=False),
    Column("source", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("loaded_at", TS, nullable=False),
    Index(None, "level"),
)

places = Table(
    "places",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Column("source", Text, nullable=False),
    Column("loaded_at", TS, nullable=False),
)

incident_admin = Table(
    "incident_admin",
    metadata,
    Column("incident_id", String(200), ForeignKey("incidents.id"), primary_key=True),
    Column("level", Integer, primary_key=True),
    Column("pcode", String(40), nullable=False),
    Column("name", Text, nullable=False),
)

zone_versions = Table(
    "zone_versions",
    metadata,
    Column("agreement_id", String(100), primary_key=True),
    Column("zone_id", String(100), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("definition", JSON, nullable=False),
    Column("proposed_by", String(100), nullable=False),
    Column("proposed_user", String(100), nullable=False),
    Column("proposed_at", TS, nullable=False),
    Column("approved_by", String(100)),
    Column("approved_user", String(100)),
    Column("approved_at", TS),
    Column("effective", Date),
    Column("note", Text),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agreement_id", String(100), nullable=False),
    Column("agreement_version", Integer, nullable=False),
    Column("incident_id", String(200), ForeignKey("incidents.id"), nullable=False),
    Column("obligation", String(100), nullable=False),
    Column("verdict", String(30), nullable=False),
    Column("data", JSON, nullable=False),
    Column("evaluated_at", TS, nullable=False),
    Index(None, "agreement_id", "incident_id"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(30), nullable=False),
    Column("token_sha256", String(64)),  # unused since 0005: tokens live in api_tokens
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TS, nullable=False),
    # argon2id hash; None: the user signs in with tokens only.
    Column("password_hash", Text),
    # For party liaisons: the actor id of the party they speak for.
    Column("party", String(100)),
)

# API tokens for scripts: only the SHA-256 of a token is kept, so a copy of the
# database does not let anyone in.  A token expires and can be revoked.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("label", Text),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS),
    Column("revoked_at", TS),
    Column("last_used_at", TS),
    Index(None, "user_id"),
)

# Browser sessions: the cookie's SHA-256, and the CSRF token its forms carry.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("revoked_at", TS),
    # When the session was last used: it ends after a spell of idleness (0008).
    Column("last_seen_at", TS),
    Index(None, "user_id"),
)

# Failed sign-ins, for rate limiting (0008).  ``key`` is a keyed hash of the
# name typed or of the client's address, never either in clear: a copy of the
# database must not tell where monitors connect from.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),
    Column("at", TS, nullable=False),
    Index(None, "key", "at"),
)

# A monitor's report from the field.  The witness and the exact place the
# account was given are sensitive: they never leave the server in public or
# party output.  ``client_ref`` lets a phone resend a report without doubling it.
field_reports = Table(
    "field_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(200), ForeignKey("incidents.id"), nullable=False),
    Column("user_name", String(100), nullable=False),
    Column("submitted_at", TS, nullable=False),
    Column("description", Text, nullable=False),
    Column("witness", Text),
    Column("source_latitude", Float),
    Column("source_longitude", Float),
    Column("client_ref", String(100), unique=True),
    Index(None, "incident_id"),
    Index(None, "user_name"),
)

# Alert subscriptions: who wants to hear of which verified violations, and how.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(100), nullable=False),
    Column("channel", String(10), nullable=False),  # email | webhook
    Column("target", Text, nullable=False),  # an e-mail address or an https URL
    Column("secret", Text),  # webhook signing key (HMAC-SHA256)
    Column("agreement_id", String(100)),
    Column("party", String(100)),
    Column("obligation", String(100)),
    Column("zone", String(100)),
    Column("min_fatalities", Integer, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default=sa_true()),
    Column("created_at", TS, nullable=False),
    Index(None, "user_name"),
)

# Every alert sent or tried: one per subscription × incident × obligation, so a
# re-verified incident does not alert twice.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Integer, ForeignKey("subscriptions.id"), nullable=False),
    Column("incident_id", String(200), nullable=False),
    Column("agreement_id", String(100), nullable=False),
    Column("obligation", String(100), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("status", String(10), nullable=False),  # sent | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("payload_sha256", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("sent_at", TS),
    UniqueConstraint("subscription_id", "incident_id", "agreement_id", "obligation"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", TS, nullable=False),
    Column("user_name", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("entity_type", String(40), nullable=False),
    Column("entity_id", String(200), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Column("note", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index(None, "entity_type", "entity_id"),
)

# Territorial control: snapshots (one row per file and date) and their areas,
# each with the actor holding it.  A snapshot is in force from valid_from until
# the next one (or its valid_to, its last day).
control_layers = Table(
    "control_layers",
    metadata,
    Column("id", String(300), primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    Column("source", Text, nullable=False),
    Column("sha256", String(64)),
    Column("note", Text),
    Column("loaded_by", String(100), nullable=False),
    Column("loaded_at", TS, nullable=False),
    Index(None, "valid_from"),
)

control_areas = Table(
    "control_areas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("layer_id", String(300), ForeignKey("control_layers.id"), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("name", Text),
    Column("population", Integer),
    Column("pcode", String(40)),
    Column("feature", Integer),
    Column("geometry", JSON, nullable=False),
    Index(None, "layer_id"),
    Index(None, "actor"),
)

# Lines of contact: where each line ran from a date on, and who held each hand.
contact_lines = Table(
    "contact_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("line_id", String(100), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("points", JSON, nullable=False),
    Column("left_actor", String(100), nullable=False),
    Column("right_actor", String(100), nullable=False),
    Column("source", Text, nullable=False),
    Column("sha256", String(64)),
    Column("approximate", Boolean, nullable=False, server_default=sa_false()),
    Column("note", Text),
    Column("loaded_by", String(100), nullable=False),
    Column("loaded_at", TS, nullable=False),
    UniqueConstraint("line_id", "valid_from"),
)
