"""A request names an agreement by id only: never a file on the server."""

from __future__ import annotations

import pytest

from tests.api.conftest import Mission
from trucewatch.browse import EvaluationCache, require_agreement, server_agreement_id
from trucewatch.errors import InputError


@pytest.mark.parametrize(
    "ref", ["/etc/passwd", "../../etc/hostname.yaml", "syria-2016-09-us-russia.yaml"]
)
def test_a_path_is_never_an_agreement_id(ref: str) -> None:
    with pytest.raises(InputError) as e:
        server_agreement_id(ref)
    assert f"'{ref}' is not an agreement this server evaluates" in str(e.value)
    with pytest.raises(InputError):
        require_agreement(ref)


def test_the_evaluation_cache_refuses_a_path_before_reading_anything(mission: Mission) -> None:
    with pytest.raises(InputError, match="is not an agreement this server evaluates"):
        EvaluationCache().get(mission.db, "/etc/passwd")


def test_the_incident_list_refuses_a_path_as_agreement(mission: Mission) -> None:
    r = mission.client.get(
        "/api/incidents",
        params={"agreement": "/etc/passwd", "verdict": "violation"},
        headers=mission.auth("analyst1"),
    )
    assert r.status_code == 422
    assert "pattern" in r.text
    r = mission.client.get(
        "/api/incidents",
        params={"agreement": "no-such-deal", "verdict": "violation"},
        headers=mission.auth("analyst1"),
    )
    assert r.status_code == 400
    assert "'no-such-deal' is not an agreement this server evaluates" in r.json()["detail"]
