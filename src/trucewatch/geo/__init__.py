"""Places and zones: which zones of an agreement an incident falls in."""

from trucewatch.geo.zones import Membership, ZoneIndex

__all__ = ["Membership", "ZoneIndex"]
