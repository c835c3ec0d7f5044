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

# Territorial outcomes (ACLED Battles sub-event types): the actor that gained
# ground is what a "no offensive operations to gain territory" obligation asks.
TERRITORY_GAINS: tuple[str, ...] = (
    "Government regains territory",
    "Non-state actor overtakes territory",
)

# Weapon classes an obligation can name (withdrawal lines, heavy-weapon bans).
# ACLED has no weapon column; an incident carries its weapon as a tag
# ``weapon:<class>`` in the ACLED ``tags`` column (e.g. ``weapon:mlrs``), and a
# sighting of a weapon (no fire) is ``Strategic developments`` / ``Other`` with
# that tag, located where the weapon was seen.  The classes follow the
# categories withdrawal agreements use (the Minsk Package of 12 Feb 2015 sets
# distances for artillery of 100 mm and over, MLRS, and the heavy MLRS and
# tactical missiles); a weapon is tagged with every class it belongs to.
WEAPON_CLASSES: dict[str, str] = {
    "artillery-100mm-plus": "tube artillery of calibre 100 mm and over (howitzers, guns, "
    "anti-tank guns), towed or self-propelled",
    "artillery-under-100mm": "tube artillery under 100 mm",
    "mortar": "mortars of any calibre",
    "mortar-120mm": "mortars of 120 mm",
    "mlrs": "multiple launch rocket systems (e.g. BM-21 Grad), other than the heavy ones",
    "mlrs-heavy": "heavy multiple launch rocket systems: Tornado-S, BM-27 Uragan, BM-30 Smerch",
    "tactical-missile": "tactical missile systems (e.g. Tochka, Tochka-U)",
    "tank": "main battle tanks",
    "armoured-vehicle": "armoured combat vehicles other than tanks",
    "air-defence": "air-defence systems",
    "combat-aircraft": "fixed-wing combat aircraft and attack helicopters",
}
WEAPON_TAG_PREFIX = "weapon:"
