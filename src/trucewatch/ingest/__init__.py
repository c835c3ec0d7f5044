"""Readers and writers for the formats incidents, claims and sources arrive in.

One module per format; each reads a whole file or raises an InputError that
lists every problem as ``FILE:LINE: what is wrong — how to fix it``.
"""

from trucewatch.ingest.acled import ACLED_COLUMNS, ActorResolver, read_acled, write_acled
from trucewatch.ingest.claims import read_claims, read_sources

__all__ = [
    "ACLED_COLUMNS",
    "ActorResolver",
    "read_acled",
    "read_claims",
    "read_sources",
    "write_acled",
]
