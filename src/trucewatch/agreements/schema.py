"""The published JSON Schema for agreement files.

Generated from the domain model, so it cannot drift from what the loader
accepts; a copy is committed at docs/agreement.schema.json and a test fails
when the two differ.
"""

from __future__ import annotations

import json

from trucewatch.domain import Agreement

SCHEMA_ID = "https://trucewatch.invalid/schema/agreement.schema.json"


def agreement_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of an agreement file."""
    schema = Agreement.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def agreement_schema_json() -> str:
    """The schema as stable, indented JSON text."""
    return json.dumps(agreement_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
