"""The shipped agreements load cleanly and the published JSON Schema is current."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO
from trucewatch.actors import ActorRegistry
from trucewatch.agreements import agreement_path, load_agreement, shipped_agreement_ids
from trucewatch.agreements.schema import agreement_schema, agreement_schema_json
from trucewatch.errors import InputError
from trucewatch.yamlfile import load_yaml

EXPECTED = {
    "syria-2016-02-cessation-of-hostilities",
    "syria-2016-09-us-russia",
    "syria-2016-12-east-aleppo-evacuation",
    "syria-2016-12-30-nationwide-ceasefire",
}


def test_the_four_2016_agreements_ship() -> None:
    assert set(shipped_agreement_ids()) >= EXPECTED


@pytest.mark.parametrize("agreement_id", sorted(EXPECTED))
def test_shipped_agreement_is_valid_and_sourced(agreement_id: str, actors: ActorRegistry) -> None:
    a = load_agreement(agreement_path(agreement_id), actors=actors)
    assert a.id == agreement_id
    assert a.sources, "every shipped agreement names its sources"
    assert all(z.note for z in a.zones if z.approximate), "approximations say why"


def test_sept_2016_terms() -> None:
    data, _ = load_yaml(agreement_path("syria-2016-09-us-russia"))
    assert data["excluded"] == ["islamic-state", "jabhat-fateh-al-sham"]
    assert data["phases"][0]["start"] == "2016-09-12T19:00+03:00"
    assert data["phases"][0]["days"] == 7
    zones = {z["id"]: z for z in data["zones"]}
    assert zones["east-aleppo"]["population"] == 250000
    assert zones["designated-areas"]["approximate"] is True


def test_unknown_agreement_id_suggests_the_closest() -> None:
    with pytest.raises(InputError) as info:
        agreement_path("syria-2016-09-us-rusia")
    assert str(info.value) == (
        "syria-2016-09-us-rusia: no such agreement file or shipped agreement id — "
        "did you mean syria-2016-09-us-russia?"
    )


def test_published_schema_matches_the_model() -> None:
    published = REPO / "docs" / "agreement.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == agreement_schema(), (
        "regenerate with: trucewatch agreement schema --out docs/agreement.schema.json"
    )
    assert published.read_text(encoding="utf-8") == agreement_schema_json()
