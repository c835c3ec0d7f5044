"""The engine: a pure function from (agreement, incidents, claims) to findings."""

from trucewatch.engine.evaluate import evaluate
from trucewatch.engine.roles import AgreementRoles, Standing

__all__ = ["AgreementRoles", "Standing", "evaluate"]
