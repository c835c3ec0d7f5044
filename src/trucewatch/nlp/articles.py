"""Articles from files: one text file, a folder of them, or a CSV of articles — read safely.

A file that is empty, binary or not UTF-8 is refused with a clear message; an
article longer than ``MAX_ARTICLE_CHARS`` is cut there (and the cut is
reported); a text that does not read as English gives no drafts and says so,
rather than drafts built on words the patterns do not understand.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from trucewatch.errors import InputError, Problem

MAX_ARTICLE_CHARS = 200_000
#: Share of common English words below which a text is not read as English.
MIN_ENGLISH_SHARE = 0.2
#: Texts with fewer words than this are read whatever their language share.
MIN_WORDS_TO_JUDGE = 20
_ENGLISH = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "was",
        "were",
        "that",
        "for",
        "on",
        "with",
        "by",
        "as",
        "at",
        "from",
        "said",
        "have",
        "has",
        "been",
        "killed",
        "people",
        "it",
        "an",
        "are",
        "which",
        "this",
        "their",
        "they",
        "after",
    ]
)
_WORD = re.compile(r"[A-Za-z]+")
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%y", "%m/%d/%Y", "%d/%m/%Y")


@dataclass(frozen=True)
class Article:
    """One article to read, with where it came from."""

    name: str
    line: int
    text: str
    published: date
    note: str | None = None


def is_english(text: str) -> bool:
    """Whether enough of the words are common English words to apply English patterns."""
    words = [w.lower() for w in _WORD.findall(text[:20_000])]
    if len(words) < MIN_WORDS_TO_JUDGE:
        return bool(words)  # too short to judge: read it
    return sum(w in _ENGLISH for w in words) / len(words) >= MIN_ENGLISH_SHARE


def read_text(path: Path) -> tuple[str, str | None]:
    """A text file's content and a note if it was cut; InputError if it is not text."""
    if not path.is_file():
        raise InputError([Problem(str(path), None, "file not found", "check the path")])
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError([Problem(str(path), None, "the file is empty", "give the article's text")])
    if b"\x00" in raw[:8192]:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    "this is not a text file (it holds binary data)",
                    "give the article as plain UTF-8 text",
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(
            [
                Problem(
                    str(path), None, f"not UTF-8 text (byte {e.start})", "save the article as UTF-8"
                )
            ]
        ) from None
    if len(text) > MAX_ARTICLE_CHARS:
        return text[
            :MAX_ARTICLE_CHARS
        ], f"cut to the first {MAX_ARTICLE_CHARS:,} characters of {len(text):,}"
    return text, None


def articles(path: Path, published: date | None) -> Iterator[Article]:
    """The articles in ``path``: a .txt file, a folder of .txt files, or a CSV of articles.

    A CSV needs a ``text`` or ``article_content`` column (an ``article_title``
    or ``title`` column is put in front) and a ``date``/``published`` column
    unless ``published`` is given.
    """
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".txt", ".text"))
        if not files:
            raise InputError(
                [
                    Problem(
                        str(path),
                        None,
                        "no .txt articles in this folder",
                        "put one article per .txt file",
                    )
                ]
            )
        for f in files:
            yield _one(f, published)
    elif path.suffix.lower() == ".csv":
        yield from _csv(path, published)
    else:
        yield _one(path, published)


def _one(path: Path, published: date | None) -> Article:
    if not path.is_file():
        raise InputError([Problem(str(path), None, "file not found", "check the path")])
    if published is None:
        raise InputError(
            [
                Problem(
                    "--published",
                    None,
                    "give the publication date (YYYY-MM-DD)",
                    "relative dates are read against it",
                )
            ]
        )
    text, note = read_text(path)
    return Article(str(path), 1, text, published, note)


def _csv(path: Path, published: date | None) -> Iterator[Article]:
    if not path.is_file():
        raise InputError([Problem(str(path), None, "file not found", "check the path")])
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        fields = set(reader.fieldnames or [])
        body = next(
            (c for c in ("text", "article_content", "content", "body") if c in fields), None
        )
        if body is None:
            raise InputError(
                [
                    Problem(
                        str(path),
                        1,
                        "no text column",
                        "name the article column text or article_content",
                    )
                ]
            )
        title = next((c for c in ("title", "article_title") if c in fields), None)
        when = next((c for c in ("published", "date") if c in fields), None)
        for line, row in enumerate(reader, start=2):
            text = ((row.get(title) or "") + ". " if title and row.get(title) else "") + (
                row.get(body) or ""
            )
            day = published
            if when and row.get(when):
                day = _parse_date(row[when]) or published
            if day is None:
                raise InputError(
                    [
                        Problem(
                            str(path),
                            line,
                            f"{when or 'date'}: no publication date",
                            "add a date column (YYYY-MM-DD) or give --published",
                        )
                    ]
                )
            yield Article(str(path), line, text[:MAX_ARTICLE_CHARS], day)


def _parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None
