"""The base model every domain type shares.

Frozen and strict about unknown fields: a typo in an agreement or a data file
(``excpet:`` for ``except:``) must be an error, not a silently ignored key.
"""

from pydantic import BaseModel, ConfigDict


class DomainModel(BaseModel):
    """Immutable, forbids unknown fields, accepts field names and aliases."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
