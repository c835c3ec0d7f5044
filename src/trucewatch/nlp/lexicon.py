"""The words extraction looks for: event triggers, actor descriptors, quantities.

These are trucewatch's coding rules, not facts about events: how an English
news sentence's wording maps to ACLED's event types and to registry actors.
They are general (no rule names an article), and every one can be read here.
"""

from __future__ import annotations

#: Trigger lemmas/phrases (lower case) → (event_type, sub_event_type, tags).
#: Checked in this order; the first that matches a sentence decides its type.
#: Bare "bomb(s)/bombing/bombed" are read as aerial bombing, as Syria reporting
#: uses them; a bomb attack on the ground is written "car bomb", "bomb blast",
#: "explosion", "bomber".
EVENT_TRIGGERS: list[tuple[tuple[str, ...], str, str, tuple[str, ...]]] = [
    (
        ("chemical", "chlorine", "sarin", "toxic gas", "poison gas", "nerve agent", "gas attack"),
        "Explosions/Remote violence",
        "Chemical weapon",
        (),
    ),
    (
        (
            "suicide bomb",
            "suicide bombs",
            "suicide bomber",
            "suicide bombers",
            "suicide bombing",
            "suicide attack",
            "suicide car bomb",
        ),
        "Explosions/Remote violence",
        "Suicide bomb",
        (),
    ),
    (
        (
            "car bomb",
            "bomb blast",
            "explosion",
            "explosions",
            "blast",
            "explosive device",
            "ied",
            "landmine",
            "booby-trapped",
            "booby trapped",
            "exploded",
            "detonated",
            "bomber",
            "bombers",
        ),
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        (),
    ),
    (
        (
            "air strike",
            "airstrike",
            "air raid",
            "airraid",
            "warplane",
            "warplanes",
            "jets",
            "aircraft",
            "helicopter",
            "helicopters",
            "barrel bomb",
            "barrel bombs",
            "bombardment",
            "raids",
            "air strikes",
            "airstrikes",
            "air raids",
            "drone strike",
            "bombed",
            "bombing",
            "bombings",
            "bombs",
            "aerial",
            "strike",
            "strikes",
        ),
        "Explosions/Remote violence",
        "Air/drone strike",
        (),
    ),
    (
        (
            "shelling",
            "shells",
            "shelled",
            "mortar",
            "mortars",
            "rocket",
            "rockets",
            "artillery",
            "missile",
            "missiles",
            "shell",
        ),
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
        (),
    ),
    (
        ("executed", "execution", "executions", "beheaded", "beheading"),
        "Violence against civilians",
        "Attack",
        ("execution",),
    ),
    (
        ("sniper", "shot dead", "shot and killed", "gunmen", "opened fire", "gunfire", "shooting"),
        "Violence against civilians",
        "Attack",
        ("shooting",),
    ),
    (
        ("siege broken", "broke the siege", "break the siege", "broken the siege"),
        "Battles",
        "Armed clash",
        ("siege",),
    ),
    (
        ("clashes", "fighting", "battle", "battles", "clashed", "offensive", "assault"),
        "Battles",
        "Armed clash",
        (),
    ),
    (
        (
            "convoy blocked",
            "convoy was stopped",
            "convoy stopped",
            "blocked the convoy",
            "stopped the convoy",
            "denied access",
            "awaiting permission",
        ),
        "Strategic developments",
        "Other",
        ("humanitarian_aid", "obstruction"),
    ),
    (
        ("evacuation", "evacuated", "evacuees"),
        "Strategic developments",
        "Other",
        ("evacuation",),
    ),
    # Last resort: a killing or attack with no weapon named.  It makes an incident
    # (reports like "the army killed 28 militants" have no weapon word) but
    # yields its type to any weapon word in the sentences that join it.
    (
        ("kills", "killed", "kill", "killing", "ambush", "ambushed", "attacked", "attack"),
        "Battles",
        "Armed clash",
        ("weapon_unstated",),
    ),
]
#: Index of the last-resort trigger above.
GENERIC_TRIGGER = len(EVENT_TRIGGERS) - 1
#: Trigger words too loose to decide an incident's type when a sentence joining
#: it names a weapon: "Bombs kill 22" then "a double suicide bomb attack".
WEAK_TRIGGERS = frozenset({"bomb", "bombs", "bombing", "bombings", "bombed", "strike", "strikes"})

#: Words that mark what was hit → extra tags.
TARGET_TAGS: dict[str, str] = {
    "convoy": "humanitarian_aid",
    "aid": "humanitarian_aid",
    "hospital": "medical",
    "clinic": "medical",
    "medical": "medical",
    "market": "civilians",
    "school": "civilians",
    "bakery": "civilians",
    "civilians": "civilians",
    "children": "civilians",
    "siege": "siege",
    "besieged": "siege",
}

#: Descriptors news uses for actors that are not names (registry ids).
#: trucewatch's coding convention; ambiguous words ("jihadists", "Kurdish")
#: are deliberately left out rather than guessed.
DESCRIPTORS: dict[str, str] = {
    "regime": "syria-government",
    "government": "syria-government",
    "pro-government": "syria-government",
    "loyalist": "syria-government",
    "syrian army": "syria-government",
    "army": "syria-government",
    "russian": "russia",
    "russians": "russia",
    "moscow": "russia",
    "american": "united-states",
    "washington": "united-states",
    "coalition": "us-led-coalition",
    "u.s.-led": "us-led-coalition",
    "us-led": "us-led-coalition",
    "turkish": "turkey",
    "ankara": "turkey",
    "iranian": "iran",
    "rebel": "armed-opposition",
    "rebels": "armed-opposition",
    "insurgents": "armed-opposition",
    "opposition": "armed-opposition",
    "isis": "islamic-state",
    "isil": "islamic-state",
    "daesh": "islamic-state",
    "jihadist group": "islamic-state",
    "nusra": "jabhat-fateh-al-sham",
    "al-nusra": "jabhat-fateh-al-sham",
    "kurdish-led": "sdf",
    # Who flies and fires in Syria: "Syrian" qualifying aircraft or forces is the state.
    "syrian forces": "syria-government",
    "syrian troops": "syria-government",
    "syrian arab army": "syria-government",
    "syrian air force": "syria-government",
    "syrian arab air force": "syria-government",
    "syrian warplanes": "syria-government",
    "syrian war planes": "syria-government",
    "syrian fighter jets": "syria-government",
    "syrian helicopter": "syria-government",
    "russian fighter jets": "russia",
    "russian war planes": "russia",
    "syrian jets": "syria-government",
    "syrian aircraft": "syria-government",
    "syrian helicopters": "syria-government",
    "syrian air raids": "syria-government",
    "syrian air strikes": "syria-government",
    "syrian airstrikes": "syria-government",
    "government forces": "syria-government",
    "assad forces": "syria-government",
    "pro-assad": "syria-government",
    # Kurdish *armed forces* in Syria are the YPG (within the SDF); bare "Kurdish" stays out.
    "kurdish forces": "ypg",
    "kurdish fighters": "ypg",
    "kurdish militia": "ypg",
    "kurdish militias": "ypg",
    "kurdish militiamen": "ypg",
    "kurdish militants": "ypg",
    "kurds": "ypg",
    "assad": "syria-government",
    "assads": "syria-government",
    "assad's": "syria-government",
    # The opposition's political body, not the US-led coalition.
    "syrian coalition": "syrian-national-coalition",
    "national coalition": "syrian-national-coalition",
}

#: Registry actors that speak but do not fight: claimants, never perpetrators.
POLITICAL_BODIES = frozenset({"syrian-national-coalition"})

#: Short descriptors that are ordinary words in lower case ("us", "is"): matched
#: only as written.
CASED_DESCRIPTORS: dict[str, str] = {
    "US": "united-states",
    "U.S.": "united-states",
    "IS": "islamic-state",
    "U.S.-led": "us-led-coalition",
    "US-led": "us-led-coalition",
}

#: Monitors and outlets that report; as claimants they are kept, as perpetrators never.
REPORTERS = frozenset(
    {
        "syrian observatory for human rights",
        "observatory",
        "sohr",
        "monitor",
        "state media",
        "sana",
        "white helmets",
        "civil defence",
        "civil defense",
        "activists",
        "medics",
    }
)

NUMBER_WORDS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    **{
        f"{tens}-{unit}": t + u
        for tens, t in (
            ("twenty", 20),
            ("thirty", 30),
            ("forty", 40),
            ("fifty", 50),
            ("sixty", 60),
            ("seventy", 70),
            ("eighty", 80),
            ("ninety", 90),
        )
        for unit, u in (
            ("one", 1),
            ("two", 2),
            ("three", 3),
            ("four", 4),
            ("five", 5),
            ("six", 6),
            ("seven", 7),
            ("eight", 8),
            ("nine", 9),
        )
    },
    "a hundred": 100,
    "hundred": 100,
    "a dozen": 12,
    "dozen": 12,
}

#: Vague quantities → (low, best, high): a reading, stated here, of words that give no number.
VAGUE: dict[str, tuple[int, int, int]] = {
    "dozens": (24, 24, 99),
    "scores": (40, 40, 99),
    "hundreds": (200, 200, 999),
    "several": (3, 3, 9),
    "a number of": (2, 2, 9),
}

#: Places where talks happen or outlets file from: never incident locations.
NOT_INCIDENT_PLACES = frozenset(
    {
        "geneva",
        "new york",
        "vienna",
        "astana",
        "lausanne",
        "munich",
        "moscow",
        "washington",
        "beirut",
        "amman",
        "istanbul",
        "gaziantep",
        "ankara",
        "brussels",
        "london",
        "paris",
    }
)

#: Country names, demonyms and capitals (lower case) by ISO code: an article is
#: read against the gazetteer of the country it names most (see
#: ``Extractor._gazetteer_for``).  Only countries the shipped gazetteer covers
#: need an entry; others fall back to every place.
COUNTRY_WORDS: dict[str, tuple[str, ...]] = {
    "SY": ("syria", "syrian", "syrians", "syrias", "damascus", "aleppo"),
    "UA": ("ukraine", "ukrainian", "ukrainians", "ukraines", "kyiv", "kiev", "donbas", "donbass"),
}

#: Regions news names that are not settlements, by governorate (OCHA code and
#: name as in ``geo.admin_names.GOVERNORATES``): an incident there is located
#: at governorate level (geo_precision 3), with no coordinates.
REGIONS: dict[str, str] = {
    "ghouta": "SY03 Rural Damascus",
    "eastern ghouta": "SY03 Rural Damascus",
    "east ghouta": "SY03 Rural Damascus",
    "east ghota": "SY03 Rural Damascus",
    "eastern ghota": "SY03 Rural Damascus",
    "western ghouta": "SY03 Rural Damascus",
    "qalamoun": "SY03 Rural Damascus",
    "qalamon": "SY03 Rural Damascus",
    "qalmoun": "SY03 Rural Damascus",
    "qalamun": "SY03 Rural Damascus",
    "wadi barada": "SY03 Rural Damascus",
    "damascus countryside": "SY03 Rural Damascus",
    "rural damascus": "SY03 Rural Damascus",
    "hauran": "SY12 Dar'a",
    "houran": "SY12 Dar'a",
}

#: Words after a place name that make it stand for a government or its
#: people ("Damascus said", "Ankara's offensive"): then it is not a location.
METONYMY_AFTER = (
    "said",
    "says",
    "say",
    "announced",
    "accused",
    "accuses",
    "denied",
    "denies",
    "promises",
    "promised",
    "claims",
    "claimed",
    "insists",
    "insisted",
    "warned",
    "warns",
    "government",
    "regime",
    "authorities",
    "officials",
    "rejected",
    "agreed",
    "wants",
    "backed",
    "backs",
)
