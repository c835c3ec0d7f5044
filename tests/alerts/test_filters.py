"""Which subscriptions hear of which verified violations: party, obligation, severity, zone."""

from __future__ import annotations

from tests.alerts.conftest import AGREEMENT, CONVOY, Inbox, Mission, subscribe, use_smtp, verify

#: A strike in besieged east Aleppo, 23 Sept 2016 (40 deaths, likely Russia): two violations.
EAST_ALEPPO = "case:TW-SYR-0032"


def test_filters_pick_the_findings_they_name(mission: Mission, inbox: Inbox) -> None:
    use_smtp(mission, inbox)
    filters = {
        "russia": {"party": "russia"},
        "opposition": {"party": "armed-opposition"},
        "access": {"obligation": "humanitarian-access"},
        "toll21": {"min_fatalities": 21},
        "toll22": {"min_fatalities": 22},
        "zone": {"zone": "east-aleppo"},
    }
    for name, f in filters.items():
        subscribe(mission, channel="email", target=f"{name}@example.org", agreement=AGREEMENT, **f)
    subscribe(mission, channel="email", target="every@example.org")  # every agreement
    liaison = subscribe(mission, "liaison1", channel="email", target="gov@example.org")
    assert liaison["party"] == "syria-government"  # a liaison's own party, always

    def count() -> dict[str, int]:
        names = [*filters, "every", "gov"]
        return {n: len(inbox.to(f"{n}@example.org")) for n in names}

    verify(mission, CONVOY)
    # The convoy: 3 violations of the Sept agreement, contested between the
    # Syrian government and Russia; 21 deaths; outside east Aleppo.
    assert count() == {
        "russia": 3,
        "opposition": 0,
        "access": 1,
        "toll21": 3,
        "toll22": 0,
        "zone": 0,
        # every shipped agreement: the Sept arrangement's 3, and 2 under the
        # Feb 2016 cessation of hostilities (the Dec agreements: not in force)
        "every": 5,
        "gov": 5,
    }
    feb = [m["Subject"] for m in inbox.to("every@example.org") if "2016-02" in m["Subject"]]
    assert len(feb) == 2

    verify(mission, EAST_ALEPPO)
    assert count() == {
        "russia": 5,
        "opposition": 0,
        "access": 1,
        "toll21": 5,
        "toll22": 2,
        "zone": 2,
        # 2 under the Sept arrangement, 1 (cease-attacks) under the Feb cessation
        "every": 5 + 3,
        # the government's side is named (Russia is its ally): the liaison hears of it
        "gov": 5 + 3,
    }
    [zone_mail, *_] = inbox.to("zone@example.org")
    assert EAST_ALEPPO in zone_mail["Subject"]
