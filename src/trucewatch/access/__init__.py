"""Humanitarian access: access-event files, and measuring access commitments.

``loader`` reads convoy histories and sieges from YAML (errors at their line);
``compliance`` measures an agreement's access commitments from them.  Both are
pure apart from reading the file; storage is in ``trucewatch.store.access``.
"""

from trucewatch.access.compliance import AccessReport, measure_access
from trucewatch.access.loader import AccessFile, read_access

__all__ = ["AccessFile", "AccessReport", "measure_access", "read_access"]
