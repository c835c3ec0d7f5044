"""News text in: each draft incident ``trucewatch extract`` finds becomes a reported incident.

Drafts go to the review queue with status ``reported`` (the default of every
new incident), never verified: an analyst reads them against the article.
A draft whose place has no coordinates (an ambiguous or unknown name) cannot
be stored as an incident; it is a row problem naming the article and the
place, to be located by hand (``trucewatch geo find``) or skipped with
``--skip-bad-rows``.  ``Row.line`` is the article's line in a CSV, or 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from trucewatch.domain import CasualtyRange, Incident, IncidentActor, Location, Provenance
from trucewatch.domain.incident import Role
from trucewatch.errors import Problem
from trucewatch.ingest.base import ActorResolver, Row, file_sha256

__all__ = ["TextImporter"]


class TextImporter:
    """Articles (a .txt, a folder of them, or a CSV) read by the extractor."""

    format = "text"

    def __init__(self, published: date | None = None) -> None:
        self.published = published

    def rows(self, path: Path, *, actors: ActorResolver | None = None) -> Iterator[Row]:
        """One Row per draft incident, in article order."""
        from trucewatch.nlp import extract_article
        from trucewatch.nlp.articles import articles

        path = Path(path)
        sha = file_sha256(path) if path.is_file() else "folder"
        for article in articles(path, self.published):
            drafts = extract_article(article.text, article.published)["incidents"]
            stem = Path(article.name).stem
            for n, d in enumerate(drafts, start=1):
                external_id = f"{stem}-{article.line}-{n}"
                original = {"article": article.name, "draft": json.dumps(d, ensure_ascii=False)}
                loc = d["location"]
                if loc is None or loc.get("latitude") is None:
                    where = f"place {loc['name']!r} has no coordinates" if loc else "no place found"
                    yield Row(
                        article.line,
                        external_id,
                        original,
                        None,
                        (
                            Problem(
                                article.name,
                                article.line,
                                f"draft incident {n}: {where}",
                                "locate it by hand (trucewatch geo find) or use --skip-bad-rows",
                            ),
                        ),
                    )
                    continue
                yield Row(
                    article.line,
                    external_id,
                    original,
                    _incident(d, external_id, article.name, sha, article.line),
                    (),
                )


def _incident(d: dict[str, object], external_id: str, name: str, sha: str, line: int) -> Incident:
    def rng(value: object) -> CasualtyRange | None:
        if not isinstance(value, dict):
            return None
        return CasualtyRange(low=value["low"], best=value["best"], high=value["high"])

    loc = d["location"]
    assert isinstance(loc, dict)
    roles = {"perpetrator": Role.PERPETRATOR, "target": Role.TARGET}
    return Incident(
        id=external_id,
        date=date.fromisoformat(str(d["date"])),
        time_precision={"day": 1, "week": 2, "month": 3}[str(d["date_precision"])],
        event_type=str(d["event_type"]),
        sub_event_type=str(d["sub_event_type"]),
        actors=[
            IncidentActor(name=a["name"], id=a["id"], role=roles.get(a["role"], Role.OTHER))
            for a in d["actors"]  # type: ignore[attr-defined]
        ],
        location=Location(
            name=str(loc["name"]),
            admin1=loc.get("admin1"),
            latitude=float(loc["latitude"]),
            longitude=float(loc["longitude"]),
            geo_precision=int(loc.get("geo_precision") or 1),
        ),
        fatalities=rng(d["fatalities"]) or CasualtyRange.exactly(0),
        civilian_fatalities=rng(d.get("civilian_fatalities")),
        tags=[*d["tags"], "draft_from_text"],  # type: ignore[misc]
        notes=str(d["text"])[:2000],
        source=f"{name} (extracted draft)",
        provenance=Provenance(
            file=name, sha256=sha, row=line, original={"draft": json.dumps(d)[:10000]}
        ),
    )
