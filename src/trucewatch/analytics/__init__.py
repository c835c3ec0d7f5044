"""Analytics: findings rolled up into compliance tables and a truce timeline."""

from trucewatch.analytics.compliance import ComplianceMatrix, compliance_matrix
from trucewatch.analytics.timeline import Breakdown, DayCount, daily_counts, detect_breakdown

__all__ = [
    "Breakdown",
    "ComplianceMatrix",
    "DayCount",
    "compliance_matrix",
    "daily_counts",
    "detect_breakdown",
]
