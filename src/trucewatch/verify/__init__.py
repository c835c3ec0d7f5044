"""Verification: from claims and graded sources to an attribution with its uncertainty."""

from trucewatch.verify.attribution import attribute

__all__ = ["attribute"]
