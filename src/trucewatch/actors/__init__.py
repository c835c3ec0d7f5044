"""Actors: the shipped registry and date-aware resolution of the names sources use.

>>> from datetime import date
>>> reg = ActorRegistry.shipped()
>>> reg.resolve("al-Nusra", on=date(2016, 9, 19)).actor_id
'jabhat-fateh-al-sham'
"""

from trucewatch.actors.registry import ActorRegistry, Resolution

__all__ = ["ActorRegistry", "Resolution"]
