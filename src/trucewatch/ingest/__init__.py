"""Readers and writers for the formats incidents, claims and sources arrive in.

Incident formats share one streaming interface (:mod:`trucewatch.ingest.base`):
``importer_for(format).rows(path)`` yields one :class:`Row` per record, with
file-level problems raised as an InputError before the first row and
row-level problems carried in the row, each as ``FILE:LINE: what is wrong —
how to fix it``.  ``read_acled`` reads a whole ACLED file or raises.
"""

from trucewatch.ingest.acled import (
    ACLED_COLUMNS,
    AcledImporter,
    ActorResolver,
    read_acled,
    write_acled,
)
from trucewatch.ingest.base import (
    FORMATS,
    ActorResolution,
    Importer,
    MultiActorResolver,
    Row,
    file_sha256,
    importer_for,
)
from trucewatch.ingest.claims import read_claims, read_sources
from trucewatch.ingest.geojson import GeoJsonImporter
from trucewatch.ingest.hxl import HxlImporter
from trucewatch.ingest.mapped_csv import MappedCsvImporter, load_mapping
from trucewatch.ingest.ucdp import UcdpImporter

__all__ = [
    "ACLED_COLUMNS",
    "FORMATS",
    "AcledImporter",
    "ActorResolution",
    "ActorResolver",
    "GeoJsonImporter",
    "HxlImporter",
    "Importer",
    "MappedCsvImporter",
    "MultiActorResolver",
    "Row",
    "UcdpImporter",
    "file_sha256",
    "importer_for",
    "load_mapping",
    "read_acled",
    "read_claims",
    "read_sources",
    "write_acled",
]
