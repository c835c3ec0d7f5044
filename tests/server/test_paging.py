"""Keyset pages: walking every page gives every incident once, in order, ties included."""

from __future__ import annotations

from tests.api.conftest import Mission


def test_walking_the_pages_gives_each_incident_once_newest_first(mission: Mission) -> None:
    headers = mission.auth("analyst1")
    whole = mission.client.get("/api/incidents", params={"limit": 500}, headers=headers).json()
    assert len(whole["items"]) == 39 and whole["next_cursor"] is None
    # Several incidents share a day (e.g. 2016-09-23): a page may end inside a day.
    days = [i["date"] for i in whole["items"]]
    assert len(set(days)) < len(days)
    walked: list[str] = []
    cursor = None
    for _ in range(20):
        params: dict[str, str | int] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = mission.client.get("/api/incidents", params=params, headers=headers).json()
        walked += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [i["id"] for i in whole["items"]]
    assert len(set(walked)) == 39
    keys = [(i["date"], i["id"]) for i in whole["items"]]
    assert keys == sorted(keys, reverse=True)


def test_a_page_filtered_by_area_pages_within_the_filter(mission: Mission) -> None:
    headers = mission.auth("analyst1")
    aleppo = mission.client.get(
        "/api/incidents", params={"area": "aleppo", "limit": 500}, headers=headers
    ).json()["items"]
    assert aleppo and all(i["location"]["admin1"] == "Aleppo" for i in aleppo)
    first = mission.client.get(
        "/api/incidents", params={"area": "Aleppo", "limit": 3}, headers=headers
    ).json()
    second = mission.client.get(
        "/api/incidents",
        params={"area": "Aleppo", "limit": 3, "cursor": first["next_cursor"]},
        headers=headers,
    ).json()
    assert [i["id"] for i in first["items"] + second["items"]] == [i["id"] for i in aleppo[:6]]
