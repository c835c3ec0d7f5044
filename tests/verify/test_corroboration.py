"""Corroboration: two records from different sources, one event or two — and why.

All incidents here are synthetic (their notes say so); places are made up
points in north-west Syria, actor ids are registry ids.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from trucewatch.domain import CasualtyRange, Incident, IncidentActor, Location, Provenance, Role
from trucewatch.domain.vocabulary import EVENT_TYPE_TREE
from trucewatch.geo.zones import EARTH_RADIUS_KM, haversine_km
from trucewatch.verify.corroboration import (
    COMPATIBLE,
    MAX_KM,
    SAME_FILE_REASON,
    best_match,
    candidate_window,
    match,
)

LAT, LON = 36.15, 36.94
KM_PER_DEG_LAT = math.pi / 180 * EARTH_RADIUS_KM
DAY = date(2016, 9, 19)


def north(km: float) -> float:
    """The latitude ``km`` north of LAT."""
    return LAT + km / KM_PER_DEG_LAT


def actor(name: str, aid: str | None, role: Role = Role.OTHER) -> IncidentActor:
    return IncidentActor(name=name, id=aid, role=role)


GOV = actor("Military Forces of Syria (2000-)", "syria-government", Role.PERPETRATOR)
UNIDENTIFIED = actor("Unidentified Military Forces", "unidentified", Role.PERPETRATOR)
CIVILIANS = actor("Civilians (Syria)", "civilians", Role.TARGET)


def inc(iid: str, **kw: Any) -> Incident:
    """A synthetic incident; keywords override the defaults."""
    loc: dict[str, Any] = {
        "name": "Synthetic town",
        "latitude": kw.pop("lat", LAT),
        "longitude": kw.pop("lon", LON),
        "geo_precision": kw.pop("geo", 1),
        "admin1": kw.pop("admin1", None),
    }
    file = kw.pop("file", f"{iid}.csv")
    fields: dict[str, Any] = {
        "id": iid,
        "date": DAY,
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike",
        "actors": [UNIDENTIFIED],
        "location": Location(**loc),
        "provenance": Provenance(file=file, sha256="0" * 64, row=1) if file else None,
        "notes": "synthetic test incident",
    }
    fields.update(kw)
    return Incident(**fields)


# --------------------------------------------------------------- worked example


def test_ucdp_one_sided_matches_acled_air_strike_by_unidentified_forces() -> None:
    ucdp = inc(
        "ucdp-1",
        event_type="Violence against civilians",
        sub_event_type="Attack",
        actors=[
            actor("Government of Syria", "syria-government", Role.PERPETRATOR),
            actor("Civilians", "civilians", Role.TARGET),
        ],
        fatalities=CasualtyRange(low=10, best=12, high=20),
        file="ged.csv",
    )
    acled = inc(
        "acled-1",
        lat=north(3.0),
        actors=[UNIDENTIFIED, CIVILIANS],
        fatalities=CasualtyRange.exactly(8),
        file="acled.csv",
    )
    d = match(ucdp, acled)
    assert d.same_event
    assert d.reasons == (
        "different source files: acled.csv and ged.csv",
        "dates overlap: 2016-09-19 (day) and 2016-09-19 (day)",
        "3.0 km apart, within 10 km allowed for geo precision 1",
        "event types compatible: Explosions/Remote violence ~ Violence against civilians",
        "sub-event types differ (not required): Air/drone strike vs Attack",
        "actors do not block: acled-1 names only unidentified, unresolved or civilian actors "
        "(Unidentified Military Forces, Civilians (Syria)), which cannot contradict "
        "syria-government in ucdp-1",
        "fatality best estimates 8 and 12 agree within a factor of 2",
    )
    # 0.25 date + 0.30 × 0.7 distance + 0.075 type + 0.05 actors + 0.10 fatalities
    assert math.isclose(d.score, 0.25 + 0.30 * 0.7 + 0.075 + 0.05 + 0.10, abs_tol=1e-3)


# --------------------------------------------------------------------- dates


def test_week_precision_overlaps_a_day_inside_it() -> None:
    week = inc("w", date=date(2016, 9, 19), time_precision=2)
    day = inc("d", date=date(2016, 9, 22))
    d = match(day, week)
    assert d.same_event
    assert "dates overlap: 2016-09-22 (day) and 2016-09-16..2016-09-22 (week)" in d.reasons


def test_day_outside_the_week_does_not_overlap() -> None:
    week = inc("w", date=date(2016, 9, 26), time_precision=2)
    d = match(inc("d"), week)
    assert not d.same_event
    assert "dates do not overlap: 2016-09-19 (day) and 2016-09-23..2016-09-29 (week)" in d.reasons


def test_month_precision_spans_the_calendar_month() -> None:
    month = inc("m", date=date(2016, 9, 15), time_precision=3)
    d = match(inc("d", date=date(2016, 9, 30)), month)
    assert d.same_event
    assert "dates overlap: 2016-09-30 (day) and 2016-09-01..2016-09-30 (month)" in d.reasons
    assert not match(inc("d", date=date(2016, 10, 1)), month).same_event


def test_a_precise_date_scores_above_a_vague_one() -> None:
    same_day = match(inc("a"), inc("b"))
    in_week = match(inc("a"), inc("b", time_precision=2))
    assert same_day.score > in_week.score


# ------------------------------------------------------------------ distance


def test_precision_1_allows_10_km() -> None:
    d = match(inc("a"), inc("b", lat=north(9.0)))
    assert d.same_event
    assert "9.0 km apart, within 10 km allowed for geo precision 1" in d.reasons
    d = match(inc("a"), inc("b", lat=north(12.0)))
    assert not d.same_event
    assert "12.0 km apart, beyond 10 km allowed for geo precision 1" in d.reasons


def test_the_coarser_precision_sets_the_allowance() -> None:
    d = match(inc("a"), inc("b", lat=north(12.0), geo=2))
    assert d.same_event
    assert "12.0 km apart, within 25 km allowed for geo precision 2" in d.reasons
    d = match(inc("a", geo=2), inc("b", lat=north(30.0)))
    assert not d.same_event
    assert "30.0 km apart, beyond 25 km allowed for geo precision 2" in d.reasons


def test_precision_3_needs_the_same_admin1_when_both_give_one() -> None:
    a = inc("a", geo=3, admin1="Idlib")
    same = match(a, inc("b", lat=north(40.0), admin1="Idleb Governorate"))
    assert same.same_event
    assert "40.0 km apart, within 100 km allowed for geo precision 3" in same.reasons
    assert "same admin1 at geo precision 3: SY07 Idleb" in same.reasons

    other = match(a, inc("b", lat=north(40.0), admin1="Aleppo"))
    assert not other.same_event
    assert (
        "different admin1 at geo precision 3: Aleppo (SY02 Aleppo) vs Idlib (SY07 Idleb)"
        in other.reasons
    )


def test_precision_3_without_admin1_relies_on_distance() -> None:
    d = match(inc("a", geo=3, admin1="Idlib"), inc("b", lat=north(60.0)))
    assert d.same_event
    assert "admin1 not compared at geo precision 3: none given for b" in d.reasons
    far = match(inc("a", geo=3), inc("b", lat=north(150.0)))
    assert not far.same_event
    assert "150.0 km apart, beyond 100 km allowed for geo precision 3" in far.reasons


def test_admin1_is_not_compared_below_precision_3() -> None:
    d = match(inc("a", admin1="Idlib"), inc("b", lat=north(2.0), admin1="Aleppo"))
    assert d.same_event
    assert not any("admin1" in r for r in d.reasons)


# --------------------------------------------------------------------- types


def test_battle_and_remote_violence_are_compatible() -> None:
    battle = inc("a", event_type="Battles", sub_event_type="Armed clash")
    d = match(battle, inc("b", event_type="Explosions/Remote violence"))
    assert d.same_event
    assert "event types compatible: Battles ~ Explosions/Remote violence" in d.reasons
    assert frozenset({"Battles", "Explosions/Remote violence"}) in COMPATIBLE


def test_protest_and_battle_are_not() -> None:
    protest = inc("a", event_type="Protests", sub_event_type="Peaceful protest")
    battle = inc("b", event_type="Battles", sub_event_type="Armed clash")
    d = match(protest, battle)
    assert not d.same_event
    assert "event types incompatible: Battles vs Protests" in d.reasons


def test_battle_and_violence_against_civilians_are_not() -> None:
    battle = inc("a", event_type="Battles", sub_event_type="Armed clash")
    attack = inc("b", event_type="Violence against civilians", sub_event_type="Attack")
    assert not match(battle, attack).same_event


def test_a_matching_sub_event_type_adds_to_the_score() -> None:
    shelling = inc("b", sub_event_type="Shelling/artillery/missile attack")
    same = match(inc("a"), inc("b"))
    differ = match(inc("a"), shelling)
    assert same.same_event and differ.same_event
    assert "sub-event types match: Air/drone strike" in same.reasons
    assert (
        "sub-event types differ (not required): Air/drone strike vs "
        "Shelling/artillery/missile attack" in differ.reasons
    )
    assert math.isclose(same.score - differ.score, 0.10, abs_tol=1e-3)


# -------------------------------------------------------------------- actors


def test_actors_sharing_a_resolved_id_pass() -> None:
    d = match(inc("a", actors=[GOV, CIVILIANS]), inc("b", actors=[GOV]))
    assert d.same_event
    assert "actors share syria-government" in d.reasons


def test_disjoint_actors_block() -> None:
    isis = actor("Islamic State (Syria)", "islamic-state", Role.PERPETRATOR)
    d = match(inc("a", actors=[GOV]), inc("b", actors=[isis]))
    assert not d.same_event
    assert (
        "actors incompatible: a names syria-government and b names islamic-state, "
        "with none in common" in d.reasons
    )


def test_civilians_alone_do_not_count_as_sharing() -> None:
    isis = actor("Islamic State (Syria)", "islamic-state", Role.PERPETRATOR)
    d = match(inc("a", actors=[GOV, CIVILIANS]), inc("b", actors=[isis, CIVILIANS]))
    assert not d.same_event
    assert (
        "actors incompatible: a names syria-government and b names islamic-state, "
        "with none in common (civilians alone do not count)" in d.reasons
    )


def test_unresolved_actors_do_not_block_and_say_so() -> None:
    unresolved = actor("Some armed men (synthetic)", None, Role.PERPETRATOR)
    d = match(inc("a", actors=[GOV]), inc("b", actors=[unresolved]))
    assert d.same_event
    assert (
        "actors do not block: b names only unidentified, unresolved or civilian actors "
        "(Some armed men (synthetic)), which cannot contradict syria-government in a" in d.reasons
    )
    both = match(inc("a"), inc("b", actors=[]))
    assert both.same_event
    assert any(r.startswith("actors do not block: neither record") for r in both.reasons)


def test_a_shared_actor_scores_above_an_unidentified_one() -> None:
    shared = match(inc("a", actors=[GOV]), inc("b", actors=[GOV]))
    vague = match(inc("a", actors=[GOV]), inc("b"))
    assert math.isclose(shared.score - vague.score, 0.05, abs_tol=1e-3)


# ---------------------------------------------------------------- fatalities


def test_fatalities_never_block_but_agreement_adds() -> None:
    far = match(inc("a"), inc("b", fatalities=CasualtyRange.exactly(12)))
    assert far.same_event
    assert (
        "fatality best estimates 0 and 12 differ by more than a factor of 2 "
        "(not blocking: sources disagree on counts)" in far.reasons
    )
    near = match(
        inc("a", fatalities=CasualtyRange.exactly(5)),
        inc("b", fatalities=CasualtyRange(low=4, best=10, high=15)),
    )
    assert "fatality best estimates 5 and 10 agree within a factor of 2" in near.reasons
    assert math.isclose(near.score - far.score, 0.10, abs_tol=1e-3)


# --------------------------------------------------------------- source file


def test_rows_of_one_file_never_match() -> None:
    d = match(inc("a", file="acled.csv"), inc("b", file="acled.csv"))
    assert not d.same_event
    assert d.reasons[0] == SAME_FILE_REASON
    assert SAME_FILE_REASON == (
        "same source file: its rows are distinct events by that source's own coding"
    )


def test_records_without_provenance_are_not_checked_for_file() -> None:
    d = match(inc("a", file=None), inc("b"))
    assert d.same_event
    assert d.reasons[0] == "source files not compared: no provenance for a"


# ---------------------------------------------------------------- best_match


def test_best_match_chooses_the_closer_candidate() -> None:
    incoming = inc("in")
    near, far = inc("near", lat=north(1.0)), inc("far", lat=north(6.0))
    found = best_match(incoming, [far, near])
    assert found is not None
    assert found[0].id == "near"
    assert found[1].same_event


def test_best_match_ties_go_to_the_smallest_id_and_misses_give_none() -> None:
    found = best_match(inc("in"), [inc("z"), inc("b")])
    assert found is not None and found[0].id == "b"
    assert best_match(inc("in"), [inc("x", lat=north(50.0))]) is None
    assert best_match(inc("in"), []) is None
    same_file = [inc("x", file="in.csv")]
    assert best_match(inc("in"), same_file) is None


def test_best_match_ignores_a_higher_score_that_is_blocked() -> None:
    # same place, same type, but from the incoming record's own file
    blocked = inc("a", file="in.csv")
    allowed = inc("b", lat=north(8.0))
    found = best_match(inc("in"), [blocked, allowed])
    assert found is not None and found[0].id == "b"


# ---------------------------------------------------------- candidate_window


def test_candidate_window_widens_by_the_coarsest_candidate_precision() -> None:
    assert candidate_window(inc("d")) == (date(2016, 9, 1), date(2016, 9, 30), MAX_KM[3])
    early = inc("d", date=date(2016, 9, 2))
    assert candidate_window(early) == (date(2016, 8, 30), date(2016, 9, 30), 100.0)
    week = inc("w", date=date(2016, 9, 30), time_precision=2)
    assert candidate_window(week) == (date(2016, 9, 1), date(2016, 10, 31), 100.0)
    month = inc("m", date=date(2016, 2, 15), time_precision=3)
    assert candidate_window(month) == (date(2016, 1, 29), date(2016, 3, 3), 100.0)


def test_max_km_table() -> None:
    assert MAX_KM == {1: 10.0, 2: 25.0, 3: 100.0}


# ---------------------------------------------------------------- properties

ACTOR_POOL = [
    GOV,
    UNIDENTIFIED,
    CIVILIANS,
    actor("Islamic State (Syria)", "islamic-state", Role.PERPETRATOR),
    actor("Unresolved group (synthetic)", None),
]
SUBS = [(e, s) for e, subs in EVENT_TYPE_TREE.items() for s in subs]


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    event_type, sub = draw(st.sampled_from(SUBS))
    best = draw(st.integers(0, 30))
    iid = draw(st.sampled_from(["a", "b", "c"]))
    return inc(
        iid,
        date=DAY + timedelta(days=draw(st.integers(-20, 20))),
        time_precision=draw(st.sampled_from([1, 2, 3])),
        event_type=event_type,
        sub_event_type=sub,
        actors=draw(st.lists(st.sampled_from(ACTOR_POOL), max_size=3)),
        lat=LAT + draw(st.floats(-0.3, 0.3)),
        lon=LON + draw(st.floats(-0.3, 0.3)),
        geo=draw(st.sampled_from([1, 2, 3])),
        admin1=draw(st.sampled_from([None, "Idlib", "Idleb Governorate", "Aleppo"])),
        fatalities=CasualtyRange(low=best, best=best, high=best),
        file=draw(st.sampled_from([None, "one.csv", "two.csv"])),
    )


@settings(max_examples=300, deadline=None)
@given(incidents(), incidents())
def test_match_is_symmetric(a: Incident, b: Incident) -> None:
    ab, ba = match(a, b), match(b, a)
    assert ab.same_event == ba.same_event
    assert ab.score == ba.score
    assert 0.0 <= ab.score <= 1.0


@settings(max_examples=300, deadline=None)
@given(incidents(), incidents())
def test_every_match_lies_inside_the_candidate_window(a: Incident, b: Incident) -> None:
    if match(a, b).same_event:
        first, last, km = candidate_window(a)
        assert first <= b.date <= last
        assert (
            haversine_km(
                a.location.latitude, a.location.longitude, b.location.latitude, b.location.longitude
            )
            <= km
        )
