"""ACLED's event vocabulary, unchanged: 6 event types and 25 sub-event types.

Source: ACLED's own R package (dtacled/acledR, event_types article), as
restated in REFERENCE.md §2.2.  We keep ACLED's spelling exactly so that
exports go back into ACLED-aware tools unchanged.
"""

from __future__ import annotations

EVENT_TYPE_TREE: dict[str, tuple[str, ...]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Violence against civilians": (
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
    ),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protestors",
    ),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}

EVENT_TYPES: frozenset[str] = frozenset(EVENT_TYPE_TREE)
SUB_EVENT_TYPES: frozenset[str] = frozenset(s for subs in EVENT_TYPE_TREE.values() for s in subs)
EVENT_TYPE_OF: dict[str, str] = {s: e for e, subs in EVENT_TYPE_TREE.items() for s in subs}

# disorder_type per event type (ACLED codebook).
DISORDER_TYPE: dict[str, str] = {
    "Battles": "Political violence",
    "Violence against civilians": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}

# One-sided event types: ACLED codes the acting party as actor1 (the attacker,
# the arresting force, the obstructing party).  Battles have no direction.
ONE_SIDED_EVENT_TYPES: frozenset[str] = frozenset(
    {"Explosions/Remote violence", "Violence against civilians", "Strategic developments"}
)

# Our tags (DESIGN.md): carried in ACLED's `tags` column, ';'-separated.
KNOWN_TAGS: frozenset[str] = frozenset(
    {
        "humanitarian_aid",
        "medical",
        "evacuation",
        "civilians",
        "siege",
        "obstruction",
        "children",
    }
)
