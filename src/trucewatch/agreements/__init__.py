"""Agreement files: load, validate against the actor registry, dump, find shipped ones."""

from trucewatch.agreements.loader import dump_agreement, load_agreement, parse_agreement
from trucewatch.agreements.shipped import agreement_path, shipped_agreement_ids

__all__ = [
    "agreement_path",
    "dump_agreement",
    "load_agreement",
    "parse_agreement",
    "shipped_agreement_ids",
]
