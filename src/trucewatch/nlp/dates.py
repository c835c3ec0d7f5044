"""Dates in a sentence, resolved against the article's publication date.

"on Monday", "Tuesday morning" → the latest such weekday on or before
publication (news rarely reports a weekday a week old without saying so);
"yesterday" → the day before; "today", "this morning", "tonight" → the day;
"last week" → seven days before, week precision; "last month" → month
precision; "on 19 September" / "September 19" → that day of the publication
year (the year before if that would be after publication).  A sentence with
no date says when it was *reported*, not when it happened: the publication
date with week precision.  Expressions relative to an event ("on the eve of
the cease-fire") cannot be resolved without it and get the same.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MON = (
    r"(?P<m>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY_MONTH = re.compile(rf"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+{_MON}\b")
_MONTH_DAY = re.compile(rf"\b{_MON}\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(_DAYS) + r")\b")


def resolve_date(sentence: str, published: date) -> tuple[date, str] | None:
    """(date, precision) the sentence gives, or None when it gives none."""
    low = sentence.lower()
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        m = pattern.search(low)
        if m:
            month = next(
                i for i, name in enumerate(_MONTHS, 1) if name.startswith(m.group("m")[:3])
            )
            day = int(m.group("d"))
            try:
                when = date(published.year, month, day)
            except ValueError:
                continue
            if when > published:
                when = date(published.year - 1, month, day)
            return when, "day"
    if "yesterday" in low:
        return published - timedelta(days=1), "day"
    if re.search(r"\b(today|this morning|tonight|this evening)\b", low):
        return published, "day"
    m = _WEEKDAY.search(low)
    if m:
        back = (published.weekday() - _DAYS.index(m.group(1))) % 7
        return published - timedelta(days=back), "day"
    if "last week" in low or "past week" in low:
        return published - timedelta(days=7), "week"
    if "last month" in low:
        return published - timedelta(days=30), "month"
    return None
