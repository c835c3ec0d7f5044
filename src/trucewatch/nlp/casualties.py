"""Casualty counts from a sentence: killed and injured, civilians and children, as ranges.

"At least 20" is open above, so low = best = high = 20 (the text gives no
upper bound); "20 to 30" is low 20, best 20, high 30; vague words ("dozens")
use the readings in ``lexicon.VAGUE``.  "N people" killed count as civilians
when the sentence names no fighters, soldiers or militants — how monitors
write civilian tolls; a sentence that names combatants keeps them apart, and a
count of civilians stated outright anywhere in the incident beats one inferred.
Children are civilians too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trucewatch.nlp.lexicon import NUMBER_WORDS, VAGUE


@dataclass(frozen=True)
class Count:
    """A low/best/high count."""

    low: int
    best: int
    high: int
    stated: bool = True  # False: inferred (a count of "people" read as civilians)

    def as_json(self) -> dict[str, int]:
        """A JSON-ready dict."""
        return {"low": self.low, "best": self.best, "high": self.high}

    def widest(self, other: Count | None) -> Count:
        """The larger of two readings of the same toll (later reports raise tolls).

        A count the text states outright beats one inferred, whatever their size:
        "22 people killed … six of them civilians" has six civilians.
        """
        if other is None:
            return self
        if self.stated != other.stated:
            return self if self.stated else other
        return self if other.best <= self.best else other


@dataclass(frozen=True)
class Casualties:
    """What one sentence (or incident) says about the dead and injured."""

    killed: Count | None = None
    civilians: Count | None = None
    children: Count | None = None
    injured: Count | None = None

    def combine(self, other: Casualties) -> Casualties:
        """Both readings together: the first sentence's toll of each kind, unless only inferred."""

        def pick(a: Count | None, b: Count | None) -> Count | None:
            if a is None:
                return b
            if b is None:
                return a
            # The toll the incident's first sentence states is its toll: later sentences
            # of an article add background ("since Thursday 44 …", "this year 1,200 …").
            # Only a count stated outright replaces an inferred one.
            return b if (b.stated and not a.stated) else a

        return Casualties(
            pick(self.killed, other.killed),
            pick(self.civilians, other.civilians),
            pick(self.children, other.children),
            pick(self.injured, other.injured),
        )


_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORDS = rf"(?:{_TENS})-(?:one|two|three|four|five|six|seven|eight|nine)|" + "|".join(
    sorted((re.escape(w) for w in NUMBER_WORDS if "-" not in w), key=len, reverse=True)
)
_VAGUE = "|".join(sorted((re.escape(w) for w in VAGUE), key=len, reverse=True))
# A number not read as a count: a year ("September 24 2016") or a time ("1849 UTC").
_N = rf"(?P<n>(?<![\d-])(?!(?:19|20)\d\d\b)\d[\d,]*|\b(?:{_WORDS}|{_VAGUE}))"
_Q = r"(?P<q>at least|more than|over|some|about|around|nearly|almost|up to|as many as)?\s*"
_R = r"(?:\s*(?:to|-|–|or)\s*(?P<n2>\d[\d,]*))?"
_NOUN = (
    r"(?P<noun>people|persons|person|civilians|civilian|children|child|kids|women|men|fighters|"
    r"soldiers|militants|rebels|troops|members|volunteers|workers|residents|others|jihadists|"
    r"policemen|terrorists|medics|doctors|nurses|students|schoolchildren|worshippers|"
    r"passengers|villagers|citizens|journalists)"
)
_ADJ = r"(?:[a-z-]+\s+){0,2}?"
_KILLED = r"(?:killed|dead|died|slain|massacred|martyred|lost their lives)"
#: Right after a count, these make it a count of the injured ("killed 3, 30 wounded").
_NOT_DEAD = r"(?!\s+(?:others?\s+|people\s+|more\s+)?(?:were\s+)?(?:injured|wounded|hurt))"
_HURT = r"(?:wounded|injured|hurt)"
_PATTERNS = [
    (
        "killed",
        re.compile(rf"{_Q}{_N}{_R}\s+{_ADJ}{_NOUN}[^.;]{{0,60}}?\b{_KILLED}"),
    ),
    (
        "killed",
        re.compile(
            rf"(?:killing|killed|kills|kill|claimed the lives of|left)\s+"
            rf"{_Q}{_N}{_R}\s+{_ADJ}{_NOUN}{_NOT_DEAD}"
        ),
    ),
    ("killed", re.compile(rf"death toll\D{{0,30}}?{_Q}{_N}{_R}")),
    # Headline style, no noun: "Air strikes kill 22 in Idlib", "… killing 4, injuring 7".
    (
        "killed",
        re.compile(
            rf"\b(?:killing|kills|kill|killed)\s+{_Q}{_N}{_R}"
            rf"(?=\s*(?:$|[.,;:]|in\b|at\b|on\b|near\b|as\b|and\b|including\b))"
        ),
    ),
    ("killed", re.compile(rf"{_Q}{_N}{_R}\s+(?:were |have been |had been |was |are )?{_KILLED}")),
    ("injured", re.compile(rf"{_Q}{_N}{_R}\s+{_ADJ}{_NOUN}[^.;]{{0,40}}?\b{_HURT}")),
    ("injured", re.compile(rf"{_Q}{_N}{_R}\s+(?:were |have been |was )?{_HURT}")),
    (
        "injured",
        re.compile(rf"(?:wounding|injuring|wounded|injured)\s+{_Q}{_N}{_R}\s*{_ADJ}{_NOUN}?"),
    ),
]
_CHILDREN = re.compile(
    rf"(?:including|among them|of them|of whom)\s+{_Q}{_N}\s+(?:were\s+)?(?:children|kids|minors)"
)
_AND_OTHERS = re.compile(
    rf"{_N}\s+(?P<first>children|kids|women|civilians|people)\s+and\s+(?P<m>\d[\d,]*|{_WORDS})"
    rf"\s+(?:others|other people|more|adults|men)"
)
_AND_CIVILIANS = re.compile(
    rf"(?:killing|killed|kills|kill)\s+[^.;]{{0,40}}?\band\s+{_Q}{_N}\s+civilians"
)
_CIVILIANS_AMONG = re.compile(rf"(?:including|among them)\s+{_Q}{_N}\s+civilians")
_COMBATANTS = re.compile(
    r"\b(fighters|soldiers|militants|rebels|troops|jihadists|gunmen|members|terrorists|"
    r"battle|battles|clashes|fighting|ambush)\b"
)
#: Nouns that state the dead were civilians.
_CIVILIAN_NOUNS = frozenset(
    {
        "civilians",
        "civilian",
        "residents",
        "medics",
        "doctors",
        "nurses",
        "students",
        "schoolchildren",
        "worshippers",
        "passengers",
        "villagers",
        "citizens",
        "journalists",
    }
)


def _number(text: str) -> tuple[int, int, int] | None:
    text = text.strip().lower().replace(",", "")
    if text.isdigit():
        n = int(text)
        return (n, n, n) if n < 100_000 else None
    if text in VAGUE:
        return VAGUE[text]
    if text in NUMBER_WORDS:
        n = NUMBER_WORDS[text]
        return n, n, n
    return None


def _count(match: re.Match[str]) -> Count | None:
    value = _number(match.group("n"))
    if value is None:
        return None
    low, best, high = value
    second = match.groupdict().get("n2")
    if second:
        upper = _number(second)
        if upper is not None and upper[0] >= low:
            high = upper[0]
    q = (match.groupdict().get("q") or "").strip()
    if q == "up to":
        low = 0
    return Count(low, best, max(best, high))


def read_casualties(sentence: str) -> Casualties | None:
    """The counts a sentence states, or None if it states none."""
    low = sentence.lower()
    killed = civilians = children = injured = None
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(low):
            count = _count(m)
            if count is None:
                continue
            noun = m.groupdict().get("noun") or ""
            if kind == "injured":
                injured = count.widest(injured) if injured else count
                continue
            if noun in _CIVILIAN_NOUNS:
                civilians = count.widest(civilians) if civilians else count
            elif noun in ("children", "child", "kids"):
                children = count.widest(children) if children else count
            killed = count.widest(killed) if killed else count
            if noun in ("people", "persons", "person", "") and not _COMBATANTS.search(low):
                inferred = Count(count.low, count.best, count.high, stated=False)
                civilians = inferred.widest(civilians) if civilians else inferred
    for m in _AND_OTHERS.finditer(low):
        first, more = _number(m.group("n")), _number(m.group("m"))
        if first is not None and more is not None:
            total = Count(first[0] + more[0], first[1] + more[1], first[2] + more[2])
            killed = total.widest(killed) if killed else total
            if not _COMBATANTS.search(low):
                inferred = Count(total.low, total.best, total.high, stated=False)
                civilians = inferred.widest(civilians) if civilians else inferred
    for m in _AND_CIVILIANS.finditer(low):
        count = _count(m)
        if count is not None:
            civilians = count.widest(civilians) if civilians else count
    for m in _CHILDREN.finditer(low):
        count = _count(m)
        if count is not None:
            children = count.widest(children) if children else count
    for m in _CIVILIANS_AMONG.finditer(low):
        count = _count(m)
        if count is not None:
            civilians = (
                count if civilians is None or _COMBATANTS.search(low) else civilians.widest(count)
            )
    if children is not None and (civilians is None or civilians.best < children.best):
        civilians = children
    if not any((killed, civilians, children, injured)):
        return None
    return Casualties(killed or civilians or children, civilians, children, injured)
