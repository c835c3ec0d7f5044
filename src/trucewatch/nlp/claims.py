"""Claims in sentences: who accuses, admits, denies or explains otherwise, about whom.

Patterns (each in one sentence):

* accuses — "X accused / blamed Y", "X held Y responsible", "X said Y was
  behind …", "presumed by X to have been Y …", "according to X" when the
  sentence names who did it;
* admits — "X admitted / acknowledged / claimed responsibility";
* denies — "X denied …" (about X itself, or about Y in "X denied that Y …");
* alternative_explanation — "X said …" with another cause: caught fire, on its
  own, a drone, no evidence of a strike.

The claimant is the actor right before the verb; the subject the first actor
after it.  A claim is kept with its sentence, for the analyst to check.
"""

from __future__ import annotations

import re
from typing import Any

from trucewatch.actors import ActorRegistry

_ACCUSE = re.compile(r"\b(accused|accuses|accusing|blamed|blames|blaming|held|holds)\b")
_ADMIT = re.compile(r"\b(admitted|admits|acknowledged|acknowledges|claimed responsibility)\b")
_DENY = re.compile(r"\b(denied|denies|denying|rejected claims|dismissed claims)\b")
_SAID = re.compile(r"\b(said|says|claimed|claims|suggested|insisted|stated)\b")
_BEHIND = re.compile(r"\b(was|were) (behind|responsible)\b")
_PRESUMED = re.compile(r"\b(presumed|believed|thought) by\b")
_ACCORDING = re.compile(r"\baccording to\b")
_ALTERNATIVE = re.compile(
    r"\b(caught fire|on its own|a fire|drone|no evidence|not an? (?:air ?strike|attack)|"
    r"were not hit|was not hit|staged|fabricated)\b"
)


class _Sentence:
    """One sentence's actor mentions, and the claims found in it."""

    def __init__(
        self, index: int, start: int, text: str, found: list[Any], out: list[dict[str, Any]]
    ):
        self.index, self.start, self.text, self.found, self.out = index, start, text, found, out

    def before(self, pos: int) -> Any:
        prior = [m for m in self.found if m.end <= self.start + pos]
        return prior[-1] if prior else None

    def after(self, pos: int, not_id: str | None = None) -> Any:
        later = [m for m in self.found if m.start >= self.start + pos and m.value != not_id]
        return later[0] if later else None

    def add(self, kind: str, claimant: Any, subject: Any) -> None:
        if claimant is None:
            return
        self.out.append(
            {
                "claimant": {"id": claimant.value, "name": claimant.text},
                "kind": kind,
                "subject": {"id": subject.value, "name": subject.text} if subject else None,
                "text": self.text,
                "sentence": self.index,
            }
        )


def read_claims(
    sentences: list[tuple[int, int, str]], mentions: list[Any], actors: ActorRegistry
) -> list[dict[str, Any]]:
    """Every claim found, as contract dicts (claimant, kind, subject, text)."""
    out: list[dict[str, Any]] = []
    for index, (start, end, sentence) in enumerate(sentences):
        found = [m for m in mentions if m.kind == "actor" and start <= m.start < end]
        if found:
            _claims_in(_Sentence(index, start, sentence, found, out), sentence.lower())
    return out


def _claims_in(s: _Sentence, low: str) -> None:
    def own(m: Any) -> str | None:
        return m.value if m else None

    if (m := _PRESUMED.search(low)) is not None:
        claimant = s.after(m.end())
        subject = s.after(m.end(), own(claimant))
        if claimant is not None and subject is not None:
            s.add("accuses", claimant, subject)
            return
    m = _ACCUSE.search(low)
    if m is not None and (m.group(1) not in ("held", "holds") or "responsible" in low):
        claimant = s.before(m.start())
        s.add("accuses", claimant, s.after(m.end(), own(claimant)))
        return
    if (m := _ADMIT.search(low)) is not None:
        claimant = s.before(m.start())
        s.add("admits", claimant, claimant)
        return
    said = _SAID.search(low)
    if (m := _DENY.search(low)) is not None:
        claimant = s.before(m.start())
        s.add("denies", claimant, s.after(m.end(), own(claimant)) or claimant)
        if said is None or not _ALTERNATIVE.search(low[said.end() :]):
            return
    if said is not None and _ALTERNATIVE.search(low[said.end() :]):
        claimant = s.before(said.start())
        s.add("alternative_explanation", claimant, s.after(said.end(), own(claimant)))
        return
    if said is not None and (b := _BEHIND.search(low[said.end() :])) is not None:
        claimant = s.before(said.start())
        subject = s.after(said.end(), own(claimant))
        if subject is not None and subject.start < s.start + said.end() + b.start():
            s.add("accuses", claimant, subject)
            return
    if (m := _ACCORDING.search(low)) is not None:
        claimant = s.after(m.end())
        doers = [x for x in s.found if x is not claimant and x.end <= s.start + m.start()]
        if claimant is not None and doers:
            s.add("accuses", claimant, doers[0])
