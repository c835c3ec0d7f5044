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
  vague words use the readings in ``lexicon.VAGUE``.
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
from trucewatch.geo.names import place_key
from trucewatch.nlp.articles import is_english
from trucewatch.nlp.casualties import Casualties, read_casualties
from trucewatch.nlp.claims import read_claims
from trucewatch.nlp.dates import resolve_date
from trucewatch.nlp.lexicon import (
    CASED_DESCRIPTORS,
    DESCRIPTORS,
    EVENT_TRIGGERS,
    NOT_INCIDENT_PLACES,
    REPORTERS,
    TARGET_TAGS,
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
        from spacy.matcher import PhraseMatcher

        self.actors = actors or ActorRegistry.shipped()
        # Actors that can do violence: not civilians, aid agencies, monitors or media.
        self.armed = frozenset(
            a.id
            for a in self.actors
            if a.kind.value not in ("civilians", "humanitarian", "monitor", "media")
        )
        self.gazetteer = gazetteer or Gazetteer.shipped()
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
        dateline_end = _dateline_end(text)
        mentions = [m for m in self._mentions(doc) if m.start >= dateline_end]
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
            draft = self._draft(sentence, inside, triggers, start, dateline_end, region, published)
            if draft is None:
                continue
            draft.indices = [index]
            same = next((d for d in drafts if _same_incident(d, draft)), None)
            if same is None:
                drafts.append(draft)
            else:
                _merge(same, draft)
        fallback = self._article_place(mentions, region)
        for d in drafts:
            if d.place is None and d.place_name is None and fallback is not None:
                d.place, d.place_name, d.region = fallback[0], fallback[1], fallback[2]
        if drafts and drafts[0].perpetrator is None and sentences:
            drafts[0].perpetrator = self._headline_actor(sentences[0], mentions)
        claims = read_claims(sentences, mentions, self.actors)
        return _contract(published, drafts, claims, mentions, self.actors, self.gazetteer)

    def _headline_actor(
        self, headline: tuple[int, int, str], mentions: list[_Mention]
    ) -> tuple[str, str] | None:
        """The armed actor a headline names, for a main incident whose sentence names none.

        Headlines name who did it ("Regime air strikes kill 20 in Idlib") more
        often than the body's first sentence of the act does.  Only one armed
        actor may be named there; two (or none) leave it unnamed.
        """
        start, end, _ = headline
        named = {
            m.value: m.text
            for m in mentions
            if m.kind == "actor"
            and start <= m.start < end
            and m.value in self.armed
            and m.text.lower() not in REPORTERS
        }
        return next(iter(named.items())) if len(named) == 1 else None

    def _article_place(
        self, mentions: list[_Mention], region: set[str]
    ) -> tuple[Place | None, str, str | None] | None:
        """Where the article as a whole is: its first unambiguous place, else its governorate.

        Used for incidents whose own sentences name no place (a report's
        second sentence, a title without a town).
        """
        for m in mentions:
            if m.kind != "place" or m.value in NOT_INCIDENT_PLACES:
                continue
            result = geocode(self.gazetteer, m.text)
            if result.place is not None:
                return result.place, m.text, None
        for m in mentions:
            if m.kind == "place":
                code = _GOVERNORATE_KEYS.get(place_key(m.text))
                if code:
                    return None, m.text, code
        if len(region) == 1:
            code = next(iter(region))
            return None, code.split(" ", 1)[1], code
        return None

    def _mentions(self, doc: Any) -> list[_Mention]:
        found: list[_Mention] = []
        for matcher in (self.matcher, self.cased):
            for key, s, e in matcher(doc):
                kind, value = self._values[key]
                span = doc[s:e]
                found.append(_Mention(span.start_char, span.end_char, span.text, kind, value))
        found += self._place_ngrams(doc)
        if self.model is not None:
            for ent in self.model(doc.text).ents:
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
        return kept

    def _place_ngrams(self, doc: Any) -> list[_Mention]:
        """Capitalised word groups the gazetteer knows by any spelling (up to four words).

        The consonant-skeleton match is only tried on groups of two or more
        words, where a chance collision with an ordinary name is unlikely.
        """
        out: list[_Mention] = []
        i, n = 0, len(doc)
        while i < n:
            tok = doc[i]
            if not (tok.is_title or tok.is_upper) or (tok.is_sent_start and tok.lower_ in _COMMON):
                i += 1
                continue
            for size in (4, 3, 2, 1):
                if i + size > n:
                    continue
                span = doc[i : i + size]
                if span[-1].is_punct or any(t.is_space for t in span):
                    continue
                if place_key(span.text) in _GOVERNORATE_KEYS and not span[0].is_stop:
                    out.append(
                        _Mention(
                            span.start_char, span.end_char, span.text, "place", span.text.lower()
                        )
                    )
                    i += size - 1
                    break
                places, how = self.gazetteer.candidates(span.text)
                # English function words ("At least", "In", "As") are not Arabic articles
                # unless the whole group is a known spelling.
                loose = how != "name" or size == 1
                if places and (how == "name" or size >= 2) and not (loose and span[0].is_stop):
                    out.append(
                        _Mention(
                            span.start_char, span.end_char, span.text, "place", span.text.lower()
                        )
                    )
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
    ) -> _Draft | None:
        draft = _Draft(sentences=[sentence], trigger=min(int(t.value) for t in triggers))
        casualties = read_casualties(sentence)
        places = [
            m
            for m in inside
            if m.kind == "place" and m.start >= dateline_end and m.value not in NOT_INCIDENT_PLACES
        ]
        if not places and casualties is None:
            return None
        draft.casualties = casualties
        for m in places:
            result = geocode(self.gazetteer, m.text)
            candidates = [result.place] if result.place else result.candidates
            if region and len(candidates) > 1:
                narrowed = [
                    c for c in candidates if c.admin1 and canonical_admin1(c.admin1) in region
                ]
                candidates = narrowed or candidates
            if len(candidates) == 1:
                draft.place, draft.place_name = candidates[0], m.text
                break
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
    candidates = [
        m
        for m in inside
        if m.kind == "actor" and m.value in armed and m.text.lower() not in REPORTERS
    ]
    if not candidates:
        return None
    trigger = triggers[0]
    before = [a for a in candidates if a.end <= trigger.start]
    if before:
        a = before[-1]
        return a.value, a.text
    by = re.search(r"\b(?:by|of)\s+(?:the\s+)?", sentence[trigger.end - offset :])
    if by:
        at = trigger.end + by.end()
        after = [a for a in candidates if 0 <= a.start - at <= 3]
        if after:
            return after[0].value, after[0].text
    near = [a for a in candidates if 0 <= a.start - trigger.end <= 25]
    return (near[0].value, near[0].text) if near else None


def _regions(mentions: list[_Mention]) -> set[str]:
    """Governorates the article names outright (for choosing among same-named places)."""
    out = set()
    for m in mentions:
        if m.kind == "place":
            code = _GOVERNORATE_KEYS.get(place_key(m.text))
            if code:
                out.add(code)
    return out


#: Every governorate spelling, keyed without the article ("Al-Hasakeh" → "hasakeh").
_GOVERNORATE_KEYS = {
    place_key(v): code
    for code, variants in GOVERNORATES.items()
    for v in (code.split(" ", 1)[1], *variants)
}


def _dateline_end(text: str) -> int:
    match = _DATELINE.match(text[:120])
    return match.end() if match else 0


def _same_incident(a: _Draft, b: _Draft) -> bool:
    if a.place is not None and b.place is not None:
        return a.place.id == b.place.id and (a.date or (None,))[0] == (b.date or (None,))[0]
    return b.place is None and b.place_name is None  # a follow-up sentence with no place of its own


def _merge(into: _Draft, other: _Draft) -> None:
    into.sentences += other.sentences
    into.indices += other.indices
    into.tags |= other.tags
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
