"""News article → draft incidents and claims, offline, with no statistical model.

The pipeline is spaCy's blank English tokenizer and sentence splitter with
PhraseMatchers over the actor registry's names (plus the descriptors of
``lexicon``), the gazetteer's place names and the event triggers; claims,
dates and casualties are read from each sentence with patterns.  If a
statistical English model is installed (``en_core_web_sm``), its GPE/LOC
entities add place candidates; none is ever required or downloaded.

What comes out is a **draft** for an analyst: every incident carries the
sentence(s) it came from, every claim its text, and nothing is stored as
verified.  The output follows the ``trucewatch extract`` JSON contract of
../shared/DESIGN.md.

Rules, in brief:

* An incident is a sentence with an event trigger (air strike, shelling,
  explosion, clashes, execution …) and a place or a casualty count; sentences
  naming the same place on the same day join it.  The article's first such
  sentence (title first) gives the main incident.
* Its place is the first gazetteer place in the incident's sentences that is
  not in the dateline ("BEIRUT (AFP) —") nor a place where talks happen; a
  name with several candidates is chosen by the governorates other places in
  the article name, else left ambiguous (no coordinates).
* Its perpetrator is the actor named as doing the act (an actor or descriptor
  right before the trigger, or after "by"); a monitor ("the Observatory") never.
* Casualties: "N (people|civilians|children|…) (were) killed", "killing N …",
  "N dead", "death toll … N"; "at least N" is open above (low = best = high = N);
  vague words use the readings in ``lexicon.VAGUE``.  An incident's toll is its
  first sentence's.
* Places are looked up among the places of the country the article names most;
  a match that ends in a particle, cuts a hyphen, overlaps an actor or stands
  for a government ("Damascus said") is not a place.
* Who died, who holds a place ("rebel-held") and what was hit are never the
  perpetrator; the subject of "kill(s) N" and the owner of a weapon word
  ("Russian airstrikes") are.

docs/nlp.md lists every rule and the error classes on FA-KES that led to them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from trucewatch.actors import ActorRegistry
from trucewatch.geo.admin_names import GOVERNORATES, canonical_admin1
from trucewatch.geo.gazetteer import Gazetteer, Place
from trucewatch.geo.geocode import geocode
from trucewatch.geo.names import ARTICLES, place_key, skeleton
from trucewatch.nlp.articles import is_english
from trucewatch.nlp.casualties import Casualties, read_casualties
from trucewatch.nlp.claims import read_claims
from trucewatch.nlp.dates import resolve_date
from trucewatch.nlp.lexicon import (
    CASED_DESCRIPTORS,
    COUNTRY_WORDS,
    DESCRIPTORS,
    EVENT_TRIGGERS,
    GENERIC_TRIGGER,
    METONYMY_AFTER,
    NOT_INCIDENT_PLACES,
    POLITICAL_BODIES,
    REGIONS,
    REPORTERS,
    TARGET_TAGS,
    WEAK_TRIGGERS,
)

#: Capitalised sentence-initial words that are never places.
_COMMON = frozenset({"the", "a", "an", "in", "on", "at", "it", "he", "she", "they", "this", "but"})
MAX_CHARS = 200_000  # an article longer than this is cut (and says so): news is never this long
_DATELINE = re.compile(
    r"^\s*([A-Z][A-Z .'-]{2,40})(?:,\s*[A-Za-z .'-]+)?\s*(?:\([^)]{1,40}\))?\s*[-–—:]"
)


@dataclass
class _Mention:
    start: int  # character offsets in the text
    end: int
    text: str
    kind: str  # "actor", "place", "trigger"
    value: str  # actor id, place key, trigger index


@dataclass
class _Draft:
    sentences: list[str] = field(default_factory=list)
    trigger: int = 0
    weak: bool = False  # decided by a loose word (WEAK_TRIGGERS or the last-resort trigger)
    place: Place | None = None
    place_name: str | None = None
    ambiguous: list[Place] = field(default_factory=list)
    perpetrator: tuple[str, str] | None = None
    casualties: Casualties | None = None
    date: tuple[date, str] | None = None
    tags: set[str] = field(default_factory=set)
    indices: list[int] = field(default_factory=list)
    region: str | None = None  # a governorate only (geo_precision 3)


class Extractor:
    """The spaCy pipeline and matchers, built once; :meth:`extract` per article."""

    def __init__(
        self, actors: ActorRegistry | None = None, gazetteer: Gazetteer | None = None
    ) -> None:
        import spacy
        from spacy import attrs
        from spacy.matcher import PhraseMatcher

        #: Token attributes _place_ngrams reads, as one array per article.
        self._token_attrs = [
            attrs.IDX,
            attrs.LENGTH,
            attrs.IS_TITLE,
            attrs.IS_UPPER,
            attrs.SENT_START,
            attrs.IS_PUNCT,
            attrs.IS_SPACE,
            attrs.IS_STOP,
        ]

        self.actors = actors or ActorRegistry.shipped()
        # Actors that can do violence: not civilians, aid agencies, monitors or media.
        self.armed = frozenset(
            a.id
            for a in self.actors
            if a.kind.value not in ("civilians", "humanitarian", "monitor", "media")
            and a.id not in POLITICAL_BODIES
        )
        self.gazetteer = gazetteer or Gazetteer.shipped()
        self._countries: dict[str, Gazetteer] = {}
        self._firsts: dict[int, frozenset[str]] = {}
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        self.model = _statistical_model()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.cased = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self._values: dict[int, tuple[str, str]] = {}
        names: dict[str, str] = {}
        for actor in self.actors:
            for n in actor.names:
                names.setdefault(n.name.lower(), actor.id)
        names.update({k: v for k, v in DESCRIPTORS.items() if k not in names})
        self._add("actor", {k: v for k, v in names.items() if len(k) > 2 or k in DESCRIPTORS})
        self._add(
            "place",
            {
                n.lower(): n.lower()
                for p in self.gazetteer.places
                for n in p.all_names
                if len(n) > 3 and n.lower() not in DESCRIPTORS
            }
            | {v.lower(): v.lower() for variants in GOVERNORATES.values() for v in variants},
        )
        self._add("place", {name: f"region:{code}" for name, code in REGIONS.items()})
        self._add(
            "trigger",
            {w: str(i) for i, (words, *_rest) in enumerate(EVENT_TRIGGERS) for w in words},
        )
        for text, actor_id in CASED_DESCRIPTORS.items():
            key = self.nlp.vocab.strings.add(f"cased:{actor_id}")
            self.cased.add(f"cased:{actor_id}", [self.nlp.make_doc(text)])
            self._values[key] = ("actor", actor_id)

    def _add(self, kind: str, phrases: dict[str, str]) -> None:
        by_value: dict[str, list[str]] = {}
        for phrase, value in phrases.items():
            by_value.setdefault(value, []).append(phrase)
        for value, items in by_value.items():
            label = f"{kind}:{value}"
            key = self.nlp.vocab.strings.add(label)
            self.matcher.add(label, [self.nlp.make_doc(t) for t in items])
            self._values[key] = (kind, value)

    def extract(self, text: str, published: date) -> dict[str, Any]:
        """The JSON contract for one article (see the module docstring)."""
        text = text.replace("\x00", " ")[:MAX_CHARS]
        if not is_english(text):
            return {"published": published.isoformat(), "incidents": [], "actors": [], "places": []}
        doc = self.nlp(text)
        gaz = self._gazetteer_for(text)
        dateline_end = _dateline_end(text)
        mentions = [
            m
            for m in self._mentions(doc, text, gaz)
            if m.start >= dateline_end
            and (
                m.kind != "place"
                or _governorate_key(m.text) in _GOVERNORATE_KEYS
                or m.value.startswith("region:")
                or gaz is self.gazetteer
                or _known_in(gaz, m.text)
            )
        ]
        sentences = [
            (s.start_char, s.end_char, s.text.strip()) for s in doc.sents if s.text.strip()
        ]
        region = _regions(mentions)
        drafts: list[_Draft] = []
        for index, (start, end, sentence) in enumerate(sentences):
            inside = [m for m in mentions if start <= m.start < end]
            triggers = [m for m in inside if m.kind == "trigger"]
            if not triggers:
                continue
            draft = self._draft(
                sentence,
                inside,
                triggers,
                start,
                dateline_end,
                region,
                published,
                gaz,
                headline=index == 0,
            )
            if draft is None:
                continue
            draft.indices = [index]
            same = next((d for d in drafts if _same_incident(d, draft)), None)
            if same is None:
                drafts.append(draft)
            else:
                _merge(same, draft)
        fallback = self._article_place(mentions, region, gaz)
        for d in drafts:
            if d.place is None and d.place_name is None and fallback is not None:
                d.place, d.place_name, d.region = fallback[0], fallback[1], fallback[2]
        if drafts and drafts[0].perpetrator is None:
            # The lead repeats the headline's event with details: the next drafts of the same
            # kind of attack, if they name who did it, name who did the main one.
            lead = [d for d in drafts[1:4] if d.trigger == drafts[0].trigger and d.perpetrator]
            if lead:
                drafts[0].perpetrator = lead[0].perpetrator
        if drafts and drafts[0].perpetrator is None and sentences:
            drafts[0].perpetrator = self._headline_actor(sentences[0], mentions)
        claims = read_claims(sentences, mentions, self.actors)
        if drafts and drafts[0].perpetrator is None:
            # Nobody named as doing it, but someone admits it ("IS claimed responsibility").
            admitted = [
                c["claimant"]
                for c in claims
                if c["kind"] == "admits" and c["claimant"]["id"] in self.armed
            ]
            if admitted:
                drafts[0].perpetrator = admitted[0]["id"], admitted[0]["name"]
        return _contract(published, drafts, claims, mentions, self.actors, gaz)

    def _gazetteer_for(self, text: str) -> Gazetteer:
        """The places of the country the article is about, else every shipped place.

        The shipped gazetteer covers several countries; a Syrian report's
        "Human Rights" must not be read as Uman in Ukraine.  The country is the
        one whose name and demonyms (``lexicon.COUNTRY_WORDS``) the article uses
        most; an article naming none is read against every place.
        """
        counts = Counter(
            code
            for word in _COUNTRY_WORD.findall(text[:20_000].lower())
            for code in _COUNTRY_OF_WORD.get(word, ())
        )
        if not counts:
            return self.gazetteer
        (code, n), *rest = counts.most_common(2)
        if rest and rest[0][1] == n:
            return self.gazetteer
        if code not in self._countries:
            mine = [p for p in self.gazetteer.places if p.country == code]
            self._countries[code] = Gazetteer(mine) if mine else self.gazetteer
        return self._countries[code]

    def _headline_actor(
        self, headline: tuple[int, int, str], mentions: list[_Mention]
    ) -> tuple[str, str] | None:
        """The armed actor a headline names, for a main incident whose sentence names none.

        Headlines name who did it ("Regime air strikes kill 20 in Idlib") more
        often than the body's first sentence of the act does.  Only one armed
        actor may be named there; two (or none) leave it unnamed.
        """
        start, end, text = headline
        low = text.lower()
        named = {
            m.value: m.text
            for m in mentions
            if m.kind == "actor"
            and start <= m.start < end
            and m.value in self.armed
            and m.text.lower() not in REPORTERS
            and _can_be_agent(low, m.start - start, m.end - start)
        }
        return next(iter(named.items())) if len(named) == 1 else None

    def _article_place(
        self, mentions: list[_Mention], region: set[str], gaz: Gazetteer
    ) -> tuple[Place | None, str, str | None] | None:
        """Where the article as a whole is: its first unambiguous place, else its governorate.

        Used for incidents whose own sentences name no place (a report's
        second sentence, a title without a town).
        """
        for m in mentions:
            if m.kind != "place" or m.value in NOT_INCIDENT_PLACES:
                continue
            result = geocode(gaz, m.text)
            if result.place is not None:
                return result.place, m.text, None
        for m in mentions:
            if m.kind == "place":
                code = _region_code(m)
                if code:
                    return None, m.text, code
        if len(region) == 1:
            code = next(iter(region))
            return None, code.split(" ", 1)[1], code
        return None

    def _mentions(self, doc: Any, text: str, gaz: Gazetteer) -> list[_Mention]:
        """Actor, place and trigger matches in ``doc`` (whose text is ``text``: spaCy
        rebuilds ``doc.text`` from the tokens on every access)."""
        found: list[_Mention] = []
        for matcher in (self.matcher, self.cased):
            for key, s, e in matcher(doc):
                kind, value = self._values[key]
                span = doc[s:e]
                found.append(_Mention(span.start_char, span.end_char, span.text, kind, value))
        found += self._place_ngrams(doc, text, gaz)
        if self.model is not None:
            for ent in self.model(text).ents:
                if ent.label_ in ("GPE", "LOC"):
                    found.append(
                        _Mention(ent.start_char, ent.end_char, ent.text, "place", ent.text.lower())
                    )
        # Longest match wins where matches overlap (e.g. "Deir ez-Zor airport" over "Deir ez-Zor").
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[_Mention] = []
        for m in found:
            if kept and m.start < kept[-1].end and m.kind == kept[-1].kind:
                continue
            kept.append(m)
        actors = [m for m in kept if m.kind == "actor"]
        return [m for m in kept if m.kind != "place" or _is_place_reference(m, text, actors)]

    def _first_words(self, gaz: Gazetteer) -> frozenset[str]:
        """Skeletons of the first word of every name a gazetteer (or the governorates) knows."""
        key = id(gaz)
        if key not in self._firsts:
            names = [n for p in gaz.places for n in p.all_names]
            names += [v for vs in GOVERNORATES.values() for v in vs]
            names += [code.split(" ", 1)[1] for code in GOVERNORATES]
            self._firsts[key] = frozenset(
                skeleton(words[0]) for n in names if (words := place_key(n).split())
            )
        return self._firsts[key]

    def _place_ngrams(self, doc: Any, text: str, gaz: Gazetteer) -> list[_Mention]:
        """Capitalised word groups the gazetteer knows by any spelling (up to four words).

        The consonant-skeleton match is only tried on groups of two or more
        words, where a chance collision with an ordinary name is unlikely.
        """
        out: list[_Mention] = []
        # Token attributes as one array: spaCy builds a Python Token object on every access.
        rows = doc.to_array(self._token_attrs).tolist()
        toks = [
            (
                idx,
                text[idx : idx + length],
                "",
                bool(title or upper),
                start == 1,
                punct,
                space,
                stop,
            )
            for idx, length, title, upper, start, punct, space, stop in rows
        ]
        firsts = self._first_words(gaz)
        frames: dict[str, bool] = {}  # token text → could it begin a known name?
        # Word group → (a governorate?, candidates, how); per article, so that a benchmark's
        # repeated passes over the same articles measure no warmer cache than new ones get.
        cache: dict[str, tuple[bool, Any, str]] = {}
        i, n = 0, len(toks)
        while i < n:
            start, word, _, capital, sent_start, _, _, stop = toks[i]
            if not capital or (sent_start and word.lower() in _COMMON):
                i += 1
                continue
            # The first word that is not an article must begin some known name (by skeleton).
            j = i
            while j < n and (toks[j][1].lower() in ARTICLES or toks[j][1] in "-‘’'"):
                j += 1
            head = toks[j][1] if j < n else ""
            if head not in frames:
                frames[head] = skeleton(head) in firsts
            if not frames[head]:
                i += 1
                continue
            for size in (4, 3, 2, 1):
                if i + size > n:
                    continue
                group = toks[i : i + size]
                if group[-1][5] or any(t[6] for t in group):
                    continue
                last = group[-1]
                end = last[0] + len(last[1])
                name = text[start:end]
                if name not in cache:
                    gov = _governorate_key(name) in _GOVERNORATE_KEYS
                    cache[name] = (gov, *(((), "") if gov else gaz.candidates(name)))
                gov, places, how = cache[name]
                if gov and not stop:
                    out.append(_Mention(start, end, name, "place", name.lower()))
                    i += size - 1
                    break
                # English function words ("At least", "In", "As") are not Arabic articles
                # unless the whole group is a known spelling.
                loose = how != "name" or size == 1
                if places and (how == "name" or size >= 2) and not (loose and stop):
                    out.append(_Mention(start, end, name, "place", name.lower()))
                    i += size - 1
                    break
            i += 1
        return out

    def _draft(
        self,
        sentence: str,
        inside: list[_Mention],
        triggers: list[_Mention],
        offset: int,
        dateline_end: int,
        region: set[str],
        published: date,
        gaz: Gazetteer,
        *,
        headline: bool = False,
    ) -> _Draft | None:
        """A draft incident from one sentence with a trigger, or None if it has no place or toll.

        The headline is kept even without either: it names the article's main
        event, and the lead sentences that give its place and toll join it.
        """
        index = min(int(t.value) for t in triggers)
        draft = _Draft(sentences=[sentence], trigger=index)
        draft.weak = index == GENERIC_TRIGGER or all(
            t.text.lower() in WEAK_TRIGGERS for t in triggers if int(t.value) == index
        )
        casualties = read_casualties(sentence)
        places = [
            m
            for m in inside
            if m.kind == "place" and m.start >= dateline_end and m.value not in NOT_INCIDENT_PLACES
        ]
        if not places and casualties is None and not headline:
            return None
        draft.casualties = casualties
        for m in places:
            if m.value.startswith("region:"):
                if draft.place_name is None:
                    draft.place_name, draft.region = m.text, m.value.split(":", 1)[1]
                continue
            result = geocode(gaz, m.text)
            candidates = [result.place] if result.place else result.candidates
            if region and len(candidates) > 1:
                narrowed = [
                    c for c in candidates if c.admin1 and canonical_admin1(c.admin1) in region
                ]
                candidates = narrowed or candidates
            if len(candidates) == 1:
                draft.place, draft.place_name, draft.region = candidates[0], m.text, None
                break
            if not candidates and draft.place_name is None and (code := _region_code(m)):
                draft.place_name, draft.region = (
                    m.text,
                    code,
                )  # a governorate, spelt unlike the gazetteer
            if candidates and draft.place_name is None:
                draft.place_name, draft.ambiguous = m.text, candidates
        draft.perpetrator = _perpetrator(sentence, inside, triggers, offset, self.armed)
        draft.date = resolve_date(sentence, published)
        low = sentence.lower()
        draft.tags = set(EVENT_TRIGGERS[draft.trigger][3]) | {
            tag for word, tag in TARGET_TAGS.items() if re.search(rf"\b{word}\b", low)
        }
        return draft


def _perpetrator(
    sentence: str,
    inside: list[_Mention],
    triggers: list[_Mention],
    offset: int,
    armed: frozenset[str],
) -> tuple[str, str] | None:
    """The actor that did it, among the armed actors the sentence names.

    In order: the nearest named before the act ("Russian warplanes struck",
    "regime forces shelled"); one right after "by" ("strikes by the
    coalition"); one named just after the act word ("air strikes of the
    regime").  Monitors, civilians and aid agencies are never perpetrators.
    """
    low = sentence.lower()
    candidates = [
        m
        for m in inside
        if m.kind == "actor"
        and m.value in armed
        and m.text.lower() not in REPORTERS
        and _can_be_agent(low, m.start - offset, m.end - offset)
    ]
    if not candidates:
        return None
    # Who a weapon word names as its own ("Russian airstrikes", "regime shelling").
    for t in triggers:
        if int(t.value) == GENERIC_TRIGGER:
            continue
        own = [
            a
            for a in candidates
            if a.start < t.start
            and re.fullmatch(r"[\s'’s-]*", sentence[a.end - offset : t.start - offset])
        ]
        if own:
            return own[-1].value, own[-1].text
    # The subject of an active "kill(s|ed) N …": who killed is what was done.
    for verb in _KILL_ACTIVE.finditer(low):
        at = offset + verb.start()
        before = [
            a
            for a in candidates
            if a.end <= at and "." not in sentence[a.end - offset : verb.start()]
        ]
        if before:
            return before[-1].value, before[-1].text
    trigger = triggers[0]
    before = [a for a in candidates if a.start < trigger.start]
    if before:
        a = before[-1]
        return a.value, a.text
    by = re.search(r"\b(?:by|of|with)\s+(?:the\s+)?", sentence[trigger.end - offset :])
    if by:
        at = trigger.end + by.end()
        after = [a for a in candidates if 0 <= a.start - at <= 3]
        if after:
            return after[0].value, after[0].text
    near = [a for a in candidates if 0 <= a.start - trigger.end <= 25]
    return (near[0].value, near[0].text) if near else None


_COUNT = (
    r"(?:at least |more than |over |about |some |nearly |around |up to )?"
    r"(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens|"
    r"scores|hundreds|several|a hundred|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    r"ninety)(?:-\w+)?)"
)
#: An active killing with its victims' count or article after it ("kills 22", "killed the").
_KILL_ACTIVE = re.compile(rf"\b(?:kills|kill|killed|killing)\s+(?:{_COUNT}|the |a |an |several )")
_COUNT_BEFORE = re.compile(rf"\b{_COUNT}\s+(?:[a-z-]+\s+){{0,2}}$")
_MEMBERS_OF = re.compile(
    r"\b(?:fighters|militants|jihadists|members|terrorists|soldiers|troops|leader|commander)"
    r"\s+(?:from|of)\s+(?:the\s+)?$"
)


def _can_be_agent(low: str, start: int, end: int) -> bool:
    """Whether the actor at low[start:end] may be who did it: not the dead, a holder, a target."""
    return not (
        (start > 0 and low[start - 1] == "-")  # part of a compound: "the Syria-Turkey border"
        or _is_victim(low, start, end)
        or _NOT_AGENT_AFTER.match(low, end)
        or _NOT_AGENT_BEFORE.search(low[max(0, start - 30) : start])
    )


def _is_victim(low: str, start: int, end: int) -> bool:
    """Whether an actor named here is among the dead, not who killed them.

        "18 IS jihadists killed", "kill 13 Daesh militants", "fighters from the
    Islamic State group were killed": the actor is counted, or its members are.
    """
    before = low[max(0, start - 40) : start]
    return bool(_COUNT_BEFORE.search(before) or _MEMBERS_OF.search(before))


#: An actor named as the holder of a place ("rebel-held", "regime-controlled") or as
#: what was hit ("at an army checkpoint", "targeting IS positions") did not do it.
_NOT_AGENT_AFTER = re.compile(
    r"[\s-]*(?:held|controlled|run|occupied|besieged)\b"
    # an outlet named after a country or group: "Jordan Times", "Syria TV"
    r"|\s+(?:times|tv|news|agency|post|today|radio|television|tribune)\b"
)
_NOT_AGENT_BEFORE = re.compile(
    r"\b(?:at|on|against|targeting|targeted|target|hit|hitting|struck|besieged)\s+"
    r"(?:the\s+|an?\s+)?$"
)

_PARTICLES = frozenset({"al", "el", "as", "ad", "an", "ar", "at", "in", "of", "the", "and", "on"})
_METONYMY = re.compile(r"\s*(?:'s\s+)?(?:" + "|".join(METONYMY_AFTER) + r")\b", re.IGNORECASE)


def _is_place_reference(m: _Mention, text: str, actors: list[_Mention]) -> bool:
    """Whether a place match is a reference to a place, not a piece of a name or a government.

    A place name never ends in a particle or preposition ("Bashar al", "ISIS
    in"), never cuts a hyphenated word ("Al" of "Al-Qaeda"), never overlaps an
    actor's name ("New US"), and a capital followed by "said", "promises",
    "government" … stands for the government (metonymy).
    """
    words = m.text.lower().split()
    if not words or words[-1] in _PARTICLES or len(place_key(m.text)) < 3:
        return False
    if text[m.end : m.end + 1] == "-" or (m.start > 0 and text[m.start - 1] == "-"):
        return False
    if any(a.start < m.end and m.start < a.end for a in actors):
        return False
    return not _METONYMY.match(text, m.end)


def _known_in(gaz: Gazetteer, name: str) -> bool:
    """Whether a country's gazetteer knows this name: by spelling, or by skeleton if two words."""
    places, how = gaz.candidates(name)
    return bool(places) and (how == "name" or len(name.split()) >= 2)


def _regions(mentions: list[_Mention]) -> set[str]:
    """Governorates the article names outright (for choosing among same-named places)."""
    out = set()
    for m in mentions:
        if m.kind == "place":
            code = _region_code(m)
            if code:
                out.add(code)
    return out


def _region_code(m: _Mention) -> str | None:
    """The governorate a mention names outright (a governorate, or a region of ``REGIONS``)."""
    if m.value.startswith("region:"):
        return m.value.split(":", 1)[1]
    return _GOVERNORATE_KEYS.get(_governorate_key(m.text))


#: Every governorate spelling, keyed without the article ("Al-Hasakeh" → "hasakeh").
def _governorate_key(name: str) -> str:
    """A governorate spelling's key, doubled letters made single and spaces removed.

    Transliterations differ mostly in gemination and word breaks: Raqqa / Raqa,
    Hasakah / Hassakeh, Deir ez-Zor / Deir Ezzor / Deirezzor.
    """
    return re.sub(r"(.)\1+", r"\1", place_key(name).replace(" ", ""))


_GOVERNORATE_KEYS = {
    _governorate_key(v): code
    for code, variants in GOVERNORATES.items()
    for v in (code.split(" ", 1)[1], *variants)
}


_COUNTRY_OF_WORD: dict[str, list[str]] = {}
for _code, _words in COUNTRY_WORDS.items():
    for _w in _words:
        _COUNTRY_OF_WORD.setdefault(_w, []).append(_code)
_COUNTRY_WORD = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _COUNTRY_OF_WORD), key=len, reverse=True)) + r")\b"
)


def _dateline_end(text: str) -> int:
    match = _DATELINE.match(text[:120])
    return match.end() if match else 0


def _same_incident(a: _Draft, b: _Draft) -> bool:
    if a.indices == [0] and a.place is None and a.place_name is None:
        return True  # a headline with no place: the first lead sentence that follows tells it
    if a.place is not None and b.place is not None:
        # A sentence that gives no date (a headline, mostly) fits any day.
        return a.place.id == b.place.id and (a.date is None or b.date is None or a.date == b.date)
    return b.place is None and b.place_name is None  # a follow-up sentence with no place of its own


def _merge(into: _Draft, other: _Draft) -> None:
    into.sentences += other.sentences
    into.indices += other.indices
    into.tags |= other.tags
    if into.weak and not other.weak and other.trigger != into.trigger:
        # "killed" or a bare "bombs" yields to the weapon a joining sentence names.
        into.tags -= set(EVENT_TRIGGERS[into.trigger][3])
        into.trigger, into.weak = other.trigger, False
        into.tags |= set(EVENT_TRIGGERS[other.trigger][3])
    if into.date is None:
        into.date = other.date
    if into.place is None and into.place_name is None:
        into.place, into.place_name = other.place, other.place_name
        into.ambiguous, into.region = other.ambiguous, other.region
    if into.perpetrator is None:
        into.perpetrator = other.perpetrator
    if into.casualties is None:
        into.casualties = other.casualties
    elif other.casualties is not None:
        into.casualties = into.casualties.combine(other.casualties)


def _contract(
    published: date,
    drafts: list[_Draft],
    claims: list[dict[str, Any]],
    mentions: list[_Mention],
    actors: ActorRegistry,
    gazetteer: Gazetteer,
) -> dict[str, Any]:
    incidents = []
    for d in drafts:
        event_type, sub_event_type = EVENT_TRIGGERS[d.trigger][1], EVENT_TRIGGERS[d.trigger][2]
        when, precision = d.date or (published, "week")
        c = d.casualties
        mine = [cl for cl in claims if _claim_incident(cl["sentence"], drafts) is d]
        incident_actors = []
        if d.perpetrator:
            incident_actors.append(
                {"id": d.perpetrator[0], "name": d.perpetrator[1], "role": "perpetrator"}
            )
        incidents.append(
            {
                "date": when.isoformat(),
                "date_precision": precision,
                "event_type": event_type,
                "sub_event_type": sub_event_type,
                "tags": sorted(d.tags),
                "location": _location(d),
                "fatalities": c.killed.as_json()
                if c and c.killed
                else {"low": 0, "best": 0, "high": 0},
                "civilian_fatalities": c.civilians.as_json() if c and c.civilians else None,
                "child_fatalities": c.children.as_json() if c and c.children else None,
                "injured": c.injured.as_json() if c and c.injured else None,
                "actors": incident_actors,
                "claims": [{k: v for k, v in cl.items() if k != "sentence"} for cl in mine],
                "text": " ".join(d.sentences),
            }
        )
    counts = Counter(m.value for m in mentions if m.kind == "actor")
    names = {m.value: m.text for m in mentions if m.kind == "actor"}
    places = []
    seen: set[str] = set()
    for m in mentions:
        if m.kind != "place" or m.value in seen:
            continue
        seen.add(m.value)
        result = geocode(gazetteer, m.text)
        if result.place is not None:
            places.append(
                {
                    "name": m.text,
                    "latitude": result.place.latitude,
                    "longitude": result.place.longitude,
                }
            )
    return {
        "published": published.isoformat(),
        "incidents": incidents,
        "actors": [
            {"id": a, "name": names[a], "mentions": n}
            for a, n in counts.most_common()
            if a in actors
        ],
        "places": places,
    }


def _claim_incident(sentence: int, drafts: list[_Draft]) -> _Draft | None:
    """A claim belongs to the incident of its sentence, else the nearest one before it."""
    if not drafts:
        return None
    for d in drafts:
        if sentence in d.indices:
            return d
    earlier = [d for d in drafts if min(d.indices) < sentence]
    return (
        max(earlier, key=lambda d: max(i for i in d.indices if i < sentence))
        if earlier
        else drafts[0]
    )


def _location(d: _Draft) -> dict[str, Any] | None:
    if d.place is not None:
        p = d.place
        return {
            "name": p.name,
            "admin1": p.admin1,
            "latitude": p.latitude,
            "longitude": p.longitude,
            "geo_precision": 3 if p.kind == "area" else p.geo_precision,
        }
    if d.region is not None:
        return {
            "name": d.place_name,
            "admin1": d.region.split(" ", 1)[1],
            "latitude": None,
            "longitude": None,
            "geo_precision": 3,
        }
    if d.place_name is not None:
        admin1s = {c.admin1 for c in d.ambiguous if c.admin1}
        return {
            "name": d.place_name,
            "admin1": admin1s.pop() if len(admin1s) == 1 else None,
            "latitude": None,
            "longitude": None,
            "geo_precision": 3,
            "ambiguous": [f"{c.name} ({c.admin1 or '?'})" for c in d.ambiguous],
        }
    return None


@lru_cache(maxsize=1)
def _statistical_model() -> Any:
    """An installed English model, if any — an extra signal, never required or downloaded."""
    try:
        import spacy

        return spacy.load("en_core_web_sm", exclude=["parser", "lemmatizer"])
    except (OSError, ImportError):
        return None


@lru_cache(maxsize=1)
def default_extractor() -> Extractor:
    """The shipped registry and gazetteer, built once per process."""
    return Extractor()


def extract_article(text: str, published: date) -> dict[str, Any]:
    """Draft incidents and claims from one article (the ``trucewatch extract`` JSON)."""
    return default_extractor().extract(text, published)
