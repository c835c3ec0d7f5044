"""The actor registry: every known actor, and who a name meant on a given day.

Sources name actors in dozens of spellings, and names change over time
("al-Nusra" in Sept 2016 means Jabhat Fateh al-Sham).  The registry indexes
every alias under its ``name_key`` once, at construction, so resolving a name
is one dict lookup; the date then picks among the actors, and the aliases,
that share the key.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from trucewatch.actors.normalize import name_key
from trucewatch.domain.actor import Actor, ActorName, Relation
from trucewatch.errors import InputError, Problem
from trucewatch.yamlfile import LineMap, PathKey, load_yaml, problems_from_validation

__all__ = ["ActorRegistry", "Resolution"]

# Relations through which an actor answers for another (see Relation's docstring).
_ANSWERS_THROUGH = frozenset({Relation.PART_OF, Relation.LED_BY})
_TOP_LEVEL_FIELDS = frozenset({"sources", "actors"})
_MEMO_LIMIT = 200_000  # resolutions remembered per registry before starting afresh


@dataclass(frozen=True)
class Resolution:
    """Which actor a name meant, and whether that name was in use on the day asked."""

    actor_id: str
    matched: str  # the alias that matched, as written in the registry
    name_on_date: str  # the actor's name in use on the date asked (canonical if no date)
    in_use: bool  # was the matched alias in use on that date? (True when no date given)
    note: str | None  # why the match deserves a second look, if it does


@dataclass(frozen=True)
class _Entry:
    """One alias of one actor, as indexed under its key."""

    actor: Actor
    alias: ActorName


class ActorRegistry:
    """All known actors, indexed by id and by the key of every alias."""

    def __init__(self, actors: Iterable[Actor]) -> None:
        self._actors: dict[str, Actor] = {}
        self._by_key: dict[str, list[_Entry]] = {}
        # Sources repeat the same few hundred names; remember each answer.
        self._memo: dict[tuple[str, date | None], Resolution | None] = {}
        for actor in actors:
            if actor.id in self._actors:
                raise ValueError(f"duplicate actor id {actor.id!r}")
            self._actors[actor.id] = actor
            for alias in actor.names:
                self._by_key.setdefault(name_key(alias.name), []).append(_Entry(actor, alias))

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_file(cls, path: Path | str) -> ActorRegistry:
        """Load a registry YAML file; every mistake is reported as FILE:LINE."""
        name = str(path)
        data, lines = load_yaml(path)
        actors, problems = _parse_actors(data, name, lines)
        problems += _cross_check(actors, data, name, lines)
        if problems:
            raise InputError(problems)
        return cls(actor for _, actor in actors)

    @classmethod
    def shipped(cls) -> ActorRegistry:
        """The registry shipped with trucewatch (read once, then shared: it is read-only)."""
        return _shipped()

    # ------------------------------------------------------------------ lookup

    def get(self, actor_id: str) -> Actor:
        """The actor with this id; ``KeyError`` if there is none."""
        return self._actors[actor_id]

    def __contains__(self, actor_id: object) -> bool:
        return actor_id in self._actors

    def __iter__(self) -> Iterator[Actor]:
        return iter(self._actors.values())

    def __len__(self) -> int:
        return len(self._actors)

    @property
    def ids(self) -> list[str]:
        """Every actor id, in registry order."""
        return list(self._actors)

    # -------------------------------------------------------------- resolution

    def resolve(self, name: str, on: date | None = None) -> Resolution | None:
        """The actor ``name`` refers to (on day ``on``, if given), or None if unknown."""
        memo_key = (name, on)
        if memo_key in self._memo:
            return self._memo[memo_key]
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        found = self._memo[memo_key] = self._resolve(name, on)
        return found

    def _resolve(self, name: str, on: date | None) -> Resolution | None:
        """``resolve`` without the memo."""
        text = name.strip()
        actor = self._actors.get(text)
        if actor is not None:
            return Resolution(actor.id, actor.id, actor.name_on(on), True, None)
        entries = self._by_key.get(name_key(text))
        if not entries:
            return None
        entry = _best_entry(entries, text, on)
        in_use = on is None or entry.alias.in_use_on(on)
        note = None if in_use or on is None else _not_in_use_note(entry, on)
        return Resolution(entry.actor.id, entry.alias.name, entry.actor.name_on(on), in_use, note)

    def depends_on_date(self, name: str) -> bool:
        """Whether *which actor* ``name`` resolves to can change with the date asked.

        Only a name shared by two actors over different periods can; any
        other name resolves to one actor whatever the day (or to none).  The
        batch evaluation uses this to resolve a column of names once per
        distinct name instead of once per (name, date).
        """
        if name.strip() in self._actors:
            return False
        entries = self._by_key.get(name_key(name.strip()), [])
        return len({e.actor.id for e in entries}) > 1

    def affiliation_changes(self) -> list[date]:
        """Every day on which some affiliation starts or ends, sorted.

        Between two consecutive such days, :meth:`principals` gives the same
        answer for every actor, so a batch can look standings up once per
        period rather than once per incident date.
        """
        days = {
            d
            for actor in self._actors.values()
            for aff in actor.affiliations
            for d in (aff.valid_from, aff.valid_to)
            if d is not None
        }
        return sorted(days)

    def resolve_all(self, text: str, on: date | None = None) -> list[Resolution]:
        """Every actor named in a list such as UCDP's "Ahrar al-Sham, HTS, Southern Front".

        The whole text is tried first, since a single name may contain a comma;
        otherwise each part between ',' and ';' is resolved and unknown parts are
        left out.  An actor named twice appears once.
        """
        whole = self.resolve(text, on)
        if whole is not None:
            return [whole]
        found: list[Resolution] = []
        seen: set[str] = set()
        for part in text.replace(";", ",").split(","):
            if not part.strip():
                continue
            hit = self.resolve(part, on)
            if hit is not None and hit.actor_id not in seen:
                seen.add(hit.actor_id)
                found.append(hit)
        return found

    def closest(self, text: str, n: int = 3) -> list[str]:
        """Ids of the actors whose id or alias is most like ``text``, for "did you mean"."""
        raw = text.strip().casefold()
        key = name_key(text)
        scores: dict[str, float] = {}
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(raw)
        for actor_id in self._actors:
            matcher.set_seq1(actor_id)
            scores[actor_id] = matcher.ratio()
        matcher.set_seq2(key)
        for alias_key, entries in self._by_key.items():
            matcher.set_seq1(alias_key)
            score = matcher.ratio()
            for entry in entries:
                if score > scores.get(entry.actor.id, 0.0):
                    scores[entry.actor.id] = score
        ranked = sorted((-s, i) for i, s in scores.items() if s >= 0.6)  # best first, then by id
        return [actor_id for _, actor_id in ranked[:n]]

    def principals(self, actor_id: str, on: date | None = None) -> list[str]:
        """The actor, then everyone it answers through (part_of / led_by), nearest first.

        Breadth-first over affiliations in force on ``on``; backed_by and
        allied_with are not followed, because a militia backed by Iran is not
        Iran.  Ids missing from the registry are skipped; cycles are harmless.
        """
        self.get(actor_id)
        order = [actor_id]
        seen = {actor_id}
        frontier = [actor_id]
        while frontier:
            following: list[str] = []
            for current in frontier:
                for aff in self._actors[current].affiliations:
                    target = aff.actor
                    if (
                        aff.relation in _ANSWERS_THROUGH
                        and aff.in_force_on(on)
                        and target in self._actors
                        and target not in seen
                    ):
                        seen.add(target)
                        order.append(target)
                        following.append(target)
            frontier = following
        return order


@functools.cache
def _shipped() -> ActorRegistry:
    """Load the packaged registry.yaml once per process."""
    resource = resources.files("trucewatch") / "data" / "actors" / "registry.yaml"
    with resources.as_file(resource) as path:
        return ActorRegistry.from_file(path)


def _best_entry(entries: list[_Entry], text: str, on: date | None) -> _Entry:
    """Pick one alias among those sharing a key.

    Aliases in use on the day come first (so a key shared by two actors over
    different periods goes to the right one), then an alias written exactly
    as asked, then registry order.  Without a date every alias counts as in use.
    """
    folded = text.casefold()

    def rank(item: tuple[int, _Entry]) -> tuple[bool, bool, int]:
        position, entry = item
        in_use = on is None or entry.alias.in_use_on(on)
        return (not in_use, entry.alias.name.casefold() != folded, position)

    if on is not None and len({e.actor.id for e in entries}) > 1:
        in_use = [e for e in entries if e.alias.in_use_on(on)]
        if not in_use:
            # No actor used this name that day: take the one whose use of it
            # lies nearest in time, as people keep using names for a while.
            return min(entries, key=lambda e: _distance(e.alias, on))
    return min(enumerate(entries), key=rank)[1]


def _distance(alias: ActorName, day: date) -> int:
    """Days between ``day`` and the period ``alias`` was in use (0 inside it)."""
    if alias.valid_from is not None and day < alias.valid_from:
        return (alias.valid_from - day).days
    if alias.valid_to is not None and day >= alias.valid_to:
        return (day - alias.valid_to).days + 1
    return 0


def _not_in_use_note(entry: _Entry, on: date) -> str:
    """Explain why a matched name was not in use on ``on``."""
    alias, actor = entry.alias, entry.actor
    head = f"name '{alias.name}' was not in use on {on.isoformat()}"
    if alias.valid_to is not None and on >= alias.valid_to:
        return f"{head} (renamed {actor.name_on(alias.valid_to)} on {alias.valid_to.isoformat()})"
    assert alias.valid_from is not None  # not in use and not after valid_to: before valid_from
    then = [n.name for n in actor.names if (n.valid_from or n.valid_to) and n.in_use_on(on)]
    called = f"; then called {then[0]}" if then else ""
    return f"{head} (first used on {alias.valid_from.isoformat()}{called})"


# ---------------------------------------------------------------- file checks


def _parse_actors(
    data: Any, name: str, lines: LineMap
) -> tuple[list[tuple[int, Actor]], list[Problem]]:
    """Validate the document's shape and each actor; return (index, actor) pairs."""
    if not isinstance(data, dict):
        hint = "the file is a mapping with 'sources:' and 'actors:'"
        return [], [Problem(name, lines.line_of(()), "expected a mapping at the top", hint)]
    problems = [
        Problem(name, lines.line_of((str(k),)), f"{k}: unknown field", "use 'sources' or 'actors'")
        for k in data
        if k not in _TOP_LEVEL_FIELDS
    ]
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        problems.append(
            Problem(name, lines.line_of(("sources",)), "sources: expected a list of texts")
        )
    raw = data.get("actors")
    if not isinstance(raw, list):
        where = lines.line_of(("actors",)) if "actors" in data else lines.line_of(())
        problems.append(Problem(name, where, "actors: expected a list of actors", "add 'actors:'"))
        return [], problems
    actors: list[tuple[int, Actor]] = []
    for i, item in enumerate(raw):
        try:
            actors.append((i, Actor.model_validate(item)))
        except ValidationError as e:
            problems += problems_from_validation(e, name, lines, ("actors", i))
    return actors, problems


def _cross_check(
    actors: list[tuple[int, Actor]], data: Any, name: str, lines: LineMap
) -> list[Problem]:
    """Duplicate ids, affiliations to unknown ids, and names claimed twice at once."""
    problems: list[Problem] = []
    first_line: dict[str, int | None] = {}
    for i, actor in actors:
        path: PathKey = ("actors", i, "id")
        if actor.id in first_line:
            problems.append(
                Problem(
                    name,
                    lines.line_of(path),
                    f"actors.{i}.id: duplicate id '{actor.id}' (first defined at line"
                    f" {first_line[actor.id]})",
                    "give each actor its own id",
                    f"actors.{i}.id",
                )
            )
        else:
            first_line[actor.id] = lines.line_of(path)
    known = ActorRegistry(a for a in _unique(actors))
    for i, actor in actors:
        for j, aff in enumerate(actor.affiliations):
            if aff.actor not in known:
                field = f"actors.{i}.affiliations.{j}.actor"
                guesses = known.closest(aff.actor)
                hint = (
                    "did you mean " + " or ".join(f"'{g}'" for g in guesses) + "?"
                    if guesses
                    else "add that actor or fix the id"
                )
                problems.append(
                    Problem(
                        name,
                        lines.line_of(("actors", i, "affiliations", j, "actor")),
                        f"{field}: unknown actor id '{aff.actor}'",
                        hint,
                        field,
                    )
                )
    problems += _shared_names(actors, data, name, lines)
    return problems


def _unique(actors: list[tuple[int, Actor]]) -> Iterator[Actor]:
    """Each id once (the first), so a duplicate does not hide other problems."""
    seen: set[str] = set()
    for _, actor in actors:
        if actor.id not in seen:
            seen.add(actor.id)
            yield actor


def _shared_names(
    actors: list[tuple[int, Actor]], data: Any, name: str, lines: LineMap
) -> list[Problem]:
    """Names of two different actors that share a key over overlapping periods."""
    problems: list[Problem] = []
    claimed: dict[str, list[tuple[str, ActorName, int | None]]] = {}
    for i, actor in actors:
        for alias in actor.names:
            line = lines.line_of(_name_path(data, i, alias.name))
            key = name_key(alias.name)
            for other_id, other, other_line in claimed.get(key, []):
                if other_id != actor.id and _overlap(alias, other):
                    problems.append(
                        Problem(
                            name,
                            line,
                            f"actors.{i}: name '{alias.name}' of '{actor.id}' is also the name"
                            f" '{other.name}' of '{other_id}' (line {other_line}) at the same"
                            " time",
                            "give the two names periods that do not overlap"
                            " (valid_from / valid_to), or keep the name on one actor",
                            f"actors.{i}.names",
                        )
                    )
            claimed.setdefault(key, []).append((actor.id, alias, line))
    return problems


def _name_path(data: Any, i: int, alias: str) -> PathKey:
    """Where ``alias`` of actor ``i`` is written: its names entry, else its 'name' field."""
    raw_names = data["actors"][i].get("names") or []
    for j, raw in enumerate(raw_names):
        if isinstance(raw, dict) and raw.get("name") == alias:
            return ("actors", i, "names", j)
    return ("actors", i, "name")


def _overlap(a: ActorName, b: ActorName) -> bool:
    """Whether the periods [valid_from, valid_to) of two names share a day."""
    a_before_b_ends = a.valid_from is None or b.valid_to is None or a.valid_from < b.valid_to
    b_before_a_ends = b.valid_from is None or a.valid_to is None or b.valid_from < a.valid_to
    return a_before_b_ends and b_before_a_ends
