"""load → dump → load of an agreement is lossless (hypothesis).

Agreements are generated from small pools of real registry ids and the ACLED
vocabulary; they are synthetic structures, not real agreements.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import dump_agreement, parse_agreement
from trucewatch.domain import (
    AccessCommitment,
    ActPattern,
    Agreement,
    Commitment,
    EventObligation,
    Exemption,
    Phase,
    Side,
    Zone,
)
from trucewatch.domain.agreement import Circle, Route, ZoneKind
from trucewatch.domain.vocabulary import EVENT_TYPES, KNOWN_TAGS, SUB_EVENT_TYPES

ids = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5})?", fullmatch=True)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
GOV = ["syria-government", "russia", "iran", "hezbollah"]
OPP = ["armed-opposition", "ahrar-al-sham", "jaysh-al-islam"]
EXCLUDED = ["islamic-state", "jabhat-fateh-al-sham"]


@st.composite
def agreements(draw: st.DrawFn) -> Agreement:
    tz = timezone(timedelta(hours=draw(st.integers(-5, 5))))
    start = datetime(2016, 1, 1, tzinfo=tz) + timedelta(minutes=draw(st.integers(0, 10**6)))
    n_phases = draw(st.integers(1, 3))
    phase_ids = draw(st.lists(ids, min_size=n_phases, max_size=n_phases, unique=True))
    phases = [Phase(id=phase_ids[0], start=start, days=draw(st.none() | st.integers(1, 30)))]
    for i in range(1, n_phases):
        phases.append(Phase(id=phase_ids[i], after=phase_ids[i - 1], days=draw(st.integers(1, 9))))
    if phases[0].days is None and n_phases > 1:
        phases[0] = Phase(id=phase_ids[0], start=start, days=7)
    zone_ids = draw(st.lists(ids, max_size=3, unique=True))
    zones = []
    for zid in zone_ids:
        shape = draw(st.sampled_from(["admin", "circle", "route"]))
        zones.append(
            Zone(
                id=zid,
                kind=draw(st.sampled_from(list(ZoneKind))),
                admin1=["Idlib", "Aleppo"] if shape == "admin" else [],
                around=Circle(latitude=36.2, longitude=37.1, radius_km=draw(st.floats(0.1, 50)))
                if shape == "circle"
                else None,
                route=Route(points=[(36.28, 37.08), (36.24, 37.10)], buffer_km=1.5)
                if shape == "route"
                else None,
                population=draw(st.none() | st.integers(0, 10**6)),
                approximate=draw(st.booleans()),
                note=draw(st.none() | text),
            )
        )
    excluded = draw(st.lists(st.sampled_from(EXCLUDED), unique=True))
    obligations: list[EventObligation | Commitment] = []
    for oid in draw(st.lists(ids, min_size=1, max_size=3, unique=True)):
        binds = draw(
            st.lists(st.sampled_from(["government", "opposition"]), min_size=1, unique=True)
        )
        if draw(st.booleans()):
            obligations.append(Commitment(id=oid, binds=binds, commitment=draw(text) or "x"))
            continue
        pattern = ActPattern(
            event_type=draw(
                st.lists(st.sampled_from(sorted(EVENT_TYPES)), max_size=2, unique=True)
            ),
            sub_event_type=draw(
                st.lists(st.sampled_from(sorted(SUB_EVENT_TYPES)), max_size=2, unique=True)
            ),
            tags=draw(
                st.lists(st.sampled_from(sorted(KNOWN_TAGS)), min_size=1, max_size=2, unique=True)
            ),
        )
        exemptions = []
        within = draw(st.lists(st.sampled_from(zone_ids), unique=True)) if zone_ids else []
        targets = "excluded" if excluded and draw(st.booleans()) else None
        if within or targets:
            exemptions.append(Exemption(within=within, targets=targets))
        obligations.append(
            EventObligation(
                id=oid,
                binds=binds,
                prohibits=[pattern],
                exemptions=exemptions,
                phases=draw(st.lists(st.sampled_from(phase_ids), unique=True)),
                title=draw(st.none() | text),
            )
        )
    return Agreement(
        id=draw(ids),
        title=draw(text) or "t",
        signed=draw(st.dates(date(1990, 1, 1), date(2030, 1, 1))),
        timezone="Asia/Damascus",
        sources=[draw(text) or "s"],
        brokers=draw(st.lists(st.sampled_from(["united-states", "turkey"]), unique=True)),
        sides={
            "government": Side(members=GOV[:1], allies=GOV[1 : draw(st.integers(1, 4))]),
            "opposition": Side(members=OPP[: draw(st.integers(1, 3))]),
        },
        excluded=excluded,
        phases=phases,
        zones=zones,
        obligations=obligations,
        access=[AccessCommitment(id="acc", areas=zone_ids[:1], people=250000)],
    )


@settings(max_examples=60, deadline=None)
@given(agreement=agreements())
def test_load_dump_load_is_lossless(agreement: Agreement, actors: ActorRegistry) -> None:
    first = parse_agreement(dump_agreement(agreement), name="gen.yaml", actors=actors)
    assert first == agreement
    second = parse_agreement(dump_agreement(first), name="gen.yaml", actors=actors)
    assert second == first
