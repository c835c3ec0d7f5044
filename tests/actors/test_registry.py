"""ActorRegistry: the shipped registry, resolution by date, principals, file errors."""

import random
import time
from datetime import date
from itertools import combinations
from pathlib import Path

import pytest

from trucewatch.actors import ActorRegistry, Resolution
from trucewatch.actors.normalize import name_key
from trucewatch.domain.actor import Actor, ActorKind, ActorName
from trucewatch.errors import InputError

REQUIRED_IDS = [
    "syria-government",
    "ndf",
    "russia",
    "iran",
    "hezbollah",
    "iran-backed-militias",
    "united-states",
    "us-led-coalition",
    "turkey",
    "israel",
    "iraq",
    "jordan",
    "united-kingdom",
    "france",
    "armed-opposition",
    "free-syrian-army",
    "ahrar-al-sham",
    "jaysh-al-islam",
    "faylaq-al-rahman",
    "faylaq-al-sham",
    "nour-al-din-al-zenki",
    "fatah-halab",
    "hawar-kilis-operations-room",
    "southern-front",
    "jaysh-al-fatah",
    "thuwar-al-sham",
    "jaysh-al-mujahideen",
    "jaysh-idlib",
    "levant-front",
    "jabhat-fateh-al-sham",
    "islamic-state",
    "jund-al-aqsa",
    "liwa-al-aqsa",
    "jaysh-khalid-ibn-al-walid",
    "sdf",
    "ypg",
    "al-qaida",
    "syrian-national-army",
    "national-front-for-liberation",
    "syrian-liberation-front",
    "jaysh-tahrir-al-sham",
    "civilians",
    "united-nations",
    "sarc",
    "icrc",
    "syria-civil-defence",
    "sohr",
    "human-rights-watch",
    "unidentified",
]

BEFORE_SPLIT = date(2016, 3, 1)  # Cessation of Hostilities, still "al-Nusra"
SEPT_TRUCE = date(2016, 9, 19)  # the day the Sept 2016 arrangement collapsed
AFTER_HTS = date(2017, 3, 1)


@pytest.fixture(scope="module")
def reg() -> ActorRegistry:
    return ActorRegistry.shipped()


# ------------------------------------------------------------- shipped file


def test_shipped_registry_loads_with_every_required_id(reg: ActorRegistry) -> None:
    assert len(reg) >= len(REQUIRED_IDS)
    missing = [i for i in REQUIRED_IDS if i not in reg]
    assert missing == []


def test_shipped_registry_is_cached() -> None:
    assert ActorRegistry.shipped() is ActorRegistry.shipped()


def test_shipped_file_passes_the_file_checks() -> None:
    from importlib import resources

    path = resources.files("trucewatch") / "data" / "actors" / "registry.yaml"
    assert len(ActorRegistry.from_file(str(path))) == len(ActorRegistry.shipped())


def test_no_two_shipped_actors_share_a_key_at_the_same_time(reg: ActorRegistry) -> None:
    by_key: dict[str, list[tuple[str, ActorName]]] = {}
    for actor in reg:
        for n in actor.names:
            by_key.setdefault(name_key(n.name), []).append((actor.id, n))
    clashes = []
    for key, owners in by_key.items():
        for (id_a, a), (id_b, b) in combinations(owners, 2):
            if id_a == id_b:
                continue
            apart = (
                a.valid_to is not None and b.valid_from is not None and a.valid_to <= b.valid_from
            ) or (
                b.valid_to is not None and a.valid_from is not None and b.valid_to <= a.valid_from
            )
            if not apart:
                clashes.append((key, id_a, id_b))
    assert clashes == []


def test_every_renaming_and_affiliation_has_a_source(reg: ActorRegistry) -> None:
    for actor in reg:
        for aff in actor.affiliations:
            assert aff.source, f"{actor.id} -> {aff.actor}"
        if any(n.valid_from or n.valid_to for n in actor.names):
            assert actor.sources or actor.affiliations, actor.id


# --------------------------------------------------------------- spellings

SPELLINGS = {
    "syria-government": [
        "Government of Syria",
        "Military Forces of Syria",
        "Military Forces of Syria (2000-)",
        "Syrian Arab Army",
        "Syrian army",
        "Syrian Arab Air Force",
        "Syrian air force",
        "Syrian regime",
        "regime forces",
        "Assad regime",
        "Syrian government",
        "syria-government",
    ],
    "us-led-coalition": [
        "US-led coalition",
        "Combined Joint Task Force – Operation Inherent Resolve",
        "CJTF-OIR",
        "international coalition",
        "coalition",
    ],
    "united-states": [
        "United States",
        "US",
        "U.S.",
        "USA",
        "Government of United States of America",
        "Pentagon",
        "US military",
        "US Department of State",
    ],
    "russia": [
        "Russia",
        "Russian Federation",
        "Government of Russia (Soviet Union)",
        "Russian Aerospace Forces",
        "Russian air force",
        "Russian Ministry of Defence",
        "Russian military",
        "Military Forces of Russia (2000-)",
    ],
    "islamic-state": [
        "IS",
        "Islamic State",
        "ISIS",
        "ISIL",
        "Daesh",
        "Islamic State of Iraq and the Levant",
        "Islamic State (Syria)",
    ],
    "armed-opposition": [
        "Syrian insurgents",
        "armed opposition",
        "rebels",
        "opposition factions",
        "Syrian opposition",
    ],
    "free-syrian-army": ["FSA", "Free Syrian Army"],
    "hawar-kilis-operations-room": ["Hawar Kilis Operations Room"],
    "syrian-national-army": ["SNA", "Syrian National Army"],
    "sdf": ["SDF", "Syrian Democratic Forces"],
    "ypg": ["YPG"],
    "iran-backed-militias": [
        "Iranian-backed militias",
        "Iran-backed militias",
        "pro-government Shiite militias",
    ],
    "ndf": ["NDF (Syria)", "National Defence Forces"],
    "iraq": ["Government of Iraq"],
    "unidentified": [
        "Unidentified Military Forces",
        "unidentified aircraft",
        "unknown",
        "Unidentified Armed Group (Syria)",
    ],
    "civilians": ["Civilians", "Civilians (Syria)"],
    "sarc": ["Syrian Arab Red Crescent", "SARC"],
    "united-nations": ["United Nations", "UN", "OCHA", "UN OCHA"],
    "syria-civil-defence": ["Syria Civil Defence", "Syrian Civil Defence", "White Helmets"],
    "sohr": ["Syrian Observatory for Human Rights", "SOHR"],
    "faylaq-al-rahman": ["Rahman Corps", "Faylaq al-Rahman", "Failaq al-Rahman"],
    "faylaq-al-sham": ["Sham Legion", "Faylaq al-Sham"],
    "levant-front": ["Levant Front", "Al-Jabha al-Shamiyyah"],
    "jaysh-tahrir-al-sham": [
        "Jaysh Tahrir al-Sham",
        "Tahrir al- Sham Army",
        "Jaish Tahrir al-Sham",
    ],
    "liwa-shuhada-al-yarmouk": ["Shohadaa al-Yarmouk"],
    "jabhat-fateh-al-sham": [
        "Jabhat al-Nusra",
        "Jabhat an-Nusra",
        "Jabhat Al Nusra",
        "jabhat nusra",
        "al-Nusra Front",
        "Nusra Front",
        "Jabhat Fateh al-Sham",
        "JFS",
        "Fateh al-Sham Front",
        "Jabhat Fatah al-Sham",
        "Hay'at Tahrir al-Sham",
        "Hayat Tahrir al Sham",
        "Hayyat Tahrir al-Sham",
        "Hayʾat Taḥrīr al-Shām",
        "HTS",
        "Tahrir al-Sham",
        "هيئة تحرير الشام",
    ],
}


@pytest.mark.parametrize(
    ("actor_id", "spelling"),
    [(actor_id, s) for actor_id, spellings in SPELLINGS.items() for s in spellings],
)
def test_every_listed_spelling_resolves(reg: ActorRegistry, actor_id: str, spelling: str) -> None:
    found = reg.resolve(spelling)
    assert found is not None, spelling
    assert found.actor_id == actor_id


def test_unknown_name_resolves_to_none(reg: ActorRegistry) -> None:
    assert reg.resolve("Army of the Moon") is None
    assert reg.resolve("") is None


def test_jaysh_tahrir_al_sham_is_not_hts(reg: ActorRegistry) -> None:
    for day in (None, SEPT_TRUCE, AFTER_HTS):
        found = reg.resolve("Jaysh Tahrir al-Sham", day)
        assert found is not None
        assert found.actor_id == "jaysh-tahrir-al-sham"


def test_government_of_iraq_is_not_the_coalition(reg: ActorRegistry) -> None:
    found = reg.resolve("Government of Iraq")
    assert found is not None
    assert found.actor_id == "iraq"
    assert "UCDP" in (reg.get("iraq").note or "")


def test_an_id_resolves_as_itself(reg: ActorRegistry) -> None:
    assert reg.resolve("syria-government") == Resolution(
        "syria-government", "syria-government", "Government of Syria", True, None
    )


# ---------------------------------------------------------- the Nusra lineage


def test_nusra_before_the_split_is_in_use(reg: ActorRegistry) -> None:
    assert reg.resolve("Jabhat al-Nusra", BEFORE_SPLIT) == Resolution(
        actor_id="jabhat-fateh-al-sham",
        matched="Jabhat al-Nusra",
        name_on_date="Jabhat al-Nusra",
        in_use=True,
        note=None,
    )


def test_jfs_during_the_september_truce(reg: ActorRegistry) -> None:
    found = reg.resolve("Jabhat Fateh al-Sham", SEPT_TRUCE)
    assert found is not None
    assert (found.actor_id, found.in_use, found.note) == ("jabhat-fateh-al-sham", True, None)


def test_old_name_still_resolves_but_is_flagged(reg: ActorRegistry) -> None:
    found = reg.resolve("Jabhat al-Nusra", SEPT_TRUCE)
    assert found == Resolution(
        actor_id="jabhat-fateh-al-sham",
        matched="Jabhat al-Nusra",
        name_on_date="Jabhat Fateh al-Sham",
        in_use=False,
        note="name 'Jabhat al-Nusra' was not in use on 2016-09-19"
        " (renamed Jabhat Fateh al-Sham on 2016-07-28)",
    )


def test_future_name_resolves_but_is_flagged(reg: ActorRegistry) -> None:
    found = reg.resolve("HTS", SEPT_TRUCE)
    assert found is not None
    assert found.actor_id == "jabhat-fateh-al-sham"
    assert found.in_use is False
    assert found.note == (
        "name 'HTS' was not in use on 2016-09-19"
        " (first used on 2017-01-28; then called Jabhat Fateh al-Sham)"
    )


def test_name_on_date_follows_the_renamings(reg: ActorRegistry) -> None:
    def name_on(day: date) -> str:
        found = reg.resolve("al-Nusra", day)
        assert found is not None
        return found.name_on_date

    assert name_on(BEFORE_SPLIT) == "Jabhat al-Nusra"
    assert name_on(SEPT_TRUCE) == "Jabhat Fateh al-Sham"
    assert name_on(AFTER_HTS) == "Hay'at Tahrir al-Sham"


def test_without_a_date_every_name_counts_as_in_use(reg: ActorRegistry) -> None:
    found = reg.resolve("HTS")
    assert found is not None
    assert (found.in_use, found.note, found.name_on_date) == (True, None, "Jabhat Fateh al-Sham")


def test_nusra_was_part_of_al_qaida_only_before_the_split(reg: ActorRegistry) -> None:
    assert reg.principals("jabhat-fateh-al-sham", BEFORE_SPLIT) == [
        "jabhat-fateh-al-sham",
        "al-qaida",
    ]
    assert reg.principals("jabhat-fateh-al-sham", SEPT_TRUCE) == ["jabhat-fateh-al-sham"]


def test_a_shared_key_goes_to_the_actor_using_it_that_day() -> None:
    reg = ActorRegistry(
        [
            Actor(
                id="old-front",
                name="Old Front",
                kind=ActorKind.REBEL_GROUP,
                names=[ActorName(name="Liwa al-Haqq", valid_to=date(2015, 1, 1))],
            ),
            Actor(
                id="new-front",
                name="New Front",
                kind=ActorKind.REBEL_GROUP,
                names=[ActorName(name="Liwa al-Haq", valid_from=date(2016, 1, 1))],
            ),
        ]
    )
    assert _id(reg.resolve("Liwa al-Haq", date(2014, 6, 1))) == "old-front"
    assert _id(reg.resolve("Liwa al-Haq", date(2017, 6, 1))) == "new-front"
    # In the gap nobody used it: the nearest use in time wins, flagged.
    gap = reg.resolve("Liwa al-Haq", date(2015, 2, 1))
    assert gap is not None
    assert (gap.actor_id, gap.in_use) == ("old-front", False)


def _id(found: Resolution | None) -> str | None:
    return None if found is None else found.actor_id


# -------------------------------------------------------------- resolve_all


def test_resolve_all_splits_ucdp_side_lists(reg: ActorRegistry) -> None:
    found = reg.resolve_all("Ahrar al-Sham, Jabhat Fateh al-Sham, Southern Front", SEPT_TRUCE)
    assert [r.actor_id for r in found] == [
        "ahrar-al-sham",
        "jabhat-fateh-al-sham",
        "southern-front",
    ]


def test_resolve_all_tries_the_whole_text_first(reg: ActorRegistry) -> None:
    found = reg.resolve_all("Rahman Corps - “Abu al-Joud al-Arbini” faction")
    assert [r.actor_id for r in found] == ["faylaq-al-rahman-abu-al-joud-al-arbini"]


def test_resolve_all_skips_empty_and_unknown_parts(reg: ActorRegistry) -> None:
    found = reg.resolve_all("SDF;; Army of the Moon, , YPG, SDF")
    assert [r.actor_id for r in found] == ["sdf", "ypg"]


# --------------------------------------------------------------- principals


def test_principals(reg: ActorRegistry) -> None:
    assert reg.principals("ypg") == ["ypg", "sdf"]
    assert reg.principals("us-led-coalition") == ["us-led-coalition", "united-states"]
    assert reg.principals("ndf") == ["ndf", "syria-government"]


def test_backing_is_not_answering_through(reg: ActorRegistry) -> None:
    assert reg.principals("iran-backed-militias") == ["iran-backed-militias"]
    assert "iran" not in reg.principals("hezbollah")
    assert "turkey" not in reg.principals("syrian-national-army")


def test_principals_are_transitive_nearest_first(reg: ActorRegistry) -> None:
    assert reg.principals("faylaq-al-rahman-abu-al-joud-al-arbini") == [
        "faylaq-al-rahman-abu-al-joud-al-arbini",
        "faylaq-al-rahman",
        "armed-opposition",
    ]


def test_principals_respect_affiliation_dates(reg: ActorRegistry) -> None:
    assert reg.principals("ypg", date(2015, 1, 1)) == ["ypg"]


def test_principals_survive_cycles() -> None:
    def actor(actor_id: str, parent: str) -> Actor:
        return Actor.model_validate(
            {
                "id": actor_id,
                "name": actor_id.upper(),
                "kind": "rebel_group",
                "affiliations": [{"relation": "part_of", "actor": parent}],
            }
        )

    reg = ActorRegistry([actor("a", "b"), actor("b", "c"), actor("c", "a")])
    assert reg.principals("a") == ["a", "b", "c"]


def test_principals_of_unknown_id_is_a_key_error(reg: ActorRegistry) -> None:
    with pytest.raises(KeyError):
        reg.principals("no-such-actor")


# ----------------------------------------------------------- the container


def test_registry_is_a_read_only_collection(reg: ActorRegistry) -> None:
    assert reg.get("sohr").kind is ActorKind.MONITOR
    assert "sohr" in reg
    assert "no-such-actor" not in reg
    assert 42 not in reg
    assert [a.id for a in reg] == reg.ids
    with pytest.raises(KeyError):
        reg.get("no-such-actor")


def test_duplicate_ids_are_refused_in_code() -> None:
    a = Actor(id="a", name="A", kind=ActorKind.OTHER)
    with pytest.raises(ValueError, match="duplicate actor id 'a'"):
        ActorRegistry([a, a])


def test_closest_suggests_ids_for_typos(reg: ActorRegistry) -> None:
    assert reg.closest("sryia-government")[0] == "syria-government"
    assert reg.closest("Jabhat al-Nusrah Front")[0] == "jabhat-fateh-al-sham"
    assert len(reg.closest("ahrar", n=2)) <= 2
    assert reg.closest("zzzzzzzzzzzz") == []


def test_resolving_100k_names_is_fast(reg: ActorRegistry) -> None:
    rng = random.Random(0)
    pool = [n.name for a in reg for n in a.names]
    pool += [p.upper() for p in pool] + [p.replace("al-", "el ") for p in pool]
    names = [rng.choice(pool) for _ in range(100_000)]
    start = time.perf_counter()
    for name in names:
        reg.resolve(name, SEPT_TRUCE)
    assert time.perf_counter() - start < 1.0


# -------------------------------------------------------------- file errors


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        ActorRegistry.from_file(path)
    return [str(p) for p in caught.value.problems]


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources: []\n"
        "actors:\n"
        "  - id: syria-government\n"
        "    name: Government of Syria\n"
        "    kind: state\n"
        "  - id: syria-government\n"
        "    name: Syrian government\n"
        "    kind: state\n",
    )
    assert messages(path) == [
        f"{path}:6: actors.1.id: duplicate id 'syria-government' (first defined at line 3)"
        " — give each actor its own id"
    ]


def test_affiliation_to_unknown_id_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "actors:\n"
        "  - id: syria-government\n"
        "    name: Government of Syria\n"
        "    kind: state\n"
        "  - id: ndf\n"
        "    name: National Defence Forces\n"
        "    kind: political_militia\n"
        "    affiliations:\n"
        "      - relation: part_of\n"
        "        actor: sryia-government\n",
    )
    assert messages(path) == [
        f"{path}:10: actors.1.affiliations.0.actor: unknown actor id 'sryia-government'"
        " — did you mean 'syria-government'?"
    ]


def test_unknown_field_is_named_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "actors:\n"
        "  - id: russia\n"
        "    name: Russia\n"
        "    kind: state\n"
        "    nmaes:\n"
        "      - {name: Russian Federation}\n",
    )
    assert messages(path) == [
        f"{path}:5: actors.0.nmaes: unknown field"
        " — remove it or check its spelling against the JSON Schema"
    ]


def test_unknown_top_level_field(tmp_path: Path) -> None:
    path = write(tmp_path, "sources: []\nactors: []\nactor: []\n")
    assert messages(path) == [f"{path}:3: actor: unknown field — use 'sources' or 'actors'"]


def test_bad_kind_and_bad_date_are_all_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "actors:\n"
        "  - id: a\n"
        "    name: A\n"
        "    kind: warlord\n"
        "  - id: b\n"
        "    name: B\n"
        "    kind: other\n"
        "    names:\n"
        "      - {name: Bee, valid_from: 2016-13-01}\n",
    )
    found = messages(path)
    assert len(found) == 2
    assert found[0].startswith(f"{path}:4: actors.0.kind: ")
    assert found[1].startswith(f"{path}:9: actors.1.names.0.valid_from: ")


def test_one_name_for_two_actors_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "actors:\n"
        "  - id: jaysh-tahrir-al-sham\n"
        "    name: Jaysh Tahrir al-Sham\n"
        "    kind: rebel_group\n"
        "  - id: hts\n"
        "    name: Hay'at Tahrir al-Sham\n"
        "    kind: rebel_group\n"
        "    names:\n"
        "      - {name: Jaish Tahrir al-Sham, valid_from: 2017-01-28}\n",
    )
    assert messages(path) == [
        f"{path}:9: actors.1: name 'Jaish Tahrir al-Sham' of 'hts' is also the name"
        " 'Jaysh Tahrir al-Sham' of 'jaysh-tahrir-al-sham' (line 3) at the same time"
        " — give the two names periods that do not overlap (valid_from / valid_to),"
        " or keep the name on one actor"
    ]


def test_one_name_for_two_actors_at_different_times_is_fine(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "actors:\n"
        "  - id: a\n"
        "    name: A\n"
        "    kind: other\n"
        "    names:\n"
        "      - {name: Old Name, valid_to: 2016-07-28}\n"
        "  - id: b\n"
        "    name: B\n"
        "    kind: other\n"
        "    names:\n"
        "      - {name: Old Name, valid_from: 2016-07-28}\n",
    )
    assert len(ActorRegistry.from_file(path)) == 2


def test_missing_file(tmp_path: Path) -> None:
    assert messages(tmp_path / "nope.yaml") == [
        f"{tmp_path / 'nope.yaml'}: file not found — check the path"
    ]
